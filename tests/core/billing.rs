//! The credit ledger over several months with a clock the test sets: allowance granted and unused
//! credits expiring each month, purchases charging the full month with no proration, renewals of
//! numbers still held, nothing back on release, refunds of failed orders, and months missed while
//! the app was closed settled in order. Purchases go through the sandbox and a real SQLite file.

use chrono::{DateTime, Utc};

use numberdesk::flows::billing::{Billing, EntryKind};
use numberdesk::sandbox::{OrderCompletion, OrderOutcome};

use crate::purchase::{local, world, world_with};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn the_allowance_is_granted_once_a_month_and_unused_credits_expire() {
    let w = world(1_000).await;
    let billing = Billing::new(&w.core);
    let id = w.workspace.id;
    // Created on 2 November: the full allowance, no proration.
    assert_eq!(billing.balance(id).unwrap(), 1_000);
    billing.settle(id).unwrap();
    billing.settle(id).unwrap();
    assert_eq!(w.entries(id, EntryKind::Allowance).len(), 1);

    w.clock.set(at("2026-11-30T23:59:59Z"));
    assert_eq!(billing.balance(id).unwrap(), 1_000);
    w.clock.set(at("2026-12-01T00:00:00Z"));
    let summary = billing.summary(id).unwrap();
    assert_eq!(summary.period, "2026-12");
    assert_eq!(summary.balance, 1_000);
    assert_eq!(summary.next_period_starts, at("2027-01-01T00:00:00Z"));
    let ledger = billing.ledger(id).unwrap();
    let kinds: Vec<(EntryKind, i64, Option<&str>)> = ledger
        .iter()
        .map(|e| (e.kind, e.amount, e.period.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EntryKind::Allowance, 1_000, Some("2026-11")),
            (EntryKind::Reset, -1_000, Some("2026-12")),
            (EntryKind::Allowance, 1_000, Some("2026-12")),
        ]
    );
    // The balance is the sum of the ledger, always.
    assert_eq!(ledger.iter().map(|e| e.amount).sum::<i64>(), 1_000);
}

#[tokio::test]
async fn numbers_held_renew_each_month_with_no_proration_and_release_refunds_nothing() {
    let w = world(1_000).await;
    let id = w.workspace.id;
    let billing = Billing::new(&w.core);
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("415"));
    query.connection_id = Some(connection);
    let picked = w.pick(id, &query, 2).await;
    for e164 in &picked {
        w.purchases.buy(id, Some(connection), e164).await.unwrap();
    }
    // November: 1000 - 2 x 115, the full month each although it is the 2nd.
    assert_eq!(billing.balance(id).unwrap(), 770);
    let summary = billing.summary(id).unwrap();
    assert_eq!(summary.renewals_next_period, 230);

    // December: 770 unused expire, 1000 granted, both renewed.
    w.clock.set(at("2026-12-01T08:00:00Z"));
    assert_eq!(billing.balance(id).unwrap(), 770);
    assert_eq!(w.entries(id, EntryKind::Renewal).len(), 2);

    // Released on 10 December (minutes after a renewal would be the same): nothing back.
    w.clock.set(at("2026-12-10T08:00:00Z"));
    let held = w.held(id);
    w.purchases.release(id, held[0].id).await.unwrap();
    assert_eq!(billing.balance(id).unwrap(), 770);
    assert!(w.entries(id, EntryKind::Refund).is_empty());

    // January: only the number still held renews.
    w.clock.set(at("2027-01-01T00:00:01Z"));
    assert_eq!(billing.balance(id).unwrap(), 1_000 - 115);
    let renewals = w.entries(id, EntryKind::Renewal);
    assert_eq!(renewals.len(), 3);
    assert_eq!(renewals[2], (-115, Some(held[1].e164.to_string())));
    // Settling again changes nothing.
    billing.settle_all().unwrap();
    assert_eq!(w.entries(id, EntryKind::Renewal).len(), 3);
    let ledger = billing.ledger(id).unwrap();
    assert_eq!(
        ledger.iter().map(|e| e.amount).sum::<i64>(),
        billing.balance(id).unwrap()
    );
}

#[tokio::test]
async fn months_missed_while_the_app_was_closed_are_settled_in_order() {
    let w = world(500).await;
    let id = w.workspace.id;
    let billing = Billing::new(&w.core);
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("212"));
    query.connection_id = Some(connection);
    let picked = w.pick(id, &query, 1).await;
    w.purchases
        .buy(id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(billing.balance(id).unwrap(), 385);

    // Closed from November to mid-February: December, January and February are opened in turn.
    w.clock.set(at("2027-02-14T12:00:00Z"));
    let ledger = billing.ledger(id).unwrap();
    let periods: Vec<(EntryKind, Option<&str>)> = ledger
        .iter()
        .filter(|e| e.kind != EntryKind::Purchase)
        .map(|e| (e.kind, e.period.as_deref()))
        .collect();
    assert_eq!(
        periods,
        vec![
            (EntryKind::Allowance, Some("2026-11")),
            (EntryKind::Reset, Some("2026-12")),
            (EntryKind::Allowance, Some("2026-12")),
            (EntryKind::Renewal, Some("2026-12")),
            (EntryKind::Reset, Some("2027-01")),
            (EntryKind::Allowance, Some("2027-01")),
            (EntryKind::Renewal, Some("2027-01")),
            (EntryKind::Reset, Some("2027-02")),
            (EntryKind::Allowance, Some("2027-02")),
            (EntryKind::Renewal, Some("2027-02")),
        ]
    );
    assert_eq!(billing.balance(id).unwrap(), 385);
}

#[tokio::test]
async fn renewals_beyond_the_allowance_are_carried_not_forgiven() {
    let w = world(300).await;
    let id = w.workspace.id;
    let billing = Billing::new(&w.core);
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("312"));
    query.connection_id = Some(connection);
    let picked = w.pick(id, &query, 2).await;
    for e164 in &picked {
        w.purchases.buy(id, Some(connection), e164).await.unwrap();
    }
    assert_eq!(billing.balance(id).unwrap(), 70);
    // The allowance drops to 100: December's renewals (230) exceed it.
    let mut input = crate::support::input("Acme");
    input.monthly_credit_allowance = 100;
    w.core.workspaces().update(id, &input).unwrap();
    w.clock.set(at("2026-12-01T00:00:00Z"));
    assert_eq!(billing.balance(id).unwrap(), 100 - 230);
    // January: the debt is not reset away.
    w.clock.set(at("2027-01-01T00:00:00Z"));
    assert_eq!(billing.balance(id).unwrap(), -130 + 100 - 230);
    // And a purchase is refused while the balance is short.
    let more = w.pick(id, &query, 1).await;
    let error = w
        .purchases
        .buy(id, Some(connection), &more[0])
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("only -260 are available"),
        "{error}"
    );
}

#[tokio::test]
async fn an_order_failing_after_a_month_boundary_refunds_purchase_and_renewal() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 2,
            outcome: OrderOutcome::Failure,
        },
    )
    .await;
    let id = w.pool_workspace.id;
    let billing = Billing::new(&w.core);
    let picked = w.pick(id, &local("US", Some("617")), 1).await;
    w.purchases.buy_from_pool(id, &picked, true).await.unwrap();
    w.purchases.process(id, None).await.unwrap();
    assert_eq!(billing.balance(id).unwrap(), 885);
    // Still pending on 1 December: renewed like any number held.
    w.clock.set(at("2026-12-01T00:00:00Z"));
    assert_eq!(billing.balance(id).unwrap(), 885);
    // Then the order fails: both charges come back.
    let report = w.purchases.process(id, None).await.unwrap();
    assert_eq!(report.updates[0].refunded_credits, 230);
    assert_eq!(billing.balance(id).unwrap(), 1_115);
    let refunds = w.entries(id, EntryKind::Refund);
    assert_eq!(refunds, vec![(230, Some(picked[0].clone()))]);
    // January: nothing to renew, the refund's unused credits expire with the rest.
    w.clock.set(at("2027-01-01T00:00:00Z"));
    assert_eq!(billing.balance(id).unwrap(), 1_000);
}
