//! Search-and-buy commands: search, quote, buy through the marketplace or the number
//! pool, Process, release, billing, and the pool account's settings. Thin: the core decides.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use tauri::State;

use super::super::error::IpcError;
use super::super::AppState;
use crate::app::{Credits, PoolSetup};
use crate::carriers::{CarrierAddress, CarrierBundle};
use crate::flows::purchase::{
    Country, OrderSummary, Purchase, Quote, Release, SearchQuery, SearchResults, SyncReport,
};

#[tauri::command]
pub async fn list_countries(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: Option<ConnectionId>,
) -> Result<Vec<Country>, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases.countries(workspace_id, connection_id).await?)
}

/// Searches the carrier (`more`: Refresh, one page more than is cached). Offline, the cached
/// answer comes back marked possibly stale.
#[tauri::command]
pub async fn search_numbers(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    query: SearchQuery,
    more: bool,
) -> Result<SearchResults, IpcError> {
    let purchases = state.app.purchases();
    if more {
        Ok(purchases.refresh(workspace_id, &query).await?)
    } else {
        Ok(purchases.search(workspace_id, &query).await?)
    }
}

#[tauri::command]
pub async fn cached_search(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    query: SearchQuery,
) -> Result<Option<SearchResults>, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases.cached_search(workspace_id, &query).await?)
}

#[tauri::command]
pub async fn quote_purchase(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    numbers: Vec<String>,
) -> Result<Quote, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases.quote(workspace_id, &numbers).await?)
}

#[tauri::command]
pub async fn buy_number(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: Option<ConnectionId>,
    e164: String,
    address_sid: Option<String>,
    bundle_sid: Option<String>,
) -> Result<Purchase, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases
        .buy_regulated(workspace_id, connection_id, &e164, address_sid, bundle_sid)
        .await?)
}

/// The Addresses on file at the connection's carrier, for a number that needs one.
#[tauri::command]
pub async fn list_addresses(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<Vec<CarrierAddress>, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases.addresses(workspace_id, connection_id).await?)
}

/// The approved regulatory bundles at the connection's carrier that a number from the last
/// search can be bought with, for a number that needs one.
#[tauri::command]
pub async fn list_bundles(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    e164: String,
) -> Result<Vec<CarrierBundle>, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases
        .bundles(workspace_id, connection_id, &e164)
        .await?)
}

#[tauri::command]
pub async fn buy_from_pool(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    numbers: Vec<String>,
    allow_webhook_updates: bool,
) -> Result<Purchase, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases
        .buy_from_pool(workspace_id, &numbers, allow_webhook_updates)
        .await?)
}

/// The Process button: one number's order, or every pending order of the workspace.
#[tauri::command]
pub async fn process_orders(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    phone_number_id: Option<PhoneNumberId>,
) -> Result<SyncReport, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases.process(workspace_id, phone_number_id).await?)
}

#[tauri::command]
pub async fn list_orders(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
) -> Result<Vec<OrderSummary>, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases.orders(workspace_id).await?)
}

#[tauri::command]
pub async fn release_number(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
    phone_number_id: PhoneNumberId,
) -> Result<Release, IpcError> {
    let purchases = state.app.purchases();
    Ok(purchases.release(workspace_id, phone_number_id).await?)
}

#[tauri::command]
pub async fn get_billing(
    state: State<'_, AppState>,
    workspace_id: WorkspaceId,
) -> Result<Credits, IpcError> {
    Ok(state.app.workspaces().credits(workspace_id).await?)
}

/// What Settings shows about the number pool's account. Never the key.
#[tauri::command]
pub async fn get_pool_settings(state: State<'_, AppState>) -> Result<PoolSetup, IpcError> {
    Ok(state.app.pool().get().await?)
}

/// Checks the key against Telnyx (and the TeXML application, when given), then keeps it. A key
/// Telnyx refuses saves nothing.
#[tauri::command]
pub async fn save_pool_settings(
    state: State<'_, AppState>,
    api_key: String,
    texml_connection_id: Option<String>,
    messaging_profile_id: Option<String>,
) -> Result<PoolSetup, IpcError> {
    let pool = state.app.pool();
    Ok(pool
        .save(api_key, texml_connection_id, messaging_profile_id)
        .await?)
}

#[tauri::command]
pub async fn clear_pool_settings(state: State<'_, AppState>) -> Result<PoolSetup, IpcError> {
    Ok(state.app.pool().clear().await?)
}
