//! Searching: input errors as sentences, nearby area codes for an empty one, and the last search
//! browsable offline.

use numberdesk::carriers::NumberType;
use numberdesk::flows::purchase::{PurchaseError, SearchQuery};
use numberdesk::sandbox::{Carrier, FaultKind, FaultRule};

use crate::support::input;

use super::{local, world};

#[tokio::test]
async fn search_input_errors_are_clear_sentences() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let cases = [
        (local("US", Some("31a")), "\"31a\" is not an area code"),
        (
            local("US", Some("099")),
            "There is no area code 099 in United States",
        ),
        (local("US", Some("911")), "There is no area code 911"),
        (local("USA", None), "is not a two-letter country code"),
        (local("ZZ", None), "Twilio sells no numbers in ZZ"),
        (
            SearchQuery {
                types: vec![NumberType::Mobile],
                ..local("US", None)
            },
            "Twilio sells no mobile numbers in United States",
        ),
    ];
    for (mut query, wanted) in cases {
        query.connection_id = Some(connection);
        let error = w
            .purchases
            .search(w.workspace.id, &query)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains(wanted),
            "{error} (wanted {wanted})"
        );
    }
    // A workspace with no carrier connected is told to connect one.
    let other = w.core.workspaces().create(&input("Bare")).unwrap();
    let error = w
        .purchases
        .search(other.id, &local("US", None))
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NoConnection), "{error}");
}

#[tokio::test]
async fn an_empty_area_code_suggests_nearby_area_codes_with_stock() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("718"));
    query.connection_id = Some(connection);
    let results = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(results.offers.is_empty());
    assert!(!results.suggestions.is_empty());
    assert!(results.suggestions.len() <= 5);
    assert!(results.suggestions.iter().all(|s| s.area_code != "718"));
    assert!(results.suggestions.iter().all(|s| s.numbers_seen > 0));
    // Closest first: 703 (none in stock) is not there, 702 and 617 are the nearest that are.
    assert_eq!(results.suggestions[0].area_code, "702");
}

#[tokio::test]
async fn a_previous_search_is_browsable_offline_and_marked_possibly_stale() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("206"));
    query.connection_id = Some(connection);
    let fresh = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(!fresh.offers.is_empty());
    w.clock.advance(chrono::Duration::hours(3));

    // The carrier cannot be reached: the cached answer comes back, marked.
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 503 })
            .carrier(Carrier::Twilio)
            .times(None),
    );
    let offline = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(offline.possibly_stale);
    assert!(offline.offline_reason.is_some());
    assert_eq!(offline.fetched_at, fresh.fetched_at);
    assert_eq!(offline.offers, fresh.offers);
    // And without asking the carrier at all.
    let cached = w
        .purchases
        .cached_search(w.workspace.id, &query)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.possibly_stale);
    assert_eq!(cached.offers.len(), fresh.offers.len());
    w.sandbox.faults().clear();

    // Refresh asks for a page more than is cached.
    let more = w.purchases.refresh(w.workspace.id, &query).await.unwrap();
    assert!(more.offers.len() > fresh.offers.len());
}
