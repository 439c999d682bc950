//! Faults converge: 429 storms under a concurrency cap the client is not told, 5xx, hangs,
//! dropped connections and malformed JSON, for both carriers.

use std::time::Duration;

use numberdesk::carriers::{
    CarrierError, CarrierKind, ClientOptions, NumberType, Routing, TelnyxNumberUpdate,
    TwilioNumberUpdate, TwilioPurchase,
};
use numberdesk::sandbox::{Carrier, FaultKind, FaultRule, ManualClock};

use crate::support;

#[tokio::test]
async fn a_twilio_429_storm_converges_and_every_update_lands() {
    let sandbox = support::start(120).await;
    let client = support::twilio(&sandbox);
    let numbers = client.list_incoming_numbers().await.unwrap();
    sandbox.faults().set_latency(Duration::from_millis(30));
    sandbox
        .faults()
        .set_concurrency_cap(Some(3), Duration::from_secs(1));

    let sids = numbers.iter().map(|number| number.carrier_id.clone());
    support::update_all(sids, |sid| {
        let client = client.clone();
        async move {
            let update = TwilioNumberUpdate {
                voice_url: Some(format!("https://hooks.example.com/voice/{sid}")),
                ..TwilioNumberUpdate::default()
            };
            client.update_incoming_number(&sid, &update).await
        }
    })
    .await;
    let stats = client.limiter_stats();
    assert!(stats.rate_limited > 0, "the cap was hit: {stats:?}");
    // At the cap, or one above it while a probe is out.
    assert!(stats.limit <= 4, "the limit settled at the cap: {stats:?}");

    sandbox.faults().clear();
    let after = client.list_incoming_numbers().await.unwrap();
    for number in after {
        let Routing::Twilio(routing) = number.routing else {
            panic!("twilio routing")
        };
        assert_eq!(
            routing.voice_url,
            Some(format!(
                "https://hooks.example.com/voice/{}",
                number.carrier_id
            ))
        );
    }
}

#[tokio::test]
async fn a_telnyx_429_storm_converges_and_every_update_lands() {
    let sandbox = support::start(80).await;
    let account = &sandbox.telnyx_accounts()[0];
    let client = support::telnyx(&sandbox);
    let numbers = client.list_phone_numbers().await.unwrap();
    sandbox.faults().set_latency(Duration::from_millis(30));
    sandbox
        .faults()
        .set_concurrency_cap(Some(4), Duration::from_secs(1));
    let ids = numbers.iter().map(|number| number.carrier_id.clone());
    support::update_all(ids, |id| {
        let client = client.clone();
        let update = TelnyxNumberUpdate {
            connection_id: Some(account.texml_application_id.clone()),
            ..TelnyxNumberUpdate::default()
        };
        async move { client.update_phone_number(&id, &update).await }
    })
    .await;
    let stats = client.limiter_stats();
    assert!(stats.rate_limited > 0, "{stats:?}");
    assert!(stats.limit <= 5, "{stats:?}");
}

#[tokio::test]
async fn server_errors_are_retried_within_the_budget_then_reported() {
    let sandbox = support::start(30).await;
    let twilio = support::twilio(&sandbox);
    let telnyx = support::telnyx(&sandbox);
    let faults = sandbox.faults();

    faults.fail_next(Carrier::Twilio, 3, 503);
    assert_eq!(twilio.list_incoming_numbers().await.unwrap().len(), 30);
    faults.fail_next(Carrier::Telnyx, 2, 500);
    assert_eq!(telnyx.list_phone_numbers().await.unwrap().len(), 30);

    let budget = support::fast_options().transient_retries;
    faults.fail_next(Carrier::Twilio, budget + 1, 500);
    let error = twilio.validate().await.unwrap_err();
    assert_eq!(
        error,
        CarrierError::CarrierDown {
            carrier: CarrierKind::Twilio,
            status: 500
        }
    );
    faults.clear();
    faults.fail_next(Carrier::Telnyx, budget + 1, 503);
    let error = telnyx.validate().await.unwrap_err();
    assert_eq!(
        error,
        CarrierError::CarrierDown {
            carrier: CarrierKind::Telnyx,
            status: 503
        }
    );
}

#[tokio::test]
async fn a_hung_read_is_retried_but_a_hung_purchase_is_reported_as_ambiguous() {
    // The hangs wait on a clock that never moves, so every one outlasts the client's timeout.
    let clock = ManualClock::new();
    let sandbox = support::start_on(5, &clock).await;
    let options = ClientOptions {
        request_timeout: Duration::from_millis(300),
        ..support::fast_options()
    };
    let client = support::twilio_with(&sandbox, support::twilio_token(&sandbox), options);
    let faults = sandbox.faults();

    faults.hang_next(Carrier::Twilio, 2, Duration::from_secs(2));
    assert_eq!(client.list_incoming_numbers().await.unwrap().len(), 5);

    let choice = support::twilio_number_on_sale(&client).await;
    faults.hang_next(Carrier::Twilio, 1, Duration::from_secs(2));
    let error = client
        .buy_number(&TwilioPurchase {
            phone_number: choice.clone(),
            ..TwilioPurchase::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        error,
        CarrierError::Timeout {
            carrier: CarrierKind::Twilio
        }
    );
    assert!(error.is_ambiguous());
    // The hang did nothing: the number is not owned, so buying again is safe.
    assert!(client
        .find_incoming_number(&choice)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_purchase_whose_answer_is_lost_is_found_in_the_account() {
    let sandbox = support::start(2).await;
    let client = support::twilio(&sandbox);
    let choice = support::twilio_number_on_sale(&client).await;
    sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "POST", 1);
    let error = client
        .buy_number(&TwilioPurchase {
            phone_number: choice.clone(),
            ..TwilioPurchase::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(error, CarrierError::Network { .. }), "{error:?}");
    assert!(error.is_ambiguous());
    let owned = client.find_incoming_number(&choice).await.unwrap();
    assert!(owned.is_some(), "the purchase went through before the drop");
}

#[tokio::test]
async fn a_dropped_update_is_repeated_safely() {
    let sandbox = support::start(2).await;
    let client = support::telnyx(&sandbox);
    let number = client.list_phone_numbers().await.unwrap().remove(0);
    sandbox
        .faults()
        .drop_after_commit_next(Carrier::Telnyx, "PATCH", 1);
    let updated = client
        .update_phone_number(
            &number.carrier_id,
            &TelnyxNumberUpdate {
                tags: Some(vec!["again".into()]),
                ..TelnyxNumberUpdate::default()
            },
        )
        .await
        .unwrap();
    let Routing::Telnyx(routing) = updated.routing else {
        panic!("telnyx routing")
    };
    assert_eq!(routing.tags, vec!["again".to_string()]);
}

#[tokio::test]
async fn malformed_json_is_not_understood() {
    let sandbox = support::start(3).await;
    let twilio = support::twilio(&sandbox);
    let telnyx = support::telnyx(&sandbox);
    sandbox.faults().malformed_json_next(Carrier::Twilio, 1);
    let error = twilio.list_incoming_numbers().await.unwrap_err();
    assert_not_understood(&error, CarrierKind::Twilio);
    sandbox.faults().malformed_json_next(Carrier::Telnyx, 1);
    let error = telnyx.list_texml_applications().await.unwrap_err();
    assert_not_understood(&error, CarrierKind::Telnyx);
    // The next call is fine again.
    assert_eq!(twilio.list_incoming_numbers().await.unwrap().len(), 3);
}

/// A reply that never ends is read only up to the cap, reported as not understood, and not asked
/// for again (the next would be the same flood).
#[tokio::test]
async fn an_endless_reply_stops_at_the_size_cap_and_is_not_asked_again() {
    let sandbox = support::start(3).await;
    let options = ClientOptions {
        max_reply_bytes: 1 << 20,
        ..support::fast_options()
    };
    let twilio = support::twilio_with(&sandbox, support::twilio_token(&sandbox), options);
    sandbox.faults().add_rule(
        FaultRule::once(FaultKind::EndlessBody)
            .carrier(Carrier::Twilio)
            .method("GET")
            .times(None),
    );
    let error = twilio.list_incoming_numbers().await.unwrap_err();
    assert_not_understood(&error, CarrierKind::Twilio);
    assert!(error.to_string().contains("past 1 MB"), "{error}");
    assert_eq!(sandbox.calls().len(), 1, "asked once");
    sandbox.faults().clear();
    assert_eq!(twilio.list_incoming_numbers().await.unwrap().len(), 3);
}

/// A next-page link back to a page already read is reported, not followed forever nor cut short
/// into a partial list: for the account's numbers, its Addresses, and Numbers v2 Regulations
/// (where a silent stop would have told a purchase that no bundle is needed).
#[tokio::test]
async fn a_paging_link_back_to_a_read_page_is_not_understood() {
    let sandbox = support::start(3).await;
    let twilio = support::twilio(&sandbox);
    assert!(twilio.needs_bundle("DE", NumberType::Local).await.unwrap());
    for resource in ["IncomingPhoneNumbers", "Addresses", "Regulations"] {
        sandbox.faults().add_rule(
            FaultRule::once(FaultKind::RepeatPage)
                .carrier(Carrier::Twilio)
                .path_contains(resource)
                .times(None),
        );
        let before = sandbox.calls().len();
        let error = match resource {
            "IncomingPhoneNumbers" => twilio.list_incoming_numbers().await.map(|_| ()),
            "Addresses" => twilio.list_addresses().await.map(|_| ()),
            _ => twilio
                .needs_bundle("DE", NumberType::Local)
                .await
                .map(|_| ()),
        }
        .unwrap_err();
        assert_not_understood(&error, CarrierKind::Twilio);
        assert!(
            error.to_string().contains("already read"),
            "{resource}: {error}"
        );
        let asked = sandbox.calls().len() - before;
        assert!((2..=3).contains(&asked), "{resource}: asked {asked} times");
        sandbox.faults().clear();
    }
    assert_eq!(twilio.list_incoming_numbers().await.unwrap().len(), 3);
}

fn assert_not_understood(error: &CarrierError, kind: CarrierKind) {
    assert!(
        matches!(error, CarrierError::NotUnderstood { carrier, .. } if *carrier == kind),
        "{error:?}"
    );
}

/// When each call to `carrier` arrived on the sandbox's clock, and what it was answered.
fn arrivals(sandbox: &numberdesk::sandbox::SandboxHandle, carrier: Carrier) -> Vec<(u64, u16)> {
    sandbox
        .calls_since(0, Some(carrier))
        .into_iter()
        .map(|call| (call.received_ms, call.status.unwrap_or(0)))
        .collect()
}

#[tokio::test]
async fn a_scripted_429_without_a_cap_is_waited_out() {
    let clock = ManualClock::new();
    let sandbox = support::start_on(3, &clock).await;
    let key = &sandbox.telnyx_accounts()[0].api_key;
    let client = support::telnyx_with(&sandbox, key, support::options_on(&clock));
    sandbox.faults().add_rule(
        FaultRule::once(FaultKind::RateLimited {
            retry_after_secs: 1,
        })
        .carrier(Carrier::Telnyx)
        .times(Some(2)),
    );
    assert_eq!(client.list_phone_numbers().await.unwrap().len(), 3);
    // Each retry came the second Telnyx's x-ratelimit-reset named (it sends no Retry-After)
    // after the refusal, not sooner.
    assert_eq!(
        arrivals(&sandbox, Carrier::Telnyx),
        vec![(0, 429), (1000, 429), (2000, 200)]
    );
    assert_eq!(client.limiter_stats().rate_limited, 2);
}

#[tokio::test]
async fn rate_limiting_past_the_deadline_is_reported() {
    let clock = ManualClock::new();
    let sandbox = support::start_on(3, &clock).await;
    let options = ClientOptions {
        deadline: Duration::from_millis(1500),
        ..support::options_on(&clock)
    };
    let client = support::twilio_with(&sandbox, support::twilio_token(&sandbox), options);
    sandbox.faults().add_rule(
        FaultRule::once(FaultKind::RateLimited {
            retry_after_secs: 1,
        })
        .carrier(Carrier::Twilio)
        .times(None),
    );
    let error = client.validate().await.unwrap_err();
    assert_eq!(
        error,
        CarrierError::RateLimited {
            carrier: CarrierKind::Twilio,
            retry_after: Some(Duration::from_secs(1))
        }
    );
    // One retry fitted in the deadline; a second would have come at 2 s, past it.
    assert_eq!(
        arrivals(&sandbox, Carrier::Twilio),
        vec![(0, 429), (1000, 429)]
    );
}
