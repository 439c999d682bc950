//! The Telnyx client: one per Telnyx API key (clone it to share its connection pool and its
//! in-flight limit). Paths, parameters and error codes follow shared/reference/telnyx.md.
//!
//! This file holds the client's settings, how it signs requests, reads Telnyx's errors and walks
//! its numbered pages, and the account, TeXML application and messaging profile calls;
//! `numbers.rs` has the owned numbers, `orders.rs` the search and number orders.

use std::sync::Arc;

use reqwest::header::ACCEPT;
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::wire;
use crate::carriers::http::{
    join, parse_base, Api, Context, Dialect, Payload, Reply, Safety, Seen, Transport, Verdict,
};
use crate::carriers::{
    AccountInfo, AccountStatus, Balance, CarrierError, CarrierKind, ClientOptions, LimiterStats,
    MessagingProfile, TelnyxRouting, TexmlApplication,
};
use crate::secrets::Sensitive;

pub(super) const CARRIER: CarrierKind = CarrierKind::Telnyx;
/// Telnyx's largest page.
pub(super) const MAX_PAGE_SIZE: u32 = 250;

/// A change to an owned number's voice routing. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelnyxNumberUpdate {
    /// The voice connection: for NumberDesk, a TeXML application's id.
    pub connection_id: Option<String>,
    /// Replaces the number's whole tag set.
    pub tags: Option<Vec<String>>,
    pub customer_reference: Option<String>,
}

impl TelnyxNumberUpdate {
    /// The update that puts the voice side back as `snapshot` had it. The messaging profile is
    /// restored separately with [`TelnyxClient::update_messaging_profile`]. A snapshot without a
    /// connection sends `""`: how Telnyx takes that is not documented.
    pub fn restore(snapshot: &TelnyxRouting) -> TelnyxNumberUpdate {
        TelnyxNumberUpdate {
            connection_id: Some(snapshot.connection_id.clone().unwrap_or_default()),
            tags: Some(snapshot.tags.clone()),
            customer_reference: None,
        }
    }
}

/// A number order to place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelnyxOrderRequest {
    /// E.164 numbers from a recent search.
    pub phone_numbers: Vec<String>,
    /// TeXML application (connection) to attach on purchase.
    pub connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    /// Free text Telnyx keeps with the order (NumberDesk puts its journal key here).
    pub customer_reference: Option<String>,
    /// An approved requirement group for every number of the order, when their country asks
    /// for regulatory requirements.
    pub requirement_group_id: Option<String>,
}

/// A Telnyx account's client. Cheap to clone; clones share the connection pool and the adaptive
/// in-flight limit, so make one per API key and clone it.
#[derive(Debug, Clone)]
pub struct TelnyxClient {
    pub(super) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    /// `{base_url}/v2`.
    api: Url,
    api_key: Sensitive<String>,
    pub(super) transport: Transport,
}

impl TelnyxClient {
    /// `base_url` is the host root, without `/v2`: `https://api.telnyx.com` (the default, see
    /// [`TelnyxClient::DEFAULT_BASE_URL`]) or the sandbox's `http://127.0.0.1:PORT/telnyx`. The
    /// client appends `/v2` itself, as Twilio's base URLs are hosts too.
    pub fn new(
        base_url: &str,
        api_key: Sensitive<String>,
        options: ClientOptions,
    ) -> Result<TelnyxClient, CarrierError> {
        let invalid = |detail: &str| CarrierError::InvalidSettings {
            carrier: CARRIER,
            detail: detail.to_string(),
        };
        let base = parse_base(CARRIER, "the base URL", base_url)?;
        if base.path().trim_end_matches('/').ends_with("/v2") {
            return Err(invalid("give the base URL without /v2; the client adds it"));
        }
        let key = api_key.expose();
        if key.trim().is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("the API key is empty or contains spaces"));
        }
        let transport = Transport::new(CARRIER, options)?;
        Ok(TelnyxClient {
            inner: Arc::new(Inner {
                api: join(&base, &["v2"]),
                api_key,
                transport,
            }),
        })
    }

    pub const DEFAULT_BASE_URL: &'static str = "https://api.telnyx.com";

    pub fn limiter_stats(&self) -> LimiterStats {
        self.inner.transport.limiter.stats()
    }

    // -----------------------------------------------------------------------------------------
    // Plumbing

    pub(super) fn url(&self, segments: &[&str]) -> Url {
        join(&self.inner.api, segments)
    }

    pub(super) fn api(&self) -> Api<'_, Inner> {
        Api::new(&self.inner)
    }

    /// A JSON write (`POST`, `PATCH`) and the resource it answers with.
    pub(super) async fn send_json<T: DeserializeOwned>(
        &self,
        safety: Safety,
        method: Method,
        url: &Url,
        body: &impl Serialize,
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        let body = serde_json::to_value(body).map_err(|error| CarrierError::InvalidSettings {
            carrier: CARRIER,
            detail: format!("the request could not be written: {error}"),
        })?;
        self.api()
            .send(safety, method, url, Payload::Json(&body), context)
            .await
    }

    /// Every page of a paged list (`filters` added to each page's query), each item once by
    /// `id_of`. A `convert` that fails ends the listing with its error.
    pub(super) async fn list_all<W, T>(
        &self,
        segments: &[&str],
        filters: &[(&str, &str)],
        context: &Context<'_>,
        id_of: impl Fn(&W) -> &str,
        mut convert: impl FnMut(W) -> Result<T, CarrierError>,
    ) -> Result<Vec<T>, CarrierError>
    where
        W: DeserializeOwned,
    {
        let mut seen = Seen::default();
        let mut all = Vec::new();
        let mut page_number = 1u64;
        loop {
            let mut url = self.url(segments);
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("page[number]", &page_number.to_string())
                    .append_pair("page[size]", &MAX_PAGE_SIZE.to_string());
                for (name, value) in filters {
                    query.append_pair(name, value);
                }
            }
            let page: wire::Page<W> = self.api().get(&url, context).await?;
            let count = page.data.len();
            for item in seen.fresh(page.data, &id_of, |item| item) {
                all.push(convert(item)?);
            }
            let total_pages = page.meta.and_then(|meta| meta.total_pages);
            if !more_pages(page_number, total_pages, count, MAX_PAGE_SIZE) || count == 0 {
                return Ok(all);
            }
            page_number += 1;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Account

    /// Checks the API key with a live call that any key managing numbers may make
    /// (`GET /phone_numbers?page[size]=1`; `/balance` may be refused to a valid key).
    pub async fn validate(&self) -> Result<AccountInfo, CarrierError> {
        let mut url = self.url(&["phone_numbers"]);
        url.query_pairs_mut()
            .append_pair("page[number]", "1")
            .append_pair("page[size]", "1");
        let page: wire::Page<serde_json::Value> = self
            .api()
            .get(&url, &Context::about("phone number list"))
            .await?;
        Ok(AccountInfo {
            carrier: CARRIER,
            account_id: None,
            friendly_name: None,
            status: AccountStatus::Active,
            trial: None,
            owned_numbers: page.meta.and_then(|meta| meta.total_results),
        })
    }

    /// `GET /balance`. A valid key may be refused here (`NoApiAccess`).
    pub async fn balance(&self) -> Result<Balance, CarrierError> {
        let balance: wire::Single<wire::UserBalance> = self
            .api()
            .get(&self.url(&["balance"]), &Context::about("balance"))
            .await?;
        Ok(balance.data.into_domain())
    }

    // -----------------------------------------------------------------------------------------
    // TeXML applications and messaging profiles

    /// The TeXML application with this id. An id that names another kind of connection, or
    /// nothing, is `NotFound`.
    pub async fn texml_application(&self, id: &str) -> Result<TexmlApplication, CarrierError> {
        let context = Context::about(format!("TeXML application {id}"));
        let app: wire::Single<wire::Texml> = self
            .api()
            .get(&self.url(&["texml_applications", id]), &context)
            .await?;
        if app
            .data
            .record_type
            .as_deref()
            .is_some_and(|kind| kind != "texml_application")
        {
            return Err(CarrierError::NotFound {
                carrier: CARRIER,
                what: context.what.to_string(),
            });
        }
        Ok(app.data.into_domain())
    }

    pub async fn list_texml_applications(&self) -> Result<Vec<TexmlApplication>, CarrierError> {
        self.list_all(
            &["texml_applications"],
            &[],
            &Context::about("TeXML application list"),
            |app: &wire::Texml| &app.id,
            |app| Ok(app.into_domain()),
        )
        .await
    }

    pub async fn list_messaging_profiles(&self) -> Result<Vec<MessagingProfile>, CarrierError> {
        self.list_all(
            &["messaging_profiles"],
            &[],
            &Context::about("messaging profile list"),
            |profile: &wire::Profile| &profile.id,
            |profile| Ok(profile.into_domain()),
        )
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Search and orders
}

/// Whether page `page_number` of a Telnyx list has a next: as the page count Telnyx reports
/// says, or, when it reports none, while pages come back full.
pub(super) fn more_pages(
    page_number: u64,
    total_pages: Option<u64>,
    count: usize,
    page_size: u32,
) -> bool {
    match total_pages {
        Some(total) => page_number < total,
        None => count as u64 >= u64::from(page_size),
    }
}

/// The order number a pointer such as `/phone_numbers/2/phone_number` names.
fn ordered_number<'a>(pointer: &str, numbers: &'a [String]) -> Option<&'a String> {
    let index: usize = pointer
        .strip_prefix("/phone_numbers/")?
        .split('/')
        .next()?
        .parse()
        .ok()?;
    numbers.get(index)
}

impl Dialect for Inner {
    fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Bearer auth with the API key; JSON wanted back.
    fn sign(&self, request: RequestBuilder, _method: &Method) -> RequestBuilder {
        request
            .bearer_auth(self.api_key.expose())
            .header(ACCEPT, "application/json")
    }

    /// By Telnyx's error code first and the HTTP status second.
    fn error(reply: &Reply, context: &Context<'_>) -> CarrierError {
        let body: wire::Errors = serde_json::from_slice(&reply.body).unwrap_or_default();
        let first = body.errors.into_iter().next().unwrap_or_default();
        let code = first.code();
        let mut verdict = match code.as_deref() {
            Some("10009") => Verdict::AuthRejected,
            Some("10010") => Verdict::NoApiAccess,
            Some("10005") => Verdict::NotFound,
            Some("10011") => Verdict::RateLimited,
            Some("20100") => Verdict::InsufficientFunds,
            _ => Verdict::ByStatus,
        };
        // An order refused because one of its numbers is gone points at that number. Format
        // errors (10016) and missing fields (10004) point there too but are the request's fault.
        let about_a_number =
            reply.status.is_client_error() && !matches!(code.as_deref(), Some("10004" | "10016"));
        if verdict == Verdict::ByStatus && about_a_number {
            if let Some(number) = first
                .pointer()
                .and_then(|pointer| ordered_number(pointer, context.numbers))
            {
                verdict = Verdict::NumberUnavailable(number.clone());
            }
        }
        verdict.error(CARRIER, reply, context, code, first.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carriers::http::testing::{assert_errors, reply};

    #[test]
    fn error_codes_map_to_what_the_user_should_do() {
        let numbers = vec!["+13125550001".to_string(), "+13125550002".to_string()];
        let context = Context {
            what: "number order".into(),
            numbers: &numbers,
        };
        let cases = [
            (
                401,
                r#"{"errors":[{"code":"10009","title":"Authentication failed"}]}"#,
                "AuthRejected",
            ),
            (401, "", "AuthRejected"),
            (
                403,
                r#"{"errors":[{"code":"10010","title":"Not authorized"}]}"#,
                "NoApiAccess",
            ),
            (
                404,
                r#"{"errors":[{"code":"10005","title":"Resource not found"}]}"#,
                "NotFound",
            ),
            (
                429,
                r#"{"errors":[{"code":"10011","title":"Too many requests"}]}"#,
                "RateLimited",
            ),
            (
                500,
                r#"{"errors":[{"code":"10007","title":"Unexpected error"}]}"#,
                "CarrierDown",
            ),
            (
                422,
                r#"{"errors":[{"code":"10015","title":"Bad Request","detail":"+13125550002 is not available for purchase.","source":{"pointer":"/phone_numbers/1/phone_number"}}]}"#,
                "NumberUnavailable",
            ),
            (
                422,
                r#"{"errors":[{"code":"10016","title":"Phone number must be in +E.164 format","source":{"pointer":"/phone_numbers/0/phone_number"}}]}"#,
                "Rejected",
            ),
            (
                422,
                r#"{"errors":[{"code":"10017","title":"Associated resource does not exist","detail":"Connection 1 does not exist."}]}"#,
                "Rejected",
            ),
        ];
        assert_errors::<Inner>(&cases, &context);
        let unavailable = Inner::error(&reply(422, cases[6].1), &context);
        assert_eq!(
            unavailable,
            CarrierError::NumberUnavailable {
                carrier: CARRIER,
                number: "+13125550002".into()
            }
        );
    }

    #[test]
    fn the_base_url_is_the_host_and_v2_is_added() {
        let client = TelnyxClient::new(
            "http://127.0.0.1:9/telnyx",
            Sensitive::new("KEY_abc".to_string()),
            ClientOptions::default(),
        )
        .unwrap();
        assert_eq!(
            client.url(&["phone_numbers", "12"]).as_str(),
            "http://127.0.0.1:9/telnyx/v2/phone_numbers/12"
        );
        let error = TelnyxClient::new(
            "https://api.telnyx.com/v2",
            Sensitive::new("KEY_abc".to_string()),
            ClientOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(error, CarrierError::InvalidSettings { .. }));
        assert!(!format!("{client:?}").contains("KEY_abc"));
    }

    #[test]
    fn restore_puts_back_connection_and_tags() {
        let snapshot = TelnyxRouting {
            connection_id: None,
            tags: vec!["x".into()],
            ..TelnyxRouting::default()
        };
        let update = TelnyxNumberUpdate::restore(&snapshot);
        assert_eq!(update.connection_id.as_deref(), Some(""));
        assert_eq!(update.tags, Some(vec!["x".to_string()]));
    }
}
