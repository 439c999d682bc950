//! The Telnyx client against the sandbox.

use std::collections::HashSet;

use numberdesk::carriers::http::NumberPages;
use numberdesk::carriers::{
    CarrierError, CarrierKind, NumberSearch, NumberType, OrderStatus, ReleaseOutcome, Routing,
    TelnyxNumberUpdate, TelnyxOrderRequest,
};
use numberdesk::sandbox::{OrderCompletion, OrderOutcome};

use crate::support;

#[tokio::test]
async fn validates_the_key_and_counts_the_numbers() {
    let sandbox = support::start(7).await;
    let client = support::telnyx(&sandbox);
    let info = client.validate().await.expect("valid key");
    assert_eq!(info.carrier, CarrierKind::Telnyx);
    assert_eq!(info.owned_numbers, Some(7));
    let balance = client.balance().await.unwrap();
    assert!(balance.balance.cents().is_some(), "{balance:?}");
}

#[tokio::test]
async fn a_wrong_key_is_rejected_without_echoing_it() {
    let sandbox = support::start(1).await;
    let wrong = "KEY_wrong_0123456789";
    let client = support::telnyx_with(&sandbox, wrong, support::fast_options());
    let error = client.validate().await.unwrap_err();
    assert_eq!(
        error,
        CarrierError::AuthRejected {
            carrier: CarrierKind::Telnyx
        }
    );
    assert!(!error.to_string().contains(wrong));
}

#[tokio::test]
async fn lists_every_number_exactly_once_across_many_pages() {
    let sandbox = support::start(1111).await;
    let client = support::telnyx(&sandbox);
    let mut pager = client.phone_numbers(100);
    let (ids, pages) = support::walk(&mut pager).await;
    assert_eq!(pages, 12);
    assert_eq!(pager.progress().total, Some(1111));
    assert_eq!(ids.len(), 1111);
    support::assert_each_owned_once(
        &sandbox,
        &sandbox.telnyx_accounts()[0].organization_id,
        &ids,
    );

    let mut reports = Vec::new();
    let all = client
        .list_phone_numbers_with_progress(|progress| {
            reports.push((progress.fetched, progress.total))
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1111);
    assert_eq!(reports.last(), Some(&(1111, Some(1111))));
    assert_eq!(reports.len(), 5);
}

#[tokio::test]
async fn a_number_bought_while_listing_is_neither_missed_nor_repeated() {
    let sandbox = support::start(300).await;
    let client = support::telnyx(&sandbox);
    let mut pager = client.phone_numbers(100);
    let mut ids = Vec::new();
    let first = pager.next_page().await.unwrap().unwrap();
    ids.extend(first.into_iter().map(|number| number.carrier_id));

    // Buy one number between pages.
    let found = client
        .search_available(&support::us_search())
        .await
        .unwrap();
    let order = client
        .create_number_order(&TelnyxOrderRequest {
            phone_numbers: vec![found[0].e164.to_string()],
            ..TelnyxOrderRequest::default()
        })
        .await
        .unwrap();
    let _ = client.number_order(&order.id).await.unwrap();

    while let Some(page) = pager.next_page().await.unwrap() {
        ids.extend(page.into_iter().map(|number| number.carrier_id));
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no number twice");
    assert_eq!(ids.len(), 301, "the new number is listed too");
}

#[tokio::test]
async fn updates_connection_and_messaging_then_restores() {
    let sandbox = support::start(3).await;
    let account = &sandbox.telnyx_accounts()[0];
    let client = support::telnyx(&sandbox);

    let app = client
        .texml_application(&account.texml_application_id)
        .await
        .unwrap();
    assert_eq!(app.id, account.texml_application_id);
    let apps = client.list_texml_applications().await.unwrap();
    assert!(apps.iter().any(|listed| listed.id == app.id));
    let missing = client.texml_application("999999999").await.unwrap_err();
    assert!(
        matches!(missing, CarrierError::NotFound { .. }),
        "{missing:?}"
    );
    let profiles = client.list_messaging_profiles().await.unwrap();
    assert!(profiles
        .iter()
        .any(|profile| profile.id == account.messaging_profile_id));

    let number = client.list_phone_numbers().await.unwrap().remove(0);
    let Routing::Telnyx(before) = number.routing.clone() else {
        panic!("telnyx routing");
    };
    let updated = client
        .update_phone_number(
            &number.carrier_id,
            &TelnyxNumberUpdate {
                connection_id: Some(app.id.clone()),
                tags: Some(vec!["numberdesk".into()]),
                ..TelnyxNumberUpdate::default()
            },
        )
        .await
        .unwrap();
    let assignment = client
        .update_messaging_profile(&number.carrier_id, &account.messaging_profile_id)
        .await
        .unwrap();
    assert_eq!(
        assignment.messaging_profile_id.as_deref(),
        Some(account.messaging_profile_id.as_str())
    );
    let fetched = client.fetch_phone_number(&number.carrier_id).await.unwrap();
    let Routing::Telnyx(after) = fetched.routing else {
        panic!("telnyx routing");
    };
    assert_eq!(after.connection_id.as_deref(), Some(app.id.as_str()));
    assert_eq!(after.tags, vec!["numberdesk".to_string()]);
    assert_eq!(
        after.messaging_profile_id.as_deref(),
        Some(account.messaging_profile_id.as_str())
    );
    assert_eq!(updated.carrier_id, fetched.carrier_id);

    client
        .update_phone_number(&number.carrier_id, &TelnyxNumberUpdate::restore(&before))
        .await
        .unwrap();
    client
        .update_messaging_profile(
            &number.carrier_id,
            before.messaging_profile_id.as_deref().unwrap_or(""),
        )
        .await
        .unwrap();
    let Routing::Telnyx(restored) = client
        .fetch_phone_number(&number.carrier_id)
        .await
        .unwrap()
        .routing
    else {
        panic!("telnyx routing");
    };
    assert_eq!(restored.connection_id, before.connection_id);
    assert_eq!(restored.messaging_profile_id, before.messaging_profile_id);
    assert_eq!(restored.tags, before.tags);

    let bad = client
        .update_phone_number(
            &number.carrier_id,
            &TelnyxNumberUpdate {
                connection_id: Some("424242".into()),
                ..TelnyxNumberUpdate::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(bad, CarrierError::Rejected { status: 422, .. }),
        "{bad:?}"
    );
}

#[tokio::test]
async fn orders_complete_and_fail_and_numbers_release() {
    let sandbox = support::start(1).await;
    let account = &sandbox.telnyx_accounts()[0];
    let client = support::telnyx(&sandbox);
    let search = NumberSearch {
        country: "US".into(),
        number_type: Some(NumberType::Local),
        limit: Some(3),
        ..NumberSearch::default()
    };
    let found = client.search_available(&search).await.unwrap();
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|number| number.monthly_cost.is_some()));

    sandbox
        .faults()
        .set_order_completion(OrderCompletion::Polls {
            polls: 2,
            outcome: OrderOutcome::Success,
        });
    let order = client
        .create_number_order(&TelnyxOrderRequest {
            phone_numbers: vec![found[0].e164.to_string(), found[1].e164.to_string()],
            connection_id: Some(account.texml_application_id.clone()),
            messaging_profile_id: Some(account.messaging_profile_id.clone()),
            customer_reference: Some("journal-1".into()),
            requirement_group_id: None,
        })
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.numbers.len(), 2);
    let mut status = order.status;
    for _ in 0..5 {
        status = client.number_order(&order.id).await.unwrap().status;
        if status != OrderStatus::Pending {
            break;
        }
    }
    assert_eq!(status, OrderStatus::Success);
    let listed = client.list_number_orders(Some("journal-1")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, order.id);

    let owned = client
        .find_phone_number(&found[0].e164)
        .await
        .unwrap()
        .expect("bought number is owned");
    let Routing::Telnyx(routing) = &owned.routing else {
        panic!("telnyx routing");
    };
    assert_eq!(
        routing.connection_id.as_deref(),
        Some(account.texml_application_id.as_str())
    );

    // The same number again: gone from stock.
    let again = client
        .create_number_order(&TelnyxOrderRequest {
            phone_numbers: vec![found[2].e164.to_string(), found[0].e164.to_string()],
            ..TelnyxOrderRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        again,
        CarrierError::NumberUnavailable {
            carrier: CarrierKind::Telnyx,
            number: found[0].e164.to_string()
        }
    );

    sandbox
        .faults()
        .set_order_completion(OrderCompletion::Polls {
            polls: 0,
            outcome: OrderOutcome::Failure,
        });
    let failing = client
        .create_number_order(&TelnyxOrderRequest {
            phone_numbers: vec![found[2].e164.to_string()],
            ..TelnyxOrderRequest::default()
        })
        .await
        .unwrap();
    let failed = client.number_order(&failing.id).await.unwrap();
    assert_eq!(failed.status, OrderStatus::Failure);
    assert!(failed.failure_reason.is_some());

    assert_eq!(
        client
            .release_phone_number(&owned.carrier_id)
            .await
            .unwrap(),
        ReleaseOutcome::Released
    );
    assert_eq!(
        client
            .release_phone_number(&owned.carrier_id)
            .await
            .unwrap(),
        ReleaseOutcome::AlreadyGone
    );
}
