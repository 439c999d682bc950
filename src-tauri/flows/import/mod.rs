//! Importing numbers a user already owns at Twilio or Telnyx (bring your own carrier).
//!
//! An import is journalled before anything happens: one `imports` row and one `import_items` row
//! per number, all pending. Each number then settles on its own: in "outbound only" mode it is
//! recorded and nothing at the carrier changes; in "managed" mode the carrier's configuration is
//! saved first (the snapshot a later restore uses), then changed, then the number is recorded and
//! its item marked done in the same transaction. A number that fails is reported with its reason
//! and the others go on. Killed half-way, the import resumes from its pending items: nothing is
//! imported twice (recording and settling are one transaction) and the saved snapshot is the
//! user's original, never our own values read back.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::blocking::{self, TaskFailed};
use crate::app::context::Context;
use crate::carriers::account::CarrierAccount;
use crate::carriers::{CarrierError, OwnedNumber, Routing};
pub use crate::domain::kinds::WebhookMode;
use crate::domain::kinds::{NumberStatus, Source};
pub use crate::domain::target::{changes, FieldChange, ManagedTarget, NumberPreview};
use crate::flows::accounts::AccountUnavailable;
use crate::flows::connect::connections::{managed_target, ConnectionError, Connections};
use crate::store::imports::{self, ImportRow, ItemRow, NewItem};
use crate::store::numbers::{self, NewNumber};
use crate::store::StoreError;

pub mod reconcile;

/// Numbers worked on at once, per request the carrier currently allows in flight. Each number
/// makes two calls one after the other, so two per slot keep every slot busy (which the adaptive
/// limiter needs in order to grow), while the queue stays short enough that a cancel takes effect
/// within about one round trip.
const NUMBERS_PER_SLOT: usize = 2;

/// A listing younger than this is taken as the carrier's current configuration for the snapshot;
/// an older one (an import resumed long after it started) is read again from the carrier.
const FRESH_LISTING: chrono::Duration = chrono::Duration::minutes(10);

/// The mode a person chose: `outbound_only` or `managed` as the window sends them, or the CLI's
/// `outbound-only`.
pub fn mode(text: &str) -> Result<WebhookMode, ImportError> {
    text.trim()
        .replace('-', "_")
        .parse()
        .map_err(|_| ImportError::UnknownMode(text.to_owned()))
}

/// A number of the carrier account, as the picker lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub number: OwnedNumber,
    pub already_imported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportFailure {
    pub e164: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    Running,
    Finished,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProgress {
    pub import_id: i64,
    pub workspace_id: WorkspaceId,
    pub connection_id: ConnectionId,
    pub state: ImportState,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub cancelled: i64,
    /// Recorded with their snapshot after a change at the carrier that may have gone through
    /// although its call failed; the reconciler settles them. They are listed in `failures`
    /// with their reason too.
    pub unconfirmed: i64,
    pub failures: Vec<ImportFailure>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("Pick at least one number to import.")]
    NothingSelected,
    #[error("{} already in this workspace: {}. Deselect {} and try again.", if .0.len() == 1 { "This number is" } else { "These numbers are" }, .0.join(", "), if .0.len() == 1 { "it" } else { "them" })]
    AlreadyImported(Vec<String>),
    #[error("{} no longer in this carrier account: {}. Reload the list.", if .0.len() == 1 { "This number is" } else { "These numbers are" }, .0.join(", "))]
    NotInAccount(Vec<String>),
    #[error("This Telnyx connection has no TeXML application (Connection ID). Connect it again with one.")]
    NoTexmlConnection,
    #[error("This import no longer exists.")]
    NotFound,
    #[error(
        "Choose \"Outbound only\" or \"Allow webhook & messaging updates\" (\"{0}\" is neither)."
    )]
    UnknownMode(String),
    #[error("The import journal is damaged ({0}); start the import again.")]
    Journal(String),
    #[error(transparent)]
    Task(#[from] TaskFailed),
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserError for ImportError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Carrier(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NotFound => Classified::Kind(ErrorKind::NotFound),
            Self::Journal(_) => Classified::Kind(ErrorKind::Storage),
            Self::NothingSelected
            | Self::AlreadyImported(_)
            | Self::NotInAccount(_)
            | Self::NoTexmlConnection
            | Self::UnknownMode(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

#[derive(Clone)]
struct Running {
    cancel: CancellationToken,
    progress: watch::Receiver<ImportProgress>,
}

/// The imports running in this process, for watching progress and cancelling.
#[derive(Clone, Default)]
pub struct ImportRegistry {
    running: Arc<Mutex<HashMap<i64, Running>>>,
}

impl ImportRegistry {
    pub fn watch(&self, import_id: i64) -> Option<watch::Receiver<ImportProgress>> {
        self.lock().get(&import_id).map(|r| r.progress.clone())
    }

    /// Asks a running import to stop after the numbers already under way. False if not running.
    pub fn cancel(&self, import_id: i64) -> bool {
        match self.lock().get(&import_id) {
            Some(running) => {
                running.cancel.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Import operations over the core.
pub struct Importer {
    ctx: Arc<Context>,
    registry: ImportRegistry,
}

impl Importer {
    pub fn new(ctx: Arc<Context>, registry: ImportRegistry) -> Self {
        Self { ctx, registry }
    }

    /// Marks which of the account's numbers the workspace already holds.
    pub fn candidates(
        &self,
        workspace_id: WorkspaceId,
        listed: Vec<OwnedNumber>,
    ) -> Result<Vec<Candidate>, ImportError> {
        let held = self
            .ctx
            .store
            .read(|c| numbers::held_e164s(c, workspace_id))?;
        Ok(listed
            .into_iter()
            .map(|number| Candidate {
                already_imported: held.contains(number.e164.as_str()),
                number,
            })
            .collect())
    }

    pub fn target(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<ManagedTarget, ImportError> {
        let workspace = self
            .ctx
            .workspaces()
            .get(workspace_id)
            .map_err(ConnectionError::from)?;
        let connection = Connections::new(&self.ctx).get(workspace_id, connection_id)?;
        managed_target(&workspace, &connection).ok_or(ImportError::NoTexmlConnection)
    }

    /// Journals an import of `selected` (e164s) out of the account's `listed` numbers. Refuses,
    /// changing nothing, when a number is already in the workspace or not in the account.
    pub fn start(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        listed: &[OwnedNumber],
        selected: &[String],
        mode: WebhookMode,
    ) -> Result<i64, ImportError> {
        if selected.is_empty() {
            return Err(ImportError::NothingSelected);
        }
        let target = self.target(workspace_id, connection_id)?;
        let by_e164: HashMap<&str, &OwnedNumber> =
            listed.iter().map(|n| (n.e164.as_str(), n)).collect();
        let mut seen = HashSet::new();
        let mut missing = Vec::new();
        let mut chosen = Vec::new();
        for e164 in selected {
            if !seen.insert(e164.as_str()) {
                continue;
            }
            match by_e164.get(e164.as_str()) {
                Some(number) => chosen.push(*number),
                None => missing.push(e164.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(ImportError::NotInAccount(missing));
        }
        let target_json = serde_json::to_string(&target).expect("targets serialise");
        let now = self.ctx.clock.now();
        let id = self.ctx.store.write(|tx| {
            let held = numbers::held_e164s(tx, workspace_id)?;
            // Also refuse numbers another running import of this workspace is about to add.
            let mut duplicates: Vec<String> = chosen
                .iter()
                .filter(|n| held.contains(n.e164.as_str()))
                .map(|n| n.e164.to_string())
                .collect();
            for running in imports::running(tx)?
                .into_iter()
                .filter(|r| r.workspace_id == workspace_id)
            {
                for item in imports::pending_items(tx, running.id)? {
                    if chosen.iter().any(|n| n.e164 == item.e164) {
                        duplicates.push(item.e164);
                    }
                }
            }
            if !duplicates.is_empty() {
                duplicates.sort();
                duplicates.dedup();
                return Err(ImportError::AlreadyImported(duplicates));
            }
            let items: Vec<NewItem<'_>> = chosen
                .iter()
                .map(|n| NewItem {
                    e164: n.e164.as_str(),
                    carrier_number_id: &n.carrier_id,
                    number_json: serde_json::to_string(n).expect("numbers serialise"),
                })
                .collect();
            Ok(imports::create(
                tx,
                workspace_id,
                connection_id,
                mode.as_str(),
                &target_json,
                &items,
                now,
            )?)
        })?;
        tracing::info!(
            import = id,
            workspace = workspace_id.get(),
            connection = connection_id.get(),
            numbers = chosen.len(),
            mode = mode.as_str(),
            "import journalled"
        );
        Ok(id)
    }

    /// Imports that were running when the app stopped; the caller resumes each with [`run`].
    pub fn unfinished(&self) -> Result<Vec<ImportRow>, ImportError> {
        Ok(self.ctx.store.read(imports::running)?)
    }

    /// The progress of an import, from the journal.
    pub fn progress(&self, import_id: i64) -> Result<ImportProgress, ImportError> {
        let (row, items) = self.ctx.store.read(|c| {
            let row = imports::get(c, import_id)?;
            let items = imports::items(c, import_id)?;
            Ok::<_, StoreError>((row, items))
        })?;
        let row = row.ok_or(ImportError::NotFound)?;
        Ok(progress_of(&row, &items))
    }

    /// The workspace's imports, most recent first.
    pub fn list(&self, workspace_id: WorkspaceId) -> Result<Vec<ImportProgress>, ImportError> {
        let ids = self
            .ctx
            .store
            .read(|c| imports::recent(c, workspace_id, 20))?;
        ids.into_iter().map(|id| self.progress(id)).collect()
    }

    /// Works through the import's pending numbers until none is left, or until cancelled.
    /// Progress is published to the registry for watchers; the final progress is returned.
    pub async fn run(
        &self,
        import_id: i64,
        account: Arc<CarrierAccount>,
    ) -> Result<ImportProgress, ImportError> {
        let ctx = self.ctx.clone();
        let (row, pending) = blocking(&ctx, move |ctx| {
            let row = ctx.store.read(|c| imports::get(c, import_id))?;
            let pending = ctx.store.read(|c| imports::pending_items(c, import_id))?;
            Ok((row, pending))
        })
        .await?;
        let row = row.ok_or(ImportError::NotFound)?;
        let mode = row.webhook_mode;
        let target: ManagedTarget = serde_json::from_str(&row.target_json)
            .map_err(|e| ImportError::Journal(e.to_string()))?;

        let initial = self.progress(import_id)?;
        let (publish, progress) = watch::channel(initial);
        let cancel = CancellationToken::new();
        self.registry.lock().insert(
            import_id,
            Running {
                cancel: cancel.clone(),
                progress,
            },
        );
        let publish = Arc::new(publish);

        let job = Arc::new(Job {
            ctx: ctx.clone(),
            account,
            row: row.clone(),
            mode,
            target,
            tally: Mutex::new(publish.borrow().clone()),
            cancel: cancel.clone(),
            listing_is_fresh: ctx.clock.now() - row.created_at < FRESH_LISTING,
        });
        let finished_one = Arc::new(Notify::new());
        let mut tasks = JoinSet::new();
        'items: for item in pending {
            loop {
                while let Some(done) = tasks.try_join_next() {
                    if let Err(error) = done {
                        tracing::error!(%error, "an import task stopped unexpectedly");
                    }
                }
                let room = job.account.limiter_stats().limit.max(1) * NUMBERS_PER_SLOT + 1;
                if tasks.len() < room {
                    break;
                }
                tokio::select! {
                    () = finished_one.notified() => {}
                    () = cancel.cancelled() => break 'items,
                }
            }
            if cancel.is_cancelled() {
                break;
            }
            let (job, publish, finished_one) = (job.clone(), publish.clone(), finished_one.clone());
            tasks.spawn(async move {
                let now = job.settle(item).await;
                publish.send_replace(now);
                finished_one.notify_one();
            });
        }
        while let Some(done) = tasks.join_next().await {
            if let Err(error) = done {
                tracing::error!(%error, "an import task stopped unexpectedly");
            }
        }

        let state = if cancel.is_cancelled() {
            "cancelled"
        } else {
            "finished"
        };
        let final_progress = blocking(&ctx, move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                if state == "cancelled" {
                    imports::cancel_pending(tx, import_id, now)?;
                }
                imports::finish(tx, import_id, state, now)?;
                record_import(tx, ctx, import_id, now)
            })?;
            Ok(())
        })
        .await
        .and_then(|()| self.progress(import_id));
        self.registry.lock().remove(&import_id);
        let final_progress = final_progress?;
        publish.send_replace(final_progress.clone());
        tracing::info!(
            import = import_id,
            done = final_progress.done,
            failed = final_progress.failed,
            cancelled = final_progress.cancelled,
            state,
            "import ended"
        );
        Ok(final_progress)
    }
}

/// One import's fixed facts, shared by its per-number tasks, and its running tally (kept in
/// memory so that progress costs nothing per number; the journal is the truth at the end).
struct Job {
    ctx: Arc<Context>,
    account: Arc<CarrierAccount>,
    row: ImportRow,
    mode: WebhookMode,
    target: ManagedTarget,
    tally: Mutex<ImportProgress>,
    cancel: CancellationToken,
    /// The journal's copy of each number (listed when the import started) is recent enough to be
    /// its configuration now.
    listing_is_fresh: bool,
}

/// How one number ended in this run.
enum Settled {
    Imported,
    /// Recorded with its snapshot, its change at the carrier not confirmed (the reason says why).
    Unconfirmed(String),
    /// Cancelled before anything at the carrier changed: it stays pending until the run marks
    /// every pending item cancelled.
    Skipped,
}

impl Job {
    /// Takes one pending number to done or failed, and returns the progress after it. Never
    /// panics; every outcome is journalled.
    async fn settle(&self, item: ItemRow) -> ImportProgress {
        let outcome = self.import_one(&item).await;
        let reason = match outcome {
            Ok(settled) => {
                let mut tally = self.tally.lock().unwrap_or_else(|p| p.into_inner());
                match settled {
                    Settled::Imported => tally.done += 1,
                    Settled::Unconfirmed(reason) => {
                        tally.unconfirmed += 1;
                        tally.failures.push(ImportFailure {
                            e164: item.e164.clone(),
                            reason,
                        });
                    }
                    Settled::Skipped => {}
                }
                return tally.clone();
            }
            Err(error) => error.to_string(),
        };
        {
            let mut tally = self.tally.lock().unwrap_or_else(|p| p.into_inner());
            tally.failed += 1;
            tally.failures.push(ImportFailure {
                e164: item.e164.clone(),
                reason: reason.clone(),
            });
        }
        let state = "failed";
        tracing::warn!(import = self.row.id, number = %item.e164, reason = %reason, "a number was not imported");
        let ctx = self.ctx.clone();
        let import_id = self.row.id;
        let e164 = item.e164.clone();
        let result = blocking(&ctx, move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                imports::settle_item(tx, import_id, &e164, state, Some(&reason), now)
            })?;
            Ok(())
        })
        .await;
        if let Err(error) = result {
            tracing::error!(%error, "could not record a failed number; it stays pending and is retried on resume");
        }
        self.tally.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    async fn import_one(&self, item: &ItemRow) -> Result<Settled, ImportError> {
        if self.cancel.is_cancelled() {
            return Ok(Settled::Skipped);
        }
        let listed: OwnedNumber = serde_json::from_str(&item.number_json)
            .map_err(|e| ImportError::Journal(e.to_string()))?;
        let snapshot = match self.mode {
            WebhookMode::OutboundOnly => None,
            WebhookMode::Managed => {
                // The snapshot is saved before the change, and after a crash the saved one wins.
                // It is the listing's copy when that is recent (one call per number instead of
                // two), else the carrier's configuration read now.
                let snapshot = match &item.snapshot_json {
                    Some(saved) => saved.clone(),
                    None => {
                        let routing = if self.listing_is_fresh {
                            listed.routing.clone()
                        } else {
                            self.account
                                .fetch_number(&item.carrier_number_id)
                                .await?
                                .routing
                        };
                        // A Twilio number processed outside us1 takes its calls by that
                        // region's configuration: it is saved too, and changed with us1's.
                        let routing = self
                            .account
                            .with_processing_region(&item.e164, &item.carrier_number_id, routing)
                            .await?;
                        let json = serde_json::to_string(&routing).expect("routing serialises");
                        let (ctx, import_id, e164) =
                            (self.ctx.clone(), self.row.id, item.e164.clone());
                        blocking(&ctx, move |ctx| {
                            let now = ctx.clock.now();
                            Ok(ctx.store.write(|tx| {
                                imports::count_attempt(tx, import_id, &e164, now)?;
                                imports::save_snapshot_once(tx, import_id, &e164, &json, now)
                            })?)
                        })
                        .await?
                    }
                };
                let before: Routing = serde_json::from_str(&snapshot)
                    .map_err(|e| ImportError::Journal(e.to_string()))?;
                // Last point to stop without having changed anything at the carrier. Once the
                // change is sent, the number is recorded whatever happens to the run.
                if self.cancel.is_cancelled() {
                    return Ok(Settled::Skipped);
                }
                if let Err(error) = self
                    .account
                    .apply(&item.carrier_number_id, &before, &self.target)
                    .await
                {
                    return self
                        .after_failed_change(item, listed, snapshot, &before, error)
                        .await;
                }
                Some(snapshot)
            }
        };
        self.record(item, listed, snapshot, None).await
    }

    /// The change at the carrier failed: whether anything changed is the carrier's word. A
    /// refusal that left the number as it was fails the number, as any failure before a change.
    /// Otherwise (a lost answer, which the carrier may still carry out, or Telnyx's messaging
    /// call failing after the connection call went through) the number is recorded now with its
    /// snapshot, so a disconnect can put it back, and left unconfirmed for the reconciler.
    async fn after_failed_change(
        &self,
        item: &ItemRow,
        listed: OwnedNumber,
        snapshot: String,
        before: &Routing,
        error: CarrierError,
    ) -> Result<Settled, ImportError> {
        if !error.is_ambiguous() {
            match self
                .account
                .fetch_number_like(&item.carrier_number_id, before)
                .await
            {
                // Gone from the account, or as it was: nothing of ours is on it.
                Err(CarrierError::NotFound { .. }) => return Err(error.into()),
                Ok(now) if changes(&now.routing, &self.target) == changes(before, &self.target) => {
                    return Err(error.into())
                }
                _ => {}
            }
        }
        tracing::warn!(import = self.row.id, number = %item.e164, %error, "a change at the carrier is not confirmed; the number is recorded and checked again");
        let reason = format!(
            "Changed at the carrier but not confirmed ({}). It is in your numbers with its previous settings saved, and NumberDesk asks the carrier again to finish or undo the change.",
            error.to_string().trim_end_matches('.')
        );
        self.record(item, listed, Some(snapshot), Some(reason))
            .await
    }

    /// Records the number with its snapshot and settles its item in one transaction: done, or
    /// unconfirmed with `unconfirmed`'s reason and an intent for the reconciler.
    async fn record(
        &self,
        item: &ItemRow,
        listed: OwnedNumber,
        snapshot: Option<String>,
        unconfirmed: Option<String>,
    ) -> Result<Settled, ImportError> {
        let (ctx, row, mode, e164) = (
            self.ctx.clone(),
            self.row.clone(),
            self.mode,
            item.e164.clone(),
        );
        blocking(&ctx, move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                let features = listed.features.unwrap_or_default();
                let number_id = numbers::insert(
                    tx,
                    row.workspace_id,
                    &NewNumber {
                        e164: listed.e164.as_str(),
                        carrier: listed.routing.carrier(),
                        source: Source::Imported,
                        status: NumberStatus::Active,
                        number_type: listed.number_type.and_then(store_type),
                        region: listed.region.as_deref(),
                        voice: features.voice,
                        sms: features.sms,
                        mms: features.mms,
                        monthly_cost_credits: 0,
                        connection_id: Some(row.connection_id),
                        carrier_number_id: Some(&listed.carrier_id),
                        webhook_mode: mode,
                        friendly_name: listed.friendly_name.as_deref(),
                    },
                    now,
                )?;
                if let Some(snapshot) = &snapshot {
                    numbers::save_snapshot(tx, number_id, snapshot, now)?;
                    // The snapshot read the Twilio region that processes the number's calls.
                    if let Ok(Routing::Twilio(routing)) = serde_json::from_str::<Routing>(snapshot)
                    {
                        let region = routing
                            .in_region
                            .map_or_else(|| "us1".to_owned(), |r| r.region);
                        crate::store::sync_state::set_inbound_region(
                            tx,
                            row.workspace_id,
                            number_id,
                            &region,
                            now,
                        )?;
                    }
                }
                match &unconfirmed {
                    None => {
                        imports::settle_item(tx, row.id, &e164, "done", None, now)?;
                    }
                    Some(reason) => {
                        imports::settle_item(tx, row.id, &e164, "unconfirmed", Some(reason), now)?;
                        reconcile::intend(tx, &row, &e164, number_id, now)?;
                    }
                }
                Ok::<_, StoreError>(())
            })?;
            Ok(match unconfirmed {
                None => Settled::Imported,
                Some(reason) => Settled::Unconfirmed(reason),
            })
        })
        .await
    }
}

/// The audit entries of a finished (or cancelled) import: what was imported, and in managed
/// mode what was changed at the carrier. Written with the import's last transaction.
fn record_import(
    tx: &rusqlite::Transaction<'_>,
    ctx: &Context,
    import_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
    let Some(row) = imports::get(tx, import_id)? else {
        return Ok(());
    };
    let imported: Vec<String> = imports::items(tx, import_id)?
        .into_iter()
        .filter(|item| item.state == "done")
        .map(|item| item.e164)
        .collect();
    if imported.is_empty() {
        return Ok(());
    }
    let connection = crate::store::connections::get(tx, row.workspace_id, row.connection_id)?;
    let (connection_name, carrier) = match connection {
        Some(c) => (c.name, Some(c.carrier)),
        None => (String::new(), None),
    };
    let count = match imported.len() {
        1 => "1 number".to_owned(),
        n => format!("{n} numbers"),
    };
    let managed = row.webhook_mode == WebhookMode::Managed;
    let mode = if managed {
        "Allow webhook & messaging updates"
    } else {
        "Outbound only"
    };
    let import = AuditRecord::new(
        AuditAction::Import,
        AuditTarget::Local,
        format!("Imported {count} from {connection_name} ({mode})."),
    )
    .connection(connection_name.clone())
    .numbers(imported.clone())
    .before_after(
        None,
        Some(serde_json::json!({ "webhook_mode": row.webhook_mode })),
    );
    record_in(tx, &ctx.redactor, row.workspace_id, &import, now)?;
    if managed {
        let target: Option<serde_json::Value> = serde_json::from_str(&row.target_json).ok();
        let update = AuditRecord::new(
            AuditAction::WebhookUpdate,
            carrier.map_or(AuditTarget::Local, AuditTarget::carrier),
            format!(
                "Pointed {count} at the workspace's voice platform; their previous settings were saved for restore."
            ),
        )
        .connection(connection_name)
        .numbers(imported)
        .before_after(None, target);
        record_in(tx, &ctx.redactor, row.workspace_id, &update, now)?;
    }
    Ok(())
}

/// The number types the table keeps; the carriers' rarer ones are shown as unknown.
fn store_type(kind: crate::carriers::NumberType) -> Option<&'static str> {
    use crate::carriers::NumberType;
    match kind {
        NumberType::Local => Some("local"),
        NumberType::Mobile => Some("mobile"),
        NumberType::TollFree => Some("toll_free"),
        NumberType::National => Some("national"),
        _ => None,
    }
}

fn progress_of(row: &ImportRow, items: &[ItemRow]) -> ImportProgress {
    let mut progress = ImportProgress {
        import_id: row.id,
        workspace_id: row.workspace_id,
        connection_id: row.connection_id,
        state: match row.state.as_str() {
            "running" => ImportState::Running,
            "cancelled" => ImportState::Cancelled,
            _ => ImportState::Finished,
        },
        total: items.len() as i64,
        done: 0,
        failed: 0,
        cancelled: 0,
        unconfirmed: 0,
        failures: Vec::new(),
    };
    for item in items {
        match item.state.as_str() {
            "done" => progress.done += 1,
            "failed" => {
                progress.failed += 1;
                progress.failures.push(ImportFailure {
                    e164: item.e164.clone(),
                    reason: item.reason.clone().unwrap_or_default(),
                });
            }
            "cancelled" => progress.cancelled += 1,
            "unconfirmed" => {
                progress.unconfirmed += 1;
                progress.failures.push(ImportFailure {
                    e164: item.e164.clone(),
                    reason: item.reason.clone().unwrap_or_default(),
                });
            }
            _ => {}
        }
    }
    progress
}

/// [`blocking::blocking`] with this module's error.
async fn blocking<T: Send + 'static>(
    ctx: &Arc<Context>,
    work: impl FnOnce(&Context) -> Result<T, ImportError> + Send + 'static,
) -> Result<T, ImportError> {
    blocking::blocking(ctx, work).await
}
