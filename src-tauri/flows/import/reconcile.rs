//! Settling the changes of a managed import left unconfirmed: the call that changed a number at
//! the carrier failed in a way that may have changed it anyway (a lost answer the carrier may
//! still carry out, or Telnyx's messaging call failing after the connection call went through).
//! The import recorded such a number at once, with its snapshot, and wrote an `import_change`
//! intent. Here the carrier is asked what the number has now:
//! - it has the workspace's settings: the import of that number is confirmed;
//! - it has something else: the settings are sent again (asking first makes this no blind
//!   retry, and setting them twice leaves them the same), and a refusal for good puts the
//!   snapshot back, so the number is left as the user had it and not imported;
//! - the carrier cannot be asked: the row waits, checked again with the journal's backoff.

use serde::{Deserialize, Serialize};

use super::ImportError;
use crate::app::blocking::blocking;
use crate::app::context::Context;
use crate::carriers::account::CarrierAccount;
use crate::carriers::{CarrierError, Routing};
use crate::domain::ids::{ConnectionId, PhoneNumberId};
use crate::domain::kinds::JournalKind;
use crate::domain::target::{changes, ManagedTarget};
use crate::flows::accounts::Accounts;
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::store::imports::{self, ImportRow};
use crate::store::journal::{self, JournalRow};
use crate::store::{connections, numbers, sync_state, StoreError};

/// What an `import_change` intent names.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Intent {
    import_id: i64,
    e164: String,
    phone_number_id: PhoneNumberId,
    connection_id: ConnectionId,
}

fn key(import_id: i64, e164: &str) -> String {
    format!("{}:{import_id}:{e164}", JournalKind::ImportChange)
}

/// Writes the intent for a number the import just recorded unconfirmed, in that transaction.
pub(super) fn intend(
    tx: &rusqlite::Transaction<'_>,
    import: &ImportRow,
    e164: &str,
    phone_number_id: PhoneNumberId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let intent = Intent {
        import_id: import.id,
        e164: e164.to_owned(),
        phone_number_id,
        connection_id: import.connection_id,
    };
    let payload = serde_json::to_string(&intent).expect("intents serialise");
    journal::intend(
        tx,
        import.workspace_id,
        JournalKind::ImportChange,
        &key(import.id, e164),
        &payload,
        now,
    )?;
    Ok(())
}

/// What one pass of [`reconcile`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    /// The carrier has the workspace's settings: imported.
    pub confirmed: Vec<String>,
    /// The carrier refused the settings for good; the previous ones were put back and the
    /// number is not imported.
    pub undone: Vec<String>,
    /// Settled without the carrier: the number or its connection left NumberDesk meanwhile, or
    /// the carrier refused both the change and the way back.
    pub closed: usize,
    /// Not settled yet: the carrier could not be asked, or its next check is not due.
    pub left: usize,
}

impl Reconciled {
    pub fn is_empty(&self) -> bool {
        self.confirmed.is_empty() && self.undone.is_empty() && self.closed == 0 && self.left == 0
    }
}

/// How one intent ended in this pass.
enum Outcome {
    Confirmed(String),
    Undone(String),
    Closed,
    Left,
}

/// Settles every open `import_change` intent whose check is due, each through its own
/// connection's account.
pub async fn reconcile(accounts: &Accounts) -> Result<Reconciled, ImportError> {
    let ctx = accounts.context();
    let open =
        blocking(ctx, |ctx| {
            Ok::<_, ImportError>(ctx.store.read(|c| {
                journal::claim_unfinished(&ctx.claims, c, &[JournalKind::ImportChange])
            })?)
        })
        .await?;
    let mut result = Reconciled::default();
    for (_claim, row) in open {
        let now = ctx.clock.now();
        if row.next_check_at.is_some_and(|due| due > now) {
            result.left += 1;
            continue;
        }
        match settle_one(accounts, &row).await? {
            Outcome::Confirmed(e164) => result.confirmed.push(e164),
            Outcome::Undone(e164) => result.undone.push(e164),
            Outcome::Closed => result.closed += 1,
            Outcome::Left => {
                note_unanswered(ctx, row.idempotency_key.clone()).await?;
                result.left += 1;
            }
        }
    }
    Ok(result)
}

/// The facts one intent needs, read under its claim.
struct Subject {
    intent: Intent,
    target: ManagedTarget,
    carrier_id: String,
    snapshot: Routing,
    connection_name: String,
}

async fn settle_one(accounts: &Accounts, row: &JournalRow) -> Result<Outcome, ImportError> {
    let ctx = accounts.context();
    let Ok(intent) = serde_json::from_str::<Intent>(&row.payload_json) else {
        close(ctx, row, None, "unreadable journal entry").await?;
        return Ok(Outcome::Closed);
    };
    let workspace_id = row.workspace_id;
    let subject = blocking(ctx, move |ctx| {
        Ok::<_, ImportError>(ctx.store.read(|c| {
            let import = imports::get(c, intent.import_id)?;
            let item = imports::item(c, intent.import_id, &intent.e164)?;
            let number = sync_state::by_ids(c, workspace_id, &[intent.phone_number_id])?;
            let connection = connections::get(c, workspace_id, intent.connection_id)?;
            let (Some(import), Some(item), Some(number), Some(connection)) =
                (import, item, number.into_iter().next(), connection)
            else {
                return Ok::<_, StoreError>(Err(intent));
            };
            let target: Option<ManagedTarget> = serde_json::from_str(&import.target_json).ok();
            let snapshot: Option<Routing> = number
                .snapshot_json
                .as_deref()
                .or(item.snapshot_json.as_deref())
                .and_then(|json| serde_json::from_str(json).ok());
            match (target, snapshot, number.carrier_number_id) {
                (Some(target), Some(snapshot), Some(carrier_id)) if item.state == "unconfirmed" => {
                    Ok(Ok(Subject {
                        intent,
                        target,
                        carrier_id,
                        snapshot,
                        connection_name: connection.name,
                    }))
                }
                _ => Ok(Err(intent)),
            }
        })?)
    })
    .await?;
    let subject = match subject {
        Ok(subject) => subject,
        Err(intent) => {
            // Disconnected, removed, or settled otherwise meanwhile: nothing left to ask about.
            close(ctx, row, Some(intent), "number no longer in NumberDesk").await?;
            return Ok(Outcome::Closed);
        }
    };
    let Ok(account) = accounts
        .connection(workspace_id, subject.intent.connection_id)
        .await
    else {
        return Ok(Outcome::Left);
    };
    let now = match account
        .fetch_number_like(&subject.carrier_id, &subject.snapshot)
        .await
    {
        Ok(now) => now,
        Err(CarrierError::NotFound { .. }) => {
            let reason = "The number left the carrier account before its change was confirmed; it was not imported.";
            settle(ctx, row, &subject, Settle::Gone(reason.into())).await?;
            return Ok(Outcome::Closed);
        }
        Err(_) => return Ok(Outcome::Left),
    };
    if changes(&now.routing, &subject.target).is_empty() {
        confirm(ctx, row, &subject).await?;
        return Ok(Outcome::Confirmed(subject.intent.e164));
    }
    match account
        .apply(&subject.carrier_id, &now.routing, &subject.target)
        .await
    {
        Ok(()) => match account
            .fetch_number_like(&subject.carrier_id, &subject.snapshot)
            .await
        {
            Ok(after) if changes(&after.routing, &subject.target).is_empty() => {
                confirm(ctx, row, &subject).await?;
                Ok(Outcome::Confirmed(subject.intent.e164))
            }
            _ => Ok(Outcome::Left),
        },
        Err(error) if error.is_ambiguous() || error.is_transient() => Ok(Outcome::Left),
        Err(refused) => undo(ctx, row, &subject, &account, refused).await,
    }
}

/// The carrier refused the workspace's settings for good: put the snapshot back, and the number
/// leaves NumberDesk as if its import had failed.
async fn undo(
    ctx: &std::sync::Arc<Context>,
    row: &JournalRow,
    subject: &Subject,
    account: &CarrierAccount,
    refused: CarrierError,
) -> Result<Outcome, ImportError> {
    let refused = refused.to_string();
    let refused = refused.trim_end_matches('.');
    match account
        .restore(&subject.carrier_id, &subject.snapshot)
        .await
    {
        Ok(()) => {
            let reason = format!(
                "The carrier refused the change ({refused}); the number's previous settings were put back and it was not imported."
            );
            settle(ctx, row, subject, Settle::Undone(reason)).await?;
            Ok(Outcome::Undone(subject.intent.e164.clone()))
        }
        Err(error) if error.is_ambiguous() || error.is_transient() => Ok(Outcome::Left),
        Err(error) => {
            let reason = format!(
                "The carrier refused the change ({refused}) and putting the previous settings back ({}). The number stays in your numbers with its previous settings saved; Sync shows what the carrier has.",
                error.to_string().trim_end_matches('.')
            );
            settle(ctx, row, subject, Settle::Stuck(reason)).await?;
            Ok(Outcome::Closed)
        }
    }
}

enum Settle {
    Confirmed,
    Undone(String),
    /// Not in the carrier account any more.
    Gone(String),
    Stuck(String),
}

async fn confirm(
    ctx: &std::sync::Arc<Context>,
    row: &JournalRow,
    subject: &Subject,
) -> Result<(), ImportError> {
    settle(ctx, row, subject, Settle::Confirmed).await
}

/// Closes the intent, its item and (when undone) the number in one transaction, with the audit
/// entry that says what the carrier has now.
async fn settle(
    ctx: &std::sync::Arc<Context>,
    row: &JournalRow,
    subject: &Subject,
    how: Settle,
) -> Result<(), ImportError> {
    let (id, workspace_id) = (row.id, row.workspace_id);
    let intent = subject.intent.clone();
    let connection_name = subject.connection_name.clone();
    let carrier = subject.snapshot.carrier();
    blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        ctx.store.write(|tx| {
            let e164 = intent.e164.as_str();
            let (done, item_state, reason, outcome, audit) = match &how {
                Settle::Confirmed => (
                    true,
                    "done",
                    None,
                    "confirmed at the carrier",
                    AuditRecord::new(
                        AuditAction::WebhookUpdate,
                        AuditTarget::carrier(carrier),
                        format!("Confirmed at the carrier that {e164} points at the workspace's voice platform (its import's change had gone unconfirmed)."),
                    ),
                ),
                Settle::Undone(reason) => (
                    false,
                    "failed",
                    Some(reason.as_str()),
                    "undone at the carrier",
                    AuditRecord::new(
                        AuditAction::Restore,
                        AuditTarget::carrier(carrier),
                        format!("Put back the previous settings of {e164} at the carrier, which refused the import's change; it was not imported."),
                    ),
                ),
                Settle::Gone(reason) => (
                    false,
                    "failed",
                    Some(reason.as_str()),
                    "gone from the carrier account",
                    AuditRecord::new(
                        AuditAction::Import,
                        AuditTarget::Local,
                        format!("{e164} was not imported: it left the carrier account before its change was confirmed."),
                    ),
                ),
                Settle::Stuck(reason) => (
                    false,
                    "failed",
                    Some(reason.as_str()),
                    "neither finished nor undone",
                    AuditRecord::new(
                        AuditAction::WebhookUpdate,
                        AuditTarget::carrier(carrier),
                        format!("The carrier refused both the import's change of {e164} and putting its previous settings back; check it with Sync."),
                    ),
                ),
            };
            if !journal::settle(tx, id, done, outcome, now)? {
                return Ok(());
            }
            imports::settle_unconfirmed(tx, intent.import_id, e164, item_state, reason, now)?;
            if let Settle::Undone(_) | Settle::Gone(_) = how {
                numbers::delete(tx, workspace_id, intent.phone_number_id)?;
            }
            let audit = audit.connection(connection_name.clone()).numbers(vec![e164.to_owned()]);
            record_in(tx, &ctx.redactor, workspace_id, &audit, now)?;
            Ok::<_, StoreError>(())
        })?;
        Ok::<_, ImportError>(())
    })
    .await
}

/// Closes an intent whose number, import or connection is gone, and its item if it is still
/// there.
async fn close(
    ctx: &std::sync::Arc<Context>,
    row: &JournalRow,
    intent: Option<Intent>,
    outcome: &'static str,
) -> Result<(), ImportError> {
    let id = row.id;
    blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        ctx.store.write(|tx| {
            if journal::settle(tx, id, false, outcome, now)? {
                if let Some(intent) = &intent {
                    let reason = "Its change at the carrier was never confirmed, and the number left NumberDesk meanwhile.";
                    imports::settle_unconfirmed(
                        tx,
                        intent.import_id,
                        &intent.e164,
                        "failed",
                        Some(reason),
                        now,
                    )?;
                }
            }
            Ok::<_, StoreError>(())
        })?;
        Ok::<_, ImportError>(())
    })
    .await
}

/// The carrier could not be asked: the intent waits for its next check.
async fn note_unanswered(ctx: &std::sync::Arc<Context>, key: String) -> Result<(), ImportError> {
    blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        ctx.store
            .write(|tx| journal::note_check_backing_off(tx, &key, false, now))?;
        Ok::<_, ImportError>(())
    })
    .await
}
