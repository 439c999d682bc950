//! The adaptive limit on requests in flight to one carrier account: it learns the carrier's
//! concurrency cap from its 429s without being told it, and hands slots to waiters in order,
//! retries first.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::carriers::CarrierKind;

/// Bounds of the adaptive in-flight limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcurrencyOptions {
    /// Where the limit starts before anything is known.
    pub initial: usize,
    /// The limit never grows past this.
    pub max: usize,
}

impl ConcurrencyOptions {
    /// Defaults within each carrier's documented limits. Twilio caps concurrent REST requests per
    /// account (100 is the commonly cited default; answers 429/20429 above it). Telnyx publishes
    /// no number; its limits are per time window, so the ceiling is lower.
    pub fn for_carrier(carrier: CarrierKind) -> ConcurrencyOptions {
        match carrier {
            CarrierKind::Twilio => ConcurrencyOptions {
                initial: 4,
                max: 100,
            },
            CarrierKind::Telnyx => ConcurrencyOptions {
                initial: 4,
                max: 32,
            },
            // No API client is made for a SIP trunk; one request at a time if one ever were.
            CarrierKind::Sip => ConcurrencyOptions { initial: 1, max: 1 },
        }
    }
}

/// A snapshot of a limiter, for progress displays and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimiterStats {
    /// The current limit on requests in flight.
    pub limit: usize,
    pub in_flight: usize,
    /// Requests waiting for a slot.
    pub waiting: usize,
    /// Answers that were 429 (each one was or will be retried).
    pub rate_limited: u64,
    pub succeeded: u64,
    /// The largest limit reached.
    pub peak_limit: usize,
}

/// Limits requests in flight to one carrier account without being told the carrier's cap.
///
/// It starts low and, while every slot is busy and calls succeed, grows by one per success
/// (doubling per round trip, like TCP slow start). The first 429 tells it the cap: a request
/// sent as the k-th in flight was refused, so at most k-1 fit, and the limit drops to k-1 (the
/// smallest such k among the refused). From then on it holds the largest level that succeeded
/// and now and then probes one above it; a probe that is refused doubles the time to the next
/// probe (up to `PROBE_MAX`), a probe that succeeds halves it, and three successful probes in a
/// row go back to fast growth (the cap was raised). Refusals of requests sent before the last
/// decrease are already accounted for and only ever lower the limit to their own k-1.
/// Requests waiting after a 429 go ahead of new ones, so a retry never starves.
#[derive(Debug)]
pub struct AdaptiveLimiter {
    state: Mutex<LimiterState>,
}

const PROBE_BASE: Duration = Duration::from_millis(200);
const PROBE_MAX: Duration = Duration::from_secs(20);

#[derive(Debug)]
struct LimiterState {
    limit: usize,
    max: usize,
    in_flight: usize,
    slow_start: bool,
    /// Bumped at each decrease; a permit remembers the epoch it was granted in.
    epoch: u64,
    probe_interval: Duration,
    next_probe_at: Option<Instant>,
    /// The level of the last probe, until it is confirmed or refused.
    probing: Option<usize>,
    confirmed_probes: u32,
    retry_queue: VecDeque<oneshot::Sender<Grant>>,
    queue: VecDeque<oneshot::Sender<Grant>>,
    rate_limited: u64,
    succeeded: u64,
    peak_limit: usize,
}

#[derive(Debug, Clone, Copy)]
struct Grant {
    /// How many were in flight, this one included, when it was granted.
    position: usize,
    epoch: u64,
}

/// How a request ended, as far as the limiter cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    RateLimited,
    /// Neither: a 5xx, a timeout, a cancelled call. Frees the slot and teaches nothing.
    Neutral,
}

impl AdaptiveLimiter {
    pub fn new(options: ConcurrencyOptions) -> AdaptiveLimiter {
        let max = options.max.max(1);
        let initial = options.initial.clamp(1, max);
        AdaptiveLimiter {
            state: Mutex::new(LimiterState {
                limit: initial,
                max,
                in_flight: 0,
                slow_start: true,
                epoch: 0,
                probe_interval: PROBE_BASE,
                next_probe_at: None,
                probing: None,
                confirmed_probes: 0,
                retry_queue: VecDeque::new(),
                queue: VecDeque::new(),
                rate_limited: 0,
                succeeded: 0,
                peak_limit: initial,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, LimiterState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn stats(&self) -> LimiterStats {
        let state = self.lock();
        LimiterStats {
            limit: state.limit,
            in_flight: state.in_flight,
            waiting: state.queue.len() + state.retry_queue.len(),
            rate_limited: state.rate_limited,
            succeeded: state.succeeded,
            peak_limit: state.peak_limit,
        }
    }

    /// Waits for a slot. `retry` puts the request ahead of those that have not been sent yet.
    pub async fn acquire(self: &Arc<Self>, retry: bool) -> Permit {
        let receiver = {
            let mut state = self.lock();
            let nobody_ahead = state.retry_queue.is_empty() && (retry || state.queue.is_empty());
            if nobody_ahead && state.in_flight < state.limit {
                let grant = state.grant();
                return Permit::new(Arc::clone(self), grant);
            }
            let (sender, receiver) = oneshot::channel();
            if retry {
                state.retry_queue.push_back(sender);
            } else {
                state.queue.push_back(sender);
            }
            receiver
        };
        let mut waiting = Waiting {
            limiter: self,
            receiver: Some(receiver),
        };
        let grant = waiting.wait().await;
        Permit::new(Arc::clone(self), grant)
    }

    fn finish(&self, grant: Grant, outcome: Outcome) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        match outcome {
            Outcome::Succeeded => state.on_success(grant, Instant::now()),
            Outcome::RateLimited => state.on_rate_limited(grant, Instant::now()),
            Outcome::Neutral => {}
        }
        state.dispatch();
    }
}

impl LimiterState {
    fn grant(&mut self) -> Grant {
        self.in_flight += 1;
        Grant {
            position: self.in_flight,
            epoch: self.epoch,
        }
    }

    /// Hands free slots to waiters, retries first.
    fn dispatch(&mut self) {
        while self.in_flight < self.limit {
            let Some(sender) = self
                .retry_queue
                .pop_front()
                .or_else(|| self.queue.pop_front())
            else {
                return;
            };
            let grant = self.grant();
            if sender.send(grant).is_err() {
                // The waiter gave up; the slot is still free.
                self.in_flight -= 1;
            }
        }
    }

    fn saturated(&self) -> bool {
        // `in_flight` no longer counts the request that just ended.
        self.in_flight + 1 >= self.limit || !self.queue.is_empty() || !self.retry_queue.is_empty()
    }

    fn on_success(&mut self, grant: Grant, now: Instant) {
        self.succeeded += 1;
        if let Some(level) = self.probing {
            if grant.position >= level {
                // The probed level works.
                self.probing = None;
                self.probe_interval = (self.probe_interval / 2).max(PROBE_BASE);
                self.confirmed_probes += 1;
                if self.confirmed_probes >= 3 {
                    self.slow_start = true;
                    self.confirmed_probes = 0;
                }
            }
        }
        if !self.saturated() || self.limit >= self.max {
            return;
        }
        if self.slow_start {
            self.raise(now);
            return;
        }
        let due = self.next_probe_at.map_or(true, |at| now >= at);
        if due && self.probing.is_none() {
            self.raise(now);
            self.probing = Some(self.limit);
            self.next_probe_at = Some(now + self.probe_interval);
        }
    }

    fn raise(&mut self, now: Instant) {
        self.limit = (self.limit + 1).min(self.max);
        self.peak_limit = self.peak_limit.max(self.limit);
        if self.next_probe_at.is_none() {
            self.next_probe_at = Some(now + self.probe_interval);
        }
    }

    fn on_rate_limited(&mut self, grant: Grant, now: Instant) {
        self.rate_limited += 1;
        // The request was refused as the `position`-th in flight: at most one fewer fit.
        let fits = grant.position.saturating_sub(1).max(1);
        if grant.epoch != self.epoch {
            // Sent before the last decrease, which already reacted to this congestion.
            self.limit = self.limit.min(fits);
            return;
        }
        self.epoch += 1;
        self.slow_start = false;
        self.confirmed_probes = 0;
        let failed_probe = self.probing.is_some_and(|level| grant.position >= level);
        if failed_probe {
            self.probe_interval = (self.probe_interval * 2).min(PROBE_MAX);
        }
        self.probing = None;
        self.limit = self.limit.min(fits);
        self.next_probe_at = Some(now + self.probe_interval);
    }
}

/// A waiter in the queue; if it is dropped (the caller gave up) after being granted a slot, the
/// slot is handed back.
struct Waiting<'a> {
    limiter: &'a AdaptiveLimiter,
    receiver: Option<oneshot::Receiver<Grant>>,
}

impl Waiting<'_> {
    async fn wait(&mut self) -> Grant {
        let receiver = self.receiver.as_mut().expect("waited once");
        let grant = receiver
            .await
            .expect("the limiter never drops a waiter's sender without granting");
        self.receiver = None;
        grant
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(mut receiver) = self.receiver.take() {
            receiver.close();
            if let Ok(grant) = receiver.try_recv() {
                self.limiter.finish(grant, Outcome::Neutral);
            }
        }
    }
}

/// A slot for one request. Dropping it without saying how the request ended frees the slot and
/// teaches the limiter nothing.
#[derive(Debug)]
pub struct Permit {
    limiter: Arc<AdaptiveLimiter>,
    grant: Option<Grant>,
}

impl Permit {
    fn new(limiter: Arc<AdaptiveLimiter>, grant: Grant) -> Permit {
        Permit {
            limiter,
            grant: Some(grant),
        }
    }

    /// The carrier answered (anything but 429 and 5xx).
    pub fn succeeded(mut self) {
        if let Some(grant) = self.grant.take() {
            self.limiter.finish(grant, Outcome::Succeeded);
        }
    }

    /// The carrier refused the request for too many in flight.
    pub fn rate_limited(mut self) {
        if let Some(grant) = self.grant.take() {
            self.limiter.finish(grant, Outcome::RateLimited);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(grant) = self.grant.take() {
            self.limiter.finish(grant, Outcome::Neutral);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(initial: usize, max: usize) -> Arc<AdaptiveLimiter> {
        Arc::new(AdaptiveLimiter::new(ConcurrencyOptions { initial, max }))
    }

    #[tokio::test]
    async fn permits_never_exceed_the_limit_and_queue_in_order() {
        let limiter = limiter(2, 2);
        let first = limiter.acquire(false).await;
        let second = limiter.acquire(false).await;
        assert_eq!(limiter.stats().in_flight, 2);
        let waiting = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move { limiter.acquire(false).await })
        };
        tokio::task::yield_now().await;
        assert_eq!(limiter.stats().waiting, 1);
        drop(first);
        let third = waiting.await.unwrap();
        assert_eq!(limiter.stats().in_flight, 2);
        drop(second);
        drop(third);
        assert_eq!(limiter.stats().in_flight, 0);
    }

    #[tokio::test]
    async fn a_cancelled_waiter_gives_its_slot_back() {
        let limiter = limiter(1, 1);
        let held = limiter.acquire(false).await;
        let waiter = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move { limiter.acquire(false).await })
        };
        tokio::task::yield_now().await;
        waiter.abort();
        let _ = waiter.await;
        drop(held);
        assert_eq!(limiter.stats().in_flight, 0);
        let again = limiter.acquire(false).await;
        assert_eq!(limiter.stats().in_flight, 1);
        drop(again);
    }

    #[test]
    fn slow_start_grows_while_saturated_and_stops_at_the_first_refusal() {
        let limiter = limiter(4, 100);
        let now = Instant::now();
        let mut state = limiter.lock();
        // Four in flight, all succeed while saturated: the limit doubles.
        for _ in 0..4 {
            state.grant();
        }
        for position in 1..=4 {
            state.in_flight -= 1;
            state.on_success(Grant { position, epoch: 0 }, now);
            // Requests are waiting: every free slot is taken at once.
            while state.in_flight < state.limit {
                state.grant();
            }
        }
        assert_eq!(state.limit, 8);
        // The 11th in flight was refused: ten fit.
        state.limit = 16;
        state.on_rate_limited(
            Grant {
                position: 11,
                epoch: 0,
            },
            now,
        );
        assert_eq!(state.limit, 10);
        assert!(!state.slow_start);
        // Later refusals from the same burst only lower it to their own position - 1.
        state.on_rate_limited(
            Grant {
                position: 14,
                epoch: 0,
            },
            now,
        );
        assert_eq!(state.limit, 10);
    }

    #[test]
    fn probes_back_off_after_refusals_and_speed_up_after_successes() {
        let limiter = limiter(10, 100);
        let start = Instant::now();
        let mut state = limiter.lock();
        state.slow_start = false;
        state.in_flight = 10;
        state.next_probe_at = Some(start);
        state.in_flight -= 1;
        state.on_success(
            Grant {
                position: 10,
                epoch: 0,
            },
            start,
        );
        assert_eq!(state.limit, 11, "a probe raises the limit by one");
        assert_eq!(state.probing, Some(11));
        state.on_rate_limited(
            Grant {
                position: 11,
                epoch: 0,
            },
            start,
        );
        assert_eq!(
            state.limit, 10,
            "the refused probe goes back to the level that worked"
        );
        assert_eq!(state.probe_interval, PROBE_BASE * 2);
        // No new probe before the interval.
        state.in_flight = 9;
        state.on_success(
            Grant {
                position: 10,
                epoch: 1,
            },
            start + PROBE_BASE,
        );
        assert_eq!(state.limit, 10);
        state.on_success(
            Grant {
                position: 10,
                epoch: 1,
            },
            start + PROBE_BASE * 3,
        );
        assert_eq!(state.limit, 11);
        state.on_success(
            Grant {
                position: 11,
                epoch: 1,
            },
            start + PROBE_BASE * 3,
        );
        assert_eq!(
            state.probing, None,
            "a success at the probed level confirms it"
        );
        assert_eq!(state.probe_interval, PROBE_BASE);
    }

    /// A discrete-event simulation of a carrier with a concurrency cap, 100 ms latency and
    /// `Retry-After: 1` on refusals, driving the limiter's own state on a virtual clock: the
    /// limiter, never told the cap, must finish close to the floor with few refusals.
    fn simulate(cap: usize, requests: usize) -> (Duration, u64, LimiterStats) {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;

        let latency = Duration::from_millis(100);
        let retry_after = Duration::from_secs(1);
        let limiter = limiter(4, 100);
        let origin = Instant::now();
        let mut state = limiter.lock();
        // (time, sequence, kind, position, epoch); kind 0 = a request finishes at the server,
        // 1 = a retry is due.
        type Event = (Duration, u64, u8, usize, u64);
        let mut events: BinaryHeap<Reverse<Event>> = BinaryHeap::new();
        let mut sequence = 0u64;
        let mut server = 0usize;
        let mut not_sent = requests;
        let mut retries_due = 0usize;
        let mut done = 0usize;
        let mut now = Duration::ZERO;
        loop {
            // Send whatever the limiter allows: retries first, as the real queue does.
            while state.in_flight < state.limit && (retries_due > 0 || not_sent > 0) {
                if retries_due > 0 {
                    retries_due -= 1;
                } else {
                    not_sent -= 1;
                }
                let grant = state.grant();
                if server >= cap {
                    // Refused at once; the caller waits Retry-After, then queues as a retry.
                    state.in_flight -= 1;
                    state.on_rate_limited(grant, origin + now);
                    sequence += 1;
                    events.push(Reverse((
                        now + retry_after,
                        sequence,
                        1,
                        grant.position,
                        grant.epoch,
                    )));
                } else {
                    server += 1;
                    sequence += 1;
                    events.push(Reverse((
                        now + latency,
                        sequence,
                        0,
                        grant.position,
                        grant.epoch,
                    )));
                }
            }
            if done == requests {
                break;
            }
            let Some(Reverse((at, _, kind, position, epoch))) = events.pop() else {
                panic!("stalled with {done} of {requests} done: {state:?}");
            };
            now = at;
            if kind == 0 {
                server -= 1;
                state.in_flight -= 1;
                state.on_success(Grant { position, epoch }, origin + now);
                done += 1;
            } else {
                retries_due += 1;
            }
        }
        let stats = LimiterStats {
            limit: state.limit,
            in_flight: state.in_flight,
            waiting: 0,
            rate_limited: state.rate_limited,
            succeeded: state.succeeded,
            peak_limit: state.peak_limit,
        };
        (now, state.rate_limited, stats)
    }

    #[test]
    fn converges_near_the_floor_at_cap_10() {
        let (elapsed, refused, stats) = simulate(10, 10_000);
        let floor = Duration::from_millis(100) * 1000;
        eprintln!("cap 10: {elapsed:?} (floor {floor:?}), {refused} refusals, {stats:?}");
        assert!(
            elapsed < floor.mul_f64(1.05),
            "{elapsed:?} vs floor {floor:?}; {stats:?}"
        );
        assert!(refused < 40, "{refused} refusals; {stats:?}");
        assert!((10..=11).contains(&stats.limit), "{stats:?}");
    }

    #[test]
    fn converges_near_the_floor_at_cap_50() {
        let (elapsed, refused, stats) = simulate(50, 10_000);
        let floor = Duration::from_millis(100) * 200;
        eprintln!("cap 50: {elapsed:?} (floor {floor:?}), {refused} refusals, {stats:?}");
        assert!(
            elapsed < floor.mul_f64(1.15),
            "{elapsed:?} vs floor {floor:?}; {stats:?}"
        );
        assert!(refused < 80, "{refused} refusals; {stats:?}");
        assert!((50..=51).contains(&stats.limit), "{stats:?}");
    }

    #[test]
    fn with_no_cap_it_grows_to_its_maximum() {
        let (_, refused, stats) = simulate(usize::MAX, 2000);
        assert_eq!(refused, 0);
        assert_eq!(stats.peak_limit, 100);
    }

    #[test]
    fn a_lowered_cap_is_followed_down() {
        // Twenty fit at first; then only five (another client took the rest).
        let limiter = limiter(20, 100);
        let now = Instant::now();
        let mut state = limiter.lock();
        state.slow_start = false;
        for _ in 0..20 {
            state.grant();
        }
        state.in_flight -= 1;
        state.on_rate_limited(
            Grant {
                position: 6,
                epoch: 0,
            },
            now,
        );
        assert_eq!(state.limit, 5);
    }
}
