//! The checks of a connection and its numbers, run for real, each problem named with its fix.

use numberdesk::carriers::TwilioNumberUpdate;
use numberdesk::flows::import::WebhookMode;
use numberdesk::flows::manage::agents::{AgentSlot, Agents};
use numberdesk::flows::manage::diagnostics::{self, CheckStatus};
use numberdesk::secrets::{SecretKey, SecretStore};

use super::{twilio_client, world};

#[tokio::test]
async fn checks_run_for_real_and_name_each_problem_with_a_fix() {
    let w = world(8).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 3, WebhookMode::Managed)
        .await;
    let accounts = w.accounts();
    let connection = diagnostics::check_connection(&accounts, w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    assert!(connection.all_ok(), "{connection:?}");
    assert!(connection
        .results
        .iter()
        .any(|r| r.id == "credentials_valid"));

    // A healthy number with an agent passes every check.
    let healthy = w.id_of(&twilio.listed[0].e164);
    let agents = Agents::new(&w.core);
    let agent = agents.create(w.workspace.id, "Reception").unwrap();
    agents
        .assign(
            w.workspace.id,
            &[healthy],
            AgentSlot::Inbound,
            Some(agent.id),
        )
        .unwrap();
    let diagnosis = diagnostics::check_number(&accounts, w.workspace.id, healthy)
        .await
        .unwrap();
    assert!(diagnosis.all_ok(), "{diagnosis:?}");

    // No agent, and the voice URL changed at Twilio: two problems, each with a fix.
    let drifted = &twilio.listed[1];
    let outside = w.open_account(&w.twilio_form());
    twilio_client(&outside)
        .update_incoming_number(
            &drifted.carrier_id,
            &TwilioNumberUpdate {
                voice_url: Some("https://elsewhere.example.com/v".into()),
                ..TwilioNumberUpdate::default()
            },
        )
        .await
        .unwrap();
    let diagnosis = diagnostics::check_number(&accounts, w.workspace.id, w.id_of(&drifted.e164))
        .await
        .unwrap();
    let problems: Vec<&str> = diagnosis.problems().map(|p| p.id).collect();
    assert_eq!(
        problems,
        vec!["agent_assigned", "webhook_settings"],
        "{diagnosis:?}"
    );
    for problem in diagnosis.problems() {
        let fix = problem.fix.as_deref().unwrap();
        assert!(fix.ends_with('.') && !fix.is_empty(), "{fix}");
    }

    // A number released at the carrier: "not in the account".
    let gone = &twilio.listed[2];
    twilio_client(&outside)
        .release_incoming_number(&gone.carrier_id)
        .await
        .unwrap();
    let diagnosis = diagnostics::check_number(&accounts, w.workspace.id, w.id_of(&gone.e164))
        .await
        .unwrap();
    let in_account = diagnosis
        .results
        .iter()
        .find(|r| r.id == "number_in_account")
        .unwrap();
    assert_eq!(in_account.status, CheckStatus::Problem, "{diagnosis:?}");

    // Credentials gone from the keyring: the connection check says so, with the fix.
    w.memory
        .as_ref()
        .unwrap()
        .delete(SecretKey::new(w.workspace.id, twilio.row.id))
        .unwrap();
    let diagnosis = diagnostics::check_connection(&w.accounts(), w.workspace.id, twilio.row.id)
        .await
        .unwrap();
    let first = &diagnosis.results[0];
    assert_eq!(
        (first.id, first.status),
        ("credentials_stored", CheckStatus::Problem)
    );
    assert!(first.fix.as_deref().unwrap().contains("connect it again"));
}

#[tokio::test]
async fn telnyx_checks_include_the_texml_application_and_the_numbers_connection() {
    let w = world(6).await;
    let telnyx = w
        .connect_and_import(&w.telnyx_form(), 2, WebhookMode::Managed)
        .await;
    let accounts = w.accounts();
    let diagnosis =
        diagnostics::check_number(&accounts, w.workspace.id, w.id_of(&telnyx.listed[0].e164))
            .await
            .unwrap();
    let ids: Vec<&str> = diagnosis.results.iter().map(|r| r.id).collect();
    for id in [
        "credentials_valid",
        "texml_application",
        "number_in_account",
        "webhook_settings",
        "texml_connection",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let on_app = diagnosis
        .results
        .iter()
        .find(|r| r.id == "texml_connection")
        .unwrap();
    assert_eq!(on_app.status, CheckStatus::Ok, "{diagnosis:?}");
    // The application's voice URL is checked against the workspace's webhook, for real.
    let app = diagnosis
        .results
        .iter()
        .find(|r| r.id == "texml_application")
        .unwrap();
    if app.status == CheckStatus::Problem {
        assert!(app
            .fix
            .as_deref()
            .unwrap()
            .contains("https://voice.example.com/webhook/telnyx/texml"));
    }
}
