//! Rows of `sip_trunks`: where a SIP trunk connection sends calls. One per SIP connection, gone
//! with it (cascade). The digest credentials are in the keyring, never here.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::StoreError;
use crate::domain::ids::{ConnectionId, WorkspaceId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipTrunkRow {
    pub host: String,
    /// `udp`, `tcp` or `tls`, as the table's CHECK allows.
    pub transport: String,
    pub port: u16,
    /// Whether the user gave the port (else SRV records decide, `port` being the fallback).
    pub port_given: bool,
    /// IPs and CIDR ranges, one per entry.
    pub allowed_ranges: Vec<String>,
    pub has_digest: bool,
}

pub fn insert(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    row: &SipTrunkRow,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO sip_trunks (connection_id, workspace_id, host, transport, port,
             port_given, allowed_ranges, has_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            connection_id,
            workspace_id,
            row.host,
            row.transport,
            row.port,
            row.port_given,
            row.allowed_ranges.join("\n"),
            row.has_digest
        ],
    )?;
    Ok(())
}

/// The trunk of connection `id` if it is a SIP connection of `workspace_id`.
pub fn get(
    connection: &Connection,
    workspace_id: WorkspaceId,
    id: ConnectionId,
) -> Result<Option<SipTrunkRow>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT host, transport, port, allowed_ranges, has_digest, port_given
             FROM sip_trunks WHERE workspace_id = ?1 AND connection_id = ?2",
            params![workspace_id, id],
            |row| {
                let ranges: String = row.get(3)?;
                Ok(SipTrunkRow {
                    host: row.get(0)?,
                    transport: row.get(1)?,
                    port: row.get(2)?,
                    allowed_ranges: ranges
                        .lines()
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    has_digest: row.get(4)?,
                    port_given: row.get(5)?,
                })
            },
        )
        .optional()?)
}
