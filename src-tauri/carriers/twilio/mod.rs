//! Twilio: the v2010 core API (accounts, owned and available numbers), Pricing v1 and Routes v2,
//! over HTTP Basic auth with form-encoded bodies. `wire.rs` mirrors Twilio's JSON and stays here.

mod client;
mod numbers;
mod search;
mod wire;

pub use client::{
    edge_of, is_sid, RegionalApiKey, TwilioClient, TwilioCredentials, TwilioNumberUpdate,
    TwilioPurchase, TwilioUrls,
};
pub use numbers::TwilioNumberPager;
