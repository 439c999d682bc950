//! Fault injection for the carrier sandbox: added latency, a concurrency cap answered with 429,
//! scripted 5xx, hangs, connections dropped after a committed change, malformed JSON, numbers
//! vanishing from stock, and how Telnyx orders complete. One middleware applies them to every
//! carrier request and records the call; `FaultControl` sets them from Rust, the inspection API
//! over HTTP. It knows the carriers only through their error-body helpers.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::middleware::Next;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::inspect::{CallOutcome, CallRecord};
use super::state::Shared;
use super::{spec, telnyx, twilio};

/// Which carrier a request or a fault is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    Twilio,
    Telnyx,
}

impl Carrier {
    /// The carrier a sandbox path belongs to, from its prefix.
    pub fn of_path(path: &str) -> Option<Carrier> {
        if path.starts_with("/twilio/") {
            Some(Carrier::Twilio)
        } else if path.starts_with("/telnyx/") {
            Some(Carrier::Telnyx)
        } else {
            None
        }
    }

    fn index(self) -> usize {
        match self {
            Carrier::Twilio => 0,
            Carrier::Telnyx => 1,
        }
    }
}

/// What a fault rule does to a request it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status (normally 5xx) and the carrier's error body; nothing is changed.
    ServerError { status: u16 },
    /// Answer 429 with `Retry-After` and the carrier's error body; nothing is changed.
    RateLimited { retry_after_secs: u64 },
    /// Hold the request this long (on the sandbox's clock) without answering, then close the
    /// connection; nothing is changed. A client with a shorter timeout sees a timeout.
    Hang { millis: u64 },
    /// Carry out the request (the change is committed), then close the connection without an
    /// answer: the ambiguous failure.
    DropAfterCommit,
    /// Carry out the request, then answer with its JSON body cut short.
    MalformedJson,
    /// Close the connection at once without an answer, and carry the request out `millis`
    /// later (on the sandbox's clock): the carrier that finishes after the client gave up, so
    /// a lookup before then finds nothing.
    CommitLate { millis: u64 },
    /// Telnyx `POST /number_orders`: carry the order out, and a moment later a second order with
    /// the same `customer_reference` and numbers arrives (a request sent twice on the way, as a
    /// retrying proxy does). The second fails, its numbers being taken, and is listed first.
    /// Then the connection closes without an answer, so the client can only look the orders up.
    DuplicateOrder,
    /// Answer 200 with a body that never ends (blanks, as fast as the client reads): the carrier
    /// gone mad. Nothing is changed.
    EndlessBody,
    /// Answer as usual, but the reply's link to the next page is the page's own (Twilio's
    /// `next_page_uri` set to `uri`, Numbers v2's `meta.next_page_url` to `meta.url`): a paging
    /// bug that a client following links blindly reads forever. Other replies pass unchanged.
    RepeatPage,
}

/// Put in a request's extensions by [`FaultKind::DuplicateOrder`]: the order handler places the
/// failed twin after the order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DuplicateOrder;

/// One scripted fault: which requests it matches, how many times, and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Only requests to this carrier (any carrier when absent).
    #[serde(default)]
    pub carrier: Option<Carrier>,
    /// Only this HTTP method, e.g. `POST` (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only paths containing this text, e.g. `IncomingPhoneNumbers` (any when absent).
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many matching requests it hits before it is used up; every one when absent.
    #[serde(default)]
    pub times: Option<u32>,
    pub fault: FaultKind,
}

impl FaultRule {
    /// A rule that hits the next matching request of any carrier once.
    pub fn once(fault: FaultKind) -> FaultRule {
        FaultRule {
            carrier: None,
            method: None,
            path_contains: None,
            times: Some(1),
            fault,
        }
    }

    pub fn carrier(mut self, carrier: Carrier) -> FaultRule {
        self.carrier = Some(carrier);
        self
    }

    pub fn method(mut self, method: &str) -> FaultRule {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    pub fn path_contains(mut self, text: &str) -> FaultRule {
        self.path_contains = Some(text.to_string());
        self
    }

    /// Hits `times` matching requests; `None` hits every one until the faults are cleared.
    pub fn times(mut self, times: Option<u32>) -> FaultRule {
        self.times = times;
        self
    }

    fn matches(&self, carrier: Carrier, method: &str, path: &str) -> bool {
        self.carrier.map_or(true, |wanted| wanted == carrier)
            && self
                .method
                .as_deref()
                .map_or(true, |wanted| wanted.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .map_or(true, |text| path.contains(text))
    }
}

/// How a Telnyx number order ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderOutcome {
    Success,
    Failure,
}

/// When a Telnyx number order leaves `pending`. Captured by each order when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "after", rename_all = "snake_case")]
pub enum OrderCompletion {
    /// The `polls`-th fetch of the order (`GET /number_orders/{id}`) shows the outcome; earlier
    /// fetches show `pending`. With 0 the first fetch already shows it.
    Polls { polls: u32, outcome: OrderOutcome },
    /// The order shows the outcome once this much time has passed on the sandbox's clock since
    /// it was created.
    Time { millis: u64, outcome: OrderOutcome },
}

impl Default for OrderCompletion {
    fn default() -> Self {
        OrderCompletion::Polls {
            polls: 1,
            outcome: OrderOutcome::Success,
        }
    }
}

/// The fault settings at one moment, as the inspection API reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSnapshot {
    pub latency_ms: u64,
    pub concurrency_cap: Option<usize>,
    pub retry_after_secs: u64,
    pub in_flight_twilio: usize,
    pub in_flight_telnyx: usize,
    pub rules: Vec<FaultRule>,
    pub order_completion: OrderCompletion,
}

/// The live fault settings, read by the middleware on every request.
pub(crate) struct FaultState {
    latency_ms: AtomicU64,
    /// 0 means no cap.
    concurrency_cap: AtomicUsize,
    retry_after_secs: AtomicU64,
    in_flight: [AtomicUsize; 2],
    rules: Mutex<Vec<FaultRule>>,
    rule_count: AtomicUsize,
    order_completion: Mutex<OrderCompletion>,
    chaos: Mutex<Option<ChaosState>>,
}

/// Faults at random: each carrier request that no rule matches meets one of `kinds` with
/// probability `percent` in 100, drawn from a seeded generator so a run can be repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chaos {
    pub percent: u8,
    pub kinds: Vec<FaultKind>,
    pub seed: u64,
}

#[derive(Debug)]
struct ChaosState {
    chaos: Chaos,
    rng: u64,
}

impl ChaosState {
    /// splitmix64: small, seeded, and good enough to pick faults.
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn roll(&mut self) -> Option<FaultKind> {
        if self.chaos.kinds.is_empty() || self.next() % 100 >= u64::from(self.chaos.percent) {
            return None;
        }
        let pick = usize::try_from(self.next() % self.chaos.kinds.len() as u64).unwrap_or(0);
        self.chaos.kinds.get(pick).cloned()
    }
}

impl FaultState {
    pub fn new(latency: Duration, order_completion: OrderCompletion) -> FaultState {
        FaultState {
            latency_ms: AtomicU64::new(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)),
            concurrency_cap: AtomicUsize::new(0),
            retry_after_secs: AtomicU64::new(1),
            in_flight: [AtomicUsize::new(0), AtomicUsize::new(0)],
            rules: Mutex::new(Vec::new()),
            rule_count: AtomicUsize::new(0),
            order_completion: Mutex::new(order_completion),
            chaos: Mutex::new(None),
        }
    }

    pub fn order_completion(&self) -> OrderCompletion {
        *lock(&self.order_completion)
    }

    /// A random fault for a request no rule matched, while chaos is on.
    fn roll_chaos(&self) -> Option<FaultKind> {
        lock(&self.chaos).as_mut().and_then(ChaosState::roll)
    }

    /// Takes the first rule matching this request, using up one of its hits.
    fn take_rule(&self, carrier: Carrier, method: &str, path: &str) -> Option<FaultKind> {
        if self.rule_count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut rules = lock(&self.rules);
        let position = rules
            .iter()
            .position(|rule| rule.matches(carrier, method, path))?;
        let fault = rules[position].fault.clone();
        if let Some(times) = rules[position].times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                rules.remove(position);
            }
        }
        self.rule_count.store(rules.len(), Ordering::Release);
        Some(fault)
    }

    fn snapshot(&self) -> FaultSnapshot {
        let cap = self.concurrency_cap.load(Ordering::Acquire);
        FaultSnapshot {
            latency_ms: self.latency_ms.load(Ordering::Acquire),
            concurrency_cap: (cap > 0).then_some(cap),
            retry_after_secs: self.retry_after_secs.load(Ordering::Acquire),
            in_flight_twilio: self.in_flight[0].load(Ordering::Acquire),
            in_flight_telnyx: self.in_flight[1].load(Ordering::Acquire),
            rules: lock(&self.rules).clone(),
            order_completion: self.order_completion(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets the sandbox's faults from Rust (tests, the app's Sandbox mode). Cheap to clone.
#[derive(Clone)]
pub struct FaultControl {
    pub(crate) shared: Arc<Shared>,
}

impl FaultControl {
    /// Delay added before every carrier request is answered, waited on the sandbox's clock.
    pub fn set_latency(&self, latency: Duration) {
        let millis = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.shared
            .faults
            .latency_ms
            .store(millis, Ordering::Release);
    }

    /// At most `cap` carrier requests in flight per carrier; more are answered 429 with
    /// `Retry-After: retry_after` (whole seconds, at least 1). `None` removes the cap.
    pub fn set_concurrency_cap(&self, cap: Option<usize>, retry_after: Duration) {
        let faults = &self.shared.faults;
        faults
            .retry_after_secs
            .store(retry_after.as_secs().max(1), Ordering::Release);
        faults
            .concurrency_cap
            .store(cap.unwrap_or(0), Ordering::Release);
    }

    /// Adds a scripted fault; rules are tried in the order they were added.
    pub fn add_rule(&self, rule: FaultRule) {
        let mut rules = lock(&self.shared.faults.rules);
        rules.push(rule);
        self.shared
            .faults
            .rule_count
            .store(rules.len(), Ordering::Release);
    }

    /// The next `count` requests to `carrier` are answered with `status` and its error body.
    pub fn fail_next(&self, carrier: Carrier, count: u32, status: u16) {
        self.add_rule(
            FaultRule::once(FaultKind::ServerError { status })
                .carrier(carrier)
                .times(Some(count)),
        );
    }

    /// The next `count` requests to `carrier` are held for `hold`, then the connection closes.
    pub fn hang_next(&self, carrier: Carrier, count: u32, hold: Duration) {
        let millis = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX);
        self.add_rule(
            FaultRule::once(FaultKind::Hang { millis })
                .carrier(carrier)
                .times(Some(count)),
        );
    }

    /// The next `count` requests to `carrier` with `method` (e.g. `POST`) are carried out, then
    /// their connection is closed without an answer.
    pub fn drop_after_commit_next(&self, carrier: Carrier, method: &str, count: u32) {
        self.add_rule(
            FaultRule::once(FaultKind::DropAfterCommit)
                .carrier(carrier)
                .method(method)
                .times(Some(count)),
        );
    }

    /// The second call of a Telnyx number update fails: the next `count` messaging PATCHes
    /// (`PATCH /v2/phone_numbers/{id}/messaging`, sent after the connection PATCH went through)
    /// whose path contains `path_contains` (a number's id, or `""` for any) answer `status`, and
    /// change nothing. `None` hits every one until the faults are cleared.
    pub fn fail_telnyx_messaging(&self, path_contains: &str, count: Option<u32>, status: u16) {
        self.add_rule(FaultRule {
            carrier: Some(Carrier::Telnyx),
            method: Some("PATCH".into()),
            path_contains: Some(format!("{path_contains}/messaging")),
            times: count,
            fault: FaultKind::ServerError { status },
        });
    }

    /// The next `count` requests to `carrier` get a JSON body cut short.
    pub fn malformed_json_next(&self, carrier: Carrier, count: u32) {
        self.add_rule(
            FaultRule::once(FaultKind::MalformedJson)
                .carrier(carrier)
                .times(Some(count)),
        );
    }

    /// The number leaves the stock as if another customer bought it. Returns whether it was
    /// still on sale.
    pub fn vanish(&self, phone_number: &str) -> bool {
        if self.shared.inventory.get(phone_number).is_none() {
            return false;
        }
        self.shared.write().taken.insert(phone_number.to_string())
    }

    /// Faults at random from now on (see [`Chaos`]); `None` stops them.
    pub fn set_chaos(&self, chaos: Option<Chaos>) {
        *lock(&self.shared.faults.chaos) = chaos.map(|chaos| ChaosState {
            rng: chaos.seed,
            chaos,
        });
    }

    /// How Telnyx orders created from now on complete.
    pub fn set_order_completion(&self, completion: OrderCompletion) {
        *lock(&self.shared.faults.order_completion) = completion;
    }

    /// Removes every fault: no latency, no cap, no rules, no chaos. Order completion is kept.
    pub fn clear(&self) {
        self.set_chaos(None);
        self.set_latency(Duration::ZERO);
        self.set_concurrency_cap(None, Duration::from_secs(1));
        let mut rules = lock(&self.shared.faults.rules);
        rules.clear();
        self.shared.faults.rule_count.store(0, Ordering::Release);
    }

    pub fn snapshot(&self) -> FaultSnapshot {
        self.shared.faults.snapshot()
    }
}

/// Closes the connection a request came on without answering. The accept loop puts one in
/// every request's extensions.
#[derive(Clone)]
pub(crate) struct ConnectionControl(pub Arc<Notify>);

/// Leaves the in-flight count when the request ends, however it ends.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Largest request body the sandbox reads (carrier requests are small forms and JSON).
const BODY_LIMIT: usize = 1 << 20;

/// A request that breaks its carrier's specification, answered as that carrier answers one:
/// Twilio 400 with code and message, Telnyx 400 (query) or 422 (body) naming the field. `None`
/// for a path or method the API does not have and for a malformed path parameter: the router and
/// the handlers answer those as the carriers do (404, 405).
fn reject(carrier: Carrier, violations: &[spec::Violation]) -> Option<Response<Body>> {
    if violations.iter().any(spec::Violation::answered_by_carrier) {
        return None;
    }
    let first = violations
        .iter()
        .find(|v| matches!(v.part, spec::Part::Query | spec::Part::Body))?;
    let detail = format!(
        "{}: {} (the request does not match the carrier's published API)",
        first.field, first.problem
    );
    Some(match carrier {
        Carrier::Twilio => twilio::error_response(StatusCode::BAD_REQUEST, 20001, detail),
        Carrier::Telnyx => telnyx::spec_violation(&first.field, &detail),
    })
}

/// The middleware on every carrier request: records it, checks it against the carrier's
/// specification, then applies the faults in force.
pub(crate) async fn apply(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response<Body> {
    let path = request.uri().path().to_string();
    let Some(carrier) = Carrier::of_path(&path) else {
        return next.run(request).await;
    };
    let method = request.method().as_str().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let control = request.extensions().get::<ConnectionControl>().cloned();
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => Bytes::new(),
    };
    // A regional host's call is logged under the path it was sent to.
    let logged_path = parts
        .extensions
        .get::<crate::sandbox::twilio::RegionalHost>()
        .map_or_else(|| path.clone(), |host| host.path.clone());
    let mut record = CallRecord {
        seq: 0,
        carrier,
        method: method.clone(),
        path: logged_path,
        query,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        status: None,
        outcome: CallOutcome::Answered,
        received_ms: millis(shared.clock.now()),
        answered_ms: None,
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let violations = spec::check(&spec::Request {
        carrier,
        method: &method,
        path: &path,
        query: &record.query,
        content_type: content_type.as_deref(),
        body: &bytes,
    });
    if !violations.is_empty() {
        shared.note_violations(&violations);
        // An unknown path or method is left to the router's own 404 or 405.
        if let Some(response) = reject(carrier, &violations) {
            return finish(&shared, record, response);
        }
    }
    let request = Request::from_parts(parts, Body::from(bytes));

    let faults = &shared.faults;
    let counter = &faults.in_flight[carrier.index()];
    let before = counter.fetch_add(1, Ordering::AcqRel);
    let _in_flight = InFlight(counter);
    let cap = faults.concurrency_cap.load(Ordering::Acquire);
    if cap > 0 && before >= cap {
        let retry_after = faults.retry_after_secs.load(Ordering::Acquire);
        let response = too_many_requests(carrier, retry_after);
        return finish(&shared, record, response);
    }

    let latency = faults.latency_ms.load(Ordering::Acquire);
    if latency > 0 {
        shared.clock.sleep(Duration::from_millis(latency)).await;
    }

    let fault = faults
        .take_rule(carrier, &method, &path)
        .or_else(|| faults.roll_chaos());
    match fault {
        None => {
            let response = next.run(request).await;
            finish(&shared, record, response)
        }
        Some(FaultKind::ServerError { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            finish(&shared, record, server_error(carrier, status))
        }
        Some(FaultKind::RateLimited { retry_after_secs }) => finish(
            &shared,
            record,
            too_many_requests(carrier, retry_after_secs),
        ),
        Some(FaultKind::Hang { millis }) => {
            record.outcome = CallOutcome::Hung;
            shared.calls.push(record);
            shared.clock.sleep(Duration::from_millis(millis)).await;
            abandon(control).await
        }
        Some(FaultKind::DropAfterCommit) => {
            let response = next.run(request).await;
            record.status = Some(response.status().as_u16());
            record.outcome = CallOutcome::Dropped;
            shared.calls.push(record);
            abandon(control).await
        }
        Some(FaultKind::DuplicateOrder) => {
            let mut request = request;
            request.extensions_mut().insert(DuplicateOrder);
            let response = next.run(request).await;
            record.status = Some(response.status().as_u16());
            record.outcome = CallOutcome::Dropped;
            shared.calls.push(record);
            abandon(control).await
        }
        Some(FaultKind::CommitLate { millis }) => {
            // The body is read now: the connection it came on is about to go.
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let late = Request::from_parts(parts, Body::from(body));
            let clock = shared.clock.clone();
            tokio::spawn(async move {
                clock.sleep(Duration::from_millis(millis)).await;
                let _ = next.run(late).await;
            });
            record.outcome = CallOutcome::CommittedLate;
            shared.calls.push(record);
            abandon(control).await
        }
        Some(FaultKind::EndlessBody) => {
            record.status = Some(200);
            shared.calls.push(record);
            let blanks = Bytes::from_static(&[b' '; 16 * 1024]);
            let stream = futures_util::stream::repeat_with(move || {
                Ok::<_, std::convert::Infallible>(blanks.clone())
            });
            let mut response = Response::new(Body::from_stream(stream));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Some(FaultKind::RepeatPage) => {
            let (mut parts, full) = carried_out(next, request).await;
            let body = match serde_json::from_slice::<serde_json::Value>(&full) {
                Ok(mut page) => {
                    link_to_itself(&mut page);
                    parts.headers.remove(header::CONTENT_LENGTH);
                    Bytes::from(serde_json::to_vec(&page).unwrap_or_default())
                }
                Err(_) => full,
            };
            finish(
                &shared,
                record,
                Response::from_parts(parts, Body::from(body)),
            )
        }
        Some(FaultKind::MalformedJson) => {
            let (mut parts, full) = carried_out(next, request).await;
            let cut = if full.len() > 2 {
                full.slice(0..full.len() / 2)
            } else {
                Bytes::from_static(b"{\"")
            };
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            record.outcome = CallOutcome::Malformed;
            finish(
                &shared,
                record,
                Response::from_parts(parts, Body::from(cut)),
            )
        }
    }
}

/// Carries the request out and reads its whole answer, for a fault that rewrites the body.
async fn carried_out(next: Next, request: Request) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = next.run(request).await.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, full)
}

/// Points a list page's next link at the page itself, where it has both.
fn link_to_itself(page: &mut serde_json::Value) {
    let own = |object: &serde_json::Value, key: &str| object.get(key).cloned();
    if let (Some(uri), true) = (own(page, "uri"), page.get("next_page_uri").is_some()) {
        page["next_page_uri"] = uri;
    }
    if let Some(meta) = page.get_mut("meta") {
        if let (Some(url), true) = (own(meta, "url"), meta.get("next_page_url").is_some()) {
            meta["next_page_url"] = url;
        }
    }
}

fn finish(shared: &Shared, mut record: CallRecord, response: Response<Body>) -> Response<Body> {
    record.status = Some(response.status().as_u16());
    record.answered_ms = Some(millis(shared.clock.now()));
    shared.calls.push(record);
    response
}

/// A time on the sandbox's clock as the call log writes it.
fn millis(time: Duration) -> u64 {
    u64::try_from(time.as_millis()).unwrap_or(u64::MAX)
}

/// Closes the connection without an answer and never returns: the accept loop drops the
/// connection, and this future with it.
async fn abandon(control: Option<ConnectionControl>) -> Response<Body> {
    match control {
        Some(ConnectionControl(notify)) => {
            notify.notify_one();
            std::future::pending::<Response<Body>>().await
        }
        // Served outside the sandbox's accept loop: the nearest thing is an empty 502.
        None => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .unwrap_or_default(),
    }
}

fn too_many_requests(carrier: Carrier, retry_after_secs: u64) -> Response<Body> {
    let mut response = match carrier {
        Carrier::Twilio => twilio::error_response(
            StatusCode::TOO_MANY_REQUESTS,
            20429,
            "Too Many Requests".to_string(),
        ),
        Carrier::Telnyx => telnyx::too_many_requests(),
    };
    let seconds = HeaderValue::from(retry_after_secs);
    match carrier {
        // Twilio says how long to wait.
        Carrier::Twilio => {
            response.headers_mut().insert(header::RETRY_AFTER, seconds);
        }
        // Telnyx sends no Retry-After: its rate-limit headers say when the window resets.
        Carrier::Telnyx => {
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-limit", HeaderValue::from_static("100"));
            headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            headers.insert("x-ratelimit-reset", seconds);
        }
    }
    response
}

fn server_error(carrier: Carrier, status: StatusCode) -> Response<Body> {
    match carrier {
        Carrier::Twilio => {
            let (code, message) = if status == StatusCode::SERVICE_UNAVAILABLE {
                (20503, "Service is unavailable, please try again")
            } else {
                (20500, "An internal server error has occurred")
            };
            twilio::error_response(status, code, message.to_string())
        }
        Carrier::Telnyx => telnyx::unexpected_error(status),
    }
}
