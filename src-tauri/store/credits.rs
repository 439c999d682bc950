//! Rows of `credit_entries`: the credit ledger of each workspace. Entries are only ever added; the
//! balance is their sum. Unique indexes (migration 0003) refuse a second allowance, reset or
//! renewal in one month and a second charge or refund of one number in one order, so `insert`
//! reports "already there" instead of writing it twice.

use crate::domain::ids::{PhoneNumberId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row, Transaction};

use super::{is_unique_violation, StoreError};

/// One ledger entry, with the number it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub amount: i64,
    pub phone_number_id: Option<PhoneNumberId>,
    pub e164: Option<String>,
    pub order_id: Option<i64>,
    pub period: Option<String>,
    pub note: Option<String>,
}

/// An entry to add.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub kind: &'a str,
    pub amount: i64,
    pub phone_number_id: Option<PhoneNumberId>,
    pub e164: Option<&'a str>,
    pub order_id: Option<i64>,
    pub period: Option<&'a str>,
    pub note: Option<&'a str>,
}

const COLUMNS: &str =
    "id, workspace_id, at, kind, amount, phone_number_id, e164, order_id, period, note";

fn from_row(row: &Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok(EntryRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        at: row.get(2)?,
        kind: row.get(3)?,
        amount: row.get(4)?,
        phone_number_id: row.get(5)?,
        e164: row.get(6)?,
        order_id: row.get(7)?,
        period: row.get(8)?,
        note: row.get(9)?,
    })
}

/// Adds an entry. `Ok(None)` when the ledger already has it (same kind for the same month, or
/// for the same number of the same order): nothing is written twice.
pub fn insert(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    entry: &NewEntry<'_>,
    at: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let result = tx.execute(
        "INSERT INTO credit_entries (workspace_id, at, kind, amount, phone_number_id, e164,
             order_id, period, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            workspace_id,
            at,
            entry.kind,
            entry.amount,
            entry.phone_number_id,
            entry.e164,
            entry.order_id,
            entry.period,
            entry.note
        ],
    );
    match result {
        Ok(_) => Ok(Some(tx.last_insert_rowid())),
        Err(error) if is_unique_violation(&error) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The sum of every entry of the workspace.
pub fn balance(connection: &Connection, workspace_id: WorkspaceId) -> Result<i64, StoreError> {
    Ok(connection.query_row(
        "SELECT coalesce(sum(amount), 0) FROM credit_entries WHERE workspace_id = ?1",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// Every entry of the workspace, oldest first.
pub fn list(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<Vec<EntryRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM credit_entries WHERE workspace_id = ?1 ORDER BY id"
    ))?;
    let rows = statement
        .query_map([workspace_id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// True when the workspace's allowance for `period` has been granted.
pub fn has_allowance(
    connection: &Connection,
    workspace_id: WorkspaceId,
    period: &str,
) -> Result<bool, StoreError> {
    Ok(connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM credit_entries
             WHERE workspace_id = ?1 AND kind = 'allowance' AND period = ?2)",
        params![workspace_id, period],
        |r| r.get(0),
    )?)
}

/// The latest month an allowance was granted for, if any.
pub fn last_allowance_period(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<Option<String>, StoreError> {
    Ok(connection.query_row(
        "SELECT max(period) FROM credit_entries WHERE workspace_id = ?1 AND kind = 'allowance'",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// What the number was charged (purchase and renewals) in this order and not refunded yet, as a
/// positive amount.
pub fn charged_for(
    connection: &Connection,
    workspace_id: WorkspaceId,
    phone_number_id: PhoneNumberId,
) -> Result<i64, StoreError> {
    Ok(connection.query_row(
        "SELECT coalesce(-sum(amount), 0) FROM credit_entries
         WHERE workspace_id = ?1 AND phone_number_id = ?2 AND kind IN ('purchase', 'renewal', 'refund')",
        params![workspace_id, phone_number_id],
        |r| r.get(0),
    )?)
}

/// What an order charged for its numbers, net of refunds for those that failed, as a positive
/// amount (renewals are not the order's).
pub fn charged_for_order(connection: &Connection, order_id: i64) -> Result<i64, StoreError> {
    Ok(connection.query_row(
        "SELECT coalesce(-sum(amount), 0) FROM credit_entries
         WHERE order_id = ?1 AND kind IN ('purchase', 'refund')",
        [order_id],
        |r| r.get(0),
    )?)
}

/// Purchased numbers to renew for the month starting at `period_start`: held by then (bought
/// before it, not released or failed before it) and costing something.
pub fn numbers_to_renew(
    connection: &Connection,
    workspace_id: WorkspaceId,
    period_start: DateTime<Utc>,
) -> Result<Vec<(PhoneNumberId, String, i64)>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id, e164, monthly_cost_credits FROM phone_numbers
         WHERE workspace_id = ?1 AND source IN ('pool', 'marketplace')
           AND monthly_cost_credits > 0 AND created_at < ?2
           AND status IN ('active', 'pending', 'released')
           AND (released_at IS NULL OR released_at >= ?2)
         ORDER BY id",
    )?;
    let rows = statement
        .query_map(params![workspace_id, period_start], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
