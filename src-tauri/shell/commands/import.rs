//! Commands of the bring-your-own-carrier flow: validate, check the TeXML application, connect,
//! list the account's numbers, preview, import with progress, cancel.

use crate::domain::ids::{ConnectionId, WorkspaceId};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;

use super::super::dto::ConnectionDto;
use super::super::error::IpcError;
use super::super::AppState;
use crate::flows::connect::connections::ConnectionSummary;
use crate::flows::connect::{ConnectForm, TexmlCheck};
use crate::flows::import::{ImportProgress, ImportState, NumberPreview};
use crate::secrets::Sensitive;

/// The connect form. Deliberately not `Debug`: it holds secrets as the UI sent them, and is
/// turned into `Sensitive` values at once.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectDraftDto {
    carrier: String,
    #[serde(default)]
    name: String,
    twilio_account_sid: Option<String>,
    twilio_auth_token: Option<String>,
    twilio_api_key_sid: Option<String>,
    twilio_api_key_secret: Option<String>,
    telnyx_api_key: Option<String>,
    texml_connection_id: Option<String>,
}

impl From<ConnectDraftDto> for ConnectForm {
    fn from(d: ConnectDraftDto) -> Self {
        ConnectForm {
            carrier: d.carrier,
            name: d.name,
            twilio_account_sid: d.twilio_account_sid,
            twilio_auth_token: d.twilio_auth_token.map(Sensitive::new),
            twilio_api_key_sid: d.twilio_api_key_sid,
            twilio_api_key_secret: d.twilio_api_key_secret.map(Sensitive::new),
            telnyx_api_key: d.telnyx_api_key.map(Sensitive::new),
            texml_connection_id: d.texml_connection_id,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationDto {
    account_name: String,
    account_ref: Option<String>,
    status: String,
    /// A Twilio trial account: one number at most, calls only to verified numbers.
    trial: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TexmlCheckDto {
    id: String,
    name: String,
    voice_url: Option<String>,
    expected_voice_url: String,
    points_at_workspace: bool,
    fix: Option<String>,
}

impl From<TexmlCheck> for TexmlCheckDto {
    fn from(c: TexmlCheck) -> Self {
        Self {
            id: c.id,
            name: c.name,
            voice_url: c.voice_url,
            expected_voice_url: c.expected_voice_url,
            points_at_workspace: c.points_at_workspace,
            fix: c.fix,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeaturesDto {
    voice: bool,
    sms: bool,
    mms: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportableNumberDto {
    carrier_id: String,
    e164: String,
    friendly_name: Option<String>,
    number_type: Option<&'static str>,
    region: Option<String>,
    features: FeaturesDto,
    already_imported: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportableListDto {
    numbers: Vec<ImportableNumberDto>,
    fetched_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartedImportDto {
    import_id: i64,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportFailureDto {
    e164: String,
    reason: String,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgressDto {
    import_id: i64,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    state: &'static str,
    total: i64,
    done: i64,
    failed: i64,
    cancelled: i64,
    unconfirmed: i64,
    failures: Vec<ImportFailureDto>,
}

impl From<ImportProgress> for ImportProgressDto {
    fn from(p: ImportProgress) -> Self {
        Self {
            import_id: p.import_id,
            workspace_id: p.workspace_id,
            connection_id: p.connection_id,
            state: match p.state {
                ImportState::Running => "running",
                ImportState::Finished => "finished",
                ImportState::Cancelled => "cancelled",
            },
            total: p.total,
            done: p.done,
            failed: p.failed,
            cancelled: p.cancelled,
            unconfirmed: p.unconfirmed,
            failures: p
                .failures
                .into_iter()
                .map(|f| ImportFailureDto {
                    e164: f.e164,
                    reason: f.reason,
                })
                .collect(),
        }
    }
}

#[tauri::command]
pub async fn validate_credentials(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    draft: ConnectDraftDto,
) -> Result<ValidationDto, IpcError> {
    let info = state
        .app
        .workspaces()
        .validate_connection(workspace_id, draft.into())
        .await?;
    Ok(ValidationDto {
        account_name: info
            .friendly_name
            .unwrap_or_else(|| "your account".to_owned()),
        account_ref: info.account_id,
        status: format!("{:?}", info.status).to_lowercase(),
        trial: info.trial == Some(true),
    })
}

#[tauri::command]
pub async fn check_texml_connection(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    draft: ConnectDraftDto,
) -> Result<TexmlCheckDto, IpcError> {
    let check = state
        .app
        .workspaces()
        .check_texml(workspace_id, draft.into())
        .await?;
    Ok(check.into())
}

#[tauri::command]
pub async fn connect_carrier(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    draft: ConnectDraftDto,
) -> Result<ConnectionDto, IpcError> {
    let row = state
        .app
        .workspaces()
        .connect(workspace_id, draft.into())
        .await?;
    Ok(ConnectionSummary {
        connection: row,
        number_count: 0,
    }
    .into())
}

#[tauri::command]
pub async fn list_importable_numbers(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<ImportableListDto, IpcError> {
    let list = state
        .app
        .imports()
        .list_importable(workspace_id, connection_id)
        .await?;
    Ok(ImportableListDto {
        numbers: list
            .numbers
            .into_iter()
            .map(|c| {
                let features = c.number.features.unwrap_or_default();
                ImportableNumberDto {
                    number_type: c.number.number_type.map(|t| t.as_str()),
                    carrier_id: c.number.carrier_id,
                    e164: c.number.e164.into_string(),
                    friendly_name: c.number.friendly_name,
                    region: c.number.region,
                    features: FeaturesDto {
                        voice: features.voice,
                        sms: features.sms,
                        mms: features.mms,
                    },
                    already_imported: c.already_imported,
                }
            })
            .collect(),
        fetched_at: list.fetched_at.to_rfc3339(),
    })
}

#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    numbers: Vec<String>,
    mode: String,
) -> Result<Vec<NumberPreview>, IpcError> {
    let mode = crate::flows::import::mode(&mode)?;
    let imports = state.app.imports();
    Ok(imports
        .preview(workspace_id, connection_id, &numbers, mode)
        .await?)
}

#[tauri::command]
pub async fn start_import(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    numbers: Vec<String>,
    mode: String,
) -> Result<StartedImportDto, IpcError> {
    let mode = crate::flows::import::mode(&mode)?;
    let imports = state.app.imports();
    let import_id = imports
        .start(workspace_id, connection_id, numbers, mode)
        .await?;
    Ok(StartedImportDto { import_id })
}

/// Streams an import's progress to the window until it ends (or the window stops listening).
#[tauri::command]
pub async fn watch_import(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    import_id: i64,
    on_progress: Channel<ImportProgressDto>,
) -> Result<ImportProgressDto, IpcError> {
    let imports = state.app.imports();
    let last = imports
        .watch_in_workspace(workspace_id, import_id, |progress| {
            on_progress
                .send(ImportProgressDto::from(progress.clone()))
                .is_ok()
        })
        .await?;
    Ok(last.into())
}

/// Asks a running import of the workspace to stop; false when this process is not running it.
#[tauri::command]
pub async fn cancel_import(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    import_id: i64,
) -> Result<bool, IpcError> {
    Ok(state
        .app
        .imports()
        .cancel_in_workspace(workspace_id, import_id)
        .await?)
}

#[tauri::command]
pub async fn list_imports(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
) -> Result<Vec<ImportProgressDto>, IpcError> {
    let list = state.app.imports().list(workspace_id).await?;
    Ok(list.into_iter().map(Into::into).collect())
}
