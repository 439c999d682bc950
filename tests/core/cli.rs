//! `numberdesk-cli` as a script runs it: the built binary, on a data folder and a keyring service
//! that the App in this test prepared (as the desktop app would have), against the carrier
//! sandbox. What a script sees is asserted: stdout, stderr and the exit code.

use numberdesk::domain::kinds::NumberStatus;
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use numberdesk::carriers::account::CarrierEndpoints;
use numberdesk::carriers::{ClientOptions, Features, NumberType, TwilioClient, TwilioCredentials};
use numberdesk::flows::import::WebhookMode;
use numberdesk::flows::manage::table::NumberFilter;
use numberdesk::flows::purchase::SearchQuery;
use numberdesk::flows::workspaces::WorkspaceInput;
use numberdesk::logging::Redactor;
use numberdesk::secrets::{KeyringStore, SecretStore, Sensitive};

use crate::app::{app_world, AppWorld};
use crate::support::input;

const CLI: &str = env!("CARGO_BIN_EXE_numberdesk-cli");

/// A keyring service no real install uses, unique per test.
fn service(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "app.numberdesk.test.cli.{test}.{}.{nanos}",
        std::process::id()
    )
}

struct CliWorld {
    w: AppWorld,
    service: String,
}

async fn cli_world(test: &str, owned: usize) -> CliWorld {
    let service = service(test);
    let keyring: Arc<dyn SecretStore> =
        Arc::new(KeyringStore::new(service.clone(), Redactor::new()));
    keyring
        .probe()
        .expect("the real keyring answers (run the tests through the README's test command)");
    CliWorld {
        w: app_world(owned, keyring).await,
        service,
    }
}

impl CliWorld {
    fn command(&self, args: &[&str]) -> Command {
        let urls = self.w.sandbox.base_urls();
        let mut command = Command::new(CLI);
        command
            .args(args)
            .env("NUMBERDESK_DATA_DIR", self.w.dir.path())
            .env("NUMBERDESK_KEYRING_SERVICE", &self.service)
            .env("NUMBERDESK_TWILIO_API_URL", &urls.twilio_api)
            .env("NUMBERDESK_TWILIO_PRICING_URL", &urls.twilio_pricing)
            .env("NUMBERDESK_TWILIO_ROUTES_URL", &urls.twilio_routes)
            .env("NUMBERDESK_TWILIO_NUMBERS_URL", &urls.twilio_numbers)
            .env("NUMBERDESK_TELNYX_URL", &urls.telnyx);
        command
    }

    /// Runs the CLI to its end, off the test's runtime (the sandbox answers on it meanwhile).
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().expect("the CLI runs"))
            .await
            .unwrap()
    }

    /// Removes what the test put in the real keyring.
    async fn clean_up(&self) {
        for workspace in self.w.app.workspaces().list().await.unwrap() {
            self.w.app.workspaces().delete(workspace.id).await.unwrap();
        }
        self.w.app.pool().clear().await.unwrap();
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

fn e164s(list: &serde_json::Value) -> Vec<String> {
    let mut numbers: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["e164"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    numbers
}

#[tokio::test]
async fn a_script_lists_filters_and_exports_numbers_from_the_apps_data_folder() {
    let c = cli_world("list", 6).await;
    let acme = c.w.workspace(input("Acme")).await;
    c.w.import_twilio(acme.id, 4, WebhookMode::Managed).await;
    let mut held = c.w.numbers(acme.id, NumberFilter::default()).await;
    held.sort();
    let agent =
        c.w.app
            .agents()
            .create(acme.id, "Front desk".into())
            .await
            .unwrap();
    let first =
        c.w.app
            .numbers()
            .ids(acme.id, NumberFilter::default())
            .await
            .unwrap()[0];
    c.w.app
        .agents()
        .assign(acme.id, vec![first], "inbound", Some(agent.id))
        .await
        .unwrap();

    let workspaces = json(&c.run(&["workspaces", "list", "--json"]).await);
    assert_eq!(workspaces[0]["name"], "Acme");
    let all = json(
        &c.run(&["numbers", "list", "--workspace", "Acme", "--json"])
            .await,
    );
    assert_eq!(e164s(&all), held);
    let by_agent = json(
        &c.run(&[
            "numbers",
            "list",
            "--workspace",
            "acme",
            "--agent",
            "Front desk",
            "--json",
        ])
        .await,
    );
    assert_eq!(by_agent.as_array().unwrap().len(), 1);
    let digits = &held[2][held[2].len() - 7..];
    let by_text = json(
        &c.run(&[
            "numbers",
            "list",
            "--workspace",
            &acme.id.to_string(),
            "--text",
            digits,
            "--json",
        ])
        .await,
    );
    assert_eq!(e164s(&by_text), vec![held[2].clone()]);
    let missing = json(
        &c.run(&[
            "numbers",
            "list",
            "--workspace",
            "Acme",
            "--status",
            "missing",
            "--json",
        ])
        .await,
    );
    assert!(missing.as_array().unwrap().is_empty());
    let table = c.run(&["numbers", "list", "--workspace", "Acme"]).await;
    assert!(table.status.success(), "{}", stderr(&table));
    assert_eq!(stdout(&table).lines().count(), 5, "{}", stdout(&table));

    let file = c.w.dir.path().join("crm").join("numbers.csv");
    let exported = c
        .run(&[
            "numbers",
            "export",
            "--workspace",
            "Acme",
            "--output",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert!(
        stderr(&exported).contains("Exported 4 numbers"),
        "{}",
        stderr(&exported)
    );
    // The sandbox stands in for the carriers here, and the CLI says where credentials go.
    assert!(
        stderr(&exported).contains(
            "note: NUMBERDESK_TWILIO_API_URL is set: carrier calls go to http://127.0.0.1"
        ),
        "{}",
        stderr(&exported)
    );
    let csv = std::fs::read_to_string(&file).unwrap();
    assert_eq!(csv.lines().count(), 5);
    let piped = c.run(&["numbers", "export", "--workspace", "Acme"]).await;
    assert_eq!(stdout(&piped), csv);

    // Wrong input: the sentence on stderr, a non-zero exit, nothing on stdout.
    let nobody = c.run(&["numbers", "list", "--workspace", "Nope"]).await;
    assert_eq!(nobody.status.code(), Some(3));
    assert!(
        stderr(&nobody).contains("There is no workspace called \"Nope\""),
        "{}",
        stderr(&nobody)
    );
    assert!(stdout(&nobody).is_empty());
    let vonage = c
        .run(&[
            "numbers",
            "list",
            "--workspace",
            "Acme",
            "--carrier",
            "vonage",
        ])
        .await;
    assert_eq!(vonage.status.code(), Some(2));
    assert!(
        stderr(&vonage).contains("twilio, telnyx or sip"),
        "{}",
        stderr(&vonage)
    );
    c.clean_up().await;
}

#[tokio::test]
async fn a_nightly_sync_reports_a_number_released_at_the_carrier_as_missing() {
    let c = cli_world("sync", 4).await;
    let acme = c.w.workspace(input("Acme")).await;
    c.w.import_twilio(acme.id, 3, WebhookMode::OutboundOnly)
        .await;
    let held = c.w.numbers(acme.id, NumberFilter::default()).await;

    // Released outside NumberDesk, in the Twilio console.
    let account = &c.w.sandbox.twilio_accounts()[0];
    let endpoints = CarrierEndpoints::from(c.w.sandbox.base_urls());
    let twilio = TwilioClient::new(
        endpoints.twilio_urls(),
        TwilioCredentials::AuthToken {
            account_sid: account.account_sid.clone(),
            auth_token: Sensitive::new(account.auth_token.clone()),
        },
        ClientOptions::default(),
    )
    .unwrap();
    let gone = twilio
        .find_incoming_number(&held[0])
        .await
        .unwrap()
        .unwrap();
    twilio
        .release_incoming_number(&gone.carrier_id)
        .await
        .unwrap();

    let report = json(&c.run(&["sync", "--workspace", "Acme", "--json"]).await);
    assert_eq!(report["reports"][0]["checked"], 3);
    assert_eq!(
        report["reports"][0]["missing"],
        serde_json::json!([held[0]])
    );
    let missing =
        c.w.numbers(
            acme.id,
            NumberFilter {
                statuses: vec![NumberStatus::Missing],
                ..NumberFilter::default()
            },
        )
        .await;
    assert_eq!(missing, vec![held[0].clone()]);
    let text = c.run(&["sync", "--workspace", "Acme"]).await;
    assert!(
        stdout(&text).contains("0 missing at the carrier"),
        "{}",
        stdout(&text)
    );
    c.clean_up().await;
}

/// Reads a child's stderr in the background, so a test can wait for a line of it.
fn collect(mut from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let seen = Arc::new(Mutex::new(String::new()));
    let into = seen.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 256];
        while let Ok(n) = from.read(&mut chunk) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    });
    seen
}

#[tokio::test]
async fn an_import_stopped_with_ctrl_c_resumes_with_nothing_doubled() {
    let c = cli_world("import", 24).await;
    let acme = c.w.workspace(input("Acme")).await;
    let connection =
        c.w.app
            .workspaces()
            .connect(acme.id, c.w.twilio_form())
            .await
            .unwrap();
    // Slow enough that the import is still under way when Ctrl-C comes.
    c.w.sandbox.faults().set_latency(Duration::from_millis(150));
    c.w.sandbox
        .faults()
        .set_concurrency_cap(Some(2), Duration::from_millis(100));

    let mut child = c
        .command(&[
            "import",
            "start",
            "--workspace",
            "Acme",
            "--connection",
            &connection.id.to_string(),
            "--mode",
            "managed",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let seen = collect(child.stderr.take().unwrap());
    let started = Instant::now();
    let under_way = |text: &str| {
        text.rsplit('\r').next().is_some_and(|line| {
            line.split_once(": ")
                .and_then(|(_, rest)| rest.split('/').next())
                .and_then(|n| n.trim().parse::<u32>().ok())
                .is_some_and(|settled| settled >= 2)
        })
    };
    while !under_way(&seen.lock().unwrap()) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no progress: {}",
            seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let said = seen.lock().unwrap().clone();
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("numberdesk-cli import resume"), "{said}");
    let before = c.w.numbers(acme.id, NumberFilter::default()).await.len();
    assert!(
        before < 24,
        "the import finished before Ctrl-C; the test proved nothing"
    );

    c.w.sandbox.faults().set_latency(Duration::ZERO);
    let resumed = c.run(&["import", "resume"]).await;
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stderr(&resumed).contains("24 imported, 0 failed"),
        "{}",
        stderr(&resumed)
    );
    let mut held = c.w.numbers(acme.id, NumberFilter::default()).await;
    let count = held.len();
    held.dedup();
    assert_eq!((count, held.len()), (24, 24));
    let again = c.run(&["import", "resume"]).await;
    assert!(
        stderr(&again).contains("No import is waiting"),
        "{}",
        stderr(&again)
    );
    c.clean_up().await;
}

#[tokio::test]
async fn orders_process_completes_a_pool_order_with_the_pool_account_of_the_app() {
    let c = cli_world("orders", 3).await;
    let agency = c.w.sandbox.telnyx_accounts()[1].clone();
    c.w.app
        .pool()
        .save(
            agency.api_key.clone(),
            Some(agency.texml_application_id.clone()),
            None,
        )
        .await
        .unwrap();
    let client =
        c.w.workspace(WorkspaceInput {
            plan: "unlimited".into(),
            flags: vec!["flex_phone_self-serve".into()],
            ..input("Agency client")
        })
        .await;
    let query = SearchQuery {
        country: "US".into(),
        types: vec![NumberType::Local],
        features: Features {
            voice: true,
            ..Features::default()
        },
        ..SearchQuery::default()
    };
    let offers =
        c.w.app
            .purchases()
            .search(client.id, &query)
            .await
            .unwrap()
            .offers;
    let picked: Vec<String> = offers[..2].iter().map(|o| o.e164.to_string()).collect();
    c.w.app
        .purchases()
        .buy_from_pool(client.id, &picked, false)
        .await
        .unwrap();

    let processed = c
        .run(&["orders", "process", "--workspace", "Agency client"])
        .await;
    assert!(processed.status.success(), "{}", stderr(&processed));
    assert!(
        stdout(&processed).contains("2 active"),
        "{}",
        stdout(&processed)
    );
    let active =
        c.w.numbers(
            client.id,
            NumberFilter {
                statuses: vec![NumberStatus::Active],
                ..NumberFilter::default()
            },
        )
        .await;
    assert_eq!(active.len(), 2);
    c.clean_up().await;
}

/// `import start --csv` on a SIP trunk: the preview lists the bad rows by line and writes
/// nothing; the import adds the good rows, lists the rest, and `numbers list --carrier sip` shows
/// them. The file is read by the CLI; the rows are judged by the core.
#[tokio::test]
async fn a_csv_file_is_previewed_then_imported_into_a_sip_trunk() {
    let c = cli_world("sip-csv", 0).await;
    let acme = c.w.workspace(input("Acme")).await;
    let trunk =
        c.w.app
            .trunks()
            .connect(
                acme.id,
                numberdesk::flows::sip::trunk::SipTrunkForm {
                    name: "Office trunk".into(),
                    termination: "pbx.example.net".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    let file = c.w.dir.path().join("numbers.csv");
    std::fs::write(
        &file,
        "number,label\n+14152001000,Sales\n+14152001001,Support\n4152001002,Bad\n+14152001000,Again\n",
    )
    .unwrap();
    let connection = trunk.connection_id.get().to_string();
    let file_arg = file.to_string_lossy().into_owned();
    let base = [
        "import",
        "start",
        "--workspace",
        "Acme",
        "--connection",
        connection.as_str(),
        "--csv",
        file_arg.as_str(),
    ];
    let preview = c.run(&[&base[..], &["--preview"]].concat()).await;
    assert!(preview.status.success(), "{}", stderr(&preview));
    assert!(
        stderr(&preview).contains("2 rows can be added, 2 cannot"),
        "{}",
        stderr(&preview)
    );
    let listed = stdout(&preview);
    assert!(
        listed.contains("line 4: 4152001002 is not in international form"),
        "{listed}"
    );
    assert!(
        listed.contains("line 5: +14152001000 is already on line 2"),
        "{listed}"
    );
    let sip_only = NumberFilter {
        carriers: vec![numberdesk::domain::kinds::CarrierKind::Sip],
        ..NumberFilter::default()
    };
    assert!(
        c.w.numbers(acme.id, sip_only.clone()).await.is_empty(),
        "a preview writes nothing"
    );

    let import = c.run(&base).await;
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(
        stderr(&import).contains("Added 2 numbers; 2 rows left out."),
        "{}",
        stderr(&import)
    );
    assert_eq!(
        c.w.numbers(acme.id, sip_only).await,
        ["+14152001000", "+14152001001"]
    );
    let listed = json(
        &c.run(&[
            "numbers",
            "list",
            "--workspace",
            "Acme",
            "--carrier",
            "sip",
            "--json",
        ])
        .await,
    );
    assert_eq!(e164s(&listed), ["+14152001000", "+14152001001"]);

    // Into a connection that is not a SIP trunk: refused, exit 2, nothing written.
    let (twilio, _) = c.w.connect_twilio(acme.id).await;
    let other = twilio.get().to_string();
    let mut wrong = base;
    wrong[5] = other.as_str();
    let refused = c.run(&wrong).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("is not a SIP trunk"),
        "{}",
        stderr(&refused)
    );
    c.clean_up().await;
}
