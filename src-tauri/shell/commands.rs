//! The commands the UI calls. Each parses its arguments, calls the core off the UI thread, and
//! maps the error; nothing is decided here.

use tauri::State;

use super::dto::{AppInfoDto, ConnectionDto, SessionDto, WorkspaceDto, WorkspaceInputDto};
use super::error::IpcError;
use super::settings::Theme;
use super::AppState;
use crate::connections::Connections;

#[tauri::command]
pub async fn get_session(state: State<'_, AppState>) -> Result<SessionDto, IpcError> {
    state.blocking("finish that task", |s| s.session()).await
}

#[tauri::command]
pub async fn list_workspaces(state: State<'_, AppState>) -> Result<Vec<WorkspaceDto>, IpcError> {
    state
        .blocking("finish that task", |s| {
            Ok(s.core
                .workspaces()
                .list()?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
}

#[tauri::command]
pub async fn create_workspace(
    state: State<'_, AppState>,
    input: WorkspaceInputDto,
) -> Result<SessionDto, IpcError> {
    state
        .blocking("finish that task", move |s| {
            let workspace = s.core.workspaces().create(&input.into())?;
            s.settings.set_last_workspace(Some(workspace.id));
            s.session()
        })
        .await
}

#[tauri::command]
pub async fn rename_workspace(
    state: State<'_, AppState>,
    id: i64,
    name: String,
) -> Result<SessionDto, IpcError> {
    state
        .blocking("finish that task", move |s| {
            s.core.workspaces().rename(id, &name)?;
            s.session()
        })
        .await
}

#[tauri::command]
pub async fn update_workspace(
    state: State<'_, AppState>,
    id: i64,
    input: WorkspaceInputDto,
) -> Result<SessionDto, IpcError> {
    state
        .blocking("finish that task", move |s| {
            s.core.workspaces().update(id, &input.into())?;
            s.session()
        })
        .await
}

#[tauri::command]
pub async fn delete_workspace(state: State<'_, AppState>, id: i64) -> Result<SessionDto, IpcError> {
    state
        .blocking("finish that task", move |s| {
            s.core.delete_workspace(id)?;
            s.session()
        })
        .await
}

#[tauri::command]
pub async fn switch_workspace(state: State<'_, AppState>, id: i64) -> Result<SessionDto, IpcError> {
    state
        .blocking("finish that task", move |s| {
            s.core.workspaces().get(id)?;
            s.settings.set_last_workspace(Some(id));
            s.session()
        })
        .await
}

#[tauri::command]
pub async fn set_theme(state: State<'_, AppState>, theme: Theme) -> Result<(), IpcError> {
    state
        .blocking("finish that task", move |s| {
            s.settings.set_theme(theme);
            Ok(())
        })
        .await
}

#[tauri::command]
pub fn get_app_info(state: State<'_, AppState>) -> AppInfoDto {
    AppInfoDto {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: state.paths.data_dir.display().to_string(),
        log_dir: state.paths.log_dir.display().to_string(),
        database_path: state.paths.database.display().to_string(),
    }
}

/// Turns Sandbox mode on: starts the carrier sandbox and opens the Sandbox workspace.
#[tauri::command]
pub async fn enable_sandbox(state: State<'_, AppState>) -> Result<SessionDto, IpcError> {
    let id = state.start_sandbox().await?;
    state
        .blocking("finish that task", move |s| {
            s.settings.set_last_workspace(Some(id));
            s.session()
        })
        .await
}

/// Turns Sandbox mode off: the Sandbox workspace and its sandbox credentials go.
#[tauri::command]
pub async fn disable_sandbox(state: State<'_, AppState>) -> Result<SessionDto, IpcError> {
    state.stop_sandbox().await?;
    state.blocking("finish that task", |s| s.session()).await
}

#[tauri::command]
pub async fn list_connections(
    state: State<'_, AppState>,
    workspace_id: i64,
) -> Result<Vec<ConnectionDto>, IpcError> {
    state
        .blocking("finish that task", move |s| {
            let connections = Connections::new(&s.core).list(workspace_id)?;
            Ok(connections.into_iter().map(Into::into).collect())
        })
        .await
}
