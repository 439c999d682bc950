//! Rows of `agents` and the three agent slots of `phone_numbers` (inbound, outbound, SMS) with the
//! "allow outbound calls" switch. Always scoped by workspace id.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::Serialize;

use super::{is_unique_violation, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRow {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Numbers holding this agent in at least one slot.
    pub number_count: i64,
}

/// One of a number's three agent slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Inbound,
    Outbound,
    Sms,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::Inbound, Slot::Outbound, Slot::Sms];

    pub fn column(self) -> &'static str {
        match self {
            Slot::Inbound => "inbound_agent_id",
            Slot::Outbound => "outbound_agent_id",
            Slot::Sms => "sms_agent_id",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Inbound => "inbound",
            Slot::Outbound => "outbound",
            Slot::Sms => "sms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Slot::Inbound => "inbound agent",
            Slot::Outbound => "outbound agent",
            Slot::Sms => "SMS agent",
        }
    }
}

/// A number holding an agent, and in which slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holding {
    pub number_id: PhoneNumberId,
    pub e164: String,
    pub slots: Vec<Slot>,
}

/// A number's current assignment, for before/after in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub number_id: PhoneNumberId,
    pub e164: String,
    pub inbound_agent_id: Option<i64>,
    pub outbound_agent_id: Option<i64>,
    pub sms_agent_id: Option<i64>,
    pub allow_outbound: bool,
}

impl Assignment {
    pub fn slot(&self, slot: Slot) -> Option<i64> {
        match slot {
            Slot::Inbound => self.inbound_agent_id,
            Slot::Outbound => self.outbound_agent_id,
            Slot::Sms => self.sms_agent_id,
        }
    }
}

/// Numbers holding agent `?2` in any slot. One lookup per slot's partial index, joined by UNION:
/// an OR of the three would read every number of the workspace.
const HOLDS: &str = "id IN (SELECT id FROM phone_numbers WHERE inbound_agent_id = ?2
    UNION SELECT id FROM phone_numbers WHERE outbound_agent_id = ?2
    UNION SELECT id FROM phone_numbers WHERE sms_agent_id = ?2)";

fn agent_from_row(row: &Row<'_>) -> rusqlite::Result<AgentRow> {
    Ok(AgentRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        name: row.get(2)?,
        created_at: row.get(3)?,
        number_count: row.get(4)?,
    })
}

fn name_taken(name: &str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |error| {
        if is_unique_violation(&error) {
            StoreError::Conflict(format!("an agent called \"{name}\" already exists"))
        } else {
            StoreError::Sqlite(error)
        }
    }
}

pub fn insert(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO agents (workspace_id, name, created_at) VALUES (?1, ?2, ?3)",
        params![workspace_id, name, now],
    )
    .map_err(name_taken(name))?;
    Ok(tx.last_insert_rowid())
}

pub fn rename(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    id: i64,
    name: &str,
) -> Result<bool, StoreError> {
    Ok(tx
        .execute(
            "UPDATE agents SET name = ?3 WHERE workspace_id = ?1 AND id = ?2",
            params![workspace_id, id, name],
        )
        .map_err(name_taken(name))?
        == 1)
}

/// Deletes the agent; the numbers holding it lose it (ON DELETE SET NULL).
pub fn delete(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "DELETE FROM agents WHERE workspace_id = ?1 AND id = ?2",
        params![workspace_id, id],
    )? == 1)
}

pub fn get(
    connection: &Connection,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<Option<AgentRow>, StoreError> {
    Ok(connection
        .query_row(
            &format!(
                "SELECT a.id, a.workspace_id, a.name, a.created_at,
                    (SELECT count(*) FROM phone_numbers WHERE workspace_id = ?1 AND {HOLDS})
                 FROM agents a WHERE a.workspace_id = ?1 AND a.id = ?2"
            ),
            params![workspace_id, id],
            agent_from_row,
        )
        .optional()?)
}

pub fn list(
    connection: &Connection,
    workspace_id: WorkspaceId,
) -> Result<Vec<AgentRow>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT a.id, a.workspace_id, a.name, a.created_at,
            (SELECT count(*) FROM (SELECT id FROM phone_numbers WHERE inbound_agent_id = a.id
                UNION SELECT id FROM phone_numbers WHERE outbound_agent_id = a.id
                UNION SELECT id FROM phone_numbers WHERE sms_agent_id = a.id))
         FROM agents a WHERE a.workspace_id = ?1 ORDER BY a.name COLLATE NOCASE, a.id",
    )?;
    let rows = statement
        .query_map([workspace_id], agent_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The numbers holding agent `id`, by number.
pub fn holdings(
    connection: &Connection,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<Vec<Holding>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT id, e164, inbound_agent_id = ?2, outbound_agent_id = ?2, sms_agent_id = ?2
         FROM phone_numbers WHERE workspace_id = ?1 AND {HOLDS} ORDER BY e164"
    ))?;
    let rows = statement
        .query_map(params![workspace_id, id], |r| {
            let mut slots = Vec::new();
            for (index, slot) in Slot::ALL.into_iter().enumerate() {
                if r.get::<_, Option<bool>>(2 + index)?.unwrap_or(false) {
                    slots.push(slot);
                }
            }
            Ok(Holding {
                number_id: r.get(0)?,
                e164: r.get(1)?,
                slots,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The current assignments of `number_ids` that are in the workspace (others are left out).
pub fn assignments(
    connection: &Connection,
    workspace_id: WorkspaceId,
    number_ids: &[PhoneNumberId],
) -> Result<Vec<Assignment>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id, e164, inbound_agent_id, outbound_agent_id, sms_agent_id, allow_outbound
         FROM phone_numbers WHERE workspace_id = ?1 AND id = ?2",
    )?;
    let mut out = Vec::with_capacity(number_ids.len());
    for id in number_ids {
        if let Some(row) = statement
            .query_row(params![workspace_id, *id], |r| {
                Ok(Assignment {
                    number_id: r.get(0)?,
                    e164: r.get(1)?,
                    inbound_agent_id: r.get(2)?,
                    outbound_agent_id: r.get(3)?,
                    sms_agent_id: r.get(4)?,
                    allow_outbound: r.get(5)?,
                })
            })
            .optional()?
        {
            out.push(row);
        }
    }
    Ok(out)
}

/// Puts `agent_id` (or nobody) in `slot` of each number.
pub fn assign(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    number_ids: &[PhoneNumberId],
    slot: Slot,
    agent_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut statement = tx.prepare_cached(&format!(
        "UPDATE phone_numbers SET {} = ?3, updated_at = ?4 WHERE workspace_id = ?1 AND id = ?2",
        slot.column()
    ))?;
    let mut changed = 0;
    for id in number_ids {
        changed += statement.execute(params![workspace_id, id, agent_id, now])?;
    }
    Ok(changed)
}

pub fn set_allow_outbound(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    number_ids: &[PhoneNumberId],
    allow: bool,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut statement = tx.prepare_cached(
        "UPDATE phone_numbers SET allow_outbound = ?3, updated_at = ?4
         WHERE workspace_id = ?1 AND id = ?2",
    )?;
    let mut changed = 0;
    for id in number_ids {
        changed += statement.execute(params![workspace_id, id, allow, now])?;
    }
    Ok(changed)
}

/// An agent that holds numbers of one connection, and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentLoss {
    pub agent_id: i64,
    pub name: String,
    pub numbers: i64,
}

/// The agents holding (in any slot) numbers of `connection_id`, by name.
pub fn holding_connection(
    connection: &Connection,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<Vec<AgentLoss>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT a.id, a.name, count(n.id) FROM agents a
         JOIN phone_numbers n ON n.connection_id = ?2 AND n.id IN (
             SELECT id FROM phone_numbers WHERE inbound_agent_id = a.id
             UNION SELECT id FROM phone_numbers WHERE outbound_agent_id = a.id
             UNION SELECT id FROM phone_numbers WHERE sms_agent_id = a.id)
         WHERE a.workspace_id = ?1
         GROUP BY a.id ORDER BY a.name COLLATE NOCASE, a.id",
    )?;
    let rows = statement
        .query_map(params![workspace_id, connection_id], |r| {
            Ok(AgentLoss {
                agent_id: r.get(0)?,
                name: r.get(1)?,
                numbers: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
