//! Managing the numbers a workspace holds: the numbers table, sync with the carrier, Twilio
//! inbound regions, agents, diagnostics and call-forwarding help.

pub mod agents;
pub mod diagnostics;
pub mod forwarding;
pub mod regions;
pub mod sync;
pub mod table;
