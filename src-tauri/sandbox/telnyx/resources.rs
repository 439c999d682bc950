//! The account's TeXML applications and messaging profiles (listed and fetched) and its balance.

use axum::extract::{Path, RawQuery};
use serde::Serialize;
use serde_json::json;

use super::orders::settle_orders;
use super::state::{MessagingProfile, TexmlApplication};
use super::wire::{param, query_pairs};
use super::{bad_parameter, data, not_found, page_of, page_params, Caller, Reply};

pub(super) async fn list_texml(RawQuery(query): RawQuery, caller: Caller) -> Reply {
    let world = caller.shared.read();
    let pairs = query_pairs(query.as_deref());
    let (number, size) = page_params(&pairs, 250)?;
    let name = param(&pairs, "filter[friendly_name]").map(str::to_lowercase);
    let mut apps: Vec<TexmlApplication> = world.telnyx[caller.account]
        .texml_applications
        .iter()
        .filter(|app| {
            name.as_deref()
                .map_or(true, |name| app.friendly_name.to_lowercase().contains(name))
        })
        .cloned()
        .collect();
    let sort = param(&pairs, "sort").unwrap_or("created_at");
    let (descending, key) = match sort.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, sort),
    };
    match key {
        "created_at" => apps.sort_by(|a, b| a.created_at.cmp(&b.created_at)),
        "friendly_name" => apps.sort_by(|a, b| a.friendly_name.cmp(&b.friendly_name)),
        "active" => apps.sort_by_key(|app| app.active),
        _ => {
            return Err(bad_parameter(
                "sort",
                "sort must be one of created_at, friendly_name, active",
            ))
        }
    }
    if descending {
        apps.reverse();
    }
    Ok(page_of(&apps, number, size))
}

pub(super) async fn fetch_texml(Path(id): Path<String>, caller: Caller) -> Reply {
    let world = caller.shared.read();
    let apps = &world.telnyx[caller.account].texml_applications;
    found(apps.iter().find(|app| app.id == id))
}

pub(super) async fn list_profiles(RawQuery(query): RawQuery, caller: Caller) -> Reply {
    let world = caller.shared.read();
    let pairs = query_pairs(query.as_deref());
    let (number, size) = page_params(&pairs, 20)?;
    let exact = param(&pairs, "filter[name]").or_else(|| param(&pairs, "filter[name][eq]"));
    let contains = param(&pairs, "filter[name][contains]").map(str::to_lowercase);
    let profiles: Vec<MessagingProfile> = world.telnyx[caller.account]
        .messaging_profiles
        .iter()
        .filter(|profile| exact.map_or(true, |name| profile.name == name))
        .filter(|profile| {
            contains
                .as_deref()
                .map_or(true, |text| profile.name.to_lowercase().contains(text))
        })
        .cloned()
        .collect();
    Ok(page_of(&profiles, number, size))
}

pub(super) async fn fetch_profile(Path(id): Path<String>, caller: Caller) -> Reply {
    let world = caller.shared.read();
    let profiles = &world.telnyx[caller.account].messaging_profiles;
    found(profiles.iter().find(|profile| profile.id == id))
}

/// The resource as `data`, or Telnyx's 404.
fn found<T: Serialize>(resource: Option<&T>) -> Reply {
    resource.map(data).ok_or_else(not_found)
}

pub(super) async fn balance(caller: Caller) -> Reply {
    let shared = &caller.shared;
    let mut world = shared.write();
    settle_orders(&mut world, caller.account, None, shared.clock.now());
    let record = &world.telnyx[caller.account];
    let money = |cents: i64| {
        let sign = if cents < 0 { "-" } else { "" };
        let cents = cents.unsigned_abs();
        format!("{sign}{}.{:02}", cents / 100, cents % 100)
    };
    Ok(data(&json!({
        "record_type": "balance",
        "balance": money(record.balance_cents),
        "credit_limit": money(record.credit_limit_cents),
        "available_credit": money(record.balance_cents + record.credit_limit_cents),
        "pending": "0.00",
        "currency": "USD",
    })))
}
