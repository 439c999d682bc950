//! The inspection API under `/_sandbox`, a path no real carrier has: what was called (method,
//! path, query, body), the state of an account, and the fault settings, readable and settable at
//! run time. Also the bounded call log the fault middleware writes to.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::faults::{Carrier, FaultControl, FaultRule, OrderCompletion};
use super::snapshot::AccountState;
use super::state::Shared;

/// How many calls the log keeps; older ones are forgotten first.
const CALL_LOG_CAPACITY: usize = 100_000;

/// What became of a recorded call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Answered normally (any status, including injected errors).
    Answered,
    /// Carried out, then the connection was closed without an answer.
    Dropped,
    /// Held, then the connection was closed without an answer; not carried out.
    Hung,
    /// Carried out, answered with its JSON cut short.
    Malformed,
    /// Closed without an answer at once, carried out later.
    CommittedLate,
}

/// One carrier request as the sandbox received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Increases by one per recorded call, from 1.
    pub seq: u64,
    pub carrier: Carrier,
    pub method: String,
    /// The full sandbox path, prefix included (`/twilio/api/2010-04-01/...`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// The request body as text.
    pub body: String,
    /// The status sent, or for a dropped call the status the handler produced; `None` if hung.
    pub status: Option<u16>,
    pub outcome: CallOutcome,
    /// When the request arrived, in milliseconds on the sandbox's clock (since it started).
    #[serde(default)]
    pub received_ms: u64,
    /// When the answer went out, on the same clock; `None` when none did (hung or dropped).
    #[serde(default)]
    pub answered_ms: Option<u64>,
}

#[derive(Default)]
pub(crate) struct CallLog {
    entries: Mutex<VecDeque<CallRecord>>,
    next_seq: AtomicU64,
}

impl CallLog {
    pub fn push(&self, mut record: CallRecord) {
        record.seq = self.next_seq.fetch_add(1, Ordering::AcqRel) + 1;
        let mut entries = lock(&self.entries);
        if entries.len() == CALL_LOG_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(record);
    }

    /// Calls with `seq` greater than `since`, oldest first.
    pub fn since(&self, since: u64, carrier: Option<Carrier>) -> Vec<CallRecord> {
        lock(&self.entries)
            .iter()
            .filter(|record| record.seq > since)
            .filter(|record| carrier.map_or(true, |wanted| record.carrier == wanted))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sandbox/info", get(info))
        .route("/_sandbox/calls", get(list_calls).delete(clear_calls))
        .route(
            "/_sandbox/violations",
            get(list_violations).delete(clear_violations),
        )
        .route("/_sandbox/accounts", get(list_accounts))
        .route("/_sandbox/accounts/{id}", get(fetch_account))
        .route("/_sandbox/faults", get(fetch_faults).delete(clear_faults))
        .route("/_sandbox/faults/latency", put(set_latency))
        .route("/_sandbox/faults/concurrency", put(set_concurrency))
        .route("/_sandbox/faults/rules", post(add_rule))
        .route(
            "/_sandbox/faults/order_completion",
            put(set_order_completion),
        )
        .route("/_sandbox/inventory/vanish", post(vanish))
        .route("/_sandbox/twilio/calls", post(place_call))
        .with_state(shared)
}

fn control(shared: &Arc<Shared>) -> FaultControl {
    FaultControl {
        shared: Arc::clone(shared),
    }
}

async fn info(State(shared): State<Arc<Shared>>) -> Response {
    Json(serde_json::json!({ "base_urls": shared.base })).into_response()
}

#[derive(Deserialize)]
struct CallsQuery {
    #[serde(default)]
    since: u64,
    carrier: Option<Carrier>,
}

/// Requests that broke their carrier's specification (see `spec.rs`).
async fn list_violations(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.violations_now()).into_response()
}

async fn clear_violations(State(shared): State<Arc<Shared>>) -> Response {
    shared.clear_violations();
    StatusCode::NO_CONTENT.into_response()
}

async fn list_calls(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<CallsQuery>,
) -> Json<Vec<CallRecord>> {
    Json(shared.calls.since(query.since, query.carrier))
}

async fn clear_calls(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.calls.clear();
    StatusCode::NO_CONTENT
}

async fn list_accounts(State(shared): State<Arc<Shared>>) -> Json<Vec<AccountState>> {
    let world = shared.read();
    let ids: Vec<String> = world
        .twilio
        .iter()
        .map(|account| account.sid.clone())
        .chain(
            world
                .telnyx
                .iter()
                .map(|account| account.organization_id.clone()),
        )
        .collect();
    Json(
        ids.iter()
            .filter_map(|id| world.account_state(id, false))
            .collect(),
    )
}

#[derive(Deserialize)]
struct AccountQuery {
    #[serde(default)]
    numbers: bool,
}

async fn fetch_account(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<AccountQuery>,
) -> Response {
    match shared.read().account_state(&id, query.numbers) {
        Some(state) => Json(state).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("no sandbox account {id}") })),
        )
            .into_response(),
    }
}

async fn fetch_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(control(&shared).snapshot()).into_response()
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    control(&shared).clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct LatencyBody {
    millis: u64,
}

async fn set_latency(State(shared): State<Arc<Shared>>, Json(body): Json<LatencyBody>) -> Response {
    control(&shared).set_latency(Duration::from_millis(body.millis));
    fetch_faults(State(shared)).await
}

#[derive(Deserialize)]
struct ConcurrencyBody {
    limit: Option<usize>,
    #[serde(default = "one")]
    retry_after_secs: u64,
}

fn one() -> u64 {
    1
}

async fn set_concurrency(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<ConcurrencyBody>,
) -> Response {
    control(&shared).set_concurrency_cap(body.limit, Duration::from_secs(body.retry_after_secs));
    fetch_faults(State(shared)).await
}

async fn add_rule(State(shared): State<Arc<Shared>>, Json(rule): Json<FaultRule>) -> Response {
    control(&shared).add_rule(rule);
    fetch_faults(State(shared)).await
}

async fn set_order_completion(
    State(shared): State<Arc<Shared>>,
    Json(completion): Json<OrderCompletion>,
) -> Response {
    control(&shared).set_order_completion(completion);
    fetch_faults(State(shared)).await
}

#[derive(Deserialize)]
struct VanishBody {
    phone_number: String,
}

async fn vanish(State(shared): State<Arc<Shared>>, Json(body): Json<VanishBody>) -> Response {
    let vanished = control(&shared).vanish(&body.phone_number);
    Json(serde_json::json!({ "phone_number": body.phone_number, "vanished": vanished }))
        .into_response()
}

#[derive(Deserialize)]
struct CallBody {
    to: String,
    #[serde(default = "default_caller")]
    from: String,
}

fn default_caller() -> String {
    "+15005550006".to_string()
}

/// An incoming call to a Twilio number, routed as Twilio would route it (see
/// `twilio::regions::route_call`).
async fn place_call(State(shared): State<Arc<Shared>>, Json(body): Json<CallBody>) -> Response {
    match super::twilio::route_call(&shared, &body.to) {
        Some(routed) => {
            Json(super::twilio::fetch_webhook(routed, &body.from).await).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("no account owns {}", body.to) })),
        )
            .into_response(),
    }
}
