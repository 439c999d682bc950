//! The Phone Numbers table over a core: one page of it, the rows of a selection, the ids of
//! every match ("select all"), when each connection was last synced, and CSV export of the
//! filtered view. It works offline: it reads only the local database, through
//! `store::numbers_table`, which holds the queries and their index tricks; this module writes no
//! SQL and knows no index.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::blocking::TaskFailed;
use crate::app::context::Context;
use crate::domain::kinds::CarrierKind;
use crate::flows::csv_out::CsvOut;
use crate::store::numbers_table;
pub use crate::store::numbers_table::{
    AgentFilter, AgentRef, NumberFilter, NumberQuery, Sort, SortColumn, TablePage, TableRow,
};
use crate::store::StoreError;

/// When each carrier connection of the workspace was last synced (the table works offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionSyncTime {
    pub connection_id: ConnectionId,
    pub name: String,
    pub carrier: CarrierKind,
    pub last_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("The phone numbers could not be read: {0}")]
    Store(#[from] StoreError),
    #[error("The CSV file could not be written: {0}. Check the folder is writable and try again.")]
    Export(String),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for TableError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Export(_) => Classified::Kind(ErrorKind::Storage),
        }
    }
}

/// The table over a core.
pub struct NumbersTable<'a> {
    ctx: &'a Context,
}

impl<'a> NumbersTable<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// The total matching the filter and one window of rows.
    pub fn page(
        &self,
        workspace_id: WorkspaceId,
        query: &NumberQuery,
    ) -> Result<TablePage, TableError> {
        Ok(self
            .ctx
            .store
            .read(|c| numbers_table::page(c, workspace_id, query))?)
    }

    /// The rows of `ids` that belong to the workspace, by number; ids of other workspaces or of
    /// deleted numbers are left out. Actions on a selection made with "select all matching" use it
    /// for the rows the table never loaded.
    pub fn rows(
        &self,
        workspace_id: WorkspaceId,
        ids: &[PhoneNumberId],
    ) -> Result<Vec<TableRow>, TableError> {
        Ok(self
            .ctx
            .store
            .read(|c| numbers_table::rows(c, workspace_id, ids))?)
    }

    /// The ids of every number matching the filter ("select all" in the table).
    pub fn ids(
        &self,
        workspace_id: WorkspaceId,
        filter: &NumberFilter,
    ) -> Result<Vec<PhoneNumberId>, TableError> {
        Ok(self
            .ctx
            .store
            .read(|c| numbers_table::ids(c, workspace_id, filter))?)
    }

    pub fn sync_times(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<ConnectionSyncTime>, TableError> {
        let connections = self
            .ctx
            .store
            .read(|c| crate::store::connections::list(c, workspace_id))?;
        Ok(connections
            .into_iter()
            .map(|c| ConnectionSyncTime {
                connection_id: c.id,
                name: c.name,
                carrier: c.carrier,
                last_synced_at: c.last_synced_at,
            })
            .collect())
    }

    /// Writes every number matching `filter`, in `sort` order, as CSV with a header row. Returns
    /// how many numbers were written.
    pub fn export_csv(
        &self,
        workspace_id: WorkspaceId,
        filter: &NumberFilter,
        sort: Sort,
        out: impl Write,
    ) -> Result<usize, TableError> {
        let export = |e: csv::Error| TableError::Export(e.to_string());
        let mut writer = CsvOut::new(out);
        writer.row(CSV_HEADER).map_err(export)?;
        let written = self.ctx.store.read(|c| {
            numbers_table::for_each(c, workspace_id, filter, sort, |row| {
                writer.row(csv_record(&row)).map_err(export)
            })
        })?;
        writer
            .flush()
            .map_err(|e| TableError::Export(e.to_string()))?;
        Ok(written)
    }
}

pub const CSV_HEADER: [&str; 19] = [
    "number",
    "label",
    "carrier",
    "connection",
    "source",
    "status",
    "type",
    "region",
    "features",
    "inbound_agent",
    "outbound_agent",
    "sms_agent",
    "allow_outbound_calls",
    "inbound_region",
    "webhook_mode",
    "monthly_cost_credits",
    "last_synced",
    "missing_since",
    "drift",
];

fn csv_record(row: &TableRow) -> Vec<String> {
    let features: Vec<&str> = [(row.voice, "voice"), (row.sms, "sms"), (row.mms, "mms")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    let name = |a: &Option<AgentRef>| a.as_ref().map(|a| a.name.clone()).unwrap_or_default();
    let time = |t: &Option<DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let drift: Vec<String> = row
        .drift
        .iter()
        .map(|d| {
            format!(
                "{}: NumberDesk set {}, carrier has {}",
                d.label,
                d.numberdesk_set.as_deref().unwrap_or("nothing"),
                d.carrier_has.as_deref().unwrap_or("nothing")
            )
        })
        .collect();
    vec![
        row.e164.clone(),
        row.friendly_name.clone().unwrap_or_default(),
        row.carrier.as_str().to_owned(),
        row.connection_name.clone().unwrap_or_default(),
        row.source.as_str().to_owned(),
        row.status_label.clone(),
        row.number_type.clone().unwrap_or_default(),
        row.region.clone().unwrap_or_default(),
        features.join(" "),
        name(&row.inbound_agent),
        name(&row.outbound_agent),
        name(&row.sms_agent),
        if row.allow_outbound { "yes" } else { "no" }.to_owned(),
        row.inbound_region.clone().unwrap_or_default(),
        row.webhook_mode.as_str().to_owned(),
        row.monthly_cost_credits.to_string(),
        time(&row.last_synced_at),
        time(&row.missing_since),
        drift.join("; "),
    ]
}
