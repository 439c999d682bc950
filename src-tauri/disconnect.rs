//! Disconnecting a carrier connection, as one unit: optionally put the previous webhook settings
//! back at the carrier (from the snapshots taken before NumberDesk changed them), then delete the
//! connection's numbers and the connection in one transaction together with its keyring entry.
//!
//! If any step fails the carrier stays connected and the error says what failed: a failed restore
//! is undone at the carrier (the numbers are pointed at NumberDesk again) before anything local is
//! touched, and the keyring entry is deleted inside the database transaction, so a keyring that
//! refuses rolls the deletion back. The numbers themselves stay in the carrier account; connecting
//! again later is a fresh import.

use std::sync::Arc;

use serde::Serialize;
use tokio::task::JoinSet;

use crate::accounts::CarrierAccount;
use crate::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::carriers::Routing;
use crate::connections::{ConnectionError, Connections};
use crate::context::Context;
use crate::secrets::{SecretKey, SecretsError};
use crate::store::agents::{self as agent_rows, AgentLoss};
use crate::store::connections as connection_rows;
use crate::store::journal;
use crate::store::sync_state::{self, ManagedNumber};
use crate::store::StoreError;

/// What the confirmation dialog shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisconnectPreview {
    pub connection_id: i64,
    pub name: String,
    pub carrier: String,
    /// Numbers that will be removed from NumberDesk (released ones are not counted).
    pub number_count: i64,
    /// Numbers whose previous webhook settings were saved and can be put back.
    pub restorable: i64,
    /// Agents that lose numbers, with how many each.
    pub affected_agents: Vec<AgentLoss>,
    /// Imports through this connection still running; disconnecting waits for them.
    pub running_imports: i64,
    /// The sentence the dialog shows about the carrier account.
    pub note: String,
}

/// What a finished disconnect did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisconnectReport {
    pub connection_id: i64,
    pub name: String,
    /// Rows removed from NumberDesk, released history included.
    pub removed_numbers: usize,
    /// Numbers whose previous settings were put back at the carrier.
    pub restored: Vec<String>,
    pub affected_agents: Vec<AgentLoss>,
}

/// One number whose restore failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreFailure {
    pub e164: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DisconnectError {
    #[error("This carrier connection no longer exists.")]
    NotFound,
    #[error("An import through this connection is still running. Cancel it or wait for it to finish, then disconnect.")]
    ImportRunning,
    #[error("Restoring the previous webhook settings failed for {} ({}). Nothing was removed and the carrier stays connected{}. Try again, or disconnect without restoring.", count(.failed.len()), first_failure(.failed), left_text(.left_restored))]
    RestoreFailed {
        failed: Vec<RestoreFailure>,
        /// Numbers whose restore went through and could not be pointed back at NumberDesk: they
        /// now have their previous settings at the carrier (Sync flags them as drifted).
        left_restored: Vec<String>,
    },
    #[error("The credentials could not be deleted from the system keyring ({0}). Nothing was removed and the carrier stays connected; unlock the keyring and try again.")]
    Keyring(SecretsError),
    #[error("The numbers could not be removed from the database ({0}). Nothing was removed and the carrier stays connected; try again.")]
    Store(StoreError),
    #[error(transparent)]
    Connection(ConnectionError),
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 number".into()
    } else {
        format!("{n} numbers")
    }
}

fn first_failure(failed: &[RestoreFailure]) -> String {
    match failed.first() {
        Some(first) => {
            let reason = first.reason.trim_end_matches('.');
            if failed.len() == 1 {
                format!("{}: {reason}", first.e164)
            } else {
                format!("first {}: {reason}", first.e164)
            }
        }
        None => String::new(),
    }
}

fn left_text(left: &[String]) -> String {
    if left.is_empty() {
        String::new()
    } else {
        format!(
            ", but {} kept their previous settings at the carrier ({})",
            count(left.len()),
            left.join(", ")
        )
    }
}

impl From<StoreError> for DisconnectError {
    fn from(error: StoreError) -> Self {
        DisconnectError::Store(error)
    }
}

impl From<ConnectionError> for DisconnectError {
    fn from(error: ConnectionError) -> Self {
        match error {
            ConnectionError::NotFound => DisconnectError::NotFound,
            other => DisconnectError::Connection(other),
        }
    }
}

fn carrier_name(carrier: &str) -> &'static str {
    if carrier == "telnyx" {
        "Telnyx"
    } else {
        "Twilio"
    }
}

/// What disconnecting `connection_id` would do.
pub fn preview(
    ctx: &Context,
    workspace_id: i64,
    connection_id: i64,
) -> Result<DisconnectPreview, DisconnectError> {
    let connection = Connections::new(ctx).get(workspace_id, connection_id)?;
    let (numbers, agents, running) = ctx.store.read(|c| {
        Ok::<_, StoreError>((
            sync_state::of_connection(c, workspace_id, connection_id)?,
            agent_rows::holding_connection(c, workspace_id, connection_id)?,
            sync_state::running_imports(c, workspace_id, connection_id)?,
        ))
    })?;
    let held: Vec<&ManagedNumber> = numbers.iter().filter(|n| n.status != "released").collect();
    Ok(DisconnectPreview {
        connection_id,
        name: connection.name.clone(),
        number_count: held.len() as i64,
        restorable: held.iter().filter(|n| restorable(n)).count() as i64,
        affected_agents: agents,
        running_imports: running,
        note: format!(
            "The numbers stay in your {} account; they are only removed from NumberDesk.",
            carrier_name(&connection.carrier)
        ),
        carrier: connection.carrier,
    })
}

fn restorable(number: &ManagedNumber) -> bool {
    number.status != "released"
        && number.snapshot_json.is_some()
        && number.carrier_number_id.is_some()
}

/// Disconnects the connection. With `restore`, the previous webhook settings of every number that
/// has a snapshot are put back through that account first.
pub async fn disconnect(
    ctx: &Context,
    workspace_id: i64,
    connection_id: i64,
    restore: Option<Arc<CarrierAccount>>,
) -> Result<DisconnectReport, DisconnectError> {
    let connection = Connections::new(ctx).get(workspace_id, connection_id)?;
    let plan = preview(ctx, workspace_id, connection_id)?;
    if plan.running_imports > 0 {
        return Err(DisconnectError::ImportRunning);
    }
    let key = SecretKey::new(workspace_id, connection_id);
    // Read first, so the entry can be put back if the database commit fails after the keyring
    // deleted it. A keyring that cannot even be read stops the disconnect here, untouched.
    let secret = ctx.secrets.get(key).map_err(DisconnectError::Keyring)?;

    let mut restored = Vec::new();
    if let Some(account) = restore {
        let numbers = ctx
            .store
            .read(|c| sync_state::of_connection(c, workspace_id, connection_id))?;
        let to_restore: Vec<ManagedNumber> = numbers.into_iter().filter(restorable).collect();
        restored = restore_all(ctx, workspace_id, &account, to_restore).await?;
    }

    let now = ctx.clock.now();
    let restored_for_audit = restored.clone();
    let result = ctx.store.write(|tx| {
        let numbers: Vec<String> = sync_state::of_connection(tx, workspace_id, connection_id)?
            .into_iter()
            .filter(|n| n.status != "released")
            .map(|n| n.e164)
            .collect();
        let removed = sync_state::delete_of_connection(tx, workspace_id, connection_id)?;
        if !connection_rows::delete(tx, workspace_id, connection_id)? {
            return Err(DisconnectError::NotFound);
        }
        let summary = format!(
            "Disconnected {} \"{}\": removed {} from NumberDesk{}. They stay in the carrier account.",
            carrier_name(&connection.carrier),
            connection.name,
            count(numbers.len()),
            if restored_for_audit.is_empty() {
                String::new()
            } else {
                format!(
                    " after restoring the previous webhook settings of {}",
                    count(restored_for_audit.len())
                )
            }
        );
        if !restored_for_audit.is_empty() {
            record_in(
                tx,
                &ctx.redactor,
                workspace_id,
                &AuditRecord::new(
                    AuditAction::Restore,
                    AuditTarget::carrier(&connection.carrier),
                    format!(
                        "Restored the previous webhook settings of {} at the carrier before disconnecting.",
                        count(restored_for_audit.len())
                    ),
                )
                .connection(connection.name.clone())
                .numbers(restored_for_audit.clone()),
                now,
            )?;
        }
        record_in(
            tx,
            &ctx.redactor,
            workspace_id,
            &AuditRecord::new(AuditAction::Disconnect, AuditTarget::Local, summary)
                .connection(connection.name.clone())
                .numbers(numbers)
                .before_after(
                    Some(serde_json::json!({
                        "connection_id": connection_id,
                        "carrier": connection.carrier,
                        "name": connection.name,
                        "account": connection.account_ref,
                        "numbers": plan.number_count,
                        "affected_agents": plan.affected_agents,
                    })),
                    Some(serde_json::json!({"connected": false, "restored": restored_for_audit})),
                ),
            now,
        )?;
        // Last, inside the transaction: if the keyring refuses, everything above rolls back.
        ctx.secrets.delete(key).map_err(DisconnectError::Keyring)?;
        Ok(removed)
    });
    let removed = match result {
        Ok(removed) => removed,
        Err(error) => {
            // The keyring may have deleted the entry before the commit failed: put it back so
            // the connection that stays is still usable.
            if !matches!(error, DisconnectError::Keyring(_)) {
                if let Some(secret) = &secret {
                    if let Err(put_back) = ctx.secrets.put(key, secret) {
                        tracing::error!(%put_back, "credentials of a connection that stays could not be put back");
                    }
                }
            }
            return Err(error);
        }
    };
    tracing::info!(
        workspace = workspace_id,
        connection = connection_id,
        removed,
        restored = restored.len(),
        "carrier disconnected"
    );
    Ok(DisconnectReport {
        connection_id,
        name: connection.name,
        removed_numbers: removed,
        restored,
        affected_agents: plan.affected_agents,
    })
}

/// Restores every number at the carrier, a few at a time. If any fails, the ones restored are
/// pointed at NumberDesk again and the failure is returned; every call is journalled first.
async fn restore_all(
    ctx: &Context,
    workspace_id: i64,
    account: &Arc<CarrierAccount>,
    numbers: Vec<ManagedNumber>,
) -> Result<Vec<String>, DisconnectError> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let now = ctx.clock.now();
    let intents: Vec<i64> = ctx.store.write(|tx| {
        numbers
            .iter()
            .map(|n| {
                let key = journal::fresh_key(tx, "restore", &n.e164)?;
                let payload = serde_json::json!({
                    "phone_number_id": n.id,
                    "e164": n.e164,
                    "carrier_number_id": n.carrier_number_id,
                    "connection_id": n.connection_id,
                })
                .to_string();
                journal::intend(tx, workspace_id, "restore", &key, &payload, now)
            })
            .collect::<Result<_, StoreError>>()
    })?;

    let outcomes = run_bounded(account, numbers.clone(), |account, number| async move {
        let snapshot: Routing = serde_json::from_str(number.snapshot_json.as_deref().unwrap_or(""))
            .map_err(|_| "the saved settings are damaged and cannot be restored".to_owned())?;
        let carrier_id = number.carrier_number_id.clone().unwrap_or_default();
        account
            .restore(&carrier_id, &snapshot)
            .await
            .map_err(|e| e.to_string())
    })
    .await;

    let now = ctx.clock.now();
    ctx.store.write(|tx| {
        for (intent, outcome) in intents.iter().zip(&outcomes) {
            match outcome {
                Ok(()) => {
                    journal::settle(tx, *intent, true, "restored", now)?;
                }
                Err(reason) => {
                    journal::settle(tx, *intent, false, reason, now)?;
                }
            }
        }
        Ok::<_, StoreError>(())
    })?;

    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (number, outcome) in numbers.iter().zip(outcomes) {
        match outcome {
            Ok(()) => done.push(number.clone()),
            Err(reason) => failed.push(RestoreFailure {
                e164: number.e164.clone(),
                reason,
            }),
        }
    }
    if failed.is_empty() {
        return Ok(done.into_iter().map(|n| n.e164).collect());
    }
    tracing::warn!(
        failed = failed.len(),
        restored = done.len(),
        "restore at disconnect failed; pointing the restored numbers at NumberDesk again"
    );
    let left_restored = reapply(ctx, workspace_id, account, done).await?;
    Err(DisconnectError::RestoreFailed {
        failed,
        left_restored,
    })
}

/// Points numbers restored by a disconnect that did not happen back at NumberDesk. Returns the
/// ones that could not be.
async fn reapply(
    ctx: &Context,
    workspace_id: i64,
    account: &Arc<CarrierAccount>,
    numbers: Vec<ManagedNumber>,
) -> Result<Vec<String>, DisconnectError> {
    let Some(connection_id) = numbers.first().and_then(|n| n.connection_id) else {
        return Ok(Vec::new());
    };
    let target = crate::sync::target_of(ctx, workspace_id, connection_id)?;
    let Some(target) = target else {
        return Ok(numbers.into_iter().map(|n| n.e164).collect());
    };
    let now = ctx.clock.now();
    let intents: Vec<i64> = ctx.store.write(|tx| {
        numbers
            .iter()
            .map(|n| {
                let key = journal::fresh_key(tx, "reapply", &n.e164)?;
                let payload =
                    serde_json::json!({"phone_number_id": n.id, "e164": n.e164}).to_string();
                journal::intend(tx, workspace_id, "reapply", &key, &payload, now)
            })
            .collect::<Result<_, StoreError>>()
    })?;
    let target = Arc::new(target);
    let outcomes = run_bounded(account, numbers.clone(), move |account, number| {
        let target = target.clone();
        async move {
            let before: Routing =
                serde_json::from_str(number.snapshot_json.as_deref().unwrap_or(""))
                    .map_err(|e| e.to_string())?;
            let carrier_id = number.carrier_number_id.clone().unwrap_or_default();
            account
                .apply(&carrier_id, &before, &target)
                .await
                .map_err(|e| e.to_string())
        }
    })
    .await;
    let now = ctx.clock.now();
    ctx.store.write(|tx| {
        for (intent, outcome) in intents.iter().zip(&outcomes) {
            match outcome {
                Ok(()) => {
                    journal::settle(tx, *intent, true, "reapplied", now)?;
                }
                Err(reason) => {
                    journal::settle(tx, *intent, false, reason, now)?;
                }
            }
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(numbers
        .into_iter()
        .zip(outcomes)
        .filter(|(_, outcome)| outcome.is_err())
        .map(|(n, _)| n.e164)
        .collect())
}

/// Runs `work` for every item with as many in flight as the account's limiter allows (at least
/// two), and returns the outcomes in the items' order.
pub(crate) async fn run_bounded<T, F, Fut>(
    account: &Arc<CarrierAccount>,
    items: Vec<T>,
    work: F,
) -> Vec<Result<(), String>>
where
    T: Send + 'static,
    F: Fn(Arc<CarrierAccount>, T) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let mut outcomes: Vec<Option<Result<(), String>>> = (0..items.len()).map(|_| None).collect();
    let mut tasks = JoinSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let room = account.limiter_stats().limit.max(2);
        while tasks.len() >= room {
            if let Some(Ok((i, outcome))) = tasks.join_next().await {
                outcomes[i] = Some(outcome);
            }
        }
        let future = work(account.clone(), item);
        tasks.spawn(async move { (index, future.await) });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((i, outcome)) = joined {
            outcomes[i] = Some(outcome);
        }
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err("the change stopped unexpectedly".to_owned())))
        .collect()
}
