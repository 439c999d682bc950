//! Telnyx API v2: owned numbers, TeXML applications, messaging profiles, number search and
//! orders, balance; Bearer auth and JSON bodies. `wire.rs` mirrors Telnyx's JSON and stays here.

mod client;
mod numbers;
mod orders;
mod wire;

pub use client::{TelnyxClient, TelnyxNumberUpdate, TelnyxOrderRequest};
pub use numbers::TelnyxNumberPager;
