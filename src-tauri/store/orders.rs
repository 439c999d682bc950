//! Purchases at the store level: `orders` rows and the order-related columns of `phone_numbers`
//! (a number bought is a line of its order); their journal rows are in `store::journal`. Scoped
//! by workspace id wherever a workspace is known.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::kind;
use super::StoreError;
use crate::domain::kinds::{CarrierKind, Flow, NumberStatus, OrderStatus, Source, WebhookMode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub carrier: CarrierKind,
    pub flow: Flow,
    pub connection_id: Option<ConnectionId>,
    pub carrier_order_id: Option<String>,
    pub idempotency_key: String,
    pub status: OrderStatus,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub carrier: CarrierKind,
    pub flow: Flow,
    pub connection_id: Option<ConnectionId>,
    pub idempotency_key: &'a str,
}

/// A number of the workspace with what purchases and releases need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldNumber {
    pub id: PhoneNumberId,
    pub workspace_id: WorkspaceId,
    pub e164: String,
    pub carrier: CarrierKind,
    pub source: Source,
    pub status: NumberStatus,
    pub connection_id: Option<ConnectionId>,
    pub order_id: Option<i64>,
    pub carrier_number_id: Option<String>,
    pub carrier_order_ref: Option<String>,
    pub monthly_cost_credits: i64,
    pub failure_reason: Option<String>,
    pub webhook_mode: WebhookMode,
}

const ORDER_COLUMNS: &str = "id, workspace_id, carrier, flow, connection_id, carrier_order_id, \
    idempotency_key, status, failure_reason, created_at, updated_at, last_synced_at";
const NUMBER_COLUMNS: &str = "id, workspace_id, e164, carrier, source, status, connection_id, \
    order_id, carrier_number_id, carrier_order_ref, monthly_cost_credits, failure_reason, webhook_mode";

fn order_from_row(row: &Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        carrier: kind(row, 2, "orders", "carrier")?,
        flow: kind(row, 3, "orders", "flow")?,
        connection_id: row.get(4)?,
        carrier_order_id: row.get(5)?,
        idempotency_key: row.get(6)?,
        status: kind(row, 7, "orders", "status")?,
        failure_reason: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        last_synced_at: row.get(11)?,
    })
}

fn number_from_row(row: &Row<'_>) -> rusqlite::Result<HeldNumber> {
    Ok(HeldNumber {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        e164: row.get(2)?,
        carrier: kind(row, 3, "phone_numbers", "carrier")?,
        source: kind(row, 4, "phone_numbers", "source")?,
        status: kind(row, 5, "phone_numbers", "status")?,
        connection_id: row.get(6)?,
        order_id: row.get(7)?,
        carrier_number_id: row.get(8)?,
        carrier_order_ref: row.get(9)?,
        monthly_cost_credits: row.get(10)?,
        failure_reason: row.get(11)?,
        webhook_mode: kind(row, 12, "phone_numbers", "webhook_mode")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Orders

pub fn insert_order(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    order: &NewOrder<'_>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO orders (workspace_id, carrier, flow, connection_id, idempotency_key, status,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
        params![
            workspace_id,
            order.carrier,
            order.flow,
            order.connection_id,
            order.idempotency_key,
            now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn order(
    connection: &Connection,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<Option<OrderRow>, StoreError> {
    Ok(connection
        .query_row(
            &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE workspace_id = ?1 AND id = ?2"),
            params![workspace_id, id],
            order_from_row,
        )
        .optional()?)
}

pub fn order_by_key(connection: &Connection, key: &str) -> Result<Option<OrderRow>, StoreError> {
    Ok(connection
        .query_row(
            &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE idempotency_key = ?1"),
            [key],
            order_from_row,
        )
        .optional()?)
}

/// The idempotency key of order `id`; an error when there is no such order.
pub fn key_of(connection: &Connection, id: i64) -> Result<String, StoreError> {
    Ok(connection.query_row(
        "SELECT idempotency_key FROM orders WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Orders still pending, of one workspace or of all, oldest first.
pub fn pending_orders(
    connection: &Connection,
    workspace_id: Option<WorkspaceId>,
) -> Result<Vec<OrderRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders
         WHERE status = 'pending' AND (?1 IS NULL OR workspace_id = ?1) ORDER BY id"
    ))?;
    let rows = statement
        .query_map([workspace_id], order_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The workspace's orders, most recent first.
pub fn list_orders(
    connection: &Connection,
    workspace_id: WorkspaceId,
    limit: i64,
) -> Result<Vec<OrderRow>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = statement
        .query_map(params![workspace_id, limit], order_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Records the carrier's order id once the carrier took the order.
pub fn set_carrier_order_id(
    tx: &Transaction<'_>,
    id: i64,
    carrier_order_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE orders SET carrier_order_id = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, carrier_order_id, now],
    )?;
    Ok(())
}

/// Moves an order settled as failed back to pending: the carrier turned out to have it.
pub fn reopen_order(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE orders SET status = 'pending', failure_reason = NULL, updated_at = ?2
         WHERE id = ?1 AND status = 'failure'",
        params![id, now],
    )?;
    Ok(())
}

/// Moves a pending order to `success` or `failure`; `false` if it was not pending any more.
pub fn finish_order(
    tx: &Transaction<'_>,
    id: i64,
    status: &str,
    failure_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE orders SET status = ?2, failure_reason = ?3, updated_at = ?4, last_synced_at = ?4
         WHERE id = ?1 AND status = 'pending'",
        params![id, status, failure_reason, now],
    )?;
    Ok(changed == 1)
}

pub fn mark_order_synced(
    tx: &Transaction<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE orders SET last_synced_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Numbers of orders

pub fn number(
    connection: &Connection,
    workspace_id: WorkspaceId,
    id: PhoneNumberId,
) -> Result<Option<HeldNumber>, StoreError> {
    Ok(connection
        .query_row(
            &format!(
                "SELECT {NUMBER_COLUMNS} FROM phone_numbers WHERE workspace_id = ?1 AND id = ?2"
            ),
            params![workspace_id, id],
            number_from_row,
        )
        .optional()?)
}

/// The held (not released, not failed) row of this number in the workspace, if any.
pub fn held_number(
    connection: &Connection,
    workspace_id: WorkspaceId,
    e164: &str,
) -> Result<Option<HeldNumber>, StoreError> {
    Ok(connection
        .query_row(
            &format!(
                "SELECT {NUMBER_COLUMNS} FROM phone_numbers
                 WHERE workspace_id = ?1 AND e164 = ?2 AND status NOT IN ('released', 'failed')"
            ),
            params![workspace_id, e164],
            number_from_row,
        )
        .optional()?)
}

pub fn numbers_of_order(
    connection: &Connection,
    order_id: i64,
) -> Result<Vec<HeldNumber>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {NUMBER_COLUMNS} FROM phone_numbers WHERE order_id = ?1 ORDER BY id"
    ))?;
    let rows = statement
        .query_map([order_id], number_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Ties a number just recorded to its order (and the carrier's order id while it is pending).
pub fn link_to_order(
    tx: &Transaction<'_>,
    number_id: PhoneNumberId,
    order_id: i64,
    carrier_order_ref: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE phone_numbers SET order_id = ?2, carrier_order_ref = ?3 WHERE id = ?1",
        params![number_id, order_id, carrier_order_ref],
    )?;
    Ok(())
}

/// A pending number became active at the carrier.
pub fn activate(
    tx: &Transaction<'_>,
    number_id: PhoneNumberId,
    carrier_number_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE phone_numbers SET status = 'active',
             carrier_number_id = coalesce(?2, carrier_number_id), failure_reason = NULL,
             updated_at = ?3, last_synced_at = ?3
         WHERE id = ?1 AND status = 'pending'",
        params![number_id, carrier_number_id, now],
    )?;
    Ok(changed == 1)
}

/// A pending number's order failed at the carrier.
pub fn fail(
    tx: &Transaction<'_>,
    number_id: PhoneNumberId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE phone_numbers SET status = 'failed', failure_reason = ?2, updated_at = ?3,
             last_synced_at = ?3
         WHERE id = ?1 AND status = 'pending'",
        params![number_id, reason, now],
    )?;
    Ok(changed == 1)
}

/// The number left the workspace (released at the carrier).
pub fn mark_released(
    tx: &Transaction<'_>,
    number_id: PhoneNumberId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE phone_numbers SET status = 'released', released_at = ?2, updated_at = ?2
         WHERE id = ?1 AND status <> 'released'",
        params![number_id, now],
    )?;
    Ok(changed == 1)
}

pub fn touch_synced(
    tx: &Transaction<'_>,
    number_id: PhoneNumberId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE phone_numbers SET last_synced_at = ?2 WHERE id = ?1",
        params![number_id, now],
    )?;
    Ok(())
}

/// Which unsettled orders a destructive action must wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsettledScope {
    /// Everything of a workspace (deleting it).
    Workspace(WorkspaceId),
    /// The marketplace purchases made through one connection (disconnecting it).
    Connection(WorkspaceId, ConnectionId),
    /// Every real workspace's number pool orders (changing or clearing the pool key).
    Pool,
}

/// An order not settled yet: journalled and unconfirmed, or pending at the carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsettledOrder {
    pub order_id: i64,
    pub numbers: Vec<String>,
}

/// The orders in `scope` still pending, with their numbers (recorded ones, or those the journal
/// says are being bought), oldest first.
pub fn unsettled(
    connection: &Connection,
    scope: UnsettledScope,
) -> Result<Vec<UnsettledOrder>, StoreError> {
    let (condition, workspace, connection_id) = match scope {
        UnsettledScope::Workspace(w) => ("o.workspace_id = ?1 AND ?2 IS NULL", Some(w), None),
        UnsettledScope::Connection(w, c) => (
            "o.workspace_id = ?1 AND o.flow = 'marketplace' AND o.connection_id = ?2",
            Some(w),
            Some(c),
        ),
        UnsettledScope::Pool => (
            "o.flow = 'pool' AND ?1 IS NULL AND ?2 IS NULL
             AND (SELECT is_sandbox FROM workspaces WHERE id = o.workspace_id) = 0",
            None,
            None,
        ),
    };
    let mut statement = connection.prepare(&format!(
        "SELECT o.id,
            coalesce(
              (SELECT group_concat(p.e164, ' ') FROM phone_numbers p WHERE p.order_id = o.id),
              (SELECT group_concat(json_extract(item.value, '$.e164'), ' ')
                 FROM journal j, json_each(j.payload_json, '$.numbers') AS item
                WHERE j.idempotency_key = o.idempotency_key),
              '')
         FROM orders o WHERE o.status = 'pending' AND {condition} ORDER BY o.id"
    ))?;
    let rows = statement
        .query_map(params![workspace, connection_id], |r| {
            let numbers: String = r.get(1)?;
            Ok(UnsettledOrder {
                order_id: r.get(0)?,
                numbers: numbers.split_whitespace().map(str::to_owned).collect(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Gives up on an unsettled order the user chose to leave (a forced disconnect): its journal
/// intent is settled failed and the order failed with `reason`, so nothing keeps asking a
/// connection that is gone and its credits are no longer held.
pub fn abandon(
    tx: &Transaction<'_>,
    order_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE journal SET state = 'failed', outcome = ?2, next_check_at = NULL, updated_at = ?3
         WHERE state = 'intent'
           AND idempotency_key = (SELECT idempotency_key FROM orders WHERE id = ?1)",
        params![order_id, reason, now],
    )?;
    finish_order(tx, order_id, "failure", Some(reason), now)?;
    Ok(())
}
