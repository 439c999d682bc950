//! Searching and buying numbers end to end through the core: the marketplace (a workspace's own
//! Twilio or Telnyx account) and the number pool (the agency's Telnyx account), order sync,
//! release, and the never-buy-twice guarantees, against the carrier sandbox over real HTTP and a
//! real SQLite file.

mod marketplace;
mod pool;
mod recovery;
mod regulated;
mod release;
mod search;

use numberdesk::domain::ids::{ConnectionId, WorkspaceId};
use std::sync::Arc;
use std::time::Duration;

use numberdesk::app::context::Context;
use numberdesk::carriers::account::{CarrierAccount, CarrierEndpoints};
use numberdesk::carriers::{ClientOptions, Features, NumberType};
use numberdesk::clock::ManualClock;
use numberdesk::flows::accounts::Accounts;
use numberdesk::flows::billing::{Billing, EntryKind};
use numberdesk::flows::connect::{self, ConnectForm};
use numberdesk::flows::purchase::{PoolAccount, Purchases, SearchQuery};
use numberdesk::flows::workspaces::{Workspace, WorkspaceInput};
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{Carrier, OrderCompletion, Sandbox, SandboxConfig, SandboxHandle};
use numberdesk::secrets::{MemorySecretStore, Sensitive};
use numberdesk::store::numbers;

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
    world_on(
        allowance,
        SandboxConfig {
            order_completion: completion,
            ..SandboxConfig::default()
        },
    )
    .await
}

/// A world on a sandbox set up as `config` says (its seed and stock are the world's own).
pub async fn world_on(allowance: i64, config: SandboxConfig) -> World {
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: 3,
        seed: 11,
        ..config
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
    pub async fn connect_twilio(&self) -> ConnectionId {
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

    pub async fn connect_telnyx(&self) -> ConnectionId {
        let account = self.sandbox.telnyx_accounts()[0].clone();
        self.connect_telnyx_account(&account).await
    }

    /// Connects this sandbox Telnyx account to the marketplace workspace.
    pub async fn connect_telnyx_account(
        &self,
        account: &numberdesk::sandbox::TelnyxAccountInfo,
    ) -> ConnectionId {
        let form = ConnectForm {
            carrier: "telnyx".into(),
            name: "Main Telnyx".into(),
            telnyx_api_key: Some(Sensitive::new(account.api_key.clone())),
            texml_connection_id: Some(account.texml_application_id.clone()),
            ..ConnectForm::default()
        };
        self.connect(form).await
    }

    /// Connects the sandbox's Twilio trial account, which owns one number already.
    pub async fn connect_twilio_trial(&self) -> ConnectionId {
        let account = self.sandbox.twilio_trial_account().expect("seeded").clone();
        let form = ConnectForm {
            carrier: "twilio".into(),
            name: "Trial Twilio".into(),
            twilio_account_sid: Some(account.account_sid.clone()),
            twilio_auth_token: Some(Sensitive::new(account.auth_token.clone())),
            ..ConnectForm::default()
        };
        let credentials = connect::credentials_from(&form).unwrap();
        let carrier = CarrierAccount::open(&credentials, &self.endpoints, fast()).unwrap();
        let info = connect::validate(&carrier).await.unwrap();
        assert_eq!(
            info.trial,
            Some(true),
            "the connect step says it is a trial"
        );
        self.connect(form).await
    }

    async fn connect(&self, form: ConnectForm) -> ConnectionId {
        let credentials = connect::credentials_from(&form).unwrap();
        let account = CarrierAccount::open(&credentials, &self.endpoints, fast()).unwrap();
        connect::connect(&self.core, &self.workspace, &form, &account)
            .await
            .unwrap()
            .id
    }

    pub fn balance(&self, workspace_id: WorkspaceId) -> i64 {
        Billing::new(&self.core).balance(workspace_id).unwrap()
    }

    pub fn entries(
        &self,
        workspace_id: WorkspaceId,
        kind: EntryKind,
    ) -> Vec<(i64, Option<String>)> {
        Billing::new(&self.core)
            .ledger(workspace_id)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| (e.amount, e.e164))
            .collect()
    }

    pub fn held(&self, workspace_id: WorkspaceId) -> Vec<numbers::NumberRow> {
        self.core
            .store
            .read(|c| numbers::list(c, workspace_id))
            .unwrap()
    }

    /// A refused purchase of `e164` left nothing behind: the balance as it was, nothing on
    /// hold, no record of the number, and the carrier does not have it.
    pub fn assert_nothing_kept(&self, e164: &str, balance: i64) {
        assert_eq!(self.balance(self.workspace.id), balance, "no credits taken");
        assert!(
            self.held(self.workspace.id).is_empty(),
            "nothing left on hold"
        );
        assert_eq!(self.twilio_owns(e164), 0);
        let stored = self
            .core
            .store
            .read(|c| numbers::list(c, self.workspace.id))
            .unwrap();
        assert!(
            stored.iter().all(|n| n.e164 != e164),
            "no record of the refused number"
        );
    }

    /// The bodies of the POSTs the sandbox received to paths ending in `suffix`.
    pub fn post_bodies(&self, suffix: &str) -> Vec<String> {
        self.sandbox
            .calls()
            .into_iter()
            .filter(|c| c.method == "POST" && c.path.ends_with(suffix))
            .map(|c| c.body)
            .collect()
    }

    /// Every request NumberDesk sent was one the carriers' specs allow.
    pub fn assert_no_violations(&self) {
        let violations = self.sandbox.violations();
        assert!(violations.is_empty(), "{violations:?}");
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
    pub async fn pick(
        &self,
        workspace_id: WorkspaceId,
        query: &SearchQuery,
        count: usize,
    ) -> Vec<String> {
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
            .map(|o| o.e164.to_string())
            .collect()
    }
}
