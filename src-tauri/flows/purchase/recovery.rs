//! Settling journal rows left at `intent` (the app stopped mid-call, or the carrier's answer was
//! lost) from what the carrier has now: a purchase is recorded once or failed uncharged, and a
//! release is finished. It decides from the carrier's word alone, never by retrying a purchase.

use super::{
    blocking, PurchaseError, PurchasePayload, Purchases, Recovered, ReleasePayload, SyncReport,
};
use crate::carriers::account::Placed;
use crate::carriers::OrderStatus;
use crate::domain::ids::WorkspaceId;
use crate::domain::kinds::JournalKind;
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
            let key = row.idempotency_key.clone();
            let Some((_claim, row)) = blocking(self.ctx(), move |ctx| {
                Ok(ctx
                    .store
                    .read(|c| journal::claim_open(&ctx.claims, c, &key))?)
            })
            .await?
            else {
                continue;
            };
            let outcome = if row.kind == JournalKind::Purchase {
                self.recover_purchase(&row).await
            } else {
                self.recover_release(row.workspace_id, &row.idempotency_key, &row.payload_json)
                    .await
                    .map(Some)
            };
            match outcome {
                Ok(Some(recovered)) => report.recovered.push(recovered),
                Ok(None) => report.unsettled += 1,
                Err(error) => report.errors.push(format!(
                    "An unfinished {} could not be checked yet: {error}",
                    row.kind
                )),
            }
        }
        self.look_again_at_written_off(workspace_id, report).await
    }

    /// Purchases settled "not bought" after their answer was lost are asked about again now and
    /// then for [`WATCH_FOR_HOURS`]: a carrier that shows one late wins, and the order is opened
    /// again, its numbers recorded and charged once.
    async fn look_again_at_written_off(
        &self,
        workspace_id: Option<WorkspaceId>,
        report: &mut SyncReport,
    ) -> Result<(), PurchaseError> {
        let now = self.ctx().clock.now();
        let watched = blocking(self.ctx(), |ctx| {
            Ok(ctx
                .store
                .read(|c| journal::watched(c, JournalKind::Purchase))?)
        })
        .await?;
        for row in watched {
            if workspace_id.is_some_and(|id| id != row.workspace_id)
                || row.next_check_at.is_some_and(|due| due > now)
            {
                continue;
            }
            let Some(_claim) = self.ctx().claims.try_claim(&row.idempotency_key) else {
                continue;
            };
            // One row that cannot be looked at does not stop the others.
            if let Err(error) = self.look_again_at(&row, now, report).await {
                report.errors.push(format!(
                    "A purchase written off earlier could not be checked again yet: {error}"
                ));
            }
        }
        Ok(())
    }

    async fn look_again_at(
        &self,
        row: &journal::JournalRow,
        now: chrono::DateTime<chrono::Utc>,
        report: &mut SyncReport,
    ) -> Result<(), PurchaseError> {
        let key = row.idempotency_key.as_str();
        let payload: PurchasePayload = match serde_json::from_str(&row.payload_json) {
            Ok(payload) => payload,
            Err(error) => {
                // Unreadable: reported once, then no longer watched.
                self.set_next_check(key, None).await?;
                return Err(PurchaseError::Journal(error.to_string()));
            }
        };
        let found = async {
            let account = self
                .account_for(row.workspace_id, payload.flow, payload.connection_id)
                .await?;
            Ok::<_, PurchaseError>(account.purchase_find(&payload.e164s(), key).await?)
        }
        .await;
        // A failed order with the reference is the carrier saying "not bought" once more.
        let found = found.map(|placed| {
            placed.filter(|placed| {
                !matches!(placed, Placed::Ordered(order) if order.status == OrderStatus::Failure)
            })
        });
        match found {
            Ok(Some(placed)) => {
                self.record_bought(key, &payload, placed).await?;
                self.set_next_check(key, None).await?;
                tracing::warn!(
                    order = payload.order_id,
                    "a purchase settled as not bought turned up at the carrier; recorded"
                );
                report.recovered.push(Recovered::Bought {
                    order_id: payload.order_id,
                    numbers: payload.e164s(),
                });
            }
            Ok(None) if now - row.created_at >= chrono::Duration::hours(WATCH_FOR_HOURS) => {
                self.set_next_check(key, None).await?;
            }
            Ok(None) | Err(_) => {
                let next = now + chrono::Duration::minutes(WATCH_EVERY_MINUTES);
                self.set_next_check(key, Some(next)).await?;
            }
        }
        Ok(())
    }

    async fn set_next_check(
        &self,
        key: &str,
        next: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<(), PurchaseError> {
        let key = key.to_owned();
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            Ok(ctx
                .store
                .write(|tx| journal::set_next_check(tx, &key, next, now))?)
        })
        .await
    }

    /// Asks the carrier about a purchase whose answer never came, when its next check is due.
    /// Bought as soon as the carrier shows it; not bought only after
    /// [`NOT_BOUGHT_AFTER_NEGATIVES`] answers of "nothing" spread over at least
    /// [`NOT_BOUGHT_AFTER_MINUTES`] (a carrier may finish after the client gave up). `None`:
    /// still open.
    async fn recover_purchase(
        &self,
        row: &journal::JournalRow,
    ) -> Result<Option<Recovered>, PurchaseError> {
        let now = self.ctx().clock.now();
        if row.next_check_at.is_some_and(|due| due > now) {
            return Ok(None);
        }
        let key = row.idempotency_key.as_str();
        let payload: PurchasePayload = serde_json::from_str(&row.payload_json)
            .map_err(|e| PurchaseError::Journal(e.to_string()))?;
        let account = self
            .account_for(row.workspace_id, payload.flow, payload.connection_id)
            .await?;
        let e164s = payload.e164s();
        let found = match account.purchase_find(&e164s, key).await {
            Ok(found) => found,
            Err(error) => {
                self.note_check(key, false).await?;
                return Err(error.into());
            }
        };
        if let Some(placed) = found {
            self.record_bought(key, &payload, placed).await?;
            tracing::info!(
                order = payload.order_id,
                "an unconfirmed purchase was found at the carrier and recorded"
            );
            return Ok(Some(Recovered::Bought {
                order_id: payload.order_id,
                numbers: e164s,
            }));
        }
        let Some(checked) = self.note_check(key, true).await? else {
            return Ok(None);
        };
        let spread = checked
            .first_negative_at
            .map_or(chrono::Duration::zero(), |first| now - first);
        if checked.negatives < NOT_BOUGHT_AFTER_NEGATIVES
            || spread < chrono::Duration::minutes(NOT_BOUGHT_AFTER_MINUTES)
        {
            return Ok(None);
        }
        self.record_not_bought(
            key,
            &payload,
            "The carrier never took the purchase (checked several times over some minutes); nothing was bought or charged.",
            None,
        )
        .await?;
        self.set_next_check(
            key,
            Some(now + chrono::Duration::minutes(WATCH_EVERY_MINUTES)),
        )
        .await?;
        tracing::info!(
            order = payload.order_id,
            checks = checked.checks,
            "an unconfirmed purchase never reached the carrier"
        );
        Ok(Some(Recovered::NotBought {
            order_id: payload.order_id,
            numbers: e164s,
        }))
    }

    /// Counts one check of an open purchase and sets when the next one is due. `None` when the
    /// row was settled meanwhile.
    pub(super) async fn note_check(
        &self,
        key: &str,
        found_nothing: bool,
    ) -> Result<Option<journal::JournalRow>, PurchaseError> {
        let key = key.to_owned();
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            Ok(ctx
                .store
                .write(|tx| journal::note_check_backing_off(tx, &key, found_nothing, now))?)
        })
        .await
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

/// "Not bought" needs this many answers of "nothing"...
pub const NOT_BOUGHT_AFTER_NEGATIVES: i64 = 4;
/// ...spread over at least this many minutes.
pub const NOT_BOUGHT_AFTER_MINUTES: i64 = 3;

/// A purchase written off after a lost answer is asked about again this often...
pub const WATCH_EVERY_MINUTES: i64 = 15;
/// ...for this long after it was made.
pub const WATCH_FOR_HOURS: i64 = 24;
