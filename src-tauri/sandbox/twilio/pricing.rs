//! Pricing v1: the countries with phone-number prices, and one country's monthly price per
//! number type.

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;

use super::inventory;
use super::wire::query_pairs;
use super::{json, page_size, Call, Reply};

pub(super) async fn list_price_countries(call: Call, RawQuery(query): RawQuery) -> Reply {
    call.caller(&call.shared.read())?;
    let shared = &call.shared;
    let size = page_size(&query_pairs(query.as_deref()))?;
    let base = format!("{}/v1/PhoneNumbers/Countries", shared.base.twilio_pricing);
    let countries: Vec<serde_json::Value> = shared
        .inventory
        .countries
        .iter()
        .take(size)
        .map(|country| {
            serde_json::json!({
                "country": country.name,
                "iso_country": country.iso,
                "url": format!("{base}/{}", country.iso),
            })
        })
        .collect();
    let page_url = format!("{base}?PageSize={size}&Page=0");
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "countries": countries,
            "meta": {
                "first_page_url": page_url,
                "key": "countries",
                "next_page_url": null,
                "page": 0,
                "page_size": size,
                "previous_page_url": null,
                "url": page_url,
            }
        }),
    ))
}

pub(super) async fn fetch_price_country(call: Call, Path(iso): Path<String>) -> Reply {
    call.caller(&call.shared.read())?;
    let shared = &call.shared;
    let country = shared
        .inventory
        .country(&iso.to_ascii_uppercase())
        .ok_or_else(|| call.not_found())?;
    let prices: Vec<serde_json::Value> = country
        .offers
        .iter()
        .map(|offer| {
            let price = inventory::format_cents(offer.monthly_cents);
            serde_json::json!({
                "number_type": offer.kind.twilio_pricing_name(),
                "base_price": price,
                "current_price": price,
            })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "country": country.name,
            "iso_country": country.iso,
            "phone_number_prices": prices,
            "price_unit": "USD",
            "url": format!("{}/v1/PhoneNumbers/Countries/{}", shared.base.twilio_pricing, country.iso),
        }),
    ))
}
