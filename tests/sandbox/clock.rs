//! The sandbox's manual clock on its own: sleeps end when it is advanced to them and never by
//! themselves, and a sleep given up leaves it.

use std::time::Duration;

use numberdesk::sandbox::{Clock, ManualClock};

use crate::support;

#[tokio::test]
async fn sleeps_end_only_when_the_clock_reaches_them() {
    let clock = ManualClock::new();
    let short = tokio::spawn(clock.sleep(Duration::from_millis(100)));
    let long = tokio::spawn(clock.sleep(Duration::from_millis(300)));
    support::held(&clock, 2).await;
    clock.advance(Duration::from_millis(99));
    assert_eq!(clock.sleeping(), 2, "nothing is due before 100 ms");
    clock.advance(Duration::from_millis(1));
    assert_eq!(clock.sleeping(), 1);
    short.await.expect("the short sleep ends");
    assert!(!long.is_finished());
    clock.advance(Duration::from_millis(200));
    long.await.expect("the long sleep ends");
    assert_eq!(clock.now(), Duration::from_millis(300));
    assert_eq!(clock.sleeping(), 0);
}

#[tokio::test]
async fn a_sleep_given_up_leaves_the_clock() {
    let clock = ManualClock::new();
    let sleep = clock.sleep(Duration::from_secs(1));
    assert_eq!(clock.sleeping(), 1);
    drop(sleep);
    assert_eq!(clock.sleeping(), 0);
    clock.sleep(Duration::ZERO).await;
    assert_eq!(clock.now(), Duration::ZERO);
}
