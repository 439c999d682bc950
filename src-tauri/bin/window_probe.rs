//! Drives the real NumberDesk window for the benches, over W3C WebDriver (tauri-driver in front
//! of WebKitWebDriver), with plain HTTP. The benches read the UI's own `performance` marks
//! (`ui/js/perf.js`), so a figure is what the page measured around its own paint, not WebDriver's
//! round trips.
//!
//! Needs a display (run under `xvfb-run`), `tauri-driver`, WebKitWebDriver and the desktop
//! binary `numberdesk` built beside the bench (`cargo build --release --bins`).
// Included by two benches through `#[path]`; each uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

#[path = "tauri_driver.rs"]
mod tauri_driver;
pub use tauri_driver::profile_env;
use tauri_driver::Driver;

/// When the newest running process of `app` was started (epoch ms, to 10 ms), read from /proc:
/// its start in clock ticks after boot, and boot time from the uptime read at the same moment. This
/// is the launch as a user has it (the program starting), without the WebDriver session set-up that
/// the session request also includes. `None` off Linux or when no such process runs.
pub fn process_started_ms(app: &Path) -> Option<f64> {
    const TICKS_PER_SECOND: f64 = 100.0; // USER_HZ, 100 on every Linux this runs on
    let app = std::fs::canonicalize(app).ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let booted_at_ms = epoch_ms() - uptime * 1000.0;
    let mut newest: Option<u64> = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let pid = entry.file_name();
        if !pid.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if std::fs::read_link(entry.path().join("exe")).ok().as_deref() != Some(app.as_path()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the parenthesised command name; the start time is field 22 of the line.
        let started = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(19))
            .and_then(|t| t.parse::<u64>().ok());
        if let Some(started) = started {
            newest = Some(newest.map_or(started, |n| n.max(started)));
        }
    }
    newest.map(|ticks| booted_at_ms + ticks as f64 / TICKS_PER_SECOND * 1000.0)
}

/// The desktop binary beside this bench (same profile), or `NUMBERDESK_APP`.
pub fn app_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("NUMBERDESK_APP") {
        return Ok(PathBuf::from(path));
    }
    let beside = std::env::current_exe()?.with_file_name("numberdesk");
    if beside.exists() {
        Ok(beside)
    } else {
        Err(anyhow::anyhow!(
            "{} is not built: run `cargo build --release --bins` first",
            beside.display()
        ))
    }
}

/// Milliseconds since the Unix epoch, the clock `performance.timeOrigin` uses.
pub fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1_000.0)
}

/// The app's window with a WebDriver session on it.
pub struct Window {
    driver: Driver,
    http: reqwest::Client,
    session_url: String,
    /// When the session request that started the app was sent (epoch ms).
    pub launched_at_ms: f64,
}

impl Window {
    /// Starts the app with `env` (data folder, keyring service, carrier URLs) and waits until its
    /// window answers WebDriver.
    pub async fn launch(app: &Path, env: &[(String, String)]) -> anyhow::Result<Window> {
        let driver = Driver::start(env)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let base = format!("http://127.0.0.1:{}", driver.port);
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "wry",
                "tauri:options": {"application": app.display().to_string()},
            }}
        });
        let started = Instant::now();
        loop {
            let launched_at_ms = epoch_ms();
            match http
                .post(format!("{base}/session"))
                .json(&capabilities)
                .send()
                .await
            {
                Ok(reply) => {
                    let body: Value = reply.json().await?;
                    let Some(id) = body["value"]["sessionId"].as_str() else {
                        anyhow::bail!("no WebDriver session: {body}");
                    };
                    return Ok(Window {
                        session_url: format!("{base}/session/{id}"),
                        driver,
                        http,
                        launched_at_ms,
                    });
                }
                Err(_) if started.elapsed() < Duration::from_secs(20) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => {
                    anyhow::bail!("tauri-driver did not answer: {error}");
                }
            }
        }
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub async fn run(&self, script: &str) -> anyhow::Result<Value> {
        self.execute("sync", script).await
    }

    /// Runs `script` (a function body whose last argument is the callback to call with the
    /// result) in the page, for work that awaits.
    pub async fn run_async(&self, script: &str) -> anyhow::Result<Value> {
        self.execute("async", script).await
    }

    async fn execute(&self, how: &str, script: &str) -> anyhow::Result<Value> {
        let reply: Value = self
            .http
            .post(format!("{}/execute/{how}", self.session_url))
            .json(&json!({"script": script, "args": []}))
            .send()
            .await?
            .json()
            .await?;
        if reply["value"]["error"].is_string() {
            anyhow::bail!("script failed: {}", reply["value"]);
        }
        Ok(reply["value"].clone())
    }

    /// Polls `script` until it returns something other than null.
    pub async fn wait_for(&self, script: &str, timeout: Duration) -> anyhow::Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.run(script).await?;
            if !value.is_null() {
                return Ok(value);
            }
            if Instant::now() > deadline {
                anyhow::bail!("timed out waiting for: {script}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// When the page set the performance mark `name`, in epoch ms (null until it has).
    pub async fn mark_at(&self, name: &str, timeout: Duration) -> anyhow::Result<f64> {
        let script = format!(
            "const m = performance.getEntriesByName({name:?}, 'mark'); \
             return m.length ? performance.timeOrigin + m[m.length - 1].startTime : null;"
        );
        self.wait_for(&script, timeout)
            .await?
            .as_f64()
            .ok_or_else(|| anyhow::anyhow!("mark {name} is not a number"))
    }

    pub async fn close(mut self) {
        let _ = self.http.delete(&self.session_url).send().await;
        self.driver.stop();
    }
}
