//! A number's messaging settings (`/phone_numbers/{id}/messaging`): its messaging profile,
//! product and tags, read and changed.

use axum::body::Bytes;
use axum::extract::Path;
use chrono::Utc;
use serde_json::{json, Value};

use super::numbers::{editable, owned};
use super::state::{self, TelnyxAccount, TelnyxNumber};
use super::{data, invalid_field, messaging_profile_name, tags, Caller, Reply};

fn messaging_settings(record: &TelnyxAccount, number: &TelnyxNumber) -> Value {
    let set = |enabled: bool| {
        if enabled {
            json!({
                "domestic_two_way": true,
                "international_inbound": true,
                "international_outbound": true,
            })
        } else {
            Value::Null
        }
    };
    let kind = if number.kind_is("toll_free") {
        "toll-free"
    } else {
        "long-code"
    };
    json!({
        "id": number.id,
        "record_type": "messaging_settings",
        "phone_number": number.phone_number,
        "messaging_profile_id": number.messaging_profile_id,
        "messaging_product": number.messaging_product,
        "eligible_messaging_products": ["A2P", "P2P"],
        "country_code": number.country_iso_alpha2,
        "type": kind,
        "traffic_type": number.messaging_product,
        "organization_id": record.organization_id,
        "tags": number.tags,
        "created_at": number.created_at,
        "updated_at": number.updated_at,
        "features": { "sms": set(number.sms), "mms": set(number.mms) },
        "health": {
            "message_count": 0,
            "inbound_outbound_ratio": 0.0,
            "success_ratio": 1.0,
            "spam_ratio": 0.0,
        },
    })
}

pub(super) async fn fetch_messaging(Path(id): Path<String>, caller: Caller) -> Reply {
    let world = caller.shared.read();
    let record = &world.telnyx[caller.account];
    owned(record, &id).map(|number| data(&messaging_settings(record, number)))
}

pub(super) async fn update_messaging(Path(id): Path<String>, caller: Caller, body: Bytes) -> Reply {
    let mut world = caller.shared.write();
    let record = &mut world.telnyx[caller.account];
    let (seq, mut updated, body) = editable(record, &id, &body)?;
    match body.get("messaging_profile_id") {
        // Omitted or null: keep the current profile.
        None | Some(Value::Null) => {}
        // Empty: unassign.
        Some(Value::String(profile)) if profile.is_empty() => {
            updated.messaging_profile_id = None;
            updated.messaging_profile_name = None;
        }
        Some(Value::String(profile)) => {
            updated.messaging_profile_name = Some(messaging_profile_name(record, profile)?);
            updated.messaging_profile_id = Some(profile.clone());
        }
        Some(_) => {
            return Err(invalid_field(
                "/messaging_profile_id",
                "messaging_profile_id must be a string.",
            ))
        }
    }
    match body.get("messaging_product") {
        None | Some(Value::Null) => {}
        Some(Value::String(product)) => updated.messaging_product = product.clone(),
        Some(_) => {
            return Err(invalid_field(
                "/messaging_product",
                "messaging_product must be a string.",
            ))
        }
    }
    if let Some(value) = body.get("tags") {
        updated.tags = tags(value)?;
    }
    updated.updated_at = state::iso8601(Utc::now());
    let reply = data(&messaging_settings(record, &updated));
    record.numbers.insert(seq, updated);
    Ok(reply)
}
