//! AvailablePhoneNumbers: the countries with numbers on sale, one country's number types, and
//! the search of one type with Twilio's filters, `Contains` patterns (letters as keypad digits,
//! `*` and `%` wildcards) included.

use axum::body::Body;
use axum::extract::{Path, RawQuery};
use axum::http::{Response, StatusCode};
use serde::Serialize;

use super::inventory::{self, AvailableNumber, NumberType};
use super::state::{Shared, TwilioCapabilities};
use super::wire::{self, param, query_pairs, same_text, Pairs};
use super::{
    bad_request, bool_param, encode_query, json, page_size, relative_path, Call, PageLinks, Reply,
};

#[derive(Serialize)]
struct CountryBody {
    country_code: &'static str,
    country: &'static str,
    uri: String,
    beta: bool,
    subresource_uris: serde_json::Value,
}

fn country_body(shared: &Shared, account_sid: &str, iso: &'static str) -> Option<CountryBody> {
    let country = shared.inventory.country(iso)?;
    let base = format!("/2010-04-01/Accounts/{account_sid}/AvailablePhoneNumbers/{iso}");
    let subresource_uris: serde_json::Map<String, serde_json::Value> = shared
        .inventory
        .types_in(iso)
        .into_iter()
        .map(|kind| {
            (
                kind.as_str().to_string(),
                format!("{base}/{}.json", kind.twilio_segment()).into(),
            )
        })
        .collect();
    Some(CountryBody {
        country_code: country.iso,
        country: country.name,
        uri: format!("{base}.json"),
        beta: false,
        subresource_uris: serde_json::Value::Object(subresource_uris),
    })
}

pub(super) async fn list_countries(call: Call, Path(account): Path<String>) -> Reply {
    call.caller_for(&call.shared.read(), &account)?;
    let shared = &call.shared;
    let countries: Vec<CountryBody> = shared
        .inventory
        .countries
        .iter()
        .filter_map(|country| country_body(shared, &account, country.iso))
        .collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "countries": countries,
            "uri": format!("/2010-04-01/Accounts/{account}/AvailablePhoneNumbers.json"),
        }),
    ))
}

pub(super) async fn fetch_country(
    call: Call,
    Path((account, country)): Path<(String, String)>,
) -> Reply {
    call.caller_for(&call.shared.read(), &account)?;
    let iso = call.json_segment(&country)?;
    let shared = &call.shared;
    shared
        .inventory
        .country(iso)
        .and_then(|country| country_body(shared, &account, country.iso))
        .map(|body| json(StatusCode::OK, &body))
        .ok_or_else(|| call.not_found())
}

#[derive(Serialize)]
struct AvailableItem<'a> {
    friendly_name: String,
    phone_number: &'a str,
    lata: Option<&'a str>,
    locality: Option<&'a str>,
    rate_center: Option<&'a str>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    region: Option<&'a str>,
    postal_code: Option<&'a str>,
    iso_country: &'a str,
    address_requirements: &'static str,
    beta: bool,
    capabilities: SearchCapabilities,
}

/// A number on sale's capabilities as Twilio's search sends them: `SMS` and `MMS` upper-case
/// (owned numbers say `sms` and `mms`), which the spec's own description spells so too.
#[derive(Serialize)]
struct SearchCapabilities {
    voice: bool,
    #[serde(rename = "SMS")]
    sms: bool,
    #[serde(rename = "MMS")]
    mms: bool,
    fax: bool,
}

impl From<TwilioCapabilities> for SearchCapabilities {
    fn from(c: TwilioCapabilities) -> SearchCapabilities {
        SearchCapabilities {
            voice: c.voice,
            sms: c.sms,
            mms: c.mms,
            fax: c.fax,
        }
    }
}

#[derive(Serialize)]
struct AvailablePage<'a> {
    available_phone_numbers: Vec<AvailableItem<'a>>,
    #[serde(flatten)]
    links: PageLinks,
}

/// The search filters of `AvailablePhoneNumbers/{Country}/{Type}.json`.
struct SearchFilter {
    area_code: Option<String>,
    contains: Option<String>,
    sms: Option<bool>,
    mms: Option<bool>,
    voice: Option<bool>,
    fax: Option<bool>,
    in_region: Option<String>,
    in_locality: Option<String>,
    in_postal_code: Option<String>,
    in_lata: Option<String>,
    in_rate_center: Option<String>,
}

impl SearchFilter {
    fn parse(pairs: &Pairs, iso: &str) -> Result<SearchFilter, Response<Body>> {
        let area_code = param(pairs, "AreaCode").map(str::to_string);
        if let Some(code) = &area_code {
            if matches!(iso, "US" | "CA") && !inventory::is_nanp_area_code(code) {
                return Err(bad_request(21451, format!("Invalid area code: {code}")));
            }
        }
        let contains = param(pairs, "Contains").map(str::to_string);
        if let Some(pattern) = &contains {
            if !valid_contains(pattern) {
                return Err(bad_request(
                    20001,
                    format!("Invalid Contains pattern: {pattern}"),
                ));
            }
        }
        let in_rate_center = param(pairs, "InRateCenter").map(str::to_string);
        let in_lata = param(pairs, "InLata").map(str::to_string);
        if in_rate_center.is_some() && in_lata.is_none() {
            return Err(bad_request(
                20001,
                "InRateCenter requires InLata".to_string(),
            ));
        }
        Ok(SearchFilter {
            area_code,
            contains,
            sms: bool_param(pairs, "SmsEnabled")?,
            mms: bool_param(pairs, "MmsEnabled")?,
            voice: bool_param(pairs, "VoiceEnabled")?,
            fax: bool_param(pairs, "FaxEnabled")?,
            in_region: param(pairs, "InRegion").map(str::to_string),
            in_locality: param(pairs, "InLocality").map(str::to_string),
            in_postal_code: param(pairs, "InPostalCode").map(str::to_string),
            in_lata,
            in_rate_center,
        })
    }

    fn accepts(&self, number: &AvailableNumber) -> bool {
        let caps = number.capabilities;
        let flag = |wanted: Option<bool>, has: bool| wanted.map_or(true, |wanted| wanted == has);
        let text = |wanted: &Option<String>, has: Option<&str>| same_text(wanted.as_deref(), has);
        flag(self.sms, caps.sms)
            && flag(self.mms, caps.mms)
            && flag(self.voice, caps.voice)
            && flag(self.fax, caps.fax)
            && text(&self.in_region, number.area.region)
            && text(&self.in_locality, number.area.locality)
            && text(&self.in_postal_code, number.area.postal_code)
            && text(&self.in_lata, number.area.lata)
            && text(&self.in_rate_center, number.area.rate_center)
            && self
                .contains
                .as_deref()
                .map_or(true, |pattern| contains_matches(pattern, &number.e164))
    }
}

pub(super) async fn search_available(
    call: Call,
    Path((account, country, kind)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Reply {
    let shared = &call.shared;
    let world = shared.read();
    call.caller_for(&world, &account)?;
    let offered = shared.inventory.country(&country).and_then(|country| {
        let kind = kind
            .strip_suffix(".json")
            .and_then(NumberType::from_twilio_segment)?;
        shared.inventory.offer(country.iso, kind)?;
        Some((country.iso, kind))
    });
    let (iso, kind) = offered.ok_or_else(|| call.not_found())?;
    let pairs = query_pairs(query.as_deref());
    let size = page_size(&pairs)?;
    let filter = SearchFilter::parse(&pairs, iso)?;
    let ndc = if matches!(iso, "US" | "CA") {
        filter.area_code.as_deref()
    } else {
        None
    };
    let items: Vec<AvailableItem> = shared
        .inventory
        .candidates(iso, kind, ndc)
        .filter(|number| !world.taken.contains(&number.e164))
        .filter(|number| filter.accepts(number))
        .take(size)
        .map(|number| AvailableItem {
            friendly_name: number.friendly_name(),
            phone_number: &number.e164,
            lata: number.area.lata,
            locality: number.area.locality,
            rate_center: number.area.rate_center,
            latitude: number.area.latitude,
            longitude: number.area.longitude,
            region: number.area.region,
            postal_code: number.area.postal_code,
            iso_country: number.country,
            address_requirements: number.address_requirements(),
            beta: false,
            capabilities: TwilioCapabilities::from(number.capabilities).into(),
        })
        .collect();
    let path = relative_path(&call.uri).to_string();
    let current = match query.as_deref() {
        Some(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.clone(),
    };
    let first_pairs: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(key, _)| key != "Page" && key != "PageToken" && key != "PageSize")
        .map(|(key, value)| (key.as_str(), value.clone()))
        .chain([("PageSize", size.to_string()), ("Page", "0".to_string())])
        .collect();
    let count = items.len();
    Ok(json(
        StatusCode::OK,
        &AvailablePage {
            available_phone_numbers: items,
            links: PageLinks {
                end: count.saturating_sub(1),
                first_page_uri: format!("{path}?{}", encode_query(&first_pairs)),
                next_page_uri: None,
                page: 0,
                page_size: size,
                previous_page_uri: None,
                start: 0,
                uri: current,
            },
        },
    ))
}

/// Is this a `Contains` pattern Twilio accepts: 2 to 16 of digits, letters, `*` and `%`, with
/// an optional leading `+` and trailing `$`?
fn valid_contains(pattern: &str) -> bool {
    let core = pattern.strip_prefix('+').unwrap_or(pattern);
    let core = core.strip_suffix('$').unwrap_or(core);
    (2..=16).contains(&pattern.len())
        && !core.is_empty()
        && core
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '%')
}

/// Matches Twilio's `Contains`: letters stand for their keypad digits, `*` for one character,
/// `%` for any run; a leading `+` anchors at the start of the E.164, a trailing `$` at the end.
fn contains_matches(pattern: &str, e164: &str) -> bool {
    let anchored_start = pattern.starts_with('+');
    let anchored_end = pattern.ends_with('$');
    let core = pattern.trim_start_matches('+').trim_end_matches('$');
    let mut glob: Vec<u8> = Vec::with_capacity(core.len() + 2);
    if !anchored_start {
        glob.push(b'%');
    }
    glob.extend(core.bytes().map(wire::keypad_digit));
    if !anchored_end {
        glob.push(b'%');
    }
    let digits = e164.trim_start_matches('+').as_bytes();
    glob_matches(&glob, digits)
}

/// Matches digits against a glob of literal digits, `*` (one character) and `%` (any run).
pub(super) fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    // Classic dynamic programming over (glob position, text position); both are short.
    let mut reachable = vec![false; text.len() + 1];
    reachable[0] = true;
    for &token in glob {
        let mut next = vec![false; text.len() + 1];
        for position in 0..=text.len() {
            if !reachable[position] {
                continue;
            }
            match token {
                b'%' => {
                    for later in next.iter_mut().skip(position) {
                        *later = true;
                    }
                }
                b'*' => {
                    if position < text.len() {
                        next[position + 1] = true;
                    }
                }
                literal => {
                    if position < text.len() && text[position] == literal {
                        next[position + 1] = true;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_follows_twilio_patterns() {
        let cases = [
            ("555", "+14155550123", true),
            ("+1415", "+14155550123", true),
            ("+1212", "+14155550123", false),
            ("0123$", "+14155550123", true),
            ("0124$", "+14155550123", false),
            ("41*555", "+14155550123", true),
            ("4%123$", "+14155550123", true),
            ("JKL", "+14155550123", true),
            ("JKM", "+14155550123", false),
            ("JJ", "+14155550123", true),
        ];
        for (pattern, number, expected) in cases {
            assert_eq!(
                contains_matches(pattern, number),
                expected,
                "{pattern} vs {number}"
            );
        }
    }
}
