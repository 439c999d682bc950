//! Each fault mode, observed from a client: latency, the concurrency cap's 429 with
//! Retry-After, scripted 5xx, hangs, a dropped connection after a committed change, malformed
//! JSON; and the same controls and the call log over the HTTP inspection API.

use std::time::Duration;

use numberdesk::sandbox::{
    CallOutcome, Carrier, FaultKind, FaultRule, FaultSnapshot, ManualClock, OrderCompletion,
    OrderOutcome,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::schema::{check_twilio_error, telnyx_error_code};
use crate::support::{self, send, Telnyx, Twilio};

const LIST: &str = "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PageSize=1";

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let clock = ManualClock::new();
    let sandbox = support::start_on(1, &clock).await;
    let twilio = Twilio::new(&sandbox);
    sandbox.faults().set_latency(Duration::from_millis(400));
    let reply = tokio::spawn(twilio.get(LIST).send());
    // The request is held on the sandbox's clock, and answered when 400 ms have passed on it.
    support::held(&clock, 1).await;
    clock.advance(Duration::from_millis(399));
    assert_eq!(clock.sleeping(), 1, "answered before its latency was up");
    clock.advance(Duration::from_millis(1));
    assert_eq!(clock.sleeping(), 0);
    let reply = reply.await.expect("task").expect("answered");
    assert_eq!(reply.status(), StatusCode::OK);
    let call = sandbox.calls().pop().expect("recorded");
    assert_eq!((call.received_ms, call.answered_ms), (0, Some(400)));

    // Without latency nothing waits: the answer goes out as the request arrives.
    sandbox.faults().set_latency(Duration::ZERO);
    let (status, _) = send(twilio.get(LIST)).await;
    assert_eq!(status, StatusCode::OK);
    let call = sandbox.calls().pop().expect("recorded");
    assert_eq!((call.received_ms, call.answered_ms), (400, Some(400)));
}

#[tokio::test]
async fn the_concurrency_cap_answers_429_with_retry_after() {
    let clock = ManualClock::new();
    let sandbox = support::start_on(1, &clock).await;
    let faults = sandbox.faults();
    // The latency holds the first two of each carrier in flight until the clock moves, so the
    // other three arrive while the cap is full.
    faults.set_latency(Duration::from_millis(600));
    faults.set_concurrency_cap(Some(2), Duration::from_secs(3));
    let twilio = Twilio::new(&sandbox);
    let telnyx = Telnyx::new(&sandbox);

    let twilio_requests: Vec<_> = (0..5)
        .map(|_| tokio::spawn(twilio.get(LIST).send()))
        .collect();
    let telnyx_requests: Vec<_> = (0..5)
        .map(|_| tokio::spawn(telnyx.get("/phone_numbers").send()))
        .collect();
    support::held(&clock, 4).await;
    // The six refused are answered at once, without the clock moving.
    support::recorded(&sandbox, 6).await;
    assert_eq!(clock.sleeping(), 4);
    clock.advance(Duration::from_millis(600));
    let (twilio_replies, telnyx_replies) =
        tokio::join!(joined(twilio_requests), joined(telnyx_requests));
    for (carrier, replies) in [("twilio", twilio_replies), ("telnyx", telnyx_replies)] {
        let mut ok = 0;
        let mut limited = 0;
        for response in replies {
            let response = response.expect("answered");
            match response.status() {
                StatusCode::OK => ok += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    limited += 1;
                    if carrier == "twilio" {
                        assert_eq!(response.headers()["retry-after"], "3");
                    } else {
                        // As Telnyx: no Retry-After, the window's reset in x-ratelimit-reset.
                        assert!(response.headers().get("retry-after").is_none());
                        assert_eq!(response.headers()["x-ratelimit-reset"], "3");
                        assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
                    }
                    let body: Value = response.json().await.unwrap();
                    if carrier == "twilio" {
                        check_twilio_error(&body, StatusCode::TOO_MANY_REQUESTS, 20429);
                    } else {
                        assert_eq!(telnyx_error_code(&body), "10011");
                    }
                }
                other => panic!("{carrier}: unexpected {other}"),
            }
        }
        assert_eq!(ok, 2, "{carrier}: the cap lets two through");
        assert_eq!(limited, 3, "{carrier}");
    }
    // The refused were answered as they arrived, the others when their latency was up.
    let calls = sandbox.calls();
    for call in &calls {
        let answered = if call.status == Some(429) { 0 } else { 600 };
        assert_eq!((call.received_ms, call.answered_ms), (0, Some(answered)));
    }
    assert_eq!(calls.len(), 10);

    // Without the cap, the same burst all succeeds.
    faults.set_concurrency_cap(None, Duration::from_secs(1));
    faults.set_latency(Duration::ZERO);
    let replies = joined(
        (0..5)
            .map(|_| tokio::spawn(twilio.get(LIST).send()))
            .collect(),
    )
    .await;
    assert!(replies
        .into_iter()
        .all(|reply| reply.unwrap().status() == StatusCode::OK));
}

/// The outputs of spawned tasks, in order.
async fn joined<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}

#[tokio::test]
async fn the_next_requests_fail_with_5xx_then_recover() {
    let sandbox = support::start(1).await;
    let faults = sandbox.faults();
    faults.fail_next(Carrier::Twilio, 2, 503);
    faults.fail_next(Carrier::Telnyx, 1, 500);
    let twilio = Twilio::new(&sandbox);
    let telnyx = Telnyx::new(&sandbox);
    for _ in 0..2 {
        let (status, body) = send(twilio.get(LIST)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        check_twilio_error(&body, status, 20503);
    }
    let (status, _) = send(twilio.get(LIST)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(telnyx.get("/phone_numbers")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    crate::schema::telnyx().check("/phone_numbers", "get", status, &body, &[]);
    assert_eq!(telnyx_error_code(&body), "10007");
    let (status, _) = send(telnyx.get("/phone_numbers")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        faults.snapshot().rules.is_empty(),
        "used-up rules are removed"
    );
}

#[tokio::test]
async fn a_hang_makes_the_client_time_out_and_changes_nothing() {
    // The hang waits on a clock that does not move, so it cannot end before the client's own
    // timeout: the error below is the client giving up.
    let clock = ManualClock::new();
    let sandbox = support::start_on(1, &clock).await;
    sandbox
        .faults()
        .hang_next(Carrier::Twilio, 1, Duration::from_secs(5));
    let twilio = Twilio::new(&sandbox);
    let error = twilio
        .post(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            &[("AreaCode", "415")],
        )
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("the request hangs");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(
        sandbox
            .account_state(twilio.sid(), false)
            .unwrap()
            .owned_numbers,
        1
    );
    let calls = sandbox.calls();
    let hung = calls.last().unwrap();
    assert_eq!(hung.outcome, CallOutcome::Hung);
    assert_eq!((hung.status, hung.answered_ms), (None, None));
    // The next request is served normally.
    let (status, _) = send(twilio.get(LIST)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_dropped_connection_after_commit_leaves_the_change_made() {
    let sandbox = support::start(0).await;
    sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "POST", 1);
    let twilio = Twilio::new(&sandbox);
    let error = twilio
        .post(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            &[("AreaCode", "305")],
        )
        .send()
        .await
        .expect_err("no answer");
    assert!(
        !error.is_timeout(),
        "the connection closes at once: {error}"
    );
    // The purchase happened: the client must look before it buys again.
    let (_, list) = send(twilio.get("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json")).await;
    let numbers = list["incoming_phone_numbers"].as_array().unwrap();
    assert_eq!(numbers.len(), 1);
    assert!(numbers[0]["phone_number"]
        .as_str()
        .unwrap()
        .starts_with("+1305"));
    let dropped = sandbox
        .calls()
        .into_iter()
        .find(|call| call.outcome == CallOutcome::Dropped)
        .expect("recorded");
    assert_eq!(dropped.status, Some(201));
    assert_eq!(dropped.body, "AreaCode=305");

    // The same for a Telnyx order.
    sandbox
        .faults()
        .drop_after_commit_next(Carrier::Telnyx, "POST", 1);
    let telnyx = Telnyx::new(&sandbox);
    let (_, found) =
        send(telnyx.get("/available_phone_numbers?filter[country_code]=CA&filter[limit]=1")).await;
    let number = found["data"][0]["phone_number"]
        .as_str()
        .unwrap()
        .to_string();
    telnyx
        .request(Method::POST, "/number_orders")
        .json(&json!({"phone_numbers": [{"phone_number": number}]}))
        .send()
        .await
        .expect_err("no answer");
    let (_, orders) = send(telnyx.get("/number_orders")).await;
    assert_eq!(orders["meta"]["total_results"], 1);
}

#[tokio::test]
async fn malformed_json_is_cut_short() {
    let sandbox = support::start(2).await;
    sandbox.faults().malformed_json_next(Carrier::Telnyx, 1);
    let telnyx = Telnyx::new(&sandbox);
    let response = telnyx.get("/phone_numbers").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(!text.is_empty());
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    let (status, body) = send(telnyx.get("/phone_numbers")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["meta"]["total_results"], 2);
}

#[tokio::test]
async fn rules_match_by_method_and_path() {
    let sandbox = support::start(1).await;
    sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 502 })
            .carrier(Carrier::Twilio)
            .method("GET")
            .path_contains("AvailablePhoneNumbers")
            .times(None),
    );
    let twilio = Twilio::new(&sandbox);
    for _ in 0..3 {
        let (status, _) =
            send(twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/US/Local.json"))
                .await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
    }
    let (status, _) = send(twilio.get(LIST)).await;
    assert_eq!(status, StatusCode::OK);
    sandbox.faults().clear();
    let (status, _) =
        send(twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/US/Local.json")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn faults_calls_and_accounts_over_the_inspection_api() {
    let clock = ManualClock::new();
    let sandbox = support::start_on(5, &clock).await;
    let client = support::client();
    let inspect = sandbox.inspect_url();
    let twilio = Twilio::new(&sandbox);
    let telnyx = Telnyx::new(&sandbox);

    // Faults set over HTTP.
    let (status, snapshot) = send(client.post(format!("{inspect}/faults/rules")).json(&json!({
        "carrier": "telnyx",
        "times": 1,
        "fault": {"kind": "server_error", "status": 503}
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    let snapshot: FaultSnapshot = serde_json::from_value(snapshot).unwrap();
    assert_eq!(snapshot.rules.len(), 1);
    let (status, _) = send(telnyx.get("/balance")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    send(
        client
            .put(format!("{inspect}/faults/latency"))
            .json(&json!({"millis": 120})),
    )
    .await;
    let balance = tokio::spawn(telnyx.get("/balance").send());
    support::held(&clock, 1).await;
    clock.advance(Duration::from_millis(120));
    assert_eq!(balance.await.unwrap().unwrap().status(), StatusCode::OK);
    let (_, calls) = send(client.get(format!("{inspect}/calls?carrier=telnyx"))).await;
    let last = &calls.as_array().unwrap().last().unwrap();
    assert_eq!(
        (&last["received_ms"], &last["answered_ms"]),
        (&json!(0), &json!(120))
    );
    let (_, snapshot) = send(
        client
            .put(format!("{inspect}/faults/concurrency"))
            .json(&json!({"limit": 4, "retry_after_secs": 2})),
    )
    .await;
    assert_eq!(snapshot["concurrency_cap"], 4);
    assert_eq!(snapshot["latency_ms"], 120);
    let (_, snapshot) = send(
        client
            .put(format!("{inspect}/faults/order_completion"))
            .json(&json!({"after": "polls", "polls": 3, "outcome": "failure"})),
    )
    .await;
    let snapshot: FaultSnapshot = serde_json::from_value(snapshot).unwrap();
    assert_eq!(
        snapshot.order_completion,
        OrderCompletion::Polls {
            polls: 3,
            outcome: OrderOutcome::Failure
        }
    );
    let response = client
        .delete(format!("{inspect}/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (_, snapshot) = send(client.get(format!("{inspect}/faults"))).await;
    assert_eq!(snapshot["latency_ms"], 0);
    assert_eq!(snapshot["concurrency_cap"], Value::Null);

    // A number vanishes over HTTP.
    let (_, found) = send(
        twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/CA/Local.json?PageSize=1"),
    )
    .await;
    let number = found["available_phone_numbers"][0]["phone_number"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, vanished) = send(
        client
            .post(format!("{inspect}/inventory/vanish"))
            .json(&json!({"phone_number": number})),
    )
    .await;
    assert_eq!(vanished["vanished"], true);
    let (status, body) = send(twilio.post(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
        &[
            ("PhoneNumber", number.as_str()),
            ("VoiceUrl", "https://a.example.com/v"),
        ],
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_twilio_error(&body, status, 21422);

    // The call log: method, path, query and body of what was called.
    let (_, calls) = send(client.get(format!("{inspect}/calls?carrier=twilio"))).await;
    let calls = calls.as_array().unwrap();
    let purchase = calls
        .iter()
        .find(|call| call["method"] == "POST")
        .expect("the purchase attempt is logged");
    assert!(purchase["path"]
        .as_str()
        .unwrap()
        .ends_with("/IncomingPhoneNumbers.json"));
    assert!(purchase["body"]
        .as_str()
        .unwrap()
        .contains("VoiceUrl=https%3A%2F%2Fa.example.com%2Fv"));
    assert_eq!(purchase["status"], 400);
    let search = calls.iter().find(|call| call["method"] == "GET").unwrap();
    assert_eq!(search["query"], "PageSize=1");
    assert!(calls.iter().all(|call| call["carrier"] == "twilio"));
    let last_seq = calls.last().unwrap()["seq"].as_u64().unwrap();
    let (_, newer) = send(client.get(format!("{inspect}/calls?since={last_seq}"))).await;
    assert!(newer
        .as_array()
        .unwrap()
        .iter()
        .all(|call| call["seq"].as_u64().unwrap() > last_seq));

    // Account state.
    let (_, accounts) = send(client.get(format!("{inspect}/accounts"))).await;
    // Two per carrier, the suspended, the closed and the trial Twilio account, and the Telnyx
    // account that cannot pay for a number.
    assert_eq!(accounts.as_array().unwrap().len(), 8);
    let (_, account) =
        send(client.get(format!("{inspect}/accounts/{}?numbers=true", twilio.sid()))).await;
    assert_eq!(account["carrier"], "twilio");
    assert_eq!(account["owned_numbers"], 5);
    assert_eq!(account["numbers"].as_array().unwrap().len(), 5);
    let (status, _) = send(client.get(format!("{inspect}/accounts/nobody"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, info) = send(client.get(format!("{inspect}/info"))).await;
    assert_eq!(
        info["base_urls"]["telnyx"],
        sandbox.base_urls().telnyx.as_str()
    );
}
