//! Importing numbers a user already owns, as the shells drive it: list the account's numbers
//! (kept for a few minutes, since the import snapshots what the listing showed), preview the
//! changes, start an import that runs in the background, watch its progress, cancel it, and
//! resume the ones a stopped app left running.

use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::App;
use crate::carriers::account::ConnectionKey;
use crate::carriers::OwnedNumber;
use crate::flows::import::{
    changes, Candidate, ImportError, ImportProgress, ImportState, Importer, NumberPreview,
    WebhookMode,
};

/// How long a listing of a connection's numbers is used before it is fetched again.
const LISTING_KEPT_FOR: chrono::Duration = chrono::Duration::minutes(5);
/// How often a watcher polls the journal for an import this process has not picked up yet.
const JOURNAL_POLL: Duration = Duration::from_millis(250);
/// At most this often a watcher hears of progress; the latest state always reaches it.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// A connection's numbers at the carrier, and when they were listed.
type Listing = (DateTime<Utc>, Arc<Vec<OwnedNumber>>);

/// The last listing of each connection's numbers.
#[derive(Default)]
pub(super) struct Listings {
    kept: Mutex<HashMap<ConnectionKey, Listing>>,
}

impl Listings {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnectionKey, Listing>> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn forget(&self, key: ConnectionKey) {
        self.lock().remove(&key);
    }
}

/// A connection's numbers at the carrier, each marked if the workspace holds it already.
#[derive(Debug, Clone)]
pub struct ImportableList {
    pub numbers: Vec<Candidate>,
    pub fetched_at: DateTime<Utc>,
}

pub struct Imports<'a> {
    app: &'a App,
}

impl<'a> Imports<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    fn importer(&self) -> Importer {
        Importer::new(self.app.context().clone(), self.app.inner.imports.clone())
    }

    /// Lists the connection's numbers at the carrier (every page) and keeps the listing.
    pub async fn list_importable(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<ImportableList, ImportError> {
        let (fetched_at, listed) = self.refresh(workspace_id, connection_id).await?;
        let importer = self.importer();
        let numbers = self
            .app
            .blocking(move |_| importer.candidates(workspace_id, listed.as_ref().clone()))
            .await?;
        Ok(ImportableList {
            numbers,
            fetched_at,
        })
    }

    /// What importing `numbers` in `mode` would change at the carrier, number by number.
    pub async fn preview(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        numbers: &[String],
        mode: WebhookMode,
    ) -> Result<Vec<NumberPreview>, ImportError> {
        let listed = self.listing(workspace_id, connection_id).await?;
        let importer = self.importer();
        let target = self
            .app
            .blocking(move |_| importer.target(workspace_id, connection_id))
            .await?;
        let wanted: HashSet<&str> = numbers.iter().map(String::as_str).collect();
        Ok(listed
            .iter()
            .filter(|n| wanted.contains(n.e164.as_str()))
            .map(|n| NumberPreview {
                e164: n.e164.to_string(),
                changes: match mode {
                    WebhookMode::OutboundOnly => Vec::new(),
                    WebhookMode::Managed => changes(&n.routing, &target),
                },
            })
            .collect())
    }

    /// Journals an import of `numbers` and runs it in the background. Returns its id, to watch.
    pub async fn start(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        numbers: Vec<String>,
        mode: WebhookMode,
    ) -> Result<i64, ImportError> {
        let listed = self.listing(workspace_id, connection_id).await?;
        // Opened first: an import whose account cannot be opened is never journalled.
        self.app
            .accounts()
            .connection(workspace_id, connection_id)
            .await?;
        let importer = self.importer();
        let import_id = self
            .app
            .blocking(move |_| importer.start(workspace_id, connection_id, &listed, &numbers, mode))
            .await?;
        self.spawn(import_id, workspace_id, connection_id);
        Ok(import_id)
    }

    /// Follows an import until it ends, handing each progress to `on_progress` (at most ten a
    /// second, the latest always). Stops early, returning the progress then, when `on_progress`
    /// returns false (the watcher went away). An import the journal says is running but that this
    /// process has not picked up yet (the resume at start is still opening its account) is
    /// reported from the journal until it has.
    pub async fn watch(
        &self,
        import_id: i64,
        mut on_progress: impl FnMut(&ImportProgress) -> bool,
    ) -> Result<ImportProgress, ImportError> {
        let mut progress = loop {
            if let Some(progress) = self.app.inner.imports.watch(import_id) {
                break progress;
            }
            let now = self.progress(import_id).await?;
            if !on_progress(&now) || now.state != ImportState::Running {
                return Ok(now);
            }
            tokio::time::sleep(JOURNAL_POLL).await;
        };
        loop {
            let now = progress.borrow_and_update().clone();
            if !on_progress(&now) || now.state != ImportState::Running {
                return Ok(now);
            }
            if progress.changed().await.is_err() {
                // The run ended and dropped its sender: the journal has the final word.
                let done = self.progress(import_id).await?;
                on_progress(&done);
                return Ok(done);
            }
            tokio::time::sleep(PROGRESS_EVERY).await;
        }
    }

    /// [`Imports::watch`] for a window showing `workspace_id`: an import of another workspace is
    /// `NotFound`, as if it did not exist, and nothing of it is reported.
    pub async fn watch_in_workspace(
        &self,
        workspace_id: WorkspaceId,
        import_id: i64,
        on_progress: impl FnMut(&ImportProgress) -> bool,
    ) -> Result<ImportProgress, ImportError> {
        self.of_workspace(workspace_id, import_id).await?;
        self.watch(import_id, on_progress).await
    }

    /// [`Imports::cancel`] for a window showing `workspace_id`: an import of another workspace
    /// is `NotFound` and goes on.
    pub async fn cancel_in_workspace(
        &self,
        workspace_id: WorkspaceId,
        import_id: i64,
    ) -> Result<bool, ImportError> {
        self.of_workspace(workspace_id, import_id).await?;
        Ok(self.cancel(import_id))
    }

    async fn of_workspace(
        &self,
        workspace_id: WorkspaceId,
        import_id: i64,
    ) -> Result<(), ImportError> {
        match self.progress(import_id).await? {
            found if found.workspace_id == workspace_id => Ok(()),
            _ => Err(ImportError::NotFound),
        }
    }

    /// The progress of an import, from the journal.
    pub async fn progress(&self, import_id: i64) -> Result<ImportProgress, ImportError> {
        let importer = self.importer();
        self.app
            .blocking(move |_| importer.progress(import_id))
            .await
    }

    /// Asks a running import to stop after the numbers already under way. False when this
    /// process is not running it.
    pub fn cancel(&self, import_id: i64) -> bool {
        self.app.inner.imports.cancel(import_id)
    }

    /// The workspace's recent imports, newest first.
    pub async fn list(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<ImportProgress>, ImportError> {
        let importer = self.importer();
        self.app
            .blocking(move |_| importer.list(workspace_id))
            .await
    }

    /// Imports the journal says were running when the app stopped go on now, in the background.
    /// Returns their ids, to watch.
    pub async fn resume(&self) -> Result<Vec<i64>, ImportError> {
        let importer = self.importer();
        let unfinished = self.app.blocking(move |_| importer.unfinished()).await?;
        Ok(unfinished
            .into_iter()
            .filter(|import| self.app.inner.imports.watch(import.id).is_none())
            .map(|import| {
                tracing::info!(import = import.id, "resuming an import");
                self.spawn(import.id, import.workspace_id, import.connection_id);
                import.id
            })
            .collect())
    }

    /// Runs an import on the runtime, its carrier account opened first.
    fn spawn(&self, import_id: i64, workspace_id: WorkspaceId, connection_id: ConnectionId) {
        let app = self.app.clone();
        tokio::spawn(async move {
            let account = match app.accounts().connection(workspace_id, connection_id).await {
                Ok(account) => account,
                Err(error) => {
                    tracing::error!(import = import_id, %error, "cannot run an import");
                    return;
                }
            };
            if let Err(error) = app.imports().importer().run(import_id, account).await {
                tracing::error!(import = import_id, %error, "import stopped");
            }
        });
    }

    /// The kept listing while it is recent, or a fresh one.
    async fn listing(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<Arc<Vec<OwnedNumber>>, ImportError> {
        let now = self.app.context().clock.now();
        let kept = self
            .app
            .inner
            .listings
            .lock()
            .get(&(workspace_id, connection_id))
            .filter(|(at, _)| now - *at < LISTING_KEPT_FOR)
            .map(|(_, listed)| listed.clone());
        match kept {
            Some(listed) => Ok(listed),
            None => Ok(self.refresh(workspace_id, connection_id).await?.1),
        }
    }

    async fn refresh(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<Listing, ImportError> {
        let account = self
            .app
            .accounts()
            .connection(workspace_id, connection_id)
            .await?;
        let listed = Arc::new(account.list_numbers(&mut |_| {}).await?);
        let at = self.app.context().clock.now();
        self.app
            .inner
            .listings
            .lock()
            .insert((workspace_id, connection_id), (at, listed.clone()));
        Ok((at, listed))
    }
}
