//! The commands the UI calls, one file per screen family. Each takes its arguments, calls the
//! App in one line and maps the error; none decides anything.

pub mod buy;
pub mod import;
pub mod manage;
pub mod sip;
pub mod workspaces;
