//! Buying: the quote the confirmation dialog shows, a marketplace purchase through the
//! workspace's own carrier and a pool purchase from the agency's account, each checked and
//! journalled before the one carrier call (retried at most once, and only after the account
//! was checked). What the carrier did is written by `record`; this file never writes a number,
//! an order line or a charge itself.

use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::collections::HashSet;
use std::sync::Arc;

use super::{
    blocking, new_key, Flow, Line, Purchase, PurchaseError, PurchasePayload, PurchaseTarget,
    Purchases, Quote, QuotedNumber,
};
use crate::carriers::account::CarrierAccount;
use crate::carriers::{
    AddressRequirement, CarrierAddress, CarrierBundle, CarrierError, CarrierKind,
};
use crate::domain::e164::E164;
use crate::domain::kinds::{JournalKind, WebhookMode};
use crate::domain::target::ManagedTarget;
use crate::flows::billing;
use crate::flows::connect::connections::{managed_target, Connections};
use crate::store::journal::{self, Claim};
use crate::store::orders as rows;
use crate::store::search_cache;

/// What a purchase journalled, ready for the carrier call.
struct Journalled {
    key: String,
    payload: PurchasePayload,
    /// Taken before the intent was committed; held until the purchase is settled or left.
    claim: Claim,
}

impl Purchases {
    /// What the confirmation dialog shows: each number's monthly cost (from the search it came
    /// from), the total, and the balance before and after.
    pub async fn quote(
        &self,
        workspace_id: WorkspaceId,
        e164s: &[String],
    ) -> Result<Quote, PurchaseError> {
        let e164s = normalise_selection(e164s)?;
        blocking(self.ctx(), move |ctx| {
            let workspace = ctx.workspaces().get(workspace_id)?;
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                billing::settle_in(tx, workspace_id, now)?;
                let mut numbers = Vec::new();
                for e164 in &e164s {
                    let line = priced_line(tx, workspace_id, e164)?;
                    numbers.push(QuotedNumber {
                        e164: e164.clone(),
                        monthly_cost_credits: line.credits,
                    });
                }
                let total: i64 = numbers.iter().map(|n| n.monthly_cost_credits).sum();
                let before = billing::available_in(tx, workspace_id)?;
                Ok(Quote {
                    flow: workspace.flow(),
                    numbers,
                    total_credits: total,
                    balance_before: before,
                    balance_after: before - total,
                    affordable: total <= before,
                    no_proration: true,
                })
            })
        })
        .await
    }

    /// Marketplace: buys one number through the workspace's connected carrier. Twilio numbers
    /// are Active at once; Telnyx numbers are Pending until their order completes.
    pub async fn buy(
        &self,
        workspace_id: WorkspaceId,
        connection_id: Option<ConnectionId>,
        e164: &str,
    ) -> Result<Purchase, PurchaseError> {
        self.buy_with_address(workspace_id, connection_id, e164, None)
            .await
    }

    /// [`Purchases::buy`] with one of the account's Addresses ([`Purchases::addresses`]), for a
    /// number whose country asks for one; without it such a number is refused before anything
    /// is charged or sent.
    pub async fn buy_with_address(
        &self,
        workspace_id: WorkspaceId,
        connection_id: Option<ConnectionId>,
        e164: &str,
        address_sid: Option<String>,
    ) -> Result<Purchase, PurchaseError> {
        self.buy_regulated(workspace_id, connection_id, e164, address_sid, None)
            .await
    }

    /// [`Purchases::buy_with_address`] with one of the account's approved regulatory bundles
    /// ([`Purchases::bundles`]) too, for a number whose country and type have a regulation;
    /// without it such a number is refused before anything is charged or sent.
    pub async fn buy_regulated(
        &self,
        workspace_id: WorkspaceId,
        connection_id: Option<ConnectionId>,
        e164: &str,
        address_sid: Option<String>,
        bundle_sid: Option<String>,
    ) -> Result<Purchase, PurchaseError> {
        let tidy = |sid: Option<String>| {
            sid.map(|sid| sid.trim().to_string())
                .filter(|sid| !sid.is_empty())
        };
        let (address_sid, bundle_sid) = (tidy(address_sid), tidy(bundle_sid));
        let (workspace, flow, connection) = self.resolve(workspace_id, connection_id).await?;
        if flow == Flow::Pool {
            return Err(PurchaseError::UsesPool);
        }
        let connection_id = connection.ok_or(PurchaseError::NoConnection)?;
        let account = self
            .inner
            .accounts
            .connection(workspace_id, connection_id)
            .await?;
        let target = blocking(self.ctx(), move |ctx| {
            let row = Connections::new(ctx).get(workspace_id, connection_id)?;
            // A number NumberDesk buys is NumberDesk's: its calls and messages go to the
            // workspace from the start. A Telnyx connection without a TeXML application gets
            // the number unrouted.
            Ok(managed_target(&workspace, &row))
        })
        .await?;
        let journalled = self
            .journal_purchase(
                workspace_id,
                Flow::Marketplace,
                account.kind(),
                Some(connection_id),
                &[e164.to_string()],
                PurchaseTarget {
                    target,
                    address_sid,
                    bundle_sid,
                },
            )
            .await?;
        self.place(account, journalled).await
    }

    /// The approved regulatory bundles at the connection's carrier account that `e164` (from a
    /// recent search) can be bought with (Twilio; none for Telnyx).
    pub async fn bundles(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        e164: &str,
    ) -> Result<Vec<CarrierBundle>, PurchaseError> {
        let e164 = e164.trim().to_string();
        let account = self
            .inner
            .accounts
            .connection(workspace_id, connection_id)
            .await?;
        let line = blocking(self.ctx(), move |ctx| {
            ctx.store.read(|c| priced_line(c, workspace_id, &e164))
        })
        .await?;
        let (Some(iso), Some(kind)) = (
            line.country.as_deref(),
            line.number_type
                .as_deref()
                .and_then(super::search::parse_type),
        ) else {
            return Ok(Vec::new());
        };
        Ok(account.purchase_bundles(iso, kind).await?)
    }

    /// The Addresses on file at the connection's carrier account (Twilio; none for Telnyx), to
    /// buy a number whose country asks for one.
    pub async fn addresses(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<Vec<CarrierAddress>, PurchaseError> {
        let account = self
            .inner
            .accounts
            .connection(workspace_id, connection_id)
            .await?;
        Ok(account.purchase_addresses().await?)
    }

    /// Number pool: buys the selected numbers in one Telnyx order from the agency's account.
    /// They are Pending until the order completes (Process, or the background sync).
    pub async fn buy_from_pool(
        &self,
        workspace_id: WorkspaceId,
        e164s: &[String],
        allow_webhook_updates: bool,
    ) -> Result<Purchase, PurchaseError> {
        let workspace = blocking(self.ctx(), move |ctx| {
            Ok(ctx.workspaces().get(workspace_id)?)
        })
        .await?;
        if workspace.flow() != Flow::Pool {
            return Err(PurchaseError::NotPoolWorkspace);
        }
        let (pool, account) = self.pool(workspace_id).await?;
        let target = match (allow_webhook_updates, pool.texml_connection_id) {
            (true, Some(connection_id)) => Some(ManagedTarget::Telnyx {
                connection_id,
                messaging_profile_id: pool.messaging_profile_id,
            }),
            _ => None,
        };
        let journalled = self
            .journal_purchase(
                workspace_id,
                Flow::Pool,
                CarrierKind::Telnyx,
                None,
                e164s,
                PurchaseTarget {
                    target,
                    address_sid: None,
                    bundle_sid: None,
                },
            )
            .await?;
        self.place(account, journalled).await
    }

    /// Checks everything and journals the purchase, in one transaction: months settled, each
    /// number priced from its search, not held, not being bought, and the credits available.
    async fn journal_purchase(
        &self,
        workspace_id: WorkspaceId,
        flow: Flow,
        carrier: CarrierKind,
        connection_id: Option<ConnectionId>,
        e164s: &[String],
        target: PurchaseTarget,
    ) -> Result<Journalled, PurchaseError> {
        let e164s = normalise_selection(e164s)?;
        let webhook_mode = if target.target.is_some() {
            WebhookMode::Managed
        } else {
            WebhookMode::OutboundOnly
        };
        let journalled = blocking(self.ctx(), move |ctx| {
            let now = ctx.clock.now();
            ctx.store.write(|tx| {
                billing::settle_in(tx, workspace_id, now)?;
                let in_flight = journal::numbers_in_flight(tx, workspace_id)?;
                let mut lines = Vec::new();
                for e164 in &e164s {
                    if rows::held_number(tx, workspace_id, e164)?.is_some() {
                        return Err(PurchaseError::AlreadyHeld(e164.clone()));
                    }
                    if in_flight.contains(e164) {
                        return Err(PurchaseError::InFlight(e164.clone()));
                    }
                    lines.push(priced_line(tx, workspace_id, e164)?);
                }
                // Refused before anything is charged or sent: the carrier would refuse it.
                if target.address_sid.is_none() {
                    if let Some((line, needs)) = lines.iter().find_map(|l| {
                        let needs = l
                            .address_requirement
                            .as_deref()
                            .and_then(AddressRequirement::from_name)
                            .filter(|r| *r != AddressRequirement::None)?;
                        Some((l, needs))
                    }) {
                        return Err(PurchaseError::AddressNeeded {
                            e164: line.e164.clone(),
                            needs: needs.needs(),
                        });
                    }
                }
                if target.bundle_sid.is_none() {
                    if let Some(line) = lines.iter().find(|l| l.bundle_required) {
                        return Err(PurchaseError::BundleNeeded {
                            e164: line.e164.clone(),
                            carrier,
                        });
                    }
                }
                let total: i64 = lines.iter().map(|l| l.credits).sum();
                let available = billing::available_in(tx, workspace_id)?;
                if total > available {
                    return Err(PurchaseError::InsufficientCredits {
                        needed: total,
                        available,
                    });
                }
                let key = new_key("buy");
                // Claimed before the row can be seen, so no recovery pass takes it meanwhile.
                let claim = ctx.claims.claim_new(&key)?;
                let order_id = rows::insert_order(
                    tx,
                    workspace_id,
                    &rows::NewOrder {
                        carrier,
                        flow,
                        connection_id,
                        idempotency_key: &key,
                    },
                    now,
                )?;
                let payload = PurchasePayload {
                    order_id,
                    flow,
                    carrier,
                    connection_id,
                    webhook_mode,
                    credits: total,
                    numbers: lines,
                    target,
                };
                let json = serde_json::to_string(&payload).expect("payloads serialise");
                journal::intend(tx, workspace_id, JournalKind::Purchase, &key, &json, now)?;
                Ok(Journalled {
                    key,
                    payload,
                    claim,
                })
            })
        })
        .await?;
        tracing::info!(
            workspace = workspace_id.get(),
            order = journalled.payload.order_id,
            numbers = journalled.payload.numbers.len(),
            credits = journalled.payload.credits,
            flow = flow.as_str(),
            "purchase journalled"
        );
        Ok(journalled)
    }

    /// The carrier call and its outcome, recorded exactly once.
    async fn place(
        &self,
        account: Arc<CarrierAccount>,
        journalled: Journalled,
    ) -> Result<Purchase, PurchaseError> {
        let Journalled {
            key,
            payload,
            claim: _claim,
        } = journalled;
        let e164s = payload.e164s();
        let attempt = account
            .purchase_place(
                &e164s,
                &key,
                payload.target.target.as_ref(),
                payload.target.address_sid.as_deref(),
                payload.target.bundle_sid.as_deref(),
            )
            .await;
        match attempt {
            Ok(placed) => self.record_bought(&key, &payload, placed).await,
            // The answer was lost after the request went out: the carrier may have it, or may
            // still be making it. Never sent again: the account is asked once now, and then by
            // the reconciler, patiently, until the carrier's word settles it.
            Err(error) if error.is_ambiguous() => {
                tracing::warn!(%error, order = payload.order_id, "purchase unconfirmed; checking the account");
                let found = account.purchase_find(&e164s, &key).await;
                if let Ok(Some(placed)) = found {
                    return self.record_bought(&key, &payload, placed).await;
                }
                self.note_check(&key, matches!(found, Ok(None))).await?;
                Err(PurchaseError::Unconfirmed {
                    carrier: account.kind(),
                    numbers: e164s.join(", "),
                })
            }
            Err(error) if is_gone(&error) => {
                let gone = gone_number(&error).unwrap_or_else(|| e164s[0].clone());
                self.record_not_bought(&key, &payload, &error.to_string(), Some(&gone))
                    .await?;
                Err(PurchaseError::NumberGone(gone))
            }
            Err(error) => {
                self.record_not_bought(&key, &payload, &error.to_string(), None)
                    .await?;
                Err(error.into())
            }
        }
    }
}

fn is_gone(error: &CarrierError) -> bool {
    matches!(error, CarrierError::NumberUnavailable { .. })
}

fn gone_number(error: &CarrierError) -> Option<String> {
    match error {
        CarrierError::NumberUnavailable { number, .. } if number.starts_with('+') => {
            Some(number.clone())
        }
        _ => None,
    }
}

/// Trims, checks and de-duplicates the selected numbers, keeping their order.
fn normalise_selection(e164s: &[String]) -> Result<Vec<String>, PurchaseError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for raw in e164s {
        // Picked from search results: numbers the carrier offered, checked for their shape.
        let e164 = E164::from_carrier(raw)
            .map_err(|_| PurchaseError::NotANumber(raw.trim().to_string()))?
            .into_string();
        if seen.insert(e164.clone()) {
            out.push(e164);
        }
    }
    if out.is_empty() {
        return Err(PurchaseError::NothingSelected);
    }
    Ok(out)
}

/// A selected number with its price, from the newest search that showed it.
fn priced_line(
    connection: &rusqlite::Connection,
    workspace_id: WorkspaceId,
    e164: &str,
) -> Result<Line, PurchaseError> {
    let (cached, _) = search_cache::find_number(connection, workspace_id, e164)?
        .ok_or_else(|| PurchaseError::NotInSearch(e164.to_string()))?;
    let credits = cached
        .monthly_cost_credits
        .ok_or_else(|| PurchaseError::Unpriced(e164.to_string()))?;
    Ok(Line {
        e164: e164.to_string(),
        credits,
        address_requirement: cached.address_requirement,
        bundle_required: cached.bundle_required,
        country: cached.country.clone(),
        number_type: cached
            .number_type
            .filter(|t| matches!(t.as_str(), "local" | "mobile" | "toll_free" | "national")),
        region: cached.region.or(cached.country),
        voice: cached.voice,
        sms: cached.sms,
        mms: cached.mms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_trimmed_checked_and_deduplicated() {
        let picked = normalise_selection(&[
            " +14155550100".into(),
            "+14155550100".into(),
            "+14155550101".into(),
        ])
        .unwrap();
        assert_eq!(picked, vec!["+14155550100", "+14155550101"]);
        assert!(matches!(
            normalise_selection(&[]),
            Err(PurchaseError::NothingSelected)
        ));
        assert!(matches!(
            normalise_selection(&["4155550100".into()]),
            Err(PurchaseError::NotANumber(_))
        ));
    }
}
