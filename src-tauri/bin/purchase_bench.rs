//! `purchase_bench`: what NumberDesk's search-and-buy core costs beyond the carrier.
//!
//! 1. Search overhead: the search service (workspace and connection lookup, input checks, the
//!    carrier calls, mapping rows to offers with credits, writing the SQLite cache) minus the same
//!    carrier calls made directly with the client, against the sandbox with added latency. Medians
//!    and p95 over many runs; then the same search in the real window, from pressing Search to
//!    the results table painted (through WebDriver; see `window_probe.rs`).
//! 2. A 50-number pool order: Buy now (journal, one Telnyx order, 50 numbers recorded and
//!    charged) and Process (order synced, 50 carrier ids looked up, 50 numbers Active).
//!
//! The last line is one JSON object. Usage: `purchase_bench [--latency-ms MS] [--runs N]
//! [--numbers N]`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use numberdesk::app::context::Paths;
use numberdesk::app::{App, AppConfig, ORDER_SYNC_EVERY};
use numberdesk::carriers::account::CarrierEndpoints;
use numberdesk::carriers::{
    ClientOptions, NumberSearch, NumberType, Sensitive, TwilioClient, TwilioCredentials,
};
use numberdesk::clock::SystemClock;
use numberdesk::flows::accounts::PoolAccount;
use numberdesk::flows::connect::ConnectForm;
use numberdesk::flows::purchase::SearchQuery;
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{OrderCompletion, OrderOutcome, Sandbox, SandboxConfig, SandboxHandle};
use numberdesk::secrets::MemorySecretStore;

struct Settings {
    latency: Duration,
    runs: usize,
    numbers: usize,
}

fn settings() -> anyhow::Result<Settings> {
    let mut args = pico_args::Arguments::from_env();
    let latency_ms: u64 = args.opt_value_from_str("--latency-ms")?.unwrap_or(100);
    let runs: usize = args.opt_value_from_str("--runs")?.unwrap_or(30);
    let numbers: usize = args.opt_value_from_str("--numbers")?.unwrap_or(50);
    if runs == 0 || numbers == 0 {
        anyhow::bail!("--runs and --numbers must be positive");
    }
    Ok(Settings {
        latency: Duration::from_millis(latency_ms),
        runs,
        numbers,
    })
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// The connect form for the sandbox's first Twilio account.
fn twilio_form(sandbox: &SandboxHandle) -> ConnectForm {
    let twilio = &sandbox.twilio_accounts()[0];
    ConnectForm {
        carrier: "twilio".into(),
        name: "Bench Twilio".into(),
        twilio_account_sid: Some(twilio.account_sid.clone()),
        twilio_auth_token: Some(Sensitive::new(twilio.auth_token.clone())),
        ..ConnectForm::default()
    }
}

#[path = "bench_world.rs"]
mod bench_world;
use bench_world::workspace;

#[path = "window_probe.rs"]
mod window_probe;

/// Searches in the real window for the search-to-table figure.
const UI_RUNS: usize = 10;

/// Search in the real window: a Standard workspace with this sandbox's Twilio account (its
/// credentials in the real keyring), the Buy Numbers search pressed `UI_RUNS` times. Each figure
/// is the page's own time from pressing Search to the results table painted
/// (`search-started` to `search-results-painted`). `Err` says why it was not measured.
async fn ui_search_to_paint(
    sandbox: &SandboxHandle,
    dir: &std::path::Path,
) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let app = window_probe::app_binary()?;
    if std::env::var_os("DISPLAY").is_none() {
        anyhow::bail!("no display: run the bench under xvfb-run");
    }
    let service = format!("app.numberdesk.bench.{}", std::process::id());
    let data = dir.join("ui");
    let redactor = Redactor::new();
    let secrets = Arc::new(numberdesk::secrets::KeyringStore::new(
        service.clone(),
        redactor.clone(),
    ));
    let key = {
        let app = open_app(&data, secrets.clone(), redactor, sandbox)?;
        let workspace = app
            .workspaces()
            .create(workspace("Bench UI", false))
            .await?;
        let row = app
            .workspaces()
            .connect(workspace.id, twilio_form(sandbox))
            .await
            .map_err(|e| {
                anyhow::anyhow!("saving the connection (is the keyring unlocked?): {e}")
            })?;
        numberdesk::secrets::SecretKey::new(workspace.id, row.id)
    };
    let urls = sandbox.base_urls();
    let mut env = window_probe::profile_env(&data, &dir.join("home"), &service);
    env.extend([
        ("NUMBERDESK_TWILIO_API_URL".into(), urls.twilio_api.clone()),
        (
            "NUMBERDESK_TWILIO_PRICING_URL".into(),
            urls.twilio_pricing.clone(),
        ),
        (
            "NUMBERDESK_TWILIO_ROUTES_URL".into(),
            urls.twilio_routes.clone(),
        ),
        (
            "NUMBERDESK_TWILIO_NUMBERS_URL".into(),
            urls.twilio_numbers.clone(),
        ),
        ("NUMBERDESK_TELNYX_URL".into(), urls.telnyx.clone()),
    ]);
    let window = window_probe::Window::launch(&app, &env).await?;
    let measured = async {
        let wait = Duration::from_secs(30);
        window.run("location.hash = '#/buy'; return null;").await?;
        // The country list comes from Twilio: searching is possible once it is in.
        window
            .wait_for(
                "const c = document.querySelector('[data-testid=buy-country]'); \
                 return c && c.options.length > 1 ? true : null;",
                wait,
            )
            .await?;
        let mut times = Vec::new();
        let mut answers = Vec::new();
        for _ in 0..UI_RUNS {
            window
                .run(
                    "performance.clearMarks(); \
                     document.querySelector('[data-testid=buy-search]').click(); return null;",
                )
                .await?;
            let painted = window.mark_at("search-results-painted", wait).await?;
            let started = window.mark_at("search-started", wait).await?;
            let answered = window.mark_at("search-answered", wait).await?;
            times.push(painted - started);
            answers.push(answered - started);
        }
        let shown = window
            .run("return document.querySelectorAll('[data-testid=offer-row]').length;")
            .await?;
        if shown.as_u64().unwrap_or(0) == 0 {
            anyhow::bail!("the search showed no rows");
        }
        Ok((times, answers))
    }
    .await;
    window.close().await;
    // The bench's credentials leave the keyring with it.
    let _ = numberdesk::secrets::SecretStore::delete(secrets.as_ref(), key);
    measured
}

/// The core over `data`, with the sandbox standing in for the real carriers.
fn open_app(
    data: &std::path::Path,
    secrets: Arc<dyn numberdesk::secrets::SecretStore>,
    redactor: Redactor,
    sandbox: &SandboxHandle,
) -> anyhow::Result<App> {
    Ok(App::open(AppConfig {
        paths: Paths::under(data),
        secrets,
        clock: Arc::new(SystemClock),
        redactor,
        endpoints: CarrierEndpoints::from(sandbox.base_urls()),
        client_options: ClientOptions::default(),
        order_sync_every: ORDER_SYNC_EVERY,
    })?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings()?;
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: 10,
        latency: settings.latency,
        order_completion: OrderCompletion::Polls {
            polls: 1,
            outcome: OrderOutcome::Success,
        },
        ..SandboxConfig::default()
    })
    .await?;
    let dir =
        std::env::temp_dir().join(format!("numberdesk-purchase-bench-{}", std::process::id()));
    let app = open_app(
        &dir,
        Arc::new(MemorySecretStore::new(Redactor::new())),
        Redactor::new(),
        &sandbox,
    )?;
    let endpoints = CarrierEndpoints::from(sandbox.base_urls());
    let agency = &sandbox.telnyx_accounts()[1];
    app.accounts().set_pool(Some(PoolAccount {
        api_key: Sensitive::new(agency.api_key.clone()),
        texml_connection_id: Some(agency.texml_application_id.clone()),
        messaging_profile_id: Some(agency.messaging_profile_id.clone()),
    }))?;
    let purchases = app.purchases();

    // --- 1. search overhead (marketplace, Twilio: a search call and a price call) ---
    let market = app.workspaces().create(workspace("Bench", false)).await?;
    let twilio = &sandbox.twilio_accounts()[0];
    let connection = app
        .workspaces()
        .connect(market.id, twilio_form(&sandbox))
        .await?;
    let direct = TwilioClient::new(
        endpoints.twilio_urls(),
        TwilioCredentials::AuthToken {
            account_sid: twilio.account_sid.clone(),
            auth_token: Sensitive::new(twilio.auth_token.clone()),
        },
        ClientOptions::default(),
    )?;
    let query = bench_world::us_local(Some(connection.id));
    let search = NumberSearch {
        country: "US".into(),
        number_type: Some(NumberType::Local),
        features: query.features,
        limit: Some(50),
        ..NumberSearch::default()
    };
    // Warm both paths (connection pools, prepared statements, the keyring read).
    purchases.search(market.id, &query).await?;
    let _ = tokio::join!(direct.search_available(&search), direct.number_prices("US"));

    let mut service = Vec::new();
    let mut carrier = Vec::new();
    let mut results = 0;
    for _ in 0..settings.runs {
        let started = Instant::now();
        let (found, prices) =
            tokio::join!(direct.search_available(&search), direct.number_prices("US"));
        found?;
        prices?;
        carrier.push(ms(started.elapsed()));
        let started = Instant::now();
        let answer = purchases.search(market.id, &query).await?;
        service.push(ms(started.elapsed()));
        results = answer.offers.len();
    }
    let overhead: Vec<f64> = service
        .iter()
        .zip(&carrier)
        .map(|(s, c)| (s - c).max(0.0))
        .collect();
    let (service_p50, carrier_p50) = (percentile(&service, 0.5), percentile(&carrier, 0.5));
    let (overhead_p50, overhead_p95) = (percentile(&overhead, 0.5), percentile(&overhead, 0.95));
    println!(
        "search ({} results, {} runs, {} ms added latency): service p50 {service_p50:.1} ms, \
         same carrier calls direct p50 {carrier_p50:.1} ms, core overhead p50 {overhead_p50:.2} ms \
         p95 {overhead_p95:.2} ms (validation, SQLite cache write, row mapping)",
        results,
        settings.runs,
        settings.latency.as_millis()
    );

    // --- 1b. the same search in the real window, to the painted table ---
    let ui = ui_search_to_paint(&sandbox, &dir).await;
    let ui_figures = match &ui {
        Ok((times, answers)) => {
            let (p50, p95) = (percentile(times, 0.5), percentile(times, 0.95));
            let answer_p50 = percentile(answers, 0.5);
            println!(
                "search in the window: pressing Search to the table painted p50 {p50:.1} ms, p95 {p95:.1} ms \
                 ({} runs); beyond the carrier calls (direct p50 {carrier_p50:.1} ms): {:.1} ms",
                times.len(),
                p50 - carrier_p50
            );
            serde_json::json!({
                "ui_search_to_paint_p50_ms": round(p50),
                "ui_search_to_paint_p95_ms": round(p95),
                "ui_overhead_beyond_carrier_p50_ms": round((p50 - carrier_p50).max(0.0)),
                "ui_search_answered_p50_ms": round(answer_p50),
                "ui_runs": times.len(),
            })
        }
        Err(why) => {
            println!("search in the window not measured: {why}");
            serde_json::json!({ "ui_not_measured": why.to_string() })
        }
    };

    // --- 2. a pool order of N numbers processed to completion ---
    let pool = app
        .workspaces()
        .create(workspace("Bench pool", true))
        .await?;
    let mut picked: Vec<String> = Vec::new();
    let mut pool_query = SearchQuery {
        country: "US".into(),
        types: vec![NumberType::Local],
        limit: Some(settings.numbers as u32),
        ..SearchQuery::default()
    };
    for code in ["212", "415", "312", "206", "512", "305", "617", "303"] {
        if picked.len() >= settings.numbers {
            break;
        }
        pool_query.area_code = Some(code.into());
        let answer = purchases.search(pool.id, &pool_query).await?;
        for offer in answer.offers {
            if picked.len() < settings.numbers {
                picked.push(offer.e164);
            }
        }
    }
    let started = Instant::now();
    let bought = purchases.buy_from_pool(pool.id, &picked, true).await?;
    let buy = started.elapsed();
    let started = Instant::now();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let report = purchases.process(pool.id, None).await?;
        if report.updates.iter().all(|u| u.completed()) {
            break;
        }
        if rounds > 50 {
            anyhow::bail!("the pool order did not complete");
        }
    }
    let process = started.elapsed();
    let orders = purchases.orders(pool.id).await?;
    let active = orders[0]
        .numbers
        .iter()
        .filter(|n| n.status == numberdesk::flows::purchase::NumberStatus::Active)
        .count();
    println!(
        "pool order of {} numbers: Buy now {:.1} ms (journal, one order, {} recorded and charged {} credits), \
         Process {:.1} ms in {rounds} round(s) ({active} Active), total {:.1} ms",
        picked.len(),
        ms(buy),
        bought.numbers.len(),
        bought.charged_credits,
        ms(process),
        ms(buy + process)
    );
    let figures = serde_json::json!({
        "latency_ms": settings.latency.as_millis() as u64,
        "search_runs": settings.runs,
        "search_results": results,
        "search_service_p50_ms": round(service_p50),
        "search_carrier_direct_p50_ms": round(carrier_p50),
        "search_core_overhead_p50_ms": round(overhead_p50),
        "search_core_overhead_p95_ms": round(overhead_p95),
        "ui": ui_figures,
        "pool_order_numbers": picked.len(),
        "pool_buy_ms": round(ms(buy)),
        "pool_process_ms": round(ms(process)),
        "pool_process_rounds": rounds,
        "pool_total_ms": round(ms(buy + process)),
        "pool_active": active,
    });
    println!("{figures}");
    sandbox.shutdown().await;
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
