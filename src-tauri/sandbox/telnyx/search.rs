//! Number search (`GET /available_phone_numbers`) with Telnyx's `filter[...]` parameters: country,
//! type, national destination code, digit patterns, features, quickship, reservable, place.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use super::inventory::{self, AvailableNumber, NumberType};
use super::wire::{self, param, query_pairs, same_text};
use super::{bad_parameter, bool_filter, json_response, missing, Caller, Reply, Source};

#[derive(Serialize)]
struct RegionInformation {
    region_type: &'static str,
    region_name: String,
}

#[derive(Serialize)]
struct CostInformation {
    upfront_cost: String,
    monthly_cost: String,
    currency: &'static str,
}

#[derive(Serialize)]
struct Feature {
    name: &'static str,
}

#[derive(Serialize)]
struct AvailableItem<'a> {
    record_type: &'static str,
    phone_number: &'a str,
    vanity_format: &'static str,
    best_effort: bool,
    quickship: bool,
    reservable: bool,
    region_information: Vec<RegionInformation>,
    cost_information: CostInformation,
    features: Vec<Feature>,
}

/// Telnyx feature names of a number.
fn features_of(number: &AvailableNumber) -> Vec<&'static str> {
    let caps = number.capabilities;
    let mut names = Vec::new();
    if caps.sms {
        names.push("sms");
        names.push("international_sms");
    }
    if caps.mms {
        names.push("mms");
    }
    if caps.voice {
        names.push("voice");
        names.push("hd_voice");
    }
    if caps.fax {
        names.push("fax");
    }
    if matches!(number.country, "US" | "CA") && number.kind == NumberType::Local {
        names.push("emergency");
        names.push("local_calling");
    }
    names
}

fn is_quickship(number: &AvailableNumber) -> bool {
    number.kind != NumberType::TollFree || number.area.ndc != "800"
}

fn is_reservable(number: &AvailableNumber) -> bool {
    matches!(number.country, "US" | "CA") && number.kind == NumberType::Local
}

/// A `filter[phone_number][...]` pattern: digits, or letters standing for keypad digits.
fn pattern_digits(pattern: &str) -> Option<String> {
    pattern
        .chars()
        .map(|c| {
            let digit = u8::try_from(c).map_or(c, |byte| char::from(wire::keypad_digit(byte)));
            digit.is_ascii_digit().then_some(digit)
        })
        .collect()
}

pub(super) async fn search_available(RawQuery(query): RawQuery, caller: Caller) -> Reply {
    let shared = &caller.shared;
    let world = shared.read();
    let pairs = query_pairs(query.as_deref());
    let iso = param(&pairs, "filter[country_code]").ok_or_else(|| {
        missing(
            StatusCode::BAD_REQUEST,
            "filter[country_code] is required.",
            Source::Parameter("filter[country_code]"),
        )
    })?;
    let country = shared
        .inventory
        .country(&iso.to_ascii_uppercase())
        .ok_or_else(|| {
            bad_parameter(
                "filter[country_code]",
                &format!("Phone numbers in {iso} are not available for search."),
            )
        })?;
    let kinds: Vec<NumberType> = match param(&pairs, "filter[phone_number_type]") {
        None => shared.inventory.types_in(country.iso),
        Some(name) => match NumberType::from_name(name) {
            Some(kind) => vec![kind],
            None if name == "shared_cost" => Vec::new(),
            None => {
                return Err(bad_parameter(
                    "filter[phone_number_type]",
                    "filter[phone_number_type] must be one of local, toll_free, mobile, national, shared_cost",
                ))
            }
        },
    };
    let ndc = param(&pairs, "filter[national_destination_code]");
    if let Some(ndc) = ndc {
        let valid = if country.calling_code == "1" {
            inventory::is_nanp_area_code(ndc)
        } else {
            !ndc.is_empty() && ndc.len() <= 5 && ndc.bytes().all(|byte| byte.is_ascii_digit())
        };
        if !valid {
            return Err(bad_parameter(
                "filter[national_destination_code]",
                &format!(
                    "{ndc} is not a valid national destination code for {}.",
                    country.iso
                ),
            ));
        }
    }
    let mut patterns = Vec::new();
    for (name, anchor) in [
        ("filter[phone_number][starts_with]", Anchor::Start),
        ("filter[phone_number][contains]", Anchor::Anywhere),
        ("filter[phone_number][ends_with]", Anchor::End),
    ] {
        if let Some(value) = param(&pairs, name) {
            match pattern_digits(value) {
                Some(digits) if !digits.is_empty() => patterns.push((digits, anchor)),
                // Wildcards and other characters match nothing, as the docs say.
                _ => patterns.push((String::from("x"), anchor)),
            }
        }
    }
    let mut wanted_features: Vec<String> = Vec::new();
    for (key, value) in &pairs {
        if key == "filter[features]" || key == "filter[features][]" {
            wanted_features.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_string),
            );
        }
    }
    let limit = match param(&pairs, "filter[limit]") {
        None => 50,
        Some(value) => match value.parse::<usize>() {
            Ok(limit) if limit >= 1 => limit.min(1000),
            _ => {
                return Err(bad_parameter(
                    "filter[limit]",
                    "filter[limit] must be a positive integer",
                ))
            }
        },
    };
    let quickship = bool_filter(&pairs, "filter[quickship]")?;
    let reservable = bool_filter(&pairs, "filter[reservable]")?;
    let locality = param(&pairs, "filter[locality]");
    let administrative_area = param(&pairs, "filter[administrative_area]");
    let rate_center = param(&pairs, "filter[rate_center]");

    let accepts = |number: &AvailableNumber| -> bool {
        if world.taken.contains(&number.e164) {
            return false;
        }
        let national = &number.e164[1 + country.calling_code.len()..];
        // With an NDC filter, the patterns apply to what follows the NDC.
        let subject = match ndc {
            Some(ndc) => national.strip_prefix(ndc).unwrap_or(national),
            None => national,
        };
        let features = features_of(number);
        patterns.iter().all(|(digits, anchor)| match anchor {
            Anchor::Start => subject.starts_with(digits.as_str()),
            Anchor::Anywhere => subject.contains(digits.as_str()),
            Anchor::End => subject.ends_with(digits.as_str()),
        }) && wanted_features
            .iter()
            .all(|wanted| features.contains(&wanted.as_str()))
            && quickship.map_or(true, |wanted| is_quickship(number) == wanted)
            && reservable.map_or(true, |wanted| is_reservable(number) == wanted)
            && same_text(locality, number.area.locality)
            && same_text(administrative_area, number.area.region)
            && same_text(rate_center, number.area.rate_center)
    };
    let items: Vec<AvailableItem> = kinds
        .iter()
        .flat_map(|kind| shared.inventory.candidates(country.iso, *kind, ndc))
        .filter(|number| accepts(number))
        .take(limit)
        .map(|number| {
            let mut region_information = vec![RegionInformation {
                region_type: "country_code",
                region_name: number.country.to_string(),
            }];
            if let Some(rate_center) = number.area.rate_center {
                region_information.push(RegionInformation {
                    region_type: "rate_center",
                    region_name: rate_center.to_string(),
                });
            }
            if let Some(region) = number.area.region {
                region_information.push(RegionInformation {
                    region_type: "state",
                    region_name: region.to_string(),
                });
            }
            if let Some(locality) = number.area.locality {
                region_information.push(RegionInformation {
                    region_type: "location",
                    region_name: locality.to_string(),
                });
            }
            AvailableItem {
                record_type: "available_phone_number",
                phone_number: &number.e164,
                vanity_format: "",
                best_effort: false,
                quickship: is_quickship(number),
                reservable: is_reservable(number),
                region_information,
                cost_information: CostInformation {
                    upfront_cost: inventory::format_cents(number.upfront_cents),
                    monthly_cost: inventory::format_cents(number.monthly_cents),
                    currency: "USD",
                },
                features: features_of(number)
                    .into_iter()
                    .map(|name| Feature { name })
                    .collect(),
            }
        })
        .collect();
    let meta = json!({ "total_results": items.len(), "best_effort_results": 0 });
    Ok(json_response(
        StatusCode::OK,
        &json!({ "data": items, "meta": meta, "metadata": meta }),
    ))
}

#[derive(Clone, Copy)]
enum Anchor {
    Start,
    Anywhere,
    End,
}
