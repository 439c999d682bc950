//! Twilio inbound regions: changes with partial failures, Telnyx numbers skipped, and changes a
//! crash cut short settled from what Twilio has.

use numberdesk::domain::ids::PhoneNumberId;
use numberdesk::domain::kinds::CarrierKind;
use numberdesk::domain::kinds::JournalKind;
use numberdesk::flows::audit::AuditAction;
use numberdesk::flows::connect;
use numberdesk::flows::import::{ImportRegistry, Importer, WebhookMode};
use numberdesk::flows::manage::regions::{self, RegionError};
use numberdesk::flows::manage::table::{NumberFilter, Sort, SortColumn};
use numberdesk::sandbox::{Carrier, FaultKind, FaultRule};

use numberdesk::secrets::Sensitive;

use super::{twilio_client, world};

#[tokio::test]
async fn twilio_region_changes_report_partial_failures_and_skip_telnyx_numbers() {
    let w = world(12).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 5, WebhookMode::OutboundOnly)
        .await;
    let telnyx = w
        .connect_and_import(&w.telnyx_form(), 2, WebhookMode::OutboundOnly)
        .await;
    let accounts = w.accounts();
    let twilio_ids: Vec<PhoneNumberId> = twilio.listed[..5]
        .iter()
        .map(|n| w.id_of(&n.e164))
        .collect();
    let telnyx_id = w.id_of(&telnyx.listed[0].e164);

    // Unknown regions and Telnyx-only selections are refused before any call.
    assert!(matches!(
        regions::set_region(&accounts, w.workspace.id, &twilio_ids, "mars1", false).await,
        Err(RegionError::UnknownRegion(_))
    ));
    assert!(matches!(
        regions::set_region(&accounts, w.workspace.id, &[telnyx_id], "ie1", false).await,
        Err(RegionError::NoTwilioNumbers)
    ));

    // Twilio refuses the change for one number; the others are done.
    let refused = &twilio.listed[2].e164;
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::ServerError { status: 400 })
            .carrier(Carrier::Twilio)
            .method("POST")
            .path_contains(refused.trim_start_matches('+'))
            .times(None),
    );
    let mut selection = twilio_ids.clone();
    selection.push(telnyx_id);
    w.add_regional_key(&accounts, twilio.row.id, "ie1").await;
    let outcome = regions::set_region(&accounts, w.workspace.id, &selection, "ie1", false)
        .await
        .unwrap();
    assert_eq!(outcome.changed.len(), 4, "{outcome:?}");
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(&outcome.failed[0].e164, refused);
    assert!(outcome.failed[0].reason.contains("Twilio"), "{outcome:?}");
    assert_eq!(outcome.not_twilio, vec![telnyx.listed[0].e164.to_string()]);

    // Twilio has the new region for the four, the old one for the refused number.
    let sid = &w.sandbox.twilio_accounts()[0].account_sid;
    let state = w.sandbox.account_state(sid, true).unwrap();
    for number in &twilio.listed[..5] {
        let at_twilio = state
            .numbers
            .iter()
            .find(|n| n.phone_number == number.e164)
            .unwrap();
        let expected = if &number.e164 == refused {
            "us1"
        } else {
            "ie1"
        };
        assert_eq!(
            at_twilio.voice_region.as_deref(),
            Some(expected),
            "{}",
            number.e164
        );
    }
    // The table shows it; the refused number keeps no region of ours.
    let rows = w.all(NumberFilter::default(), Sort::default());
    for row in rows.iter().filter(|r| r.carrier == CarrierKind::Twilio) {
        if &row.e164 == refused {
            assert_eq!(row.inbound_region, None);
        } else {
            assert_eq!(row.inbound_region.as_deref(), Some("ie1"));
        }
    }
    // Sorting by inbound region works on the new values.
    let by_region = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::InboundRegion,
            descending: true,
        },
    );
    assert_eq!(by_region[0].inbound_region.as_deref(), Some("ie1"));

    // Again, with the fault cleared: only the one not done yet is sent.
    w.sandbox.faults().clear();
    let again = regions::set_region(&accounts, w.workspace.id, &twilio_ids, "ie1", false)
        .await
        .unwrap();
    assert_eq!((again.changed.len(), again.unchanged.len()), (1, 4));
    // Reading the region back from Twilio.
    let read = regions::refresh_region(&accounts, w.workspace.id, twilio_ids[0])
        .await
        .unwrap();
    assert_eq!(read, "ie1");

    let entries = w.audit(AuditAction::RegionChange);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].number_count, 4);
    assert_eq!(entries[1].target, "twilio");
    assert!(entries[1].after_json.as_deref().unwrap().contains("ie1"));
    // Every call was journalled, and settled.
    let unsettled: i64 = w
        .core
        .store
        .read(|c| {
            c.query_row(
                "SELECT count(*) FROM journal WHERE kind = 'region' AND state = 'intent'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(unsettled, 0);
    // Both imports are in the audit log, with their numbers.
    let imports = w.audit(AuditAction::Import);
    assert_eq!(imports.len(), 2, "{imports:?}");
    assert_eq!(
        imports.iter().map(|e| e.number_count).sum::<i64>(),
        7,
        "{imports:?}"
    );
}

#[tokio::test]
async fn region_changes_cut_short_by_a_crash_are_settled_from_what_twilio_has() {
    let w = world(4).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::OutboundOnly)
        .await;
    let [reached, not_reached, gone] = [0, 1, 2].map(|i| twilio.listed[i].clone());
    // The app journalled three changes to au1 and died: Twilio got the first one only, and the
    // third number left NumberDesk since.
    twilio_client(&twilio.account)
        .set_inbound_region(&reached.e164, "au1")
        .await
        .unwrap();
    let ids = [&reached, &not_reached, &gone].map(|n| w.id_of(&n.e164));
    let now = w.core.clock.now();
    w.core
        .store
        .write(|tx| {
            for (number, id) in [&reached, &not_reached, &gone].iter().zip(ids) {
                let key =
                    numberdesk::store::journal::fresh_key(tx, JournalKind::Region, &number.e164)?;
                let payload = serde_json::json!({
                    "phone_number_id": id, "e164": number.e164, "connection_id": twilio.row.id,
                    "from": null, "to": "au1",
                })
                .to_string();
                numberdesk::store::journal::intend(
                    tx,
                    w.workspace.id,
                    JournalKind::Region,
                    &key,
                    &payload,
                    now,
                )?;
            }
            tx.execute("DELETE FROM phone_numbers WHERE id = ?1", [ids[2]])?;
            Ok::<_, numberdesk::store::StoreError>(())
        })
        .unwrap();

    let settled = regions::reconcile(&w.accounts()).await.unwrap();
    assert_eq!((settled.settled, settled.left), (3, 0));
    let rows = w.all(NumberFilter::default(), Sort::default());
    let region_of = |e164: &str| {
        rows.iter()
            .find(|r| r.e164 == e164)
            .and_then(|r| r.inbound_region.clone())
    };
    assert_eq!(region_of(&reached.e164).as_deref(), Some("au1"));
    assert_eq!(region_of(&not_reached.e164).as_deref(), Some("us1"));
    let states: Vec<(String, String)> = w
        .core
        .store
        .read(|c| {
            let mut s = c.prepare(
                "SELECT state, coalesce(outcome, '') FROM journal WHERE kind = 'region' ORDER BY id",
            )?;
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, numberdesk::store::StoreError>(rows)
        })
        .unwrap();
    assert_eq!(states[0].0, "done", "{states:?}");
    assert_eq!(states[1].0, "failed", "{states:?}");
    assert!(states[2].1.contains("no longer"), "{states:?}");
    // Nothing is left to settle: a second start does nothing.
    let again = regions::reconcile(&w.accounts()).await.unwrap();
    assert_eq!((again.settled, again.left), (0, 0));
}

/// A region change whose answer was lost after Twilio made it is not written off as failed: its
/// row stays open, and the reconciler asks Twilio and records the region Twilio has (before, the
/// row was settled failed and the table kept the old region although Twilio had the new one).
#[tokio::test]
async fn a_region_change_whose_answer_was_lost_is_settled_from_twilio() {
    let w = world(6).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::OutboundOnly)
        .await;
    let accounts = w.accounts();
    let ids: Vec<PhoneNumberId> = twilio.listed[..3]
        .iter()
        .map(|n| w.id_of(&n.e164))
        .collect();
    let lost = &twilio.listed[1].e164;
    w.sandbox.faults().add_rule(
        FaultRule::once(FaultKind::DropAfterCommit)
            .carrier(Carrier::Twilio)
            .method("POST")
            .path_contains(lost.trim_start_matches('+'))
            .times(None),
    );
    w.add_regional_key(&accounts, twilio.row.id, "ie1").await;
    let outcome = regions::set_region(&accounts, w.workspace.id, &ids, "ie1", false)
        .await
        .unwrap();
    assert_eq!(outcome.changed.len(), 2, "{outcome:?}");
    assert_eq!(&outcome.failed[0].e164, lost);
    assert!(
        outcome.failed[0].reason.contains("will ask Twilio"),
        "{outcome:?}"
    );
    let open = w
        .core
        .store
        .read(|c| numberdesk::store::journal::unfinished(c, &[JournalKind::Region]))
        .unwrap();
    assert_eq!(open.len(), 1, "{open:?}");

    w.sandbox.faults().clear();
    let settled = regions::reconcile(&accounts).await.unwrap();
    assert_eq!((settled.settled, settled.left), (1, 0));
    let rows = w.all(NumberFilter::default(), Sort::default());
    let region = rows
        .iter()
        .find(|r| &r.e164 == lost)
        .and_then(|r| r.inbound_region.clone());
    assert_eq!(region.as_deref(), Some("ie1"));
}

/// Twilio keeps a number's configuration per region. Before, a number moved to ie1 kept its
/// webhooks in us1 only, so its calls reached nothing; now the move asks for an API key made in
/// ie1, writes the configuration there first, and calls keep reaching the workspace's webhook.
#[tokio::test]
async fn a_number_moved_to_ie1_still_reaches_the_workspaces_webhook_and_back_again() {
    let w = world(4).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 2, WebhookMode::Managed)
        .await;
    let accounts = w.accounts();
    let moved = twilio.listed[0].e164.to_string();
    let id = w.id_of(&moved);
    let before = w.sandbox.place_call(&moved).await.unwrap();
    assert_eq!(
        (before.region.as_str(), before.target.as_str()),
        ("us1", "voice_url")
    );
    let webhook = before.url.clone().expect("the workspace's webhook");
    assert!(
        webhook.starts_with(&w.workspace.webhook_base_url),
        "{webhook}"
    );

    // Without a key made in ie1 nothing is sent, and the outcome says which key is needed.
    let posts = |w: &super::World| {
        w.sandbox
            .calls()
            .iter()
            .filter(|c| c.method == "POST")
            .count()
    };
    let sent = posts(&w);
    let asked = regions::set_region(&accounts, w.workspace.id, &[id], "ie1", false)
        .await
        .unwrap();
    assert!(asked.changed.is_empty(), "{asked:?}");
    assert_eq!(asked.keys_needed.len(), 1, "{asked:?}");
    assert_eq!(asked.keys_needed[0].region, "ie1");
    assert_eq!(asked.keys_needed[0].connection_id, twilio.row.id);
    assert_eq!(asked.keys_needed[0].numbers, vec![moved.clone()]);
    assert_eq!(posts(&w), sent, "nothing sent to Twilio");

    // A key made in another region is refused by ie1's host, and nothing is saved.
    let au1 = w.sandbox.twilio_accounts()[0]
        .regional_key("au1")
        .unwrap()
        .clone();
    let refused = regions::add_regional_key(
        &accounts,
        w.workspace.id,
        twilio.row.id,
        "ie1",
        &au1.key_sid,
        Sensitive::new(au1.key_secret.clone()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, RegionError::KeyRefused { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("made in"), "{refused}");
    let again = regions::set_region(&accounts, w.workspace.id, &[id], "ie1", false)
        .await
        .unwrap();
    assert_eq!(again.keys_needed.len(), 1, "the refused key was not kept");

    // With the ie1 key the number moves, and its calls still reach the workspace's webhook.
    w.add_regional_key(&accounts, twilio.row.id, "ie1").await;
    let outcome = regions::set_region(&accounts, w.workspace.id, &[id], "ie1", false)
        .await
        .unwrap();
    assert_eq!(outcome.changed, vec![moved.clone()], "{outcome:?}");
    assert!(outcome.keys_needed.is_empty() && outcome.failed.is_empty());
    let call = w.sandbox.place_call(&moved).await.unwrap();
    assert_eq!(call.region, "ie1", "{call:?}");
    assert_eq!(call.target, "voice_url", "{call:?}");
    assert_eq!(call.url.as_deref(), Some(webhook.as_str()));
    // The configuration went through ie1's host, before the route moved.
    let calls = w.sandbox.calls();
    let written = calls
        .iter()
        .position(|c| c.method == "POST" && c.path.starts_with("/twilio/regional/api.dublin.ie1/"))
        .expect("written through ie1's host");
    let routed = calls
        .iter()
        .position(|c| c.method == "POST" && c.path.contains("/v2/PhoneNumbers/"))
        .expect("the route moved");
    assert!(written < routed, "configuration first, then the route");
    // The secret never reaches the audit log.
    let key = w.sandbox.twilio_accounts()[0]
        .regional_key("ie1")
        .unwrap()
        .clone();
    let entries = w.audit(AuditAction::CredentialsUpdate);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(!format!("{entries:?}").contains(&key.key_secret));

    // Back to us1: still the workspace's webhook.
    let back = regions::set_region(&accounts, w.workspace.id, &[id], "us1", false)
        .await
        .unwrap();
    assert_eq!(back.changed, vec![moved.clone()], "{back:?}");
    let call = w.sandbox.place_call(&moved).await.unwrap();
    assert_eq!(
        (call.region.as_str(), call.url.as_deref()),
        ("us1", Some(webhook.as_str()))
    );

    // A number moved to ie1 behind NumberDesk's back (only its route) reaches nothing, and the
    // check says so with the fix; the one NumberDesk moved checks clean.
    let other = twilio.listed[1].e164.to_string();
    twilio_client(&twilio.account)
        .set_inbound_region(&other, "ie1")
        .await
        .unwrap();
    let call = w.sandbox.place_call(&other).await.unwrap();
    assert_eq!(call.target, "nothing", "{call:?}");
    let check = |id| {
        let accounts = &accounts;
        let workspace = w.workspace.id;
        async move {
            numberdesk::flows::manage::diagnostics::check_number(accounts, workspace, id)
                .await
                .unwrap()
                .results
                .into_iter()
                .find(|r| r.id == "region_configuration")
                .expect("the region check")
        }
    };
    let broken = check(w.id_of(&other)).await;
    assert_eq!(
        broken.status,
        numberdesk::flows::manage::diagnostics::CheckStatus::Problem,
        "{broken:?}"
    );
    assert!(broken.detail.contains("reach nothing"), "{broken:?}");
    assert!(
        broken.fix.as_deref().unwrap_or("").contains("ie1 again"),
        "{broken:?}"
    );
    regions::set_region(&accounts, w.workspace.id, &[id], "ie1", false)
        .await
        .unwrap();
    let clean = check(id).await;
    assert_eq!(
        clean.status,
        numberdesk::flows::manage::diagnostics::CheckStatus::Ok,
        "{clean:?}"
    );
    assert!(
        w.sandbox.violations().is_empty(),
        "{:?}",
        w.sandbox.violations()
    );
}

/// Sets a number's configuration in `region` and moves its route there, at Twilio directly (as
/// a user who set it up in the console), with the account's key made in that region.
async fn configured_in_region(w: &super::World, e164: &str, sid: &str, region: &str, voice: &str) {
    let account = &w.sandbox.twilio_accounts()[0];
    let key = account.regional_key(region).unwrap();
    let edge = numberdesk::carriers::edge_of(region).unwrap();
    let base = w
        .sandbox
        .base_urls()
        .twilio_regional
        .replace("{edge}", edge)
        .replace("{region}", region);
    let client = reqwest::Client::new();
    let url = format!(
        "{base}/2010-04-01/Accounts/{}/IncomingPhoneNumbers/{sid}.json",
        account.account_sid
    );
    let reply = client
        .post(url)
        .basic_auth(&key.key_sid, Some(&key.key_secret))
        .form(&[("VoiceUrl", voice), ("VoiceMethod", "POST")])
        .send()
        .await
        .unwrap();
    assert!(
        reply.status().is_success(),
        "{}",
        reply.text().await.unwrap()
    );
    let reply = client
        .post(format!(
            "{}/v2/PhoneNumbers/{e164}",
            w.sandbox.base_urls().twilio_routes
        ))
        .basic_auth(&account.account_sid, Some(&account.auth_token))
        .form(&[("VoiceRegion", region)])
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success());
}

/// A number already processed in ie1 is imported in managed mode: its ie1 configuration, the one
/// its calls use, is saved in the snapshot and pointed at the workspace too, and a disconnect
/// with restore puts the user's ie1 configuration back. Without a key made in ie1 the number is
/// refused by name and nothing is changed at Twilio.
#[tokio::test]
async fn a_number_processed_in_ie1_is_imported_and_restored_in_ie1() {
    let w = world(3).await;
    let form = w.twilio_form();
    let carrier = w.open_account(&form);
    let row = connect::connect(&w.core, &w.workspace, &form, &carrier)
        .await
        .unwrap();
    let accounts = w.accounts();
    let listed = carrier.list_numbers(&mut |_| {}).await.unwrap();
    let number = listed[0].clone();
    let e164 = number.e164.to_string();
    let users = "https://users-own.example.com/ie1/voice";
    configured_in_region(&w, &e164, &number.carrier_id, "ie1", users).await;
    assert_eq!(
        w.sandbox.place_call(&e164).await.unwrap().url.as_deref(),
        Some(users)
    );
    let importer = Importer::new(w.core.clone(), ImportRegistry::default());
    let import = || async {
        let account = accounts.connection(w.workspace.id, row.id).await.unwrap();
        let selected = std::slice::from_ref(&e164);
        let id = importer
            .start(
                w.workspace.id,
                row.id,
                &listed,
                selected,
                WebhookMode::Managed,
            )
            .unwrap();
        importer.run(id, account).await.unwrap()
    };

    // No ie1 key yet: the number fails with the reason, and nothing at Twilio changed.
    let progress = import().await;
    assert_eq!((progress.done, progress.failed), (0, 1), "{progress:?}");
    let reason = &progress.failures[0].reason;
    assert!(reason.contains("made in ie1"), "{reason}");
    assert_eq!(
        w.sandbox.place_call(&e164).await.unwrap().url.as_deref(),
        Some(users)
    );

    // With the key: both regions point at the workspace, the table shows ie1.
    w.add_regional_key(&accounts, row.id, "ie1").await;
    let progress = import().await;
    assert_eq!((progress.done, progress.failed), (1, 0), "{progress:?}");
    let call = w.sandbox.place_call(&e164).await.unwrap();
    assert_eq!(call.region, "ie1");
    let webhook = call.url.clone().unwrap();
    assert!(
        webhook.starts_with(&w.workspace.webhook_base_url),
        "{call:?}"
    );
    let rows = w.all(NumberFilter::default(), Sort::default());
    let shown = rows.iter().find(|r| r.e164 == e164).unwrap();
    assert_eq!(shown.inbound_region.as_deref(), Some("ie1"));
    let snapshot: String = w
        .core
        .store
        .read(|c| {
            c.query_row(
                "SELECT config_json FROM carrier_snapshots s JOIN phone_numbers n ON n.id = s.phone_number_id WHERE n.e164 = ?1",
                [&e164],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert!(
        snapshot.contains("\"in_region\"") && snapshot.contains(users),
        "{snapshot}"
    );

    // Disconnect with restore: the user's ie1 configuration is back, so calls go where they went.
    w.disconnect(row.id, true).await.unwrap();
    let call = w.sandbox.place_call(&e164).await.unwrap();
    assert_eq!(
        (call.region.as_str(), call.url.as_deref()),
        ("ie1", Some(users))
    );
    assert!(
        w.sandbox.violations().is_empty(),
        "{:?}",
        w.sandbox.violations()
    );
}
