//! Sandbox mode: a Sandbox workspace connected to the in-app carrier sandbox, kept apart from real
//! workspaces, with its credentials in the real keyring.

use numberdesk::domain::ids::{ConnectionId, WorkspaceId};
use std::sync::Arc;

use numberdesk::app::sandbox_mode;
use numberdesk::flows::connect::connections::{ConnectionError, Connections};
use numberdesk::logging::Redactor;
use numberdesk::sandbox::{Sandbox, SandboxConfig};
use numberdesk::secrets::credentials::Credentials;
use numberdesk::secrets::{KeyringStore, SecretKey, SecretStore};

use crate::support::{input, open_core_with, TestDir};

#[tokio::test]
async fn sandbox_mode_creates_one_connected_workspace_and_removes_it_cleanly() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: sandbox_mode::SANDBOX_SEED,
        ..sandbox_mode::config()
    })
    .await
    .unwrap();
    let info = sandbox.startup_info().clone();
    let dir = TestDir::new();
    let service = format!("app.numberdesk.test.sandbox-mode.{}", std::process::id());
    let keyring = Arc::new(KeyringStore::new(service, Redactor::new()));
    let core = open_core_with(&dir, keyring.clone());
    let real = core.workspaces().create(&input("Sandbox")).unwrap();

    let workspace = sandbox_mode::ensure(&core, &info).unwrap();
    assert!(workspace.is_sandbox);
    assert_eq!(
        workspace.name, "Sandbox 2",
        "a real workspace already had the name"
    );
    assert!(workspace.uses_number_pool());

    let connections = Connections::new(&core).list(workspace.id).unwrap();
    let names: Vec<_> = connections
        .iter()
        .map(|c| c.connection.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            sandbox_mode::TWILIO_CONNECTION,
            sandbox_mode::TELNYX_CONNECTION
        ]
    );
    assert!(connections.iter().all(|c| c.connection.is_sandbox));
    let telnyx = &connections[1].connection;
    assert_eq!(
        telnyx.texml_connection_id.as_deref(),
        Some(info.telnyx[0].texml_application_id.as_str())
    );
    match Connections::new(&core)
        .credentials(workspace.id, connections[0].connection.id)
        .unwrap()
    {
        Credentials::Twilio(twilio) => {
            assert_eq!(twilio.account_sid, info.twilio[0].account_sid);
            // The sandbox's regional keys come with it, so its numbers can move to ie1 and au1.
            let regions: Vec<&str> = twilio.regional.keys().map(String::as_str).collect();
            assert_eq!(regions, ["au1", "ie1"]);
            let ie1 = info.twilio[0].regional_key("ie1").unwrap();
            assert_eq!(twilio.regional["ie1"].sid, ie1.key_sid);
        }
        other => panic!("expected Twilio credentials, got {other:?}"),
    }

    // Again (as at every start): nothing is added.
    let again = sandbox_mode::ensure(&core, &info).unwrap();
    assert_eq!(again.id, workspace.id);
    assert_eq!(Connections::new(&core).list(workspace.id).unwrap().len(), 2);

    // A real workspace cannot take a sandbox connection, nor the sandbox a real one.
    let mut draft_error = Connections::new(&core)
        .save(
            real.id,
            &sandbox_draft(&core, workspace.id, connections[0].connection.id),
        )
        .unwrap_err();
    assert!(
        matches!(draft_error, ConnectionError::SandboxOutsideSandbox),
        "{draft_error:?}"
    );
    let mut real_draft = sandbox_draft(&core, workspace.id, connections[0].connection.id);
    real_draft.is_sandbox = false;
    real_draft.name = "Real one".into();
    draft_error = Connections::new(&core)
        .save(workspace.id, &real_draft)
        .unwrap_err();
    assert!(
        matches!(draft_error, ConnectionError::SandboxMix),
        "{draft_error:?}"
    );

    // Off: the workspace and its keyring entries go; the real workspace stays.
    sandbox_mode::remove(&core).unwrap();
    assert!(sandbox_mode::workspace(&core).unwrap().is_none());
    for summary in &connections {
        let key = SecretKey::new(workspace.id, summary.connection.id);
        assert!(
            keyring.get(key).unwrap().is_none(),
            "keyring entry left for {key:?}"
        );
    }
    assert_eq!(core.workspaces().list().unwrap().len(), 1);
    sandbox.shutdown().await;
}

fn sandbox_draft(
    core: &numberdesk::app::context::Context,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> numberdesk::flows::connect::connections::ConnectionDraft {
    numberdesk::flows::connect::connections::ConnectionDraft {
        name: "Another sandbox".into(),
        credentials: Connections::new(core)
            .credentials(workspace_id, connection_id)
            .unwrap(),
        account_ref: None,
        account_name: None,
        texml_connection_id: None,
        messaging_profile_id: None,
        is_sandbox: true,
    }
}
