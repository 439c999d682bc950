//! The number pool: orders of several numbers, pending until processed or synced in the
//! background, failures refunded, a dropped order found by its reference, and each workspace
//! buying only through its own flow.

use numberdesk::domain::kinds::{NumberStatus, Source, WebhookMode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use numberdesk::carriers::OrderStatus;
use numberdesk::flows::accounts::{AccountUnavailable, Accounts};
use numberdesk::flows::billing::EntryKind;
use numberdesk::flows::purchase::{PurchaseError, Purchases};
use numberdesk::sandbox::{Carrier, FaultKind, FaultRule, OrderCompletion, OrderOutcome};

use super::{fast, local, world, world_with};

#[tokio::test]
async fn a_pool_order_dropped_after_commit_is_found_by_its_reference_and_charged_once() {
    let w = world(1_000).await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("404")), 3)
        .await;
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Telnyx, "POST", 1);
    let purchase = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap();
    assert_eq!(purchase.numbers.len(), 3);
    assert_eq!(w.pool_orders(), 1);
    assert_eq!(w.purchase_posts(Carrier::Telnyx), 1);
    assert_eq!(w.entries(w.pool_workspace.id, EntryKind::Purchase).len(), 3);
    assert_eq!(w.balance(w.pool_workspace.id), 1_000 - 345);
}

/// Break 2 of issue 11: a request that became two orders with one reference (the second failed,
/// its numbers taken, and is listed first). The purchase used to be settled from the first
/// order listed: refunded and Failed while the numbers were bought.
#[tokio::test]
async fn a_pool_order_sent_twice_on_the_way_is_settled_from_the_order_that_took_the_numbers() {
    let w = world(1_000).await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("404")), 3)
        .await;
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::DuplicateOrder)
            .carrier(Carrier::Telnyx)
            .method("POST")
            .path_contains("/number_orders"),
    );
    let purchase = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap();
    assert_eq!(
        w.pool_orders(),
        2,
        "the sandbox holds the order and its failed twin"
    );
    assert_eq!(w.purchase_posts(Carrier::Telnyx), 1);
    assert_eq!(purchase.numbers.len(), 3);
    assert!(
        purchase
            .numbers
            .iter()
            .all(|n| n.status != NumberStatus::Failed),
        "{:?}",
        purchase.numbers
    );
    let held = w.held(w.pool_workspace.id);
    assert_eq!(held.len(), 3);
    assert!(held.iter().all(|n| n.status != NumberStatus::Failed));
    assert_eq!(w.entries(w.pool_workspace.id, EntryKind::Purchase).len(), 3);
    assert!(w.entries(w.pool_workspace.id, EntryKind::Refund).is_empty());
    assert_eq!(w.balance(w.pool_workspace.id), 1_000 - 345);
}

#[tokio::test]
async fn a_pool_order_of_three_goes_pending_then_active_through_process() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 2,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("808")), 3)
        .await;
    let purchase = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap();
    assert!(purchase
        .numbers
        .iter()
        .all(|n| n.status == NumberStatus::Pending));
    assert_eq!(purchase.charged_credits, 345);
    let held = w.held(w.pool_workspace.id);
    assert!(held
        .iter()
        .all(|n| n.status == NumberStatus::Pending && n.source == Source::Pool));
    assert!(held.iter().all(|n| n.webhook_mode == WebhookMode::Managed));
    assert!(held.iter().all(|n| n.connection_id.is_none()));

    // Process one number: its order is synced (still pending at the first poll).
    let report = w
        .purchases
        .process(w.pool_workspace.id, Some(held[0].id))
        .await
        .unwrap();
    assert_eq!(report.updates.len(), 1);
    assert!(!report.updates[0].completed());
    // Process all: the second poll completes it.
    let report = w
        .purchases
        .process(w.pool_workspace.id, None)
        .await
        .unwrap();
    assert!(report.updates[0].completed());
    assert_eq!(report.updates[0].activated.len(), 3);
    let held = w.held(w.pool_workspace.id);
    assert!(held.iter().all(|n| n.status == NumberStatus::Active));
    assert!(held.iter().all(|n| n.carrier_number_id.is_some()));
    let orders = w.purchases.orders(w.pool_workspace.id).await.unwrap();
    assert_eq!(orders[0].status, OrderStatus::Success);
    assert_eq!(w.balance(w.pool_workspace.id), 655);
    // Nothing pending: another round checks nothing.
    let idle = w.purchases.sync_pending().await.unwrap();
    assert_eq!(idle.orders_checked, 0);
}

#[tokio::test]
async fn a_failed_pool_order_shows_the_reason_and_refunds_its_charge() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 1,
            outcome: OrderOutcome::Failure,
        },
    )
    .await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("702")), 2)
        .await;
    w.purchases
        .buy_from_pool(w.pool_workspace.id, &picked, false)
        .await
        .unwrap();
    assert_eq!(w.balance(w.pool_workspace.id), 770);
    let report = w.purchases.sync_pending().await.unwrap();
    let update = &report.updates[0];
    assert_eq!(update.status, OrderStatus::Failure);
    assert_eq!(update.failed.len(), 2);
    assert_eq!(update.refunded_credits, 230);
    let held = w.held(w.pool_workspace.id);
    assert!(held.iter().all(|n| n.status == NumberStatus::Failed));
    let orders = w.purchases.orders(w.pool_workspace.id).await.unwrap();
    assert!(orders[0].numbers.iter().all(|n| n.failure_reason.is_some()));
    assert_eq!(w.balance(w.pool_workspace.id), 1_000);
    assert_eq!(w.entries(w.pool_workspace.id, EntryKind::Refund).len(), 2);
    // Synced again: refunded once only.
    w.purchases.sync_pending().await.unwrap();
    assert_eq!(w.entries(w.pool_workspace.id, EntryKind::Refund).len(), 2);
    // A failed number can be bought again (it went back on sale).
    w.sandbox
        .faults()
        .set_order_completion(OrderCompletion::default());
    w.pick(w.pool_workspace.id, &local("US", Some("702")), 2)
        .await;
    let again = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked[..1], false)
        .await
        .unwrap();
    assert_eq!(again.numbers.len(), 1);
}

#[tokio::test]
async fn the_background_sync_completes_pending_orders_and_notifies_once() {
    let w = world_with(
        1_000,
        OrderCompletion::Time {
            millis: 300,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("503")), 2)
        .await;
    let purchase = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap();
    let notified = Arc::new(Mutex::new(Vec::new()));
    let cancel = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn({
        let (purchases, notified, cancel) = (w.purchases.clone(), notified.clone(), cancel.clone());
        async move {
            purchases
                .run_background_sync(Duration::from_millis(50), cancel, move |update| {
                    notified.lock().unwrap().push(update.clone());
                })
                .await;
        }
    });
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if w.held(w.pool_workspace.id)
            .iter()
            .all(|n| n.status == NumberStatus::Active)
        {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    cancel.cancel();
    task.await.unwrap();
    assert!(w
        .held(w.pool_workspace.id)
        .iter()
        .all(|n| n.status == NumberStatus::Active));
    let notified = notified.lock().unwrap();
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert_eq!(notified[0].order_id, purchase.order_id);
    assert_eq!(notified[0].activated.len(), 2);
}

#[tokio::test]
async fn each_workspace_buys_only_through_its_own_flow() {
    let w = world(1_000).await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("212")), 1)
        .await;
    let error = w
        .purchases
        .buy(w.pool_workspace.id, None, &picked[0])
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::UsesPool), "{error}");
    let error = w
        .purchases
        .buy_from_pool(w.workspace.id, &picked, true)
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NotPoolWorkspace), "{error}");
    let unconfigured = Purchases::new(Accounts::new(w.core.clone(), w.endpoints.clone(), fast()));
    let error = unconfigured
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            PurchaseError::Account(AccountUnavailable::PoolNotConfigured)
        ),
        "{error}"
    );
    // A number never searched has no known price.
    let error = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &["+12125550000".to_string()], true)
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NotInSearch(_)), "{error}");
    assert_eq!(w.pool_orders(), 0);
}
