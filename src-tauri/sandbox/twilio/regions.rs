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

// ---------------------------------------------------------------------------------------------
// An incoming call, routed as Twilio routes it

/// Where Twilio sent an incoming call to one of the sandbox's numbers: to the configuration of
/// the number's inbound processing region, and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoutedCall {
    pub to: String,
    pub account_sid: String,
    /// The number's inbound processing region (Routes v2), whose configuration was used.
    pub region: String,
    /// `trunk`, `application`, `voice_url`, or `nothing` (no configuration in that region:
    /// the caller hears an error and the call ends).
    pub target: String,
    /// The webhook asked for the call's instructions (`target` `voice_url`).
    pub url: Option<String>,
    pub method: Option<String>,
    /// The webhook's HTTP status, when it was fetched (loopback URLs only).
    pub webhook_status: Option<u16>,
    /// What happened, in a sentence.
    pub detail: String,
}

/// Routes an incoming call to `to`; `None` when no account owns that number.
pub(crate) fn route_call(shared: &Shared, to: &str) -> Option<RoutedCall> {
    let world = shared.read();
    let number = world.twilio.iter().find_map(|account| {
        account
            .by_e164
            .get(to.trim())
            .and_then(|seq| account.numbers.get(seq))
    })?;
    let (region, config) = number.call_routing();
    let (target, url, method, detail) = if let Some(trunk) = config.trunk_sid.clone() {
        let detail = format!("sent to SIP trunk {trunk} by the {region} configuration");
        ("trunk", None, None, detail)
    } else if let Some(app) = config.voice_application_sid.clone() {
        let detail = format!("sent to TwiML application {app} by the {region} configuration");
        ("application", None, None, detail)
    } else if !config.voice_url.is_empty() {
        let detail = format!("{region} asked {} for instructions", config.voice_url);
        (
            "voice_url",
            Some(config.voice_url.clone()),
            Some(config.voice_method.clone()),
            detail,
        )
    } else {
        let detail =
            format!("the number has no voice configuration in {region}, its processing region");
        ("nothing", None, None, detail)
    };
    Some(RoutedCall {
        to: number.phone_number.clone(),
        account_sid: number.account_sid.clone(),
        region,
        target: target.to_string(),
        url,
        method,
        webhook_status: None,
        detail,
    })
}

/// Asks the call's webhook for instructions as Twilio would (a form with the call's details),
/// when the webhook is on this computer; any other host is left alone.
pub(crate) async fn fetch_webhook(mut call: RoutedCall, from: &str) -> RoutedCall {
    let Some(url) = call.url.clone() else {
        return call;
    };
    let loopback = reqwest::Url::parse(&url).ok().is_some_and(|parsed| {
        matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    });
    if !loopback {
        return call;
    }
    let form = [
        ("AccountSid", call.account_sid.clone()),
        ("To", call.to.clone()),
        ("From", from.to_string()),
        ("Direction", "inbound".to_string()),
        ("CallStatus", "ringing".to_string()),
        ("ApiVersion", "2010-04-01".to_string()),
    ];
    let client = reqwest::Client::new();
    let request = if call.method.as_deref() == Some("GET") {
        client.get(&url).query(&form)
    } else {
        client.post(&url).form(&form)
    };
    match request
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
    {
        Ok(response) => call.webhook_status = Some(response.status().as_u16()),
        Err(error) => call.detail = format!("{}; the webhook did not answer: {error}", call.detail),
    }
    call
}
