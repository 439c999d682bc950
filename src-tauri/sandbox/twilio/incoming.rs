//! IncomingPhoneNumbers, the numbers an account owns: the list with Twilio's filters and cursor
//! paging (`PageToken`), the typed lists (`Local`, `Mobile`, `TollFree`), fetching, updating and
//! releasing one number. Buying is in `purchase.rs`.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery};
use axum::http::{Response, StatusCode};
use chrono::Utc;
use serde::Serialize;

use super::available::glob_matches;
use super::inventory::NumberType;
use super::purchase::{apply_config, purchase};
use super::state::{self, remove_twilio, TwilioNumber};
use super::wire::{self, param, parse_pairs, query_pairs};
use super::{bad_request, encode_query, json, page_size, relative_path, Call, PageLinks, Reply};

#[derive(Serialize)]
struct IncomingPage<'a> {
    #[serde(flatten)]
    links: PageLinks,
    incoming_phone_numbers: Vec<std::borrow::Cow<'a, TwilioNumber>>,
}

/// The list filters of `IncomingPhoneNumbers.json`.
struct ListFilter {
    phone_number: Option<String>,
    friendly_name: Option<String>,
    origin: Option<String>,
    kind: Option<NumberType>,
}

impl ListFilter {
    fn accepts(&self, number: &TwilioNumber) -> bool {
        self.kind.map_or(true, |kind| number.kind == kind.as_str())
            && self
                .friendly_name
                .as_deref()
                .map_or(true, |name| number.friendly_name == name)
            && self
                .origin
                .as_deref()
                .map_or(true, |origin| number.origin == origin)
            && self.phone_number.as_deref().map_or(true, |pattern| {
                phone_number_matches(pattern, &number.phone_number)
            })
    }

    /// A number with its place in the account, if the filters take it.
    fn keep<'a>(&self, (seq, number): (&u64, &'a TwilioNumber)) -> Option<(u64, &'a TwilioNumber)> {
        self.accepts(number).then_some((*seq, number))
    }

    /// The filters to carry into paging links, in a fixed order.
    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(value) = &self.phone_number {
            pairs.push(("PhoneNumber", value.clone()));
        }
        if let Some(value) = &self.friendly_name {
            pairs.push(("FriendlyName", value.clone()));
        }
        if let Some(value) = &self.origin {
            pairs.push(("Origin", value.clone()));
        }
        pairs
    }
}

/// `PhoneNumber` on the list: exact or partial, `*` standing for any one digit.
fn phone_number_matches(pattern: &str, e164: &str) -> bool {
    let pattern: String = pattern
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '*')
        .collect();
    if pattern.is_empty() {
        return true;
    }
    let mut glob = vec![b'%'];
    glob.extend(pattern.bytes());
    glob.push(b'%');
    glob_matches(&glob, e164.trim_start_matches('+').as_bytes())
}

/// Where a page starts: after a cursor (`PageToken=PA<seq>`), before one (`PB<seq>`), or at
/// an offset (`Page` without a token).
enum PageStart {
    After(u64),
    Before(u64),
    Offset(usize),
}

impl PageStart {
    fn parse(token: Option<&str>, page: usize, size: usize) -> Result<PageStart, Response<Body>> {
        let Some(token) = token else {
            return Ok(PageStart::Offset(page.saturating_mul(size)));
        };
        let cursor = |prefix: &str| token.strip_prefix(prefix).and_then(|seq| seq.parse().ok());
        cursor("PA")
            .map(PageStart::After)
            .or_else(|| cursor("PB").map(PageStart::Before))
            .ok_or_else(|| bad_request(20001, format!("Invalid PageToken: {token}")))
    }
}

/// The first `size` items and whether more follow.
fn first<T>(items: impl Iterator<Item = T>, size: usize) -> (Vec<T>, bool) {
    let mut items: Vec<T> = items.take(size + 1).collect();
    let more = items.len() > size;
    items.truncate(size);
    (items, more)
}

fn list_page(
    call: &Call,
    account_sid: &str,
    query: Option<&str>,
    kind: Option<NumberType>,
) -> Reply {
    let world = call.shared.read();
    let caller = call.caller_for(&world, account_sid)?;
    let pairs = query_pairs(query);
    let size = page_size(&pairs)?;
    let page: usize = param(&pairs, "Page")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let start = PageStart::parse(param(&pairs, "PageToken"), page, size)?;
    let filter = ListFilter {
        phone_number: param(&pairs, "PhoneNumber").map(str::to_string),
        friendly_name: param(&pairs, "FriendlyName").map(str::to_string),
        origin: param(&pairs, "Origin").map(str::to_string),
        kind,
    };
    let numbers = &world.twilio[caller.account].numbers;
    let accepted = |entry| filter.keep(entry);
    let (items, has_more) = match start {
        PageStart::After(after) => first(
            numbers
                .range(after.saturating_add(1)..)
                .filter_map(accepted),
            size,
        ),
        PageStart::Before(before) => {
            let mut items: Vec<_> = numbers
                .range(..before)
                .rev()
                .filter_map(accepted)
                .take(size)
                .collect();
            items.reverse();
            (items, true)
        }
        PageStart::Offset(offset) => first(numbers.iter().filter_map(accepted).skip(offset), size),
    };

    let path = relative_path(&call.uri).to_string();
    let filters = filter.query_pairs();
    let link = |page: usize, token: Option<String>| {
        let mut pairs = filters.clone();
        pairs.push(("PageSize", size.to_string()));
        pairs.push(("Page", page.to_string()));
        if let Some(token) = token {
            pairs.push(("PageToken", token));
        }
        format!("{path}?{}", encode_query(&pairs))
    };
    let next_page_uri = match (has_more, items.last()) {
        (true, Some((seq, _))) => Some(link(page + 1, Some(format!("PA{seq}")))),
        _ => None,
    };
    let previous_page_uri = match (page, items.first()) {
        (0, _) => None,
        (_, Some((seq, _))) => Some(link(page - 1, Some(format!("PB{seq}")))),
        (_, None) => Some(link(page - 1, None)),
    };
    let current_token = param(&pairs, "PageToken").map(str::to_string);
    let count = items.len();
    let start = page * size;
    let body = IncomingPage {
        links: PageLinks {
            end: (start + count).saturating_sub(1).max(start),
            first_page_uri: link(0, None),
            next_page_uri,
            page,
            page_size: size,
            previous_page_uri,
            start,
            uri: link(page, current_token),
        },
        incoming_phone_numbers: items
            .into_iter()
            .map(|(_, number)| number.in_region(call.region))
            .collect(),
    };
    if kind.is_none() {
        return Ok(json(StatusCode::OK, &body));
    }
    // The typed paths' schema has no `type` field.
    let mut value = serde_json::to_value(&body).unwrap_or_default();
    if let Some(numbers) = value
        .get_mut("incoming_phone_numbers")
        .and_then(serde_json::Value::as_array_mut)
    {
        for number in numbers {
            if let Some(number) = number.as_object_mut() {
                number.remove("type");
            }
        }
    }
    Ok(json(StatusCode::OK, &value))
}

pub(super) async fn list_incoming(
    call: Call,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Reply {
    list_page(&call, &account, query.as_deref(), None)
}

pub(super) async fn create_incoming(call: Call, Path(account): Path<String>, body: Bytes) -> Reply {
    purchase(&call, &account, &body, None)
}

/// `IncomingPhoneNumbers/{Local|Mobile|TollFree}.json`: the typed list and purchase paths.
fn typed_list_kind(name: &str) -> Option<NumberType> {
    match name {
        "Local" => Some(NumberType::Local),
        "Mobile" => Some(NumberType::Mobile),
        "TollFree" => Some(NumberType::TollFree),
        _ => None,
    }
}

pub(super) async fn fetch_incoming_item(
    call: Call,
    Path((account, item)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Reply {
    let name = call.json_segment(&item)?;
    if let Some(kind) = typed_list_kind(name) {
        return list_page(&call, &account, query.as_deref(), Some(kind));
    }
    let world = call.shared.read();
    let caller = call.caller_for(&world, &account)?;
    let record = &world.twilio[caller.account];
    record
        .by_sid
        .get(name)
        .and_then(|seq| record.numbers.get(seq))
        .map(|number| json(StatusCode::OK, &*number.in_region(call.region)))
        .ok_or_else(|| call.not_found())
}

pub(super) async fn post_incoming_item(
    call: Call,
    Path((account, item)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let name = call.json_segment(&item)?;
    if let Some(kind) = typed_list_kind(name) {
        return purchase(&call, &account, &body, Some(kind));
    }
    let pairs = parse_pairs(&body);
    let mut world = call.shared.write();
    let caller = call.caller_for(&world, &account)?;
    let record = &mut world.twilio[caller.account];
    let seq = call.seq_of(record, name)?;
    let number = record
        .numbers
        .get_mut(&seq)
        .ok_or_else(|| call.not_found())?;
    // Through a regional host, the configuration changed is that region's.
    let mut updated = number.in_region(call.region).into_owned();
    apply_config(&mut updated, &pairs)?;
    updated.date_updated = state::rfc2822(Utc::now());
    number.store_in_region(call.region, updated);
    Ok(json(StatusCode::OK, &*number.in_region(call.region)))
}

pub(super) async fn delete_incoming(
    call: Call,
    Path((account, item)): Path<(String, String)>,
) -> Reply {
    let name = call.json_segment(&item)?;
    let mut world = call.shared.write();
    let caller = call.caller_for(&world, &account)?;
    let record = &mut world.twilio[caller.account];
    let seq = call.seq_of(record, name)?;
    // A released number is not put back on sale: real numbers age before they are resold.
    remove_twilio(record, seq);
    Ok(wire::empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_phone_number_filter_accepts_partial_and_wildcards() {
        assert!(phone_number_matches("+14155550123", "+14155550123"));
        assert!(phone_number_matches("555", "+14155550123"));
        assert!(phone_number_matches("+1415555****", "+14155550123"));
        assert!(!phone_number_matches("+1212", "+14155550123"));
    }
}
