//! The words of NumberDesk's domain, shared by every flow: what NumberDesk sets at a carrier,
//! and (as they move here) the kinds, ids and phone numbers that cross every boundary.

pub mod e164;
pub mod failure;
pub mod ids;
pub mod kinds;
pub mod target;
