//! The carrier sandbox: a Twilio- and Telnyx-compatible HTTP server on loopback, for tests and for
//! the app's Sandbox mode. It never names Tauri, the store or the keyring.
//!
//! One port serves every carrier host under its own prefix (`/twilio/api`, `/twilio/pricing`,
//! `/twilio/routes`, `/telnyx`), so each real base URL maps one to one onto a sandbox base URL,
//! and `/_sandbox` holds the inspection and fault API that no real carrier has. All state is in
//! memory and shared through an `Arc`; start as many sandboxes as you like, each on its own port.

mod clock;
mod dns;
mod faults;
mod inspect;
mod inventory;
mod sip;
mod snapshot;
pub mod spec;
mod state;
mod telnyx;
mod twilio;
mod wire;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, Response};
use axum::Router;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

pub use clock::{Clock, ManualClock, Sleep, SystemClock};
pub use faults::{
    Carrier, Chaos, FaultControl, FaultKind, FaultRule, FaultSnapshot, OrderCompletion,
    OrderOutcome,
};
pub use inspect::{CallOutcome, CallRecord};
pub use sip::{SipBehaviour, SipInfo, SipResponder, SipSeen};
pub use snapshot::{AccountState, NumberState, OrderState};
pub use state::OrderStatus;
pub use twilio::RoutedCall;

use faults::{ConnectionControl, FaultState};
use inspect::CallLog;
use inventory::Inventory;
use state::{Shared, World};

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the sandbox cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid sandbox configuration: {0}")]
    InvalidConfig(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Numbers owned by the first account of each carrier (10,000 is fine).
    pub owned_numbers: usize,
    /// Numbers owned by every other account.
    pub owned_numbers_other_accounts: usize,
    /// Accounts per carrier (at least 1; the default is 2).
    pub accounts_per_carrier: usize,
    /// Delay added to every carrier request.
    pub latency: Duration,
    /// Seeds credentials, owned numbers and the stock: the same seed gives the same sandbox.
    pub seed: u64,
    /// How Telnyx number orders complete.
    pub order_completion: OrderCompletion,
    /// What added latency, hangs and timed order completion wait on, and what the call log's
    /// times are read from. Tests give a [`ManualClock`] to decide when a delayed answer goes
    /// out instead of waiting for it.
    pub clock: Arc<dyn Clock>,
    /// The SIP trunk's port (UDP and TCP) and its silent port, tried first so a trunk saved
    /// against the sandbox still answers after a restart; any free ports when they are taken,
    /// or when this is `None`.
    pub sip_ports: Option<(u16, u16)>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            owned_numbers: 25,
            owned_numbers_other_accounts: 3,
            accounts_per_carrier: 2,
            latency: Duration::ZERO,
            seed: 1,
            order_completion: OrderCompletion::default(),
            clock: Arc::new(SystemClock::new()),
            sip_ports: None,
        }
    }
}

/// The sandbox's base URL for each real carrier host. Paths below each are the carrier's own:
/// `twilio_api` stands for `https://api.twilio.com`, `twilio_pricing` for
/// `https://pricing.twilio.com`, `twilio_routes` for `https://routes.twilio.com`, `twilio_numbers` for
/// `https://numbers.twilio.com` and `telnyx`
/// for `https://api.telnyx.com` (so the Telnyx v2 base is `{telnyx}/v2`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseUrls {
    pub twilio_api: String,
    pub twilio_pricing: String,
    pub twilio_routes: String,
    /// Numbers v2, `https://numbers.twilio.com` (regulatory compliance).
    #[serde(default)]
    pub twilio_numbers: String,
    /// The regional API hosts, `https://api.{edge}.{region}.twilio.com`, as a template with
    /// `{edge}` and `{region}` in it.
    #[serde(default)]
    pub twilio_regional: String,
    pub telnyx: String,
    /// The name server of the sandbox's SIP zone (`host:port` on UDP), standing for DNS.
    #[serde(default)]
    pub sip_dns: String,
}

impl BaseUrls {
    fn for_addr(addr: SocketAddr) -> BaseUrls {
        let root = format!("http://{addr}");
        BaseUrls {
            twilio_api: format!("{root}{}", twilio::API_PREFIX),
            twilio_pricing: format!("{root}{}", twilio::PRICING_PREFIX),
            twilio_routes: format!("{root}{}", twilio::ROUTES_PREFIX),
            twilio_numbers: format!("{root}{}", twilio::NUMBERS_PREFIX),
            twilio_regional: format!("{root}{}/api.{{edge}}.{{region}}", twilio::REGIONAL_PREFIX),
            telnyx: format!("{root}{}", telnyx::PREFIX),
            sip_dns: String::new(),
        }
    }
}

/// A seeded Twilio account: Basic auth with `account_sid:auth_token`, or with
/// `api_key_sid:api_key_secret` (a standard key: everything but the Accounts resource).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioAccountInfo {
    pub account_sid: String,
    pub auth_token: String,
    pub api_key_sid: String,
    pub api_key_secret: String,
    pub friendly_name: String,
    pub owned_numbers: usize,
    /// API keys made in regions other than us1, valid on those regions' hosts only.
    #[serde(default)]
    pub regional_keys: Vec<RegionalKeyInfo>,
}

/// An API key made in one region (`ie1`, `au1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalKeyInfo {
    pub region: String,
    pub key_sid: String,
    pub key_secret: String,
}

impl TwilioAccountInfo {
    /// The account's API key made in `region`.
    pub fn regional_key(&self, region: &str) -> Option<&RegionalKeyInfo> {
        self.regional_keys.iter().find(|key| key.region == region)
    }
}

/// A seeded Telnyx account: `Authorization: Bearer {api_key}`. Its first TeXML application and
/// messaging profile are named here; each account has two of both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelnyxAccountInfo {
    pub api_key: String,
    pub organization_id: String,
    pub texml_application_id: String,
    pub messaging_profile_id: String,
    pub owned_numbers: usize,
}

/// The one JSON line the binary prints at start-up, and what the library hands back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartupInfo {
    pub listen: String,
    pub seed: u64,
    pub base_urls: BaseUrls,
    pub twilio: Vec<TwilioAccountInfo>,
    pub telnyx: Vec<TelnyxAccountInfo>,
    /// Twilio accounts that are not active, by state (`suspended`, `closed`).
    #[serde(default)]
    pub twilio_inactive: Vec<(String, TwilioAccountInfo)>,
    /// A Twilio trial account (it owns one number, the most a trial may have).
    #[serde(default)]
    pub twilio_trial: Option<TwilioAccountInfo>,
    /// A Telnyx account whose balance cannot pay for a single number.
    #[serde(default)]
    pub telnyx_low_balance: Option<TelnyxAccountInfo>,
    /// The SIP trunk on loopback (UDP and TCP) and its digest credentials.
    #[serde(default)]
    pub sip: Option<SipInfo>,
}

fn telnyx_info(account: &state::TelnyxAccount) -> TelnyxAccountInfo {
    TelnyxAccountInfo {
        api_key: account.api_key.clone(),
        organization_id: account.organization_id.clone(),
        texml_application_id: account.texml_applications[0].id.clone(),
        messaging_profile_id: account.messaging_profiles[0].id.clone(),
        owned_numbers: account.numbers.len(),
    }
}

/// Whether a Telnyx account can pay for at least one number.
fn can_buy(account: &state::TelnyxAccount) -> bool {
    account.spendable_cents() >= state::NUMBER_PRICE_CENTS
}

fn twilio_info(account: &state::TwilioAccount) -> TwilioAccountInfo {
    TwilioAccountInfo {
        account_sid: account.sid.clone(),
        auth_token: account.auth_token.clone(),
        api_key_sid: account.api_key_sid.clone(),
        api_key_secret: account.api_key_secret.clone(),
        friendly_name: account.friendly_name.clone(),
        owned_numbers: account.numbers.len(),
        regional_keys: account
            .regional_keys
            .iter()
            .map(|key| RegionalKeyInfo {
                region: key.region.to_string(),
                key_sid: key.sid.clone(),
                key_secret: key.secret.clone(),
            })
            .collect(),
    }
}

/// The sandbox server.
pub struct Sandbox;

impl Sandbox {
    /// Binds, seeds and starts serving in the background on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle> {
        if config.accounts_per_carrier == 0 {
            return Err(Error::InvalidConfig(
                "accounts_per_carrier must be at least 1".to_string(),
            ));
        }
        if config.owned_numbers > 1_000_000 {
            return Err(Error::InvalidConfig(
                "owned_numbers must be at most 1,000,000".to_string(),
            ));
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
        let base = BaseUrls::for_addr(addr);
        let inventory = Inventory::build(config.seed);
        let world = World::seed(
            config.seed,
            &inventory,
            config.owned_numbers,
            config.accounts_per_carrier,
            config.owned_numbers_other_accounts,
        );
        let info = StartupInfo {
            listen: addr.to_string(),
            seed: config.seed,
            base_urls: base.clone(),
            twilio_inactive: world
                .twilio
                .iter()
                .filter(|account| account.status != "active")
                .map(|account| (account.status.to_string(), twilio_info(account)))
                .collect(),
            twilio_trial: world
                .twilio
                .iter()
                .find(|account| account.kind == "Trial")
                .map(twilio_info),
            twilio: world
                .twilio
                .iter()
                .filter(|account| account.status == "active" && account.kind == "Full")
                .map(twilio_info)
                .collect(),
            telnyx: world
                .telnyx
                .iter()
                .filter(|account| can_buy(account))
                .map(telnyx_info)
                .collect(),
            telnyx_low_balance: world
                .telnyx
                .iter()
                .find(|account| !can_buy(account))
                .map(telnyx_info),
            sip: None,
        };
        let shared = Arc::new(Shared {
            world: RwLock::new(world),
            inventory,
            faults: FaultState::new(config.latency, config.order_completion),
            calls: CallLog::default(),
            violations: Default::default(),
            base,
            clock: config.clock,
        });
        let router = router(Arc::clone(&shared));
        let (shutdown, shutdown_signal) = watch::channel(false);
        let sip = SipResponder::start(config.sip_ports, shutdown_signal.clone())
            .await
            .map_err(|source| Error::Bind {
                addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                source,
            })?;
        let dns = dns::start(
            sip.info().port,
            sip.info().silent_port,
            shutdown_signal.clone(),
        )
        .await
        .map_err(|source| Error::Bind {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            source,
        })?;
        let sip = sip.named(
            format!("sip.{}", dns::SIP_ZONE),
            format!("silent.{}", dns::SIP_ZONE),
            dns.to_string(),
        );
        let mut info = info;
        info.base_urls.sip_dns = dns.to_string();
        info.sip = Some(sip.info().clone());
        let task = tokio::spawn(serve(listener, router, shutdown_signal));
        tracing::info!(%addr, "carrier sandbox listening");
        Ok(SandboxHandle {
            info,
            shared,
            sip,
            shutdown,
            task: Some(task),
        })
    }
}

/// A running sandbox. Dropping it stops the server too; `shutdown` also waits for it.
pub struct SandboxHandle {
    info: StartupInfo,
    shared: Arc<Shared>,
    sip: SipResponder,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    pub fn addr(&self) -> SocketAddr {
        self.info
            .listen
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn base_urls(&self) -> &BaseUrls {
        &self.info.base_urls
    }

    /// The inspection API's root, e.g. `http://127.0.0.1:PORT/_sandbox`.
    pub fn inspect_url(&self) -> String {
        format!("http://{}/_sandbox", self.info.listen)
    }

    pub fn twilio_accounts(&self) -> &[TwilioAccountInfo] {
        &self.info.twilio
    }

    /// The seeded Twilio account in `status` (`suspended` or `closed`).
    pub fn twilio_account_in(&self, status: &str) -> Option<&TwilioAccountInfo> {
        self.info
            .twilio_inactive
            .iter()
            .find(|(s, _)| s == status)
            .map(|(_, info)| info)
    }

    /// The seeded Twilio trial account.
    pub fn twilio_trial_account(&self) -> Option<&TwilioAccountInfo> {
        self.info.twilio_trial.as_ref()
    }

    pub fn telnyx_accounts(&self) -> &[TelnyxAccountInfo] {
        &self.info.telnyx
    }

    /// The seeded Telnyx account whose balance cannot pay for one number.
    pub fn telnyx_low_balance_account(&self) -> Option<&TelnyxAccountInfo> {
        self.info.telnyx_low_balance.as_ref()
    }

    /// What the binary prints at start-up (owned counts as seeded).
    pub fn startup_info(&self) -> &StartupInfo {
        &self.info
    }

    /// The SIP trunk on loopback: where it listens, how it answers, what it read.
    pub fn sip(&self) -> &SipResponder {
        &self.sip
    }

    /// Sets faults from Rust; the same settings are reachable over HTTP under `/_sandbox/faults`.
    pub fn faults(&self) -> FaultControl {
        FaultControl {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Every request that did not match its carrier's specification, oldest first.
    pub fn violations(&self) -> Vec<spec::Violation> {
        self.shared.violations_now()
    }

    pub fn clear_violations(&self) {
        self.shared.clear_violations();
    }

    /// Every recorded carrier call, oldest first (the last 100,000 are kept).
    pub fn calls(&self) -> Vec<CallRecord> {
        self.shared.calls.since(0, None)
    }

    /// Recorded calls with `seq` above `since`, optionally for one carrier.
    pub fn calls_since(&self, since: u64, carrier: Option<Carrier>) -> Vec<CallRecord> {
        self.shared.calls.since(since, carrier)
    }

    pub fn clear_calls(&self) {
        self.shared.calls.clear();
    }

    /// A snapshot of an account by Twilio account SID or Telnyx organization id; with
    /// `with_numbers` it lists every owned number.
    pub fn account_state(&self, account_id: &str, with_numbers: bool) -> Option<AccountState> {
        self.shared.read().account_state(account_id, with_numbers)
    }

    /// An incoming call to the Twilio number `to`, routed as Twilio routes it: by the
    /// configuration of the number's inbound processing region. A webhook on this computer is
    /// asked for instructions. `None` when no account owns the number.
    pub async fn place_call(&self, to: &str) -> Option<RoutedCall> {
        let routed = twilio::route_call(&self.shared, to)?;
        Some(twilio::fetch_webhook(routed, "+15005550006").await)
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let carriers = twilio::routes(Arc::clone(&shared)).merge(telnyx::routes(Arc::clone(&shared)));
    Router::new()
        .merge(carriers)
        .merge(inspect::routes(Arc::clone(&shared)))
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(shared, faults::apply))
}

async fn unknown_path(request: Request) -> Response<Body> {
    let uri = request.uri().clone();
    match Carrier::of_path(uri.path()) {
        Some(Carrier::Telnyx) => telnyx::not_found(),
        _ => twilio::unknown_path(&uri),
    }
}

async fn method_not_allowed(method: Method, request: Request) -> Response<Body> {
    match Carrier::of_path(request.uri().path()) {
        Some(Carrier::Telnyx) => telnyx::not_found(),
        _ => twilio::method_not_allowed(&method),
    }
}

/// The accept loop. Each connection is served by hyper with a `ConnectionControl` in every
/// request, so a fault can close the connection without an answer.
async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(%error, "sandbox accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut connection_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let abort = Arc::new(Notify::new());
            let control = ConnectionControl(Arc::clone(&abort));
            let service =
                hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(control.clone());
                    // A regional Twilio host serves the same API, in its region.
                    if let Some((plain, host)) = twilio::regional_request(request.uri()) {
                        *request.uri_mut() = plain;
                        request.extensions_mut().insert(host);
                    }
                    let mut router = router.clone();
                    async move {
                        let response =
                            tower_service::Service::call(&mut router, request.map(Body::new)).await;
                        Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
                    }
                });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = abort.notified() => {}
                _ = connection_shutdown.changed() => {}
            }
        });
    }
}
