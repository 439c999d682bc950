//! Carrier clients: Twilio and Telnyx over HTTPS, speaking each carrier's own wire dialect and
//! handing the rest of NumberDesk only the domain types below.
//!
//! Each carrier has one folder (`twilio/`, `telnyx/`) whose `wire.rs` mirrors the carrier's JSON
//! and never leaves it. `http.rs` holds what both share: retries with backoff that honour
//! `Retry-After`, timeouts, and the adaptive limit on requests in flight per account. Clients never
//! touch the store or the keyring: credentials are handed in as [`Sensitive`] values and never
//! appear in a log line or an error message.

pub mod account;
pub mod http;
pub mod sip;
pub mod telnyx;
pub mod twilio;

use crate::domain::failure::{Classified, ErrorKind, UserError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use http::{ClientOptions, ConcurrencyOptions, LimiterStats};
pub use telnyx::{TelnyxClient, TelnyxNumberPager, TelnyxNumberUpdate, TelnyxOrderRequest};
pub use twilio::{
    edge_of, RegionalApiKey, TwilioClient, TwilioCredentials, TwilioNumberPager,
    TwilioNumberUpdate, TwilioPurchase, TwilioUrls,
};

#[doc(no_inline)]
pub use crate::secrets::Sensitive;

pub use crate::domain::e164::E164;
pub use crate::domain::kinds::{CarrierKind, OrderStatus};

/// The kind of a phone number, in NumberDesk's words (each carrier spells them its own way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberType {
    Local,
    Mobile,
    TollFree,
    National,
    SharedCost,
    Voip,
    MachineToMachine,
    Landline,
    ShortCode,
}

impl NumberType {
    /// A stable lowercase name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            NumberType::Local => "local",
            NumberType::Mobile => "mobile",
            NumberType::TollFree => "toll_free",
            NumberType::National => "national",
            NumberType::SharedCost => "shared_cost",
            NumberType::Voip => "voip",
            NumberType::MachineToMachine => "machine_to_machine",
            NumberType::Landline => "landline",
            NumberType::ShortCode => "short_code",
        }
    }
}

/// What a number can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Features {
    pub voice: bool,
    pub sms: bool,
    pub mms: bool,
}

/// A webhook's HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WebhookMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
}

impl WebhookMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookMethod::Get => "GET",
            WebhookMethod::Post => "POST",
        }
    }

    /// Parses `GET`/`POST` in any case; anything else is `None`.
    pub fn parse(text: &str) -> Option<WebhookMethod> {
        if text.eq_ignore_ascii_case("get") {
            Some(WebhookMethod::Get)
        } else if text.eq_ignore_ascii_case("post") {
            Some(WebhookMethod::Post)
        } else {
            None
        }
    }
}

/// Whether a number can be used yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberState {
    Active,
    /// Bought or ported but not active yet.
    Pending,
    /// The purchase or port failed.
    Failed,
    /// Any other state the carrier reports (emergency-only, port-out pending, deleted, ...).
    Other,
}

/// A number the carrier account owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedNumber {
    /// The carrier's id: a Twilio `PN...` SID, a Telnyx phone-number id.
    pub carrier_id: String,
    pub e164: E164,
    pub friendly_name: Option<String>,
    pub number_type: Option<NumberType>,
    /// ISO 3166-1 alpha-2 country, when the carrier says (Telnyx does; Twilio's owned-number
    /// resource does not).
    pub region: Option<String>,
    /// `None` when the carrier does not report capabilities on owned numbers (Telnyx).
    pub features: Option<Features>,
    pub state: NumberState,
    pub routing: Routing,
}

/// How calls and messages to a number are routed at its carrier. Stored as a JSON snapshot before
/// NumberDesk changes a number, and used to restore it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "carrier", rename_all = "snake_case")]
pub enum Routing {
    Twilio(TwilioRouting),
    Telnyx(TelnyxRouting),
}

impl Routing {
    /// The carrier the configuration is at.
    pub fn carrier(&self) -> CarrierKind {
        match self {
            Routing::Twilio(_) => CarrierKind::Twilio,
            Routing::Telnyx(_) => CarrierKind::Telnyx,
        }
    }
}

/// A Twilio number's webhooks. Empty values at Twilio are `None` here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioRouting {
    pub voice_url: Option<String>,
    pub voice_method: Option<WebhookMethod>,
    pub sms_url: Option<String>,
    pub sms_method: Option<WebhookMethod>,
    pub status_callback: Option<String>,
    pub status_callback_method: Option<WebhookMethod>,
    /// When set, Twilio routes voice to this TwiML application instead of `voice_url`.
    pub voice_application_sid: Option<String>,
    /// When set, Twilio routes messages to this application instead of `sms_url`.
    pub sms_application_sid: Option<String>,
    /// When set, a SIP trunk takes every call and `voice_url` is ignored.
    #[serde(default)]
    pub trunk_sid: Option<String>,
    /// For a number processed outside us1: its configuration in that region, which is the one
    /// its calls use (the fields above are us1's). Kept in snapshots so a restore writes both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_region: Option<RegionalRouting>,
}

/// A Twilio number's configuration in the region that processes its calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalRouting {
    /// `ie1`, `au1`, ...
    pub region: String,
    pub routing: Box<TwilioRouting>,
}

/// A Telnyx number's voice connection (a TeXML application's id, for NumberDesk) and messaging
/// profile. Names are for display only; restore uses the ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelnyxRouting {
    pub connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub tags: Vec<String>,
    #[serde(default)]
    pub connection_name: Option<String>,
    #[serde(default)]
    pub messaging_profile_name: Option<String>,
}

/// Whether the account may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Suspended,
    Closed,
    /// The validation call could not tell (a Twilio API key may not read the account).
    Unknown,
}

/// What validating credentials found out about the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    pub carrier: CarrierKind,
    /// Twilio account SID (`AC...`); for Telnyx, `None` (its API does not name the account here).
    pub account_id: Option<String>,
    pub friendly_name: Option<String>,
    pub status: AccountStatus,
    /// Twilio trial accounts have purchase limits; `None` when unknown.
    pub trial: Option<bool>,
    /// How many numbers the account owns, when the validation call told (Telnyx).
    pub owned_numbers: Option<u64>,
}

/// An amount of money exactly as the carrier wrote it (a decimal string), with its currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Decimal text such as `"1.15"`.
    pub amount: String,
    /// ISO 4217, upper case (`USD`).
    pub currency: String,
}

impl Money {
    pub fn new(amount: impl Into<String>, currency: &str) -> Money {
        Money {
            amount: amount.into(),
            currency: currency.to_ascii_uppercase(),
        }
    }

    /// The amount in hundredths (cents), rounded half up; `None` if the text is not a decimal.
    pub fn cents(&self) -> Option<i64> {
        let text = self.amount.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut fraction_digits = fraction.bytes().map(|b| i64::from(b - b'0'));
        let tenths = fraction_digits.next().unwrap_or(0);
        let hundredths = fraction_digits.next().unwrap_or(0);
        let round_up = fraction_digits.next().unwrap_or(0) >= 5;
        let cents = whole
            .checked_mul(100)?
            .checked_add(tenths * 10 + hundredths + i64::from(round_up))?;
        Some(if negative { -cents } else { cents })
    }
}

/// A Telnyx account balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub balance: Money,
    pub available_credit: Option<Money>,
    pub credit_limit: Option<Money>,
}

/// A Telnyx TeXML application: the thing a number's Connection ID points at for NumberDesk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TexmlApplication {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub voice_url: Option<String>,
    pub voice_method: Option<WebhookMethod>,
    pub status_callback: Option<String>,
    pub status_callback_method: Option<WebhookMethod>,
    pub tags: Vec<String>,
}

/// A Telnyx messaging profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingProfile {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub webhook_url: Option<String>,
}

/// A Telnyx number's messaging assignment after an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingAssignment {
    pub carrier_id: String,
    pub e164: E164,
    pub messaging_profile_id: Option<String>,
}

/// A country where numbers can be searched (Twilio), with the types on sale there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailableCountry {
    /// ISO 3166-1 alpha-2.
    pub iso: String,
    pub name: String,
    pub number_types: Vec<NumberType>,
    pub beta: bool,
}

/// An Address on file at Twilio, which a number whose country asks for one is bought with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierAddress {
    /// `AD…`.
    pub sid: String,
    pub friendly_name: Option<String>,
    pub customer_name: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub iso_country: String,
}

/// A regulatory bundle approved at Twilio, which a number whose country and type have a
/// regulation is bought with (Numbers v2 `Bundles`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierBundle {
    /// `BU…`.
    pub sid: String,
    pub friendly_name: Option<String>,
    /// `twilio-approved` or `provisionally-approved`; only those are listed for a purchase.
    pub status: String,
}

/// What a purchase of this number needs in the way of a registered address (Twilio).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressRequirement {
    None,
    Any,
    Local,
    Foreign,
}

impl AddressRequirement {
    /// Twilio's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressRequirement::None => "none",
            AddressRequirement::Any => "any",
            AddressRequirement::Local => "local",
            AddressRequirement::Foreign => "foreign",
        }
    }

    pub fn from_name(name: &str) -> Option<AddressRequirement> {
        [Self::None, Self::Any, Self::Local, Self::Foreign]
            .into_iter()
            .find(|r| r.as_str() == name)
    }

    /// What the buyer must have on file, for a sentence: "an address (local)".
    pub fn needs(self) -> &'static str {
        match self {
            AddressRequirement::None => "nothing",
            AddressRequirement::Any => "an address",
            AddressRequirement::Local => "an address in the number's country",
            AddressRequirement::Foreign => "an address outside the number's country",
        }
    }
}

/// A number on sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailableNumber {
    pub e164: E164,
    pub friendly_name: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// State or province (US/CA), e.g. `CA`.
    pub region: Option<String>,
    pub locality: Option<String>,
    pub number_type: Option<NumberType>,
    pub features: Features,
    /// Per month. Twilio's search does not carry prices (see `TwilioClient::number_prices`).
    pub monthly_cost: Option<Money>,
    pub upfront_cost: Option<Money>,
    pub address_requirement: Option<AddressRequirement>,
}

/// A search for numbers on sale. Empty filters are not sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NumberSearch {
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
    /// `None` searches Twilio's `Local` list and Telnyx without a type filter.
    pub number_type: Option<NumberType>,
    /// Area code / national destination code, digits only.
    pub area_code: Option<String>,
    /// Digits (or letters) the number contains (Twilio `Contains`, Telnyx `contains`).
    pub contains: Option<String>,
    /// State or province (Twilio `InRegion`, Telnyx `administrative_area`).
    pub region: Option<String>,
    /// City (Twilio `InLocality`, Telnyx `locality`).
    pub locality: Option<String>,
    /// Capabilities every result must have.
    pub features: Features,
    /// How many results at most (Twilio `PageSize`, Telnyx `filter[limit]`).
    pub limit: Option<u32>,
}

/// The monthly price of a number type in a country (Twilio Pricing v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberPrice {
    /// `None` when Twilio names a type NumberDesk does not know; `type_name` keeps its words.
    pub number_type: Option<NumberType>,
    pub type_name: String,
    pub base_price: Option<Money>,
    /// After the account's discounts.
    pub current_price: Option<Money>,
}

/// Twilio's phone-number prices for one country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryPricing {
    pub iso: String,
    pub country: String,
    pub prices: Vec<NumberPrice>,
}

/// A Twilio number's inbound processing region (Routes v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRegion {
    pub e164: E164,
    /// e.g. `us1`, `ie1`, `au1`.
    pub voice_region: String,
    pub friendly_name: Option<String>,
}

/// One number of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedNumber {
    pub e164: E164,
    /// `None` in order lists, which do not carry per-number status (fetch the order for it).
    pub status: Option<OrderStatus>,
    pub number_type: Option<NumberType>,
    pub requirements_met: Option<bool>,
}

/// A Telnyx number order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberOrder {
    pub id: String,
    pub status: OrderStatus,
    pub numbers: Vec<OrderedNumber>,
    /// Why the order failed, in words, when it did.
    pub failure_reason: Option<String>,
    pub connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub customer_reference: Option<String>,
    pub created_at: Option<String>,
}

/// What a release found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseOutcome {
    Released,
    /// The number was not in the account any more (released earlier, or by a retry whose first
    /// answer was lost).
    AlreadyGone,
}

/// Progress of a listing of owned numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListProgress {
    /// Distinct numbers fetched so far.
    pub fetched: usize,
    /// Pages fetched so far.
    pub pages: usize,
    /// How many there are in all, when the carrier says (Telnyx does, Twilio does not).
    pub total: Option<usize>,
}

/// Why a carrier call failed. Every message is a sentence a user can act on, and none contains a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarrierError {
    #[error("{carrier} rejected the credentials. Check that they are copied exactly and have not been revoked, then enter them again.")]
    AuthRejected { carrier: CarrierKind },
    #[error("These {carrier} credentials are valid but may not use this part of the API ({detail}). Use credentials with full API access.")]
    NoApiAccess {
        carrier: CarrierKind,
        detail: String,
    },
    #[error("The {carrier} account is suspended or closed. Reactivate it in the {carrier} console, then try again.")]
    AccountSuspended { carrier: CarrierKind },
    #[error("This {carrier} account is a trial account, and a trial may own only one phone number. Upgrade the account in the {carrier} console to buy more; nothing was bought or charged.")]
    TrialLimit { carrier: CarrierKind },
    #[error("The {carrier} account's balance cannot pay for this order. Add funds in the {carrier} portal, then try again; nothing was bought or charged.")]
    InsufficientFunds { carrier: CarrierKind },
    #[error("Twilio keeps a number's configuration per region, and only an API key made in {region} may change it there. In the Twilio console, switch to the {region} region, create an API key under Account > API keys, and add it to this connection.")]
    RegionalKeyNeeded { region: String },
    #[error("{carrier} is limiting how fast NumberDesk may call it{}. Wait a moment and try again.", retry_after_text(.retry_after))]
    RateLimited {
        carrier: CarrierKind,
        retry_after: Option<Duration>,
    },
    #[error("{carrier} is having trouble (HTTP {status}). Try again in a few minutes.")]
    CarrierDown { carrier: CarrierKind, status: u16 },
    #[error("{carrier} did not answer in time. Check your internet connection and try again.")]
    Timeout { carrier: CarrierKind },
    #[error("NumberDesk could not reach {carrier} ({detail}). Check your internet connection and try again.")]
    Network {
        carrier: CarrierKind,
        detail: String,
    },
    #[error("{carrier} sent a reply NumberDesk did not understand ({detail}). Try again; if it keeps happening, report it.")]
    NotUnderstood {
        carrier: CarrierKind,
        detail: String,
    },
    #[error("{carrier} has no {what}. It may have been removed; refresh and try again.")]
    NotFound { carrier: CarrierKind, what: String },
    #[error("{number} is no longer available at {carrier}. Search again and pick another number.")]
    NumberUnavailable {
        carrier: CarrierKind,
        number: String,
    },
    #[error("{carrier} refused the request: {message}{}", code_text(.code))]
    Rejected {
        carrier: CarrierKind,
        status: u16,
        code: Option<String>,
        message: String,
    },
    #[error("The {carrier} settings are not usable: {detail}.")]
    InvalidSettings {
        carrier: CarrierKind,
        detail: String,
    },
    /// A carrier NumberDesk reaches only over SIP: there is no API to list, change, buy or
    /// release its numbers.
    #[error("A {carrier} has no API NumberDesk can call: its numbers are the ones you added, and nothing is changed at its carrier. Use Check to test the trunk.")]
    NoApi { carrier: CarrierKind },
}

impl UserError for CarrierError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::AuthRejected { .. }
            | Self::NoApiAccess { .. }
            | Self::AccountSuspended { .. }
            | Self::TrialLimit { .. }
            | Self::InsufficientFunds { .. }
            | Self::RegionalKeyNeeded { .. }
            | Self::RateLimited { .. }
            | Self::CarrierDown { .. }
            | Self::Timeout { .. }
            | Self::Network { .. }
            | Self::NotUnderstood { .. }
            | Self::NotFound { .. }
            | Self::NumberUnavailable { .. }
            | Self::Rejected { .. }
            | Self::InvalidSettings { .. } => Classified::Kind(ErrorKind::Carrier),
            Self::NoApi { .. } => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) if wait.as_secs() >= 1 => format!(" (it asks to wait {} s)", wait.as_secs()),
        _ => String::new(),
    }
}

fn code_text(code: &Option<String>) -> String {
    match code {
        Some(code) => format!(" (error {code})."),
        None => ".".to_string(),
    }
}

impl CarrierError {
    pub fn carrier(&self) -> CarrierKind {
        match self {
            CarrierError::AuthRejected { carrier }
            | CarrierError::NoApiAccess { carrier, .. }
            | CarrierError::AccountSuspended { carrier }
            | CarrierError::TrialLimit { carrier }
            | CarrierError::InsufficientFunds { carrier }
            | CarrierError::RateLimited { carrier, .. }
            | CarrierError::CarrierDown { carrier, .. }
            | CarrierError::Timeout { carrier }
            | CarrierError::Network { carrier, .. }
            | CarrierError::NotUnderstood { carrier, .. }
            | CarrierError::NotFound { carrier, .. }
            | CarrierError::NumberUnavailable { carrier, .. }
            | CarrierError::Rejected { carrier, .. }
            | CarrierError::InvalidSettings { carrier, .. }
            | CarrierError::NoApi { carrier } => *carrier,
            CarrierError::RegionalKeyNeeded { .. } => CarrierKind::Twilio,
        }
    }

    /// True when the request may have been carried out although no answer arrived: a purchase
    /// that failed this way must be checked at the carrier before it is tried again.
    pub fn is_ambiguous(&self) -> bool {
        matches!(
            self,
            CarrierError::Timeout { .. }
                | CarrierError::Network { .. }
                | CarrierError::CarrierDown { .. }
                | CarrierError::NotUnderstood { .. }
        )
    }

    /// True when trying the same call again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CarrierError::RateLimited { .. }
                | CarrierError::CarrierDown { .. }
                | CarrierError::Timeout { .. }
                | CarrierError::Network { .. }
        )
    }
}

/// Trims a carrier's text value and turns empty into `None` (carriers send both `""` and `null`
/// for "not set").
pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.and_then(|text| {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == text.len() {
            Some(text)
        } else {
            Some(trimmed.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_converts_decimal_text_to_cents() {
        let cases = [
            ("1.00", Some(100)),
            ("1.15", Some(115)),
            ("0.5", Some(50)),
            ("6.545", Some(655)),
            ("300", Some(30000)),
            ("-2.10", Some(-210)),
            (".25", Some(25)),
            ("abc", None),
            ("", None),
            ("1.2.3", None),
        ];
        for (text, cents) in cases {
            assert_eq!(Money::new(text, "usd").cents(), cents, "{text}");
        }
        assert_eq!(Money::new("1", "usd").currency, "USD");
    }

    #[test]
    fn routing_snapshot_round_trips_through_json() {
        let routing = Routing::Twilio(TwilioRouting {
            voice_url: Some("https://example.com/voice".into()),
            voice_method: Some(WebhookMethod::Post),
            ..TwilioRouting::default()
        });
        let json = serde_json::to_string(&routing).unwrap();
        assert!(json.contains("\"carrier\":\"twilio\""), "{json}");
        assert!(json.contains("\"voice_method\":\"POST\""), "{json}");
        assert_eq!(serde_json::from_str::<Routing>(&json).unwrap(), routing);

        let routing = Routing::Telnyx(TelnyxRouting {
            connection_id: Some("123".into()),
            messaging_profile_id: None,
            tags: vec!["a".into()],
            ..TelnyxRouting::default()
        });
        let json = serde_json::to_string(&routing).unwrap();
        assert_eq!(serde_json::from_str::<Routing>(&json).unwrap(), routing);
    }

    #[test]
    fn error_messages_are_sentences_naming_the_carrier() {
        let errors = [
            CarrierError::AuthRejected {
                carrier: CarrierKind::Twilio,
            },
            CarrierError::RateLimited {
                carrier: CarrierKind::Telnyx,
                retry_after: Some(Duration::from_secs(3)),
            },
            CarrierError::Rejected {
                carrier: CarrierKind::Twilio,
                status: 400,
                code: Some("21421".into()),
                message: "PhoneNumber is invalid".into(),
            },
        ];
        for error in errors {
            let text = error.to_string();
            assert!(text.contains(&error.carrier().to_string()), "{text}");
            assert!(text.ends_with('.'), "{text}");
        }
    }

    #[test]
    fn empty_text_is_none() {
        assert_eq!(non_empty(Some(String::new())), None);
        assert_eq!(non_empty(Some("  ".into())), None);
        assert_eq!(non_empty(None), None);
        assert_eq!(non_empty(Some(" x ".into())), Some("x".into()));
    }
}
