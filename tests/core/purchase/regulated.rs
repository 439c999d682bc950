//! Numbers whose country and type have a regulation (Twilio's German and Australian numbers):
//! marked in the search, refused before any charge without an approved bundle, bought with one,
//! and refused by the carrier with a bundle made for another regulation, with nothing kept.

use numberdesk::carriers::{AddressRequirement, NumberType};
use numberdesk::domain::kinds::NumberStatus;
use numberdesk::flows::purchase::{PurchaseError, SearchQuery};
use numberdesk::sandbox::Carrier;

use super::{local, world, World};
use numberdesk::domain::ids::ConnectionId;

async fn first_offer(
    w: &World,
    connection: ConnectionId,
    mut query: SearchQuery,
) -> numberdesk::flows::purchase::Offer {
    query.connection_id = Some(connection);
    let results = w.purchases.search(w.workspace.id, &query).await.unwrap();
    results.offers.first().expect("numbers on sale").clone()
}

#[tokio::test]
async fn a_german_local_number_needs_a_bundle_and_a_german_address() {
    let w = world(5_000).await;
    let connection = w.connect_twilio().await;
    let offer = first_offer(&w, connection, local("DE", None)).await;
    assert!(offer.e164.starts_with("+49"), "{}", offer.e164);
    assert!(offer.bundle_required, "the search marks it: {offer:?}");
    assert_eq!(offer.address_requirement, Some(AddressRequirement::Local));
    let balance = w.balance(w.workspace.id);

    let addresses = w
        .purchases
        .addresses(w.workspace.id, connection)
        .await
        .unwrap();
    let berlin = addresses
        .iter()
        .find(|a| a.iso_country == "DE")
        .expect("the sandbox account keeps a Berlin address")
        .sid
        .clone();

    // An address alone is not enough: refused here, before any charge or carrier call.
    let refused = w
        .purchases
        .buy_regulated(
            w.workspace.id,
            Some(connection),
            &offer.e164,
            Some(berlin.clone()),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, PurchaseError::BundleNeeded { ref e164, .. } if *e164 == offer.e164),
        "{refused:?}"
    );
    let text = refused.to_string();
    assert!(
        text.contains("regulatory bundle")
            && text.contains("Bundles")
            && text.contains("Nothing was bought or charged"),
        "{text}"
    );
    // A blank pick is no pick.
    let blank = w
        .purchases
        .buy_regulated(
            w.workspace.id,
            Some(connection),
            &offer.e164,
            Some(berlin.clone()),
            Some("  ".into()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(blank, PurchaseError::BundleNeeded { .. }),
        "{blank:?}"
    );
    assert_eq!(w.balance(w.workspace.id), balance);
    assert!(w.held(w.workspace.id).is_empty());
    assert_eq!(
        w.purchase_posts(Carrier::Twilio),
        0,
        "nothing sent to Twilio"
    );

    // Only the bundle approved for German local numbers is offered.
    let bundles = w
        .purchases
        .bundles(w.workspace.id, connection, &offer.e164)
        .await
        .unwrap();
    assert_eq!(bundles.len(), 1, "{bundles:?}");
    assert_eq!(bundles[0].status, "twilio-approved");
    assert!(
        bundles[0]
            .friendly_name
            .as_deref()
            .is_some_and(|n| n.contains("Berlin")),
        "{bundles:?}"
    );

    let bought = w
        .purchases
        .buy_regulated(
            w.workspace.id,
            Some(connection),
            &offer.e164,
            Some(berlin.clone()),
            Some(bundles[0].sid.clone()),
        )
        .await
        .unwrap();
    assert_eq!(bought.numbers[0].status, NumberStatus::Active);
    assert_eq!(w.twilio_owns(&offer.e164), 1);
    let bodies = w.post_bodies("/IncomingPhoneNumbers.json");
    assert_eq!(bodies.len(), 1, "sent once");
    assert!(
        bodies[0].contains(&format!("BundleSid={}", bundles[0].sid))
            && bodies[0].contains(&format!("AddressSid={berlin}")),
        "{}",
        bodies[0]
    );
    assert!(w.balance(w.workspace.id) < balance, "charged once bought");
    w.assert_no_violations();
}

#[tokio::test]
async fn an_australian_mobile_with_no_approved_bundle_offers_none_and_keeps_nothing() {
    let w = world(5_000).await;
    let connection = w.connect_twilio().await;
    let query = SearchQuery {
        types: vec![NumberType::Mobile],
        ..local("AU", None)
    };
    let offer = first_offer(&w, connection, query).await;
    assert!(offer.e164.starts_with("+614"), "{}", offer.e164);
    assert!(offer.bundle_required, "{offer:?}");
    assert_eq!(offer.address_requirement, None);

    // The account's mobile bundle is still in review, so none is offered.
    let bundles = w
        .purchases
        .bundles(w.workspace.id, connection, &offer.e164)
        .await
        .unwrap();
    assert!(bundles.is_empty(), "{bundles:?}");

    // A bundle made for Australian local numbers does not cover a mobile: Twilio refuses it
    // (21649), and the charge is given back.
    let local_bundles = {
        let local_offer = first_offer(&w, connection, local("AU", None)).await;
        assert!(local_offer.bundle_required);
        w.purchases
            .bundles(w.workspace.id, connection, &local_offer.e164)
            .await
            .unwrap()
    };
    assert_eq!(local_bundles.len(), 1, "{local_bundles:?}");
    let balance = w.balance(w.workspace.id);
    let refused = w
        .purchases
        .buy_regulated(
            w.workspace.id,
            Some(connection),
            &offer.e164,
            None,
            Some(local_bundles[0].sid.clone()),
        )
        .await
        .unwrap_err();
    let text = refused.to_string();
    assert!(text.contains("21649"), "{text}");
    w.assert_nothing_kept(&offer.e164, balance);
    w.assert_no_violations();
}

#[tokio::test]
async fn a_german_number_at_telnyx_is_ordered_with_an_approved_requirement_group() {
    let w = super::world_with(
        5_000,
        numberdesk::sandbox::OrderCompletion::Polls {
            polls: 1,
            outcome: numberdesk::sandbox::OrderOutcome::Success,
        },
    )
    .await;
    let connection = w.connect_telnyx().await;
    let offer = first_offer(&w, connection, local("DE", None)).await;
    assert!(offer.bundle_required, "the search marks it: {offer:?}");
    let balance = w.balance(w.workspace.id);

    let refused = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap_err();
    let text = refused.to_string();
    assert!(
        matches!(refused, PurchaseError::BundleNeeded { .. }),
        "{refused:?}"
    );
    assert!(
        text.contains("requirement group") && text.contains("Telnyx Portal"),
        "{text}"
    );
    assert_eq!(
        w.purchase_posts(Carrier::Telnyx),
        0,
        "nothing sent to Telnyx"
    );
    assert_eq!(w.balance(w.workspace.id), balance);

    let groups = w
        .purchases
        .bundles(w.workspace.id, connection, &offer.e164)
        .await
        .unwrap();
    assert_eq!(
        groups.len(),
        1,
        "only the approved German group: {groups:?}"
    );
    assert_eq!(groups[0].friendly_name.as_deref(), Some("Berlin office"));
    let bought = w
        .purchases
        .buy_regulated(
            w.workspace.id,
            Some(connection),
            &offer.e164,
            None,
            Some(groups[0].sid.clone()),
        )
        .await
        .unwrap();
    assert_eq!(bought.numbers[0].status, NumberStatus::Pending);
    let orders = w.post_bodies("/number_orders");
    assert_eq!(orders.len(), 1);
    assert!(
        orders[0].contains(&format!("\"requirement_group_id\":\"{}\"", groups[0].sid)),
        "{}",
        orders[0]
    );
    let synced = w.purchases.process(w.workspace.id, None).await.unwrap();
    assert_eq!(
        synced.updates[0].status,
        numberdesk::carriers::OrderStatus::Success
    );
    assert_eq!(w.held(w.workspace.id)[0].status, NumberStatus::Active);
    w.assert_no_violations();
}

#[tokio::test]
async fn a_telnyx_account_that_cannot_pay_is_named_and_nothing_is_kept() {
    let w = world(5_000).await;
    let broke = w
        .sandbox
        .telnyx_low_balance_account()
        .expect("seeded")
        .clone();
    let connection = w.connect_telnyx_account(&broke).await;
    let offer = first_offer(&w, connection, local("US", Some("312"))).await;
    let balance = w.balance(w.workspace.id);
    let refused = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            PurchaseError::Carrier(numberdesk::carriers::CarrierError::InsufficientFunds { .. })
        ),
        "{refused:?}"
    );
    let text = refused.to_string();
    assert!(
        text.contains("balance")
            && text.contains("Add funds")
            && text.contains("nothing was bought or charged"),
        "{text}"
    );
    w.assert_nothing_kept(&offer.e164, balance);
    w.assert_no_violations();
}
