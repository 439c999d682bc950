//! `numberdesk-sandbox`: runs the carrier sandbox on its own, prints one JSON line with its base
//! URLs and seeded accounts, then serves until killed. The library does the work.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use numberdesk::sandbox::{Sandbox, SandboxConfig};

const USAGE: &str =
    "usage: numberdesk-sandbox [--listen ADDR] [--owned N] [--latency-ms MS] [--seed S]
  --listen ADDR     where to listen (default 127.0.0.1:0, a free port)
  --owned N         numbers owned by the first account of each carrier (default 25)
  --latency-ms MS   delay added to every carrier request (default 0)
  --seed S          seed for credentials, owned numbers and stock (default 1)";

fn parse_args() -> anyhow::Result<Option<SandboxConfig>> {
    let mut args = pico_args::Arguments::from_env();
    if args.contains(["-h", "--help"]) {
        return Ok(None);
    }
    let defaults = SandboxConfig::default();
    let listen: SocketAddr = args
        .opt_value_from_str("--listen")
        .context("--listen must be an address like 127.0.0.1:8080")?
        .unwrap_or(defaults.listen);
    let owned: usize = args
        .opt_value_from_str("--owned")
        .context("--owned must be a whole number")?
        .unwrap_or(defaults.owned_numbers);
    let latency_ms: u64 = args
        .opt_value_from_str("--latency-ms")
        .context("--latency-ms must be a whole number of milliseconds")?
        .unwrap_or(0);
    let seed: u64 = args
        .opt_value_from_str("--seed")
        .context("--seed must be a whole number")?
        .unwrap_or(defaults.seed);
    let rest = args.finish();
    if !rest.is_empty() {
        anyhow::bail!("unexpected arguments: {rest:?}");
    }
    Ok(Some(SandboxConfig {
        listen,
        owned_numbers: owned,
        latency: Duration::from_millis(latency_ms),
        seed,
        ..defaults
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = match parse_args() {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return Ok(());
        }
        Err(error) => {
            eprintln!("{error:#}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let sandbox = Sandbox::start(config).await?;
    println!("{}", serde_json::to_string(sandbox.startup_info())?);
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sandbox.shutdown().await;
    Ok(())
}
