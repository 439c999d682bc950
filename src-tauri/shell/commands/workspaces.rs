//! Workspaces, Sandbox mode, the window's preferences and the connections list.

use crate::domain::ids::WorkspaceId;
use tauri::State;

use super::super::dto::{AppInfoDto, ConnectionDto, SessionDto, WorkspaceDto, WorkspaceInputDto};
use super::super::error::IpcError;
use super::super::settings::Theme;
use super::super::AppState;

#[tauri::command]
pub async fn get_session(state: State<'_, AppState>) -> Result<SessionDto, IpcError> {
    state.session().await
}

#[tauri::command]
pub async fn list_workspaces(state: State<'_, AppState>) -> Result<Vec<WorkspaceDto>, IpcError> {
    let workspaces = state.app.workspaces().list().await?;
    Ok(workspaces.into_iter().map(Into::into).collect())
}

#[tauri::command]
pub async fn create_workspace(
    state: State<'_, AppState>,
    input: WorkspaceInputDto,
) -> Result<SessionDto, IpcError> {
    let workspace = state.app.workspaces().create(input.into()).await?;
    state.settings.set_last_workspace(Some(workspace.id));
    state.session().await
}

#[tauri::command]
pub async fn rename_workspace(
    state: State<'_, AppState>,
    id: WorkspaceId,
    name: String,
) -> Result<SessionDto, IpcError> {
    state.app.workspaces().rename(id, name).await?;
    state.session().await
}

#[tauri::command]
pub async fn update_workspace(
    state: State<'_, AppState>,
    id: WorkspaceId,
    input: WorkspaceInputDto,
) -> Result<SessionDto, IpcError> {
    state.app.workspaces().update(id, input.into()).await?;
    state.session().await
}

#[tauri::command]
pub async fn delete_workspace(
    state: State<'_, AppState>,
    id: WorkspaceId,
) -> Result<SessionDto, IpcError> {
    state.app.workspaces().delete(id).await?;
    state.session().await
}

#[tauri::command]
pub async fn switch_workspace(
    state: State<'_, AppState>,
    id: WorkspaceId,
) -> Result<SessionDto, IpcError> {
    state.app.workspaces().get(id).await?;
    state.settings.set_last_workspace(Some(id));
    state.session().await
}

#[tauri::command]
pub fn set_theme(state: State<'_, AppState>, theme: Theme) {
    state.settings.set_theme(theme);
}

#[tauri::command]
pub fn get_app_info(state: State<'_, AppState>) -> AppInfoDto {
    let paths = state.app.paths();
    AppInfoDto {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: paths.data_dir.display().to_string(),
        log_dir: paths.log_dir.display().to_string(),
        database_path: paths.database.display().to_string(),
        carrier_overrides: state
            .app
            .carrier_overrides()
            .iter()
            .map(|(variable, url)| format!("{variable} → {url}"))
            .collect(),
    }
}

/// Turns Sandbox mode on: starts the carrier sandbox and opens the Sandbox workspace.
#[tauri::command]
pub async fn enable_sandbox(state: State<'_, AppState>) -> Result<SessionDto, IpcError> {
    let workspace = state.app.sandbox().enable().await?;
    state.settings.set_last_workspace(Some(workspace.id));
    state.session().await
}

/// Turns Sandbox mode off: the Sandbox workspace and its sandbox credentials go.
#[tauri::command]
pub async fn disable_sandbox(state: State<'_, AppState>) -> Result<SessionDto, IpcError> {
    state.app.sandbox().disable().await?;
    state.session().await
}

#[tauri::command]
pub async fn list_connections(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
) -> Result<Vec<ConnectionDto>, IpcError> {
    let connections = state.app.workspaces().connections(workspace_id).await?;
    Ok(connections.into_iter().map(Into::into).collect())
}
