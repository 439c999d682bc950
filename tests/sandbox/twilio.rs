//! Twilio endpoints of the sandbox: wire shapes against the official specs, search filters,
//! purchase/update/release, Routes and Pricing, auth and not-found bodies, and paging.

use std::collections::HashSet;

use numberdesk::sandbox::{Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::schema::{self, check_twilio_error};
use crate::support::{self, send, Twilio};

const ACCOUNT: &str = "/2010-04-01/Accounts/{Sid}.json";
const COUNTRIES: &str = "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers.json";
const COUNTRY: &str = "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}.json";
const INCOMING: &str = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json";
const INCOMING_ONE: &str = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json";

fn search_path(kind: &str) -> String {
    format!("/2010-04-01/Accounts/{{AccountSid}}/AvailablePhoneNumbers/{{CountryCode}}/{kind}.json")
}

/// Buys the first number a search returns and gives back (phone number, reply).
async fn buy_first(twilio: &Twilio<'_>, query: &str) -> (String, Value) {
    let (status, found) = send(twilio.get(&format!(
        "/2010-04-01/Accounts/{{sid}}/AvailablePhoneNumbers/US/Local.json?{query}"
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let number = found["available_phone_numbers"][0]["phone_number"]
        .as_str()
        .expect("a number on sale")
        .to_string();
    let (status, bought) = send(twilio.post(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
        &[("PhoneNumber", number.as_str())],
    ))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    (number, bought)
}

#[tokio::test]
async fn account_fetch_matches_the_schema_and_api_keys_cannot_read_it() {
    let sandbox = support::start(3).await;
    let twilio = Twilio::new(&sandbox);
    let (status, body) = send(twilio.get("/2010-04-01/Accounts/{sid}.json")).await;
    assert_eq!(status, StatusCode::OK);
    schema::twilio_api().check(ACCOUNT, "get", status, &body, &[]);
    assert_eq!(body["sid"], twilio.sid());
    assert_eq!(body["status"], "active");

    let account = &sandbox.twilio_accounts()[0];
    let (status, body) = send(
        twilio
            .client
            .get(format!(
                "{}/2010-04-01/Accounts/{}.json",
                sandbox.base_urls().twilio_api,
                account.account_sid
            ))
            .basic_auth(&account.api_key_sid, Some(&account.api_key_secret)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    check_twilio_error(&body, status, 20003);
}

#[tokio::test]
async fn countries_and_searches_match_the_schemas() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    let (status, body) =
        send(twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers.json")).await;
    schema::twilio_api().check(COUNTRIES, "get", status, &body, &[]);
    let codes: HashSet<&str> = body["countries"]
        .as_array()
        .expect("countries")
        .iter()
        .filter_map(|country| country["country_code"].as_str())
        .collect();
    assert!(["US", "CA", "GB"].iter().all(|code| codes.contains(code)));

    let (status, body) =
        send(twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/GB.json")).await;
    schema::twilio_api().check(COUNTRY, "get", status, &body, &[]);
    let types: HashSet<&String> = body["subresource_uris"]
        .as_object()
        .expect("subresource_uris")
        .keys()
        .collect();
    assert_eq!(
        types.len(),
        4,
        "GB sells local, mobile, national, toll_free: {body}"
    );

    for (country, kind) in [
        ("US", "Local"),
        ("US", "TollFree"),
        ("CA", "Local"),
        ("CA", "TollFree"),
        ("GB", "Local"),
        ("GB", "Mobile"),
        ("GB", "National"),
        ("GB", "TollFree"),
    ] {
        let (status, body) = send(twilio.get(&format!(
            "/2010-04-01/Accounts/{{sid}}/AvailablePhoneNumbers/{country}/{kind}.json?PageSize=5"
        )))
        .await;
        assert_eq!(status, StatusCode::OK, "{country} {kind}: {body}");
        schema::twilio_api().check(&search_path(kind), "get", status, &body, &[]);
        let numbers = body["available_phone_numbers"].as_array().expect("numbers");
        assert_eq!(numbers.len(), 5, "{country} {kind}");
        for number in numbers {
            assert_eq!(number["iso_country"], country);
        }
    }
}

#[tokio::test]
async fn search_filters_narrow_the_results_and_bad_area_codes_fail_as_twilio_does() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    let search = |query: &str| {
        twilio.get(&format!(
            "/2010-04-01/Accounts/{{sid}}/AvailablePhoneNumbers/US/Local.json?{query}"
        ))
    };
    let (_, body) = send(search("AreaCode=415&PageSize=20")).await;
    let numbers = body["available_phone_numbers"].as_array().expect("numbers");
    assert_eq!(numbers.len(), 20);
    for number in numbers {
        assert!(number["phone_number"]
            .as_str()
            .unwrap()
            .starts_with("+1415"));
        assert_eq!(number["region"], "CA");
    }

    let (_, body) = send(search("AreaCode=212&MmsEnabled=false&PageSize=50")).await;
    for number in body["available_phone_numbers"].as_array().unwrap() {
        assert_eq!(
            number["capabilities"]["MMS"], false,
            "Twilio's search says MMS"
        );
    }

    let (_, body) = send(search("Contains=%2B1312&PageSize=10")).await;
    for number in body["available_phone_numbers"].as_array().unwrap() {
        assert!(number["phone_number"]
            .as_str()
            .unwrap()
            .starts_with("+1312"));
    }

    let (_, body) = send(search("InRegion=TX&PageSize=10")).await;
    for number in body["available_phone_numbers"].as_array().unwrap() {
        assert_eq!(number["region"], "TX");
    }

    // A well-formed area code with no stock is an empty page, as on Twilio.
    let (status, body) = send(search("AreaCode=907")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["available_phone_numbers"].as_array().unwrap().len(), 0);

    for bad in ["911", "123", "41"] {
        let (status, body) = send(search(&format!("AreaCode={bad}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        check_twilio_error(&body, status, 21451);
    }

    // The US sells no Mobile numbers here: the sub-resource does not exist.
    let (status, body) =
        send(twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/US/Mobile.json")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_twilio_error(&body, status, 20404);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_stock() {
    let first = support::start(0).await;
    let second = support::start(0).await;
    let other = Sandbox::start(SandboxConfig {
        seed: 99,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let mut seen = Vec::new();
    for sandbox in [&first, &second, &other] {
        let twilio = Twilio::new(sandbox);
        let (_, body) = send(twilio.get(
            "/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/US/Local.json?AreaCode=303&PageSize=10",
        ))
        .await;
        seen.push(body["available_phone_numbers"].clone());
    }
    assert_eq!(seen[0], seen[1]);
    assert_ne!(seen[0], seen[2]);
    assert_eq!(
        first.twilio_accounts()[0].account_sid,
        second.twilio_accounts()[0].account_sid
    );
}

#[tokio::test]
async fn buy_update_route_and_release_a_number() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    let (number, bought) = buy_first(&twilio, "AreaCode=206&PageSize=1").await;
    schema::twilio_api().check(INCOMING, "post", StatusCode::CREATED, &bought, &[]);
    assert_eq!(bought["phone_number"], number.as_str());
    assert_eq!(bought["account_sid"], twilio.sid());
    let sid = bought["sid"].as_str().unwrap().to_string();

    // It has left the stock.
    let (_, found) = send(twilio.get(
        "/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/US/Local.json?AreaCode=206&PageSize=1000",
    ))
    .await;
    assert!(found["available_phone_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["phone_number"] != number.as_str()));
    // Buying it again fails as Twilio does.
    let (status, body) = send(twilio.post(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
        &[("PhoneNumber", number.as_str())],
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_twilio_error(&body, status, 21422);

    let one = format!("/2010-04-01/Accounts/{{sid}}/IncomingPhoneNumbers/{sid}.json");
    let (status, updated) = send(twilio.post(
        &one,
        &[
            ("VoiceUrl", "https://agent.example.com/voice"),
            ("VoiceMethod", "GET"),
            ("SmsUrl", "https://agent.example.com/sms"),
            ("StatusCallback", "https://agent.example.com/status"),
            ("FriendlyName", "Front desk"),
        ],
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    schema::twilio_api().check(INCOMING_ONE, "post", status, &updated, &[]);
    assert_eq!(updated["voice_url"], "https://agent.example.com/voice");
    assert_eq!(updated["voice_method"], "GET");
    assert_eq!(updated["friendly_name"], "Front desk");
    // Parameters left out are left alone.
    let (_, again) = send(twilio.post(&one, &[("SmsMethod", "GET")])).await;
    assert_eq!(again["voice_url"], "https://agent.example.com/voice");
    assert_eq!(again["sms_method"], "GET");
    let (status, bad) = send(twilio.post(&one, &[("VoiceMethod", "PUT")])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_twilio_error(&bad, status, 20001);

    let (status, fetched) = send(twilio.get(&one)).await;
    schema::twilio_api().check(INCOMING_ONE, "get", status, &fetched, &[]);
    assert_eq!(fetched["sms_url"], "https://agent.example.com/sms");

    // Routes v2: the number starts in us1 and moves to ie1.
    let route = format!("/v2/PhoneNumbers/{number}");
    let (status, region) = send(twilio.routes(Method::GET, &route)).await;
    schema::twilio_routes().check(
        "/v2/PhoneNumbers/{PhoneNumber}",
        "get",
        status,
        &region,
        &[],
    );
    assert_eq!(region["voice_region"], "us1");
    let (status, region) = send(
        twilio
            .routes(Method::POST, &route)
            .form(&[("VoiceRegion", "ie1"), ("FriendlyName", "EU calls")]),
    )
    .await;
    schema::twilio_routes().check(
        "/v2/PhoneNumbers/{PhoneNumber}",
        "post",
        status,
        &region,
        &[],
    );
    assert_eq!(region["voice_region"], "ie1");
    let (_, region) = send(twilio.routes(Method::GET, &route.replace('+', "%2B"))).await;
    assert_eq!(region["voice_region"], "ie1");
    let state = sandbox.account_state(twilio.sid(), true).unwrap();
    let seen = state
        .numbers
        .iter()
        .find(|owned| owned.phone_number == number)
        .unwrap();
    assert_eq!(seen.voice_region.as_deref(), Some("ie1"));
    assert_eq!(
        seen.voice_url.as_deref(),
        Some("https://agent.example.com/voice")
    );

    // Release: 204 with no body, then the number is gone.
    let response = twilio.api(Method::DELETE, &one).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.text().await.unwrap().is_empty());
    let (status, body) = send(twilio.get(&one)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_twilio_error(&body, status, 20404);
    assert!(body["message"].as_str().unwrap().contains(&sid));
    let (status, body) = send(twilio.routes(Method::GET, &route)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_twilio_error(&body, status, 20404);
}

#[tokio::test]
async fn buy_by_area_code_and_typed_paths() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    let (status, bought) = send(twilio.post(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
        &[
            ("AreaCode", "512"),
            ("VoiceUrl", "https://agent.example.com/v"),
        ],
    ))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    assert!(bought["phone_number"]
        .as_str()
        .unwrap()
        .starts_with("+1512"));
    assert_eq!(bought["voice_url"], "https://agent.example.com/v");

    for (area_code, code) in [("533", 21452), ("91", 21451)] {
        let (status, body) = send(twilio.post(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            &[("AreaCode", area_code)],
        ))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{area_code}");
        check_twilio_error(&body, status, code);
    }
    let (status, body) = send(twilio.post(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/Local.json",
        &[("AreaCode", "512")],
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_twilio_error(&body, status, 21457);

    let (_, found) = send(
        twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/US/TollFree.json?PageSize=1"),
    )
    .await;
    let toll_free = found["available_phone_numbers"][0]["phone_number"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, bought) = send(twilio.post(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/TollFree.json",
        &[("PhoneNumber", toll_free.as_str())],
    ))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    schema::twilio_api().check(
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/TollFree.json",
        "post",
        status,
        &bought,
        &[],
    );
    let (status, list) =
        send(twilio.get("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/TollFree.json")).await;
    schema::twilio_api().check(
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/TollFree.json",
        "get",
        status,
        &list,
        &[],
    );
    assert_eq!(list["incoming_phone_numbers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_number_that_vanishes_between_search_and_purchase_gives_21422() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    let (_, found) = send(twilio.get(
        "/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/US/Local.json?AreaCode=617&PageSize=1",
    ))
    .await;
    let number = found["available_phone_numbers"][0]["phone_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(sandbox.faults().vanish(&number));
    let (status, body) = send(twilio.post(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
        &[("PhoneNumber", number.as_str())],
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check_twilio_error(&body, status, 21422);
    assert_eq!(
        sandbox
            .account_state(twilio.sid(), false)
            .unwrap()
            .owned_numbers,
        0
    );
}

#[tokio::test]
async fn auth_failures_and_other_accounts_get_twilio_bodies() {
    let sandbox = support::start(2).await;
    let twilio = Twilio::new(&sandbox);
    let url = format!(
        "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
        sandbox.base_urls().twilio_api,
        twilio.sid()
    );
    let cases = [
        twilio.client.get(&url),
        twilio
            .client
            .get(&url)
            .basic_auth(twilio.sid(), Some("wrong")),
        twilio.client.get(&url).bearer_auth(twilio.token()),
    ];
    for request in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().contains_key("www-authenticate"));
        let body: Value = response.json().await.unwrap();
        check_twilio_error(&body, StatusCode::UNAUTHORIZED, 20003);
        assert_eq!(body["message"], "Authenticate");
    }
    // The API key works on incoming numbers, with the account SID in the path.
    let account = &sandbox.twilio_accounts()[0];
    let (status, body) = send(
        twilio
            .client
            .get(&url)
            .basic_auth(&account.api_key_sid, Some(&account.api_key_secret)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["incoming_phone_numbers"].as_array().unwrap().len(), 2);
    // Another account's path, or the key SID in the path: 404.
    let other = &sandbox.twilio_accounts()[1];
    for path_sid in [other.account_sid.as_str(), account.api_key_sid.as_str()] {
        let (status, body) = send(twilio.get(&format!(
            "/2010-04-01/Accounts/{path_sid}/IncomingPhoneNumbers.json"
        )))
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        check_twilio_error(&body, status, 20404);
    }
    // The second account sees only its own numbers.
    let second = Twilio {
        sandbox: &sandbox,
        client: support::client(),
        account: 1,
    };
    let (_, body) = send(second.get("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json")).await;
    assert_eq!(body["incoming_phone_numbers"].as_array().unwrap().len(), 3);
    for number in body["incoming_phone_numbers"].as_array().unwrap() {
        assert_eq!(number["account_sid"], second.sid());
    }
    // Unknown ids and paths: 404 with the path in the message.
    for path in [
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/PN00000000000000000000000000000000.json",
        "/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/ZZ.json",
        "/2010-04-01/Accounts/{sid}/Nothing.json",
    ] {
        let (status, body) = send(twilio.get(path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        check_twilio_error(&body, status, 20404);
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("/2010-04-01/Accounts/"));
    }
    let (status, body) = send(twilio.pricing("/v1/PhoneNumbers/Countries/ZZ")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check_twilio_error(&body, status, 20404);
}

#[tokio::test]
async fn pricing_matches_the_schema() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    let (status, body) = send(twilio.pricing("/v1/PhoneNumbers/Countries")).await;
    schema::twilio_pricing().check("/v1/PhoneNumbers/Countries", "get", status, &body, &[]);
    assert_eq!(body["meta"]["key"], "countries");
    assert!(body["meta"]["url"]
        .as_str()
        .unwrap()
        .starts_with(&sandbox.base_urls().twilio_pricing));
    for iso in ["US", "CA", "GB"] {
        let (status, body) =
            send(twilio.pricing(&format!("/v1/PhoneNumbers/Countries/{iso}"))).await;
        schema::twilio_pricing().check(
            "/v1/PhoneNumbers/Countries/{IsoCountry}",
            "get",
            status,
            &body,
            &[],
        );
        let prices = body["phone_number_prices"].as_array().unwrap();
        assert!(prices.iter().any(|price| price["number_type"] == "local"));
        assert!(prices
            .iter()
            .any(|price| price["number_type"] == "toll free"));
        for price in prices {
            let amount: f64 = price["current_price"].as_str().unwrap().parse().unwrap();
            assert!(amount > 0.0);
        }
    }
}

#[tokio::test]
async fn paging_through_ten_thousand_numbers_returns_each_once() {
    let sandbox = support::start(10_000).await;
    let twilio = Twilio::new(&sandbox);
    let mut seen = HashSet::new();
    let mut next =
        Some("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PageSize=1000".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let (status, body) = send(twilio.get(&path)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if pages == 0 {
            schema::twilio_api().check(INCOMING, "get", status, &body, &[]);
            assert_eq!(body["previous_page_uri"], Value::Null);
        }
        assert_eq!(body["page"], pages);
        assert_eq!(body["page_size"], 1000);
        for number in body["incoming_phone_numbers"].as_array().unwrap() {
            assert!(
                seen.insert(number["sid"].as_str().unwrap().to_string()),
                "{} twice",
                number["sid"]
            );
        }
        pages += 1;
        // A purchase in the middle of paging must not shift or repeat anything already seen.
        if pages == 3 {
            buy_first(&twilio, "AreaCode=702&PageSize=1").await;
        }
        next = body["next_page_uri"].as_str().map(str::to_string);
    }
    assert_eq!(pages, 11);
    assert_eq!(seen.len(), 10_001);

    // Small pages too, and the previous link goes back.
    let (_, first) =
        send(twilio.get("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PageSize=50")).await;
    let (_, second) = send(twilio.get(first["next_page_uri"].as_str().unwrap())).await;
    assert_eq!(second["start"], 50);
    assert_eq!(second["end"], 99);
    let (_, back) = send(twilio.get(second["previous_page_uri"].as_str().unwrap())).await;
    assert_eq!(
        back["incoming_phone_numbers"],
        first["incoming_phone_numbers"]
    );

    // Filtering by PhoneNumber finds one number among 10,000.
    let target = first["incoming_phone_numbers"][7]["phone_number"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, found) = send(
        twilio
            .get("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json")
            .query(&[("PhoneNumber", target.as_str())]),
    )
    .await;
    assert_eq!(found["incoming_phone_numbers"].as_array().unwrap().len(), 1);
    assert_eq!(
        found["incoming_phone_numbers"][0]["phone_number"],
        target.as_str()
    );
}

/// GB numbers ask for an address, as at Twilio: the search says so, a purchase without one of
/// the account's own Addresses is refused with 21631 and buys nothing, and with one it goes
/// through with the address on the number.
#[tokio::test]
async fn a_gb_number_is_sold_only_with_one_of_the_accounts_addresses() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    let (status, found) = send(
        twilio.get("/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/GB/Local.json?PageSize=2"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let offer = &found["available_phone_numbers"][0];
    assert_eq!(offer["address_requirements"], "any");
    let e164 = offer["phone_number"].as_str().unwrap().to_string();
    let buy = |address: Option<&str>| {
        let mut form = vec![("PhoneNumber", e164.as_str())];
        form.extend(address.map(|sid| ("AddressSid", sid)));
        send(twilio.post(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            &form,
        ))
    };

    let (status, body) = buy(None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    check_twilio_error(&body, status, 21631);
    let other = format!("AD{}", "0".repeat(32));
    let (status, body) = buy(Some(&other)).await;
    check_twilio_error(&body, status, 21631);
    let state = sandbox
        .account_state(&sandbox.twilio_accounts()[0].account_sid, true)
        .unwrap();
    assert!(
        state.numbers.iter().all(|n| n.phone_number != e164),
        "nothing bought"
    );

    const ADDRESSES: &str = "/2010-04-01/Accounts/{AccountSid}/Addresses.json";
    let (status, listed) = send(twilio.get("/2010-04-01/Accounts/{sid}/Addresses.json")).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    schema::twilio_api().check(ADDRESSES, "get", status, &listed, &[]);
    let address = listed["addresses"][0]["sid"].as_str().unwrap().to_string();
    assert_eq!(listed["addresses"][0]["iso_country"], "GB");
    let (status, bought) = buy(Some(&address)).await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    assert_eq!(bought["address_sid"], address.as_str());
    assert!(
        sandbox.violations().is_empty(),
        "{:?}",
        sandbox.violations()
    );
}

/// German local numbers ask for a local address and an approved bundle, Australian local
/// numbers for a bundle, as at Twilio: the Regulations list says which, the account's Bundles
/// list gives the bundle, and a purchase without an approved bundle for that regulation is
/// refused with 21649 and buys nothing.
#[tokio::test]
async fn regulated_numbers_are_sold_only_with_an_approved_bundle_for_their_regulation() {
    let sandbox = support::start(0).await;
    let twilio = Twilio::new(&sandbox);
    const REGULATIONS: &str = "/v2/RegulatoryCompliance/Regulations";
    const BUNDLES: &str = "/v2/RegulatoryCompliance/Bundles";
    let (status, regulations) = send(
        twilio
            .numbers(REGULATIONS)
            .query(&[("IsoCountry", "DE"), ("NumberType", "local")]),
    )
    .await;
    schema::twilio_numbers().check(REGULATIONS, "get", status, &regulations, &[]);
    let regulation = regulations["results"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(regulations["results"].as_array().unwrap().len(), 1);
    let (_, none) = send(twilio.numbers(REGULATIONS).query(&[("IsoCountry", "US")])).await;
    assert_eq!(none["results"].as_array().unwrap().len(), 0, "{none}");
    let (status, bad) = send(
        twilio
            .numbers(REGULATIONS)
            .query(&[("NumberType", "tollfree")]),
    )
    .await;
    check_twilio_error(&bad, status, 22200);

    let (status, bundles) = send(twilio.numbers(BUNDLES).query(&[
        ("Status", "twilio-approved"),
        ("IsoCountry", "DE"),
        ("NumberType", "local"),
    ]))
    .await;
    schema::twilio_numbers().check(BUNDLES, "get", status, &bundles, &[]);
    let bundle = bundles["results"][0].clone();
    assert_eq!(bundle["regulation_sid"], regulation.as_str());
    assert_eq!(bundles["results"].as_array().unwrap().len(), 1, "{bundles}");
    let de_bundle = bundle["sid"].as_str().unwrap().to_string();
    let (_, in_review) = send(twilio.numbers(BUNDLES).query(&[("Status", "in-review")])).await;
    let au_mobile_bundle = in_review["results"][0]["sid"].as_str().unwrap().to_string();
    let (_, au) = send(
        twilio
            .numbers(BUNDLES)
            .query(&[("IsoCountry", "AU"), ("NumberType", "local")]),
    )
    .await;
    let au_bundle = au["results"][0]["sid"].as_str().unwrap().to_string();
    let (_, addresses) = send(twilio.get("/2010-04-01/Accounts/{sid}/Addresses.json")).await;
    let gb_address = addresses["addresses"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();

    let twilio = &twilio;
    let first = |country: &str, kind: &str| {
        let path = format!(
            "/2010-04-01/Accounts/{{sid}}/AvailablePhoneNumbers/{country}/{kind}.json?PageSize=1"
        );
        async move {
            let (status, found) = send(twilio.get(&path)).await;
            assert_eq!(status, StatusCode::OK, "{found}");
            found["available_phone_numbers"][0].clone()
        }
    };
    let berlin = first("DE", "Local").await;
    assert_eq!(berlin["address_requirements"], "local");
    let de = berlin["phone_number"].as_str().unwrap().to_string();
    let buy = |e164: &str, address: Option<&str>, bundle: Option<&str>| {
        let mut form = vec![("PhoneNumber", e164.to_string())];
        form.extend(address.map(|sid| ("AddressSid", sid.to_string())));
        form.extend(bundle.map(|sid| ("BundleSid", sid.to_string())));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        send(twilio.post(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            &form,
        ))
    };
    // The London address is not local to Germany.
    let (status, body) = buy(&de, Some(&gb_address), Some(&de_bundle)).await;
    check_twilio_error(&body, status, 21631);
    let de_address = addresses["addresses"][1]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(addresses["addresses"][1]["iso_country"], "DE");
    // A local address is not enough: the number still wants the bundle.
    let (status, body) = buy(&de, Some(&de_address), None).await;
    check_twilio_error(&body, status, 21649);
    let sydney = first("AU", "Local").await;
    assert_eq!(sydney["address_requirements"], "none");
    let au_local = sydney["phone_number"].as_str().unwrap().to_string();
    let (status, body) = buy(&au_local, None, None).await;
    check_twilio_error(&body, status, 21649);
    assert!(
        body["message"].as_str().unwrap().contains("Bundle"),
        "{body}"
    );
    let (status, body) = buy(&au_local, None, Some(&de_bundle)).await;
    check_twilio_error(&body, status, 21649);
    let (status, body) = buy(&au_local, None, Some(&format!("BU{}", "0".repeat(32)))).await;
    check_twilio_error(&body, status, 21649);
    let mobile = first("AU", "Mobile").await;
    let au_mobile = mobile["phone_number"].as_str().unwrap().to_string();
    let (status, body) = buy(&au_mobile, None, Some(&au_mobile_bundle)).await;
    check_twilio_error(&body, status, 21649);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("twilio-approved"),
        "{body}"
    );
    let state = sandbox
        .account_state(&sandbox.twilio_accounts()[0].account_sid, true)
        .unwrap();
    assert!(
        state
            .numbers
            .iter()
            .all(|n| ![&de, &au_local, &au_mobile].contains(&&n.phone_number)),
        "nothing bought"
    );

    let (status, bought) = buy(&au_local, None, Some(&au_bundle)).await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    assert_eq!(bought["bundle_sid"], au_bundle.as_str());
    let (status, bought) = buy(&de, Some(&de_address), Some(&de_bundle)).await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    assert_eq!(bought["address_sid"], de_address.as_str());
    assert_eq!(bought["bundle_sid"], de_bundle.as_str());
    assert!(
        sandbox.violations().is_empty(),
        "{:?}",
        sandbox.violations()
    );
}

#[tokio::test]
async fn a_region_keeps_its_own_configuration_and_takes_only_its_own_keys_and_calls_follow_the_route(
) {
    let sandbox = support::start(3).await;
    let twilio = Twilio::new(&sandbox);
    let account = &sandbox.twilio_accounts()[0];
    let key = account.regional_key("ie1").expect("an ie1 key").clone();
    let ie1 = |path: &str| {
        let base = sandbox
            .base_urls()
            .twilio_regional
            .replace("{edge}", "dublin")
            .replace("{region}", "ie1");
        format!("{base}{}", path.replace("{sid}", twilio.sid()))
    };
    let (_, listed) =
        send(twilio.get("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json")).await;
    let number = listed["incoming_phone_numbers"][0].clone();
    let (e164, sid) = (
        number["phone_number"].as_str().unwrap().to_string(),
        number["sid"].as_str().unwrap().to_string(),
    );
    let us1_voice = number["voice_url"].as_str().unwrap().to_string();
    assert!(
        !us1_voice.is_empty(),
        "seeded numbers point somewhere in us1"
    );
    let item = format!("/2010-04-01/Accounts/{{sid}}/IncomingPhoneNumbers/{sid}.json");

    // The Auth Token, the us1 key and another region's key are refused on the ie1 host.
    let au1 = account.regional_key("au1").unwrap();
    for (user, secret) in [
        (account.account_sid.as_str(), account.auth_token.as_str()),
        (
            account.api_key_sid.as_str(),
            account.api_key_secret.as_str(),
        ),
        (au1.key_sid.as_str(), au1.key_secret.as_str()),
    ] {
        let (status, body) =
            send(twilio.client.get(ie1(&item)).basic_auth(user, Some(secret))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["code"], 20003);
    }
    // The ie1 key is refused on us1's host, and an edge-less or mismatched host does not exist.
    let (status, _) = send(
        twilio
            .client
            .get(format!(
                "{}{}",
                sandbox.base_urls().twilio_api,
                item.replace("{sid}", twilio.sid())
            ))
            .basic_auth(&key.key_sid, Some(&key.key_secret)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for host in ["api.ie1", "api.sydney.ie1"] {
        let url = ie1(&item).replace("api.dublin.ie1", host);
        let (status, _) = send(
            twilio
                .client
                .get(url)
                .basic_auth(&key.key_sid, Some(&key.key_secret)),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{host}");
    }

    // In ie1 the number has no configuration until one is written there.
    let (status, in_ie1) = send(
        twilio
            .client
            .get(ie1(&item))
            .basic_auth(&key.key_sid, Some(&key.key_secret)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{in_ie1}");
    schema::twilio_api().check(INCOMING_ONE, "get", status, &in_ie1, &[]);
    assert_eq!(in_ie1["voice_url"], "");

    // Moved to ie1 with nothing written there, a call reaches nothing.
    let (status, _) = send(
        twilio
            .routes(Method::POST, &format!("/v2/PhoneNumbers/{e164}"))
            .form(&[("VoiceRegion", "ie1")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let call = sandbox.place_call(&e164).await.unwrap();
    assert_eq!(
        (call.region.as_str(), call.target.as_str()),
        ("ie1", "nothing"),
        "{call:?}"
    );

    // Written in ie1, the call goes there; us1 keeps its own.
    let (status, written) = send(
        twilio
            .client
            .post(ie1(&item))
            .basic_auth(&key.key_sid, Some(&key.key_secret))
            .form(&[("VoiceUrl", "https://voice.example.com/ie1")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{written}");
    assert_eq!(written["voice_url"], "https://voice.example.com/ie1");
    let (_, in_us1) = send(twilio.get(&item)).await;
    assert_eq!(in_us1["voice_url"], us1_voice.as_str());
    let call = sandbox.place_call(&e164).await.unwrap();
    assert_eq!(call.target, "voice_url");
    assert_eq!(call.url.as_deref(), Some("https://voice.example.com/ie1"));

    // Back in us1, us1's configuration answers again.
    send(
        twilio
            .routes(Method::POST, &format!("/v2/PhoneNumbers/{e164}"))
            .form(&[("VoiceRegion", "us1")]),
    )
    .await;
    let call = sandbox.place_call(&e164).await.unwrap();
    assert_eq!(
        (call.region.as_str(), call.url.as_deref()),
        ("us1", Some(us1_voice.as_str()))
    );
    // The regional calls are logged under the host they were sent to.
    assert!(sandbox.calls().iter().any(|c| c
        .path
        .starts_with("/twilio/regional/api.dublin.ie1/2010-04-01/")));
}
