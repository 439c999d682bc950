//! The one way into the core. [`App`] opens the store, the keyring, the clock and the log redactor
//! once; owns the router of carrier accounts (which endpoints each connection talks to, from its
//! own row), the flow services, the in-app carrier sandbox and every background task. Each
//! operation is one method a shell calls: the Tauri commands and `numberdesk-cli` are thin
//! callers of this module and hold no rule of their own.
//!
//! It never names Tauri or a terminal. Long work reports through plain callbacks, and the
//! background tasks report through [`AppEvent`], which each shell turns into what it shows.

pub mod blocking;
pub mod context;
mod export;
mod imports;
mod manage;
mod pool;
pub mod sandbox_mode;
mod trunks;
mod workspaces;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::carriers::account::CarrierEndpoints;
use crate::carriers::ClientOptions;
use crate::clock::{Clock, SystemClock};
use crate::flows::accounts::Accounts;
use crate::flows::import::{ImportProgress, ImportRegistry};
use crate::flows::purchase::{OrderUpdate, Purchases};
use crate::logging::Redactor;
use crate::secrets::{KeyringStore, SecretStore, DEFAULT_SERVICE};
use crate::store::StoreError;
use blocking::TaskFailed;
use context::{Context, Paths, APP_IDENTIFIER, DATA_DIR_ENV, KEYRING_SERVICE_ENV};

pub use export::{ExportError, ExportFile};
pub use imports::{ImportableList, Imports};
pub use manage::{Agents, Audit, Carriers, Numbers};
pub use pool::{PoolIds, PoolSettings, PoolSettingsError, PoolSetup};
pub use sandbox_mode::{SandboxMode, SandboxModeError};
pub use trunks::Trunks;
pub use workspaces::{Credits, Session, Workspaces};

/// How often the background task syncs pending orders, unless the configuration says otherwise.
pub const ORDER_SYNC_EVERY: Duration = Duration::from_secs(30);
/// Overrides [`ORDER_SYNC_EVERY`], in whole seconds (the end-to-end tests shorten it).
pub const ORDER_SYNC_ENV: &str = "NUMBERDESK_ORDER_SYNC_SECS";

/// What the App is opened with. [`AppConfig::from_env`] is what both shells use; tests build
/// their own (a manual clock, an in-memory keyring, the sandbox as the "real" carriers).
pub struct AppConfig {
    pub paths: Paths,
    pub secrets: Arc<dyn SecretStore>,
    pub clock: Arc<dyn Clock>,
    pub redactor: Redactor,
    /// The real carrier hosts, or what `NUMBERDESK_*_URL` points them at.
    pub endpoints: CarrierEndpoints,
    pub client_options: ClientOptions,
    pub order_sync_every: Duration,
}

impl AppConfig {
    /// The system keyring (service from `NUMBERDESK_KEYRING_SERVICE`), the wall clock, the real
    /// carrier hosts with any `NUMBERDESK_*_URL` override, and `NUMBERDESK_ORDER_SYNC_SECS`.
    pub fn from_env(paths: Paths, redactor: Redactor) -> Self {
        let service =
            std::env::var(KEYRING_SERVICE_ENV).unwrap_or_else(|_| DEFAULT_SERVICE.to_owned());
        let order_sync_every = std::env::var(ORDER_SYNC_ENV)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map_or(ORDER_SYNC_EVERY, Duration::from_secs);
        Self {
            paths,
            secrets: Arc::new(KeyringStore::new(service, redactor.clone())),
            clock: Arc::new(SystemClock),
            redactor,
            endpoints: CarrierEndpoints::from_env(),
            client_options: ClientOptions::default(),
            order_sync_every,
        }
    }
}

/// The data folder both shells use: `NUMBERDESK_DATA_DIR` when set (database, logs and settings
/// together), else the platform's folders for the app's identifier, as Tauri resolves them
/// (`~/.local/share/app.numberdesk.desktop` on Linux).
pub fn default_paths() -> Option<Paths> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(Paths::under(&PathBuf::from(dir)));
    }
    let data_dir = dirs::data_dir()?.join(APP_IDENTIFIER);
    #[cfg(target_os = "macos")]
    let log_dir = dirs::home_dir()?.join("Library/Logs").join(APP_IDENTIFIER);
    #[cfg(not(target_os = "macos"))]
    let log_dir = dirs::data_local_dir()?.join(APP_IDENTIFIER).join("logs");
    Some(Paths {
        log_dir,
        database: data_dir.join(crate::store::DATABASE_FILE),
        data_dir,
    })
}

/// What the background tasks tell a shell.
#[derive(Debug, Clone)]
pub enum AppEvent {
    /// A pool order completed or failed (the background sync saw it).
    OrderFinished(OrderUpdate),
    /// An import the app resumed at start (one a stopped app left running) ended.
    ImportFinished(ImportProgress),
}

/// The core, opened. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Arc<Context>,
    paths: Paths,
    accounts: Accounts,
    purchases: Purchases,
    imports: ImportRegistry,
    listings: imports::Listings,
    sandbox: Arc<sandbox_mode::SandboxHost>,
    order_sync_every: Duration,
    /// The carrier hosts in force that are not the real carriers' (`NUMBERDESK_*_URL`).
    carrier_overrides: Vec<(&'static str, String)>,
    /// Stops every background task.
    stop: CancellationToken,
}

impl App {
    /// Opens the database (migrating it) and checks the keyring. Nothing is called at a carrier
    /// and nothing runs in the background until [`App::start_background`].
    pub fn open(config: AppConfig) -> Result<App, StoreError> {
        let ctx = Arc::new(Context::open(
            &config.paths.database,
            config.secrets,
            config.clock,
            config.redactor,
        )?);
        let carrier_overrides = config.endpoints.overrides();
        for (variable, url) in &carrier_overrides {
            tracing::warn!(
                variable,
                url,
                "a carrier host is overridden: credentials go there"
            );
        }
        let accounts = Accounts::new(ctx.clone(), config.endpoints, config.client_options);
        let sandbox = Arc::new(sandbox_mode::SandboxHost::default());
        accounts.set_launcher(sandbox.clone());
        Ok(App {
            inner: Arc::new(Inner {
                purchases: Purchases::new(accounts.clone()),
                sandbox,
                ctx,
                paths: config.paths,
                accounts,
                imports: ImportRegistry::default(),
                listings: imports::Listings::default(),
                order_sync_every: config.order_sync_every,
                carrier_overrides,
                stop: CancellationToken::new(),
            }),
        })
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.inner.ctx
    }

    pub fn paths(&self) -> &Paths {
        &self.inner.paths
    }

    /// The carrier hosts in force that are not the real carriers', as `(variable, url)`: the
    /// shells say so, since saved credentials are sent there.
    pub fn carrier_overrides(&self) -> &[(&'static str, String)] {
        &self.inner.carrier_overrides
    }

    /// Why the system keyring cannot be used, when it cannot (checked once at open).
    pub fn keyring_problem(&self) -> Option<&str> {
        self.inner.ctx.keyring_problem.as_deref()
    }

    /// Every carrier account, routed by each connection's own row.
    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    pub fn workspaces(&self) -> Workspaces<'_> {
        Workspaces::new(self)
    }

    pub fn imports(&self) -> Imports<'_> {
        Imports::new(self)
    }

    /// Search, buy, orders, release. Methods take a workspace id; the carrier each workspace and
    /// connection talks to is the router's to decide.
    pub fn purchases(&self) -> &Purchases {
        &self.inner.purchases
    }

    pub fn pool(&self) -> PoolSettings<'_> {
        PoolSettings::new(self)
    }

    pub fn numbers(&self) -> Numbers<'_> {
        Numbers::new(self)
    }

    pub fn agents(&self) -> Agents<'_> {
        Agents::new(self)
    }

    pub fn audit(&self) -> Audit<'_> {
        Audit::new(self)
    }

    /// Sync, inbound regions, disconnect and the checks of a workspace's carrier connections.
    pub fn carriers(&self) -> Carriers<'_> {
        Carriers::new(self)
    }

    /// SIP trunk connections: connect, and the numbers added to them by hand or from CSV.
    pub fn trunks(&self) -> Trunks<'_> {
        Trunks::new(self)
    }

    pub fn sandbox(&self) -> SandboxMode<'_> {
        SandboxMode::new(self)
    }

    /// Runs blocking core work (SQLite, the keyring) off the async runtime.
    pub(crate) async fn blocking<T, E>(
        &self,
        work: impl FnOnce(&Context) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<TaskFailed> + Send + 'static,
    {
        blocking::blocking(&self.inner.ctx, work).await
    }

    /// Stops the in-app sandbox; sandbox connections can no longer be reached.
    pub(crate) async fn stop_sandbox(&self) {
        self.inner.sandbox.stop().await;
        // Clearing the route opens nothing, so it cannot fail.
        let _ = self.inner.accounts.set_sandbox(None);
    }

    /// Starts the background work, once per process, on the current tokio runtime. Three tasks
    /// run side by side, so that one waiting on a slow carrier holds up neither of the others:
    /// Sandbox mode brought back if it was on; imports the app was running resumed, each told to
    /// `on_event` when it ends; and the number pool's account loaded, region changes a crash cut
    /// short settled, then the order sync every `order_sync_every` (which also settles purchases
    /// left unconfirmed). A task that needs the sandbox starts it through the account router.
    pub fn start_background(&self, on_event: impl Fn(AppEvent) + Send + Sync + 'static) {
        let on_event: Arc<dyn Fn(AppEvent) + Send + Sync> = Arc::new(on_event);
        let app = self.clone();
        tokio::spawn(async move { app.sandbox().restore().await });

        let app = self.clone();
        let tell = on_event.clone();
        tokio::spawn(async move {
            let resumed = match app.imports().resume().await {
                Ok(resumed) => resumed,
                Err(error) => {
                    tracing::error!(%error, "could not read unfinished imports");
                    return;
                }
            };
            for import_id in resumed {
                let (app, tell) = (app.clone(), tell.clone());
                tokio::spawn(async move {
                    match app.imports().watch(import_id, |_| true).await {
                        Ok(done) => tell(AppEvent::ImportFinished(done)),
                        Err(error) => {
                            tracing::warn!(import = import_id, %error, "lost sight of a resumed import")
                        }
                    }
                });
            }
        });

        let app = self.clone();
        tokio::spawn(async move {
            app.pool().load().await;
            let regions = app.clone();
            tokio::spawn(async move { regions.reconcile_until_stopped().await });
            let stop = app.inner.stop.clone();
            app.purchases()
                .run_background_sync(app.inner.order_sync_every, stop, move |update| {
                    tracing::info!(order = update.order_id, status = ?update.status, "order finished");
                    on_event(AppEvent::OrderFinished(update.clone()));
                })
                .await;
        });
    }

    /// Region changes, import changes and disconnects left unsettled (a lost answer, or a
    /// crash) are settled from what the carriers have, at start and then every sync interval until the App
    /// stops.
    async fn reconcile_until_stopped(&self) {
        loop {
            let pass = crate::flows::reconcile::pass(self.accounts()).await;
            if !pass.is_empty() {
                tracing::info!(
                    regions_settled = pass.regions.settled,
                    regions_left = pass.regions.left,
                    imports_confirmed = pass.import_changes.confirmed.len(),
                    imports_undone = pass.import_changes.undone.len(),
                    imports_left = pass.import_changes.left,
                    disconnects_rolled_back = pass.disconnects.settled,
                    disconnects_left = pass.disconnects.left,
                    errors = ?pass.errors,
                    "carrier changes reconciled"
                );
            }
            tokio::select! {
                () = self.inner.stop.cancelled() => return,
                () = tokio::time::sleep(self.inner.order_sync_every) => {}
            }
        }
    }

    /// Stops the background tasks and the sandbox.
    pub async fn shutdown(&self) {
        self.inner.stop.cancel();
        self.stop_sandbox().await;
    }
}
