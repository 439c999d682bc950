//! Release: journalled, refunds nothing, and only takes active purchases.

use numberdesk::domain::kinds::NumberStatus;
use numberdesk::flows::billing::EntryKind;
use numberdesk::flows::purchase::PurchaseError;
use numberdesk::sandbox::{Carrier, FaultKind, FaultRule, OrderCompletion, OrderOutcome};

use numberdesk::domain::ids::PhoneNumberId;

use super::{local, world_with, World};

/// One number bought on the workspace's own Twilio account: its E.164 (in a list) and id.
async fn bought_on_twilio(w: &World) -> (Vec<String>, PhoneNumberId) {
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("206"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    let bought = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    let id = bought.numbers[0].phone_number_id;
    (picked, id)
}

#[tokio::test]
async fn release_is_journalled_refunds_nothing_and_only_takes_active_purchases() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 5,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let (picked, id) = bought_on_twilio(&w).await;
    // The release's answer is lost once; it is repeatable, so it completes.
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "DELETE", 1);
    let release = w.purchases.release(w.workspace.id, id).await.unwrap();
    assert_eq!(release.refunded_credits, 0);
    assert_eq!(w.twilio_owns(&picked[0]), 0);
    assert_eq!(w.held(w.workspace.id)[0].status, NumberStatus::Released);
    assert_eq!(w.balance(w.workspace.id), 885);
    assert!(w.entries(w.workspace.id, EntryKind::Refund).is_empty());
    let again = w.purchases.release(w.workspace.id, id).await.unwrap_err();
    assert!(again.to_string().contains("released already"), "{again}");
    // The audit log has the purchase and the release, once each, with the number.
    let log = numberdesk::flows::audit::AuditLog::new(&w.core)
        .query(
            w.workspace.id,
            &numberdesk::flows::audit::AuditFilter::default(),
        )
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.summary.as_str()))
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0].0, "release");
    assert!(actions[0].1.contains("Nothing was refunded"), "{actions:?}");
    assert_eq!(actions[1].0, "purchase");
    assert!(actions[1].1.contains("115 credits"), "{actions:?}");
    assert!(log.entries.iter().all(|e| e.number_count == 1));

    // A pending pool number cannot be released yet; another workspace cannot reach it.
    let pool_picked = w
        .pick(w.pool_workspace.id, &local("US", Some("212")), 1)
        .await;
    let pool = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &pool_picked, false)
        .await
        .unwrap();
    let pending_id = pool.numbers[0].phone_number_id;
    let error = w
        .purchases
        .release(w.pool_workspace.id, pending_id)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("still pending"), "{error}");
    let error = w
        .purchases
        .release(w.workspace.id, pending_id)
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NumberNotFound));
}

/// A release the carrier refuses for good is settled as refused: the number stays Active and
/// may be released again, and no recovery pass asks the carrier again (before, every pass of the
/// background sync retried it, for ever, and the number could never be released again).
#[tokio::test]
async fn a_release_the_carrier_refuses_is_settled_and_can_be_tried_again() {
    let w = world_with(1_000, OrderCompletion::default()).await;
    let (picked, id) = bought_on_twilio(&w).await;
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 400 })
            .carrier(Carrier::Twilio)
            .method("DELETE")
            .times(None),
    );
    let refused = w.purchases.release(w.workspace.id, id).await.unwrap_err();
    assert!(
        matches!(
            refused,
            PurchaseError::Carrier(numberdesk::carriers::CarrierError::Rejected { .. })
        ),
        "{refused:?}"
    );
    assert_eq!(w.held(w.workspace.id)[0].status, NumberStatus::Active);
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    let deletes = || {
        w.sandbox
            .calls()
            .iter()
            .filter(|c| c.carrier == Carrier::Twilio && c.method == "DELETE")
            .count()
    };
    let asked = deletes();
    for _ in 0..3 {
        let pass = w.purchases.recover().await.unwrap();
        assert!(
            pass.recovered.is_empty() && pass.errors.is_empty(),
            "{pass:?}"
        );
    }
    assert_eq!(deletes(), asked, "recovery asked the carrier again");
    let log = numberdesk::flows::audit::AuditLog::new(&w.core)
        .query(
            w.workspace.id,
            &numberdesk::flows::audit::AuditFilter::default(),
        )
        .unwrap();
    assert!(
        log.entries[0].summary.contains("was not released"),
        "{:?}",
        log.entries[0]
    );

    w.sandbox.faults().clear();
    w.purchases.release(w.workspace.id, id).await.unwrap();
    assert_eq!(w.held(w.workspace.id)[0].status, NumberStatus::Released);
    assert_eq!(w.twilio_owns(&picked[0]), 0);
}
