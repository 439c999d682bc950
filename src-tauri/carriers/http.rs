//! HTTP machinery both carrier clients share: per-attempt timeouts, retries with exponential
//! backoff and jitter that honour `Retry-After` (429 and 503), an overall deadline, and the
//! adaptive limit on requests in flight per carrier account (`limiter.rs`). `api.rs` builds the
//! clients' calls on it: signing, error replies, decoding, and walking pages.
//!
//! This file knows nothing of either carrier's wire format: it moves bytes and hands back the
//! status, the body and the `Retry-After` wait; the carrier modules read them.

mod api;
mod limiter;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use backon::BackoffBuilder;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use tokio::time::Instant;

use super::{CarrierError, CarrierKind};

#[cfg(test)]
pub(crate) use api::testing;
pub use api::NumberPages;
pub(crate) use api::{
    all_numbers, join, parse_base, text_filters, Api, Context, Dialect, Payload, Seen, Verdict,
};
pub use limiter::{AdaptiveLimiter, ConcurrencyOptions, LimiterStats, Permit};

/// How a client talks to its carrier. `Default` suits the desktop app.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// One attempt may take this long (connect, send, whole answer).
    pub request_timeout: Duration,
    /// Connecting may take this long.
    pub connect_timeout: Duration,
    /// One operation (all its attempts and waits, from its first send) may take this long. A
    /// rate-limited request is retried until then, never given up sooner.
    pub deadline: Duration,
    /// How many times a request that failed with a 5xx, a timeout or a dropped connection is
    /// tried again (only requests that are safe to repeat).
    pub transient_retries: u32,
    /// Shortest and longest backoff between attempts when the carrier gives no `Retry-After`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// A carrier's `Retry-After` longer than this is cut to it.
    pub retry_after_cap: Duration,
    /// Requests in flight per account; `None` takes the carrier's default
    /// ([`ConcurrencyOptions::for_carrier`]).
    pub concurrency: Option<ConcurrencyOptions>,
    pub user_agent: String,
    /// Share a connection pool with the rest of the app; `None` builds one for the client.
    pub http_client: Option<reqwest::Client>,
    /// What the retries wait on and the deadline is measured by; `None` is real time. A test
    /// gives one that records the waits or moves a sandbox's clock instead of sleeping.
    pub retry_clock: Option<Arc<dyn RetryClock>>,
    /// A whole listing of an account's numbers (every page, with its retries) may take this
    /// long, on the retry clock.
    pub listing_deadline: Duration,
    /// An answer's body longer than this is not read on: the carrier is misbehaving.
    pub max_reply_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(10 * 60),
            transient_retries: 4,
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            retry_after_cap: Duration::from_secs(60),
            concurrency: None,
            user_agent: concat!("NumberDesk/", env!("CARGO_PKG_VERSION")).to_string(),
            http_client: None,
            retry_clock: None,
            listing_deadline: Duration::from_secs(30 * 60),
            max_reply_bytes: 32 << 20,
        }
    }
}

/// A wait between attempts; it ends once the wait asked for has passed on its clock.
pub type RetryWait = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Time as the retry loop reads it: the operation's deadline is measured with `now`, and the
/// waits before a retry (`Retry-After`, backoff) are `wait`s. Each attempt's own timeout stays in
/// real time, because it guards real I/O.
pub trait RetryClock: Send + Sync + fmt::Debug {
    /// Time since some fixed origin.
    fn now(&self) -> Duration;
    fn wait(&self, duration: Duration) -> RetryWait;
}

/// Real time, on tokio's clock.
#[derive(Debug)]
struct TokioClock {
    origin: Instant,
}

impl RetryClock for TokioClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn wait(&self, duration: Duration) -> RetryWait {
        Box::pin(tokio::time::sleep(duration))
    }
}

// ---------------------------------------------------------------------------------------------
// Sending with retries

/// Whether a request may be sent again after an answer that may not have arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Reads, updates that set values, deletes: repeating them changes nothing more.
    Repeatable,
    /// Purchases: retried only when the carrier certainly did not act (429, refused connection).
    Once,
}

/// Where a request queues for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    Normal,
    /// Ahead of requests not yet sent (with retries): pages of a listing, which feed the rest of
    /// an import, so the work queue never runs dry while a page is fetched.
    Front,
}

/// A complete answer from the carrier, any status.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
}

/// No answer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoReply {
    Timeout,
    /// A description without the URL (it names the account).
    Network(String),
    /// The body went on past [`ClientOptions::max_reply_bytes`].
    TooLarge {
        limit: usize,
    },
}

/// The overall time budget of one listing, on the transport's retry clock.
#[derive(Debug, Clone)]
pub(crate) struct ListingDeadline {
    clock: Arc<dyn RetryClock>,
    started: Duration,
    pub limit: Duration,
}

impl ListingDeadline {
    pub fn passed(&self) -> bool {
        self.clock.now().saturating_sub(self.started) > self.limit
    }

    /// A budget measured by `clock`, from now (the unit tests of the listing walk).
    #[cfg(test)]
    pub fn on(clock: Arc<dyn RetryClock>, limit: Duration) -> ListingDeadline {
        ListingDeadline {
            started: clock.now(),
            clock,
            limit,
        }
    }
}

/// Sends requests for one carrier account through its limiter, retrying as the options say.
#[derive(Debug)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub limiter: Arc<AdaptiveLimiter>,
    pub options: ClientOptions,
    pub carrier: CarrierKind,
    clock: Arc<dyn RetryClock>,
}

impl Transport {
    pub fn new(carrier: CarrierKind, options: ClientOptions) -> Result<Transport, CarrierError> {
        let concurrency = options
            .concurrency
            .unwrap_or_else(|| ConcurrencyOptions::for_carrier(carrier));
        let http = match &options.http_client {
            Some(client) => client.clone(),
            None => reqwest::Client::builder()
                .connect_timeout(options.connect_timeout)
                .user_agent(options.user_agent.clone())
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(concurrency.max)
                .build()
                .map_err(|error| CarrierError::InvalidSettings {
                    carrier,
                    detail: format!("the HTTP client cannot start: {}", error.without_url()),
                })?,
        };
        let clock = options.retry_clock.clone().unwrap_or_else(|| {
            Arc::new(TokioClock {
                origin: Instant::now(),
            })
        });
        Ok(Transport {
            http,
            limiter: Arc::new(AdaptiveLimiter::new(concurrency)),
            options,
            carrier,
            clock,
        })
    }

    /// Sends the request `build` makes (called once per attempt) until it gets an answer worth
    /// handing back: anything but 429 and (for repeatable requests, within the retry budget)
    /// 5xx. A 429 is retried until the deadline, after `Retry-After` when the carrier gives one.
    pub async fn send<F>(&self, safety: Safety, lane: Lane, build: F) -> Result<Reply, NoReply>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let mut backoff = backon::ExponentialBuilder::default()
            .with_min_delay(self.options.backoff_min)
            .with_max_delay(self.options.backoff_max)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build();
        let mut started: Option<Duration> = None;
        let mut transient_failures = 0u32;
        let mut attempt = 0u32;
        loop {
            let permit = self
                .limiter
                .acquire(attempt > 0 || lane == Lane::Front)
                .await;
            let started_at = *started.get_or_insert_with(|| self.clock.now());
            let remaining = self.options.deadline.saturating_sub(self.since(started_at));
            let timeout = self
                .options
                .request_timeout
                .min(remaining.max(Duration::from_millis(1)));
            attempt += 1;
            let outcome =
                tokio::time::timeout(timeout, self.attempt(build(&self.http).timeout(timeout)))
                    .await;
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(_) => Err(Attempt::Timeout),
            };
            let wait = match outcome {
                Ok(reply) if reply.status == StatusCode::TOO_MANY_REQUESTS => {
                    permit.rate_limited();
                    let wait = reply
                        .retry_after
                        .unwrap_or_else(|| next_delay(&mut backoff, &self.options))
                        .min(self.options.retry_after_cap);
                    if self.since(started_at) + wait >= self.options.deadline {
                        return Ok(reply);
                    }
                    tracing::debug!(carrier = %self.carrier, attempt, wait_ms = wait.as_millis() as u64, "rate limited; retrying");
                    wait
                }
                Ok(reply) if reply.status.is_server_error() => {
                    drop(permit);
                    transient_failures += 1;
                    if safety == Safety::Once || transient_failures > self.options.transient_retries
                    {
                        return Ok(reply);
                    }
                    let wait = match (reply.status, reply.retry_after) {
                        (StatusCode::SERVICE_UNAVAILABLE, Some(wait)) => {
                            wait.min(self.options.retry_after_cap)
                        }
                        _ => next_delay(&mut backoff, &self.options),
                    };
                    if self.since(started_at) + wait >= self.options.deadline {
                        return Ok(reply);
                    }
                    tracing::debug!(carrier = %self.carrier, attempt, status = reply.status.as_u16(), "carrier error; retrying");
                    wait
                }
                Ok(reply) => {
                    permit.succeeded();
                    return Ok(reply);
                }
                Err(failure) => {
                    drop(permit);
                    transient_failures += 1;
                    let certainly_unsent = matches!(failure, Attempt::Unsent(_));
                    let no_reply = match failure {
                        Attempt::Timeout => NoReply::Timeout,
                        Attempt::Unsent(detail) | Attempt::Lost(detail) => NoReply::Network(detail),
                        Attempt::TooLarge => NoReply::TooLarge {
                            limit: self.options.max_reply_bytes,
                        },
                    };
                    // Asking again for a flood would bring the same flood.
                    let may_repeat = (safety == Safety::Repeatable || certainly_unsent)
                        && !matches!(no_reply, NoReply::TooLarge { .. });
                    if !may_repeat || transient_failures > self.options.transient_retries {
                        return Err(no_reply);
                    }
                    let wait = next_delay(&mut backoff, &self.options);
                    if self.since(started_at) + wait >= self.options.deadline {
                        return Err(no_reply);
                    }
                    tracing::debug!(carrier = %self.carrier, attempt, failure = ?no_reply, "no answer; retrying");
                    wait
                }
            };
            self.clock.wait(wait).await;
        }
    }

    /// A listing's budget, starting now.
    pub fn listing_deadline(&self) -> ListingDeadline {
        ListingDeadline {
            clock: self.clock.clone(),
            started: self.clock.now(),
            limit: self.options.listing_deadline,
        }
    }

    /// How long since `start` on the retry clock.
    fn since(&self, start: Duration) -> Duration {
        self.clock.now().saturating_sub(start)
    }

    async fn attempt(&self, request: reqwest::RequestBuilder) -> Result<Reply, Attempt> {
        let response = request.send().await.map_err(classify)?;
        let status = response.status();
        let retry_after = retry_after(response.headers(), std::time::SystemTime::now());
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > self.options.max_reply_bytes {
                return Err(Attempt::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }
}

enum Attempt {
    Timeout,
    /// The connection could not be made: the carrier never saw the request.
    Unsent(String),
    /// The connection broke after the request may have been sent.
    Lost(String),
    /// The body went on past the limit.
    TooLarge,
}

fn classify(error: reqwest::Error) -> Attempt {
    let error = error.without_url();
    if error.is_timeout() {
        Attempt::Timeout
    } else if error.is_connect() {
        Attempt::Unsent(describe(&error))
    } else {
        Attempt::Lost(describe(&error))
    }
}

/// The innermost cause in words, without the URL.
fn describe(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    let text = source.to_string();
    if text.is_empty() {
        "connection failed".to_string()
    } else {
        text
    }
}

fn next_delay(backoff: &mut impl Iterator<Item = Duration>, options: &ClientOptions) -> Duration {
    backoff.next().unwrap_or(options.backoff_max)
}

/// The wait a carrier asks for: `Retry-After` (seconds or an HTTP date), else `retry-after-ms`,
/// else Telnyx's `x-ratelimit-reset` (seconds until the window resets).
pub(crate) fn retry_after(headers: &HeaderMap, now: std::time::SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(value) = headers
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
    {
        let value = value.trim();
        if let Ok(seconds) = value.parse::<f64>() {
            if seconds.is_finite() && seconds >= 0.0 {
                return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
            }
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
            let when = std::time::SystemTime::from(date);
            return Some(when.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    if let Some(millis) = text("retry-after-ms").and_then(|value| value.parse::<u64>().ok()) {
        return Some(Duration::from_millis(millis));
    }
    text("x-ratelimit-reset")
        .and_then(|value| value.parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_reads_seconds_dates_and_fallbacks() {
        let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        type Case<'a> = (&'a [(&'static str, &'a str)], Option<Duration>);
        let cases: [Case; 6] = [
            (&[("retry-after", "3")], Some(Duration::from_secs(3))),
            (&[("retry-after", "0.5")], Some(Duration::from_millis(500))),
            // 2015-10-21 07:28:00 GMT is 1445412480 + 0 s.
            (
                &[("retry-after", "Wed, 21 Oct 2015 07:28:10 GMT")],
                Some(Duration::from_secs(10)),
            ),
            (
                &[("retry-after-ms", "250")],
                Some(Duration::from_millis(250)),
            ),
            (&[("x-ratelimit-reset", "7")], Some(Duration::from_secs(7))),
            (&[("retry-after", "soon")], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(retry_after(&headers(pairs), now), expected, "{pairs:?}");
        }
    }
}
