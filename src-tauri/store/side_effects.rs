//! Rows of `journal` for the carrier changes of managing numbers (region changes, restores at
//! disconnect): the intent is written before the call and settled after it, so a crash in between
//! leaves an `intent` row naming exactly which number may or may not have changed.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Transaction};

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentRow {
    pub id: i64,
    pub workspace_id: i64,
    pub kind: String,
    pub payload_json: String,
}

/// Records that `kind` is about to be done; the key makes the row unique (it includes a fresh
/// part chosen by the caller, so retries of the same change get their own rows).
pub fn intend(
    tx: &Transaction<'_>,
    workspace_id: i64,
    kind: &str,
    idempotency_key: &str,
    payload_json: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO journal (workspace_id, kind, idempotency_key, state, payload_json, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'intent', ?4, ?5, ?5)",
        params![workspace_id, kind, idempotency_key, payload_json, now],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Marks an intent done or failed with a short outcome (never a secret: carrier errors are not).
pub fn settle(
    tx: &Transaction<'_>,
    id: i64,
    done: bool,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE journal SET state = ?2, outcome = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, if done { "done" } else { "failed" }, outcome, now],
    )?;
    Ok(())
}

/// Unsettled intents of `kind` in a workspace (a crash came between the intent and its outcome).
pub fn unsettled(
    connection: &Connection,
    workspace_id: i64,
    kind: &str,
) -> Result<Vec<IntentRow>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id, workspace_id, kind, payload_json FROM journal
         WHERE state = 'intent' AND workspace_id = ?1 AND kind = ?2 ORDER BY id",
    )?;
    let rows = statement
        .query_map(params![workspace_id, kind], |r| {
            Ok(IntentRow {
                id: r.get(0)?,
                workspace_id: r.get(1)?,
                kind: r.get(2)?,
                payload_json: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A key unique to this intent: the kind, the subject and the next journal id.
pub fn fresh_key(tx: &Transaction<'_>, kind: &str, subject: &str) -> Result<String, StoreError> {
    let next: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM journal", [], |r| {
        r.get(0)
    })?;
    Ok(format!("{kind}:{subject}:{next}"))
}
