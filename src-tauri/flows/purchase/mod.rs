//! Searching for numbers and buying them: the marketplace (through the workspace's own connected
//! Twilio or Telnyx account, one number at a time) and the number pool (the agency's Telnyx
//! account, configured once, serving every workspace on the `unlimited` plan with the
//! `flex_phone_self-serve` flag, many numbers in one order), Telnyx orders synced until they
//! complete, and release.
//!
//! Never buy or charge twice. A purchase is journalled (with the credits it will spend, which are
//! held from then on) before the carrier is called; the number, its order line and its charge are
//! written in one transaction with the journal row marked done. After an ambiguous failure (a
//! timeout, a dropped connection, a 5xx) the carrier account is checked for the number, or for the
//! order by its customer reference, before anything is retried. A journal row left at `intent`
//! (the app stopped, or the check could not be made) is settled by [`Purchases::recover`] from
//! what the carrier has: bought means recorded and charged once, not bought means failed and not
//! charged. Releases are journalled the same way and finished on recovery (a release is
//! idempotent at both carriers).
//!
//! The service takes ids and hands back plain domain structs; it never names Tauri or the UI.
//! Carrier wire types stay in `carriers/`; credentials come from the keyring through
//! `connections`, or, for the pool, as a [`PoolAccount`] the caller got from `secrets`.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::blocking::{self, TaskFailed};
use crate::app::context::Context;
use crate::carriers::account::{CarrierAccount, Placed};
use crate::carriers::{
    AvailableNumber, CarrierError, CarrierKind, CountryPricing, Features, Money, NumberOrder,
    NumberSearch, NumberType, OrderStatus, OwnedNumber, ReleaseOutcome,
};
use crate::domain::target::ManagedTarget;
pub use crate::flows::accounts::PoolAccount;
use crate::flows::accounts::{AccountUnavailable, Accounts};
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::flows::billing::{self, BillingError};
use crate::flows::connect::connections::{managed_target, ConnectionError, Connections};
use crate::flows::workspaces::{Workspace, WorkspaceError};
use crate::store::journal::{self, PURCHASE as JOURNAL_PURCHASE, RELEASE as JOURNAL_RELEASE};
use crate::store::numbers::{self, NewNumber};
use crate::store::orders::{self as rows, HeldNumber, OrderRow};
use crate::store::search_cache::{self, CachedNumber};
use crate::store::StoreError;

/// Results asked for per search and per number type, and added by each Refresh.
pub const PAGE_SIZE: u32 = 50;
/// The most results one search keeps (Refresh stops growing there).
pub const MAX_RESULTS: u32 = 500;
/// Nearby area codes offered when a search comes back empty.
pub const MAX_SUGGESTIONS: usize = 5;

// ---------------------------------------------------------------------------------------------
// Domain types

/// How a workspace buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The agency's number pool: `unlimited` plan with the `flex_phone_self-serve` flag.
    Pool,
    /// The workspace's own connected carrier account.
    Marketplace,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Pool => "pool",
            Flow::Marketplace => "marketplace",
        }
    }

    pub fn of(workspace: &Workspace) -> Flow {
        if workspace.uses_number_pool() {
            Flow::Pool
        } else {
            Flow::Marketplace
        }
    }

    fn parse(text: &str) -> Option<Flow> {
        match text {
            "pool" => Some(Flow::Pool),
            "marketplace" => Some(Flow::Marketplace),
            _ => None,
        }
    }
}

/// A country numbers can be searched in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2.
    pub iso: String,
    pub name: String,
    /// Types on sale there, when the carrier says (Twilio does).
    pub number_types: Vec<NumberType>,
}

/// What the search form sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Marketplace: the connected carrier account to search. Ignored for pool workspaces.
    pub connection_id: Option<i64>,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
    /// Area code or prefix (national destination code), digits only; optional.
    pub area_code: Option<String>,
    /// One or more of local, mobile, toll-free, national; empty means local.
    pub types: Vec<NumberType>,
    /// Capabilities every result must have.
    pub features: Features,
    /// Results per type; `None` is [`PAGE_SIZE`].
    pub limit: Option<u32>,
}

/// A number on sale, as the results table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub e164: String,
    pub number_type: Option<NumberType>,
    pub country: Option<String>,
    /// State or province.
    pub region: Option<String>,
    pub locality: Option<String>,
    pub features: Features,
    /// Per month, in credits (one credit is one US cent). `None` when the carrier gave no price
    /// NumberDesk can convert; such a number cannot be bought.
    pub monthly_cost_credits: Option<i64>,
}

/// An area code to try instead, when a search found nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaCodeSuggestion {
    pub area_code: String,
    pub region: Option<String>,
    pub locality: Option<String>,
    /// Numbers seen on sale there.
    pub numbers_seen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchResults {
    pub carrier: CarrierKind,
    pub offers: Vec<Offer>,
    /// When the carrier gave these results.
    pub fetched_at: DateTime<Utc>,
    /// True when served from the local cache (offline, or the carrier could not be reached):
    /// some numbers may have been sold since.
    pub possibly_stale: bool,
    /// Why the cached copy was shown instead of fresh results.
    pub offline_reason: Option<String>,
    /// Filled when nothing was found for an area code.
    pub suggestions: Vec<AreaCodeSuggestion>,
}

/// Columns the results table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    Number,
    Region,
    Type,
    Features,
    MonthlyCost,
}

/// Sorts offers by one column (stable; unpriced numbers last when sorting by cost).
pub fn sort_offers(offers: &mut [Offer], by: SortBy, descending: bool) {
    offers.sort_by(|a, b| {
        let order = match by {
            SortBy::Number => a.e164.cmp(&b.e164),
            SortBy::Region => (&a.region, &a.locality).cmp(&(&b.region, &b.locality)),
            SortBy::Type => type_name(a.number_type).cmp(type_name(b.number_type)),
            SortBy::Features => feature_count(&a.features).cmp(&feature_count(&b.features)),
            SortBy::MonthlyCost => a
                .monthly_cost_credits
                .unwrap_or(i64::MAX)
                .cmp(&b.monthly_cost_credits.unwrap_or(i64::MAX)),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}

fn type_name(number_type: Option<NumberType>) -> &'static str {
    number_type.map_or("", NumberType::as_str)
}

fn feature_count(features: &Features) -> u8 {
    u8::from(features.voice) + u8::from(features.sms) + u8::from(features.mms)
}

/// What the confirmation dialog shows before Buy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub flow: Flow,
    pub numbers: Vec<QuotedNumber>,
    pub total_credits: i64,
    pub balance_before: i64,
    pub balance_after: i64,
    /// Whether the balance covers it; Buy is refused otherwise.
    pub affordable: bool,
    /// Always true: the full month is charged now, and releasing refunds nothing.
    pub no_proration: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotedNumber {
    pub e164: String,
    pub monthly_cost_credits: i64,
}

/// A number's state in the numbers table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberStatus {
    Pending,
    Active,
    Failed,
    Released,
}

impl NumberStatus {
    fn parse(text: &str) -> NumberStatus {
        match text {
            "pending" => NumberStatus::Pending,
            "failed" => NumberStatus::Failed,
            "released" => NumberStatus::Released,
            _ => NumberStatus::Active,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurchasedNumber {
    pub phone_number_id: i64,
    pub e164: String,
    pub status: NumberStatus,
    pub monthly_cost_credits: i64,
    pub failure_reason: Option<String>,
}

/// What a purchase (or a recovered one) ended with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purchase {
    pub order_id: i64,
    pub flow: Flow,
    pub carrier: CarrierKind,
    pub numbers: Vec<PurchasedNumber>,
    pub charged_credits: i64,
}

/// What one sync of an order changed, for the notification on completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderUpdate {
    pub workspace_id: i64,
    pub order_id: i64,
    pub status: OrderStatus,
    pub activated: Vec<String>,
    pub failed: Vec<FailedNumber>,
    pub refunded_credits: i64,
}

impl OrderUpdate {
    /// True when the order left `pending` in this sync (the moment to notify).
    pub fn completed(&self) -> bool {
        self.status != OrderStatus::Pending
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedNumber {
    pub e164: String,
    pub reason: String,
}

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub orders_checked: usize,
    pub updates: Vec<OrderUpdate>,
    /// Journalled purchases and releases settled from what the carrier has.
    pub recovered: Vec<Recovered>,
    /// Orders or journal rows that could not be checked this time, with why.
    pub errors: Vec<String>,
}

/// How a journal row left at `intent` was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Recovered {
    /// The carrier has the purchase: recorded and charged once.
    Bought {
        order_id: i64,
        numbers: Vec<String>,
    },
    /// The carrier has no trace of it: failed, nothing charged.
    NotBought {
        order_id: i64,
        numbers: Vec<String>,
    },
    Released {
        phone_number_id: i64,
        e164: String,
    },
}

/// A pending order, as the Orders list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderSummary {
    pub order_id: i64,
    pub flow: Flow,
    pub carrier: CarrierKind,
    pub status: OrderStatus,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub numbers: Vec<PurchasedNumber>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    pub phone_number_id: i64,
    pub e164: String,
    /// The carrier no longer had it (released before, or a retry whose first answer was lost).
    pub already_gone: bool,
    /// Always 0: releasing refunds nothing.
    pub refunded_credits: i64,
}

// ---------------------------------------------------------------------------------------------
// Errors

#[derive(Debug, thiserror::Error)]
pub enum PurchaseError {
    #[error("Pick at least one number.")]
    NothingSelected,
    #[error("Choose a country from the list (\"{0}\" is not a two-letter country code).")]
    InvalidCountry(String),
    #[error("{carrier} sells no numbers in {country}. Choose another country.")]
    CountryNotSold {
        carrier: CarrierKind,
        country: String,
    },
    #[error("{carrier} sells no {types} numbers in {country}. Choose another type.")]
    TypeNotSold {
        carrier: CarrierKind,
        country: String,
        types: String,
    },
    #[error("\"{0}\" is not an area code: use digits only, for example 312.")]
    AreaCodeNotDigits(String),
    #[error("There is no area code {code} in {country}. {hint}")]
    AreaCodeDoesNotExist {
        code: String,
        country: String,
        hint: &'static str,
    },
    #[error(
        "Connect a Twilio or Telnyx account to this workspace before searching or buying numbers."
    )]
    NoConnection,
    #[error("This workspace has several carrier connections; choose the one to buy through.")]
    ChooseConnection,
    #[error("This workspace buys from the number pool; use Buy now in the pool search.")]
    UsesPool,
    #[error("This workspace is not on the number pool (it needs the unlimited plan with flex_phone_self-serve); buy through its connected carrier instead.")]
    NotPoolWorkspace,
    #[error("{0} is not a phone number in international form (+ and digits).")]
    NotANumber(String),
    #[error("{0} is not in a recent search here, so its price is unknown. Search again, then buy it from the results.")]
    NotInSearch(String),
    #[error(
        "{0} has no monthly price NumberDesk can convert to credits, so it cannot be bought here."
    )]
    Unpriced(String),
    #[error("{0} is already in this workspace.")]
    AlreadyHeld(String),
    #[error("{0} is being bought already. Wait for that purchase to finish.")]
    InFlight(String),
    #[error("This purchase costs {needed} credits but only {available} are available. Nothing was bought or charged.")]
    InsufficientCredits { needed: i64, available: i64 },
    #[error("{0} is no longer available: someone else bought it since your search. Nothing was bought or charged, and it is gone from the results. Pick another number.")]
    NumberGone(String),
    #[error("{carrier} did not confirm the purchase of {numbers} and NumberDesk could not check yet. Its credits stay on hold; NumberDesk checks with {carrier} again (use Process) and will never buy or charge it twice.")]
    Unconfirmed {
        carrier: CarrierKind,
        numbers: String,
    },
    #[error("This number is not in this workspace.")]
    NumberNotFound,
    #[error("This order is not in this workspace.")]
    OrderNotFound,
    #[error("{0}")]
    NotReleasable(&'static str),
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Billing(#[from] BillingError),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("The purchase journal is damaged ({0}). Report this.")]
    Journal(String),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for PurchaseError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Carrier(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Billing(inner) => Classified::Wraps(inner),
            Self::Workspace(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NumberNotFound | Self::OrderNotFound => Classified::Kind(ErrorKind::NotFound),
            Self::AlreadyHeld(_) | Self::InFlight(_) => Classified::Kind(ErrorKind::Conflict),
            Self::NumberGone(_) | Self::Unconfirmed { .. } => Classified::Kind(ErrorKind::Carrier),
            Self::Journal(_) => Classified::Kind(ErrorKind::Storage),
            Self::NothingSelected
            | Self::InvalidCountry(_)
            | Self::CountryNotSold { .. }
            | Self::TypeNotSold { .. }
            | Self::AreaCodeNotDigits(_)
            | Self::AreaCodeDoesNotExist { .. }
            | Self::NoConnection
            | Self::ChooseConnection
            | Self::UsesPool
            | Self::NotPoolWorkspace
            | Self::NotANumber(_)
            | Self::NotInSearch(_)
            | Self::Unpriced(_)
            | Self::InsufficientCredits { .. }
            | Self::NotReleasable(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

impl PurchaseError {
    /// True when the user can fix it by changing what they typed or picked.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Self::NothingSelected
                | Self::InvalidCountry(_)
                | Self::AreaCodeNotDigits(_)
                | Self::AreaCodeDoesNotExist { .. }
                | Self::NotANumber(_)
                | Self::ChooseConnection
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Numbering plans (just enough to check an area code before asking the carrier)

/// Countries NumberDesk lists for carriers whose client has no coverage call (Telnyx), with the
/// calling code used to split numbers into area codes.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AT", "Austria", "43"),
    ("AU", "Australia", "61"),
    ("BE", "Belgium", "32"),
    ("BR", "Brazil", "55"),
    ("CA", "Canada", "1"),
    ("CH", "Switzerland", "41"),
    ("DE", "Germany", "49"),
    ("DK", "Denmark", "45"),
    ("ES", "Spain", "34"),
    ("FI", "Finland", "358"),
    ("FR", "France", "33"),
    ("GB", "United Kingdom", "44"),
    ("IE", "Ireland", "353"),
    ("IL", "Israel", "972"),
    ("IT", "Italy", "39"),
    ("JP", "Japan", "81"),
    ("MX", "Mexico", "52"),
    ("NL", "Netherlands", "31"),
    ("NO", "Norway", "47"),
    ("NZ", "New Zealand", "64"),
    ("PL", "Poland", "48"),
    ("PR", "Puerto Rico", "1"),
    ("PT", "Portugal", "351"),
    ("SE", "Sweden", "46"),
    ("SG", "Singapore", "65"),
    ("US", "United States", "1"),
    ("ZA", "South Africa", "27"),
];

fn country_name(iso: &str) -> String {
    COUNTRIES
        .iter()
        .find(|(code, _, _)| *code == iso)
        .map_or_else(|| iso.to_string(), |(_, name, _)| (*name).to_string())
}

fn calling_code(iso: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(code, _, _)| *code == iso)
        .map(|(_, _, calling)| *calling)
}

fn is_nanp(iso: &str) -> bool {
    calling_code(iso) == Some("1")
}

/// Checks a country code's shape: two letters, upper-cased.
pub fn validate_country(text: &str) -> Result<String, PurchaseError> {
    let iso = text.trim().to_ascii_uppercase();
    if iso.len() != 2 || !iso.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(PurchaseError::InvalidCountry(text.trim().to_string()));
    }
    Ok(iso)
}

/// Checks an area code for a country and returns it normalised (`None` when empty). North
/// American codes follow the NANP: three digits, the first 2-9, not a service code (N11), not a
/// reserved expansion code (N9X, 37X, 96X). Elsewhere a national trunk `0` is dropped
/// (`020` -> `20`) and 1 to 5 digits are accepted; the carrier judges the rest.
pub fn validate_area_code(iso: &str, text: Option<&str>) -> Result<Option<String>, PurchaseError> {
    let Some(raw) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '(' | ')' | '-'))
        .collect();
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PurchaseError::AreaCodeNotDigits(raw.to_string()));
    }
    let missing = |hint| PurchaseError::AreaCodeDoesNotExist {
        code: code.clone(),
        country: country_name(iso),
        hint,
    };
    if is_nanp(iso) {
        let b = code.as_bytes();
        if b.len() != 3 {
            return Err(missing(
                "Area codes there have three digits, for example 312.",
            ));
        }
        let reserved = b[0] < b'2'
            || (b[1] == b'1' && b[2] == b'1')
            || b[1] == b'9'
            || code.starts_with("37")
            || code.starts_with("96");
        if reserved {
            return Err(missing(
                "Check the code, or leave it empty to search the whole country.",
            ));
        }
        return Ok(Some(code));
    }
    let code = code.strip_prefix('0').unwrap_or(&code).to_string();
    if code.is_empty() || code.len() > 5 || code.starts_with('0') {
        return Err(PurchaseError::AreaCodeDoesNotExist {
            code: raw.to_string(),
            country: country_name(iso),
            hint: "Check the code, or leave it empty to search the whole country.",
        });
    }
    Ok(Some(code))
}

/// Credits for a monthly price: one credit per US cent. Other currencies are not converted.
pub fn credits_for(price: &Money) -> Option<i64> {
    if price.currency != "USD" {
        return None;
    }
    price.cents().filter(|cents| *cents >= 0)
}

// ---------------------------------------------------------------------------------------------
// Carrier operations purchases need, over either carrier's client

/// The routing a number gets at purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PurchaseTarget {
    target: Option<ManagedTarget>,
}

// ---------------------------------------------------------------------------------------------
// Journal payloads

/// One number of a journalled purchase, with what the results showed of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    e164: String,
    credits: i64,
    number_type: Option<String>,
    region: Option<String>,
    voice: bool,
    sms: bool,
    mms: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PurchasePayload {
    order_id: i64,
    flow: Flow,
    carrier: CarrierKind,
    connection_id: Option<i64>,
    webhook_mode: String,
    /// The total the purchase charges: held from the journal entry until it settles.
    credits: i64,
    numbers: Vec<Line>,
    target: PurchaseTarget,
}

impl PurchasePayload {
    fn e164s(&self) -> Vec<String> {
        self.numbers.iter().map(|l| l.e164.clone()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ReleasePayload {
    phone_number_id: i64,
    e164: String,
    carrier_number_id: Option<String>,
    flow: Flow,
    connection_id: Option<i64>,
}

/// A journal and order key nobody else has: 128 random bits (the OS-seeded hasher keys).
fn new_key(prefix: &str) -> String {
    let a = RandomState::new().build_hasher().finish();
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(a);
    format!("nd-{prefix}-{a:016x}{:016x}", hasher.finish())
}

// ---------------------------------------------------------------------------------------------
// The service

/// Searching, buying, syncing and releasing, for every workspace. Cheap to clone; clones share
/// the open carrier accounts and the set of purchases under way.
#[derive(Clone)]
pub struct Purchases {
    inner: Arc<Inner>,
}

struct Inner {
    /// Every carrier account purchases use, routed by each connection's own row.
    accounts: Accounts,
    /// Journal keys whose carrier call is under way in this process: recovery leaves them alone.
    in_flight: Mutex<HashSet<String>>,
}

/// Removes a key from the in-flight set however the purchase ends.
struct InFlightGuard {
    inner: Arc<Inner>,
    key: String,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        lock(&self.inner.in_flight).remove(&self.key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a purchase journalled, ready for the carrier call.
struct Prepared {
    key: String,
    payload: PurchasePayload,
}

impl Purchases {
    pub fn new(accounts: Accounts) -> Self {
        Self {
            inner: Arc::new(Inner {
                accounts,
                in_flight: Mutex::new(HashSet::new()),
            }),
        }
    }

    fn ctx(&self) -> &Arc<Context> {
        self.inner.accounts.context()
    }

    /// The number pool a workspace buys from (the sandbox's for a sandbox workspace).
    async fn pool(
        &self,
        workspace_id: i64,
    ) -> Result<(PoolAccount, Arc<CarrierAccount>), PurchaseError> {
        let sandbox = blocking(self.ctx(), move |ctx| {
            Ok(ctx.workspaces().get(workspace_id)?.is_sandbox)
        })
        .await?;
        Ok(self.inner.accounts.pool(sandbox).await?)
    }

    async fn account_for(
        &self,
        workspace_id: i64,
        flow: Flow,
        connection_id: Option<i64>,
    ) -> Result<Arc<CarrierAccount>, PurchaseError> {
        match (flow, connection_id) {
            (Flow::Pool, _) => Ok(self.pool(workspace_id).await?.1),
            (Flow::Marketplace, Some(connection)) => Ok(self
                .inner
                .accounts
                .connection(workspace_id, connection)
                .await?),
            (Flow::Marketplace, None) => Err(PurchaseError::NoConnection),
        }
    }

    /// The workspace, how it buys, and (marketplace) the connection to use.
    async fn resolve(
        &self,
        workspace_id: i64,
        connection_id: Option<i64>,
    ) -> Result<(Workspace, Flow, Option<i64>), PurchaseError> {
        blocking(self.ctx(), move |ctx| {
            let workspace = ctx.workspaces().get(workspace_id)?;
            let flow = Flow::of(&workspace);
            if flow == Flow::Pool {
                return Ok((workspace, flow, None));
            }
            let connection = match connection_id {
                Some(id) => Connections::new(ctx).get(workspace_id, id)?.id,
                None => {
                    let all = Connections::new(ctx).list(workspace_id)?;
                    match all.as_slice() {
                        [] => return Err(PurchaseError::NoConnection),
                        [only] => only.connection.id,
                        _ => return Err(PurchaseError::ChooseConnection),
                    }
                }
            };
            Ok((workspace, flow, Some(connection)))
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Search

    /// Countries to search in: Twilio's own list; for Telnyx (and the pool), NumberDesk's list.
    pub async fn countries(
        &self,
        workspace_id: i64,
        connection_id: Option<i64>,
    ) -> Result<Vec<Country>, PurchaseError> {
        let (_, flow, connection) = self.resolve(workspace_id, connection_id).await?;
        let account = self.account_for(workspace_id, flow, connection).await?;
        match account.as_ref() {
            CarrierAccount::Twilio(client) => {
                let mut countries: Vec<Country> = client
                    .available_countries()
                    .await?
                    .into_iter()
                    .map(|c| Country {
                        iso: c.iso,
                        name: c.name,
                        number_types: c.number_types,
                    })
                    .collect();
                countries.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(countries)
            }
            CarrierAccount::Telnyx(_) => {
                let mut countries: Vec<Country> = COUNTRIES
                    .iter()
                    .map(|(iso, name, _)| Country {
                        iso: (*iso).to_string(),
                        name: (*name).to_string(),
                        number_types: Vec::new(),
                    })
                    .collect();
                countries.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(countries)
            }
        }
    }

    /// Searches the carrier and caches the answer. When the carrier cannot be reached and this
    /// search was made before, the cached answer comes back marked possibly stale. When nothing is
    /// found for an area code, nearby area codes with numbers on sale are suggested.
    pub async fn search(
        &self,
        workspace_id: i64,
        query: &SearchQuery,
    ) -> Result<SearchResults, PurchaseError> {
        let (_, flow, connection) = self.resolve(workspace_id, query.connection_id).await?;
        let valid = Validated::new(query, flow, connection)?;
        let account = self.account_for(workspace_id, flow, connection).await?;
        let fetched = self.fetch(&account, &valid, valid.limit).await;
        let offers = match fetched {
            Ok(offers) => offers,
            Err(PurchaseError::Carrier(error)) if error.is_transient() || error.is_ambiguous() => {
                let key = valid.key.clone();
                let cached = blocking(self.ctx(), move |ctx| {
                    Ok(ctx
                        .store
                        .read(|c| search_cache::load(c, workspace_id, &key))?)
                })
                .await?;
                return match cached {
                    Some(cached) => Ok(from_cache(cached, account.kind(), Some(error.to_string()))),
                    None => Err(error.into()),
                };
            }
            Err(error) => return Err(error),
        };
        let now = self.ctx().clock.now();
        let carrier = account.kind();
        let (key, query_json) = (valid.key.clone(), valid.query_json.clone());
        let rows: Vec<CachedNumber> = offers.iter().map(cached_from_offer).collect();
        blocking(self.ctx(), move |ctx| {
            Ok(ctx.store.write(|tx| {
                search_cache::save(
                    tx,
                    workspace_id,
                    &key,
                    &query_json,
                    carrier_str(carrier),
                    &rows,
                    now,
                )
            })?)
        })
        .await?;
        let suggestions = match (&valid.area_code, offers.is_empty()) {
            (Some(code), true) => self.suggest(workspace_id, &account, &valid, code).await,
            _ => Vec::new(),
        };
        Ok(SearchResults {
            carrier,
            offers,
            fetched_at: now,
            possibly_stale: false,
            offline_reason: None,
            suggestions,
        })
    }

    /// Refresh: the same search asking for a page more than is cached now.
    pub async fn refresh(
        &self,
        workspace_id: i64,
        query: &SearchQuery,
    ) -> Result<SearchResults, PurchaseError> {
        let cached = self.cached_search(workspace_id, query).await?;
        let per_type = query.types.len().max(1) as u32;
        let have = cached.map_or(0, |c| c.offers.len() as u32) / per_type;
        let mut more = query.clone();
        more.limit = Some((have + PAGE_SIZE).clamp(PAGE_SIZE, MAX_RESULTS));
        self.search(workspace_id, &more).await
    }

    /// The last answer to this search, from the local cache (possibly stale), with no carrier
    /// call: for browsing offline.
    pub async fn cached_search(
        &self,
        workspace_id: i64,
        query: &SearchQuery,
    ) -> Result<Option<SearchResults>, PurchaseError> {
        let (_, flow, connection) = self.resolve(workspace_id, query.connection_id).await?;
        let valid = Validated::new(query, flow, connection)?;
        let key = valid.key.clone();
        let cached = blocking(self.ctx(), move |ctx| {
            Ok(ctx
                .store
                .read(|c| search_cache::load(c, workspace_id, &key))?)
        })
        .await?;
        Ok(cached.map(|cached| {
            let carrier = if cached.carrier == "twilio" {
                CarrierKind::Twilio
            } else {
                CarrierKind::Telnyx
            };
            from_cache(cached, carrier, None)
        }))
    }

    /// One carrier search per type (concurrently), with Twilio's prices, mapped to offers.
    async fn fetch(
        &self,
        account: &Arc<CarrierAccount>,
        valid: &Validated,
        limit: u32,
    ) -> Result<Vec<Offer>, PurchaseError> {
        let mut tasks = JoinSet::new();
        for (index, number_type) in valid.types.iter().enumerate() {
            let search = NumberSearch {
                country: valid.country.clone(),
                number_type: Some(*number_type),
                area_code: valid.area_code.clone(),
                features: valid.features,
                limit: Some(limit),
                ..NumberSearch::default()
            };
            let account = account.clone();
            tasks.spawn(async move { (index, account.purchase_search(&search).await) });
        }
        let prices = account.purchase_prices(&valid.country).await;
        let mut by_type: BTreeMap<usize, Vec<AvailableNumber>> = BTreeMap::new();
        let mut not_sold = 0;
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            let (index, result) = joined.map_err(TaskFailed::from)?;
            match result {
                Ok(found) => {
                    by_type.insert(index, found);
                }
                // Twilio answers 404 for a type (or country) it does not sell there.
                Err(CarrierError::NotFound { .. }) => not_sold += 1,
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_error {
            return Err(self.search_error(account, valid, error).await);
        }
        if not_sold == valid.types.len() {
            return Err(self.not_sold(account, valid).await);
        }
        let prices = match prices {
            Ok(prices) => prices,
            // Without prices the numbers are shown and cannot be bought.
            Err(CarrierError::NotFound { .. }) => None,
            Err(error) => return Err(error.into()),
        };
        let mut seen = HashSet::new();
        let mut offers = Vec::new();
        for found in by_type.into_values() {
            for number in found {
                if seen.insert(number.e164.clone()) {
                    offers.push(offer_from(number, prices.as_ref()));
                }
            }
        }
        Ok(offers)
    }

    /// A carrier's refusal of a search, in the search form's words.
    async fn search_error(
        &self,
        account: &Arc<CarrierAccount>,
        valid: &Validated,
        error: CarrierError,
    ) -> PurchaseError {
        if let CarrierError::Rejected { code, message, .. } = &error {
            let text = message.to_ascii_lowercase();
            let area = code.as_deref() == Some("21451")
                || text.contains("area code")
                || text.contains("national_destination_code")
                || text.contains("national destination code");
            if area {
                if let Some(code) = &valid.area_code {
                    return PurchaseError::AreaCodeDoesNotExist {
                        code: code.clone(),
                        country: country_name(&valid.country),
                        hint: "Check the code, or leave it empty to search the whole country.",
                    };
                }
            }
            if text.contains("country") || text.contains("not available for search") {
                return PurchaseError::CountryNotSold {
                    carrier: account.kind(),
                    country: country_name(&valid.country),
                };
            }
        }
        error.into()
    }

    /// Every type searched answered "not found": the country or the types are not sold there.
    async fn not_sold(&self, account: &Arc<CarrierAccount>, valid: &Validated) -> PurchaseError {
        if let CarrierAccount::Twilio(client) = account.as_ref() {
            if let Ok(countries) = client.available_countries().await {
                if !countries.iter().any(|c| c.iso == valid.country) {
                    return PurchaseError::CountryNotSold {
                        carrier: account.kind(),
                        country: country_name(&valid.country),
                    };
                }
            }
        }
        PurchaseError::TypeNotSold {
            carrier: account.kind(),
            country: country_name(&valid.country),
            types: valid
                .types
                .iter()
                .map(|t| t.as_str().replace('_', "-"))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    /// Area codes near `code` with numbers on sale: those of the same state or province first
    /// (when known from earlier results), then the numerically closest. Found by one search of
    /// the whole country (same types and features) plus what earlier searches cached.
    async fn suggest(
        &self,
        workspace_id: i64,
        account: &Arc<CarrierAccount>,
        valid: &Validated,
        code: &str,
    ) -> Vec<AreaCodeSuggestion> {
        let Some(calling) = calling_code(&valid.country) else {
            return Vec::new();
        };
        let mut wide = valid.clone();
        wide.area_code = None;
        let fresh = self.fetch(account, &wide, 200).await.unwrap_or_default();
        let ndc_len = code.len();
        let (country, calling_owned) = (valid.country.clone(), calling.to_string());
        let known = blocking(self.ctx(), move |ctx| {
            Ok(ctx.store.read(|c| {
                search_cache::known_areas(c, workspace_id, &country, &calling_owned, ndc_len)
            })?)
        })
        .await
        .unwrap_or_default();
        let mut areas: BTreeMap<String, AreaCodeSuggestion> = BTreeMap::new();
        let prefix = format!("+{calling}");
        for offer in &fresh {
            let Some(national) = offer.e164.strip_prefix(&prefix) else {
                continue;
            };
            if national.len() < ndc_len {
                continue;
            }
            let ndc = &national[..ndc_len];
            let entry = areas
                .entry(ndc.to_string())
                .or_insert_with(|| AreaCodeSuggestion {
                    area_code: ndc.to_string(),
                    region: offer.region.clone(),
                    locality: offer.locality.clone(),
                    numbers_seen: 0,
                });
            entry.numbers_seen += 1;
        }
        let wanted_region = known
            .iter()
            .find(|area| area.ndc == code)
            .and_then(|area| area.region.clone());
        for area in known {
            if area.ndc == code {
                continue;
            }
            areas.entry(area.ndc.clone()).or_insert(AreaCodeSuggestion {
                area_code: area.ndc,
                region: area.region,
                locality: area.locality,
                numbers_seen: area.numbers,
            });
        }
        areas.remove(code);
        let distance = |ndc: &str| {
            let a: i64 = ndc.parse().unwrap_or(i64::MAX / 2);
            let b: i64 = code.parse().unwrap_or(0);
            (a - b).abs()
        };
        let mut list: Vec<AreaCodeSuggestion> = areas.into_values().collect();
        list.sort_by_key(|s| {
            let same_region = wanted_region.is_some() && s.region == wanted_region;
            (!same_region, distance(&s.area_code))
        });
        list.truncate(MAX_SUGGESTIONS);
        list
    }

    // -----------------------------------------------------------------------------------------
    // Buying

    /// What the confirmation dialog shows: each number's monthly cost (from the search it came
    /// from), the total, and the balance before and after.
    pub async fn quote(&self, workspace_id: i64, e164s: &[String]) -> Result<Quote, PurchaseError> {
        let e164s = normalise_selection(e164s)?;
        blocking(self.ctx(), move |ctx| {
            let workspace = ctx.workspaces().get(workspace_id)?;
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                billing::settle_in(tx, workspace_id, now)?;
                let mut numbers = Vec::new();
                for e164 in &e164s {
                    let line = priced_line(tx, workspace_id, e164)?;
                    numbers.push(QuotedNumber {
                        e164: e164.clone(),
                        monthly_cost_credits: line.credits,
                    });
                }
                let total: i64 = numbers.iter().map(|n| n.monthly_cost_credits).sum();
                let before = billing::available_in(tx, workspace_id)?;
                Ok(Quote {
                    flow: Flow::of(&workspace),
                    numbers,
                    total_credits: total,
                    balance_before: before,
                    balance_after: before - total,
                    affordable: total <= before,
                    no_proration: true,
                })
            })
        })
        .await
    }

    /// Marketplace: buys one number through the workspace's connected carrier. Twilio numbers
    /// are Active at once; Telnyx numbers are Pending until their order completes.
    pub async fn buy(
        &self,
        workspace_id: i64,
        connection_id: Option<i64>,
        e164: &str,
    ) -> Result<Purchase, PurchaseError> {
        let (workspace, flow, connection) = self.resolve(workspace_id, connection_id).await?;
        if flow == Flow::Pool {
            return Err(PurchaseError::UsesPool);
        }
        let connection_id = connection.ok_or(PurchaseError::NoConnection)?;
        let account = self
            .inner
            .accounts
            .connection(workspace_id, connection_id)
            .await?;
        let target = blocking(self.ctx(), move |ctx| {
            let row = Connections::new(ctx).get(workspace_id, connection_id)?;
            // A number NumberDesk buys is NumberDesk's: its calls and messages go to the
            // workspace from the start. A Telnyx connection without a TeXML application gets
            // the number unrouted.
            Ok(managed_target(&workspace, &row))
        })
        .await?;
        let prepared = self
            .prepare(
                workspace_id,
                Flow::Marketplace,
                account.kind(),
                Some(connection_id),
                &[e164.to_string()],
                PurchaseTarget { target },
            )
            .await?;
        self.place(account, prepared).await
    }

    /// Number pool: buys the selected numbers in one Telnyx order from the agency's account.
    /// They are Pending until the order completes (Process, or the background sync).
    pub async fn buy_from_pool(
        &self,
        workspace_id: i64,
        e164s: &[String],
        allow_webhook_updates: bool,
    ) -> Result<Purchase, PurchaseError> {
        let workspace = blocking(self.ctx(), move |ctx| {
            Ok(ctx.workspaces().get(workspace_id)?)
        })
        .await?;
        if Flow::of(&workspace) != Flow::Pool {
            return Err(PurchaseError::NotPoolWorkspace);
        }
        let (pool, account) = self.pool(workspace_id).await?;
        let target = match (allow_webhook_updates, pool.texml_connection_id) {
            (true, Some(connection_id)) => Some(ManagedTarget::Telnyx {
                connection_id,
                messaging_profile_id: pool.messaging_profile_id,
            }),
            _ => None,
        };
        let prepared = self
            .prepare(
                workspace_id,
                Flow::Pool,
                CarrierKind::Telnyx,
                None,
                e164s,
                PurchaseTarget { target },
            )
            .await?;
        self.place(account, prepared).await
    }

    /// Checks everything and journals the purchase, in one transaction: months settled, each
    /// number priced from its search, not held, not being bought, and the credits available.
    async fn prepare(
        &self,
        workspace_id: i64,
        flow: Flow,
        carrier: CarrierKind,
        connection_id: Option<i64>,
        e164s: &[String],
        target: PurchaseTarget,
    ) -> Result<Prepared, PurchaseError> {
        let e164s = normalise_selection(e164s)?;
        let webhook_mode = if target.target.is_some() {
            "managed"
        } else {
            "outbound_only"
        };
        let prepared = blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                billing::settle_in(tx, workspace_id, now)?;
                let in_flight = journal::numbers_in_flight(tx, workspace_id)?;
                let mut lines = Vec::new();
                for e164 in &e164s {
                    if rows::held_number(tx, workspace_id, e164)?.is_some() {
                        return Err(PurchaseError::AlreadyHeld(e164.clone()));
                    }
                    if in_flight.contains(e164) {
                        return Err(PurchaseError::InFlight(e164.clone()));
                    }
                    lines.push(priced_line(tx, workspace_id, e164)?);
                }
                let total: i64 = lines.iter().map(|l| l.credits).sum();
                let available = billing::available_in(tx, workspace_id)?;
                if total > available {
                    return Err(PurchaseError::InsufficientCredits {
                        needed: total,
                        available,
                    });
                }
                let key = new_key("buy");
                let order_id = rows::insert_order(
                    tx,
                    workspace_id,
                    &rows::NewOrder {
                        carrier: carrier_str(carrier),
                        flow: flow.as_str(),
                        connection_id,
                        idempotency_key: &key,
                    },
                    now,
                )?;
                let payload = PurchasePayload {
                    order_id,
                    flow,
                    carrier,
                    connection_id,
                    webhook_mode: webhook_mode.to_string(),
                    credits: total,
                    numbers: lines,
                    target,
                };
                let json = serde_json::to_string(&payload).expect("payloads serialise");
                journal::intend(tx, workspace_id, JOURNAL_PURCHASE, &key, &json, now)?;
                Ok(Prepared { key, payload })
            })
        })
        .await?;
        tracing::info!(
            workspace = workspace_id,
            order = prepared.payload.order_id,
            numbers = prepared.payload.numbers.len(),
            credits = prepared.payload.credits,
            flow = flow.as_str(),
            "purchase journalled"
        );
        Ok(prepared)
    }

    /// The carrier call and its outcome, recorded exactly once.
    async fn place(
        &self,
        account: Arc<CarrierAccount>,
        prepared: Prepared,
    ) -> Result<Purchase, PurchaseError> {
        let Prepared { key, payload } = prepared;
        lock(&self.inner.in_flight).insert(key.clone());
        let _guard = InFlightGuard {
            inner: self.inner.clone(),
            key: key.clone(),
        };
        let e164s = payload.e164s();
        let mut attempt = account
            .purchase_place(&e164s, &key, payload.target.target.as_ref())
            .await;
        // At most one retry, and only after the account was checked and has no trace of it.
        // "Not available" is checked too once an answer was lost: it may be our own first try.
        let mut answer_lost = false;
        for retry in [true, false] {
            match attempt {
                Ok(placed) => return self.record_bought(&key, &payload, placed).await,
                Err(error) if error.is_ambiguous() || (answer_lost && is_gone(&error)) => {
                    answer_lost = true;
                    tracing::warn!(%error, order = payload.order_id, "purchase unconfirmed; checking the account");
                    match account.purchase_find(&e164s, &key).await {
                        Ok(Some(placed)) => {
                            return self.record_bought(&key, &payload, placed).await
                        }
                        Ok(None) if is_gone(&error) => {
                            let gone = gone_number(&error).unwrap_or_else(|| e164s[0].clone());
                            self.record_not_bought(&key, &payload, &error.to_string(), Some(&gone))
                                .await?;
                            return Err(PurchaseError::NumberGone(gone));
                        }
                        Ok(None) if retry => {
                            attempt = account
                                .purchase_place(&e164s, &key, payload.target.target.as_ref())
                                .await;
                        }
                        Ok(None) | Err(_) => {
                            return Err(PurchaseError::Unconfirmed {
                                carrier: account.kind(),
                                numbers: e164s.join(", "),
                            })
                        }
                    }
                }
                Err(error) if is_gone(&error) => {
                    let gone = gone_number(&error).unwrap_or_else(|| e164s[0].clone());
                    self.record_not_bought(&key, &payload, &error.to_string(), Some(&gone))
                        .await?;
                    return Err(PurchaseError::NumberGone(gone));
                }
                Err(error) => {
                    self.record_not_bought(&key, &payload, &error.to_string(), None)
                        .await?;
                    return Err(error.into());
                }
            }
        }
        Err(PurchaseError::Unconfirmed {
            carrier: account.kind(),
            numbers: e164s.join(", "),
        })
    }

    /// The carrier has the purchase: numbers recorded, each charged once, journal done, all in
    /// one transaction. A Telnyx order that already finished is applied at once.
    async fn record_bought(
        &self,
        key: &str,
        payload: &PurchasePayload,
        placed: Placed,
    ) -> Result<Purchase, PurchaseError> {
        let (key_owned, payload_owned, placed_owned) =
            (key.to_string(), payload.clone(), placed.clone());
        let purchase = blocking(self.ctx(), move |ctx| {
            record_bought_in(ctx, &key_owned, &payload_owned, &placed_owned)
        })
        .await?;
        if let Placed::Ordered(order) = placed {
            if order.status != OrderStatus::Pending {
                let row = self.order_row(payload.order_id).await?;
                let account = self
                    .account_for(row.workspace_id, payload.flow, payload.connection_id)
                    .await?;
                self.apply_order(&account, row, order).await?;
                return self.purchase_of(payload.order_id).await;
            }
        }
        Ok(purchase)
    }

    async fn record_not_bought(
        &self,
        key: &str,
        payload: &PurchasePayload,
        reason: &str,
        gone: Option<&str>,
    ) -> Result<(), PurchaseError> {
        let (key, order_id, reason, gone) = (
            key.to_string(),
            payload.order_id,
            reason.to_string(),
            gone.map(str::to_string),
        );
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                let journal = journal::get_by_key(tx, &key)?
                    .ok_or_else(|| PurchaseError::Journal(format!("no journal row {key}")))?;
                journal::settle_by_key(tx, &key, "failed", Some(&reason), now)?;
                rows::finish_order(tx, order_id, "failure", Some(&reason), now)?;
                if let Some(gone) = &gone {
                    search_cache::remove_numbers(tx, journal.workspace_id, &[gone.as_str()])?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn order_row(&self, order_id: i64) -> Result<OrderRow, PurchaseError> {
        blocking(self.ctx(), move |ctx| {
            let key: Option<String> = ctx
                .store
                .read(|c| {
                    c.query_row(
                        "SELECT idempotency_key FROM orders WHERE id = ?1",
                        [order_id],
                        |r| r.get(0),
                    )
                    .map_err(StoreError::from)
                })
                .ok();
            let key = key.ok_or(PurchaseError::OrderNotFound)?;
            ctx.store
                .read(|c| rows::order_by_key(c, &key))?
                .ok_or(PurchaseError::OrderNotFound)
        })
        .await
    }

    async fn purchase_of(&self, order_id: i64) -> Result<Purchase, PurchaseError> {
        blocking(self.ctx(), move |ctx| purchase_from_store(ctx, order_id)).await
    }

    // -----------------------------------------------------------------------------------------
    // Orders

    /// The Process button: syncs one number's order now, or (with `None`) every pending order of
    /// the workspace, and settles the workspace's purchases left unconfirmed.
    pub async fn process(
        &self,
        workspace_id: i64,
        phone_number_id: Option<i64>,
    ) -> Result<SyncReport, PurchaseError> {
        let orders = blocking(self.ctx(), move |ctx| {
            ctx.workspaces().get(workspace_id)?;
            match phone_number_id {
                Some(id) => {
                    let number = ctx
                        .store
                        .read(|c| rows::number(c, workspace_id, id))?
                        .ok_or(PurchaseError::NumberNotFound)?;
                    let order = match number.order_id {
                        Some(order_id) => {
                            ctx.store.read(|c| rows::order(c, workspace_id, order_id))?
                        }
                        None => None,
                    };
                    Ok(order
                        .into_iter()
                        .filter(|o| o.status == "pending")
                        .collect())
                }
                None => Ok(ctx
                    .store
                    .read(|c| rows::pending_orders(c, Some(workspace_id)))?),
            }
        })
        .await?;
        let mut report = SyncReport::default();
        self.recover_into(Some(workspace_id), &mut report).await?;
        self.sync_orders(orders, &mut report).await;
        Ok(report)
    }

    /// One round of the background task: settles unconfirmed purchases and releases, then syncs
    /// every pending order of every workspace. Updates with `completed()` are the ones to notify.
    pub async fn sync_pending(&self) -> Result<SyncReport, PurchaseError> {
        let mut report = SyncReport::default();
        self.recover_into(None, &mut report).await?;
        let orders = blocking(self.ctx(), |ctx| {
            Ok(ctx.store.read(|c| rows::pending_orders(c, None))?)
        })
        .await?;
        self.sync_orders(orders, &mut report).await;
        Ok(report)
    }

    /// The background task: [`Purchases::sync_pending`] every `every` until cancelled, handing
    /// each completed order to `on_complete` (for the notification). Months are settled too.
    pub async fn run_background_sync(
        &self,
        every: Duration,
        cancel: CancellationToken,
        on_complete: impl Fn(&OrderUpdate) + Send,
    ) {
        loop {
            match self.sync_pending().await {
                Ok(report) => {
                    for update in report.updates.iter().filter(|u| u.completed()) {
                        on_complete(update);
                    }
                    for error in &report.errors {
                        tracing::warn!(%error, "an order could not be synced; tried again later");
                    }
                }
                Err(error) => tracing::warn!(%error, "order sync failed; tried again later"),
            }
            let ctx = self.ctx().clone();
            let settled =
                tokio::task::spawn_blocking(move || billing::Billing::new(&ctx).settle_all()).await;
            if let Ok(Err(error)) = settled {
                tracing::warn!(%error, "credit months could not be settled");
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }

    async fn sync_orders(&self, orders: Vec<OrderRow>, report: &mut SyncReport) {
        for order in orders {
            let Some(carrier_order_id) = order.carrier_order_id.clone() else {
                // Journalled but not placed yet: recovery settles it.
                continue;
            };
            report.orders_checked += 1;
            let result = async {
                let flow = Flow::parse(&order.flow)
                    .ok_or_else(|| PurchaseError::Journal(format!("flow {}", order.flow)))?;
                let account = self
                    .account_for(order.workspace_id, flow, order.connection_id)
                    .await?;
                let remote = account.purchase_order(&carrier_order_id).await?;
                self.apply_order(&account, order.clone(), remote).await
            }
            .await;
            match result {
                Ok(update) => report.updates.push(update),
                Err(error) => report
                    .errors
                    .push(format!("Order {} could not be synced: {error}", order.id)),
            }
        }
    }

    /// Applies the carrier's view of an order: numbers it completed become Active (with their
    /// carrier id), numbers it failed show the reason and get their charge back.
    async fn apply_order(
        &self,
        account: &Arc<CarrierAccount>,
        order: OrderRow,
        remote: NumberOrder,
    ) -> Result<OrderUpdate, PurchaseError> {
        let order_id = order.id;
        let local = blocking(self.ctx(), move |ctx| {
            Ok(ctx.store.read(|c| rows::numbers_of_order(c, order_id))?)
        })
        .await?;
        let status_of = |e164: &str| {
            remote
                .numbers
                .iter()
                .find(|line| line.e164 == e164)
                .and_then(|line| line.status)
                .unwrap_or(remote.status)
        };
        // Carrier ids of the numbers that completed, looked up concurrently.
        let mut lookups = JoinSet::new();
        for number in local.iter().filter(|n| n.status == "pending") {
            if status_of(&number.e164) == OrderStatus::Success {
                let (account, e164) = (account.clone(), number.e164.clone());
                lookups.spawn(async move {
                    let found = account.purchase_owned(&e164).await;
                    (e164, found)
                });
            }
        }
        let mut carrier_ids: HashMap<String, Option<String>> = HashMap::new();
        while let Some(joined) = lookups.join_next().await {
            let (e164, found) = joined.map_err(TaskFailed::from)?;
            // The id can be looked up again at release; a failed lookup does not hold up Active.
            carrier_ids.insert(e164, found.ok().flatten().map(|n| n.carrier_id));
        }
        let reason = remote
            .failure_reason
            .clone()
            .unwrap_or_else(|| "The carrier could not complete the order.".to_string());
        let statuses: Vec<(HeldNumber, OrderStatus)> = local
            .into_iter()
            .map(|n| {
                let status = status_of(&n.e164);
                (n, status)
            })
            .collect();
        let remote_status = remote.status;
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                let mut update = OrderUpdate {
                    workspace_id: order.workspace_id,
                    order_id,
                    status: OrderStatus::Pending,
                    activated: Vec::new(),
                    failed: Vec::new(),
                    refunded_credits: 0,
                };
                for (number, status) in &statuses {
                    if number.status != "pending" {
                        continue;
                    }
                    match status {
                        OrderStatus::Success => {
                            let id = carrier_ids.get(&number.e164).cloned().flatten();
                            if rows::activate(tx, number.id, id.as_deref(), now)? {
                                update.activated.push(number.e164.clone());
                            }
                        }
                        OrderStatus::Failure => {
                            if rows::fail(tx, number.id, &reason, now)? {
                                update.refunded_credits += billing::refund_failed(
                                    tx,
                                    order.workspace_id,
                                    order_id,
                                    number.id,
                                    &number.e164,
                                    &reason,
                                    now,
                                )?;
                                update.failed.push(FailedNumber {
                                    e164: number.e164.clone(),
                                    reason: reason.clone(),
                                });
                            }
                        }
                        OrderStatus::Pending => rows::touch_synced(tx, number.id, now)?,
                    }
                }
                match remote_status {
                    OrderStatus::Pending => rows::mark_order_synced(tx, order_id, now)?,
                    OrderStatus::Success => {
                        rows::finish_order(tx, order_id, "success", None, now)?;
                    }
                    OrderStatus::Failure => {
                        rows::finish_order(tx, order_id, "failure", Some(&reason), now)?;
                    }
                }
                update.status = remote_status;
                Ok(update)
            })
        })
        .await
    }

    /// The workspace's orders, most recent first, with their numbers.
    pub async fn orders(&self, workspace_id: i64) -> Result<Vec<OrderSummary>, PurchaseError> {
        blocking(self.ctx(), move |ctx| {
            let orders = ctx
                .store
                .read(|c| rows::list_orders(c, workspace_id, 100))?;
            orders
                .into_iter()
                .map(|order| {
                    let numbers = ctx.store.read(|c| rows::numbers_of_order(c, order.id))?;
                    Ok(OrderSummary {
                        order_id: order.id,
                        flow: Flow::parse(&order.flow).unwrap_or(Flow::Marketplace),
                        carrier: carrier_of(&order.carrier),
                        status: order_status(&order.status),
                        failure_reason: order.failure_reason,
                        created_at: order.created_at,
                        last_synced_at: order.last_synced_at,
                        numbers: numbers.iter().map(purchased_from).collect(),
                    })
                })
                .collect()
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Recovery

    /// Settles every journal row left at `intent` (after a crash, or an unconfirmed purchase)
    /// from what the carrier has. Run at start; the background sync runs it too.
    pub async fn recover(&self) -> Result<SyncReport, PurchaseError> {
        let mut report = SyncReport::default();
        self.recover_into(None, &mut report).await?;
        Ok(report)
    }

    async fn recover_into(
        &self,
        workspace_id: Option<i64>,
        report: &mut SyncReport,
    ) -> Result<(), PurchaseError> {
        let unfinished = blocking(self.ctx(), |ctx| {
            Ok(ctx
                .store
                .read(|c| journal::unfinished(c, &[JOURNAL_PURCHASE, JOURNAL_RELEASE]))?)
        })
        .await?;
        for row in unfinished {
            if workspace_id.is_some_and(|id| id != row.workspace_id) {
                continue;
            }
            if lock(&self.inner.in_flight).contains(&row.idempotency_key) {
                continue;
            }
            let outcome = if row.kind == JOURNAL_PURCHASE {
                self.recover_purchase(&row.idempotency_key, &row.payload_json)
                    .await
            } else {
                self.recover_release(row.workspace_id, &row.idempotency_key, &row.payload_json)
                    .await
            };
            match outcome {
                Ok(recovered) => report.recovered.push(recovered),
                Err(error) => report.errors.push(format!(
                    "An unfinished {} could not be checked yet: {error}",
                    row.kind
                )),
            }
        }
        Ok(())
    }

    async fn recover_purchase(
        &self,
        key: &str,
        payload_json: &str,
    ) -> Result<Recovered, PurchaseError> {
        let payload: PurchasePayload = serde_json::from_str(payload_json)
            .map_err(|e| PurchaseError::Journal(e.to_string()))?;
        let workspace_id = self.order_row(payload.order_id).await?.workspace_id;
        let account = self
            .account_for(workspace_id, payload.flow, payload.connection_id)
            .await?;
        let e164s = payload.e164s();
        match account.purchase_find(&e164s, key).await? {
            Some(placed) => {
                self.record_bought(key, &payload, placed).await?;
                tracing::info!(
                    order = payload.order_id,
                    "an unfinished purchase was found at the carrier and recorded"
                );
                Ok(Recovered::Bought {
                    order_id: payload.order_id,
                    numbers: e164s,
                })
            }
            None => {
                self.record_not_bought(
                    key,
                    &payload,
                    "NumberDesk stopped before the carrier took the purchase; nothing was bought or charged.",
                    None,
                )
                .await?;
                tracing::info!(
                    order = payload.order_id,
                    "an unfinished purchase never reached the carrier"
                );
                Ok(Recovered::NotBought {
                    order_id: payload.order_id,
                    numbers: e164s,
                })
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Release

    /// Releases a purchased number at its carrier (the UI confirms first, and says that nothing
    /// is refunded). Journalled before the carrier call; a release cut short is finished by
    /// [`Purchases::recover`].
    pub async fn release(
        &self,
        workspace_id: i64,
        phone_number_id: i64,
    ) -> Result<Release, PurchaseError> {
        let (key, payload) = blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                let number = rows::number(tx, workspace_id, phone_number_id)?
                    .ok_or(PurchaseError::NumberNotFound)?;
                let flow = match Flow::parse(&number.source) {
                    Some(flow) => flow,
                    None => {
                        return Err(PurchaseError::NotReleasable(
                            "Imported numbers stay in your carrier account; disconnect the carrier to remove them from NumberDesk.",
                        ))
                    }
                };
                match number.status.as_str() {
                    "active" => {}
                    "pending" => {
                        return Err(PurchaseError::NotReleasable(
                            "This number's order is still pending. Use Process, then release it once it is Active.",
                        ))
                    }
                    "released" => {
                        return Err(PurchaseError::NotReleasable(
                            "This number has been released already.",
                        ))
                    }
                    _ => {
                        return Err(PurchaseError::NotReleasable(
                            "This number's order failed, so there is nothing to release.",
                        ))
                    }
                }
                let key = format!("nd-release-{phone_number_id}");
                if journal::get_by_key(tx, &key)?.is_some() {
                    return Err(PurchaseError::NotReleasable(
                        "This number is being released already.",
                    ));
                }
                let payload = ReleasePayload {
                    phone_number_id,
                    e164: number.e164.clone(),
                    carrier_number_id: number.carrier_number_id.clone(),
                    flow,
                    connection_id: number.connection_id,
                };
                let json = serde_json::to_string(&payload).expect("payloads serialise");
                journal::intend(tx, workspace_id, JOURNAL_RELEASE, &key, &json, now)?;
                Ok((key, payload))
            })
        })
        .await?;
        lock(&self.inner.in_flight).insert(key.clone());
        let _guard = InFlightGuard {
            inner: self.inner.clone(),
            key: key.clone(),
        };
        self.finish_release(workspace_id, &key, &payload).await
    }

    async fn recover_release(
        &self,
        workspace_id: i64,
        key: &str,
        payload_json: &str,
    ) -> Result<Recovered, PurchaseError> {
        let payload: ReleasePayload = serde_json::from_str(payload_json)
            .map_err(|e| PurchaseError::Journal(e.to_string()))?;
        let done = self.finish_release(workspace_id, key, &payload).await?;
        Ok(Recovered::Released {
            phone_number_id: done.phone_number_id,
            e164: done.e164,
        })
    }

    async fn finish_release(
        &self,
        workspace_id: i64,
        key: &str,
        payload: &ReleasePayload,
    ) -> Result<Release, PurchaseError> {
        let account = self
            .account_for(workspace_id, payload.flow, payload.connection_id)
            .await?;
        let carrier_id = match &payload.carrier_number_id {
            Some(id) => Some(id.clone()),
            None => account
                .purchase_owned(&payload.e164)
                .await?
                .map(|n| n.carrier_id),
        };
        let outcome = match carrier_id {
            Some(id) => account.purchase_release(&id).await?,
            None => ReleaseOutcome::AlreadyGone,
        };
        let (key, number_id) = (key.to_string(), payload.phone_number_id);
        let outcome_text = match outcome {
            ReleaseOutcome::Released => "released",
            ReleaseOutcome::AlreadyGone => "already_gone",
        };
        let carrier = account.kind();
        let e164 = payload.e164.clone();
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                rows::mark_released(tx, number_id, now)?;
                journal::settle_by_key(tx, &key, "done", Some(outcome_text), now)?;
                let record = AuditRecord::new(
                    AuditAction::Release,
                    AuditTarget::carrier(carrier_str(carrier)),
                    if outcome_text == "released" {
                        format!("Released {e164} at the carrier. Nothing was refunded.")
                    } else {
                        format!("Released {e164}; the carrier no longer lists it. Nothing was refunded.")
                    },
                )
                .numbers(vec![e164.clone()])
                .before_after(
                    Some(serde_json::json!({"status": "active"})),
                    Some(serde_json::json!({"status": "released", "outcome": outcome_text})),
                );
                record_in(tx, &ctx.redactor, workspace_id, &record, now)?;
                Ok(())
            })
        })
        .await?;
        tracing::info!(
            workspace = workspace_id,
            number = number_id,
            outcome = outcome_text,
            "number released"
        );
        Ok(Release {
            phone_number_id: payload.phone_number_id,
            e164: payload.e164.clone(),
            already_gone: outcome == ReleaseOutcome::AlreadyGone,
            refunded_credits: 0,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// A search, checked and normalised, with its cache key.
#[derive(Debug, Clone)]
struct Validated {
    country: String,
    area_code: Option<String>,
    types: Vec<NumberType>,
    features: Features,
    limit: u32,
    key: String,
    query_json: String,
}

impl Validated {
    fn new(
        query: &SearchQuery,
        flow: Flow,
        connection: Option<i64>,
    ) -> Result<Self, PurchaseError> {
        let country = validate_country(&query.country)?;
        let area_code = validate_area_code(&country, query.area_code.as_deref())?;
        let mut types = if query.types.is_empty() {
            vec![NumberType::Local]
        } else {
            query.types.clone()
        };
        types.sort_by_key(|t| t.as_str());
        types.dedup();
        let limit = query.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_RESULTS);
        let source = match (flow, connection) {
            (Flow::Pool, _) => "pool".to_string(),
            (Flow::Marketplace, Some(id)) => format!("connection:{id}"),
            (Flow::Marketplace, None) => "none".to_string(),
        };
        let key = serde_json::json!({
            "source": source,
            "country": country,
            "area_code": area_code,
            "types": types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "features": [query.features.voice, query.features.sms, query.features.mms],
        })
        .to_string();
        let normalised = SearchQuery {
            connection_id: connection,
            country: country.clone(),
            area_code: area_code.clone(),
            types: types.clone(),
            features: query.features,
            limit: Some(limit),
        };
        Ok(Self {
            query_json: serde_json::to_string(&normalised).expect("queries serialise"),
            country,
            area_code,
            types,
            features: query.features,
            limit,
            key,
        })
    }
}

fn offer_from(number: AvailableNumber, prices: Option<&CountryPricing>) -> Offer {
    let monthly = match (&number.monthly_cost, prices) {
        (Some(cost), _) => credits_for(cost),
        (None, Some(pricing)) => pricing
            .prices
            .iter()
            .find(|p| p.number_type.is_some() && p.number_type == number.number_type)
            .and_then(|p| p.current_price.as_ref().or(p.base_price.as_ref()))
            .and_then(credits_for),
        (None, None) => None,
    };
    Offer {
        e164: number.e164,
        number_type: number.number_type,
        country: number.country,
        region: number.region,
        locality: number.locality,
        features: number.features,
        monthly_cost_credits: monthly,
    }
}

fn cached_from_offer(offer: &Offer) -> CachedNumber {
    CachedNumber {
        e164: offer.e164.clone(),
        number_type: offer.number_type.map(|t| t.as_str().to_string()),
        country: offer.country.clone(),
        region: offer.region.clone(),
        locality: offer.locality.clone(),
        voice: offer.features.voice,
        sms: offer.features.sms,
        mms: offer.features.mms,
        monthly_cost_credits: offer.monthly_cost_credits,
    }
}

fn parse_type(text: &str) -> Option<NumberType> {
    [
        NumberType::Local,
        NumberType::Mobile,
        NumberType::TollFree,
        NumberType::National,
        NumberType::SharedCost,
        NumberType::Voip,
        NumberType::MachineToMachine,
        NumberType::Landline,
        NumberType::ShortCode,
    ]
    .into_iter()
    .find(|t| t.as_str() == text)
}

fn from_cache(
    cached: search_cache::CachedSearch,
    carrier: CarrierKind,
    offline_reason: Option<String>,
) -> SearchResults {
    SearchResults {
        carrier,
        offers: cached
            .results
            .into_iter()
            .map(|n| Offer {
                number_type: n.number_type.as_deref().and_then(parse_type),
                e164: n.e164,
                country: n.country,
                region: n.region,
                locality: n.locality,
                features: Features {
                    voice: n.voice,
                    sms: n.sms,
                    mms: n.mms,
                },
                monthly_cost_credits: n.monthly_cost_credits,
            })
            .collect(),
        fetched_at: cached.fetched_at,
        possibly_stale: true,
        offline_reason,
        suggestions: Vec::new(),
    }
}

fn carrier_str(carrier: CarrierKind) -> &'static str {
    match carrier {
        CarrierKind::Twilio => "twilio",
        CarrierKind::Telnyx => "telnyx",
    }
}

fn carrier_of(text: &str) -> CarrierKind {
    if text == "twilio" {
        CarrierKind::Twilio
    } else {
        CarrierKind::Telnyx
    }
}

fn order_status(text: &str) -> OrderStatus {
    match text {
        "success" => OrderStatus::Success,
        "failure" => OrderStatus::Failure,
        _ => OrderStatus::Pending,
    }
}

fn is_gone(error: &CarrierError) -> bool {
    matches!(error, CarrierError::NumberUnavailable { .. })
}

fn gone_number(error: &CarrierError) -> Option<String> {
    match error {
        CarrierError::NumberUnavailable { number, .. } if number.starts_with('+') => {
            Some(number.clone())
        }
        _ => None,
    }
}

/// Trims, checks and de-duplicates the selected numbers, keeping their order.
fn normalise_selection(e164s: &[String]) -> Result<Vec<String>, PurchaseError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for raw in e164s {
        let e164 = raw.trim().to_string();
        let valid = e164
            .strip_prefix('+')
            .is_some_and(|d| (6..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            return Err(PurchaseError::NotANumber(e164));
        }
        if seen.insert(e164.clone()) {
            out.push(e164);
        }
    }
    if out.is_empty() {
        return Err(PurchaseError::NothingSelected);
    }
    Ok(out)
}

/// A selected number with its price, from the newest search that showed it.
fn priced_line(
    connection: &rusqlite::Connection,
    workspace_id: i64,
    e164: &str,
) -> Result<Line, PurchaseError> {
    let (cached, _) = search_cache::find_number(connection, workspace_id, e164)?
        .ok_or_else(|| PurchaseError::NotInSearch(e164.to_string()))?;
    let credits = cached
        .monthly_cost_credits
        .ok_or_else(|| PurchaseError::Unpriced(e164.to_string()))?;
    Ok(Line {
        e164: e164.to_string(),
        credits,
        number_type: cached
            .number_type
            .filter(|t| matches!(t.as_str(), "local" | "mobile" | "toll_free" | "national")),
        region: cached.region.or(cached.country),
        voice: cached.voice,
        sms: cached.sms,
        mms: cached.mms,
    })
}

fn purchased_from(number: &HeldNumber) -> PurchasedNumber {
    PurchasedNumber {
        phone_number_id: number.id,
        e164: number.e164.clone(),
        status: NumberStatus::parse(&number.status),
        monthly_cost_credits: number.monthly_cost_credits,
        failure_reason: number.failure_reason.clone(),
    }
}

/// Records a purchase the carrier has, once: a second call (recovery racing a late answer) finds
/// the journal done and changes nothing.
fn record_bought_in(
    ctx: &Context,
    key: &str,
    payload: &PurchasePayload,
    placed: &Placed,
) -> Result<Purchase, PurchaseError> {
    let now = ctx.clock.now();
    ctx.store.write(|tx| {
        let journal = journal::get_by_key(tx, key)?
            .ok_or_else(|| PurchaseError::Journal(format!("no journal row {key}")))?;
        if journal.state == "done" {
            return Ok::<(), PurchaseError>(());
        }
        let workspace_id = journal.workspace_id;
        let (status, carrier_order_id, owned): (&str, Option<&str>, Vec<&OwnedNumber>) =
            match placed {
                Placed::Bought(numbers) => ("active", None, numbers.iter().collect()),
                Placed::Ordered(order) => ("pending", Some(order.id.as_str()), Vec::new()),
            };
        let mut recorded = Vec::new();
        for line in &payload.numbers {
            let carrier_number = owned.iter().find(|n| n.e164 == line.e164);
            if matches!(placed, Placed::Bought(_)) && carrier_number.is_none() {
                // Twilio: a number the account does not have was not bought.
                continue;
            }
            if rows::held_number(tx, workspace_id, &line.e164)?.is_some() {
                // Already in the workspace (imported meanwhile): not recorded or charged twice.
                continue;
            }
            let number_id = numbers::insert(
                tx,
                workspace_id,
                &NewNumber {
                    e164: &line.e164,
                    carrier: carrier_str(payload.carrier),
                    source: payload.flow.as_str(),
                    status,
                    number_type: line.number_type.as_deref(),
                    region: line.region.as_deref(),
                    voice: line.voice,
                    sms: line.sms,
                    mms: line.mms,
                    monthly_cost_credits: line.credits,
                    connection_id: payload.connection_id,
                    carrier_number_id: carrier_number.map(|n| n.carrier_id.as_str()),
                    webhook_mode: &payload.webhook_mode,
                    friendly_name: carrier_number.and_then(|n| n.friendly_name.as_deref()),
                },
                now,
            )?;
            rows::link_to_order(tx, number_id, payload.order_id, carrier_order_id)?;
            billing::charge_purchase(
                tx,
                workspace_id,
                payload.order_id,
                number_id,
                &line.e164,
                line.credits,
                now,
            )?;
            recorded.push(line.e164.as_str());
        }
        if let Some(id) = carrier_order_id {
            rows::set_carrier_order_id(tx, payload.order_id, id, now)?;
        } else {
            rows::finish_order(tx, payload.order_id, "success", None, now)?;
        }
        search_cache::remove_numbers(tx, workspace_id, &recorded)?;
        if !recorded.is_empty() {
            let charged: i64 = payload
                .numbers
                .iter()
                .filter(|l| recorded.contains(&l.e164.as_str()))
                .map(|l| l.credits)
                .sum();
            let how = match (payload.flow, placed) {
                (Flow::Pool, _) => "from the number pool",
                (Flow::Marketplace, Placed::Ordered(_)) => {
                    "through the marketplace (order pending)"
                }
                (Flow::Marketplace, Placed::Bought(_)) => "through the marketplace",
            };
            let record = AuditRecord::new(
                AuditAction::Purchase,
                AuditTarget::carrier(carrier_str(payload.carrier)),
                format!(
                    "Bought {} {how} for {charged} credits.",
                    match recorded.len() {
                        1 => "1 number".to_owned(),
                        n => format!("{n} numbers"),
                    }
                ),
            )
            .numbers(recorded.iter().map(|e| (*e).to_owned()).collect())
            .before_after(
                None,
                Some(serde_json::json!({
                    "status": status,
                    "order_id": payload.order_id,
                    "carrier_order_id": carrier_order_id,
                    "charged_credits": charged,
                })),
            );
            record_in(tx, &ctx.redactor, workspace_id, &record, now)?;
        }
        // Done whatever its state was: the carrier's word wins over an earlier "not bought".
        tx.execute(
            "UPDATE journal SET state = 'done', outcome = 'bought', updated_at = ?2
             WHERE idempotency_key = ?1",
            rusqlite::params![key, now],
        )
        .map_err(StoreError::from)?;
        Ok(())
    })?;
    purchase_from_store(ctx, payload.order_id)
}

fn purchase_from_store(ctx: &Context, order_id: i64) -> Result<Purchase, PurchaseError> {
    ctx.store.read(|c| {
        let key: String = c
            .query_row(
                "SELECT idempotency_key FROM orders WHERE id = ?1",
                [order_id],
                |r| r.get(0),
            )
            .map_err(StoreError::from)?;
        let order = rows::order_by_key(c, &key)?.ok_or(PurchaseError::OrderNotFound)?;
        let numbers = rows::numbers_of_order(c, order_id)?;
        let charged: i64 = c
            .query_row(
                "SELECT coalesce(-sum(amount), 0) FROM credit_entries
                 WHERE order_id = ?1 AND kind IN ('purchase', 'refund')",
                [order_id],
                |r| r.get(0),
            )
            .map_err(StoreError::from)?;
        Ok(Purchase {
            order_id,
            flow: Flow::parse(&order.flow).unwrap_or(Flow::Marketplace),
            carrier: carrier_of(&order.carrier),
            numbers: numbers.iter().map(purchased_from).collect(),
            charged_credits: charged,
        })
    })
}

/// [`blocking::blocking`] with this module's error.
async fn blocking<T: Send + 'static>(
    ctx: &Arc<Context>,
    work: impl FnOnce(&Context) -> Result<T, PurchaseError> + Send + 'static,
) -> Result<T, PurchaseError> {
    blocking::blocking(ctx, work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_codes_are_checked_for_the_country() {
        assert_eq!(
            validate_area_code("US", Some("312")).unwrap().as_deref(),
            Some("312")
        );
        assert_eq!(
            validate_area_code("US", Some(" (415) "))
                .unwrap()
                .as_deref(),
            Some("415")
        );
        assert_eq!(validate_area_code("US", None).unwrap(), None);
        assert_eq!(validate_area_code("US", Some("  ")).unwrap(), None);
        assert_eq!(
            validate_area_code("GB", Some("020")).unwrap().as_deref(),
            Some("20")
        );
        for (country, code, wanted) in [
            ("US", "31a", "is not an area code"),
            ("US", "099", "There is no area code 099 in United States"),
            ("US", "911", "There is no area code"),
            ("US", "395", "There is no area code"),
            ("US", "3125", "three digits"),
            ("CA", "41", "three digits"),
            ("GB", "00", "There is no area code"),
            ("GB", "abc", "is not an area code"),
        ] {
            let error = validate_area_code(country, Some(code)).unwrap_err();
            assert!(error.is_invalid_input());
            assert!(error.to_string().contains(wanted), "{code}: {error}");
        }
    }

    #[test]
    fn countries_are_two_letters() {
        assert_eq!(validate_country(" us ").unwrap(), "US");
        for bad in ["USA", "1", "", "U$"] {
            assert!(matches!(
                validate_country(bad),
                Err(PurchaseError::InvalidCountry(_))
            ));
        }
    }

    #[test]
    fn credits_are_us_cents() {
        assert_eq!(credits_for(&Money::new("1.15", "usd")), Some(115));
        assert_eq!(credits_for(&Money::new("2.155", "USD")), Some(216));
        assert_eq!(credits_for(&Money::new("1.00", "EUR")), None);
    }

    #[test]
    fn selections_are_trimmed_checked_and_deduplicated() {
        let picked = normalise_selection(&[
            " +14155550100".into(),
            "+14155550100".into(),
            "+14155550101".into(),
        ])
        .unwrap();
        assert_eq!(picked, vec!["+14155550100", "+14155550101"]);
        assert!(matches!(
            normalise_selection(&[]),
            Err(PurchaseError::NothingSelected)
        ));
        assert!(matches!(
            normalise_selection(&["4155550100".into()]),
            Err(PurchaseError::NotANumber(_))
        ));
    }

    #[test]
    fn offers_sort_by_cost_with_unpriced_last() {
        let offer = |e164: &str, cost: Option<i64>| Offer {
            e164: e164.into(),
            number_type: Some(NumberType::Local),
            country: Some("US".into()),
            region: None,
            locality: None,
            features: Features::default(),
            monthly_cost_credits: cost,
        };
        let mut offers = vec![
            offer("+1", None),
            offer("+2", Some(215)),
            offer("+3", Some(115)),
        ];
        sort_offers(&mut offers, SortBy::MonthlyCost, false);
        let order: Vec<_> = offers.iter().map(|o| o.e164.as_str()).collect();
        assert_eq!(order, vec!["+3", "+2", "+1"]);
    }

    #[test]
    fn keys_are_unique() {
        let keys: HashSet<String> = (0..1000).map(|_| new_key("buy")).collect();
        assert_eq!(keys.len(), 1000);
    }
}
