//! Sandbox mode: a "Sandbox" workspace whose Twilio and Telnyx connections point at the carrier
//! sandbox running inside the app, so a new user can try every flow without a carrier account.
//! Sandbox workspaces and connections are marked as such and never mix with real ones.
//!
//! The App owns the sandbox's life: started when Sandbox mode is turned on (or found on at start,
//! or first needed by a sandbox workspace), stopped when it is turned off. The account router is
//! told where it answers; nothing else knows.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::blocking::TaskFailed;
use super::App;
use crate::flows::accounts::{PoolAccount, SandboxLauncher, SandboxRoute};
use crate::sandbox::{Sandbox, SandboxHandle};

use crate::app::context::Context;
use crate::flows::connect::connections::{ConnectionDraft, ConnectionError, Connections};
use crate::flows::workspaces::{
    Plan, ValidWorkspace, Workspace, WorkspaceError, FLAG_FLEX_PHONE_SELF_SERVE,
};
use crate::sandbox::{SandboxConfig, StartupInfo};
use crate::secrets::credentials::{Credentials, TelnyxCredentials, TwilioAuth, TwilioCredentials};
use crate::secrets::{SecretKey, Sensitive};
use crate::store::connections as rows;

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
        // SIP's 5060 and 5061 moved up out of the privileged range.
        sip_ports: Some((45_060, 45_061)),
        ..SandboxConfig::default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxModeError {
    #[error("The sandbox started without seeded accounts; restart NumberDesk and try again.")]
    NoAccounts,
    #[error("The carrier sandbox could not start ({0}). Restart NumberDesk and try again.")]
    Start(#[from] crate::sandbox::Error),
    #[error("The carrier sandbox could not start; the log file says why. Restart NumberDesk and try again.")]
    NotStarted,
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for SandboxModeError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Workspace(inner) => Classified::Wraps(inner),
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NoAccounts | Self::Start(_) | Self::NotStarted => {
                Classified::Kind(ErrorKind::Internal)
            }
        }
    }
}

/// The sandbox's last Telnyx account plays the agency's number pool account (the first is the
/// Sandbox workspace's own connection).
pub fn pool_account(info: &StartupInfo) -> Option<PoolAccount> {
    info.telnyx.last().map(|account| PoolAccount {
        api_key: Sensitive::new(account.api_key.clone()),
        texml_connection_id: Some(account.texml_application_id.clone()),
        messaging_profile_id: Some(account.messaging_profile_id.clone()),
    })
}

/// The in-app sandbox while it runs. The account router asks it to start (through
/// [`SandboxLauncher`]) the first time a sandbox connection is needed.
#[derive(Default)]
pub(crate) struct SandboxHost {
    running: tokio::sync::Mutex<Option<SandboxHandle>>,
    /// Held while Sandbox mode is turned on or off: the start's restore and the user's switch
    /// may come at once, and making sure the workspace and its connections exist is a
    /// read-then-create that must not run twice side by side.
    switching: tokio::sync::Mutex<()>,
}

impl SandboxHost {
    /// Starts the sandbox unless it runs; where it answers and what it seeded.
    async fn start(&self) -> Result<(SandboxRoute, StartupInfo), SandboxModeError> {
        let mut running = self.running.lock().await;
        let handle = match running.take() {
            Some(handle) => handle,
            None => {
                let handle = Sandbox::start(config()).await?;
                tracing::info!(addr = %handle.addr(), "carrier sandbox started");
                handle
            }
        };
        let info = handle.startup_info().clone();
        let route = SandboxRoute {
            endpoints: handle.base_urls().into(),
            pool: pool_account(&info),
        };
        *running = Some(handle);
        Ok((route, info))
    }

    /// Stops the sandbox if it runs; the router must be told (`Accounts::set_sandbox(None)`).
    pub(crate) async fn stop(&self) {
        if let Some(handle) = self.running.lock().await.take() {
            handle.shutdown().await;
        }
    }

    async fn startup_info(&self) -> Option<StartupInfo> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|h| h.startup_info().clone())
    }
}

impl SandboxLauncher for SandboxHost {
    fn launch(&self) -> Pin<Box<dyn Future<Output = Option<SandboxRoute>> + Send + '_>> {
        Box::pin(async move {
            match self.start().await {
                Ok((route, _)) => Some(route),
                Err(error) => {
                    tracing::error!(%error, "the carrier sandbox did not start");
                    None
                }
            }
        })
    }
}

/// Turning Sandbox mode on and off.
pub struct SandboxMode<'a> {
    app: &'a App,
}

impl<'a> SandboxMode<'a> {
    pub(crate) fn new(app: &'a App) -> Self {
        Self { app }
    }

    /// Turns Sandbox mode on: starts the carrier sandbox and makes sure the Sandbox workspace
    /// and its two connections exist. Returns the workspace.
    pub async fn enable(&self) -> Result<Workspace, SandboxModeError> {
        let _switching = self.app.inner.sandbox.switching.lock().await;
        self.enable_switching().await
    }

    /// [`Self::enable`] for a caller that holds `switching`.
    async fn enable_switching(&self) -> Result<Workspace, SandboxModeError> {
        let info = self.start().await?;
        self.app.blocking(move |ctx| ensure(ctx, &info)).await
    }

    /// Turns Sandbox mode off: the Sandbox workspace goes with its keyring entries, then the
    /// sandbox stops.
    pub async fn disable(&self) -> Result<(), SandboxModeError> {
        let _switching = self.app.inner.sandbox.switching.lock().await;
        self.app
            .blocking(|ctx| Ok::<_, SandboxModeError>(remove(ctx)?))
            .await?;
        self.app.stop_sandbox().await;
        Ok(())
    }

    /// Where the running sandbox's SIP trunk answers, and its credentials, for the SIP connect
    /// form of the Sandbox workspace. `None` while the sandbox is not running.
    pub async fn sip_trunk(&self) -> Option<crate::sandbox::SipInfo> {
        self.app
            .inner
            .sandbox
            .startup_info()
            .await
            .and_then(|info| info.sip)
    }

    /// Whether the carrier sandbox runs in this process.
    pub async fn is_running(&self) -> bool {
        self.app.accounts().sandbox_running()
    }

    /// Starts the sandbox unless it runs, through the router (so it knows where it answers).
    async fn start(&self) -> Result<StartupInfo, SandboxModeError> {
        self.app
            .accounts()
            .endpoints(true)
            .await
            .map_err(|_| SandboxModeError::NotStarted)?;
        self.app
            .inner
            .sandbox
            .startup_info()
            .await
            .ok_or(SandboxModeError::NotStarted)
    }

    /// At start: Sandbox mode was on when the app last ran, so its carriers come back.
    pub(crate) async fn restore(&self) {
        // Decided and done under one hold, so a switch by the user meanwhile is not undone.
        let _switching = self.app.inner.sandbox.switching.lock().await;
        let on = self
            .app
            .blocking(|ctx| Ok::<_, SandboxModeError>(workspace(ctx)?.is_some()))
            .await;
        match on {
            Ok(true) => {
                if let Err(error) = self.enable_switching().await {
                    tracing::error!(%error, "could not restart the carrier sandbox");
                }
            }
            Ok(false) => {}
            Err(error) => tracing::error!(%error, "could not tell whether Sandbox mode is on"),
        }
    }
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

    // The sandbox's keys made in ie1 and au1 come with it: there is no console to make them in.
    let mut twilio_credentials = TwilioCredentials::new(
        twilio.account_sid.clone(),
        TwilioAuth::AuthToken(Sensitive::new(twilio.auth_token.clone())),
    );
    for key in &twilio.regional_keys {
        twilio_credentials.regional.insert(
            key.region.clone(),
            crate::secrets::credentials::RegionalKey {
                sid: key.key_sid.clone(),
                secret: Sensitive::new(key.key_secret.clone()),
            },
        );
    }
    let drafts = [
        ConnectionDraft {
            name: TWILIO_CONNECTION.to_owned(),
            credentials: Credentials::Twilio(twilio_credentials),
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
