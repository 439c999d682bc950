//! Shared helpers: start a sandbox and build clients for its seeded accounts.

use std::time::Duration;

use numberdesk::carriers::{
    ClientOptions, Sensitive, TelnyxClient, TwilioClient, TwilioCredentials, TwilioUrls,
};
use numberdesk::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

pub async fn start(owned: usize) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// Short timeouts and backoffs so fault tests run in seconds.
pub fn fast_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(60),
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(100),
        ..ClientOptions::default()
    }
}

pub fn twilio_urls(sandbox: &SandboxHandle) -> TwilioUrls {
    let urls = sandbox.base_urls();
    TwilioUrls {
        api: urls.twilio_api.clone(),
        pricing: urls.twilio_pricing.clone(),
        routes: urls.twilio_routes.clone(),
    }
}

pub fn twilio_token(sandbox: &SandboxHandle) -> TwilioCredentials {
    let account = &sandbox.twilio_accounts()[0];
    TwilioCredentials::AuthToken {
        account_sid: account.account_sid.clone(),
        auth_token: Sensitive::new(account.auth_token.clone()),
    }
}

pub fn twilio(sandbox: &SandboxHandle) -> TwilioClient {
    twilio_with(sandbox, twilio_token(sandbox), fast_options())
}

pub fn twilio_with(
    sandbox: &SandboxHandle,
    credentials: TwilioCredentials,
    options: ClientOptions,
) -> TwilioClient {
    TwilioClient::new(twilio_urls(sandbox), credentials, options).expect("twilio client")
}

pub fn telnyx(sandbox: &SandboxHandle) -> TelnyxClient {
    telnyx_with(
        sandbox,
        &sandbox.telnyx_accounts()[0].api_key,
        fast_options(),
    )
}

pub fn telnyx_with(sandbox: &SandboxHandle, key: &str, options: ClientOptions) -> TelnyxClient {
    TelnyxClient::new(
        &sandbox.base_urls().telnyx,
        Sensitive::new(key.to_string()),
        options,
    )
    .expect("telnyx client")
}
