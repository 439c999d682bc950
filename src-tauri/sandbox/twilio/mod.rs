//! Twilio's wire API as the sandbox serves it: REST 2010-04-01 (account, available numbers,
//! incoming numbers), Pricing v1 phone-number prices and Routes v2 inbound processing region,
//! with form-encoded requests, HTTP Basic auth (Account SID + Auth Token, or API key) and
//! Twilio's error bodies. Paths sit under `/twilio/api`, `/twilio/pricing` and `/twilio/routes`.
//!
//! This file holds the routes and what every handler shares (the [`Call`] it starts from, auth,
//! parameters, replies and errors); each resource has a file of its own.

// Helpers return the carrier's ready-made error reply as their `Err`. It is built once per
// refused request and returned straight away, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

mod account;
mod addresses;
mod available;
mod compliance;
mod incoming;
mod pricing;
mod purchase;
mod regions;

pub use regions::RoutedCall;
pub(crate) use regions::{fetch_webhook, route_call};

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde::Serialize;

use super::inventory;
use super::state::{self, Shared, TwilioAccount, World};
use super::wire::{self, param, Pairs, Reply};

pub(crate) const API_PREFIX: &str = "/twilio/api";
pub(crate) const PRICING_PREFIX: &str = "/twilio/pricing";
pub(crate) const ROUTES_PREFIX: &str = "/twilio/routes";
pub(crate) const NUMBERS_PREFIX: &str = "/twilio/numbers";

pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    let accounts = "/twilio/api/2010-04-01/Accounts";
    Router::new()
        .route(
            &format!("{accounts}/{{account}}"),
            get(account::fetch_account),
        )
        .route(
            &format!("{accounts}/{{account}}/Addresses.json"),
            get(addresses::list_addresses),
        )
        .route(
            &format!("{accounts}/{{account}}/AvailablePhoneNumbers.json"),
            get(available::list_countries),
        )
        .route(
            &format!("{accounts}/{{account}}/AvailablePhoneNumbers/{{country}}"),
            get(available::fetch_country),
        )
        .route(
            &format!("{accounts}/{{account}}/AvailablePhoneNumbers/{{country}}/{{kind}}"),
            get(available::search_available),
        )
        .route(
            &format!("{accounts}/{{account}}/IncomingPhoneNumbers.json"),
            get(incoming::list_incoming).post(incoming::create_incoming),
        )
        .route(
            &format!("{accounts}/{{account}}/IncomingPhoneNumbers/{{item}}"),
            get(incoming::fetch_incoming_item)
                .post(incoming::post_incoming_item)
                .delete(incoming::delete_incoming),
        )
        .route(
            "/twilio/pricing/v1/PhoneNumbers/Countries",
            get(pricing::list_price_countries),
        )
        .route(
            "/twilio/pricing/v1/PhoneNumbers/Countries/{iso}",
            get(pricing::fetch_price_country),
        )
        .route(
            "/twilio/numbers/v2/RegulatoryCompliance/Regulations",
            get(compliance::list_regulations),
        )
        .route(
            "/twilio/numbers/v2/RegulatoryCompliance/Bundles",
            get(compliance::list_bundles),
        )
        .route(
            "/twilio/routes/v2/PhoneNumbers/{phone}",
            get(regions::fetch_route).post(regions::update_route),
        )
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// What every handler starts from

/// A request as every Twilio handler takes it: the sandbox, the credentials sent and the path
/// asked for (Twilio's 404 names it). Checking the credentials is a method rather than part of
/// extracting, because some paths answer a malformed resource name with 404 before they look at
/// credentials, as Twilio does.
pub(super) struct Call {
    shared: Arc<Shared>,
    headers: HeaderMap,
    uri: Uri,
    /// The region whose API host was called (`api.{edge}.{region}`); `None` for us1's
    /// `api.twilio.com`.
    region: Option<&'static str>,
}

impl FromRequestParts<Arc<Shared>> for Call {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Call, Infallible> {
        Ok(Call {
            shared: Arc::clone(shared),
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
            region: parts
                .extensions
                .get::<RegionalHost>()
                .map(|host| host.region),
        })
    }
}

/// Who is calling: an account, signed in with its Auth Token or one of its API keys.
struct Caller {
    account: usize,
    via_api_key: bool,
}

impl Call {
    /// The account whose credentials the request carries, or Twilio's 401.
    fn caller(&self, world: &World) -> Result<Caller, Response<Body>> {
        let credentials = self
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
            })
            .and_then(|decoded| String::from_utf8(decoded).ok());
        let Some((user, password)) = credentials
            .as_deref()
            .and_then(|credentials| credentials.split_once(':'))
        else {
            return Err(unauthorized());
        };
        // A regional host takes only API keys made in its region; us1's credentials, Auth
        // Token included, are refused there, and a regional key is refused everywhere else.
        if let Some(region) = self.region {
            return world
                .twilio
                .iter()
                .position(|account| {
                    account.regional_keys.iter().any(|key| {
                        key.region == region && key.sid == user && key.secret == password
                    })
                })
                .map(|account| Caller {
                    account,
                    via_api_key: true,
                })
                .ok_or_else(unauthorized);
        }
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

    /// [`Call::caller`], also checking that the `{AccountSid}` in the path is the caller's own
    /// account (another account's paths are 404, as if they did not exist).
    fn caller_for(&self, world: &World, account_sid: &str) -> Result<Caller, Response<Body>> {
        let caller = self.caller(world)?;
        if world.twilio[caller.account].sid != account_sid {
            return Err(self.not_found());
        }
        self.active(world, caller)
    }

    /// [`Call::caller`] for an account that is active; a suspended or closed one gets 403.
    fn active_caller(&self, world: &World) -> Result<Caller, Response<Body>> {
        let caller = self.caller(world)?;
        self.active(world, caller)
    }

    fn active(&self, world: &World, caller: Caller) -> Result<Caller, Response<Body>> {
        let account = &world.twilio[caller.account];
        if account.status != "active" {
            return Err(error_response(
                StatusCode::FORBIDDEN,
                10001,
                format!("Account is not active: this account is {}", account.status),
            ));
        }
        Ok(caller)
    }

    /// Twilio's 404 for the path asked for.
    fn not_found(&self) -> Response<Body> {
        not_found_path(relative_path(&self.uri))
    }

    /// Where the account keeps its number `sid`, or Twilio's 404.
    fn seq_of(&self, account: &TwilioAccount, sid: &str) -> Result<u64, Response<Body>> {
        account
            .by_sid
            .get(sid)
            .copied()
            .ok_or_else(|| self.not_found())
    }

    /// A path segment without its `.json`, or the 404 Twilio gives a segment without one.
    fn json_segment<'a>(&self, segment: &'a str) -> Result<&'a str, Response<Body>> {
        segment
            .strip_suffix(".json")
            .ok_or_else(|| self.not_found())
    }
}

// ---------------------------------------------------------------------------------------------
// Regional hosts

/// Where the sandbox serves the regional API hosts: `api.{edge}.{region}.twilio.com` is
/// `{REGIONAL_PREFIX}/api.{edge}.{region}`.
pub(crate) const REGIONAL_PREFIX: &str = "/twilio/regional";

/// Twilio's regions and the edge each is reached through. A host that pairs a region with
/// another edge, or leaves the edge out (`api.ie1.twilio.com`, retired on 2026-04-28), does not
/// exist. Written apart from the client's own table on purpose: this one stands for Twilio's
/// DNS, so a wrong pair in the client meets a host that does not exist here.
const EDGES: [(&str, &str); 9] = [
    ("us1", "ashburn"),
    ("us2", "umatilla"),
    ("ie1", "dublin"),
    ("de1", "frankfurt"),
    ("au1", "sydney"),
    ("jp1", "tokyo"),
    ("jp2", "osaka"),
    ("sg1", "singapore"),
    ("br1", "sao-paulo"),
];

/// A request to a regional API host, kept with the request once its path is the plain API's.
#[derive(Debug, Clone)]
pub(crate) struct RegionalHost {
    pub region: &'static str,
    /// The path as sent, regional prefix included, for the call log.
    pub path: String,
}

/// For a path under [`REGIONAL_PREFIX`] naming a host that exists: the same request on the
/// plain API's path, with the region it was sent to. `None` for any other path, so a host that
/// does not exist falls through to the router's 404 (and the spec check notes it).
pub(crate) fn regional_request(uri: &Uri) -> Option<(Uri, RegionalHost)> {
    let rest = uri
        .path()
        .strip_prefix(REGIONAL_PREFIX)?
        .strip_prefix('/')?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (edge, region) = host.strip_prefix("api.")?.split_once('.')?;
    let region = EDGES
        .iter()
        .find(|(r, e)| *r == region && *e == edge)
        .map(|(r, _)| *r)?;
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let plain = format!("{API_PREFIX}/{path}{query}").parse::<Uri>().ok()?;
    Some((
        plain,
        RegionalHost {
            region,
            path: uri.path().to_string(),
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Replies and errors

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    wire::json_reply(status, "application/json; charset=utf-8", body)
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

fn bad_request(code: u32, message: String) -> Response<Body> {
    error_response(StatusCode::BAD_REQUEST, code, message)
}

/// The path as the real host would see it: the sandbox prefix removed.
fn relative_path(uri: &Uri) -> &str {
    let path = uri.path();
    [API_PREFIX, PRICING_PREFIX, ROUTES_PREFIX, NUMBERS_PREFIX]
        .into_iter()
        .find_map(|prefix| path.strip_prefix(prefix))
        .unwrap_or(path)
}

/// The fallback for any unknown path under `/twilio`.
pub(crate) fn unknown_path(uri: &Uri) -> Response<Body> {
    not_found_path(relative_path(uri))
}

/// Requests with a method the path does not support get Twilio's 405 body.
pub(crate) fn method_not_allowed(method: &Method) -> Response<Body> {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        20004,
        format!("Method {method} not allowed"),
    )
}

// ---------------------------------------------------------------------------------------------
// Parameters

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

/// `FriendlyName` as Twilio takes it: at most 64 characters.
fn friendly_name(name: &str) -> Result<&str, Response<Body>> {
    if name.chars().count() > 64 {
        return Err(bad_request(
            20001,
            "FriendlyName must be at most 64 characters".to_string(),
        ));
    }
    Ok(name)
}

/// The paging fields of every Twilio list page.
#[derive(Serialize)]
struct PageLinks {
    end: usize,
    first_page_uri: String,
    next_page_uri: Option<String>,
    page: usize,
    page_size: usize,
    previous_page_uri: Option<String>,
    start: usize,
    uri: String,
}

fn encode_query(pairs: &[(&str, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}
