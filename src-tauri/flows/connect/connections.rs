//! Carrier connections of a workspace: saved atomically across the database (identifiers) and the
//! keyring (credentials), listed with their number counts, and read back for carrier calls.

use crate::app::blocking::TaskFailed;
use crate::app::context::Context;
use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use crate::domain::target::ManagedTarget;
use crate::flows::workspaces::{Workspace, WorkspaceError};
use crate::secrets::credentials::{Credentials, UnreadableCredentials};
use crate::secrets::{SecretKey, SecretsError};
use crate::store::connections::{self as rows, ConnectionRow, NewConnection};
use crate::store::StoreError;

/// A connection about to be saved; its credentials were validated live by the caller.
#[derive(Debug, Clone)]
pub struct ConnectionDraft {
    pub name: String,
    pub credentials: Credentials,
    pub account_ref: Option<String>,
    pub account_name: Option<String>,
    pub texml_connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub is_sandbox: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSummary {
    pub connection: ConnectionRow,
    pub number_count: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("Give the connection a name, for example \"Main Twilio\" or \"Office trunk\".")]
    EmptyName,
    #[error("A connection name can be at most 60 characters.")]
    NameTooLong,
    #[error("A connection called \"{0}\" already exists in this workspace. Pick another name.")]
    NameTaken(String),
    #[error("The Sandbox workspace only holds sandbox carriers. Connect real carrier accounts in one of your own workspaces.")]
    SandboxMix,
    #[error("Sandbox carriers belong to the Sandbox workspace only.")]
    SandboxOutsideSandbox,
    #[error("This carrier connection no longer exists.")]
    NotFound,
    #[error("The credentials of this connection are missing from the system keyring. Disconnect it and connect again to enter them.")]
    CredentialsMissing,
    #[error(transparent)]
    Unreadable(#[from] UnreadableCredentials),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for ConnectionError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Secrets(inner) => Classified::Wraps(inner),
            Self::Workspace(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NotFound => Classified::Kind(ErrorKind::NotFound),
            Self::NameTaken(_) => Classified::Kind(ErrorKind::Conflict),
            Self::CredentialsMissing | Self::Unreadable(_) => {
                Classified::Kind(ErrorKind::KeyringUnavailable)
            }
            Self::EmptyName
            | Self::NameTooLong
            | Self::SandboxMix
            | Self::SandboxOutsideSandbox => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

impl From<StoreError> for ConnectionError {
    fn from(error: StoreError) -> Self {
        ConnectionError::Store(error)
    }
}

pub struct Connections<'a> {
    ctx: &'a Context,
}

impl<'a> Connections<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// Saves the connection and its credentials as one unit: the row is inserted in a transaction
    /// that commits only after the keyring accepted the credentials, and the keyring entry is
    /// removed again if the commit fails. Either both exist afterwards, or neither.
    pub fn save(
        &self,
        workspace_id: WorkspaceId,
        draft: &ConnectionDraft,
    ) -> Result<ConnectionRow, ConnectionError> {
        self.save_with(workspace_id, draft, |_, _| Ok(()))
    }

    /// [`Connections::save`], with `extra` rows of the new connection (a SIP trunk's) written
    /// in the same transaction: they commit with it or not at all.
    pub fn save_with<E>(
        &self,
        workspace_id: WorkspaceId,
        draft: &ConnectionDraft,
        extra: impl FnOnce(&rusqlite::Transaction<'_>, ConnectionId) -> Result<(), E>,
    ) -> Result<ConnectionRow, E>
    where
        E: From<ConnectionError> + From<StoreError>,
    {
        let name = draft.name.trim();
        if name.is_empty() {
            return Err(ConnectionError::EmptyName.into());
        }
        if name.chars().count() > 60 {
            return Err(ConnectionError::NameTooLong.into());
        }
        let workspace = self
            .ctx
            .workspaces()
            .get(workspace_id)
            .map_err(ConnectionError::from)?;
        match (workspace.is_sandbox, draft.is_sandbox) {
            (true, false) => return Err(ConnectionError::SandboxMix.into()),
            (false, true) => return Err(ConnectionError::SandboxOutsideSandbox.into()),
            _ => {}
        }
        let secret = draft.credentials.to_secret();
        let now = self.ctx.clock.now();
        let mut stored_key = None;
        let result = self.ctx.store.write(|tx| -> Result<ConnectionRow, E> {
            let id = rows::insert(
                tx,
                workspace_id,
                &NewConnection {
                    carrier: draft.credentials.carrier(),
                    name,
                    account_ref: draft.account_ref.as_deref(),
                    account_name: draft.account_name.as_deref(),
                    texml_connection_id: draft.texml_connection_id.as_deref(),
                    messaging_profile_id: draft.messaging_profile_id.as_deref(),
                    is_sandbox: draft.is_sandbox,
                },
                now,
            )
            .map_err(|e| match e {
                StoreError::Conflict(_) => ConnectionError::NameTaken(name.to_owned()),
                other => other.into(),
            })?;
            extra(tx, id)?;
            let key = SecretKey::new(workspace_id, id);
            self.ctx
                .secrets
                .put(key, &secret)
                .map_err(ConnectionError::from)?;
            stored_key = Some(key);
            Ok(rows::get(tx, workspace_id, id)?.ok_or(ConnectionError::NotFound)?)
        });
        if result.is_err() {
            if let Some(key) = stored_key {
                // The row was rolled back after the keyring took the secret: take it out again.
                if let Err(error) = self.ctx.secrets.delete(key) {
                    tracing::warn!(%error, "an unused keyring entry was left behind");
                }
            }
        }
        let row = result?;
        tracing::info!(
            workspace = workspace_id.get(),
            connection = row.id.get(),
            carrier = %row.carrier,
            "carrier connected"
        );
        Ok(row)
    }

    pub fn list(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<ConnectionSummary>, ConnectionError> {
        let (connections, counts) = self.ctx.store.read(|c| {
            Ok::<_, StoreError>((
                rows::list(c, workspace_id)?,
                rows::number_counts(c, workspace_id)?,
            ))
        })?;
        Ok(connections
            .into_iter()
            .map(|connection| {
                let number_count = counts
                    .iter()
                    .find(|(id, _)| *id == connection.id)
                    .map_or(0, |(_, count)| *count);
                ConnectionSummary {
                    connection,
                    number_count,
                }
            })
            .collect())
    }

    pub fn get(
        &self,
        workspace_id: WorkspaceId,
        id: ConnectionId,
    ) -> Result<ConnectionRow, ConnectionError> {
        self.ctx
            .store
            .read(|c| rows::get(c, workspace_id, id))?
            .ok_or(ConnectionError::NotFound)
    }

    /// The connection's credentials, from the keyring.
    pub fn credentials(
        &self,
        workspace_id: WorkspaceId,
        id: ConnectionId,
    ) -> Result<Credentials, ConnectionError> {
        self.get(workspace_id, id)?;
        let secret = self
            .ctx
            .secrets
            .get(SecretKey::new(workspace_id, id))?
            .ok_or(ConnectionError::CredentialsMissing)?;
        Ok(Credentials::from_secret(&secret)?)
    }
}

impl Connections<'_> {
    /// Replaces the connection's keyring entry with `credentials` (one write: the entry holds
    /// either the old credentials or the new ones).
    pub fn replace_credentials(
        &self,
        workspace_id: WorkspaceId,
        id: ConnectionId,
        credentials: &Credentials,
    ) -> Result<(), ConnectionError> {
        self.get(workspace_id, id)?;
        self.ctx
            .secrets
            .put(SecretKey::new(workspace_id, id), &credentials.to_secret())?;
        Ok(())
    }
}

/// What managed mode sets on the numbers of `connection` in `workspace`: the workspace's webhooks
/// for Twilio, the connection's TeXML application and messaging profile for Telnyx. `None` for a
/// Telnyx connection saved without a TeXML application.
pub fn managed_target(workspace: &Workspace, connection: &ConnectionRow) -> Option<ManagedTarget> {
    match connection.carrier.as_str() {
        "twilio" => Some(ManagedTarget::twilio(&workspace.webhook_base_url)),
        _ => Some(ManagedTarget::Telnyx {
            connection_id: connection.texml_connection_id.clone()?,
            messaging_profile_id: connection.messaging_profile_id.clone(),
        }),
    }
}
