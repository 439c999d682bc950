//! The Twilio client against the sandbox.

use numberdesk::carriers::http::NumberPages;
use numberdesk::carriers::{
    AccountStatus, CarrierError, CarrierKind, Features, NumberSearch, NumberType, ReleaseOutcome,
    Routing, Sensitive, TwilioCredentials, TwilioNumberUpdate, TwilioPurchase, WebhookMethod,
};

use crate::support;

#[tokio::test]
async fn validates_with_an_auth_token_and_reports_the_account() {
    let sandbox = support::start(3).await;
    let client = support::twilio(&sandbox);
    let info = client.validate().await.expect("valid credentials");
    assert_eq!(info.carrier, CarrierKind::Twilio);
    assert_eq!(info.status, AccountStatus::Active);
    assert_eq!(
        info.account_id.as_deref(),
        Some(sandbox.twilio_accounts()[0].account_sid.as_str())
    );
    assert_eq!(info.trial, Some(false));
}

#[tokio::test]
async fn validates_an_api_key_without_reading_the_account() {
    let sandbox = support::start(3).await;
    let account = &sandbox.twilio_accounts()[0];
    let credentials = TwilioCredentials::ApiKey {
        account_sid: account.account_sid.clone(),
        key_sid: account.api_key_sid.clone(),
        key_secret: Sensitive::new(account.api_key_secret.clone()),
    };
    let client = support::twilio_with(&sandbox, credentials, support::fast_options());
    let info = client.validate().await.expect("valid API key");
    assert_eq!(info.status, AccountStatus::Unknown);
    assert_eq!(client.list_incoming_numbers().await.unwrap().len(), 3);
}

#[tokio::test]
async fn wrong_credentials_are_rejected_without_echoing_them() {
    let sandbox = support::start(3).await;
    let account = &sandbox.twilio_accounts()[0];
    let wrong = "0123456789abcdef0123456789abcdef";
    let credentials = TwilioCredentials::AuthToken {
        account_sid: account.account_sid.clone(),
        auth_token: Sensitive::new(wrong.to_string()),
    };
    let client = support::twilio_with(&sandbox, credentials, support::fast_options());
    let error = client.validate().await.unwrap_err();
    assert_eq!(
        error,
        CarrierError::AuthRejected {
            carrier: CarrierKind::Twilio
        }
    );
    assert!(!error.to_string().contains(wrong));
    assert!(!format!("{error:?}").contains(wrong));

    // Another account's key with this account's SID: authenticated, but not this account.
    let other = &sandbox.twilio_accounts()[1];
    let credentials = TwilioCredentials::ApiKey {
        account_sid: account.account_sid.clone(),
        key_sid: other.api_key_sid.clone(),
        key_secret: Sensitive::new(other.api_key_secret.clone()),
    };
    let client = support::twilio_with(&sandbox, credentials, support::fast_options());
    let error = client.validate().await.unwrap_err();
    assert!(matches!(error, CarrierError::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn lists_every_number_exactly_once_across_many_pages() {
    let sandbox = support::start(1234).await;
    let client = support::twilio(&sandbox);
    let mut pager = client.incoming_numbers(100);
    let (ids, pages) = support::walk(&mut pager).await;
    assert_eq!(pages, 13);
    assert_eq!(pager.progress().fetched, 1234);
    assert_eq!(ids.len(), 1234);
    support::assert_each_owned_once(&sandbox, &sandbox.twilio_accounts()[0].account_sid, &ids);

    let mut reports = Vec::new();
    let all = client
        .list_incoming_numbers_with_progress(|progress| reports.push(progress.fetched))
        .await
        .unwrap();
    assert_eq!(all.len(), 1234);
    assert_eq!(reports, vec![1000, 1234]);
}

#[tokio::test]
async fn updates_webhooks_then_restores_the_snapshot() {
    let sandbox = support::start(3).await;
    let client = support::twilio(&sandbox);
    let number = client.list_incoming_numbers().await.unwrap().remove(0);
    let Routing::Twilio(before) = number.routing.clone() else {
        panic!("twilio routing");
    };
    let snapshot = serde_json::to_string(&number.routing).unwrap();

    let update = TwilioNumberUpdate {
        voice_url: Some("https://hooks.example.com/webhook/twilio/voice".into()),
        voice_method: Some(WebhookMethod::Post),
        sms_url: Some("https://hooks.example.com/webhook/twilio/sms".into()),
        sms_method: Some(WebhookMethod::Post),
        status_callback: Some("https://hooks.example.com/webhook/twilio/status".into()),
        status_callback_method: Some(WebhookMethod::Post),
        voice_application_sid: Some(String::new()),
        sms_application_sid: Some(String::new()),
        ..TwilioNumberUpdate::default()
    };
    let updated = client
        .update_incoming_number(&number.carrier_id, &update)
        .await
        .unwrap();
    let fetched = client
        .fetch_incoming_number(&number.carrier_id)
        .await
        .unwrap();
    assert_eq!(updated, fetched);
    let Routing::Twilio(after) = fetched.routing else {
        panic!("twilio routing");
    };
    assert_eq!(after.voice_url, update.voice_url);
    assert_eq!(after.sms_url, update.sms_url);
    assert_eq!(after.status_callback, update.status_callback);
    assert_eq!(fetched.friendly_name, number.friendly_name, "untouched");

    let Routing::Twilio(saved) = serde_json::from_str(&snapshot).unwrap() else {
        panic!("twilio routing");
    };
    let restored = client
        .update_incoming_number(
            &number.carrier_id,
            &TwilioNumberUpdate::towards(&saved, &after),
        )
        .await
        .unwrap();
    let Routing::Twilio(restored) = restored.routing else {
        panic!("twilio routing");
    };
    assert_eq!(restored.voice_url, before.voice_url);
    assert_eq!(restored.sms_url, before.sms_url);
    assert_eq!(restored.status_callback, before.status_callback);
}

#[tokio::test]
async fn an_invalid_update_is_rejected_with_twilios_reason() {
    let sandbox = support::start(1).await;
    let client = support::twilio(&sandbox);
    let number = client.list_incoming_numbers().await.unwrap().remove(0);
    let update = TwilioNumberUpdate {
        voice_application_sid: Some("not-a-sid".into()),
        ..TwilioNumberUpdate::default()
    };
    let error = client
        .update_incoming_number(&number.carrier_id, &update)
        .await
        .unwrap_err();
    let CarrierError::Rejected {
        status, message, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 400);
    assert!(!message.is_empty());
}

#[tokio::test]
async fn searches_buys_finds_routes_and_releases() {
    let sandbox = support::start(1).await;
    let client = support::twilio(&sandbox);

    let countries = client.available_countries().await.unwrap();
    let us = countries
        .iter()
        .find(|country| country.iso == "US")
        .expect("US");
    assert!(us.number_types.contains(&NumberType::Local));

    let search = NumberSearch {
        country: "US".into(),
        number_type: Some(NumberType::Local),
        features: Features {
            voice: true,
            sms: true,
            mms: false,
        },
        limit: Some(5),
        ..NumberSearch::default()
    };
    let found = client.search_available(&search).await.unwrap();
    assert!(!found.is_empty() && found.len() <= 5, "{}", found.len());
    assert!(found
        .iter()
        .all(|number| number.features.sms && number.features.voice));

    let pricing = client.number_prices("US").await.unwrap();
    assert!(pricing
        .prices
        .iter()
        .any(|price| price.number_type == Some(NumberType::Local)
            && price
                .current_price
                .as_ref()
                .and_then(|m| m.cents())
                .is_some()));

    let choice = found[0].e164.to_string();
    let bought = client
        .buy_number(&TwilioPurchase {
            phone_number: choice.to_string(),
            config: TwilioNumberUpdate {
                voice_url: Some("https://hooks.example.com/voice".into()),
                ..TwilioNumberUpdate::default()
            },
            ..TwilioPurchase::default()
        })
        .await
        .unwrap();
    assert_eq!(bought.e164, choice);
    let again = client
        .buy_number(&TwilioPurchase {
            phone_number: choice.to_string(),
            ..TwilioPurchase::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        again,
        CarrierError::NumberUnavailable {
            carrier: CarrierKind::Twilio,
            number: choice.clone()
        }
    );
    let listed = client
        .find_incoming_number(&choice)
        .await
        .unwrap()
        .expect("owned");
    assert_eq!(listed.carrier_id, bought.carrier_id);

    let region = client.inbound_region(&choice).await.unwrap();
    assert_eq!(region.e164, choice);
    let moved = client.set_inbound_region(&choice, "ie1").await.unwrap();
    assert_eq!(moved.voice_region, "ie1");
    assert_eq!(
        client.inbound_region(&choice).await.unwrap().voice_region,
        "ie1"
    );
    let refused = client.set_inbound_region(&choice, "xx9").await.unwrap_err();
    assert!(
        matches!(refused, CarrierError::Rejected { .. }),
        "{refused:?}"
    );

    assert_eq!(
        client
            .release_incoming_number(&bought.carrier_id)
            .await
            .unwrap(),
        ReleaseOutcome::Released
    );
    assert_eq!(
        client
            .release_incoming_number(&bought.carrier_id)
            .await
            .unwrap(),
        ReleaseOutcome::AlreadyGone
    );
    let gone = client
        .fetch_incoming_number(&bought.carrier_id)
        .await
        .unwrap_err();
    assert!(matches!(gone, CarrierError::NotFound { .. }), "{gone:?}");
    assert!(client
        .find_incoming_number(&choice)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_number_gone_since_the_search_is_unavailable() {
    let sandbox = support::start(1).await;
    let client = support::twilio(&sandbox);
    let search = NumberSearch {
        country: "US".into(),
        limit: Some(1),
        ..NumberSearch::default()
    };
    let choice = client
        .search_available(&search)
        .await
        .unwrap()
        .remove(0)
        .e164;
    assert!(sandbox.faults().vanish(&choice));
    let error = client
        .buy_number(&TwilioPurchase {
            phone_number: choice.to_string(),
            ..TwilioPurchase::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        error,
        CarrierError::NumberUnavailable {
            carrier: CarrierKind::Twilio,
            number: choice.to_string()
        }
    );
}
