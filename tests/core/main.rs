//! Integration tests of the core: a real SQLite file, the real keyring, real log files.
//! One binary (ripgrep's habit), one module per area.

mod keyring;
mod logging;
mod store;
mod support;
mod workspaces;
