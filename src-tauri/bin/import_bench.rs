//! `import_bench`: how fast the Twilio client imports 10,000 numbers with webhook updates against
//! the sandbox (100 ms added latency) when the sandbox caps concurrent requests at 10 and then at
//! 50. The client is not told the cap: its adaptive limiter has to find it. Prints per run the
//! time, the 429s seen, the one-at-a-time time (N x latency), the floor ceil(N / cap) x latency
//! and the ratio to the floor; the last line is one JSON object with every figure.
//!
//! Usage: `import_bench [--numbers N] [--latency-ms MS] [--caps 10,50]`.

use std::time::{Duration, Instant};

use numberdesk::carriers::{
    ClientOptions, Sensitive, TwilioClient, TwilioCredentials, TwilioNumberUpdate, TwilioUrls,
    WebhookMethod,
};
use numberdesk::sandbox::{Sandbox, SandboxConfig};

struct Settings {
    numbers: usize,
    latency: Duration,
    caps: Vec<usize>,
}

fn settings() -> Result<Settings, String> {
    let mut args = pico_args::Arguments::from_env();
    let numbers = args
        .opt_value_from_str("--numbers")
        .map_err(|e| e.to_string())?
        .unwrap_or(10_000);
    let latency_ms: u64 = args
        .opt_value_from_str("--latency-ms")
        .map_err(|e| e.to_string())?
        .unwrap_or(100);
    let caps: String = args
        .opt_value_from_str("--caps")
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| "10,50".to_string());
    let caps = caps
        .split(',')
        .map(|cap| {
            cap.trim()
                .parse::<usize>()
                .map_err(|e| format!("--caps: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if numbers == 0 || caps.contains(&0) {
        return Err("--numbers and every cap must be positive".to_string());
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
    let urls = sandbox.base_urls();
    let account = &sandbox.twilio_accounts()[0];
    // A fresh client per run: it starts knowing nothing about the cap.
    let client = TwilioClient::new(
        TwilioUrls {
            api: urls.twilio_api.clone(),
            pricing: urls.twilio_pricing.clone(),
            routes: urls.twilio_routes.clone(),
        },
        TwilioCredentials::AuthToken {
            account_sid: account.account_sid.clone(),
            auth_token: Sensitive::new(account.auth_token.clone()),
        },
        ClientOptions {
            deadline: Duration::from_secs(30 * 60),
            ..ClientOptions::default()
        },
    )?;

    // Pages are walked as the updates run: each page's numbers are queued at once, and the next
    // page's request goes ahead of them (listing feeds the work), so the queue never runs dry.
    let started = Instant::now();
    let base = "https://bench.numberdesk.example/webhook/twilio";
    let update = TwilioNumberUpdate {
        voice_url: Some(format!("{base}/voice")),
        voice_method: Some(WebhookMethod::Post),
        sms_url: Some(format!("{base}/sms")),
        sms_method: Some(WebhookMethod::Post),
        status_callback: Some(format!("{base}/status")),
        status_callback_method: Some(WebhookMethod::Post),
        ..TwilioNumberUpdate::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    let mut pager = client.incoming_numbers(1000);
    let mut n = 0;
    while let Some(page) = pager.next_page().await? {
        n += page.len();
        for number in page {
            let client = client.clone();
            let update = update.clone();
            tasks.spawn(async move {
                client
                    .update_incoming_number(&number.carrier_id, &update)
                    .await
            });
        }
    }
    let list_secs = started.elapsed().as_secs_f64();
    let (mut updated, mut failed) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result? {
            Ok(_) => updated += 1,
            Err(error) => {
                failed += 1;
                eprintln!("update failed: {error}");
            }
        }
    }
    let elapsed_secs = started.elapsed().as_secs_f64();
    let stats = client.limiter_stats();
    let latency = settings.latency.as_secs_f64();
    let floor_secs = n.div_ceil(cap) as f64 * latency;
    sandbox.shutdown().await;
    Ok(Run {
        cap,
        listed: n,
        updated,
        failed,
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
    let settings = settings().map_err(anyhow::Error::msg)?;
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
