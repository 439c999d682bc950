//! Rows of `settings`: the core's own non-secret settings, one JSON value per key. Window
//! preferences (theme, size) are the desktop shell's and live in its own file.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::StoreError;

/// The number pool's non-secret ids (`PoolIds` in `flows::accounts`).
pub const POOL_IDS: &str = "number_pool";

/// The JSON value of `key`, if set.
pub fn get(connection: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(connection
        .prepare_cached("SELECT value_json FROM settings WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

/// Sets `key` to `value_json`, or removes it with `None`.
pub fn set(
    tx: &Transaction<'_>,
    key: &str,
    value_json: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match value_json {
        Some(value) => tx.execute(
            "INSERT INTO settings (key, value_json, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,
                                             updated_at = excluded.updated_at",
            params![key, value, now],
        )?,
        None => tx.execute("DELETE FROM settings WHERE key = ?1", [key])?,
    };
    Ok(())
}
