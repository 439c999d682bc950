//! tauri-driver as a child process, shared by the benches' window probe (`window_probe.rs`) and
//! the e2e harness (`tests/e2e/harness.rs`), which both include this file through `#[path]`:
//! found in CARGO_HOME or on PATH, started on two free loopback ports with an app profile's
//! environment, and stopped with SIGTERM (so WebKitWebDriver and the app go with it) when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running tauri-driver; WebDriver sessions go to `http://127.0.0.1:{port}`.
pub struct Driver {
    child: Child,
    pub port: u16,
    stopped: bool,
}

impl Driver {
    /// Starts tauri-driver with `env` added to this process's environment.
    pub fn start(env: &[(String, String)]) -> std::io::Result<Driver> {
        let port = free_port()?;
        let native_port = free_port()?;
        let program = program();
        let child = Command::new(&program)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("could not start tauri-driver ({}): {e}", program.display()),
                )
            })?;
        Ok(Driver {
            child,
            port,
            stopped: false,
        })
    }

    /// SIGTERM, then up to 5 s for it to go, then SIGKILL. Only the first call does anything (the
    /// process id is not signalled again once the process is reaped).
    pub fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        // The driver may have gone already (the window was closed); kill then has nothing to say.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The environment of one app profile: its data folder, and a HOME (for WebKit's caches) and
/// keyring service of its own, so nothing of the user's is read or written.
pub fn profile_env(data_dir: &Path, home: &Path, keyring_service: &str) -> Vec<(String, String)> {
    let _ = std::fs::create_dir_all(home);
    let path = |p: PathBuf| p.display().to_string();
    vec![
        ("NUMBERDESK_DATA_DIR".into(), path(data_dir.to_path_buf())),
        ("NUMBERDESK_KEYRING_SERVICE".into(), keyring_service.into()),
        ("HOME".into(), path(home.to_path_buf())),
        ("XDG_DATA_HOME".into(), path(home.join("share"))),
        ("XDG_CONFIG_HOME".into(), path(home.join("config"))),
        ("XDG_CACHE_HOME".into(), path(home.join("cache"))),
    ]
}

/// `TAURI_DRIVER`, else `tauri-driver` in CARGO_HOME (where the test command installs it), else
/// on PATH.
fn program() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin/tauri-driver"));
    match in_cargo_home {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
