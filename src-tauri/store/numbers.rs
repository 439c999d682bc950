//! Rows of `phone_numbers`: every number a workspace holds, whatever its source. Always scoped by
//! workspace id, so one workspace's numbers are never read through another.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row, Transaction};
use serde::Serialize;

use super::kind;
use super::{is_unique_violation, StoreError};
use crate::domain::kinds::{CarrierKind, NumberStatus, Source, WebhookMode};

/// A number as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumberRow {
    pub id: PhoneNumberId,
    pub workspace_id: WorkspaceId,
    pub e164: String,
    pub carrier: CarrierKind,
    pub source: Source,
    pub status: NumberStatus,
    pub number_type: Option<String>,
    pub region: Option<String>,
    pub voice: bool,
    pub sms: bool,
    pub mms: bool,
    pub monthly_cost_credits: i64,
    pub connection_id: Option<ConnectionId>,
    pub carrier_number_id: Option<String>,
    pub webhook_mode: WebhookMode,
    pub friendly_name: Option<String>,
    /// The name of the connection it was imported through, if any.
    pub connection_name: Option<String>,
}

/// What is needed to record a number the workspace now holds.
#[derive(Debug, Clone)]
pub struct NewNumber<'a> {
    pub e164: &'a str,
    pub carrier: CarrierKind,
    pub source: Source,
    pub status: NumberStatus,
    pub number_type: Option<&'a str>,
    pub region: Option<&'a str>,
    pub voice: bool,
    pub sms: bool,
    pub mms: bool,
    pub monthly_cost_credits: i64,
    pub connection_id: Option<ConnectionId>,
    pub carrier_number_id: Option<&'a str>,
    pub webhook_mode: WebhookMode,
    pub friendly_name: Option<&'a str>,
}

const COLUMNS: &str = "n.id, n.workspace_id, n.e164, n.carrier, n.source, n.status, n.number_type, \
    n.region, n.feature_voice, n.feature_sms, n.feature_mms, n.monthly_cost_credits, n.connection_id, \
    n.carrier_number_id, n.webhook_mode, n.friendly_name, c.name";
const FROM: &str = "phone_numbers n LEFT JOIN carrier_connections c ON c.id = n.connection_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<NumberRow> {
    Ok(NumberRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        e164: row.get(2)?,
        carrier: kind(row, 3, "phone_numbers", "carrier")?,
        source: kind(row, 4, "phone_numbers", "source")?,
        status: kind(row, 5, "phone_numbers", "status")?,
        number_type: row.get(6)?,
        region: row.get(7)?,
        voice: row.get(8)?,
        sms: row.get(9)?,
        mms: row.get(10)?,
        monthly_cost_credits: row.get(11)?,
        connection_id: row.get(12)?,
        carrier_number_id: row.get(13)?,
        webhook_mode: kind(row, 14, "phone_numbers", "webhook_mode")?,
        friendly_name: row.get(15)?,
        connection_name: row.get(16)?,
    })
}

pub fn insert(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    number: &NewNumber<'_>,
    now: DateTime<Utc>,
) -> Result<PhoneNumberId, StoreError> {
    tx.execute(
        "INSERT INTO phone_numbers (workspace_id, e164, carrier, source, status, number_type, region,
             feature_voice, feature_sms, feature_mms, monthly_cost_credits, connection_id,
             carrier_number_id, webhook_mode, friendly_name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)",
        params![
            workspace_id,
            number.e164,
            number.carrier,
            number.source,
            number.status,
            number.number_type,
            number.region,
            number.voice,
            number.sms,
            number.mms,
            number.monthly_cost_credits,
            number.connection_id,
            number.carrier_number_id,
            number.webhook_mode,
            number.friendly_name,
            now
        ],
    )
    .map_err(|error| {
        if is_unique_violation(&error) {
            StoreError::Conflict(format!("{} is already in this workspace", number.e164))
        } else {
            StoreError::Sqlite(error)
        }
    })?;
    Ok(PhoneNumberId(tx.last_insert_rowid()))
}

pub fn list(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<Vec<NumberRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE n.workspace_id = ?1 ORDER BY n.e164"
    ))?;
    let rows = statement
        .query_map([workspace_id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn count(connection: &Connection, workspace_id: WorkspaceId) -> Result<i64, StoreError> {
    Ok(connection.query_row(
        "SELECT count(*) FROM phone_numbers WHERE workspace_id = ?1",
        [workspace_id],
        |r| r.get(0),
    )?)
}

/// Who holds a number in a workspace: the connection it came through, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub connection_id: Option<ConnectionId>,
    pub connection_name: Option<String>,
}

/// Who holds `e164` in the workspace (not released), through the unique index on held numbers.
pub fn holder(
    connection: &Connection,
    workspace_id: WorkspaceId,
    e164: &str,
) -> Result<Option<Holder>, StoreError> {
    use rusqlite::OptionalExtension;
    let mut statement = connection.prepare_cached(
        "SELECT n.connection_id, c.name FROM phone_numbers n
         LEFT JOIN carrier_connections c ON c.id = n.connection_id
         WHERE n.workspace_id = ?1 AND n.e164 = ?2 AND n.status <> 'released'",
    )?;
    Ok(statement
        .query_row(params![workspace_id, e164], |r| {
            Ok(Holder {
                connection_id: r.get(0)?,
                connection_name: r.get(1)?,
            })
        })
        .optional()?)
}

/// The numbers of the workspace that are held (not released), as E.164, for "already imported".
pub fn held_e164s(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT e164 FROM phone_numbers WHERE workspace_id = ?1 AND status <> 'released'",
    )?;
    let held = statement
        .query_map([workspace_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(held)
}

/// Removes a number recorded by an import whose change at the carrier was undone (its snapshot
/// and agent assignments go with it). False when it was not there.
pub fn delete(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    number_id: PhoneNumberId,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "DELETE FROM phone_numbers WHERE workspace_id = ?1 AND id = ?2",
        params![workspace_id, number_id],
    )? == 1)
}

/// Keeps the carrier's configuration of a number from before NumberDesk changed it.
pub fn save_snapshot(
    tx: &Transaction<'_>,
    number_id: PhoneNumberId,
    config_json: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO carrier_snapshots (phone_number_id, taken_at, config_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (phone_number_id) DO NOTHING",
        params![number_id, now, config_json],
    )?;
    Ok(())
}

/// The saved pre-NumberDesk configuration of a number, if one was taken.
pub fn snapshot(
    connection: &Connection,
    number_id: PhoneNumberId,
) -> Result<Option<String>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(connection
        .query_row(
            "SELECT config_json FROM carrier_snapshots WHERE phone_number_id = ?1",
            [number_id],
            |r| r.get(0),
        )
        .optional()?)
}
