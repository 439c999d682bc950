//! Managing owned numbers through the core, against the carrier sandbox over real HTTP and a real
//! SQLite file: the table's query layer and CSV, agents, Twilio inbound regions, sync (Missing and
//! drift), disconnect (with its failures), diagnostics and the audit log.

use std::sync::Arc;
use std::time::Duration;

use numberdesk::app::context::Context;
use numberdesk::carriers::account::{CarrierAccount, CarrierEndpoints};
use numberdesk::carriers::{ClientOptions, OwnedNumber, Routing, TwilioNumberUpdate};
use numberdesk::flows::accounts::Accounts;
use numberdesk::flows::audit::{AuditAction, AuditFilter, AuditLog};
use numberdesk::flows::connect::{self, ConnectForm};
use numberdesk::flows::disconnect::{self, DisconnectError};
use numberdesk::flows::import::{ImportRegistry, Importer, ManagedTarget, WebhookMode};
use numberdesk::flows::manage::agents::{AgentError, AgentSlot, Agents};
use numberdesk::flows::manage::diagnostics::{self, CheckStatus};
use numberdesk::flows::manage::regions::{self, RegionError};
use numberdesk::flows::manage::sync;
use numberdesk::flows::manage::table::{
    AgentFilter, NumberFilter, NumberQuery, NumbersTable, Sort, SortColumn, CSV_HEADER,
};
use numberdesk::flows::workspaces::Workspace;
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{Carrier, FaultKind, FaultRule, Sandbox, SandboxConfig, SandboxHandle};
use numberdesk::secrets::{KeyringStore, MemorySecretStore, SecretKey, SecretStore, Sensitive};
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
        let selected: Vec<String> = listed.iter().take(count).map(|n| n.e164.clone()).collect();
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

    fn id_of(&self, e164: &str) -> i64 {
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

    fn connection_exists(&self, id: i64) -> bool {
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

// ------------------------------------------------------------------------------------------------
// Table

#[tokio::test]
async fn table_filters_sorts_pages_and_exports_the_filtered_view() {
    let w = world(40).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 25, WebhookMode::OutboundOnly)
        .await;
    let _telnyx = w
        .connect_and_import(&w.telnyx_form(), 10, WebhookMode::OutboundOnly)
        .await;
    let agents = Agents::new(&w.core);
    let sales = agents.create(w.workspace.id, "Sales").unwrap();
    let support = agents.create(w.workspace.id, "Support").unwrap();
    let all = w.all(NumberFilter::default(), Sort::default());
    assert_eq!(all.len(), 35);
    let first_five: Vec<i64> = all.iter().take(5).map(|r| r.id).collect();
    agents
        .assign(
            w.workspace.id,
            &first_five,
            AgentSlot::Inbound,
            Some(sales.id),
        )
        .unwrap();
    agents
        .assign(
            w.workspace.id,
            &[all[10].id],
            AgentSlot::Sms,
            Some(support.id),
        )
        .unwrap();

    // Carrier filter.
    let only_telnyx = w.all(
        NumberFilter {
            carriers: vec!["telnyx".into()],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(only_telnyx.len(), 10);
    assert!(only_telnyx.iter().all(|r| r.carrier == "telnyx"));

    // Text filter: digits of a number, typed with punctuation.
    let target = &twilio.listed[3].e164;
    let digits = &target[target.len() - 7..];
    let typed = format!("{}-{}", &digits[..3], &digits[3..]);
    let found = w.all(
        NumberFilter {
            text: Some(typed),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert!(found.iter().any(|r| &r.e164 == target), "{found:?}");

    // Agent filters.
    let by_sales = w.all(
        NumberFilter {
            agent: Some(AgentFilter::Agent(sales.id)),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(by_sales.len(), 5);
    assert!(by_sales
        .iter()
        .all(|r| r.inbound_agent.as_ref().map(|a| a.name.as_str()) == Some("Sales")));
    let by_support = w.all(
        NumberFilter {
            agent: Some(AgentFilter::Agent(support.id)),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(by_support.len(), 1);
    let unassigned = w.all(
        NumberFilter {
            agent: Some(AgentFilter::Unassigned),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(unassigned.len(), 29);

    // Status and type filters.
    let active = w.all(
        NumberFilter {
            statuses: vec!["active".into()],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(active.len(), 35);
    let missing = w.all(
        NumberFilter {
            statuses: vec!["missing".into()],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert!(missing.is_empty());

    // Every column sorts both ways, and pages of 7 walk the same order without overlap or gap.
    for column in SortColumn::ALL {
        for descending in [false, true] {
            let sort = Sort { column, descending };
            let whole: Vec<i64> = w
                .all(NumberFilter::default(), sort)
                .iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(whole.len(), 35);
            let mut paged = Vec::new();
            let mut offset = 0;
            loop {
                let page = w
                    .table()
                    .page(
                        w.workspace.id,
                        &NumberQuery {
                            filter: NumberFilter::default(),
                            sort,
                            offset,
                            limit: 7,
                        },
                    )
                    .unwrap();
                assert_eq!(page.total, 35);
                if page.rows.is_empty() {
                    break;
                }
                offset += page.rows.len() as i64;
                paged.extend(page.rows.iter().map(|r| r.id));
            }
            assert_eq!(paged, whole, "{column:?} descending={descending}");
        }
    }
    let by_number = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Number,
            descending: true,
        },
    );
    assert!(by_number.windows(2).all(|p| p[0].e164 >= p[1].e164));
    // Agent sort puts the five Sales numbers together, after the unassigned (NULL sorts first).
    let by_agent = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Agent,
            descending: true,
        },
    );
    assert!(
        by_agent[..5]
            .iter()
            .all(|r| r.inbound_agent.as_ref().map(|a| a.id) == Some(sales.id)),
        "{:?}",
        by_agent
            .iter()
            .map(|r| (r.id, r.inbound_agent.clone()))
            .collect::<Vec<_>>()
    );

    // "Select all" of a filtered view.
    let ids = w
        .table()
        .ids(
            w.workspace.id,
            &NumberFilter {
                carriers: vec!["twilio".into()],
                ..NumberFilter::default()
            },
        )
        .unwrap();
    assert_eq!(ids.len(), 25);

    // The rows behind such a selection, for actions on rows the table never loaded: the same
    // rows as the filtered view, by number; an id that is not in the workspace is left out.
    let mut asked = ids.clone();
    asked.push(i64::MAX);
    let rows = w.table().rows(w.workspace.id, &asked).unwrap();
    let twilio_by_number = w.all(
        NumberFilter {
            carriers: vec!["twilio".into()],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(
        rows.iter()
            .map(|r| (r.id, r.e164.clone(), r.status.clone()))
            .collect::<Vec<_>>(),
        twilio_by_number
            .iter()
            .map(|r| (r.id, r.e164.clone(), r.status.clone()))
            .collect::<Vec<_>>()
    );
    assert!(w.table().rows(w.workspace.id, &[]).unwrap().is_empty());

    // CSV of the filtered view: header, one line per number, agents by name.
    let mut csv_bytes = Vec::new();
    let written = w
        .table()
        .export_csv(
            w.workspace.id,
            &NumberFilter {
                agent: Some(AgentFilter::Agent(sales.id)),
                ..NumberFilter::default()
            },
            Sort::default(),
            &mut csv_bytes,
        )
        .unwrap();
    assert_eq!(written, 5);
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, CSV_HEADER.map(str::to_owned).to_vec());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 5);
    for (record, row) in records.iter().zip(&by_sales) {
        assert_eq!(&record[0], row.e164.as_str());
        assert_eq!(&record[2], row.carrier.as_str());
        assert_eq!(Some(&record[3]), row.connection_name.as_deref());
        assert_eq!(&record[4], "imported");
        assert_eq!(&record[5], "Active");
        assert_eq!(&record[9], "Sales");
        assert_eq!(&record[12], "yes");
        assert_eq!(&record[14], "outbound_only");
    }

    // Offline: the sync times are there, from the local database only.
    let times = w.table().sync_times(w.workspace.id).unwrap();
    assert_eq!(times.len(), 2);
    assert!(times.iter().all(|t| t.last_synced_at.is_none()));
}

// ------------------------------------------------------------------------------------------------
// Agents

#[tokio::test]
async fn agents_hold_numbers_in_three_slots_and_deleting_one_names_its_numbers_first() {
    let w = world(10).await;
    w.connect_and_import(&w.twilio_form(), 6, WebhookMode::OutboundOnly)
        .await;
    let agents = Agents::new(&w.core);
    let front = agents.create(w.workspace.id, "  Front desk ").unwrap();
    assert_eq!(front.name, "Front desk");
    assert!(matches!(
        agents.create(w.workspace.id, "front desk"),
        Err(AgentError::NameTaken(_))
    ));
    assert!(matches!(
        agents.create(w.workspace.id, " "),
        Err(AgentError::EmptyName)
    ));
    let closer = agents.create(w.workspace.id, "Closer").unwrap();
    let renamed = agents
        .rename(w.workspace.id, closer.id, "Zed closer")
        .unwrap();
    assert_eq!(renamed.name, "Zed closer");

    let rows = w.all(NumberFilter::default(), Sort::default());
    let (a, b, c) = (rows[0].id, rows[1].id, rows[2].id);
    let outcome = agents
        .assign(w.workspace.id, &[a, b], AgentSlot::Inbound, Some(front.id))
        .unwrap();
    assert_eq!(outcome.changed.len(), 2);
    // Assigning again changes nothing and writes no second entry.
    let again = agents
        .assign(w.workspace.id, &[a], AgentSlot::Inbound, Some(front.id))
        .unwrap();
    assert_eq!((again.changed.len(), again.unchanged.len()), (0, 1));
    agents
        .assign(w.workspace.id, &[a], AgentSlot::Outbound, Some(closer.id))
        .unwrap();
    agents
        .assign(w.workspace.id, &[c], AgentSlot::Sms, Some(front.id))
        .unwrap();
    agents
        .set_allow_outbound(w.workspace.id, &[b], false)
        .unwrap();
    // Numbers of another workspace (or made up) are refused, changing nothing.
    assert!(matches!(
        agents.assign(w.workspace.id, &[a, 999_999], AgentSlot::Inbound, None),
        Err(AgentError::UnknownNumbers { count: 1 })
    ));

    let row_a = w
        .all(NumberFilter::default(), Sort::default())
        .into_iter()
        .find(|r| r.id == a)
        .unwrap();
    assert_eq!(row_a.inbound_agent.as_ref().unwrap().name, "Front desk");
    assert_eq!(row_a.outbound_agent.as_ref().unwrap().name, "Zed closer");
    assert!(row_a.sms_agent.is_none());
    let row_b = w
        .all(NumberFilter::default(), Sort::default())
        .into_iter()
        .find(|r| r.id == b)
        .unwrap();
    assert!(!row_b.allow_outbound);

    // The agent page's list, with slots.
    let holdings = agents.holdings(w.workspace.id, front.id).unwrap();
    assert_eq!(holdings.len(), 3);
    let listed = agents.list(w.workspace.id).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| (a.name.as_str(), a.number_count))
            .collect::<Vec<_>>(),
        vec![("Front desk", 3), ("Zed closer", 1)]
    );

    // Renaming re-sorts the table by agent (the sort key follows the name).
    agents.rename(w.workspace.id, front.id, "Aardvark").unwrap();
    let by_agent = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Agent,
            descending: true,
        },
    );
    assert_eq!(by_agent[0].inbound_agent.as_ref().unwrap().name, "Aardvark");

    // Deleting an agent that holds numbers says which, and changes nothing until confirmed.
    let error = agents.delete(w.workspace.id, front.id, false).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("3 numbers"), "{text}");
    for holding in &holdings {
        assert!(text.contains(&holding.e164), "{text}");
    }
    assert_eq!(agents.list(w.workspace.id).unwrap().len(), 2);
    let lost = agents.delete(w.workspace.id, front.id, true).unwrap();
    assert_eq!(lost.len(), 3);
    let after = w.all(NumberFilter::default(), Sort::default());
    assert!(after
        .iter()
        .all(|r| r.inbound_agent.is_none() && r.sms_agent.is_none()));
    // The agent sort key went with it (the trigger follows ON DELETE SET NULL).
    let by_agent = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Agent,
            descending: true,
        },
    );
    assert!(by_agent.iter().all(|r| r.inbound_agent.is_none()));
    // An agent holding nothing goes without asking.
    let spare = agents.create(w.workspace.id, "Spare").unwrap();
    assert!(agents
        .delete(w.workspace.id, spare.id, false)
        .unwrap()
        .is_empty());

    // Every change is in the audit log with its numbers and before/after.
    let assignments = w.audit(AuditAction::Assignment);
    assert_eq!(assignments.len(), 3);
    let first = assignments.last().unwrap();
    assert_eq!(first.number_count, 2);
    assert!(first.after_json.as_deref().unwrap().contains("Front desk"));
    assert_eq!(w.audit(AuditAction::AgentCreated).len(), 3);
    assert_eq!(w.audit(AuditAction::AgentRenamed).len(), 2);
    assert_eq!(w.audit(AuditAction::AgentDeleted).len(), 2);
    assert_eq!(w.audit(AuditAction::OutboundSwitch).len(), 1);
}

// ------------------------------------------------------------------------------------------------
// Twilio inbound region

#[tokio::test]
async fn twilio_region_changes_report_partial_failures_and_skip_telnyx_numbers() {
    let w = world(12).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 5, WebhookMode::OutboundOnly)
        .await;
    let telnyx = w
        .connect_and_import(&w.telnyx_form(), 2, WebhookMode::OutboundOnly)
        .await;
    let accounts = w.accounts();
    let twilio_ids: Vec<i64> = twilio.listed[..5]
        .iter()
        .map(|n| w.id_of(&n.e164))
        .collect();
    let telnyx_id = w.id_of(&telnyx.listed[0].e164);

    // Unknown regions and Telnyx-only selections are refused before any call.
    assert!(matches!(
        regions::set_region(&accounts, w.workspace.id, &twilio_ids, "mars1", false).await,
        Err(RegionError::UnknownRegion(_))
    ));
    assert!(matches!(
        regions::set_region(&accounts, w.workspace.id, &[telnyx_id], "ie1", false).await,
        Err(RegionError::NoTwilioNumbers)
    ));

    // Twilio refuses the change for one number; the others are done.
    let refused = &twilio.listed[2].e164;
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 400 })
            .carrier(Carrier::Twilio)
            .method("POST")
            .path_contains(refused.trim_start_matches('+'))
            .times(None),
    );
    let mut selection = twilio_ids.clone();
    selection.push(telnyx_id);
    let outcome = regions::set_region(&accounts, w.workspace.id, &selection, "ie1", false)
        .await
        .unwrap();
    assert_eq!(outcome.changed.len(), 4, "{outcome:?}");
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(&outcome.failed[0].e164, refused);
    assert!(outcome.failed[0].reason.contains("Twilio"), "{outcome:?}");
    assert_eq!(outcome.not_twilio, vec![telnyx.listed[0].e164.clone()]);

    // Twilio has the new region for the four, the old one for the refused number.
    let sid = &w.sandbox.twilio_accounts()[0].account_sid;
    let state = w.sandbox.account_state(sid, true).unwrap();
    for number in &twilio.listed[..5] {
        let at_twilio = state
            .numbers
            .iter()
            .find(|n| n.phone_number == number.e164)
            .unwrap();
        let expected = if &number.e164 == refused {
            "us1"
        } else {
            "ie1"
        };
        assert_eq!(
            at_twilio.voice_region.as_deref(),
            Some(expected),
            "{}",
            number.e164
        );
    }
    // The table shows it; the refused number keeps no region of ours.
    let rows = w.all(NumberFilter::default(), Sort::default());
    for row in rows.iter().filter(|r| r.carrier == "twilio") {
        if &row.e164 == refused {
            assert_eq!(row.inbound_region, None);
        } else {
            assert_eq!(row.inbound_region.as_deref(), Some("ie1"));
        }
    }
    // Sorting by inbound region works on the new values.
    let by_region = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::InboundRegion,
            descending: true,
        },
    );
    assert_eq!(by_region[0].inbound_region.as_deref(), Some("ie1"));

    // Again, with the fault cleared: only the one not done yet is sent.
    w.sandbox.faults().clear();
    let again = regions::set_region(&accounts, w.workspace.id, &twilio_ids, "ie1", false)
        .await
        .unwrap();
    assert_eq!((again.changed.len(), again.unchanged.len()), (1, 4));
    // Reading the region back from Twilio.
    let read = regions::refresh_region(&accounts, w.workspace.id, twilio_ids[0])
        .await
        .unwrap();
    assert_eq!(read, "ie1");

    let entries = w.audit(AuditAction::RegionChange);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].number_count, 4);
    assert_eq!(entries[1].target, "twilio");
    assert!(entries[1].after_json.as_deref().unwrap().contains("ie1"));
    // Every call was journalled, and settled.
    let unsettled: i64 = w
        .core
        .store
        .read(|c| {
            c.query_row(
                "SELECT count(*) FROM journal WHERE kind = 'region' AND state = 'intent'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(unsettled, 0);
    // Both imports are in the audit log, with their numbers.
    let imports = w.audit(AuditAction::Import);
    assert_eq!(imports.len(), 2, "{imports:?}");
    assert_eq!(
        imports.iter().map(|e| e.number_count).sum::<i64>(),
        7,
        "{imports:?}"
    );
}

#[tokio::test]
async fn region_changes_cut_short_by_a_crash_are_settled_from_what_twilio_has() {
    let w = world(4).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::OutboundOnly)
        .await;
    let [reached, not_reached, gone] = [0, 1, 2].map(|i| twilio.listed[i].clone());
    // The app journalled three changes to au1 and died: Twilio got the first one only, and the
    // third number left NumberDesk since.
    twilio_client(&twilio.account)
        .set_inbound_region(&reached.e164, "au1")
        .await
        .unwrap();
    let ids = [&reached, &not_reached, &gone].map(|n| w.id_of(&n.e164));
    let now = w.core.clock.now();
    w.core
        .store
        .write(|tx| {
            for (number, id) in [&reached, &not_reached, &gone].iter().zip(ids) {
                let key = numberdesk::store::journal::fresh_key(tx, "region", &number.e164)?;
                let payload = serde_json::json!({
                    "phone_number_id": id, "e164": number.e164, "connection_id": twilio.row.id,
                    "from": null, "to": "au1",
                })
                .to_string();
                numberdesk::store::journal::intend(
                    tx,
                    w.workspace.id,
                    "region",
                    &key,
                    &payload,
                    now,
                )?;
            }
            tx.execute("DELETE FROM phone_numbers WHERE id = ?1", [ids[2]])?;
            Ok::<_, numberdesk::store::StoreError>(())
        })
        .unwrap();

    let settled = regions::reconcile(&w.accounts()).await.unwrap();
    assert_eq!((settled.settled, settled.left), (3, 0));
    let rows = w.all(NumberFilter::default(), Sort::default());
    let region_of = |e164: &str| {
        rows.iter()
            .find(|r| r.e164 == e164)
            .and_then(|r| r.inbound_region.clone())
    };
    assert_eq!(region_of(&reached.e164).as_deref(), Some("au1"));
    assert_eq!(region_of(&not_reached.e164).as_deref(), Some("us1"));
    let states: Vec<(String, String)> = w
        .core
        .store
        .read(|c| {
            let mut s = c.prepare(
                "SELECT state, coalesce(outcome, '') FROM journal WHERE kind = 'region' ORDER BY id",
            )?;
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, numberdesk::store::StoreError>(rows)
        })
        .unwrap();
    assert_eq!(states[0].0, "done", "{states:?}");
    assert_eq!(states[1].0, "failed", "{states:?}");
    assert!(states[2].1.contains("no longer"), "{states:?}");
    // Nothing is left to settle: a second start does nothing.
    let again = regions::reconcile(&w.accounts()).await.unwrap();
    assert_eq!((again.settled, again.left), (0, 0));
}

// ------------------------------------------------------------------------------------------------
// Sync

#[tokio::test]
async fn sync_marks_numbers_released_at_the_carrier_missing_and_flags_drift() {
    let w = world(10).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 4, WebhookMode::Managed)
        .await;
    let ManagedTarget::Twilio { voice_url, .. } =
        Importer::new(w.core.clone(), ImportRegistry::default())
            .target(w.workspace.id, twilio.row.id)
            .unwrap()
    else {
        panic!()
    };

    // Outside NumberDesk: one number released, another's voice URL changed in the console.
    let outside = w.open_account(&w.twilio_form());
    let client = twilio_client(&outside);
    let released = &twilio.listed[0];
    client
        .release_incoming_number(&released.carrier_id)
        .await
        .unwrap();
    let changed = &twilio.listed[1];
    client
        .update_incoming_number(
            &changed.carrier_id,
            &TwilioNumberUpdate {
                voice_url: Some("https://elsewhere.example.com/voice".into()),
                ..TwilioNumberUpdate::default()
            },
        )
        .await
        .unwrap();

    let report = sync::sync_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    assert_eq!(report.checked, 4);
    assert_eq!(report.missing, vec![released.e164.clone()]);
    assert_eq!(report.drifted.len(), 1);
    let drift = &report.drifted[0];
    assert_eq!(drift.e164, changed.e164);
    let field = drift
        .fields
        .iter()
        .find(|f| f.field == "voice_url")
        .unwrap();
    assert_eq!(field.numberdesk_set.as_deref(), Some(voice_url.as_str()));
    assert_eq!(
        field.carrier_has.as_deref(),
        Some("https://elsewhere.example.com/voice")
    );

    // The released number is still in the table, as Missing at carrier; nothing was deleted.
    let rows = w.all(NumberFilter::default(), Sort::default());
    assert_eq!(rows.len(), 4);
    let missing = rows.iter().find(|r| r.e164 == released.e164).unwrap();
    assert_eq!(missing.status, "missing");
    assert_eq!(missing.status_label, "Missing at carrier");
    assert!(missing.missing_since.is_some());
    let drifted = rows.iter().find(|r| r.e164 == changed.e164).unwrap();
    assert_eq!(drifted.drift.len(), 1);
    assert!(rows
        .iter()
        .filter(|r| r.status == "active")
        .all(|r| r.last_synced_at.is_some()));
    let only_drifted = w.all(
        NumberFilter {
            drifted_only: true,
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(only_drifted.len(), 1);
    let times = w.table().sync_times(w.workspace.id).unwrap();
    assert!(times[0].last_synced_at.is_some());

    // Synced again after the URL is put back: the drift clears; Missing stays Missing.
    client
        .update_incoming_number(
            &changed.carrier_id,
            &TwilioNumberUpdate {
                voice_url: Some(voice_url.clone()),
                ..TwilioNumberUpdate::default()
            },
        )
        .await
        .unwrap();
    let report = sync::sync_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    assert!(report.missing.is_empty());
    assert!(report.drifted.is_empty());
    assert_eq!(report.drift_cleared, vec![changed.e164.clone()]);
    let rows = w.all(NumberFilter::default(), Sort::default());
    assert_eq!(
        rows.iter().filter(|r| r.status == "missing").count(),
        1,
        "Missing stays until the number is back"
    );

    let entries = w.audit(AuditAction::Sync);
    assert_eq!(entries.len(), 2);
    assert!(
        entries[1].summary.contains("1 missing"),
        "{}",
        entries[1].summary
    );
    assert!(entries[1]
        .after_json
        .as_deref()
        .unwrap()
        .contains("elsewhere.example.com"));
}

// ------------------------------------------------------------------------------------------------
// Disconnect

#[tokio::test]
async fn disconnect_restores_the_previous_settings_and_removes_numbers_connection_and_credentials()
{
    let w = world(10).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 4, WebhookMode::Managed)
        .await;
    let telnyx = w
        .connect_and_import(&w.telnyx_form(), 2, WebhookMode::OutboundOnly)
        .await;
    let agents = Agents::new(&w.core);
    let sales = agents.create(w.workspace.id, "Sales").unwrap();
    let ids: Vec<i64> = twilio.listed[..2]
        .iter()
        .map(|n| w.id_of(&n.e164))
        .collect();
    agents
        .assign(w.workspace.id, &ids, AgentSlot::Inbound, Some(sales.id))
        .unwrap();
    assert_eq!(w.secret_count(), 2);

    let preview = disconnect::preview(&w.core, w.workspace.id, twilio.row.id).unwrap();
    assert_eq!(preview.number_count, 4);
    assert_eq!(preview.restorable, 4);
    assert_eq!(preview.affected_agents.len(), 1);
    assert_eq!(preview.affected_agents[0].name, "Sales");
    assert_eq!(preview.affected_agents[0].numbers, 2);
    assert!(
        preview.note.contains("stay in your Twilio account"),
        "{}",
        preview.note
    );

    let report = disconnect::disconnect(&w.accounts(), w.workspace.id, twilio.row.id, true)
        .await
        .unwrap();
    assert_eq!(report.removed_numbers, 4);
    assert_eq!(report.restored.len(), 4);

    // At Twilio: each number is back as it was before the import, and still in the account.
    for number in &twilio.listed[..4] {
        let now = twilio
            .account
            .fetch_number(&number.carrier_id)
            .await
            .unwrap();
        assert_eq!(
            twilio_routing(&now),
            twilio_routing(number),
            "{}",
            number.e164
        );
    }
    // In NumberDesk: the connection, its numbers and its credentials are gone; Telnyx is intact.
    assert!(!w.connection_exists(twilio.row.id));
    assert!(w.connection_exists(telnyx.row.id));
    let rows = w.all(NumberFilter::default(), Sort::default());
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.carrier == "telnyx"));
    assert_eq!(w.secret_count(), 1);
    let entries = w.audit(AuditAction::Disconnect);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].number_count, 4);
    assert!(entries[0].summary.contains("Main Twilio"));

    // Reconnecting later is a fresh import.
    let again = w
        .connect_and_import(&w.twilio_form(), 4, WebhookMode::OutboundOnly)
        .await;
    assert_ne!(again.row.id, twilio.row.id);
    assert_eq!(w.all(NumberFilter::default(), Sort::default()).len(), 6);
}

#[tokio::test]
async fn disconnect_whose_keyring_deletion_fails_keeps_the_carrier_connected() {
    let w = world(10).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::OutboundOnly)
        .await;
    w.memory.as_ref().unwrap().fail_deletes(true);
    let error = disconnect::disconnect(&w.accounts(), w.workspace.id, twilio.row.id, false)
        .await
        .unwrap_err();
    assert!(matches!(error, DisconnectError::Keyring(_)), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("keyring"), "{text}");
    assert!(text.contains("stays connected"), "{text}");

    // Nothing lost: connection, numbers, credentials and no disconnect entry.
    assert!(w.connection_exists(twilio.row.id));
    assert_eq!(w.all(NumberFilter::default(), Sort::default()).len(), 3);
    assert_eq!(w.secret_count(), 1);
    assert!(
        numberdesk::flows::connect::connections::Connections::new(&w.core)
            .credentials(w.workspace.id, twilio.row.id)
            .is_ok()
    );
    assert!(w.audit(AuditAction::Disconnect).is_empty());

    // Once the keyring works, the same disconnect goes through.
    w.memory.as_ref().unwrap().fail_deletes(false);
    disconnect::disconnect(&w.accounts(), w.workspace.id, twilio.row.id, false)
        .await
        .unwrap();
    assert!(!w.connection_exists(twilio.row.id));
    assert_eq!(w.secret_count(), 0);
}

#[tokio::test]
async fn disconnect_whose_carrier_restore_fails_keeps_everything_and_points_numbers_back() {
    let w = world(10).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 4, WebhookMode::Managed)
        .await;
    let target = Importer::new(w.core.clone(), ImportRegistry::default())
        .target(w.workspace.id, twilio.row.id)
        .unwrap();
    let ManagedTarget::Twilio { voice_url, .. } = &target else {
        panic!()
    };
    // Twilio refuses every change to one number.
    let refused = &twilio.listed[1];
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 400 })
            .carrier(Carrier::Twilio)
            .method("POST")
            .path_contains(&refused.carrier_id)
            .times(None),
    );

    let error = disconnect::disconnect(&w.accounts(), w.workspace.id, twilio.row.id, true)
        .await
        .unwrap_err();
    let DisconnectError::RestoreFailed {
        failed,
        left_restored,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].e164, refused.e164);
    assert!(left_restored.is_empty(), "{left_restored:?}");
    let text = error.to_string();
    assert!(text.contains(&refused.e164), "{text}");
    assert!(text.contains("Nothing was removed"), "{text}");

    // Nothing lost locally.
    assert!(w.connection_exists(twilio.row.id));
    assert_eq!(w.all(NumberFilter::default(), Sort::default()).len(), 4);
    assert_eq!(w.secret_count(), 1);
    assert!(w.audit(AuditAction::Disconnect).is_empty());
    // At Twilio every number still points at NumberDesk (the three restored were pointed back).
    w.sandbox.faults().clear();
    for number in &twilio.listed[..4] {
        let now = twilio
            .account
            .fetch_number(&number.carrier_id)
            .await
            .unwrap();
        assert_eq!(
            twilio_routing(&now).voice_url.as_deref(),
            Some(voice_url.as_str()),
            "{}",
            number.e164
        );
    }
    // Each carrier call was journalled and settled.
    let states: Vec<(String, String)> = w
        .core
        .store
        .read(|c| {
            let mut s = c.prepare("SELECT kind, state FROM journal ORDER BY id")?;
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>();
            rows
        })
        .unwrap();
    assert_eq!(
        states
            .iter()
            .filter(|(k, s)| k == "restore" && s == "done")
            .count(),
        3
    );
    assert_eq!(
        states
            .iter()
            .filter(|(k, s)| k == "restore" && s == "failed")
            .count(),
        1
    );
    assert_eq!(
        states
            .iter()
            .filter(|(k, s)| k == "reapply" && s == "done")
            .count(),
        3
    );

    // Without the restore, the disconnect goes through.
    let report = disconnect::disconnect(&w.accounts(), w.workspace.id, twilio.row.id, false)
        .await
        .unwrap();
    assert_eq!(report.removed_numbers, 4);
    assert!(report.restored.is_empty());
    assert!(!w.connection_exists(twilio.row.id));
}

/// Against the real OS keyring (Secret Service from gnome-keyring, as the README's test command
/// starts it): the entry is really gone after a disconnect.
#[tokio::test]
async fn disconnect_deletes_the_entry_from_the_real_keyring() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let service = format!(
        "app.numberdesk.test.disconnect.{}.{nanos}",
        std::process::id()
    );
    let keyring = Arc::new(KeyringStore::new(service, Redactor::new()));
    if let Err(error) = keyring.probe() {
        panic!("the real keyring is not reachable ({error}); run the tests through the README's test command");
    }
    let w = world_with(6, keyring.clone()).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 2, WebhookMode::OutboundOnly)
        .await;
    let key = SecretKey::new(w.workspace.id, twilio.row.id);
    assert!(keyring.get(key).unwrap().is_some());
    disconnect::disconnect(&w.accounts(), w.workspace.id, twilio.row.id, false)
        .await
        .unwrap();
    assert!(keyring.get(key).unwrap().is_none());
    assert!(!w.connection_exists(twilio.row.id));
    assert!(w.all(NumberFilter::default(), Sort::default()).is_empty());
}

// ------------------------------------------------------------------------------------------------
// Diagnostics

#[tokio::test]
async fn checks_run_for_real_and_name_each_problem_with_a_fix() {
    let w = world(8).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::Managed)
        .await;
    let accounts = w.accounts();
    let connection = diagnostics::check_connection(&accounts, w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    assert!(connection.all_ok(), "{connection:?}");
    assert!(connection
        .results
        .iter()
        .any(|r| r.id == "credentials_valid"));

    // A healthy number with an agent passes every check.
    let healthy = w.id_of(&twilio.listed[0].e164);
    let agents = Agents::new(&w.core);
    let agent = agents.create(w.workspace.id, "Reception").unwrap();
    agents
        .assign(
            w.workspace.id,
            &[healthy],
            AgentSlot::Inbound,
            Some(agent.id),
        )
        .unwrap();
    let diagnosis = diagnostics::check_number(&accounts, w.workspace.id, healthy)
        .await
        .unwrap();
    assert!(diagnosis.all_ok(), "{diagnosis:?}");

    // No agent, and the voice URL changed at Twilio: two problems, each with a fix.
    let drifted = &twilio.listed[1];
    let outside = w.open_account(&w.twilio_form());
    twilio_client(&outside)
        .update_incoming_number(
            &drifted.carrier_id,
            &TwilioNumberUpdate {
                voice_url: Some("https://elsewhere.example.com/v".into()),
                ..TwilioNumberUpdate::default()
            },
        )
        .await
        .unwrap();
    let diagnosis = diagnostics::check_number(&accounts, w.workspace.id, w.id_of(&drifted.e164))
        .await
        .unwrap();
    let problems: Vec<&str> = diagnosis.problems().map(|p| p.id).collect();
    assert_eq!(
        problems,
        vec!["agent_assigned", "webhook_settings"],
        "{diagnosis:?}"
    );
    for problem in diagnosis.problems() {
        let fix = problem.fix.as_deref().unwrap();
        assert!(fix.ends_with('.') && !fix.is_empty(), "{fix}");
    }

    // A number released at the carrier: "not in the account".
    let gone = &twilio.listed[2];
    twilio_client(&outside)
        .release_incoming_number(&gone.carrier_id)
        .await
        .unwrap();
    let diagnosis = diagnostics::check_number(&accounts, w.workspace.id, w.id_of(&gone.e164))
        .await
        .unwrap();
    let in_account = diagnosis
        .results
        .iter()
        .find(|r| r.id == "number_in_account")
        .unwrap();
    assert_eq!(in_account.status, CheckStatus::Problem, "{diagnosis:?}");

    // Credentials gone from the keyring: the connection check says so, with the fix.
    w.memory
        .as_ref()
        .unwrap()
        .delete(SecretKey::new(w.workspace.id, twilio.row.id))
        .unwrap();
    let diagnosis = diagnostics::check_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    let first = &diagnosis.results[0];
    assert_eq!(
        (first.id, first.status),
        ("credentials_stored", CheckStatus::Problem)
    );
    assert!(first.fix.as_deref().unwrap().contains("connect it again"));
}

#[tokio::test]
async fn telnyx_checks_include_the_texml_application_and_the_numbers_connection() {
    let w = world(6).await;
    let telnyx = w
        .connect_and_import(&w.telnyx_form(), 2, WebhookMode::Managed)
        .await;
    let accounts = w.accounts();
    let diagnosis =
        diagnostics::check_number(&accounts, w.workspace.id, w.id_of(&telnyx.listed[0].e164))
            .await
            .unwrap();
    let ids: Vec<&str> = diagnosis.results.iter().map(|r| r.id).collect();
    for id in [
        "credentials_valid",
        "texml_application",
        "number_in_account",
        "webhook_settings",
        "texml_connection",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let on_app = diagnosis
        .results
        .iter()
        .find(|r| r.id == "texml_connection")
        .unwrap();
    assert_eq!(on_app.status, CheckStatus::Ok, "{diagnosis:?}");
    // The application's voice URL is checked against the workspace's webhook, for real.
    let app = diagnosis
        .results
        .iter()
        .find(|r| r.id == "texml_application")
        .unwrap();
    if app.status == CheckStatus::Problem {
        assert!(app
            .fix
            .as_deref()
            .unwrap()
            .contains("https://voice.example.com/webhook/telnyx/texml"));
    }
}

// ------------------------------------------------------------------------------------------------
// Audit log

#[tokio::test]
async fn audit_log_filters_exports_csv_and_never_holds_a_secret() {
    let w = world(8).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::Managed)
        .await;
    let agents = Agents::new(&w.core);
    let agent = agents.create(w.workspace.id, "Night shift").unwrap();
    let first = w.id_of(&twilio.listed[0].e164);
    agents
        .assign(w.workspace.id, &[first], AgentSlot::Inbound, Some(agent.id))
        .unwrap();
    let accounts = w.accounts();
    regions::set_region(&accounts, w.workspace.id, &[first], "au1", false)
        .await
        .unwrap();
    sync::sync_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    disconnect::disconnect(&w.accounts(), w.workspace.id, twilio.row.id, true)
        .await
        .unwrap();

    let log = AuditLog::new(&w.core);
    let everything = log.query(w.workspace.id, &AuditFilter::default()).unwrap();
    let actions: Vec<&str> = everything
        .entries
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "disconnect",
            "restore",
            "sync",
            "region_change",
            "assignment",
            "agent_created",
            "webhook_update",
            "import"
        ]
    );
    // By number: the entries that touched the first number (the disconnect lists all three).
    let about_first = log
        .query(
            w.workspace.id,
            &AuditFilter {
                e164: Some(twilio.listed[0].e164.clone()),
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!(
        about_first
            .entries
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        vec![
            "disconnect",
            "restore",
            "region_change",
            "assignment",
            "webhook_update",
            "import"
        ]
    );
    // By text and paging.
    let by_text = log
        .query(
            w.workspace.id,
            &AuditFilter {
                text: Some("night SHIFT".into()),
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!(by_text.total, 2);
    let page = log
        .query(
            w.workspace.id,
            &AuditFilter {
                limit: 2,
                offset: 2,
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!((page.total, page.entries.len()), (8, 2));
    assert_eq!(page.entries[0].action, "sync");

    let mut bytes = Vec::new();
    let written = log
        .export_csv(w.workspace.id, &AuditFilter::default(), &mut bytes)
        .unwrap();
    assert_eq!(written, 8);
    let text = String::from_utf8(bytes).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 8);
    assert_eq!(&records[0][1], "Carrier disconnected");
    assert_eq!(&records[1][1], "Restore");
    assert_eq!(&records[3][1], "Region change");
    assert!(records[3][5].contains(&twilio.listed[0].e164));
    assert!(records[3][8].contains("au1"));

    // No credential anywhere in the log, the CSV or the database file.
    let token = &w.sandbox.twilio_accounts()[0].auth_token;
    assert!(!text.contains(token.as_str()));
    let dump: String = w
        .core
        .store
        .read(|c| {
            let mut s = c.prepare(
                "SELECT coalesce(summary,'') || coalesce(before_json,'') || coalesce(after_json,'') FROM audit_entries",
            )?;
            let rows = s
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, rusqlite::Error>(rows.join("\n"))
        })
        .unwrap();
    assert!(!dump.contains(token.as_str()));
    assert!(dump.contains("Night shift"));
}
