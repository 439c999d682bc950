//! Managing owned numbers through the core, against the carrier sandbox over real HTTP and a real
//! SQLite file: the table's query layer and CSV, agents, Twilio inbound regions, sync (Missing and
//! drift), disconnect (with its failures), diagnostics and the audit log.

mod agents;
mod audit;
mod diagnostics;
mod disconnect;
mod regions;
mod sync;
mod table;

use numberdesk::domain::ids::{ConnectionId, PhoneNumberId};
use std::sync::Arc;
use std::time::Duration;

use numberdesk::app::context::Context;
use numberdesk::carriers::account::{CarrierAccount, CarrierEndpoints};
use numberdesk::carriers::{ClientOptions, OwnedNumber, Routing};
use numberdesk::flows::accounts::Accounts;
use numberdesk::flows::audit::{AuditAction, AuditFilter, AuditLog};
use numberdesk::flows::connect::{self, ConnectForm};
use numberdesk::flows::import::{ImportRegistry, Importer, WebhookMode};
use numberdesk::flows::manage::table::{NumberFilter, NumberQuery, NumbersTable, Sort};
use numberdesk::flows::workspaces::Workspace;
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use numberdesk::secrets::{MemorySecretStore, SecretStore, Sensitive};
use numberdesk::store::connections::ConnectionRow;

use crate::support::{input, open_core_with, TestDir};

fn fast() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_millis(1_500),
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(200),
        retry_after_cap: Duration::from_millis(300),
        deadline: Duration::from_secs(30),
        ..ClientOptions::default()
    }
}

struct World {
    sandbox: SandboxHandle,
    _dir: TestDir,
    core: Arc<Context>,
    workspace: Workspace,
    endpoints: CarrierEndpoints,
    memory: Option<Arc<MemorySecretStore>>,
}

async fn world_with(owned: usize, secrets: Arc<dyn SecretStore>) -> World {
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        seed: 11,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = TestDir::new();
    let core = Arc::new(open_core_with(&dir, secrets));
    let workspace = core.workspaces().create(&input("Acme")).unwrap();
    let endpoints = CarrierEndpoints::from(sandbox.base_urls());
    World {
        sandbox,
        _dir: dir,
        core,
        workspace,
        endpoints,
        memory: None,
    }
}

async fn world(owned: usize) -> World {
    let memory = Arc::new(MemorySecretStore::new(Redactor::new()));
    let mut w = world_with(owned, memory.clone()).await;
    w.memory = Some(memory);
    w
}

struct Connected {
    row: ConnectionRow,
    account: Arc<CarrierAccount>,
    listed: Vec<OwnedNumber>,
}

impl World {
    /// Disconnects `connection` through the flow, with nothing being bought through it.
    pub async fn disconnect(
        &self,
        connection: ConnectionId,
        restore: bool,
    ) -> Result<
        numberdesk::flows::disconnect::DisconnectReport,
        numberdesk::flows::disconnect::DisconnectError,
    > {
        numberdesk::flows::disconnect::disconnect(
            &self.accounts(),
            self.workspace.id,
            connection,
            restore,
            numberdesk::flows::purchase::Unsettled::default(),
            false,
        )
        .await
    }

    fn twilio_form(&self) -> ConnectForm {
        let account = &self.sandbox.twilio_accounts()[0];
        ConnectForm {
            carrier: "twilio".into(),
            name: "Main Twilio".into(),
            twilio_account_sid: Some(account.account_sid.clone()),
            twilio_auth_token: Some(Sensitive::new(account.auth_token.clone())),
            ..ConnectForm::default()
        }
    }

    fn telnyx_form(&self) -> ConnectForm {
        let account = &self.sandbox.telnyx_accounts()[0];
        ConnectForm {
            carrier: "telnyx".into(),
            name: "Main Telnyx".into(),
            telnyx_api_key: Some(Sensitive::new(account.api_key.clone())),
            texml_connection_id: Some(account.texml_application_id.clone()),
            ..ConnectForm::default()
        }
    }

    fn open_account(&self, form: &ConnectForm) -> CarrierAccount {
        let credentials = connect::credentials_from(form).unwrap();
        CarrierAccount::open(&credentials, &self.endpoints, fast()).unwrap()
    }

    /// Connects, then imports the first `count` numbers of the account in `mode`.
    async fn connect_and_import(
        &self,
        form: &ConnectForm,
        count: usize,
        mode: WebhookMode,
    ) -> Connected {
        let account = self.open_account(form);
        let row = connect::connect(&self.core, &self.workspace, form, &account)
            .await
            .unwrap();
        let account = Arc::new(account);
        let listed = account.list_numbers(&mut |_| {}).await.unwrap();
        let selected: Vec<String> = listed
            .iter()
            .take(count)
            .map(|n| n.e164.to_string())
            .collect();
        let importer = Importer::new(self.core.clone(), ImportRegistry::default());
        let id = importer
            .start(self.workspace.id, row.id, &listed, &selected, mode)
            .unwrap();
        let progress = importer.run(id, account.clone()).await.unwrap();
        assert_eq!((progress.done, progress.failed), (count as i64, 0));
        Connected {
            row,
            account,
            listed,
        }
    }

    /// Adds the sandbox account's API key made in `region` to `connection`.
    async fn add_regional_key(
        &self,
        accounts: &Accounts,
        connection: numberdesk::domain::ids::ConnectionId,
        region: &str,
    ) {
        let key = self.sandbox.twilio_accounts()[0]
            .regional_key(region)
            .expect("a seeded regional key")
            .clone();
        numberdesk::flows::manage::regions::add_regional_key(
            accounts,
            self.workspace.id,
            connection,
            region,
            &key.key_sid,
            Sensitive::new(key.key_secret),
        )
        .await
        .unwrap();
    }

    fn accounts(&self) -> Accounts {
        Accounts::new(self.core.clone(), self.endpoints.clone(), fast())
    }

    fn table(&self) -> NumbersTable<'_> {
        NumbersTable::new(&self.core)
    }

    fn all(
        &self,
        filter: NumberFilter,
        sort: Sort,
    ) -> Vec<numberdesk::flows::manage::table::TableRow> {
        self.table()
            .page(
                self.workspace.id,
                &NumberQuery {
                    filter,
                    sort,
                    offset: 0,
                    limit: 1_000,
                },
            )
            .unwrap()
            .rows
    }

    fn id_of(&self, e164: &str) -> PhoneNumberId {
        self.all(NumberFilter::default(), Sort::default())
            .into_iter()
            .find(|r| r.e164 == e164)
            .unwrap()
            .id
    }

    fn audit(&self, action: AuditAction) -> Vec<numberdesk::flows::audit::AuditEntry> {
        AuditLog::new(&self.core)
            .query(
                self.workspace.id,
                &AuditFilter {
                    actions: vec![action],
                    ..AuditFilter::default()
                },
            )
            .unwrap()
            .entries
    }

    fn secret_count(&self) -> usize {
        self.memory.as_ref().map_or(0, |m| m.len())
    }

    fn connection_exists(&self, id: ConnectionId) -> bool {
        numberdesk::flows::connect::connections::Connections::new(&self.core)
            .get(self.workspace.id, id)
            .is_ok()
    }
}

fn twilio_routing(number: &OwnedNumber) -> numberdesk::carriers::TwilioRouting {
    match &number.routing {
        Routing::Twilio(routing) => routing.clone(),
        Routing::Telnyx(_) => panic!("expected a Twilio number"),
    }
}

fn twilio_client(account: &CarrierAccount) -> &numberdesk::carriers::TwilioClient {
    match account {
        CarrierAccount::Twilio(client) => client,
        CarrierAccount::Telnyx(_) => panic!("expected Twilio"),
    }
}
