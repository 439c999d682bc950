//! Shared helpers: start a sandbox and build clients for its seeded accounts, a clock the
//! clients and the sandbox share, and the walks and checks several tests make.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use numberdesk::carriers::account::CarrierEndpoints;
use numberdesk::carriers::http::{NumberPages, RetryClock, RetryWait};
use numberdesk::carriers::{
    CarrierError, ClientOptions, NumberSearch, OwnedNumber, Sensitive, TelnyxClient, TwilioClient,
    TwilioCredentials, TwilioUrls,
};
use numberdesk::sandbox::{Clock, ManualClock, Sandbox, SandboxConfig, SandboxHandle};

pub async fn start(owned: usize) -> SandboxHandle {
    start_with(owned, SandboxConfig::default()).await
}

/// A sandbox whose latency, hangs and call log run on `clock`.
pub async fn start_on(owned: usize, clock: &ManualClock) -> SandboxHandle {
    let config = SandboxConfig {
        clock: Arc::new(clock.clone()),
        ..SandboxConfig::default()
    };
    start_with(owned, config).await
}

async fn start_with(owned: usize, config: SandboxConfig) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        ..config
    })
    .await
    .expect("sandbox starts")
}

/// The sandbox's manual clock as a client's retry clock: each wait of the client moves the clock
/// on by exactly that wait, at once, so the sandbox's call log shows when each retry arrived.
#[derive(Debug)]
pub struct SharedClock(pub ManualClock);

impl RetryClock for SharedClock {
    fn now(&self) -> Duration {
        self.0.now()
    }

    fn wait(&self, duration: Duration) -> RetryWait {
        self.0.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

/// [`fast_options`] whose waits and deadline run on the sandbox's `clock`.
pub fn options_on(clock: &ManualClock) -> ClientOptions {
    ClientOptions {
        retry_clock: Some(Arc::new(SharedClock(clock.clone()))),
        ..fast_options()
    }
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
    CarrierEndpoints::from(sandbox.base_urls()).twilio_urls()
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

/// One US number on sale, by E.164, from a Twilio search.
pub async fn twilio_number_on_sale(client: &TwilioClient) -> String {
    client
        .search_available(&us_search())
        .await
        .expect("a search")
        .remove(0)
        .e164
        .into_string()
}

/// A search for one US number.
pub fn us_search() -> NumberSearch {
    NumberSearch {
        country: "US".into(),
        limit: Some(1),
        ..NumberSearch::default()
    }
}

/// Walks a pager to its end: the carrier ids it handed out, in order, and the pages it took.
pub async fn walk(pager: &mut impl NumberPages) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    while let Some(page) = pager.next_page().await.expect("page") {
        pages += 1;
        ids.extend(page.into_iter().map(|number| number.carrier_id));
    }
    (ids, pages)
}

/// Fails unless `ids` are exactly the numbers the sandbox account `account_id` owns, each once.
pub fn assert_each_owned_once(sandbox: &SandboxHandle, account_id: &str, ids: &[String]) {
    let expected: HashSet<String> = sandbox
        .account_state(account_id, true)
        .expect("the account")
        .numbers
        .into_iter()
        .map(|number| number.id)
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "no number twice");
    assert_eq!(unique.len(), expected.len());
    assert!(
        ids.iter().all(|id| expected.contains(id)),
        "no number missed"
    );
}

/// Runs `update` on every id at once and fails unless each one succeeds in the end.
pub async fn update_all<F, Fut>(ids: impl IntoIterator<Item = String>, update: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<OwnedNumber, CarrierError>> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        tasks.spawn(update(id));
    }
    while let Some(result) = tasks.join_next().await {
        result
            .expect("task")
            .expect("rate-limited updates are retried, never given up");
    }
}
