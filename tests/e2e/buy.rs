//! Search and buy (issue 5) in the real window, against the carrier sandbox: a pool workspace
//! buys three numbers in one Telnyx order that stays Pending until processed; a marketplace
//! workspace buys one number through its own Twilio account after a confirmation that a Cancel
//! leaves without effect. Each test checks what the user sees and what the carrier has.

use std::time::{Duration, Instant};

use numberdesk::sandbox::{OrderStatus, Sandbox, SandboxConfig, SandboxHandle};

use crate::harness::{run, shown_text, App, Profile, Result, UI_WAIT};

const RESULT_ROWS: &str = "[data-testid='results-table'] [data-testid='offer-row']";
const DIALOG: &str = "dialog[open][data-testid='buy-confirm']";

async fn sandbox() -> Result<SandboxHandle> {
    Ok(Sandbox::start(SandboxConfig {
        owned_numbers: 3,
        seed: 11,
        ..SandboxConfig::default()
    })
    .await?)
}

/// Creates the first workspace from the welcome screen with a plan, the pool flag or not, and a
/// monthly credit allowance.
async fn create_workspace(
    app: &App,
    name: &str,
    plan: &str,
    pool_flag: bool,
    allowance: i64,
) -> Result {
    const FORM: &str = "[data-testid='view-welcome']";
    app.wait_for(FORM).await?;
    app.fill(&format!("{FORM} [name='name']"), name).await?;
    app.select(&format!("{FORM} [name='plan']"), plan).await?;
    app.fill(
        &format!("{FORM} [name='monthlyCreditAllowance']"),
        &allowance.to_string(),
    )
    .await?;
    app.fill(
        &format!("{FORM} [name='webhookBaseUrl']"),
        "https://voice.example.com",
    )
    .await?;
    if pool_flag {
        app.click(&format!("{FORM} [name='flag:flex_phone_self-serve']"))
            .await?;
    }
    app.click(&format!("{FORM} [data-testid='workspace-submit']"))
        .await?;
    app.wait_for_text("[data-testid='current-workspace-name']", name)
        .await
}

/// The number in a text such as "1,000 credits" or "−115" (digits and a leading minus sign).
/// `i64::MIN` when there is none.
fn credits_in(text: &str) -> i64 {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let Ok(value) = digits.parse::<i64>() else {
        return i64::MIN;
    };
    if text.trim_start().starts_with(['-', '\u{2212}']) {
        -value
    } else {
        value
    }
}

/// Waits until the shown text of `css` contains `needle`; returns it.
async fn wait_for_text_containing(app: &App, css: &str, needle: &str) -> Result<String> {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < UI_WAIT {
        for element in app.find_all(css).await.unwrap_or_default() {
            // An element may go away between finding and reading it (a toast leaving).
            if let Ok(text) = shown_text(&element).await {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("no {css} showed {needle:?}; last {last:?}").into())
}

/// Waits until the credits shown by `css` are `expected`.
async fn wait_for_credits(app: &App, css: &str, expected: i64) -> Result {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < UI_WAIT {
        if let Ok(element) = app.find(css).await {
            if let Ok(text) = shown_text(&element).await {
                if credits_in(&text) == expected {
                    return Ok(());
                }
                last = text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{css} showed {last:?}, expected {expected} credits").into())
}

/// Waits until no modal dialog is open.
async fn wait_for_no_dialog(app: &App) -> Result {
    let started = Instant::now();
    while started.elapsed() < UI_WAIT {
        if app.find_all("dialog[open]").await?.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("a dialog stayed open".into())
}

/// Fills the search form (an empty area code: any) and searches; returns once results are listed.
async fn search(app: &App, area_code: &str) -> Result {
    search_in(app, "US", area_code).await
}

async fn search_in(app: &App, country: &str, area_code: &str) -> Result {
    // The country list replaces its placeholder option when the carrier's list arrives; an option
    // chosen before that is replaced between finding and clicking it (a stale element).
    app.wait_for("[data-testid='search-form'] [data-testid='buy-country']:not([aria-busy])")
        .await?;
    app.select("[data-testid='buy-country']", country).await?;
    if !area_code.is_empty() {
        app.fill("[data-testid='buy-area-code']", area_code).await?;
    }
    app.click("[data-testid='buy-search']").await?;
    app.wait_for(RESULT_ROWS).await?;
    Ok(())
}

/// Ticks the first `count` rows of the pool results; returns their numbers. Each box is ticked
/// through the harness's click, which waits until nothing covers it: the toasts of the steps
/// before (workspace created, pool saved) stack in the bottom-left corner over the first rows'
/// boxes for a few seconds, and WebKitWebDriver refuses a click on a covered element ("element
/// click intercepted"). The table re-renders its rows after each tick, so the numbers shown are
/// read afresh, in one go, each time.
async fn tick(app: &App, count: usize) -> Result<Vec<String>> {
    let mut picked: Vec<String> = Vec::new();
    while picked.len() < count {
        let shown = app.attrs(RESULT_ROWS, "data-e164").await?;
        let Some(next) = shown.into_iter().find(|e164| !picked.contains(e164)) else {
            return Err(format!("only {} rows to pick", picked.len()).into());
        };
        app.tick(&format!(
            "{RESULT_ROWS}[data-e164='{next}'] input[type='checkbox']"
        ))
        .await?;
        picked.push(next);
        app.wait_for_attr(
            "[data-testid='buy-now']",
            "data-count",
            &picked.len().to_string(),
        )
        .await?;
    }
    Ok(picked)
}

/// The status a number shows in the Phone Numbers table (waits until it is `expected`).
async fn wait_for_number_status(app: &App, e164: &str, expected: &str) -> Result {
    let row =
        format!("[data-testid='view-numbers'] [data-testid='number-row'][data-e164='{e164}']");
    wait_for_text_containing(app, &row, expected).await?;
    Ok(())
}

#[test]
fn a_pool_workspace_buys_three_numbers_in_one_order_pending_until_processed() {
    run(|| async {
        let sandbox = sandbox().await?;
        // The agency's pool account: the sandbox's second Telnyx account.
        let agency = sandbox.telnyx_accounts()[1].clone();
        // No background order sync during the test: "Pending until processed" must not race it.
        let profile = Profile::new()
            .with_carriers_at(sandbox.base_urls())
            .with_env("NUMBERDESK_ORDER_SYNC_SECS", "3600");
        let app = App::launch(&profile).await?;
        app.step("create the pool workspace");
        create_workspace(&app, "Agency Client", "unlimited", true, 5_000).await?;

        // Until the pool is set up, Buy Numbers says so and points to Settings.
        app.step("Buy Numbers points to the pool settings");
        app.click("[data-nav='buy']").await?;
        app.click("[data-testid='open-pool-settings']").await?;
        app.wait_for_text("[data-testid='pool-status']", "Not configured")
            .await?;

        // A wrong key first: Telnyx refuses it, nothing is saved.
        app.step("a wrong pool key is refused");
        app.fill("[data-testid='pool-api-key']", "KEY0000000000WRONG")
            .await?;
        app.click("[data-testid='pool-save']").await?;
        app.wait_for("[data-testid='settings-pool'] [data-testid='form-error']")
            .await?;
        app.wait_for_text("[data-testid='pool-status']", "Not configured")
            .await?;

        app.step("the pool account is saved");
        app.fill("[data-testid='pool-api-key']", &agency.api_key)
            .await?;
        app.fill(
            "[data-testid='pool-texml-connection-id']",
            &agency.texml_application_id,
        )
        .await?;
        app.fill(
            "[data-testid='pool-messaging-profile-id']",
            &agency.messaging_profile_id,
        )
        .await?;
        app.click("[data-testid='pool-save']").await?;
        app.wait_for_text("[data-testid='pool-status']", "Configured")
            .await?;

        // Search, pick three, let them be pointed at the workspace, Buy now.
        app.step("search the pool");
        app.click("[data-nav='buy']").await?;
        search(&app, "312").await?;
        app.step("tick three numbers and Buy now");
        let mut picked = tick(&app, 3).await?;
        picked.sort();
        app.wait_for_text("[data-testid='buy-now']", "Buy now (3)")
            .await?;
        app.click("[data-testid='allow-webhook-updates']").await?;
        app.click("[data-testid='buy-now']").await?;

        // The confirmation: each number's cost, the total, the balance before and after.
        app.step("the pool confirmation");
        app.wait_for(DIALOG).await?;
        let mut quoted = app
            .attrs(&format!("{DIALOG} [data-testid='quote-line']"), "data-e164")
            .await?;
        let sum: i64 = app
            .texts(&format!("{DIALOG} [data-testid='quote-line-cost']"))
            .await?
            .iter()
            .map(|cost| credits_in(cost))
            .sum();
        quoted.sort();
        assert_eq!(quoted, picked);
        let total = credits_in(
            &shown_text(
                &app.find(&format!("{DIALOG} [data-testid='quote-total']"))
                    .await?,
            )
            .await?,
        );
        assert!(total > 0, "a total of {total}");
        assert_eq!(sum, total, "the lines add up to the total");
        wait_for_credits(
            &app,
            &format!("{DIALOG} [data-testid='quote-balance-before']"),
            5_000,
        )
        .await?;
        wait_for_credits(
            &app,
            &format!("{DIALOG} [data-testid='quote-balance-after']"),
            5_000 - total,
        )
        .await?;
        let rule = shown_text(
            &app.find(&format!("{DIALOG} [data-testid='quote-no-proration']"))
                .await?,
        )
        .await?;
        assert!(
            rule.contains("releasing a number refunds nothing"),
            "{rule}"
        );
        app.click(&format!("{DIALOG} [data-testid='dialog-confirm']"))
            .await?;

        app.step("the order is placed, its numbers Pending");
        wait_for_text_containing(
            &app,
            "[data-testid='toast']",
            "3 numbers ordered — Pending until the order completes",
        )
        .await?;
        app.wait_for("[data-testid='view-numbers']").await?;
        for number in &picked {
            wait_for_number_status(&app, number, "Pending").await?;
        }

        // Back on Buy Numbers, the last search is shown again from the saved copy, marked as
        // possibly out of date, without the numbers just bought.
        app.step("the saved search without the numbers bought");
        app.click("[data-nav='buy']").await?;
        wait_for_text_containing(&app, "[data-testid='stale-warning']", "last search").await?;
        wait_for_text_containing(&app, "[data-testid='results-count']", "47 numbers").await?;
        for shown in app.attrs(RESULT_ROWS, "data-e164").await? {
            assert!(!picked.contains(&shown), "{shown} is still offered");
        }

        // The Orders panel: one order, pending, with the three numbers; Process completes it.
        app.step("Process completes the pending order");
        app.wait_for("[data-testid='orders-panel'] [data-testid='order-row']")
            .await?;
        let orders = app.find_all("[data-testid='order-row']").await?;
        assert_eq!(orders.len(), 1, "one order");
        app.wait_for_attr("[data-testid='order-row']", "data-status", "pending")
            .await?;
        app.click("[data-testid='process-orders']").await?;
        app.wait_for_attr("[data-testid='order-row']", "data-status", "success")
            .await?;
        app.wait_for_attr("[data-testid='process-summary']", "data-activated", "3")
            .await?;
        for number in &picked {
            app.wait_for_attr(
                &format!("[data-testid='order-number'][data-e164='{number}']"),
                "data-status",
                "active",
            )
            .await?;
        }
        app.step("the numbers are Active in the table");
        app.click("[data-nav='numbers']").await?;
        for number in &picked {
            wait_for_number_status(&app, number, "Active").await?;
        }

        // At Telnyx: exactly one order, with exactly those numbers, now owned once each and
        // pointed at the pool's TeXML application.
        let state = sandbox
            .account_state(&agency.organization_id, true)
            .expect("the agency's account");
        assert_eq!(state.orders.len(), 1, "{:?}", state.orders);
        let mut ordered = state.orders[0].phone_numbers.clone();
        ordered.sort();
        assert_eq!(ordered, picked);
        assert_eq!(state.orders[0].status, OrderStatus::Success);
        for number in &picked {
            let owned: Vec<_> = state
                .numbers
                .iter()
                .filter(|n| &n.phone_number == number)
                .collect();
            assert_eq!(owned.len(), 1, "{number} owned {} times", owned.len());
            assert_eq!(
                owned[0].connection_id.as_deref(),
                Some(agency.texml_application_id.as_str()),
                "{number} joined the TeXML application"
            );
        }

        // Billing: the charge, one purchase entry per number.
        app.step("Billing shows the charge");
        app.click("[data-nav='billing']").await?;
        wait_for_credits(&app, "[data-testid='billing-balance']", 5_000 - total).await?;
        let mut charged = app
            .attrs(
                "[data-testid='ledger-row'][data-kind='purchase']",
                "data-e164",
            )
            .await?;
        charged.sort();
        assert_eq!(charged, picked);
        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

#[test]
fn a_marketplace_purchase_is_confirmed_and_cancel_buys_nothing() {
    run(|| async {
        let sandbox = sandbox().await?;
        let twilio = sandbox.twilio_accounts()[0].clone();
        let owned_before = sandbox
            .account_state(&twilio.account_sid, false)
            .expect("the account")
            .owned_numbers;
        let profile = Profile::new().with_carriers_at(sandbox.base_urls());
        let app = App::launch(&profile).await?;
        app.step("create the marketplace workspace");
        create_workspace(&app, "Acme Dental", "standard", false, 1_000).await?;

        // No carrier yet: Buy Numbers points to Carriers.
        app.step("Buy Numbers points to Carriers");
        app.click("[data-nav='buy']").await?;
        app.click("[data-testid='buy-go-carriers']").await?;

        // Connect the Twilio account through the wizard, then close it without importing.
        app.step("connect Twilio in the wizard, close it");
        app.connect_twilio_in_wizard("Main Twilio", &twilio.account_sid, &twilio.auth_token)
            .await?;
        app.click("[data-testid='import-wizard'] [data-testid='dialog-cancel']")
            .await?;
        wait_for_no_dialog(&app).await?;

        // A mistyped area code is explained under the form.
        app.step("a mistyped area code");
        app.click("[data-nav='buy']").await?;
        app.wait_for("[data-testid='search-form']").await?;
        app.fill("[data-testid='buy-area-code']", "31a").await?;
        app.click("[data-testid='buy-search']").await?;
        wait_for_text_containing(
            &app,
            "[data-testid='search-form'] [data-testid='form-error']",
            "is not an area code",
        )
        .await?;

        search(&app, "415").await?;
        let number = app
            .attrs(RESULT_ROWS, "data-e164")
            .await?
            .into_iter()
            .next()
            .ok_or("no number on sale")?;
        let cost = credits_in(
            &app.texts(&format!(
                "{RESULT_ROWS}[data-e164='{number}'] [data-testid='offer-cost']"
            ))
            .await?
            .concat(),
        );
        assert!(cost > 0, "{number} costs {cost}");
        let buy_button = format!("{RESULT_ROWS}[data-e164='{number}'] [data-testid='buy-number']");

        // The confirmation shows the number, its monthly cost, the balance before and after and
        // the no-proration rule; Cancel buys nothing.
        app.step("the confirmation; Cancel buys nothing");
        app.click(&buy_button).await?;
        app.wait_for_text(&format!("{DIALOG} [data-testid='quote-number']"), &number)
            .await?;
        wait_for_credits(&app, &format!("{DIALOG} [data-testid='quote-cost']"), cost).await?;
        wait_for_credits(
            &app,
            &format!("{DIALOG} [data-testid='quote-balance-before']"),
            1_000,
        )
        .await?;
        wait_for_credits(
            &app,
            &format!("{DIALOG} [data-testid='quote-balance-after']"),
            1_000 - cost,
        )
        .await?;
        let rule = shown_text(
            &app.find(&format!("{DIALOG} [data-testid='quote-no-proration']"))
                .await?,
        )
        .await?;
        assert!(rule.contains("No proration"), "{rule}");
        app.click(&format!("{DIALOG} [data-testid='dialog-cancel']"))
            .await?;
        wait_for_no_dialog(&app).await?;
        let purchases = |sandbox: &SandboxHandle, succeeded: bool| {
            sandbox
                .calls()
                .iter()
                .filter(|c| c.method == "POST" && c.path.ends_with("/IncomingPhoneNumbers.json"))
                .filter(|c| !succeeded || c.status.is_some_and(|s| (200..300).contains(&s)))
                .count()
        };
        assert_eq!(purchases(&sandbox, false), 0, "Cancel called the carrier");
        let state = sandbox
            .account_state(&twilio.account_sid, false)
            .expect("the account");
        assert_eq!(state.owned_numbers, owned_before, "Cancel bought a number");
        app.find(&buy_button).await?;

        // Buy it for real: Active at once, marked bought in the results.
        app.step("buy it for real");
        app.click(&buy_button).await?;
        app.click(&format!("{DIALOG} [data-testid='dialog-confirm']"))
            .await?;
        wait_for_text_containing(
            &app,
            "[data-testid='toast']",
            &format!("{number} is yours — Active"),
        )
        .await?;
        wait_for_text_containing(
            &app,
            &format!("{RESULT_ROWS}[data-e164='{number}'] [data-testid='offer-bought']"),
            "Active",
        )
        .await?;

        // Another number is sold to someone else meanwhile: the purchase is refused in the
        // dialog, nothing is charged, and the number leaves the results.
        app.step("a number sold meanwhile is refused");
        let gone = app
            .attrs(RESULT_ROWS, "data-e164")
            .await?
            .into_iter()
            .find(|candidate| *candidate != number)
            .unwrap_or_default();
        assert!(sandbox.faults().vanish(&gone), "{gone} was on sale");
        app.click(&format!(
            "{RESULT_ROWS}[data-e164='{gone}'] [data-testid='buy-number']"
        ))
        .await?;
        app.click(&format!("{DIALOG} [data-testid='dialog-confirm']"))
            .await?;
        wait_for_text_containing(
            &app,
            &format!("{DIALOG} [data-testid='buy-error']"),
            "no longer available",
        )
        .await?;
        app.click(&format!("{DIALOG} [data-testid='dialog-cancel']"))
            .await?;
        wait_for_no_dialog(&app).await?;
        let started = Instant::now();
        while !app
            .find_all(&format!("{RESULT_ROWS}[data-e164='{gone}']"))
            .await?
            .is_empty()
        {
            if started.elapsed() > UI_WAIT {
                return Err(format!("{gone} is still offered after it was sold").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        app.click("[data-nav='numbers']").await?;
        wait_for_number_status(&app, &number, "Active").await?;

        // Billing: the balance went down by the cost, with one purchase entry for the number.
        app.step("Billing shows one purchase");
        app.click("[data-nav='billing']").await?;
        wait_for_credits(&app, "[data-testid='billing-balance']", 1_000 - cost).await?;
        const PURCHASES: &str = "[data-testid='ledger-row'][data-kind='purchase']";
        assert_eq!(
            app.attrs(PURCHASES, "data-e164").await?,
            vec![number.clone()]
        );
        let amount = app
            .texts(&format!("{PURCHASES} [data-testid='ledger-amount']"))
            .await?
            .concat();
        assert_eq!(credits_in(&amount), -cost, "{amount}");

        // At Twilio: the account owns it exactly once, bought with one request; the number sold to
        // someone else is not in the account.
        let state = sandbox
            .account_state(&twilio.account_sid, true)
            .expect("the account");
        let owned = state
            .numbers
            .iter()
            .filter(|n| n.phone_number == number)
            .count();
        assert_eq!(owned, 1, "{number} is owned {owned} times");
        assert_eq!(state.owned_numbers, owned_before + 1);
        assert!(state.numbers.iter().all(|n| n.phone_number != gone));
        assert_eq!(purchases(&sandbox, true), 1, "one purchase went through");
        assert_eq!(
            purchases(&sandbox, false),
            2,
            "and the sold one was refused"
        );

        // Release it from the table: the confirmation names it and says nothing is refunded;
        // then Twilio no longer has it, the table shows it Released and the balance stays.
        app.step("release it from the table");
        app.click("[data-nav='numbers']").await?;
        let row = format!(
            "[data-testid='view-numbers'] [data-testid='number-row'][data-e164='{number}']"
        );
        app.tick(&format!("{row} input[type='checkbox']")).await?;
        app.click("[data-testid='bulk-release']").await?;
        let warning = shown_text(
            &app.wait_for("dialog[open] [data-testid='release-warning']")
                .await?,
        )
        .await?;
        assert!(warning.contains("Releasing refunds nothing"), "{warning}");
        assert!(warning.contains(&number), "{warning}");
        app.click("dialog[open] [data-testid='dialog-confirm']")
            .await?;
        wait_for_number_status(&app, &number, "Released").await?;
        let state = sandbox
            .account_state(&twilio.account_sid, true)
            .expect("the account");
        assert!(
            state.numbers.iter().all(|n| n.phone_number != number),
            "Twilio still has {number}"
        );
        assert_eq!(state.owned_numbers, owned_before);
        app.click("[data-nav='billing']").await?;
        wait_for_credits(&app, "[data-testid='billing-balance']", 1_000 - cost).await?;
        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

#[test]
fn in_sandbox_mode_the_background_sync_completes_a_pool_order_and_says_so() {
    run(|| async {
        // A new user with no account: Sandbox mode, whose workspace buys from the sandbox's own
        // number pool. The background sync runs every second here.
        let profile = Profile::new().with_env("NUMBERDESK_ORDER_SYNC_SECS", "1");
        let app = App::launch(&profile).await?;
        app.step("Sandbox mode from the welcome screen");
        app.wait_for("[data-testid='view-welcome']").await?;
        app.click("[data-testid='try-sandbox']").await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Sandbox")
            .await?;
        app.click("[data-nav='buy']").await?;
        app.wait_for("[data-testid='view-buy'][data-flow='pool']")
            .await?;
        app.step("buy two numbers from the sandbox's pool");
        search(&app, "").await?;
        let picked = tick(&app, 2).await?;
        app.click("[data-testid='buy-now']").await?;
        app.wait_for(DIALOG).await?;
        app.click(&format!("{DIALOG} [data-testid='dialog-confirm']"))
            .await?;

        // Nobody presses Process: the background sync completes the order and a notification
        // says so; the table shows both numbers Active.
        app.step("the background sync completes the order");
        let told = wait_for_text_containing(&app, "[data-testid='toast']", "now Active").await?;
        assert!(told.contains("2 numbers are now Active"), "{told}");
        app.click("[data-nav='numbers']").await?;
        for number in &picked {
            wait_for_number_status(&app, number, "Active").await?;
        }
        app.quit().await
    });
}

/// A Twilio workspace named `name`, connected to the sandbox's first account, with the
/// results of a search of `country` on screen; the first number on sale and its row's selector.
async fn twilio_search(
    sandbox: &SandboxHandle,
    name: &str,
    country: &str,
) -> Result<(App, String, String)> {
    let twilio = sandbox.twilio_accounts()[0].clone();
    let profile = Profile::new().with_carriers_at(sandbox.base_urls());
    let app = App::launch(&profile).await?;
    app.step("create the workspace, connect Twilio");
    create_workspace(&app, name, "standard", false, 5_000).await?;
    app.click("[data-nav='carriers']").await?;
    app.connect_twilio_in_wizard("Main Twilio", &twilio.account_sid, &twilio.auth_token)
        .await?;
    app.click("[data-testid='import-wizard'] [data-testid='dialog-cancel']")
        .await?;
    wait_for_no_dialog(&app).await?;

    app.step(&format!("search {country}"));
    app.click("[data-nav='buy']").await?;
    app.wait_for("[data-testid='search-form']").await?;
    search_in(&app, country, "").await?;
    let number = app
        .attrs(RESULT_ROWS, "data-e164")
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no {country} number on sale"))?;
    let row = format!("{RESULT_ROWS}[data-e164='{number}']");
    Ok((app, number, row))
}

/// The bodies of the purchases the sandbox's Twilio received.
fn twilio_purchase_bodies(sandbox: &SandboxHandle) -> Vec<String> {
    sandbox
        .calls()
        .into_iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/IncomingPhoneNumbers.json"))
        .map(|c| c.body)
        .collect()
}

/// Issue 12, regulated numbers: a GB number shows that it needs an address; its confirmation
/// offers the account's Addresses, and the purchase goes to Twilio with the one picked.
#[test]
fn a_gb_number_is_bought_with_the_address_picked_in_the_confirmation() {
    run(|| async {
        let sandbox = sandbox().await?;
        let account_sid = sandbox.twilio_accounts()[0].account_sid.clone();
        let (app, _, row) = twilio_search(&sandbox, "Acme London", "GB").await?;
        app.wait_for_text(
            &format!("{row} [data-testid='offer-requirement']"),
            "Needs an address",
        )
        .await?;

        app.step("the confirmation offers the account's address; buy with it");
        app.click(&format!("{row} [data-testid='buy-number']"))
            .await?;
        let picker = format!("{DIALOG} [data-testid='buy-address']");
        wait_for_text_containing(&app, &picker, "London office — London, GB").await?;
        app.click(&format!("{DIALOG} [data-testid='dialog-confirm']"))
            .await?;
        wait_for_text_containing(
            &app,
            &format!("{row} [data-testid='offer-bought']"),
            "Active",
        )
        .await?;
        let address = format!("AD{}", &account_sid[2..]);
        let bodies = twilio_purchase_bodies(&sandbox);
        assert_eq!(bodies.len(), 1, "{bodies:?}");
        assert!(
            bodies[0].contains(&format!("AddressSid={address}")),
            "{}",
            bodies[0]
        );
        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}

/// Issue 12, regulated numbers: a German local number shows that it needs a local address and
/// a regulatory bundle; its confirmation offers both, and Twilio gets the ones picked.
#[test]
fn a_german_number_is_bought_with_a_local_address_and_an_approved_bundle() {
    run(|| async {
        let sandbox = sandbox().await?;
        let account_sid = sandbox.twilio_accounts()[0].account_sid.clone();
        let (app, _, row) = twilio_search(&sandbox, "Acme Berlin", "DE").await?;
        app.wait_for_text(
            &format!("{row} [data-testid='offer-requirement']"),
            "Needs a local address",
        )
        .await?;
        app.wait_for_text(
            &format!("{row} [data-testid='offer-bundle']"),
            "Needs a regulatory bundle",
        )
        .await?;

        app.step("the confirmation offers addresses and the approved bundle; pick Berlin, buy");
        app.click(&format!("{row} [data-testid='buy-number']"))
            .await?;
        let bundle = format!("BUd{}", &account_sid[3..]);
        let berlin = format!("ADe{}", &account_sid[3..]);
        let bundles = format!("{DIALOG} [data-testid='buy-bundle']");
        wait_for_text_containing(&app, &bundles, "Berlin office").await?;
        app.select(&format!("{DIALOG} [data-testid='buy-address']"), &berlin)
            .await?;
        app.click(&format!("{DIALOG} [data-testid='dialog-confirm']"))
            .await?;
        wait_for_text_containing(
            &app,
            &format!("{row} [data-testid='offer-bought']"),
            "Active",
        )
        .await?;
        let bodies = twilio_purchase_bodies(&sandbox);
        assert_eq!(bodies.len(), 1, "{bodies:?}");
        assert!(
            bodies[0].contains(&format!("AddressSid={berlin}"))
                && bodies[0].contains(&format!("BundleSid={bundle}")),
            "{}",
            bodies[0]
        );
        app.quit().await?;
        crate::harness::shut_down_checked(sandbox).await?;
        Ok(())
    });
}
