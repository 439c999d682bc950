//! Integration tests of the carrier sandbox: real HTTP over loopback with reqwest, replies checked
//! against the carriers' official OpenAPI schemas, every fault mode observed, paging walked end
//! to end. One test binary (see Cargo.toml `[[test]] name = "sandbox"`).

mod binary;
mod clock;
mod faults;
mod schema;
mod support;
mod telnyx;
mod twilio;
