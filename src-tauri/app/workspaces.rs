//! Workspaces, their carrier connections, the connect step and their credits, as the shells use
//! them: every call runs off the async runtime.

use super::App;
use crate::carriers::AccountInfo;
use crate::domain::ids::WorkspaceId;
use crate::flows::billing::{Billing, BillingError, CreditEntry, CreditSummary};
use crate::flows::connect::connections::{ConnectionError, ConnectionSummary, Connections};
use crate::flows::connect::{self, ConnectError, ConnectForm, TexmlCheck};
use crate::flows::workspaces::{Workspace, WorkspaceError, WorkspaceInput};
use crate::store::connections::ConnectionRow;
use crate::store::orders::UnsettledScope;

/// Every workspace, and which one a shell should open.
#[derive(Debug, Clone)]
pub struct Session {
    pub workspaces: Vec<Workspace>,
    /// The one the user had open last if it still exists, else the first.
    pub current: Option<WorkspaceId>,
    /// Sandbox mode is on (a Sandbox workspace exists).
    pub sandbox_enabled: bool,
}

/// A workspace's credits: the month's summary and the ledger.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Credits {
    pub summary: CreditSummary,
    pub ledger: Vec<CreditEntry>,
}

pub struct Workspaces<'a> {
    app: &'a App,
}

impl<'a> Workspaces<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    pub async fn list(&self) -> Result<Vec<Workspace>, WorkspaceError> {
        self.app.blocking(|ctx| ctx.workspaces().list()).await
    }

    pub async fn get(&self, id: WorkspaceId) -> Result<Workspace, WorkspaceError> {
        self.app.blocking(move |ctx| ctx.workspaces().get(id)).await
    }

    /// The workspaces, and which to open given the one the user had open last.
    pub async fn session(
        &self,
        remembered: Option<WorkspaceId>,
    ) -> Result<Session, WorkspaceError> {
        let workspaces = self.list().await?;
        let current = remembered
            .filter(|id| workspaces.iter().any(|w| w.id == *id))
            .or_else(|| workspaces.first().map(|w| w.id));
        Ok(Session {
            sandbox_enabled: workspaces.iter().any(|w| w.is_sandbox),
            workspaces,
            current,
        })
    }

    pub async fn create(&self, input: WorkspaceInput) -> Result<Workspace, WorkspaceError> {
        self.app
            .blocking(move |ctx| ctx.workspaces().create(&input))
            .await
    }

    pub async fn rename(&self, id: WorkspaceId, name: String) -> Result<Workspace, WorkspaceError> {
        self.app
            .blocking(move |ctx| ctx.workspaces().rename(id, &name))
            .await
    }

    pub async fn update(
        &self,
        id: WorkspaceId,
        input: WorkspaceInput,
    ) -> Result<Workspace, WorkspaceError> {
        self.app
            .blocking(move |ctx| ctx.workspaces().update(id, &input))
            .await
    }

    /// Deletes a workspace with everything in it, then its connections' keyring entries; their
    /// open clients are forgotten.
    /// Purchases of the workspace are settled first; while any stay open it refuses, since the
    /// numbers could no longer be recorded nor their credits given back.
    pub async fn delete(&self, id: WorkspaceId) -> Result<(), WorkspaceError> {
        let open = self
            .app
            .purchases()
            .settle_before(UnsettledScope::Workspace(id))
            .await
            .map_err(|error| WorkspaceError::Settle(Box::new(error)))?;
        if !open.is_empty() {
            return Err(WorkspaceError::Unsettled(open));
        }
        let connections = self
            .app
            .blocking(move |ctx| ctx.delete_workspace(id))
            .await?;
        for connection in connections {
            self.app.accounts().forget(id, connection);
        }
        Ok(())
    }

    /// The workspace's carrier connections with their number counts.
    pub async fn connections(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<ConnectionSummary>, ConnectionError> {
        self.app
            .blocking(move |ctx| Connections::new(ctx).list(workspace_id))
            .await
    }

    /// The month's credits and the ledger, with months that ended settled first.
    pub async fn credits(&self, workspace_id: WorkspaceId) -> Result<Credits, BillingError> {
        self.app
            .blocking(move |ctx| {
                let billing = Billing::new(ctx);
                billing.settle(workspace_id)?;
                Ok(Credits {
                    summary: billing.summary(workspace_id)?,
                    ledger: billing.ledger(workspace_id)?,
                })
            })
            .await
    }

    /// Proves the connect form's credentials with a live call; saves nothing.
    pub async fn validate_connection(
        &self,
        workspace_id: WorkspaceId,
        form: ConnectForm,
    ) -> Result<AccountInfo, ConnectError> {
        let (_, account) = self.draft(workspace_id, &form).await?;
        connect::validate(&account).await
    }

    /// Checks the form's Telnyx TeXML application (Connection ID) against the workspace.
    pub async fn check_texml(
        &self,
        workspace_id: WorkspaceId,
        form: ConnectForm,
    ) -> Result<TexmlCheck, ConnectError> {
        let (workspace, account) = self.draft(workspace_id, &form).await?;
        let id = form.texml_connection_id.clone().unwrap_or_default();
        connect::check_texml(&account, &workspace, &id).await
    }

    /// Connects a carrier account: checked live, then saved with its credentials in the keyring.
    pub async fn connect(
        &self,
        workspace_id: WorkspaceId,
        form: ConnectForm,
    ) -> Result<ConnectionRow, ConnectError> {
        let (workspace, account) = self.draft(workspace_id, &form).await?;
        connect::connect(self.app.context(), &workspace, &form, &account).await
    }

    /// A short-lived account for the form's credentials, against the workspace's carriers.
    async fn draft(
        &self,
        workspace_id: WorkspaceId,
        form: &ConnectForm,
    ) -> Result<(Workspace, crate::carriers::account::CarrierAccount), ConnectError> {
        let credentials = connect::credentials_from(form)?;
        let workspace = self.get(workspace_id).await?;
        let account = self
            .app
            .accounts()
            .draft(&credentials, workspace.is_sandbox)
            .await?;
        Ok((workspace, account))
    }
}
