//! Managing owned numbers in the real window, against the carrier sandbox: the Phone Numbers table
//! (filters, sorting, CSV export, sync), the Twilio inbound region, agents, the checks, disconnect
//! and the audit log. Numbers come in through the import wizard, as a user brings them.

use std::time::{Duration, Instant};

use numberdesk::sandbox::{
    Carrier, FaultKind, FaultRule, RegionalKeyInfo, Sandbox, SandboxConfig, SandboxHandle,
    TwilioAccountInfo,
};

use crate::harness::{run, shown_text, App, Profile, Result, UI_WAIT};

const WEBHOOK_BASE: &str = "https://voice.acme.example";
const MANAGED_VOICE_URL: &str = "https://voice.acme.example/webhook/twilio/voice";
const ROWS: &str = "[data-testid='view-numbers'] [data-testid='number-row']";
const CONFIRM: &str = "dialog[open] [data-testid='dialog-confirm']";

/// What each test starts from: the carrier sandbox with `owned` Twilio numbers, the app on a
/// fresh profile pointed at it, and all those numbers imported (webhook updates on when
/// `managed`), as the table lists them. Keep `profile` alive as long as the app.
struct Started {
    sandbox: SandboxHandle,
    twilio: TwilioAccountInfo,
    profile: Profile,
    app: App,
    numbers: Vec<String>,
}

async fn start(owned: usize, managed: bool) -> Result<Started> {
    let sandbox = Sandbox::start(SandboxConfig {
        owned_numbers: owned,
        seed: 23,
        ..SandboxConfig::default()
    })
    .await?;
    let twilio = sandbox.twilio_accounts()[0].clone();
    let profile = Profile::new().with_carriers_at(sandbox.base_urls());
    let app = App::launch(&profile).await?;
    let numbers = import_twilio(&app, &twilio, owned, managed).await?;
    Ok(Started {
        sandbox,
        twilio,
        profile,
        app,
        numbers,
    })
}

/// A workspace with a Twilio connection whose numbers (all of the account's) were imported
/// through the wizard; returns them as the table lists them.
async fn import_twilio(
    app: &App,
    twilio: &TwilioAccountInfo,
    owned: usize,
    managed: bool,
) -> Result<Vec<String>> {
    app.create_first_workspace("Acme Dental", WEBHOOK_BASE)
        .await?;
    app.click("[data-nav='carriers']").await?;
    app.connect_twilio_in_wizard("Main Twilio", &twilio.account_sid, &twilio.auth_token)
        .await?;
    app.tick("[data-testid='select-all']").await?;
    app.wait_for_text("[data-testid='selected-count']", &owned.to_string())
        .await?;
    app.click("[data-testid='wizard-next']").await?;
    if managed {
        app.click("[data-testid='mode-managed']").await?;
        app.wait_for("[data-testid='change-preview'] [data-testid='change-row']")
            .await?;
    } else {
        app.wait_for("[data-testid='mode-outbound-only']").await?;
    }
    app.click("[data-testid='wizard-next']").await?;
    app.wait_for("[data-testid='import-confirm']").await?;
    app.click("[data-testid='wizard-next']").await?;
    app.wait_for_attr(
        "[data-testid='import-summary']",
        "data-done",
        &owned.to_string(),
    )
    .await?;
    app.click("[data-testid='wizard-next']").await?;
    app.wait_for_text("[data-testid='numbers-count']", &format!("{owned} numbers"))
        .await?;
    let numbers = shown_numbers(app).await?;
    assert_eq!(numbers.len(), owned, "{numbers:?}");
    Ok(numbers)
}

/// The numbers of the table's rows on screen, top to bottom.
async fn shown_numbers(app: &App) -> Result<Vec<String>> {
    app.attrs(ROWS, "data-e164").await
}

/// Waits until the table shows exactly `expected`, in that order.
async fn wait_for_numbers(app: &App, expected: &[String]) -> Result {
    let started = Instant::now();
    let mut last = Vec::new();
    while started.elapsed() < UI_WAIT {
        last = shown_numbers(app).await.unwrap_or_default();
        if last == expected {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("the table showed {last:?}, expected {expected:?}").into())
}

fn row(e164: &str) -> String {
    format!("{ROWS}[data-e164='{e164}']")
}

/// Ticks the rows of `numbers` in the table.
async fn select_rows(app: &App, numbers: &[&str]) -> Result {
    for (i, e164) in numbers.iter().enumerate() {
        app.tick(&format!("{} input[type='checkbox']", row(e164)))
            .await?;
        app.wait_for_attr(
            "[data-testid='selection-count']",
            "data-count",
            &(i + 1).to_string(),
        )
        .await?;
    }
    Ok(())
}

/// Creates an agent on the Agents page.
async fn create_agent(app: &App, name: &str) -> Result {
    app.click("[data-nav='agents']").await?;
    app.fill("[data-testid='new-agent-name']", name).await?;
    app.click("[data-testid='create-agent']").await?;
    app.wait_for(&format!(
        "[data-testid='agent-row'][data-name='{name}'] [data-testid='agent-number-count']"
    ))
    .await?;
    Ok(())
}

/// Makes the first agent the inbound agent of `e164` through the table's bulk action.
async fn assign_inbound(app: &App, e164: &str, agent: &str) -> Result {
    app.click("[data-nav='numbers']").await?;
    app.wait_for(&row(e164)).await?;
    select_rows(app, &[e164]).await?;
    app.click("[data-testid='bulk-assign-agent']").await?;
    app.select("[data-testid='assign-slot']", "inbound").await?;
    app.click(CONFIRM).await?;
    app.wait_for_text(
        &format!("{} [data-testid='number-agents']", row(e164)),
        &format!("In: {agent}"),
    )
    .await
}

/// The Audit Log lists an entry of `action` naming every one of `numbers`; returns its summary.
async fn audit_entry(app: &App, action: &str, numbers: &[&str]) -> Result<String> {
    app.click("[data-nav='audit']").await?;
    let css = format!("[data-testid='audit-entry'][data-action='{action}']");
    app.wait_for(&css).await?;
    let entries = app.find_all(&css).await?;
    let mut seen = Vec::new();
    for entry in entries {
        let text = shown_text(&entry).await?;
        if numbers.iter().all(|n| text.contains(n)) {
            let summary = entry
                .find(fantoccini::Locator::Css("[data-testid='audit-summary']"))
                .await?;
            return shown_text(&summary).await;
        }
        seen.push(text);
    }
    Err(format!("no {action} entry names {numbers:?}: {seen:?}").into())
}

/// A call straight to the sandbox's Twilio API, as someone using Twilio's console would make.
async fn twilio_request(
    sandbox: &SandboxHandle,
    twilio: &TwilioAccountInfo,
    method: reqwest::Method,
    e164: &str,
    form: &[(&str, &str)],
) -> Result {
    let state = sandbox
        .account_state(&twilio.account_sid, true)
        .ok_or("no such account")?;
    let sid = state
        .numbers
        .iter()
        .find(|n| n.phone_number == e164)
        .map(|n| n.id.clone())
        .ok_or("no such number")?;
    let url = format!(
        "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers/{sid}.json",
        sandbox.base_urls().twilio_api,
        twilio.account_sid
    );
    let response = reqwest::Client::new()
        .request(method, url)
        .basic_auth(&twilio.account_sid, Some(&twilio.auth_token))
        .form(form)
        .send()
        .await?;
    if !response.status().is_success() {
        return Err(format!("Twilio answered {}", response.status()).into());
    }
    Ok(())
}

#[test]
fn filters_sorting_and_export_show_and_write_the_same_rows() {
    run(|| async {
        const OWNED: usize = 8;
        let Started {
            sandbox,
            twilio,
            profile: _profile,
            app,
            numbers,
        } = start(OWNED, false).await?;

        // One number is released in Twilio's console; Sync finds it missing.
        let gone = numbers[3].clone();
        twilio_request(&sandbox, &twilio, reqwest::Method::DELETE, &gone, &[]).await?;
        app.click("[data-testid='sync-with-carrier']").await?;
        app.wait_for_attr("[data-testid='sync-summary']", "data-missing", "1")
            .await?;
        let summary = shown_text(&app.find("[data-testid='sync-summary']").await?).await?;
        assert!(summary.contains(&gone), "{summary}");
        app.wait_for("[data-testid='sync-time']").await?;

        app.select("[data-testid='filter-status']", "missing")
            .await?;
        app.wait_for_text(
            "[data-testid='numbers-count']",
            &format!("1 of {OWNED} numbers"),
        )
        .await?;
        wait_for_numbers(&app, std::slice::from_ref(&gone)).await?;
        app.wait_for_text(
            &format!("{} [data-testid='number-status']", row(&gone)),
            "Missing at carrier",
        )
        .await?;

        // Active numbers whose digits hold a piece shared by some but not all of them.
        let active: Vec<&String> = numbers.iter().filter(|n| **n != gone).collect();
        let needle = (0..8)
            .flat_map(|start| active.iter().map(move |n| n[2..].get(start..start + 3)))
            .flatten()
            .find(|piece| {
                let hits = active.iter().filter(|n| n[1..].contains(piece)).count();
                hits >= 2 && hits < active.len()
            })
            .ok_or("no piece of digits splits the numbers")?
            .to_owned();
        let mut expected: Vec<String> = active
            .iter()
            .filter(|n| n[1..].contains(&needle))
            .map(|n| n.to_string())
            .collect();
        app.select("[data-testid='filter-status']", "active")
            .await?;
        app.fill("[data-testid='numbers-search']", &needle).await?;
        app.wait_for_text(
            "[data-testid='numbers-count']",
            &format!("{} of {OWNED} numbers", expected.len()),
        )
        .await?;
        expected.sort();
        wait_for_numbers(&app, &expected).await?;

        // Newest sort: number, descending (the table starts sorted by number, ascending).
        app.click("[data-testid='sort-number']").await?;
        expected.reverse();
        wait_for_numbers(&app, &expected).await?;

        app.click("[data-testid='export-numbers']").await?;
        let path_el = app.wait_for("[data-testid='export-path']").await?;
        let path = path_el.attr("data-path").await?.unwrap_or_default();
        let shown = shown_text(&path_el).await?;
        assert!(shown.contains(&path), "{shown} does not show {path}");
        let toasts = app.texts("[data-testid='toast']").await?;
        assert!(toasts.iter().any(|t| t.contains(&path)), "{toasts:?}");

        let mut reader = csv::Reader::from_path(&path)?;
        let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
        assert_eq!(header[0], "number");
        assert_eq!(header[5], "status");
        let mut written = Vec::new();
        for record in reader.records() {
            let record = record?;
            assert_eq!(&record[5], "Active", "{record:?}");
            written.push(record[0].to_owned());
        }
        assert_eq!(
            written, expected,
            "the CSV holds the filtered rows in the shown order"
        );

        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

/// Fills the regional key dialog with `key` and confirms it.
async fn give_regional_key(app: &App, key: &RegionalKeyInfo) -> Result {
    app.fill("[data-testid='regional-key-sid']", &key.key_sid)
        .await?;
    app.fill(
        "[data-testid='regional-key-dialog'] [data-testid='regional-key-secret']",
        &key.key_secret,
    )
    .await?;
    app.click(CONFIRM).await
}

#[test]
fn inbound_region_change_reaches_twilio_and_reports_the_number_that_failed() {
    run(|| async {
        const OWNED: usize = 4;
        let Started {
            sandbox,
            twilio,
            profile: _profile,
            app,
            numbers,
        } = start(OWNED, false).await?;

        // First two numbers to ie1: the key made in ie1 is asked for; a key made elsewhere is
        // refused by ie1's host and the dialog stays; with the right one both move.
        let pair = [numbers[0].as_str(), numbers[1].as_str()];
        let calls_before = sandbox.place_call(pair[0]).await.ok_or("no number")?;
        select_rows(&app, &pair).await?;
        app.click("[data-testid='bulk-region']").await?;
        app.select("[data-testid='region-select']", "ie1").await?;
        app.click(CONFIRM).await?;
        app.wait_for("[data-testid='regional-key-dialog']").await?;
        let named = shown_text(&app.find("[data-testid='regional-key-connection']").await?).await?;
        assert!(!named.is_empty(), "the connection is named");
        let au1 = twilio.regional_key("au1").ok_or("no au1 key")?.clone();
        let ie1 = twilio.regional_key("ie1").ok_or("no ie1 key")?.clone();
        give_regional_key(&app, &au1).await?;
        let started = Instant::now();
        loop {
            let toasts = app.texts("[data-testid='toast']").await?;
            if toasts.iter().any(|t| t.contains("made in")) {
                break;
            }
            if started.elapsed() > UI_WAIT {
                return Err(format!("no refusal shown: {toasts:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(app
            .find("dialog[open][data-testid='regional-key-dialog']")
            .await
            .is_ok());
        give_regional_key(&app, &ie1).await?;
        for e164 in pair {
            app.wait_for_text(
                &format!("{} [data-testid='number-inbound-region']", row(e164)),
                "ie1",
            )
            .await?;
        }
        let state = sandbox
            .account_state(&twilio.account_sid, true)
            .ok_or("no account")?;
        for number in &state.numbers {
            let wanted = if pair.contains(&number.phone_number.as_str()) {
                "ie1"
            } else {
                "us1"
            };
            assert_eq!(
                number.voice_region.as_deref(),
                Some(wanted),
                "{}",
                number.phone_number
            );
        }

        // Their calls still reach the webhook they reached before, now from ie1.
        let call = sandbox.place_call(pair[0]).await.ok_or("no number")?;
        assert_eq!(call.region, "ie1", "{call:?}");
        assert_eq!(call.url, calls_before.url, "{call:?}");
        assert_eq!(call.target, "voice_url", "{call:?}");

        // The other two to au1 while Twilio refuses one request: that number is named with the
        // reason, the other is done.
        app.click("[data-testid='clear-selection']").await?;
        sandbox.faults().add_rule(
            FaultRule::once(FaultKind::ServerError { status: 400 })
                .carrier(Carrier::Twilio)
                .method("POST")
                .path_contains("/routes/"),
        );
        let rest = [numbers[2].as_str(), numbers[3].as_str()];
        select_rows(&app, &rest).await?;
        app.click("[data-testid='bulk-region']").await?;
        app.select("[data-testid='region-select']", "au1").await?;
        app.click(CONFIRM).await?;
        app.wait_for("[data-testid='regional-key-dialog']").await?;
        give_regional_key(&app, &au1).await?;
        let failure = app
            .wait_for("[data-testid='region-result'] [data-testid='region-failure']")
            .await?;
        let failed = failure.attr("data-e164").await?.unwrap_or_default();
        let done = shown_text(&app.find("[data-testid='region-done']").await?).await?;
        assert_eq!(
            done,
            "1 number is now in au1; the others below were not changed."
        );
        assert_eq!(
            app.find_all("[data-testid='region-failure']").await?.len(),
            1
        );
        app.click("dialog[open] [data-testid='dialog-done']")
            .await?;
        let changed = if failed == rest[0] { rest[1] } else { rest[0] };
        app.wait_for_text(
            &format!("{} [data-testid='number-inbound-region']", row(changed)),
            "au1",
        )
        .await?;
        app.wait_for_text(
            &format!("{} [data-testid='number-inbound-region']", row(&failed)),
            "us1",
        )
        .await?;
        let state = sandbox
            .account_state(&twilio.account_sid, true)
            .ok_or("no account")?;
        let region_of = |e164: &str| {
            state
                .numbers
                .iter()
                .find(|n| n.phone_number == e164)
                .and_then(|n| n.voice_region.clone())
        };
        assert_eq!(region_of(changed).as_deref(), Some("au1"));
        assert_eq!(region_of(&failed).as_deref(), Some("us1"));

        // The audit log has the change, with the numbers.
        let summary = audit_entry(&app, "region_change", &pair).await?;
        assert!(summary.contains("ie1"), "{summary}");

        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

#[test]
fn an_agent_assigned_in_the_table_holds_the_number_until_deleted() {
    run(|| async {
        const OWNED: usize = 3;
        let Started {
            sandbox,
            twilio: _,
            profile: _profile,
            app,
            numbers,
        } = start(OWNED, false).await?;
        let number = numbers[1].as_str();

        create_agent(&app, "Front desk").await?;
        app.wait_for_text(
            "[data-testid='agent-row'][data-name='Front desk'] [data-testid='agent-number-count']",
            "0 numbers",
        )
        .await?;
        assign_inbound(&app, number, "Front desk").await?;
        app.wait_for_text(
            &format!("{} [data-testid='number-agents']", row(&numbers[0])),
            "Unassigned",
        )
        .await?;

        // Filtered by the agent, the table shows that number alone.
        app.click("[data-testid='clear-selection']").await?;
        let agent_option = app
            .find("[data-testid='filter-agent'] option:nth-child(3)")
            .await?
            .attr("value")
            .await?
            .unwrap_or_default();
        app.select("[data-testid='filter-agent']", &agent_option)
            .await?;
        wait_for_numbers(&app, &[number.to_owned()]).await?;

        // The Agents page counts it and lists it with its slot.
        app.click("[data-nav='agents']").await?;
        app.wait_for_text(
            "[data-testid='agent-row'][data-name='Front desk'] [data-testid='agent-number-count']",
            "1 number",
        )
        .await?;
        app.click("[data-testid='agent-row'][data-name='Front desk'] [data-testid='agent-name']")
            .await?;
        let holding = format!("[data-testid='holding'][data-e164='{number}']");
        app.wait_for_text(
            &format!("{holding} [data-testid='holding-slots']"),
            "Inbound",
        )
        .await?;
        assert_eq!(app.find_all("[data-testid='holding']").await?.len(), 1);

        let summary = audit_entry(&app, "assignment", &[number]).await?;
        assert!(summary.contains("Front desk"), "{summary}");

        // Deleting it says which number loses it, and asks first.
        app.click("[data-nav='agents']").await?;
        app.click("[data-testid='agent-row'][data-name='Front desk'] [data-testid='delete-agent']")
            .await?;
        let message =
            shown_text(&app.wait_for("[data-testid='delete-agent-message']").await?).await?;
        assert!(message.contains(number), "{message}");
        app.click(CONFIRM).await?;
        app.wait_for("[data-testid='view-agents'] [data-testid='empty-state']")
            .await?;
        app.click("[data-nav='numbers']").await?;
        app.wait_for_text(
            &format!("{} [data-testid='number-agents']", row(number)),
            "Unassigned",
        )
        .await?;

        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

#[test]
fn check_shows_the_one_failing_check_and_sync_shows_the_drift() {
    run(|| async {
        const OWNED: usize = 2;
        let Started {
            sandbox,
            twilio,
            profile: _profile,
            app,
            numbers,
        } = start(OWNED, true).await?;
        let number = numbers[0].as_str();
        create_agent(&app, "Front desk").await?;
        assign_inbound(&app, number, "Front desk").await?;

        // Someone points the number elsewhere in Twilio's console.
        let elsewhere = "https://elsewhere.example/voice";
        twilio_request(
            &sandbox,
            &twilio,
            reqwest::Method::POST,
            number,
            &[("VoiceUrl", elsewhere)],
        )
        .await?;

        app.click("[data-testid='bulk-check']").await?;
        app.wait_for_attr("[data-testid='diagnosis']", "data-state", "done")
            .await?;
        let mut red = Vec::new();
        let mut green = Vec::new();
        for result in app.find_all("[data-testid='check-result']").await? {
            let id = result.attr("data-check-id").await?.unwrap_or_default();
            match result.attr("data-status").await?.as_deref() {
                Some("problem") => red.push(id),
                _ => green.push(id),
            }
        }
        assert_eq!(red, ["webhook_settings"], "green: {green:?}");
        for id in [
            "number_status",
            "agent_assigned",
            "credentials_stored",
            "credentials_valid",
            "account_active",
            "number_in_account",
        ] {
            assert!(green.iter().any(|g| g == id), "{id} missing from {green:?}");
        }
        let fix = shown_text(
            &app.find("[data-check-id='webhook_settings'] [data-testid='check-fix']")
                .await?,
        )
        .await?;
        assert!(fix.contains("managed mode"), "{fix}");
        let detail = shown_text(
            &app.find("[data-check-id='webhook_settings'] [data-testid='check-detail']")
                .await?,
        )
        .await?;
        assert!(detail.contains(elsewhere), "{detail}");
        app.click("dialog[open] [data-testid='dialog-done']")
            .await?;

        // Sync flags it drifted; its detail says what NumberDesk set and what Twilio has.
        app.click("[data-testid='sync-with-carrier']").await?;
        app.wait_for_attr("[data-testid='sync-summary']", "data-drifted", "1")
            .await?;
        app.wait_for(&format!("{} [data-testid='drift-marker']", row(number)))
            .await?;
        assert!(app
            .find_all(&format!(
                "{} [data-testid='drift-marker']",
                row(&numbers[1])
            ))
            .await?
            .is_empty());
        app.click("[data-testid='filter-drifted']").await?;
        wait_for_numbers(&app, &[number.to_owned()]).await?;
        app.click(&format!("{} [data-testid='number-e164']", row(number)))
            .await?;
        app.wait_for("[data-testid='drift-field']").await?;
        let drift = app.texts("[data-testid='drift-field']").await?;
        let wanted = format!("NumberDesk set {MANAGED_VOICE_URL} · carrier has {elsewhere}");
        assert!(drift.iter().any(|d| d.contains(&wanted)), "{drift:?}");

        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

#[test]
fn disconnect_says_what_goes_and_leaves_the_numbers_at_the_carrier() {
    run(|| async {
        const OWNED: usize = 3;
        let Started {
            sandbox,
            twilio,
            profile,
            app,
            numbers,
        } = start(OWNED, true).await?;
        create_agent(&app, "Front desk").await?;
        assign_inbound(&app, &numbers[0], "Front desk").await?;

        app.click("[data-nav='carriers']").await?;
        let tile = app.wait_for("[data-testid='connection-tile']").await?;
        let id = tile.attr("data-connection-id").await?.unwrap_or_default();
        // The connection's credentials are in the real keyring (the profile's first workspace).
        let keyring = numberdesk::secrets::KeyringStore::new(
            profile.keyring_service().to_owned(),
            numberdesk::logging::Redactor::new(),
        );
        let entry = numberdesk::secrets::SecretKey::new(
            numberdesk::domain::ids::WorkspaceId(1),
            numberdesk::domain::ids::ConnectionId(id.parse()?),
        );
        let stored = numberdesk::secrets::SecretStore::get(&keyring, entry)?;
        assert!(stored.is_some(), "no keyring entry before the disconnect");
        app.click(&format!("[data-testid='disconnect-{id}']"))
            .await?;
        app.wait_for_text(
            "[data-testid='disconnect-count']",
            "3 numbers will be removed from NumberDesk.",
        )
        .await?;
        app.wait_for_text(
            "[data-testid='disconnect-agent']",
            "Front desk loses 1 number",
        )
        .await?;
        let note = shown_text(&app.find("[data-testid='disconnect-note']").await?).await?;
        assert!(note.contains("stay in your Twilio account"), "{note}");

        // Restoring while Twilio refuses every change: the reason shows, nothing goes.
        sandbox.faults().add_rule(
            FaultRule::once(FaultKind::ServerError { status: 400 })
                .carrier(Carrier::Twilio)
                .method("POST")
                .times(None),
        );
        app.click("[data-testid='restore-webhooks']").await?;
        app.click(CONFIRM).await?;
        let error = shown_text(
            &app.wait_for("dialog[open] [data-testid='form-error']")
                .await?,
        )
        .await?;
        assert!(error.contains("Nothing was removed"), "{error}");
        sandbox.faults().clear();
        app.click("dialog[open] [data-testid='dialog-cancel']")
            .await?;
        app.wait_for(&format!("[data-testid='disconnect-{id}']"))
            .await?;

        // Without restoring: the tile and the numbers go; Twilio still has every number.
        app.click(&format!("[data-testid='disconnect-{id}']"))
            .await?;
        app.wait_for("[data-testid='disconnect-count']").await?;
        app.click(CONFIRM).await?;
        app.wait_for("[data-testid='view-carriers'] [data-testid='empty-state']")
            .await?;
        assert!(app
            .find_all("[data-testid='connection-tile']")
            .await?
            .is_empty());
        assert!(
            numberdesk::secrets::SecretStore::get(&keyring, entry)?.is_none(),
            "the keyring entry outlived the disconnect"
        );
        app.click("[data-nav='numbers']").await?;
        app.wait_for("[data-testid='numbers-buy']").await?;
        let state = sandbox
            .account_state(&twilio.account_sid, true)
            .ok_or("no account")?;
        for number in &numbers {
            let at_twilio = state.numbers.iter().find(|n| &n.phone_number == number);
            let at_twilio = at_twilio.ok_or(format!("{number} left Twilio"))?;
            assert_eq!(at_twilio.voice_url.as_deref(), Some(MANAGED_VOICE_URL));
        }
        app.click("[data-nav='agents']").await?;
        app.wait_for_text(
            "[data-testid='agent-row'][data-name='Front desk'] [data-testid='agent-number-count']",
            "0 numbers",
        )
        .await?;

        let summary = audit_entry(&app, "disconnect", &[]).await?;
        assert!(summary.contains("Main Twilio"), "{summary}");

        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}
