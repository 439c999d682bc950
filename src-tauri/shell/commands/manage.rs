//! Manage-numbers commands: the numbers table, sync with carrier, Twilio regions, agents, the
//! audit log, disconnect, diagnostics and call-forwarding help.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use serde::Serialize;
use tauri::State;

use super::super::error::IpcError;
use super::super::AppState;
use crate::app::ExportFile;
use crate::flows::audit::{AuditFilter, AuditPage};
use crate::flows::disconnect::{DisconnectPreview, DisconnectReport};
use crate::flows::manage::agents::{AssignmentOutcome, DeletionImpact};
use crate::flows::manage::diagnostics::Diagnosis;
use crate::flows::manage::forwarding::{self, ForwardingGuide};
use crate::flows::manage::regions::{RegionOutcome, TwilioRegion, TWILIO_REGIONS};
use crate::flows::manage::sync::WorkspaceSync;
use crate::flows::manage::table::{
    ConnectionSyncTime, NumberFilter, NumberQuery, Sort, TablePage, TableRow,
};
use crate::store::agents::{AgentRow, Holding};

// ---------------------------------------------------------------------------------------------
// The numbers table

#[tauri::command]
pub async fn query_numbers(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    query: NumberQuery,
) -> Result<TablePage, IpcError> {
    Ok(state.app.numbers().page(workspace_id, query).await?)
}

#[tauri::command]
pub async fn number_rows(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    ids: Vec<PhoneNumberId>,
) -> Result<Vec<TableRow>, IpcError> {
    Ok(state.app.numbers().rows(workspace_id, ids).await?)
}

#[tauri::command]
pub async fn number_ids(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    filter: NumberFilter,
) -> Result<Vec<PhoneNumberId>, IpcError> {
    Ok(state.app.numbers().ids(workspace_id, filter).await?)
}

#[tauri::command]
pub async fn number_sync_times(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
) -> Result<Vec<ConnectionSyncTime>, IpcError> {
    Ok(state.app.numbers().sync_times(workspace_id).await?)
}

#[tauri::command]
pub async fn export_numbers(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    filter: NumberFilter,
    sort: Sort,
) -> Result<ExportFile, IpcError> {
    let numbers = state.app.numbers();
    Ok(numbers
        .export_to_dir(workspace_id, filter, sort, &state.export_dir)
        .await?)
}

/// "Sync with carrier": one connection, or every connection of the workspace.
#[tauri::command]
pub async fn sync_with_carrier(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: Option<ConnectionId>,
) -> Result<WorkspaceSync, IpcError> {
    Ok(state
        .app
        .carriers()
        .sync(workspace_id, connection_id)
        .await?)
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
    workspace_id: WorkspaceId,
    number_ids: Vec<PhoneNumberId>,
    region: String,
) -> Result<RegionOutcome, IpcError> {
    let carriers = state.app.carriers();
    Ok(carriers
        .set_inbound_region(workspace_id, &number_ids, &region)
        .await?)
}

/// Adds to a Twilio connection an API key made in `region`, checked live first.
#[tauri::command]
pub async fn add_regional_key(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    region: String,
    key_sid: String,
    key_secret: String,
) -> Result<(), IpcError> {
    let carriers = state.app.carriers();
    let secret = crate::secrets::Sensitive::new(key_secret);
    Ok(carriers
        .add_regional_key(workspace_id, connection_id, &region, &key_sid, secret)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Agents

#[tauri::command]
pub async fn list_agents(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
) -> Result<Vec<AgentRow>, IpcError> {
    Ok(state.app.agents().list(workspace_id).await?)
}

#[tauri::command]
pub async fn create_agent(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    name: String,
) -> Result<AgentRow, IpcError> {
    Ok(state.app.agents().create(workspace_id, name).await?)
}

#[tauri::command]
pub async fn rename_agent(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    id: i64,
    name: String,
) -> Result<AgentRow, IpcError> {
    Ok(state.app.agents().rename(workspace_id, id, name).await?)
}

#[tauri::command]
pub async fn agent_holdings(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<Vec<Holding>, IpcError> {
    Ok(state.app.agents().holdings(workspace_id, id).await?)
}

#[tauri::command]
pub async fn agent_deletion_impact(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<DeletionImpact, IpcError> {
    Ok(state.app.agents().deletion_impact(workspace_id, id).await?)
}

#[tauri::command]
pub async fn delete_agent(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    id: i64,
    confirmed: bool,
) -> Result<Vec<Holding>, IpcError> {
    Ok(state
        .app
        .agents()
        .delete(workspace_id, id, confirmed)
        .await?)
}

#[tauri::command]
pub async fn assign_agent(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    number_ids: Vec<PhoneNumberId>,
    slot: String,
    agent_id: Option<i64>,
) -> Result<AssignmentOutcome, IpcError> {
    let agents = state.app.agents();
    Ok(agents
        .assign(workspace_id, number_ids, &slot, agent_id)
        .await?)
}

#[tauri::command]
pub async fn set_allow_outbound(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    number_ids: Vec<PhoneNumberId>,
    allow: bool,
) -> Result<AssignmentOutcome, IpcError> {
    let agents = state.app.agents();
    Ok(agents
        .set_allow_outbound(workspace_id, number_ids, allow)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Audit log

#[tauri::command]
pub async fn query_audit(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    filter: AuditFilter,
) -> Result<AuditPage, IpcError> {
    Ok(state.app.audit().query(workspace_id, filter).await?)
}

#[tauri::command]
pub async fn export_audit(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    filter: AuditFilter,
) -> Result<ExportFile, IpcError> {
    let audit = state.app.audit();
    Ok(audit
        .export_to_dir(workspace_id, filter, &state.export_dir)
        .await?)
}

#[derive(Debug, Serialize)]
pub struct AuditActionDto {
    id: &'static str,
    label: &'static str,
}

#[tauri::command]
pub fn list_audit_actions(state: State<'_, AppState>) -> Vec<AuditActionDto> {
    let audit = state.app.audit();
    audit
        .actions()
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
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<DisconnectPreview, IpcError> {
    let carriers = state.app.carriers();
    Ok(carriers
        .preview_disconnect(workspace_id, connection_id)
        .await?)
}

/// Disconnects a carrier: optional restore at the carrier, then the numbers, the connection and
/// its keyring entry go together, or nothing goes.
#[tauri::command]
pub async fn disconnect_carrier(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    restore: bool,
    force: Option<bool>,
) -> Result<DisconnectReport, IpcError> {
    let carriers = state.app.carriers();
    Ok(carriers
        .disconnect(workspace_id, connection_id, restore, force.unwrap_or(false))
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Diagnostics and help

#[tauri::command]
pub async fn check_number(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    number_id: PhoneNumberId,
) -> Result<Diagnosis, IpcError> {
    let carriers = state.app.carriers();
    Ok(carriers.check_number(workspace_id, number_id).await?)
}

#[tauri::command]
pub async fn check_connection(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<Diagnosis, IpcError> {
    let carriers = state.app.carriers();
    Ok(carriers
        .check_connection(workspace_id, connection_id)
        .await?)
}

#[tauri::command]
pub fn forwarding_guide(e164: String) -> Result<ForwardingGuide, IpcError> {
    Ok(forwarding::guide(&e164)?)
}
