//! The database file: created from nothing, migrated, kept across reopen.

use numberdesk::domain::failure::{ErrorKind, UserError};
use numberdesk::domain::kinds::JournalKind;
use numberdesk::store::{self, Store, StoreError};

use crate::support::{input, open_core, TestDir};

#[test]
fn a_new_file_is_migrated_to_the_current_schema_in_wal_mode() {
    let dir = TestDir::new();
    assert!(!dir.database().exists());
    let store = Store::open(&dir.database()).unwrap();
    assert!(dir.database().exists());
    assert_eq!(store.schema_version().unwrap(), 11);
    let (mode, foreign_keys): (String, i64) = store
        .read(|c| {
            let mode = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let fk = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            Ok::<_, rusqlite::Error>((mode, fk))
        })
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(foreign_keys, 1);
    let tables: Vec<String> = store
        .read(|c| {
            let mut s =
                c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
            let names = s
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>();
            names
        })
        .unwrap();
    for table in [
        "agents",
        "carrier_connections",
        "carrier_snapshots",
        "credit_entries",
        "journal",
        "orders",
        "phone_numbers",
        "workspace_flags",
        "workspaces",
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "missing table {table}: {tables:?}"
        );
    }
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_twice() {
    let dir = TestDir::new();
    let id = {
        let core = open_core(&dir);
        core.workspaces().create(&input("Kept")).unwrap().id
    };
    let core = open_core(&dir);
    assert_eq!(core.store.schema_version().unwrap(), 11);
    let kept = core.workspaces().get(id).unwrap();
    assert_eq!(kept.name, "Kept");
    assert_eq!(core.workspaces().list().unwrap().len(), 1);
}

#[test]
fn a_folder_that_cannot_hold_the_database_is_a_clear_error() {
    let dir = TestDir::new();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"file").unwrap();
    let error = Store::open(&blocker.join(store::DATABASE_FILE)).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("could not open the database at"),
        "{message}"
    );
}

#[test]
fn the_schema_refuses_malformed_numbers() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    let workspace = core.workspaces().create(&input("Checks")).unwrap();
    let insert = |e164: &str| {
        core.store.write(|tx| {
            tx.execute(
                "INSERT INTO phone_numbers (workspace_id, e164, carrier, source, status, created_at, updated_at)
                 VALUES (?1, ?2, 'twilio', 'imported', 'active', 'now', 'now')",
                rusqlite::params![workspace.id, e164],
            )
            .map_err(store::StoreError::from)
        })
    };
    for malformed in [
        "4155550100",
        "+1555CALLNOW",
        "+1415555 0100",
        "+14155550１00",
    ] {
        assert!(insert(malformed).is_err(), "{malformed:?} was stored");
    }
    let count = core
        .store
        .read(|c| store::numbers::count(c, workspace.id))
        .unwrap();
    assert_eq!(count, 0);

    // A good number cannot be changed into a bad one either.
    insert("+14155550100").unwrap();
    let changed = core.store.write(|tx| {
        tx.execute(
            "UPDATE phone_numbers SET e164 = '+1415555O100' WHERE workspace_id = ?1",
            [workspace.id],
        )
        .map_err(store::StoreError::from)
    });
    assert!(
        changed.is_err(),
        "a letter O was written into a stored number"
    );
    let kept: String = core
        .store
        .read(|c| {
            c.query_row(
                "SELECT e164 FROM phone_numbers WHERE workspace_id = ?1",
                [workspace.id],
                |r| r.get(0),
            )
            .map_err(store::StoreError::from)
        })
        .unwrap();
    assert_eq!(kept, "+14155550100");
}

#[test]
fn a_stored_word_this_version_does_not_know_is_an_error_naming_the_row() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    let workspace = core.workspaces().create(&input("Acme")).unwrap();
    // A newer NumberDesk journalled a kind of side effect this one has never heard of.
    let id: i64 = core
        .store
        .write(|tx| {
            tx.execute(
                "INSERT INTO journal (workspace_id, kind, idempotency_key, state, payload_json, created_at, updated_at)
                 VALUES (?1, 'teleport', 'k-1', 'intent', '{}', '2026-11-02T09:30:00Z', '2026-11-02T09:30:00Z')",
                [workspace.id],
            )?;
            Ok::<_, StoreError>(tx.last_insert_rowid())
        })
        .unwrap();
    let error = core
        .store
        .read(|c| store::journal::unfinished(c, &[JournalKind::Purchase]))
        .unwrap_err();
    let StoreError::UnknownValue(unknown) = &error else {
        panic!("not an unknown value: {error:?}");
    };
    assert_eq!(
        (
            unknown.table,
            unknown.id,
            unknown.column,
            unknown.value.value.as_str()
        ),
        ("journal", id, "kind", "teleport")
    );
    assert_eq!(error.kind(), ErrorKind::Storage);
    assert!(
        error
            .user_message()
            .contains(&format!("row {id} of journal has kind \"teleport\"")),
        "{}",
        error.user_message()
    );
}
