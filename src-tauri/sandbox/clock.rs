//! The sandbox's own clock, so that what it does over time (added latency, hangs, Telnyx orders
//! completing after a while) and when it saw each request can be driven and read by a test
//! instead of waited for. `SystemClock` is real time; `ManualClock` stands still until it is
//! advanced, and holds every sleep until then.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};

/// A wait on a [`Clock`]; it ends once the clock has moved on by the time asked for.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Time as the sandbox sees it: how long since the clock started, and waits on the same scale.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Time since the clock started.
    fn now(&self) -> Duration;
    /// A wait that ends once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// Real time, from when the clock was made.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when told to. Sleeps on it end when [`ManualClock::advance`] reaches
/// their deadline, never by themselves, so a test decides exactly when a delayed answer goes out.
/// Cheap to clone; clones are the same clock.
#[derive(Debug, Clone)]
pub struct ManualClock {
    shared: Arc<ManualShared>,
}

#[derive(Debug)]
struct ManualShared {
    state: Mutex<ManualState>,
    /// How many sleeps are waiting, for [`ManualClock::until_sleeping`].
    sleeping: watch::Sender<usize>,
}

#[derive(Debug, Default)]
struct ManualState {
    now: Duration,
    next_id: u64,
    sleepers: Vec<Sleeper>,
}

#[derive(Debug)]
struct Sleeper {
    id: u64,
    deadline: Duration,
    wake: oneshot::Sender<()>,
}

impl ManualShared {
    fn lock(&self) -> MutexGuard<'_, ManualState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn publish(&self, state: &ManualState) {
        self.sleeping.send_replace(state.sleepers.len());
    }
}

impl ManualClock {
    /// A clock at zero with nothing sleeping.
    pub fn new() -> ManualClock {
        ManualClock {
            shared: Arc::new(ManualShared {
                state: Mutex::new(ManualState::default()),
                sleeping: watch::Sender::new(0),
            }),
        }
    }

    /// Moves the clock on by `by` and ends every sleep whose deadline is reached.
    pub fn advance(&self, by: Duration) {
        let mut state = self.shared.lock();
        state.now += by;
        let now = state.now;
        let (due, waiting): (Vec<Sleeper>, Vec<Sleeper>) = std::mem::take(&mut state.sleepers)
            .into_iter()
            .partition(|sleeper| sleeper.deadline <= now);
        state.sleepers = waiting;
        self.shared.publish(&state);
        drop(state);
        for sleeper in due {
            // A sleep dropped meanwhile has nobody to wake.
            let _ = sleeper.wake.send(());
        }
    }

    /// How many sleeps are waiting for the clock to move.
    pub fn sleeping(&self) -> usize {
        self.shared.lock().sleepers.len()
    }

    /// Waits (without moving the clock) until at least `count` sleeps are waiting on it: the
    /// requests that were meant to be held are held.
    pub async fn until_sleeping(&self, count: usize) {
        let mut sleeping = self.shared.sleeping.subscribe();
        // The sender lives as long as the clock, which this borrows, so this cannot fail.
        let _ = sleeping.wait_for(|sleeping| *sleeping >= count).await;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

/// Takes a sleep off the clock when it is dropped before it ended (its request went away).
struct Registration {
    shared: Arc<ManualShared>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        let before = state.sleepers.len();
        state.sleepers.retain(|sleeper| sleeper.id != self.id);
        if state.sleepers.len() != before {
            self.shared.publish(&state);
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        self.shared.lock().now
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        if duration.is_zero() {
            return Box::pin(std::future::ready(()));
        }
        let (wake, woken) = oneshot::channel();
        let mut state = self.shared.lock();
        let id = state.next_id;
        state.next_id += 1;
        let deadline = state.now + duration;
        state.sleepers.push(Sleeper { id, deadline, wake });
        self.shared.publish(&state);
        drop(state);
        let registration = Registration {
            shared: Arc::clone(&self.shared),
            id,
        };
        Box::pin(async move {
            let _registration = registration;
            let _ = woken.await;
        })
    }
}
