//! The flows of NumberDesk, one module (or folder) each. A flow decides; the store and the
//! carrier clients do the I/O. No flow names Tauri or the UI.

pub mod accounts;
pub mod audit;
pub mod billing;
pub mod connect;
pub mod csv_out;
pub mod disconnect;
pub mod import;
pub mod manage;
pub mod purchase;
pub mod reconcile;
pub mod sip;
pub mod workspaces;
