//! Orders after the purchase: the Process button, the background sync that follows pending
//! Telnyx orders until they complete, applying the carrier's view of an order (Active with the
//! carrier's id, or Failed and refunded), and the Orders list. It never places a purchase.

use crate::domain::ids::{PhoneNumberId, WorkspaceId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{
    blocking, purchased_from, FailedNumber, OrderSummary, OrderUpdate, Purchase, PurchaseError,
    Purchases, SyncReport, Unsettled,
};
use crate::app::blocking::TaskFailed;
use crate::app::context::Context;
use crate::carriers::account::CarrierAccount;
use crate::carriers::{NumberOrder, OrderStatus};
use crate::domain::kinds::NumberStatus;
use crate::flows::billing;
use crate::store::credits;
use crate::store::orders::{self as rows, HeldNumber, OrderRow, UnsettledScope};

impl Purchases {
    /// The Process button: syncs one number's order now, or (with `None`) every pending order of
    /// the workspace, and settles the workspace's purchases left unconfirmed.
    pub async fn process(
        &self,
        workspace_id: WorkspaceId,
        phone_number_id: Option<PhoneNumberId>,
    ) -> Result<SyncReport, PurchaseError> {
        let orders = blocking(self.ctx(), move |ctx| {
            ctx.workspaces().get(workspace_id)?;
            match phone_number_id {
                Some(id) => {
                    let number = ctx
                        .store
                        .read(|c| rows::number(c, workspace_id, id))?
                        .ok_or(PurchaseError::NumberNotFound)?;
                    let order = match number.order_id {
                        Some(order_id) => {
                            ctx.store.read(|c| rows::order(c, workspace_id, order_id))?
                        }
                        None => None,
                    };
                    Ok(order
                        .into_iter()
                        .filter(|o| o.status == OrderStatus::Pending)
                        .collect())
                }
                None => Ok(ctx
                    .store
                    .read(|c| rows::pending_orders(c, Some(workspace_id)))?),
            }
        })
        .await?;
        let mut report = SyncReport::default();
        self.recover_into(Some(workspace_id), &mut report).await?;
        self.sync_orders(orders, &mut report).await;
        Ok(report)
    }

    /// Before an action that would leave purchases impossible to settle (a disconnect, deleting
    /// a workspace, changing the pool account): settles what the carriers can settle now, and
    /// returns the orders in `scope` that are still open. The action refuses while any are.
    pub async fn settle_before(&self, scope: UnsettledScope) -> Result<Unsettled, PurchaseError> {
        let round = match scope {
            UnsettledScope::Workspace(w) | UnsettledScope::Connection(w, _) => {
                self.process(w, None).await
            }
            UnsettledScope::Pool => self.sync_pending().await,
        };
        match round {
            Ok(report) => {
                for error in &report.errors {
                    tracing::info!(%error, "an order could not be settled before the action");
                }
            }
            Err(error) => tracing::info!(%error, "orders could not be settled before the action"),
        }
        let open = blocking(self.ctx(), move |ctx| {
            Ok(ctx.store.read(|c| rows::unsettled(c, scope))?)
        })
        .await?;
        Ok(Unsettled(open))
    }

    /// One round of the background task: settles unconfirmed purchases and releases, then syncs
    /// every pending order of every workspace. Updates with `completed()` are the ones to notify.
    pub async fn sync_pending(&self) -> Result<SyncReport, PurchaseError> {
        let mut report = SyncReport::default();
        self.recover_into(None, &mut report).await?;
        let orders = blocking(self.ctx(), |ctx| {
            Ok(ctx.store.read(|c| rows::pending_orders(c, None))?)
        })
        .await?;
        self.sync_orders(orders, &mut report).await;
        Ok(report)
    }

    /// The background task: [`Purchases::sync_pending`] every `every` until cancelled, handing
    /// each completed order to `on_complete` (for the notification). Months are settled too.
    pub async fn run_background_sync(
        &self,
        every: Duration,
        cancel: CancellationToken,
        on_complete: impl Fn(&OrderUpdate) + Send,
    ) {
        loop {
            match self.sync_pending().await {
                Ok(report) => {
                    for update in report.updates.iter().filter(|u| u.completed()) {
                        on_complete(update);
                    }
                    for error in &report.errors {
                        tracing::warn!(%error, "an order could not be synced; tried again later");
                    }
                }
                Err(error) => tracing::warn!(%error, "order sync failed; tried again later"),
            }
            let ctx = self.ctx().clone();
            let settled =
                tokio::task::spawn_blocking(move || billing::Billing::new(&ctx).settle_all()).await;
            if let Ok(Err(error)) = settled {
                tracing::warn!(%error, "credit months could not be settled");
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }

    async fn sync_orders(&self, orders: Vec<OrderRow>, report: &mut SyncReport) {
        for order in orders {
            let Some(carrier_order_id) = order.carrier_order_id.clone() else {
                // Journalled but not placed yet: recovery settles it.
                continue;
            };
            report.orders_checked += 1;
            let result = async {
                let account = self
                    .account_for(order.workspace_id, order.flow, order.connection_id)
                    .await?;
                let remote = account.purchase_order(&carrier_order_id).await?;
                self.apply_order(&account, order.clone(), remote).await
            }
            .await;
            match result {
                Ok(update) => report.updates.push(update),
                Err(error) => report
                    .errors
                    .push(format!("Order {} could not be synced: {error}", order.id)),
            }
        }
    }

    /// Applies the carrier's view of an order: numbers it completed become Active (with their
    /// carrier id), numbers it failed show the reason and get their charge back.
    pub(super) async fn apply_order(
        &self,
        account: &Arc<CarrierAccount>,
        order: OrderRow,
        remote: NumberOrder,
    ) -> Result<OrderUpdate, PurchaseError> {
        let order_id = order.id;
        let local = blocking(self.ctx(), move |ctx| {
            Ok(ctx.store.read(|c| rows::numbers_of_order(c, order_id))?)
        })
        .await?;
        let status_of = |e164: &str| {
            remote
                .numbers
                .iter()
                .find(|line| line.e164 == e164)
                .and_then(|line| line.status)
                .unwrap_or(remote.status)
        };
        // Carrier ids of the numbers that completed, looked up concurrently.
        let mut lookups = JoinSet::new();
        for number in local.iter().filter(|n| n.status == NumberStatus::Pending) {
            if status_of(&number.e164) == OrderStatus::Success {
                let (account, e164) = (account.clone(), number.e164.clone());
                lookups.spawn(async move {
                    let found = account.purchase_owned(&e164).await;
                    (e164, found)
                });
            }
        }
        let mut carrier_ids: HashMap<String, Option<String>> = HashMap::new();
        while let Some(joined) = lookups.join_next().await {
            let (e164, found) = joined.map_err(TaskFailed::from)?;
            // The id can be looked up again at release; a failed lookup does not hold up Active.
            carrier_ids.insert(e164, found.ok().flatten().map(|n| n.carrier_id));
        }
        let reason = remote
            .failure_reason
            .clone()
            .unwrap_or_else(|| "The carrier could not complete the order.".to_string());
        let statuses: Vec<(HeldNumber, OrderStatus)> = local
            .into_iter()
            .map(|n| {
                let status = status_of(&n.e164);
                (n, status)
            })
            .collect();
        let remote_status = remote.status;
        blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                let mut update = OrderUpdate {
                    workspace_id: order.workspace_id,
                    order_id,
                    status: OrderStatus::Pending,
                    activated: Vec::new(),
                    failed: Vec::new(),
                    refunded_credits: 0,
                };
                for (number, status) in &statuses {
                    if number.status != NumberStatus::Pending {
                        continue;
                    }
                    match status {
                        OrderStatus::Success => {
                            let id = carrier_ids.get(&number.e164).cloned().flatten();
                            if rows::activate(tx, number.id, id.as_deref(), now)? {
                                update.activated.push(number.e164.clone());
                            }
                        }
                        OrderStatus::Failure => {
                            if rows::fail(tx, number.id, &reason, now)? {
                                update.refunded_credits += billing::refund_failed(
                                    tx,
                                    order.workspace_id,
                                    order_id,
                                    number.id,
                                    &number.e164,
                                    &reason,
                                    now,
                                )?;
                                update.failed.push(FailedNumber {
                                    e164: number.e164.clone(),
                                    reason: reason.clone(),
                                });
                            }
                        }
                        OrderStatus::Pending => rows::touch_synced(tx, number.id, now)?,
                    }
                }
                match remote_status {
                    OrderStatus::Pending => rows::mark_order_synced(tx, order_id, now)?,
                    OrderStatus::Success => {
                        rows::finish_order(tx, order_id, "success", None, now)?;
                    }
                    OrderStatus::Failure => {
                        rows::finish_order(tx, order_id, "failure", Some(&reason), now)?;
                    }
                }
                update.status = remote_status;
                Ok(update)
            })
        })
        .await
    }

    /// The workspace's orders, most recent first, with their numbers.
    pub async fn orders(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<OrderSummary>, PurchaseError> {
        blocking(self.ctx(), move |ctx| {
            let orders = ctx
                .store
                .read(|c| rows::list_orders(c, workspace_id, 100))?;
            orders
                .into_iter()
                .map(|order| {
                    let numbers = ctx.store.read(|c| rows::numbers_of_order(c, order.id))?;
                    Ok(OrderSummary {
                        order_id: order.id,
                        flow: order.flow,
                        carrier: order.carrier,
                        status: order.status,
                        failure_reason: order.failure_reason,
                        created_at: order.created_at,
                        last_synced_at: order.last_synced_at,
                        numbers: numbers.iter().map(purchased_from).collect(),
                    })
                })
                .collect()
        })
        .await
    }

    pub(super) async fn order_row(&self, order_id: i64) -> Result<OrderRow, PurchaseError> {
        blocking(self.ctx(), move |ctx| {
            let key = ctx.store.read(|c| rows::key_of(c, order_id)).ok();
            let key = key.ok_or(PurchaseError::OrderNotFound)?;
            ctx.store
                .read(|c| rows::order_by_key(c, &key))?
                .ok_or(PurchaseError::OrderNotFound)
        })
        .await
    }

    pub(super) async fn purchase_of(&self, order_id: i64) -> Result<Purchase, PurchaseError> {
        blocking(self.ctx(), move |ctx| purchase_from_store(ctx, order_id)).await
    }
}

pub(super) fn purchase_from_store(ctx: &Context, order_id: i64) -> Result<Purchase, PurchaseError> {
    ctx.store.read(|c| {
        let key = rows::key_of(c, order_id)?;
        let order = rows::order_by_key(c, &key)?.ok_or(PurchaseError::OrderNotFound)?;
        let numbers = rows::numbers_of_order(c, order_id)?;
        let charged = credits::charged_for_order(c, order_id)?;
        Ok(Purchase {
            order_id,
            flow: order.flow,
            carrier: order.carrier,
            numbers: numbers.iter().map(purchased_from).collect(),
            charged_credits: charged,
        })
    })
}
