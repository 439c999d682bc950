//! The App with no window: every flow through the same calls the Tauri commands and the CLI make,
//! against the carrier sandbox over loopback, a real SQLite file and (where a second process
//! must read them) the real keyring.

use numberdesk::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use numberdesk::domain::kinds::NumberStatus;
use std::sync::Arc;
use std::time::Duration;

use numberdesk::app::context::Paths;
use numberdesk::app::PoolSettingsError;
use numberdesk::app::{App, AppConfig, AppEvent};
use numberdesk::carriers::account::CarrierEndpoints;
use numberdesk::carriers::{ClientOptions, Features, NumberType};
use numberdesk::domain::failure::{ErrorKind, UserError};
use numberdesk::flows::audit::{AuditAction, AuditFilter};
use numberdesk::flows::connect::ConnectForm;
use numberdesk::flows::disconnect::DisconnectError;
use numberdesk::flows::import::{ImportRegistry, ImportState, Importer, WebhookMode};
use numberdesk::flows::manage::table::{NumberFilter, NumberQuery, Sort};
use numberdesk::flows::purchase::PurchaseError;
use numberdesk::flows::purchase::SearchQuery;
use numberdesk::flows::workspaces::{Workspace, WorkspaceError, WorkspaceInput};
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{
    Carrier, FaultKind, FaultRule, OrderCompletion, OrderOutcome, Sandbox, SandboxConfig,
    SandboxHandle,
};
use numberdesk::secrets::{MemorySecretStore, SecretStore, Sensitive};

use crate::support::{input, TestDir};

pub fn fast() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_millis(1_500),
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(200),
        retry_after_cap: Duration::from_millis(300),
        deadline: Duration::from_secs(30),
        ..ClientOptions::default()
    }
}

/// A sandbox standing in for the real carriers, a data folder, and the App opened on both.
pub struct AppWorld {
    pub sandbox: SandboxHandle,
    pub dir: TestDir,
    pub app: App,
}

pub async fn app_world(owned: usize, secrets: Arc<dyn SecretStore>) -> AppWorld {
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        seed: 23,
        order_completion: OrderCompletion::Polls {
            polls: 1,
            outcome: OrderOutcome::Success,
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = TestDir::new();
    let app = open_app(&dir, secrets, &sandbox, Duration::from_secs(30));
    AppWorld { sandbox, dir, app }
}

pub fn open_app(
    dir: &TestDir,
    secrets: Arc<dyn SecretStore>,
    sandbox: &SandboxHandle,
    order_sync_every: Duration,
) -> App {
    App::open(AppConfig {
        paths: Paths::under(dir.path()),
        secrets,
        clock: crate::support::clock(),
        redactor: Redactor::new(),
        endpoints: CarrierEndpoints::from(sandbox.base_urls()),
        client_options: fast(),
        order_sync_every,
    })
    .unwrap()
}

pub fn memory() -> Arc<dyn SecretStore> {
    Arc::new(MemorySecretStore::new(Redactor::new()))
}

impl AppWorld {
    /// Adds the first Twilio account's API key made in ie1 to `connection`, as the window does
    /// the first time a number moves there.
    pub async fn add_ie1_key(&self, workspace: WorkspaceId, connection: ConnectionId) {
        let key = self.sandbox.twilio_accounts()[0]
            .regional_key("ie1")
            .expect("a seeded ie1 key")
            .clone();
        self.app
            .carriers()
            .add_regional_key(
                workspace,
                connection,
                "ie1",
                &key.key_sid,
                Sensitive::new(key.key_secret),
            )
            .await
            .unwrap();
    }

    pub fn twilio_form(&self) -> ConnectForm {
        let account = &self.sandbox.twilio_accounts()[0];
        ConnectForm {
            carrier: "twilio".into(),
            name: "Main Twilio".into(),
            twilio_account_sid: Some(account.account_sid.clone()),
            twilio_auth_token: Some(Sensitive::new(account.auth_token.clone())),
            ..ConnectForm::default()
        }
    }

    /// The first US local number a search offers `workspace` (through `connection`, or from
    /// the pool).
    pub async fn first_local_offer(
        &self,
        workspace: WorkspaceId,
        connection: Option<ConnectionId>,
    ) -> String {
        self.first_offer_in(workspace, connection, "US").await
    }

    /// The first local number on sale in `country`.
    pub async fn first_offer_in(
        &self,
        workspace: WorkspaceId,
        connection: Option<ConnectionId>,
        country: &str,
    ) -> String {
        let query = SearchQuery {
            country: country.into(),
            types: vec![NumberType::Local],
            connection_id: connection,
            ..SearchQuery::default()
        };
        let results = self
            .app
            .purchases()
            .search(workspace, &query)
            .await
            .unwrap();
        results.offers[0].e164.to_string()
    }

    pub async fn workspace(&self, input: WorkspaceInput) -> Workspace {
        self.app.workspaces().create(input).await.unwrap()
    }

    /// Connects the sandbox's first Twilio account to `workspace`; its id and the numbers the
    /// import step lists.
    pub async fn connect_twilio(
        &self,
        workspace: WorkspaceId,
    ) -> (ConnectionId, Vec<numberdesk::carriers::OwnedNumber>) {
        let connection = self
            .app
            .workspaces()
            .connect(workspace, self.twilio_form())
            .await
            .unwrap();
        let listed = self
            .app
            .imports()
            .list_importable(workspace, connection.id)
            .await
            .unwrap();
        (
            connection.id,
            listed.numbers.into_iter().map(|c| c.number).collect(),
        )
    }

    /// Connects the sandbox's first Twilio account and imports `count` of its numbers.
    pub async fn import_twilio(
        &self,
        workspace: WorkspaceId,
        count: usize,
        mode: WebhookMode,
    ) -> ConnectionId {
        let (connection, listed) = self.connect_twilio(workspace).await;
        let chosen: Vec<String> = listed
            .iter()
            .take(count)
            .map(|n| n.e164.to_string())
            .collect();
        let id = self
            .app
            .imports()
            .start(workspace, connection, chosen, mode)
            .await
            .unwrap();
        let last = self.app.imports().watch(id, |_| true).await.unwrap();
        assert_eq!(
            (last.state, last.done, last.failed),
            (ImportState::Finished, count as i64, 0),
            "{last:?}"
        );
        connection
    }

    pub async fn numbers(&self, workspace: WorkspaceId, filter: NumberFilter) -> Vec<String> {
        let page = self
            .app
            .numbers()
            .page(
                workspace,
                NumberQuery {
                    filter,
                    limit: 1_000,
                    ..NumberQuery::default()
                },
            )
            .await
            .unwrap();
        page.rows.into_iter().map(|r| r.e164).collect()
    }
}

/// Starts the App's background tasks; what they tell the shells arrives here.
fn background_events(app: &App) -> tokio::sync::mpsc::UnboundedReceiver<AppEvent> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    app.start_background(move |event| {
        let _ = tx.send(event);
    });
    rx
}

/// The next event, which `what` says must come (the sandbox answers in milliseconds; the bound
/// only keeps a broken build from hanging).
async fn next_event(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<AppEvent>,
    what: &str,
) -> AppEvent {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .unwrap_or_else(|_| panic!("{what}"))
        .expect("the background tasks are running")
}

fn pool_input(name: &str) -> WorkspaceInput {
    WorkspaceInput {
        plan: "unlimited".into(),
        flags: vec!["flex_phone_self-serve".into()],
        monthly_credit_allowance: 5_000,
        ..input(name)
    }
}

#[tokio::test]
async fn workspaces_are_created_listed_renamed_and_deleted_with_their_credentials() {
    let secrets = Arc::new(MemorySecretStore::new(Redactor::new()));
    let w = app_world(4, secrets.clone()).await;
    let acme = w.workspace(input("Acme")).await;
    let beta = w.workspace(input("Beta")).await;
    w.import_twilio(acme.id, 1, WebhookMode::OutboundOnly).await;
    assert_eq!(secrets.len(), 1);

    let session = w.app.workspaces().session(Some(beta.id)).await.unwrap();
    assert_eq!(session.current, Some(beta.id));
    assert_eq!(session.workspaces.len(), 2);
    let renamed = w
        .app
        .workspaces()
        .rename(beta.id, "Beta Clinic".into())
        .await
        .unwrap();
    assert_eq!(renamed.name, "Beta Clinic");
    let taken = w
        .app
        .workspaces()
        .rename(beta.id, "acme".into())
        .await
        .unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::Conflict);
    assert!(taken.user_message().contains("already exists"), "{taken}");

    w.app.workspaces().delete(acme.id).await.unwrap();
    // The deleted workspace's keyring entry went with it; the one it remembered falls back.
    assert_eq!(secrets.len(), 0);
    let session = w.app.workspaces().session(Some(acme.id)).await.unwrap();
    assert_eq!(session.current, Some(beta.id));
}

#[tokio::test]
async fn an_import_through_the_app_previews_changes_records_numbers_and_refuses_bad_input() {
    let w = app_world(6, memory()).await;
    let acme = w.workspace(input("Acme")).await;
    let (connection, listed) = w.connect_twilio(acme.id).await;
    assert_eq!(listed.len(), 6);
    let picked: Vec<String> = listed[..3].iter().map(|n| n.e164.to_string()).collect();
    let preview = w
        .app
        .imports()
        .preview(acme.id, connection, &picked, WebhookMode::Managed)
        .await
        .unwrap();
    assert_eq!(preview.len(), 3);
    assert!(preview
        .iter()
        .all(|p| p.changes.iter().any(|c| c.field == "voice_url")));

    let refused = numberdesk::flows::import::mode("webhooks-please").unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);

    let id = w
        .app
        .imports()
        .start(acme.id, connection, picked.clone(), WebhookMode::Managed)
        .await
        .unwrap();
    let mut seen = Vec::new();
    let last = w
        .app
        .imports()
        .watch(id, |p| {
            seen.push(p.done);
            true
        })
        .await
        .unwrap();
    assert_eq!((last.state, last.done), (ImportState::Finished, 3));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let mut held = w.numbers(acme.id, NumberFilter::default()).await;
    held.sort();
    let mut wanted = picked.clone();
    wanted.sort();
    assert_eq!(held, wanted);

    // The same numbers again: refused as a whole, nothing journalled.
    let again = w
        .app
        .imports()
        .start(acme.id, connection, picked, WebhookMode::Managed)
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::InvalidInput);
    assert_eq!(w.app.imports().list(acme.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_number_pool_is_set_up_bought_from_and_processed_through_the_app() {
    let w = app_world(3, memory()).await;
    let pool_ws = w.workspace(pool_input("Agency client")).await;
    let agency = w.sandbox.telnyx_accounts()[1].clone();

    // Not set up yet: the sentence says where to set it up.
    let query = SearchQuery {
        country: "US".into(),
        area_code: Some("212".into()),
        types: vec![NumberType::Local],
        features: Features {
            voice: true,
            ..Features::default()
        },
        ..SearchQuery::default()
    };
    let error = w
        .app
        .purchases()
        .search(pool_ws.id, &query)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.user_message().contains("Settings"), "{error}");

    // A Connection ID that is not a TeXML application of the account saves nothing.
    let wrong = w
        .app
        .pool()
        .save(agency.api_key.clone(), Some("1234567890".into()), None)
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::InvalidInput);
    assert!(!w.app.pool().get().await.unwrap().configured);

    let setup = w
        .app
        .pool()
        .save(
            format!("  {}  ", agency.api_key),
            Some(agency.texml_application_id.clone()),
            Some(agency.messaging_profile_id.clone()),
        )
        .await
        .unwrap();
    assert!(setup.configured);
    assert_eq!(
        setup.texml_connection_id,
        Some(agency.texml_application_id.clone())
    );

    let results = w.app.purchases().search(pool_ws.id, &query).await.unwrap();
    let picked: Vec<String> = results.offers[..2]
        .iter()
        .map(|o| o.e164.to_string())
        .collect();
    let bought = w
        .app
        .purchases()
        .buy_from_pool(pool_ws.id, &picked, true)
        .await
        .unwrap();
    assert!(bought.charged_credits > 0);
    let pending = NumberFilter {
        statuses: vec![NumberStatus::Pending],
        ..NumberFilter::default()
    };
    assert_eq!(w.numbers(pool_ws.id, pending.clone()).await.len(), 2);
    let report = w.app.purchases().process(pool_ws.id, None).await.unwrap();
    assert_eq!(report.updates.len(), 1, "{report:?}");
    assert!(w.numbers(pool_ws.id, pending).await.is_empty());

    // The ids are in the database and the key in the keyring: a restarted App finds them.
    let reopened = open_app(
        &w.dir,
        w.app.context().secrets.clone(),
        &w.sandbox,
        Duration::from_secs(30),
    );
    reopened.pool().load().await;
    let setup = reopened.pool().get().await.unwrap();
    assert!(setup.configured);
    assert_eq!(
        setup.messaging_profile_id,
        Some(agency.messaging_profile_id)
    );
    reopened.pool().clear().await.unwrap();
    assert!(!reopened.pool().get().await.unwrap().configured);
}

#[tokio::test]
async fn managing_numbers_through_the_app_agents_table_export_sync_region_check_disconnect() {
    let w = app_world(5, memory()).await;
    let acme = w.workspace(input("Acme")).await;
    let connection = w.import_twilio(acme.id, 4, WebhookMode::Managed).await;
    let page = w
        .app
        .numbers()
        .page(acme.id, NumberQuery::default())
        .await
        .unwrap();
    let ids: Vec<PhoneNumberId> = page.rows.iter().map(|r| r.id).collect();

    let agent = w
        .app
        .agents()
        .create(acme.id, "Front desk".into())
        .await
        .unwrap();
    let assigned = w
        .app
        .agents()
        .assign(acme.id, ids[..2].to_vec(), "inbound", Some(agent.id))
        .await
        .unwrap();
    assert_eq!(assigned.changed.len(), 2, "{assigned:?}");
    let slot = w
        .app
        .agents()
        .assign(acme.id, ids.clone(), "lunch", Some(agent.id))
        .await
        .unwrap_err();
    assert_eq!(slot.kind(), ErrorKind::InvalidInput);

    let file = w
        .app
        .numbers()
        .export_to_dir(
            acme.id,
            NumberFilter::default(),
            Sort::default(),
            &w.dir.path().join("exports"),
        )
        .await
        .unwrap();
    assert_eq!(file.count, 4);
    let csv = std::fs::read_to_string(&file.path).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");

    let sync = w.app.carriers().sync(acme.id, None).await.unwrap();
    assert_eq!(sync.reports.len(), 1);
    assert_eq!(sync.reports[0].checked, 4);
    assert!(sync.errors.is_empty());
    let gone = w
        .app
        .carriers()
        .sync(acme.id, Some(ConnectionId(connection.get() + 100)))
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);

    w.add_ie1_key(acme.id, connection).await;
    let moved = w
        .app
        .carriers()
        .set_inbound_region(acme.id, &ids[..1], "ie1")
        .await
        .unwrap();
    assert_eq!(moved.changed.len(), 1, "{moved:?}");
    let diagnosis = w
        .app
        .carriers()
        .check_number(acme.id, ids[0])
        .await
        .unwrap();
    assert!(diagnosis
        .results
        .iter()
        .any(|r| r.id == "credentials_valid"));
    // The moved number is configured in ie1, where its calls are now processed.
    let in_region = diagnosis
        .results
        .iter()
        .find(|r| r.id == "region_configuration")
        .expect("the region check");
    assert_eq!(
        in_region.status,
        numberdesk::flows::manage::diagnostics::CheckStatus::Ok,
        "{in_region:?}"
    );
    assert!(in_region.detail.contains("ie1"), "{in_region:?}");

    let preview = w
        .app
        .carriers()
        .preview_disconnect(acme.id, connection)
        .await
        .unwrap();
    assert_eq!((preview.number_count, preview.restorable), (4, 4));
    let report = w
        .app
        .carriers()
        .disconnect(acme.id, connection, true, false)
        .await
        .unwrap();
    assert_eq!((report.removed_numbers, report.restored.len()), (4, 4));
    assert!(w.numbers(acme.id, NumberFilter::default()).await.is_empty());

    let log = w
        .app
        .audit()
        .query(acme.id, AuditFilter::default())
        .await
        .unwrap();
    for action in [
        AuditAction::Import,
        AuditAction::Sync,
        AuditAction::Disconnect,
    ] {
        assert!(
            log.entries.iter().any(|e| e.action == action.as_str()),
            "no {action:?} in {:?}",
            log.entries.iter().map(|e| &e.action).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn sandbox_mode_starts_the_sandbox_when_needed_and_stops_it_when_turned_off() {
    let dir = TestDir::new();
    // The App's own sandbox is what it uses here; this one only provides "real" endpoints that
    // nothing in the test calls.
    let unused = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = open_app(&dir, memory(), &unused, Duration::from_secs(30));
    assert!(!app.sandbox().is_running().await);
    let workspace = app.sandbox().enable().await.unwrap();
    assert!(workspace.is_sandbox && app.sandbox().is_running().await);
    let connections = app.workspaces().connections(workspace.id).await.unwrap();
    assert_eq!(connections.len(), 2);
    assert!(connections.iter().all(|c| c.connection.is_sandbox));

    // Stopped under a sandbox connection: the next call starts it again through the router.
    app.shutdown().await;
    assert!(!app.sandbox().is_running().await);
    let listed = app
        .imports()
        .list_importable(workspace.id, connections[0].connection.id)
        .await
        .unwrap();
    assert!(!listed.numbers.is_empty());
    assert!(app.sandbox().is_running().await);
    // It buys from the sandbox's own pool, with nothing set up.
    let orders = app.purchases().orders(workspace.id).await.unwrap();
    assert!(orders.is_empty());

    app.sandbox().disable().await.unwrap();
    assert!(!app.sandbox().is_running().await);
    assert!(app.workspaces().list().await.unwrap().is_empty());
}

/// The start's restore and the user's switch can turn Sandbox mode on at the same moment (the
/// background test below met it as `NameTaken("Twilio (sandbox)")` now and then).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sandbox_mode_turned_on_twice_at_once_makes_one_workspace() {
    let unused = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for _ in 0..8 {
        let dir = TestDir::new();
        let app = open_app(&dir, memory(), &unused, Duration::from_secs(30));
        let (one, other) = (app.sandbox(), app.sandbox());
        let (first, second) = tokio::join!(one.enable(), other.enable());
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(first.id, second.id);
        let workspaces = app.workspaces().list().await.unwrap();
        assert_eq!(workspaces.len(), 1, "{workspaces:?}");
        let connections = app.workspaces().connections(first.id).await.unwrap();
        assert_eq!(connections.len(), 2);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn the_background_sync_completes_a_pool_order_and_says_so() {
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: 1,
        seed: 23,
        order_completion: OrderCompletion::Polls {
            polls: 1,
            outcome: OrderOutcome::Success,
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = TestDir::new();
    let app = open_app(&dir, memory(), &sandbox, Duration::from_millis(50));
    let agency = &sandbox.telnyx_accounts()[1];
    app.pool()
        .save(
            agency.api_key.clone(),
            Some(agency.texml_application_id.clone()),
            None,
        )
        .await
        .unwrap();
    let workspace = app
        .workspaces()
        .create(pool_input("Agency client"))
        .await
        .unwrap();
    let query = SearchQuery {
        country: "US".into(),
        types: vec![NumberType::Local],
        ..SearchQuery::default()
    };
    let offers = app
        .purchases()
        .search(workspace.id, &query)
        .await
        .unwrap()
        .offers;
    let bought = app
        .purchases()
        .buy_from_pool(workspace.id, &[offers[0].e164.to_string()], false)
        .await
        .unwrap();

    let mut events = background_events(&app);
    let event = next_event(&mut events, "the background sync reports the order").await;
    let AppEvent::OrderFinished(update) = event else {
        panic!("expected the order to finish first: {event:?}")
    };
    assert_eq!(update.order_id, bought.order_id);
    assert_eq!(update.activated, vec![offers[0].e164.to_string()]);
    app.shutdown().await;
}

#[tokio::test]
async fn in_sandbox_mode_the_background_sync_completes_a_pool_order() {
    let dir = TestDir::new();
    let unused = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = open_app(&dir, memory(), &unused, Duration::from_millis(50));
    let mut events = background_events(&app);
    let workspace = app.sandbox().enable().await.unwrap();
    let query = SearchQuery {
        country: "US".into(),
        types: vec![NumberType::Local],
        ..SearchQuery::default()
    };
    let offers = app
        .purchases()
        .search(workspace.id, &query)
        .await
        .unwrap()
        .offers;
    let picked: Vec<String> = offers[..2].iter().map(|o| o.e164.to_string()).collect();
    let bought = app
        .purchases()
        .buy_from_pool(workspace.id, &picked, true)
        .await
        .unwrap();
    let event = next_event(&mut events, "the background sync reports the order").await;
    let AppEvent::OrderFinished(update) = event else {
        panic!("expected the order to finish first: {event:?}")
    };
    assert_eq!(update.order_id, bought.order_id);
    assert_eq!(update.activated.len(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn an_import_left_running_resumes_in_the_background_and_says_when_it_ends() {
    let w = app_world(5, memory()).await;
    let acme = w.workspace(input("Acme")).await;
    let (connection, listed) = w.connect_twilio(acme.id).await;
    let picked: Vec<String> = listed[..4].iter().map(|n| n.e164.to_string()).collect();
    // Journalled and never run, as an app closed right after the user started it leaves it.
    let importer = Importer::new(w.app.context().clone(), ImportRegistry::default());
    let import_id = importer
        .start(acme.id, connection, &listed, &picked, WebhookMode::Managed)
        .unwrap();
    assert!(w.numbers(acme.id, NumberFilter::default()).await.is_empty());

    let mut events = background_events(&w.app);
    let event = next_event(&mut events, "the resumed import reports its end").await;
    let AppEvent::ImportFinished(done) = event else {
        panic!("expected the import to finish: {event:?}")
    };
    assert_eq!(
        (
            done.import_id,
            done.workspace_id,
            done.state,
            done.done,
            done.failed
        ),
        (import_id, acme.id, ImportState::Finished, 4, 0)
    );
    let mut held = w.numbers(acme.id, NumberFilter::default()).await;
    held.sort();
    let mut wanted = picked;
    wanted.sort();
    assert_eq!(
        held, wanted,
        "the numbers are in the table when the event arrives"
    );
    w.app.shutdown().await;
}

#[tokio::test]
async fn credentials_typed_in_the_connect_form_are_redacted_from_logs_before_the_first_call() {
    let w = app_world(1, memory()).await;
    let acme = w.workspace(input("Acme")).await;
    let typed = "0123456789abcdef0123456789abcdef";
    let redactor = &w.app.context().redactor;
    assert!(
        redactor.redact(typed).contains(typed),
        "known before it was typed"
    );
    let form = ConnectForm {
        twilio_auth_token: Some(Sensitive::new(typed.to_owned())),
        ..w.twilio_form()
    };
    // Twilio refuses it, and nothing is saved; still, no log line may carry it.
    let refused = w
        .app
        .workspaces()
        .validate_connection(acme.id, form)
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Carrier, "{refused}");
    let line = format!("twilio replied 401 for token {typed}");
    assert!(
        !redactor.redact(&line).contains(typed),
        "{}",
        redactor.redact(&line)
    );
}

#[tokio::test]
async fn an_import_is_watched_and_cancelled_only_from_its_own_workspace() {
    let w = app_world(3, memory()).await;
    let acme = w.workspace(input("Acme")).await;
    let other = w.workspace(input("Other client")).await;
    let (connection, listed) = w.connect_twilio(acme.id).await;
    let picked: Vec<String> = listed.iter().map(|n| n.e164.to_string()).collect();
    let id = w
        .app
        .imports()
        .start(acme.id, connection, picked, WebhookMode::OutboundOnly)
        .await
        .unwrap();

    let mut heard = 0;
    let watched = w
        .app
        .imports()
        .watch_in_workspace(other.id, id, |_| {
            heard += 1;
            true
        })
        .await
        .unwrap_err();
    assert_eq!(watched.kind(), ErrorKind::NotFound, "{watched}");
    assert_eq!(heard, 0, "another workspace heard of the import");
    let cancelled = w
        .app
        .imports()
        .cancel_in_workspace(other.id, id)
        .await
        .unwrap_err();
    assert_eq!(cancelled.kind(), ErrorKind::NotFound, "{cancelled}");

    let last = w
        .app
        .imports()
        .watch_in_workspace(acme.id, id, |_| true)
        .await
        .unwrap();
    assert_eq!((last.state, last.done), (ImportState::Finished, 3));
}

/// Break 3 of issue 11: a disconnect or a workspace deletion while a purchase is unconfirmed
/// made it impossible to settle (credits held for ever, or a number bought and never recorded).
/// Both now settle what they can and refuse, naming the number; a disconnect can be forced,
/// which abandons the purchase, frees its credits and says so in the audit log.
#[tokio::test]
async fn disconnect_and_workspace_deletion_wait_for_an_unconfirmed_purchase_unless_forced() {
    let w = app_world(5, memory()).await;
    let acme = w.workspace(input("Acme")).await;
    let (connection, _) = w.connect_twilio(acme.id).await;
    let e164 = w.first_local_offer(acme.id, Some(connection)).await;
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::Hang { millis: 3_000 })
            .carrier(Carrier::Twilio)
            .method("POST"),
    );
    let unconfirmed = w
        .app
        .purchases()
        .buy(acme.id, Some(connection), &e164)
        .await
        .unwrap_err();
    assert!(
        matches!(unconfirmed, PurchaseError::Unconfirmed { .. }),
        "{unconfirmed}"
    );
    let on_hold = || async {
        w.app
            .workspaces()
            .credits(acme.id)
            .await
            .unwrap()
            .summary
            .on_hold
    };
    assert_eq!(on_hold().await, 115);

    let preview = w
        .app
        .carriers()
        .preview_disconnect(acme.id, connection)
        .await
        .unwrap();
    assert_eq!(preview.unsettled_numbers, vec![e164.clone()]);
    let refused = w
        .app
        .carriers()
        .disconnect(acme.id, connection, false, false)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, DisconnectError::Unsettled(_)),
        "{refused:?}"
    );
    assert!(refused.to_string().contains(&e164), "{refused}");
    let refused = w.app.workspaces().delete(acme.id).await.unwrap_err();
    assert!(
        matches!(refused, WorkspaceError::Unsettled(_)),
        "{refused:?}"
    );
    assert!(refused.to_string().contains(&e164), "{refused}");
    assert_eq!(
        w.app.workspaces().connections(acme.id).await.unwrap().len(),
        1
    );

    w.app
        .carriers()
        .disconnect(acme.id, connection, false, true)
        .await
        .unwrap();
    assert_eq!(on_hold().await, 0);
    let log = w
        .app
        .audit()
        .query(acme.id, AuditFilter::default())
        .await
        .unwrap();
    let disconnect = log
        .entries
        .iter()
        .find(|e| e.action == AuditAction::Disconnect.as_str())
        .unwrap();
    assert!(
        disconnect.summary.contains("Disconnected anyway") && disconnect.summary.contains(&e164),
        "{disconnect:?}"
    );
    // Nothing is left that a background pass would keep asking a gone connection about.
    let pass = w.app.purchases().sync_pending().await.unwrap();
    assert!(pass.errors.is_empty() && pass.unsettled == 0, "{pass:?}");
    w.app.workspaces().delete(acme.id).await.unwrap();
}

/// Break 3 for the number pool: changing or clearing the pool key while a pool order is
/// pending left it with no account able to settle it. Now refused until the order settles.
#[tokio::test]
async fn the_pool_account_cannot_change_while_a_pool_order_is_pending() {
    let w = app_world(5, memory()).await;
    // Each refusal first asks Telnyx (one poll); the order completes at the sixth.
    w.sandbox
        .faults()
        .set_order_completion(OrderCompletion::Polls {
            polls: 6,
            outcome: OrderOutcome::Success,
        });
    let agency = &w.sandbox.telnyx_accounts()[1];
    w.app
        .pool()
        .save(agency.api_key.clone(), None, None)
        .await
        .unwrap();
    let client = w.workspace(pool_input("Agency client")).await;
    let e164 = w.first_local_offer(client.id, None).await;
    w.app
        .purchases()
        .buy_from_pool(client.id, std::slice::from_ref(&e164), false)
        .await
        .unwrap();

    let refused = w.app.pool().clear().await.unwrap_err();
    assert!(
        matches!(refused, PoolSettingsError::Unsettled(_)),
        "{refused:?}"
    );
    assert!(refused.to_string().contains(&e164), "{refused}");
    let other = &w.sandbox.telnyx_accounts()[0];
    let refused = w
        .app
        .pool()
        .save(other.api_key.clone(), None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, PoolSettingsError::Unsettled(_)),
        "{refused:?}"
    );
    // The same key again (to change its ids) is fine: it can still settle the order.
    w.app
        .pool()
        .save(agency.api_key.clone(), None, None)
        .await
        .unwrap();

    // Once Telnyx completes it, the change goes through.
    let mut refusals = 0;
    while let Err(error) = w.app.pool().clear().await {
        assert!(
            matches!(error, PoolSettingsError::Unsettled(_)),
            "{error:?}"
        );
        refusals += 1;
        assert!(refusals < 10, "the order never settled");
    }
    let orders = w.app.purchases().orders(client.id).await.unwrap();
    assert_eq!(orders[0].status, numberdesk::carriers::OrderStatus::Success);
}
