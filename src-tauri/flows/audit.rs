//! The audit log: every change NumberDesk makes, locally or at a carrier, recorded per workspace
//! with when, what, which numbers, and before/after. Read with filters and exported to CSV.
//!
//! Entries are written inside the transaction of the change they describe (`record_in`), so a
//! change and its entry commit together or not at all. Every text goes through the log redactor
//! first: a credential handed in by mistake is written as `[redacted]`, never as itself.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::WorkspaceId;
use std::io::Write;

use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde::Serialize;

use crate::app::blocking::TaskFailed;
use crate::app::context::Context;
use crate::domain::kinds::CarrierKind;
use crate::flows::csv_out::CsvOut;
use crate::logging::Redactor;
use crate::store::audit::{self as rows, AuditQuery, NewAuditEntry};
use crate::store::StoreError;

/// What kind of change an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Import,
    Purchase,
    Release,
    WebhookUpdate,
    Restore,
    RegionChange,
    Assignment,
    OutboundSwitch,
    AgentCreated,
    AgentRenamed,
    AgentDeleted,
    Sync,
    Disconnect,
    CredentialsUpdate,
}

impl AuditAction {
    pub const ALL: [AuditAction; 14] = [
        AuditAction::Import,
        AuditAction::Purchase,
        AuditAction::Release,
        AuditAction::WebhookUpdate,
        AuditAction::Restore,
        AuditAction::RegionChange,
        AuditAction::Assignment,
        AuditAction::OutboundSwitch,
        AuditAction::AgentCreated,
        AuditAction::AgentRenamed,
        AuditAction::AgentDeleted,
        AuditAction::Sync,
        AuditAction::Disconnect,
        AuditAction::CredentialsUpdate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Import => "import",
            AuditAction::Purchase => "purchase",
            AuditAction::Release => "release",
            AuditAction::WebhookUpdate => "webhook_update",
            AuditAction::Restore => "restore",
            AuditAction::RegionChange => "region_change",
            AuditAction::Assignment => "assignment",
            AuditAction::OutboundSwitch => "outbound_switch",
            AuditAction::AgentCreated => "agent_created",
            AuditAction::AgentRenamed => "agent_renamed",
            AuditAction::AgentDeleted => "agent_deleted",
            AuditAction::Sync => "sync",
            AuditAction::Disconnect => "disconnect",
            AuditAction::CredentialsUpdate => "credentials_update",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// How the log shows it.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Import => "Import",
            AuditAction::Purchase => "Purchase",
            AuditAction::Release => "Release",
            AuditAction::WebhookUpdate => "Webhook update",
            AuditAction::Restore => "Restore",
            AuditAction::RegionChange => "Region change",
            AuditAction::Assignment => "Agent assignment",
            AuditAction::OutboundSwitch => "Outbound calls switch",
            AuditAction::AgentCreated => "Agent created",
            AuditAction::AgentRenamed => "Agent renamed",
            AuditAction::AgentDeleted => "Agent deleted",
            AuditAction::Sync => "Sync with carrier",
            AuditAction::Disconnect => "Carrier disconnected",
            AuditAction::CredentialsUpdate => "Credentials updated",
        }
    }
}

/// Where a change was made: only in NumberDesk, or at a carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditTarget {
    Local,
    Twilio,
    Telnyx,
}

impl AuditTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditTarget::Local => "local",
            AuditTarget::Twilio => "twilio",
            AuditTarget::Telnyx => "telnyx",
        }
    }

    /// The target for a carrier.
    pub fn carrier(carrier: CarrierKind) -> Self {
        match carrier {
            CarrierKind::Twilio => AuditTarget::Twilio,
            CarrierKind::Telnyx => AuditTarget::Telnyx,
            // Nothing is changed at a SIP trunk's carrier: its changes are NumberDesk's own.
            CarrierKind::Sip => AuditTarget::Local,
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub action: AuditAction,
    pub target: AuditTarget,
    pub connection: Option<String>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub numbers: Vec<String>,
}

impl AuditRecord {
    pub fn new(action: AuditAction, target: AuditTarget, summary: impl Into<String>) -> Self {
        Self {
            action,
            target,
            connection: None,
            summary: summary.into(),
            before: None,
            after: None,
            numbers: Vec::new(),
        }
    }

    pub fn connection(mut self, name: impl Into<String>) -> Self {
        self.connection = Some(name.into());
        self
    }

    pub fn numbers(mut self, numbers: Vec<String>) -> Self {
        self.numbers = numbers;
        self
    }

    pub fn before_after(
        mut self,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}

/// An entry as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub action_label: String,
    pub target: String,
    pub connection: Option<String>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub number_count: i64,
    /// The first numbers (up to `AuditFilter::numbers_per_entry`); `number_count` has the total.
    pub numbers: Vec<String>,
}

/// The log's filters. Empty fields do not filter.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub actions: Vec<AuditAction>,
    pub e164: Option<String>,
    pub text: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub offset: i64,
    /// Page size; 0 means 200.
    pub limit: i64,
    /// Numbers listed with each entry; 0 means 20.
    pub numbers_per_entry: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditPage {
    pub total: i64,
    pub offset: i64,
    pub entries: Vec<AuditEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("The audit log could not be read: {0}")]
    Store(#[from] StoreError),
    #[error("The audit log could not be written to the CSV file: {0}. Check the folder is writable and try again.")]
    Export(String),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for AuditError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Export(_) => Classified::Kind(ErrorKind::Storage),
        }
    }
}

/// Writes one entry inside the caller's transaction, every text redacted.
pub fn record_in(
    tx: &Transaction<'_>,
    redactor: &Redactor,
    workspace_id: WorkspaceId,
    record: &AuditRecord,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let json = |value: &Option<serde_json::Value>| {
        value
            .as_ref()
            .map(|v| redactor.redact(&v.to_string()).into_owned())
    };
    let before = json(&record.before);
    let after = json(&record.after);
    let summary = redactor.redact(&record.summary).into_owned();
    let connection = record
        .connection
        .as_deref()
        .map(|c| redactor.redact(c).into_owned());
    rows::insert(
        tx,
        workspace_id,
        &NewAuditEntry {
            action: record.action.as_str(),
            target: record.target.as_str(),
            connection: connection.as_deref(),
            summary: &summary,
            before_json: before.as_deref(),
            after_json: after.as_deref(),
            numbers: &record.numbers,
        },
        now,
    )
}

/// The audit log of a core.
pub struct AuditLog<'a> {
    ctx: &'a Context,
}

const EXPORT_BATCH: i64 = 5_000;

impl<'a> AuditLog<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// Records a change on its own (for flows that do not write in a transaction of their own,
    /// such as an import or a purchase that finished).
    pub fn record(
        &self,
        workspace_id: WorkspaceId,
        record: &AuditRecord,
    ) -> Result<i64, AuditError> {
        let now = self.ctx.clock.now();
        Ok(self
            .ctx
            .store
            .write(|tx| record_in(tx, &self.ctx.redactor, workspace_id, record, now))?)
    }

    pub fn query(
        &self,
        workspace_id: WorkspaceId,
        filter: &AuditFilter,
    ) -> Result<AuditPage, AuditError> {
        let query = to_query(filter);
        let (total, found) = self
            .ctx
            .store
            .read(|c| rows::query(c, workspace_id, &query))?;
        Ok(AuditPage {
            total,
            offset: query.offset,
            entries: found.into_iter().map(to_entry).collect(),
        })
    }

    /// Writes every entry matching `filter` (paging ignored) as CSV, newest first, with all of
    /// each entry's numbers separated by spaces. Returns how many entries were written.
    pub fn export_csv(
        &self,
        workspace_id: WorkspaceId,
        filter: &AuditFilter,
        out: impl Write,
    ) -> Result<usize, AuditError> {
        let export = |e: csv::Error| AuditError::Export(e.to_string());
        let mut writer = CsvOut::new(out);
        writer
            .row([
                "when",
                "action",
                "where",
                "connection",
                "summary",
                "numbers",
                "number_count",
                "before",
                "after",
            ])
            .map_err(export)?;
        let mut query = to_query(filter);
        query.offset = 0;
        query.limit = EXPORT_BATCH;
        query.numbers_per_entry = i64::MAX;
        let mut written = 0;
        loop {
            let (_, found) = self
                .ctx
                .store
                .read(|c| rows::query(c, workspace_id, &query))?;
            let count = found.len();
            for row in found {
                let entry = to_entry(row);
                writer
                    .row([
                        entry.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        entry.action_label,
                        entry.target,
                        entry.connection.unwrap_or_default(),
                        entry.summary,
                        entry.numbers.join(" "),
                        entry.number_count.to_string(),
                        entry.before_json.unwrap_or_default(),
                        entry.after_json.unwrap_or_default(),
                    ])
                    .map_err(export)?;
                written += 1;
            }
            if (count as i64) < EXPORT_BATCH {
                break;
            }
            query.offset += EXPORT_BATCH;
        }
        writer
            .flush()
            .map_err(|e| AuditError::Export(e.to_string()))?;
        Ok(written)
    }
}

fn to_query(filter: &AuditFilter) -> AuditQuery {
    AuditQuery {
        actions: filter
            .actions
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
        e164: filter.e164.clone(),
        text: filter.text.clone(),
        from: filter.from,
        until: filter.until,
        offset: filter.offset.max(0),
        limit: if filter.limit <= 0 { 200 } else { filter.limit },
        numbers_per_entry: if filter.numbers_per_entry <= 0 {
            20
        } else {
            filter.numbers_per_entry
        },
    }
}

fn to_entry(row: rows::AuditRow) -> AuditEntry {
    AuditEntry {
        action_label: AuditAction::parse(&row.action)
            .map_or_else(|| row.action.clone(), |a| a.label().to_owned()),
        id: row.id,
        at: row.at,
        action: row.action,
        target: row.target,
        connection: row.connection,
        summary: row.summary,
        before_json: row.before_json,
        after_json: row.after_json,
        number_count: row.number_count,
        numbers: row.numbers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::workspaces::{Plan, ValidWorkspace};

    #[test]
    fn actions_round_trip_through_their_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert!(!action.label().is_empty());
        }
        assert_eq!(AuditAction::parse("nope"), None);
    }

    #[test]
    fn a_secret_in_a_record_is_written_redacted() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let redactor = Redactor::new();
        redactor.register("s3cr3t-token-value-0123456789");
        let now = Utc::now();
        let workspace = ValidWorkspace {
            name: "A".into(),
            plan: Plan::Standard,
            flags: Default::default(),
            monthly_credit_allowance: 0,
            webhook_base_url: "https://x.example".into(),
        };
        let workspace = store
            .write(|tx| crate::store::workspaces::insert(tx, &workspace, false, now))
            .unwrap();
        let record = AuditRecord::new(
            AuditAction::WebhookUpdate,
            AuditTarget::Twilio,
            "token s3cr3t-token-value-0123456789 leaked",
        )
        .before_after(
            Some(serde_json::json!({"voice_url": "https://a/?t=s3cr3t-token-value-0123456789"})),
            None,
        );
        store
            .write(|tx| record_in(tx, &redactor, workspace, &record, now))
            .unwrap();
        let (_, found) = store
            .read(|c| {
                rows::query(
                    c,
                    workspace,
                    &AuditQuery {
                        limit: 10,
                        ..AuditQuery::default()
                    },
                )
            })
            .unwrap();
        let text = format!("{found:?}");
        assert!(!text.contains("s3cr3t-token-value-0123456789"), "{text}");
        assert!(text.contains(crate::logging::REDACTED), "{text}");
    }
}
