//! Number orders: placing one (the numbers are held at once, purchase-pending), fetching and
//! listing them, and completing them later as `OrderCompletion` says (after some fetches, or
//! after some time on the sandbox's clock), charging the balance or putting numbers back on sale.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery};
use axum::http::{Response, StatusCode};
use chrono::Utc;
use serde_json::{json, Map, Value};

use super::faults::{OrderCompletion, OrderOutcome};
use super::inventory::AvailableNumber;
use super::state::{
    self, remove_telnyx, NumberOrder, OrderLine, OrderStatus, TelnyxAccount, World,
};
use super::wire::{self, param, query_pairs};
use super::{
    connection_name, data, error_response, invalid_field, messaging_profile_name, missing,
    not_found, optional_text, page_of, page_params, parse_body, Caller, Reply, Source,
};

/// Completes the account's pending orders that are due: by time, or by the polls counted so
/// far. `polled` names the order being fetched right now, which counts as one more poll.
pub(super) fn settle_orders(
    world: &mut World,
    account: usize,
    polled: Option<&str>,
    now: Duration,
) {
    let World { telnyx, taken, .. } = world;
    let record = &mut telnyx[account];
    let mut due = Vec::new();
    for (seq, order) in record.orders.iter_mut() {
        if order.status != OrderStatus::Pending {
            continue;
        }
        if polled == Some(order.id.as_str()) {
            order.polls += 1;
        }
        let outcome = match order.completion {
            OrderCompletion::Polls { polls, outcome } => (order.polls >= polls).then_some(outcome),
            OrderCompletion::Time { millis, outcome } => {
                (now.saturating_sub(order.created_on_clock) >= Duration::from_millis(millis))
                    .then_some(outcome)
            }
        };
        if let Some(outcome) = outcome {
            due.push((*seq, outcome));
        }
    }
    for (seq, outcome) in due {
        let stamp = Utc::now();
        let Some(order) = record.orders.get_mut(&seq) else {
            continue;
        };
        order.updated_at = stamp;
        let lines = order.lines.clone();
        match outcome {
            OrderOutcome::Success => {
                order.status = OrderStatus::Success;
                let mut charged: i64 = 0;
                for line in &lines {
                    if let Some(number) = record
                        .by_id
                        .get(&line.number_id)
                        .and_then(|seq| record.numbers.get_mut(seq))
                    {
                        number.status = "active";
                        number.activated_at = Some(state::iso8601(stamp));
                        number.updated_at = state::iso8601(stamp);
                    }
                    charged += 100;
                }
                record.balance_cents -= charged;
            }
            OrderOutcome::Failure => {
                order.status = OrderStatus::Failure;
                for line in &lines {
                    if let Some(seq) = record.by_id.get(&line.number_id).copied() {
                        remove_telnyx(record, seq);
                    }
                    // The number goes back on sale.
                    taken.remove(&line.phone_number);
                }
            }
        }
    }
}

/// Completes the caller's due orders first if the account has any pending. Reads take only the
/// shared lock when nothing is pending, which is the common case.
pub(super) fn settle_if_pending(caller: &Caller) {
    let shared = &caller.shared;
    let pending = has_pending_orders(&shared.read().telnyx[caller.account]);
    if pending {
        settle_orders(
            &mut shared.write(),
            caller.account,
            None,
            shared.clock.now(),
        );
    }
}

fn has_pending_orders(account: &TelnyxAccount) -> bool {
    account
        .orders
        .values()
        .any(|order| order.status == OrderStatus::Pending)
}

fn order_with_numbers(order: &NumberOrder) -> Value {
    let status = order.status.as_str();
    let lines: Vec<Value> = order
        .lines
        .iter()
        .map(|line| {
            json!({
                "id": line.id,
                "record_type": "number_order_phone_number",
                "phone_number": line.phone_number,
                "status": status,
                "requirements_met": true,
                "requirements_status": "approved",
                "regulatory_requirements": [],
                "phone_number_type": line.kind.as_str(),
                "country_code": line.country,
                "country_iso_alpha2": line.country,
            })
        })
        .collect();
    let mut body = order_common(order);
    body.insert("phone_numbers".into(), Value::Array(lines));
    Value::Object(body)
}

fn order_summary(order: &NumberOrder) -> Value {
    let lines: Vec<Value> = order
        .lines
        .iter()
        .map(|line| json!({ "id": line.id, "phone_number": line.phone_number }))
        .collect();
    let mut body = order_common(order);
    body.insert("phone_numbers".into(), Value::Array(lines));
    Value::Object(body)
}

fn order_common(order: &NumberOrder) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("id".into(), order.id.clone().into());
    body.insert("record_type".into(), "number_order".into());
    body.insert("status".into(), order.status.as_str().into());
    body.insert("phone_numbers_count".into(), order.lines.len().into());
    body.insert("requirements_met".into(), true.into());
    body.insert(
        "sub_number_orders_ids".into(),
        json!([order.sub_number_order_id]),
    );
    for (key, value) in [
        ("connection_id", &order.connection_id),
        ("messaging_profile_id", &order.messaging_profile_id),
        ("billing_group_id", &order.billing_group_id),
        ("customer_reference", &order.customer_reference),
    ] {
        if let Some(value) = value {
            body.insert(key.into(), value.clone().into());
        }
    }
    body.insert("created_at".into(), state::iso8601(order.created_at).into());
    body.insert("updated_at".into(), state::iso8601(order.updated_at).into());
    body
}

/// A required body field, or Telnyx's 10004 pointing where it is missing.
fn required<T>(value: Option<T>, detail: &str, pointer: &str) -> Result<T, Response<Body>> {
    value.ok_or_else(|| {
        missing(
            StatusCode::UNPROCESSABLE_ENTITY,
            detail,
            Source::Pointer(pointer),
        )
    })
}

pub(super) async fn create_order(caller: Caller, body: Bytes) -> Reply {
    let shared = &caller.shared;
    let account = caller.account;
    let mut world = shared.write();
    let body = parse_body(&body)?;
    let requested = required(
        body.get("phone_numbers").and_then(Value::as_array),
        "phone_numbers is required.",
        "/phone_numbers",
    )?;
    if requested.is_empty() {
        return Err(invalid_field(
            "/phone_numbers",
            "phone_numbers must not be empty.",
        ));
    }
    let text = |key: &str| optional_text(body.get(key), key);
    let connection_id = text("connection_id")?;
    let messaging_profile_id = text("messaging_profile_id")?;
    let billing_group_id = text("billing_group_id")?;
    let customer_reference = text("customer_reference")?;
    let record = &world.telnyx[account];
    let connection_name = connection_id
        .as_deref()
        .map(|id| connection_name(record, id))
        .transpose()?;
    let profile_name = messaging_profile_id
        .as_deref()
        .map(|id| messaging_profile_name(record, id))
        .transpose()?;
    let mut numbers: Vec<&AvailableNumber> = Vec::new();
    for (index, item) in requested.iter().enumerate() {
        let pointer = format!("/phone_numbers/{index}/phone_number");
        let phone_number = required(
            item.get("phone_number").and_then(Value::as_str),
            "phone_number is required.",
            &pointer,
        )?;
        if !wire::is_plus_digits(phone_number) {
            return Err(error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "10016",
                "Phone number must be in +E.164 format",
                "The specified phone number parameter must be in +E.164 format.",
                Source::Pointer(&pointer),
            ));
        }
        let available = shared
            .inventory
            .get(phone_number)
            .filter(|number| !world.taken.contains(&number.e164))
            .filter(|number| !numbers.iter().any(|chosen| chosen.e164 == number.e164))
            .ok_or_else(|| {
                invalid_field(
                    &pointer,
                    &format!("{phone_number} is not available for purchase."),
                )
            })?;
        numbers.push(available);
    }
    let completion = shared.faults.order_completion();
    let now = Utc::now();
    let mut lines = Vec::new();
    for number in numbers {
        let line_id = world.uuid();
        let number_id = world.add_pending_telnyx(account, number, now);
        lines.push(OrderLine {
            id: line_id,
            phone_number: number.e164.clone(),
            number_id,
            kind: number.kind,
            country: number.country,
        });
    }
    let order_id = world.uuid();
    let sub_order_id = world.uuid();
    let record = &mut world.telnyx[account];
    for line in &lines {
        if let Some(number) = record
            .by_id
            .get(&line.number_id)
            .and_then(|seq| record.numbers.get_mut(seq))
        {
            number.connection_id = connection_id.clone();
            number.connection_name = connection_name.clone();
            number.messaging_profile_id = messaging_profile_id.clone();
            number.messaging_profile_name = profile_name.clone();
            number.billing_group_id = billing_group_id.clone();
            number.customer_reference = customer_reference.clone();
        }
    }
    let order = NumberOrder {
        id: order_id.clone(),
        status: OrderStatus::Pending,
        lines,
        connection_id,
        messaging_profile_id,
        billing_group_id,
        customer_reference,
        sub_number_order_id: sub_order_id,
        created_at: now,
        updated_at: now,
        created_on_clock: shared.clock.now(),
        polls: 0,
        completion,
    };
    let reply = order_with_numbers(&order);
    let twin = caller.duplicate.then(|| NumberOrder {
        status: OrderStatus::Failure,
        ..order.clone()
    });
    let seq = record.orders.keys().next_back().copied().unwrap_or(0) + 1;
    record.orders_by_id.insert(order_id, seq);
    record.orders.insert(seq, order);
    if let Some(mut twin) = twin {
        // The same request again: its numbers are taken by the first, so it fails at once.
        twin.id = world.uuid();
        twin.sub_number_order_id = world.uuid();
        for line in &mut twin.lines {
            line.id = world.uuid();
        }
        let record = &mut world.telnyx[account];
        let seq = seq + 1;
        record.orders_by_id.insert(twin.id.clone(), seq);
        record.orders.insert(seq, twin);
    }
    Ok(data(&reply))
}

pub(super) async fn fetch_order(Path(id): Path<String>, caller: Caller) -> Reply {
    let shared = &caller.shared;
    let account = caller.account;
    let mut world = shared.write();
    if !world.telnyx[account].orders_by_id.contains_key(&id) {
        return Err(not_found());
    }
    settle_orders(&mut world, account, Some(&id), shared.clock.now());
    let record = &world.telnyx[account];
    record
        .orders_by_id
        .get(&id)
        .and_then(|seq| record.orders.get(seq))
        .map(|order| data(&order_with_numbers(order)))
        .ok_or_else(not_found)
}

pub(super) async fn list_orders(RawQuery(query): RawQuery, caller: Caller) -> Reply {
    let shared = &caller.shared;
    let account = caller.account;
    let mut world = shared.write();
    let pairs = query_pairs(query.as_deref());
    let (number, size) = page_params(&pairs, 20)?;
    settle_orders(&mut world, account, None, shared.clock.now());
    let status = param(&pairs, "filter[status]");
    let reference = param(&pairs, "filter[customer_reference]");
    let orders: Vec<Value> = world.telnyx[account]
        .orders
        .values()
        .rev()
        .filter(|order| status.map_or(true, |status| order.status.as_str() == status))
        .filter(|order| {
            reference.map_or(true, |reference| {
                order.customer_reference.as_deref() == Some(reference)
            })
        })
        .map(order_summary)
        .collect();
    Ok(page_of(&orders, number, size))
}
