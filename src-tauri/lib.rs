//! NumberDesk: own and run the phone numbers behind voice agents.
//!
//! This file is wiring only. Everything but `shell` is the core: it never names Tauri or the UI,
//! and builds with `--no-default-features`. See ARCHITECTURE.md for the code map and invariants.

pub mod app;
pub mod carriers;
pub mod clock;
pub mod domain;
pub mod flows;
pub mod logging;
pub mod sandbox;
pub mod secrets;
pub mod store;

#[cfg(feature = "desktop")]
pub mod shell;
