//! The Phone Numbers table as SQL: filter (text, carrier, status, type, agent, drift), sort by
//! any column, one window of rows at a time, the rows of a selection, and every matching row in
//! order for the CSV export. It knows the schema and its indexes, never a carrier or a file.
//!
//! Built for 100,000 numbers in a workspace: every sort column has an index led by the workspace
//! (migration 0004), a page is found by walking that index with LIMIT/OFFSET over the narrow
//! `phone_numbers` rows only, and the joins for names (connection, agents) are made afterwards for
//! the page's rows alone. A text search runs once per page into a temp table that the count and
//! the window share.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};
use serde::{Deserialize, Serialize};

use super::kind;
use super::StoreError;
use crate::domain::kinds::{CarrierKind, NumberStatus, Source, WebhookMode};
use crate::domain::target::DriftField;

/// Which agent the table is filtered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AgentFilter {
    /// Numbers holding this agent in any slot.
    Agent(i64),
    /// Numbers with no agent in any slot.
    Unassigned,
}

/// The table's filters; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NumberFilter {
    /// Digits match anywhere in the number; any text matches the label and the region.
    pub text: Option<String>,
    /// `twilio`, `telnyx`.
    pub carriers: Vec<CarrierKind>,
    pub statuses: Vec<NumberStatus>,
    /// `local`, `mobile`, `toll_free`, `national`.
    pub types: Vec<String>,
    pub agent: Option<AgentFilter>,
    pub connection_id: Option<ConnectionId>,
    /// Only numbers whose carrier settings drifted from what NumberDesk set.
    pub drifted_only: bool,
}

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    #[default]
    Number,
    Carrier,
    Source,
    Status,
    Type,
    Region,
    Features,
    Agent,
    InboundRegion,
    WebhookMode,
    MonthlyCost,
    LastSynced,
}

impl SortColumn {
    pub const ALL: [SortColumn; 12] = [
        SortColumn::Number,
        SortColumn::Carrier,
        SortColumn::Source,
        SortColumn::Status,
        SortColumn::Type,
        SortColumn::Region,
        SortColumn::Features,
        SortColumn::Agent,
        SortColumn::InboundRegion,
        SortColumn::WebhookMode,
        SortColumn::MonthlyCost,
        SortColumn::LastSynced,
    ];

    /// The indexed columns, in order (migration 0004 has an index for each).
    fn columns(self) -> &'static [&'static str] {
        match self {
            SortColumn::Number => &["n.e164"],
            SortColumn::Carrier => &["n.carrier"],
            SortColumn::Source => &["n.source"],
            SortColumn::Status => &["n.status"],
            SortColumn::Type => &["n.number_type"],
            SortColumn::Region => &["n.region"],
            SortColumn::Features => &["n.feature_voice", "n.feature_sms", "n.feature_mms"],
            SortColumn::Agent => &["n.agent_sort"],
            SortColumn::InboundRegion => &["n.inbound_region"],
            SortColumn::WebhookMode => &["n.webhook_mode"],
            SortColumn::MonthlyCost => &["n.monthly_cost_credits"],
            SortColumn::LastSynced => &["n.last_synced_at"],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Sort {
    fn order_by(self) -> String {
        self.order_by_with("")
    }

    /// With `prefix` "+", SQLite may not use an index for the order: it finds the (few) matching
    /// rows through the filter's own index and sorts them, instead of walking the whole sort index
    /// looking for them.
    fn order_by_with(self, prefix: &str) -> String {
        let direction = if self.descending { "DESC" } else { "ASC" };
        let mut terms: Vec<String> = self
            .column
            .columns()
            .iter()
            .map(|c| format!("{prefix}{c} {direction}"))
            .collect();
        // Ties in id order, so pages never overlap or skip (the index already ends with it).
        terms.push(format!("{prefix}n.id {direction}"));
        terms.join(", ")
    }
}

/// Below this many matches, sorting the matches beats walking the sort index to find them.
const FEW_MATCHES: i64 = 4_000;

/// One window of the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NumberQuery {
    pub filter: NumberFilter,
    pub sort: Sort,
    pub offset: i64,
    /// Rows in the window; 0 means 100, at most 1,000.
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRef {
    pub id: i64,
    pub name: String,
}

/// A row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRow {
    pub id: PhoneNumberId,
    pub e164: String,
    /// The carrier's label (untrusted text: show it as text only).
    pub friendly_name: Option<String>,
    pub carrier: CarrierKind,
    pub connection_id: Option<ConnectionId>,
    pub connection_name: Option<String>,
    pub source: Source,
    pub status: NumberStatus,
    pub status_label: String,
    pub number_type: Option<String>,
    pub region: Option<String>,
    pub voice: bool,
    pub sms: bool,
    pub mms: bool,
    pub inbound_agent: Option<AgentRef>,
    pub outbound_agent: Option<AgentRef>,
    pub sms_agent: Option<AgentRef>,
    pub allow_outbound: bool,
    /// Twilio numbers only.
    pub inbound_region: Option<String>,
    pub webhook_mode: WebhookMode,
    pub monthly_cost_credits: i64,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub missing_since: Option<DateTime<Utc>>,
    /// What differs from what NumberDesk set at the carrier; empty when nothing does.
    pub drift: Vec<DriftField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TablePage {
    /// Rows matching the filter in all.
    pub total: i64,
    pub offset: i64,
    pub rows: Vec<TableRow>,
}

const MAX_LIMIT: i64 = 1_000;

/// The WHERE clause over `phone_numbers n` and its values.
fn where_clause(workspace_id: WorkspaceId, filter: &NumberFilter) -> (String, Vec<Value>) {
    let (clause, values, _) = where_parts(workspace_id, filter, false, false);
    (clause, values)
}

/// The text filter's search, folded the way the search index is: one trigram MATCH when every
/// needle has three characters or more, else a scan of the index's text. `None` without text.
fn text_search(filter: &NumberFilter) -> Option<(String, Vec<Value>)> {
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    // The search index holds the number's digits, label and region in ASCII lower case
    // (SQLite's lower()), so the text is folded the same way here.
    let lower = text.to_ascii_lowercase();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let mut needles = vec![lower];
    if !digits.is_empty() && digits != text {
        needles.push(digits);
    }
    if needles.iter().all(|n| n.chars().count() >= 3) {
        // Trigram index: each needle as one quoted phrase, any of them.
        let query: Vec<String> = needles
            .iter()
            .map(|n| format!("\"{}\"", n.replace('"', "\"\"")))
            .collect();
        Some((
            "SELECT rowid FROM phone_number_search WHERE phone_number_search MATCH ?".to_owned(),
            vec![Value::Text(query.join(" OR "))],
        ))
    } else {
        // Under three characters the trigram index cannot help: read its text instead.
        let tests = vec!["instr(haystack, ?) > 0"; needles.len()].join(" OR ");
        Some((
            format!("SELECT rowid FROM phone_number_search WHERE {tests}"),
            needles.into_iter().map(Value::Text).collect(),
        ))
    }
}

/// Runs the text filter's search once into `temp.text_matches`, for the count and the window to
/// share (a broad search over 100,000 numbers costs more than both queries together). False
/// when the filter has no text.
fn match_text_once(connection: &Connection, filter: &NumberFilter) -> Result<bool, StoreError> {
    let Some((search, values)) = text_search(filter) else {
        return Ok(false);
    };
    connection.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS text_matches (id INTEGER PRIMARY KEY);
         DELETE FROM temp.text_matches;",
    )?;
    connection
        .prepare_cached(&format!("INSERT INTO temp.text_matches {search}"))?
        .execute(rusqlite::params_from_iter(values.iter()))?;
    Ok(true)
}

/// The WHERE clause, its values, and whether a subquery filter (text, agent) names the rows.
/// With `drive_from_filter` the workspace term cannot use an index (unary `+`), so SQLite reads
/// the few rows the subquery names by id instead of walking a whole workspace index.
fn where_parts(
    workspace_id: WorkspaceId,
    filter: &NumberFilter,
    drive_from_filter: bool,
    text_matched: bool,
) -> (String, Vec<Value>, bool) {
    let mut driven = false;
    let mut clauses = vec!["n.workspace_id = ?".to_owned()];
    let mut values = vec![Value::Integer(workspace_id.get())];
    let mut any_of = |column: &str, wanted: Vec<&str>, clauses: &mut Vec<String>| {
        if wanted.is_empty() {
            return;
        }
        clauses.push(format!(
            "{column} IN ({})",
            vec!["?"; wanted.len()].join(", ")
        ));
        values.extend(wanted.iter().map(|w| Value::Text(w.trim().to_owned())));
    };
    any_of(
        "n.carrier",
        filter.carriers.iter().map(|c| c.as_str()).collect(),
        &mut clauses,
    );
    any_of(
        "n.status",
        filter.statuses.iter().map(|s| s.as_str()).collect(),
        &mut clauses,
    );
    any_of(
        "n.number_type",
        filter.types.iter().map(String::as_str).collect(),
        &mut clauses,
    );
    if text_matched {
        clauses.push("n.id IN (SELECT id FROM temp.text_matches)".to_owned());
        driven = true;
    } else if let Some((search, needles)) = text_search(filter) {
        clauses.push(format!("n.id IN ({search})"));
        values.extend(needles);
        driven = true;
    }
    match filter.agent {
        Some(AgentFilter::Agent(id)) => {
            // One partial index per slot; the union keeps each lookup on its own index.
            clauses.push(
                "n.id IN (SELECT id FROM phone_numbers WHERE inbound_agent_id = ?
                    UNION SELECT id FROM phone_numbers WHERE outbound_agent_id = ?
                    UNION SELECT id FROM phone_numbers WHERE sms_agent_id = ?)"
                    .to_owned(),
            );
            values.extend([Value::Integer(id), Value::Integer(id), Value::Integer(id)]);
            driven = true;
        }
        // Exactly the terms of the partial index `phone_numbers_unassigned`.
        Some(AgentFilter::Unassigned) => clauses.push(
            "n.inbound_agent_id IS NULL AND n.outbound_agent_id IS NULL AND n.sms_agent_id IS NULL"
                .to_owned(),
        ),
        None => {}
    }
    if let Some(connection_id) = filter.connection_id {
        clauses.push("n.connection_id = ?".to_owned());
        values.push(Value::Integer(connection_id.get()));
    }
    if filter.drifted_only {
        clauses.push("n.drift_json IS NOT NULL".to_owned());
    }
    if driven && drive_from_filter {
        clauses[0] = "+n.workspace_id = ?".to_owned();
    }
    (clauses.join(" AND "), values, driven)
}

const ROW_COLUMNS: &str = "n.id, n.e164, n.friendly_name, n.carrier, n.connection_id, c.name, \
    n.source, n.status, n.number_type, n.region, n.feature_voice, n.feature_sms, n.feature_mms, \
    n.inbound_agent_id, ai.name, n.outbound_agent_id, ao.name, n.sms_agent_id, asm.name, \
    n.allow_outbound, n.inbound_region, n.webhook_mode, n.monthly_cost_credits, n.last_synced_at, \
    n.missing_since, n.drift_json";
const ROW_JOINS: &str = "LEFT JOIN carrier_connections c ON c.id = n.connection_id \
    LEFT JOIN agents ai ON ai.id = n.inbound_agent_id \
    LEFT JOIN agents ao ON ao.id = n.outbound_agent_id \
    LEFT JOIN agents asm ON asm.id = n.sms_agent_id";

fn agent(row: &Row<'_>, id: usize) -> rusqlite::Result<Option<AgentRef>> {
    Ok(
        match (
            row.get::<_, Option<i64>>(id)?,
            row.get::<_, Option<String>>(id + 1)?,
        ) {
            (Some(id), Some(name)) => Some(AgentRef { id, name }),
            _ => None,
        },
    )
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<TableRow> {
    let status: NumberStatus = kind(row, 7, "phone_numbers", "status")?;
    let drift: Option<String> = row.get(25)?;
    Ok(TableRow {
        id: row.get(0)?,
        e164: row.get(1)?,
        friendly_name: row.get(2)?,
        carrier: kind(row, 3, "phone_numbers", "carrier")?,
        connection_id: row.get(4)?,
        connection_name: row.get(5)?,
        source: kind(row, 6, "phone_numbers", "source")?,
        status_label: status.label().to_owned(),
        status,
        number_type: row.get(8)?,
        region: row.get(9)?,
        voice: row.get(10)?,
        sms: row.get(11)?,
        mms: row.get(12)?,
        inbound_agent: agent(row, 13)?,
        outbound_agent: agent(row, 15)?,
        sms_agent: agent(row, 17)?,
        allow_outbound: row.get(19)?,
        inbound_region: row.get(20)?,
        webhook_mode: kind(row, 21, "phone_numbers", "webhook_mode")?,
        monthly_cost_credits: row.get(22)?,
        last_synced_at: row.get(23)?,
        missing_since: row.get(24)?,
        drift: drift
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
    })
}

/// How many numbers of the workspace match `filter`.
pub fn count(
    connection: &Connection,
    workspace_id: WorkspaceId,
    filter: &NumberFilter,
) -> Result<i64, StoreError> {
    count_in(connection, workspace_id, filter, false)
}

fn count_in(
    connection: &Connection,
    workspace_id: WorkspaceId,
    filter: &NumberFilter,
    text_matched: bool,
) -> Result<i64, StoreError> {
    let (clause, values, _) = where_parts(workspace_id, filter, true, text_matched);
    let mut statement = connection.prepare_cached(&format!(
        "SELECT count(*) FROM phone_numbers n WHERE {clause}"
    ))?;
    Ok(statement.query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0))?)
}

/// One window of rows matching `query`, in its sort order.
pub fn window(
    connection: &Connection,
    workspace_id: WorkspaceId,
    query: &NumberQuery,
    matching: Option<i64>,
) -> Result<Vec<TableRow>, StoreError> {
    window_in(connection, workspace_id, query, matching, false)
}

fn window_in(
    connection: &Connection,
    workspace_id: WorkspaceId,
    query: &NumberQuery,
    matching: Option<i64>,
    text_matched: bool,
) -> Result<Vec<TableRow>, StoreError> {
    let few = matching.is_some_and(|count| count <= FEW_MATCHES);
    let (clause, mut values, _) = where_parts(workspace_id, &query.filter, few, text_matched);
    let limit = if query.limit <= 0 {
        100
    } else {
        query.limit.min(MAX_LIMIT)
    };
    values.push(Value::Integer(limit));
    values.push(Value::Integer(query.offset.max(0)));
    // With every slot empty the agent column is empty too: order by number instead (the same
    // rows, and an index that finds them without reading the 70,000 assigned ones first).
    let sort = match (query.filter.agent, query.sort.column) {
        (Some(AgentFilter::Unassigned), SortColumn::Agent) => Sort {
            column: SortColumn::Number,
            ..query.sort
        },
        _ => query.sort,
    };
    let order = sort.order_by();
    let inner_order = if few {
        sort.order_by_with("+")
    } else {
        order.clone()
    };
    // The window's ids come from the narrow table and its indexes alone; the names are joined
    // for those rows only.
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM (SELECT n.id FROM phone_numbers n WHERE {clause}
             ORDER BY {inner_order} LIMIT ? OFFSET ?) w
         JOIN phone_numbers n ON n.id = w.id {ROW_JOINS} ORDER BY {order}"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values.iter()), from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The total matching the query's filter and one window of rows. A text filter is searched once,
/// for both.
pub fn page(
    connection: &Connection,
    workspace_id: WorkspaceId,
    query: &NumberQuery,
) -> Result<TablePage, StoreError> {
    let matched = match_text_once(connection, &query.filter)?;
    let total = count_in(connection, workspace_id, &query.filter, matched)?;
    Ok(TablePage {
        total,
        offset: query.offset.max(0),
        rows: window_in(connection, workspace_id, query, Some(total), matched)?,
    })
}

/// The rows of `ids` that belong to the workspace, by number; ids of other workspaces or of
/// deleted numbers are left out.
pub fn rows(
    connection: &Connection,
    workspace_id: WorkspaceId,
    ids: &[PhoneNumberId],
) -> Result<Vec<TableRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One JSON array parameter, whatever the count (no limit on bound variables).
    let list = Value::Text(format!(
        "[{}]",
        ids.iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    ));
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM phone_numbers n {ROW_JOINS}
         WHERE n.workspace_id = ?1 AND n.id IN (SELECT value FROM json_each(?2))
         ORDER BY n.e164, n.id"
    ))?;
    let rows = statement
        .query_map(rusqlite::params![workspace_id, list], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The ids of every number matching the filter, in id order.
pub fn ids(
    connection: &Connection,
    workspace_id: WorkspaceId,
    filter: &NumberFilter,
) -> Result<Vec<PhoneNumberId>, StoreError> {
    let (clause, values) = where_clause(workspace_id, filter);
    let mut statement = connection.prepare_cached(&format!(
        "SELECT n.id FROM phone_numbers n WHERE {clause} ORDER BY n.id"
    ))?;
    let ids = statement
        .query_map(rusqlite::params_from_iter(values.iter()), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Hands every number matching `filter` to `each`, in `sort` order, one row at a time (an export
/// of 100,000 rows never holds them all); stops at the first error `each` returns. Returns how
/// many rows were handed over.
pub fn for_each<E: From<StoreError>>(
    connection: &Connection,
    workspace_id: WorkspaceId,
    filter: &NumberFilter,
    sort: Sort,
    mut each: impl FnMut(TableRow) -> Result<(), E>,
) -> Result<usize, E> {
    let sqlite = |e: rusqlite::Error| E::from(StoreError::from(e));
    let (clause, values) = where_clause(workspace_id, filter);
    let order = sort.order_by();
    let mut statement = connection
        .prepare(&format!(
            "SELECT {ROW_COLUMNS} FROM phone_numbers n {ROW_JOINS} WHERE {clause} ORDER BY {order}"
        ))
        .map_err(sqlite)?;
    let mut rows = statement
        .query(rusqlite::params_from_iter(values.iter()))
        .map_err(sqlite)?;
    let mut handed = 0usize;
    while let Some(row) = rows.next().map_err(sqlite)? {
        each(from_row(row).map_err(sqlite)?)?;
        handed += 1;
    }
    Ok(handed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sort_ends_with_the_id_in_the_same_direction() {
        for column in SortColumn::ALL {
            let up = Sort {
                column,
                descending: false,
            }
            .order_by();
            assert!(up.ends_with("n.id ASC"), "{up}");
            let down = Sort {
                column,
                descending: true,
            }
            .order_by();
            assert!(
                down.ends_with("n.id DESC") && !down.contains("ASC"),
                "{down}"
            );
        }
    }

    #[test]
    fn text_filter_matches_digits_and_lower_case_text_in_the_search_table() {
        let (clause, values) = where_clause(
            WorkspaceId(1),
            &NumberFilter {
                text: Some("(415) 55".into()),
                ..NumberFilter::default()
            },
        );
        assert!(clause.contains("MATCH ?"), "{clause}");
        assert_eq!(values[1], Value::Text("\"(415) 55\" OR \"41555\"".into()));
        let (_, values) = where_clause(
            WorkspaceId(1),
            &NumberFilter {
                text: Some("Sa\"les".into()),
                ..NumberFilter::default()
            },
        );
        assert_eq!(values[1], Value::Text("\"sa\"\"les\"".into()));
        // Under three characters: no index, a plain substring test.
        let (clause, values) = where_clause(
            WorkspaceId(1),
            &NumberFilter {
                text: Some("Ab".into()),
                ..NumberFilter::default()
            },
        );
        assert!(clause.contains("instr(haystack, ?)"), "{clause}");
        assert_eq!(values[1], Value::Text("ab".into()));
    }
}
