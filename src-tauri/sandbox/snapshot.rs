//! What the inspection API and Rust tests see of an account: carrier-neutral snapshots of its
//! owned numbers, orders and balance, read from the world.

use serde::{Deserialize, Serialize};

use super::inventory;
use super::state::{OrderStatus, World};

/// One owned number as the inspection API reports it (carrier-neutral).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberState {
    /// Twilio `PN…` SID or Telnyx phone-number id.
    pub id: String,
    pub phone_number: String,
    pub status: String,
    pub friendly_name: Option<String>,
    pub voice_url: Option<String>,
    pub sms_url: Option<String>,
    pub voice_region: Option<String>,
    pub connection_id: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub tags: Vec<String>,
}

/// One account as the inspection API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountState {
    /// `twilio` or `telnyx`.
    pub carrier: String,
    /// Twilio account SID, or the Telnyx organization id.
    pub account_id: String,
    pub owned_numbers: usize,
    /// Telnyx only: orders placed, by id, with their status.
    pub orders: Vec<OrderState>,
    /// Telnyx only: the balance as a decimal string.
    pub balance: Option<String>,
    pub numbers: Vec<NumberState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderState {
    pub id: String,
    pub status: OrderStatus,
    pub phone_numbers: Vec<String>,
    pub polls: u32,
}

impl World {
    /// A snapshot of one account; `with_numbers` adds every owned number (large for 10,000).
    pub fn account_state(&self, account_id: &str, with_numbers: bool) -> Option<AccountState> {
        if let Some(account) = self.twilio.iter().find(|account| account.sid == account_id) {
            let numbers = if with_numbers {
                account
                    .numbers
                    .values()
                    .map(|number| NumberState {
                        id: number.sid.clone(),
                        phone_number: number.phone_number.clone(),
                        status: number.status.to_string(),
                        friendly_name: Some(number.friendly_name.clone()),
                        voice_url: Some(number.voice_url.clone()),
                        sms_url: Some(number.sms_url.clone()),
                        voice_region: Some(number.routes.voice_region.clone()),
                        connection_id: None,
                        messaging_profile_id: None,
                        tags: Vec::new(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            return Some(AccountState {
                carrier: "twilio".to_string(),
                account_id: account.sid.clone(),
                owned_numbers: account.numbers.len(),
                orders: Vec::new(),
                balance: None,
                numbers,
            });
        }
        let account = self
            .telnyx
            .iter()
            .find(|account| account.organization_id == account_id)?;
        let numbers = if with_numbers {
            account
                .numbers
                .values()
                .map(|number| NumberState {
                    id: number.id.clone(),
                    phone_number: number.phone_number.clone(),
                    status: number.status.to_string(),
                    friendly_name: None,
                    voice_url: None,
                    sms_url: None,
                    voice_region: None,
                    connection_id: number.connection_id.clone(),
                    messaging_profile_id: number.messaging_profile_id.clone(),
                    tags: number.tags.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Some(AccountState {
            carrier: "telnyx".to_string(),
            account_id: account.organization_id.clone(),
            owned_numbers: account.numbers.len(),
            orders: account
                .orders
                .values()
                .map(|order| OrderState {
                    id: order.id.clone(),
                    status: order.status,
                    phone_numbers: order
                        .lines
                        .iter()
                        .map(|line| line.phone_number.clone())
                        .collect(),
                    polls: order.polls,
                })
                .collect(),
            balance: Some(inventory::format_cents(
                u32::try_from(account.balance_cents.max(0)).unwrap_or(u32::MAX),
            )),
            numbers,
        })
    }
}
