//! Credits: each workspace's ledger. The balance is the sum of its entries, never a counter kept
//! beside them. Months are calendar months in UTC. At the start of each month the unused credits
//! of the month before expire (a `reset` entry), the workspace's monthly allowance is granted
//! (`allowance`), and every purchased number still held is charged its full monthly cost again
//! (`renewal`). A purchase charges the full month at once (`purchase`), with no proration either
//! way: releasing a number refunds nothing. An order that fails gives back what its number was
//! charged (`refund`).
//!
//! Months are settled lazily: whoever reads or spends credits settles every month up to "now"
//! first, in the same transaction, so a workspace opened after three months away gets its three
//! months in order. The ledger's unique indexes make settling twice harmless. "Now" comes from the
//! injected clock. This module knows nothing of carriers.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{PhoneNumberId, WorkspaceId};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use rusqlite::{Connection, Transaction};
use serde::Serialize;

use crate::app::blocking::TaskFailed;
use crate::app::context::Context;
use crate::flows::workspaces::WorkspaceError;
use crate::store::credits::{self, EntryRow, NewEntry};
use crate::store::{self, StoreError};

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The month's allowance was granted.
    Allowance,
    /// A number was bought: its full first month.
    Purchase,
    /// A number still held was charged for another month.
    Renewal,
    /// A failed order gave back what its number was charged.
    Refund,
    /// The month ended: its unused credits expired.
    Reset,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Allowance => "allowance",
            EntryKind::Purchase => "purchase",
            EntryKind::Renewal => "renewal",
            EntryKind::Refund => "refund",
            EntryKind::Reset => "reset",
        }
    }

    fn parse(text: &str) -> Option<EntryKind> {
        [
            EntryKind::Allowance,
            EntryKind::Purchase,
            EntryKind::Renewal,
            EntryKind::Refund,
            EntryKind::Reset,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// One line of the Billing screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    /// Positive adds credits, negative spends them.
    pub amount: i64,
    pub phone_number_id: Option<PhoneNumberId>,
    pub e164: Option<String>,
    pub order_id: Option<i64>,
    /// `YYYY-MM` for allowance, reset and renewal entries.
    pub period: Option<String>,
    pub note: Option<String>,
}

/// The credits of a workspace at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditSummary {
    pub workspace_id: WorkspaceId,
    pub monthly_allowance: i64,
    /// The sum of the ledger.
    pub balance: i64,
    /// Credits of purchases under way (journalled, carrier not answered yet).
    pub on_hold: i64,
    /// What a new purchase may spend: balance minus what is on hold.
    pub available: i64,
    /// The current month, `YYYY-MM`.
    pub period: String,
    /// When the next month starts (allowance reset, renewals).
    pub next_period_starts: DateTime<Utc>,
    /// What the numbers held now will cost at the next month's start.
    pub renewals_next_period: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("The credit ledger has an entry NumberDesk does not understand ({0}). Report this.")]
    Damaged(String),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for BillingError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Workspace(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Damaged(_) => Classified::Kind(ErrorKind::Storage),
        }
    }
}

/// `YYYY-MM` of an instant (UTC).
pub fn period_of(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

/// The first instant of the month `at` is in.
pub fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
        .single()
        .expect("the first of a month at midnight UTC exists")
}

/// The first instant of the month after the one `at` is in.
pub fn next_month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let (year, month) = if at.month() == 12 {
        (at.year() + 1, 1)
    } else {
        (at.year(), at.month() + 1)
    };
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0)
        .single()
        .expect("the first of a month at midnight UTC exists")
}

fn parse_period(period: &str) -> Option<DateTime<Utc>> {
    let (year, month) = period.split_once('-')?;
    Utc.with_ymd_and_hms(year.parse().ok()?, month.parse().ok()?, 1, 0, 0, 0)
        .single()
}

/// Ledger operations over the core.
pub struct Billing<'a> {
    ctx: &'a Context,
}

impl<'a> Billing<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// Settles every month up to now: resets, allowances and renewals not yet written.
    pub fn settle(&self, workspace_id: WorkspaceId) -> Result<(), BillingError> {
        let now = self.ctx.clock.now();
        self.ctx
            .store
            .write(|tx| settle_in(tx, workspace_id, now).map(|_| ()))
    }

    /// Settles every workspace (for the background task at start and at month boundaries).
    pub fn settle_all(&self) -> Result<(), BillingError> {
        let ids: Vec<WorkspaceId> = self
            .ctx
            .store
            .read(store::workspaces::list)?
            .into_iter()
            .map(|w| w.id)
            .collect();
        for id in ids {
            self.settle(id)?;
        }
        Ok(())
    }

    /// The workspace's credits now (months settled first).
    pub fn summary(&self, workspace_id: WorkspaceId) -> Result<CreditSummary, BillingError> {
        let now = self.ctx.clock.now();
        self.ctx.store.write(|tx| {
            let allowance = settle_in(tx, workspace_id, now)?;
            let balance = credits::balance(tx, workspace_id)?;
            let on_hold = store::journal::credits_on_hold(tx, workspace_id)?;
            let next = next_month_start(now);
            let renewals_next_period = credits::numbers_to_renew(tx, workspace_id, next)?
                .iter()
                .map(|(_, _, cost)| cost)
                .sum();
            Ok(CreditSummary {
                workspace_id,
                monthly_allowance: allowance,
                balance,
                on_hold,
                available: balance - on_hold,
                period: period_of(now),
                next_period_starts: next,
                renewals_next_period,
            })
        })
    }

    /// Every entry of the ledger, oldest first (months settled first).
    pub fn ledger(&self, workspace_id: WorkspaceId) -> Result<Vec<CreditEntry>, BillingError> {
        self.settle(workspace_id)?;
        let rows = self.ctx.store.read(|c| credits::list(c, workspace_id))?;
        rows.into_iter().map(entry_from_row).collect()
    }

    /// The sum of the ledger (months settled first).
    pub fn balance(&self, workspace_id: WorkspaceId) -> Result<i64, BillingError> {
        self.settle(workspace_id)?;
        Ok(self.ctx.store.read(|c| credits::balance(c, workspace_id))?)
    }
}

fn entry_from_row(row: EntryRow) -> Result<CreditEntry, BillingError> {
    let kind =
        EntryKind::parse(&row.kind).ok_or_else(|| BillingError::Damaged(row.kind.clone()))?;
    Ok(CreditEntry {
        id: row.id,
        at: row.at,
        kind,
        amount: row.amount,
        phone_number_id: row.phone_number_id,
        e164: row.e164,
        order_id: row.order_id,
        period: row.period,
        note: row.note,
    })
}

/// Writes what every month up to `now` owes the ledger, oldest month first, inside the caller's
/// transaction. Returns the workspace's monthly allowance.
pub(crate) fn settle_in(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    now: DateTime<Utc>,
) -> Result<i64, BillingError> {
    let workspace =
        store::workspaces::get(tx, workspace_id)?.ok_or(WorkspaceError::NotFound(workspace_id))?;
    let current = month_start(now);
    let last = credits::last_allowance_period(tx, workspace_id)?;
    let mut first = last.is_none();
    let mut month = match last {
        Some(last) => next_month_start(
            parse_period(&last).ok_or_else(|| BillingError::Damaged(format!("period {last}")))?,
        ),
        None => month_start(workspace.created_at.min(now)),
    };
    while month <= current {
        open_month(
            tx,
            workspace_id,
            workspace.monthly_credit_allowance,
            month,
            first,
        )?;
        first = false;
        month = next_month_start(month);
    }
    Ok(workspace.monthly_credit_allowance)
}

/// One month's opening: the month before's unused credits expire, the allowance is granted, and
/// each number still held is renewed. In that order, so a renewal spends the new allowance.
fn open_month(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    allowance: i64,
    start: DateTime<Utc>,
    first: bool,
) -> Result<(), BillingError> {
    let period = period_of(start);
    if credits::has_allowance(tx, workspace_id, &period)? {
        return Ok(());
    }
    if !first {
        let left = credits::balance(tx, workspace_id)?;
        // Only unused credits expire; a negative balance (renewals beyond the allowance) is
        // carried, or a month's renewals would be forgiven.
        if left > 0 {
            credits::insert(
                tx,
                workspace_id,
                &NewEntry {
                    kind: EntryKind::Reset.as_str(),
                    amount: -left,
                    phone_number_id: None,
                    e164: None,
                    order_id: None,
                    period: Some(&period),
                    note: Some("Unused credits of the month before expired"),
                },
                start,
            )?;
        }
    }
    credits::insert(
        tx,
        workspace_id,
        &NewEntry {
            kind: EntryKind::Allowance.as_str(),
            amount: allowance,
            phone_number_id: None,
            e164: None,
            order_id: None,
            period: Some(&period),
            note: Some("Monthly allowance"),
        },
        start,
    )?;
    for (number_id, e164, cost) in credits::numbers_to_renew(tx, workspace_id, start)? {
        credits::insert(
            tx,
            workspace_id,
            &NewEntry {
                kind: EntryKind::Renewal.as_str(),
                amount: -cost,
                phone_number_id: Some(number_id),
                e164: Some(&e164),
                order_id: None,
                period: Some(&period),
                note: None,
            },
            start,
        )?;
    }
    Ok(())
}

/// Charges a number's first month. `false` when this order already charged it.
pub(crate) fn charge_purchase(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    order_id: i64,
    phone_number_id: PhoneNumberId,
    e164: &str,
    credits: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(credits::insert(
        tx,
        workspace_id,
        &NewEntry {
            kind: EntryKind::Purchase.as_str(),
            amount: -credits,
            phone_number_id: Some(phone_number_id),
            e164: Some(e164),
            order_id: Some(order_id),
            period: Some(&period_of(at)),
            note: None,
        },
        at,
    )?
    .is_some())
}

/// Gives back everything the number was charged (purchase and any renewal) when its order
/// failed. Returns the amount refunded; 0 when it was refunded already.
pub(crate) fn refund_failed(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    order_id: i64,
    phone_number_id: PhoneNumberId,
    e164: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let charged = credits::charged_for(tx, workspace_id, phone_number_id)?;
    if charged <= 0 {
        return Ok(0);
    }
    let written = credits::insert(
        tx,
        workspace_id,
        &NewEntry {
            kind: EntryKind::Refund.as_str(),
            amount: charged,
            phone_number_id: Some(phone_number_id),
            e164: Some(e164),
            order_id: Some(order_id),
            period: Some(&period_of(at)),
            note: Some(reason),
        },
        at,
    )?;
    Ok(if written.is_some() { charged } else { 0 })
}

/// What a new purchase may spend now: the ledger minus purchases under way.
pub(crate) fn available_in(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<i64, StoreError> {
    Ok(credits::balance(connection, workspace_id)?
        - store::journal::credits_on_hold(connection, workspace_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn months_are_calendar_months_in_utc() {
        assert_eq!(period_of(at("2026-12-31T23:59:59Z")), "2026-12");
        assert_eq!(
            next_month_start(at("2026-12-31T23:59:59Z")),
            at("2027-01-01T00:00:00Z")
        );
        assert_eq!(
            month_start(at("2026-02-14T10:00:00Z")),
            at("2026-02-01T00:00:00Z")
        );
        assert_eq!(parse_period("2027-01"), Some(at("2027-01-01T00:00:00Z")));
        assert_eq!(parse_period("junk"), None);
    }

    #[test]
    fn entry_kinds_round_trip() {
        for kind in ["allowance", "purchase", "renewal", "refund", "reset"] {
            assert_eq!(EntryKind::parse(kind).unwrap().as_str(), kind);
        }
        assert!(EntryKind::parse("bonus").is_none());
    }
}
