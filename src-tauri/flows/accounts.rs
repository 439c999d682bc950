//! How every flow gets a carrier account: the client of a saved connection, opened against the
//! endpoints its own row names (the in-app sandbox for a sandbox connection, the real carrier
//! hosts otherwise), or the number pool's account for a workspace. One client per connection
//! for the whole process, so what the adaptive limiter learnt about an account's rate limit
//! survives between flows.
//!
//! Which endpoints a connection uses is decided here and only here, from the row: never from which
//! service or task happens to ask. The App owns the sandbox's life: it hands the router a
//! [`SandboxLauncher`], called the first time a sandbox connection is needed while the sandbox is
//! not running, and tells the router when the sandbox stops.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};

use tokio::task::{JoinError, JoinSet};

use crate::app::blocking::{blocking, TaskFailed};
use crate::app::context::Context;
use crate::carriers::account::{CarrierAccount, CarrierEndpoints, ConnectionKey};
use crate::carriers::{CarrierError, ClientOptions, TelnyxClient};
use crate::flows::connect::connections::{ConnectionError, Connections};
use crate::secrets::credentials::Credentials;
use crate::secrets::Sensitive;

/// The agency's Telnyx account behind the number pool, configured once in Settings (or, in Sandbox
/// mode, one of the sandbox's accounts). The API key comes from the keyring, never the database.
#[derive(Debug, Clone)]
pub struct PoolAccount {
    pub api_key: Sensitive<String>,
    /// The TeXML application (Connection ID) pool numbers join when "Allow webhook & messaging
    /// updates" is on.
    pub texml_connection_id: Option<String>,
    /// The messaging profile they join in that case.
    pub messaging_profile_id: Option<String>,
}

/// Where the running in-app sandbox answers, and which of its accounts plays the number pool.
#[derive(Debug, Clone)]
pub struct SandboxRoute {
    pub endpoints: CarrierEndpoints,
    pub pool: Option<PoolAccount>,
}

/// Starts the in-app carrier sandbox if it is not running, and says where it answers.
pub trait SandboxLauncher: Send + Sync {
    fn launch(&self) -> Pin<Box<dyn Future<Output = Option<SandboxRoute>> + Send + '_>>;
}

/// Why a carrier account could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AccountUnavailable {
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error("The carrier sandbox is not running; turn Sandbox mode on in Settings.")]
    SandboxOff,
    #[error(
        "The number pool is not set up yet. Add the agency's Telnyx account in Settings first."
    )]
    PoolNotConfigured,
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for AccountUnavailable {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Carrier(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::SandboxOff => Classified::Kind(ErrorKind::Carrier),
            Self::PoolNotConfigured => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

/// An open pool account with what it was opened from.
type OpenPool = (PoolAccount, Arc<CarrierAccount>);

/// The one router of carrier accounts. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Arc<Context>,
    /// The real carrier hosts, or what `NUMBERDESK_*_URL` (or a test) points them at.
    real: CarrierEndpoints,
    options: ClientOptions,
    /// Where the sandbox runs, and its number pool opened, while it runs.
    sandbox: RwLock<Option<(CarrierEndpoints, Option<OpenPool>)>>,
    /// Open clients by connection, with whether each talks to the sandbox.
    open: Mutex<HashMap<ConnectionKey, (bool, Arc<CarrierAccount>)>>,
    /// The agency's real number pool, when Settings has one.
    pool: RwLock<Option<OpenPool>>,
    launcher: RwLock<Option<Arc<dyn SandboxLauncher>>>,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

impl Accounts {
    pub fn new(ctx: Arc<Context>, real: CarrierEndpoints, options: ClientOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                ctx,
                real,
                options,
                sandbox: RwLock::new(None),
                open: Mutex::new(HashMap::new()),
                pool: RwLock::new(None),
                launcher: RwLock::new(None),
            }),
        }
    }

    /// Who starts the sandbox when a sandbox connection needs it (the App). Without one, sandbox
    /// connections are reachable only while [`Accounts::set_sandbox`] says where.
    pub fn set_launcher(&self, launcher: Arc<dyn SandboxLauncher>) {
        *write(&self.inner.launcher) = Some(launcher);
    }

    pub fn context(&self) -> &Arc<Context> {
        &self.inner.ctx
    }

    /// The options every carrier client is opened with (timeouts, retries).
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// Tells the router where the sandbox runs now (`None`: it stopped). Clients opened against
    /// an earlier sandbox are dropped, because its address is gone.
    pub fn set_sandbox(&self, route: Option<SandboxRoute>) -> Result<(), CarrierError> {
        let opened = match route {
            Some(route) => {
                let pool = match &route.pool {
                    Some(pool) => Some(self.open_pool(pool, &route.endpoints)?),
                    None => None,
                };
                Some((route.endpoints, pool))
            }
            None => None,
        };
        *write(&self.inner.sandbox) = opened;
        self.lock_open().retain(|_, (sandbox, _)| !*sandbox);
        Ok(())
    }

    pub fn sandbox_running(&self) -> bool {
        read(&self.inner.sandbox).is_some()
    }

    /// The endpoints for a sandbox or a real connection; the sandbox is started if it must be.
    pub async fn endpoints(&self, sandbox: bool) -> Result<CarrierEndpoints, AccountUnavailable> {
        if !sandbox {
            return Ok(self.inner.real.clone());
        }
        self.launch().await?;
        read(&self.inner.sandbox)
            .as_ref()
            .map(|(endpoints, _)| endpoints.clone())
            .ok_or(AccountUnavailable::SandboxOff)
    }

    /// Makes sure the sandbox runs, asking the launcher when it does not.
    async fn launch(&self) -> Result<(), AccountUnavailable> {
        if self.sandbox_running() {
            return Ok(());
        }
        let launcher = read(&self.inner.launcher).clone();
        let Some(launcher) = launcher else {
            return Err(AccountUnavailable::SandboxOff);
        };
        match launcher.launch().await {
            // The launcher may have set the route itself; setting it again keeps one pool client.
            Some(_) if self.sandbox_running() => Ok(()),
            Some(route) => Ok(self.set_sandbox(Some(route))?),
            None => Err(AccountUnavailable::SandboxOff),
        }
    }

    /// A short-lived account for credentials that are not saved yet (the connect form).
    pub async fn draft(
        &self,
        credentials: &Credentials,
        sandbox: bool,
    ) -> Result<CarrierAccount, AccountUnavailable> {
        // Known to the log redactor before the first call, so that no log line of the carrier's
        // reply, or of a failure, can carry what the user typed.
        for secret in credentials.secrets() {
            self.inner.ctx.redactor.register(secret);
        }
        let endpoints = self.endpoints(sandbox).await?;
        Ok(CarrierAccount::open(
            credentials,
            &endpoints,
            self.inner.options.clone(),
        )?)
    }

    /// The open client of a saved connection. The first call for a connection reads its row and
    /// its keyring entry, off the async runtime.
    pub async fn connection(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<Arc<CarrierAccount>, AccountUnavailable> {
        let key = (workspace_id, connection_id);
        if let Some(account) = self.cached(key) {
            return Ok(account);
        }
        let ctx = self.inner.ctx.clone();
        let (row, credentials) = blocking(&ctx, move |ctx| {
            let connections = Connections::new(ctx);
            let row = connections.get(workspace_id, connection_id)?;
            let credentials = connections.credentials(workspace_id, connection_id)?;
            Ok::<_, AccountUnavailable>((row, credentials))
        })
        .await?;
        let endpoints = self.endpoints(row.is_sandbox).await?;
        let account = Arc::new(CarrierAccount::open(
            &credentials,
            &endpoints,
            self.inner.options.clone(),
        )?);
        let mut open = self.lock_open();
        // Another caller may have opened it meanwhile: keep the first, so there is one limiter.
        let (_, kept) = open.entry(key).or_insert((row.is_sandbox, account));
        Ok(kept.clone())
    }

    fn cached(&self, key: ConnectionKey) -> Option<Arc<CarrierAccount>> {
        self.lock_open()
            .get(&key)
            .map(|(_, account)| account.clone())
    }

    /// Forgets a connection's client (after a disconnect, or when its credentials change).
    pub fn forget(&self, workspace_id: WorkspaceId, connection_id: ConnectionId) {
        self.lock_open().remove(&(workspace_id, connection_id));
    }

    /// Sets (or clears) the agency's real number pool account.
    pub fn set_pool(&self, pool: Option<PoolAccount>) -> Result<(), CarrierError> {
        let opened = match pool {
            Some(pool) => Some(self.open_pool(&pool, &self.inner.real)?),
            None => None,
        };
        *write(&self.inner.pool) = opened;
        Ok(())
    }

    /// The number pool a workspace buys from: the sandbox's for a sandbox workspace, the agency's
    /// otherwise.
    pub async fn pool(&self, sandbox: bool) -> Result<OpenPool, AccountUnavailable> {
        if sandbox {
            self.launch().await?;
            let route = read(&self.inner.sandbox);
            let (_, pool) = route.as_ref().ok_or(AccountUnavailable::SandboxOff)?;
            return pool.clone().ok_or(AccountUnavailable::PoolNotConfigured);
        }
        read(&self.inner.pool)
            .clone()
            .ok_or(AccountUnavailable::PoolNotConfigured)
    }

    fn open_pool(
        &self,
        pool: &PoolAccount,
        endpoints: &CarrierEndpoints,
    ) -> Result<OpenPool, CarrierError> {
        self.inner.ctx.redactor.register(pool.api_key.expose());
        let client = TelnyxClient::new(
            &endpoints.telnyx,
            pool.api_key.clone(),
            self.inner.options.clone(),
        )?;
        Ok((pool.clone(), Arc::new(CarrierAccount::Telnyx(client))))
    }

    fn lock_open(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ConnectionKey, (bool, Arc<CarrierAccount>)>> {
        self.inner.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Why one number of a bounded run ([`run_bounded`]) failed.
#[derive(Debug, thiserror::Error)]
pub enum ItemFailed {
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error("the saved settings are damaged and cannot be restored")]
    DamagedSnapshot,
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

/// Runs `work` for every item with as many in flight as the account's limiter allows (at least
/// two), and returns the outcomes in the items' order. A task that died is reported as such.
pub async fn run_bounded<T, F, Fut>(
    account: &Arc<CarrierAccount>,
    items: Vec<T>,
    work: F,
) -> Vec<Result<(), ItemFailed>>
where
    T: Send + 'static,
    F: Fn(Arc<CarrierAccount>, T) -> Fut,
    Fut: std::future::Future<Output = Result<(), ItemFailed>> + Send + 'static,
{
    let mut outcomes: Vec<Option<Result<(), ItemFailed>>> =
        (0..items.len()).map(|_| None).collect();
    let mut tasks = JoinSet::new();
    let mut died = None;
    let mut settle = |joined: Result<(usize, Result<(), ItemFailed>), JoinError>| match joined {
        Ok((i, outcome)) => outcomes[i] = Some(outcome),
        Err(error) => died = Some(TaskFailed::from(error)),
    };
    for (index, item) in items.into_iter().enumerate() {
        let room = account.limiter_stats().limit.max(2);
        while tasks.len() >= room {
            if let Some(joined) = tasks.join_next().await {
                settle(joined);
            }
        }
        let future = work(account.clone(), item);
        tasks.spawn(async move { (index, future.await) });
    }
    while let Some(joined) = tasks.join_next().await {
        settle(joined);
    }
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                Err(ItemFailed::Task(match &died {
                    Some(TaskFailed::Panicked(text)) => TaskFailed::Panicked(text.clone()),
                    _ => TaskFailed::Cancelled,
                }))
            })
        })
        .collect()
}
