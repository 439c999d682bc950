//! The log file: written where asked, and redacted.

use numberdesk::logging::{self, Redactor};

use crate::support::TestDir;

#[test]
fn events_reach_a_rotating_file_in_the_log_folder() {
    let dir = TestDir::new();
    let log_dir = dir.path().join("logs");
    let (subscriber, guard) = logging::file_subscriber(&log_dir, Redactor::new()).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(workspace = 4, "workspace created");
        tracing::debug!("below the default level");
    });
    drop(guard);
    let files: Vec<_> = std::fs::read_dir(&log_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("numberdesk.") && name.ends_with(".log"),
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("workspace created") && text.contains("workspace=4"),
        "{text}"
    );
    assert!(!text.contains("below the default level"));
}

#[test]
fn a_secret_registered_after_start_is_still_masked() {
    let dir = TestDir::new();
    let redactor = Redactor::new();
    let (subscriber, guard) = logging::file_subscriber(dir.path(), redactor.clone()).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        redactor.register("late-registered-secret-0042");
        tracing::info!("value is late-registered-secret-0042");
    });
    drop(guard);
    let text: String = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(text.contains("value is [REDACTED]"), "{text}");
    assert!(!text.contains("late-registered-secret-0042"));
}
