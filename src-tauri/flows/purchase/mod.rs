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
//!
//! This module holds the domain types, the journal payloads and the [`Purchases`] service with
//! what its flows share; each flow is a file of its own that adds an `impl Purchases` block:
//! `search` (search, refresh, the cache, countries, suggestions), `buy` (quote, marketplace and
//! pool purchases journalled and placed), `record` (a purchase's outcome written exactly once),
//! `orders` (Process, the background sync, applying a carrier's order), `release`, and
//! `recovery` (journal rows left at `intent`). `numbering` checks countries and area codes, and
//! `error` is the module's one error. All SQL is in `crate::store`.

mod buy;
mod error;
mod numbering;
mod orders;
mod record;
mod recovery;
mod release;
mod search;

pub use error::{PurchaseError, Unsettled};
pub use numbering::{credits_for, validate_area_code, validate_country};

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::blocking;
use crate::app::context::Context;
use crate::carriers::account::CarrierAccount;
use crate::carriers::{AddressRequirement, CarrierKind, Features, NumberType, OrderStatus};
use crate::domain::kinds::WebhookMode;
pub use crate::domain::kinds::{Flow, NumberStatus};
use crate::domain::target::ManagedTarget;
use crate::flows::accounts::Accounts;
pub use crate::flows::accounts::PoolAccount;
use crate::flows::connect::connections::Connections;
use crate::flows::workspaces::Workspace;
use crate::store::orders::HeldNumber;

/// Results asked for per search and per number type, and added by each Refresh.
pub const PAGE_SIZE: u32 = 50;
/// The most results one search keeps (Refresh stops growing there).
pub const MAX_RESULTS: u32 = 500;
/// Nearby area codes offered when a search comes back empty.
pub const MAX_SUGGESTIONS: usize = 5;

// ---------------------------------------------------------------------------------------------
// Domain types

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
    pub connection_id: Option<ConnectionId>,
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
    /// Set when the carrier sells it only with an address on file (Twilio; see
    /// [`Purchases::addresses`]).
    pub address_requirement: Option<AddressRequirement>,
    /// Set when the carrier sells it only with an approved regulatory bundle (Twilio; see
    /// [`Purchases::bundles`]).
    pub bundle_required: bool,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurchasedNumber {
    pub phone_number_id: PhoneNumberId,
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
    pub workspace_id: WorkspaceId,
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
    /// Unconfirmed purchases asked about (or not due yet) and still open: the carrier has not
    /// shown them, and it is too early to call them not bought.
    pub unsettled: usize,
    /// Orders or journal rows that could not be checked this time, with why.
    pub errors: Vec<String>,
}

/// How a journal row left at `intent` was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Recovered {
    /// The carrier has the purchase: recorded and charged once.
    Bought { order_id: i64, numbers: Vec<String> },
    /// The carrier has no trace of it: failed, nothing charged.
    NotBought { order_id: i64, numbers: Vec<String> },
    Released {
        phone_number_id: PhoneNumberId,
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
    pub phone_number_id: PhoneNumberId,
    pub e164: String,
    /// The carrier no longer had it (released before, or a retry whose first answer was lost).
    pub already_gone: bool,
    /// Always 0: releasing refunds nothing.
    pub refunded_credits: i64,
}

// ---------------------------------------------------------------------------------------------
// Journal payloads

/// The routing a number gets at purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PurchaseTarget {
    target: Option<ManagedTarget>,
    /// The Address the number is bought with, when its country asks for one (Twilio).
    #[serde(default)]
    address_sid: Option<String>,
    /// The regulatory bundle it is bought with, when its country and type have a regulation.
    #[serde(default)]
    bundle_sid: Option<String>,
}

/// One number of a journalled purchase, with what the results showed of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    e164: String,
    credits: i64,
    /// What the search said buying it needs in the way of an address (`any`, `local`, ...).
    #[serde(default)]
    address_requirement: Option<String>,
    /// Whether the search said buying it needs an approved regulatory bundle.
    #[serde(default)]
    bundle_required: bool,
    /// The number's country (ISO), from the search.
    #[serde(default)]
    country: Option<String>,
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
    connection_id: Option<ConnectionId>,
    webhook_mode: WebhookMode,
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
    phone_number_id: PhoneNumberId,
    e164: String,
    carrier_number_id: Option<String>,
    flow: Flow,
    connection_id: Option<ConnectionId>,
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
}

impl Purchases {
    pub fn new(accounts: Accounts) -> Self {
        Self {
            inner: Arc::new(Inner { accounts }),
        }
    }

    fn ctx(&self) -> &Arc<Context> {
        self.inner.accounts.context()
    }

    /// The number pool a workspace buys from (the sandbox's for a sandbox workspace).
    async fn pool(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<(PoolAccount, Arc<CarrierAccount>), PurchaseError> {
        let sandbox = blocking(self.ctx(), move |ctx| {
            Ok(ctx.workspaces().get(workspace_id)?.is_sandbox)
        })
        .await?;
        Ok(self.inner.accounts.pool(sandbox).await?)
    }

    async fn account_for(
        &self,
        workspace_id: WorkspaceId,
        flow: Flow,
        connection_id: Option<ConnectionId>,
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
        workspace_id: WorkspaceId,
        connection_id: Option<ConnectionId>,
    ) -> Result<(Workspace, Flow, Option<ConnectionId>), PurchaseError> {
        blocking(self.ctx(), move |ctx| {
            let workspace = ctx.workspaces().get(workspace_id)?;
            let flow = workspace.flow();
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
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the flows

fn purchased_from(number: &HeldNumber) -> PurchasedNumber {
    PurchasedNumber {
        phone_number_id: number.id,
        e164: number.e164.clone(),
        status: number.status,
        monthly_cost_credits: number.monthly_cost_credits,
        failure_reason: number.failure_reason.clone(),
    }
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
    fn offers_sort_by_cost_with_unpriced_last() {
        let offer = |e164: &str, cost: Option<i64>| Offer {
            e164: e164.into(),
            number_type: Some(NumberType::Local),
            country: Some("US".into()),
            region: None,
            locality: None,
            features: Features::default(),
            monthly_cost_credits: cost,
            address_requirement: None,
            bundle_required: false,
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
        let keys: std::collections::HashSet<String> = (0..1000).map(|_| new_key("buy")).collect();
        assert_eq!(keys.len(), 1000);
    }
}
