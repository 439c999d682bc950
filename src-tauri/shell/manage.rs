//! Manage-numbers commands (issue 6): the numbers table, sync with carrier, Twilio regions, agents,
//! the audit log, disconnect, diagnostics and call-forwarding help. Thin: the core decides.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tauri::State;

use super::error::IpcError;
use super::AppState;
use crate::accounts::CarrierAccount;
use crate::accounts::CarrierEndpoints;
use crate::agents::{Agents, AssignmentOutcome, DeletionImpact};
use crate::audit::{AuditAction, AuditFilter, AuditLog, AuditPage};
use crate::carriers::{CarrierError, CarrierKind, ClientOptions};
use crate::connections::Connections;
use crate::diagnostics::{self, Diagnosis};
use crate::disconnect::{self, DisconnectPreview, DisconnectReport};
use crate::forwarding::{self, ForwardingGuide};
use crate::numbers_table::{
    ConnectionSyncTime, NumberFilter, NumberQuery, NumbersTable, Sort, TablePage, TableRow,
};
use crate::regions::{self, RegionOutcome, TwilioRegion, TWILIO_REGIONS};
use crate::store::agents::{AgentRow, Holding, Slot};
use crate::sync::{self, AccountSource, AccountUnavailable};

/// Opens connections' accounts through the shared pool: sandbox connections against the in-app
/// sandbox (when it runs), the others against the real carriers.
pub(super) struct AppAccounts {
    state: AppState,
    real: CarrierEndpoints,
    sandbox: Option<CarrierEndpoints>,
}

impl AccountSource for AppAccounts {
    fn account(
        &self,
        workspace_id: i64,
        connection_id: i64,
    ) -> Result<Arc<CarrierAccount>, AccountUnavailable> {
        self.state
            .accounts
            .open_with((workspace_id, connection_id), || {
                let connections = Connections::new(&self.state.core);
                let row = connections.get(workspace_id, connection_id)?;
                let endpoints = match (row.is_sandbox, &self.sandbox) {
                    (false, _) => &self.real,
                    (true, Some(sandbox)) => sandbox,
                    (true, None) => {
                        return Err(AccountUnavailable::Carrier(CarrierError::InvalidSettings {
                            carrier: if row.carrier == "telnyx" {
                                CarrierKind::Telnyx
                            } else {
                                CarrierKind::Twilio
                            },
                            detail: "the carrier sandbox is not running; turn Sandbox mode on"
                                .into(),
                        }))
                    }
                };
                let credentials = connections.credentials(workspace_id, connection_id)?;
                Ok(CarrierAccount::open(
                    &credentials,
                    endpoints,
                    ClientOptions::default(),
                )?)
            })
    }
}

impl AppState {
    /// Accounts for every connection the app knows (the sandbox's only while it runs).
    pub(super) async fn all_accounts(&self) -> AppAccounts {
        let sandbox = self
            .sandbox
            .lock()
            .await
            .as_ref()
            .map(|h| CarrierEndpoints::from(h.base_urls()));
        AppAccounts {
            state: self.clone(),
            real: self.endpoints.as_ref().clone(),
            sandbox,
        }
    }

    /// Accounts for a workspace's connections, starting the sandbox for a sandbox workspace.
    pub(super) async fn accounts_of(&self, workspace_id: i64) -> Result<AppAccounts, IpcError> {
        let workspace = self.workspace(workspace_id).await?;
        if workspace.is_sandbox {
            self.endpoints_for(true).await?;
        }
        Ok(self.all_accounts().await)
    }
}

// ---------------------------------------------------------------------------------------------
// The numbers table

#[tauri::command]
pub async fn query_numbers(
    state: State<'_, AppState>,
    workspace_id: i64,
    query: NumberQuery,
) -> Result<TablePage, IpcError> {
    state
        .blocking("read the numbers", move |s| {
            Ok(NumbersTable::new(&s.core).page(workspace_id, &query)?)
        })
        .await
}

#[tauri::command]
pub async fn number_rows(
    state: State<'_, AppState>,
    workspace_id: i64,
    ids: Vec<i64>,
) -> Result<Vec<TableRow>, IpcError> {
    state
        .blocking("read the numbers", move |s| {
            Ok(NumbersTable::new(&s.core).rows(workspace_id, &ids)?)
        })
        .await
}

#[tauri::command]
pub async fn number_ids(
    state: State<'_, AppState>,
    workspace_id: i64,
    filter: NumberFilter,
) -> Result<Vec<i64>, IpcError> {
    state
        .blocking("read the numbers", move |s| {
            Ok(NumbersTable::new(&s.core).ids(workspace_id, &filter)?)
        })
        .await
}

#[tauri::command]
pub async fn number_sync_times(
    state: State<'_, AppState>,
    workspace_id: i64,
) -> Result<Vec<ConnectionSyncTime>, IpcError> {
    state
        .blocking("read the numbers", move |s| {
            Ok(NumbersTable::new(&s.core).sync_times(workspace_id)?)
        })
        .await
}

/// Where a CSV export went.
#[derive(Debug, Serialize)]
pub struct ExportDto {
    path: String,
    count: usize,
}

/// A new file in the export folder, named after what it holds and when.
fn export_file(state: &AppState, what: &str) -> Result<(PathBuf, std::fs::File), IpcError> {
    let dir = state.export_dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|error| {
        IpcError::new(
            super::error::ErrorCode::Storage,
            format!(
                "The export folder {} could not be created ({error}). Check that it is writable.",
                dir.display()
            ),
        )
    })?;
    let stamp = state.core.clock.now().format("%Y%m%d-%H%M%S");
    for n in 0..100 {
        let name = match n {
            0 => format!("numberdesk-{what}-{stamp}.csv"),
            n => format!("numberdesk-{what}-{stamp}-{n}.csv"),
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => {
                return Err(IpcError::new(
                    super::error::ErrorCode::Storage,
                    format!("{} could not be written ({error}).", path.display()),
                ))
            }
        }
    }
    Err(IpcError::internal("pick a name for the export file"))
}

/// Writes a CSV export with `write` into a new file of the export folder; a failed write leaves
/// no file behind.
fn export_with<E: Into<IpcError>>(
    state: &AppState,
    what: &str,
    write: impl FnOnce(std::io::BufWriter<std::fs::File>) -> Result<usize, E>,
) -> Result<ExportDto, IpcError> {
    let (path, file) = export_file(state, what)?;
    match write(std::io::BufWriter::new(file)) {
        Ok(count) => Ok(ExportDto {
            path: path.display().to_string(),
            count,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(&path);
            Err(error.into())
        }
    }
}

#[tauri::command]
pub async fn export_numbers(
    state: State<'_, AppState>,
    workspace_id: i64,
    filter: NumberFilter,
    sort: Sort,
) -> Result<ExportDto, IpcError> {
    state
        .blocking("export the numbers", move |s| {
            export_with(s, "numbers", |out| {
                NumbersTable::new(&s.core).export_csv(workspace_id, &filter, sort, out)
            })
        })
        .await
}

/// One connection that could not be synced.
#[derive(Debug, Serialize)]
pub struct SyncFailureDto {
    connection_id: i64,
    name: String,
    message: String,
}

#[derive(Debug, Serialize)]
pub struct SyncResultDto {
    reports: Vec<sync::SyncReport>,
    errors: Vec<SyncFailureDto>,
}

/// "Sync with carrier": one connection, or every connection of the workspace. A connection that
/// fails does not stop the others.
#[tauri::command]
pub async fn sync_with_carrier(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: Option<i64>,
) -> Result<SyncResultDto, IpcError> {
    let connections = state
        .blocking("read the connections", move |s| {
            Ok(Connections::new(&s.core).list(workspace_id)?)
        })
        .await?;
    let chosen: Vec<_> = connections
        .into_iter()
        .map(|c| c.connection)
        .filter(|c| connection_id.map_or(true, |id| id == c.id))
        .collect();
    if chosen.is_empty() && connection_id.is_some() {
        return Err(IpcError::new(
            super::error::ErrorCode::NotFound,
            "This carrier connection no longer exists.",
        ));
    }
    let accounts = state.accounts_of(workspace_id).await?;
    let mut result = SyncResultDto {
        reports: Vec::new(),
        errors: Vec::new(),
    };
    for connection in chosen {
        let outcome = match accounts.account(workspace_id, connection.id) {
            Ok(account) => {
                sync::sync_connection(&state.core, workspace_id, connection.id, &account)
                    .await
                    .map_err(IpcError::from)
            }
            Err(error) => Err(error.into()),
        };
        match outcome {
            Ok(report) => result.reports.push(report),
            Err(error) => result.errors.push(SyncFailureDto {
                connection_id: connection.id,
                name: connection.name,
                message: error.message,
            }),
        }
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// Twilio inbound regions

#[tauri::command]
pub fn list_twilio_regions() -> Vec<TwilioRegion> {
    TWILIO_REGIONS.to_vec()
}

#[tauri::command]
pub async fn set_inbound_region(
    state: State<'_, AppState>,
    workspace_id: i64,
    number_ids: Vec<i64>,
    region: String,
) -> Result<RegionOutcome, IpcError> {
    let accounts = state.accounts_of(workspace_id).await?;
    Ok(regions::set_region(
        &state.core,
        &accounts,
        workspace_id,
        &number_ids,
        &region,
        false,
    )
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Agents

#[tauri::command]
pub async fn list_agents(
    state: State<'_, AppState>,
    workspace_id: i64,
) -> Result<Vec<AgentRow>, IpcError> {
    state
        .blocking("read the agents", move |s| {
            Ok(Agents::new(&s.core).list(workspace_id)?)
        })
        .await
}

#[tauri::command]
pub async fn create_agent(
    state: State<'_, AppState>,
    workspace_id: i64,
    name: String,
) -> Result<AgentRow, IpcError> {
    state
        .blocking("create the agent", move |s| {
            Ok(Agents::new(&s.core).create(workspace_id, &name)?)
        })
        .await
}

#[tauri::command]
pub async fn rename_agent(
    state: State<'_, AppState>,
    workspace_id: i64,
    id: i64,
    name: String,
) -> Result<AgentRow, IpcError> {
    state
        .blocking("rename the agent", move |s| {
            Ok(Agents::new(&s.core).rename(workspace_id, id, &name)?)
        })
        .await
}

#[tauri::command]
pub async fn agent_holdings(
    state: State<'_, AppState>,
    workspace_id: i64,
    id: i64,
) -> Result<Vec<Holding>, IpcError> {
    state
        .blocking("read the agent's numbers", move |s| {
            Ok(Agents::new(&s.core).holdings(workspace_id, id)?)
        })
        .await
}

#[tauri::command]
pub async fn agent_deletion_impact(
    state: State<'_, AppState>,
    workspace_id: i64,
    id: i64,
) -> Result<DeletionImpact, IpcError> {
    state
        .blocking("read the agent's numbers", move |s| {
            Ok(Agents::new(&s.core).deletion_impact(workspace_id, id)?)
        })
        .await
}

#[tauri::command]
pub async fn delete_agent(
    state: State<'_, AppState>,
    workspace_id: i64,
    id: i64,
    confirmed: bool,
) -> Result<Vec<Holding>, IpcError> {
    state
        .blocking("delete the agent", move |s| {
            Ok(Agents::new(&s.core).delete(workspace_id, id, confirmed)?)
        })
        .await
}

fn slot(text: &str) -> Result<Slot, IpcError> {
    Slot::ALL
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| IpcError::invalid("Choose the inbound, outbound or SMS agent slot."))
}

#[tauri::command]
pub async fn assign_agent(
    state: State<'_, AppState>,
    workspace_id: i64,
    number_ids: Vec<i64>,
    slot: String,
    agent_id: Option<i64>,
) -> Result<AssignmentOutcome, IpcError> {
    let slot = self::slot(&slot)?;
    state
        .blocking("assign the agent", move |s| {
            Ok(Agents::new(&s.core).assign(workspace_id, &number_ids, slot, agent_id)?)
        })
        .await
}

#[tauri::command]
pub async fn set_allow_outbound(
    state: State<'_, AppState>,
    workspace_id: i64,
    number_ids: Vec<i64>,
    allow: bool,
) -> Result<AssignmentOutcome, IpcError> {
    state
        .blocking("change outbound calling", move |s| {
            Ok(Agents::new(&s.core).set_allow_outbound(workspace_id, &number_ids, allow)?)
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// Audit log

#[tauri::command]
pub async fn query_audit(
    state: State<'_, AppState>,
    workspace_id: i64,
    filter: AuditFilter,
) -> Result<AuditPage, IpcError> {
    state
        .blocking("read the audit log", move |s| {
            Ok(AuditLog::new(&s.core).query(workspace_id, &filter)?)
        })
        .await
}

#[tauri::command]
pub async fn export_audit(
    state: State<'_, AppState>,
    workspace_id: i64,
    filter: AuditFilter,
) -> Result<ExportDto, IpcError> {
    state
        .blocking("export the audit log", move |s| {
            export_with(s, "audit", |out| {
                AuditLog::new(&s.core).export_csv(workspace_id, &filter, out)
            })
        })
        .await
}

#[derive(Debug, Serialize)]
pub struct AuditActionDto {
    id: &'static str,
    label: &'static str,
}

#[tauri::command]
pub fn list_audit_actions() -> Vec<AuditActionDto> {
    AuditAction::ALL
        .iter()
        .map(|a| AuditActionDto {
            id: a.as_str(),
            label: a.label(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Disconnect

#[tauri::command]
pub async fn preview_disconnect(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: i64,
) -> Result<DisconnectPreview, IpcError> {
    state
        .blocking("read the connection", move |s| {
            Ok(disconnect::preview(&s.core, workspace_id, connection_id)?)
        })
        .await
}

/// Disconnects a carrier: optional restore at the carrier, then the numbers, the connection and
/// its keyring entry go together, or nothing goes.
#[tauri::command]
pub async fn disconnect_carrier(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: i64,
    restore: bool,
) -> Result<DisconnectReport, IpcError> {
    let account = if restore {
        Some(state.account(workspace_id, connection_id).await?)
    } else {
        None
    };
    let report = disconnect::disconnect(&state.core, workspace_id, connection_id, account).await?;
    state.forget_connection(workspace_id, connection_id);
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Diagnostics and help

#[tauri::command]
pub async fn check_number(
    state: State<'_, AppState>,
    workspace_id: i64,
    number_id: i64,
) -> Result<Diagnosis, IpcError> {
    let accounts = state.accounts_of(workspace_id).await?;
    Ok(diagnostics::check_number(&state.core, &accounts, workspace_id, number_id).await?)
}

#[tauri::command]
pub async fn check_connection(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: i64,
) -> Result<Diagnosis, IpcError> {
    let accounts = state.accounts_of(workspace_id).await?;
    Ok(diagnostics::check_connection(&state.core, &accounts, workspace_id, connection_id).await?)
}

#[tauri::command]
pub fn forwarding_guide(e164: String) -> Result<ForwardingGuide, IpcError> {
    Ok(forwarding::guide(&e164)?)
}
