//! The import wizard in the real window, for each carrier, against the carrier sandbox: connect
//! (a wrong secret first), pick numbers, choose the webhook mode, import, see them in the table.

use numberdesk::carriers::account::CarrierEndpoints;
use numberdesk::carriers::{
    ClientOptions, Sensitive, TwilioClient, TwilioCredentials, TwilioNumberUpdate,
};
use numberdesk::sandbox::{Sandbox, SandboxConfig};

use crate::harness::{run, shown_text, App, Profile, Result};

/// A name with a right-to-left override: shown as stored it reads "live", not "evil".
const REVERSED_NAME: &str = "\u{202E}evil\u{202C} line";

/// Names every number of the sandbox's first Twilio account `name`, through Twilio's own API, as
/// its owner could have done in Twilio's console.
async fn name_every_twilio_number(
    sandbox: &numberdesk::sandbox::SandboxHandle,
    name: &str,
) -> Result {
    let account = &sandbox.twilio_accounts()[0];
    let client = TwilioClient::new(
        CarrierEndpoints::from(sandbox.base_urls()).twilio_urls(),
        TwilioCredentials::AuthToken {
            account_sid: account.account_sid.clone(),
            auth_token: Sensitive::new(account.auth_token.clone()),
        },
        ClientOptions::default(),
    )?;
    let state = sandbox
        .account_state(&account.account_sid, true)
        .ok_or("no account")?;
    for number in &state.numbers {
        let update = TwilioNumberUpdate {
            friendly_name: Some(name.to_owned()),
            ..TwilioNumberUpdate::default()
        };
        client.update_incoming_number(&number.id, &update).await?;
    }
    Ok(())
}

/// The row of `e164` inside `[data-testid=list]` shows [`REVERSED_NAME`] in the order it is
/// stored: the override character is not applied, nor shown.
async fn assert_reads_in_order(app: &App, list: &str, e164: &str) -> Result {
    let row = shown_text(
        &app.find(&format!(
            "[data-testid='{list}'] [data-testid='number-row'][data-e164='{e164}']"
        ))
        .await?,
    )
    .await?;
    assert!(row.contains("evil line"), "{list}: {row:?}");
    assert!(!row.contains('\u{202E}'), "{list}: {row:?}");
    Ok(())
}

async fn sandbox() -> Result<numberdesk::sandbox::SandboxHandle> {
    Ok(Sandbox::start(SandboxConfig {
        owned_numbers: 40,
        seed: 11,
        ..SandboxConfig::default()
    })
    .await?)
}

/// Ticks the checkboxes of the first `count` selectable rows of the picker; returns their numbers.
/// The table re-renders its (virtualised) rows after each tick, so rows are looked up afresh,
/// by number.
async fn pick(app: &App, count: usize) -> Result<Vec<String>> {
    const ROWS: &str = "[data-testid='number-picker'] [data-testid='number-row']";
    app.wait_for(ROWS).await?;
    let mut picked: Vec<String> = Vec::new();
    while picked.len() < count {
        let imported = app
            .attrs(&format!("{ROWS}[data-already-imported]"), "data-e164")
            .await?;
        let next = app
            .attrs(ROWS, "data-e164")
            .await?
            .into_iter()
            .find(|e164| !picked.contains(e164) && !imported.contains(e164));
        let Some(e164) = next else {
            return Err(format!("only {} selectable rows", picked.len()).into());
        };
        app.tick(&format!(
            "{ROWS}[data-e164='{e164}'] input[type='checkbox']"
        ))
        .await?;
        picked.push(e164);
        app.wait_for_text("[data-testid='selected-count']", &picked.len().to_string())
            .await?;
    }
    Ok(picked)
}

/// From the confirm step: import, wait for the summary, close, and return the table's numbers.
async fn import_and_finish(app: &App, expected: usize) -> Result<Vec<String>> {
    app.wait_for("[data-testid='import-confirm']").await?;
    app.click("[data-testid='wizard-next']").await?;
    app.wait_for_attr(
        "[data-testid='import-summary']",
        "data-done",
        &expected.to_string(),
    )
    .await?;
    app.wait_for_attr("[data-testid='import-summary']", "data-failed", "0")
        .await?;
    app.click("[data-testid='wizard-next']").await?;
    app.wait_for("[data-testid='view-numbers'] [data-testid='number-row']")
        .await?;
    app.attrs(
        "[data-testid='view-numbers'] [data-testid='number-row']",
        "data-e164",
    )
    .await
}

#[test]
fn twilio_import_with_webhook_updates_through_the_wizard() {
    run(|| async {
        let sandbox = sandbox().await?;
        let twilio = sandbox.twilio_accounts()[0].clone();
        name_every_twilio_number(&sandbox, REVERSED_NAME).await?;
        let profile = Profile::new().with_carriers_at(sandbox.base_urls());
        let app = App::launch(&profile).await?;
        app.create_first_workspace("Acme Dental", "https://voice.acme.example")
            .await?;

        app.click("[data-nav='carriers']").await?;
        app.click("[data-testid='connect-twilio']").await?;
        app.wait_for("[data-testid='import-wizard']").await?;
        app.fill("[name='connectionName']", "Main Twilio").await?;
        app.click("[data-testid='wizard-next']").await?;

        // A wrong token: Twilio's refusal in plain words, and nothing saved.
        app.fill("[name='twilioAccountSid']", &twilio.account_sid)
            .await?;
        app.fill(
            "[name='twilioAuthToken']",
            "0123456789abcdef0123456789abcdef",
        )
        .await?;
        app.click("[data-testid='validate-credentials']").await?;
        let error = shown_text(&app.wait_for("[data-testid='step-error']").await?).await?;
        assert!(error.contains("rejected the credentials"), "{error}");

        app.fill("[name='twilioAuthToken']", &twilio.auth_token)
            .await?;
        app.click("[data-testid='validate-credentials']").await?;
        app.wait_for_text(
            "[data-testid='validation-account-name']",
            &twilio.friendly_name,
        )
        .await?;
        app.click("[data-testid='wizard-next']").await?;

        let picked = pick(&app, 3).await?;
        // Carrier text reads in the order it is stored: the override is not applied.
        assert_reads_in_order(&app, "number-picker", &picked[0]).await?;
        app.click("[data-testid='wizard-next']").await?;
        app.click("[data-testid='mode-managed']").await?;
        app.wait_for("[data-testid='change-preview'] [data-testid='change-row']")
            .await?;
        let preview = shown_text(&app.find("[data-testid='change-preview']").await?).await?;
        assert!(
            preview.contains("https://voice.acme.example/webhook/twilio/voice"),
            "{preview}"
        );
        app.click("[data-testid='wizard-next']").await?;

        let mut shown = import_and_finish(&app, 3).await?;
        assert_reads_in_order(&app, "view-numbers", &picked[0]).await?;
        shown.sort();
        let mut expected = picked.clone();
        expected.sort();
        assert_eq!(shown, expected);

        // At the carrier, exactly the picked numbers now send calls to the workspace.
        let state = sandbox
            .account_state(&twilio.account_sid, true)
            .expect("the account");
        for number in &state.numbers {
            let managed = number.voice_url.as_deref()
                == Some("https://voice.acme.example/webhook/twilio/voice");
            assert_eq!(
                managed,
                picked.contains(&number.phone_number),
                "{}",
                number.phone_number
            );
        }

        // The Carriers page shows the connection with its count.
        app.click("[data-nav='carriers']").await?;
        app.wait_for_text(
            "[data-testid='connection-tile'] [data-testid='connection-number-count']",
            "3 numbers",
        )
        .await?;

        // Settings says the carrier hosts are overridden, and where the credentials go.
        app.click("[data-nav='settings']").await?;
        let hosts = shown_text(
            &app.wait_for("[data-testid='about-carrier-hosts'][data-overridden='true']")
                .await?,
        )
        .await?;
        let twilio_host = format!(
            "NUMBERDESK_TWILIO_API_URL → {}",
            sandbox.base_urls().twilio_api
        );
        assert!(hosts.contains(&twilio_host), "{hosts}");
        assert!(
            hosts.contains("NUMBERDESK_TELNYX_URL → http://127.0.0.1"),
            "{hosts}"
        );
        app.quit().await?;

        // The auth token is in the keyring only: not in the database, logs, settings or caches.
        let leaks = profile.files_containing(&twilio.auth_token);
        assert!(leaks.is_empty(), "the auth token was written to {leaks:?}");
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

#[test]
fn telnyx_import_outbound_only_through_the_wizard() {
    run(|| async {
        let sandbox = sandbox().await?;
        let telnyx = sandbox.telnyx_accounts()[0].clone();
        let profile = Profile::new().with_carriers_at(sandbox.base_urls());
        let app = App::launch(&profile).await?;
        app.create_first_workspace("Beta Plumbing", "https://voice.beta.example")
            .await?;

        app.click("[data-nav='carriers']").await?;
        app.click("[data-testid='connect-telnyx']").await?;
        app.fill("[name='connectionName']", "Main Telnyx").await?;
        app.click("[data-testid='wizard-next']").await?;
        app.fill("[name='telnyxApiKey']", &telnyx.api_key).await?;
        app.click("[data-testid='wizard-next']").await?;

        // A wrong Connection ID first, then the right one, whose voice URL points elsewhere.
        app.fill("[name='texmlConnectionId']", "999999999").await?;
        app.click("[data-testid='check-texml']").await?;
        let error = shown_text(&app.wait_for("[data-testid='step-error']").await?).await?;
        assert!(
            error.contains("No TeXML application has the Connection ID 999999999"),
            "{error}"
        );
        app.fill("[name='texmlConnectionId']", &telnyx.texml_application_id)
            .await?;
        app.click("[data-testid='wizard-next']").await?;
        let warning = shown_text(&app.wait_for("[data-testid='texml-warning']").await?).await?;
        assert!(
            warning.contains("https://voice.beta.example/webhook/telnyx/texml"),
            "{warning}"
        );
        app.click("[data-testid='wizard-next']").await?; // Connect anyway

        let picked = pick(&app, 2).await?;
        app.click("[data-testid='wizard-next']").await?;
        app.wait_for("[data-testid='mode-outbound-only']").await?;
        app.click("[data-testid='wizard-next']").await?;
        let mut shown = import_and_finish(&app, 2).await?;
        shown.sort();
        let mut expected = picked;
        expected.sort();
        assert_eq!(shown, expected);

        // Outbound only: nothing at the carrier changed.
        let changed = sandbox
            .calls()
            .iter()
            .filter(|c| c.method == "PATCH")
            .count();
        assert_eq!(changed, 0, "outbound only changed numbers at Telnyx");
        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

#[test]
fn sandbox_mode_lets_a_new_user_import_without_an_account() {
    run(|| async {
        let profile = Profile::new();
        let app = App::launch(&profile).await?;
        app.enter_sandbox_mode().await?;
        let label = shown_text(&app.find("[data-testid='workspace-switcher']").await?).await?;
        assert!(label.contains("Sandbox"), "{label}");

        app.click("[data-nav='carriers']").await?;
        app.wait_for("[data-testid='connection-tile'][data-carrier='telnyx']")
            .await?;
        let tiles = app.texts("[data-testid='connection-tile']").await?;
        assert_eq!(tiles.len(), 2, "{tiles:?}");
        assert!(
            tiles.iter().all(|t| t.contains("Sandbox")),
            "every sandbox tile is labelled: {tiles:?}"
        );

        app.click(
            "[data-testid='connection-tile'][data-carrier='twilio'] [data-testid='import-numbers']",
        )
        .await?;
        pick(&app, 2).await?;
        app.click("[data-testid='wizard-next']").await?;
        app.click("[data-testid='wizard-next']").await?;
        let shown = import_and_finish(&app, 2).await?;
        assert_eq!(shown.len(), 2);

        // Off again: the Sandbox workspace goes, and the first-run screen is back.
        app.click("[data-nav='settings']").await?;
        app.click("[data-testid='sandbox-toggle']").await?;
        app.click("dialog[open] [data-testid='dialog-confirm']")
            .await?;
        app.wait_for("[data-testid='view-welcome']").await?;
        app.quit().await
    });
}

#[test]
fn an_import_cut_off_by_closing_the_app_finishes_after_a_restart() {
    run(|| async {
        let sandbox = sandbox().await?;
        let twilio = sandbox.twilio_accounts()[0].clone();
        let profile = Profile::new().with_carriers_at(sandbox.base_urls());
        let app = App::launch(&profile).await?;
        app.create_first_workspace("Acme Dental", "https://voice.acme.example")
            .await?;
        app.click("[data-nav='carriers']").await?;
        app.connect_twilio_in_wizard("Main Twilio", &twilio.account_sid, &twilio.auth_token)
            .await?;
        app.tick("[data-testid='select-all']").await?;
        app.wait_for_text("[data-testid='selected-count']", "40")
            .await?;
        app.click("[data-testid='wizard-next']").await?;
        app.click("[data-testid='mode-managed']").await?;
        app.wait_for("[data-testid='change-preview'] [data-testid='change-row']")
            .await?;
        app.click("[data-testid='wizard-next']").await?;
        app.wait_for("[data-testid='import-confirm']").await?;

        // Slow the carrier down so the import is still running when the app goes away.
        sandbox
            .faults()
            .set_latency(std::time::Duration::from_millis(400));
        sandbox
            .faults()
            .set_concurrency_cap(Some(2), std::time::Duration::from_secs(1));
        app.click("[data-testid='wizard-next']").await?;
        app.wait_for("[data-testid='import-progress']").await?;
        // The app goes away once a few numbers have been changed at the carrier.
        let managed = || {
            sandbox
                .account_state(&twilio.account_sid, true)
                .map(|state| {
                    state
                        .numbers
                        .iter()
                        .filter(|n| {
                            n.voice_url.as_deref()
                                == Some("https://voice.acme.example/webhook/twilio/voice")
                        })
                        .count()
                })
                .unwrap_or(0)
        };
        let waiting = std::time::Instant::now();
        while managed() < 3 {
            if waiting.elapsed() > std::time::Duration::from_secs(30) {
                return Err(
                    "the import changed fewer than 3 numbers at the carrier in 30 s".into(),
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        app.quit().await?;
        let managed_at_quit = managed();
        assert!(
            managed_at_quit < 40,
            "the import finished before the app closed; nothing was proved"
        );

        // Start again: the import resumes by itself and the table ends with all 40, once each.
        sandbox
            .faults()
            .set_latency(std::time::Duration::from_millis(20));
        sandbox
            .faults()
            .set_concurrency_cap(None, std::time::Duration::from_secs(1));
        let app = App::launch(&profile).await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Acme Dental")
            .await?;
        // (If the page opens while it still runs, a progress card shows it; either way it ends.)
        app.wait_for_text("[data-testid='numbers-count']", "40 numbers")
            .await?;
        let shown = app
            .attrs(
                "[data-testid='view-numbers'] [data-testid='number-row']",
                "data-e164",
            )
            .await?;
        let distinct: std::collections::HashSet<_> = shown.iter().collect();
        assert_eq!(
            distinct.len(),
            shown.len(),
            "a number shows twice: {shown:?}"
        );
        assert_eq!(
            managed(),
            40,
            "every number was pointed at the workspace once resumed"
        );
        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}
