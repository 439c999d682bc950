//! Telnyx's regulatory requirements for number orders: the catalogue of what a country asks
//! for before its numbers are ordered (`GET /requirements`), and each account's requirement
//! groups, the filled-in answers an order line names with `requirement_group_id`
//! (`GET /requirement_groups`). An order line without an approved group for its country and
//! type stays `pending` with `requirements_met: false` (see `orders.rs`).

use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{Response, StatusCode};
use serde::Serialize;
use serde_json::{json, Value};

use super::inventory::NumberType;
use super::state::{iso8601, seed_epoch};
use super::wire::{param, query_pairs};
use super::{bad_parameter, json_response, page_of, page_params, Caller, Reply};
use chrono::Duration as ChronoDuration;

/// One entry of Telnyx's requirement catalogue: a country (and type, or every type when
/// `phone_number_type` is `None`) whose numbers are ordered only with it met.
#[derive(Debug)]
pub(crate) struct Requirement {
    pub id: &'static str,
    pub country_code: &'static str,
    pub phone_number_type: Option<NumberType>,
    /// The one requirement type it asks for: `(id, name, field type, description)`.
    pub asks: (&'static str, &'static str, &'static str, &'static str),
}

/// The countries the sandbox regulates at Telnyx: German local numbers need an address in
/// Germany; every Australian number needs an Australian address. (Telnyx's requirement filter
/// knows only `local`, `national` and `toll_free`; a requirement for every type leaves the
/// type blank.)
pub(crate) static REQUIREMENTS: [Requirement; 2] = [
    Requirement {
        id: "2f6e7c1a-5b0d-4c3e-9a41-7d2be0c4de01",
        country_code: "DE",
        phone_number_type: Some(NumberType::Local),
        asks: (
            "4b1d2e33-8c7a-4f10-b6e2-1c9a0d5e7f02",
            "Address in Germany",
            "address",
            "An address in the local area of the number, where its user lives or works",
        ),
    },
    Requirement {
        id: "8a3c9e57-0f24-4d6b-8e13-5b7a2c6d9f03",
        country_code: "AU",
        phone_number_type: None,
        asks: (
            "c7e0a4b9-2d58-4e7f-a316-9f0b1e2d3c04",
            "Australian address",
            "address",
            "A street address in Australia of the business or person who will use the number",
        ),
    },
];

/// What Telnyx asks before ordering a number of this country and type, if anything.
pub(crate) fn requirement_for(country: &str, kind: NumberType) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| {
        r.country_code == country && r.phone_number_type.map_or(true, |only| only == kind)
    })
}

impl Requirement {
    fn to_json(&self) -> Value {
        let at = iso8601(seed_epoch() - ChronoDuration::days(400));
        let (type_id, name, field_type, description) = self.asks;
        let mut item = json!({
            "id": self.id,
            "record_type": "requirement",
            "action": "ordering",
            "country_code": self.country_code,
            "version": 1,
            "requirement_types": [{
                "id": type_id,
                "record_type": "requirement_type",
                "name": name,
                "type": field_type,
                "description": description,
                "example": "Friedrichstraße 43, 10117 Berlin",
                "acceptance_criteria": {
                    "acceptable_characters": "",
                    "acceptable_values": [],
                    "locality_limit": format!("An address in {}", self.country_code),
                    "max_length": 200,
                    "min_length": 10,
                    "time_limit": "",
                },
                "created_at": at,
                "updated_at": at,
            }],
            "created_at": at,
            "updated_at": at,
            "effective_start_at": at,
            "effective_end_at": null,
        });
        // A requirement for every type of number leaves the type out (the enum has no blank),
        // and one for the whole country has no locality.
        if let Some(kind) = self.phone_number_type {
            item["phone_number_type"] = kind.as_str().into();
        }
        item
    }
}

/// One filled-in answer of a requirement group.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UserRequirement {
    pub requirement_id: &'static str,
    pub field_type: &'static str,
    pub field_value: String,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: String,
}

/// A requirement group, as `GET /requirement_groups` returns it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RequirementGroup {
    pub id: String,
    pub record_type: &'static str,
    pub action: &'static str,
    pub country_code: &'static str,
    pub phone_number_type: &'static str,
    pub customer_reference: String,
    /// `approved`, `unapproved`, `pending-approval`, `declined` or `expired`; only an approved
    /// one meets an order's requirements.
    pub status: &'static str,
    pub regulatory_requirements: Vec<UserRequirement>,
    pub created_at: String,
    pub updated_at: String,
}

impl RequirementGroup {
    pub fn approved(&self) -> bool {
        self.status == "approved"
    }

    /// Whether it was made for numbers of this country and type.
    pub fn covers(&self, country: &str, kind: NumberType) -> bool {
        self.country_code == country && self.phone_number_type == kind.as_str()
    }

    /// The groups every sandbox account has: approved ones for German and Australian local
    /// numbers, and one for Australian mobiles still pending approval. Their ids are fixed by
    /// the account's position, so seeding them draws nothing from the seeded generator.
    pub fn seeded(index: usize) -> Vec<RequirementGroup> {
        let at = iso8601(seed_epoch() - ChronoDuration::days(200));
        [
            (1, "DE", NumberType::Local, "Berlin office", "approved"),
            (2, "AU", NumberType::Local, "Sydney office", "approved"),
            (
                3,
                "AU",
                NumberType::Mobile,
                "Sydney mobiles",
                "pending-approval",
            ),
        ]
        .into_iter()
        .filter_map(|(tag, country, kind, name, status)| {
            let requirement = requirement_for(country, kind)?;
            Some(RequirementGroup {
                id: format!("6f1d0c2e-{index:04x}-4a5b-9c7d-{tag:012x}"),
                record_type: "requirement_group",
                action: "ordering",
                country_code: country,
                phone_number_type: kind.as_str(),
                customer_reference: name.to_string(),
                status,
                regulatory_requirements: vec![UserRequirement {
                    requirement_id: requirement.asks.0,
                    field_type: requirement.asks.2,
                    field_value: format!("{name}, {country}"),
                    status,
                    created_at: at.clone(),
                    updated_at: at.clone(),
                    expires_at: iso8601(seed_epoch() + ChronoDuration::days(3 * 365)),
                }],
                created_at: at.clone(),
                updated_at: at.clone(),
            })
        })
        .collect()
    }
}

/// A `filter[...]` value that must be one of `allowed`.
fn one_of<'a>(
    pairs: &'a super::wire::Pairs,
    name: &str,
    allowed: &[&str],
) -> Result<Option<&'a str>, Response<Body>> {
    match param(pairs, name) {
        Some(value) if !allowed.contains(&value) => Err(bad_parameter(
            name,
            &format!("{name} must be one of {}", allowed.join(", ")),
        )),
        other => Ok(other),
    }
}

/// `GET /requirements`: the catalogue, by country, type and action.
pub(super) async fn list_requirements(RawQuery(query): RawQuery, _caller: Caller) -> Reply {
    let pairs = query_pairs(query.as_deref());
    let (number, size) = page_params(&pairs, 20)?;
    let country = param(&pairs, "filter[country_code]");
    let kind = one_of(
        &pairs,
        "filter[phone_number_type]",
        &["local", "national", "toll_free"],
    )?;
    let action = one_of(
        &pairs,
        "filter[action]",
        &["branded_calling", "ordering", "porting"],
    )?;
    let found: Vec<Value> = REQUIREMENTS
        .iter()
        .filter(|r| country.map_or(true, |c| r.country_code.eq_ignore_ascii_case(c)))
        .filter(|r| {
            kind.map_or(true, |k| {
                r.phone_number_type.map_or(true, |only| only.as_str() == k)
            })
        })
        .filter(|_| action.map_or(true, |a| a == "ordering"))
        .map(Requirement::to_json)
        .collect();
    Ok(page_of(&found, number, size))
}

/// `GET /requirement_groups`: the account's groups. Telnyx answers with a bare array.
pub(super) async fn list_requirement_groups(RawQuery(query): RawQuery, caller: Caller) -> Reply {
    let pairs = query_pairs(query.as_deref());
    let country = param(&pairs, "filter[country_code]");
    let kind = one_of(
        &pairs,
        "filter[phone_number_type]",
        &["local", "toll_free", "mobile", "national", "shared_cost"],
    )?;
    let action = one_of(&pairs, "filter[action]", &["ordering", "porting", "action"])?;
    let status = one_of(
        &pairs,
        "filter[status]",
        &[
            "approved",
            "unapproved",
            "pending-approval",
            "declined",
            "expired",
        ],
    )?;
    let reference = param(&pairs, "filter[customer_reference]");
    let world = caller.shared.read();
    let groups: Vec<&RequirementGroup> = world.telnyx[caller.account]
        .requirement_groups
        .iter()
        .filter(|g| country.map_or(true, |c| g.country_code.eq_ignore_ascii_case(c)))
        .filter(|g| kind.map_or(true, |k| g.phone_number_type == k))
        .filter(|g| action.map_or(true, |a| g.action == a))
        .filter(|g| status.map_or(true, |s| g.status == s))
        .filter(|g| reference.map_or(true, |r| g.customer_reference == r))
        .collect();
    Ok(json_response(StatusCode::OK, &groups))
}
