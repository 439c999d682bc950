//! Owned phone numbers: the list with its filters, sorts and offset paging, fetching one,
//! updating its voice settings and tags, and releasing it.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery};
use axum::http::{Response, StatusCode};
use chrono::Utc;
use serde_json::{Map, Value};

use super::orders::settle_if_pending;
use super::state::{self, remove_telnyx, TelnyxAccount, TelnyxNumber};
use super::wire::{param, query_pairs};
use super::{
    bad_parameter, connection_name, data, invalid_field, json_response, not_found, optional_text,
    page_meta, page_params, parse_body, tags, unexpected_error, Caller, ListBody, Reply,
};

pub(super) async fn list_numbers(RawQuery(query): RawQuery, caller: Caller) -> Reply {
    let pairs = query_pairs(query.as_deref());
    settle_if_pending(&caller);
    let (number, size) = page_params(&pairs, 20)?;
    let world = caller.shared.read();
    let record = &world.telnyx[caller.account];
    let digits = param(&pairs, "filter[phone_number]");
    let status = param(&pairs, "filter[status]");
    let countries: Option<Vec<&str>> =
        param(&pairs, "filter[country_iso_alpha2]").map(|value| value.split(',').collect());
    let connection = param(&pairs, "filter[connection_id]");
    let tag = param(&pairs, "filter[tag]");
    let kind = param(&pairs, "filter[number_type][eq]");
    let reference = param(&pairs, "filter[customer_reference]");
    let filtered = digits.is_some()
        || status.is_some()
        || countries.is_some()
        || connection.is_some()
        || tag.is_some()
        || kind.is_some()
        || reference.is_some();
    let accepts = |candidate: &TelnyxNumber| -> bool {
        digits.map_or(true, |digits| {
            // Non-digits make the filter match nothing, as the spec says.
            digits.bytes().all(|byte| byte.is_ascii_digit())
                && candidate.phone_number[1..].contains(digits)
        }) && status.map_or(true, |status| candidate.status == status)
            && countries.as_ref().map_or(true, |countries| {
                countries.contains(&candidate.country_iso_alpha2.as_str())
            })
            && connection.map_or(true, |connection| {
                candidate.connection_id.as_deref() == Some(connection)
            })
            && tag.map_or(true, |tag| candidate.tags.iter().any(|has| has == tag))
            && kind.map_or(true, |kind| candidate.kind_is(kind))
            && reference.map_or(true, |reference| {
                candidate.customer_reference.as_deref() == Some(reference)
            })
    };
    let start = (number - 1).saturating_mul(size);
    let sort = param(&pairs, "sort");
    let (data, total): (Vec<&TelnyxNumber>, usize) = match sort {
        None => {
            // Newest first, as Telnyx lists by default; walked without sorting or copying.
            let page = record
                .numbers
                .values()
                .rev()
                .filter(|candidate| accepts(candidate))
                .skip(start)
                .take(size)
                .collect();
            let total = if filtered {
                record
                    .numbers
                    .values()
                    .filter(|candidate| accepts(candidate))
                    .count()
            } else {
                record.numbers.len()
            };
            (page, total)
        }
        Some(sort) => {
            let mut all: Vec<&TelnyxNumber> = record
                .numbers
                .values()
                .filter(|candidate| accepts(candidate))
                .collect();
            match sort {
                "purchased_at" => {}
                "phone_number" => all.sort_by(|a, b| a.phone_number.cmp(&b.phone_number)),
                "connection_name" => all.sort_by(|a, b| a.connection_name.cmp(&b.connection_name)),
                "usage_payment_method" => {}
                _ => {
                    return Err(bad_parameter(
                        "sort",
                        "sort must be one of purchased_at, phone_number, connection_name, usage_payment_method",
                    ))
                }
            }
            let total = all.len();
            (all.into_iter().skip(start).take(size).collect(), total)
        }
    };
    Ok(json_response(
        StatusCode::OK,
        &ListBody {
            data,
            meta: page_meta(total, number, size),
        },
    ))
}

/// Finds an owned number by its Telnyx id.
pub(super) fn owned<'a>(
    record: &'a TelnyxAccount,
    id: &str,
) -> Result<&'a TelnyxNumber, Response<Body>> {
    record
        .by_id
        .get(id)
        .and_then(|seq| record.numbers.get(seq))
        .ok_or_else(not_found)
}

/// An owned number about to change: where it is kept, a copy to change, and the request body,
/// each checked in the order Telnyx answers them (unknown id, unreadable body).
pub(super) fn editable(
    record: &TelnyxAccount,
    id: &str,
    body: &[u8],
) -> Result<(u64, TelnyxNumber, Map<String, Value>), Response<Body>> {
    let seq = record.by_id.get(id).copied().ok_or_else(not_found)?;
    let body = parse_body(body)?;
    let current = record.numbers.get(&seq).ok_or_else(not_found)?;
    Ok((seq, current.clone(), body))
}

pub(super) async fn fetch_number(Path(id): Path<String>, caller: Caller) -> Reply {
    settle_if_pending(&caller);
    let world = caller.shared.read();
    owned(&world.telnyx[caller.account], &id).map(data)
}

pub(super) async fn update_number(Path(id): Path<String>, caller: Caller, body: Bytes) -> Reply {
    let mut world = caller.shared.write();
    let record = &mut world.telnyx[caller.account];
    let (seq, mut updated, body) = editable(record, &id, &body)?;
    for (key, value) in &body {
        let text = || optional_text(Some(value), key);
        match key.as_str() {
            "connection_id" => {
                let connection = text()?;
                updated.connection_name = connection
                    .as_deref()
                    .map(|id| connection_name(record, id))
                    .transpose()?;
                updated.connection_id = connection;
            }
            "tags" => updated.tags = tags(value)?,
            "customer_reference" => updated.customer_reference = text()?,
            "billing_group_id" => updated.billing_group_id = text()?,
            "external_pin" => updated.external_pin = text()?,
            "address_id" => {
                text()?;
            }
            "hd_voice_enabled" => {
                updated.hd_voice_enabled = value.as_bool().ok_or_else(|| {
                    invalid_field(&format!("/{key}"), "hd_voice_enabled must be a boolean.")
                })?;
            }
            _ => {}
        }
    }
    updated.updated_at = state::iso8601(Utc::now());
    let reply = data(&updated);
    record.numbers.insert(seq, updated);
    Ok(reply)
}

/// Keys of `PhoneNumberDetailed` that `PhoneNumberDeletedDetailed` does not have.
const NOT_IN_DELETED: [&str; 4] = [
    "country_iso_alpha2",
    "emergency_status",
    "inbound_call_screening",
    "source_type",
];

pub(super) async fn delete_number(Path(id): Path<String>, caller: Caller) -> Reply {
    let mut world = caller.shared.write();
    let record = &mut world.telnyx[caller.account];
    let seq = record.by_id.get(&id).copied().ok_or_else(not_found)?;
    if record
        .numbers
        .get(&seq)
        .is_some_and(|number| number.deletion_lock_enabled)
    {
        return Err(invalid_field(
            "/deletion_lock_enabled",
            "The phone number has deletion lock enabled and cannot be deleted.",
        ));
    }
    let mut number = remove_telnyx(record, seq).ok_or_else(not_found)?;
    number.status = "deleted";
    number.updated_at = state::iso8601(Utc::now());
    let Ok(Value::Object(mut body)) = serde_json::to_value(&number) else {
        return Err(unexpected_error(StatusCode::INTERNAL_SERVER_ERROR));
    };
    for key in NOT_IN_DELETED {
        body.remove(key);
    }
    // The deleted shape declares these as plain strings.
    for value in body.values_mut() {
        if value.is_null() {
            *value = Value::String(String::new());
        }
    }
    if let Some(activated) = number.activated_at {
        body.insert("activated_at".into(), activated.into());
    } else {
        body.insert("activated_at".into(), Value::Null);
    }
    Ok(data(&Value::Object(body)))
}
