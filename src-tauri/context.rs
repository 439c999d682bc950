//! What every core service needs, opened once at start: the database, the keyring, the clock and
//! the log redactor. The desktop shell holds one of these; tests build their own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::Clock;
use crate::logging::Redactor;
use crate::secrets::{self, SecretKey, SecretStore, SecretsError};
use crate::store::{self, Store, StoreError};
use crate::workspaces::{WorkspaceError, Workspaces};

/// Where NumberDesk keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub database: PathBuf,
}

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
        })
    }

    pub fn workspaces(&self) -> Workspaces<'_> {
        Workspaces::new(&self.store, self.clock.as_ref())
    }

    /// Deletes a workspace with everything in it, then its connections' credentials. The database
    /// goes first because it is what the user sees; a keyring entry left behind (if the keyring
    /// fails) is inert, because connection ids are never reused, and is logged for clean-up.
    pub fn delete_workspace(&self, id: i64) -> Result<(), WorkspaceError> {
        let connections = self.workspaces().delete(id)?;
        for connection in connections {
            let key = SecretKey::new(id, connection);
            if let Err(error) = self.secrets.delete(key) {
                tracing::warn!(%error, "credentials of a deleted workspace stay in the keyring");
            }
        }
        Ok(())
    }

    /// Connections of a workspace whose credentials are missing from the keyring.
    pub fn missing_credentials(&self, workspace_id: i64) -> Result<Vec<SecretKey>, ContextError> {
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

/// Blocking work of the core (SQLite, keyring) that stopped before it finished.
#[derive(Debug, thiserror::Error)]
#[error("a background task failed: {0}")]
pub struct TaskFailed(String);

/// Runs blocking core work on the blocking pool, for the async services. Each service's error
/// type says how a task that died is reported (`From<TaskFailed>`).
pub async fn blocking<T, E>(
    ctx: &Arc<Context>,
    work: impl FnOnce(&Context) -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<TaskFailed> + Send + 'static,
{
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || work(&ctx))
        .await
        .map_err(|e| E::from(TaskFailed(e.to_string())))?
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}
