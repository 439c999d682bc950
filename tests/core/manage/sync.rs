//! Sync with the carrier: numbers released elsewhere marked Missing, and drift flagged with what
//! NumberDesk set and what the carrier has.

use numberdesk::carriers::TwilioNumberUpdate;
use numberdesk::domain::kinds::NumberStatus;
use numberdesk::flows::audit::AuditAction;
use numberdesk::flows::import::{ImportRegistry, Importer, ManagedTarget, WebhookMode};
use numberdesk::flows::manage::sync;
use numberdesk::flows::manage::table::{NumberFilter, Sort};

use super::{twilio_client, world};

#[tokio::test]
async fn sync_marks_numbers_released_at_the_carrier_missing_and_flags_drift() {
    let w = world(10).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 4, WebhookMode::Managed)
        .await;
    let ManagedTarget::Twilio { voice_url, .. } =
        Importer::new(w.core.clone(), ImportRegistry::default())
            .target(w.workspace.id, twilio.row.id)
            .unwrap()
    else {
        panic!()
    };

    // Outside NumberDesk: one number released, another's voice URL changed in the console.
    let outside = w.open_account(&w.twilio_form());
    let client = twilio_client(&outside);
    let released = &twilio.listed[0];
    client
        .release_incoming_number(&released.carrier_id)
        .await
        .unwrap();
    let changed = &twilio.listed[1];
    client
        .update_incoming_number(
            &changed.carrier_id,
            &TwilioNumberUpdate {
                voice_url: Some("https://elsewhere.example.com/voice".into()),
                ..TwilioNumberUpdate::default()
            },
        )
        .await
        .unwrap();

    let report = sync::sync_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    assert_eq!(report.checked, 4);
    assert_eq!(report.missing, vec![released.e164.to_string()]);
    assert_eq!(report.drifted.len(), 1);
    let drift = &report.drifted[0];
    assert_eq!(drift.e164, changed.e164);
    let field = drift
        .fields
        .iter()
        .find(|f| f.field == "voice_url")
        .unwrap();
    assert_eq!(field.numberdesk_set.as_deref(), Some(voice_url.as_str()));
    assert_eq!(
        field.carrier_has.as_deref(),
        Some("https://elsewhere.example.com/voice")
    );

    // The released number is still in the table, as Missing at carrier; nothing was deleted.
    let rows = w.all(NumberFilter::default(), Sort::default());
    assert_eq!(rows.len(), 4);
    let missing = rows.iter().find(|r| r.e164 == released.e164).unwrap();
    assert_eq!(missing.status, NumberStatus::Missing);
    assert_eq!(missing.status_label, "Missing at carrier");
    assert!(missing.missing_since.is_some());
    let drifted = rows.iter().find(|r| r.e164 == changed.e164).unwrap();
    assert_eq!(drifted.drift.len(), 1);
    assert!(rows
        .iter()
        .filter(|r| r.status == NumberStatus::Active)
        .all(|r| r.last_synced_at.is_some()));
    let only_drifted = w.all(
        NumberFilter {
            drifted_only: true,
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(only_drifted.len(), 1);
    let times = w.table().sync_times(w.workspace.id).unwrap();
    assert!(times[0].last_synced_at.is_some());

    // Synced again after the URL is put back: the drift clears; Missing stays Missing.
    client
        .update_incoming_number(
            &changed.carrier_id,
            &TwilioNumberUpdate {
                voice_url: Some(voice_url.clone()),
                ..TwilioNumberUpdate::default()
            },
        )
        .await
        .unwrap();
    let report = sync::sync_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    assert!(report.missing.is_empty());
    assert!(report.drifted.is_empty());
    assert_eq!(report.drift_cleared, vec![changed.e164.to_string()]);
    let rows = w.all(NumberFilter::default(), Sort::default());
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == NumberStatus::Missing)
            .count(),
        1,
        "Missing stays until the number is back"
    );

    let entries = w.audit(AuditAction::Sync);
    assert_eq!(entries.len(), 2);
    assert!(
        entries[1].summary.contains("1 missing"),
        "{}",
        entries[1].summary
    );
    assert!(entries[1]
        .after_json
        .as_deref()
        .unwrap()
        .contains("elsewhere.example.com"));
}
