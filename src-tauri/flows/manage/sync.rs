//! "Sync with carrier": reconciles a connection's numbers in the local database with the carrier
//! account. A number no longer in the account is marked Missing (never deleted); one that came
//! back is Active again; a managed number whose webhooks or connection were changed outside
//! NumberDesk is flagged as drifted, with what NumberDesk set and what the carrier has now.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::blocking::{blocking, TaskFailed};
use crate::app::context::Context;
use crate::carriers::{CarrierError, OwnedNumber};
use crate::domain::kinds::{NumberStatus, WebhookMode};
pub use crate::domain::target::DriftField;
use crate::domain::target::{changes, ManagedTarget};
use crate::flows::accounts::{AccountUnavailable, Accounts};
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::flows::connect::connections::{managed_target, ConnectionError, Connections};
use crate::store::connections as connection_rows;
use crate::store::sync_state::{self, ManagedNumber};
use crate::store::StoreError;

/// The drift of a managed number whose routing is `routing` now, against `target`.
pub fn drift_of(routing: &crate::carriers::Routing, target: &ManagedTarget) -> Vec<DriftField> {
    changes(routing, target)
        .into_iter()
        .map(|change| DriftField {
            field: change.field.to_owned(),
            label: change.label.to_owned(),
            numberdesk_set: change.next,
            carrier_has: change.current,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftedNumber {
    pub number_id: PhoneNumberId,
    pub e164: String,
    pub fields: Vec<DriftField>,
}

/// What a sync found and changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub connection_id: ConnectionId,
    pub synced_at: DateTime<Utc>,
    /// Local numbers compared with the account.
    pub checked: usize,
    /// Newly marked Missing at carrier.
    pub missing: Vec<String>,
    /// Missing before, found in the account again (Active again).
    pub returned: Vec<String>,
    /// Managed numbers whose carrier settings differ from what NumberDesk set.
    pub drifted: Vec<DriftedNumber>,
    /// Numbers whose earlier drift is gone.
    pub drift_cleared: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Sync failed and nothing was changed: {0}")]
    Carrier(#[from] CarrierError),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error("Sync could not save what it found: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for SyncError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Carrier(_) => Classified::Kind(ErrorKind::Carrier),
        }
    }
}

/// One connection that could not be synced, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncFailure {
    pub connection_id: ConnectionId,
    pub name: String,
    pub message: String,
}

/// What "Sync with carrier" found over one or every connection of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceSync {
    pub reports: Vec<SyncReport>,
    pub errors: Vec<SyncFailure>,
}

/// "Sync with carrier": one connection, or (with `None`) every connection of the workspace that
/// has a carrier API (a SIP trunk has nothing to compare with). A connection that fails does not
/// stop the others; its failure is in the result.
pub async fn sync_workspace(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    connection_id: Option<ConnectionId>,
) -> Result<WorkspaceSync, SyncError> {
    let connections = blocking(accounts.context(), move |ctx| {
        Ok::<_, SyncError>(Connections::new(ctx).list(workspace_id)?)
    })
    .await?;
    let chosen: Vec<_> = connections
        .into_iter()
        .map(|c| c.connection)
        .filter(|c| connection_id.map_or(c.carrier.has_api(), |id| id == c.id))
        .collect();
    if chosen.is_empty() && connection_id.is_some() {
        return Err(ConnectionError::NotFound.into());
    }
    let mut result = WorkspaceSync {
        reports: Vec::new(),
        errors: Vec::new(),
    };
    for connection in chosen {
        match sync_connection(accounts, workspace_id, connection.id).await {
            Ok(report) => result.reports.push(report),
            Err(error) => result.errors.push(SyncFailure {
                connection_id: connection.id,
                name: connection.name,
                message: error.to_string(),
            }),
        }
    }
    Ok(result)
}

/// What NumberDesk sets on the managed numbers of a connection now.
pub(crate) fn target_of(
    ctx: &Context,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<Option<ManagedTarget>, ConnectionError> {
    let workspace = ctx.workspaces().get(workspace_id)?;
    let connection = Connections::new(ctx).get(workspace_id, connection_id)?;
    Ok(managed_target(&workspace, &connection))
}

/// Compares the connection's numbers with the account and saves what changed, with one audit
/// entry. Nothing is saved when the carrier cannot be listed.
pub async fn sync_connection(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<SyncReport, SyncError> {
    let account = accounts.connection(workspace_id, connection_id).await?;
    let listed = account.list_numbers(&mut |_| {}).await?;
    blocking(accounts.context(), move |ctx| {
        save_sync(ctx, workspace_id, connection_id, &listed)
    })
    .await
}

/// Saves what a sync found, with one audit entry, in one transaction.
fn save_sync(
    ctx: &Context,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    listed: &[OwnedNumber],
) -> Result<SyncReport, SyncError> {
    let connection = Connections::new(ctx).get(workspace_id, connection_id)?;
    let target = target_of(ctx, workspace_id, connection_id)?;
    let by_id: HashMap<&str, &OwnedNumber> =
        listed.iter().map(|n| (n.carrier_id.as_str(), n)).collect();
    let by_e164: HashMap<&str, &OwnedNumber> =
        listed.iter().map(|n| (n.e164.as_str(), n)).collect();
    let now = ctx.clock.now();
    let redactor = ctx.redactor.clone();
    let report = ctx.store.write(|tx| {
        let locals: Vec<ManagedNumber> = sync_state::of_connection(tx, workspace_id, connection_id)?
            .into_iter()
            .filter(|n| n.status != NumberStatus::Released)
            .collect();
        let mut report = SyncReport {
            connection_id,
            synced_at: now,
            checked: locals.len(),
            missing: Vec::new(),
            returned: Vec::new(),
            drifted: Vec::new(),
            drift_cleared: Vec::new(),
        };
        for local in &locals {
            let found = local
                .carrier_number_id
                .as_deref()
                .and_then(|id| by_id.get(id))
                .or_else(|| by_e164.get(local.e164.as_str()));
            let Some(found) = found else {
                if local.status != NumberStatus::Missing {
                    sync_state::mark_missing(tx, local.id, now)?;
                    report.missing.push(local.e164.clone());
                }
                continue;
            };
            let was_missing = local.status == NumberStatus::Missing;
            sync_state::mark_present(tx, local.id, was_missing, now)?;
            if was_missing {
                report.returned.push(local.e164.clone());
            }
            let drift = match (&target, local.webhook_mode) {
                (Some(target), WebhookMode::Managed) => drift_of(&found.routing, target),
                // Outbound-only numbers: NumberDesk set nothing at the carrier to drift from.
                _ => Vec::new(),
            };
            if drift.is_empty() {
                if local.drift_json.is_some() {
                    sync_state::set_drift(tx, local.id, None, now)?;
                    report.drift_cleared.push(local.e164.clone());
                }
            } else {
                let json = serde_json::to_string(&drift).expect("drift serialises");
                sync_state::set_drift(tx, local.id, Some(&json), now)?;
                report.drifted.push(DriftedNumber {
                    number_id: local.id,
                    e164: local.e164.clone(),
                    fields: drift,
                });
            }
        }
        connection_rows::mark_synced(tx, connection_id, now)?;
        let mut touched: Vec<String> = report
            .missing
            .iter()
            .chain(&report.returned)
            .chain(report.drifted.iter().map(|d| &d.e164))
            .chain(&report.drift_cleared)
            .cloned()
            .collect();
        touched.sort();
        touched.dedup();
        let summary = format!(
            "Synced {} numbers with {}: {} missing at the carrier, {} back, {} drifted, {} no longer drifted.",
            report.checked,
            connection.name,
            report.missing.len(),
            report.returned.len(),
            report.drifted.len(),
            report.drift_cleared.len()
        );
        let before = serde_json::json!({
            "active_again": report.returned,
        });
        let after = serde_json::json!({
            "missing": report.missing,
            "drifted": report.drifted.iter().map(|d| serde_json::json!({"e164": d.e164, "fields": d.fields})).collect::<Vec<_>>(),
            "drift_cleared": report.drift_cleared,
        });
        record_in(
            tx,
            &redactor,
            workspace_id,
            &AuditRecord::new(AuditAction::Sync, AuditTarget::Local, summary)
                .connection(connection.name.clone())
                .numbers(touched)
                .before_after(Some(before), Some(after)),
            now,
        )?;
        Ok::<_, SyncError>(report)
    })?;
    tracing::info!(
        workspace = workspace_id.get(),
        connection = connection_id.get(),
        missing = report.missing.len(),
        drifted = report.drifted.len(),
        "synced with carrier"
    );
    Ok(report)
}
