//! Numbers v2 regulatory compliance (`numbers.twilio.com/v2/RegulatoryCompliance`): the
//! Regulations a country's numbers are sold under, and the account's Bundles, which a number
//! with a regulation is bought with (`BundleSid`). Lists page as Numbers v2 does, with a `meta`
//! object instead of 2010-04-01's paging fields; the sandbox's lists fit in one page.

use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{Response, StatusCode};
use serde_json::{json as value, Value};

use super::state::{Shared, TwilioBundle};
use super::wire::{param, query_pairs, Pairs};
use super::{bad_request, json, page_size, Call, Reply};
use crate::sandbox::inventory::{NumberType, Regulation, REGULATIONS};

/// `number_type` as the regulatory resources write it: `local`, `mobile`, `national` or
/// `toll free` (the hyphenated `toll-free` is read too).
fn number_type(text: &str) -> Option<NumberType> {
    match text {
        "toll-free" | "toll free" => Some(NumberType::TollFree),
        other => NumberType::ALL
            .into_iter()
            .find(|kind| kind.twilio_pricing_name() == other),
    }
}

/// The filters both lists share: `IsoCountry`, `NumberType` and `EndUserType`. An unknown
/// number type or end-user type is Twilio's 400, not an empty list.
struct Filters<'a> {
    iso_country: Option<&'a str>,
    number_type: Option<NumberType>,
    end_user_type: Option<&'a str>,
}

fn filters(pairs: &Pairs) -> Result<Filters<'_>, Response<Body>> {
    let number_type = match param(pairs, "NumberType") {
        None => None,
        Some(text) => Some(number_type(text).ok_or_else(|| {
            bad_request(
                22200,
                format!("Invalid End-User Type or Number Type: {text} is not a number type"),
            )
        })?),
    };
    let end_user_type = param(pairs, "EndUserType");
    if let Some(text) = end_user_type {
        if !matches!(text, "business" | "individual") {
            return Err(bad_request(
                22200,
                format!("Invalid End-User Type or Number Type: {text} is not an end-user type"),
            ));
        }
    }
    Ok(Filters {
        iso_country: param(pairs, "IsoCountry"),
        number_type,
        end_user_type,
    })
}

impl Filters<'_> {
    fn admits(&self, iso_country: &str, number_type: NumberType) -> bool {
        self.iso_country.map_or(true, |iso| iso == iso_country)
            && self.number_type.map_or(true, |kind| kind == number_type)
            // Every regulation and bundle here is for a business end user.
            && self.end_user_type.map_or(true, |kind| kind == "business")
    }
}

/// Numbers v2's list page: `{<key>: [...], meta: {...}}`.
fn page(shared: &Shared, path: &str, key: &str, size: usize, items: Vec<Value>) -> Value {
    let url = format!(
        "{}/v2/RegulatoryCompliance/{path}?PageSize={size}&Page=0",
        shared.base.twilio_numbers
    );
    value!({
        key: items,
        "meta": {
            "page": 0,
            "page_size": size,
            "first_page_url": url,
            "previous_page_url": null,
            "url": url,
            "next_page_url": null,
            "key": key,
        }
    })
}

fn regulation_body(shared: &Shared, regulation: &Regulation) -> Value {
    value!({
        "sid": regulation.sid,
        "friendly_name": regulation.friendly_name,
        "iso_country": regulation.iso_country,
        "number_type": regulation.number_type.twilio_pricing_name(),
        "end_user_type": "business",
        "requirements": {
            "end_user": [{"name": "Business", "type": "business", "requirement_name": "business_info"}],
            "supporting_document": [[{"name": "Proof of address", "type": "document",
                                       "requirement_name": "proof_of_address"}]],
        },
        "url": format!("{}/v2/RegulatoryCompliance/Regulations/{}",
                       shared.base.twilio_numbers, regulation.sid),
    })
}

fn bundle_body(shared: &Shared, bundle: &TwilioBundle) -> Value {
    let url = format!(
        "{}/v2/RegulatoryCompliance/Bundles/{}",
        shared.base.twilio_numbers, bundle.sid
    );
    let mut body = serde_json::to_value(bundle).unwrap_or_default();
    if let Some(object) = body.as_object_mut() {
        object.insert(
            "links".into(),
            value!({
                "evaluations": format!("{url}/Evaluations"),
                "item_assignments": format!("{url}/ItemAssignments"),
                "bundle_copies": format!("{url}/Copies"),
            }),
        );
        object.insert("url".into(), url.into());
    }
    body
}

/// `GET /v2/RegulatoryCompliance/Regulations`: what a country asks of a buyer, per type.
pub(super) async fn list_regulations(call: Call, RawQuery(query): RawQuery) -> Reply {
    let world = call.shared.read();
    call.active_caller(&world)?;
    let pairs = query_pairs(query.as_deref());
    let size = page_size(&pairs)?;
    let filters = filters(&pairs)?;
    let results = REGULATIONS
        .iter()
        .filter(|r| filters.admits(r.iso_country, r.number_type))
        .take(size)
        .map(|r| regulation_body(&call.shared, r))
        .collect();
    Ok(json(
        StatusCode::OK,
        &page(&call.shared, "Regulations", "results", size, results),
    ))
}

/// `GET /v2/RegulatoryCompliance/Bundles`: the account's bundles, filtered by `Status`,
/// `IsoCountry`, `NumberType`, `EndUserType` and `RegulationSid`.
pub(super) async fn list_bundles(call: Call, RawQuery(query): RawQuery) -> Reply {
    let world = call.shared.read();
    let caller = call.active_caller(&world)?;
    let pairs = query_pairs(query.as_deref());
    let size = page_size(&pairs)?;
    let filters = filters(&pairs)?;
    let status = param(&pairs, "Status");
    if let Some(text) = status {
        const STATUSES: [&str; 6] = [
            "draft",
            "pending-review",
            "in-review",
            "twilio-rejected",
            "twilio-approved",
            "provisionally-approved",
        ];
        if !STATUSES.contains(&text) {
            return Err(bad_request(
                22203,
                format!("Unable to parse bundle status: {text}"),
            ));
        }
    }
    let regulation = param(&pairs, "RegulationSid");
    let results = world.twilio[caller.account]
        .bundles
        .iter()
        .filter(|b| filters.admits(b.iso_country, b.number_type))
        .filter(|b| status.map_or(true, |s| s == b.status))
        .filter(|b| regulation.map_or(true, |r| r == b.regulation_sid))
        .take(size)
        .map(|b| bundle_body(&call.shared, b))
        .collect();
    Ok(json(
        StatusCode::OK,
        &page(&call.shared, "Bundles", "results", size, results),
    ))
}
