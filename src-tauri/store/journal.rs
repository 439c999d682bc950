//! Rows of `journal`: every side effect at a carrier (a purchase, a release, a region change, a
//! restore at disconnect) is written here as an `intent` before the call and settled `done` or
//! `failed` after it, so a crash in between leaves a row naming exactly what may have happened.
//! Only an intent ever moves, so an outcome is written once; the one exception is a purchase the
//! carrier turns out to have after it was settled failed ([`mark_bought`]).

use crate::domain::ids::WorkspaceId;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{kind, StoreError};
use crate::domain::kinds::{JournalKind, JournalState};

/// Journal keys whose side effect someone in this process is carrying out now: the flow that
/// wrote the intent, or a reconciler settling it. One per process (the [`Context`] holds it).
///
/// A flow claims its key inside the transaction that writes the intent, so no reader can see the
/// row unclaimed; a reconciler claims a key before it asks the carrier and reads the row again
/// under the claim. So two parties never act on one row at once, and a row settled meanwhile is
/// left alone.
///
/// [`Context`]: crate::app::context::Context
#[derive(Debug, Clone, Default)]
pub struct Claims {
    keys: Arc<Mutex<HashSet<String>>>,
}

impl Claims {
    /// The key, unless someone holds it; released when the [`Claim`] drops.
    pub fn try_claim(&self, key: &str) -> Option<Claim> {
        let fresh = self.lock().insert(key.to_owned());
        fresh.then(|| Claim {
            claims: self.clone(),
            key: key.to_owned(),
        })
    }

    /// The key just made for a new intent, claimed before the intent is written. It is taken
    /// only if keys collide, which the store reports as a conflict.
    pub fn claim_new(&self, key: &str) -> Result<Claim, StoreError> {
        self.try_claim(key)
            .ok_or_else(|| StoreError::Conflict(format!("the new journal key {key} is taken")))
    }

    pub fn is_claimed(&self, key: &str) -> bool {
        self.lock().contains(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A held journal key (see [`Claims`]).
#[derive(Debug)]
pub struct Claim {
    claims: Claims,
    key: String,
}

impl Claim {
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.claims.lock().remove(&self.key);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRow {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub kind: JournalKind,
    pub idempotency_key: String,
    pub state: JournalState,
    pub payload_json: String,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    /// How often the carrier was asked about this intent after its answer was lost.
    pub checks: i64,
    /// How many of those answers said the carrier has nothing, and when the first came.
    pub negatives: i64,
    pub first_negative_at: Option<DateTime<Utc>>,
    /// Not asked again before this.
    pub next_check_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, workspace_id, kind, idempotency_key, state, payload_json, outcome, \
     created_at, checks, negatives, first_negative_at, next_check_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<JournalRow> {
    Ok(JournalRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        kind: kind(row, 2, "journal", "kind")?,
        idempotency_key: row.get(3)?,
        state: kind(row, 4, "journal", "state")?,
        payload_json: row.get(5)?,
        outcome: row.get(6)?,
        created_at: row.get(7)?,
        checks: row.get(8)?,
        negatives: row.get(9)?,
        first_negative_at: row.get(10)?,
        next_check_at: row.get(11)?,
    })
}

/// The wait before the next check of an open intent whose answer was lost: seconds at first,
/// then minutes, so a carrier that finishes late is given time without being asked in a loop.
pub fn next_check_after(checks: i64) -> chrono::Duration {
    const WAITS_SECS: [i64; 5] = [10, 30, 60, 120, 300];
    let step = usize::try_from(checks)
        .unwrap_or(0)
        .min(WAITS_SECS.len() - 1);
    chrono::Duration::seconds(WAITS_SECS[step])
}

/// Writes the intent of a side effect, before it happens. `key` makes the row unique.
pub fn intend(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    kind: JournalKind,
    key: &str,
    payload_json: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO journal (workspace_id, kind, idempotency_key, state, payload_json, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'intent', ?4, ?5, ?5)",
        params![workspace_id, kind, key, payload_json, now],
    )?;
    Ok(tx.last_insert_rowid())
}

/// A key unique to a new intent: the kind, the subject and the next journal id (so retries of
/// the same change get rows of their own).
pub fn fresh_key(
    tx: &Transaction<'_>,
    kind: JournalKind,
    subject: &str,
) -> Result<String, StoreError> {
    let next: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM journal", [], |r| {
        r.get(0)
    })?;
    Ok(format!("{kind}:{subject}:{next}"))
}

/// Settles the intent with this key as `state` ('done' or 'failed'). False when it was settled
/// already (by a concurrent recovery).
pub fn settle_by_key(
    tx: &Transaction<'_>,
    key: &str,
    state: &str,
    outcome: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE journal SET state = ?2, outcome = ?3, updated_at = ?4
         WHERE idempotency_key = ?1 AND state = 'intent'",
        params![key, state, outcome, now],
    )?;
    Ok(changed == 1)
}

/// Marks the purchase with this key done and bought whatever its state: the carrier's word wins
/// over an earlier "not bought" (the one outcome that may be written over).
pub fn mark_bought(tx: &Transaction<'_>, key: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE journal SET state = 'done', outcome = 'bought', updated_at = ?2
         WHERE idempotency_key = ?1",
        params![key, now],
    )?;
    Ok(())
}

/// Settles the intent `id` as done or failed, with a short outcome (never a secret). False when
/// it was settled already.
pub fn settle(
    tx: &Transaction<'_>,
    id: i64,
    done: bool,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE journal SET state = ?2, outcome = ?3, updated_at = ?4 WHERE id = ?1 AND state = 'intent'",
        params![id, if done { "done" } else { "failed" }, outcome, now],
    )?;
    Ok(changed == 1)
}

/// Whether an intent whose key starts with `prefix` is open.
pub fn open_with_prefix(connection: &Connection, prefix: &str) -> Result<bool, StoreError> {
    Ok(connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM journal WHERE state = 'intent'
            AND substr(idempotency_key, 1, length(?1)) = ?1)",
        [prefix],
        |r| r.get(0),
    )?)
}

/// Notes one check of an open intent at the carrier: `found_nothing` when the carrier said it
/// has no such thing (a negative), false when it could not be asked. Returns the row as it is now.
pub fn note_check(
    tx: &Transaction<'_>,
    key: &str,
    found_nothing: bool,
    next_check_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<JournalRow>, StoreError> {
    tx.execute(
        "UPDATE journal SET checks = checks + 1,
             negatives = negatives + ?2,
             first_negative_at = CASE WHEN ?2 = 1 THEN coalesce(first_negative_at, ?4)
                                      ELSE first_negative_at END,
             next_check_at = ?3, updated_at = ?4
         WHERE idempotency_key = ?1 AND state = 'intent'",
        params![key, i64::from(found_nothing), next_check_at, now],
    )?;
    get_by_key(tx, key)
}

/// [`note_check`] with the next check after [`next_check_after`] the row's checks so far. `None`
/// when there is no such row.
pub fn note_check_backing_off(
    tx: &Transaction<'_>,
    key: &str,
    found_nothing: bool,
    now: DateTime<Utc>,
) -> Result<Option<JournalRow>, StoreError> {
    let Some(row) = get_by_key(tx, key)? else {
        return Ok(None);
    };
    note_check(
        tx,
        key,
        found_nothing,
        now + next_check_after(row.checks),
        now,
    )
}

/// Sets when a row is next looked at, whatever its state: a purchase settled "not bought" after
/// its answer was lost stays watched for a while, in case the carrier shows it late; `None`
/// stops watching.
pub fn set_next_check(
    tx: &Transaction<'_>,
    key: &str,
    next_check_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE journal SET next_check_at = ?2, updated_at = ?3 WHERE idempotency_key = ?1",
        params![key, next_check_at, now],
    )?;
    Ok(())
}

/// Rows of this kind settled failed but still watched (see [`set_next_check`]), oldest first.
pub fn watched(connection: &Connection, kind: JournalKind) -> Result<Vec<JournalRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM journal
         WHERE state = 'failed' AND kind = ?1 AND next_check_at IS NOT NULL ORDER BY id"
    ))?;
    let rows = statement
        .query_map([kind], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// For a reconciler: the row of `key` under a claim, when nobody else holds the key and the row
/// is still an open intent (it may have been settled since the reconciler listed it).
pub fn claim_open(
    claims: &Claims,
    connection: &Connection,
    key: &str,
) -> Result<Option<(Claim, JournalRow)>, StoreError> {
    let Some(claim) = claims.try_claim(key) else {
        return Ok(None);
    };
    Ok(get_by_key(connection, key)?
        .filter(|row| row.state == JournalState::Intent)
        .map(|row| (claim, row)))
}

/// For a reconciler's pass: the open intents of these kinds that nobody in this process holds,
/// each under a claim taken now. Listing and claiming happen in one read, so every row is as the
/// claim found it.
pub fn claim_unfinished(
    claims: &Claims,
    connection: &Connection,
    kinds: &[JournalKind],
) -> Result<Vec<(Claim, JournalRow)>, StoreError> {
    Ok(unfinished(connection, kinds)?
        .into_iter()
        .filter_map(|row| {
            claims
                .try_claim(&row.idempotency_key)
                .map(|claim| (claim, row))
        })
        .collect())
}

pub fn get_by_key(connection: &Connection, key: &str) -> Result<Option<JournalRow>, StoreError> {
    Ok(connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM journal WHERE idempotency_key = ?1"),
            [key],
            from_row,
        )
        .optional()?)
}

/// Intents of these kinds never settled (a crash came between the intent and its outcome),
/// oldest first.
pub fn unfinished(
    connection: &Connection,
    kinds: &[JournalKind],
) -> Result<Vec<JournalRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM journal WHERE state = 'intent' ORDER BY id"
    ))?;
    let rows: Vec<JournalRow> = statement
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter(|row| kinds.contains(&row.kind))
        .collect())
}

/// Rows of `kind` written as steps of the intent `parent` (their payload's `parent`), oldest
/// first, whatever their state.
pub fn with_parent(
    connection: &Connection,
    kind: JournalKind,
    parent: &str,
) -> Result<Vec<JournalRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM journal
         WHERE kind = ?1 AND json_extract(payload_json, '$.parent') = ?2 ORDER BY id"
    ))?;
    let rows = statement
        .query_map(params![kind, parent], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Credits held by purchases of the workspace under way: journalled, not settled yet. The
/// payload's `credits` is the total the purchase will charge.
pub fn credits_on_hold(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<i64, StoreError> {
    Ok(connection.query_row(
        "SELECT coalesce(sum(json_extract(payload_json, '$.credits')), 0) FROM journal
         WHERE workspace_id = ?1 AND kind = 'purchase' AND state = 'intent'",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// Numbers that purchases of the workspace under way are buying (payload `numbers[].e164`).
pub fn numbers_in_flight(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<HashSet<String>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT json_extract(item.value, '$.e164')
         FROM journal, json_each(journal.payload_json, '$.numbers') AS item
         WHERE journal.workspace_id = ?1 AND journal.kind = 'purchase' AND journal.state = 'intent'",
    )?;
    let numbers = statement
        .query_map([workspace_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::next_check_after;

    #[test]
    fn checks_back_off_from_seconds_to_minutes() {
        let waits: Vec<i64> = (0..7).map(|n| next_check_after(n).num_seconds()).collect();
        assert_eq!(waits, [10, 30, 60, 120, 300, 300, 300]);
    }
}
