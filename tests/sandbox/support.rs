//! Shared helpers: start a sandbox, build authenticated requests, read JSON replies.

use std::time::Duration;

use numberdesk::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

pub async fn start(owned: usize) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
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
