//! Rows of `workspaces` and `workspace_flags`. Checks live in `crate::flows::workspaces`; this module
//! only reads and writes what it is given.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{is_unique_violation, StoreError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use crate::flows::workspaces::{Plan, ValidWorkspace, Workspace};

const COLUMNS: &str =
    "id, name, plan, monthly_credit_allowance, webhook_base_url, is_sandbox, created_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Workspace> {
    let plan: String = row.get(2)?;
    let plan = plan.parse::<Plan>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Workspace {
        id: row.get(0)?,
        name: row.get(1)?,
        plan,
        flags: BTreeSet::new(),
        monthly_credit_allowance: row.get(3)?,
        webhook_base_url: row.get(4)?,
        is_sandbox: row.get(5)?,
        created_at: row.get::<_, DateTime<Utc>>(6)?,
    })
}

fn conflict(error: rusqlite::Error, name: &str) -> StoreError {
    if is_unique_violation(&error) {
        StoreError::Conflict(format!("a workspace called \"{name}\" already exists"))
    } else {
        StoreError::Sqlite(error)
    }
}

fn write_flags(
    tx: &Transaction<'_>,
    id: WorkspaceId,
    flags: &BTreeSet<String>,
) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM workspace_flags WHERE workspace_id = ?1", [id])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO workspace_flags (workspace_id, flag) VALUES (?1, ?2)")?;
    for flag in flags {
        insert.execute(params![id, flag])?;
    }
    Ok(())
}

pub fn insert(
    tx: &Transaction<'_>,
    workspace: &ValidWorkspace,
    is_sandbox: bool,
    now: DateTime<Utc>,
) -> Result<WorkspaceId, StoreError> {
    tx.execute(
        "INSERT INTO workspaces (name, plan, monthly_credit_allowance, webhook_base_url, is_sandbox, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            workspace.name,
            workspace.plan.as_str(),
            workspace.monthly_credit_allowance,
            workspace.webhook_base_url,
            is_sandbox,
            now
        ],
    )
    .map_err(|e| conflict(e, &workspace.name))?;
    let id = WorkspaceId(tx.last_insert_rowid());
    write_flags(tx, id, &workspace.flags)?;
    Ok(id)
}

pub fn list(connection: &Connection) -> Result<Vec<Workspace>, StoreError> {
    let mut flags: BTreeMap<WorkspaceId, BTreeSet<String>> = BTreeMap::new();
    let mut statement =
        connection.prepare_cached("SELECT workspace_id, flag FROM workspace_flags")?;
    for row in statement.query_map([], |r| {
        Ok((r.get::<_, WorkspaceId>(0)?, r.get::<_, String>(1)?))
    })? {
        let (id, flag) = row?;
        flags.entry(id).or_default().insert(flag);
    }
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM workspaces ORDER BY name COLLATE NOCASE, id"
    ))?;
    let workspaces = statement
        .query_map([], from_row)?
        .map(|row| {
            row.map(|mut workspace| {
                workspace.flags = flags.remove(&workspace.id).unwrap_or_default();
                workspace
            })
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(workspaces)
}

pub fn get(connection: &Connection, id: WorkspaceId) -> Result<Option<Workspace>, StoreError> {
    let workspace = connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM workspaces WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?;
    let Some(mut workspace) = workspace else {
        return Ok(None);
    };
    let mut statement =
        connection.prepare_cached("SELECT flag FROM workspace_flags WHERE workspace_id = ?1")?;
    workspace.flags = statement
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(workspace))
}

/// Returns false when there is no such workspace.
pub fn rename(tx: &Transaction<'_>, id: WorkspaceId, name: &str) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            "UPDATE workspaces SET name = ?2 WHERE id = ?1",
            params![id, name],
        )
        .map_err(|e| conflict(e, name))?;
    Ok(changed == 1)
}

/// Returns false when there is no such workspace.
pub fn update(
    tx: &Transaction<'_>,
    id: WorkspaceId,
    workspace: &ValidWorkspace,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            "UPDATE workspaces SET name = ?2, plan = ?3, monthly_credit_allowance = ?4, webhook_base_url = ?5
             WHERE id = ?1",
            params![
                id,
                workspace.name,
                workspace.plan.as_str(),
                workspace.monthly_credit_allowance,
                workspace.webhook_base_url
            ],
        )
        .map_err(|e| conflict(e, &workspace.name))?;
    if changed == 1 {
        write_flags(tx, id, &workspace.flags)?;
    }
    Ok(changed == 1)
}

/// The ids of the workspace's carrier connections (their credentials are keyed by them).
pub fn connection_ids(
    connection: &Connection,
    id: WorkspaceId,
) -> Result<Vec<ConnectionId>, StoreError> {
    let mut statement = connection
        .prepare_cached("SELECT id FROM carrier_connections WHERE workspace_id = ?1 ORDER BY id")?;
    let ids = statement
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Deletes the workspace; every row under it goes with it (ON DELETE CASCADE). False if absent.
pub fn delete(tx: &Transaction<'_>, id: WorkspaceId) -> Result<bool, StoreError> {
    Ok(tx.execute("DELETE FROM workspaces WHERE id = ?1", [id])? == 1)
}
