//! The Twilio client: one per Twilio account (clone it to share its connection pool and its
//! in-flight limit). Paths, parameters and error codes follow shared/reference/twilio.md.
//!
//! This file holds the client's settings, how it signs requests and reads Twilio's errors, and
//! the account calls; `numbers.rs` has the owned numbers and their region, `search.rs` the
//! search, purchase and prices.

use std::sync::Arc;

use reqwest::header::ACCEPT;
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::wire;
use crate::carriers::http::{
    join, parse_base, Api, Context, Dialect, Payload, Reply, Safety, Transport, Verdict,
};
use crate::carriers::{
    AccountInfo, AccountStatus, CarrierError, CarrierKind, ClientOptions, LimiterStats,
    TwilioRouting, WebhookMethod,
};
use crate::secrets::Sensitive;

pub(super) const CARRIER: CarrierKind = CarrierKind::Twilio;
pub(super) const API_VERSION: &str = "2010-04-01";
/// Twilio's largest page.
pub(super) const MAX_PAGE_SIZE: u32 = 1000;

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
    /// Numbers v2 (regulatory compliance), default `https://numbers.twilio.com`.
    #[serde(default = "default_numbers")]
    pub numbers: String,
    /// The regional API hosts, with `{edge}` and `{region}` standing for the parts that vary:
    /// default `https://api.{edge}.{region}.twilio.com`.
    #[serde(default = "default_regional")]
    pub regional: String,
}

fn default_numbers() -> String {
    "https://numbers.twilio.com".to_string()
}

fn default_regional() -> String {
    "https://api.{edge}.{region}.twilio.com".to_string()
}

/// Twilio's regions and the edge each is reached through (Twilio's list of edge locations).
/// A regional host names both: the edge-less `api.{region}.twilio.com` was retired on
/// 2026-04-28.
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

/// The edge through which Twilio's `region` is reached.
pub fn edge_of(region: &str) -> Option<&'static str> {
    EDGES
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, edge)| *edge)
}

impl Default for TwilioUrls {
    fn default() -> Self {
        TwilioUrls {
            api: "https://api.twilio.com".to_string(),
            pricing: "https://pricing.twilio.com".to_string(),
            routes: "https://routes.twilio.com".to_string(),
            numbers: default_numbers(),
            regional: default_regional(),
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
    /// The update that takes a number configured as `now` to `wanted`, sending only what differs.
    /// A text setting `wanted` leaves unset and `now` has is cleared with `""` (Twilio's way, see
    /// the sandbox's `spec::CONVENTIONS`); a method `wanted` leaves unset is left as it is.
    pub fn towards(wanted: &TwilioRouting, now: &TwilioRouting) -> TwilioNumberUpdate {
        let set = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        let text = |wanted: &Option<String>, now: &Option<String>| match (set(wanted), set(now)) {
            (w, n) if w == n => None,
            (Some(w), _) => Some(w),
            (None, Some(_)) => Some(String::new()),
            (None, None) => None,
        };
        let method = |wanted: Option<WebhookMethod>, now: Option<WebhookMethod>| {
            wanted.filter(|w| Some(*w) != now)
        };
        TwilioNumberUpdate {
            friendly_name: None,
            voice_url: text(&wanted.voice_url, &now.voice_url),
            voice_method: method(wanted.voice_method, now.voice_method),
            sms_url: text(&wanted.sms_url, &now.sms_url),
            sms_method: method(wanted.sms_method, now.sms_method),
            status_callback: text(&wanted.status_callback, &now.status_callback),
            status_callback_method: method(
                wanted.status_callback_method,
                now.status_callback_method,
            ),
            voice_application_sid: text(&wanted.voice_application_sid, &now.voice_application_sid),
            sms_application_sid: text(&wanted.sms_application_sid, &now.sms_application_sid),
            trunk_sid: text(&wanted.trunk_sid, &now.trunk_sid),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.form().is_empty()
    }

    /// The form parameters, PascalCase as Twilio names them; unset ones are not sent.
    pub(super) fn form(&self) -> Vec<(&'static str, String)> {
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
    pub(super) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) api: Url,
    pub(super) pricing: Url,
    pub(super) routes: Url,
    pub(super) numbers: Url,
    credentials: TwilioCredentials,
    pub(super) transport: Arc<Transport>,
    /// The regional host template (see [`TwilioUrls::regional`]).
    regional: String,
    /// API keys made in regions other than us1, by region.
    regional_keys: std::collections::BTreeMap<String, RegionalApiKey>,
    /// Which region this client's `api` is: `None` for us1's `api.twilio.com`.
    region: Option<String>,
}

/// An API key made in one region, and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionalApiKey {
    pub key_sid: String,
    pub key_secret: Sensitive<String>,
}

/// A Twilio SID of one kind: `prefix` (`AC`, `SK`, ...) and 32 hexadecimal characters.
pub fn is_sid(text: &str, prefix: &str) -> bool {
    text.len() == 34 && text.starts_with(prefix) && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A number in E.164 form already (`+` and digits, nothing to normalise), as a path segment or
/// a purchase's `PhoneNumber` must be.
pub(super) fn is_e164(text: &str) -> bool {
    crate::domain::e164::E164::from_carrier(text).is_ok_and(|number| number == text)
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
        let api = parse_base(CARRIER, "the API base URL", &urls.api)?;
        let pricing = parse_base(CARRIER, "the Pricing base URL", &urls.pricing)?;
        let routes = parse_base(CARRIER, "the Routes base URL", &urls.routes)?;
        let numbers = parse_base(CARRIER, "the Numbers base URL", &urls.numbers)?;
        let transport = Arc::new(Transport::new(CARRIER, options)?);
        Ok(TwilioClient {
            inner: Arc::new(Inner {
                api,
                pricing,
                routes,
                numbers,
                credentials,
                transport,
                regional: urls.regional,
                regional_keys: Default::default(),
                region: None,
            }),
        })
    }

    /// The same client, holding API keys made in other regions (by region) for
    /// [`TwilioClient::in_region`].
    pub fn with_regional_keys(
        self,
        keys: std::collections::BTreeMap<String, RegionalApiKey>,
    ) -> TwilioClient {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.regional_keys = keys;
                TwilioClient {
                    inner: Arc::new(inner),
                }
            }
            Err(shared) => TwilioClient { inner: shared },
        }
    }

    /// Whether the client holds an API key made in `region` (us1 needs none).
    pub fn has_regional_key(&self, region: &str) -> bool {
        region == "us1" || self.inner.regional_keys.contains_key(region)
    }

    /// The client for `region`'s API host (`api.{edge}.{region}.twilio.com`), signed in with
    /// the API key made there; it shares this client's in-flight limit. For us1, this client.
    pub fn in_region(&self, region: &str) -> Result<TwilioClient, CarrierError> {
        if region == "us1" {
            return Ok(self.clone());
        }
        let key = self.inner.regional_keys.get(region).ok_or_else(|| {
            CarrierError::RegionalKeyNeeded {
                region: region.to_string(),
            }
        })?;
        let edge = edge_of(region).ok_or_else(|| CarrierError::InvalidSettings {
            carrier: CARRIER,
            detail: format!("NumberDesk does not know the edge location that serves {region}"),
        })?;
        let host = self
            .inner
            .regional
            .replace("{edge}", edge)
            .replace("{region}", region);
        let api = parse_base(CARRIER, "the regional API base URL", &host)?;
        Ok(TwilioClient {
            inner: Arc::new(Inner {
                api,
                pricing: self.inner.pricing.clone(),
                routes: self.inner.routes.clone(),
                numbers: self.inner.numbers.clone(),
                credentials: TwilioCredentials::ApiKey {
                    account_sid: self.account_sid().to_string(),
                    key_sid: key.key_sid.clone(),
                    key_secret: key.key_secret.clone(),
                },
                transport: Arc::clone(&self.inner.transport),
                regional: self.inner.regional.clone(),
                regional_keys: Default::default(),
                region: Some(region.to_string()),
            }),
        })
    }

    /// The region whose API host this client calls: `us1` for `api.twilio.com`.
    pub fn region(&self) -> &str {
        self.inner.region.as_deref().unwrap_or("us1")
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

    pub(super) fn account_url(&self, tail: &[&str]) -> Url {
        let mut segments = vec![API_VERSION, "Accounts", self.account_sid()];
        segments.extend_from_slice(tail);
        join(&self.inner.api, &segments)
    }

    pub(super) fn api(&self) -> Api<'_, Inner> {
        Api::new(&self.inner)
    }

    /// A form `POST` and the resource it answers with.
    pub(super) async fn post<T: DeserializeOwned>(
        &self,
        safety: Safety,
        url: &Url,
        form: &[(&'static str, String)],
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        self.api()
            .send(safety, Method::POST, url, Payload::Form(form), context)
            .await
    }

    /// Follows a `next_page_uri`, which is relative to the API host.
    pub(super) fn next_page_url(&self, uri: &str) -> Result<Url, CarrierError> {
        if !uri.starts_with(&format!("/{API_VERSION}/")) {
            return Err(bad_paging_link("points outside the API"));
        }
        let base = self.inner.api.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{uri}")).map_err(|_| bad_paging_link("is not a valid URL"))
    }

    /// Follows a Numbers v2 `next_page_url`, an absolute URL that must stay on the Numbers host
    /// (the credentials go with it).
    pub(super) fn next_v2_page_url(&self, link: &str) -> Result<Url, CarrierError> {
        let url = Url::parse(link).map_err(|_| bad_paging_link("is not a valid URL"))?;
        if url.origin() != self.inner.numbers.origin() {
            return Err(bad_paging_link("points outside the API"));
        }
        Ok(url)
    }

    // -----------------------------------------------------------------------------------------
    // Account

    /// Checks the credentials with a live call. With an Auth Token it reads the account, whose
    /// state and type it reports (the flows name a suspended or closed account); with an API
    /// key, which may not read the account, it lists one number.
    pub async fn validate(&self) -> Result<AccountInfo, CarrierError> {
        match &self.inner.credentials {
            TwilioCredentials::AuthToken { .. } => self.fetch_account().await,
            TwilioCredentials::ApiKey { .. } => {
                let mut url = self.account_url(&["IncomingPhoneNumbers.json"]);
                url.query_pairs_mut().append_pair("PageSize", "1");
                let _: wire::IncomingPhoneNumberPage =
                    self.api().get(&url, &Context::about("account")).await?;
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
        let account: wire::Account = self.api().get(&url, &Context::about("account")).await?;
        Ok(AccountInfo {
            carrier: CARRIER,
            status: account.status(),
            trial: account.trial(),
            account_id: account.sid.or_else(|| Some(self.account_sid().to_string())),
            friendly_name: account.friendly_name,
            owned_numbers: None,
        })
    }
}

impl Dialect for Inner {
    fn transport(&self) -> &Transport {
        &self.transport
    }

    /// HTTP Basic auth; JSON wanted back, except from a `DELETE`, which answers with no body.
    fn sign(&self, request: RequestBuilder, method: &Method) -> RequestBuilder {
        let (user, password) = self.credentials.basic_auth();
        let request = request.basic_auth(user, Some(password));
        if method == Method::DELETE {
            request
        } else {
            request.header(ACCEPT, "application/json")
        }
    }

    /// By Twilio's error code first and the HTTP status second.
    fn error(reply: &Reply, context: &Context<'_>) -> CarrierError {
        let body: wire::ErrorBody = serde_json::from_slice(&reply.body).unwrap_or_default();
        let code = body.code();
        let verdict = match code {
            Some(20003) => Verdict::AuthRejected,
            // "Account not active": suspended or closed (both codes are seen for it).
            Some(10001 | 20005) => Verdict::AccountSuspended,
            // 21404, "inbound phone number not available to trial account": a second number.
            Some(21404) => Verdict::TrialLimit,
            Some(20404) => Verdict::NotFound,
            Some(20429) => Verdict::RateLimited,
            Some(21422 | 21452) => Verdict::NumberUnavailable(
                context
                    .numbers
                    .first()
                    .map_or("The number", String::as_str)
                    .to_string(),
            ),
            _ => Verdict::ByStatus,
        };
        verdict.error(
            CARRIER,
            reply,
            context,
            code.map(|code| code.to_string()),
            body.message(),
        )
    }
}

/// A paging link the client will not follow.
pub(super) fn bad_paging_link(problem: &str) -> CarrierError {
    CarrierError::NotUnderstood {
        carrier: CARRIER,
        detail: format!("a paging link {problem}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carriers::http::testing::{assert_errors, reply};

    #[test]
    fn error_codes_map_to_what_the_user_should_do() {
        let numbers = ["+15005550000".to_string()];
        let context = Context {
            what: "phone number".into(),
            numbers: &numbers,
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
        assert_errors::<Inner>(&cases, &context);
        let rejected = Inner::error(
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
    fn an_update_towards_a_configuration_sends_only_what_differs_and_clears_with_empty() {
        let now = TwilioRouting {
            voice_url: Some("https://ours.example/v".into()),
            voice_method: Some(WebhookMethod::Post),
            sms_url: Some("https://ours.example/s".into()),
            status_callback: Some(String::new()),
            ..TwilioRouting::default()
        };
        let wanted = TwilioRouting {
            voice_url: Some("https://old.example/v".into()),
            voice_method: Some(WebhookMethod::Get),
            voice_application_sid: None,
            ..TwilioRouting::default()
        };
        assert_eq!(
            TwilioNumberUpdate::towards(&wanted, &now).form(),
            vec![
                ("VoiceUrl", "https://old.example/v".to_string()),
                ("SmsUrl", String::new()),
                ("VoiceMethod", "GET".to_string()),
            ]
        );
        // Already there: nothing to send ("" and unset are the same).
        assert!(TwilioNumberUpdate::towards(&now, &now).is_empty());
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
