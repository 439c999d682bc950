//! What `numberdesk-cli` prints: plain aligned text for people, JSON (`--json`) for scripts.
//! Carrier text (labels, regions) is printed as it is, with control characters removed so a
//! hostile label cannot drive the terminal.

use numberdesk::domain::ids::WorkspaceId;
use std::io::Write;

use numberdesk::app::App;
use numberdesk::flows::import::ImportProgress;
use numberdesk::flows::manage::sync::WorkspaceSync;
use numberdesk::flows::manage::table::{NumberFilter, NumberQuery, Sort};
use numberdesk::flows::purchase::SyncReport;
use numberdesk::flows::sip::numbers::PreviewRow;
use numberdesk::flows::workspaces::Workspace;

use super::Failure;

/// Rows fetched per page of `numbers list` (the table's largest window).
const PAGE: i64 = 1_000;

fn io(error: std::io::Error) -> Failure {
    Failure::Io(error)
}

/// Carrier or user text made safe for a terminal.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

fn json_line(out: &mut impl Write, value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string(value).map_err(|e| io(e.into()))?;
    writeln!(out, "{text}").map_err(io)
}

pub fn workspaces(out: &mut impl Write, list: &[Workspace], json: bool) -> Result<(), Failure> {
    if json {
        return json_line(out, &list);
    }
    writeln!(
        out,
        "{:>4}  {:<32} {:<10} {:>9}  sandbox",
        "id", "name", "plan", "allowance"
    )
    .map_err(io)?;
    for w in list {
        writeln!(
            out,
            "{:>4}  {:<32} {:<10} {:>9}  {}",
            w.id,
            clean(&w.name),
            w.plan.as_str(),
            w.monthly_credit_allowance,
            if w.is_sandbox { "yes" } else { "no" }
        )
        .map_err(io)?;
    }
    Ok(())
}

/// Every number the filter selects, page by page, so a million rows never sit in memory. JSON
/// is one array.
pub async fn numbers(
    out: &mut impl Write,
    app: &App,
    workspace_id: WorkspaceId,
    filter: NumberFilter,
    sort: Sort,
    json: bool,
) -> Result<(), Failure> {
    if json {
        write!(out, "[").map_err(io)?;
    } else {
        writeln!(
            out,
            "{:<16} {:<7} {:<9} {:<19} {:<10} {:<24} agent",
            "number", "carrier", "source", "status", "type", "region"
        )
        .map_err(io)?;
    }
    let mut offset = 0;
    loop {
        let page = app
            .numbers()
            .page(
                workspace_id,
                NumberQuery {
                    filter: filter.clone(),
                    sort,
                    offset,
                    limit: PAGE,
                },
            )
            .await?;
        for (i, row) in page.rows.iter().enumerate() {
            if json {
                if offset + (i as i64) > 0 {
                    write!(out, ",").map_err(io)?;
                }
                let text = serde_json::to_string(row).map_err(|e| io(e.into()))?;
                write!(out, "{text}").map_err(io)?;
            } else {
                let agent = row
                    .inbound_agent
                    .as_ref()
                    .or(row.outbound_agent.as_ref())
                    .or(row.sms_agent.as_ref())
                    .map(|a| clean(&a.name))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{:<16} {:<7} {:<9} {:<19} {:<10} {:<24} {}",
                    row.e164,
                    row.carrier,
                    row.source,
                    row.status_label,
                    row.number_type.as_deref().unwrap_or("-"),
                    clean(row.region.as_deref().unwrap_or("-")),
                    agent
                )
                .map_err(io)?;
            }
        }
        offset += page.rows.len() as i64;
        if page.rows.is_empty() || offset >= page.total {
            break;
        }
    }
    if json {
        writeln!(out, "]").map_err(io)?;
    }
    Ok(())
}

pub fn sync(out: &mut impl Write, result: &WorkspaceSync, json: bool) -> Result<(), Failure> {
    if json {
        return json_line(out, result);
    }
    for report in &result.reports {
        writeln!(
            out,
            "connection {}: {} checked, {} missing at the carrier, {} back, {} drifted, {} no longer drifted",
            report.connection_id,
            report.checked,
            report.missing.len(),
            report.returned.len(),
            report.drifted.len(),
            report.drift_cleared.len()
        )
        .map_err(io)?;
        for e164 in &report.missing {
            writeln!(out, "  missing  {e164}").map_err(io)?;
        }
        for drifted in &report.drifted {
            let fields: Vec<String> = drifted
                .fields
                .iter()
                .map(|f| {
                    format!(
                        "{}: {} (NumberDesk set {})",
                        f.label,
                        clean(f.carrier_has.as_deref().unwrap_or("empty")),
                        clean(f.numberdesk_set.as_deref().unwrap_or("empty"))
                    )
                })
                .collect();
            writeln!(out, "  drifted  {}  {}", drifted.e164, fields.join("; ")).map_err(io)?;
        }
    }
    for error in &result.errors {
        writeln!(
            out,
            "connection {} ({}): {}",
            error.connection_id,
            clean(&error.name),
            error.message
        )
        .map_err(io)?;
    }
    Ok(())
}

pub fn orders(out: &mut impl Write, report: &SyncReport) -> Result<(), Failure> {
    writeln!(out, "{} orders checked", report.orders_checked).map_err(io)?;
    for update in &report.updates {
        writeln!(
            out,
            "order {}: {:?}, {} active, {} failed, {} credits refunded",
            update.order_id,
            update.status,
            update.activated.len(),
            update.failed.len(),
            update.refunded_credits
        )
        .map_err(io)?;
    }
    for error in &report.errors {
        writeln!(out, "{error}").map_err(io)?;
    }
    Ok(())
}

/// One line, rewritten in place.
pub fn progress_line(progress: &ImportProgress) {
    let settled = progress.done + progress.failed + progress.cancelled + progress.unconfirmed;
    eprint!(
        "\rImport {}: {settled}/{} ({} imported, {} failed)   ",
        progress.import_id, progress.total, progress.done, progress.failed
    );
}

pub fn import_summary(progress: &ImportProgress) {
    eprintln!(
        "Import {}: {} imported, {} failed, {} cancelled of {}.",
        progress.import_id, progress.done, progress.failed, progress.cancelled, progress.total
    );
    if progress.unconfirmed > 0 {
        eprintln!(
            "{} changed at the carrier but not confirmed yet; the app asks the carrier again at its next sync.",
            progress.unconfirmed
        );
    }
    for failure in &progress.failures {
        eprintln!("  {}: {}", failure.e164, failure.reason);
    }
}

/// The rows of a CSV file that were (or would be) left out, a line each: `line N: why`.
pub fn left_out<'a>(
    out: &mut impl Write,
    rows: impl Iterator<Item = &'a PreviewRow>,
) -> Result<(), Failure> {
    for row in rows {
        let why = row.message.as_deref().unwrap_or("left out");
        writeln!(out, "line {}: {}", row.line, clean(why)).map_err(io)?;
    }
    Ok(())
}
