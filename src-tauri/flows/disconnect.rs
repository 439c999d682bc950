//! Disconnecting a carrier connection, as one unit: optionally put the previous webhook settings
//! back at the carrier (from the snapshots taken before NumberDesk changed them), then delete the
//! connection's numbers and the connection in one transaction together with its keyring entry.
//!
//! If any step fails the carrier stays connected and the error says what failed: a failed restore
//! is undone at the carrier (the numbers are pointed at NumberDesk again) before anything local is
//! touched, and the keyring entry is deleted inside the database transaction, so a keyring that
//! refuses rolls the deletion back. The numbers themselves stay in the carrier account; connecting
//! again later is a fresh import.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use std::sync::Arc;

use serde::Serialize;

use crate::app::blocking::{blocking, TaskFailed};
use crate::app::context::Context;
use crate::carriers::account::CarrierAccount;
use crate::carriers::Routing;
use crate::domain::kinds::{CarrierKind, JournalKind, JournalState, NumberStatus};
use crate::domain::target::changes;
use crate::flows::accounts::{run_bounded, AccountUnavailable, Accounts, ItemFailed};
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::flows::connect::connections::{ConnectionError, Connections};
use crate::flows::purchase::Unsettled;
use crate::secrets::{SecretKey, SecretsError};
use crate::store::agents::{self as agent_rows, AgentLoss};
use crate::store::connections::{self as connection_rows, ConnectionRow};
use crate::store::journal;
use crate::store::orders::{self as order_rows, UnsettledScope};
use crate::store::sync_state::{self, ManagedNumber};
use crate::store::StoreError;

/// What the confirmation dialog shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisconnectPreview {
    pub connection_id: ConnectionId,
    pub name: String,
    pub carrier: CarrierKind,
    /// Numbers that will be removed from NumberDesk (released ones are not counted).
    pub number_count: i64,
    /// Numbers whose previous webhook settings were saved and can be put back.
    pub restorable: i64,
    /// Agents that lose numbers, with how many each.
    pub affected_agents: Vec<AgentLoss>,
    /// Imports through this connection still running; disconnecting waits for them.
    pub running_imports: i64,
    /// Numbers still being bought through this connection (journalled or pending orders), and
    /// the sentence that says so; disconnecting refuses unless forced while there are any.
    pub unsettled_numbers: Vec<String>,
    pub unsettled: Option<String>,
    /// The sentence the dialog shows about the carrier account.
    pub note: String,
}

/// What a finished disconnect did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisconnectReport {
    pub connection_id: ConnectionId,
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
    #[error("{0} through this connection, and the carrier has not settled them yet. Wait until they are Active or Failed (Process checks now), or disconnect anyway: NumberDesk then stops tracking them and notes it in the audit log.")]
    Unsettled(Unsettled),
    /// Removing failed after the restore went through at the carrier: the restored numbers were
    /// pointed at NumberDesk again (all but `left_restored`).
    #[error("{cause}{}", undone_text(*.pointed_back, .left_restored))]
    AfterRestore {
        cause: Box<DisconnectError>,
        pointed_back: usize,
        left_restored: Vec<String>,
    },
    #[error(transparent)]
    Settle(Box<crate::flows::purchase::PurchaseError>),
    #[error(transparent)]
    Connection(ConnectionError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for DisconnectError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Settle(inner) => Classified::Wraps(inner.as_ref()),
            Self::AfterRestore { cause, .. } => Classified::Wraps(cause.as_ref()),
            Self::NotFound => Classified::Kind(ErrorKind::NotFound),
            Self::ImportRunning | Self::Unsettled(_) => Classified::Kind(ErrorKind::Conflict),
            Self::Keyring(_) => Classified::Kind(ErrorKind::KeyringUnavailable),
            Self::RestoreFailed { .. } => Classified::Kind(ErrorKind::Carrier),
            Self::Store(_) => Classified::Kind(ErrorKind::Storage),
        }
    }
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

fn undone_text(pointed_back: usize, left: &[String]) -> String {
    let mut text = String::new();
    if pointed_back > 0 {
        text.push_str(&format!(
            " The previous settings of {} had already been put back at the carrier; they were pointed at NumberDesk again.",
            count(pointed_back)
        ));
    }
    if !left.is_empty() {
        text.push_str(&format!(
            " {} kept their previous settings at the carrier ({}); Sync shows them as drifted.",
            count(left.len()),
            left.join(", ")
        ));
    }
    text
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

/// What disconnecting `connection_id` would do.
pub fn preview(
    ctx: &Context,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<DisconnectPreview, DisconnectError> {
    let connection = Connections::new(ctx).get(workspace_id, connection_id)?;
    let (numbers, agents, running, open) = ctx.store.read(|c| {
        Ok::<_, StoreError>((
            sync_state::of_connection(c, workspace_id, connection_id)?,
            agent_rows::holding_connection(c, workspace_id, connection_id)?,
            sync_state::running_imports(c, workspace_id, connection_id)?,
            order_rows::unsettled(c, UnsettledScope::Connection(workspace_id, connection_id))?,
        ))
    })?;
    let open = Unsettled(open);
    let held: Vec<&ManagedNumber> = numbers
        .iter()
        .filter(|n| n.status != NumberStatus::Released)
        .collect();
    Ok(DisconnectPreview {
        connection_id,
        name: connection.name.clone(),
        number_count: held.len() as i64,
        restorable: held.iter().filter(|n| restorable(n)).count() as i64,
        affected_agents: agents,
        running_imports: running,
        unsettled_numbers: open.numbers(),
        unsettled: (!open.is_empty()).then(|| open.to_string()),
        note: if connection.carrier.has_api() {
            format!(
                "The numbers stay in your {} account; they are only removed from NumberDesk.",
                connection.carrier
            )
        } else {
            "The numbers stay with the trunk's carrier; they and the trunk's credentials are only removed from NumberDesk.".to_owned()
        },
        carrier: connection.carrier,
    })
}

fn restorable(number: &ManagedNumber) -> bool {
    number.status != NumberStatus::Released
        && number.snapshot_json.is_some()
        && number.carrier_number_id.is_some()
}

const FORCED_REASON: &str =
    "The carrier was disconnected before it confirmed this purchase; check the carrier's console.";

/// Disconnects the connection. With `restore`, the previous webhook settings of every number that
/// has a snapshot are put back through that account first. `open` is what is still being bought
/// through it ([`crate::flows::purchase::Purchases::settle_before`]): the disconnect refuses while
/// there is any, unless `force`, which abandons those orders and says so in the audit log.
pub async fn disconnect(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    restore: bool,
    open: Unsettled,
    force: bool,
) -> Result<DisconnectReport, DisconnectError> {
    if !open.is_empty() && !force {
        return Err(DisconnectError::Unsettled(open));
    }
    let forced_over = (!open.is_empty()).then_some(open);
    let ctx = accounts.context();
    let key = SecretKey::new(workspace_id, connection_id);
    let (connection, plan, secret, numbers) = blocking(ctx, move |ctx| {
        let connection = Connections::new(ctx).get(workspace_id, connection_id)?;
        let plan = preview(ctx, workspace_id, connection_id)?;
        if plan.running_imports > 0 {
            return Err(DisconnectError::ImportRunning);
        }
        // Read first, so the entry can be put back if the database commit fails after the
        // keyring deleted it. A keyring that cannot even be read stops the disconnect here.
        let secret = ctx.secrets.get(key).map_err(DisconnectError::Keyring)?;
        let numbers = ctx
            .store
            .read(|c| sync_state::of_connection(c, workspace_id, connection_id))?;
        Ok((connection, plan, secret, numbers))
    })
    .await?;

    // With a restore, the disconnect is an intent of its own, held while it runs: a crash before
    // the removal leaves it open, and the reconciler rolls it back (see [`reconcile`]).
    let mut begun: Option<Begun> = None;
    let mut restored_numbers = Vec::new();
    let to_restore: Vec<ManagedNumber> = numbers.into_iter().filter(restorable).collect();
    // A SIP trunk's numbers have no snapshot: nothing was changed at its carrier.
    if restore && !to_restore.is_empty() {
        let account = accounts.connection(workspace_id, connection_id).await?;
        let started = begin(
            ctx,
            workspace_id,
            connection_id,
            &to_restore,
            account.clone(),
        )
        .await?;
        match restore_all(ctx, workspace_id, &account, to_restore, &started.key).await {
            Ok(done) => restored_numbers = done,
            Err(error) => {
                close_intent(
                    ctx,
                    &started.key,
                    "restore failed; restored numbers pointed back",
                )
                .await?;
                return Err(error);
            }
        }
        begun = Some(started);
    }
    let restored: Vec<String> = restored_numbers.iter().map(|n| n.e164.clone()).collect();

    let removed = blocking(ctx, {
        let (connection, restored, plan) = (connection.clone(), restored.clone(), plan.clone());
        let intent = begun.as_ref().map(|b| b.key.clone());
        move |ctx| {
            remove(
                ctx,
                workspace_id,
                &connection,
                (&restored, intent.as_deref()),
                &plan,
                secret,
                forced_over.as_ref(),
            )
        }
    })
    .await;
    let removed = match (removed, begun) {
        (Ok(removed), _) => removed,
        (Err(error), None) => return Err(error),
        (Err(error), Some(begun)) => {
            // Nothing was removed, yet the carrier has the previous settings of the restored
            // numbers: point them at NumberDesk again, and say so.
            let total = restored_numbers.len();
            let left_restored =
                reapply(ctx, workspace_id, &begun.account, restored_numbers).await?;
            close_intent(
                ctx,
                &begun.key,
                "removal failed; restored numbers pointed back",
            )
            .await?;
            return Err(DisconnectError::AfterRestore {
                cause: Box::new(error),
                pointed_back: total - left_restored.len(),
                left_restored,
            });
        }
    };
    accounts.forget(workspace_id, connection_id);
    tracing::info!(
        workspace = workspace_id.get(),
        connection = connection_id.get(),
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

/// Removes the connection's numbers, the connection and its keyring entry in one transaction,
/// with the audit entries; the keyring entry is put back if the commit fails after it went.
fn remove(
    ctx: &Context,
    workspace_id: WorkspaceId,
    connection: &ConnectionRow,
    (restored, intent): (&[String], Option<&str>),
    plan: &DisconnectPreview,
    secret: Option<crate::secrets::Sensitive<String>>,
    forced_over: Option<&Unsettled>,
) -> Result<usize, DisconnectError> {
    let (number_count, affected_agents) = (plan.number_count, &plan.affected_agents);
    let connection_id = connection.id;
    let key = SecretKey::new(workspace_id, connection_id);
    let now = ctx.clock.now();
    let restored_for_audit = restored;
    let result = ctx.store.write(|tx| {
        let numbers: Vec<String> = sync_state::of_connection(tx, workspace_id, connection_id)?
            .into_iter()
            .filter(|n| n.status != NumberStatus::Released)
            .map(|n| n.e164)
            .collect();
        let removed = sync_state::delete_of_connection(tx, workspace_id, connection_id)?;
        if !connection_rows::delete(tx, workspace_id, connection_id)? {
            return Err(DisconnectError::NotFound);
        }
        let mut summary = format!(
            "Disconnected {} \"{}\": removed {} from NumberDesk{}. They stay in the carrier account.",
            connection.carrier,
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
        if let Some(open) = forced_over {
            // The user chose to leave them: settled as abandoned, so nothing asks a connection
            // that is gone, and said so in the audit entry.
            for order_id in open.order_ids() {
                order_rows::abandon(tx, order_id, FORCED_REASON, now)?;
            }
            summary.push_str(&format!(
                " Disconnected anyway while {open}; NumberDesk no longer tracks them, so check them in the carrier's console."
            ));
        }
        if !restored_for_audit.is_empty() {
            record_in(
                tx,
                &ctx.redactor,
                workspace_id,
                &AuditRecord::new(
                    AuditAction::Restore,
                    AuditTarget::carrier(connection.carrier),
                    format!(
                        "Restored the previous webhook settings of {} at the carrier before disconnecting.",
                        count(restored_for_audit.len())
                    ),
                )
                .connection(connection.name.clone())
                .numbers(restored_for_audit.to_vec()),
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
                        "numbers": number_count,
                        "affected_agents": affected_agents,
                    })),
                    Some(serde_json::json!({
                        "connected": false,
                        "restored": restored_for_audit,
                        "forced_over_orders": forced_over.map(Unsettled::order_ids),
                    })),
                ),
            now,
        )?;
        if let Some(intent) = intent {
            journal::settle_by_key(tx, intent, "done", Some("disconnected"), now)?;
        }
        // Last, inside the transaction: if the keyring refuses, everything above rolls back.
        ctx.secrets.delete(key).map_err(DisconnectError::Keyring)?;
        Ok(removed)
    });
    if let Err(error) = &result {
        // The keyring may have deleted the entry before the commit failed: put it back so the
        // connection that stays is still usable.
        if !matches!(error, DisconnectError::Keyring(_)) {
            if let Some(secret) = &secret {
                if let Err(put_back) = ctx.secrets.put(key, secret) {
                    tracing::error!(%put_back, "credentials of a connection that stays could not be put back");
                }
            }
        }
    }
    result
}

/// Restores every number at the carrier, a few at a time. If any fails, the ones restored are
/// pointed at NumberDesk again and the failure is returned; every call is journalled first.
async fn restore_all(
    ctx: &Arc<Context>,
    workspace_id: WorkspaceId,
    account: &Arc<CarrierAccount>,
    numbers: Vec<ManagedNumber>,
    parent: &str,
) -> Result<Vec<ManagedNumber>, DisconnectError> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let payload = |n: &ManagedNumber| {
        serde_json::json!({
            "phone_number_id": n.id,
            "e164": n.e164,
            "carrier_number_id": n.carrier_number_id,
            "connection_id": n.connection_id,
            "parent": parent,
        })
    };
    let outcomes = journalled(
        ctx,
        workspace_id,
        (JournalKind::Restore, "restored"),
        account,
        &numbers,
        payload,
        |account, number| async move {
            let snapshot = snapshot_of(&number)?;
            let carrier_id = number.carrier_number_id.clone().unwrap_or_default();
            Ok(account.restore(&carrier_id, &snapshot).await?)
        },
    )
    .await?;

    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (number, outcome) in numbers.into_iter().zip(outcomes) {
        match outcome {
            None => done.push(number),
            Some(reason) => failed.push(RestoreFailure {
                e164: number.e164,
                reason,
            }),
        }
    }
    if failed.is_empty() {
        return Ok(done);
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

/// The configuration a number had before NumberDesk changed it.
fn snapshot_of(number: &ManagedNumber) -> Result<Routing, ItemFailed> {
    serde_json::from_str(number.snapshot_json.as_deref().unwrap_or(""))
        .map_err(|_| ItemFailed::DamagedSnapshot)
}

/// Points numbers restored by a disconnect that did not happen back at NumberDesk. Returns the
/// ones that could not be.
async fn reapply(
    ctx: &Arc<Context>,
    workspace_id: WorkspaceId,
    account: &Arc<CarrierAccount>,
    numbers: Vec<ManagedNumber>,
) -> Result<Vec<String>, DisconnectError> {
    let Some(connection_id) = numbers.first().and_then(|n| n.connection_id) else {
        return Ok(Vec::new());
    };
    let target = target_of(ctx, workspace_id, connection_id).await?;
    let Some(target) = target else {
        return Ok(numbers.into_iter().map(|n| n.e164).collect());
    };
    let target = Arc::new(target);
    let payload = |n: &ManagedNumber| serde_json::json!({"phone_number_id": n.id, "e164": n.e164});
    let outcomes = journalled(
        ctx,
        workspace_id,
        (JournalKind::Reapply, "reapplied"),
        account,
        &numbers,
        payload,
        move |account, number| {
            let target = target.clone();
            async move {
                let before = snapshot_of(&number)?;
                let carrier_id = number.carrier_number_id.clone().unwrap_or_default();
                Ok(account.apply(&carrier_id, &before, &target).await?)
            }
        },
    )
    .await?;
    Ok(numbers
        .into_iter()
        .zip(outcomes)
        .filter(|(_, outcome)| outcome.is_some())
        .map(|(n, _)| n.e164)
        .collect())
}

/// Journals one `kind` intent per number (with `payload`), runs `work` for each through the
/// account's limiter, and settles every intent with its outcome (`done` when it went through).
/// Returns each number's failure, as the sentence the journal keeps, in the numbers' order.
async fn journalled<F, Fut>(
    ctx: &Arc<Context>,
    workspace_id: WorkspaceId,
    (kind, done): (JournalKind, &'static str),
    account: &Arc<CarrierAccount>,
    numbers: &[ManagedNumber],
    payload: impl Fn(&ManagedNumber) -> serde_json::Value,
    work: F,
) -> Result<Vec<Option<String>>, DisconnectError>
where
    F: Fn(Arc<CarrierAccount>, ManagedNumber) -> Fut,
    Fut: std::future::Future<Output = Result<(), ItemFailed>> + Send + 'static,
{
    let intents: Vec<(String, String)> = numbers
        .iter()
        .map(|n| (n.e164.clone(), payload(n).to_string()))
        .collect();
    let ids: Vec<i64> = blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        Ok::<_, DisconnectError>(ctx.store.write(|tx| {
            intents
                .iter()
                .map(|(e164, payload)| {
                    let key = journal::fresh_key(tx, kind, e164)?;
                    journal::intend(tx, workspace_id, kind, &key, payload, now)
                })
                .collect::<Result<_, StoreError>>()
        })?)
    })
    .await?;
    let outcomes: Vec<Option<String>> = run_bounded(account, numbers.to_vec(), work)
        .await
        .into_iter()
        .map(|outcome| outcome.err().map(|e| e.to_string()))
        .collect();
    let settled = outcomes.clone();
    blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        ctx.store.write(|tx| {
            for (id, outcome) in ids.iter().zip(&settled) {
                match outcome {
                    None => journal::settle(tx, *id, true, done, now)?,
                    Some(reason) => journal::settle(tx, *id, false, reason, now)?,
                };
            }
            Ok::<_, StoreError>(())
        })?;
        Ok::<_, DisconnectError>(())
    })
    .await?;
    Ok(outcomes)
}

/// A disconnect with a restore under way: its journal intent, held by this process.
struct Begun {
    _claim: journal::Claim,
    key: String,
    account: Arc<CarrierAccount>,
}

/// Writes the disconnect's intent, claimed inside its transaction, before anything is restored.
async fn begin(
    ctx: &Arc<Context>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    numbers: &[ManagedNumber],
    account: Arc<CarrierAccount>,
) -> Result<Begun, DisconnectError> {
    let ids: Vec<PhoneNumberId> = numbers.iter().map(|n| n.id).collect();
    let (claim, key) = blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        let payload = serde_json::json!({ "connection_id": connection_id, "numbers": ids });
        Ok::<_, DisconnectError>(ctx.store.write(|tx| {
            let key = journal::fresh_key(
                tx,
                JournalKind::Disconnect,
                &connection_id.get().to_string(),
            )?;
            let claim = ctx.claims.claim_new(&key)?;
            journal::intend(
                tx,
                workspace_id,
                JournalKind::Disconnect,
                &key,
                &payload.to_string(),
                now,
            )?;
            Ok::<_, StoreError>((claim, key))
        })?)
    })
    .await?;
    Ok(Begun {
        _claim: claim,
        key,
        account,
    })
}

/// Settles the disconnect's intent as failed (it did not happen) with this outcome.
async fn close_intent(
    ctx: &Arc<Context>,
    key: &str,
    outcome: &'static str,
) -> Result<(), DisconnectError> {
    let key = key.to_owned();
    blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        ctx.store
            .write(|tx| journal::settle_by_key(tx, &key, "failed", Some(outcome), now))?;
        Ok::<_, DisconnectError>(())
    })
    .await
}

/// What [`reconcile`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RolledBack {
    /// Numbers an interrupted disconnect had restored, pointed at NumberDesk again.
    pub pointed_back: Vec<String>,
    /// Disconnect intents settled.
    pub settled: usize,
    /// Left for the next pass: the carrier could not be asked, or a number could not be pointed
    /// back yet.
    pub left: usize,
}

/// The one payload field [`reconcile`] reads of a disconnect's intent.
#[derive(serde::Deserialize)]
struct DisconnectIntent {
    connection_id: ConnectionId,
}

/// Settles disconnects a crash cut short between their first restore and their removal. Such a
/// disconnect did not happen: the connection and its numbers are still in NumberDesk, so the
/// numbers it had put back at the carrier are pointed at NumberDesk again (after asking the
/// carrier what each has), its steps are closed, and the audit log says so. The user can
/// disconnect again.
pub async fn reconcile(accounts: &Accounts) -> Result<RolledBack, DisconnectError> {
    let ctx = accounts.context();
    let open = blocking(ctx, |ctx| {
        Ok::<_, DisconnectError>(
            ctx.store
                .read(|c| journal::claim_unfinished(&ctx.claims, c, &[JournalKind::Disconnect]))?,
        )
    })
    .await?;
    let mut result = RolledBack::default();
    for (_claim, row) in open {
        match roll_back(accounts, &row).await? {
            Some(pointed_back) => {
                result.pointed_back.extend(pointed_back);
                result.settled += 1;
            }
            None => result.left += 1,
        }
    }
    Ok(result)
}

/// Rolls one interrupted disconnect back; `None` when it must wait for the next pass.
async fn roll_back(
    accounts: &Accounts,
    row: &journal::JournalRow,
) -> Result<Option<Vec<String>>, DisconnectError> {
    let ctx = accounts.context();
    let workspace_id = row.workspace_id;
    let key = row.idempotency_key.clone();
    let Ok(intent) = serde_json::from_str::<DisconnectIntent>(&row.payload_json) else {
        finish_roll_back(ctx, row, None, &[]).await?;
        return Ok(Some(Vec::new()));
    };
    let connection_id = intent.connection_id;
    let (connection, touched) = blocking(ctx, {
        let key = key.clone();
        move |ctx| {
            Ok::<_, DisconnectError>(ctx.store.read(|c| {
                let connection = connection_rows::get(c, workspace_id, connection_id)?;
                let steps = journal::with_parent(c, JournalKind::Restore, &key)?;
                let ids: Vec<PhoneNumberId> = steps
                    .iter()
                    .filter_map(|step| {
                        serde_json::from_str::<serde_json::Value>(&step.payload_json).ok()
                    })
                    .filter_map(|payload| {
                        serde_json::from_value(payload["phone_number_id"].clone()).ok()
                    })
                    .collect();
                let numbers = sync_state::by_ids(c, workspace_id, &ids)?;
                Ok::<_, StoreError>((connection, numbers))
            })?)
        }
    })
    .await?;
    let Some(connection) = connection else {
        // Removed after all (the removal settles the intent, so this is only a safety net).
        finish_roll_back(ctx, row, None, &[]).await?;
        return Ok(Some(Vec::new()));
    };
    let Ok(account) = accounts.connection(workspace_id, connection_id).await else {
        return finish_forward(ctx, row, &connection).await;
    };
    let target = target_of(ctx, workspace_id, connection_id).await?;
    let Some(target) = target else {
        // Nothing could have been pointed at NumberDesk through this connection.
        finish_roll_back(ctx, row, Some(&connection), &[]).await?;
        return Ok(Some(Vec::new()));
    };
    // Ask first: only a number that does not have the workspace's settings is pointed back.
    let mut off_target = Vec::new();
    for number in touched {
        let carrier_id = number.carrier_number_id.clone().unwrap_or_default();
        // With the region the snapshot names, whose configuration was pointed here too.
        let now = match snapshot_of(&number) {
            Ok(like) => account.fetch_number_like(&carrier_id, &like).await,
            Err(_) => account.fetch_number(&carrier_id).await,
        };
        let on_target = match now {
            Ok(now) => changes(&now.routing, &target).is_empty(),
            // Gone from the account, or refused for good: nothing to point back.
            Err(error) => !error.is_ambiguous() && !error.is_transient(),
        };
        if !on_target {
            off_target.push(number);
        }
    }
    let e164s: Vec<String> = off_target.iter().map(|n| n.e164.clone()).collect();
    let left = reapply(ctx, workspace_id, &account, off_target).await?;
    if !left.is_empty() {
        tracing::warn!(
            journal = row.id,
            left = left.len(),
            "an interrupted disconnect could not point every number back yet"
        );
        return Ok(None);
    }
    finish_roll_back(ctx, row, Some(&connection), &e164s).await?;
    Ok(Some(e164s))
}

/// A disconnect whose connection cannot be opened any more. The removal deletes the keyring entry
/// inside its transaction, just before the commit: a crash between the two leaves the connection
/// in the database without its credentials. When the entry is gone and every restore step went
/// through, that is what happened, and the disconnect is finished as the user asked (the numbers
/// are already back as they were). Otherwise it waits for the next pass (`None`).
async fn finish_forward(
    ctx: &Arc<Context>,
    row: &journal::JournalRow,
    connection: &ConnectionRow,
) -> Result<Option<Vec<String>>, DisconnectError> {
    let (workspace_id, key) = (row.workspace_id, row.idempotency_key.clone());
    let (connection, row) = (connection.clone(), row.clone());
    blocking(ctx, move |ctx| {
        let secret_key = SecretKey::new(workspace_id, connection.id);
        if ctx.secrets.get(secret_key).map_err(DisconnectError::Keyring)?.is_some() {
            tracing::warn!(journal = key, "an interrupted disconnect waits: its connection cannot be opened");
            return Ok(None);
        }
        let steps = ctx
            .store
            .read(|c| journal::with_parent(c, JournalKind::Restore, &key))?;
        // Every number the disconnect set out to restore has its step, done: the crash came
        // after the restores. Fewer steps (credentials gone some other way, say deleted from
        // the keyring by hand) is not that, and nothing is removed.
        let planned = serde_json::from_str::<serde_json::Value>(&row.payload_json)
            .ok()
            .and_then(|payload| payload["numbers"].as_array().map(Vec::len))
            .unwrap_or(usize::MAX);
        if steps.len() < planned || steps.iter().any(|step| step.state != JournalState::Done) {
            tracing::warn!(journal = key, "an interrupted disconnect waits: credentials gone before every restore went through");
            return Ok(None);
        }
        let restored: Vec<String> = steps
            .iter()
            .filter_map(|step| serde_json::from_str::<serde_json::Value>(&step.payload_json).ok())
            .filter_map(|payload| payload["e164"].as_str().map(str::to_owned))
            .collect();
        let plan = preview(ctx, workspace_id, connection.id)?;
        remove(ctx, workspace_id, &connection, (&restored, Some(&key)), &plan, None, None)?;
        tracing::info!(journal = key, "an interrupted disconnect was finished: its credentials were already gone");
        Ok(Some(Vec::new()))
    })
    .await
}

/// Closes an interrupted disconnect and its open restore steps, with the audit entry.
async fn finish_roll_back(
    ctx: &Arc<Context>,
    row: &journal::JournalRow,
    connection: Option<&ConnectionRow>,
    pointed_back: &[String],
) -> Result<(), DisconnectError> {
    let (id, workspace_id, key) = (row.id, row.workspace_id, row.idempotency_key.clone());
    let connection = connection.cloned();
    let pointed_back = pointed_back.to_vec();
    blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        ctx.store.write(|tx| {
            for step in journal::with_parent(tx, JournalKind::Restore, &key)? {
                if step.state == JournalState::Intent {
                    journal::settle(tx, step.id, false, "interrupted disconnect, rolled back", now)?;
                }
            }
            let outcome = match &connection {
                Some(_) => "interrupted; rolled back",
                None => "disconnected",
            };
            if !journal::settle(tx, id, connection.is_none(), outcome, now)? {
                return Ok(());
            }
            if let Some(connection) = &connection {
                let mut summary = format!(
                    "A disconnect of {} \"{}\" was interrupted before it finished; the carrier stays connected.",
                    connection.carrier, connection.name
                );
                if !pointed_back.is_empty() {
                    summary.push_str(&format!(
                        " {} whose previous settings it had put back point at NumberDesk again.",
                        count(pointed_back.len())
                    ));
                }
                summary.push_str(" Disconnect again to finish.");
                record_in(
                    tx,
                    &ctx.redactor,
                    workspace_id,
                    &AuditRecord::new(
                        AuditAction::Disconnect,
                        AuditTarget::carrier(connection.carrier),
                        summary,
                    )
                    .connection(connection.name.clone())
                    .numbers(pointed_back.clone()),
                    now,
                )?;
            }
            Ok::<_, StoreError>(())
        })?;
        Ok::<_, DisconnectError>(())
    })
    .await
}

/// What the connection's managed numbers are set to at the carrier, if it manages any.
async fn target_of(
    ctx: &Arc<Context>,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<Option<crate::domain::target::ManagedTarget>, DisconnectError> {
    blocking(ctx, move |ctx| {
        Ok::<_, DisconnectError>(crate::flows::manage::sync::target_of(
            ctx,
            workspace_id,
            connection_id,
        )?)
    })
    .await
}
