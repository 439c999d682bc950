//! NumberDesk: own and run the phone numbers behind voice agents.
//!
//! This file is wiring only. Everything but `shell` is the core: it never names Tauri or the UI,
//! and builds with `--no-default-features`. See ARCHITECTURE.md for the code map and invariants.

pub mod accounts;
pub mod agents;
pub mod audit;
pub mod billing;
pub mod carriers;
pub mod clock;
pub mod connect;
pub mod connections;
pub mod context;
pub mod credentials;
pub mod diagnostics;
pub mod disconnect;
pub mod forwarding;
pub mod import;
pub mod logging;
pub mod numbers_table;
pub mod purchase;
pub mod regions;
pub mod sandbox;
pub mod sandbox_mode;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod workspaces;

#[cfg(feature = "desktop")]
pub mod shell;
