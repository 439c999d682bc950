//! The audit log: filters, CSV export, and no secret ever written into it.

use numberdesk::flows::audit::{AuditFilter, AuditLog};
use numberdesk::flows::import::WebhookMode;
use numberdesk::flows::manage::agents::{AgentSlot, Agents};
use numberdesk::flows::manage::regions::{self};
use numberdesk::flows::manage::sync;

use super::world;

#[tokio::test]
async fn audit_log_filters_exports_csv_and_never_holds_a_secret() {
    let w = world(8).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::Managed)
        .await;
    let agents = Agents::new(&w.core);
    let agent = agents.create(w.workspace.id, "Night shift").unwrap();
    let first = w.id_of(&twilio.listed[0].e164);
    agents
        .assign(w.workspace.id, &[first], AgentSlot::Inbound, Some(agent.id))
        .unwrap();
    let accounts = w.accounts();
    w.add_regional_key(&accounts, twilio.row.id, "au1").await;
    regions::set_region(&accounts, w.workspace.id, &[first], "au1", false)
        .await
        .unwrap();
    sync::sync_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    w.disconnect(twilio.row.id, true).await.unwrap();

    let log = AuditLog::new(&w.core);
    let everything = log.query(w.workspace.id, &AuditFilter::default()).unwrap();
    let actions: Vec<&str> = everything
        .entries
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "disconnect",
            "restore",
            "sync",
            "region_change",
            "credentials_update",
            "assignment",
            "agent_created",
            "webhook_update",
            "import"
        ]
    );
    // By number: the entries that touched the first number (the disconnect lists all three).
    let about_first = log
        .query(
            w.workspace.id,
            &AuditFilter {
                e164: Some(twilio.listed[0].e164.to_string()),
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!(
        about_first
            .entries
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        vec![
            "disconnect",
            "restore",
            "region_change",
            "assignment",
            "webhook_update",
            "import"
        ]
    );
    // By text and paging.
    let by_text = log
        .query(
            w.workspace.id,
            &AuditFilter {
                text: Some("night SHIFT".into()),
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!(by_text.total, 2);
    let page = log
        .query(
            w.workspace.id,
            &AuditFilter {
                limit: 2,
                offset: 2,
                ..AuditFilter::default()
            },
        )
        .unwrap();
    assert_eq!((page.total, page.entries.len()), (9, 2));
    assert_eq!(page.entries[0].action, "sync");

    let mut bytes = Vec::new();
    let written = log
        .export_csv(w.workspace.id, &AuditFilter::default(), &mut bytes)
        .unwrap();
    assert_eq!(written, 9);
    let text = String::from_utf8(bytes).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 9);
    assert_eq!(&records[0][1], "Carrier disconnected");
    assert_eq!(&records[1][1], "Restore");
    assert_eq!(&records[3][1], "Region change");
    assert!(records[3][5].contains(twilio.listed[0].e164.as_str()));
    assert!(records[3][8].contains("au1"));
    assert_eq!(&records[4][1], "Credentials updated");

    // No credential anywhere in the log, the CSV or the database file.
    let token = &w.sandbox.twilio_accounts()[0].auth_token;
    assert!(!text.contains(token.as_str()));
    let regional = &w.sandbox.twilio_accounts()[0]
        .regional_key("au1")
        .unwrap()
        .key_secret;
    assert!(!text.contains(regional.as_str()));
    let dump: String = w
        .core
        .store
        .read(|c| {
            let mut s = c.prepare(
                "SELECT coalesce(summary,'') || coalesce(before_json,'') || coalesce(after_json,'') FROM audit_entries",
            )?;
            let rows = s
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, rusqlite::Error>(rows.join("\n"))
        })
        .unwrap();
    assert!(!dump.contains(token.as_str()));
    assert!(!dump.contains(regional.as_str()));
    assert!(dump.contains("Night shift"));
}
