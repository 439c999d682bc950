//! The agency's number pool account, as Settings edits it: its Telnyx API key in the keyring (an
//! entry of its own), its TeXML application and messaging profile in the database. A key Telnyx
//! refuses, or a Connection ID that is not a TeXML application of that account, saves nothing.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use serde::{Deserialize, Serialize};

use super::blocking::TaskFailed;
use super::App;
use crate::carriers::account::CarrierAccount;
use crate::carriers::CarrierError;
use crate::flows::accounts::{AccountUnavailable, PoolAccount};
use crate::flows::connect::{self, ConnectError};
use crate::secrets::credentials::{Credentials, TelnyxCredentials};
use crate::secrets::{SecretKey, SecretsError, Sensitive};
use crate::store::orders::UnsettledScope;
use crate::store::{settings, StoreError};

/// The non-secret half of the number pool's Telnyx account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolIds {
    pub texml_connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
}

/// What Settings shows about the number pool's account. Never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolSetup {
    pub configured: bool,
    pub texml_connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    /// Sandbox mode is on: sandbox workspaces buy from the sandbox's own pool, no setup needed.
    pub sandbox: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PoolSettingsError {
    #[error("Enter the Telnyx API key of the agency's account.")]
    NoKey,
    #[error("Telnyx has no TeXML application with Connection ID {id} in that account ({error}). Copy the ID from the TeXML application's page.")]
    TexmlNotFound { id: String, error: CarrierError },
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error("The number pool settings could not be saved: {0}")]
    Store(#[from] StoreError),
    #[error("The number pool settings in the database are damaged ({0}); save them again.")]
    Damaged(String),
    #[error("{0} from the number pool, and Telnyx has not settled them yet. Wait until they are Active or Failed (Process checks now), then change the pool account.")]
    Unsettled(crate::flows::purchase::Unsettled),
    #[error(transparent)]
    Settle(Box<crate::flows::purchase::PurchaseError>),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for PoolSettingsError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Connect(inner) => Classified::Wraps(inner),
            Self::Carrier(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Secrets(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Settle(inner) => Classified::Wraps(inner.as_ref()),
            Self::Unsettled(_) => Classified::Kind(ErrorKind::Conflict),
            Self::NoKey | Self::TexmlNotFound { .. } => Classified::Kind(ErrorKind::InvalidInput),
            Self::Damaged(_) => Classified::Kind(ErrorKind::Storage),
        }
    }
}

fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

pub struct PoolSettings<'a> {
    app: &'a App,
}

impl<'a> PoolSettings<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    pub async fn get(&self) -> Result<PoolSetup, PoolSettingsError> {
        let sandbox = self.app.sandbox().is_running().await;
        self.app
            .blocking(move |ctx| {
                let configured = ctx.secrets.get(SecretKey::POOL)?.is_some();
                let ids = read_ids(ctx)?.unwrap_or_default();
                Ok(PoolSetup {
                    configured,
                    texml_connection_id: ids.texml_connection_id,
                    messaging_profile_id: ids.messaging_profile_id,
                    sandbox,
                })
            })
            .await
    }

    /// Checks the key against Telnyx (and the TeXML application, when given), then keeps the key
    /// in the keyring and the ids in the database, and uses the account from now on.
    pub async fn save(
        &self,
        api_key: String,
        texml_connection_id: Option<String>,
        messaging_profile_id: Option<String>,
    ) -> Result<PoolSetup, PoolSettingsError> {
        let api_key = api_key.trim().to_owned();
        if api_key.is_empty() {
            return Err(PoolSettingsError::NoKey);
        }
        self.app.context().redactor.register(&api_key);
        let ids = PoolIds {
            texml_connection_id: optional(texml_connection_id),
            messaging_profile_id: optional(messaging_profile_id),
        };
        let credentials = Credentials::Telnyx(TelnyxCredentials {
            api_key: Sensitive::new(api_key.clone()),
        });
        let account = self.app.accounts().draft(&credentials, false).await?;
        connect::validate(&account).await?;
        let current = self
            .app
            .blocking(|ctx| Ok::<_, PoolSettingsError>(ctx.secrets.get(SecretKey::POOL)?))
            .await?;
        if current.is_some_and(|key| key.expose() != api_key.as_str()) {
            self.refuse_while_open().await?;
        }
        if let (Some(id), CarrierAccount::Telnyx(client)) = (&ids.texml_connection_id, &account) {
            client.texml_application(id).await.map_err(|error| {
                PoolSettingsError::TexmlNotFound {
                    id: id.clone(),
                    error,
                }
            })?;
        }
        let pool = PoolAccount {
            api_key: Sensitive::new(api_key.clone()),
            texml_connection_id: ids.texml_connection_id.clone(),
            messaging_profile_id: ids.messaging_profile_id.clone(),
        };
        self.app
            .blocking(move |ctx| {
                ctx.secrets.put(SecretKey::POOL, &Sensitive::new(api_key))?;
                write_ids(ctx, Some(&ids))
            })
            .await?;
        self.app.accounts().set_pool(Some(pool))?;
        tracing::info!("number pool account saved");
        self.get().await
    }

    /// Forgets the pool account: the key leaves the keyring, the ids the database.
    pub async fn clear(&self) -> Result<PoolSetup, PoolSettingsError> {
        self.refuse_while_open().await?;
        self.app
            .blocking(|ctx| {
                ctx.secrets.delete(SecretKey::POOL)?;
                write_ids(ctx, None)
            })
            .await?;
        self.app.accounts().set_pool(None)?;
        self.get().await
    }

    /// Another account (or none) could no longer settle the pool's open orders: they are
    /// settled first, and the change refused while any stay open.
    async fn refuse_while_open(&self) -> Result<(), PoolSettingsError> {
        let open = self
            .app
            .purchases()
            .settle_before(UnsettledScope::Pool)
            .await
            .map_err(|error| PoolSettingsError::Settle(Box::new(error)))?;
        if open.is_empty() {
            Ok(())
        } else {
            Err(PoolSettingsError::Unsettled(open))
        }
    }

    /// Keeps ids that an older NumberDesk saved elsewhere (the desktop's settings file), unless
    /// the database has some already.
    pub async fn adopt_ids(&self, ids: PoolIds) -> Result<(), PoolSettingsError> {
        self.app
            .blocking(move |ctx| match read_ids(ctx)? {
                Some(_) => Ok(()),
                None => write_ids(ctx, Some(&ids)),
            })
            .await
    }

    /// The pool account from the keyring and the database, if Settings has one (the background
    /// start does this; a shell without it calls it before buying or processing).
    pub async fn load(&self) {
        let loaded = self
            .app
            .blocking(|ctx| {
                let Some(api_key) = ctx.secrets.get(SecretKey::POOL)? else {
                    return Ok(None);
                };
                let ids = read_ids(ctx)?.unwrap_or_default();
                Ok::<_, PoolSettingsError>(Some(PoolAccount {
                    api_key,
                    texml_connection_id: ids.texml_connection_id,
                    messaging_profile_id: ids.messaging_profile_id,
                }))
            })
            .await;
        match loaded {
            Ok(Some(pool)) => {
                if let Err(error) = self.app.accounts().set_pool(Some(pool)) {
                    tracing::error!(%error, "the number pool account could not be opened");
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "the number pool account could not be read"),
        }
    }
}

fn read_ids(ctx: &super::context::Context) -> Result<Option<PoolIds>, PoolSettingsError> {
    let Some(json) = ctx.store.read(|c| settings::get(c, settings::POOL_IDS))? else {
        return Ok(None);
    };
    serde_json::from_str(&json)
        .map(Some)
        .map_err(|error| PoolSettingsError::Damaged(error.to_string()))
}

fn write_ids(
    ctx: &super::context::Context,
    ids: Option<&PoolIds>,
) -> Result<(), PoolSettingsError> {
    let json = ids.map(|ids| serde_json::to_string(ids).expect("ids serialise"));
    let now = ctx.clock.now();
    ctx.store
        .write(|tx| settings::set(tx, settings::POOL_IDS, json.as_deref(), now))?;
    Ok(())
}
