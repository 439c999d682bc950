//! Telnyx's API v2 as the sandbox serves it under `/telnyx/v2`: number search, number orders
//! that complete later, owned phone numbers with offset paging, messaging settings, TeXML
//! applications, messaging profiles and balance, with Bearer auth, JSON bodies and Telnyx's
//! `{"errors": [...]}` bodies.

// Helpers return the carrier's ready-made error reply as their `Err`. It is built once per
// refused request and returned straight away, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::faults::{OrderCompletion, OrderOutcome};
use super::inventory::{self, AvailableNumber, NumberType};
use super::state::{
    self, remove_telnyx, MessagingProfile, NumberOrder, OrderLine, OrderStatus, Shared,
    TelnyxAccount, TelnyxNumber, TexmlApplication, World,
};

pub(crate) const PREFIX: &str = "/telnyx";

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/telnyx/v2/available_phone_numbers", get(search_available))
        .route(
            "/telnyx/v2/number_orders",
            get(list_orders).post(create_order),
        )
        .route("/telnyx/v2/number_orders/{id}", get(fetch_order))
        .route("/telnyx/v2/phone_numbers", get(list_numbers))
        .route(
            "/telnyx/v2/phone_numbers/{id}",
            get(fetch_number).patch(update_number).delete(delete_number),
        )
        .route(
            "/telnyx/v2/phone_numbers/{id}/messaging",
            get(fetch_messaging).patch(update_messaging),
        )
        .route("/telnyx/v2/texml_applications", get(list_texml))
        .route("/telnyx/v2/texml_applications/{id}", get(fetch_texml))
        .route("/telnyx/v2/messaging_profiles", get(list_profiles))
        .route("/telnyx/v2/messaging_profiles/{id}", get(fetch_profile))
        .route("/telnyx/v2/balance", get(balance))
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// Replies and errors

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn data<T: Serialize>(value: &T) -> Response<Body> {
    json_response(StatusCode::OK, &json!({ "data": value }))
}

/// Where an error points: a query parameter or a JSON pointer into the body.
enum Source<'a> {
    None,
    Parameter(&'a str),
    Pointer(&'a str),
}

/// Telnyx's error body: `{"errors": [{code, title, detail, source, meta: {url}}]}`.
fn error_response(
    status: StatusCode,
    code: &str,
    title: &str,
    detail: &str,
    source: Source,
) -> Response<Body> {
    let mut error = Map::new();
    error.insert("code".into(), code.into());
    error.insert("title".into(), title.into());
    error.insert("detail".into(), detail.into());
    match source {
        Source::None => {}
        Source::Parameter(parameter) => {
            error.insert("source".into(), json!({ "parameter": parameter }));
        }
        Source::Pointer(pointer) => {
            error.insert("source".into(), json!({ "pointer": pointer }));
        }
    }
    error.insert(
        "meta".into(),
        json!({ "url": format!("https://developers.telnyx.com/docs/overview/errors/{code}") }),
    );
    json_response(status, &json!({ "errors": [Value::Object(error)] }))
}

fn unauthorized() -> Response<Body> {
    error_response(
        StatusCode::UNAUTHORIZED,
        "10009",
        "Authentication failed",
        "Could not understand the provided credentials.",
        Source::None,
    )
}

/// The 404 of every Telnyx resource: code 10005.
pub(crate) fn not_found() -> Response<Body> {
    error_response(
        StatusCode::NOT_FOUND,
        "10005",
        "Resource not found",
        "The requested resource or URL could not be found.",
        Source::Pointer("/"),
    )
}

pub(crate) fn too_many_requests() -> Response<Body> {
    error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "10011",
        "Too many requests",
        "You have exceeded the maximum number of allowed requests.",
        Source::None,
    )
}

pub(crate) fn unexpected_error(status: StatusCode) -> Response<Body> {
    error_response(
        status,
        "10007",
        "Unexpected error",
        "An unexpected error occured.",
        Source::None,
    )
}

fn bad_parameter(parameter: &str, detail: &str) -> Response<Body> {
    error_response(
        StatusCode::BAD_REQUEST,
        "10015",
        "Bad Request",
        detail,
        Source::Parameter(parameter),
    )
}

fn invalid_field(pointer: &str, detail: &str) -> Response<Body> {
    error_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        "10015",
        "Bad Request",
        detail,
        Source::Pointer(pointer),
    )
}

fn invalid_json() -> Response<Body> {
    error_response(
        StatusCode::BAD_REQUEST,
        "10023",
        "Invalid JSON",
        "The supplied JSON body could not be parsed.",
        Source::None,
    )
}

// ---------------------------------------------------------------------------------------------
// Auth, query strings and paging

fn authenticate(world: &World, headers: &HeaderMap) -> Result<usize, Response<Body>> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .and_then(|key| world.telnyx_by_key(key.trim()))
        .ok_or_else(unauthorized)
}

type Pairs = Vec<(String, String)>;

fn parse_query(query: Option<&str>) -> Pairs {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn bool_filter(pairs: &Pairs, name: &str) -> Result<Option<bool>, Response<Body>> {
    match param(pairs, name) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(bad_parameter(
            name,
            &format!("{name} must be true or false"),
        )),
    }
}

/// `page[number]` (from 1) and `page[size]` (1..=250).
fn page_params(pairs: &Pairs, default_size: usize) -> Result<(usize, usize), Response<Body>> {
    let number = match param(pairs, "page[number]") {
        None => 1,
        Some(value) => match value.parse::<usize>() {
            Ok(number) if number >= 1 => number,
            _ => {
                return Err(bad_parameter(
                    "page[number]",
                    "page[number] must be an integer of at least 1",
                ))
            }
        },
    };
    let size = match param(pairs, "page[size]") {
        None => default_size,
        Some(value) => match value.parse::<usize>() {
            Ok(size) if (1..=250).contains(&size) => size,
            _ => {
                return Err(bad_parameter(
                    "page[size]",
                    "page[size] must be an integer between 1 and 250",
                ))
            }
        },
    };
    Ok((number, size))
}

#[derive(Serialize)]
struct PageMeta {
    total_pages: usize,
    total_results: usize,
    page_number: usize,
    page_size: usize,
}

fn page_meta(total: usize, number: usize, size: usize) -> PageMeta {
    PageMeta {
        total_pages: total.div_ceil(size),
        total_results: total,
        page_number: number,
        page_size: size,
    }
}

#[derive(Serialize)]
struct ListBody<T: Serialize> {
    data: Vec<T>,
    meta: PageMeta,
}

fn page_of<T: Clone + Serialize>(items: &[T], number: usize, size: usize) -> ListBody<T> {
    let start = (number - 1).saturating_mul(size);
    ListBody {
        data: items.iter().skip(start).take(size).cloned().collect(),
        meta: page_meta(items.len(), number, size),
    }
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Response<Body>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(invalid_json()),
    }
}

// ---------------------------------------------------------------------------------------------
// Orders completing

/// Completes the account's pending orders that are due: by time, or by the polls counted so
/// far. `polled` names the order being fetched right now, which counts as one more poll.
fn settle_orders(world: &mut World, account: usize, polled: Option<&str>, now: Duration) {
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

/// Authenticates, and completes due orders first if the account has any pending. Reads take
/// only the shared lock when nothing is pending, which is the common case.
fn settle_if_pending(shared: &Shared, headers: &HeaderMap) -> Result<usize, Response<Body>> {
    let (account, pending) = {
        let world = shared.read();
        let account = authenticate(&world, headers)?;
        (account, has_pending_orders(&world.telnyx[account]))
    };
    if pending {
        settle_orders(&mut shared.write(), account, None, shared.clock.now());
    }
    Ok(account)
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

// ---------------------------------------------------------------------------------------------
// Search

#[derive(Serialize)]
struct RegionInformation {
    region_type: &'static str,
    region_name: String,
}

#[derive(Serialize)]
struct CostInformation {
    upfront_cost: String,
    monthly_cost: String,
    currency: &'static str,
}

#[derive(Serialize)]
struct Feature {
    name: &'static str,
}

#[derive(Serialize)]
struct AvailableItem<'a> {
    record_type: &'static str,
    phone_number: &'a str,
    vanity_format: &'static str,
    best_effort: bool,
    quickship: bool,
    reservable: bool,
    region_information: Vec<RegionInformation>,
    cost_information: CostInformation,
    features: Vec<Feature>,
}

/// Telnyx feature names of a number.
fn features_of(number: &AvailableNumber) -> Vec<&'static str> {
    let caps = number.capabilities;
    let mut names = Vec::new();
    if caps.sms {
        names.push("sms");
        names.push("international_sms");
    }
    if caps.mms {
        names.push("mms");
    }
    if caps.voice {
        names.push("voice");
        names.push("hd_voice");
    }
    if caps.fax {
        names.push("fax");
    }
    if matches!(number.country, "US" | "CA") && number.kind == NumberType::Local {
        names.push("emergency");
        names.push("local_calling");
    }
    names
}

fn is_quickship(number: &AvailableNumber) -> bool {
    number.kind != NumberType::TollFree || number.area.ndc != "800"
}

fn is_reservable(number: &AvailableNumber) -> bool {
    matches!(number.country, "US" | "CA") && number.kind == NumberType::Local
}

/// A `filter[phone_number][...]` pattern: digits, or letters standing for keypad digits.
fn pattern_digits(pattern: &str) -> Option<String> {
    pattern
        .chars()
        .map(|c| match c.to_ascii_uppercase() {
            digit @ '0'..='9' => Some(digit),
            'A'..='C' => Some('2'),
            'D'..='F' => Some('3'),
            'G'..='I' => Some('4'),
            'J'..='L' => Some('5'),
            'M'..='O' => Some('6'),
            'P'..='S' => Some('7'),
            'T'..='V' => Some('8'),
            'W'..='Z' => Some('9'),
            _ => None,
        })
        .collect()
}

async fn search_available(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response<Body> {
    let world = shared.read();
    if let Err(response) = authenticate(&world, &headers) {
        return response;
    }
    let pairs = parse_query(query.as_deref());
    let Some(iso) = param(&pairs, "filter[country_code]") else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "10004",
            "Missing required parameter",
            "filter[country_code] is required.",
            Source::Parameter("filter[country_code]"),
        );
    };
    let Some(country) = shared.inventory.country(&iso.to_ascii_uppercase()) else {
        return bad_parameter(
            "filter[country_code]",
            &format!("Phone numbers in {iso} are not available for search."),
        );
    };
    let kinds: Vec<NumberType> = match param(&pairs, "filter[phone_number_type]") {
        None => shared.inventory.types_in(country.iso),
        Some(name) => match NumberType::from_name(name) {
            Some(kind) => vec![kind],
            None if name == "shared_cost" => Vec::new(),
            None => {
                return bad_parameter(
                    "filter[phone_number_type]",
                    "filter[phone_number_type] must be one of local, toll_free, mobile, national, shared_cost",
                )
            }
        },
    };
    let ndc = param(&pairs, "filter[national_destination_code]");
    if let Some(ndc) = ndc {
        let valid = if country.calling_code == "1" {
            inventory::is_nanp_area_code(ndc)
        } else {
            !ndc.is_empty() && ndc.len() <= 5 && ndc.bytes().all(|byte| byte.is_ascii_digit())
        };
        if !valid {
            return bad_parameter(
                "filter[national_destination_code]",
                &format!(
                    "{ndc} is not a valid national destination code for {}.",
                    country.iso
                ),
            );
        }
    }
    let mut patterns = Vec::new();
    for (name, anchor) in [
        ("filter[phone_number][starts_with]", Anchor::Start),
        ("filter[phone_number][contains]", Anchor::Anywhere),
        ("filter[phone_number][ends_with]", Anchor::End),
    ] {
        if let Some(value) = param(&pairs, name) {
            match pattern_digits(value) {
                Some(digits) if !digits.is_empty() => patterns.push((digits, anchor)),
                // Wildcards and other characters match nothing, as the docs say.
                _ => patterns.push((String::from("x"), anchor)),
            }
        }
    }
    let mut wanted_features: Vec<String> = Vec::new();
    for (key, value) in &pairs {
        if key == "filter[features]" || key == "filter[features][]" {
            wanted_features.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_string),
            );
        }
    }
    let limit = match param(&pairs, "filter[limit]") {
        None => 50,
        Some(value) => match value.parse::<usize>() {
            Ok(limit) if limit >= 1 => limit.min(1000),
            _ => return bad_parameter("filter[limit]", "filter[limit] must be a positive integer"),
        },
    };
    let quickship = match bool_filter(&pairs, "filter[quickship]") {
        Ok(value) => value,
        Err(response) => return response,
    };
    let reservable = match bool_filter(&pairs, "filter[reservable]") {
        Ok(value) => value,
        Err(response) => return response,
    };
    let text = |name: &str| param(&pairs, name).map(str::to_string);
    let locality = text("filter[locality]");
    let administrative_area = text("filter[administrative_area]");
    let rate_center = text("filter[rate_center]");
    let same = |wanted: &Option<String>, has: Option<&str>| {
        wanted.as_deref().map_or(true, |wanted| {
            has.is_some_and(|has| has.eq_ignore_ascii_case(wanted))
        })
    };

    let accepts = |number: &AvailableNumber| -> bool {
        if world.taken.contains(&number.e164) {
            return false;
        }
        let national = &number.e164[1 + country.calling_code.len()..];
        // With an NDC filter, the patterns apply to what follows the NDC.
        let subject = match ndc {
            Some(ndc) => national.strip_prefix(ndc).unwrap_or(national),
            None => national,
        };
        let features = features_of(number);
        patterns.iter().all(|(digits, anchor)| match anchor {
            Anchor::Start => subject.starts_with(digits.as_str()),
            Anchor::Anywhere => subject.contains(digits.as_str()),
            Anchor::End => subject.ends_with(digits.as_str()),
        }) && wanted_features
            .iter()
            .all(|wanted| features.contains(&wanted.as_str()))
            && quickship.map_or(true, |wanted| is_quickship(number) == wanted)
            && reservable.map_or(true, |wanted| is_reservable(number) == wanted)
            && same(&locality, number.area.locality)
            && same(&administrative_area, number.area.region)
            && same(&rate_center, number.area.rate_center)
    };
    let items: Vec<AvailableItem> = kinds
        .iter()
        .flat_map(|kind| shared.inventory.candidates(country.iso, *kind, ndc))
        .filter(|number| accepts(number))
        .take(limit)
        .map(|number| {
            let mut region_information = vec![RegionInformation {
                region_type: "country_code",
                region_name: number.country.to_string(),
            }];
            if let Some(rate_center) = number.area.rate_center {
                region_information.push(RegionInformation {
                    region_type: "rate_center",
                    region_name: rate_center.to_string(),
                });
            }
            if let Some(region) = number.area.region {
                region_information.push(RegionInformation {
                    region_type: "state",
                    region_name: region.to_string(),
                });
            }
            if let Some(locality) = number.area.locality {
                region_information.push(RegionInformation {
                    region_type: "location",
                    region_name: locality.to_string(),
                });
            }
            AvailableItem {
                record_type: "available_phone_number",
                phone_number: &number.e164,
                vanity_format: "",
                best_effort: false,
                quickship: is_quickship(number),
                reservable: is_reservable(number),
                region_information,
                cost_information: CostInformation {
                    upfront_cost: inventory::format_cents(number.upfront_cents),
                    monthly_cost: inventory::format_cents(number.monthly_cents),
                    currency: "USD",
                },
                features: features_of(number)
                    .into_iter()
                    .map(|name| Feature { name })
                    .collect(),
            }
        })
        .collect();
    let meta = json!({ "total_results": items.len(), "best_effort_results": 0 });
    json_response(
        StatusCode::OK,
        &json!({ "data": items, "meta": meta, "metadata": meta }),
    )
}

#[derive(Clone, Copy)]
enum Anchor {
    Start,
    Anywhere,
    End,
}

// ---------------------------------------------------------------------------------------------
// Number orders

async fn create_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let mut world = shared.write();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(requested) = body.get("phone_numbers").and_then(Value::as_array) else {
        return error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "10004",
            "Missing required parameter",
            "phone_numbers is required.",
            Source::Pointer("/phone_numbers"),
        );
    };
    if requested.is_empty() {
        return invalid_field("/phone_numbers", "phone_numbers must not be empty.");
    }
    let optional_text = |key: &str| -> Result<Option<String>, Response<Body>> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(invalid_field(
                &format!("/{key}"),
                &format!("{key} must be a string."),
            )),
        }
    };
    let (connection_id, messaging_profile_id, billing_group_id, customer_reference) = match (
        optional_text("connection_id"),
        optional_text("messaging_profile_id"),
        optional_text("billing_group_id"),
        optional_text("customer_reference"),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d)) => (a, b, c, d),
        (Err(response), ..) | (_, Err(response), ..) | (_, _, Err(response), _) => return response,
        (.., Err(response)) => return response,
    };
    let record = &world.telnyx[account];
    if let Some(connection) = &connection_id {
        if record.connection_name(connection).is_none() {
            return error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "10017",
                "Associated resource does not exist",
                &format!("Connection {connection} does not exist."),
                Source::Pointer("/connection_id"),
            );
        }
    }
    if let Some(profile) = &messaging_profile_id {
        if record.messaging_profile_name(profile).is_none() {
            return error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "10017",
                "Associated resource does not exist",
                &format!("Messaging profile {profile} does not exist."),
                Source::Pointer("/messaging_profile_id"),
            );
        }
    }
    let mut numbers: Vec<&AvailableNumber> = Vec::new();
    for (index, item) in requested.iter().enumerate() {
        let pointer = format!("/phone_numbers/{index}/phone_number");
        let Some(phone_number) = item.get("phone_number").and_then(Value::as_str) else {
            return error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "10004",
                "Missing required parameter",
                "phone_number is required.",
                Source::Pointer(&pointer),
            );
        };
        let well_formed = phone_number.len() > 8
            && phone_number.starts_with('+')
            && phone_number[1..].bytes().all(|byte| byte.is_ascii_digit());
        if !well_formed {
            return error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "10016",
                "Phone number must be in +E.164 format",
                "The specified phone number parameter must be in +E.164 format.",
                Source::Pointer(&pointer),
            );
        }
        let available = shared
            .inventory
            .get(phone_number)
            .filter(|number| !world.taken.contains(&number.e164))
            .filter(|number| !numbers.iter().any(|chosen| chosen.e164 == number.e164));
        match available {
            Some(number) => numbers.push(number),
            None => {
                return invalid_field(
                    &pointer,
                    &format!("{phone_number} is not available for purchase."),
                )
            }
        }
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
    let connection_name = connection_id
        .as_deref()
        .and_then(|id| record.connection_name(id));
    let profile_name = messaging_profile_id
        .as_deref()
        .and_then(|id| record.messaging_profile_name(id));
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
    let seq = record.orders.keys().next_back().copied().unwrap_or(0) + 1;
    record.orders_by_id.insert(order_id, seq);
    record.orders.insert(seq, order);
    data(&reply)
}

async fn fetch_order(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let mut world = shared.write();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    if !world.telnyx[account].orders_by_id.contains_key(&id) {
        return not_found();
    }
    settle_orders(&mut world, account, Some(&id), shared.clock.now());
    let record = &world.telnyx[account];
    match record
        .orders_by_id
        .get(&id)
        .and_then(|seq| record.orders.get(seq))
    {
        Some(order) => data(&order_with_numbers(order)),
        None => not_found(),
    }
}

async fn list_orders(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response<Body> {
    let mut world = shared.write();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let pairs = parse_query(query.as_deref());
    let (number, size) = match page_params(&pairs, 20) {
        Ok(page) => page,
        Err(response) => return response,
    };
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
    json_response(StatusCode::OK, &page_of(&orders, number, size))
}

// ---------------------------------------------------------------------------------------------
// Phone numbers

async fn list_numbers(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response<Body> {
    let pairs = parse_query(query.as_deref());
    let account = match settle_if_pending(&shared, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let (number, size) = match page_params(&pairs, 20) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let world = shared.read();
    let record = &world.telnyx[account];
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
            && kind.map_or(true, |kind| candidate.phone_number_type == kind)
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
                    return bad_parameter(
                        "sort",
                        "sort must be one of purchased_at, phone_number, connection_name, usage_payment_method",
                    )
                }
            }
            let total = all.len();
            (all.into_iter().skip(start).take(size).collect(), total)
        }
    };
    json_response(
        StatusCode::OK,
        &ListBody {
            data,
            meta: page_meta(total, number, size),
        },
    )
}

/// Finds an owned number by its Telnyx id.
fn owned<'a>(record: &'a TelnyxAccount, id: &str) -> Option<&'a TelnyxNumber> {
    record.by_id.get(id).and_then(|seq| record.numbers.get(seq))
}

async fn fetch_number(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let account = match settle_if_pending(&shared, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let world = shared.read();
    match owned(&world.telnyx[account], &id) {
        Some(number) => data(number),
        None => not_found(),
    }
}

async fn update_number(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let mut world = shared.write();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let record = &mut world.telnyx[account];
    let Some(seq) = record.by_id.get(&id).copied() else {
        return not_found();
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(current) = record.numbers.get(&seq) else {
        return not_found();
    };
    let mut updated = current.clone();
    for (key, value) in &body {
        let pointer = format!("/{key}");
        let text = || -> Result<Option<String>, Response<Body>> {
            match value {
                Value::Null => Ok(None),
                Value::String(text) if text.is_empty() => Ok(None),
                Value::String(text) => Ok(Some(text.clone())),
                _ => Err(invalid_field(&pointer, &format!("{key} must be a string."))),
            }
        };
        let result = match key.as_str() {
            "connection_id" => text().and_then(|connection| {
                let name = match &connection {
                    Some(id) => match record.connection_name(id) {
                        Some(name) => Some(name),
                        None => {
                            return Err(error_response(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                "10017",
                                "Associated resource does not exist",
                                &format!("Connection {id} does not exist."),
                                Source::Pointer("/connection_id"),
                            ))
                        }
                    },
                    None => None,
                };
                updated.connection_id = connection;
                updated.connection_name = name;
                Ok(())
            }),
            "tags" => match value.as_array().map(|tags| {
                tags.iter()
                    .map(|tag| tag.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
            }) {
                Some(Some(tags)) => {
                    updated.tags = tags;
                    Ok(())
                }
                _ => Err(invalid_field("/tags", "tags must be an array of strings.")),
            },
            "customer_reference" => text().map(|value| updated.customer_reference = value),
            "billing_group_id" => text().map(|value| updated.billing_group_id = value),
            "external_pin" => text().map(|value| updated.external_pin = value),
            "address_id" => text().map(|_| ()),
            "hd_voice_enabled" => match value.as_bool() {
                Some(enabled) => {
                    updated.hd_voice_enabled = enabled;
                    Ok(())
                }
                None => Err(invalid_field(
                    &pointer,
                    "hd_voice_enabled must be a boolean.",
                )),
            },
            _ => Ok(()),
        };
        if let Err(response) = result {
            return response;
        }
    }
    updated.updated_at = state::iso8601(Utc::now());
    let reply = data(&updated);
    record.numbers.insert(seq, updated);
    reply
}

/// Keys of `PhoneNumberDetailed` that `PhoneNumberDeletedDetailed` does not have.
const NOT_IN_DELETED: [&str; 4] = [
    "country_iso_alpha2",
    "emergency_status",
    "inbound_call_screening",
    "source_type",
];

async fn delete_number(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let mut world = shared.write();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let record = &mut world.telnyx[account];
    let Some(seq) = record.by_id.get(&id).copied() else {
        return not_found();
    };
    if record
        .numbers
        .get(&seq)
        .is_some_and(|number| number.deletion_lock_enabled)
    {
        return invalid_field(
            "/deletion_lock_enabled",
            "The phone number has deletion lock enabled and cannot be deleted.",
        );
    }
    let Some(mut number) = remove_telnyx(record, seq) else {
        return not_found();
    };
    number.status = "deleted";
    number.updated_at = state::iso8601(Utc::now());
    let mut body = match serde_json::to_value(&number) {
        Ok(Value::Object(body)) => body,
        _ => return unexpected_error(StatusCode::INTERNAL_SERVER_ERROR),
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
    data(&Value::Object(body))
}

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
    let kind = if number.phone_number_type == "toll_free" {
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

async fn fetch_messaging(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let world = shared.read();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let record = &world.telnyx[account];
    match owned(record, &id) {
        Some(number) => data(&messaging_settings(record, number)),
        None => not_found(),
    }
}

async fn update_messaging(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let mut world = shared.write();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let record = &mut world.telnyx[account];
    let Some(seq) = record.by_id.get(&id).copied() else {
        return not_found();
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(current) = record.numbers.get(&seq) else {
        return not_found();
    };
    let mut updated = current.clone();
    match body.get("messaging_profile_id") {
        // Omitted or null: keep the current profile.
        None | Some(Value::Null) => {}
        // Empty: unassign.
        Some(Value::String(profile)) if profile.is_empty() => {
            updated.messaging_profile_id = None;
            updated.messaging_profile_name = None;
        }
        Some(Value::String(profile)) => match record.messaging_profile_name(profile) {
            Some(name) => {
                updated.messaging_profile_id = Some(profile.clone());
                updated.messaging_profile_name = Some(name);
            }
            None => {
                return error_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "10017",
                    "Associated resource does not exist",
                    &format!("Messaging profile {profile} does not exist."),
                    Source::Pointer("/messaging_profile_id"),
                )
            }
        },
        Some(_) => {
            return invalid_field(
                "/messaging_profile_id",
                "messaging_profile_id must be a string.",
            )
        }
    }
    match body.get("messaging_product") {
        None | Some(Value::Null) => {}
        Some(Value::String(product)) => updated.messaging_product = product.clone(),
        Some(_) => {
            return invalid_field("/messaging_product", "messaging_product must be a string.")
        }
    }
    if let Some(tags) = body.get("tags") {
        match tags.as_array().map(|tags| {
            tags.iter()
                .map(|tag| tag.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
        }) {
            Some(Some(tags)) => updated.tags = tags,
            _ => return invalid_field("/tags", "tags must be an array of strings."),
        }
    }
    updated.updated_at = state::iso8601(Utc::now());
    let reply = data(&messaging_settings(record, &updated));
    record.numbers.insert(seq, updated);
    reply
}

// ---------------------------------------------------------------------------------------------
// TeXML applications, messaging profiles, balance

async fn list_texml(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response<Body> {
    let world = shared.read();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let pairs = parse_query(query.as_deref());
    let (number, size) = match page_params(&pairs, 250) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let name = param(&pairs, "filter[friendly_name]").map(str::to_lowercase);
    let mut apps: Vec<TexmlApplication> = world.telnyx[account]
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
            return bad_parameter(
                "sort",
                "sort must be one of created_at, friendly_name, active",
            )
        }
    }
    if descending {
        apps.reverse();
    }
    json_response(StatusCode::OK, &page_of(&apps, number, size))
}

async fn fetch_texml(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let world = shared.read();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    match world.telnyx[account]
        .texml_applications
        .iter()
        .find(|app| app.id == id)
    {
        Some(app) => data(app),
        None => not_found(),
    }
}

async fn list_profiles(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response<Body> {
    let world = shared.read();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let pairs = parse_query(query.as_deref());
    let (number, size) = match page_params(&pairs, 20) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let exact = param(&pairs, "filter[name]").or_else(|| param(&pairs, "filter[name][eq]"));
    let contains = param(&pairs, "filter[name][contains]").map(str::to_lowercase);
    let profiles: Vec<MessagingProfile> = world.telnyx[account]
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
    json_response(StatusCode::OK, &page_of(&profiles, number, size))
}

async fn fetch_profile(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response<Body> {
    let world = shared.read();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    match world.telnyx[account]
        .messaging_profiles
        .iter()
        .find(|profile| profile.id == id)
    {
        Some(profile) => data(profile),
        None => not_found(),
    }
}

async fn balance(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response<Body> {
    let mut world = shared.write();
    let account = match authenticate(&world, &headers) {
        Ok(account) => account,
        Err(response) => return response,
    };
    settle_orders(&mut world, account, None, shared.clock.now());
    let record = &world.telnyx[account];
    let money = |cents: i64| {
        let sign = if cents < 0 { "-" } else { "" };
        let cents = cents.unsigned_abs();
        format!("{sign}{}.{:02}", cents / 100, cents % 100)
    };
    data(&json!({
        "record_type": "balance",
        "balance": money(record.balance_cents),
        "credit_limit": money(record.credit_limit_cents),
        "available_credit": money(record.balance_cents + record.credit_limit_cents),
        "pending": "0.00",
        "currency": "USD",
    }))
}
