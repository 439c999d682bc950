//! Twilio's wire API as the sandbox serves it: REST 2010-04-01 (account, available numbers,
//! incoming numbers), Pricing v1 phone-number prices and Routes v2 inbound processing region,
//! with form-encoded requests, HTTP Basic auth (Account SID + Auth Token, or API key) and
//! Twilio's error bodies. Paths sit under `/twilio/api`, `/twilio/pricing` and `/twilio/routes`.

// Helpers return the carrier's ready-made error reply as their `Err`. It is built once per
// refused request and returned straight away, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use chrono::Utc;
use serde::Serialize;

use super::inventory::{self, AvailableNumber, NumberType};
use super::state::{self, remove_twilio, Shared, TwilioCapabilities, TwilioNumber, World};

pub(crate) const API_PREFIX: &str = "/twilio/api";
pub(crate) const PRICING_PREFIX: &str = "/twilio/pricing";
pub(crate) const ROUTES_PREFIX: &str = "/twilio/routes";

/// Regions Routes v2 accepts as `VoiceRegion` in the sandbox.
const VOICE_REGIONS: [&str; 8] = ["us1", "us2", "ie1", "au1", "br1", "de1", "jp1", "sg1"];

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    let accounts = "/twilio/api/2010-04-01/Accounts";
    Router::new()
        .route(&format!("{accounts}/{{account}}"), get(fetch_account))
        .route(
            &format!("{accounts}/{{account}}/AvailablePhoneNumbers.json"),
            get(list_countries),
        )
        .route(
            &format!("{accounts}/{{account}}/AvailablePhoneNumbers/{{country}}"),
            get(fetch_country),
        )
        .route(
            &format!("{accounts}/{{account}}/AvailablePhoneNumbers/{{country}}/{{kind}}"),
            get(search_available),
        )
        .route(
            &format!("{accounts}/{{account}}/IncomingPhoneNumbers.json"),
            get(list_incoming).post(create_incoming),
        )
        .route(
            &format!("{accounts}/{{account}}/IncomingPhoneNumbers/{{item}}"),
            get(fetch_incoming_item)
                .post(post_incoming_item)
                .delete(delete_incoming),
        )
        .route(
            "/twilio/pricing/v1/PhoneNumbers/Countries",
            get(list_price_countries),
        )
        .route(
            "/twilio/pricing/v1/PhoneNumbers/Countries/{iso}",
            get(fetch_price_country),
        )
        .route(
            "/twilio/routes/v2/PhoneNumbers/{phone}",
            get(fetch_route).post(update_route),
        )
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// Replies and errors

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes(status, body),
        Err(_) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            20500,
            "An internal server error has occurred".to_string(),
        ),
    }
}

#[derive(Serialize)]
struct ErrorBody {
    code: u32,
    message: String,
    more_info: String,
    status: u16,
}

/// Twilio's error body: `{code, message, more_info, status}`.
pub(crate) fn error_response(status: StatusCode, code: u32, message: String) -> Response<Body> {
    let body = ErrorBody {
        code,
        message,
        more_info: format!("https://www.twilio.com/docs/errors/{code}"),
        status: status.as_u16(),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    json_bytes(status, bytes)
}

fn unauthorized() -> Response<Body> {
    let mut response = error_response(StatusCode::UNAUTHORIZED, 20003, "Authenticate".to_string());
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Twilio API\""),
    );
    response
}

/// Twilio's 404: names the requested path relative to the host.
pub(crate) fn not_found_path(path: &str) -> Response<Body> {
    error_response(
        StatusCode::NOT_FOUND,
        20404,
        format!("The requested resource {path} was not found"),
    )
}

fn not_found(uri: &Uri) -> Response<Body> {
    not_found_path(relative_path(uri))
}

fn bad_request(code: u32, message: String) -> Response<Body> {
    error_response(StatusCode::BAD_REQUEST, code, message)
}

/// The path as the real host would see it: the sandbox prefix removed.
fn relative_path(uri: &Uri) -> &str {
    let path = uri.path();
    [API_PREFIX, PRICING_PREFIX, ROUTES_PREFIX]
        .into_iter()
        .find_map(|prefix| path.strip_prefix(prefix))
        .unwrap_or(path)
}

/// The fallback for any unknown path under `/twilio`.
pub(crate) fn unknown_path(uri: &Uri) -> Response<Body> {
    not_found(uri)
}

// ---------------------------------------------------------------------------------------------
// Auth and parameters

struct Caller {
    account: usize,
    via_api_key: bool,
}

fn authenticate(world: &World, headers: &HeaderMap) -> Result<Caller, Response<Body>> {
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok());
    let Some(credentials) = credentials else {
        return Err(unauthorized());
    };
    let Some((user, password)) = credentials.split_once(':') else {
        return Err(unauthorized());
    };
    for (index, account) in world.twilio.iter().enumerate() {
        if account.sid == user && account.auth_token == password {
            return Ok(Caller {
                account: index,
                via_api_key: false,
            });
        }
        if account.api_key_sid == user && account.api_key_secret == password {
            return Ok(Caller {
                account: index,
                via_api_key: true,
            });
        }
    }
    Err(unauthorized())
}

/// Authenticates and checks that the `{AccountSid}` in the path is the caller's own account.
fn caller_for_path(
    world: &World,
    headers: &HeaderMap,
    account_sid: &str,
    uri: &Uri,
) -> Result<Caller, Response<Body>> {
    let caller = authenticate(world, headers)?;
    if world.twilio[caller.account].sid != account_sid {
        return Err(not_found(uri));
    }
    Ok(caller)
}

type Pairs = Vec<(String, String)>;

fn parse_pairs(raw: &[u8]) -> Pairs {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

fn param<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn bool_param(pairs: &Pairs, name: &str) -> Result<Option<bool>, Response<Body>> {
    match param(pairs, name) {
        None => Ok(None),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(value) => Err(bad_request(
            20001,
            format!("Invalid {name}: {value} is not a boolean"),
        )),
    }
}

/// `PageSize` as Twilio reads it: default 50, at most 1000.
fn page_size(pairs: &Pairs) -> Result<usize, Response<Body>> {
    match param(pairs, "PageSize") {
        None => Ok(50),
        Some(value) => match value.parse::<usize>() {
            Ok(size) if (1..=1000).contains(&size) => Ok(size),
            _ => Err(bad_request(
                20001,
                format!("Invalid PageSize: {value} (must be between 1 and 1000)"),
            )),
        },
    }
}

fn strip_json(segment: &str) -> Option<&str> {
    segment.strip_suffix(".json")
}

fn encode_query(pairs: &[(&str, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

// ---------------------------------------------------------------------------------------------
// Account

#[derive(Serialize)]
struct AccountBody {
    auth_token: String,
    date_created: String,
    date_updated: String,
    friendly_name: String,
    owner_account_sid: String,
    sid: String,
    status: &'static str,
    subresource_uris: serde_json::Value,
    #[serde(rename = "type")]
    kind: &'static str,
    uri: String,
}

async fn fetch_account(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    let world = shared.read();
    let caller = match authenticate(&world, &headers) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    // A standard API key may not read the Accounts resource; Twilio answers 401.
    if caller.via_api_key {
        return unauthorized();
    }
    let Some(sid) = strip_json(&account) else {
        return not_found(&uri);
    };
    let record = &world.twilio[caller.account];
    if record.sid != sid {
        return not_found(&uri);
    }
    let base = format!("/2010-04-01/Accounts/{sid}");
    let subresources = [
        ("addresses", "Addresses"),
        ("available_phone_numbers", "AvailablePhoneNumbers"),
        ("balance", "Balance"),
        ("calls", "Calls"),
        ("incoming_phone_numbers", "IncomingPhoneNumbers"),
        ("messages", "Messages"),
        ("applications", "Applications"),
    ];
    let subresource_uris: serde_json::Map<String, serde_json::Value> = subresources
        .into_iter()
        .map(|(key, name)| (key.to_string(), format!("{base}/{name}.json").into()))
        .collect();
    let date = state::rfc2822(record.date_created);
    json(
        StatusCode::OK,
        &AccountBody {
            auth_token: record.auth_token.clone(),
            date_created: date.clone(),
            date_updated: date,
            friendly_name: record.friendly_name.clone(),
            owner_account_sid: record.sid.clone(),
            sid: record.sid.clone(),
            status: "active",
            subresource_uris: serde_json::Value::Object(subresource_uris),
            kind: "Full",
            uri: format!("{base}.json"),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// AvailablePhoneNumbers

#[derive(Serialize)]
struct CountryBody {
    country_code: &'static str,
    country: &'static str,
    uri: String,
    beta: bool,
    subresource_uris: serde_json::Value,
}

fn country_body(shared: &Shared, account_sid: &str, iso: &'static str) -> Option<CountryBody> {
    let country = shared.inventory.country(iso)?;
    let base = format!("/2010-04-01/Accounts/{account_sid}/AvailablePhoneNumbers/{iso}");
    let subresource_uris: serde_json::Map<String, serde_json::Value> = shared
        .inventory
        .types_in(iso)
        .into_iter()
        .map(|kind| {
            (
                kind.as_str().to_string(),
                format!("{base}/{}.json", kind.twilio_segment()).into(),
            )
        })
        .collect();
    Some(CountryBody {
        country_code: country.iso,
        country: country.name,
        uri: format!("{base}.json"),
        beta: false,
        subresource_uris: serde_json::Value::Object(subresource_uris),
    })
}

async fn list_countries(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    if let Err(response) = caller_for_path(&shared.read(), &headers, &account, &uri) {
        return response;
    }
    let countries: Vec<CountryBody> = shared
        .inventory
        .countries
        .iter()
        .filter_map(|country| country_body(&shared, &account, country.iso))
        .collect();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "countries": countries,
            "uri": format!("/2010-04-01/Accounts/{account}/AvailablePhoneNumbers.json"),
        }),
    )
}

async fn fetch_country(
    State(shared): State<Arc<Shared>>,
    Path((account, country)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    if let Err(response) = caller_for_path(&shared.read(), &headers, &account, &uri) {
        return response;
    }
    let Some(iso) = strip_json(&country) else {
        return not_found(&uri);
    };
    let Some(iso) = shared.inventory.country(iso).map(|country| country.iso) else {
        return not_found(&uri);
    };
    match country_body(&shared, &account, iso) {
        Some(body) => json(StatusCode::OK, &body),
        None => not_found(&uri),
    }
}

#[derive(Serialize)]
struct AvailableItem<'a> {
    friendly_name: String,
    phone_number: &'a str,
    lata: Option<&'a str>,
    locality: Option<&'a str>,
    rate_center: Option<&'a str>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    region: Option<&'a str>,
    postal_code: Option<&'a str>,
    iso_country: &'a str,
    address_requirements: &'static str,
    beta: bool,
    capabilities: TwilioCapabilities,
}

#[derive(Serialize)]
struct AvailablePage<'a> {
    available_phone_numbers: Vec<AvailableItem<'a>>,
    end: usize,
    first_page_uri: String,
    next_page_uri: Option<String>,
    page: usize,
    page_size: usize,
    previous_page_uri: Option<String>,
    start: usize,
    uri: String,
}

/// The search filters of `AvailablePhoneNumbers/{Country}/{Type}.json`.
struct SearchFilter {
    area_code: Option<String>,
    contains: Option<String>,
    sms: Option<bool>,
    mms: Option<bool>,
    voice: Option<bool>,
    fax: Option<bool>,
    in_region: Option<String>,
    in_locality: Option<String>,
    in_postal_code: Option<String>,
    in_lata: Option<String>,
    in_rate_center: Option<String>,
}

impl SearchFilter {
    fn parse(pairs: &Pairs, iso: &str) -> Result<SearchFilter, Response<Body>> {
        let area_code = param(pairs, "AreaCode").map(str::to_string);
        if let Some(code) = &area_code {
            if matches!(iso, "US" | "CA") && !inventory::is_nanp_area_code(code) {
                return Err(bad_request(21451, format!("Invalid area code: {code}")));
            }
        }
        let contains = param(pairs, "Contains").map(str::to_string);
        if let Some(pattern) = &contains {
            if !valid_contains(pattern) {
                return Err(bad_request(
                    20001,
                    format!("Invalid Contains pattern: {pattern}"),
                ));
            }
        }
        let in_rate_center = param(pairs, "InRateCenter").map(str::to_string);
        let in_lata = param(pairs, "InLata").map(str::to_string);
        if in_rate_center.is_some() && in_lata.is_none() {
            return Err(bad_request(
                20001,
                "InRateCenter requires InLata".to_string(),
            ));
        }
        Ok(SearchFilter {
            area_code,
            contains,
            sms: bool_param(pairs, "SmsEnabled")?,
            mms: bool_param(pairs, "MmsEnabled")?,
            voice: bool_param(pairs, "VoiceEnabled")?,
            fax: bool_param(pairs, "FaxEnabled")?,
            in_region: param(pairs, "InRegion").map(str::to_string),
            in_locality: param(pairs, "InLocality").map(str::to_string),
            in_postal_code: param(pairs, "InPostalCode").map(str::to_string),
            in_lata,
            in_rate_center,
        })
    }

    fn accepts(&self, number: &AvailableNumber) -> bool {
        let caps = number.capabilities;
        let flag = |wanted: Option<bool>, has: bool| wanted.map_or(true, |wanted| wanted == has);
        let text = |wanted: &Option<String>, has: Option<&str>| {
            wanted.as_deref().map_or(true, |wanted| {
                has.is_some_and(|has| has.eq_ignore_ascii_case(wanted))
            })
        };
        flag(self.sms, caps.sms)
            && flag(self.mms, caps.mms)
            && flag(self.voice, caps.voice)
            && flag(self.fax, caps.fax)
            && text(&self.in_region, number.area.region)
            && text(&self.in_locality, number.area.locality)
            && text(&self.in_postal_code, number.area.postal_code)
            && text(&self.in_lata, number.area.lata)
            && text(&self.in_rate_center, number.area.rate_center)
            && self
                .contains
                .as_deref()
                .map_or(true, |pattern| contains_matches(pattern, &number.e164))
    }
}

async fn search_available(
    State(shared): State<Arc<Shared>>,
    Path((account, country, kind)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    let world = shared.read();
    if let Err(response) = caller_for_path(&world, &headers, &account, &uri) {
        return response;
    }
    let Some(iso) = shared
        .inventory
        .country(&country)
        .map(|country| country.iso)
    else {
        return not_found(&uri);
    };
    let Some(kind) = strip_json(&kind).and_then(NumberType::from_twilio_segment) else {
        return not_found(&uri);
    };
    if shared.inventory.offer(iso, kind).is_none() {
        return not_found(&uri);
    }
    let pairs = parse_pairs(query.as_deref().unwrap_or("").as_bytes());
    let size = match page_size(&pairs) {
        Ok(size) => size,
        Err(response) => return response,
    };
    let filter = match SearchFilter::parse(&pairs, iso) {
        Ok(filter) => filter,
        Err(response) => return response,
    };
    let ndc = if matches!(iso, "US" | "CA") {
        filter.area_code.as_deref()
    } else {
        None
    };
    let items: Vec<AvailableItem> = shared
        .inventory
        .candidates(iso, kind, ndc)
        .filter(|number| !world.taken.contains(&number.e164))
        .filter(|number| filter.accepts(number))
        .take(size)
        .map(|number| AvailableItem {
            friendly_name: number.friendly_name(),
            phone_number: &number.e164,
            lata: number.area.lata,
            locality: number.area.locality,
            rate_center: number.area.rate_center,
            latitude: number.area.latitude,
            longitude: number.area.longitude,
            region: number.area.region,
            postal_code: number.area.postal_code,
            iso_country: number.country,
            address_requirements: "none",
            beta: false,
            capabilities: TwilioCapabilities {
                mms: number.capabilities.mms,
                sms: number.capabilities.sms,
                voice: number.capabilities.voice,
                fax: number.capabilities.fax,
            },
        })
        .collect();
    let path = relative_path(&uri).to_string();
    let current = match query.as_deref() {
        Some(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.clone(),
    };
    let first_pairs: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(key, _)| key != "Page" && key != "PageToken" && key != "PageSize")
        .map(|(key, value)| (key.as_str(), value.clone()))
        .chain([("PageSize", size.to_string()), ("Page", "0".to_string())])
        .collect();
    let count = items.len();
    json(
        StatusCode::OK,
        &AvailablePage {
            available_phone_numbers: items,
            end: count.saturating_sub(1),
            first_page_uri: format!("{path}?{}", encode_query(&first_pairs)),
            next_page_uri: None,
            page: 0,
            page_size: size,
            previous_page_uri: None,
            start: 0,
            uri: current,
        },
    )
}

/// Is this a `Contains` pattern Twilio accepts: 2 to 16 of digits, letters, `*` and `%`, with
/// an optional leading `+` and trailing `$`?
fn valid_contains(pattern: &str) -> bool {
    let core = pattern.strip_prefix('+').unwrap_or(pattern);
    let core = core.strip_suffix('$').unwrap_or(core);
    (2..=16).contains(&pattern.len())
        && !core.is_empty()
        && core
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '%')
}

/// Matches Twilio's `Contains`: letters stand for their keypad digits, `*` for one character,
/// `%` for any run; a leading `+` anchors at the start of the E.164, a trailing `$` at the end.
fn contains_matches(pattern: &str, e164: &str) -> bool {
    let anchored_start = pattern.starts_with('+');
    let anchored_end = pattern.ends_with('$');
    let core = pattern.trim_start_matches('+').trim_end_matches('$');
    let mut glob: Vec<u8> = Vec::with_capacity(core.len() + 2);
    if !anchored_start {
        glob.push(b'%');
    }
    glob.extend(core.bytes().map(keypad_digit));
    if !anchored_end {
        glob.push(b'%');
    }
    let digits = e164.trim_start_matches('+').as_bytes();
    glob_matches(&glob, digits)
}

fn keypad_digit(byte: u8) -> u8 {
    match byte.to_ascii_uppercase() {
        b'A'..=b'C' => b'2',
        b'D'..=b'F' => b'3',
        b'G'..=b'I' => b'4',
        b'J'..=b'L' => b'5',
        b'M'..=b'O' => b'6',
        b'P'..=b'S' => b'7',
        b'T'..=b'V' => b'8',
        b'W'..=b'Z' => b'9',
        other => other,
    }
}

fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    // Classic dynamic programming over (glob position, text position); both are short.
    let mut reachable = vec![false; text.len() + 1];
    reachable[0] = true;
    for &token in glob {
        let mut next = vec![false; text.len() + 1];
        for position in 0..=text.len() {
            if !reachable[position] {
                continue;
            }
            match token {
                b'%' => {
                    for later in next.iter_mut().skip(position) {
                        *later = true;
                    }
                }
                b'*' => {
                    if position < text.len() {
                        next[position + 1] = true;
                    }
                }
                literal => {
                    if position < text.len() && text[position] == literal {
                        next[position + 1] = true;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable[text.len()]
}

// ---------------------------------------------------------------------------------------------
// IncomingPhoneNumbers

#[derive(Serialize)]
struct IncomingPage<'a> {
    end: usize,
    first_page_uri: String,
    next_page_uri: Option<String>,
    page: usize,
    page_size: usize,
    previous_page_uri: Option<String>,
    start: usize,
    uri: String,
    incoming_phone_numbers: Vec<&'a TwilioNumber>,
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

fn list_page(
    shared: &Shared,
    account_sid: &str,
    headers: &HeaderMap,
    uri: &Uri,
    query: Option<&str>,
    kind: Option<NumberType>,
) -> Response<Body> {
    let world = shared.read();
    let caller = match caller_for_path(&world, headers, account_sid, uri) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let pairs = parse_pairs(query.unwrap_or("").as_bytes());
    let size = match page_size(&pairs) {
        Ok(size) => size,
        Err(response) => return response,
    };
    let page: usize = param(&pairs, "Page")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let start = match param(&pairs, "PageToken") {
        Some(token) => {
            let parsed = token
                .strip_prefix("PA")
                .and_then(|seq| seq.parse().ok())
                .map(PageStart::After)
                .or_else(|| {
                    token
                        .strip_prefix("PB")
                        .and_then(|seq| seq.parse().ok())
                        .map(PageStart::Before)
                });
            match parsed {
                Some(start) => start,
                None => return bad_request(20001, format!("Invalid PageToken: {token}")),
            }
        }
        None => PageStart::Offset(page.saturating_mul(size)),
    };
    let filter = ListFilter {
        phone_number: param(&pairs, "PhoneNumber").map(str::to_string),
        friendly_name: param(&pairs, "FriendlyName").map(str::to_string),
        origin: param(&pairs, "Origin").map(str::to_string),
        kind,
    };
    let account = &world.twilio[caller.account];
    let (items, has_more): (Vec<(u64, &TwilioNumber)>, bool) = match start {
        PageStart::After(after) => {
            let mut items: Vec<(u64, &TwilioNumber)> = account
                .numbers
                .range(after.saturating_add(1)..)
                .filter(|(_, number)| filter.accepts(number))
                .take(size + 1)
                .map(|(seq, number)| (*seq, number))
                .collect();
            let more = items.len() > size;
            items.truncate(size);
            (items, more)
        }
        PageStart::Before(before) => {
            let mut items: Vec<(u64, &TwilioNumber)> = account
                .numbers
                .range(..before)
                .rev()
                .filter(|(_, number)| filter.accepts(number))
                .take(size)
                .map(|(seq, number)| (*seq, number))
                .collect();
            items.reverse();
            (items, true)
        }
        PageStart::Offset(offset) => {
            let mut items: Vec<(u64, &TwilioNumber)> = account
                .numbers
                .iter()
                .filter(|(_, number)| filter.accepts(number))
                .skip(offset)
                .take(size + 1)
                .map(|(seq, number)| (*seq, number))
                .collect();
            let more = items.len() > size;
            items.truncate(size);
            (items, more)
        }
    };

    let path = relative_path(uri).to_string();
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
    let first = page * size;
    let body = IncomingPage {
        end: (first + count).saturating_sub(1).max(first),
        first_page_uri: link(0, None),
        next_page_uri,
        page,
        page_size: size,
        previous_page_uri,
        start: first,
        uri: link(page, current_token),
        incoming_phone_numbers: items.into_iter().map(|(_, number)| number).collect(),
    };
    if kind.is_none() {
        return json(StatusCode::OK, &body);
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
    json(StatusCode::OK, &value)
}

async fn list_incoming(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    list_page(&shared, &account, &headers, &uri, query.as_deref(), None)
}

async fn create_incoming(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    purchase(&shared, &account, &headers, &uri, &body, None)
}

async fn fetch_incoming_item(
    State(shared): State<Arc<Shared>>,
    Path((account, item)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    let Some(name) = strip_json(&item) else {
        return not_found(&uri);
    };
    if let Some(kind) = typed_list_kind(name) {
        return list_page(
            &shared,
            &account,
            &headers,
            &uri,
            query.as_deref(),
            Some(kind),
        );
    }
    let world = shared.read();
    let caller = match caller_for_path(&world, &headers, &account, &uri) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let record = &world.twilio[caller.account];
    match record
        .by_sid
        .get(name)
        .and_then(|seq| record.numbers.get(seq))
    {
        Some(number) => json(StatusCode::OK, number),
        None => not_found(&uri),
    }
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

async fn post_incoming_item(
    State(shared): State<Arc<Shared>>,
    Path((account, item)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    let Some(name) = strip_json(&item) else {
        return not_found(&uri);
    };
    if let Some(kind) = typed_list_kind(name) {
        return purchase(&shared, &account, &headers, &uri, &body, Some(kind));
    }
    let pairs = parse_pairs(&body);
    let mut world = shared.write();
    let caller = match caller_for_path(&world, &headers, &account, &uri) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let record = &mut world.twilio[caller.account];
    let Some(seq) = record.by_sid.get(name).copied() else {
        return not_found(&uri);
    };
    let Some(number) = record.numbers.get_mut(&seq) else {
        return not_found(&uri);
    };
    let mut updated = number.clone();
    if let Err(response) = apply_config(&mut updated, &pairs) {
        return response;
    }
    updated.date_updated = state::rfc2822(Utc::now());
    *number = updated;
    json(StatusCode::OK, &*number)
}

async fn delete_incoming(
    State(shared): State<Arc<Shared>>,
    Path((account, item)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    let Some(name) = strip_json(&item) else {
        return not_found(&uri);
    };
    let mut world = shared.write();
    let caller = match caller_for_path(&world, &headers, &account, &uri) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let record = &mut world.twilio[caller.account];
    let Some(seq) = record.by_sid.get(name).copied() else {
        return not_found(&uri);
    };
    // A released number is not put back on sale: real numbers age before they are resold.
    remove_twilio(record, seq);
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

fn purchase(
    shared: &Shared,
    account_sid: &str,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
    kind: Option<NumberType>,
) -> Response<Body> {
    let pairs = parse_pairs(body);
    let mut world = shared.write();
    let caller = match caller_for_path(&world, headers, account_sid, uri) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let number = match (param(&pairs, "PhoneNumber"), param(&pairs, "AreaCode")) {
        (Some(phone_number), _) => {
            let phone_number = phone_number.trim();
            let well_formed = phone_number.len() > 8
                && phone_number.starts_with('+')
                && phone_number[1..].bytes().all(|byte| byte.is_ascii_digit());
            if !well_formed {
                return bad_request(21421, format!("PhoneNumber {phone_number} is invalid"));
            }
            let available = shared.inventory.get(phone_number).filter(|number| {
                !world.taken.contains(&number.e164) && kind.map_or(true, |kind| kind == number.kind)
            });
            match available {
                Some(number) => number,
                None => {
                    return bad_request(
                        21422,
                        format!("PhoneNumber {phone_number} is not available"),
                    )
                }
            }
        }
        (None, Some(area_code)) => {
            if kind.is_some() {
                return bad_request(
                    21457,
                    "AreaCode is not supported for this resource; use PhoneNumber".to_string(),
                );
            }
            if !inventory::is_nanp_area_code(area_code) {
                return bad_request(21451, format!("Invalid area code: {area_code}"));
            }
            let found = ["US", "CA"].into_iter().find_map(|iso| {
                shared
                    .inventory
                    .candidates(iso, NumberType::Local, Some(area_code))
                    .find(|number| !world.taken.contains(&number.e164))
            });
            match found {
                Some(number) => number,
                None => {
                    return bad_request(
                        21452,
                        format!("No phone numbers found in area code {area_code}"),
                    )
                }
            }
        }
        (None, None) => {
            return bad_request(
                21421,
                "A PhoneNumber or AreaCode is required to purchase a number".to_string(),
            )
        }
    };
    let mut record = world.prepare_twilio(caller.account, number, Utc::now());
    // The configuration is checked before anything is bought.
    if let Err(response) = apply_config(&mut record, &pairs) {
        return response;
    }
    let mut reply = serde_json::to_value(&record).unwrap_or_default();
    if kind.is_some() {
        // The typed paths' schema has no `type` field.
        if let Some(object) = reply.as_object_mut() {
            object.remove("type");
        }
    }
    let body = serde_json::to_vec(&reply).unwrap_or_default();
    world.commit_twilio(caller.account, record);
    json_bytes(StatusCode::CREATED, body)
}

/// Applies the optional configuration parameters of purchase and update. Sending a parameter
/// overwrites the setting; leaving it out keeps it.
fn apply_config(number: &mut TwilioNumber, pairs: &Pairs) -> Result<(), Response<Body>> {
    for (key, value) in pairs {
        match key.as_str() {
            "FriendlyName" => {
                if value.chars().count() > 64 {
                    return Err(bad_request(
                        20001,
                        "FriendlyName must be at most 64 characters".to_string(),
                    ));
                }
                number.friendly_name = value.clone();
            }
            "ApiVersion" => number.api_version = value.clone(),
            "VoiceUrl" => number.voice_url = value.clone(),
            "VoiceMethod" => number.voice_method = http_method(key, value)?,
            "VoiceFallbackUrl" => number.voice_fallback_url = value.clone(),
            "VoiceFallbackMethod" => number.voice_fallback_method = http_method(key, value)?,
            "VoiceCallerIdLookup" => {
                number.voice_caller_id_lookup = value.eq_ignore_ascii_case("true")
            }
            "VoiceApplicationSid" => {
                number.voice_application_sid = sid_value(key, value, "AP")?;
                if number.voice_application_sid.is_some() {
                    number.trunk_sid = None;
                }
            }
            "TrunkSid" => {
                number.trunk_sid = sid_value(key, value, "TK")?;
                if number.trunk_sid.is_some() {
                    number.voice_application_sid = None;
                }
            }
            "VoiceReceiveMode" => {
                number.voice_receive_mode = match value.as_str() {
                    "voice" => "voice",
                    "fax" => "fax",
                    _ => return Err(invalid_parameter(key, value)),
                }
            }
            "SmsUrl" => number.sms_url = value.clone(),
            "SmsMethod" => number.sms_method = http_method(key, value)?,
            "SmsFallbackUrl" => number.sms_fallback_url = value.clone(),
            "SmsFallbackMethod" => number.sms_fallback_method = http_method(key, value)?,
            "SmsApplicationSid" => number.sms_application_sid = sid_value(key, value, "AP")?,
            "StatusCallback" => number.status_callback = value.clone(),
            "StatusCallbackMethod" => number.status_callback_method = http_method(key, value)?,
            "EmergencyStatus" => {
                number.emergency_status = match value.as_str() {
                    "Active" => "Active",
                    "Inactive" => "Inactive",
                    _ => return Err(invalid_parameter(key, value)),
                }
            }
            "EmergencyAddressSid" => number.emergency_address_sid = sid_value(key, value, "AD")?,
            "AddressSid" => number.address_sid = sid_value(key, value, "AD")?,
            "IdentitySid" => number.identity_sid = sid_value(key, value, "RI")?,
            "BundleSid" => number.bundle_sid = sid_value(key, value, "BU")?,
            _ => {}
        }
    }
    Ok(())
}

fn invalid_parameter(key: &str, value: &str) -> Response<Body> {
    bad_request(20001, format!("Invalid {key}: {value}"))
}

fn http_method(key: &str, value: &str) -> Result<String, Response<Body>> {
    match value.to_ascii_uppercase().as_str() {
        "GET" => Ok("GET".to_string()),
        "POST" => Ok("POST".to_string()),
        _ => Err(invalid_parameter(key, value)),
    }
}

/// A SID parameter: empty clears it, otherwise it must be `<prefix>` + 32 hex digits.
fn sid_value(key: &str, value: &str, prefix: &str) -> Result<Option<String>, Response<Body>> {
    if value.is_empty() {
        return Ok(None);
    }
    let well_formed = value.len() == 34
        && value.starts_with(prefix)
        && value[2..].bytes().all(|byte| byte.is_ascii_hexdigit());
    if well_formed {
        Ok(Some(value.to_string()))
    } else {
        Err(invalid_parameter(key, value))
    }
}

// ---------------------------------------------------------------------------------------------
// Pricing v1

async fn list_price_countries(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response<Body> {
    if let Err(response) = authenticate(&shared.read(), &headers) {
        return response;
    }
    let pairs = parse_pairs(query.as_deref().unwrap_or("").as_bytes());
    let size = match page_size(&pairs) {
        Ok(size) => size,
        Err(response) => return response,
    };
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
    json(
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
    )
}

async fn fetch_price_country(
    State(shared): State<Arc<Shared>>,
    Path(iso): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    if let Err(response) = authenticate(&shared.read(), &headers) {
        return response;
    }
    let Some(country) = shared.inventory.country(&iso.to_ascii_uppercase()) else {
        return not_found(&uri);
    };
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
    json(
        StatusCode::OK,
        &serde_json::json!({
            "country": country.name,
            "iso_country": country.iso,
            "phone_number_prices": prices,
            "price_unit": "USD",
            "url": format!("{}/v1/PhoneNumbers/Countries/{}", shared.base.twilio_pricing, country.iso),
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// Routes v2

fn route_body(shared: &Shared, number: &TwilioNumber) -> serde_json::Value {
    serde_json::json!({
        "phone_number": number.phone_number,
        "url": format!("{}/v2/PhoneNumbers/{}", shared.base.twilio_routes, number.phone_number),
        "sid": number.routes.sid,
        "account_sid": number.account_sid,
        "friendly_name": number.routes.friendly_name,
        "voice_region": number.routes.voice_region,
        "date_created": state::iso8601_seconds(number.routes.date_created),
        "date_updated": state::iso8601_seconds(number.routes.date_updated),
    })
}

async fn fetch_route(
    State(shared): State<Arc<Shared>>,
    Path(phone): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response<Body> {
    let world = shared.read();
    let caller = match authenticate(&world, &headers) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let account = &world.twilio[caller.account];
    match account
        .by_e164
        .get(phone.trim())
        .and_then(|seq| account.numbers.get(seq))
    {
        Some(number) => json(StatusCode::OK, &route_body(&shared, number)),
        None => not_found(&uri),
    }
}

async fn update_route(
    State(shared): State<Arc<Shared>>,
    Path(phone): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response<Body> {
    let pairs = parse_pairs(&body);
    let mut world = shared.write();
    let caller = match authenticate(&world, &headers) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let account = &mut world.twilio[caller.account];
    let Some(seq) = account.by_e164.get(phone.trim()).copied() else {
        return not_found(&uri);
    };
    let Some(number) = account.numbers.get_mut(&seq) else {
        return not_found(&uri);
    };
    if let Some(region) = param(&pairs, "VoiceRegion") {
        if !VOICE_REGIONS.contains(&region) {
            return bad_request(20001, format!("Invalid VoiceRegion: {region}"));
        }
        number.routes.voice_region = region.to_string();
    }
    if let Some(name) = param(&pairs, "FriendlyName") {
        if name.chars().count() > 64 {
            return bad_request(
                20001,
                "FriendlyName must be at most 64 characters".to_string(),
            );
        }
        number.routes.friendly_name = Some(name.to_string());
    }
    number.routes.date_updated = Utc::now();
    json(StatusCode::OK, &route_body(&shared, number))
}

/// Requests with a method the path does not support get Twilio's 405 body.
pub(crate) fn method_not_allowed(method: &Method) -> Response<Body> {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        20004,
        format!("Method {method} not allowed"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_follows_twilio_patterns() {
        let cases = [
            ("555", "+14155550123", true),
            ("+1415", "+14155550123", true),
            ("+1212", "+14155550123", false),
            ("0123$", "+14155550123", true),
            ("0124$", "+14155550123", false),
            ("41*555", "+14155550123", true),
            ("4%123$", "+14155550123", true),
            ("JKL", "+14155550123", true),
            ("JKM", "+14155550123", false),
            ("JJ", "+14155550123", true),
        ];
        for (pattern, number, expected) in cases {
            assert_eq!(
                contains_matches(pattern, number),
                expected,
                "{pattern} vs {number}"
            );
        }
    }

    #[test]
    fn list_phone_number_filter_accepts_partial_and_wildcards() {
        assert!(phone_number_matches("+14155550123", "+14155550123"));
        assert!(phone_number_matches("555", "+14155550123"));
        assert!(phone_number_matches("+1415555****", "+14155550123"));
        assert!(!phone_number_matches("+1212", "+14155550123"));
    }

    #[test]
    fn sids_are_checked_by_prefix_and_length() {
        assert_eq!(sid_value("X", "", "AP").ok(), Some(None));
        assert!(sid_value("X", "AP0123456789abcdef0123456789abcdef", "AP").is_ok());
        assert!(sid_value("X", "TK0123456789abcdef0123456789abcdef", "AP").is_err());
    }
}
