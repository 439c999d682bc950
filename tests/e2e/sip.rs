//! SIP trunks in the real window: connected through the Carriers screen with a bad field named
//! first, three numbers typed, 500 from a CSV whose 7 bad rows the preview names by line, the
//! numbers in the table as "SIP: <trunk>", and Check showing 200 OK with its round trip, a wrong
//! password as a 401 and a silent port as a timeout.

use numberdesk::sandbox::{Sandbox, SandboxConfig};

use crate::harness::{run, shown_text, App, Profile};

const WEBHOOK_BASE: &str = "https://voice.acme-dental.example";
const CONFIRM: &str = "dialog[open] [data-testid='dialog-confirm']";

/// The `n`th of a run of valid San Francisco numbers.
fn number(n: usize) -> String {
    format!("+1415{:03}{:04}", 300 + n / 1000, n % 1000 + 2000)
}

/// Fills the SIP connect dialog (already open) and connects.
async fn connect_trunk(app: &App, name: &str, port: u16, password: &str) -> crate::harness::Result {
    app.fill("[data-testid='sip-name']", name).await?;
    app.fill("[data-testid='sip-termination']", "127.0.0.1")
        .await?;
    app.select("[data-testid='sip-transport']", "udp").await?;
    app.fill("[data-testid='sip-port']", &port.to_string())
        .await?;
    if !password.is_empty() {
        app.fill("[data-testid='sip-username']", "sandbox-trunk")
            .await?;
        app.fill("dialog[open] [data-testid='sip-password']", password)
            .await?;
    }
    app.click(CONFIRM).await?;
    // Connected: the numbers dialog follows.
    app.wait_for("dialog[open][data-testid='sip-numbers-dialog']")
        .await?;
    Ok(())
}

/// Closes the numbers dialog that follows a connect without adding any.
async fn skip_numbers(app: &App) -> crate::harness::Result {
    app.click("dialog[open][data-testid='sip-numbers-dialog'] [data-testid='dialog-cancel']")
        .await
}

/// Runs Check on the trunk tile named `name` and returns the text of the step `id`.
async fn check_step(app: &App, name: &str, id: &str) -> crate::harness::Result<String> {
    // The tile list reloads after a connect: wait for this trunk's tile.
    let started = std::time::Instant::now();
    let id_attr = loop {
        let names = app
            .texts("[data-testid='connection-tile'] .connection-tile__name")
            .await?;
        let ids = app
            .attrs("[data-testid='connection-tile']", "data-connection-id")
            .await?;
        if let Some(at) = names.iter().position(|shown| shown == name) {
            if let Some(id) = ids.get(at) {
                break id.clone();
            }
        }
        if started.elapsed() > std::time::Duration::from_secs(15) {
            return Err(format!("no tile for {name}: {names:?}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    app.click(&format!(
        "[data-connection-id='{id_attr}'] [data-testid='check-connection']"
    ))
    .await?;
    app.wait_for("dialog[open] [data-testid='diagnosis'][data-state='done']")
        .await?;
    let step = shown_text(
        &app.find(&format!(
            "dialog[open] [data-testid='diagnosis'] [data-check-id='{id}']"
        ))
        .await?,
    )
    .await?;
    app.click("dialog[open] [data-testid='dialog-close']")
        .await?;
    Ok(step)
}

#[test]
fn a_sip_trunk_takes_typed_and_csv_numbers_and_check_names_each_outcome() {
    run(|| async {
        let sandbox = Sandbox::start(SandboxConfig {
            owned_numbers: 0,
            ..SandboxConfig::default()
        })
        .await?;
        let sip = sandbox.sip().info().clone();
        let profile = Profile::new().with_carriers_at(sandbox.base_urls());
        let app = App::launch(&profile).await?;
        app.create_first_workspace("Acme Dental", WEBHOOK_BASE)
            .await?;
        app.click("[data-nav='carriers']").await?;

        app.step("a bad field is named and nothing is saved");
        app.click("[data-testid='connect-sip']").await?;
        app.fill("[data-testid='sip-name']", "Office trunk").await?;
        app.fill("[data-testid='sip-termination']", "127.0.0.1")
            .await?;
        app.select("[data-testid='sip-transport']", "tls").await?;
        app.fill("[data-testid='sip-port']", "5060").await?;
        app.click(CONFIRM).await?;
        let error = shown_text(
            &app.wait_for("dialog[open] [data-testid='form-error']")
                .await?,
        )
        .await?;
        assert!(error.contains("TLS on port 5060"), "{error}");
        app.click("dialog[open] [data-testid='dialog-cancel']")
            .await?;
        app.wait_for("[data-testid='view-carriers'] [data-testid='empty-state']")
            .await?;

        app.step("connect, then three typed numbers");
        app.click("[data-testid='connect-sip']").await?;
        connect_trunk(&app, "Office trunk", sip.port, &sip.password).await?;
        app.wait_for("dialog[open][data-testid='sip-numbers-dialog']")
            .await?;
        app.paste(
            "[data-testid='sip-numbers-typed']",
            &[number(0), number(1), number(2)].join("\n"),
        )
        .await?;
        app.click(CONFIRM).await?;
        app.wait_for_text(
            "[data-testid='connection-tile'][data-carrier='sip'] [data-testid='connection-number-count']",
            "3 numbers",
        )
        .await?;
        let origination =
            shown_text(&app.find("[data-testid='sip-origination-uri']").await?).await?;
        assert_eq!(
            origination,
            "sip:workspace-1@voice.acme-dental.example;transport=tls"
        );

        app.step("500 numbers from a CSV with 7 bad rows");
        let mut csv = String::from("phone_number,friendly_name\n");
        let mut bad_lines = Vec::new();
        let mut line = 1;
        for n in 0..500 {
            line += 1;
            csv.push_str(&format!("{},Line {n}\n", number(n + 10)));
            let bad = match n {
                40 => Some("415 555 0100".to_owned()),
                90 => Some("+1 415 CALL NOW".to_owned()),
                140 => Some("+99912345678".to_owned()),
                190 => Some(number(10)),
                240 => Some(number(11)),
                290 => Some(number(1)),
                340 => Some("not a number".to_owned()),
                _ => None,
            };
            if let Some(cell) = bad {
                line += 1;
                csv.push_str(&format!("{cell},bad\n"));
                bad_lines.push(line.to_string());
            }
        }
        app.click(
            "[data-testid='connection-tile'][data-carrier='sip'] [data-testid='add-numbers']",
        )
        .await?;
        app.click("dialog[open] input[name='sipNumbersSource'][value='csv']")
            .await?;
        app.paste("[data-testid='sip-numbers-csv']", &csv).await?;
        app.click("[data-testid='sip-preview']").await?;
        app.wait_for_attr("[data-testid='sip-preview-summary']", "data-bad", "7")
            .await?;
        let good = app
            .attrs("[data-testid='sip-preview-summary']", "data-good")
            .await?;
        assert_eq!(good, ["500"]);
        let named = app
            .attrs("[data-testid='sip-preview-row'].is-bad", "data-line")
            .await?;
        assert_eq!(named, bad_lines, "each bad row is named by its line");
        let reasons = app.texts("[data-testid='sip-preview-row'].is-bad").await?;
        assert!(
            reasons[5].contains("already on this SIP trunk"),
            "{reasons:?}"
        );
        app.click(CONFIRM).await?;
        app.wait_for("dialog[open][data-testid='sip-left-out-dialog']")
            .await?;
        let left = app
            .attrs(
                "dialog[open][data-testid='sip-left-out-dialog'] [data-testid='sip-preview-row']",
                "data-line",
            )
            .await?;
        assert_eq!(left, bad_lines);
        app.click("dialog[open] [data-testid='dialog-close']")
            .await?;
        app.wait_for_text(
            "[data-testid='connection-tile'][data-carrier='sip'] [data-testid='connection-number-count']",
            "503 numbers",
        )
        .await?;

        app.step("the table names the trunk as the carrier");
        app.click("[data-nav='numbers']").await?;
        app.wait_for("[data-testid='view-numbers'] [data-testid='number-row']")
            .await?;
        let carriers = app
            .texts(
                "[data-testid='view-numbers'] [data-testid='number-row'] [data-column='carrier']",
            )
            .await?;
        assert!(!carriers.is_empty());
        assert!(
            carriers.iter().all(|c| c == "SIP: Office trunk"),
            "{carriers:?}"
        );

        app.step("Check: 200 OK, a wrong password, a silent port");
        app.click("[data-nav='carriers']").await?;
        let answered = check_step(&app, "Office trunk", "sip_status").await?;
        assert!(answered.contains("200 OK"), "{answered}");
        let round_trip = check_step(&app, "Office trunk", "sip_answer").await?;
        assert!(round_trip.contains(" ms"), "{round_trip}");

        // This one through the import wizard, whose first step offers any SIP carrier.
        app.click("[data-testid='connect-twilio']").await?;
        app.click("[data-testid='carrier-sip']").await?;
        app.fill("[name='connectionName']", "Wrong password")
            .await?;
        app.click("[data-testid='wizard-next']").await?;
        app.wait_for("dialog[open][data-testid='sip-connect-dialog']")
            .await?;
        connect_trunk(&app, "Wrong password", sip.port, "not-the-password").await?;
        let connected = app
            .texts("dialog[open] [data-testid='sip-connected']")
            .await?;
        assert!(
            connected[0].contains("sip:workspace-1@voice.acme-dental.example"),
            "{connected:?}"
        );
        skip_numbers(&app).await?;
        let refused = check_step(&app, "Wrong password", "sip_status").await?;
        assert!(refused.contains("401"), "{refused}");
        assert!(
            refused.contains("refused the username or password"),
            "{refused}"
        );

        app.click("[data-testid='connect-sip']").await?;
        connect_trunk(&app, "Silent host", sip.silent_port, "").await?;
        skip_numbers(&app).await?;
        let silent = check_step(&app, "Silent host", "sip_answer").await?;
        assert!(silent.contains("did not answer over UDP"), "{silent}");
        app.quit().await
    });
}

/// In Sandbox mode the connect form offers the in-app sandbox's trunk: one click fills in its name
/// (no port: the sandbox's DNS gives it through an SRV record), and Check shows it found and
/// answering 200 OK. The trunk is labelled Sandbox like everything there.
#[test]
fn in_sandbox_mode_the_sandbox_trunk_is_filled_in_and_checks_out() {
    run(|| async {
        let profile = Profile::new();
        let app = App::launch(&profile).await?;
        app.enter_sandbox_mode().await?;
        app.click("[data-nav='carriers']").await?;
        app.wait_for("[data-testid='connection-tile'][data-carrier='telnyx']")
            .await?;
        app.click("[data-testid='connect-sip']").await?;
        app.fill("[data-testid='sip-name']", "Sandbox trunk")
            .await?;
        app.click("[data-testid='sip-use-sandbox']").await?;
        app.click(CONFIRM).await?;
        app.wait_for("dialog[open][data-testid='sip-numbers-dialog']")
            .await?;
        skip_numbers(&app).await?;
        let answered = check_step(&app, "Sandbox trunk", "sip_status").await?;
        assert!(answered.contains("200 OK"), "{answered}");
        let found = check_step(&app, "Sandbox trunk", "dns").await?;
        assert!(
            found.contains("_sip._udp.sip.sandbox.numberdesk.test points at"),
            "{found}"
        );
        let tile = app
            .texts("[data-testid='connection-tile'][data-carrier='sip']")
            .await?;
        assert!(tile[0].contains("Sandbox"), "{tile:?}");
        app.quit().await
    });
}
