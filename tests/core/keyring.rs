//! The secrets module against the real OS keyring (Secret Service from gnome-keyring inside
//! dbus-run-session, as the README's test command sets up). These tests fail, rather than skip,
//! when no keyring answers: a skipped keyring test would prove nothing.

use numberdesk::domain::ids::{ConnectionId, WorkspaceId};
use std::sync::Arc;

use numberdesk::logging::{self, Redactor};
use numberdesk::secrets::{KeyringStore, SecretKey, SecretStore, Sensitive};

use crate::support::{all_file_bytes, contains, input, open_core_with, TestDir};

/// A service name no real install uses, unique per test, so runs never see each other's entries.
fn test_service(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("app.numberdesk.test.{test}.{}.{nanos}", std::process::id())
}

pub(crate) fn real_keyring(test: &str, redactor: Redactor) -> KeyringStore {
    let store = KeyringStore::new(test_service(test), redactor);
    if let Err(error) = store.probe() {
        panic!(
            "the real keyring is not reachable ({error}); run the tests through the README's test \
             command, which starts dbus and an unlocked gnome-keyring"
        );
    }
    store
}

#[test]
fn a_secret_is_written_read_back_and_deleted() {
    let store = real_keyring("roundtrip", Redactor::new());
    let key = SecretKey::new(WorkspaceId(7), ConnectionId(3));
    let secret = Sensitive::from(
        r#"{"account_sid":"AC00000000000000000000000000000001","auth_token":"f00dfeedbeefcafe0123456789abcdef"}"#,
    );
    assert!(store.get(key).unwrap().is_none());
    store.put(key, &secret).unwrap();
    assert_eq!(store.get(key).unwrap().as_ref(), Some(&secret));

    // Writing again replaces, it does not add a second entry.
    let rotated = Sensitive::from("a-rotated-secret-value");
    store.put(key, &rotated).unwrap();
    assert_eq!(store.get(key).unwrap().as_ref(), Some(&rotated));

    store.delete(key).unwrap();
    assert!(store.get(key).unwrap().is_none());
    // Deleting what is gone is fine (a retried disconnect must not fail on it).
    store.delete(key).unwrap();
}

#[test]
fn entries_are_per_workspace_and_connection() {
    let store = real_keyring("isolation", Redactor::new());
    let a = SecretKey::new(WorkspaceId(1), ConnectionId(1));
    let b = SecretKey::new(WorkspaceId(2), ConnectionId(1));
    store
        .put(a, &Sensitive::from("secret-of-workspace-one"))
        .unwrap();
    assert!(store.get(b).unwrap().is_none());
    store
        .put(b, &Sensitive::from("secret-of-workspace-two"))
        .unwrap();
    assert_eq!(
        store.get(a).unwrap().unwrap().expose(),
        "secret-of-workspace-one"
    );
    store.delete(a).unwrap();
    assert_eq!(
        store.get(b).unwrap().unwrap().expose(),
        "secret-of-workspace-two"
    );
    store.delete(b).unwrap();
}

#[test]
fn a_stored_secret_never_reaches_the_database_or_the_log() {
    let dir = TestDir::new();
    let redactor = Redactor::new();
    let keyring = Arc::new(real_keyring("nowhere-else", redactor.clone()));
    let (subscriber, guard) =
        logging::file_subscriber(&dir.paths().log_dir, redactor.clone()).unwrap();
    let token = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    let sid = "AC11112222333344445555666677778888";

    tracing::subscriber::with_default(subscriber, || {
        let core = open_core_with(&dir, keyring.clone());
        let workspace = core.workspaces().create(&input("Secretive")).unwrap();
        let connection = core
            .store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO carrier_connections (workspace_id, carrier, name, account_ref, created_at)
                     VALUES (?1, 'twilio', 'Main Twilio', ?2, '2026-11-02T09:30:00Z')",
                    rusqlite::params![workspace.id, sid],
                )?;
                Ok::<_, numberdesk::store::StoreError>(ConnectionId(tx.last_insert_rowid()))
            })
            .unwrap();
        let key = SecretKey::new(workspace.id, connection);
        assert_eq!(core.missing_credentials(workspace.id).unwrap(), vec![key]);

        let credentials = Sensitive::new(format!(
            r#"{{"account_sid":"{sid}","auth_token":"{token}"}}"#
        ));
        keyring.put(key, &credentials).unwrap();
        assert!(core.missing_credentials(workspace.id).unwrap().is_empty());

        // Careless logging of every kind: the value itself, its Debug, a request-like line.
        let read_back = keyring.get(key).unwrap().unwrap();
        tracing::info!("validating with token {token}");
        tracing::info!(credentials = ?read_back, "credentials loaded");
        tracing::warn!("POST /Accounts/{sid}.json auth_token={token} failed");
        tracing::error!(
            "Authorization: Basic QUMxMTExOjlmOGU3ZDZjNWI0YTM5MjgxNzA2ZjVlNGQzYzJiMWEw"
        );
    });
    drop(guard); // flushes the log writer

    let files = all_file_bytes(dir.path());
    let logs: Vec<_> = files
        .iter()
        .filter(|(path, _)| path.extension().is_some_and(|e| e == "log"))
        .collect();
    assert!(
        !logs.is_empty(),
        "no log file was written in {:?}",
        dir.paths().log_dir
    );
    let log_text: String = logs
        .iter()
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    assert!(
        log_text.contains("validating with token [REDACTED]"),
        "{log_text}"
    );
    assert!(log_text.contains("credentials loaded"), "{log_text}");
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, token),
            "the auth token was written to {}",
            path.display()
        );
        assert!(
            !contains(
                bytes,
                "QUMxMTExOjlmOGU3ZDZjNWI0YTM5MjgxNzA2ZjVlNGQzYzJiMWEw"
            ),
            "a Basic credential was written to {}",
            path.display()
        );
    }
    // The account SID is not a secret: it is kept (and shown) as the connection's reference.
    let database = std::fs::read(dir.database()).unwrap();
    assert!(!contains(&database, token));

    keyring
        .delete(SecretKey::new(WorkspaceId(1), ConnectionId(1)))
        .unwrap();
}

#[test]
fn no_keyring_service_is_reported_plainly() {
    // A session bus address where nothing listens: what a desktop without Secret Service looks like.
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "keyring::probe_in_child",
            "--nocapture",
            "--include-ignored",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/numberdesk-bus",
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("PROBE-ERROR: no keyring service is available"),
        "{stdout}"
    );
}

/// Runs only as the child of the test above, with a broken bus address.
#[test]
#[ignore = "run by no_keyring_service_is_reported_plainly"]
fn probe_in_child() {
    let store = KeyringStore::new(test_service("child"), Redactor::new());
    match store.probe() {
        Ok(()) => println!("PROBE-OK"),
        Err(error) => println!("PROBE-ERROR: {error}"),
    }
}
