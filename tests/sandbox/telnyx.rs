//! Telnyx endpoints of the sandbox: wire shapes against the official spec, search filters,
//! number orders completing later, number updates and release, auth and 404 bodies, paging.

use std::collections::HashSet;
use std::time::Duration;

use numberdesk::sandbox::{ManualClock, OrderCompletion, OrderOutcome};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::schema::{self, telnyx_error_code};
use crate::support::{self, send, Telnyx};

/// The first `count` numbers a search returns.
async fn search(telnyx: &Telnyx<'_>, query: &str) -> Vec<String> {
    let (status, body) = send(telnyx.get(&format!("/available_phone_numbers?{query}"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["phone_number"].as_str().unwrap().to_string())
        .collect()
}

async fn order(telnyx: &Telnyx<'_>, body: Value) -> (StatusCode, Value) {
    send(telnyx.request(Method::POST, "/number_orders").json(&body)).await
}

#[tokio::test]
async fn search_matches_the_schema_and_filters_narrow_it() {
    let sandbox = support::start(0).await;
    let telnyx = Telnyx::new(&sandbox);
    let (status, body) = send(telnyx.get(
        "/available_phone_numbers?filter[country_code]=US&filter[national_destination_code]=312&filter[phone_number_type]=local&filter[features]=sms,voice&filter[limit]=20",
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    schema::telnyx().check("/available_phone_numbers", "get", status, &body, &[]);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 20);
    assert_eq!(body["meta"]["total_results"], 20);
    for item in data {
        assert!(item["phone_number"].as_str().unwrap().starts_with("+1312"));
        let features: Vec<&str> = item["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|feature| feature["name"].as_str().unwrap())
            .collect();
        assert!(features.contains(&"sms") && features.contains(&"voice"));
        assert!(
            item["cost_information"]["monthly_cost"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
                > 0.0
        );
    }

    // Brackets percent-encoded, as reqwest's .query() sends them, mean the same.
    let (_, encoded) = send(telnyx.get("/available_phone_numbers").query(&[
        ("filter[country_code]", "US"),
        ("filter[national_destination_code]", "312"),
        ("filter[phone_number_type]", "local"),
        ("filter[features]", "sms,voice"),
        ("filter[limit]", "20"),
    ]))
    .await;
    assert_eq!(encoded["data"], body["data"]);

    for (query, check) in [
        (
            "filter[country_code]=GB&filter[phone_number_type]=mobile&filter[limit]=5",
            "+447",
        ),
        (
            "filter[country_code]=CA&filter[national_destination_code]=604&filter[limit]=5",
            "+1604",
        ),
        (
            "filter[country_code]=US&filter[phone_number_type]=toll_free&filter[limit]=5",
            "+18",
        ),
        (
            "filter[country_code]=US&filter[phone_number][starts_with]=415&filter[limit]=5",
            "+1415",
        ),
    ] {
        let numbers = search(&telnyx, query).await;
        assert_eq!(numbers.len(), 5, "{query}");
        assert!(
            numbers.iter().all(|number| number.starts_with(check)),
            "{query}: {numbers:?}"
        );
    }
    let numbers = search(&telnyx, "filter[country_code]=US&filter[national_destination_code]=212&filter[phone_number][ends_with]=7&filter[limit]=10").await;
    assert!(numbers.iter().all(|number| number.ends_with('7')));
    let (_, body) = send(telnyx.get("/available_phone_numbers?filter[country_code]=US&filter[administrative_area]=WA&filter[limit]=10")).await;
    for item in body["data"].as_array().unwrap() {
        assert!(item["region_information"]
            .as_array()
            .unwrap()
            .iter()
            .any(|region| region["region_type"] == "state" && region["region_name"] == "WA"));
    }
    // Wildcards are not supported: no results.
    assert!(search(
        &telnyx,
        "filter[country_code]=US&filter[phone_number][contains]=4*5"
    )
    .await
    .is_empty());
}

#[tokio::test]
async fn bad_search_parameters_get_telnyx_errors() {
    let sandbox = support::start(0).await;
    let telnyx = Telnyx::new(&sandbox);
    for (query, status, code) in [
        (
            "filter[country_code]=US&filter[national_destination_code]=999x",
            StatusCode::BAD_REQUEST,
            "10015",
        ),
        (
            "filter[country_code]=US&filter[national_destination_code]=911",
            StatusCode::BAD_REQUEST,
            "10015",
        ),
        (
            "filter[national_destination_code]=312",
            StatusCode::BAD_REQUEST,
            "10004",
        ),
        (
            "filter[country_code]=US&filter[phone_number_type]=premium",
            StatusCode::BAD_REQUEST,
            "10015",
        ),
    ] {
        let (got, body) = send(telnyx.get(&format!("/available_phone_numbers?{query}"))).await;
        assert_eq!(got, status, "{query}: {body}");
        schema::telnyx().check("/available_phone_numbers", "get", got, &body, &[]);
        assert_eq!(telnyx_error_code(&body), code, "{query}");
    }
    let (status, body) = send(telnyx.get("/phone_numbers?page[size]=251")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    schema::telnyx().check("/phone_numbers", "get", status, &body, &[]);
}

#[tokio::test]
async fn an_order_stays_pending_then_completes_after_the_configured_polls() {
    let sandbox = support::start(0).await;
    sandbox
        .faults()
        .set_order_completion(OrderCompletion::Polls {
            polls: 2,
            outcome: OrderOutcome::Success,
        });
    let telnyx = Telnyx::new(&sandbox);
    let account = &sandbox.telnyx_accounts()[0];
    let numbers = search(
        &telnyx,
        "filter[country_code]=US&filter[national_destination_code]=404&filter[limit]=2",
    )
    .await;
    let (status, created) = order(
        &telnyx,
        json!({
            "phone_numbers": [{"phone_number": numbers[0]}, {"phone_number": numbers[1]}],
            "connection_id": account.texml_application_id,
            "messaging_profile_id": account.messaging_profile_id,
            "customer_reference": "sandbox-test",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    schema::telnyx().check(
        "/number_orders",
        "post",
        status,
        &created,
        &["bundle_id", "billing_group_id"],
    );
    assert_eq!(created["data"]["status"], "pending");
    assert_eq!(created["data"]["phone_numbers_count"], 2);
    let id = created["data"]["id"].as_str().unwrap().to_string();

    // The numbers are in the account, purchase-pending, and no longer on sale.
    let digits = numbers[0].trim_start_matches('+');
    let (_, listed) =
        send(telnyx.get(&format!("/phone_numbers?filter[phone_number]={digits}"))).await;
    assert_eq!(listed["data"][0]["status"], "purchase-pending");
    assert_eq!(
        listed["data"][0]["connection_id"],
        account.texml_application_id.as_str()
    );
    assert!(!search(
        &telnyx,
        "filter[country_code]=US&filter[national_destination_code]=404&filter[limit]=1000"
    )
    .await
    .contains(&numbers[0]));

    let path = format!("/number_orders/{id}");
    let (status, first) = send(telnyx.get(&path)).await;
    schema::telnyx().check(
        "/number_orders/{number_order_id}",
        "get",
        status,
        &first,
        &["bundle_id", "billing_group_id"],
    );
    assert_eq!(first["data"]["status"], "pending");
    let (_, second) = send(telnyx.get(&path)).await;
    assert_eq!(second["data"]["status"], "success");
    for line in second["data"]["phone_numbers"].as_array().unwrap() {
        assert_eq!(line["status"], "success");
    }
    let (status, listed) =
        send(telnyx.get(&format!("/phone_numbers?filter[phone_number]={digits}"))).await;
    schema::telnyx().check("/phone_numbers", "get", status, &listed, &["errors"]);
    assert_eq!(listed["data"][0]["status"], "active");

    let (status, orders) = send(telnyx.get("/number_orders?filter[status]=success")).await;
    schema::telnyx().check(
        "/number_orders",
        "get",
        status,
        &orders,
        &["billing_group_id"],
    );
    assert_eq!(orders["meta"]["total_results"], 1);
    let (_, balance) = send(telnyx.get("/balance")).await;
    assert_eq!(balance["data"]["balance"], "298.00");
    let state = sandbox
        .account_state(&account.organization_id, false)
        .unwrap();
    assert_eq!(state.orders[0].polls, 2);
}

#[tokio::test]
async fn an_order_can_fail_after_a_time_and_its_numbers_return_to_stock() {
    let clock = ManualClock::new();
    let sandbox = support::start_on(0, &clock).await;
    let faults = sandbox.faults();
    faults.set_order_completion(OrderCompletion::Time {
        millis: 150,
        outcome: OrderOutcome::Failure,
    });
    let telnyx = Telnyx::new(&sandbox);
    let numbers = search(
        &telnyx,
        "filter[country_code]=GB&filter[phone_number_type]=local&filter[limit]=1",
    )
    .await;
    let (_, created) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": numbers[0]}]}),
    )
    .await;
    let path = format!("/number_orders/{}", created["data"]["id"].as_str().unwrap());
    let (_, early) = send(telnyx.get(&path)).await;
    assert_eq!(early["data"]["status"], "pending");
    clock.advance(Duration::from_millis(149));
    let (_, still) = send(telnyx.get(&path)).await;
    assert_eq!(still["data"]["status"], "pending", "not before its time");
    clock.advance(Duration::from_millis(1));
    let (_, late) = send(telnyx.get(&path)).await;
    assert_eq!(late["data"]["status"], "failure");
    assert_eq!(late["data"]["phone_numbers"][0]["status"], "failure");
    let (_, listed) = send(telnyx.get("/phone_numbers")).await;
    assert_eq!(listed["meta"]["total_results"], 0);
    assert!(search(
        &telnyx,
        "filter[country_code]=GB&filter[phone_number_type]=local&filter[limit]=1"
    )
    .await
    .contains(&numbers[0]));
}

#[tokio::test]
async fn a_number_that_vanishes_before_the_order_is_rejected() {
    let sandbox = support::start(0).await;
    let telnyx = Telnyx::new(&sandbox);
    let numbers = search(
        &telnyx,
        "filter[country_code]=US&filter[national_destination_code]=808&filter[limit]=2",
    )
    .await;
    assert!(sandbox.faults().vanish(&numbers[1]));
    let (status, body) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": numbers[0]}, {"phone_number": numbers[1]}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    schema::telnyx().check("/number_orders", "post", status, &body, &[]);
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        "/phone_numbers/1/phone_number"
    );
    // Nothing was bought: the whole order is refused.
    let (_, listed) = send(telnyx.get("/phone_numbers")).await;
    assert_eq!(listed["meta"]["total_results"], 0);
    // Malformed requests.
    let (status, body) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": "3125550100"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(telnyx_error_code(&body), "10016");
    let (status, body) = send(
        telnyx
            .request(Method::POST, "/number_orders")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    schema::telnyx().check("/number_orders", "post", status, &body, &[]);
}

#[tokio::test]
async fn update_messaging_and_release_a_number() {
    let sandbox = support::start(4).await;
    let telnyx = Telnyx::new(&sandbox);
    let account = &sandbox.telnyx_accounts()[0];
    let (_, listed) = send(telnyx.get("/phone_numbers?page[size]=1")).await;
    let id = listed["data"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/phone_numbers/{id}");

    let (status, fetched) = send(telnyx.get(&path)).await;
    schema::telnyx().check("/phone_numbers/{id}", "get", status, &fetched, &[]);

    let (_, apps) = send(telnyx.get("/texml_applications")).await;
    let second_app = apps["data"][1]["id"].as_str().unwrap().to_string();
    let (status, updated) = send(
        telnyx
            .request(Method::PATCH, &path)
            .json(&json!({"connection_id": second_app, "tags": ["agent", "sandbox"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    schema::telnyx().check("/phone_numbers/{id}", "patch", status, &updated, &[]);
    assert_eq!(updated["data"]["connection_id"], second_app.as_str());
    assert_eq!(
        updated["data"]["connection_name"],
        apps["data"][1]["friendly_name"]
    );
    assert_eq!(updated["data"]["tags"], json!(["agent", "sandbox"]));
    let (status, body) = send(
        telnyx
            .request(Method::PATCH, &path)
            .json(&json!({"connection_id": "404404"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    schema::telnyx().check("/phone_numbers/{id}", "patch", status, &body, &[]);

    let messaging = format!("{path}/messaging");
    let (status, body) = send(
        telnyx
            .request(Method::PATCH, &messaging)
            .json(&json!({"messaging_profile_id": account.messaging_profile_id})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    schema::telnyx().check("/phone_numbers/{id}/messaging", "patch", status, &body, &[]);
    assert_eq!(
        body["data"]["messaging_profile_id"],
        account.messaging_profile_id.as_str()
    );
    // null keeps it; "" unassigns it.
    let (_, body) = send(
        telnyx
            .request(Method::PATCH, &messaging)
            .json(&json!({"messaging_profile_id": null})),
    )
    .await;
    assert_eq!(
        body["data"]["messaging_profile_id"],
        account.messaging_profile_id.as_str()
    );
    let (_, body) = send(
        telnyx
            .request(Method::PATCH, &messaging)
            .json(&json!({"messaging_profile_id": ""})),
    )
    .await;
    assert_eq!(body["data"]["messaging_profile_id"], Value::Null);
    let (_, fetched) = send(telnyx.get(&path)).await;
    assert_eq!(fetched["data"]["messaging_profile_id"], Value::Null);

    let (status, deleted) = send(telnyx.request(Method::DELETE, &path)).await;
    assert_eq!(status, StatusCode::OK);
    schema::telnyx().check("/phone_numbers/{id}", "delete", status, &deleted, &[]);
    assert_eq!(deleted["data"]["status"], "deleted");
    let (status, body) = send(telnyx.get(&path)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    schema::telnyx().check("/phone_numbers/{id}", "get", status, &body, &[]);
    assert_eq!(telnyx_error_code(&body), "10005");
    let state = sandbox
        .account_state(&account.organization_id, false)
        .unwrap();
    assert_eq!(state.owned_numbers, 3);
}

#[tokio::test]
async fn texml_applications_messaging_profiles_and_balance_match_the_schema() {
    let sandbox = support::start(0).await;
    let telnyx = Telnyx::new(&sandbox);
    let account = &sandbox.telnyx_accounts()[0];
    let (status, apps) = send(telnyx.get("/texml_applications")).await;
    schema::telnyx().check("/texml_applications", "get", status, &apps, &[]);
    assert_eq!(apps["meta"]["total_results"], 2);
    assert_eq!(apps["meta"]["page_size"], 250);
    assert!(apps["data"][0]["voice_url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let (status, app) = send(telnyx.get(&format!(
        "/texml_applications/{}",
        account.texml_application_id
    )))
    .await;
    schema::telnyx().check("/texml_applications/{id}", "get", status, &app, &[]);
    let (status, missing) = send(telnyx.get("/texml_applications/1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    schema::telnyx().check("/texml_applications/{id}", "get", status, &missing, &[]);
    let (_, filtered) =
        send(telnyx.get("/texml_applications?filter[friendly_name]=fallback")).await;
    assert_eq!(filtered["meta"]["total_results"], 1);

    let (status, profiles) = send(telnyx.get("/messaging_profiles")).await;
    schema::telnyx().check("/messaging_profiles", "get", status, &profiles, &[]);
    assert_eq!(
        profiles["data"][0]["id"],
        account.messaging_profile_id.as_str()
    );
    let (status, profile) = send(telnyx.get(&format!(
        "/messaging_profiles/{}",
        account.messaging_profile_id
    )))
    .await;
    schema::telnyx().check("/messaging_profiles/{id}", "get", status, &profile, &[]);

    let (status, balance) = send(telnyx.get("/balance")).await;
    schema::telnyx().check("/balance", "get", status, &balance, &[]);
    assert_eq!(balance["data"]["currency"], "USD");

    // The second account has its own applications.
    let second = Telnyx {
        sandbox: &sandbox,
        client: support::client(),
        account: 1,
    };
    let (status, _) = send(second.get(&format!(
        "/texml_applications/{}",
        account.texml_application_id
    )))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn auth_failures_and_unknown_ids_get_telnyx_bodies() {
    let sandbox = support::start(1).await;
    let telnyx = Telnyx::new(&sandbox);
    let url = format!("{}/v2/phone_numbers", sandbox.base_urls().telnyx);
    for request in [
        telnyx.client.get(&url),
        telnyx.client.get(&url).bearer_auth("KEY_not_a_real_key"),
        telnyx
            .client
            .get(&url)
            .basic_auth("user", Some(telnyx.key())),
    ] {
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        schema::telnyx().check("/phone_numbers", "get", status, &body, &[]);
        assert_eq!(telnyx_error_code(&body), "10009");
        assert_eq!(body["errors"][0]["title"], "Authentication failed");
    }
    for (path, spec_path) in [
        ("/phone_numbers/1", "/phone_numbers/{id}"),
        (
            "/number_orders/2b596217-897f-4943-a598-658a53a2c4e2",
            "/number_orders/{number_order_id}",
        ),
    ] {
        let (status, body) = send(telnyx.get(path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        schema::telnyx().check(spec_path, "get", status, &body, &[]);
        assert_eq!(telnyx_error_code(&body), "10005");
    }
    let (status, body) = send(telnyx.get("/no_such_resource")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(telnyx_error_code(&body), "10005");
    // One account cannot see another's numbers.
    let (_, theirs) = send(
        Telnyx {
            sandbox: &sandbox,
            client: support::client(),
            account: 1,
        }
        .get("/phone_numbers"),
    )
    .await;
    let id = theirs["data"][0]["id"].as_str().unwrap();
    let (status, _) = send(telnyx.get(&format!("/phone_numbers/{id}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn paging_through_ten_thousand_numbers_returns_each_once() {
    let sandbox = support::start(10_000).await;
    let telnyx = Telnyx::new(&sandbox);
    let mut seen = HashSet::new();
    let mut page = 1;
    loop {
        let (status, body) = send(telnyx.get(&format!(
            "/phone_numbers?page[number]={page}&page[size]=250"
        )))
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if page == 1 {
            schema::telnyx().check("/phone_numbers", "get", status, &body, &["errors"]);
        }
        assert_eq!(body["meta"]["total_results"], 10_000);
        assert_eq!(body["meta"]["total_pages"], 40);
        assert_eq!(body["meta"]["page_number"], page);
        let data = body["data"].as_array().unwrap();
        for number in data {
            assert!(
                seen.insert(number["id"].as_str().unwrap().to_string()),
                "{} twice",
                number["id"]
            );
        }
        if page >= body["meta"]["total_pages"].as_u64().unwrap() {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 40);
    assert_eq!(seen.len(), 10_000);
    // Past the end: an empty page with the same totals.
    let (_, past) = send(telnyx.get("/phone_numbers?page[number]=41&page[size]=250")).await;
    assert_eq!(past["data"].as_array().unwrap().len(), 0);
    // Default page size is 20; sorting by phone number works over all 10,000.
    let (_, sorted) = send(telnyx.get("/phone_numbers?sort=phone_number")).await;
    let data = sorted["data"].as_array().unwrap();
    assert_eq!(data.len(), 20);
    assert!(data
        .windows(2)
        .all(|pair| pair[0]["phone_number"].as_str() < pair[1]["phone_number"].as_str()));
}

/// The line of an order reply for its one number.
fn only_line(order: &Value) -> &Value {
    &order["data"]["phone_numbers"][0]
}

#[tokio::test]
async fn regulated_orders_wait_until_an_approved_requirement_group_meets_them() {
    let sandbox = support::start(0).await;
    sandbox
        .faults()
        .set_order_completion(OrderCompletion::Polls {
            polls: 1,
            outcome: OrderOutcome::Success,
        });
    let telnyx = Telnyx::new(&sandbox);

    // The catalogue: German local numbers and every Australian number ask for an address.
    let (status, german) = send(
        telnyx.get("/requirements?filter[country_code]=DE&filter[action]=ordering&page[size]=250"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{german}");
    schema::telnyx().check("/requirements", "get", status, &german, &["locality"]);
    assert_eq!(german["data"].as_array().unwrap().len(), 1, "{german}");
    assert_eq!(german["data"][0]["phone_number_type"], "local");
    let (_, australian) = send(telnyx.get("/requirements?filter[country_code]=AU")).await;
    assert!(
        australian["data"][0].get("phone_number_type").is_none(),
        "{australian}"
    );
    let (_, american) = send(telnyx.get("/requirements?filter[country_code]=US")).await;
    assert_eq!(american["data"], json!([]));

    // The account's groups, a bare array as Telnyx's spec has it.
    let (status, groups) = send(telnyx.get(
        "/requirement_groups?filter[country_code]=DE&filter[phone_number_type]=local&filter[action]=ordering&filter[status]=approved",
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    schema::telnyx().check("/requirement_groups", "get", status, &groups, &[]);
    let groups = groups.as_array().unwrap().clone();
    assert_eq!(groups.len(), 1);
    let berlin = groups[0]["id"].as_str().unwrap().to_string();
    let (_, all) = send(telnyx.get("/requirement_groups")).await;
    let australian_local = all
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["country_code"] == "AU" && g["phone_number_type"] == "local")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let numbers = search(
        &telnyx,
        "filter[country_code]=DE&filter[phone_number_type]=local&filter[limit]=2",
    )
    .await;
    assert_eq!(numbers.len(), 2);

    // Without a group the order is taken but waits, however often it is polled.
    let (status, waiting) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": numbers[0]}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    schema::telnyx().check(
        "/number_orders",
        "post",
        status,
        &waiting,
        &[
            "bundle_id",
            "billing_group_id",
            "connection_id",
            "messaging_profile_id",
            "customer_reference",
        ],
    );
    assert_eq!(waiting["data"]["requirements_met"], false);
    assert_eq!(only_line(&waiting)["requirements_met"], false);
    assert_eq!(
        only_line(&waiting)["requirements_status"],
        "requirement-info-pending"
    );
    let id = waiting["data"]["id"].as_str().unwrap();
    for _ in 0..3 {
        let (_, fetched) = send(telnyx.get(&format!("/number_orders/{id}"))).await;
        assert_eq!(fetched["data"]["status"], "pending", "{fetched}");
    }
    let (_, unmet) = send(telnyx.get("/number_orders?filter[requirements_met]=false")).await;
    assert_eq!(unmet["data"].as_array().unwrap().len(), 1, "{unmet}");

    // A group the account does not have, or one made for other numbers, is refused.
    let (status, unknown) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": numbers[1], "requirement_group_id": "6f1d0c2e-0000-4a5b-9c7d-0000000000ff"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
    assert_eq!(telnyx_error_code(&unknown), "10017");
    assert_eq!(
        unknown["errors"][0]["source"]["pointer"],
        "/phone_numbers/0/requirement_group_id"
    );
    let (status, wrong) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": numbers[1], "requirement_group_id": australian_local}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
    assert!(
        wrong["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("AU local"),
        "{wrong}"
    );

    // With the approved German group it completes like any order.
    let (status, met) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": numbers[1], "requirement_group_id": berlin}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{met}");
    assert_eq!(met["data"]["requirements_met"], true);
    assert_eq!(only_line(&met)["requirement_group_id"], berlin.as_str());
    let id = met["data"]["id"].as_str().unwrap();
    let (_, fetched) = send(telnyx.get(&format!("/number_orders/{id}"))).await;
    assert_eq!(fetched["data"]["status"], "success", "{fetched}");

    // An Australian mobile with the group still pending approval waits under review.
    let mobiles = search(
        &telnyx,
        "filter[country_code]=AU&filter[phone_number_type]=mobile&filter[limit]=1",
    )
    .await;
    let pending_group = all
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["phone_number_type"] == "mobile")
        .unwrap();
    assert_eq!(pending_group["status"], "pending-approval");
    let (_, review) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": mobiles[0], "requirement_group_id": pending_group["id"]}]}),
    )
    .await;
    assert_eq!(
        only_line(&review)["requirements_status"],
        "requirement-info-under-review"
    );
    assert_eq!(review["data"]["requirements_met"], false);
    assert!(
        sandbox.violations().is_empty(),
        "{:?}",
        sandbox.violations()
    );
}

#[tokio::test]
async fn an_order_the_balance_cannot_pay_for_is_refused_and_takes_nothing() {
    let sandbox = support::start(0).await;
    let telnyx = Telnyx::new(&sandbox);
    let numbers = search(
        &telnyx,
        "filter[country_code]=US&filter[national_destination_code]=404&filter[limit]=1",
    )
    .await;
    let broke = sandbox
        .telnyx_low_balance_account()
        .expect("seeded")
        .clone();
    let url = format!("{}/v2/number_orders", sandbox.base_urls().telnyx);
    let (status, refused) = send(
        telnyx
            .client
            .post(&url)
            .bearer_auth(&broke.api_key)
            .json(&json!({"phone_numbers": [{"phone_number": numbers[0]}]})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{refused}");
    assert_eq!(telnyx_error_code(&refused), "20100");
    assert_eq!(refused["errors"][0]["title"], "Insufficient Funds");
    // The number is still on sale.
    let again = search(
        &telnyx,
        "filter[country_code]=US&filter[national_destination_code]=404&filter[limit]=50",
    )
    .await;
    assert!(again.contains(&numbers[0]));

    // An empty connection id names no connection.
    let (status, empty) = order(
        &telnyx,
        json!({"phone_numbers": [{"phone_number": numbers[0]}], "connection_id": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{empty}");
    assert_eq!(empty["errors"][0]["source"]["pointer"], "/connection_id");
    assert!(
        sandbox.violations().is_empty(),
        "{:?}",
        sandbox.violations()
    );
}
