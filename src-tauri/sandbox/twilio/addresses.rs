//! The account's Addresses (`GET Addresses.json`), which a number whose country asks for one is
//! bought with (`AddressSid`). The sandbox's accounts have a handful, so the list is one page.

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use serde::Serialize;

use super::state::TwilioAddress;
use super::wire::{param, query_pairs};
use super::{encode_query, json, page_size, relative_path, Call, PageLinks, Reply};

#[derive(Serialize)]
struct AddressPage<'a> {
    #[serde(flatten)]
    links: PageLinks,
    addresses: Vec<&'a TwilioAddress>,
}

pub(super) async fn list_addresses(
    call: Call,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    let world = call.shared.read();
    let caller = call.caller_for(&world, &account)?;
    let pairs = query_pairs(query.as_deref());
    let size = page_size(&pairs)?;
    let country = param(&pairs, "IsoCountry");
    let addresses: Vec<&TwilioAddress> = world.twilio[caller.account]
        .addresses
        .iter()
        .filter(|a| country.map_or(true, |iso| a.iso_country == iso))
        .take(size)
        .collect();
    let path = relative_path(&call.uri).to_string();
    let link = format!(
        "{path}?{}",
        encode_query(&[("PageSize", size.to_string()), ("Page", "0".to_string())])
    );
    let body = AddressPage {
        links: PageLinks {
            end: addresses.len().saturating_sub(1),
            first_page_uri: link.clone(),
            next_page_uri: None,
            page: 0,
            page_size: size,
            previous_page_uri: None,
            start: 0,
            uri: link,
        },
        addresses,
    };
    Ok(json(StatusCode::OK, &body))
}
