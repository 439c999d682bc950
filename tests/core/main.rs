//! Integration tests of the core: a real SQLite file, the real keyring, real log files.
//! One binary (ripgrep's habit), one module per area.

mod app;
mod billing;
mod cli;
mod connections;
mod import;
mod keyring;
mod logging;
mod manage;
mod purchase;
mod sandbox_mode;
mod sip;
mod store;
mod strict;
mod support;
mod workspaces;
