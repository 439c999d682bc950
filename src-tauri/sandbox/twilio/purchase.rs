//! Buying a number (`POST IncomingPhoneNumbers.json`, or a typed path), by number or by area
//! code, and the configuration parameters that purchase and update share.

use chrono::Utc;

use super::inventory::{self, NumberType};
use super::state::TwilioNumber;
use super::wire::{self, param, parse_pairs, Pairs};
use super::{bad_request, friendly_name, json_bytes, Call, Reply};
use axum::body::Body;
use axum::http::{Response, StatusCode};

/// Buys the number the form names (`PhoneNumber`), or the first on sale in an area code
/// (`AreaCode`, US and Canada, untyped path only), configured as the form says.
pub(super) fn purchase(
    call: &Call,
    account_sid: &str,
    body: &[u8],
    kind: Option<NumberType>,
) -> Reply {
    let pairs = parse_pairs(body);
    let shared = &call.shared;
    let mut world = shared.write();
    let caller = call.caller_for(&world, account_sid)?;
    let number = match (param(&pairs, "PhoneNumber"), param(&pairs, "AreaCode")) {
        (Some(phone_number), _) => {
            let phone_number = phone_number.trim();
            if !wire::is_plus_digits(phone_number) {
                return Err(bad_request(
                    21421,
                    format!("PhoneNumber {phone_number} is invalid"),
                ));
            }
            shared
                .inventory
                .get(phone_number)
                .filter(|number| {
                    !world.taken.contains(&number.e164)
                        && kind.map_or(true, |kind| kind == number.kind)
                })
                .ok_or_else(|| {
                    bad_request(
                        21422,
                        format!("PhoneNumber {phone_number} is not available"),
                    )
                })?
        }
        (None, Some(area_code)) => {
            if kind.is_some() {
                return Err(bad_request(
                    21457,
                    "AreaCode is not supported for this resource; use PhoneNumber".to_string(),
                ));
            }
            if !inventory::is_nanp_area_code(area_code) {
                return Err(bad_request(
                    21451,
                    format!("Invalid area code: {area_code}"),
                ));
            }
            ["US", "CA"]
                .into_iter()
                .find_map(|iso| {
                    shared
                        .inventory
                        .candidates(iso, NumberType::Local, Some(area_code))
                        .find(|number| !world.taken.contains(&number.e164))
                })
                .ok_or_else(|| {
                    bad_request(
                        21452,
                        format!("No phone numbers found in area code {area_code}"),
                    )
                })?
        }
        (None, None) => {
            return Err(bad_request(
                21421,
                "A PhoneNumber or AreaCode is required to purchase a number".to_string(),
            ))
        }
    };
    // A number whose country asks for an address is sold only with one of the account's own.
    let requirement = number.address_requirements();
    if requirement != "none" {
        let addresses = &world.twilio[caller.account].addresses;
        let fits = param(&pairs, "AddressSid")
            .and_then(|sid| addresses.iter().find(|a| a.sid == sid.trim()));
        match fits {
            None => {
                return Err(bad_request(
                    21631,
                    format!(
                        "Phone Number Requires an Address: {} can only be bought with an AddressSid of this account",
                        number.e164
                    ),
                ))
            }
            Some(address) if requirement == "local" && address.iso_country != number.country => {
                return Err(bad_request(
                    21631,
                    format!(
                        "Phone Number Requires a Local Address: {} needs an address in {}",
                        number.e164, number.country
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    // A number whose country and type have a regulation is sold only with one of the
    // account's bundles, approved for that regulation; anything else is 21649.
    if let Some(regulation) = number.regulation() {
        let bundles = &world.twilio[caller.account].bundles;
        let refuse = |why: String| Err(bad_request(21649, why));
        match param(&pairs, "BundleSid").map(str::trim) {
            None | Some("") => {
                return refuse(format!(
                    "Phone Number Requires a Bundle: {} ({}) can only be bought with an approved BundleSid",
                    number.e164, regulation.friendly_name
                ))
            }
            Some(sid) => match bundles.iter().find(|b| b.sid == sid) {
                None => {
                    return refuse(format!(
                        "Bundle {sid} does not exist for this account"
                    ))
                }
                Some(bundle) if bundle.regulation_sid != regulation.sid => {
                    return refuse(format!(
                        "Bundle {sid} is not valid for this phone number: {} needs a bundle for {}",
                        number.e164, regulation.friendly_name
                    ))
                }
                Some(bundle) if !bundle.approved() => {
                    return refuse(format!(
                        "Bundle {sid} status is not twilio-approved (it is {})",
                        bundle.status
                    ))
                }
                Some(_) => {}
            },
        }
    }
    // A trial account may own one number; Twilio refuses a second with 21404.
    let buyer = &world.twilio[caller.account];
    if buyer.kind == "Trial" && !buyer.numbers.is_empty() {
        return Err(bad_request(
            21404,
            "Inbound phone number not available to trial account: a trial account may own one number; upgrade the account to buy more".to_string(),
        ));
    }
    let mut record = world.prepare_twilio(caller.account, number, Utc::now());
    // The configuration is checked before anything is bought.
    apply_config(&mut record, &pairs)?;
    let mut reply = serde_json::to_value(&record).unwrap_or_default();
    if kind.is_some() {
        // The typed paths' schema has no `type` field.
        if let Some(object) = reply.as_object_mut() {
            object.remove("type");
        }
    }
    let body = serde_json::to_vec(&reply).unwrap_or_default();
    world.commit_twilio(caller.account, record);
    Ok(json_bytes(StatusCode::CREATED, body))
}

/// Applies the optional configuration parameters of purchase and update. Sending a parameter
/// overwrites the setting; leaving it out keeps it.
pub(super) fn apply_config(number: &mut TwilioNumber, pairs: &Pairs) -> Result<(), Response<Body>> {
    for (key, value) in pairs {
        match key.as_str() {
            "FriendlyName" => number.friendly_name = friendly_name(value)?.to_string(),
            "ApiVersion" => number.api_version = value.clone(),
            "VoiceUrl" => number.voice_url = value.clone(),
            "VoiceMethod" => number.voice_method = http_method(key, value)?,
            "VoiceFallbackUrl" => number.voice_fallback_url = value.clone(),
            "VoiceFallbackMethod" => number.voice_fallback_method = http_method(key, value)?,
            "VoiceCallerIdLookup" => {
                number.voice_caller_id_lookup = value.eq_ignore_ascii_case("true")
            }
            "VoiceApplicationSid" => {
                number.voice_application_sid = sid_value(key, value, "AP")?;
                if number.voice_application_sid.is_some() {
                    number.trunk_sid = None;
                }
            }
            "TrunkSid" => {
                number.trunk_sid = sid_value(key, value, "TK")?;
                if number.trunk_sid.is_some() {
                    number.voice_application_sid = None;
                }
            }
            "VoiceReceiveMode" => {
                number.voice_receive_mode = match value.as_str() {
                    "voice" => "voice",
                    "fax" => "fax",
                    _ => return Err(invalid_parameter(key, value)),
                }
            }
            "SmsUrl" => number.sms_url = value.clone(),
            "SmsMethod" => number.sms_method = http_method(key, value)?,
            "SmsFallbackUrl" => number.sms_fallback_url = value.clone(),
            "SmsFallbackMethod" => number.sms_fallback_method = http_method(key, value)?,
            "SmsApplicationSid" => number.sms_application_sid = sid_value(key, value, "AP")?,
            "StatusCallback" => number.status_callback = value.clone(),
            "StatusCallbackMethod" => number.status_callback_method = http_method(key, value)?,
            "EmergencyStatus" => {
                number.emergency_status = match value.as_str() {
                    "Active" => "Active",
                    "Inactive" => "Inactive",
                    _ => return Err(invalid_parameter(key, value)),
                }
            }
            "EmergencyAddressSid" => number.emergency_address_sid = sid_value(key, value, "AD")?,
            "AddressSid" => number.address_sid = sid_value(key, value, "AD")?,
            "IdentitySid" => number.identity_sid = sid_value(key, value, "RI")?,
            "BundleSid" => number.bundle_sid = sid_value(key, value, "BU")?,
            _ => {}
        }
    }
    Ok(())
}

fn invalid_parameter(key: &str, value: &str) -> Response<Body> {
    bad_request(20001, format!("Invalid {key}: {value}"))
}

fn http_method(key: &str, value: &str) -> Result<String, Response<Body>> {
    match value.to_ascii_uppercase().as_str() {
        "GET" => Ok("GET".to_string()),
        "POST" => Ok("POST".to_string()),
        _ => Err(invalid_parameter(key, value)),
    }
}

/// A SID parameter: empty clears it, otherwise it must be `<prefix>` + 32 hex digits.
fn sid_value(key: &str, value: &str, prefix: &str) -> Result<Option<String>, Response<Body>> {
    if value.is_empty() {
        return Ok(None);
    }
    let well_formed = value.len() == 34
        && value.starts_with(prefix)
        && value[2..].bytes().all(|byte| byte.is_ascii_hexdigit());
    if well_formed {
        Ok(Some(value.to_string()))
    } else {
        Err(invalid_parameter(key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_checked_by_prefix_and_length() {
        assert_eq!(sid_value("X", "", "AP").ok(), Some(None));
        assert!(sid_value("X", "AP0123456789abcdef0123456789abcdef", "AP").is_ok());
        assert!(sid_value("X", "TK0123456789abcdef0123456789abcdef", "AP").is_err());
    }
}
