//! Commands of the bring-your-own-carrier flow: validate, check the TeXML application, connect,
//! list the account's numbers, preview, import with progress, cancel.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;

use super::dto::ConnectionDto;
use super::error::IpcError;
use super::AppState;
use crate::accounts::CarrierAccount;
use crate::carriers::ClientOptions;
use crate::connect::{self, ConnectForm, TexmlCheck};
use crate::import::{ImportProgress, ImportState, Importer, NumberPreview, WebhookMode};
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
    workspace_id: i64,
    connection_id: i64,
    state: &'static str,
    total: i64,
    done: i64,
    failed: i64,
    cancelled: i64,
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

fn mode(text: &str) -> Result<WebhookMode, IpcError> {
    match text {
        "outbound_only" => Ok(WebhookMode::OutboundOnly),
        "managed" => Ok(WebhookMode::Managed),
        _ => Err(IpcError::invalid(
            "Choose \"Outbound only\" or \"Allow webhook & messaging updates\".",
        )),
    }
}

/// A short-lived account for credentials that are not saved yet.
async fn draft_account(
    state: &AppState,
    workspace_id: i64,
    form: &ConnectForm,
) -> Result<(crate::workspaces::Workspace, CarrierAccount), IpcError> {
    let credentials = connect::credentials_from(form)?;
    let workspace = state.workspace(workspace_id).await?;
    let endpoints = state.endpoints_for(workspace.is_sandbox).await?;
    let account = CarrierAccount::open(&credentials, &endpoints, ClientOptions::default())?;
    Ok((workspace, account))
}

#[tauri::command]
pub async fn validate_credentials(
    state: State<'_, AppState>,
    workspace_id: i64,
    draft: ConnectDraftDto,
) -> Result<ValidationDto, IpcError> {
    let form = ConnectForm::from(draft);
    let (_, account) = draft_account(&state, workspace_id, &form).await?;
    let info = connect::validate(&account).await?;
    Ok(ValidationDto {
        account_name: info
            .friendly_name
            .clone()
            .unwrap_or_else(|| "your account".to_owned()),
        account_ref: info.account_id,
        status: format!("{:?}", info.status).to_lowercase(),
    })
}

#[tauri::command]
pub async fn check_texml_connection(
    state: State<'_, AppState>,
    workspace_id: i64,
    draft: ConnectDraftDto,
) -> Result<TexmlCheckDto, IpcError> {
    let form = ConnectForm::from(draft);
    let (workspace, account) = draft_account(&state, workspace_id, &form).await?;
    let id = form.texml_connection_id.clone().unwrap_or_default();
    Ok(connect::check_texml(&account, &workspace, &id)
        .await?
        .into())
}

#[tauri::command]
pub async fn connect_carrier(
    state: State<'_, AppState>,
    workspace_id: i64,
    draft: ConnectDraftDto,
) -> Result<ConnectionDto, IpcError> {
    let form = ConnectForm::from(draft);
    let (workspace, account) = draft_account(&state, workspace_id, &form).await?;
    let core = state.core.clone();
    let sandbox = workspace.is_sandbox;
    let row = connect::connect(&core, &workspace, &form, &account, sandbox).await?;
    let summary = crate::connections::ConnectionSummary {
        connection: row,
        number_count: 0,
    };
    Ok(summary.into())
}

#[tauri::command]
pub async fn list_importable_numbers(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: i64,
) -> Result<ImportableListDto, IpcError> {
    let listed = state.refresh_listing(workspace_id, connection_id).await?;
    let importer = state.importer();
    let candidates = importer.candidates(workspace_id, listed.as_ref().clone())?;
    Ok(ImportableListDto {
        numbers: candidates
            .into_iter()
            .map(|c| {
                let features = c.number.features.unwrap_or_default();
                ImportableNumberDto {
                    number_type: c.number.number_type.map(|t| t.as_str()),
                    carrier_id: c.number.carrier_id,
                    e164: c.number.e164,
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
        fetched_at: state.core.clock.now().to_rfc3339(),
    })
}

#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: i64,
    numbers: Vec<String>,
    mode: String,
) -> Result<Vec<NumberPreview>, IpcError> {
    let mode = self::mode(&mode)?;
    let listed = state.listing(workspace_id, connection_id).await?;
    let target = state.importer().target(workspace_id, connection_id)?;
    Ok(listed
        .iter()
        .filter(|n| numbers.contains(&n.e164))
        .map(|n| NumberPreview {
            e164: n.e164.clone(),
            changes: match mode {
                WebhookMode::OutboundOnly => Vec::new(),
                WebhookMode::Managed => crate::import::changes(&n.routing, &target),
            },
        })
        .collect())
}

#[tauri::command]
pub async fn start_import(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: i64,
    numbers: Vec<String>,
    mode: String,
) -> Result<StartedImportDto, IpcError> {
    let mode = self::mode(&mode)?;
    let listed = state.listing(workspace_id, connection_id).await?;
    let account = state.account(workspace_id, connection_id).await?;
    let import_id = state
        .blocking("start the import", move |s| {
            Ok(s.importer()
                .start(workspace_id, connection_id, &listed, &numbers, mode)?)
        })
        .await?;
    state.spawn_import(state.importer(), import_id, account);
    Ok(StartedImportDto { import_id })
}

#[tauri::command]
pub async fn watch_import(
    state: State<'_, AppState>,
    import_id: i64,
    on_progress: Channel<ImportProgressDto>,
) -> Result<ImportProgressDto, IpcError> {
    let importer = state.importer();
    // An import the journal says is running but this process has not picked up yet (the resume
    // at start is still opening its carrier account): report from the journal until it has.
    let mut progress = loop {
        if let Some(progress) = state.imports.watch(import_id) {
            break progress;
        }
        let now: ImportProgressDto = importer.progress(import_id)?.into();
        if on_progress.send(now.clone()).is_err() || now.state != "running" {
            return Ok(now);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    loop {
        let now: ImportProgressDto = progress.borrow_and_update().clone().into();
        if on_progress.send(now.clone()).is_err() || now.state != "running" {
            return Ok(now);
        }
        if progress.changed().await.is_err() {
            // The run ended and dropped its sender: the journal has the final word.
            let done: ImportProgressDto = importer.progress(import_id)?.into();
            let _ = on_progress.send(done.clone());
            return Ok(done);
        }
        // At most ten updates a second reach the window; the latest one always does.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tauri::command]
pub async fn cancel_import(state: State<'_, AppState>, import_id: i64) -> Result<(), IpcError> {
    state.imports.cancel(import_id);
    Ok(())
}

#[tauri::command]
pub async fn list_imports(
    state: State<'_, AppState>,
    workspace_id: i64,
) -> Result<Vec<ImportProgressDto>, IpcError> {
    let list = state
        .blocking("list imports", move |s| {
            Ok(s.importer().list(workspace_id)?)
        })
        .await?;
    Ok(list.into_iter().map(Into::into).collect())
}

impl AppState {
    pub(super) fn importer(&self) -> Importer {
        Importer::new(self.core.clone(), self.imports.clone())
    }

    /// Runs an import in the background; its progress is watched through `watch_import`.
    pub(super) fn spawn_import(
        &self,
        importer: Importer,
        import_id: i64,
        account: Arc<CarrierAccount>,
    ) {
        tauri::async_runtime::spawn(async move {
            if let Err(error) = importer.run(import_id, account).await {
                tracing::error!(import = import_id, %error, "import stopped");
            }
        });
    }
}
