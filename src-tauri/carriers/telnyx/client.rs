//! The Telnyx client: one per Telnyx API key (clone it to share its connection pool and its
//! in-flight limit). Paths, parameters and error codes follow shared/reference/telnyx.md.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::header::ACCEPT;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::wire;
use crate::carriers::http::{Lane, NoReply, Reply, Safety, Transport};
use crate::carriers::{
    AccountInfo, AccountStatus, AvailableNumber, Balance, CarrierError, CarrierKind, ClientOptions,
    LimiterStats, ListProgress, MessagingAssignment, MessagingProfile, NumberOrder, NumberSearch,
    OwnedNumber, ReleaseOutcome, TelnyxRouting, TexmlApplication,
};
use crate::secrets::Sensitive;

const CARRIER: CarrierKind = CarrierKind::Telnyx;
/// Telnyx's largest page.
const MAX_PAGE_SIZE: u32 = 250;

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
}

/// A Telnyx account's client. Cheap to clone; clones share the connection pool and the adaptive
/// in-flight limit, so make one per API key and clone it.
#[derive(Debug, Clone)]
pub struct TelnyxClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `{base_url}/v2`.
    api: Url,
    api_key: Sensitive<String>,
    transport: Transport,
}

fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(segments);
    }
    url
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
        let base = Url::parse(base_url.trim()).map_err(|_| invalid("the base URL is not a URL"))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid("the base URL must start with https://"));
        }
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

    fn url(&self, segments: &[&str]) -> Url {
        join(&self.inner.api, segments)
    }

    async fn call(
        &self,
        safety: Safety,
        lane: Lane,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        context: &Context<'_>,
    ) -> Result<Reply, CarrierError> {
        let reply = self
            .inner
            .transport
            .send(safety, lane, |http| {
                let request = http
                    .request(method.clone(), url.clone())
                    .bearer_auth(self.inner.api_key.expose())
                    .header(ACCEPT, "application/json");
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await
            .map_err(no_reply)?;
        if reply.status.is_success() {
            Ok(reply)
        } else {
            Err(error_from(&reply, context))
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        url: &Url,
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        self.get_in(Lane::Normal, url, context).await
    }

    async fn get_in<T: DeserializeOwned>(
        &self,
        lane: Lane,
        url: &Url,
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        let reply = self
            .call(Safety::Repeatable, lane, Method::GET, url, None, context)
            .await?;
        decode(&reply, context)
    }

    async fn send_json<T: DeserializeOwned>(
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
        let reply = self
            .call(safety, Lane::Normal, method, url, Some(&body), context)
            .await?;
        decode(&reply, context)
    }

    /// Every page of a paged list, each item once by `id_of`.
    async fn list_all<W, T>(
        &self,
        segments: &[&str],
        context: &Context<'_>,
        id_of: impl Fn(&W) -> String,
        convert: impl Fn(W) -> T,
    ) -> Result<Vec<T>, CarrierError>
    where
        W: DeserializeOwned,
    {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        let mut page_number = 1u64;
        loop {
            let mut url = self.url(segments);
            url.query_pairs_mut()
                .append_pair("page[number]", &page_number.to_string())
                .append_pair("page[size]", &MAX_PAGE_SIZE.to_string());
            let page: wire::Page<W> = self.get(&url, context).await?;
            let count = page.data.len();
            for item in page.data {
                if seen.insert(id_of(&item)) {
                    all.push(convert(item));
                }
            }
            let total_pages = page.meta.and_then(|meta| meta.total_pages);
            let more = match total_pages {
                Some(total) => page_number < total,
                None => count as u64 >= u64::from(MAX_PAGE_SIZE),
            };
            if !more || count == 0 {
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
        let page: wire::Page<serde_json::Value> =
            self.get(&url, &Context::what("phone number list")).await?;
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
            .get(&self.url(&["balance"]), &Context::what("balance"))
            .await?;
        Ok(balance.data.into_domain())
    }

    // -----------------------------------------------------------------------------------------
    // Owned numbers

    /// A pager over every owned number, `page_size` at a time (at most 250), oldest purchase
    /// first so numbers bought meanwhile land at the end instead of shifting the pages.
    pub fn phone_numbers(&self, page_size: u32) -> TelnyxNumberPager {
        TelnyxNumberPager {
            client: self.clone(),
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            page_number: 1,
            total_pages: None,
            total_results: None,
            seen: HashSet::new(),
            pages: 0,
            rewalked: false,
            done: false,
        }
    }

    /// Every owned number, each once.
    pub async fn list_phone_numbers(&self) -> Result<Vec<OwnedNumber>, CarrierError> {
        self.list_phone_numbers_with_progress(|_| {}).await
    }

    /// Every owned number, each once, calling `progress` after each page.
    pub async fn list_phone_numbers_with_progress(
        &self,
        mut progress: impl FnMut(ListProgress),
    ) -> Result<Vec<OwnedNumber>, CarrierError> {
        let mut pager = self.phone_numbers(MAX_PAGE_SIZE);
        let mut all = Vec::new();
        while let Some(page) = pager.next_page().await? {
            all.extend(page);
            progress(pager.progress());
        }
        Ok(all)
    }

    /// The owned number with exactly this E.164 number, if the account has it (after an order
    /// succeeds, to learn its id; after an ambiguous failure, to see what happened).
    pub async fn find_phone_number(&self, e164: &str) -> Result<Option<OwnedNumber>, CarrierError> {
        // The filter takes digits only: a `+` makes it match nothing.
        let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 3 {
            return Ok(None);
        }
        let mut url = self.url(&["phone_numbers"]);
        url.query_pairs_mut()
            .append_pair("filter[phone_number]", &digits)
            .append_pair("page[size]", "20");
        let page: wire::Page<wire::PhoneNumber> =
            self.get(&url, &Context::what("phone number list")).await?;
        Ok(page
            .data
            .into_iter()
            .find(|number| number.phone_number == e164)
            .map(wire::PhoneNumber::into_domain))
    }

    pub async fn fetch_phone_number(&self, id: &str) -> Result<OwnedNumber, CarrierError> {
        let context = Context::what_owned(format!("phone number {id}"));
        let number: wire::Single<wire::PhoneNumber> = self
            .get(&self.url(&["phone_numbers", id]), &context)
            .await?;
        Ok(number.data.into_domain())
    }

    /// `PATCH /phone_numbers/{id}` with what `update` sets; returns the number as Telnyx has it.
    pub async fn update_phone_number(
        &self,
        id: &str,
        update: &TelnyxNumberUpdate,
    ) -> Result<OwnedNumber, CarrierError> {
        let body = wire::UpdatePhoneNumberRequest {
            connection_id: update.connection_id.as_deref(),
            tags: update.tags.as_deref(),
            customer_reference: update.customer_reference.as_deref(),
        };
        let context = Context::what_owned(format!("phone number {id}"));
        let number: wire::Single<wire::PhoneNumber> = self
            .send_json(
                Safety::Repeatable,
                Method::PATCH,
                &self.url(&["phone_numbers", id]),
                &body,
                &context,
            )
            .await?;
        Ok(number.data.into_domain())
    }

    /// `PATCH /phone_numbers/{id}/messaging`: assigns the messaging profile; `""` unassigns.
    pub async fn update_messaging_profile(
        &self,
        id: &str,
        messaging_profile_id: &str,
    ) -> Result<MessagingAssignment, CarrierError> {
        let body = wire::UpdateMessagingRequest {
            messaging_profile_id,
        };
        let context = Context::what_owned(format!("phone number {id}"));
        let settings: wire::Single<wire::MessagingSettings> = self
            .send_json(
                Safety::Repeatable,
                Method::PATCH,
                &self.url(&["phone_numbers", id, "messaging"]),
                &body,
                &context,
            )
            .await?;
        Ok(settings.data.into_domain())
    }

    /// `DELETE /phone_numbers/{id}`. A number already gone is `AlreadyGone`.
    pub async fn release_phone_number(&self, id: &str) -> Result<ReleaseOutcome, CarrierError> {
        let context = Context::what_owned(format!("phone number {id}"));
        match self
            .call(
                Safety::Repeatable,
                Lane::Normal,
                Method::DELETE,
                &self.url(&["phone_numbers", id]),
                None,
                &context,
            )
            .await
        {
            Ok(_) => Ok(ReleaseOutcome::Released),
            Err(CarrierError::NotFound { .. }) => Ok(ReleaseOutcome::AlreadyGone),
            Err(error) => Err(error),
        }
    }

    // -----------------------------------------------------------------------------------------
    // TeXML applications and messaging profiles

    /// The TeXML application with this id. An id that names another kind of connection, or
    /// nothing, is `NotFound`.
    pub async fn texml_application(&self, id: &str) -> Result<TexmlApplication, CarrierError> {
        let context = Context::what_owned(format!("TeXML application {id}"));
        let app: wire::Single<wire::Texml> = self
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
            &Context::what("TeXML application list"),
            |app: &wire::Texml| app.id.clone(),
            wire::Texml::into_domain,
        )
        .await
    }

    pub async fn list_messaging_profiles(&self) -> Result<Vec<MessagingProfile>, CarrierError> {
        self.list_all(
            &["messaging_profiles"],
            &Context::what("messaging profile list"),
            |profile: &wire::Profile| profile.id.clone(),
            wire::Profile::into_domain,
        )
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Search and orders

    /// `GET /available_phone_numbers` with its `filter[...]` parameters (not paged; `limit`
    /// caps the results).
    pub async fn search_available(
        &self,
        search: &NumberSearch,
    ) -> Result<Vec<AvailableNumber>, CarrierError> {
        let mut url = self.url(&["available_phone_numbers"]);
        {
            let mut query = url.query_pairs_mut();
            let country = search.country.trim().to_ascii_uppercase();
            if !country.is_empty() {
                query.append_pair("filter[country_code]", &country);
            }
            let mut text = |name: &str, value: &Option<String>| {
                if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    query.append_pair(name, value);
                }
            };
            text("filter[national_destination_code]", &search.area_code);
            text("filter[phone_number][contains]", &search.contains);
            text("filter[administrative_area]", &search.region);
            text("filter[locality]", &search.locality);
            if let Some(number_type) = search.number_type {
                match wire::number_type_filter(number_type) {
                    Some(filter) => {
                        query.append_pair("filter[phone_number_type]", filter);
                    }
                    None => {
                        return Err(CarrierError::Rejected {
                            carrier: CARRIER,
                            status: 400,
                            code: None,
                            message: format!(
                                "Telnyx does not sell {} numbers",
                                number_type.as_str()
                            ),
                        })
                    }
                }
            }
            let features: Vec<&str> = [
                ("voice", search.features.voice),
                ("sms", search.features.sms),
                ("mms", search.features.mms),
            ]
            .into_iter()
            .filter_map(|(name, wanted)| wanted.then_some(name))
            .collect();
            if !features.is_empty() {
                query.append_pair("filter[features]", &features.join(","));
            }
            if let Some(limit) = search.limit {
                query.append_pair("filter[limit]", &limit.max(1).to_string());
            }
        }
        let page: wire::AvailablePage = self.get(&url, &Context::what("numbers on sale")).await?;
        Ok(page
            .data
            .into_iter()
            .map(|number| number.into_domain(search.number_type))
            .collect())
    }

    /// `POST /number_orders`. Sent once: after a timeout, a dropped connection or a 5xx the order
    /// may exist, so look for it ([`TelnyxClient::list_number_orders`] with the customer
    /// reference, or [`TelnyxClient::find_phone_number`]) before ordering again.
    pub async fn create_number_order(
        &self,
        order: &TelnyxOrderRequest,
    ) -> Result<NumberOrder, CarrierError> {
        let body = wire::CreateNumberOrderRequest {
            phone_numbers: order
                .phone_numbers
                .iter()
                .map(|number| wire::OrderPhoneNumber {
                    phone_number: number,
                })
                .collect(),
            connection_id: order.connection_id.as_deref(),
            messaging_profile_id: order.messaging_profile_id.as_deref(),
            customer_reference: order.customer_reference.as_deref(),
        };
        let context = Context {
            what: "number order".into(),
            order_numbers: &order.phone_numbers,
        };
        let created: wire::Single<wire::Order> = self
            .send_json(
                Safety::Once,
                Method::POST,
                &self.url(&["number_orders"]),
                &body,
                &context,
            )
            .await?;
        order_from(created.data)
    }

    pub async fn number_order(&self, id: &str) -> Result<NumberOrder, CarrierError> {
        let context = Context::what_owned(format!("number order {id}"));
        let order: wire::Single<wire::Order> = self
            .get(&self.url(&["number_orders", id]), &context)
            .await?;
        order_from(order.data)
    }

    /// Every number order, optionally only those with this customer reference. Lines in a list
    /// carry no per-number status; fetch an order for it.
    pub async fn list_number_orders(
        &self,
        customer_reference: Option<&str>,
    ) -> Result<Vec<NumberOrder>, CarrierError> {
        let context = Context::what("number order list");
        let mut all = Vec::new();
        let mut seen = HashSet::new();
        let mut page_number = 1u64;
        loop {
            let mut url = self.url(&["number_orders"]);
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("page[number]", &page_number.to_string())
                    .append_pair("page[size]", &MAX_PAGE_SIZE.to_string());
                if let Some(reference) = customer_reference {
                    query.append_pair("filter[customer_reference]", reference);
                }
            }
            let page: wire::Page<wire::Order> = self.get(&url, &context).await?;
            let count = page.data.len();
            for order in page.data {
                if seen.insert(order.id.clone()) {
                    all.push(order_from(order)?);
                }
            }
            let more = match page.meta.and_then(|meta| meta.total_pages) {
                Some(total) => page_number < total,
                None => count as u64 >= u64::from(MAX_PAGE_SIZE),
            };
            if !more || count == 0 {
                return Ok(all);
            }
            page_number += 1;
        }
    }
}

fn order_from(order: wire::Order) -> Result<NumberOrder, CarrierError> {
    order
        .into_domain()
        .ok_or_else(|| CarrierError::NotUnderstood {
            carrier: CARRIER,
            detail: "a number order has no known status".to_string(),
        })
}

/// Pages through owned numbers: `next_page` until `None`. Each number is handed out once. Pages
/// are offsets, so a number released meanwhile can shift another onto a page already read: when
/// the count read falls short of the total Telnyx reports, the pager walks the pages once more
/// and hands out only numbers it had not seen.
#[derive(Debug)]
pub struct TelnyxNumberPager {
    client: TelnyxClient,
    page_size: u32,
    page_number: u64,
    total_pages: Option<u64>,
    total_results: Option<u64>,
    seen: HashSet<String>,
    pages: usize,
    rewalked: bool,
    done: bool,
}

impl TelnyxNumberPager {
    pub async fn next_page(&mut self) -> Result<Option<Vec<OwnedNumber>>, CarrierError> {
        if self.done {
            return Ok(None);
        }
        let mut url = self.client.url(&["phone_numbers"]);
        url.query_pairs_mut()
            .append_pair("page[number]", &self.page_number.to_string())
            .append_pair("page[size]", &self.page_size.to_string())
            .append_pair("sort", "purchased_at");
        let page: wire::Page<wire::PhoneNumber> = self
            .client
            .get_in(Lane::Front, &url, &Context::what("phone number list"))
            .await?;
        let count = page.data.len();
        if let Some(meta) = page.meta {
            self.total_pages = meta.total_pages.or(self.total_pages);
            self.total_results = meta.total_results.or(self.total_results);
        }
        let numbers: Vec<OwnedNumber> = page
            .data
            .into_iter()
            .filter(|number| self.seen.insert(number.id.clone()))
            .map(wire::PhoneNumber::into_domain)
            .collect();
        self.pages += 1;
        let more = match self.total_pages {
            Some(total) => self.page_number < total,
            None => count as u64 >= u64::from(self.page_size),
        };
        if more && count > 0 {
            self.page_number += 1;
        } else {
            let short = self
                .total_results
                .is_some_and(|total| (self.seen.len() as u64) < total);
            if short && !self.rewalked {
                self.rewalked = true;
                self.page_number = 1;
            } else {
                self.done = true;
            }
        }
        Ok(Some(numbers))
    }

    pub fn progress(&self) -> ListProgress {
        ListProgress {
            fetched: self.seen.len(),
            pages: self.pages,
            total: self
                .total_results
                .and_then(|total| usize::try_from(total).ok()),
        }
    }
}

/// What a call was about, for the error it may produce.
struct Context<'a> {
    what: std::borrow::Cow<'static, str>,
    /// The numbers of an order, to name the one Telnyx refused.
    order_numbers: &'a [String],
}

impl Context<'static> {
    fn what(what: &'static str) -> Self {
        Context {
            what: what.into(),
            order_numbers: &[],
        }
    }

    fn what_owned(what: String) -> Self {
        Context {
            what: what.into(),
            order_numbers: &[],
        }
    }
}

fn no_reply(failure: NoReply) -> CarrierError {
    match failure {
        NoReply::Timeout => CarrierError::Timeout { carrier: CARRIER },
        NoReply::Network(detail) => CarrierError::Network {
            carrier: CARRIER,
            detail,
        },
    }
}

fn decode<T: DeserializeOwned>(reply: &Reply, context: &Context<'_>) -> Result<T, CarrierError> {
    serde_json::from_slice(&reply.body).map_err(|error| CarrierError::NotUnderstood {
        carrier: CARRIER,
        detail: format!("the {} reply: {error}", context.what),
    })
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

/// A non-2xx answer as a typed error, by Telnyx's error code first and the HTTP status second.
fn error_from(reply: &Reply, context: &Context<'_>) -> CarrierError {
    let body: wire::Errors = serde_json::from_slice(&reply.body).unwrap_or_default();
    let first = body.errors.into_iter().next().unwrap_or_default();
    let code = first.code();
    let message = first.message();
    let status = reply.status;
    match code.as_deref() {
        Some("10009") => return CarrierError::AuthRejected { carrier: CARRIER },
        Some("10010") => {
            return CarrierError::NoApiAccess {
                carrier: CARRIER,
                detail: message.unwrap_or_else(|| format!("the {}", context.what)),
            }
        }
        Some("10005") => {
            return CarrierError::NotFound {
                carrier: CARRIER,
                what: context.what.to_string(),
            }
        }
        Some("10011") => {
            return CarrierError::RateLimited {
                carrier: CARRIER,
                retry_after: reply.retry_after,
            }
        }
        _ => {}
    }
    // An order refused because one of its numbers is gone points at that number. Format errors
    // (10016) and missing fields (10004) point there too but are the request's fault.
    if status.is_client_error() && !matches!(code.as_deref(), Some("10004" | "10016")) {
        if let Some(number) = first
            .pointer()
            .and_then(|pointer| ordered_number(pointer, context.order_numbers))
        {
            return CarrierError::NumberUnavailable {
                carrier: CARRIER,
                number: number.clone(),
            };
        }
    }
    match status {
        StatusCode::UNAUTHORIZED => CarrierError::AuthRejected { carrier: CARRIER },
        StatusCode::FORBIDDEN => CarrierError::NoApiAccess {
            carrier: CARRIER,
            detail: message.unwrap_or_else(|| format!("the {}", context.what)),
        },
        StatusCode::NOT_FOUND => CarrierError::NotFound {
            carrier: CARRIER,
            what: context.what.to_string(),
        },
        StatusCode::TOO_MANY_REQUESTS => CarrierError::RateLimited {
            carrier: CARRIER,
            retry_after: reply.retry_after,
        },
        status if status.is_server_error() => CarrierError::CarrierDown {
            carrier: CARRIER,
            status: status.as_u16(),
        },
        status => CarrierError::Rejected {
            carrier: CARRIER,
            status: status.as_u16(),
            code,
            message: message.unwrap_or_else(|| format!("HTTP {}", status.as_u16())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn error_codes_map_to_what_the_user_should_do() {
        let numbers = vec!["+13125550001".to_string(), "+13125550002".to_string()];
        let context = Context {
            what: "number order".into(),
            order_numbers: &numbers,
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
        for (status, body, expected) in cases {
            let error = error_from(&reply(status, body), &context);
            let name = format!("{error:?}");
            assert!(name.starts_with(expected), "{status} {body}: {name}");
        }
        let unavailable = error_from(&reply(422, cases[6].1), &context);
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
