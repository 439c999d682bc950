//! End-to-end tests: the real NumberDesk window, driven through WebDriver (tauri-driver in front of
//! WebKitWebDriver), under Xvfb, with a real database file and the real keyring. Run them through
//! the README's test command, which provides the display, dbus and keyring.
//!
//! Each flow is a module; `harness` is what they share.

mod buy;
mod harness;
mod import;
mod manage;
mod sip;
mod workspaces;
