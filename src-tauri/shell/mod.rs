//! The Tauri shell: builds the window, opens the core once, and exposes commands. The only code
//! that names Tauri. It translates; the core decides.

mod buy;
mod commands;
pub mod dto;
pub mod error;
mod import;
mod manage;
mod settings;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tauri::{Emitter, Manager, WindowEvent};
use tokio_util::sync::CancellationToken;

use crate::accounts::{AccountPool, CarrierAccount, CarrierEndpoints, ConnectionKey};
use crate::carriers::{ClientOptions, OwnedNumber};
use crate::clock::SystemClock;
use crate::context::{Context, Paths, DATA_DIR_ENV, KEYRING_SERVICE_ENV};
use crate::import::ImportRegistry;
use crate::logging::{self, LogGuard, Redactor};
use crate::purchase::{PoolAccount, Purchases};
use crate::sandbox::{Sandbox, SandboxHandle};
use crate::sandbox_mode;
use crate::secrets::{KeyringStore, SecretKey, DEFAULT_SERVICE};
use crate::workspaces::Workspace;
use dto::SessionDto;
use error::IpcError;
use settings::{Settings, WindowSize};

/// How long a listing of a connection's numbers is used before it is fetched again.
const LISTING_KEPT_FOR: Duration = Duration::from_secs(5 * 60);

/// How often the background task syncs pending orders, unless NUMBERDESK_ORDER_SYNC_SECS says.
const ORDER_SYNC_EVERY: Duration = Duration::from_secs(30);

/// Where CSV exports go instead of the Downloads folder.
const EXPORT_DIR_ENV: &str = "NUMBERDESK_EXPORT_DIR";

/// The event the UI hears when the background sync sees an order complete or fail.
const ORDERS_COMPLETED: &str = "orders-completed";

/// A connection's numbers at the carrier, and when they were listed.
type Listing = (Instant, Arc<Vec<OwnedNumber>>);

/// Everything the commands share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    core: Arc<Context>,
    settings: Settings,
    paths: Arc<Paths>,
    /// The carrier sandbox, while Sandbox mode is on.
    sandbox: Arc<tokio::sync::Mutex<Option<SandboxHandle>>>,
    /// The real carrier hosts (or what NUMBERDESK_*_URL points them at).
    endpoints: Arc<CarrierEndpoints>,
    accounts: AccountPool,
    imports: ImportRegistry,
    /// The last listing of each connection's numbers, which the import picks from.
    listings: Arc<Mutex<HashMap<ConnectionKey, Listing>>>,
    /// Searching and buying against the real carriers (and the configured number pool).
    purchases: Purchases,
    /// The same against the in-app sandbox while Sandbox mode is on, with its background sync.
    sandbox_purchases: Arc<Mutex<Option<(Purchases, CancellationToken)>>>,
    /// Where CSV exports are written.
    export_dir: Arc<PathBuf>,
    app: tauri::AppHandle,
    _log: Arc<LogGuard>,
}

impl AppState {
    /// Runs blocking core work (SQLite, keyring) on the blocking pool. `what` completes "could not
    /// …" in the message shown if the task itself dies.
    pub(super) async fn blocking<T: Send + 'static>(
        &self,
        what: &'static str,
        work: impl FnOnce(&AppState) -> Result<T, IpcError> + Send + 'static,
    ) -> Result<T, IpcError> {
        let state = self.clone();
        tauri::async_runtime::spawn_blocking(move || work(&state))
            .await
            .map_err(|_| IpcError::internal(what))?
    }

    /// The workspaces and which one is open: the last one used if it still exists, else the first.
    fn session(&self) -> Result<SessionDto, IpcError> {
        let workspaces = self.core.workspaces().list()?;
        let remembered = self.settings.last_workspace();
        let current = remembered
            .filter(|id| workspaces.iter().any(|w| w.id == *id))
            .or_else(|| workspaces.first().map(|w| w.id));
        if current != remembered {
            self.settings.set_last_workspace(current);
        }
        let sandbox_enabled = workspaces.iter().any(|w| w.is_sandbox);
        Ok(SessionDto {
            sandbox_enabled,
            workspaces: workspaces.into_iter().map(Into::into).collect(),
            current_workspace_id: current,
            theme: self.settings.theme(),
            keyring_available: self.core.keyring_problem.is_none(),
            keyring_problem: self.core.keyring_problem.clone(),
        })
    }
}

fn paths(app: &tauri::AppHandle) -> Result<Paths, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(Paths::under(&PathBuf::from(dir)));
    }
    let data_dir = app.path().app_data_dir()?;
    Ok(Paths {
        log_dir: app.path().app_log_dir()?,
        database: data_dir.join(crate::store::DATABASE_FILE),
        data_dir,
    })
}

fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let handle = app.handle().clone();
    let paths = paths(&handle)?;
    let redactor = Redactor::new();
    let log = logging::init(&paths.log_dir, redactor.clone())?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %paths.data_dir.display(), "NumberDesk starting");

    let service = std::env::var(KEYRING_SERVICE_ENV).unwrap_or_else(|_| DEFAULT_SERVICE.to_owned());
    let secrets = Arc::new(KeyringStore::new(service, redactor.clone()));
    let core = Context::open(&paths.database, secrets, Arc::new(SystemClock), redactor)
        .inspect_err(|error| tracing::error!(%error, "could not open the database"))?;
    let settings = Settings::open(&handle, &paths.data_dir)?;

    if let (Some(window), Some(size)) = (app.get_webview_window("main"), settings.window_size()) {
        let _ = window.set_size(tauri::LogicalSize::new(size.width, size.height));
    }
    let core = Arc::new(core);
    let endpoints = CarrierEndpoints::from_env();
    // One client per connection, whichever flow opens it first.
    let accounts = AccountPool::default();
    let purchases = Purchases::new(
        core.clone(),
        endpoints.clone(),
        ClientOptions::default(),
        None,
        accounts.clone(),
    )?;
    let export_dir = std::env::var_os(EXPORT_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| app.path().download_dir().ok())
        .unwrap_or_else(|| paths.data_dir.join("exports"));
    let state = AppState {
        core,
        settings,
        paths: Arc::new(paths),
        sandbox: Arc::default(),
        endpoints: Arc::new(endpoints),
        accounts,
        imports: ImportRegistry::default(),
        listings: Arc::default(),
        purchases,
        sandbox_purchases: Arc::default(),
        export_dir: Arc::new(export_dir),
        app: handle.clone(),
        _log: Arc::new(log),
    };
    app.manage(state.clone());
    // The number pool's account from the keyring, then the background order sync (which also
    // settles purchases a crash left unconfirmed).
    let syncing = state.clone();
    tauri::async_runtime::spawn(async move {
        syncing.load_pool().await;
        syncing.reconcile_regions().await;
        syncing.spawn_order_sync(syncing.purchases.clone(), CancellationToken::new());
    });
    // Imports the app was running when it stopped finish now.
    let resuming = state.clone();
    tauri::async_runtime::spawn(async move { resuming.resume_imports().await });
    // Sandbox mode was on when the app last ran: bring its carriers back.
    if matches!(sandbox_mode::workspace(&state.core), Ok(Some(_))) {
        tauri::async_runtime::spawn(async move {
            if let Err(error) = state.start_sandbox().await {
                tracing::error!(message = %error.message, "could not restart the carrier sandbox");
            }
        });
    }
    Ok(())
}

impl AppState {
    /// Starts the in-app carrier sandbox if it is not running, and makes sure the Sandbox
    /// workspace and its connections exist. Returns the workspace id.
    async fn start_sandbox(&self) -> Result<i64, IpcError> {
        let info = {
            let mut running = self.sandbox.lock().await;
            if running.is_none() {
                let handle = Sandbox::start(sandbox_mode::config())
                    .await
                    .map_err(|error| {
                        tracing::error!(%error, "carrier sandbox did not start");
                        IpcError::internal("start the carrier sandbox")
                    })?;
                tracing::info!(addr = %handle.addr(), "carrier sandbox started");
                *running = Some(handle);
            }
            running.as_ref().map(|h| h.startup_info().clone())
        };
        let Some(info) = info else {
            return Err(IpcError::internal("start the carrier sandbox"));
        };
        let workspace = self
            .blocking("set up the Sandbox workspace", move |s| {
                Ok(sandbox_mode::ensure(&s.core, &info)?)
            })
            .await?;
        Ok(workspace.id)
    }

    async fn workspace(&self, id: i64) -> Result<Workspace, IpcError> {
        self.blocking("read the workspace", move |s| {
            Ok(s.core.workspaces().get(id)?)
        })
        .await
    }

    /// Where carrier calls go: the in-app sandbox for sandbox workspaces (started if needed),
    /// the real hosts otherwise.
    async fn endpoints_for(&self, sandbox: bool) -> Result<CarrierEndpoints, IpcError> {
        if !sandbox {
            return Ok(self.endpoints.as_ref().clone());
        }
        if self.sandbox.lock().await.is_none() {
            self.start_sandbox().await?;
        }
        self.sandbox
            .lock()
            .await
            .as_ref()
            .map(|h| CarrierEndpoints::from(h.base_urls()))
            .ok_or_else(|| IpcError::internal("start the carrier sandbox"))
    }

    /// The open client of a saved connection (the keyring is read only to open it).
    async fn account(
        &self,
        workspace_id: i64,
        connection_id: i64,
    ) -> Result<Arc<CarrierAccount>, IpcError> {
        let accounts = self.accounts_of(workspace_id).await?;
        self.blocking("open the carrier account", move |_| {
            Ok(crate::sync::AccountSource::account(
                &accounts,
                workspace_id,
                connection_id,
            )?)
        })
        .await
    }

    /// Lists the connection's numbers at the carrier (every page) and keeps the listing.
    async fn refresh_listing(
        &self,
        workspace_id: i64,
        connection_id: i64,
    ) -> Result<Arc<Vec<OwnedNumber>>, IpcError> {
        let account = self.account(workspace_id, connection_id).await?;
        let listed = Arc::new(account.list_numbers(&mut |_| {}).await?);
        self.listings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                (workspace_id, connection_id),
                (Instant::now(), listed.clone()),
            );
        Ok(listed)
    }

    /// The kept listing while it is recent (the import saves each number's listed configuration
    /// as its snapshot), or a fresh one.
    async fn listing(
        &self,
        workspace_id: i64,
        connection_id: i64,
    ) -> Result<Arc<Vec<OwnedNumber>>, IpcError> {
        let kept = self
            .listings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(workspace_id, connection_id))
            .filter(|(at, _)| at.elapsed() < LISTING_KEPT_FOR)
            .map(|(_, listed)| listed.clone());
        match kept {
            Some(listed) => Ok(listed),
            None => self.refresh_listing(workspace_id, connection_id).await,
        }
    }

    async fn resume_imports(&self) {
        let importer = self.importer();
        let unfinished = match importer.unfinished() {
            Ok(unfinished) => unfinished,
            Err(error) => {
                tracing::error!(%error, "could not read unfinished imports");
                return;
            }
        };
        for import in unfinished {
            match self
                .account(import.workspace_id, import.connection_id)
                .await
            {
                Ok(account) => {
                    tracing::info!(import = import.id, "resuming an import");
                    self.spawn_import(self.importer(), import.id, account);
                }
                Err(error) => {
                    tracing::error!(import = import.id, message = %error.message, "cannot resume an import")
                }
            }
        }
    }

    /// Loads the number pool's account (key in the keyring, ids in settings), if configured.
    async fn load_pool(&self) {
        let loaded = self
            .blocking("read the number pool account", |s| {
                let key = s.core.secrets.get(SecretKey::POOL)?;
                Ok(key.map(|api_key| {
                    let ids = s.settings.pool_ids().unwrap_or_default();
                    PoolAccount {
                        api_key,
                        texml_connection_id: ids.texml_connection_id,
                        messaging_profile_id: ids.messaging_profile_id,
                    }
                }))
            })
            .await;
        match loaded {
            Ok(Some(pool)) => {
                if let Err(error) = self.purchases.set_pool(Some(pool)) {
                    tracing::error!(%error, "the number pool account could not be opened");
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(message = %error.message, "the number pool account could not be read")
            }
        }
    }

    /// Settles region changes a crash cut short, from what Twilio has.
    async fn reconcile_regions(&self) {
        let accounts = self.all_accounts().await;
        match crate::regions::reconcile(&self.core, &accounts).await {
            Ok(done) if done.settled + done.left > 0 => {
                tracing::info!(
                    settled = done.settled,
                    left = done.left,
                    "region changes reconciled"
                )
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "region changes could not be reconciled"),
        }
    }

    /// Syncs pending orders in the background until `cancel`, telling the UI of each order that
    /// completes or fails.
    fn spawn_order_sync(&self, purchases: Purchases, cancel: CancellationToken) {
        let every = std::env::var("NUMBERDESK_ORDER_SYNC_SECS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map_or(ORDER_SYNC_EVERY, Duration::from_secs);
        let app = self.app.clone();
        tauri::async_runtime::spawn(async move {
            purchases
                .run_background_sync(every, cancel, |update| {
                    tracing::info!(order = update.order_id, status = ?update.status, "order finished");
                    if let Err(error) = app.emit(ORDERS_COMPLETED, update) {
                        tracing::warn!(%error, "could not tell the window an order finished");
                    }
                })
                .await;
        });
    }

    /// The purchase service for a workspace: the sandbox's (with the sandbox's own number pool)
    /// for sandbox workspaces, the real one otherwise.
    async fn purchases_for(&self, workspace_id: i64) -> Result<Purchases, IpcError> {
        let workspace = self.workspace(workspace_id).await?;
        if !workspace.is_sandbox {
            return Ok(self.purchases.clone());
        }
        let endpoints = self.endpoints_for(true).await?;
        let info = self
            .sandbox
            .lock()
            .await
            .as_ref()
            .map(|h| h.startup_info().clone())
            .ok_or_else(|| IpcError::internal("start the carrier sandbox"))?;
        let mut running = self
            .sandbox_purchases
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((purchases, _)) = running.as_ref() {
            return Ok(purchases.clone());
        }
        // The sandbox's last Telnyx account plays the agency's pool account.
        let pool = info.telnyx.last().map(|account| PoolAccount {
            api_key: crate::secrets::Sensitive::new(account.api_key.clone()),
            texml_connection_id: Some(account.texml_application_id.clone()),
            messaging_profile_id: Some(account.messaging_profile_id.clone()),
        });
        let purchases = Purchases::new(
            self.core.clone(),
            endpoints,
            ClientOptions::default(),
            pool,
            self.accounts.clone(),
        )?;
        let cancel = CancellationToken::new();
        self.spawn_order_sync(purchases.clone(), cancel.clone());
        *running = Some((purchases.clone(), cancel));
        Ok(purchases)
    }

    /// Forgets a connection's open client and listing (after it was disconnected). Every flow
    /// shares `accounts`, so this is the only copy.
    fn forget_connection(&self, workspace_id: i64, connection_id: i64) {
        self.accounts.forget((workspace_id, connection_id));
        self.listings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(workspace_id, connection_id));
    }

    async fn stop_sandbox(&self) -> Result<(), IpcError> {
        self.blocking("remove the Sandbox workspace", |s| {
            Ok(sandbox_mode::remove(&s.core)?)
        })
        .await?;
        if let Some((_, cancel)) = self
            .sandbox_purchases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            cancel.cancel();
        }
        if let Some(handle) = self.sandbox.lock().await.take() {
            handle.shutdown().await;
        }
        Ok(())
    }
}

/// Remembers the window size when the user closes the window.
fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { .. } = event {
        let (Some(state), Ok(size), Ok(scale)) = (
            window.try_state::<AppState>(),
            window.inner_size(),
            window.scale_factor(),
        ) else {
            return;
        };
        let size = size.to_logical::<f64>(scale);
        state.settings.set_window_size(WindowSize {
            width: size.width,
            height: size.height,
        });
    }
}

/// Starts the desktop app. Exits the process with a message if it cannot start.
pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(setup)
        .on_window_event(on_window_event)
        .invoke_handler(tauri::generate_handler![
            commands::get_session,
            commands::list_workspaces,
            commands::create_workspace,
            commands::rename_workspace,
            commands::update_workspace,
            commands::delete_workspace,
            commands::switch_workspace,
            commands::set_theme,
            commands::get_app_info,
            commands::enable_sandbox,
            commands::disable_sandbox,
            commands::list_connections,
            import::validate_credentials,
            import::check_texml_connection,
            import::connect_carrier,
            import::list_importable_numbers,
            import::preview_import,
            import::start_import,
            import::watch_import,
            import::cancel_import,
            import::list_imports,
            buy::list_countries,
            buy::search_numbers,
            buy::cached_search,
            buy::quote_purchase,
            buy::buy_number,
            buy::buy_from_pool,
            buy::process_orders,
            buy::list_orders,
            buy::release_number,
            buy::get_billing,
            buy::get_pool_settings,
            buy::save_pool_settings,
            buy::clear_pool_settings,
            manage::query_numbers,
            manage::number_ids,
            manage::number_rows,
            manage::number_sync_times,
            manage::export_numbers,
            manage::sync_with_carrier,
            manage::list_twilio_regions,
            manage::set_inbound_region,
            manage::list_agents,
            manage::create_agent,
            manage::rename_agent,
            manage::agent_holdings,
            manage::agent_deletion_impact,
            manage::delete_agent,
            manage::assign_agent,
            manage::set_allow_outbound,
            manage::query_audit,
            manage::export_audit,
            manage::list_audit_actions,
            manage::preview_disconnect,
            manage::disconnect_carrier,
            manage::check_number,
            manage::check_connection,
            manage::forwarding_guide,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("NumberDesk could not start: {error}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    //! The command lists are written in four places; these keep them the same set, so the window
    //! may call exactly the commands the UI uses.
    use std::collections::BTreeSet;

    fn read(path: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The quoted words after each `marker` in `text`.
    fn quoted_after(text: &str, marker: &str) -> BTreeSet<String> {
        text.match_indices(marker)
            .filter_map(|(at, _)| {
                let rest = &text[at + marker.len()..];
                rest.split('"').next().map(str::to_owned)
            })
            .collect()
    }

    fn handlers() -> BTreeSet<String> {
        let source = read("src-tauri/shell/mod.rs");
        let start = source.find("generate_handler![").expect("the handler list");
        let end = start + source[start..].find(']').expect("its end");
        source[start + "generate_handler![".len()..end]
            .split(',')
            .filter_map(|item| item.trim().rsplit("::").next())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn ui_calls_handlers_build_list_and_capability_name_the_same_commands() {
        let handlers = handlers();
        let build = read("src-tauri/build.rs");
        let start = build
            .find("fn numberdesk_commands")
            .expect("the build list");
        let listed = quoted_after(&build[start..], "        \"");
        let capability: BTreeSet<String> =
            quoted_after(&read("src-tauri/capabilities/default.json"), "\"allow-")
                .into_iter()
                .map(|name| name.replace('-', "_"))
                .collect();
        let called = quoted_after(
            &["workspaces", "carriers", "buy", "manage"]
                .map(|area| read(&format!("ui/js/api/{area}.js")))
                .concat(),
            "call(\"",
        );
        assert!(handlers.len() > 40, "{handlers:?}");
        assert_eq!(listed, handlers, "build.rs against generate_handler!");
        assert_eq!(
            capability, handlers,
            "capabilities/default.json against generate_handler!"
        );
        assert_eq!(called, handlers, "ui/js/api.js against generate_handler!");
    }
}
