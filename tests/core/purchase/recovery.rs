//! Recovery after a restart: a purchase cut short between the journal and the carrier, and one
//! the carrier made but could not confirm, each settled once from what the carrier has.

use numberdesk::domain::ids::ConnectionId;
use numberdesk::domain::kinds::JournalKind;
use numberdesk::domain::kinds::NumberStatus;
use std::sync::Arc;
use std::time::Duration;

use numberdesk::app::context::Context;
use numberdesk::carriers::OrderStatus;
use numberdesk::flows::accounts::Accounts;
use numberdesk::flows::billing::{Billing, EntryKind};
use numberdesk::flows::purchase::{PurchaseError, Purchases, Recovered};
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{CallOutcome, Carrier, FaultKind, FaultRule};
use numberdesk::secrets::MemorySecretStore;
use numberdesk::store::{journal, numbers};

use crate::support::open_core_with_clock;

use super::{fast, local, world, World};

#[tokio::test]
async fn a_crash_between_the_journal_and_the_carrier_call_recovers_with_nothing_bought() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("212"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    // The purchase request never gets an answer; the process dies while it waits.
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::Hang { millis: 5_000 })
            .carrier(Carrier::Twilio)
            .method("POST"),
    );
    let task = tokio::spawn({
        let (purchases, id, e164) = (w.purchases.clone(), w.workspace.id, picked[0].clone());
        async move { purchases.buy(id, Some(connection), &e164).await }
    });
    while !w
        .sandbox
        .calls()
        .iter()
        .any(|c| c.outcome == CallOutcome::Hung)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    let _ = task.await;
    // The journal holds the credits until the purchase is settled.
    let summary = Billing::new(&w.core).summary(w.workspace.id).unwrap();
    assert_eq!((summary.on_hold, summary.available), (115, 885));

    // Restart on the same database file. Twilio shows nothing, but "not bought" waits for
    // several answers over some minutes: a carrier may still be finishing it.
    let (reopened, purchases) = restart(&w, connection);
    let (recovered, passes) = recover_patiently(&purchases, &w, chrono::Duration::minutes(1)).await;
    assert!(
        matches!(&recovered[..], [Recovered::NotBought { numbers, .. }] if numbers == &picked),
        "{recovered:?}"
    );
    assert!(passes >= 4, "settled after {passes} passes, a minute apart");
    assert_eq!(w.twilio_owns(&picked[0]), 0);
    let summary = Billing::new(&reopened).summary(w.workspace.id).unwrap();
    assert_eq!((summary.balance, summary.on_hold), (1_000, 0));
    let unfinished = reopened
        .store
        .read(|c| journal::unfinished(c, &[JournalKind::Purchase]))
        .unwrap();
    assert!(unfinished.is_empty());
    // Nothing is left half-done: the number can be bought now, once.
    purchases.search(w.workspace.id, &query).await.unwrap();
    purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    assert_eq!(
        Billing::new(&reopened).balance(w.workspace.id).unwrap(),
        885
    );
}

#[tokio::test]
async fn a_purchase_the_carrier_made_but_could_not_confirm_is_recorded_once_after_a_restart() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("415"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    // The purchase happens but its answer is lost, and the check cannot be made either.
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "POST", 1);
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 503 })
            .carrier(Carrier::Twilio)
            .method("GET")
            .times(Some(50)),
    );
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(
        matches!(error, PurchaseError::Unconfirmed { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("never buy or charge it twice"));
    let summary = Billing::new(&w.core).summary(w.workspace.id).unwrap();
    assert_eq!((summary.balance, summary.on_hold), (1_000, 115));
    // Buying it again meanwhile is refused: it is being bought.
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::InFlight(_)), "{error}");
    w.sandbox.faults().clear();

    let (reopened, purchases) = restart(&w, connection);
    let (recovered, _) = recover_patiently(&purchases, &w, chrono::Duration::seconds(10)).await;
    assert!(
        matches!(&recovered[..], [Recovered::Bought { .. }]),
        "{recovered:?}"
    );
    // Twice is harmless.
    assert!(purchases.recover().await.unwrap().recovered.is_empty());
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
    let ledger = Billing::new(&reopened).ledger(w.workspace.id).unwrap();
    assert_eq!(
        ledger
            .iter()
            .filter(|e| e.kind == EntryKind::Purchase)
            .count(),
        1
    );
    let summary = Billing::new(&reopened).summary(w.workspace.id).unwrap();
    assert_eq!((summary.balance, summary.on_hold), (885, 0));
    let held = reopened
        .store
        .read(|c| numbers::list(c, w.workspace.id))
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, NumberStatus::Active);
}

/// Recovery passes, the clock moved on by `step` before each as the background sync's would,
/// until nothing is left open: what they settled, and how many passes it took.
pub async fn recover_patiently(
    purchases: &Purchases,
    w: &World,
    step: chrono::Duration,
) -> (Vec<Recovered>, usize) {
    let mut recovered = Vec::new();
    for pass in 1..=40 {
        w.clock.advance(step);
        let report = purchases.recover().await.unwrap();
        assert!(report.errors.is_empty(), "{report:?}");
        recovered.extend(report.recovered);
        if report.unsettled == 0 {
            return (recovered, pass);
        }
    }
    panic!("still unsettled after 40 passes: {recovered:?}")
}

/// A restarted core keeps the keyring; the in-memory one of the test has to be carried over.
/// The app started again on the same database file (a fresh secret store holding the
/// connection's credentials, as the keyring would) with a fresh `Purchases` and no pool account.
fn restart(w: &World, connection: ConnectionId) -> (Arc<Context>, Purchases) {
    let reopened = Arc::new(open_core_with_clock(
        &w.dir,
        Arc::new(MemorySecretStore::new(Redactor::new())),
        w.clock.clone(),
    ));
    let key = numberdesk::secrets::SecretKey::new(w.workspace.id, connection);
    let secret = w.core.secrets.get(key).unwrap().unwrap();
    reopened.secrets.put(key, &secret).unwrap();
    let purchases = Purchases::new(Accounts::new(reopened.clone(), w.endpoints.clone(), fast()));
    (reopened, purchases)
}

/// A recovery pass (the background sync runs one every few seconds) must never settle a purchase
/// that this process is placing: not while its carrier call runs, and not in the moment between
/// its journal row being written and the call starting. Before the claim was taken inside the
/// journal's transaction, a pass in that moment found no order, settled it "not bought", and the
/// order then placed at the carrier stayed Failed for ever with its numbers Pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_recovery_pass_never_settles_a_purchase_being_placed() {
    let w = world(100_000).await;
    let picked = w.pick(w.pool_workspace.id, &local("US", None), 30).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let passes = {
        let (purchases, stop) = (w.purchases.clone(), stop.clone());
        tokio::spawn(async move {
            let mut settled = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                settled.extend(purchases.recover().await.unwrap().recovered);
            }
            settled
        })
    };
    for e164 in &picked {
        w.purchases
            .buy_from_pool(w.pool_workspace.id, std::slice::from_ref(e164), false)
            .await
            .unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let settled_by_recovery = passes.await.unwrap();
    assert!(
        settled_by_recovery.is_empty(),
        "recovery took purchases under way: {settled_by_recovery:?}"
    );
    let orders = w.purchases.orders(w.pool_workspace.id).await.unwrap();
    assert_eq!(orders.len(), picked.len());
    let failed: Vec<_> = orders
        .iter()
        .filter(|o| o.status == OrderStatus::Failure)
        .map(|o| o.order_id)
        .collect();
    assert!(
        failed.is_empty(),
        "orders placed but shown failed: {failed:?}"
    );
    assert_eq!(w.pool_orders(), picked.len());
    assert_eq!(
        w.entries(w.pool_workspace.id, EntryKind::Purchase).len(),
        picked.len()
    );
}
