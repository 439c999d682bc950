//! Searching and buying numbers end to end through the core: the marketplace (a workspace's own
//! Twilio or Telnyx account) and the number pool (the agency's Telnyx account), order sync,
//! release, and the never-buy-twice guarantees, against the carrier sandbox over real HTTP and a
//! real SQLite file.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use numberdesk::app::context::Context;
use numberdesk::carriers::account::{CarrierAccount, CarrierEndpoints};
use numberdesk::carriers::{ClientOptions, Features, NumberType, OrderStatus};
use numberdesk::clock::ManualClock;
use numberdesk::flows::accounts::{AccountUnavailable, Accounts};
use numberdesk::flows::billing::{Billing, EntryKind};
use numberdesk::flows::connect::{self, ConnectForm};
use numberdesk::flows::purchase::{
    NumberStatus, PoolAccount, PurchaseError, Purchases, Recovered, SearchQuery,
};
use numberdesk::flows::workspaces::{Workspace, WorkspaceInput};
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{
    CallOutcome, Carrier, FaultKind, FaultRule, OrderCompletion, OrderOutcome, Sandbox,
    SandboxConfig, SandboxHandle,
};
use numberdesk::secrets::{MemorySecretStore, Sensitive};
use numberdesk::store::{journal, numbers};

use crate::support::{input, open_core_with_clock, TestDir};

/// Quick timeouts and backoff, so fault tests converge in a second or two.
pub fn fast() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_millis(1_500),
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(200),
        retry_after_cap: Duration::from_millis(300),
        deadline: Duration::from_secs(60),
        ..ClientOptions::default()
    }
}

pub struct World {
    pub sandbox: SandboxHandle,
    pub clock: Arc<ManualClock>,
    pub dir: TestDir,
    pub core: Arc<Context>,
    pub workspace: Workspace,
    pub pool_workspace: Workspace,
    pub endpoints: CarrierEndpoints,
    pub purchases: Purchases,
}

pub fn pool_input(name: &str, allowance: i64) -> WorkspaceInput {
    WorkspaceInput {
        plan: "unlimited".into(),
        flags: vec!["flex_phone_self-serve".into()],
        monthly_credit_allowance: allowance,
        ..input(name)
    }
}

pub async fn world_with(allowance: i64, completion: OrderCompletion) -> World {
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: 3,
        seed: 11,
        order_completion: completion,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = TestDir::new();
    let clock = crate::support::clock();
    let core = Arc::new(open_core_with_clock(
        &dir,
        Arc::new(MemorySecretStore::new(Redactor::new())),
        clock.clone(),
    ));
    let workspace = core
        .workspaces()
        .create(&WorkspaceInput {
            monthly_credit_allowance: allowance,
            ..input("Acme")
        })
        .unwrap();
    let pool_workspace = core
        .workspaces()
        .create(&pool_input("Agency client", allowance))
        .unwrap();
    let endpoints = CarrierEndpoints::from(sandbox.base_urls());
    let accounts = Accounts::new(core.clone(), endpoints.clone(), fast());
    accounts.set_pool(Some(pool_account(&sandbox))).unwrap();
    let purchases = Purchases::new(accounts);
    World {
        sandbox,
        clock,
        dir,
        core,
        workspace,
        pool_workspace,
        endpoints,
        purchases,
    }
}

pub async fn world(allowance: i64) -> World {
    world_with(allowance, OrderCompletion::default()).await
}

/// The agency's account: the sandbox's second Telnyx account (the first is the workspaces').
pub fn pool_account(sandbox: &SandboxHandle) -> PoolAccount {
    let agency = &sandbox.telnyx_accounts()[1];
    PoolAccount {
        api_key: Sensitive::new(agency.api_key.clone()),
        texml_connection_id: Some(agency.texml_application_id.clone()),
        messaging_profile_id: Some(agency.messaging_profile_id.clone()),
    }
}

pub fn local(country: &str, area_code: Option<&str>) -> SearchQuery {
    SearchQuery {
        country: country.into(),
        area_code: area_code.map(Into::into),
        types: vec![NumberType::Local],
        features: Features {
            voice: true,
            ..Features::default()
        },
        ..SearchQuery::default()
    }
}

impl World {
    pub async fn connect_twilio(&self) -> i64 {
        let account = &self.sandbox.twilio_accounts()[0];
        let form = ConnectForm {
            carrier: "twilio".into(),
            name: "Main Twilio".into(),
            twilio_account_sid: Some(account.account_sid.clone()),
            twilio_auth_token: Some(Sensitive::new(account.auth_token.clone())),
            ..ConnectForm::default()
        };
        self.connect(form).await
    }

    pub async fn connect_telnyx(&self) -> i64 {
        let account = &self.sandbox.telnyx_accounts()[0];
        let form = ConnectForm {
            carrier: "telnyx".into(),
            name: "Main Telnyx".into(),
            telnyx_api_key: Some(Sensitive::new(account.api_key.clone())),
            texml_connection_id: Some(account.texml_application_id.clone()),
            ..ConnectForm::default()
        };
        self.connect(form).await
    }

    async fn connect(&self, form: ConnectForm) -> i64 {
        let credentials = connect::credentials_from(&form).unwrap();
        let account = CarrierAccount::open(&credentials, &self.endpoints, fast()).unwrap();
        connect::connect(&self.core, &self.workspace, &form, &account)
            .await
            .unwrap()
            .id
    }

    pub fn balance(&self, workspace_id: i64) -> i64 {
        Billing::new(&self.core).balance(workspace_id).unwrap()
    }

    pub fn entries(&self, workspace_id: i64, kind: EntryKind) -> Vec<(i64, Option<String>)> {
        Billing::new(&self.core)
            .ledger(workspace_id)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| (e.amount, e.e164))
            .collect()
    }

    pub fn held(&self, workspace_id: i64) -> Vec<numbers::NumberRow> {
        self.core
            .store
            .read(|c| numbers::list(c, workspace_id))
            .unwrap()
    }

    pub fn twilio_owns(&self, e164: &str) -> usize {
        let sid = &self.sandbox.twilio_accounts()[0].account_sid;
        self.sandbox
            .account_state(sid, true)
            .unwrap()
            .numbers
            .iter()
            .filter(|n| n.phone_number == e164)
            .count()
    }

    pub fn pool_orders(&self) -> usize {
        let org = &self.sandbox.telnyx_accounts()[1].organization_id;
        self.sandbox.account_state(org, false).unwrap().orders.len()
    }

    pub fn purchase_posts(&self, carrier: Carrier) -> usize {
        self.sandbox
            .calls()
            .iter()
            .filter(|c| {
                c.carrier == carrier
                    && c.method == "POST"
                    && (c.path.ends_with("/IncomingPhoneNumbers.json")
                        || c.path.ends_with("/number_orders"))
            })
            .count()
    }

    /// Searches and returns the first `count` numbers found.
    pub async fn pick(&self, workspace_id: i64, query: &SearchQuery, count: usize) -> Vec<String> {
        let results = self.purchases.search(workspace_id, query).await.unwrap();
        assert!(
            results.offers.len() >= count,
            "only {} found",
            results.offers.len()
        );
        results
            .offers
            .iter()
            .take(count)
            .map(|o| o.e164.clone())
            .collect()
    }
}

#[tokio::test]
async fn a_twilio_marketplace_purchase_is_active_charged_once_and_leaves_the_results() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("415"));
    query.connection_id = Some(connection);
    let results = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(!results.possibly_stale);
    assert!(!results.offers.is_empty());
    let offer = &results.offers[0];
    assert!(offer.e164.starts_with("+1415"), "{}", offer.e164);
    assert_eq!(offer.monthly_cost_credits, Some(115));
    assert_eq!(offer.number_type, Some(NumberType::Local));
    assert_eq!(offer.region.as_deref(), Some("CA"));

    let quote = w
        .purchases
        .quote(w.workspace.id, std::slice::from_ref(&offer.e164))
        .await
        .unwrap();
    assert_eq!(
        (
            quote.total_credits,
            quote.balance_before,
            quote.balance_after
        ),
        (115, 1_000, 885)
    );
    assert!(quote.no_proration && quote.affordable);

    let purchase = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap();
    assert_eq!(purchase.charged_credits, 115);
    assert_eq!(purchase.numbers.len(), 1);
    assert_eq!(purchase.numbers[0].status, NumberStatus::Active);
    assert_eq!(w.twilio_owns(&offer.e164), 1);
    assert_eq!(w.balance(w.workspace.id), 885);
    assert_eq!(
        w.entries(w.workspace.id, EntryKind::Purchase),
        vec![(-115, Some(offer.e164.clone()))]
    );
    let held = w.held(w.workspace.id);
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].status.as_str(), held[0].source.as_str()),
        ("active", "marketplace")
    );
    assert!(held[0]
        .carrier_number_id
        .as_deref()
        .unwrap()
        .starts_with("PN"));
    // Bought numbers leave the cached results; buying again is refused before any call.
    let cached = w
        .purchases
        .cached_search(w.workspace.id, &query)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.offers.iter().all(|o| o.e164 != offer.e164));
    let again = w
        .purchases
        .buy(w.workspace.id, Some(connection), &offer.e164)
        .await
        .unwrap_err();
    assert!(matches!(again, PurchaseError::AlreadyHeld(_)), "{again}");
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
}

#[tokio::test]
async fn a_telnyx_marketplace_purchase_is_pending_until_processed() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 2,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let connection = w.connect_telnyx().await;
    let mut query = local("US", Some("312"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    let purchase = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(purchase.numbers[0].status, NumberStatus::Pending);
    assert_eq!(w.balance(w.workspace.id), 885);

    let first = w.purchases.process(w.workspace.id, None).await.unwrap();
    assert_eq!(first.updates[0].status, OrderStatus::Pending);
    let number_id = purchase.numbers[0].phone_number_id;
    let second = w
        .purchases
        .process(w.workspace.id, Some(number_id))
        .await
        .unwrap();
    assert_eq!(second.updates[0].status, OrderStatus::Success);
    assert_eq!(second.updates[0].activated, picked);
    let held = w.held(w.workspace.id);
    assert_eq!(held[0].status, "active");
    assert!(held[0].carrier_number_id.is_some());
    assert_eq!(held[0].webhook_mode, "managed");
    assert_eq!(w.balance(w.workspace.id), 885);
}

#[tokio::test]
async fn search_input_errors_are_clear_sentences() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let cases = [
        (local("US", Some("31a")), "\"31a\" is not an area code"),
        (
            local("US", Some("099")),
            "There is no area code 099 in United States",
        ),
        (local("US", Some("911")), "There is no area code 911"),
        (local("USA", None), "is not a two-letter country code"),
        (local("ZZ", None), "Twilio sells no numbers in ZZ"),
        (
            SearchQuery {
                types: vec![NumberType::Mobile],
                ..local("US", None)
            },
            "Twilio sells no mobile numbers in United States",
        ),
    ];
    for (mut query, wanted) in cases {
        query.connection_id = Some(connection);
        let error = w
            .purchases
            .search(w.workspace.id, &query)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains(wanted),
            "{error} (wanted {wanted})"
        );
    }
    // A workspace with no carrier connected is told to connect one.
    let other = w.core.workspaces().create(&input("Bare")).unwrap();
    let error = w
        .purchases
        .search(other.id, &local("US", None))
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NoConnection), "{error}");
}

#[tokio::test]
async fn an_empty_area_code_suggests_nearby_area_codes_with_stock() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("718"));
    query.connection_id = Some(connection);
    let results = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(results.offers.is_empty());
    assert!(!results.suggestions.is_empty());
    assert!(results.suggestions.len() <= 5);
    assert!(results.suggestions.iter().all(|s| s.area_code != "718"));
    assert!(results.suggestions.iter().all(|s| s.numbers_seen > 0));
    // Closest first: 703 (none in stock) is not there, 702 and 617 are the nearest that are.
    assert_eq!(results.suggestions[0].area_code, "702");
}

#[tokio::test]
async fn a_previous_search_is_browsable_offline_and_marked_possibly_stale() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("206"));
    query.connection_id = Some(connection);
    let fresh = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(!fresh.offers.is_empty());
    w.clock.advance(chrono::Duration::hours(3));

    // The carrier cannot be reached: the cached answer comes back, marked.
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 503 })
            .carrier(Carrier::Twilio)
            .times(None),
    );
    let offline = w.purchases.search(w.workspace.id, &query).await.unwrap();
    assert!(offline.possibly_stale);
    assert!(offline.offline_reason.is_some());
    assert_eq!(offline.fetched_at, fresh.fetched_at);
    assert_eq!(offline.offers, fresh.offers);
    // And without asking the carrier at all.
    let cached = w
        .purchases
        .cached_search(w.workspace.id, &query)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.possibly_stale);
    assert_eq!(cached.offers.len(), fresh.offers.len());
    w.sandbox.faults().clear();

    // Refresh asks for a page more than is cached.
    let more = w.purchases.refresh(w.workspace.id, &query).await.unwrap();
    assert!(more.offers.len() > fresh.offers.len());
}

#[tokio::test]
async fn too_few_credits_is_refused_before_any_carrier_call() {
    let w = world(100).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("212"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            PurchaseError::InsufficientCredits {
                needed: 115,
                available: 100
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("Nothing was bought or charged"));
    assert_eq!(w.purchase_posts(Carrier::Twilio), 0);
    assert_eq!(w.balance(w.workspace.id), 100);
    assert!(w.held(w.workspace.id).is_empty());

    // The pool too: three numbers cost 345 of 100.
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("212")), 3)
        .await;
    let error = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        PurchaseError::InsufficientCredits { needed: 345, .. }
    ));
    assert_eq!(w.pool_orders(), 0);
}

#[tokio::test]
async fn a_number_gone_since_the_search_is_not_charged_and_leaves_the_cache() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("512"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 2).await;
    assert!(w.sandbox.faults().vanish(&picked[0]));
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PurchaseError::NumberGone(n) if n == &picked[0]),
        "{error}"
    );
    assert!(error.to_string().contains("Nothing was bought or charged"));
    assert_eq!(w.balance(w.workspace.id), 1_000);
    assert!(w.entries(w.workspace.id, EntryKind::Purchase).is_empty());
    assert!(w.held(w.workspace.id).is_empty());
    let cached = w
        .purchases
        .cached_search(w.workspace.id, &query)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.offers.iter().all(|o| o.e164 != picked[0]));
    assert!(cached.offers.iter().any(|o| o.e164 == picked[1]));

    // In a pool order too: the whole order is refused, nothing charged.
    let pool_picked = w
        .pick(w.pool_workspace.id, &local("US", Some("305")), 3)
        .await;
    w.sandbox.faults().vanish(&pool_picked[1]);
    let error = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &pool_picked, false)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, PurchaseError::NumberGone(n) if n == &pool_picked[1]),
        "{error}"
    );
    assert_eq!(w.balance(w.pool_workspace.id), 1_000);
    assert!(w.held(w.pool_workspace.id).is_empty());
}

#[tokio::test]
async fn a_connection_dropped_after_the_purchase_buys_and_charges_exactly_once() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("617"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "POST", 1);
    let purchase = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(purchase.numbers[0].status, NumberStatus::Active);
    assert_eq!(purchase.charged_credits, 115);
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    // Checked, found, not sent again.
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
    assert!(w
        .sandbox
        .calls()
        .iter()
        .any(|c| c.outcome == CallOutcome::Dropped));
    assert_eq!(w.held(w.workspace.id).len(), 1);
    assert_eq!(w.entries(w.workspace.id, EntryKind::Purchase).len(), 1);
    assert_eq!(w.balance(w.workspace.id), 885);
}

#[tokio::test]
async fn a_timeout_is_checked_before_the_one_retry_and_buys_once() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("303"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    // The purchase request is held past the client's timeout and never carried out.
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::Hang { millis: 3_000 })
            .carrier(Carrier::Twilio)
            .method("POST"),
    );
    let purchase = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(purchase.numbers[0].status, NumberStatus::Active);
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    let calls = w.sandbox.calls();
    let post = calls
        .iter()
        .position(|c| c.method == "POST" && c.outcome == CallOutcome::Hung)
        .unwrap();
    let check = calls
        .iter()
        .position(|c| c.method == "GET" && c.query.contains("PhoneNumber="))
        .unwrap();
    assert!(post < check, "the account is checked after the lost answer");
    assert_eq!(w.purchase_posts(Carrier::Twilio), 2);
    assert_eq!(w.entries(w.workspace.id, EntryKind::Purchase).len(), 1);
    assert_eq!(w.balance(w.workspace.id), 885);
}

#[tokio::test]
async fn a_pool_order_dropped_after_commit_is_found_by_its_reference_and_charged_once() {
    let w = world(1_000).await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("404")), 3)
        .await;
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Telnyx, "POST", 1);
    let purchase = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap();
    assert_eq!(purchase.numbers.len(), 3);
    assert_eq!(w.pool_orders(), 1);
    assert_eq!(w.purchase_posts(Carrier::Telnyx), 1);
    assert_eq!(w.entries(w.pool_workspace.id, EntryKind::Purchase).len(), 3);
    assert_eq!(w.balance(w.pool_workspace.id), 1_000 - 345);
}

#[tokio::test]
async fn a_pool_order_of_three_goes_pending_then_active_through_process() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 2,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("808")), 3)
        .await;
    let purchase = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap();
    assert!(purchase
        .numbers
        .iter()
        .all(|n| n.status == NumberStatus::Pending));
    assert_eq!(purchase.charged_credits, 345);
    let held = w.held(w.pool_workspace.id);
    assert!(held
        .iter()
        .all(|n| n.status == "pending" && n.source == "pool"));
    assert!(held.iter().all(|n| n.webhook_mode == "managed"));
    assert!(held.iter().all(|n| n.connection_id.is_none()));

    // Process one number: its order is synced (still pending at the first poll).
    let report = w
        .purchases
        .process(w.pool_workspace.id, Some(held[0].id))
        .await
        .unwrap();
    assert_eq!(report.updates.len(), 1);
    assert!(!report.updates[0].completed());
    // Process all: the second poll completes it.
    let report = w
        .purchases
        .process(w.pool_workspace.id, None)
        .await
        .unwrap();
    assert!(report.updates[0].completed());
    assert_eq!(report.updates[0].activated.len(), 3);
    let held = w.held(w.pool_workspace.id);
    assert!(held.iter().all(|n| n.status == "active"));
    assert!(held.iter().all(|n| n.carrier_number_id.is_some()));
    let orders = w.purchases.orders(w.pool_workspace.id).await.unwrap();
    assert_eq!(orders[0].status, OrderStatus::Success);
    assert_eq!(w.balance(w.pool_workspace.id), 655);
    // Nothing pending: another round checks nothing.
    let idle = w.purchases.sync_pending().await.unwrap();
    assert_eq!(idle.orders_checked, 0);
}

#[tokio::test]
async fn a_failed_pool_order_shows_the_reason_and_refunds_its_charge() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 1,
            outcome: OrderOutcome::Failure,
        },
    )
    .await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("702")), 2)
        .await;
    w.purchases
        .buy_from_pool(w.pool_workspace.id, &picked, false)
        .await
        .unwrap();
    assert_eq!(w.balance(w.pool_workspace.id), 770);
    let report = w.purchases.sync_pending().await.unwrap();
    let update = &report.updates[0];
    assert_eq!(update.status, OrderStatus::Failure);
    assert_eq!(update.failed.len(), 2);
    assert_eq!(update.refunded_credits, 230);
    let held = w.held(w.pool_workspace.id);
    assert!(held.iter().all(|n| n.status == "failed"));
    let orders = w.purchases.orders(w.pool_workspace.id).await.unwrap();
    assert!(orders[0].numbers.iter().all(|n| n.failure_reason.is_some()));
    assert_eq!(w.balance(w.pool_workspace.id), 1_000);
    assert_eq!(w.entries(w.pool_workspace.id, EntryKind::Refund).len(), 2);
    // Synced again: refunded once only.
    w.purchases.sync_pending().await.unwrap();
    assert_eq!(w.entries(w.pool_workspace.id, EntryKind::Refund).len(), 2);
    // A failed number can be bought again (it went back on sale).
    w.sandbox
        .faults()
        .set_order_completion(OrderCompletion::default());
    w.pick(w.pool_workspace.id, &local("US", Some("702")), 2)
        .await;
    let again = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked[..1], false)
        .await
        .unwrap();
    assert_eq!(again.numbers.len(), 1);
}

#[tokio::test]
async fn the_background_sync_completes_pending_orders_and_notifies_once() {
    let w = world_with(
        1_000,
        OrderCompletion::Time {
            millis: 300,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("503")), 2)
        .await;
    let purchase = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap();
    let notified = Arc::new(Mutex::new(Vec::new()));
    let cancel = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn({
        let (purchases, notified, cancel) = (w.purchases.clone(), notified.clone(), cancel.clone());
        async move {
            purchases
                .run_background_sync(Duration::from_millis(50), cancel, move |update| {
                    notified.lock().unwrap().push(update.clone());
                })
                .await;
        }
    });
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if w.held(w.pool_workspace.id)
            .iter()
            .all(|n| n.status == "active")
        {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    cancel.cancel();
    task.await.unwrap();
    assert!(w
        .held(w.pool_workspace.id)
        .iter()
        .all(|n| n.status == "active"));
    let notified = notified.lock().unwrap();
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert_eq!(notified[0].order_id, purchase.order_id);
    assert_eq!(notified[0].activated.len(), 2);
}

#[tokio::test]
async fn a_crash_between_the_journal_and_the_carrier_call_recovers_with_nothing_bought() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("212"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    // The purchase request never gets an answer; the process dies while it waits.
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::Hang { millis: 5_000 })
            .carrier(Carrier::Twilio)
            .method("POST"),
    );
    let task = tokio::spawn({
        let (purchases, id, e164) = (w.purchases.clone(), w.workspace.id, picked[0].clone());
        async move { purchases.buy(id, Some(connection), &e164).await }
    });
    while !w
        .sandbox
        .calls()
        .iter()
        .any(|c| c.outcome == CallOutcome::Hung)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    let _ = task.await;
    // The journal holds the credits until the purchase is settled.
    let summary = Billing::new(&w.core).summary(w.workspace.id).unwrap();
    assert_eq!((summary.on_hold, summary.available), (115, 885));

    // Restart on the same database file.
    let (reopened, purchases) = restart(&w, connection);
    let report = purchases.recover().await.unwrap();
    assert!(
        matches!(&report.recovered[..], [Recovered::NotBought { numbers, .. }] if numbers == &picked),
        "{report:?}"
    );
    assert_eq!(w.twilio_owns(&picked[0]), 0);
    let summary = Billing::new(&reopened).summary(w.workspace.id).unwrap();
    assert_eq!((summary.balance, summary.on_hold), (1_000, 0));
    let unfinished = reopened
        .store
        .read(|c| journal::unfinished(c, &[journal::PURCHASE]))
        .unwrap();
    assert!(unfinished.is_empty());
    // Nothing is left half-done: the number can be bought now, once.
    purchases.search(w.workspace.id, &query).await.unwrap();
    purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    assert_eq!(
        Billing::new(&reopened).balance(w.workspace.id).unwrap(),
        885
    );
}

#[tokio::test]
async fn a_purchase_the_carrier_made_but_could_not_confirm_is_recorded_once_after_a_restart() {
    let w = world(1_000).await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("415"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    // The purchase happens but its answer is lost, and the check cannot be made either.
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "POST", 1);
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 503 })
            .carrier(Carrier::Twilio)
            .method("GET")
            .times(Some(50)),
    );
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(
        matches!(error, PurchaseError::Unconfirmed { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("never buy or charge it twice"));
    let summary = Billing::new(&w.core).summary(w.workspace.id).unwrap();
    assert_eq!((summary.balance, summary.on_hold), (1_000, 115));
    // Buying it again meanwhile is refused: it is being bought.
    let error = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::InFlight(_)), "{error}");
    w.sandbox.faults().clear();

    let (reopened, purchases) = restart(&w, connection);
    let report = purchases.recover().await.unwrap();
    assert!(
        matches!(&report.recovered[..], [Recovered::Bought { .. }]),
        "{report:?}"
    );
    // Twice is harmless.
    assert!(purchases.recover().await.unwrap().recovered.is_empty());
    assert_eq!(w.twilio_owns(&picked[0]), 1);
    assert_eq!(w.purchase_posts(Carrier::Twilio), 1);
    let ledger = Billing::new(&reopened).ledger(w.workspace.id).unwrap();
    assert_eq!(
        ledger
            .iter()
            .filter(|e| e.kind == EntryKind::Purchase)
            .count(),
        1
    );
    let summary = Billing::new(&reopened).summary(w.workspace.id).unwrap();
    assert_eq!((summary.balance, summary.on_hold), (885, 0));
    let held = reopened
        .store
        .read(|c| numbers::list(c, w.workspace.id))
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, "active");
}

#[tokio::test]
async fn release_is_journalled_refunds_nothing_and_only_takes_active_purchases() {
    let w = world_with(
        1_000,
        OrderCompletion::Polls {
            polls: 5,
            outcome: OrderOutcome::Success,
        },
    )
    .await;
    let connection = w.connect_twilio().await;
    let mut query = local("US", Some("206"));
    query.connection_id = Some(connection);
    let picked = w.pick(w.workspace.id, &query, 1).await;
    let bought = w
        .purchases
        .buy(w.workspace.id, Some(connection), &picked[0])
        .await
        .unwrap();
    let id = bought.numbers[0].phone_number_id;
    // The release's answer is lost once; it is repeatable, so it completes.
    w.sandbox
        .faults()
        .drop_after_commit_next(Carrier::Twilio, "DELETE", 1);
    let release = w.purchases.release(w.workspace.id, id).await.unwrap();
    assert_eq!(release.refunded_credits, 0);
    assert_eq!(w.twilio_owns(&picked[0]), 0);
    assert_eq!(w.held(w.workspace.id)[0].status, "released");
    assert_eq!(w.balance(w.workspace.id), 885);
    assert!(w.entries(w.workspace.id, EntryKind::Refund).is_empty());
    let again = w.purchases.release(w.workspace.id, id).await.unwrap_err();
    assert!(again.to_string().contains("released already"), "{again}");
    // The audit log has the purchase and the release, once each, with the number.
    let log = numberdesk::flows::audit::AuditLog::new(&w.core)
        .query(
            w.workspace.id,
            &numberdesk::flows::audit::AuditFilter::default(),
        )
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.summary.as_str()))
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0].0, "release");
    assert!(actions[0].1.contains("Nothing was refunded"), "{actions:?}");
    assert_eq!(actions[1].0, "purchase");
    assert!(actions[1].1.contains("115 credits"), "{actions:?}");
    assert!(log.entries.iter().all(|e| e.number_count == 1));

    // A pending pool number cannot be released yet; another workspace cannot reach it.
    let pool_picked = w
        .pick(w.pool_workspace.id, &local("US", Some("212")), 1)
        .await;
    let pool = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &pool_picked, false)
        .await
        .unwrap();
    let pending_id = pool.numbers[0].phone_number_id;
    let error = w
        .purchases
        .release(w.pool_workspace.id, pending_id)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("still pending"), "{error}");
    let error = w
        .purchases
        .release(w.workspace.id, pending_id)
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NumberNotFound));
}

#[tokio::test]
async fn each_workspace_buys_only_through_its_own_flow() {
    let w = world(1_000).await;
    let picked = w
        .pick(w.pool_workspace.id, &local("US", Some("212")), 1)
        .await;
    let error = w
        .purchases
        .buy(w.pool_workspace.id, None, &picked[0])
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::UsesPool), "{error}");
    let error = w
        .purchases
        .buy_from_pool(w.workspace.id, &picked, true)
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NotPoolWorkspace), "{error}");
    let unconfigured = Purchases::new(Accounts::new(w.core.clone(), w.endpoints.clone(), fast()));
    let error = unconfigured
        .buy_from_pool(w.pool_workspace.id, &picked, true)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            PurchaseError::Account(AccountUnavailable::PoolNotConfigured)
        ),
        "{error}"
    );
    // A number never searched has no known price.
    let error = w
        .purchases
        .buy_from_pool(w.pool_workspace.id, &["+12125550000".to_string()], true)
        .await
        .unwrap_err();
    assert!(matches!(error, PurchaseError::NotInSearch(_)), "{error}");
    assert_eq!(w.pool_orders(), 0);
}

/// A restarted core keeps the keyring; the in-memory one of the test has to be carried over.
/// The app started again on the same database file (a fresh secret store holding the
/// connection's credentials, as the keyring would) with a fresh `Purchases` and no pool account.
fn restart(w: &World, connection: i64) -> (Arc<Context>, Purchases) {
    let reopened = Arc::new(open_core_with_clock(
        &w.dir,
        Arc::new(MemorySecretStore::new(Redactor::new())),
        w.clock.clone(),
    ));
    let key = numberdesk::secrets::SecretKey::new(w.workspace.id, connection);
    let secret = w.core.secrets.get(key).unwrap().unwrap();
    reopened.secrets.put(key, &secret).unwrap();
    let purchases = Purchases::new(Accounts::new(reopened.clone(), w.endpoints.clone(), fast()));
    (reopened, purchases)
}
