//! Sandbox mode: a "Sandbox" workspace whose Twilio and Telnyx connections point at the carrier
//! sandbox running inside the app, so a new user can try every flow without a carrier account.
//! Sandbox workspaces and connections are marked as such and never mix with real ones.

use std::time::Duration;

use crate::connections::{ConnectionDraft, ConnectionError, Connections};
use crate::context::Context;
use crate::credentials::{Credentials, TelnyxCredentials, TwilioAuth, TwilioCredentials};
use crate::sandbox::{SandboxConfig, StartupInfo};
use crate::secrets::{SecretKey, Sensitive};
use crate::store::connections as rows;
use crate::workspaces::{
    Plan, ValidWorkspace, Workspace, WorkspaceError, FLAG_FLEX_PHONE_SELF_SERVE,
};

/// The same seed every time, so the sandbox's accounts and credentials are the same after a restart
/// and the keyring entries saved for them stay valid.
pub const SANDBOX_SEED: u64 = 20_261_124;
pub const WORKSPACE_NAME: &str = "Sandbox";
/// A reserved (.example) address: nothing real is ever called.
pub const WEBHOOK_BASE_URL: &str = "https://voice.sandbox.example";
pub const TWILIO_CONNECTION: &str = "Twilio (sandbox)";
pub const TELNYX_CONNECTION: &str = "Telnyx (sandbox)";

/// How the in-app sandbox is started: a realistic delay, enough numbers to page through.
pub fn config() -> SandboxConfig {
    SandboxConfig {
        owned_numbers: 60,
        latency: Duration::from_millis(120),
        seed: SANDBOX_SEED,
        ..SandboxConfig::default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxModeError {
    #[error("The sandbox started without seeded accounts; restart NumberDesk and try again.")]
    NoAccounts,
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

/// The sandbox workspace, if sandbox mode is on.
pub fn workspace(ctx: &Context) -> Result<Option<Workspace>, WorkspaceError> {
    Ok(ctx.workspaces().list()?.into_iter().find(|w| w.is_sandbox))
}

/// Makes sure the Sandbox workspace exists with a Twilio and a Telnyx sandbox connection whose
/// credentials are in the keyring. Safe to call at every start: it only adds what is missing.
pub fn ensure(ctx: &Context, info: &StartupInfo) -> Result<Workspace, SandboxModeError> {
    let twilio = info.twilio.first().ok_or(SandboxModeError::NoAccounts)?;
    let telnyx = info.telnyx.first().ok_or(SandboxModeError::NoAccounts)?;
    let workspace = match workspace(ctx)? {
        Some(workspace) => workspace,
        None => create_workspace(ctx)?,
    };

    let drafts = [
        ConnectionDraft {
            name: TWILIO_CONNECTION.to_owned(),
            credentials: Credentials::Twilio(TwilioCredentials {
                account_sid: twilio.account_sid.clone(),
                auth: TwilioAuth::AuthToken(Sensitive::new(twilio.auth_token.clone())),
            }),
            account_ref: Some(twilio.account_sid.clone()),
            account_name: Some(twilio.friendly_name.clone()),
            texml_connection_id: None,
            messaging_profile_id: None,
            is_sandbox: true,
        },
        ConnectionDraft {
            name: TELNYX_CONNECTION.to_owned(),
            credentials: Credentials::Telnyx(TelnyxCredentials {
                api_key: Sensitive::new(telnyx.api_key.clone()),
            }),
            account_ref: None,
            account_name: Some("Telnyx sandbox account".to_owned()),
            texml_connection_id: Some(telnyx.texml_application_id.clone()),
            messaging_profile_id: Some(telnyx.messaging_profile_id.clone()),
            is_sandbox: true,
        },
    ];
    let existing = ctx
        .store
        .read(|c| rows::list(c, workspace.id))
        .map_err(ConnectionError::from)?;
    let connections = Connections::new(ctx);
    for draft in &drafts {
        match existing.iter().find(|row| row.name == draft.name) {
            None => {
                connections.save(workspace.id, draft)?;
            }
            Some(row) => {
                // The keyring may have been cleared since; the seed gives the same credentials.
                let key = SecretKey::new(workspace.id, row.id);
                if ctx
                    .secrets
                    .get(key)
                    .map_err(ConnectionError::from)?
                    .is_none()
                {
                    ctx.secrets
                        .put(key, &draft.credentials.to_secret())
                        .map_err(ConnectionError::from)?;
                }
            }
        }
    }
    Ok(workspace)
}

fn create_workspace(ctx: &Context) -> Result<Workspace, WorkspaceError> {
    let taken: Vec<String> = ctx
        .workspaces()
        .list()?
        .into_iter()
        .map(|w| w.name.to_lowercase())
        .collect();
    let name = std::iter::once(WORKSPACE_NAME.to_owned())
        .chain((2..).map(|n| format!("{WORKSPACE_NAME} {n}")))
        .find(|candidate| !taken.contains(&candidate.to_lowercase()))
        .expect("an unused name exists");
    let valid = ValidWorkspace {
        name,
        plan: Plan::Unlimited,
        flags: [FLAG_FLEX_PHONE_SELF_SERVE.to_owned()]
            .into_iter()
            .collect(),
        monthly_credit_allowance: 5_000,
        webhook_base_url: WEBHOOK_BASE_URL.to_owned(),
    };
    ctx.workspaces().create_valid(&valid, true)
}

/// Turns sandbox mode off: the Sandbox workspace goes, with its keyring entries.
pub fn remove(ctx: &Context) -> Result<(), WorkspaceError> {
    while let Some(workspace) = workspace(ctx)? {
        ctx.delete_workspace(workspace.id)?;
    }
    Ok(())
}
