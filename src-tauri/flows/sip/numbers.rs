//! Numbers on a SIP trunk: every row of a CSV file or of a typed list judged on its own (a
//! valid number in international form, not twice in the file, not held already), shown as a
//! preview, then the good rows recorded in one transaction with their audit entry.
//!
//! The rows are judged again inside the transaction that records them, so a number that another
//! import took between the preview and the import is reported, never written twice.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use super::csv_in::Candidate;
use crate::domain::e164::E164;
use crate::domain::ids::{ConnectionId, WorkspaceId};
use crate::domain::kinds::{CarrierKind, NumberStatus, Source, WebhookMode};
use crate::store::numbers::{self as number_rows, Holder, NewNumber};
use crate::store::StoreError;

/// Why a row is not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowProblem {
    /// Not a valid number in international (E.164) form; `reason` says what is wrong.
    NotE164 { reason: String },
    /// The same number is on an earlier row.
    Duplicate { first_line: u64 },
    /// Already on this trunk.
    AlreadyOnThisTrunk,
    /// Held by another connection of the workspace.
    InOtherConnection { connection: String },
    /// Held by the workspace without a connection (bought through the number pool).
    HeldByWorkspace,
}

impl RowProblem {
    pub fn message(&self, e164: Option<&str>) -> String {
        let number = e164.unwrap_or("This number");
        match self {
            RowProblem::NotE164 { reason } => reason.clone(),
            RowProblem::Duplicate { first_line } => {
                format!("{number} is already on line {first_line} of this list.")
            }
            RowProblem::AlreadyOnThisTrunk => format!("{number} is already on this SIP trunk."),
            RowProblem::InOtherConnection { connection } => format!(
                "{number} is already in this workspace through the connection \"{connection}\"."
            ),
            RowProblem::HeldByWorkspace => {
                format!("{number} is already in this workspace (bought through NumberDesk).")
            }
        }
    }
}

/// One row as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewRow {
    pub line: u64,
    /// The cell as written in the file.
    pub text: String,
    /// The number in E.164 form, when it is one.
    pub e164: Option<String>,
    pub label: Option<String>,
    pub problem: Option<RowProblem>,
    /// The problem in a sentence.
    pub message: Option<String>,
}

/// Every row of a list, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumbersPreview {
    pub rows: Vec<PreviewRow>,
    pub good: usize,
    pub bad: usize,
}

impl NumbersPreview {
    pub fn bad_rows(&self) -> impl Iterator<Item = &PreviewRow> {
        self.rows.iter().filter(|row| row.problem.is_some())
    }
}

/// Judges every candidate against the workspace's held numbers, as seen by `reader`.
pub fn judge(
    reader: &Connection,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    candidates: &[Candidate],
) -> Result<NumbersPreview, StoreError> {
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let (e164, problem) = match E164::parse(&candidate.text) {
            Err(error) => (
                None,
                Some(RowProblem::NotE164 {
                    reason: error.to_string(),
                }),
            ),
            Ok(e164) => {
                let text = e164.into_string();
                let problem = match first_seen.get(&text) {
                    Some(&first_line) => Some(RowProblem::Duplicate { first_line }),
                    None => {
                        first_seen.insert(text.clone(), candidate.line);
                        number_rows::holder(reader, workspace_id, &text)?
                            .map(|holder| held_problem(holder, connection_id))
                    }
                };
                (Some(text), problem)
            }
        };
        rows.push(PreviewRow {
            line: candidate.line,
            text: candidate.text.clone(),
            message: problem.as_ref().map(|p| p.message(e164.as_deref())),
            e164,
            label: candidate.label.clone(),
            problem,
        });
    }
    let bad = rows.iter().filter(|r| r.problem.is_some()).count();
    Ok(NumbersPreview {
        good: rows.len() - bad,
        bad,
        rows,
    })
}

fn held_problem(holder: Holder, connection_id: ConnectionId) -> RowProblem {
    match (holder.connection_id, holder.connection_name) {
        (Some(id), _) if id == connection_id => RowProblem::AlreadyOnThisTrunk,
        (Some(_), Some(name)) => RowProblem::InOtherConnection { connection: name },
        _ => RowProblem::HeldByWorkspace,
    }
}

/// Records the good rows of `preview` on the trunk, inside the caller's transaction.
pub fn record_good(
    tx: &rusqlite::Transaction<'_>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    preview: &NumbersPreview,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, StoreError> {
    let mut recorded = Vec::with_capacity(preview.good);
    for row in preview.rows.iter().filter(|row| row.problem.is_none()) {
        let Some(e164) = row.e164.as_deref() else {
            continue;
        };
        let country = E164::from_carrier(e164).ok().and_then(|n| n.country());
        number_rows::insert(
            tx,
            workspace_id,
            &NewNumber {
                e164,
                carrier: CarrierKind::Sip,
                source: Source::Imported,
                status: NumberStatus::Active,
                number_type: None,
                region: country.as_deref(),
                voice: true,
                sms: false,
                mms: false,
                monthly_cost_credits: 0,
                connection_id: Some(connection_id),
                carrier_number_id: None,
                webhook_mode: WebhookMode::OutboundOnly,
                friendly_name: row.label.as_deref(),
            },
            now,
        )?;
        recorded.push(e164.to_owned());
    }
    Ok(recorded)
}
