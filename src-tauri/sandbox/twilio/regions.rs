//! Routes v2: the inbound processing region of an owned number (`VoiceRegion`), read and moved.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use chrono::Utc;

use super::state::{self, Shared, TwilioNumber};
use super::wire::{param, parse_pairs};
use super::{bad_request, friendly_name, json, Call, Reply};

/// Regions Routes v2 accepts as `VoiceRegion` in the sandbox.
const VOICE_REGIONS: [&str; 8] = ["us1", "us2", "ie1", "au1", "br1", "de1", "jp1", "sg1"];

fn route_body(shared: &Shared, number: &TwilioNumber) -> serde_json::Value {
    serde_json::json!({
        "phone_number": number.phone_number,
        "url": format!("{}/v2/PhoneNumbers/{}", shared.base.twilio_routes, number.phone_number),
        "sid": number.routes.sid,
        "account_sid": number.account_sid,
        "friendly_name": number.routes.friendly_name,
        "voice_region": number.routes.voice_region,
        "date_created": state::iso8601_seconds(number.routes.date_created),
        "date_updated": state::iso8601_seconds(number.routes.date_updated),
    })
}

pub(super) async fn fetch_route(call: Call, Path(phone): Path<String>) -> Reply {
    let world = call.shared.read();
    let caller = call.caller(&world)?;
    let account = &world.twilio[caller.account];
    account
        .by_e164
        .get(phone.trim())
        .and_then(|seq| account.numbers.get(seq))
        .map(|number| json(StatusCode::OK, &route_body(&call.shared, number)))
        .ok_or_else(|| call.not_found())
}

pub(super) async fn update_route(call: Call, Path(phone): Path<String>, body: Bytes) -> Reply {
    let pairs = parse_pairs(&body);
    let mut world = call.shared.write();
    let caller = call.caller(&world)?;
    let account = &mut world.twilio[caller.account];
    let number = account
        .by_e164
        .get(phone.trim())
        .copied()
        .and_then(|seq| account.numbers.get_mut(&seq))
        .ok_or_else(|| call.not_found())?;
    if let Some(region) = param(&pairs, "VoiceRegion") {
        if !VOICE_REGIONS.contains(&region) {
            return Err(bad_request(20001, format!("Invalid VoiceRegion: {region}")));
        }
        number.routes.voice_region = region.to_string();
    }
    if let Some(name) = param(&pairs, "FriendlyName") {
        number.routes.friendly_name = Some(friendly_name(name)?.to_string());
    }
    number.routes.date_updated = Utc::now();
    Ok(json(StatusCode::OK, &route_body(&call.shared, number)))
}
