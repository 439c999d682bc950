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
use super::requirements::{requirement_for, RequirementGroup};
use super::state::{
    self, remove_telnyx, LineRequirements, NumberOrder, OrderLine, OrderStatus, TelnyxAccount,
    World,
};
use super::wire::{self, param, query_pairs};
use super::{
    bool_filter, connection_name, data, error_response, invalid_field, messaging_profile_name,
    missing, no_such, not_found, optional_text, page_of, page_params, parse_body, Caller, Reply,
    Source,
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
        // An order waits, whatever its completion, until every line's requirements are met.
        if order.status != OrderStatus::Pending || !order.requirements_met() {
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
                        // Telnyx's older type names come back right after a purchase.
                        if let Some(legacy) = state::legacy_type_name(number.phone_number_type) {
                            number.phone_number_type = legacy;
                        }
                        number.activated_at = Some(state::iso8601(stamp));
                        number.updated_at = state::iso8601(stamp);
                    }
                    charged += state::NUMBER_PRICE_CENTS;
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
            let mut item = json!({
                "id": line.id,
                "record_type": "number_order_phone_number",
                "phone_number": line.phone_number,
                "status": status,
                "requirements_met": line.requirements.met(),
                "requirements_status": line.requirements.status(),
                "regulatory_requirements": line.requirements.answers(),
                "phone_number_type": line.kind.as_str(),
                "country_code": line.country,
                "country_iso_alpha2": line.country,
            });
            if let Some(group) = &line.requirement_group_id {
                item["requirement_group_id"] = group.clone().into();
            }
            item
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
    body.insert("requirements_met".into(), order.requirements_met().into());
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

/// What a line's number asks for and whether `group` (its `requirement_group_id`) gives it: a
/// group the account does not have is 10017, one made for other numbers 10015; none, or one
/// not yet approved, leaves the line waiting.
fn line_requirements(
    groups: &[RequirementGroup],
    number: &AvailableNumber,
    group: Option<&str>,
    index: usize,
) -> Result<LineRequirements, Response<Body>> {
    let pointer = format!("/phone_numbers/{index}/requirement_group_id");
    let named = match group {
        None => None,
        Some(id) => Some(
            groups
                .iter()
                .find(|g| g.id == id)
                .ok_or_else(|| no_such("Requirement group", id, &pointer))?,
        ),
    };
    let Some(requirement) = requirement_for(number.country, number.kind) else {
        return Ok(LineRequirements::None);
    };
    Ok(match named {
        None => LineRequirements::Missing,
        Some(group) if !group.covers(number.country, number.kind) => {
            return Err(invalid_field(
                &pointer,
                &format!(
                    "Requirement group {} is for {} {} numbers; {} is a {} {} number.",
                    group.id,
                    group.country_code,
                    group.phone_number_type,
                    number.e164,
                    number.country,
                    number.kind.as_str()
                ),
            ))
        }
        Some(group) if !group.approved() => LineRequirements::UnderReview {
            requirement_id: requirement.asks.0,
        },
        Some(group) => LineRequirements::Met {
            answers: group.regulatory_requirements.clone(),
        },
    })
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
    // An empty id names no connection: Telnyx's spec defines none.
    if body.get("connection_id").and_then(Value::as_str) == Some("") {
        return Err(invalid_field(
            "/connection_id",
            "connection_id must be the id of a connection, not empty.",
        ));
    }
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
    let mut numbers: Vec<(&AvailableNumber, Option<String>, LineRequirements)> = Vec::new();
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
            .filter(|number| {
                !numbers
                    .iter()
                    .any(|(chosen, ..)| chosen.e164 == number.e164)
            })
            .ok_or_else(|| {
                invalid_field(
                    &pointer,
                    &format!("{phone_number} is not available for purchase."),
                )
            })?;
        let group = optional_text(item.get("requirement_group_id"), "requirement_group_id")
            .map_err(|_| {
                invalid_field(
                    &format!("/phone_numbers/{index}/requirement_group_id"),
                    "requirement_group_id must be a string.",
                )
            })?;
        let needs = line_requirements(
            world.telnyx[account].requirement_groups.as_slice(),
            available,
            group.as_deref(),
            index,
        )?;
        numbers.push((available, group, needs));
    }
    // Telnyx refuses an order the account cannot pay for (20100), before holding any number.
    let cost = state::NUMBER_PRICE_CENTS * numbers.len() as i64;
    if world.telnyx[account].spendable_cents() < cost {
        return Err(error_response(
            StatusCode::PAYMENT_REQUIRED,
            "20100",
            "Insufficient Funds",
            "You do not have enough funds to perform this action.",
            Source::None,
        ));
    }
    let completion = shared.faults.order_completion();
    let now = Utc::now();
    let mut lines = Vec::new();
    for (number, requirement_group_id, requirements) in numbers {
        let line_id = world.uuid();
        let number_id = world.add_pending_telnyx(account, number, now);
        lines.push(OrderLine {
            id: line_id,
            phone_number: number.e164.clone(),
            number_id,
            kind: number.kind,
            country: number.country,
            requirement_group_id,
            requirements,
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
    let met = bool_filter(&pairs, "filter[requirements_met]")?;
    let orders: Vec<Value> = world.telnyx[account]
        .orders
        .values()
        .rev()
        .filter(|order| status.map_or(true, |status| order.status.as_str() == status))
        .filter(|order| met.map_or(true, |met| order.requirements_met() == met))
        .filter(|order| {
            reference.map_or(true, |reference| {
                order.customer_reference.as_deref() == Some(reference)
            })
        })
        .map(order_summary)
        .collect();
    Ok(page_of(&orders, number, size))
}
