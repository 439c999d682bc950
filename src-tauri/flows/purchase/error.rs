//! The one error of search and buy: every way a search, a purchase, an order sync or a release
//! can fail, in sentences the user can act on, and how each is classified for the shells. It
//! knows the errors of the modules purchases call, never how a flow reached them.

use crate::domain::failure::{Classified, ErrorKind, UserError};

use crate::app::blocking::TaskFailed;
use crate::carriers::{CarrierError, CarrierKind};
use crate::flows::accounts::AccountUnavailable;
use crate::flows::billing::BillingError;
use crate::flows::connect::connections::ConnectionError;
use crate::flows::workspaces::WorkspaceError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PurchaseError {
    #[error("Pick at least one number.")]
    NothingSelected,
    #[error("Choose a country from the list (\"{0}\" is not a two-letter country code).")]
    InvalidCountry(String),
    #[error("{carrier} sells no numbers in {country}. Choose another country.")]
    CountryNotSold {
        carrier: CarrierKind,
        country: String,
    },
    #[error("{carrier} sells no {types} numbers in {country}. Choose another type.")]
    TypeNotSold {
        carrier: CarrierKind,
        country: String,
        types: String,
    },
    #[error("\"{0}\" is not an area code: use digits only, for example 312.")]
    AreaCodeNotDigits(String),
    #[error("There is no area code {code} in {country}. {hint}")]
    AreaCodeDoesNotExist {
        code: String,
        country: String,
        hint: &'static str,
    },
    #[error(
        "Connect a Twilio or Telnyx account to this workspace before searching or buying numbers."
    )]
    NoConnection,
    #[error("This workspace has several carrier connections; choose the one to buy through.")]
    ChooseConnection,
    #[error("This workspace buys from the number pool; use Buy now in the pool search.")]
    UsesPool,
    #[error("This workspace is not on the number pool (it needs the unlimited plan with flex_phone_self-serve); buy through its connected carrier instead.")]
    NotPoolWorkspace,
    #[error("{0} is not a phone number in international form (+ and digits).")]
    NotANumber(String),
    #[error("{0} is not in a recent search here, so its price is unknown. Search again, then buy it from the results.")]
    NotInSearch(String),
    #[error(
        "{0} has no monthly price NumberDesk can convert to credits, so it cannot be bought here."
    )]
    Unpriced(String),
    #[error("{e164} can only be bought with {needs} on file at the carrier: the law of its country asks for one. Add it in the Twilio Console (Phone Numbers, Regulatory Compliance, Addresses), then pick it when you buy. Nothing was bought or charged.")]
    AddressNeeded { e164: String, needs: &'static str },
    #[error("{e164} can only be bought with {}: the law of its country asks who will use it. {} Nothing was bought or charged.", bundle_name(*.carrier), bundle_where(*.carrier))]
    BundleNeeded { e164: String, carrier: CarrierKind },
    #[error("{0} is already in this workspace.")]
    AlreadyHeld(String),
    #[error("{0} is being bought already. Wait for that purchase to finish.")]
    InFlight(String),
    #[error("This purchase costs {needed} credits but only {available} are available. Nothing was bought or charged.")]
    InsufficientCredits { needed: i64, available: i64 },
    #[error("{0} is no longer available: someone else bought it since your search. Nothing was bought or charged, and it is gone from the results. Pick another number.")]
    NumberGone(String),
    #[error("{carrier} did not confirm the purchase of {numbers}, and does not show it yet. Its credits stay on hold while NumberDesk keeps asking {carrier} (for a few minutes at least); it will never buy or charge it twice, and shows the numbers as soon as {carrier} does.")]
    Unconfirmed {
        carrier: CarrierKind,
        numbers: String,
    },
    #[error("This number is not in this workspace.")]
    NumberNotFound,
    #[error("This order is not in this workspace.")]
    OrderNotFound,
    #[error("{0}")]
    NotReleasable(&'static str),
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Billing(#[from] BillingError),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("The purchase journal is damaged ({0}). Report this.")]
    Journal(String),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for PurchaseError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Carrier(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Billing(inner) => Classified::Wraps(inner),
            Self::Workspace(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NumberNotFound | Self::OrderNotFound => Classified::Kind(ErrorKind::NotFound),
            Self::AlreadyHeld(_) | Self::InFlight(_) => Classified::Kind(ErrorKind::Conflict),
            Self::NumberGone(_) | Self::Unconfirmed { .. } => Classified::Kind(ErrorKind::Carrier),
            Self::Journal(_) => Classified::Kind(ErrorKind::Storage),
            Self::NothingSelected
            | Self::InvalidCountry(_)
            | Self::CountryNotSold { .. }
            | Self::TypeNotSold { .. }
            | Self::AreaCodeNotDigits(_)
            | Self::AreaCodeDoesNotExist { .. }
            | Self::NoConnection
            | Self::ChooseConnection
            | Self::UsesPool
            | Self::NotPoolWorkspace
            | Self::NotANumber(_)
            | Self::NotInSearch(_)
            | Self::AddressNeeded { .. }
            | Self::BundleNeeded { .. }
            | Self::Unpriced(_)
            | Self::InsufficientCredits { .. }
            | Self::NotReleasable(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

impl PurchaseError {
    /// True when the user can fix it by changing what they typed or picked.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Self::NothingSelected
                | Self::InvalidCountry(_)
                | Self::AreaCodeNotDigits(_)
                | Self::AreaCodeDoesNotExist { .. }
                | Self::NotANumber(_)
                | Self::ChooseConnection
        )
    }
}

/// Orders a destructive action must wait for (see `store::orders::unsettled`), as the sentence
/// its refusal shows: "2 numbers (+1…, +1…) in order 7 are still being bought".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unsettled(pub Vec<crate::store::orders::UnsettledOrder>);

impl Unsettled {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn numbers(&self) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|o| o.numbers.iter().cloned())
            .collect()
    }

    pub fn order_ids(&self) -> Vec<i64> {
        self.0.iter().map(|o| o.order_id).collect()
    }
}

impl std::fmt::Display for Unsettled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 5;
        let numbers = self.numbers();
        let ids: Vec<String> = self.order_ids().iter().map(i64::to_string).collect();
        let mut listed = numbers
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if numbers.len() > SHOWN {
            listed.push_str(&format!(" and {} more", numbers.len() - SHOWN));
        }
        let what = match numbers.len() {
            1 => "1 number".to_owned(),
            n => format!("{n} numbers"),
        };
        let orders = match ids.len() {
            1 => format!("order {}", ids[0]),
            _ => format!("orders {}", ids.join(", ")),
        };
        let verb = if numbers.len() == 1 { "is" } else { "are" };
        write!(f, "{what} ({listed}) in {orders} {verb} still being bought")
    }
}

/// What a carrier calls the approved regulatory paperwork a number is bought with.
fn bundle_name(carrier: CarrierKind) -> &'static str {
    match carrier {
        CarrierKind::Twilio => "an approved regulatory bundle",
        CarrierKind::Telnyx => "an approved requirement group",
        CarrierKind::Sip => "the carrier's regulatory approval",
    }
}

/// Where to make it.
fn bundle_where(carrier: CarrierKind) -> &'static str {
    match carrier {
        CarrierKind::Twilio => "Create one in the Twilio Console (Phone Numbers, Regulatory Compliance, Bundles); once Twilio approves it, pick it when you buy.",
        CarrierKind::Telnyx => "Create one on the Requirement Groups page of the Telnyx Portal; once Telnyx approves it, pick it when you buy.",
        CarrierKind::Sip => "NumberDesk does not buy numbers on a SIP trunk; ask its carrier.",
    }
}
