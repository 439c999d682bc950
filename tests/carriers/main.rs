//! Integration tests of the carrier clients against the carrier sandbox on loopback: validation,
//! paging across many pages (every number exactly once), update and fetch, search and purchase,
//! and faults (429 storms, 5xx, hangs, dropped connections, malformed JSON) converging. One test
//! binary (see Cargo.toml `[[test]] name = "carriers"`).

mod faults;
mod support;
mod telnyx;
mod twilio;
