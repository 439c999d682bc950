//! A connected carrier account: the right client (Twilio or Telnyx) for a connection, built from
//! its credentials and the carrier endpoints in force, with the few operations the flows need.
//! Clients are kept per connection, so what the adaptive limiter learnt about an account's rate
//! limit survives between calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::carriers::{
    AccountInfo, CarrierError, CarrierKind, ClientOptions, LimiterStats, ListProgress,
    MessagingProfile, OwnedNumber, Routing, TelnyxClient, TelnyxNumberUpdate, TexmlApplication,
    TwilioClient, TwilioCredentials as TwilioClientCredentials, TwilioNumberUpdate, TwilioUrls,
    WebhookMethod,
};
use crate::credentials::{Credentials, TwilioAuth};
use crate::import::ManagedTarget;

/// Base URLs of the carrier hosts. The real ones by default; each can be pointed elsewhere (the
/// carrier sandbox, in tests and in Sandbox mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierEndpoints {
    pub twilio_api: String,
    pub twilio_pricing: String,
    pub twilio_routes: String,
    pub telnyx: String,
}

/// Environment variables that override each real carrier host (for pointing a build at the
/// sandbox binary, as the end-to-end tests do).
pub const ENDPOINT_ENV: [(&str, &str); 4] = [
    ("twilio_api", "NUMBERDESK_TWILIO_API_URL"),
    ("twilio_pricing", "NUMBERDESK_TWILIO_PRICING_URL"),
    ("twilio_routes", "NUMBERDESK_TWILIO_ROUTES_URL"),
    ("telnyx", "NUMBERDESK_TELNYX_URL"),
];

impl Default for CarrierEndpoints {
    fn default() -> Self {
        Self {
            twilio_api: "https://api.twilio.com".into(),
            twilio_pricing: "https://pricing.twilio.com".into(),
            twilio_routes: "https://routes.twilio.com".into(),
            telnyx: "https://api.telnyx.com".into(),
        }
    }
}

impl CarrierEndpoints {
    /// The real hosts, with any `NUMBERDESK_*_URL` override applied.
    pub fn from_env() -> Self {
        let mut endpoints = Self::default();
        for (field, variable) in ENDPOINT_ENV {
            if let Ok(value) = std::env::var(variable) {
                let value = value.trim().trim_end_matches('/').to_owned();
                if value.is_empty() {
                    continue;
                }
                match field {
                    "twilio_api" => endpoints.twilio_api = value,
                    "twilio_pricing" => endpoints.twilio_pricing = value,
                    "twilio_routes" => endpoints.twilio_routes = value,
                    _ => endpoints.telnyx = value,
                }
            }
        }
        endpoints
    }
}

impl From<&crate::sandbox::BaseUrls> for CarrierEndpoints {
    fn from(urls: &crate::sandbox::BaseUrls) -> Self {
        Self {
            twilio_api: urls.twilio_api.clone(),
            twilio_pricing: urls.twilio_pricing.clone(),
            twilio_routes: urls.twilio_routes.clone(),
            telnyx: urls.telnyx.clone(),
        }
    }
}

/// One carrier account, ready to call.
pub enum CarrierAccount {
    Twilio(TwilioClient),
    Telnyx(TelnyxClient),
}

impl CarrierAccount {
    pub fn open(
        credentials: &Credentials,
        endpoints: &CarrierEndpoints,
        options: ClientOptions,
    ) -> Result<Self, CarrierError> {
        match credentials {
            Credentials::Twilio(twilio) => {
                let urls = TwilioUrls {
                    api: endpoints.twilio_api.clone(),
                    pricing: endpoints.twilio_pricing.clone(),
                    routes: endpoints.twilio_routes.clone(),
                };
                let credentials = match &twilio.auth {
                    TwilioAuth::AuthToken(token) => TwilioClientCredentials::AuthToken {
                        account_sid: twilio.account_sid.clone(),
                        auth_token: token.clone(),
                    },
                    TwilioAuth::ApiKey { sid, secret } => TwilioClientCredentials::ApiKey {
                        account_sid: twilio.account_sid.clone(),
                        key_sid: sid.clone(),
                        key_secret: secret.clone(),
                    },
                };
                Ok(CarrierAccount::Twilio(TwilioClient::new(
                    urls,
                    credentials,
                    options,
                )?))
            }
            Credentials::Telnyx(telnyx) => Ok(CarrierAccount::Telnyx(TelnyxClient::new(
                &endpoints.telnyx,
                telnyx.api_key.clone(),
                options,
            )?)),
        }
    }

    pub fn kind(&self) -> CarrierKind {
        match self {
            CarrierAccount::Twilio(_) => CarrierKind::Twilio,
            CarrierAccount::Telnyx(_) => CarrierKind::Telnyx,
        }
    }

    /// What the adaptive limiter has learnt about this account's rate limit.
    pub fn limiter_stats(&self) -> LimiterStats {
        match self {
            CarrierAccount::Twilio(client) => client.limiter_stats(),
            CarrierAccount::Telnyx(client) => client.limiter_stats(),
        }
    }

    /// A live call that proves the credentials work, and says whose account it is.
    pub async fn validate(&self) -> Result<AccountInfo, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.validate().await,
            CarrierAccount::Telnyx(client) => client.validate().await,
        }
    }

    /// Every number of the account, paging to the end.
    pub async fn list_numbers(
        &self,
        progress: &mut (dyn FnMut(ListProgress) + Send),
    ) -> Result<Vec<OwnedNumber>, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => {
                client
                    .list_incoming_numbers_with_progress(&mut *progress)
                    .await
            }
            CarrierAccount::Telnyx(client) => {
                client
                    .list_phone_numbers_with_progress(&mut *progress)
                    .await
            }
        }
    }

    pub async fn fetch_number(&self, carrier_id: &str) -> Result<OwnedNumber, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.fetch_incoming_number(carrier_id).await,
            CarrierAccount::Telnyx(client) => client.fetch_phone_number(carrier_id).await,
        }
    }

    /// Points one number at the target. `before` is its configuration now, so only what differs
    /// is sent (an application or trunk that would shadow the voice URL is taken off).
    pub async fn apply(
        &self,
        carrier_id: &str,
        before: &Routing,
        target: &ManagedTarget,
    ) -> Result<(), CarrierError> {
        match (self, target) {
            (
                CarrierAccount::Twilio(client),
                ManagedTarget::Twilio {
                    voice_url,
                    sms_url,
                    status_callback,
                },
            ) => {
                // An application or SIP trunk on the number takes calls before the voice URL
                // does: take them off, or the new URLs would never be used.
                let set = |sid: &Option<String>| sid.as_deref().is_some_and(|s| !s.is_empty());
                let (voice_app, sms_app, trunk) = match before {
                    Routing::Twilio(now) => (
                        set(&now.voice_application_sid),
                        set(&now.sms_application_sid),
                        set(&now.trunk_sid),
                    ),
                    Routing::Telnyx(_) => (false, false, false),
                };
                let update = TwilioNumberUpdate {
                    voice_url: Some(voice_url.clone()),
                    voice_method: Some(WebhookMethod::Post),
                    sms_url: Some(sms_url.clone()),
                    sms_method: Some(WebhookMethod::Post),
                    status_callback: Some(status_callback.clone()),
                    status_callback_method: Some(WebhookMethod::Post),
                    voice_application_sid: voice_app.then(String::new),
                    sms_application_sid: sms_app.then(String::new),
                    trunk_sid: trunk.then(String::new),
                    friendly_name: None,
                };
                client.update_incoming_number(carrier_id, &update).await?;
                Ok(())
            }
            (
                CarrierAccount::Telnyx(client),
                ManagedTarget::Telnyx {
                    connection_id,
                    messaging_profile_id,
                },
            ) => {
                let update = TelnyxNumberUpdate {
                    connection_id: Some(connection_id.clone()),
                    ..TelnyxNumberUpdate::default()
                };
                client.update_phone_number(carrier_id, &update).await?;
                if let Some(profile) = messaging_profile_id {
                    client.update_messaging_profile(carrier_id, profile).await?;
                }
                Ok(())
            }
            (account, _) => Err(CarrierError::InvalidSettings {
                carrier: account.kind(),
                detail: "the import's target is for the other carrier".into(),
            }),
        }
    }

    /// Puts a number's routing back to a saved snapshot.
    pub async fn restore(&self, carrier_id: &str, snapshot: &Routing) -> Result<(), CarrierError> {
        match (self, snapshot) {
            (CarrierAccount::Twilio(client), Routing::Twilio(saved)) => {
                let update = TwilioNumberUpdate::restore(saved);
                client.update_incoming_number(carrier_id, &update).await?;
                Ok(())
            }
            (CarrierAccount::Telnyx(client), Routing::Telnyx(saved)) => {
                client
                    .update_phone_number(carrier_id, &TelnyxNumberUpdate::restore(saved))
                    .await?;
                let profile = saved.messaging_profile_id.as_deref().unwrap_or_default();
                client.update_messaging_profile(carrier_id, profile).await?;
                Ok(())
            }
            (account, _) => Err(CarrierError::InvalidSettings {
                carrier: account.kind(),
                detail: "the saved configuration is for the other carrier".into(),
            }),
        }
    }

    /// Telnyx: the TeXML application with this Connection ID.
    pub async fn texml_application(&self, id: &str) -> Result<TexmlApplication, CarrierError> {
        match self {
            CarrierAccount::Telnyx(client) => client.texml_application(id).await,
            CarrierAccount::Twilio(_) => Err(CarrierError::InvalidSettings {
                carrier: CarrierKind::Twilio,
                detail: "Twilio has no TeXML applications".into(),
            }),
        }
    }

    /// Telnyx: the account's messaging profiles.
    pub async fn messaging_profiles(&self) -> Result<Vec<MessagingProfile>, CarrierError> {
        match self {
            CarrierAccount::Telnyx(client) => client.list_messaging_profiles().await,
            CarrierAccount::Twilio(_) => Ok(Vec::new()),
        }
    }
}

/// A connection: (workspace id, connection id).
pub type ConnectionKey = (i64, i64);

/// Open carrier accounts, one per connection.
#[derive(Clone, Default)]
pub struct AccountPool {
    open: Arc<Mutex<HashMap<ConnectionKey, Arc<CarrierAccount>>>>,
}

impl AccountPool {
    /// The connection's open client, if it has one.
    pub fn get(&self, key: ConnectionKey) -> Option<Arc<CarrierAccount>> {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned()
    }

    /// The connection's open client, or a new one from `open` (kept for next time).
    pub fn open_with<E>(
        &self,
        key: ConnectionKey,
        open: impl FnOnce() -> Result<CarrierAccount, E>,
    ) -> Result<Arc<CarrierAccount>, E> {
        let mut accounts = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(account) = accounts.get(&key) {
            return Ok(account.clone());
        }
        let account = Arc::new(open()?);
        accounts.insert(key, account.clone());
        Ok(account)
    }

    /// Forgets a connection's client (after disconnecting, or when its credentials change).
    pub fn forget(&self, key: ConnectionKey) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
    }
}
