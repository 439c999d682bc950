//! Every flow against the strict sandbox, which checks each request against the carriers'
//! published OpenAPI documents: what NumberDesk sends must be what the carriers' specs allow.

use numberdesk::domain::kinds::{CarrierKind, NumberStatus};
use numberdesk::flows::connect::ConnectForm;
use numberdesk::flows::import::{ImportState, WebhookMode};
use numberdesk::flows::manage::table::NumberQuery;
use numberdesk::secrets::Sensitive;

use crate::app::{app_world, memory};
use crate::support::input;

#[tokio::test]
async fn every_flow_sends_only_requests_the_carriers_specs_allow() {
    let w = app_world(5, memory()).await;
    let acme = w.workspace(input("Acme")).await;

    // Twilio: connect, list, managed import, search, buy, release, region, check, sync.
    let twilio = w.import_twilio(acme.id, 4, WebhookMode::Managed).await;
    let e164 = w.first_local_offer(acme.id, Some(twilio)).await;
    let bought = w
        .app
        .purchases()
        .buy(acme.id, Some(twilio), &e164)
        .await
        .unwrap();
    w.app
        .purchases()
        .release(acme.id, bought.numbers[0].phone_number_id)
        .await
        .unwrap();
    let rows = w
        .app
        .numbers()
        .page(acme.id, NumberQuery::default())
        .await
        .unwrap()
        .rows;
    let first = rows
        .iter()
        .find(|r| r.carrier == CarrierKind::Twilio && r.status == NumberStatus::Active)
        .unwrap()
        .id;
    // A regulated number, with the Berlin address and the German bundle.
    let german = w.first_offer_in(acme.id, Some(twilio), "DE").await;
    let purchases = w.app.purchases();
    let berlin = purchases
        .addresses(acme.id, twilio)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.iso_country == "DE")
        .unwrap()
        .sid;
    let bundle = purchases.bundles(acme.id, twilio, &german).await.unwrap()[0]
        .sid
        .clone();
    purchases
        .buy_regulated(acme.id, Some(twilio), &german, Some(berlin), Some(bundle))
        .await
        .unwrap();
    w.add_ie1_key(acme.id, twilio).await;
    let moved = w
        .app
        .carriers()
        .set_inbound_region(acme.id, &[first], "ie1")
        .await
        .unwrap();
    assert_eq!(moved.changed.len(), 1, "{moved:?}");
    w.app.carriers().check_number(acme.id, first).await.unwrap();
    assert!(w
        .app
        .carriers()
        .sync(acme.id, None)
        .await
        .unwrap()
        .errors
        .is_empty());

    // Telnyx: connect, list, managed import (voice and messaging).
    let account = &w.sandbox.telnyx_accounts()[0];
    let form = ConnectForm {
        carrier: "telnyx".into(),
        name: "Main Telnyx".into(),
        telnyx_api_key: Some(Sensitive::new(account.api_key.clone())),
        texml_connection_id: Some(account.texml_application_id.clone()),
        ..ConnectForm::default()
    };
    let telnyx = w.app.workspaces().connect(acme.id, form).await.unwrap().id;
    let listed = w
        .app
        .imports()
        .list_importable(acme.id, telnyx)
        .await
        .unwrap();
    let chosen: Vec<String> = listed
        .numbers
        .iter()
        .take(3)
        .map(|c| c.number.e164.to_string())
        .collect();
    let import = w
        .app
        .imports()
        .start(acme.id, telnyx, chosen, WebhookMode::Managed)
        .await
        .unwrap();
    let done = w.app.imports().watch(import, |_| true).await.unwrap();
    assert_eq!(
        (done.state, done.done),
        (ImportState::Finished, 3),
        "{done:?}"
    );

    // A German number ordered with the account's requirement group.
    let german = w.first_offer_in(acme.id, Some(telnyx), "DE").await;
    let group = purchases.bundles(acme.id, telnyx, &german).await.unwrap()[0]
        .sid
        .clone();
    purchases
        .buy_regulated(acme.id, Some(telnyx), &german, None, Some(group))
        .await
        .unwrap();

    // Both disconnected with every number put back as it was.
    for connection in [twilio, telnyx] {
        let report = w
            .app
            .carriers()
            .disconnect(acme.id, connection, true, false)
            .await
            .unwrap();
        assert!(report.removed_numbers > 0, "{report:?}");
    }

    let violations = w.sandbox.violations();
    assert!(violations.is_empty(), "{violations:#?}");
    // And the flows did go through each kind of request the check covers.
    let calls = w.sandbox.calls();
    for (method, part) in [
        ("GET", "/IncomingPhoneNumbers.json"),
        ("POST", "/IncomingPhoneNumbers/PN"),
        ("POST", "/IncomingPhoneNumbers.json"),
        ("DELETE", "/IncomingPhoneNumbers/PN"),
        ("GET", "/AvailablePhoneNumbers/US/"),
        ("GET", "/pricing/v1/PhoneNumbers/Countries/US"),
        ("POST", "/routes/v2/PhoneNumbers/"),
        ("GET", "/telnyx/v2/phone_numbers"),
        ("PATCH", "/telnyx/v2/phone_numbers/"),
        ("PATCH", "/messaging"),
        ("GET", "/telnyx/v2/texml_applications/"),
        ("GET", "/v2/RegulatoryCompliance/Regulations"),
        ("GET", "/v2/RegulatoryCompliance/Bundles"),
        ("GET", "/Addresses.json"),
        ("GET", "/telnyx/v2/requirements"),
        ("GET", "/telnyx/v2/requirement_groups"),
        ("POST", "/telnyx/v2/number_orders"),
    ] {
        assert!(
            calls
                .iter()
                .any(|c| c.method == method && c.path.contains(part)),
            "no {method} …{part}… among {} calls",
            calls.len()
        );
    }
}

#[tokio::test]
async fn a_request_off_the_spec_is_refused_with_the_carriers_error_and_recorded() {
    let w = app_world(1, memory()).await;
    let twilio = &w.sandbox.twilio_accounts()[0];
    let base = &w.sandbox.base_urls().twilio_api;
    let http = reqwest::Client::new();
    let listed: serde_json::Value = http
        .get(format!(
            "{base}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
            twilio.account_sid
        ))
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = listed["incoming_phone_numbers"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let number = format!(
        "{base}/2010-04-01/Accounts/{}/IncomingPhoneNumbers/{sid}.json",
        twilio.account_sid
    );
    // A wrongly-cased parameter: refused, named, nothing changed.
    let answer = http
        .post(&number)
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .form(&[("voiceUrl", "https://hooks.example.com/v")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["code"], 20001);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("voiceUrl") && message.contains("VoiceUrl"),
        "{message}"
    );
    // Not a URL.
    let answer = http
        .post(&number)
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .form(&[("VoiceUrl", "hooks.example.com/v")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let after: serde_json::Value = http
        .get(&number)
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["voice_url"],
        listed["incoming_phone_numbers"][0]["voice_url"]
    );

    // Telnyx: a body field the spec does not have is a 422 pointing at it.
    let telnyx = &w.sandbox.telnyx_accounts()[0];
    let base = &w.sandbox.base_urls().telnyx;
    let answer = http
        .patch(format!("{base}/v2/phone_numbers/1"))
        .bearer_auth(&telnyx.api_key)
        .json(&serde_json::json!({"connectionId": "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["errors"][0]["source"]["pointer"], "/connectionId");
    // A filter the search does not have is a 400 naming the parameter.
    let answer = http
        .get(format!(
            "{base}/v2/available_phone_numbers?filter[countrycode]=US"
        ))
        .bearer_auth(&telnyx.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["source"]["parameter"],
        "filter[countrycode]"
    );

    let recorded: Vec<String> = w
        .sandbox
        .violations()
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(
        recorded,
        [
            "voiceUrl",
            "VoiceUrl",
            "/connectionId",
            "filter[countrycode]"
        ]
    );
}
