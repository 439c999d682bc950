//! SIP trunk commands: connect a trunk, read it, and add numbers to it (typed or from a CSV
//! file's text) after a preview. The trunk's Check is `check_connection`, like every carrier's.

use serde::Deserialize;
use tauri::State;

use super::super::error::IpcError;
use super::super::AppState;
use crate::domain::ids::{ConnectionId, WorkspaceId};
use crate::flows::sip::numbers::NumbersPreview;
use crate::flows::sip::trunk::SipTrunkForm;
use crate::flows::sip::{NumbersAdded, NumbersInput, SipTrunkView};
use crate::secrets::Sensitive;

/// What the SIP trunk form sends. The password travels once, straight to the keyring.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SipTrunkFormDto {
    pub name: String,
    pub termination: String,
    #[serde(default)]
    pub transport: Option<String>,
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub allowed_ranges: Vec<String>,
}

impl From<SipTrunkFormDto> for SipTrunkForm {
    fn from(form: SipTrunkFormDto) -> Self {
        SipTrunkForm {
            name: form.name,
            termination: form.termination,
            transport: form.transport,
            port: form.port,
            username: form.username,
            password: form.password.map(Sensitive::new),
            allowed_ranges: form.allowed_ranges,
        }
    }
}

/// Numbers as the window sends them: a CSV file's text, or typed lines.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumbersInputDto {
    #[serde(default)]
    pub csv: Option<String>,
    #[serde(default)]
    pub typed: Option<Vec<String>>,
}

impl From<NumbersInputDto> for NumbersInput {
    fn from(input: NumbersInputDto) -> Self {
        match input.csv {
            Some(text) => NumbersInput::Csv(text.into_bytes()),
            None => NumbersInput::Typed(input.typed.unwrap_or_default()),
        }
    }
}

#[tauri::command]
pub async fn connect_sip_trunk(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    form: SipTrunkFormDto,
) -> Result<SipTrunkView, IpcError> {
    Ok(state
        .app
        .trunks()
        .connect(workspace_id, form.into())
        .await?)
}

#[tauri::command]
pub async fn get_sip_trunk(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<SipTrunkView, IpcError> {
    Ok(state.app.trunks().get(workspace_id, connection_id).await?)
}

#[tauri::command]
pub async fn preview_trunk_numbers(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    input: NumbersInputDto,
) -> Result<NumbersPreview, IpcError> {
    Ok(state
        .app
        .trunks()
        .preview_numbers(workspace_id, connection_id, input.into())
        .await?)
}

#[tauri::command]
pub async fn add_trunk_numbers(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    input: NumbersInputDto,
) -> Result<NumbersAdded, IpcError> {
    Ok(state
        .app
        .trunks()
        .add_numbers(workspace_id, connection_id, input.into())
        .await?)
}

/// The in-app sandbox's SIP trunk (address and credentials) while it runs, for the connect form
/// of the Sandbox workspace; `None` otherwise.
#[tauri::command]
pub async fn sandbox_sip_trunk(
    state: State<'_, AppState>,
) -> Result<Option<crate::sandbox::SipInfo>, IpcError> {
    Ok(state.app.sandbox().sip_trunk().await)
}
