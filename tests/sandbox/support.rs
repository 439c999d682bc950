//! Shared helpers: start a sandbox, build authenticated requests, read JSON replies, wait for
//! the sandbox to reach a state.

use std::sync::Arc;
use std::time::Duration;

use numberdesk::sandbox::{ManualClock, Sandbox, SandboxConfig, SandboxHandle};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

/// How long a test waits for the sandbox to get where it should before it fails.
const PATIENCE: Duration = Duration::from_secs(20);

pub async fn start(owned: usize) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// A sandbox whose latency, hangs and timed orders wait on `clock`, which the test moves.
pub async fn start_on(owned: usize, clock: &ManualClock) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        clock: Arc::new(clock.clone()),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// Waits until `count` requests are held on the sandbox's clock.
pub async fn held(clock: &ManualClock, count: usize) {
    tokio::time::timeout(PATIENCE, clock.until_sleeping(count))
        .await
        .unwrap_or_else(|_| panic!("{count} requests were never held; {} are", clock.sleeping()));
}

/// Waits until the sandbox has recorded `count` calls.
pub async fn recorded(sandbox: &SandboxHandle, count: usize) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while sandbox.calls().len() < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{count} calls were never recorded: {:?}",
            sandbox.calls()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// A Twilio request authenticated as the sandbox's first account.
pub struct Twilio<'a> {
    pub sandbox: &'a SandboxHandle,
    pub client: Client,
    pub account: usize,
}

impl<'a> Twilio<'a> {
    pub fn new(sandbox: &'a SandboxHandle) -> Twilio<'a> {
        Twilio {
            sandbox,
            client: client(),
            account: 0,
        }
    }

    pub fn sid(&self) -> &str {
        &self.sandbox.twilio_accounts()[self.account].account_sid
    }

    pub fn token(&self) -> &str {
        &self.sandbox.twilio_accounts()[self.account].auth_token
    }

    /// `path` below `https://api.twilio.com`, with `{sid}` replaced by the account SID.
    pub fn api(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let url = format!(
            "{}{}",
            self.sandbox.base_urls().twilio_api,
            path.replace("{sid}", self.sid())
        );
        self.client
            .request(method, url)
            .basic_auth(self.sid(), Some(self.token()))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.api(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> RequestBuilder {
        self.api(reqwest::Method::POST, path).form(form)
    }

    pub fn pricing(&self, path: &str) -> RequestBuilder {
        self.client
            .get(format!("{}{path}", self.sandbox.base_urls().twilio_pricing))
            .basic_auth(self.sid(), Some(self.token()))
    }

    /// `path` below `https://numbers.twilio.com` (Numbers v2).
    pub fn numbers(&self, path: &str) -> RequestBuilder {
        self.client
            .get(format!("{}{path}", self.sandbox.base_urls().twilio_numbers))
            .basic_auth(self.sid(), Some(self.token()))
    }

    pub fn routes(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client
            .request(
                method,
                format!("{}{path}", self.sandbox.base_urls().twilio_routes),
            )
            .basic_auth(self.sid(), Some(self.token()))
    }
}

/// A Telnyx request authenticated as the sandbox's first account.
pub struct Telnyx<'a> {
    pub sandbox: &'a SandboxHandle,
    pub client: Client,
    pub account: usize,
}

impl<'a> Telnyx<'a> {
    pub fn new(sandbox: &'a SandboxHandle) -> Telnyx<'a> {
        Telnyx {
            sandbox,
            client: client(),
            account: 0,
        }
    }

    pub fn key(&self) -> &str {
        &self.sandbox.telnyx_accounts()[self.account].api_key
    }

    /// `path` below `https://api.telnyx.com/v2`.
    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client
            .request(
                method,
                format!("{}/v2{path}", self.sandbox.base_urls().telnyx),
            )
            .bearer_auth(self.key())
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }
}

/// Sends and reads the reply as JSON (panics on a transport error or a non-JSON body).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request answered");
    let status = response.status();
    let text = response.text().await.expect("body read");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
    };
    (status, value)
}
