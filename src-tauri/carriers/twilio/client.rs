//! The Twilio client: one per Twilio account (clone it to share its connection pool and its
//! in-flight limit). Paths, parameters and error codes follow shared/reference/twilio.md.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::header::ACCEPT;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::wire;
use crate::carriers::http::{Lane, NoReply, Reply, Safety, Transport};
use crate::carriers::{
    AccountInfo, AccountStatus, AvailableCountry, AvailableNumber, CarrierError, CarrierKind,
    ClientOptions, CountryPricing, InboundRegion, LimiterStats, ListProgress, NumberSearch,
    NumberType, OwnedNumber, ReleaseOutcome, TwilioRouting, WebhookMethod,
};
use crate::secrets::Sensitive;

const CARRIER: CarrierKind = CarrierKind::Twilio;
const API_VERSION: &str = "2010-04-01";
/// Twilio's largest page.
const MAX_PAGE_SIZE: u32 = 1000;

/// Base URLs of the three Twilio hosts NumberDesk uses. Paths are appended to them, so a base may
/// carry a path prefix (the sandbox's `http://127.0.0.1:PORT/twilio/api`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioUrls {
    /// Core API, default `https://api.twilio.com`.
    pub api: String,
    /// Pricing v1, default `https://pricing.twilio.com`.
    pub pricing: String,
    /// Routes v2, default `https://routes.twilio.com`.
    pub routes: String,
}

impl Default for TwilioUrls {
    fn default() -> Self {
        TwilioUrls {
            api: "https://api.twilio.com".to_string(),
            pricing: "https://pricing.twilio.com".to_string(),
            routes: "https://routes.twilio.com".to_string(),
        }
    }
}

/// How to sign in to Twilio. Either way the Account SID (`AC...`) goes in the paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwilioCredentials {
    /// Account SID and Auth Token.
    AuthToken {
        account_sid: String,
        auth_token: Sensitive<String>,
    },
    /// An API key (`SK...`) and its secret, for the account `account_sid`. A Standard key may not
    /// read the Accounts resource, so validation lists numbers instead.
    ApiKey {
        account_sid: String,
        key_sid: String,
        key_secret: Sensitive<String>,
    },
}

impl TwilioCredentials {
    pub fn account_sid(&self) -> &str {
        match self {
            TwilioCredentials::AuthToken { account_sid, .. }
            | TwilioCredentials::ApiKey { account_sid, .. } => account_sid,
        }
    }

    fn basic_auth(&self) -> (&str, &str) {
        match self {
            TwilioCredentials::AuthToken {
                account_sid,
                auth_token,
            } => (account_sid, auth_token.expose()),
            TwilioCredentials::ApiKey {
                key_sid,
                key_secret,
                ..
            } => (key_sid, key_secret.expose()),
        }
    }
}

/// A change to an owned number. `None` leaves a setting as it is; `Some("")` clears it (Twilio
/// overwrites exactly the parameters it is sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioNumberUpdate {
    pub friendly_name: Option<String>,
    pub voice_url: Option<String>,
    pub voice_method: Option<WebhookMethod>,
    pub sms_url: Option<String>,
    pub sms_method: Option<WebhookMethod>,
    pub status_callback: Option<String>,
    pub status_callback_method: Option<WebhookMethod>,
    /// Twilio routes voice to an application before `voice_url`: send `Some("")` to make a new
    /// `voice_url` take effect on a number that has one.
    pub voice_application_sid: Option<String>,
    pub sms_application_sid: Option<String>,
    pub trunk_sid: Option<String>,
}

impl TwilioNumberUpdate {
    /// The update that puts a number back as `snapshot` had it (cleared where it was unset).
    pub fn restore(snapshot: &TwilioRouting) -> TwilioNumberUpdate {
        let text = |value: &Option<String>| Some(value.clone().unwrap_or_default());
        TwilioNumberUpdate {
            friendly_name: None,
            voice_url: text(&snapshot.voice_url),
            voice_method: snapshot.voice_method,
            sms_url: text(&snapshot.sms_url),
            sms_method: snapshot.sms_method,
            status_callback: text(&snapshot.status_callback),
            status_callback_method: snapshot.status_callback_method,
            voice_application_sid: text(&snapshot.voice_application_sid),
            sms_application_sid: text(&snapshot.sms_application_sid),
            trunk_sid: text(&snapshot.trunk_sid),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.form().is_empty()
    }

    /// The form parameters, PascalCase as Twilio names them; unset ones are not sent.
    fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = Vec::new();
        let mut text = |name: &'static str, value: &Option<String>| {
            if let Some(value) = value {
                form.push((name, value.clone()));
            }
        };
        text("FriendlyName", &self.friendly_name);
        text("VoiceUrl", &self.voice_url);
        text("SmsUrl", &self.sms_url);
        text("StatusCallback", &self.status_callback);
        text("VoiceApplicationSid", &self.voice_application_sid);
        text("SmsApplicationSid", &self.sms_application_sid);
        text("TrunkSid", &self.trunk_sid);
        for (name, method) in [
            ("VoiceMethod", self.voice_method),
            ("SmsMethod", self.sms_method),
            ("StatusCallbackMethod", self.status_callback_method),
        ] {
            if let Some(method) = method {
                form.push((name, method.as_str().to_string()));
            }
        }
        form
    }
}

/// A number to buy, with its configuration from the start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioPurchase {
    /// E.164, as the search returned it.
    pub phone_number: String,
    pub config: TwilioNumberUpdate,
    /// Needed when the search result's address requirement is not `None`.
    pub address_sid: Option<String>,
    /// Needed in countries with regulatory bundles.
    pub bundle_sid: Option<String>,
}

/// A Twilio account's client. Cheap to clone; clones share the connection pool and the adaptive
/// in-flight limit, so make one per account and clone it.
#[derive(Debug, Clone)]
pub struct TwilioClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    api: Url,
    pricing: Url,
    routes: Url,
    credentials: TwilioCredentials,
    transport: Transport,
}

fn parse_base(name: &str, text: &str) -> Result<Url, CarrierError> {
    let url = Url::parse(text.trim()).map_err(|_| CarrierError::InvalidSettings {
        carrier: CARRIER,
        detail: format!("the {name} base URL is not a URL"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(CarrierError::InvalidSettings {
            carrier: CARRIER,
            detail: format!("the {name} base URL must start with https://"),
        });
    }
    Ok(url)
}

fn is_sid(text: &str, prefix: &str) -> bool {
    text.len() == 34 && text.starts_with(prefix) && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `+` and 6 to 15 digits.
fn is_e164(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `base` with `segments` appended as path segments (percent-encoded where needed).
fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(segments);
    }
    url
}

impl TwilioClient {
    pub fn new(
        urls: TwilioUrls,
        credentials: TwilioCredentials,
        options: ClientOptions,
    ) -> Result<TwilioClient, CarrierError> {
        if !is_sid(credentials.account_sid(), "AC") {
            return Err(CarrierError::InvalidSettings {
                carrier: CARRIER,
                detail: "the Account SID must start with AC followed by 32 hexadecimal characters"
                    .to_string(),
            });
        }
        if let TwilioCredentials::ApiKey { key_sid, .. } = &credentials {
            if !is_sid(key_sid, "SK") {
                return Err(CarrierError::InvalidSettings {
                    carrier: CARRIER,
                    detail:
                        "the API Key SID must start with SK followed by 32 hexadecimal characters"
                            .to_string(),
                });
            }
        }
        let api = parse_base("API", &urls.api)?;
        let pricing = parse_base("Pricing", &urls.pricing)?;
        let routes = parse_base("Routes", &urls.routes)?;
        let transport = Transport::new(CARRIER, options)?;
        Ok(TwilioClient {
            inner: Arc::new(Inner {
                api,
                pricing,
                routes,
                credentials,
                transport,
            }),
        })
    }

    pub fn account_sid(&self) -> &str {
        self.inner.credentials.account_sid()
    }

    /// The adaptive in-flight limit and its counters.
    pub fn limiter_stats(&self) -> LimiterStats {
        self.inner.transport.limiter.stats()
    }

    // -----------------------------------------------------------------------------------------
    // Plumbing

    fn account_url(&self, tail: &[&str]) -> Url {
        let mut segments = vec![API_VERSION, "Accounts", self.account_sid()];
        segments.extend_from_slice(tail);
        join(&self.inner.api, &segments)
    }

    fn request(
        &self,
        http: &reqwest::Client,
        method: reqwest::Method,
        url: &Url,
    ) -> reqwest::RequestBuilder {
        let (user, password) = self.inner.credentials.basic_auth();
        let request = http
            .request(method.clone(), url.clone())
            .basic_auth(user, Some(password));
        if method == reqwest::Method::DELETE {
            request
        } else {
            request.header(ACCEPT, "application/json")
        }
    }

    async fn call(
        &self,
        safety: Safety,
        lane: Lane,
        method: reqwest::Method,
        url: &Url,
        form: Option<&[(&'static str, String)]>,
        context: &Context<'_>,
    ) -> Result<Reply, CarrierError> {
        let reply = self
            .inner
            .transport
            .send(safety, lane, |http| {
                let request = self.request(http, method.clone(), url);
                match form {
                    Some(form) => request.form(form),
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
            .call(
                Safety::Repeatable,
                lane,
                reqwest::Method::GET,
                url,
                None,
                context,
            )
            .await?;
        decode(&reply, context)
    }

    async fn post<T: DeserializeOwned>(
        &self,
        safety: Safety,
        url: &Url,
        form: &[(&'static str, String)],
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        let reply = self
            .call(
                safety,
                Lane::Normal,
                reqwest::Method::POST,
                url,
                Some(form),
                context,
            )
            .await?;
        decode(&reply, context)
    }

    /// Follows a `next_page_uri`, which is relative to the API host.
    fn next_page_url(&self, uri: &str) -> Result<Url, CarrierError> {
        if !uri.starts_with(&format!("/{API_VERSION}/")) {
            return Err(CarrierError::NotUnderstood {
                carrier: CARRIER,
                detail: "a paging link points outside the API".to_string(),
            });
        }
        let base = self.inner.api.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{uri}")).map_err(|_| CarrierError::NotUnderstood {
            carrier: CARRIER,
            detail: "a paging link is not a valid URL".to_string(),
        })
    }

    // -----------------------------------------------------------------------------------------
    // Account

    /// Checks the credentials with a live call. With an Auth Token it reads the account (and
    /// refuses a suspended or closed one); with an API key, which may not read the account, it
    /// lists one number.
    pub async fn validate(&self) -> Result<AccountInfo, CarrierError> {
        match &self.inner.credentials {
            TwilioCredentials::AuthToken { .. } => {
                let info = self.fetch_account().await?;
                match info.status {
                    AccountStatus::Suspended | AccountStatus::Closed => {
                        Err(CarrierError::AccountSuspended { carrier: CARRIER })
                    }
                    _ => Ok(info),
                }
            }
            TwilioCredentials::ApiKey { .. } => {
                let mut url = self.account_url(&["IncomingPhoneNumbers.json"]);
                url.query_pairs_mut().append_pair("PageSize", "1");
                let _: wire::IncomingPhoneNumberPage =
                    self.get(&url, &Context::what("account")).await?;
                Ok(AccountInfo {
                    carrier: CARRIER,
                    account_id: Some(self.account_sid().to_string()),
                    friendly_name: None,
                    status: AccountStatus::Unknown,
                    trial: None,
                    owned_numbers: None,
                })
            }
        }
    }

    /// `GET /2010-04-01/Accounts/{Sid}.json` (needs an Auth Token or a Main API key).
    pub async fn fetch_account(&self) -> Result<AccountInfo, CarrierError> {
        let sid_json = format!("{}.json", self.account_sid());
        let url = join(&self.inner.api, &[API_VERSION, "Accounts", &sid_json]);
        let account: wire::Account = self.get(&url, &Context::what("account")).await?;
        Ok(AccountInfo {
            carrier: CARRIER,
            status: account.status(),
            trial: account.trial(),
            account_id: account.sid.or_else(|| Some(self.account_sid().to_string())),
            friendly_name: account.friendly_name,
            owned_numbers: None,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Owned numbers

    /// A pager over every owned number, `page_size` at a time (at most 1000).
    pub fn incoming_numbers(&self, page_size: u32) -> TwilioNumberPager {
        let mut url = self.account_url(&["IncomingPhoneNumbers.json"]);
        url.query_pairs_mut()
            .append_pair("PageSize", &page_size.clamp(1, MAX_PAGE_SIZE).to_string());
        TwilioNumberPager {
            client: self.clone(),
            next: Some(url),
            seen: HashSet::new(),
            progress: ListProgress {
                fetched: 0,
                pages: 0,
                total: None,
            },
        }
    }

    /// Every owned number, each once.
    pub async fn list_incoming_numbers(&self) -> Result<Vec<OwnedNumber>, CarrierError> {
        self.list_incoming_numbers_with_progress(|_| {}).await
    }

    /// Every owned number, each once, calling `progress` after each page.
    pub async fn list_incoming_numbers_with_progress(
        &self,
        mut progress: impl FnMut(ListProgress),
    ) -> Result<Vec<OwnedNumber>, CarrierError> {
        let mut pager = self.incoming_numbers(MAX_PAGE_SIZE);
        let mut all = Vec::new();
        while let Some(page) = pager.next_page().await? {
            all.extend(page);
            progress(pager.progress());
        }
        Ok(all)
    }

    /// The owned number with exactly this E.164 number, if the account has it (the check after
    /// an ambiguous purchase failure).
    pub async fn find_incoming_number(
        &self,
        e164: &str,
    ) -> Result<Option<OwnedNumber>, CarrierError> {
        let mut url = self.account_url(&["IncomingPhoneNumbers.json"]);
        url.query_pairs_mut()
            .append_pair("PhoneNumber", e164)
            .append_pair("PageSize", "50");
        let page: wire::IncomingPhoneNumberPage =
            self.get(&url, &Context::what("phone number list")).await?;
        Ok(page
            .incoming_phone_numbers
            .into_iter()
            .find(|number| number.phone_number == e164)
            .map(wire::IncomingPhoneNumber::into_domain))
    }

    fn number_url(&self, sid: &str) -> Url {
        let item = format!("{sid}.json");
        self.account_url(&["IncomingPhoneNumbers", &item])
    }

    pub async fn fetch_incoming_number(&self, sid: &str) -> Result<OwnedNumber, CarrierError> {
        let context = Context::what_owned(format!("phone number {sid}"));
        let number: wire::IncomingPhoneNumber = self.get(&self.number_url(sid), &context).await?;
        Ok(number.into_domain())
    }

    /// Changes what `update` sets and nothing else; returns the number as Twilio now has it.
    pub async fn update_incoming_number(
        &self,
        sid: &str,
        update: &TwilioNumberUpdate,
    ) -> Result<OwnedNumber, CarrierError> {
        let context = Context::what_owned(format!("phone number {sid}"));
        let form = update.form();
        // Setting values is repeatable: a retry after a lost answer sets the same values again.
        let number: wire::IncomingPhoneNumber = self
            .post(Safety::Repeatable, &self.number_url(sid), &form, &context)
            .await?;
        Ok(number.into_domain())
    }

    /// Releases the number (it leaves the account). A number already gone is `AlreadyGone`.
    pub async fn release_incoming_number(&self, sid: &str) -> Result<ReleaseOutcome, CarrierError> {
        let context = Context::what_owned(format!("phone number {sid}"));
        match self
            .call(
                Safety::Repeatable,
                Lane::Normal,
                reqwest::Method::DELETE,
                &self.number_url(sid),
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
    // Search and purchase

    /// Countries with numbers on sale, and the types on sale in each.
    pub async fn available_countries(&self) -> Result<Vec<AvailableCountry>, CarrierError> {
        let mut url = self.account_url(&["AvailablePhoneNumbers.json"]);
        url.query_pairs_mut().append_pair("PageSize", "1000");
        let context = Context::what("country list");
        let mut countries = Vec::new();
        let mut next = Some(url);
        let mut seen_pages = HashSet::new();
        while let Some(url) = next.take() {
            if !seen_pages.insert(url.to_string()) {
                return Err(paging_loop());
            }
            let page: wire::CountryPage = self.get(&url, &context).await?;
            countries.extend(page.countries.into_iter().map(wire::Country::into_domain));
            next = page
                .next_page_uri
                .map(|uri| self.next_page_url(&uri))
                .transpose()?;
        }
        Ok(countries)
    }

    /// One page of numbers on sale (Twilio's search is not paged further). The results carry no
    /// price: see [`TwilioClient::number_prices`].
    pub async fn search_available(
        &self,
        search: &NumberSearch,
    ) -> Result<Vec<AvailableNumber>, CarrierError> {
        let number_type = search.number_type.unwrap_or(NumberType::Local);
        let Some(segment) = wire::search_path_segment(number_type) else {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: format!("Twilio does not sell {} numbers", number_type.as_str()),
            });
        };
        let country = search.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: "the country must be a two-letter ISO code such as US".to_string(),
            });
        }
        let segment_json = format!("{segment}.json");
        let mut url = self.account_url(&["AvailablePhoneNumbers", &country, &segment_json]);
        {
            let mut query = url.query_pairs_mut();
            let mut text = |name: &str, value: &Option<String>| {
                if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    query.append_pair(name, value);
                }
            };
            text("AreaCode", &search.area_code);
            text("Contains", &search.contains);
            text("InRegion", &search.region);
            text("InLocality", &search.locality);
            for (name, wanted) in [
                ("VoiceEnabled", search.features.voice),
                ("SmsEnabled", search.features.sms),
                ("MmsEnabled", search.features.mms),
            ] {
                if wanted {
                    query.append_pair(name, "true");
                }
            }
            if let Some(limit) = search.limit {
                query.append_pair("PageSize", &limit.clamp(1, MAX_PAGE_SIZE).to_string());
            }
        }
        let page: wire::AvailablePage = self
            .get(
                &url,
                &Context::what_owned(format!("numbers on sale in {country}")),
            )
            .await?;
        Ok(page
            .available_phone_numbers
            .into_iter()
            .map(|number| number.into_domain(number_type))
            .collect())
    }

    /// Buys a number. Sent once: after a timeout, a dropped connection or a 5xx the purchase may
    /// have happened, so check with [`TwilioClient::find_incoming_number`] before trying again
    /// (`CarrierError::is_ambiguous`). A 429 is retried, Twilio documents it as not processed.
    pub async fn buy_number(&self, purchase: &TwilioPurchase) -> Result<OwnedNumber, CarrierError> {
        if !is_e164(&purchase.phone_number) {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: format!(
                    "{} is not a number in E.164 form (+ and digits)",
                    purchase.phone_number
                ),
            });
        }
        let mut form = vec![("PhoneNumber", purchase.phone_number.clone())];
        form.extend(purchase.config.form());
        if let Some(address) = &purchase.address_sid {
            form.push(("AddressSid", address.clone()));
        }
        if let Some(bundle) = &purchase.bundle_sid {
            form.push(("BundleSid", bundle.clone()));
        }
        let url = self.account_url(&["IncomingPhoneNumbers.json"]);
        let context = Context {
            what: "phone number".into(),
            number: Some(&purchase.phone_number),
        };
        let number: wire::IncomingPhoneNumber =
            self.post(Safety::Once, &url, &form, &context).await?;
        Ok(number.into_domain())
    }

    /// Monthly phone-number prices in one country (Pricing v1).
    pub async fn number_prices(&self, iso_country: &str) -> Result<CountryPricing, CarrierError> {
        let iso = iso_country.trim().to_ascii_uppercase();
        let url = join(
            &self.inner.pricing,
            &["v1", "PhoneNumbers", "Countries", &iso],
        );
        let pricing: wire::PricingCountry = self
            .get(&url, &Context::what_owned(format!("price list for {iso}")))
            .await?;
        Ok(pricing.into_domain())
    }

    // -----------------------------------------------------------------------------------------
    // Inbound processing region (Routes v2)

    fn route_url(&self, e164: &str) -> Result<Url, CarrierError> {
        if !is_e164(e164) {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: format!("{e164} is not a number in E.164 form (+ and digits)"),
            });
        }
        Ok(join(&self.inner.routes, &["v2", "PhoneNumbers", e164]))
    }

    pub async fn inbound_region(&self, e164: &str) -> Result<InboundRegion, CarrierError> {
        let url = self.route_url(e164)?;
        let record: wire::RoutesPhoneNumber = self
            .get(
                &url,
                &Context::what_owned(format!("routing record for {e164}")),
            )
            .await?;
        Ok(record.into_domain())
    }

    /// Moves the number's inbound voice processing to `voice_region` (e.g. `ie1`). Twilio says
    /// it can take up to five minutes to apply.
    pub async fn set_inbound_region(
        &self,
        e164: &str,
        voice_region: &str,
    ) -> Result<InboundRegion, CarrierError> {
        let url = self.route_url(e164)?;
        let form = [("VoiceRegion", voice_region.trim().to_string())];
        let record: wire::RoutesPhoneNumber = self
            .post(
                Safety::Repeatable,
                &url,
                &form,
                &Context::what_owned(format!("routing record for {e164}")),
            )
            .await?;
        Ok(record.into_domain())
    }
}

/// Pages through owned numbers: `next_page` until `None`. Each number is handed out once even if
/// Twilio repeats one across pages.
#[derive(Debug)]
pub struct TwilioNumberPager {
    client: TwilioClient,
    next: Option<Url>,
    seen: HashSet<String>,
    progress: ListProgress,
}

impl TwilioNumberPager {
    pub async fn next_page(&mut self) -> Result<Option<Vec<OwnedNumber>>, CarrierError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let page: wire::IncomingPhoneNumberPage = match self
            .client
            .get_in(Lane::Front, &url, &Context::what("phone number list"))
            .await
        {
            Ok(page) => page,
            Err(error) => {
                // Keep the position so the caller may call again to retry this page.
                self.next = Some(url);
                return Err(error);
            }
        };
        let next = page
            .next_page_uri
            .map(|uri| self.client.next_page_url(&uri))
            .transpose()?;
        if next.as_ref() == Some(&url) {
            return Err(paging_loop());
        }
        self.next = next;
        let numbers: Vec<OwnedNumber> = page
            .incoming_phone_numbers
            .into_iter()
            .filter(|number| self.seen.insert(number.sid.clone()))
            .map(wire::IncomingPhoneNumber::into_domain)
            .collect();
        self.progress.pages += 1;
        self.progress.fetched = self.seen.len();
        Ok(Some(numbers))
    }

    pub fn progress(&self) -> ListProgress {
        self.progress
    }
}

fn paging_loop() -> CarrierError {
    CarrierError::NotUnderstood {
        carrier: CARRIER,
        detail: "a paging link leads back to a page already read".to_string(),
    }
}

/// What a call was about, for the error it may produce.
struct Context<'a> {
    what: std::borrow::Cow<'static, str>,
    number: Option<&'a str>,
}

impl Context<'static> {
    fn what(what: &'static str) -> Self {
        Context {
            what: what.into(),
            number: None,
        }
    }

    fn what_owned(what: String) -> Self {
        Context {
            what: what.into(),
            number: None,
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

/// A non-2xx answer as a typed error, by Twilio's error code first and the HTTP status second.
fn error_from(reply: &Reply, context: &Context<'_>) -> CarrierError {
    let body: wire::ErrorBody = serde_json::from_slice(&reply.body).unwrap_or_default();
    let code = body.code();
    let status = reply.status;
    match code {
        Some(20003) => return CarrierError::AuthRejected { carrier: CARRIER },
        // "Account not active": suspended or closed.
        Some(20005) => return CarrierError::AccountSuspended { carrier: CARRIER },
        Some(20404) => {
            return CarrierError::NotFound {
                carrier: CARRIER,
                what: context.what.to_string(),
            }
        }
        Some(20429) => {
            return CarrierError::RateLimited {
                carrier: CARRIER,
                retry_after: reply.retry_after,
            }
        }
        Some(21422 | 21452) => {
            return CarrierError::NumberUnavailable {
                carrier: CARRIER,
                number: context.number.unwrap_or("The number").to_string(),
            }
        }
        _ => {}
    }
    match status {
        StatusCode::UNAUTHORIZED => CarrierError::AuthRejected { carrier: CARRIER },
        StatusCode::FORBIDDEN => CarrierError::NoApiAccess {
            carrier: CARRIER,
            detail: body
                .message()
                .unwrap_or_else(|| format!("the {}", context.what)),
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
            code: code.map(|code| code.to_string()),
            message: body
                .message()
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16())),
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
        let context = Context {
            what: "phone number".into(),
            number: Some("+15005550000"),
        };
        let cases = [
            (
                401,
                r#"{"code":20003,"message":"Authenticate","status":401}"#,
                "AuthRejected",
            ),
            (401, "not json", "AuthRejected"),
            (
                403,
                r#"{"code":20005,"message":"Account not active","status":403}"#,
                "AccountSuspended",
            ),
            (
                403,
                r#"{"code":20008,"message":"Resource not accessible with Test Account Credentials"}"#,
                "NoApiAccess",
            ),
            (
                404,
                r#"{"code":20404,"message":"The requested resource was not found"}"#,
                "NotFound",
            ),
            (
                400,
                r#"{"code":21422,"message":"Phone number is not available"}"#,
                "NumberUnavailable",
            ),
            (
                400,
                r#"{"code":21452,"message":"No numbers in area code"}"#,
                "NumberUnavailable",
            ),
            (
                429,
                r#"{"code":20429,"message":"Too Many Requests"}"#,
                "RateLimited",
            ),
            (503, "", "CarrierDown"),
            (
                400,
                r#"{"code":21421,"message":"PhoneNumber is invalid"}"#,
                "Rejected",
            ),
        ];
        for (status, body, expected) in cases {
            let error = error_from(&reply(status, body), &context);
            let name = format!("{error:?}");
            assert!(name.starts_with(expected), "{status} {body}: {name}");
        }
        let rejected = error_from(
            &reply(400, r#"{"code":21421,"message":"PhoneNumber is invalid"}"#),
            &context,
        );
        assert_eq!(
            rejected.to_string(),
            "Twilio refused the request: PhoneNumber is invalid (error 21421)."
        );
    }

    #[test]
    fn updates_send_only_what_is_set() {
        let update = TwilioNumberUpdate {
            voice_url: Some("https://hooks.example/voice".into()),
            voice_method: Some(WebhookMethod::Post),
            voice_application_sid: Some(String::new()),
            ..TwilioNumberUpdate::default()
        };
        assert_eq!(
            update.form(),
            vec![
                ("VoiceUrl", "https://hooks.example/voice".to_string()),
                ("VoiceApplicationSid", String::new()),
                ("VoiceMethod", "POST".to_string()),
            ]
        );
        assert!(TwilioNumberUpdate::default().is_empty());
    }

    #[test]
    fn restore_clears_what_was_unset() {
        let snapshot = TwilioRouting {
            voice_url: Some("https://old.example/v".into()),
            voice_method: Some(WebhookMethod::Get),
            ..TwilioRouting::default()
        };
        let form = TwilioNumberUpdate::restore(&snapshot).form();
        assert!(form.contains(&("VoiceUrl", "https://old.example/v".to_string())));
        assert!(form.contains(&("SmsUrl", String::new())));
        assert!(form.contains(&("VoiceMethod", "GET".to_string())));
        assert!(!form.iter().any(|(name, _)| *name == "SmsMethod"));
    }

    #[test]
    fn urls_keep_base_prefixes_and_plus_signs() {
        let base = Url::parse("http://127.0.0.1:9/twilio/routes").unwrap();
        assert_eq!(
            join(&base, &["v2", "PhoneNumbers", "+18001234567"]).as_str(),
            "http://127.0.0.1:9/twilio/routes/v2/PhoneNumbers/+18001234567"
        );
        let base = Url::parse("https://routes.twilio.com").unwrap();
        assert_eq!(
            join(&base, &["v2", "PhoneNumbers", "+1"]).as_str(),
            "https://routes.twilio.com/v2/PhoneNumbers/+1"
        );
    }

    #[test]
    fn credentials_never_print() {
        let credentials = TwilioCredentials::AuthToken {
            account_sid: format!("AC{}", "a".repeat(32)),
            auth_token: Sensitive::new("supersecrettoken".to_string()),
        };
        assert!(!format!("{credentials:?}").contains("supersecrettoken"));
        let client =
            TwilioClient::new(TwilioUrls::default(), credentials, ClientOptions::default())
                .unwrap();
        assert!(!format!("{client:?}").contains("supersecrettoken"));
    }

    #[test]
    fn malformed_sids_are_refused_before_any_call() {
        let credentials = TwilioCredentials::AuthToken {
            account_sid: "SK123".into(),
            auth_token: Sensitive::new("x".to_string()),
        };
        let error = TwilioClient::new(TwilioUrls::default(), credentials, ClientOptions::default())
            .unwrap_err();
        assert!(
            matches!(error, CarrierError::InvalidSettings { .. }),
            "{error:?}"
        );
    }
}
