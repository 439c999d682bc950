//! Request and reply pieces both carrier APIs of the sandbox are built from, so that Twilio's and
//! Telnyx's handlers differ only where the carriers do: the handler result, JSON replies, query
//! and form pairs, and the text checks both carriers make of phone numbers.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};

/// What a handler returns: the reply, or the carrier's error reply, which `?` hands back as soon
/// as a check fails.
pub(crate) type Reply = Result<Response<Body>, Response<Body>>;

/// A JSON body with this status and `Content-Type`.
pub(crate) fn json_reply(
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A reply without a body.
pub(crate) fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// Query-string or form pairs in the order they came, repeated names kept.
pub(crate) type Pairs = Vec<(String, String)>;

pub(crate) fn parse_pairs(raw: &[u8]) -> Pairs {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// A raw query string (`None` when the request had none) as pairs.
pub(crate) fn query_pairs(query: Option<&str>) -> Pairs {
    parse_pairs(query.unwrap_or("").as_bytes())
}

/// The first value given for `name`.
pub(crate) fn param<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A wanted text against a number's, ignoring case; no wanted text accepts anything.
pub(crate) fn same_text(wanted: Option<&str>, has: Option<&str>) -> bool {
    wanted.map_or(true, |wanted| {
        has.is_some_and(|has| has.eq_ignore_ascii_case(wanted))
    })
}

/// What both carriers accept as a number to buy: `+` and more than seven digits.
pub(crate) fn is_plus_digits(phone_number: &str) -> bool {
    phone_number.len() > 8
        && phone_number.starts_with('+')
        && phone_number[1..].bytes().all(|byte| byte.is_ascii_digit())
}

/// The digit a phone keypad puts a letter on, as a byte; every other byte stays as it is.
pub(crate) fn keypad_digit(byte: u8) -> u8 {
    match byte.to_ascii_uppercase() {
        b'A'..=b'C' => b'2',
        b'D'..=b'F' => b'3',
        b'G'..=b'I' => b'4',
        b'J'..=b'L' => b'5',
        b'M'..=b'O' => b'6',
        b'P'..=b'S' => b'7',
        b'T'..=b'V' => b'8',
        b'W'..=b'Z' => b'9',
        _ => byte,
    }
}
