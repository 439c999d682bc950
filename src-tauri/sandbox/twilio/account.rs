//! The Accounts resource (`GET /2010-04-01/Accounts/{Sid}.json`): what validating an Auth Token
//! reads. A standard API key may not read it, as at Twilio.

use axum::extract::Path;
use axum::http::StatusCode;
use serde::Serialize;

use super::{json, state, unauthorized, Call, Reply};

#[derive(Serialize)]
struct AccountBody {
    auth_token: String,
    date_created: String,
    date_updated: String,
    friendly_name: String,
    owner_account_sid: String,
    sid: String,
    status: &'static str,
    subresource_uris: serde_json::Value,
    #[serde(rename = "type")]
    kind: &'static str,
    uri: String,
}

pub(super) async fn fetch_account(call: Call, Path(account): Path<String>) -> Reply {
    let world = call.shared.read();
    let caller = call.caller(&world)?;
    // A standard API key may not read the Accounts resource; Twilio answers 401.
    if caller.via_api_key {
        return Err(unauthorized());
    }
    let sid = call.json_segment(&account)?;
    let record = &world.twilio[caller.account];
    if record.sid != sid {
        return Err(call.not_found());
    }
    let base = format!("/2010-04-01/Accounts/{sid}");
    let subresources = [
        ("addresses", "Addresses"),
        ("available_phone_numbers", "AvailablePhoneNumbers"),
        ("balance", "Balance"),
        ("calls", "Calls"),
        ("incoming_phone_numbers", "IncomingPhoneNumbers"),
        ("messages", "Messages"),
        ("applications", "Applications"),
    ];
    let subresource_uris: serde_json::Map<String, serde_json::Value> = subresources
        .into_iter()
        .map(|(key, name)| (key.to_string(), format!("{base}/{name}.json").into()))
        .collect();
    let date = state::rfc2822(record.date_created);
    Ok(json(
        StatusCode::OK,
        &AccountBody {
            auth_token: record.auth_token.clone(),
            date_created: date.clone(),
            date_updated: date,
            friendly_name: record.friendly_name.clone(),
            owner_account_sid: record.sid.clone(),
            sid: record.sid.clone(),
            status: record.status,
            subresource_uris: serde_json::Value::Object(subresource_uris),
            kind: record.kind,
            uri: format!("{base}.json"),
        },
    ))
}
