//! Rows of `searches` and `search_results`: the last answer the carrier gave to each search of a
//! workspace, with the time it was fetched, so a search can be browsed offline. A number found
//! gone at purchase time is removed from every cached search of the workspace.

use crate::domain::ids::WorkspaceId;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::StoreError;

/// One cached result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedNumber {
    pub e164: String,
    pub number_type: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub locality: Option<String>,
    pub voice: bool,
    pub sms: bool,
    pub mms: bool,
    pub monthly_cost_credits: Option<i64>,
    /// `any`, `local` or `foreign` when buying it needs an address on file; `None` otherwise.
    pub address_requirement: Option<String>,
    /// Whether buying it needs an approved regulatory bundle.
    pub bundle_required: bool,
}

/// The columns [`from_row`] reads, in its order.
const COLUMNS: &str = "r.e164, r.number_type, r.country, r.region, r.locality, r.feature_voice,
     r.feature_sms, r.feature_mms, r.monthly_cost_credits, r.address_requirement,
     r.bundle_required";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CachedNumber> {
    Ok(CachedNumber {
        e164: r.get(0)?,
        number_type: r.get(1)?,
        country: r.get(2)?,
        region: r.get(3)?,
        locality: r.get(4)?,
        voice: r.get(5)?,
        sms: r.get(6)?,
        mms: r.get(7)?,
        monthly_cost_credits: r.get(8)?,
        address_requirement: r.get(9)?,
        bundle_required: r.get(10)?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedSearch {
    pub id: i64,
    pub query_json: String,
    pub carrier: String,
    pub fetched_at: DateTime<Utc>,
    pub results: Vec<CachedNumber>,
}

/// Replaces the cached answer of one search (same workspace and key) with `results`.
pub fn save(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    query_key: &str,
    query_json: &str,
    carrier: &str,
    results: &[CachedNumber],
    fetched_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO searches (workspace_id, query_key, query_json, carrier, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (workspace_id, query_key)
         DO UPDATE SET query_json = excluded.query_json, carrier = excluded.carrier,
                       fetched_at = excluded.fetched_at",
        params![workspace_id, query_key, query_json, carrier, fetched_at],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM searches WHERE workspace_id = ?1 AND query_key = ?2",
        params![workspace_id, query_key],
        |r| r.get(0),
    )?;
    tx.execute("DELETE FROM search_results WHERE search_id = ?1", [id])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO search_results (search_id, position, e164, number_type, country,
             region, locality, feature_voice, feature_sms, feature_mms, monthly_cost_credits,
             address_requirement, bundle_required)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for (position, number) in results.iter().enumerate() {
        insert.execute(params![
            id,
            position as i64,
            number.e164,
            number.number_type,
            number.country,
            number.region,
            number.locality,
            number.voice,
            number.sms,
            number.mms,
            number.monthly_cost_credits,
            number.address_requirement,
            number.bundle_required,
        ])?;
    }
    Ok(id)
}

/// The cached answer of one search, if there is one.
pub fn load(
    connection: &Connection,
    workspace_id: WorkspaceId,
    query_key: &str,
) -> Result<Option<CachedSearch>, StoreError> {
    let head = connection
        .query_row(
            "SELECT id, query_json, carrier, fetched_at FROM searches
             WHERE workspace_id = ?1 AND query_key = ?2",
            params![workspace_id, query_key],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, DateTime<Utc>>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((id, query_json, carrier, fetched_at)) = head else {
        return Ok(None);
    };
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM search_results r WHERE r.search_id = ?1 ORDER BY r.position"
    ))?;
    let results = statement
        .query_map([id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(CachedSearch {
        id,
        query_json,
        carrier,
        fetched_at,
        results,
    }))
}

/// The newest cached copy of this number in any search of the workspace (the last saved, when
/// two were fetched at the same moment).
pub fn find_number(
    connection: &Connection,
    workspace_id: WorkspaceId,
    e164: &str,
) -> Result<Option<(CachedNumber, DateTime<Utc>)>, StoreError> {
    Ok(connection
        .query_row(
            &format!(
                "SELECT {COLUMNS}, s.fetched_at
                 FROM search_results r JOIN searches s ON s.id = r.search_id
                 WHERE s.workspace_id = ?1 AND r.e164 = ?2
                 ORDER BY s.fetched_at DESC, s.id DESC LIMIT 1"
            ),
            params![workspace_id, e164],
            |r| Ok((from_row(r)?, r.get("fetched_at")?)),
        )
        .optional()?)
}

/// An area code seen in cached results, with how many numbers it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownArea {
    pub ndc: String,
    pub region: Option<String>,
    pub locality: Option<String>,
    pub numbers: i64,
}

/// Area codes (with region and locality) seen in the workspace's cached results of a country,
/// with how many numbers each had: the material for "nearby area codes".
pub fn known_areas(
    connection: &Connection,
    workspace_id: WorkspaceId,
    country: &str,
    calling_code: &str,
    ndc_len: usize,
) -> Result<Vec<KnownArea>, StoreError> {
    let start = 2 + calling_code.len() as i64;
    let mut statement = connection.prepare_cached(
        "SELECT substr(r.e164, ?3, ?4) AS ndc, max(r.region), max(r.locality), count(*)
         FROM search_results r JOIN searches s ON s.id = r.search_id
         WHERE s.workspace_id = ?1 AND r.country = ?2
         GROUP BY ndc ORDER BY ndc",
    )?;
    let rows = statement
        .query_map(params![workspace_id, country, start, ndc_len as i64], |r| {
            Ok(KnownArea {
                ndc: r.get(0)?,
                region: r.get(1)?,
                locality: r.get(2)?,
                numbers: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Removes numbers from every cached search of the workspace (bought, or gone since).
pub fn remove_numbers(
    tx: &Transaction<'_>,
    workspace_id: WorkspaceId,
    e164s: &[&str],
) -> Result<usize, StoreError> {
    let mut statement = tx.prepare_cached(
        "DELETE FROM search_results WHERE e164 = ?2
           AND search_id IN (SELECT id FROM searches WHERE workspace_id = ?1)",
    )?;
    let mut removed = 0;
    for e164 in e164s {
        removed += statement.execute(params![workspace_id, e164])?;
    }
    Ok(removed)
}
