//! `torture_bench`: crashes and carrier faults never lose or double a number or a credit.
//!
//! The bench holds the carrier sandbox; the App runs in a child process (this binary again, as
//! `worker`), on a data folder of its own, its credentials in the real keyring, the sandbox as
//! its carriers. For each flow and each run:
//! 1. `worker setup` makes a workspace and whatever the flow needs (a connection, a number to
//!    release), with no faults, and names the subject numbers;
//! 2. `worker run` carries the flow out with 20% of carrier requests faulted at random (5xx, 429,
//!    a hang past the client's timeout, a drop after the change was made, a change made late),
//!    and the bench `kill -9`s it at a random moment (the first run of a flow is not killed: it
//!    measures how long the flow takes, and later kills fall anywhere in that time);
//! 3. the faults stop, late changes land, and `worker settle` opens the App again on the same
//!    folder and lets it settle as a restarted app does (recovery, Process, resumed imports, the
//!    reconciler), on a clock it moves two minutes a pass, until nothing is open;
//! 4. the bench compares the database with the sandbox's own state.
//!
//! Flows: marketplace purchase (Twilio), pool order (Telnyx), release, region change of 50
//! numbers, managed import of 2,000 numbers (`--import-numbers`), disconnect with restore (of 20 managed numbers). Figures: runs per flow and, summed over every run, `numbers_lost` (at the
//! carrier, unknown to NumberDesk), `numbers_doubled`, `double_charges`, `credits_lost` (charged
//! without a number, or a number held uncharged), `unsettled_after_settle` and
//! `wrong_carrier_state` (NumberDesk and the carrier disagree). The last line is one JSON object.
//!
//! Usage: `torture_bench [--runs N] [--flows marketplace,pool,release,region,import,disconnect]
//! [--seed S] [--import-numbers N]`.
//! It needs a Secret Service keyring (`scripts/bench.sh torture_bench` starts one).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use numberdesk::app::context::Paths;
use numberdesk::app::{App, AppConfig, ORDER_SYNC_EVERY};
use numberdesk::carriers::account::CarrierEndpoints;
use numberdesk::carriers::{ClientOptions, Sensitive};
use numberdesk::clock::ManualClock;
use numberdesk::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use numberdesk::domain::kinds::{JournalKind, WebhookMode};
use numberdesk::flows::accounts::PoolAccount;
use numberdesk::flows::connect::ConnectForm;
use numberdesk::flows::import::ManagedTarget;
use numberdesk::flows::manage::regions;
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{Chaos, FaultKind, Sandbox, SandboxConfig, SandboxHandle};
use numberdesk::secrets::{KeyringStore, SecretStore};

/// Numbers the import flow brings in, all of the second Twilio account's (`--import-numbers`).
const IMPORT_NUMBERS: usize = 2_000;

/// The import's size as the bench passes it to its workers.
fn import_numbers() -> usize {
    std::env::var("TORTURE_IMPORT_NUMBERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(IMPORT_NUMBERS)
}
/// Share of carrier requests faulted while a flow runs.
const FAULT_PERCENT: u8 = 20;
/// A change the carrier makes late lands this long after the client gave up.
const COMMIT_LATE_MS: u64 = 300;
/// Settling passes at most; each moves the App's clock this far.
const SETTLE_PASSES: usize = 40;
const SETTLE_STEP: chrono::Duration = chrono::Duration::minutes(2);

const FLOWS: [&str; 6] = [
    "marketplace",
    "pool",
    "release",
    "region",
    "import",
    "disconnect",
];
/// Numbers the region flow moves, and the disconnect flow restores.
const REGION_NUMBERS: usize = 50;
const DISCONNECT_NUMBERS: usize = 20;
/// Where the region flow moves them.
const REGION: &str = "ie1";

// ---------------------------------------------------------------------------------------------
// What the worker hands back

/// What `worker setup` made.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Prepared {
    workspace_id: WorkspaceId,
    connection_id: Option<ConnectionId>,
    /// The numbers the flow works on (to buy, to import, to release).
    subject: Vec<String>,
    /// The number to release.
    number_id: Option<PhoneNumberId>,
    /// The numbers to move to another region.
    number_ids: Vec<PhoneNumberId>,
}

/// What NumberDesk holds after `worker settle`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Settled {
    /// Held numbers (not released, not failed): e164 → rows.
    held: BTreeMap<String, usize>,
    /// Released numbers.
    released: HashSet<String>,
    /// Purchases charged minus refunds, per number.
    net_charges: BTreeMap<String, i64>,
    /// Open journal intents, pending orders, unconfirmed import items and running imports.
    open: usize,
    /// The open journal intents, "kind: payload" (to read a failed run).
    open_rows: Vec<String>,
    /// Each held Twilio number's inbound region as NumberDesk has it.
    regions: BTreeMap<String, Option<String>>,
    /// Carrier connections left in the workspace.
    connections: usize,
    passes: usize,
}

// ---------------------------------------------------------------------------------------------
// The worker: the App in a process of its own

fn client_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_millis(800),
        deadline: Duration::from_secs(20),
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(100),
        retry_after_cap: Duration::from_millis(100),
        ..ClientOptions::default()
    }
}

fn open_app(data: &std::path::Path, clock: Arc<ManualClock>) -> anyhow::Result<App> {
    let redactor = Redactor::new();
    let service = std::env::var("NUMBERDESK_KEYRING_SERVICE")
        .context("the bench names the keyring service")?;
    let secrets = Arc::new(KeyringStore::new(service, redactor.clone()));
    secrets.probe().map_err(|e| {
        anyhow::anyhow!("the keyring is not reachable ({e}); run through scripts/bench.sh")
    })?;
    Ok(App::open(AppConfig {
        paths: Paths::under(data),
        secrets,
        clock,
        redactor,
        endpoints: CarrierEndpoints::from_env(),
        client_options: client_options(),
        order_sync_every: ORDER_SYNC_EVERY,
    })?)
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is set by the bench"))
}

fn set_pool(app: &App) -> anyhow::Result<()> {
    app.accounts().set_pool(Some(PoolAccount {
        api_key: Sensitive::new(env("TORTURE_POOL_KEY")?),
        texml_connection_id: Some(env("TORTURE_POOL_TEXML")?),
        messaging_profile_id: Some(env("TORTURE_POOL_PROFILE")?),
    }))?;
    Ok(())
}

#[path = "bench_world.rs"]
mod bench_world;

fn twilio_form(account: usize) -> anyhow::Result<ConnectForm> {
    Ok(ConnectForm {
        carrier: "twilio".into(),
        name: "Torture Twilio".into(),
        twilio_account_sid: Some(env(&format!("TORTURE_TWILIO_SID_{account}"))?),
        twilio_auth_token: Some(Sensitive::new(env(&format!(
            "TORTURE_TWILIO_TOKEN_{account}"
        ))?)),
        ..ConnectForm::default()
    })
}

/// Numbers on sale in the workspace's flow: `count` of them, from a random area code.
async fn pick(
    app: &App,
    workspace_id: WorkspaceId,
    connection_id: Option<ConnectionId>,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let query = bench_world::us_local(connection_id);
    let results = app.purchases().search(workspace_id, &query).await?;
    let seed = std::process::id() as usize;
    let offers = &results.offers;
    if offers.len() < count {
        bail!("the sandbox offered only {} numbers", offers.len());
    }
    Ok((0..count)
        .map(|i| offers[(seed + i * 7) % offers.len()].e164.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect())
}

/// The first `count` numbers of the connection's account.
async fn importable(
    app: &App,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let listed = app
        .imports()
        .list_importable(workspace_id, connection_id)
        .await?;
    Ok(listed
        .numbers
        .iter()
        .take(count)
        .map(|c| c.number.e164.to_string())
        .collect())
}

async fn setup(app: &App, flow: &str) -> anyhow::Result<Prepared> {
    let pool = flow == "pool";
    let workspace = app
        .workspaces()
        .create(bench_world::workspace("Torture", pool))
        .await?;
    // The import reads the second Twilio account; region and disconnect work on the third.
    let account = match flow {
        "import" => 1,
        "region" | "disconnect" => 2,
        _ => 0,
    };
    let connection_id = if pool {
        None
    } else {
        Some(
            app.workspaces()
                .connect(workspace.id, twilio_form(account)?)
                .await?
                .id,
        )
    };
    let mut prepared = Prepared {
        workspace_id: workspace.id,
        connection_id,
        subject: Vec::new(),
        number_id: None,
        number_ids: Vec::new(),
    };
    match flow {
        "marketplace" => prepared.subject = pick(app, workspace.id, connection_id, 2).await?,
        "pool" => prepared.subject = pick(app, workspace.id, None, 3).await?,
        "release" => {
            let e164 = pick(app, workspace.id, connection_id, 1).await?.remove(0);
            let bought = app
                .purchases()
                .buy(workspace.id, connection_id, &e164)
                .await?;
            prepared.number_id = Some(bought.numbers[0].phone_number_id);
            prepared.subject = vec![e164];
        }
        "import" => {
            let connection = connection_id.context("a connection")?;
            prepared.subject = importable(app, workspace.id, connection, import_numbers()).await?;
        }
        "region" | "disconnect" => {
            let connection = connection_id.context("a connection")?;
            let (count, mode) = if flow == "region" {
                (REGION_NUMBERS, WebhookMode::OutboundOnly)
            } else {
                (DISCONNECT_NUMBERS, WebhookMode::Managed)
            };
            prepared.subject = importable(app, workspace.id, connection, count).await?;
            let import = app
                .imports()
                .start(workspace.id, connection, prepared.subject.clone(), mode)
                .await?;
            let done = app.imports().watch(import, |_| true).await?;
            if done.done != count as i64 {
                bail!("the {flow} flow's setup imported {} of {count}", done.done);
            }
            prepared.number_ids = app
                .context()
                .store
                .read(|c| numberdesk::store::numbers::list(c, workspace.id))?
                .into_iter()
                .map(|n| n.id)
                .collect();
            if flow == "region" {
                // Moving numbers to ie1 writes their configuration there, with a key made there.
                regions::add_regional_key(
                    app.accounts(),
                    workspace.id,
                    connection,
                    REGION,
                    &env("TORTURE_TWILIO_REGION_KEY_2")?,
                    Sensitive::new(env("TORTURE_TWILIO_REGION_SECRET_2")?),
                )
                .await?;
                // An import does not read a number's region, and an earlier run left these in
                // ie1: read each from Twilio, so the run starts from what Twilio has.
                for id in &prepared.number_ids {
                    regions::refresh_region(app.accounts(), workspace.id, *id).await?;
                }
            }
        }
        other => bail!("unknown flow {other}"),
    }
    Ok(prepared)
}

/// Carries the flow out; the bench may kill this process anywhere in it.
async fn run(app: &App, flow: &str, prepared: &Prepared) -> anyhow::Result<()> {
    let (workspace, connection) = (prepared.workspace_id, prepared.connection_id);
    match flow {
        "marketplace" => {
            for e164 in &prepared.subject {
                // A refusal (faulted carrier) is a fine outcome; only what is recorded counts.
                let _ = app.purchases().buy(workspace, connection, e164).await;
            }
        }
        "pool" => {
            let _ = app
                .purchases()
                .buy_from_pool(workspace, &prepared.subject, true)
                .await;
        }
        "release" => {
            let id = prepared.number_id.context("a number to release")?;
            let _ = app.purchases().release(workspace, id).await;
        }
        "region" => {
            let _ = app
                .carriers()
                .set_inbound_region(workspace, &prepared.number_ids, REGION)
                .await;
        }
        "disconnect" => {
            let connection = connection.context("a connection")?;
            let _ = app
                .carriers()
                .disconnect(workspace, connection, true, false)
                .await;
        }
        "import" => {
            let connection = connection.context("a connection")?;
            let import = app
                .imports()
                .start(
                    workspace,
                    connection,
                    prepared.subject.clone(),
                    WebhookMode::Managed,
                )
                .await?;
            app.imports().watch(import, |_| true).await?;
        }
        other => bail!("unknown flow {other}"),
    }
    Ok(())
}

/// Settles as a restarted app does, a pass at a time on a clock moved between passes, until
/// nothing is open; then reads what NumberDesk holds.
async fn settle(app: &App, clock: &ManualClock, prepared: &Prepared) -> anyhow::Result<Settled> {
    let mut passes = 0;
    loop {
        passes += 1;
        for import in app.imports().resume().await? {
            app.imports().watch(import, |_| true).await?;
        }
        let _ = app.purchases().recover().await;
        let _ = app.purchases().process(prepared.workspace_id, None).await;
        let _ = numberdesk::flows::reconcile::pass(app.accounts()).await;
        let open = open_count(app)?;
        if open == 0 || passes >= SETTLE_PASSES {
            break;
        }
        clock.advance(SETTLE_STEP);
    }
    let mut settled = read_state(app)?;
    settled.passes = passes;
    Ok(settled)
}

fn open_count(app: &App) -> anyhow::Result<usize> {
    Ok(app.context().store.read(|c| {
        let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0));
        let kinds = [
            JournalKind::Purchase,
            JournalKind::Release,
            JournalKind::Region,
            JournalKind::Restore,
            JournalKind::ImportChange,
            JournalKind::Disconnect,
        ];
        let intents = numberdesk::store::journal::unfinished(c, &kinds)?.len() as i64;
        let total = intents
            + count("SELECT count(*) FROM orders WHERE status = 'pending'")?
            + count("SELECT count(*) FROM import_items WHERE state IN ('pending', 'unconfirmed')")?
            + count("SELECT count(*) FROM imports WHERE state = 'running'")?;
        Ok::<_, numberdesk::store::StoreError>(usize::try_from(total).unwrap_or(0))
    })?)
}

fn read_state(app: &App) -> anyhow::Result<Settled> {
    let open = open_count(app)?;
    Ok(app.context().store.read(|c| {
        let mut settled = Settled {
            open,
            ..Settled::default()
        };
        let kinds = [
            JournalKind::Purchase,
            JournalKind::Release,
            JournalKind::Region,
            JournalKind::Restore,
            JournalKind::ImportChange,
            JournalKind::Disconnect,
        ];
        settled.open_rows = numberdesk::store::journal::unfinished(c, &kinds)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?
            .into_iter()
            .map(|row| format!("{:?}: {}", row.kind, row.payload_json))
            .collect();
        let mut rows =
            c.prepare("SELECT e164, status, carrier, inbound_region FROM phone_numbers")?;
        let numbers = rows.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        for number in numbers {
            let (e164, status, carrier, region) = number?;
            match status.as_str() {
                "released" => {
                    settled.released.insert(e164);
                }
                "failed" => {}
                _ => {
                    if carrier == "twilio" {
                        settled.regions.insert(e164.clone(), region);
                    }
                    *settled.held.entry(e164).or_default() += 1;
                }
            }
        }
        let connections: i64 =
            c.query_row("SELECT count(*) FROM carrier_connections", [], |r| r.get(0))?;
        settled.connections = usize::try_from(connections).unwrap_or(0);
        let mut charges = c.prepare(
            "SELECT e164, sum(CASE kind WHEN 'purchase' THEN 1 ELSE -1 END) FROM credit_entries
             WHERE kind IN ('purchase', 'refund') AND e164 IS NOT NULL GROUP BY e164",
        )?;
        for charge in
            charges.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        {
            let (e164, net) = charge?;
            settled.net_charges.insert(e164, net);
        }
        Ok::<_, rusqlite::Error>(settled)
    })?)
}

async fn worker(phase: &str, flow: &str, data: &std::path::Path) -> anyhow::Result<()> {
    // The App's own log, through its redactor, in the run's folder (kept when a run fails).
    let _log = numberdesk::logging::init(&data.join("logs"), Redactor::new())?;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = open_app(data, clock.clone())?;
    set_pool(&app)?;
    let prepared_file = data.join("prepared.json");
    match phase {
        "setup" => {
            let prepared = setup(&app, flow).await?;
            std::fs::write(&prepared_file, serde_json::to_vec(&prepared)?)?;
        }
        "run" => {
            let prepared: Prepared = serde_json::from_slice(&std::fs::read(&prepared_file)?)?;
            run(&app, flow, &prepared).await?;
        }
        "settle" => {
            let prepared: Prepared = serde_json::from_slice(&std::fs::read(&prepared_file)?)?;
            let settled = settle(&app, &clock, &prepared).await?;
            println!("{}", serde_json::to_string(&settled)?);
        }
        other => bail!("unknown phase {other}"),
    }
    app.shutdown().await;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The bench

#[derive(Debug, Default, Clone, Serialize)]
struct Losses {
    runs: usize,
    killed: usize,
    numbers_lost: usize,
    numbers_doubled: usize,
    double_charges: usize,
    credits_lost: usize,
    unsettled_after_settle: usize,
    wrong_carrier_state: usize,
}

impl Losses {
    fn add(&mut self, other: &Losses) {
        self.runs += other.runs;
        self.killed += other.killed;
        self.numbers_lost += other.numbers_lost;
        self.numbers_doubled += other.numbers_doubled;
        self.double_charges += other.double_charges;
        self.credits_lost += other.credits_lost;
        self.unsettled_after_settle += other.unsettled_after_settle;
        self.wrong_carrier_state += other.wrong_carrier_state;
    }

    fn any(&self) -> bool {
        self.numbers_lost
            + self.numbers_doubled
            + self.double_charges
            + self.credits_lost
            + self.unsettled_after_settle
            + self.wrong_carrier_state
            > 0
    }
}

/// One number as the carrier has it.
#[derive(Debug, Clone)]
struct AtCarrier {
    voice_url: Option<String>,
    region: Option<String>,
}

/// splitmix64, seeded: kill moments a run can repeat.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % bound.max(1)
    }
}

struct Bench {
    sandbox: SandboxHandle,
    exe: std::path::PathBuf,
    env: Vec<(String, String)>,
    root: std::path::PathBuf,
}

impl Bench {
    fn worker(&self, phase: &str, flow: &str, data: &std::path::Path) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .args(["worker", phase, flow])
            .arg(data)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    fn finish(&self, phase: &str, flow: &str, data: &std::path::Path) -> anyhow::Result<String> {
        let output = self
            .worker(phase, flow, data)
            .stderr(Stdio::inherit())
            .output()?;
        if !output.status.success() {
            bail!("worker {phase} {flow} failed: {}", output.status);
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn chaos(&self, seed: u64) {
        self.sandbox.faults().set_chaos(Some(Chaos {
            percent: FAULT_PERCENT,
            kinds: vec![
                FaultKind::ServerError { status: 503 },
                FaultKind::RateLimited {
                    retry_after_secs: 1,
                },
                FaultKind::Hang { millis: 1_500 },
                FaultKind::DropAfterCommit,
                FaultKind::CommitLate {
                    millis: COMMIT_LATE_MS,
                },
            ],
            seed,
        }));
    }

    /// One run of a flow: set up, run (killed at `kill_after`, or to its end), settle, compare.
    /// Returns the losses and how long the run phase lasted.
    fn run_once(
        &self,
        flow: &str,
        index: usize,
        kill_after: Option<Duration>,
        seed: u64,
    ) -> anyhow::Result<(Losses, Duration)> {
        let data = self.root.join(format!("{flow}-{index}"));
        std::fs::create_dir_all(&data)?;
        let before = self.carrier_numbers(flow);
        self.finish("setup", flow, &data)?;
        let prepared: Prepared =
            serde_json::from_slice(&std::fs::read(data.join("prepared.json"))?)?;

        self.chaos(seed);
        let started = Instant::now();
        let mut child = self
            .worker("run", flow, &data)
            .stdout(Stdio::null())
            .spawn()?;
        let mut killed = false;
        loop {
            if child.try_wait()?.is_some() {
                break;
            }
            if kill_after.is_some_and(|after| started.elapsed() >= after) {
                child.kill()?; // SIGKILL
                child.wait()?;
                killed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let lasted = started.elapsed();
        self.sandbox.faults().clear();
        // Changes the carrier makes late land before the app is started again.
        std::thread::sleep(Duration::from_millis(COMMIT_LATE_MS * 3));

        let settled: Settled = serde_json::from_str(self.finish("settle", flow, &data)?.trim())?;
        let mut losses = self.compare(flow, &prepared, &settled, &before);
        losses.runs = 1;
        losses.killed = usize::from(killed);
        if losses.any() {
            eprintln!(
                "run {flow} #{index} (killed: {killed}, after {lasted:?}): {losses:?} {settled:?}"
            );
        } else {
            let _ = std::fs::remove_dir_all(&data);
        }
        Ok((losses, lasted))
    }

    /// Puts the third Twilio account's numbers back to the voice URL and region they had when
    /// the sandbox started (through Twilio's API, as their owner would), for the flows using it.
    async fn reset(&self, flow: &str, pristine: &HashMap<String, AtCarrier>) -> anyhow::Result<()> {
        if !matches!(flow, "region" | "disconnect") {
            return Ok(());
        }
        let account = &self.sandbox.twilio_accounts()[2];
        let urls = self.sandbox.base_urls();
        let http = reqwest::Client::new();
        let Some(state) = self.sandbox.account_state(&account.account_sid, true) else {
            bail!("the sandbox has no third Twilio account");
        };
        for number in state.numbers {
            let Some(was) = pristine.get(&number.phone_number) else {
                continue;
            };
            let post = |url: String, form: Vec<(&'static str, String)>| {
                http.post(url)
                    .basic_auth(&account.account_sid, Some(&account.auth_token))
                    .form(&form)
                    .send()
            };
            if number.voice_url != was.voice_url {
                let url = format!(
                    "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers/{}.json",
                    urls.twilio_api, account.account_sid, number.id
                );
                let form = vec![("VoiceUrl", was.voice_url.clone().unwrap_or_default())];
                post(url, form).await?.error_for_status()?;
            }
            if number.voice_region != was.region {
                let url = format!(
                    "{}/v2/PhoneNumbers/{}",
                    urls.twilio_routes,
                    number.phone_number.replace('+', "%2B")
                );
                let region = was.region.clone().unwrap_or_else(|| "us1".into());
                post(url, vec![("VoiceRegion", region)])
                    .await?
                    .error_for_status()?;
            }
        }
        Ok(())
    }

    /// The numbers the flow's carrier account holds now.
    fn carrier_numbers(&self, flow: &str) -> HashMap<String, AtCarrier> {
        let id = match flow {
            "pool" => self.sandbox.telnyx_accounts()[1].organization_id.clone(),
            "import" => self.sandbox.twilio_accounts()[1].account_sid.clone(),
            "region" | "disconnect" => self.sandbox.twilio_accounts()[2].account_sid.clone(),
            _ => self.sandbox.twilio_accounts()[0].account_sid.clone(),
        };
        let state = self.sandbox.account_state(&id, true);
        state
            .map(|s| {
                s.numbers
                    .into_iter()
                    .map(|n| {
                        let at = AtCarrier {
                            voice_url: n.voice_url,
                            region: n.voice_region,
                        };
                        (n.phone_number, at)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn compare(
        &self,
        flow: &str,
        prepared: &Prepared,
        settled: &Settled,
        before: &HashMap<String, AtCarrier>,
    ) -> Losses {
        let at_carrier = self.carrier_numbers(flow);
        let mut losses = Losses {
            unsettled_after_settle: settled.open,
            numbers_doubled: settled.held.values().filter(|rows| **rows > 1).count(),
            ..Losses::default()
        };
        let held = |e164: &str| settled.held.contains_key(e164);
        match flow {
            "marketplace" | "pool" => {
                for e164 in &prepared.subject {
                    let owned = at_carrier.contains_key(e164);
                    let net = settled.net_charges.get(e164).copied().unwrap_or(0);
                    if owned && !held(e164) {
                        losses.numbers_lost += 1;
                    }
                    if !owned && held(e164) {
                        losses.wrong_carrier_state += 1;
                    }
                    if net > 1 {
                        losses.double_charges += 1;
                    }
                    if (net > 0) != held(e164) {
                        losses.credits_lost += 1;
                    }
                }
            }
            "release" => {
                let e164 = &prepared.subject[0];
                let owned = at_carrier.contains_key(e164);
                let released = settled.released.contains(e164);
                if owned == released || owned != held(e164) {
                    losses.wrong_carrier_state += 1;
                }
                if settled.net_charges.get(e164).copied().unwrap_or(0) != 1 {
                    losses.double_charges += 1;
                }
            }
            "import" => {
                let target = ManagedTarget::twilio("https://voice.example.com");
                let ManagedTarget::Twilio { voice_url, .. } = &target else {
                    return losses;
                };
                for e164 in &prepared.subject {
                    let now = at_carrier.get(e164).and_then(|at| at.voice_url.clone());
                    let was = before.get(e164).and_then(|at| at.voice_url.clone());
                    let ours = now.as_deref() == Some(voice_url.as_str());
                    match (held(e164), ours) {
                        (true, true) => {}
                        // Recorded as managed, yet the carrier routes it elsewhere.
                        (true, false) => losses.wrong_carrier_state += 1,
                        // Pointed at us by this run and not in NumberDesk: lost.
                        (false, true) if was != now => losses.numbers_lost += 1,
                        (false, _) => {}
                    }
                }
            }
            "region" => {
                for e164 in &prepared.subject {
                    let ours = settled.regions.get(e164).cloned().flatten();
                    let theirs = at_carrier.get(e164).and_then(|at| at.region.clone());
                    if !held(e164) {
                        losses.numbers_lost += 1;
                    } else if ours.as_deref().unwrap_or("us1") != theirs.as_deref().unwrap_or("us1")
                    {
                        // NumberDesk shows another region than the one Twilio routes through.
                        losses.wrong_carrier_state += 1;
                    }
                }
            }
            "disconnect" => {
                let target = ManagedTarget::twilio("https://voice.example.com");
                let ManagedTarget::Twilio { voice_url, .. } = &target else {
                    return losses;
                };
                let disconnected = settled.connections == 0;
                for e164 in &prepared.subject {
                    let now = at_carrier.get(e164).and_then(|at| at.voice_url.clone());
                    let was = before.get(e164).and_then(|at| at.voice_url.clone());
                    if disconnected {
                        // Gone from NumberDesk: the user's own settings are back.
                        if now != was {
                            losses.wrong_carrier_state += 1;
                        }
                    } else if !held(e164) {
                        losses.numbers_lost += 1;
                    } else if now.as_deref() != Some(voice_url.as_str()) {
                        // Still shown as managed, yet the carrier routes it elsewhere.
                        losses.wrong_carrier_state += 1;
                    }
                }
            }
            _ => {}
        }
        losses
    }
}

async fn bench() -> anyhow::Result<()> {
    let mut args = pico_args::Arguments::from_env();
    let runs: usize = args.opt_value_from_str("--runs")?.unwrap_or(50);
    let seed: u64 = args.opt_value_from_str("--seed")?.unwrap_or(11);
    let import_count: usize = args
        .opt_value_from_str("--import-numbers")?
        .unwrap_or(IMPORT_NUMBERS);
    let flows: String = args
        .opt_value_from_str("--flows")?
        .unwrap_or_else(|| FLOWS.join(","));
    let flows: Vec<String> = flows.split(',').map(str::to_owned).collect();
    if let Some(unknown) = flows.iter().find(|f| !FLOWS.contains(&f.as_str())) {
        bail!("unknown flow {unknown}; the flows are {}", FLOWS.join(", "));
    }
    if runs < 2 {
        bail!("--runs must be at least 2 (the first run of each flow is not killed)");
    }

    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: 5,
        owned_numbers_other_accounts: import_count.max(REGION_NUMBERS),
        accounts_per_carrier: 3,
        seed,
        ..SandboxConfig::default()
    })
    .await?;
    let endpoints = CarrierEndpoints::from(sandbox.base_urls());
    let mut env: Vec<(String, String)> = endpoints
        .overrides()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    for (i, twilio) in sandbox.twilio_accounts().iter().enumerate() {
        env.push((
            format!("TORTURE_TWILIO_SID_{i}"),
            twilio.account_sid.clone(),
        ));
        env.push((
            format!("TORTURE_TWILIO_TOKEN_{i}"),
            twilio.auth_token.clone(),
        ));
        if let Some(key) = twilio.regional_key(REGION) {
            env.push((
                format!("TORTURE_TWILIO_REGION_KEY_{i}"),
                key.key_sid.clone(),
            ));
            env.push((
                format!("TORTURE_TWILIO_REGION_SECRET_{i}"),
                key.key_secret.clone(),
            ));
        }
    }
    let pool = &sandbox.telnyx_accounts()[1];
    env.push(("TORTURE_POOL_KEY".into(), pool.api_key.clone()));
    env.push((
        "TORTURE_POOL_TEXML".into(),
        pool.texml_application_id.clone(),
    ));
    env.push((
        "TORTURE_POOL_PROFILE".into(),
        pool.messaging_profile_id.clone(),
    ));
    env.push(("TORTURE_IMPORT_NUMBERS".into(), import_count.to_string()));
    env.push((
        "NUMBERDESK_KEYRING_SERVICE".into(),
        format!("app.numberdesk.torture.{}", std::process::id()),
    ));
    let root = std::env::temp_dir().join(format!("numberdesk-torture-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;
    let bench = Bench {
        sandbox,
        exe: std::env::current_exe()?,
        env,
        root: root.clone(),
    };

    // The region and disconnect flows share the third Twilio account: each run starts from the
    // user's own settings as the sandbox seeded them, so a run that put them back and one that
    // left them pointed at NumberDesk end differently.
    let pristine = bench.carrier_numbers("disconnect");
    let mut random = Random(seed);
    let mut total = Losses::default();
    let mut per_flow = BTreeMap::new();
    let started = Instant::now();
    for flow in &flows {
        let mut losses = Losses::default();
        // The first run is not killed: it says how long the flow takes. Later runs that end
        // before their kill add to that, and the kill window is 1.2 times the median length of
        // the runs that ended (one run with a long hang must not put most kills after the end).
        bench.reset(flow, &pristine).await?;
        let (first, lasted) = bench.run_once(flow, 0, None, random.below(u64::MAX))?;
        losses.add(&first);
        let mut lengths = vec![lasted];
        for index in 1..runs {
            lengths.sort();
            let median = lengths[lengths.len() / 2];
            let span = u64::try_from(median.as_micros())
                .unwrap_or(u64::MAX)
                .max(1_000);
            let kill_after = Duration::from_micros(random.below(span + span / 5));
            bench.reset(flow, &pristine).await?;
            let (run, length) =
                bench.run_once(flow, index, Some(kill_after), random.below(u64::MAX))?;
            if run.killed == 0 {
                lengths.push(length);
            }
            losses.add(&run);
        }
        lengths.sort();
        let median = lengths[lengths.len() / 2];
        println!(
            "{flow}: {} runs ({} killed, a run about {:.0} ms): lost {}, doubled {}, double charges {}, credits lost {}, unsettled {}, wrong at the carrier {}",
            losses.runs,
            losses.killed,
            median.as_secs_f64() * 1_000.0,
            losses.numbers_lost,
            losses.numbers_doubled,
            losses.double_charges,
            losses.credits_lost,
            losses.unsettled_after_settle,
            losses.wrong_carrier_state
        );
        total.add(&losses);
        per_flow.insert(flow.clone(), losses);
    }
    if total.any() {
        println!(
            "the failed runs' folders (database, logs) are kept in {}",
            root.display()
        );
    } else {
        let _ = std::fs::remove_dir_all(&root);
    }
    let line = serde_json::json!({
        "bench": "torture_bench",
        "flows": per_flow.keys().collect::<Vec<_>>(),
        "runs_per_flow": runs,
        "import_numbers": import_count,
        "runs": total.runs,
        "killed": total.killed,
        "fault_percent": FAULT_PERCENT,
        "numbers_lost": total.numbers_lost,
        "numbers_doubled": total.numbers_doubled,
        "double_charges": total.double_charges,
        "credits_lost": total.credits_lost,
        "unsettled_after_settle": total.unsettled_after_settle,
        "wrong_carrier_state": total.wrong_carrier_state,
        "per_flow": per_flow,
        "seconds": started.elapsed().as_secs(),
    });
    println!("{line}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("worker") {
        let (phase, flow, data) = match (args.next(), args.next(), args.next()) {
            (Some(phase), Some(flow), Some(data)) => (phase, flow, std::path::PathBuf::from(data)),
            _ => bail!("worker PHASE FLOW DATA_DIR"),
        };
        return runtime.block_on(worker(&phase, &flow, &data));
    }
    runtime.block_on(bench())
}
