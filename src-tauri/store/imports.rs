//! The import journal: one `imports` row per import and one `import_items` row per number. Items
//! move pending -> done | failed | cancelled | unconfirmed; a running import found at start is
//! resumed from its pending items, so nothing is lost and nothing is done twice. An unconfirmed
//! item (changed at the carrier, its answer lost or its second call failed) moves on to done or
//! failed when the reconciler has asked the carrier.

use crate::domain::ids::{ConnectionId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::kind;
use super::StoreError;
use crate::domain::kinds::WebhookMode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub connection_id: ConnectionId,
    pub webhook_mode: WebhookMode,
    pub state: String,
    pub target_json: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub import_id: i64,
    pub e164: String,
    pub carrier_number_id: String,
    pub number_json: String,
    pub state: String,
    pub snapshot_json: Option<String>,
    pub reason: Option<String>,
    pub attempts: i64,
}

#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    pub e164: &'a str,
    pub carrier_number_id: &'a str,
    pub number_json: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemCounts {
    pub total: i64,
    pub pending: i64,
    pub done: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub unconfirmed: i64,
}

const IMPORT_COLUMNS: &str =
    "id, workspace_id, connection_id, webhook_mode, state, target_json, created_at, finished_at";
const ITEM_COLUMNS: &str =
    "import_id, e164, carrier_number_id, number_json, state, snapshot_json, reason, attempts";

fn import_from_row(row: &Row<'_>) -> rusqlite::Result<ImportRow> {
    Ok(ImportRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        connection_id: row.get(2)?,
        webhook_mode: kind(row, 3, "imports", "webhook_mode")?,
        state: row.get(4)?,
        target_json: row.get(5)?,
        created_at: row.get(6)?,
        finished_at: row.get(7)?,
    })
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok(ItemRow {
        import_id: row.get(0)?,
        e164: row.get(1)?,
        carrier_number_id: row.get(2)?,
        number_json: row.get(3)?,
        state: row.get(4)?,
        snapshot_json: row.get(5)?,
        reason: row.get(6)?,
        attempts: row.get(7)?,
    })
}

/// Journals a new import with all its items, pending, in one transaction.
pub fn create(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    webhook_mode: &str,
    target_json: &str,
    items: &[NewItem<'_>],
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO imports (workspace_id, connection_id, webhook_mode, state, target_json, created_at)
         VALUES (?1, ?2, ?3, 'running', ?4, ?5)",
        params![workspace_id, connection_id, webhook_mode, target_json, now],
    )?;
    let id = tx.last_insert_rowid();
    let mut insert = tx.prepare_cached(
        "INSERT INTO import_items (import_id, e164, carrier_number_id, number_json, state, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
    )?;
    for item in items {
        insert.execute(params![
            id,
            item.e164,
            item.carrier_number_id,
            item.number_json,
            now
        ])?;
    }
    Ok(id)
}

pub fn get(connection: &Connection, id: i64) -> Result<Option<ImportRow>, StoreError> {
    Ok(connection
        .query_row(
            &format!("SELECT {IMPORT_COLUMNS} FROM imports WHERE id = ?1"),
            [id],
            import_from_row,
        )
        .optional()?)
}

/// Imports that were running when the app last stopped (or are running now).
pub fn running(connection: &Connection) -> Result<Vec<ImportRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {IMPORT_COLUMNS} FROM imports WHERE state = 'running' ORDER BY id"
    ))?;
    let rows = statement
        .query_map([], import_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The ids of the workspace's `limit` most recent imports, newest first.
pub fn recent(
    connection: &Connection,
    workspace_id: WorkspaceId,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id FROM imports WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let ids = statement
        .query_map(params![workspace_id, limit], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

pub fn items(connection: &Connection, import_id: i64) -> Result<Vec<ItemRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM import_items WHERE import_id = ?1 ORDER BY e164"
    ))?;
    let rows = statement
        .query_map([import_id], item_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn pending_items(connection: &Connection, import_id: i64) -> Result<Vec<ItemRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM import_items WHERE import_id = ?1 AND state = 'pending' ORDER BY e164"
    ))?;
    let rows = statement
        .query_map([import_id], item_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Records the carrier's configuration before the change, once: a snapshot already saved (by an
/// attempt before a crash) is the user's original and is never overwritten. Returns the snapshot
/// that stands.
pub fn save_snapshot_once(
    tx: &Transaction<'_>,
    import_id: i64,
    e164: &str,
    snapshot_json: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    tx.execute(
        "UPDATE import_items SET snapshot_json = ?3, updated_at = ?4
         WHERE import_id = ?1 AND e164 = ?2 AND snapshot_json IS NULL",
        params![import_id, e164, snapshot_json, now],
    )?;
    Ok(tx.query_row(
        "SELECT snapshot_json FROM import_items WHERE import_id = ?1 AND e164 = ?2",
        params![import_id, e164],
        |r| r.get(0),
    )?)
}

pub fn count_attempt(
    tx: &Transaction<'_>,
    import_id: i64,
    e164: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE import_items SET attempts = attempts + 1, updated_at = ?3 WHERE import_id = ?1 AND e164 = ?2",
        params![import_id, e164, now],
    )?;
    Ok(())
}

/// Moves a pending item to `state` ('done', 'failed', 'cancelled' or 'unconfirmed') with an
/// optional reason. Returns false if it was no longer pending (another worker, or a cancel, got
/// there first).
pub fn settle_item(
    tx: &Transaction<'_>,
    import_id: i64,
    e164: &str,
    state: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    move_item(tx, (import_id, e164), "pending", state, reason, now)
}

/// Moves an unconfirmed item to 'done' or 'failed' once the carrier has been asked. False if it
/// was not unconfirmed.
pub fn settle_unconfirmed(
    tx: &Transaction<'_>,
    import_id: i64,
    e164: &str,
    state: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    move_item(tx, (import_id, e164), "unconfirmed", state, reason, now)
}

fn move_item(
    tx: &Transaction<'_>,
    (import_id, e164): (i64, &str),
    from: &str,
    to: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "UPDATE import_items SET state = ?4, reason = ?5, updated_at = ?6
         WHERE import_id = ?1 AND e164 = ?2 AND state = ?3",
        params![import_id, e164, from, to, reason, now],
    )? == 1)
}

/// One item of an import.
pub fn item(
    connection: &Connection,
    import_id: i64,
    e164: &str,
) -> Result<Option<ItemRow>, StoreError> {
    Ok(connection
        .query_row(
            &format!("SELECT {ITEM_COLUMNS} FROM import_items WHERE import_id = ?1 AND e164 = ?2"),
            params![import_id, e164],
            item_from_row,
        )
        .optional()?)
}

/// Cancels every item still pending; returns how many.
pub fn cancel_pending(
    tx: &Transaction<'_>,
    import_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE import_items SET state = 'cancelled', reason = 'Cancelled before it was imported.', updated_at = ?2
         WHERE import_id = ?1 AND state = 'pending'",
        params![import_id, now],
    )?)
}

pub fn finish(
    tx: &Transaction<'_>,
    import_id: i64,
    state: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE imports SET state = ?2, finished_at = ?3 WHERE id = ?1",
        params![import_id, state, now],
    )?;
    Ok(())
}

pub fn counts(connection: &Connection, import_id: i64) -> Result<ItemCounts, StoreError> {
    let mut counts = ItemCounts::default();
    let mut statement = connection.prepare_cached(
        "SELECT state, count(*) FROM import_items WHERE import_id = ?1 GROUP BY state",
    )?;
    for row in statement.query_map([import_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (state, count) = row?;
        counts.total += count;
        match state.as_str() {
            "pending" => counts.pending = count,
            "done" => counts.done = count,
            "failed" => counts.failed = count,
            "unconfirmed" => counts.unconfirmed = count,
            _ => counts.cancelled = count,
        }
    }
    Ok(counts)
}
