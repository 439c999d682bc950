//! Rows of `carrier_connections`: carrier accounts a workspace connected. Identifiers only; the
//! credentials are in the keyring under (workspace id, connection id).

use crate::domain::ids::{ConnectionId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::kind;
use super::{is_unique_violation, StoreError};
use crate::domain::kinds::CarrierKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRow {
    pub id: ConnectionId,
    pub workspace_id: WorkspaceId,
    pub carrier: CarrierKind,
    pub name: String,
    pub account_ref: Option<String>,
    pub account_name: Option<String>,
    pub texml_connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub is_sandbox: bool,
    pub created_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewConnection<'a> {
    pub carrier: CarrierKind,
    pub name: &'a str,
    pub account_ref: Option<&'a str>,
    pub account_name: Option<&'a str>,
    pub texml_connection_id: Option<&'a str>,
    pub messaging_profile_id: Option<&'a str>,
    pub is_sandbox: bool,
}

const COLUMNS: &str = "id, workspace_id, carrier, name, account_ref, account_name, \
    texml_connection_id, messaging_profile_id, is_sandbox, created_at, last_synced_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ConnectionRow> {
    Ok(ConnectionRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        carrier: kind(row, 2, "carrier_connections", "carrier")?,
        name: row.get(3)?,
        account_ref: row.get(4)?,
        account_name: row.get(5)?,
        texml_connection_id: row.get(6)?,
        messaging_profile_id: row.get(7)?,
        is_sandbox: row.get(8)?,
        created_at: row.get(9)?,
        last_synced_at: row.get(10)?,
    })
}

pub fn insert(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    new: &NewConnection<'_>,
    now: DateTime<Utc>,
) -> Result<ConnectionId, StoreError> {
    tx.execute(
        "INSERT INTO carrier_connections (workspace_id, carrier, name, account_ref, account_name,
             texml_connection_id, messaging_profile_id, is_sandbox, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            workspace_id,
            new.carrier,
            new.name,
            new.account_ref,
            new.account_name,
            new.texml_connection_id,
            new.messaging_profile_id,
            new.is_sandbox,
            now
        ],
    )
    .map_err(|error| {
        if is_unique_violation(&error) {
            StoreError::Conflict(format!(
                "a connection called \"{}\" already exists in this workspace",
                new.name
            ))
        } else {
            StoreError::Sqlite(error)
        }
    })?;
    Ok(ConnectionId(tx.last_insert_rowid()))
}

pub fn list(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<Vec<ConnectionRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM carrier_connections WHERE workspace_id = ?1 ORDER BY created_at, id"
    ))?;
    let rows = statement
        .query_map([workspace_id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The connection `id` if it belongs to `workspace_id`.
pub fn get(
    connection: &Connection,
    workspace_id: WorkspaceId,
    id: ConnectionId,
) -> Result<Option<ConnectionRow>, StoreError> {
    Ok(connection
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM carrier_connections WHERE workspace_id = ?1 AND id = ?2"
            ),
            params![workspace_id, id],
            from_row,
        )
        .optional()?)
}

pub fn mark_synced(
    tx: &Transaction<'_>,
    id: ConnectionId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE carrier_connections SET last_synced_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Deletes the connection and, through the cascade, every number imported through it.
pub fn delete(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    id: ConnectionId,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "DELETE FROM carrier_connections WHERE workspace_id = ?1 AND id = ?2",
        params![workspace_id, id],
    )? == 1)
}

/// How many numbers each connection of the workspace holds (not counting released ones).
pub fn number_counts(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<Vec<(ConnectionId, i64)>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT connection_id, count(*) FROM phone_numbers
         WHERE workspace_id = ?1 AND connection_id IS NOT NULL AND status <> 'released'
         GROUP BY connection_id",
    )?;
    let rows = statement
        .query_map([workspace_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
