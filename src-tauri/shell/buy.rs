//! Search-and-buy commands (issue 5): search, quote, buy through the marketplace or the number
//! pool, Process, release, billing, and the pool account's settings. Thin: the core decides.

use serde::Serialize;
use tauri::State;

use super::error::IpcError;
use super::settings::PoolIds;
use super::AppState;
use crate::accounts::CarrierAccount;
use crate::billing::{Billing, CreditEntry, CreditSummary};
use crate::carriers::ClientOptions;
use crate::credentials::{Credentials, TelnyxCredentials};
use crate::purchase::{
    Country, OrderSummary, Purchase, Quote, Release, SearchQuery, SearchResults, SyncReport,
};
use crate::secrets::{SecretKey, Sensitive};

#[tauri::command]
pub async fn list_countries(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: Option<i64>,
) -> Result<Vec<Country>, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases.countries(workspace_id, connection_id).await?)
}

/// Searches the carrier (`more`: Refresh, one page more than is cached). Offline, the cached
/// answer comes back marked possibly stale.
#[tauri::command]
pub async fn search_numbers(
    state: State<'_, AppState>,
    workspace_id: i64,
    query: SearchQuery,
    more: bool,
) -> Result<SearchResults, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    if more {
        Ok(purchases.refresh(workspace_id, &query).await?)
    } else {
        Ok(purchases.search(workspace_id, &query).await?)
    }
}

#[tauri::command]
pub async fn cached_search(
    state: State<'_, AppState>,
    workspace_id: i64,
    query: SearchQuery,
) -> Result<Option<SearchResults>, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases.cached_search(workspace_id, &query).await?)
}

#[tauri::command]
pub async fn quote_purchase(
    state: State<'_, AppState>,
    workspace_id: i64,
    numbers: Vec<String>,
) -> Result<Quote, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases.quote(workspace_id, &numbers).await?)
}

#[tauri::command]
pub async fn buy_number(
    state: State<'_, AppState>,
    workspace_id: i64,
    connection_id: Option<i64>,
    e164: String,
) -> Result<Purchase, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases.buy(workspace_id, connection_id, &e164).await?)
}

#[tauri::command]
pub async fn buy_from_pool(
    state: State<'_, AppState>,
    workspace_id: i64,
    numbers: Vec<String>,
    allow_webhook_updates: bool,
) -> Result<Purchase, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases
        .buy_from_pool(workspace_id, &numbers, allow_webhook_updates)
        .await?)
}

/// The Process button: one number's order, or every pending order of the workspace.
#[tauri::command]
pub async fn process_orders(
    state: State<'_, AppState>,
    workspace_id: i64,
    phone_number_id: Option<i64>,
) -> Result<SyncReport, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases.process(workspace_id, phone_number_id).await?)
}

#[tauri::command]
pub async fn list_orders(
    state: State<'_, AppState>,
    workspace_id: i64,
) -> Result<Vec<OrderSummary>, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases.orders(workspace_id).await?)
}

#[tauri::command]
pub async fn release_number(
    state: State<'_, AppState>,
    workspace_id: i64,
    phone_number_id: i64,
) -> Result<Release, IpcError> {
    let purchases = state.purchases_for(workspace_id).await?;
    Ok(purchases.release(workspace_id, phone_number_id).await?)
}

#[derive(Debug, Serialize)]
pub struct BillingDto {
    summary: CreditSummary,
    ledger: Vec<CreditEntry>,
}

#[tauri::command]
pub async fn get_billing(
    state: State<'_, AppState>,
    workspace_id: i64,
) -> Result<BillingDto, IpcError> {
    state
        .blocking("read the credits", move |s| {
            let billing = Billing::new(&s.core);
            billing.settle(workspace_id)?;
            Ok(BillingDto {
                summary: billing.summary(workspace_id)?,
                ledger: billing.ledger(workspace_id)?,
            })
        })
        .await
}

/// What Settings shows about the number pool's account. Never the key.
#[derive(Debug, Serialize)]
pub struct PoolSettingsDto {
    configured: bool,
    texml_connection_id: Option<String>,
    messaging_profile_id: Option<String>,
    /// Sandbox mode is on: sandbox workspaces buy from the sandbox's own pool, no setup needed.
    sandbox: bool,
}

async fn pool_settings(state: &AppState) -> Result<PoolSettingsDto, IpcError> {
    let sandbox = state.sandbox.lock().await.is_some();
    state
        .blocking("read the number pool settings", move |s| {
            let configured = s.core.secrets.get(SecretKey::POOL)?.is_some();
            let ids = s.settings.pool_ids().unwrap_or_default();
            Ok(PoolSettingsDto {
                configured,
                texml_connection_id: ids.texml_connection_id,
                messaging_profile_id: ids.messaging_profile_id,
                sandbox,
            })
        })
        .await
}

#[tauri::command]
pub async fn get_pool_settings(state: State<'_, AppState>) -> Result<PoolSettingsDto, IpcError> {
    pool_settings(&state).await
}

fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Checks the key against Telnyx (and the TeXML application, when given), then keeps the key in
/// the keyring and the ids in settings. A key Telnyx refuses saves nothing.
#[tauri::command]
pub async fn save_pool_settings(
    state: State<'_, AppState>,
    api_key: String,
    texml_connection_id: Option<String>,
    messaging_profile_id: Option<String>,
) -> Result<PoolSettingsDto, IpcError> {
    let api_key = api_key.trim().to_owned();
    if api_key.is_empty() {
        return Err(IpcError::invalid(
            "Enter the Telnyx API key of the agency's account.",
        ));
    }
    state.core.redactor.register(&api_key);
    let ids = PoolIds {
        texml_connection_id: optional(texml_connection_id),
        messaging_profile_id: optional(messaging_profile_id),
    };
    let credentials = Credentials::Telnyx(TelnyxCredentials {
        api_key: Sensitive::new(api_key.clone()),
    });
    let account = CarrierAccount::open(&credentials, &state.endpoints, ClientOptions::default())?;
    crate::connect::validate(&account).await?;
    if let (Some(id), CarrierAccount::Telnyx(client)) = (&ids.texml_connection_id, &account) {
        client.texml_application(id).await.map_err(|error| {
            IpcError::invalid(format!(
                "Telnyx has no TeXML application with Connection ID {id} in that account ({error}). Copy the ID from the TeXML application's page."
            ))
        })?;
    }
    let pool = crate::purchase::PoolAccount {
        api_key: Sensitive::new(api_key.clone()),
        texml_connection_id: ids.texml_connection_id.clone(),
        messaging_profile_id: ids.messaging_profile_id.clone(),
    };
    state
        .blocking("save the number pool account", move |s| {
            s.core
                .secrets
                .put(SecretKey::POOL, &Sensitive::new(api_key))?;
            s.settings.set_pool_ids(Some(&ids));
            Ok(())
        })
        .await?;
    state.purchases.set_pool(Some(pool))?;
    tracing::info!("number pool account saved");
    pool_settings(&state).await
}

#[tauri::command]
pub async fn clear_pool_settings(state: State<'_, AppState>) -> Result<PoolSettingsDto, IpcError> {
    state
        .blocking("remove the number pool account", |s| {
            s.core.secrets.delete(SecretKey::POOL)?;
            s.settings.set_pool_ids(None);
            Ok(())
        })
        .await?;
    state.purchases.set_pool(None)?;
    pool_settings(&state).await
}
