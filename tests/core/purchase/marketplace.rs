//! Buying through a workspace's own Twilio or Telnyx account: active or pending, charged once,
//! refused before any carrier call without the credits, and exactly once through a dropped
//! connection, a timeout, a late commit or a number sold since the search.

use std::sync::Arc;
use std::time::Duration;

use numberdesk::carriers::{NumberType, OrderStatus};
use numberdesk::domain::kinds::{NumberStatus, WebhookMode};
use numberdesk::flows::billing::{Billing, EntryKind};
use numberdesk::flows::purchase::{PurchaseError, Recovered};
use numberdesk::sandbox::{
    CallOutcome, Carrier, FaultKind, FaultRule, ManualClock, OrderCompletion, OrderOutcome,
    SandboxConfig,
};

use super::{local, world, world_with};

#[tokio::test]
async fn a_twilio_marketplace_purchase_is_active_charged_once_and_leaves_the_results() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("415"));
    query.connection_id = Some(connection);
    let results = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(!results.possibly_stale);
    assert!(!results.offers.is_empty());
    let offer = &results.offers[0];
    assert!(offer.e164.starts_with("+1415"), "{}", offer.e164);
    assert_eq!(offer.monthly_cost_credits, Some(115));
    assert_eq!(offer.number_type, Some(NumberType::Local));
    assert_eq!(offer.region.as_deref(), Some("CA"));

    let quote = w
        .purchases
        .quote(w.workspace.id, std::slice::from_ref(&offer.e164))
        .await
        .unwrap();
    assert_eq!(
        (
            quote.total_credits,
            quote.balance_before,
            quote.balance_after
        ),
        (115, 1_000, 885)
    );
    assert!(quote.no_proration && quote.affordable);

    let purchase = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap();
    assert_eq!(purchase.charged_credits, 115);
    assert_eq!(purchase.numbers.len(), 1);
    assert_eq!(purchase.numbers[0].status, NumberStatus::Active);
    assert_eq!(w.twilio_owns(&offer.e164), 1);
    assert_eq!(w.balance(w.workspace.id), 885);
    assert_eq!(
        w.entries(w.workspace.id, EntryKind::Purchase),
        vec![(-115, Some(offer.e164.to_string()))]
    );
    let held = w.held(w.workspace.id);
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].status.as_str(), held[0].source.as_str()),
        ("active", "marketplace")
    );
    assert!(held[0]
        .carrier_number_id
        .as_deref()
        .unwrap()
        .starts_with("PN"));
    // Bought numbers leave the cached results; buying again is refused before any call.
    let cached = w
        .purchases
        .cached_search(w.workspace.id, &query)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.offers.iter().all(|o| o.e164 != offer.e164));
    let again = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap_err();
    assert!(matches!(again, PurchaseError::AlreadyHeld(_)), "{again}");
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
}

#[tokio::test]
async fn a_telnyx_marketplace_purchase_is_pending_until_processed() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 2,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let connection = w.connect_telnyx().await;
    let mut query = local("US", Some("312"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    let purchase = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(purchase.numbers[0].status, NumberStatus::Pending);
    assert_eq!(w.balance(w.workspace.id), 885);

    let first = w.purchases.process(w.workspace.id, None).await.unwrap();
    assert_eq!(first.updates[0].status, OrderStatus::Pending);
    let number_id = purchase.numbers[0].phone_number_id;
    let second = w
        .purchases
        .process(w.workspace.id, Some(number_id))
        .await
        .unwrap();
    assert_eq!(second.updates[0].status, OrderStatus::Success);
    assert_eq!(second.updates[0].activated, picked);
    let held = w.held(w.workspace.id);
    assert_eq!(held[0].status, NumberStatus::Active);
    assert!(held[0].carrier_number_id.is_some());
    assert_eq!(held[0].webhook_mode, WebhookMode::Managed);
    assert_eq!(w.balance(w.workspace.id), 885);
}

#[tokio::test]
async fn too_few_credits_is_refused_before_any_carrier_call() {
    let w = world(100).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("212"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            PurchaseError::InsufficientCredits {
                needed: 115,
                available: 100
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("Nothing was bought or charged"));
    assert_eq!(w.purchase_posts(Carrier::Twilio), 0);
    assert_eq!(w.balance(w.workspace.id), 100);
    assert!(w.held(w.workspace.id).is_empty());

    // The pool too: three numbers cost 345 of 100.
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("212")), 3)
        .await;
    let error = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        PurchaseError::InsufficientCredits { needed: 345, .. }
    ));
    assert_eq!(w.pool_orders(), 0);
}

#[tokio::test]
async fn a_number_gone_since_the_search_is_not_charged_and_leaves_the_cache() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("512"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 2).await;
    assert!(w.sandbox.faults().vanish(&picked[0]));
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PurchaseError::NumberGone(n) if n == &picked[0]),
        "{error}"
    );
    assert!(error.to_string().contains("Nothing was bought or charged"));
    assert_eq!(w.balance(w.workspace.id), 1_000);
    assert!(w.entries(w.workspace.id, EntryKind::Purchase).is_empty());
    assert!(w.held(w.workspace.id).is_empty());
    let cached = w
        .purchases
        .cached_search(w.workspace.id, &query)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.offers.iter().all(|o| o.e164 != picked[0]));
    assert!(cached.offers.iter().any(|o| o.e164 == picked[1]));

    // In a pool order too: the whole order is refused, nothing charged.
    let pool_picked = w
        .pick(w.pool_workspace.id, &local("US", Some("305")), 3)
        .await;
    w.sandbox.faults().vanish(&pool_picked[1]);
    let error = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &pool_picked, false)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PurchaseError::NumberGone(n) if n == &pool_picked[1]),
        "{error}"
    );
    assert_eq!(w.balance(w.pool_workspace.id), 1_000);
    assert!(w.held(w.pool_workspace.id).is_empty());
}

#[tokio::test]
async fn a_connection_dropped_after_the_purchase_buys_and_charges_exactly_once() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("617"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "POST", 1);
    let purchase = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(purchase.numbers[0].status, NumberStatus::Active);
    assert_eq!(purchase.charged_credits, 115);
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    // Checked, found, not sent again.
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
    assert!(w
        .sandbox
        .calls()
        .iter()
        .any(|c| c.outcome == CallOutcome::Dropped));
    assert_eq!(w.held(w.workspace.id).len(), 1);
    assert_eq!(w.entries(w.workspace.id, EntryKind::Purchase).len(), 1);
    assert_eq!(w.balance(w.workspace.id), 885);
}

/// A purchase whose answer never came is not sent again (Twilio has no idempotency key, so a
/// second POST could buy a second number or be refused as "not available" by our own first): it
/// stays unconfirmed with its credits on hold until Twilio's word settles it.
#[tokio::test]
async fn a_timed_out_purchase_is_never_sent_again_and_settles_from_the_account() {
    let w = world(1_000).await;
    // The purchase request is held past the client's timeout and never carried out.
    let picked = unconfirmed_twilio_buy(&w, FaultKind::Hang { millis: 3_000 }).await;
    let calls = w.sandbox.calls();
    let post = calls
        .iter()
        .position(|c| c.method == "POST" && c.outcome == CallOutcome::Hung)
        .unwrap();
    let check = calls
        .iter()
        .position(|c| c.method == "GET" && c.query.contains("PhoneNumber="))
        .unwrap();
    assert!(post < check, "the account is checked after the lost answer");
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
    let summary = Billing::new(&w.core).summary(w.workspace.id).unwrap();
    assert_eq!((summary.balance, summary.on_hold), (1_000, 115));

    let (recovered, _) =
        super::recovery::recover_patiently(&w.purchases, &w, chrono::Duration::minutes(2)).await;
    assert!(
        matches!(&recovered[..], [Recovered::NotBought { .. }]),
        "{recovered:?}"
    );
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
    assert_eq!(w.twilio_owns(&picked[0]), 0);
    assert!(w.entries(w.workspace.id, EntryKind::Purchase).is_empty());
    assert_eq!(w.balance(w.workspace.id), 1_000);
}

/// Twilio finishes the purchase after the client gave up, and a lookup before then finds
/// nothing. It is bought once when Twilio shows it, never sent twice, never written off early.
#[tokio::test]
async fn a_purchase_twilio_finishes_late_is_bought_once_and_never_sent_twice() {
    let sandbox_clock = Arc::new(ManualClock::new());
    let w = super::world_on(
        1_000,
        SandboxConfig {
            clock: sandbox_clock.clone(),
            ..SandboxConfig::default()
        },
    )
    .await;
    let picked = unconfirmed_twilio_buy(&w, FaultKind::CommitLate { millis: 600_000 }).await;
    // Checks find nothing: open while they are few or close together, credits held.
    for step in [10, 60] {
        w.clock.advance(chrono::Duration::seconds(step));
        let report = w.purchases.recover().await.unwrap();
        assert_eq!(
            (report.recovered.len(), report.unsettled),
            (0, 1),
            "{report:?}"
        );
    }
    assert_eq!(
        Billing::new(&w.core)
            .summary(w.workspace.id)
            .unwrap()
            .on_hold,
        115
    );
    // The fourth answer of "nothing", five minutes after the first: not bought, credits back.
    w.clock.advance(chrono::Duration::seconds(240));
    let report = w.purchases.recover().await.unwrap();
    assert!(
        matches!(&report.recovered[..], [Recovered::NotBought { .. }]),
        "{report:?}"
    );
    assert_eq!(w.balance(w.workspace.id), 1_000);
    assert!(w.held(w.workspace.id).is_empty());

    // Twilio commits it after all. The written-off purchase is still watched: the carrier's
    // word wins, the order opens again and the number is recorded and charged, once.
    sandbox_clock.advance(Duration::from_secs(600));
    while w.twilio_owns(&picked[0]) == 0 {
        tokio::task::yield_now().await;
    }
    w.clock.advance(chrono::Duration::minutes(15));
    let report = w.purchases.recover().await.unwrap();
    assert!(
        matches!(&report.recovered[..], [Recovered::Bought { .. }]),
        "{report:?}"
    );
    let later = w.purchases.recover().await.unwrap();
    assert!(later.recovered.is_empty(), "{later:?}");
    let orders = w.purchases.orders(w.workspace.id).await.unwrap();
    assert_eq!(orders[0].status, OrderStatus::Success, "{orders:?}");
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    assert_eq!(w.entries(w.workspace.id, EntryKind::Purchase).len(), 1);
    assert_eq!(w.balance(w.workspace.id), 885);
    assert_eq!(w.held(w.workspace.id)[0].status, NumberStatus::Active);
}

/// Buys one Twilio number with `fault` on the purchase POST, which leaves it unconfirmed.
async fn unconfirmed_twilio_buy(w: &super::World, fault: FaultKind) -> Vec<String> {
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("303"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    w.sandbox.faults().add_rule(
        FaultRule::once(fault)
            .carrier(Carrier::Twilio)
            .method("POST"),
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
    picked
}

/// Issue 12, regulated numbers: a GB number asks for an address. The search says so; buying it
/// without one of the account's Addresses is refused before anything is charged or sent, with a
/// sentence that says what is needed and where to add it; with one it is bought and Twilio has
/// the address on the number.
#[tokio::test]
async fn a_gb_number_is_bought_with_an_address_and_refused_cleanly_without_one() {
    let w = world(5_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("GB", None);
    query.connection_id = Some(connection);
    let results = w.purchases.search(w.workspace.id, &query).await.unwrap();
    let offer = results.offers.first().expect("GB numbers on sale").clone();
    assert_eq!(
        offer.address_requirement,
        Some(numberdesk::carriers::AddressRequirement::Any)
    );
    let balance = w.balance(w.workspace.id);

    let refused = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, PurchaseError::AddressNeeded { .. }),
        "{refused:?}"
    );
    let text = refused.to_string();
    assert!(
        text.contains(&offer.e164) && text.contains("an address"),
        "{text}"
    );
    assert!(
        text.contains("Addresses") && text.contains("Nothing was bought or charged"),
        "{text}"
    );
    assert_eq!(w.balance(w.workspace.id), balance);
    assert_eq!(
        w.purchase_posts(Carrier::Twilio),
        0,
        "nothing sent to Twilio"
    );
    assert!(w.held(w.workspace.id).is_empty());

    let addresses = w
        .purchases
        .addresses(w.workspace.id, connection)
        .await
        .unwrap();
    // The sandbox's accounts keep an office in London and one in Berlin.
    assert_eq!(addresses.len(), 2, "{addresses:?}");
    assert_eq!(addresses[0].iso_country, "GB");
    assert_eq!(addresses[1].iso_country, "DE");
    let bought = w
        .purchases
        .buy_with_address(
            w.workspace.id,
            Some(connection),
            &offer.e164,
            Some(addresses[0].sid.clone()),
        )
        .await
        .unwrap();
    assert_eq!(bought.numbers[0].status, NumberStatus::Active);
    assert_eq!(w.twilio_owns(&offer.e164), 1);
    let posts = w.post_bodies("/IncomingPhoneNumbers.json");
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0].contains(&format!("AddressSid={}", addresses[0].sid)),
        "{}",
        posts[0]
    );
    w.assert_no_violations();
}

#[tokio::test]
async fn a_trial_accounts_second_number_is_refused_and_nothing_is_charged() {
    let w = world(5_000).await;
    let connection = w.connect_twilio_trial().await;
    let mut query = local("US", Some("415"));
    query.connection_id = Some(connection);
    let results = w.purchases.search(w.workspace.id, &query).await.unwrap();
    let offer = results.offers.first().expect("numbers on sale").clone();
    let balance = w.balance(w.workspace.id);

    let refused = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap_err();
    let text = refused.to_string();
    assert!(
        matches!(
            refused,
            PurchaseError::Carrier(numberdesk::carriers::CarrierError::TrialLimit { .. })
        ),
        "{refused:?}"
    );
    assert!(
        text.contains("trial")
            && text.contains("Upgrade")
            && text.contains("nothing was bought or charged"),
        "{text}"
    );
    w.assert_nothing_kept(&offer.e164, balance);
    w.assert_no_violations();
}
