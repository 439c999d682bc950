//! What the carrier did with a purchase, written exactly once: bought means the numbers, their
//! order lines, their charges, the audit entry and the journal row done in one transaction; not
//! bought means the order failed and nothing charged. Both the purchase itself and recovery
//! come here with what the carrier answered; asking the carrier whether a purchase happened is
//! theirs to do, never this file's.

use super::orders::purchase_from_store;
use super::{blocking, Flow, Purchase, PurchaseError, PurchasePayload, Purchases};
use crate::app::context::Context;
use crate::carriers::account::Placed;
use crate::carriers::{OrderStatus, OwnedNumber};
use crate::domain::kinds::{JournalState, NumberStatus};
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::flows::billing;
use crate::store::journal;
use crate::store::numbers::{self, NewNumber};
use crate::store::orders as rows;
use crate::store::search_cache;

impl Purchases {
    /// The carrier has the purchase: numbers recorded, each charged once, journal done, all in
    /// one transaction. A Telnyx order that already finished is applied at once.
    pub(super) async fn record_bought(
        &self,
        key: &str,
        payload: &PurchasePayload,
        placed: Placed,
    ) -> Result<Purchase, PurchaseError> {
        let (key_owned, payload_owned, placed_owned) =
            (key.to_string(), payload.clone(), placed.clone());
        let purchase = blocking(self.ctx(), move |ctx| {
            record_bought_in(ctx, &key_owned, &payload_owned, &placed_owned)
        })
        .await?;
        if let Placed::Ordered(order) = placed {
            if order.status != OrderStatus::Pending {
                let row = self.order_row(payload.order_id).await?;
                let account = self
                    .account_for(row.workspace_id, payload.flow, payload.connection_id)
                    .await?;
                self.apply_order(&account, row, order).await?;
                return self.purchase_of(payload.order_id).await;
            }
        }
        Ok(purchase)
    }

    pub(super) async fn record_not_bought(
        &self,
        key: &str,
        payload: &PurchasePayload,
        reason: &str,
        gone: Option<&str>,
    ) -> Result<(), PurchaseError> {
        let (key, order_id, reason, gone) = (
            key.to_string(),
            payload.order_id,
            reason.to_string(),
            gone.map(str::to_string),
        );
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                let journal = journal::get_by_key(tx, &key)?
                    .ok_or_else(|| PurchaseError::Journal(format!("no journal row {key}")))?;
                if !journal::settle_by_key(tx, &key, "failed", Some(&reason), now)? {
                    // Settled already (bought, as the carrier said first): that word stands.
                    return Ok(());
                }
                rows::finish_order(tx, order_id, "failure", Some(&reason), now)?;
                if let Some(gone) = &gone {
                    search_cache::remove_numbers(tx, journal.workspace_id, &[gone.as_str()])?;
                }
                Ok(())
            })
        })
        .await
    }
}

/// Records a purchase the carrier has, once: a second call (recovery racing a late answer) finds
/// the journal done and changes nothing.
fn record_bought_in(
    ctx: &Context,
    key: &str,
    payload: &PurchasePayload,
    placed: &Placed,
) -> Result<Purchase, PurchaseError> {
    let now = ctx.clock.now();
    ctx.store.write(|tx| {
        let journal = journal::get_by_key(tx, key)?
            .ok_or_else(|| PurchaseError::Journal(format!("no journal row {key}")))?;
        match journal.state {
            JournalState::Done => return Ok::<(), PurchaseError>(()),
            // Settled "not bought" earlier, and the carrier shows it now: its word wins, the
            // order is open again and what it bought is recorded and charged below, once.
            JournalState::Failed => rows::reopen_order(tx, payload.order_id, now)?,
            JournalState::Intent => {}
        }
        let workspace_id = journal.workspace_id;
        let (status, carrier_order_id, owned): (NumberStatus, Option<&str>, Vec<&OwnedNumber>) =
            match placed {
                Placed::Bought(numbers) => (NumberStatus::Active, None, numbers.iter().collect()),
                Placed::Ordered(order) => {
                    (NumberStatus::Pending, Some(order.id.as_str()), Vec::new())
                }
            };
        let mut recorded = Vec::new();
        for line in &payload.numbers {
            let carrier_number = owned.iter().find(|n| n.e164 == line.e164);
            if matches!(placed, Placed::Bought(_)) && carrier_number.is_none() {
                // Twilio: a number the account does not have was not bought.
                continue;
            }
            if rows::held_number(tx, workspace_id, &line.e164)?.is_some() {
                // Already in the workspace (imported meanwhile): not recorded or charged twice.
                continue;
            }
            let number_id = numbers::insert(
                tx,
                workspace_id,
                &NewNumber {
                    e164: &line.e164,
                    carrier: payload.carrier,
                    source: payload.flow.into(),
                    status,
                    number_type: line.number_type.as_deref(),
                    region: line.region.as_deref(),
                    voice: line.voice,
                    sms: line.sms,
                    mms: line.mms,
                    monthly_cost_credits: line.credits,
                    connection_id: payload.connection_id,
                    carrier_number_id: carrier_number.map(|n| n.carrier_id.as_str()),
                    webhook_mode: payload.webhook_mode,
                    friendly_name: carrier_number.and_then(|n| n.friendly_name.as_deref()),
                },
                now,
            )?;
            rows::link_to_order(tx, number_id, payload.order_id, carrier_order_id)?;
            billing::charge_purchase(
                tx,
                workspace_id,
                payload.order_id,
                number_id,
                &line.e164,
                line.credits,
                now,
            )?;
            recorded.push(line.e164.as_str());
        }
        if let Some(id) = carrier_order_id {
            rows::set_carrier_order_id(tx, payload.order_id, id, now)?;
        } else {
            rows::finish_order(tx, payload.order_id, "success", None, now)?;
        }
        search_cache::remove_numbers(tx, workspace_id, &recorded)?;
        if !recorded.is_empty() {
            let charged: i64 = payload
                .numbers
                .iter()
                .filter(|l| recorded.contains(&l.e164.as_str()))
                .map(|l| l.credits)
                .sum();
            let how = match (payload.flow, placed) {
                (Flow::Pool, _) => "from the number pool",
                (Flow::Marketplace, Placed::Ordered(_)) => {
                    "through the marketplace (order pending)"
                }
                (Flow::Marketplace, Placed::Bought(_)) => "through the marketplace",
            };
            let record = AuditRecord::new(
                AuditAction::Purchase,
                AuditTarget::carrier(payload.carrier),
                format!(
                    "Bought {} {how} for {charged} credits.",
                    match recorded.len() {
                        1 => "1 number".to_owned(),
                        n => format!("{n} numbers"),
                    }
                ),
            )
            .numbers(recorded.iter().map(|e| (*e).to_owned()).collect())
            .before_after(
                None,
                Some(serde_json::json!({
                    "status": status,
                    "order_id": payload.order_id,
                    "carrier_order_id": carrier_order_id,
                    "charged_credits": charged,
                })),
            );
            record_in(tx, &ctx.redactor, workspace_id, &record, now)?;
        }
        // Done whatever its state was: the carrier's word wins over an earlier "not bought".
        journal::mark_bought(tx, key, now)?;
        Ok(())
    })?;
    purchase_from_store(ctx, payload.order_id)
}
