//! What the purchase and torture benches buy with: the workspace and the search (included by
//! each with `#[path]`).

use numberdesk::carriers::{Features, NumberType};
use numberdesk::domain::ids::ConnectionId;
use numberdesk::flows::purchase::SearchQuery;
use numberdesk::flows::workspaces::WorkspaceInput;

/// A workspace with a large allowance: a Standard one buys through its own carrier, an
/// Unlimited one with the self-serve flag through the number pool.
pub fn workspace(name: &str, pool: bool) -> WorkspaceInput {
    WorkspaceInput {
        name: name.into(),
        plan: if pool { "unlimited" } else { "standard" }.into(),
        flags: if pool {
            vec!["flex_phone_self-serve".into()]
        } else {
            vec![]
        },
        monthly_credit_allowance: 1_000_000,
        webhook_base_url: "https://voice.example.com".into(),
    }
}

/// Fifty local US numbers with voice, through `connection_id` (none: the number pool).
pub fn us_local(connection_id: Option<ConnectionId>) -> SearchQuery {
    SearchQuery {
        connection_id,
        country: "US".into(),
        area_code: None,
        types: vec![NumberType::Local],
        features: Features {
            voice: true,
            ..Features::default()
        },
        limit: Some(50),
    }
}
