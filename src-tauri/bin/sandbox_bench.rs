//! `sandbox_bench`: starts the carrier sandbox in-process (latency off, 10,000 owned numbers per
//! first account), drives it from a fixed number of concurrent reqwest clients over loopback for
//! a fixed time with a mix of Twilio and Telnyx reads, and prints requests per second, ending
//! with one JSON line of the figures. It asserts nothing; the target is 2,000 requests/second.
//!
//! Usage: `sandbox_bench [--seconds S] [--concurrency N] [--owned N]` (defaults 5, 16, 10000).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use numberdesk::sandbox::{Sandbox, SandboxConfig};
use serde::Serialize;

#[derive(Serialize)]
struct Figures {
    bench: &'static str,
    seconds: f64,
    concurrency: usize,
    owned_numbers: usize,
    requests: u64,
    errors: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    target_requests_per_second: u64,
}

/// One request of the mix: a method-less GET with its auth.
#[derive(Clone)]
enum Auth {
    Basic(String, String),
    Bearer(String),
}

#[derive(Clone)]
struct Target {
    url: String,
    auth: Auth,
}

fn parse_args() -> anyhow::Result<(u64, usize, usize)> {
    let mut args = pico_args::Arguments::from_env();
    let seconds = args
        .opt_value_from_str("--seconds")
        .context("--seconds must be a whole number")?
        .unwrap_or(5u64)
        .clamp(1, 60);
    let concurrency = args
        .opt_value_from_str("--concurrency")
        .context("--concurrency must be a whole number")?
        .unwrap_or(16usize)
        .clamp(1, 256);
    let owned = args
        .opt_value_from_str("--owned")
        .context("--owned must be a whole number")?
        .unwrap_or(10_000usize);
    Ok((seconds, concurrency, owned))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (seconds, concurrency, owned) = parse_args()?;
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        latency: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await?;
    let urls = sandbox.base_urls().clone();
    let twilio = sandbox.twilio_accounts()[0].clone();
    let telnyx = sandbox.telnyx_accounts()[0].clone();
    let basic = Auth::Basic(twilio.account_sid.clone(), twilio.auth_token.clone());
    let bearer = Auth::Bearer(telnyx.api_key.clone());

    // Ids to fetch, found once before the clock starts.
    let client = reqwest::Client::new();
    let list: serde_json::Value = client
        .get(format!(
            "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json?PageSize=5",
            urls.twilio_api, twilio.account_sid
        ))
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .send()
        .await?
        .json()
        .await?;
    let twilio_sid = list["incoming_phone_numbers"][0]["sid"]
        .as_str()
        .unwrap_or("PN00000000000000000000000000000000")
        .to_string();
    let list: serde_json::Value = client
        .get(format!("{}/v2/phone_numbers?page[size]=1", urls.telnyx))
        .bearer_auth(&telnyx.api_key)
        .send()
        .await?
        .json()
        .await?;
    let telnyx_id = list["data"][0]["id"].as_str().unwrap_or("0").to_string();

    let account_path = format!(
        "{}/2010-04-01/Accounts/{}",
        urls.twilio_api, twilio.account_sid
    );
    let targets = Arc::new(vec![
        Target {
            url: format!("{account_path}/IncomingPhoneNumbers/{twilio_sid}.json"),
            auth: basic.clone(),
        },
        Target {
            url: format!("{account_path}/IncomingPhoneNumbers.json?PageSize=20&Page=0"),
            auth: basic.clone(),
        },
        Target {
            url: format!("{account_path}/AvailablePhoneNumbers/US/Local.json?AreaCode=415&PageSize=10"),
            auth: basic.clone(),
        },
        Target {
            url: format!("{}/v1/PhoneNumbers/Countries/US", urls.twilio_pricing),
            auth: basic.clone(),
        },
        Target {
            url: format!("{}/v2/phone_numbers/{telnyx_id}", urls.telnyx),
            auth: bearer.clone(),
        },
        Target {
            url: format!("{}/v2/phone_numbers?page[number]=7&page[size]=20", urls.telnyx),
            auth: bearer.clone(),
        },
        Target {
            url: format!(
                "{}/v2/available_phone_numbers?filter[country_code]=US&filter[national_destination_code]=312&filter[limit]=10",
                urls.telnyx
            ),
            auth: bearer.clone(),
        },
        Target {
            url: format!("{}/v2/balance", urls.telnyx),
            auth: bearer,
        },
    ]);

    println!(
        "sandbox_bench: {concurrency} clients for {seconds} s against {} ({owned} owned numbers per first account)",
        sandbox.startup_info().listen
    );
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let targets = Arc::clone(&targets);
        let stop = Arc::clone(&stop);
        let errors = Arc::clone(&errors);
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default();
            let mut latencies: Vec<u32> = Vec::new();
            let mut turn = worker;
            while !stop.load(Ordering::Relaxed) {
                let target = &targets[turn % targets.len()];
                turn += 1;
                let request = client.get(&target.url);
                let request = match &target.auth {
                    Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
                    Auth::Bearer(key) => request.bearer_auth(key),
                };
                let started = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        response.bytes().await.is_ok() && ok
                    }
                    Err(_) => false,
                };
                if ok {
                    latencies
                        .push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let quantile = |q: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((latencies.len() - 1) as f64 * q).round() as usize;
        f64::from(latencies[index]) / 1000.0
    };
    let requests = latencies.len() as u64;
    let figures = Figures {
        bench: "sandbox",
        seconds: (elapsed * 100.0).round() / 100.0,
        concurrency,
        owned_numbers: owned,
        requests,
        errors: errors.load(Ordering::Relaxed),
        requests_per_second: (requests as f64 / elapsed).round(),
        p50_ms: (quantile(0.5) * 100.0).round() / 100.0,
        p99_ms: (quantile(0.99) * 100.0).round() / 100.0,
        max_ms: (quantile(1.0) * 100.0).round() / 100.0,
        target_requests_per_second: 2000,
    };
    println!(
        "{} requests in {:.2} s: {} requests/second (p50 {} ms, p99 {} ms, {} errors)",
        figures.requests,
        figures.seconds,
        figures.requests_per_second,
        figures.p50_ms,
        figures.p99_ms,
        figures.errors
    );
    sandbox.shutdown().await;
    println!("{}", serde_json::to_string(&figures)?);
    Ok(())
}
