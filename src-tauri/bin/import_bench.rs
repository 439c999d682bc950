//! `import_bench`: how fast NumberDesk's import (the real path: journal, SQLite, snapshots, the
//! Twilio client) imports 10,000 numbers with webhook updates against the sandbox (100 ms added
//! latency) when the sandbox caps concurrent requests at 10 and then at 50. The client is not told
//! the cap: its adaptive limiter has to find it. The listing (the picker's step) is timed apart.
//! Prints per run the import's time, the 429s seen, the one-at-a-time time (N x latency), the
//! floor ceil(N / cap) x latency and the ratio to the floor; the last line is one JSON object.
//!
//! Usage: `import_bench [--numbers N] [--latency-ms MS] [--caps 10,50]`.

use std::time::{Duration, Instant};

use std::sync::Arc;

use numberdesk::app::context::Context;
use numberdesk::carriers::account::{CarrierAccount, CarrierEndpoints};
use numberdesk::carriers::{ClientOptions, Sensitive};
use numberdesk::clock::SystemClock;
use numberdesk::flows::connect::{self, ConnectForm};
use numberdesk::flows::import::{ImportRegistry, Importer, WebhookMode};
use numberdesk::flows::workspaces::WorkspaceInput;
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{Sandbox, SandboxConfig};
use numberdesk::secrets::MemorySecretStore;

struct Settings {
    numbers: usize,
    latency: Duration,
    caps: Vec<usize>,
}

fn settings() -> anyhow::Result<Settings> {
    let mut args = pico_args::Arguments::from_env();
    let numbers = args.opt_value_from_str("--numbers")?.unwrap_or(10_000);
    let latency_ms: u64 = args.opt_value_from_str("--latency-ms")?.unwrap_or(100);
    let caps: String = args
        .opt_value_from_str("--caps")?
        .unwrap_or_else(|| "10,50".to_string());
    let caps = caps
        .split(',')
        .map(|cap| {
            cap.trim()
                .parse::<usize>()
                .map_err(|e| anyhow::anyhow!("--caps: {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if numbers == 0 || caps.contains(&0) {
        anyhow::bail!("--numbers and every cap must be positive");
    }
    Ok(Settings {
        numbers,
        latency: Duration::from_millis(latency_ms),
        caps,
    })
}

struct Run {
    cap: usize,
    listed: usize,
    updated: usize,
    failed: usize,
    list_secs: f64,
    elapsed_secs: f64,
    rate_limited: u64,
    final_limit: usize,
    peak_limit: usize,
    one_at_a_time_secs: f64,
    floor_secs: f64,
    ratio: f64,
}

async fn run(settings: &Settings, cap: usize) -> anyhow::Result<Run> {
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: settings.numbers,
        latency: settings.latency,
        ..SandboxConfig::default()
    })
    .await?;
    sandbox
        .faults()
        .set_concurrency_cap(Some(cap), Duration::from_secs(1));
    let seeded = sandbox.twilio_accounts()[0].clone();

    // The real import path: a database file, the journal, snapshots, one client per account
    // (fresh per run, so it starts knowing nothing about the cap).
    let dir = std::env::temp_dir().join(format!(
        "numberdesk-import-bench-{}-{cap}",
        std::process::id()
    ));
    let redactor = Redactor::new();
    let core = Arc::new(Context::open(
        &dir.join("bench.sqlite3"),
        Arc::new(MemorySecretStore::new(redactor.clone())),
        Arc::new(SystemClock),
        redactor,
    )?);
    let workspace = core.workspaces().create(&WorkspaceInput {
        name: "Bench".into(),
        plan: "standard".into(),
        flags: vec![],
        monthly_credit_allowance: 0,
        webhook_base_url: "https://bench.numberdesk.example".into(),
    })?;
    let form = ConnectForm {
        carrier: "twilio".into(),
        name: "Bench Twilio".into(),
        twilio_account_sid: Some(seeded.account_sid.clone()),
        twilio_auth_token: Some(Sensitive::new(seeded.auth_token.clone())),
        ..ConnectForm::default()
    };
    let options = ClientOptions {
        deadline: Duration::from_secs(30 * 60),
        ..ClientOptions::default()
    };
    let account = Arc::new(CarrierAccount::open(
        &connect::credentials_from(&form)?,
        &CarrierEndpoints::from(sandbox.base_urls()),
        options,
    )?);
    let connection = connect::connect(&core, &workspace, &form, &account).await?;

    // The picker's listing (every page), then the import of every number with webhook updates.
    let listing_started = Instant::now();
    let listed = account.list_numbers(&mut |_| {}).await?;
    let list_secs = listing_started.elapsed().as_secs_f64();
    let n = listed.len();
    let selected: Vec<String> = listed
        .iter()
        .map(|number| number.e164.to_string())
        .collect();
    let importer = Importer::new(core.clone(), ImportRegistry::default());
    let started = Instant::now();
    let id = importer.start(
        workspace.id,
        connection.id,
        &listed,
        &selected,
        WebhookMode::Managed,
    )?;
    let progress = importer.run(id, account.clone()).await?;
    let elapsed_secs = started.elapsed().as_secs_f64();
    for failure in &progress.failures {
        eprintln!("not imported: {} ({})", failure.e164, failure.reason);
    }

    let stats = account.limiter_stats();
    let latency = settings.latency.as_secs_f64();
    let floor_secs = n.div_ceil(cap) as f64 * latency;
    sandbox.shutdown().await;
    drop(core);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Run {
        cap,
        listed: n,
        updated: progress.done as usize,
        failed: progress.failed as usize,
        list_secs,
        elapsed_secs,
        rate_limited: stats.rate_limited,
        final_limit: stats.limit,
        peak_limit: stats.peak_limit,
        one_at_a_time_secs: n as f64 * latency,
        floor_secs,
        ratio: elapsed_secs / floor_secs,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings()?;
    println!(
        "import_bench: {} Twilio numbers, {} ms added latency, caps {:?} (the client is not told the cap)",
        settings.numbers,
        settings.latency.as_millis(),
        settings.caps
    );
    let mut runs = Vec::new();
    for &cap in &settings.caps {
        let result = run(&settings, cap).await?;
        println!(
            "cap {:>3}: {:.1} s for {} listed + {} updated ({} failed; listing done after {:.1} s); {} x 429; \
             one at a time {:.0} s; floor {:.1} s; ratio {:.3}; limit ended at {} (peak {})",
            result.cap,
            result.elapsed_secs,
            result.listed,
            result.updated,
            result.failed,
            result.list_secs,
            result.rate_limited,
            result.one_at_a_time_secs,
            result.floor_secs,
            result.ratio,
            result.final_limit,
            result.peak_limit,
        );
        runs.push(result);
    }
    let figures: Vec<serde_json::Value> = runs
        .iter()
        .map(|run| {
            serde_json::json!({
                "cap": run.cap,
                "numbers": run.listed,
                "updated": run.updated,
                "failed": run.failed,
                "elapsed_s": round3(run.elapsed_secs),
                "list_s": round3(run.list_secs),
                "http_429": run.rate_limited,
                "one_at_a_time_s": round3(run.one_at_a_time_secs),
                "floor_s": round3(run.floor_secs),
                "ratio_to_floor": round3(run.ratio),
                "speedup_vs_one_at_a_time": round3(run.one_at_a_time_secs / run.elapsed_secs),
                "limit_final": run.final_limit,
                "limit_peak": run.peak_limit,
            })
        })
        .collect();
    let goal_met = runs.iter().all(|run| run.ratio <= 1.3 && run.failed == 0);
    println!(
        "{}",
        serde_json::json!({
            "bench": "import_bench",
            "latency_ms": settings.latency.as_millis() as u64,
            "runs": figures,
            "goal_ratio": 1.3,
            "goal_met": goal_met,
        })
    );
    Ok(())
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
