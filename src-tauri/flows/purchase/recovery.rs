//! Settling journal rows left at `intent` (the app stopped mid-call, or the carrier's answer was
//! lost) from what the carrier has now: a purchase is recorded once or failed uncharged, and a
//! release is finished. It decides from the carrier's word alone, never by retrying a purchase.

use super::{
    blocking, PurchaseError, PurchasePayload, Purchases, Recovered, ReleasePayload, SyncReport,
};
use crate::domain::ids::WorkspaceId;
use crate::domain::kinds::{JournalKind, JournalState};
use crate::store::journal;

impl Purchases {
    /// Settles every journal row left at `intent` (after a crash, or an unconfirmed purchase)
    /// from what the carrier has. Run at start; the background sync runs it too.
    pub async fn recover(&self) -> Result<SyncReport, PurchaseError> {
        let mut report = SyncReport::default();
        self.recover_into(None, &mut report).await?;
        Ok(report)
    }

    pub(super) async fn recover_into(
        &self,
        workspace_id: Option<WorkspaceId>,
        report: &mut SyncReport,
    ) -> Result<(), PurchaseError> {
        let unfinished = blocking(self.ctx(), |ctx| {
            Ok(ctx
                .store
                .read(|c| journal::unfinished(c, &[JournalKind::Purchase, JournalKind::Release]))?)
        })
        .await?;
        for row in unfinished {
            if workspace_id.is_some_and(|id| id != row.workspace_id) {
                continue;
            }
            // Whoever holds the key (the purchase itself, or another pass) settles it; under our
            // own claim the row is read again, since it may have been settled meanwhile.
            let Some(_claim) = self.ctx().claims.try_claim(&row.idempotency_key) else {
                continue;
            };
            let key = row.idempotency_key.clone();
            let still_open = blocking(self.ctx(), move |ctx| {
                Ok(ctx.store.read(|c| journal::get_by_key(c, &key))?)
            })
            .await?
            .is_some_and(|now| now.state == JournalState::Intent);
            if !still_open {
                continue;
            }
            let outcome = if row.kind == JournalKind::Purchase {
                self.recover_purchase(&row.idempotency_key, &row.payload_json)
                    .await
            } else {
                self.recover_release(row.workspace_id, &row.idempotency_key, &row.payload_json)
                    .await
            };
            match outcome {
                Ok(recovered) => report.recovered.push(recovered),
                Err(error) => report.errors.push(format!(
                    "An unfinished {} could not be checked yet: {error}",
                    row.kind
                )),
            }
        }
        Ok(())
    }

    async fn recover_purchase(
        &self,
        key: &str,
        payload_json: &str,
    ) -> Result<Recovered, PurchaseError> {
        let payload: PurchasePayload = serde_json::from_str(payload_json)
            .map_err(|e| PurchaseError::Journal(e.to_string()))?;
        let workspace_id = self.order_row(payload.order_id).await?.workspace_id;
        let account = self
            .account_for(workspace_id, payload.flow, payload.connection_id)
            .await?;
        let e164s = payload.e164s();
        match account.purchase_find(&e164s, key).await? {
            Some(placed) => {
                self.record_bought(key, &payload, placed).await?;
                tracing::info!(
                    order = payload.order_id,
                    "an unfinished purchase was found at the carrier and recorded"
                );
                Ok(Recovered::Bought {
                    order_id: payload.order_id,
                    numbers: e164s,
                })
            }
            None => {
                self.record_not_bought(
                    key,
                    &payload,
                    "NumberDesk stopped before the carrier took the purchase; nothing was bought or charged.",
                    None,
                )
                .await?;
                tracing::info!(
                    order = payload.order_id,
                    "an unfinished purchase never reached the carrier"
                );
                Ok(Recovered::NotBought {
                    order_id: payload.order_id,
                    numbers: e164s,
                })
            }
        }
    }

    async fn recover_release(
        &self,
        workspace_id: WorkspaceId,
        key: &str,
        payload_json: &str,
    ) -> Result<Recovered, PurchaseError> {
        let payload: ReleasePayload = serde_json::from_str(payload_json)
            .map_err(|e| PurchaseError::Journal(e.to_string()))?;
        let done = self.finish_release(workspace_id, key, &payload).await?;
        Ok(Recovered::Released {
            phone_number_id: done.phone_number_id,
            e164: done.e164,
        })
    }
}
