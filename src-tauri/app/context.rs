//! What every core service needs, opened once at start: the database, the keyring, the clock and
//! the log redactor. The desktop shell holds one of these; tests build their own.

use crate::domain::failure::{Classified, UserError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::Clock;
use crate::flows::workspaces::{WorkspaceError, Workspaces};
use crate::logging::Redactor;
use crate::secrets::{self, SecretKey, SecretStore, SecretsError};
use crate::store::{self, Store, StoreError};

/// Where NumberDesk keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub database: PathBuf,
}

/// The app's identifier (`tauri.conf.json`): the name of its data folders and keyring service.
pub const APP_IDENTIFIER: &str = "app.numberdesk.desktop";
/// Set this to keep every file of a run (database, logs, settings) in one folder, as tests do.
pub const DATA_DIR_ENV: &str = "NUMBERDESK_DATA_DIR";
/// Set this to use another keyring service name, so a test run never touches real entries.
pub const KEYRING_SERVICE_ENV: &str = "NUMBERDESK_KEYRING_SERVICE";

impl Paths {
    /// Everything under one folder: `numberdesk.sqlite3` and `logs/`.
    pub fn under(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            log_dir: data_dir.join("logs"),
            database: data_dir.join(store::DATABASE_FILE),
        }
    }
}

pub struct Context {
    pub store: Store,
    pub secrets: Arc<dyn SecretStore>,
    pub clock: Arc<dyn Clock>,
    pub redactor: Redactor,
    /// Why the keyring cannot be used, when it cannot; checked once at start.
    pub keyring_problem: Option<String>,
    /// Journal keys being acted on in this process (the one registry every flow and reconciler
    /// shares).
    pub claims: crate::store::journal::Claims,
}

impl Context {
    pub fn open(
        database: &Path,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
        redactor: Redactor,
    ) -> Result<Self, StoreError> {
        let store = Store::open(database)?;
        let keyring_problem = secrets.probe().err().map(|error| error.to_string());
        if let Some(problem) = &keyring_problem {
            tracing::warn!(%problem, "keyring unavailable; credentials cannot be stored");
        }
        Ok(Self {
            store,
            secrets,
            clock,
            redactor,
            keyring_problem,
            claims: Default::default(),
        })
    }

    pub fn workspaces(&self) -> Workspaces<'_> {
        Workspaces::new(&self.store, self.clock.as_ref())
    }

    /// Deletes a workspace with everything in it, then its connections' credentials. The database
    /// goes first because it is what the user sees; a keyring entry left behind (if the keyring
    /// fails) is inert, because connection ids are never reused, and is logged for clean-up.
    /// Returns the ids of the connections that went with it.
    pub fn delete_workspace(&self, id: WorkspaceId) -> Result<Vec<ConnectionId>, WorkspaceError> {
        let connections = self.workspaces().delete(id)?;
        for connection in &connections {
            let key = SecretKey::new(id, *connection);
            if let Err(error) = self.secrets.delete(key) {
                tracing::warn!(%error, "credentials of a deleted workspace stay in the keyring");
            }
        }
        Ok(connections)
    }

    /// Connections of a workspace whose credentials are missing from the keyring.
    pub fn missing_credentials(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<SecretKey>, ContextError> {
        let connections = self
            .store
            .read(|c| store::workspaces::connection_ids(c, workspace_id))?;
        Ok(secrets::missing(
            self.secrets.as_ref(),
            connections
                .into_iter()
                .map(|connection| SecretKey::new(workspace_id, connection)),
        )?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}

impl UserError for ContextError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Secrets(inner) => Classified::Wraps(inner),
        }
    }
}
