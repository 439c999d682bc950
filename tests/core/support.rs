//! Shared set-up: a fresh data folder per test and a core opened on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use numberdesk::app::context::{Context, Paths};
use numberdesk::clock::{Clock, ManualClock};
use numberdesk::flows::workspaces::WorkspaceInput;
use numberdesk::logging::Redactor;
use numberdesk::secrets::{MemorySecretStore, SecretStore};

pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temp folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn paths(&self) -> Paths {
        Paths::under(self.path())
    }

    pub fn database(&self) -> PathBuf {
        self.paths().database
    }
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-11-02T09:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    ))
}

/// A core over a real database file in `dir`, with an in-memory keyring.
pub fn open_core(dir: &TestDir) -> Context {
    open_core_with(dir, Arc::new(MemorySecretStore::new(Redactor::new())))
}

pub fn open_core_with(dir: &TestDir, secrets: Arc<dyn SecretStore>) -> Context {
    open_core_with_clock(dir, secrets, clock())
}

pub fn open_core_with_clock(
    dir: &TestDir,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
) -> Context {
    Context::open(&dir.database(), secrets, clock, Redactor::new()).expect("the core opens")
}

pub fn input(name: &str) -> WorkspaceInput {
    WorkspaceInput {
        name: name.to_owned(),
        plan: "standard".to_owned(),
        flags: vec![],
        monthly_credit_allowance: 1_000,
        webhook_base_url: "https://voice.example.com".to_owned(),
    }
}

/// Every byte of every file under `dir`, for "this secret is written nowhere" checks.
pub fn all_file_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}
