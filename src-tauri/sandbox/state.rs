//! The sandbox's in-memory world: carrier accounts, their credentials, owned numbers, Telnyx
//! orders, TeXML applications and messaging profiles, and which numbers have left the stock.
//! Handlers share it through an `Arc`; nothing here knows about HTTP.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::clock::Clock;
use super::faults::{FaultState, OrderCompletion};
use super::inspect::CallLog;
use super::inventory::{self, AvailableNumber, Capabilities, Inventory, NumberType};
use super::telnyx::requirements::{RequirementGroup, UserRequirement};
use super::BaseUrls;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub world: RwLock<World>,
    pub inventory: Inventory,
    pub faults: FaultState,
    pub calls: CallLog,
    /// Requests that did not match the carrier's specification, oldest first.
    pub violations: std::sync::Mutex<Vec<super::spec::Violation>>,
    pub base: BaseUrls,
    /// What latency, hangs and timed order completion wait on, and what the call log reads.
    pub clock: Arc<dyn Clock>,
}

impl Shared {
    pub fn violations_now(&self) -> Vec<super::spec::Violation> {
        self.violations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn clear_violations(&self) {
        self.violations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// Records what is wrong with a request (the log keeps the first 10,000).
    pub fn note_violations(&self, found: &[super::spec::Violation]) {
        let mut log = self
            .violations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let room = 10_000usize.saturating_sub(log.len());
        log.extend(found.iter().take(room).cloned());
    }

    /// Reads the world; a handler that panicked while holding the lock left nothing half-done
    /// that matters to a test server, so a poisoned lock is used as it is.
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, World> {
        self.world
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, World> {
        self.world
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Seeded numbers are dated from here, one minute apart, so replies are stable across runs.
pub(crate) fn seed_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 2, 15, 4, 5)
        .single()
        .unwrap_or_default()
}

pub(crate) fn rfc2822(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

pub(crate) fn iso8601(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(crate) fn iso8601_seconds(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// ---------------------------------------------------------------------------------------------
// Twilio

/// The `capabilities` object of an IncomingPhoneNumber (lowercase keys, as Twilio sends them).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct TwilioCapabilities {
    pub mms: bool,
    pub sms: bool,
    pub voice: bool,
    pub fax: bool,
}

impl From<Capabilities> for TwilioCapabilities {
    fn from(capabilities: Capabilities) -> TwilioCapabilities {
        TwilioCapabilities {
            mms: capabilities.mms,
            sms: capabilities.sms,
            voice: capabilities.voice,
            fax: capabilities.fax,
        }
    }
}

/// Twilio's IncomingPhoneNumber resource, field for field as `api.v2010.account.incoming_phone_number`.
/// Unset URLs are `""` and unset SIDs `null`, as the live API sends them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TwilioNumber {
    pub account_sid: String,
    pub address_sid: Option<String>,
    pub address_requirements: &'static str,
    pub api_version: String,
    pub beta: bool,
    pub capabilities: TwilioCapabilities,
    pub date_created: String,
    pub date_updated: String,
    pub friendly_name: String,
    pub identity_sid: Option<String>,
    pub phone_number: String,
    pub origin: &'static str,
    pub sid: String,
    pub sms_application_sid: Option<String>,
    pub sms_fallback_method: String,
    pub sms_fallback_url: String,
    pub sms_method: String,
    pub sms_url: String,
    pub status_callback: String,
    pub status_callback_method: String,
    pub trunk_sid: Option<String>,
    pub uri: String,
    pub voice_receive_mode: &'static str,
    pub voice_application_sid: Option<String>,
    pub voice_caller_id_lookup: bool,
    pub voice_fallback_method: String,
    pub voice_fallback_url: String,
    pub voice_method: String,
    pub voice_url: String,
    pub emergency_status: &'static str,
    pub emergency_address_sid: Option<String>,
    pub emergency_address_status: &'static str,
    pub bundle_sid: Option<String>,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip)]
    pub routes: RoutesConfig,
    /// The number's configuration in each region other than us1, as written through that
    /// region's API host (the fields above are us1's). A region never written has none.
    #[serde(skip)]
    pub regional: BTreeMap<String, RegionConfig>,
}

/// What Twilio keeps of a number per region: where its calls and messages go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RegionConfig {
    pub voice_url: String,
    pub voice_method: String,
    pub voice_fallback_url: String,
    pub voice_fallback_method: String,
    pub voice_application_sid: Option<String>,
    pub voice_caller_id_lookup: bool,
    pub trunk_sid: Option<String>,
    pub sms_url: String,
    pub sms_method: String,
    pub sms_fallback_url: String,
    pub sms_fallback_method: String,
    pub sms_application_sid: Option<String>,
    pub status_callback: String,
    pub status_callback_method: String,
}

impl RegionConfig {
    /// A region the number was never configured in: nothing set, methods at Twilio's POST.
    fn unset() -> RegionConfig {
        let post = || "POST".to_string();
        RegionConfig {
            voice_method: post(),
            voice_fallback_method: post(),
            sms_method: post(),
            sms_fallback_method: post(),
            status_callback_method: post(),
            ..RegionConfig::default()
        }
    }

    fn of(number: &TwilioNumber) -> RegionConfig {
        RegionConfig {
            voice_url: number.voice_url.clone(),
            voice_method: number.voice_method.clone(),
            voice_fallback_url: number.voice_fallback_url.clone(),
            voice_fallback_method: number.voice_fallback_method.clone(),
            voice_application_sid: number.voice_application_sid.clone(),
            voice_caller_id_lookup: number.voice_caller_id_lookup,
            trunk_sid: number.trunk_sid.clone(),
            sms_url: number.sms_url.clone(),
            sms_method: number.sms_method.clone(),
            sms_fallback_url: number.sms_fallback_url.clone(),
            sms_fallback_method: number.sms_fallback_method.clone(),
            sms_application_sid: number.sms_application_sid.clone(),
            status_callback: number.status_callback.clone(),
            status_callback_method: number.status_callback_method.clone(),
        }
    }

    fn onto(self, number: &mut TwilioNumber) {
        number.voice_url = self.voice_url;
        number.voice_method = self.voice_method;
        number.voice_fallback_url = self.voice_fallback_url;
        number.voice_fallback_method = self.voice_fallback_method;
        number.voice_application_sid = self.voice_application_sid;
        number.voice_caller_id_lookup = self.voice_caller_id_lookup;
        number.trunk_sid = self.trunk_sid;
        number.sms_url = self.sms_url;
        number.sms_method = self.sms_method;
        number.sms_fallback_url = self.sms_fallback_url;
        number.sms_fallback_method = self.sms_fallback_method;
        number.sms_application_sid = self.sms_application_sid;
        number.status_callback = self.status_callback;
        number.status_callback_method = self.status_callback_method;
    }
}

impl TwilioNumber {
    /// The number as `region`'s API host shows it: everything the same but its configuration,
    /// which is that region's (`None` is us1, the number itself).
    pub fn in_region(&self, region: Option<&str>) -> std::borrow::Cow<'_, TwilioNumber> {
        match region {
            None | Some("us1") => std::borrow::Cow::Borrowed(self),
            Some(region) => {
                let mut view = self.clone();
                view.regional.clear();
                self.regional
                    .get(region)
                    .cloned()
                    .unwrap_or_else(RegionConfig::unset)
                    .onto(&mut view);
                std::borrow::Cow::Owned(view)
            }
        }
    }

    /// Saves `updated` (a view from [`TwilioNumber::in_region`], changed) as `region` keeps
    /// it: its configuration in that region, the rest on the number.
    pub fn store_in_region(&mut self, region: Option<&str>, mut updated: TwilioNumber) {
        let regional = std::mem::take(&mut self.regional);
        match region {
            None | Some("us1") => {
                *self = updated;
                self.regional = regional;
            }
            Some(region) => {
                let config = RegionConfig::of(&updated);
                RegionConfig::of(self).onto(&mut updated);
                *self = updated;
                self.regional = regional;
                self.regional.insert(region.to_string(), config);
            }
        }
    }

    /// Where an incoming call goes: the configuration of the number's inbound processing
    /// region (Routes v2), with the region's name.
    pub fn call_routing(&self) -> (String, RegionConfig) {
        let region = self.routes.voice_region.clone();
        let config = match region.as_str() {
            "us1" => RegionConfig::of(self),
            other => self
                .regional
                .get(other)
                .cloned()
                .unwrap_or_else(RegionConfig::unset),
        };
        (region, config)
    }
}

/// An API key made in a region other than us1: Twilio accepts it on that region's hosts only.
#[derive(Debug, Clone)]
pub(crate) struct RegionalKey {
    pub region: &'static str,
    pub sid: String,
    pub secret: String,
}

/// The regions each sandbox account has an API key made in, beside its us1 credentials.
pub(crate) const KEYED_REGIONS: [&str; 2] = ["ie1", "au1"];

/// The Routes v2 inbound-processing-region record of a number.
#[derive(Debug, Clone)]
pub(crate) struct RoutesConfig {
    pub sid: String,
    pub voice_region: String,
    pub friendly_name: Option<String>,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
}

pub(crate) struct TwilioAccount {
    pub sid: String,
    pub auth_token: String,
    pub api_key_sid: String,
    pub api_key_secret: String,
    pub friendly_name: String,
    pub date_created: DateTime<Utc>,
    /// Owned numbers by creation sequence: the list order and the paging cursor.
    pub numbers: BTreeMap<u64, TwilioNumber>,
    pub by_sid: HashMap<String, u64>,
    pub by_e164: HashMap<String, u64>,
    /// The account's Addresses (2010-04-01 `Addresses`), for numbers that need one.
    pub addresses: Vec<TwilioAddress>,
    /// `active`, `suspended` or `closed`, as the Accounts resource says.
    pub status: &'static str,
    /// `Full`, or `Trial`: a trial account may own one number only.
    pub kind: &'static str,
    /// API keys made in regions other than us1 ([`KEYED_REGIONS`]).
    pub regional_keys: Vec<RegionalKey>,
    /// Regulatory bundles (Numbers v2), which a number whose country and type have a
    /// regulation is bought with (`BundleSid`).
    pub bundles: Vec<TwilioBundle>,
}

/// A regulatory bundle, as Numbers v2 returns it, with the regulation it was made for.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TwilioBundle {
    pub sid: String,
    pub account_sid: String,
    pub regulation_sid: &'static str,
    pub friendly_name: String,
    /// `draft`, `pending-review`, `in-review`, `twilio-rejected`, `twilio-approved` or
    /// `provisionally-approved`; a number is sold only with an approved one.
    pub status: &'static str,
    pub valid_until: Option<String>,
    pub email: String,
    pub status_callback: Option<String>,
    pub date_created: String,
    pub date_updated: String,
    /// What the regulation covers, which the resource does not show but a search filters on.
    #[serde(skip)]
    pub iso_country: &'static str,
    #[serde(skip)]
    pub number_type: NumberType,
}

impl TwilioBundle {
    /// Whether the number may be bought with this bundle (Twilio: approved, or provisionally).
    pub fn approved(&self) -> bool {
        matches!(self.status, "twilio-approved" | "provisionally-approved")
    }

    /// The bundles every sandbox account has: an approved one for German local numbers and
    /// one for Australian local numbers, and one for Australian mobiles still in review, so a
    /// purchase with it is refused. Their sids share the account's digits, so seeding them
    /// draws nothing from the seeded generator.
    fn seeded(account_sid: &str, index: usize) -> Vec<TwilioBundle> {
        let date = seed_epoch() - ChronoDuration::days(200);
        let at = date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let seeds = [
            (
                "d",
                "DE",
                NumberType::Local,
                "Berlin office",
                "twilio-approved",
            ),
            (
                "a",
                "AU",
                NumberType::Local,
                "Sydney office",
                "twilio-approved",
            ),
            ("b", "AU", NumberType::Mobile, "Sydney mobiles", "in-review"),
        ];
        seeds
            .into_iter()
            .filter_map(|(tag, iso, kind, name, status)| {
                let regulation = inventory::regulation_for(iso, kind)?;
                let sid = format!("BU{tag}{}", &account_sid[3..]);
                Some(TwilioBundle {
                    account_sid: account_sid.to_string(),
                    regulation_sid: regulation.sid,
                    friendly_name: format!("{name} ({})", account_name(index)),
                    status,
                    valid_until: None,
                    email: format!("compliance{index}@example.com"),
                    status_callback: None,
                    date_created: at.clone(),
                    date_updated: at.clone(),
                    iso_country: iso,
                    number_type: kind,
                    sid,
                })
            })
            .collect()
    }
}

/// An Address on file at Twilio, as its API returns it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TwilioAddress {
    pub account_sid: String,
    pub city: String,
    pub customer_name: String,
    pub date_created: String,
    pub date_updated: String,
    pub friendly_name: Option<String>,
    pub iso_country: String,
    pub postal_code: String,
    pub region: String,
    pub sid: String,
    pub street: String,
    pub street_secondary: Option<String>,
    pub uri: String,
    pub emergency_enabled: bool,
    pub validated: bool,
    pub verified: bool,
}

impl TwilioAddress {
    /// The addresses every sandbox account has on file: an office in London and one in
    /// Berlin. Their sids share the account's digits, so seeding them draws nothing from the
    /// seeded generator.
    fn seeded(account_sid: &str, index: usize) -> Vec<TwilioAddress> {
        let london = TwilioAddress::london(account_sid, index);
        let mut berlin = london.clone();
        berlin.sid = format!("ADe{}", &account_sid[3..]);
        berlin.uri = format!(
            "/2010-04-01/Accounts/{account_sid}/Addresses/{}.json",
            berlin.sid
        );
        berlin.city = "Berlin".into();
        berlin.friendly_name = Some("Berlin office".into());
        berlin.iso_country = "DE".into();
        berlin.postal_code = "10117".into();
        berlin.region = "Berlin".into();
        berlin.street = "Friedrichstrasse 1".into();
        vec![london, berlin]
    }

    fn london(account_sid: &str, index: usize) -> TwilioAddress {
        let sid = format!("AD{}", &account_sid[2..]);
        let date = rfc2822(seed_epoch() - ChronoDuration::days(300));
        TwilioAddress {
            account_sid: account_sid.to_string(),
            city: "London".into(),
            customer_name: account_name(index),
            date_created: date.clone(),
            date_updated: date,
            friendly_name: Some("London office".into()),
            iso_country: "GB".into(),
            postal_code: "EC1A 1BB".into(),
            region: "Greater London".into(),
            uri: format!("/2010-04-01/Accounts/{account_sid}/Addresses/{sid}.json"),
            sid,
            street: "1 King Street".into(),
            street_secondary: None,
            emergency_enabled: false,
            validated: true,
            verified: true,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Telnyx

/// Telnyx's `PhoneNumberDetailed`, field for field.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TelnyxNumber {
    pub id: String,
    pub record_type: &'static str,
    pub phone_number: String,
    pub status: &'static str,
    pub tags: Vec<String>,
    pub connection_id: Option<String>,
    pub connection_name: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub messaging_profile_name: Option<String>,
    pub billing_group_id: Option<String>,
    pub customer_reference: Option<String>,
    pub country_iso_alpha2: String,
    /// Telnyx's word for the type; right after a purchase completes, the legacy one
    /// (`longcode`, `tollfree`), as Telnyx sends it (see [`TelnyxNumber::kind_is`]).
    pub phone_number_type: &'static str,
    pub emergency_enabled: bool,
    pub emergency_address_id: Option<String>,
    pub emergency_status: &'static str,
    pub call_forwarding_enabled: bool,
    pub call_recording_enabled: bool,
    pub cnam_listing_enabled: bool,
    pub caller_id_name_enabled: bool,
    pub t38_fax_gateway_enabled: bool,
    pub hd_voice_enabled: bool,
    pub inbound_call_screening: &'static str,
    pub external_pin: Option<String>,
    pub deletion_lock_enabled: bool,
    pub source_type: Option<&'static str>,
    pub purchased_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub activated_at: Option<String>,
    #[serde(skip)]
    pub messaging_product: String,
    #[serde(skip)]
    pub sms: bool,
    #[serde(skip)]
    pub mms: bool,
}

impl TelnyxNumber {
    /// Whether its type is `kind` (a current Telnyx word), under the legacy name too.
    pub fn kind_is(&self, kind: &str) -> bool {
        self.phone_number_type == kind || legacy_type_name(kind) == Some(self.phone_number_type)
    }
}

/// The name Telnyx used for a type before July 2023, which it still sends right after a
/// purchase completes.
pub(crate) fn legacy_type_name(kind: &str) -> Option<&'static str> {
    match kind {
        "local" => Some("longcode"),
        "toll_free" => Some("tollfree"),
        _ => None,
    }
}

/// Telnyx's `TexmlApplication`, field for field.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TexmlApplication {
    pub id: String,
    pub record_type: &'static str,
    pub friendly_name: String,
    pub active: bool,
    pub anchorsite_override: &'static str,
    pub dtmf_type: &'static str,
    pub first_command_timeout: bool,
    pub first_command_timeout_secs: u32,
    pub voice_url: String,
    pub voice_fallback_url: String,
    pub voice_method: &'static str,
    pub status_callback: String,
    pub status_callback_method: &'static str,
    pub call_cost_in_webhooks: bool,
    pub inbound: TexmlInbound,
    pub outbound: TexmlOutbound,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TexmlInbound {
    pub channel_limit: u32,
    pub shaken_stir_enabled: bool,
    pub sip_subdomain: String,
    pub sip_subdomain_receive_settings: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TexmlOutbound {
    pub channel_limit: u32,
    pub outbound_voice_profile_id: String,
}

/// Telnyx's `MessagingProfile`, field for field.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MessagingProfile {
    pub id: String,
    pub record_type: &'static str,
    pub name: String,
    pub enabled: bool,
    pub webhook_url: Option<String>,
    pub webhook_failover_url: Option<String>,
    pub webhook_api_version: &'static str,
    pub whitelisted_destinations: Vec<String>,
    pub number_pool_settings: Option<serde_json::Value>,
    pub url_shortener_settings: Option<serde_json::Value>,
    pub alpha_sender: Option<String>,
    pub daily_spend_limit: String,
    pub daily_spend_limit_enabled: bool,
    pub mms_fall_back_to_sms: bool,
    pub mms_transcoding: bool,
    pub mobile_only: bool,
    pub smart_encoding: bool,
    pub redaction_enabled: bool,
    pub redaction_level: u32,
    pub organization_id: String,
    pub resource_group_id: Option<String>,
    pub ai_assistant_id: Option<String>,
    pub v1_secret: String,
    pub health_webhook_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// How a Telnyx order ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Success,
    Failure,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Success => "success",
            OrderStatus::Failure => "failure",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct OrderLine {
    pub id: String,
    pub phone_number: String,
    pub number_id: String,
    pub kind: NumberType,
    pub country: &'static str,
    pub requirement_group_id: Option<String>,
    pub requirements: LineRequirements,
}

/// Where an order line stands with its country's regulatory requirements.
#[derive(Debug, Clone)]
pub(crate) enum LineRequirements {
    /// Its number asks for none.
    None,
    /// It asks for some and the line names no requirement group.
    Missing,
    /// The group it names is not approved yet.
    UnderReview { requirement_id: &'static str },
    /// An approved group meets them.
    Met { answers: Vec<UserRequirement> },
}

impl LineRequirements {
    pub fn met(&self) -> bool {
        matches!(self, LineRequirements::None | LineRequirements::Met { .. })
    }

    /// Telnyx's `requirements_status` of the line.
    pub fn status(&self) -> &'static str {
        match self {
            LineRequirements::None | LineRequirements::Met { .. } => "approved",
            LineRequirements::Missing => "requirement-info-pending",
            LineRequirements::UnderReview { .. } => "requirement-info-under-review",
        }
    }

    /// The line's `regulatory_requirements`: the answers given, or what is awaited.
    pub fn answers(&self) -> serde_json::Value {
        match self {
            LineRequirements::None | LineRequirements::Missing => serde_json::json!([]),
            LineRequirements::UnderReview { requirement_id } => serde_json::json!([{
                "record_type": "phone_number_regulatory_requirement",
                "requirement_id": requirement_id,
                "field_type": "address",
                "field_value": null,
            }]),
            LineRequirements::Met { answers } => serde_json::Value::Array(
                answers
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "record_type": "phone_number_regulatory_requirement",
                            "requirement_id": a.requirement_id,
                            "field_type": a.field_type,
                            "field_value": a.field_value,
                        })
                    })
                    .collect(),
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct NumberOrder {
    pub id: String,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub billing_group_id: Option<String>,
    pub customer_reference: Option<String>,
    pub sub_number_order_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was created, on the sandbox's clock (timed completion counts from here).
    pub created_on_clock: Duration,
    pub polls: u32,
    pub completion: OrderCompletion,
}

impl NumberOrder {
    /// Telnyx's `requirements_met`: every line's are.
    pub fn requirements_met(&self) -> bool {
        self.lines.iter().all(|line| line.requirements.met())
    }
}

pub(crate) struct TelnyxAccount {
    pub api_key: String,
    pub organization_id: String,
    pub balance_cents: i64,
    pub credit_limit_cents: i64,
    /// Owned numbers by creation sequence.
    pub numbers: BTreeMap<u64, TelnyxNumber>,
    pub by_id: HashMap<String, u64>,
    pub by_e164: HashMap<String, u64>,
    pub orders: BTreeMap<u64, NumberOrder>,
    pub orders_by_id: HashMap<String, u64>,
    pub texml_applications: Vec<TexmlApplication>,
    pub messaging_profiles: Vec<MessagingProfile>,
    /// Filled-in regulatory requirements an order line can name.
    pub requirement_groups: Vec<RequirementGroup>,
}

impl TelnyxAccount {
    /// What the account may still spend: its balance and credit limit, less what its pending
    /// orders will be charged (a number costs 1.00 when its order completes).
    pub fn spendable_cents(&self) -> i64 {
        let pending: usize = self
            .orders
            .values()
            .filter(|order| order.status == OrderStatus::Pending)
            .map(|order| order.lines.len())
            .sum();
        self.balance_cents + self.credit_limit_cents - NUMBER_PRICE_CENTS * pending as i64
    }

    pub fn connection_name(&self, connection_id: &str) -> Option<String> {
        self.texml_applications
            .iter()
            .find(|app| app.id == connection_id)
            .map(|app| app.friendly_name.clone())
    }

    pub fn messaging_profile_name(&self, profile_id: &str) -> Option<String> {
        self.messaging_profiles
            .iter()
            .find(|profile| profile.id == profile_id)
            .map(|profile| profile.name.clone())
    }
}

// ---------------------------------------------------------------------------------------------
// The world

pub(crate) struct World {
    pub twilio: Vec<TwilioAccount>,
    pub telnyx: Vec<TelnyxAccount>,
    /// Numbers that have left the stock: bought by an account or by "another user".
    pub taken: HashSet<String>,
    rng: ChaCha8Rng,
    next_seq: u64,
    next_telnyx_number_id: u64,
}

impl World {
    pub fn seed(
        seed: u64,
        inventory: &Inventory,
        owned_first: usize,
        accounts_per_carrier: usize,
        owned_others: usize,
    ) -> World {
        let mut world = World {
            twilio: Vec::new(),
            telnyx: Vec::new(),
            taken: HashSet::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5a9d_b0c5_0001),
            next_seq: 1,
            next_telnyx_number_id: 1_293_384_261_075_731_499,
        };
        let mut used = HashSet::new();
        for index in 0..accounts_per_carrier.max(1) {
            let owned = if index == 0 {
                owned_first
            } else {
                owned_others
            };
            world.seed_twilio_account(index, owned, inventory, &mut used);
        }
        for index in 0..accounts_per_carrier.max(1) {
            let owned = if index == 0 {
                owned_first
            } else {
                owned_others
            };
            world.seed_telnyx_account(index, owned, inventory, &mut used);
        }
        // Seeded last, so the accounts above are what they were before these existed.
        for status in INACTIVE_STATUSES {
            let index = world.twilio.len();
            world.seed_twilio_account(index, 0, inventory, &mut used);
            if let Some(account) = world.twilio.last_mut() {
                account.status = status;
            }
        }
        // Regional API keys come from a stream of their own, so seeding them changes nothing
        // else a seed gives.
        let mut keys = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_4e91_0a1c_0002);
        for account in &mut world.twilio {
            for region in KEYED_REGIONS {
                let sid = format!("SK{:032x}", keys.random::<u128>());
                let secret = format!("{:032x}", keys.random::<u128>());
                account.regional_keys.push(RegionalKey {
                    region,
                    sid,
                    secret,
                });
            }
        }
        // And a trial account, which owns the one number a trial may have.
        let index = world.twilio.len();
        world.seed_twilio_account(index, 1, inventory, &mut used);
        if let Some(account) = world.twilio.last_mut() {
            account.kind = "Trial";
        }
        // And a Telnyx account whose balance cannot pay for one number.
        let index = world.telnyx.len();
        world.seed_telnyx_account(index, 0, inventory, &mut used);
        if let Some(account) = world.telnyx.last_mut() {
            account.balance_cents = NUMBER_PRICE_CENTS / 2;
            account.credit_limit_cents = 0;
        }
        world
    }

    fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    pub fn twilio_sid(&mut self, prefix: &str) -> String {
        let value: u128 = self.rng.random();
        format!("{prefix}{value:032x}")
    }

    pub fn uuid(&mut self) -> String {
        let value: u128 = self.rng.random();
        // Version 4, RFC 4122 variant, as Telnyx's UUIDs are.
        let value = (value & !(0xf_u128 << 76)) | (0x4_u128 << 76);
        let value = (value & !(0x3_u128 << 62)) | (0x2_u128 << 62);
        let hex = format!("{value:032x}");
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    fn secret(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())]))
            .collect()
    }

    pub fn next_telnyx_number_id(&mut self) -> String {
        let id = self.next_telnyx_number_id;
        self.next_telnyx_number_id += 1;
        id.to_string()
    }

    fn seed_twilio_account(
        &mut self,
        index: usize,
        owned: usize,
        inventory: &Inventory,
        used: &mut HashSet<String>,
    ) {
        let sid = self.twilio_sid("AC");
        let auth_token = format!("{:032x}", self.rng.random::<u128>());
        let api_key_sid = self.twilio_sid("SK");
        let api_key_secret = self.secret(32);
        let addresses = TwilioAddress::seeded(&sid, index);
        let mut account = TwilioAccount {
            sid,
            auth_token,
            api_key_sid,
            api_key_secret,
            friendly_name: account_name(index),
            date_created: seed_epoch() - ChronoDuration::days(400),
            numbers: BTreeMap::new(),
            by_sid: HashMap::new(),
            by_e164: HashMap::new(),
            addresses,
            status: "active",
            kind: "Full",
            regional_keys: Vec::new(),
            bundles: Vec::new(),
        };
        account.bundles = TwilioBundle::seeded(&account.sid, index);
        let numbers = inventory::draw_owned_numbers(&mut self.rng, inventory, owned, used);
        for (position, number) in numbers.iter().enumerate() {
            let at = seed_epoch() + ChronoDuration::minutes(position as i64);
            let sid = self.twilio_sid("PN");
            let routes_sid = self.twilio_sid("QQ");
            let seq = self.next_seq();
            let mut record = new_twilio_number(&account.sid, sid, routes_sid, number, at);
            // Seeded numbers already point somewhere, as a real account's would.
            record.voice_url = format!("https://agents.example.com/voice/{}", position % 7);
            insert_twilio(&mut account, seq, record);
        }
        self.twilio.push(account);
    }

    fn seed_telnyx_account(
        &mut self,
        index: usize,
        owned: usize,
        inventory: &Inventory,
        used: &mut HashSet<String>,
    ) {
        let api_key = format!("KEY{:032X}_{}", self.rng.random::<u128>(), self.secret(22));
        let organization_id = self.uuid();
        let created = iso8601(seed_epoch() - ChronoDuration::days(300));
        let mut texml_applications = Vec::new();
        for (position, name) in ["Voice agent", "Fallback IVR"].into_iter().enumerate() {
            let id = (1_293_384_261_075_000_000_u64 + (index as u64) * 100 + position as u64)
                .to_string();
            texml_applications.push(TexmlApplication {
                id,
                record_type: "texml_application",
                friendly_name: format!("{name} ({})", account_name(index)),
                active: true,
                anchorsite_override: "Latency",
                dtmf_type: "RFC 2833",
                first_command_timeout: false,
                first_command_timeout_secs: 30,
                voice_url: format!("https://agents.example.com/texml/{index}/{position}"),
                voice_fallback_url: format!("https://agents.example.com/texml/{index}/fallback"),
                voice_method: "post",
                status_callback: format!("https://agents.example.com/texml/{index}/status"),
                status_callback_method: "post",
                call_cost_in_webhooks: false,
                inbound: TexmlInbound {
                    channel_limit: 10,
                    shaken_stir_enabled: true,
                    sip_subdomain: format!("sandbox-{index}-{position}"),
                    sip_subdomain_receive_settings: "only_my_connections",
                },
                outbound: TexmlOutbound {
                    channel_limit: 10,
                    outbound_voice_profile_id: (1_293_384_261_075_500_000_u64 + index as u64)
                        .to_string(),
                },
                tags: Vec::new(),
                created_at: created.clone(),
                updated_at: created.clone(),
            });
        }
        let mut messaging_profiles = Vec::new();
        for name in ["Default", "Marketing"] {
            let id = self.uuid();
            let v1_secret = self.secret(24);
            messaging_profiles.push(MessagingProfile {
                id,
                record_type: "messaging_profile",
                name: format!("{name} ({})", account_name(index)),
                enabled: true,
                webhook_url: Some(format!("https://agents.example.com/sms/{index}")),
                webhook_failover_url: None,
                webhook_api_version: "2",
                whitelisted_destinations: vec!["US".to_string(), "CA".to_string()],
                number_pool_settings: None,
                url_shortener_settings: None,
                alpha_sender: None,
                daily_spend_limit: "100.00".to_string(),
                daily_spend_limit_enabled: false,
                mms_fall_back_to_sms: false,
                mms_transcoding: false,
                mobile_only: false,
                smart_encoding: false,
                redaction_enabled: false,
                redaction_level: 2,
                organization_id: organization_id.clone(),
                resource_group_id: None,
                ai_assistant_id: None,
                v1_secret,
                health_webhook_url: None,
                created_at: created.clone(),
                updated_at: created.clone(),
            });
        }
        let mut account = TelnyxAccount {
            api_key,
            organization_id,
            balance_cents: 30_000,
            credit_limit_cents: 10_000,
            numbers: BTreeMap::new(),
            by_id: HashMap::new(),
            by_e164: HashMap::new(),
            orders: BTreeMap::new(),
            orders_by_id: HashMap::new(),
            texml_applications,
            messaging_profiles,
            requirement_groups: RequirementGroup::seeded(index),
        };
        let numbers = inventory::draw_owned_numbers(&mut self.rng, inventory, owned, used);
        let connection = account.texml_applications[0].id.clone();
        let connection_name = account.texml_applications[0].friendly_name.clone();
        let profile = account.messaging_profiles[0].id.clone();
        let profile_name = account.messaging_profiles[0].name.clone();
        for (position, number) in numbers.iter().enumerate() {
            let at = seed_epoch() + ChronoDuration::minutes(position as i64);
            let id = self.next_telnyx_number_id();
            let seq = self.next_seq();
            let mut record = new_telnyx_number(id, number, at, "active");
            record.activated_at = Some(iso8601(at));
            if position % 3 != 2 {
                record.connection_id = Some(connection.clone());
                record.connection_name = Some(connection_name.clone());
            }
            if position % 2 == 0 {
                record.messaging_profile_id = Some(profile.clone());
                record.messaging_profile_name = Some(profile_name.clone());
            }
            insert_telnyx(&mut account, seq, record);
        }
        self.telnyx.push(account);
    }

    pub fn telnyx_by_key(&self, api_key: &str) -> Option<usize> {
        self.telnyx
            .iter()
            .position(|account| account.api_key == api_key)
    }

    /// A new IncomingPhoneNumber for `number` in a Twilio account, not yet bought.
    pub fn prepare_twilio(
        &mut self,
        account: usize,
        number: &AvailableNumber,
        now: DateTime<Utc>,
    ) -> TwilioNumber {
        let sid = self.twilio_sid("PN");
        let routes_sid = self.twilio_sid("QQ");
        new_twilio_number(&self.twilio[account].sid, sid, routes_sid, number, now)
    }

    /// Buys a prepared number: it leaves the stock and joins the account.
    pub fn commit_twilio(&mut self, account: usize, record: TwilioNumber) -> u64 {
        let seq = self.next_seq();
        self.taken.insert(record.phone_number.clone());
        insert_twilio(&mut self.twilio[account], seq, record);
        seq
    }

    /// Adds a purchase-pending number to a Telnyx account (a number order line).
    pub fn add_pending_telnyx(
        &mut self,
        account: usize,
        number: &AvailableNumber,
        now: DateTime<Utc>,
    ) -> String {
        let id = self.next_telnyx_number_id();
        let seq = self.next_seq();
        self.taken.insert(number.e164.clone());
        let record = new_telnyx_number(id.clone(), number, now, "purchase-pending");
        insert_telnyx(&mut self.telnyx[account], seq, record);
        id
    }
}

/// What the sandbox's Telnyx charges for a number when its order completes, in cents.
pub(crate) const NUMBER_PRICE_CENTS: i64 = 100;

/// The Twilio accounts the sandbox also seeds, one of each state that is not active: it answers
/// their Accounts resource with the state and refuses everything else with 10001.
pub(crate) const INACTIVE_STATUSES: [&str; 2] = ["suspended", "closed"];

fn account_name(index: usize) -> String {
    match index {
        0 => "NumberDesk Sandbox".to_string(),
        other => format!("NumberDesk Sandbox {}", other + 1),
    }
}

fn insert_twilio(account: &mut TwilioAccount, seq: u64, record: TwilioNumber) {
    account.by_sid.insert(record.sid.clone(), seq);
    account.by_e164.insert(record.phone_number.clone(), seq);
    account.numbers.insert(seq, record);
}

pub(crate) fn remove_twilio(account: &mut TwilioAccount, seq: u64) -> Option<TwilioNumber> {
    let record = account.numbers.remove(&seq)?;
    account.by_sid.remove(&record.sid);
    account.by_e164.remove(&record.phone_number);
    Some(record)
}

fn insert_telnyx(account: &mut TelnyxAccount, seq: u64, record: TelnyxNumber) {
    account.by_id.insert(record.id.clone(), seq);
    account.by_e164.insert(record.phone_number.clone(), seq);
    account.numbers.insert(seq, record);
}

pub(crate) fn remove_telnyx(account: &mut TelnyxAccount, seq: u64) -> Option<TelnyxNumber> {
    let record = account.numbers.remove(&seq)?;
    account.by_id.remove(&record.id);
    account.by_e164.remove(&record.phone_number);
    Some(record)
}

fn new_twilio_number(
    account_sid: &str,
    sid: String,
    routes_sid: String,
    number: &AvailableNumber,
    at: DateTime<Utc>,
) -> TwilioNumber {
    let date = rfc2822(at);
    TwilioNumber {
        account_sid: account_sid.to_string(),
        address_sid: None,
        address_requirements: number.address_requirements(),
        api_version: "2010-04-01".to_string(),
        beta: false,
        capabilities: number.capabilities.into(),
        date_created: date.clone(),
        date_updated: date,
        friendly_name: number.friendly_name(),
        identity_sid: None,
        phone_number: number.e164.clone(),
        origin: "twilio",
        uri: format!("/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json"),
        sid,
        sms_application_sid: None,
        sms_fallback_method: "POST".to_string(),
        sms_fallback_url: String::new(),
        sms_method: "POST".to_string(),
        sms_url: String::new(),
        status_callback: String::new(),
        status_callback_method: "POST".to_string(),
        trunk_sid: None,
        voice_receive_mode: "voice",
        voice_application_sid: None,
        voice_caller_id_lookup: false,
        voice_fallback_method: "POST".to_string(),
        voice_fallback_url: String::new(),
        voice_method: "POST".to_string(),
        voice_url: String::new(),
        emergency_status: "Inactive",
        emergency_address_sid: None,
        emergency_address_status: "unregistered",
        bundle_sid: None,
        status: "in-use",
        kind: number.kind.as_str(),
        routes: RoutesConfig {
            sid: routes_sid,
            voice_region: "us1".to_string(),
            friendly_name: None,
            date_created: at,
            date_updated: at,
        },
        regional: BTreeMap::new(),
    }
}

fn new_telnyx_number(
    id: String,
    number: &AvailableNumber,
    at: DateTime<Utc>,
    status: &'static str,
) -> TelnyxNumber {
    let stamp = iso8601(at);
    TelnyxNumber {
        id,
        record_type: "phone_number",
        phone_number: number.e164.clone(),
        status,
        tags: Vec::new(),
        connection_id: None,
        connection_name: None,
        messaging_profile_id: None,
        messaging_profile_name: None,
        billing_group_id: None,
        customer_reference: None,
        country_iso_alpha2: number.country.to_string(),
        phone_number_type: number.kind.as_str(),
        emergency_enabled: false,
        emergency_address_id: None,
        emergency_status: "disabled",
        call_forwarding_enabled: true,
        call_recording_enabled: false,
        cnam_listing_enabled: false,
        caller_id_name_enabled: false,
        t38_fax_gateway_enabled: false,
        hd_voice_enabled: false,
        inbound_call_screening: "disabled",
        external_pin: None,
        deletion_lock_enabled: false,
        source_type: Some("number_order"),
        purchased_at: stamp.clone(),
        created_at: stamp.clone(),
        updated_at: stamp,
        activated_at: None,
        messaging_product: "P2P".to_string(),
        sms: number.capabilities.sms,
        mms: number.capabilities.mms,
    }
}
