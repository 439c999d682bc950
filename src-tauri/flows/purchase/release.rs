//! Releasing a purchased number at its carrier: checked, journalled before the carrier call, and
//! recorded with its audit entry. Nothing is refunded. Imported numbers are not released here
//! (they stay in the user's own account); a release cut short is finished by recovery.

use super::{blocking, Flow, PurchaseError, Purchases, Release, ReleasePayload};
use crate::carriers::ReleaseOutcome;
use crate::domain::ids::{PhoneNumberId, WorkspaceId};
use crate::domain::kinds::{JournalKind, JournalState, NumberStatus, Source};
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::store::journal;
use crate::store::orders as rows;

impl Purchases {
    /// Releases a purchased number at its carrier (the UI confirms first, and says that nothing
    /// is refunded). Journalled before the carrier call; a release cut short is finished by
    /// [`Purchases::recover`].
    pub async fn release(
        &self,
        workspace_id: WorkspaceId,
        phone_number_id: PhoneNumberId,
    ) -> Result<Release, PurchaseError> {
        let (claim, payload) = blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                let number = rows::number(tx, workspace_id, phone_number_id)?
                    .ok_or(PurchaseError::NumberNotFound)?;
                let flow = match number.source {
                    Source::Pool => Flow::Pool,
                    Source::Marketplace => Flow::Marketplace,
                    Source::Imported => {
                        return Err(PurchaseError::NotReleasable(
                            "Imported numbers stay in your carrier account; disconnect the carrier to remove them from NumberDesk.",
                        ))
                    }
                };
                match number.status {
                    NumberStatus::Active => {}
                    NumberStatus::Pending => {
                        return Err(PurchaseError::NotReleasable(
                            "This number's order is still pending. Use Process, then release it once it is Active.",
                        ))
                    }
                    NumberStatus::Released => {
                        return Err(PurchaseError::NotReleasable(
                            "This number has been released already.",
                        ))
                    }
                    NumberStatus::Missing => {
                        return Err(PurchaseError::NotReleasable(
                            "The carrier no longer has this number (Sync marked it Missing), so there is nothing to release there.",
                        ))
                    }
                    NumberStatus::Failed => {
                        return Err(PurchaseError::NotReleasable(
                            "This number's order failed, so there is nothing to release.",
                        ))
                    }
                }
                // One row per attempt (a release the carrier refused may be tried again); keys
                // from before that were `nd-release-{id}`.
                let subject = format!("number-{phone_number_id}");
                let legacy = format!("nd-release-{phone_number_id}");
                if journal::open_with_prefix(tx, &format!("{}:{subject}:", JournalKind::Release))?
                    || journal::get_by_key(tx, &legacy)?
                        .is_some_and(|row| row.state == JournalState::Intent)
                {
                    return Err(PurchaseError::NotReleasable(
                        "This number is being released already.",
                    ));
                }
                let key = journal::fresh_key(tx, JournalKind::Release, &subject)?;
                let claim = ctx.claims.claim_new(&key)?;
                let payload = ReleasePayload {
                    phone_number_id,
                    e164: number.e164.clone(),
                    carrier_number_id: number.carrier_number_id.clone(),
                    flow,
                    connection_id: number.connection_id,
                };
                let json = serde_json::to_string(&payload).expect("payloads serialise");
                journal::intend(tx, workspace_id, JournalKind::Release, &key, &json, now)?;
                Ok((claim, payload))
            })
        })
        .await?;
        self.finish_release(workspace_id, claim.key(), &payload)
            .await
    }

    pub(super) async fn finish_release(
        &self,
        workspace_id: WorkspaceId,
        key: &str,
        payload: &ReleasePayload,
    ) -> Result<Release, PurchaseError> {
        let account = self
            .account_for(workspace_id, payload.flow, payload.connection_id)
            .await?;
        let carrier_id = match &payload.carrier_number_id {
            Some(id) => Some(id.clone()),
            None => account
                .purchase_owned(&payload.e164)
                .await?
                .map(|n| n.carrier_id),
        };
        let outcome = match carrier_id {
            Some(id) => match account.purchase_release(&id).await {
                Ok(outcome) => outcome,
                Err(error) if refused_for_good(&error) => {
                    self.release_refused(workspace_id, key, payload, &error)
                        .await?;
                    return Err(error.into());
                }
                Err(error) => return Err(error.into()),
            },
            None => ReleaseOutcome::AlreadyGone,
        };
        let (key, number_id) = (key.to_string(), payload.phone_number_id);
        let outcome_text = match outcome {
            ReleaseOutcome::Released => "released",
            ReleaseOutcome::AlreadyGone => "already_gone",
        };
        let carrier = account.kind();
        let e164 = payload.e164.clone();
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                rows::mark_released(tx, number_id, now)?;
                journal::settle_by_key(tx, &key, "done", Some(outcome_text), now)?;
                let record = AuditRecord::new(
                    AuditAction::Release,
                    AuditTarget::carrier(carrier),
                    if outcome_text == "released" {
                        format!("Released {e164} at the carrier. Nothing was refunded.")
                    } else {
                        format!("Released {e164}; the carrier no longer lists it. Nothing was refunded.")
                    },
                )
                .numbers(vec![e164.clone()])
                .before_after(
                    Some(serde_json::json!({"status": "active"})),
                    Some(serde_json::json!({"status": "released", "outcome": outcome_text})),
                );
                record_in(tx, &ctx.redactor, workspace_id, &record, now)?;
                Ok(())
            })
        })
        .await?;
        tracing::info!(
            workspace = workspace_id.get(),
            number = number_id.get(),
            outcome = outcome_text,
            "number released"
        );
        Ok(Release {
            phone_number_id: payload.phone_number_id,
            e164: payload.e164.clone(),
            already_gone: outcome == ReleaseOutcome::AlreadyGone,
            refunded_credits: 0,
        })
    }

    /// The carrier refused the release for good: the row is settled failed (so it is not asked
    /// again every pass) and the number stays Active, with an audit entry saying why.
    async fn release_refused(
        &self,
        workspace_id: WorkspaceId,
        key: &str,
        payload: &ReleasePayload,
        error: &crate::carriers::CarrierError,
    ) -> Result<(), PurchaseError> {
        let (key, e164, carrier, reason) = (
            key.to_owned(),
            payload.e164.clone(),
            error.carrier(),
            error.to_string(),
        );
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                if journal::settle_by_key(tx, &key, "failed", Some(&reason), now)? {
                    let record = AuditRecord::new(
                        AuditAction::Release,
                        AuditTarget::carrier(carrier),
                        format!("{e164} was not released: {reason} It is still yours."),
                    )
                    .numbers(vec![e164.clone()]);
                    record_in(tx, &ctx.redactor, workspace_id, &record, now)?;
                }
                Ok(())
            })
        })
        .await
    }
}

/// A refusal that asking again will not change (as opposed to the carrier being down or slow,
/// or the account needing attention, which the next pass may find fixed).
fn refused_for_good(error: &crate::carriers::CarrierError) -> bool {
    use crate::carriers::CarrierError as E;
    matches!(
        error,
        E::Rejected { .. } | E::InvalidSettings { .. } | E::NumberUnavailable { .. }
    )
}
