//! Types sent over IPC. They are the shell's own (camelCase for JavaScript), converted explicitly
//! from core types, so a change in the core never silently changes what the UI receives.

use serde::{Deserialize, Serialize};

use super::settings::Theme;
use crate::workspaces::{Workspace, WorkspaceInput};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceDto {
    pub id: i64,
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
    pub current_workspace_id: Option<i64>,
    pub theme: Theme,
    pub keyring_available: bool,
    pub keyring_problem: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfoDto {
    pub version: &'static str,
    pub data_dir: String,
    pub log_dir: String,
    pub database_path: String,
}
