//! What managing numbers changes on `phone_numbers` rows: missing at the carrier, drift from what
//! NumberDesk set, last synced, the Twilio inbound region. Scoped by workspace id.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row, Transaction};

use super::kind;
use super::StoreError;
use crate::domain::kinds::{CarrierKind, NumberStatus, Source, WebhookMode};

/// A number as sync, regions, diagnostics and disconnect need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedNumber {
    pub id: PhoneNumberId,
    pub e164: String,
    pub carrier: CarrierKind,
    pub source: Source,
    pub status: NumberStatus,
    pub connection_id: Option<ConnectionId>,
    pub carrier_number_id: Option<String>,
    pub webhook_mode: WebhookMode,
    pub inbound_region: Option<String>,
    pub inbound_agent_id: Option<i64>,
    pub outbound_agent_id: Option<i64>,
    pub sms_agent_id: Option<i64>,
    pub drift_json: Option<String>,
    pub snapshot_json: Option<String>,
}

const COLUMNS: &str = "n.id, n.e164, n.carrier, n.source, n.status, n.connection_id, \
    n.carrier_number_id, n.webhook_mode, n.inbound_region, n.inbound_agent_id, \
    n.outbound_agent_id, n.sms_agent_id, n.drift_json, s.config_json";
const FROM: &str = "phone_numbers n LEFT JOIN carrier_snapshots s ON s.phone_number_id = n.id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ManagedNumber> {
    Ok(ManagedNumber {
        id: row.get(0)?,
        e164: row.get(1)?,
        carrier: kind(row, 2, "phone_numbers", "carrier")?,
        source: kind(row, 3, "phone_numbers", "source")?,
        status: kind(row, 4, "phone_numbers", "status")?,
        connection_id: row.get(5)?,
        carrier_number_id: row.get(6)?,
        webhook_mode: kind(row, 7, "phone_numbers", "webhook_mode")?,
        inbound_region: row.get(8)?,
        inbound_agent_id: row.get(9)?,
        outbound_agent_id: row.get(10)?,
        sms_agent_id: row.get(11)?,
        drift_json: row.get(12)?,
        snapshot_json: row.get(13)?,
    })
}

/// Every number of a connection, released ones included.
pub fn of_connection(
    connection: &Connection,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<Vec<ManagedNumber>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE n.workspace_id = ?1 AND n.connection_id = ?2
         ORDER BY n.e164"
    ))?;
    let rows = statement
        .query_map(params![workspace_id, connection_id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The numbers among `ids` that are in the workspace, in the order of `ids`.
pub fn by_ids(
    connection: &Connection,
    workspace_id: WorkspaceId,
    ids: &[PhoneNumberId],
) -> Result<Vec<ManagedNumber>, StoreError> {
    use rusqlite::OptionalExtension;
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE n.workspace_id = ?1 AND n.id = ?2"
    ))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = statement
            .query_row(params![workspace_id, *id], from_row)
            .optional()?
        {
            out.push(row);
        }
    }
    Ok(out)
}

/// Marks a number missing at the carrier (never deletes it).
pub fn mark_missing(
    tx: &Transaction<'_>,
    id: PhoneNumberId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE phone_numbers SET status = 'missing', missing_since = coalesce(missing_since, ?2),
             updated_at = ?2
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// A number found at the carrier again: active, seen now.
pub fn mark_present(
    tx: &Transaction<'_>,
    id: PhoneNumberId,
    was_missing: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if was_missing {
        tx.execute(
            "UPDATE phone_numbers SET status = 'active', missing_since = NULL, updated_at = ?2,
                 last_synced_at = ?2
             WHERE id = ?1",
            params![id, now],
        )?;
    } else {
        tx.execute(
            "UPDATE phone_numbers SET last_synced_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
    }
    Ok(())
}

/// Sets (Some) or clears (None) the number's drift.
pub fn set_drift(
    tx: &Transaction<'_>,
    id: PhoneNumberId,
    drift_json: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE phone_numbers SET drift_json = ?2,
             drifted_at = CASE WHEN ?2 IS NULL THEN NULL ELSE coalesce(drifted_at, ?3) END
         WHERE id = ?1",
        params![id, drift_json, now],
    )?;
    Ok(())
}

pub fn set_inbound_region(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    id: PhoneNumberId,
    region: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE phone_numbers SET inbound_region = ?3, updated_at = ?4
         WHERE workspace_id = ?1 AND id = ?2",
        params![workspace_id, id, region, now],
    )?;
    Ok(())
}

/// Deletes every number of a connection (imported or not) with its snapshots; returns how many.
pub fn delete_of_connection(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "DELETE FROM phone_numbers WHERE workspace_id = ?1 AND connection_id = ?2",
        params![workspace_id, connection_id],
    )?)
}

/// Imports of the connection still running (a disconnect waits for them).
pub fn running_imports(
    connection: &Connection,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<i64, StoreError> {
    Ok(connection.query_row(
        "SELECT count(*) FROM imports WHERE workspace_id = ?1 AND connection_id = ?2
             AND state = 'running'",
        params![workspace_id, connection_id],
        |r| r.get(0),
    )?)
}
