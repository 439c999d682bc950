//! The local database: one SQLite file (WAL, foreign keys on), schema migrations applied at open,
//! and one module per table or aggregate. The store never calls the network or the keyring, and
//! holds no credential.

pub mod agents;
pub mod audit;
pub mod connections;
pub mod credits;
pub mod imports;
pub mod journal;
pub mod numbers;
pub mod numbers_table;
pub mod orders;
pub mod search_cache;
pub mod settings;
pub mod sip_trunks;
pub mod sync_state;
pub mod workspaces;

use crate::domain::failure::{Classified, ErrorKind, UserError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OpenFlags, Row, Transaction};

use crate::domain::kinds::{StoredKind, UnknownStoredValue};
use rusqlite_migration::{Migrations, M};

/// File name of the database inside the data folder.
pub const DATABASE_FILE: &str = "numberdesk.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not open the database at {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(String),
    #[error("{what} was not found")]
    NotFound { what: String },
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    UnknownValue(UnknownStoredValue),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    /// A stored word no kind of this build knows (see [`kind`]) keeps its own error, which says
    /// where it is; everything else is SQLite's.
    fn from(error: rusqlite::Error) -> Self {
        if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &error {
            if let Some(unknown) = inner.downcast_ref::<UnknownStoredValue>() {
                return StoreError::UnknownValue(unknown.clone());
            }
        }
        StoreError::Sqlite(error)
    }
}

/// Reads column `index` of `row` as a stored kind. A word this build does not know is an error
/// naming the table, the row (its id is the first column of every row the store reads) and the
/// column, never a default.
pub(crate) fn kind<T: StoredKind>(
    row: &Row<'_>,
    index: usize,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    T::parse(&text).map_err(|value| {
        let id = row.get::<_, i64>(0).unwrap_or_default();
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(UnknownStoredValue {
                table,
                id,
                column,
                value,
            }),
        )
    })
}

impl UserError for StoreError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::NotFound { .. } => Classified::Kind(ErrorKind::NotFound),
            Self::Conflict(_) => Classified::Kind(ErrorKind::Conflict),
            Self::Open { .. } | Self::Migrate(_) | Self::UnknownValue(_) | Self::Sqlite(_) => {
                Classified::Kind(ErrorKind::Storage)
            }
        }
    }

    fn user_message(&self) -> String {
        match self {
            Self::NotFound { what } => format!("{} was not found.", capitalise(what)),
            Self::Conflict(what) => format!("{}.", capitalise(what)),
            Self::Open { path, .. } => format!("NumberDesk could not open its database at {path}. Check that the folder is writable and has free space."),
            Self::Migrate(_) => "NumberDesk could not upgrade its database. If a newer NumberDesk opened it, use that version.".to_owned(),
            Self::UnknownValue(unknown) => format!("NumberDesk's database has a value this version does not know: row {} of {} has {} \"{}\". If a newer NumberDesk wrote it, use that version; nothing was changed.", unknown.id, unknown.table, unknown.column, unknown.value.value),
            Self::Sqlite(_) => "NumberDesk could not read or write its database. Nothing was changed; try again.".to_owned(),
        }
    }
}

impl StoreError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// True when `error` is SQLite refusing a row because a UNIQUE constraint would break.
pub(crate) fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(inner, _)
            if inner.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// The schema, oldest first. Append only: a released migration is never edited.
/// The tables whose `carrier` CHECK names the carriers, and the words it allows from 0011 on.
const CARRIER_TABLES: [&str; 4] = ["carrier_connections", "orders", "phone_numbers", "searches"];
const CARRIER_CHECK_0001: &str = "CHECK (carrier IN ('twilio', 'telnyx'))";
const CARRIER_CHECK_0011: &str = "CHECK (carrier IN ('twilio', 'telnyx', 'signalwire', 'sip'))";

/// Widens the carrier CHECK of [`CARRIER_TABLES`] in place, the way SQLite documents for a
/// change that leaves every stored row valid: the table's CREATE text in `sqlite_schema` is
/// edited under `writable_schema`, and the schema cookie is bumped so that every connection,
/// this one included, reads the new text. A table whose text did not change fails the migration
/// (and it rolls back), so a schema that drifted from 0001 is never half-widened.
fn widen_carrier_checks(tx: &Transaction<'_>) -> rusqlite_migration::HookResult {
    let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    tx.pragma_update(None, "writable_schema", "ON")?;
    let mut widened = 0;
    for table in CARRIER_TABLES {
        widened += tx.execute(
            "UPDATE sqlite_schema SET sql = replace(sql, ?2, ?3)
             WHERE type = 'table' AND name = ?1 AND instr(sql, ?2) > 0",
            params![table, CARRIER_CHECK_0001, CARRIER_CHECK_0011],
        )?;
    }
    tx.pragma_update(None, "schema_version", version + 1)?;
    tx.pragma_update(None, "writable_schema", "OFF")?;
    if widened != CARRIER_TABLES.len() {
        return Err(rusqlite_migration::HookError::Hook(format!(
            "{widened} of {} carrier checks were found to widen",
            CARRIER_TABLES.len()
        )));
    }
    let check: String = tx.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(rusqlite_migration::HookError::Hook(check));
    }
    Ok(())
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_init.sql")),
        M::up(include_str!("migrations/0002_imports.sql")),
        M::up(include_str!("migrations/0003_purchases.sql")),
        M::up(include_str!("migrations/0004_manage.sql")),
        M::up(include_str!("migrations/0005_settings.sql")),
        M::up(include_str!("migrations/0006_e164_digits.sql")),
        M::up(include_str!("migrations/0007_journal_checks.sql")),
        M::up(include_str!("migrations/0008_import_unconfirmed.sql")),
        M::up(include_str!("migrations/0009_search_address.sql")),
        M::up(include_str!("migrations/0010_search_bundle.sql")),
        M::up_with_hook(
            include_str!("migrations/0011_sip_trunks.sql"),
            widen_carrier_checks,
        ),
    ])
}

/// The database. One connection, used from one thread at a time: SQLite serialises writers anyway,
/// and a desktop app has one user. Async callers run store work in `spawn_blocking`.
pub struct Store {
    connection: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database file and migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| open_error(e.to_string()))?;
        }
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| open_error(e.to_string()))?;
        let journal_mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|e| open_error(e.to_string()))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(open_error(format!(
                "the file system refused write-ahead logging (journal mode is {journal_mode})"
            )));
        }
        Self::prepare(connection, Some(path.to_path_buf()))
    }

    /// A private database in memory, for unit tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::prepare(Connection::open_in_memory()?, None)
    }

    fn prepare(mut connection: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations()
            .to_latest(&mut connection)
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        Ok(Self {
            connection: Mutex::new(connection),
            path,
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written row (writes run in
        // transactions that roll back when dropped), so the connection is still good to use.
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `work` with the connection, for reads.
    pub fn read<T, E>(&self, work: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        work(&self.lock())
    }

    /// Runs `work` in one transaction: committed if it returns Ok, rolled back otherwise.
    pub fn write<T, E>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut connection = self.lock();
        let tx = connection
            .transaction()
            .map_err(|e| E::from(StoreError::from(e)))?;
        let value = work(&tx)?;
        tx.commit().map_err(|e| E::from(StoreError::from(e)))?;
        Ok(value)
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .lock()
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn in_memory_store_has_foreign_keys_on() {
        let store = Store::open_in_memory().unwrap();
        let on: i64 = store
            .read(|c| c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(on, 1);
        assert_eq!(store.schema_version().unwrap(), 11);
    }

    /// A database made before SIP trunks, with rows: 0011 widens its carrier checks in place,
    /// keeps every row, and the connection that migrated it enforces the new checks at once.
    #[test]
    fn a_version_10_database_takes_sip_trunks_and_keeps_its_rows() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrations().to_version(&mut c, 10).unwrap();
        let now = "2026-12-01T00:00:00Z";
        c.execute_batch(&format!(
            "INSERT INTO workspaces (name, plan, monthly_credit_allowance, webhook_base_url,
                 created_at) VALUES ('Acme', 'standard', 10, 'https://voice.example.com', '{now}');
             INSERT INTO carrier_connections (workspace_id, carrier, name, created_at)
                 VALUES (1, 'twilio', 'Main', '{now}');
             INSERT INTO phone_numbers (workspace_id, e164, carrier, source, connection_id,
                 status, created_at, updated_at)
                 VALUES (1, '+14155550100', 'twilio', 'imported', 1, 'active', '{now}', '{now}');"
        ))
        .unwrap();
        let sip_connection = format!(
            "INSERT INTO carrier_connections (workspace_id, carrier, name, created_at)
             VALUES (1, 'sip', 'Office trunk', '{now}')"
        );
        assert!(
            c.execute(&sip_connection, []).is_err(),
            "refused before 0011"
        );

        migrations().to_latest(&mut c).unwrap();
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let kept: (String, String) = c
            .query_row("SELECT e164, carrier FROM phone_numbers", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(kept, ("+14155550100".to_owned(), "twilio".to_owned()));
        c.execute(&sip_connection, []).unwrap();
        c.execute(
            &format!(
                "INSERT INTO phone_numbers (workspace_id, e164, carrier, source, connection_id,
                     status, created_at, updated_at)
                 VALUES (1, '+14155550101', 'sip', 'imported', 2, 'active', '{now}', '{now}')"
            ),
            [],
        )
        .unwrap();
        for table in CARRIER_TABLES {
            let sql: String = c
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(sql.contains(CARRIER_CHECK_0011), "{table}: {sql}");
        }
        let bogus = c.execute(
            &format!(
                "INSERT INTO carrier_connections (workspace_id, carrier, name, created_at)
                 VALUES (1, 'vonage', 'Other', '{now}')"
            ),
            [],
        );
        assert!(bogus.is_err(), "a carrier no check names is still refused");
    }
}
