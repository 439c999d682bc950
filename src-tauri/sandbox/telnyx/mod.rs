//! Telnyx's API v2 as the sandbox serves it under `/telnyx/v2`: number search, number orders
//! that complete later, owned phone numbers with offset paging, messaging settings, TeXML
//! applications, messaging profiles and balance, with Bearer auth, JSON bodies and Telnyx's
//! `{"errors": [...]}` bodies.
//!
//! This file holds the routes and what every handler shares (the [`Caller`] it starts from,
//! paging, body fields, replies and errors); each resource has a file of its own.

// Helpers return the carrier's ready-made error reply as their `Err`. It is built once per
// refused request and returned straight away, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

mod messaging;
mod numbers;
mod orders;
pub(super) mod requirements;
mod resources;
mod search;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Response, StatusCode};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::state::{self, Shared, TelnyxAccount};
use super::wire::{self, param, Pairs, Reply};
use super::{faults, inventory};

pub(crate) const PREFIX: &str = "/telnyx";

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/telnyx/v2/available_phone_numbers",
            get(search::search_available),
        )
        .route(
            "/telnyx/v2/number_orders",
            get(orders::list_orders).post(orders::create_order),
        )
        .route("/telnyx/v2/number_orders/{id}", get(orders::fetch_order))
        .route("/telnyx/v2/phone_numbers", get(numbers::list_numbers))
        .route(
            "/telnyx/v2/phone_numbers/{id}",
            get(numbers::fetch_number)
                .patch(numbers::update_number)
                .delete(numbers::delete_number),
        )
        .route(
            "/telnyx/v2/phone_numbers/{id}/messaging",
            get(messaging::fetch_messaging).patch(messaging::update_messaging),
        )
        .route("/telnyx/v2/texml_applications", get(resources::list_texml))
        .route(
            "/telnyx/v2/texml_applications/{id}",
            get(resources::fetch_texml),
        )
        .route(
            "/telnyx/v2/messaging_profiles",
            get(resources::list_profiles),
        )
        .route(
            "/telnyx/v2/messaging_profiles/{id}",
            get(resources::fetch_profile),
        )
        .route("/telnyx/v2/balance", get(resources::balance))
        .route(
            "/telnyx/v2/requirements",
            get(requirements::list_requirements),
        )
        .route(
            "/telnyx/v2/requirement_groups",
            get(requirements::list_requirement_groups),
        )
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// What every handler starts from

/// The account a request is signed in as (`Authorization: Bearer {api_key}`), and the sandbox.
/// Every Telnyx handler takes one after its path parameters: no resource answers a request
/// without a valid key with anything but 401.
pub(super) struct Caller {
    shared: Arc<Shared>,
    account: usize,
    /// The request is to be carried out twice ([`super::faults::FaultKind::DuplicateOrder`]).
    duplicate: bool,
}

impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = Response<Body>;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Caller, Response<Body>> {
        let account = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|key| shared.read().telnyx_by_key(key.trim()))
            .ok_or_else(unauthorized)?;
        Ok(Caller {
            shared: Arc::clone(shared),
            account,
            duplicate: parts
                .extensions
                .get::<super::faults::DuplicateOrder>()
                .is_some(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Replies and errors

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    wire::json_reply(status, "application/json", body)
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

/// A required field or parameter left out: code 10004.
fn missing(status: StatusCode, detail: &str, source: Source) -> Response<Body> {
    error_response(
        status,
        "10004",
        "Missing required parameter",
        detail,
        source,
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

/// A request against Telnyx's specification: a body field (`/connection_id`) is a 422 pointing at
/// it, anything else a 400 naming the parameter.
pub(crate) fn spec_violation(field: &str, detail: &str) -> Response<Body> {
    if field.starts_with('/') {
        invalid_field(field, detail)
    } else {
        bad_parameter(field, detail)
    }
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

/// The name of the account's voice connection `id`, or Telnyx's 10017 for one it does not have.
fn connection_name(record: &TelnyxAccount, id: &str) -> Result<String, Response<Body>> {
    record
        .connection_name(id)
        .ok_or_else(|| no_such("Connection", id, "/connection_id"))
}

/// The name of the account's messaging profile `id`, or Telnyx's 10017.
fn messaging_profile_name(record: &TelnyxAccount, id: &str) -> Result<String, Response<Body>> {
    record
        .messaging_profile_name(id)
        .ok_or_else(|| no_such("Messaging profile", id, "/messaging_profile_id"))
}

fn no_such(what: &str, id: &str, pointer: &str) -> Response<Body> {
    error_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        "10017",
        "Associated resource does not exist",
        &format!("{what} {id} does not exist."),
        Source::Pointer(pointer),
    )
}

// ---------------------------------------------------------------------------------------------
// Query strings, paging and bodies

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

/// One page of `items` as a list reply.
fn page_of<T: Clone + Serialize>(items: &[T], number: usize, size: usize) -> Response<Body> {
    let start = (number - 1).saturating_mul(size);
    json_response(
        StatusCode::OK,
        &ListBody {
            data: items.iter().skip(start).take(size).cloned().collect(),
            meta: page_meta(items.len(), number, size),
        },
    )
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Response<Body>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(invalid_json()),
    }
}

/// A text field of a body: absent, null and `""` are none, anything but a string is refused.
fn optional_text(value: Option<&Value>, key: &str) -> Result<Option<String>, Response<Body>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid_field(
            &format!("/{key}"),
            &format!("{key} must be a string."),
        )),
    }
}

/// A `tags` field: an array of strings.
fn tags(value: &Value) -> Result<Vec<String>, Response<Body>> {
    value
        .as_array()
        .and_then(|tags| {
            tags.iter()
                .map(|tag| tag.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
        })
        .ok_or_else(|| invalid_field("/tags", "tags must be an array of strings."))
}
