//! A connected carrier account: the right client (Twilio or Telnyx) for a connection, built from
//! its credentials and the carrier endpoints in force, with every operation the flows need. This
//! is the one place outside a carrier's own folder that matches on the carrier, and the only user
//! of the carriers' request types; the flows see domain types only.

use crate::domain::ids::{ConnectionId, WorkspaceId};
use serde::{Deserialize, Serialize};

use crate::carriers::{
    AccountInfo, AvailableNumber, CarrierAddress, CarrierBundle, CarrierError, CarrierKind,
    ClientOptions, CountryPricing, InboundRegion, LimiterStats, ListProgress, MessagingProfile,
    NumberOrder, NumberSearch, NumberType, OrderStatus, OwnedNumber, RegionalApiKey,
    ReleaseOutcome, Routing, TelnyxClient, TelnyxNumberUpdate, TelnyxOrderRequest,
    TexmlApplication, TwilioClient, TwilioCredentials as TwilioClientCredentials,
    TwilioNumberUpdate, TwilioPurchase, TwilioRouting, TwilioUrls, WebhookMethod,
};
use crate::domain::target::ManagedTarget;
use crate::secrets::credentials::{Credentials, TwilioAuth};

/// Base URLs of the carrier hosts. The real ones by default; each can be pointed elsewhere (the
/// carrier sandbox, in tests and in Sandbox mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierEndpoints {
    pub twilio_api: String,
    pub twilio_pricing: String,
    pub twilio_routes: String,
    /// Twilio's Numbers v2 host (regulatory compliance).
    #[serde(default = "real_twilio_numbers")]
    pub twilio_numbers: String,
    /// Twilio's regional API hosts, a template with `{edge}` and `{region}`.
    #[serde(default = "real_twilio_regional")]
    pub twilio_regional: String,
    pub telnyx: String,
    /// The name server SIP trunk checks ask (`host:port`, UDP); empty for the system's resolver.
    #[serde(default)]
    pub sip_dns: String,
}

fn real_twilio_numbers() -> String {
    TwilioUrls::default().numbers
}

fn real_twilio_regional() -> String {
    TwilioUrls::default().regional
}

/// One of the hosts of [`CarrierEndpoints`].
pub type HostOf = fn(&mut CarrierEndpoints) -> &mut String;

/// Environment variables that override each real carrier host (for pointing a build at the
/// sandbox binary, as the end-to-end tests do), with the host each one sets.
pub const ENDPOINT_ENV: [(&str, HostOf); 7] = [
    ("NUMBERDESK_TWILIO_API_URL", |e| &mut e.twilio_api),
    ("NUMBERDESK_TWILIO_PRICING_URL", |e| &mut e.twilio_pricing),
    ("NUMBERDESK_TWILIO_ROUTES_URL", |e| &mut e.twilio_routes),
    ("NUMBERDESK_TWILIO_NUMBERS_URL", |e| &mut e.twilio_numbers),
    ("NUMBERDESK_TWILIO_REGIONAL_URL", |e| &mut e.twilio_regional),
    ("NUMBERDESK_TELNYX_URL", |e| &mut e.telnyx),
    ("NUMBERDESK_SIP_DNS", |e| &mut e.sip_dns),
];

impl Default for CarrierEndpoints {
    fn default() -> Self {
        Self {
            twilio_api: "https://api.twilio.com".into(),
            twilio_pricing: "https://pricing.twilio.com".into(),
            twilio_routes: "https://routes.twilio.com".into(),
            twilio_numbers: real_twilio_numbers(),
            twilio_regional: real_twilio_regional(),
            telnyx: "https://api.telnyx.com".into(),
            sip_dns: String::new(),
        }
    }
}

impl CarrierEndpoints {
    /// The real hosts, with any `NUMBERDESK_*_URL` override applied.
    pub fn from_env() -> Self {
        let mut endpoints = Self::default();
        for (variable, host) in ENDPOINT_ENV {
            if let Ok(value) = std::env::var(variable) {
                let value = value.trim().trim_end_matches('/').to_owned();
                if !value.is_empty() {
                    *host(&mut endpoints) = value;
                }
            }
        }
        endpoints
    }

    /// The hosts that differ from the real carriers', each as `(variable, url)`: what the user
    /// must be told is in force, since their credentials go there.
    pub fn overrides(&self) -> Vec<(&'static str, String)> {
        // The accessors hand out `&mut`, for `from_env`; copies are read through them here.
        let (mut now, mut real) = (self.clone(), Self::default());
        ENDPOINT_ENV
            .iter()
            .filter_map(|(variable, host)| {
                let url = host(&mut now).clone();
                (url != *host(&mut real)).then_some((*variable, url))
            })
            .collect()
    }

    /// The three Twilio hosts, as the Twilio client takes them.
    pub fn twilio_urls(&self) -> TwilioUrls {
        TwilioUrls {
            api: self.twilio_api.clone(),
            pricing: self.twilio_pricing.clone(),
            routes: self.twilio_routes.clone(),
            numbers: self.twilio_numbers.clone(),
            regional: self.twilio_regional.clone(),
        }
    }
}

impl From<&crate::sandbox::BaseUrls> for CarrierEndpoints {
    fn from(urls: &crate::sandbox::BaseUrls) -> Self {
        Self {
            twilio_api: urls.twilio_api.clone(),
            twilio_pricing: urls.twilio_pricing.clone(),
            twilio_routes: urls.twilio_routes.clone(),
            twilio_numbers: urls.twilio_numbers.clone(),
            twilio_regional: urls.twilio_regional.clone(),
            telnyx: urls.telnyx.clone(),
            sip_dns: urls.sip_dns.clone(),
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
                let urls = endpoints.twilio_urls();
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
                let regional = twilio
                    .regional
                    .iter()
                    .map(|(region, key)| {
                        let key = RegionalApiKey {
                            key_sid: key.sid.clone(),
                            key_secret: key.secret.clone(),
                        };
                        (region.clone(), key)
                    })
                    .collect();
                Ok(CarrierAccount::Twilio(
                    TwilioClient::new(urls, credentials, options)?.with_regional_keys(regional),
                ))
            }
            Credentials::Telnyx(telnyx) => Ok(CarrierAccount::Telnyx(TelnyxClient::new(
                &endpoints.telnyx,
                telnyx.api_key.clone(),
                options,
            )?)),
            Credentials::Sip(_) => Err(CarrierError::NoApi {
                carrier: CarrierKind::Sip,
            }),
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
                // does: the wanted configuration has none, so they are taken off.
                let now = match before {
                    Routing::Twilio(now) => now.clone(),
                    Routing::Telnyx(_) => TwilioRouting::default(),
                };
                let wanted = twilio_webhooks(voice_url, sms_url, status_callback);
                let update = TwilioNumberUpdate::towards(&wanted, &now);
                if !update.is_empty() {
                    client.update_incoming_number(carrier_id, &update).await?;
                }
                // Processed in another region, the number's calls use that region's
                // configuration: it gets the target too.
                if let Some(regional) = &now.in_region {
                    self.write_routing_in_region(carrier_id, &regional.region, &wanted)
                        .await?;
                }
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
                // Read first, so only what differs is sent (and a number already back is left).
                let now = client.fetch_incoming_number(carrier_id).await?;
                let now = match now.routing {
                    Routing::Twilio(now) => now,
                    Routing::Telnyx(_) => TwilioRouting::default(),
                };
                let update = TwilioNumberUpdate::towards(saved, &now);
                if !update.is_empty() {
                    client.update_incoming_number(carrier_id, &update).await?;
                }
                // And the region that processed its calls gets its own configuration back.
                if let Some(regional) = &saved.in_region {
                    self.write_routing_in_region(carrier_id, &regional.region, &regional.routing)
                        .await?;
                }
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

/// The managed configuration of a Twilio number: our webhooks, every one called with POST, and
/// no application or trunk in front of them.
fn twilio_webhooks(voice_url: &str, sms_url: &str, status_callback: &str) -> TwilioRouting {
    TwilioRouting {
        voice_url: Some(voice_url.to_owned()),
        voice_method: Some(WebhookMethod::Post),
        sms_url: Some(sms_url.to_owned()),
        sms_method: Some(WebhookMethod::Post),
        status_callback: Some(status_callback.to_owned()),
        status_callback_method: Some(WebhookMethod::Post),
        ..TwilioRouting::default()
    }
}

/// A connection: (workspace id, connection id).
pub type ConnectionKey = (WorkspaceId, ConnectionId);

// ---------------------------------------------------------------------------------------------
// Search and buy

/// What the carrier did with a purchase.
#[derive(Debug, Clone)]
pub enum Placed {
    /// Twilio: bought at once.
    Bought(Vec<OwnedNumber>),
    /// Telnyx: an order, pending or done.
    Ordered(NumberOrder),
}

impl CarrierAccount {
    pub async fn purchase_search(
        &self,
        search: &NumberSearch,
    ) -> Result<Vec<AvailableNumber>, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.search_available(search).await,
            CarrierAccount::Telnyx(client) => client.search_available(search).await,
        }
    }

    /// The Addresses on file (Twilio); Telnyx numbers are bought without one here.
    pub async fn purchase_addresses(&self) -> Result<Vec<CarrierAddress>, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.list_addresses().await,
            CarrierAccount::Telnyx(_) => Ok(Vec::new()),
        }
    }

    /// Whether a number of this country and type is sold only with an approved regulatory
    /// bundle (Twilio's Regulations) or requirement group (Telnyx's requirements).
    pub async fn purchase_needs_bundle(
        &self,
        iso: &str,
        number_type: NumberType,
    ) -> Result<bool, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.needs_bundle(iso, number_type).await,
            CarrierAccount::Telnyx(client) => client.needs_requirements(iso, number_type).await,
        }
    }

    /// The approved bundles (Twilio) or requirement groups (Telnyx) for numbers of this
    /// country and type.
    pub async fn purchase_bundles(
        &self,
        iso: &str,
        number_type: NumberType,
    ) -> Result<Vec<CarrierBundle>, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.list_bundles(iso, number_type).await,
            CarrierAccount::Telnyx(client) => {
                client.list_requirement_groups(iso, number_type).await
            }
        }
    }

    /// Twilio's prices for a country (its search carries none); `None` for Telnyx.
    pub async fn purchase_prices(&self, iso: &str) -> Result<Option<CountryPricing>, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.number_prices(iso).await.map(Some),
            CarrierAccount::Telnyx(_) => Ok(None),
        }
    }

    /// Buys: Twilio one number (with its webhooks set), Telnyx one order for all of them with
    /// `key` as its customer reference. Sent once; see [`CarrierError::is_ambiguous`].
    pub async fn purchase_place(
        &self,
        e164s: &[String],
        key: &str,
        target: Option<&ManagedTarget>,
        address_sid: Option<&str>,
        bundle_sid: Option<&str>,
    ) -> Result<Placed, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => {
                let mut bought = Vec::new();
                for e164 in e164s {
                    let config = match target {
                        Some(ManagedTarget::Twilio {
                            voice_url,
                            sms_url,
                            status_callback,
                        }) => TwilioNumberUpdate::towards(
                            &twilio_webhooks(voice_url, sms_url, status_callback),
                            &TwilioRouting::default(),
                        ),
                        _ => TwilioNumberUpdate::default(),
                    };
                    let purchase = TwilioPurchase {
                        phone_number: e164.clone(),
                        config,
                        address_sid: address_sid.map(str::to_owned),
                        bundle_sid: bundle_sid.map(str::to_owned),
                    };
                    bought.push(client.buy_number(&purchase).await?);
                }
                Ok(Placed::Bought(bought))
            }
            CarrierAccount::Telnyx(client) => {
                let (connection_id, messaging_profile_id) = match target {
                    Some(ManagedTarget::Telnyx {
                        connection_id,
                        messaging_profile_id,
                    }) => (Some(connection_id.clone()), messaging_profile_id.clone()),
                    _ => (None, None),
                };
                let order = client
                    .create_number_order(&TelnyxOrderRequest {
                        phone_numbers: e164s.to_vec(),
                        connection_id,
                        messaging_profile_id,
                        customer_reference: Some(key.to_string()),
                        requirement_group_id: bundle_sid.map(str::to_owned),
                    })
                    .await?;
                Ok(Placed::Ordered(order))
            }
        }
    }

    /// What the carrier has of a journalled purchase: the numbers (Twilio) or the order with this
    /// customer reference (Telnyx). `None` when it has no trace of it.
    pub async fn purchase_find(
        &self,
        e164s: &[String],
        key: &str,
    ) -> Result<Option<Placed>, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => {
                let mut found = Vec::new();
                for e164 in e164s {
                    if let Some(number) = client.find_incoming_number(e164).await? {
                        found.push(number);
                    }
                }
                Ok((!found.is_empty()).then_some(Placed::Bought(found)))
            }
            CarrierAccount::Telnyx(client) => {
                // One request can become two orders with this reference (sent twice on the way);
                // the one that took the numbers decides. Lines in a list carry no status, so
                // each order is fetched.
                let mut best: Option<NumberOrder> = None;
                for listed in client.list_number_orders(Some(key)).await? {
                    let order = client.number_order(&listed.id).await?;
                    if best
                        .as_ref()
                        .map_or(true, |b| order_rank(&order) > order_rank(b))
                    {
                        best = Some(order);
                    }
                }
                Ok(best.map(Placed::Ordered))
            }
        }
    }

    pub async fn purchase_order(&self, id: &str) -> Result<NumberOrder, CarrierError> {
        match self {
            CarrierAccount::Telnyx(client) => client.number_order(id).await,
            CarrierAccount::Twilio(_) => Err(CarrierError::InvalidSettings {
                carrier: CarrierKind::Twilio,
                detail: "Twilio purchases have no orders to follow".into(),
            }),
        }
    }

    pub async fn purchase_owned(&self, e164: &str) -> Result<Option<OwnedNumber>, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.find_incoming_number(e164).await,
            CarrierAccount::Telnyx(client) => client.find_phone_number(e164).await,
        }
    }

    pub async fn purchase_release(&self, carrier_id: &str) -> Result<ReleaseOutcome, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.release_incoming_number(carrier_id).await,
            CarrierAccount::Telnyx(client) => client.release_phone_number(carrier_id).await,
        }
    }
}

/// Which of several orders with one reference holds the purchase: one that took numbers
/// (success, then pending) over one that failed, and among those the one with more numbers
/// bought.
fn order_rank(order: &NumberOrder) -> (u8, usize) {
    let status = match order.status {
        OrderStatus::Success => 2,
        OrderStatus::Pending => 1,
        OrderStatus::Failure => 0,
    };
    let bought = order
        .numbers
        .iter()
        .filter(|n| n.status != Some(OrderStatus::Failure))
        .count();
    (status, bought)
}

// ---------------------------------------------------------------------------------------------
// Twilio inbound regions (Routes v2)

impl CarrierAccount {
    /// The number's inbound processing region at Twilio.
    pub async fn inbound_region(&self, e164: &str) -> Result<InboundRegion, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.inbound_region(e164).await,
            CarrierAccount::Telnyx(_) => Err(not_offered()),
        }
    }

    pub async fn set_inbound_region(
        &self,
        e164: &str,
        region: &str,
    ) -> Result<InboundRegion, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => client.set_inbound_region(e164, region).await,
            CarrierAccount::Telnyx(_) => Err(not_offered()),
        }
    }
}

/// Twilio keeps a number's configuration per region; these read and write it in one region,
/// through that region's API host and the API key made there.
impl CarrierAccount {
    /// Whether the account holds an API key made in `region` (us1 needs none; Telnyx has no
    /// regions, so nothing is needed).
    pub fn has_regional_key(&self, region: &str) -> bool {
        match self {
            CarrierAccount::Twilio(client) => client.has_regional_key(region),
            CarrierAccount::Telnyx(_) => true,
        }
    }

    /// The number's configuration in `region`.
    pub async fn routing_in_region(
        &self,
        carrier_id: &str,
        region: &str,
    ) -> Result<TwilioRouting, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => {
                let number = client
                    .in_region(region)?
                    .fetch_incoming_number(carrier_id)
                    .await?;
                Ok(twilio_routing_of(number.routing))
            }
            CarrierAccount::Telnyx(_) => Err(not_offered()),
        }
    }

    /// Makes the number's configuration in `region` what `wanted` says, sending only what
    /// differs, and returns it as Twilio then has it there.
    pub async fn write_routing_in_region(
        &self,
        carrier_id: &str,
        region: &str,
        wanted: &TwilioRouting,
    ) -> Result<TwilioRouting, CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => {
                let regional = client.in_region(region)?;
                let now =
                    twilio_routing_of(regional.fetch_incoming_number(carrier_id).await?.routing);
                let update = TwilioNumberUpdate::towards(wanted, &now);
                if update.is_empty() {
                    return Ok(now);
                }
                let after = regional.update_incoming_number(carrier_id, &update).await?;
                Ok(twilio_routing_of(after.routing))
            }
            CarrierAccount::Telnyx(_) => Err(not_offered()),
        }
    }

    /// `routing` (a Twilio number's us1 configuration) with the configuration of the region that
    /// processes its calls, when that is not us1: what a snapshot must hold. Needs the key made
    /// in that region ([`CarrierError::RegionalKeyNeeded`] otherwise). Telnyx's is as it is.
    pub async fn with_processing_region(
        &self,
        e164: &str,
        carrier_id: &str,
        routing: Routing,
    ) -> Result<Routing, CarrierError> {
        let Routing::Twilio(mut twilio) = routing else {
            return Ok(routing);
        };
        let region = self.inbound_region(e164).await?.voice_region;
        twilio.in_region = if region == "us1" {
            None
        } else {
            let routing = self.routing_in_region(carrier_id, &region).await?;
            Some(crate::carriers::RegionalRouting {
                region,
                routing: Box::new(routing),
            })
        };
        Ok(Routing::Twilio(twilio))
    }

    /// The number as the carrier has it, with the configuration of the region `like` (a
    /// snapshot) holds besides us1's, so the two can be compared.
    pub async fn fetch_number_like(
        &self,
        carrier_id: &str,
        like: &Routing,
    ) -> Result<OwnedNumber, CarrierError> {
        let mut found = self.fetch_number(carrier_id).await?;
        if let (Routing::Twilio(saved), Routing::Twilio(now)) = (like, &mut found.routing) {
            if let Some(regional) = &saved.in_region {
                let routing = self.routing_in_region(carrier_id, &regional.region).await?;
                now.in_region = Some(crate::carriers::RegionalRouting {
                    region: regional.region.clone(),
                    routing: Box::new(routing),
                });
            }
        }
        Ok(found)
    }

    /// Checks an API key made in `region` with a live call on that region's host.
    pub async fn check_regional_key(&self, region: &str) -> Result<(), CarrierError> {
        match self {
            CarrierAccount::Twilio(client) => {
                client.in_region(region)?.validate().await.map(|_| ())
            }
            CarrierAccount::Telnyx(_) => Err(not_offered()),
        }
    }
}

fn twilio_routing_of(routing: Routing) -> TwilioRouting {
    match routing {
        Routing::Twilio(routing) => routing,
        Routing::Telnyx(_) => TwilioRouting::default(),
    }
}

fn not_offered() -> CarrierError {
    CarrierError::InvalidSettings {
        carrier: CarrierKind::Telnyx,
        detail: "Telnyx numbers have no inbound processing region".into(),
    }
}

#[cfg(test)]
mod endpoint_tests {
    use super::*;

    #[test]
    fn the_real_hosts_report_no_override_and_each_changed_host_is_named() {
        assert!(CarrierEndpoints::default().overrides().is_empty());
        let endpoints = CarrierEndpoints {
            telnyx: "http://127.0.0.1:4010/telnyx".into(),
            ..CarrierEndpoints::default()
        };
        assert_eq!(
            endpoints.overrides(),
            vec![(
                "NUMBERDESK_TELNYX_URL",
                "http://127.0.0.1:4010/telnyx".to_owned()
            )]
        );
    }
}
