//! Types sent over IPC. They are the shell's own (camelCase for JavaScript), converted explicitly
//! from core types, so a change in the core never silently changes what the UI receives.

use serde::{Deserialize, Serialize};

use super::settings::Theme;
use crate::domain::ids::{ConnectionId, WorkspaceId};
use crate::domain::kinds::CarrierKind;
use crate::flows::connect::connections::ConnectionSummary;
use crate::flows::workspaces::{Workspace, WorkspaceInput};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceDto {
    pub id: WorkspaceId,
    pub name: String,
    pub plan: &'static str,
    pub flags: Vec<String>,
    pub monthly_credit_allowance: i64,
    pub webhook_base_url: String,
    pub is_sandbox: bool,
    pub created_at: String,
}

impl From<Workspace> for WorkspaceDto {
    fn from(workspace: Workspace) -> Self {
        Self {
            id: workspace.id,
            name: workspace.name,
            plan: workspace.plan.as_str(),
            flags: workspace.flags.into_iter().collect(),
            monthly_credit_allowance: workspace.monthly_credit_allowance,
            webhook_base_url: workspace.webhook_base_url,
            is_sandbox: workspace.is_sandbox,
            created_at: workspace.created_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInputDto {
    pub name: String,
    pub plan: String,
    #[serde(default)]
    pub flags: Vec<String>,
    pub monthly_credit_allowance: i64,
    pub webhook_base_url: String,
}

impl From<WorkspaceInputDto> for WorkspaceInput {
    fn from(input: WorkspaceInputDto) -> Self {
        Self {
            name: input.name,
            plan: input.plan,
            flags: input.flags,
            monthly_credit_allowance: input.monthly_credit_allowance,
            webhook_base_url: input.webhook_base_url,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub workspaces: Vec<WorkspaceDto>,
    pub current_workspace_id: Option<WorkspaceId>,
    pub theme: Theme,
    pub keyring_available: bool,
    pub keyring_problem: Option<String>,
    /// Sandbox mode is on (a Sandbox workspace exists).
    pub sandbox_enabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDto {
    pub id: ConnectionId,
    pub carrier: CarrierKind,
    pub name: String,
    pub account_ref: Option<String>,
    pub account_name: Option<String>,
    pub texml_connection_id: Option<String>,
    pub is_sandbox: bool,
    pub number_count: i64,
    pub created_at: String,
    pub last_synced_at: Option<String>,
}

impl From<ConnectionSummary> for ConnectionDto {
    fn from(summary: ConnectionSummary) -> Self {
        let c = summary.connection;
        Self {
            id: c.id,
            carrier: c.carrier,
            name: c.name,
            account_ref: c.account_ref,
            account_name: c.account_name,
            texml_connection_id: c.texml_connection_id,
            is_sandbox: c.is_sandbox,
            number_count: summary.number_count,
            created_at: c.created_at.to_rfc3339(),
            last_synced_at: c.last_synced_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfoDto {
    pub version: &'static str,
    pub data_dir: String,
    pub log_dir: String,
    pub database_path: String,
    /// `NUMBERDESK_*_URL` overrides in force, as "VARIABLE → url".
    pub carrier_overrides: Vec<String>,
}
