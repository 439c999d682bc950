//! The carrier sandbox: a Twilio- and Telnyx-compatible HTTP server on loopback, for tests and for
//! the app's Sandbox mode. It never names Tauri, the store or the keyring.
