//! Rows of `audit_entries` and `audit_numbers`: the workspace's log of every change NumberDesk
//! made. Rows are only ever added (and go with their workspace).

use crate::domain::ids::WorkspaceId;
use chrono::{DateTime, Utc};
use rusqlite::{params, types::Value, Connection, Row, Transaction};
use serde::Serialize;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub at: DateTime<Utc>,
    pub action: String,
    pub target: String,
    pub connection: Option<String>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub number_count: i64,
    /// The numbers, up to the limit the query asked for (`number_count` says how many in all).
    pub numbers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub action: &'a str,
    pub target: &'a str,
    pub connection: Option<&'a str>,
    pub summary: &'a str,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
    pub numbers: &'a [String],
}

/// Which entries to read. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actions: Vec<String>,
    /// Entries touching this exact number (E.164).
    pub e164: Option<String>,
    /// Case-insensitive text in the summary or the connection name.
    pub text: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub offset: i64,
    pub limit: i64,
    /// How many numbers of each entry to return with it.
    pub numbers_per_entry: i64,
}

pub fn insert(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    entry: &NewAuditEntry<'_>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO audit_entries (workspace_id, at, action, target, connection, summary,
             before_json, after_json, number_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            workspace_id,
            now,
            entry.action,
            entry.target,
            entry.connection,
            entry.summary,
            entry.before_json,
            entry.after_json,
            entry.numbers.len() as i64
        ],
    )?;
    let id = tx.last_insert_rowid();
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO audit_numbers (entry_id, e164) VALUES (?1, ?2)")?;
    for e164 in entry.numbers {
        insert.execute(params![id, e164])?;
    }
    Ok(id)
}

fn where_clause(workspace_id: WorkspaceId, query: &AuditQuery) -> (String, Vec<Value>) {
    let mut clauses = vec!["e.workspace_id = ?".to_owned()];
    let mut values = vec![Value::Integer(workspace_id.get())];
    if !query.actions.is_empty() {
        clauses.push(format!(
            "e.action IN ({})",
            vec!["?"; query.actions.len()].join(", ")
        ));
        values.extend(query.actions.iter().cloned().map(Value::Text));
    }
    if let Some(e164) = query.e164.as_deref().filter(|t| !t.trim().is_empty()) {
        clauses.push("e.id IN (SELECT entry_id FROM audit_numbers WHERE e164 = ?)".to_owned());
        values.push(Value::Text(e164.trim().to_owned()));
    }
    if let Some(text) = query.text.as_deref().filter(|t| !t.trim().is_empty()) {
        clauses.push(
            "(e.summary LIKE ? ESCAPE '\\' OR coalesce(e.connection, '') LIKE ? ESCAPE '\\')"
                .to_owned(),
        );
        let pattern = format!("%{}%", escape_like(text.trim()));
        values.push(Value::Text(pattern.clone()));
        values.push(Value::Text(pattern));
    }
    if let Some(from) = query.from {
        clauses.push("e.at >= ?".to_owned());
        values.push(Value::Text(timestamp(from)));
    }
    if let Some(until) = query.until {
        clauses.push("e.at < ?".to_owned());
        values.push(Value::Text(timestamp(until)));
    }
    (clauses.join(" AND "), values)
}

/// The text rusqlite's chrono support writes for a timestamp, so comparisons are like for like.
fn timestamp(at: DateTime<Utc>) -> String {
    use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
    match at.to_sql() {
        Ok(ToSqlOutput::Owned(Value::Text(text))) => text,
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(bytes))) => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        _ => at.to_rfc3339(),
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        at: row.get(2)?,
        action: row.get(3)?,
        target: row.get(4)?,
        connection: row.get(5)?,
        summary: row.get(6)?,
        before_json: row.get(7)?,
        after_json: row.get(8)?,
        number_count: row.get(9)?,
        numbers: Vec::new(),
    })
}

/// Entries matching `query`, newest first, and how many match in all.
pub fn query(
    connection: &Connection,
    workspace_id: WorkspaceId,
    query: &AuditQuery,
) -> Result<(i64, Vec<AuditRow>), StoreError> {
    let (clause, values) = where_clause(workspace_id, query);
    let total: i64 = connection.query_row(
        &format!("SELECT count(*) FROM audit_entries e WHERE {clause}"),
        rusqlite::params_from_iter(values.iter()),
        |r| r.get(0),
    )?;
    let mut paged = values;
    paged.push(Value::Integer(query.limit.max(0)));
    paged.push(Value::Integer(query.offset.max(0)));
    let mut statement = connection.prepare(&format!(
        "SELECT e.id, e.workspace_id, e.at, e.action, e.target, e.connection, e.summary,
            e.before_json, e.after_json, e.number_count
         FROM audit_entries e WHERE {clause} ORDER BY e.at DESC, e.id DESC LIMIT ? OFFSET ?"
    ))?;
    let mut rows: Vec<AuditRow> = statement
        .query_map(rusqlite::params_from_iter(paged.iter()), from_row)?
        .collect::<rusqlite::Result<_>>()?;
    if query.numbers_per_entry > 0 {
        let mut numbers = connection.prepare_cached(
            "SELECT e164 FROM audit_numbers WHERE entry_id = ?1 ORDER BY e164 LIMIT ?2",
        )?;
        for row in &mut rows {
            row.numbers = numbers
                .query_map(params![row.id, query.numbers_per_entry], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
    }
    Ok((total, rows))
}
