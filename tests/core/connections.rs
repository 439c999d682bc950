//! Carrier connections: saved in the database and the keyring together, or not at all.

use numberdesk::domain::kinds::CarrierKind;
use std::sync::Arc;

use numberdesk::flows::connect::connections::{ConnectionDraft, ConnectionError, Connections};
use numberdesk::logging::Redactor;
use numberdesk::secrets::credentials::{
    Credentials, TelnyxCredentials, TwilioAuth, TwilioCredentials,
};
use numberdesk::secrets::{MemorySecretStore, SecretKey, SecretStore, Sensitive};

use crate::support::{input, open_core_with, TestDir};

fn twilio(name: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: name.to_owned(),
        credentials: Credentials::Twilio(TwilioCredentials::new(
            "AC0000000000000000000000000000aaaa".into(),
            TwilioAuth::AuthToken(Sensitive::from("a-very-secret-auth-token")),
        )),
        account_ref: Some("AC0000000000000000000000000000aaaa".into()),
        account_name: Some("Acme production".into()),
        texml_connection_id: None,
        messaging_profile_id: None,
        is_sandbox: false,
    }
}

#[test]
fn a_saved_connection_has_its_row_and_its_keyring_entry() {
    let dir = TestDir::new();
    let secrets = Arc::new(MemorySecretStore::new(Redactor::new()));
    let core = open_core_with(&dir, secrets.clone());
    let workspace = core.workspaces().create(&input("Acme")).unwrap();
    let connections = Connections::new(&core);
    let row = connections
        .save(workspace.id, &twilio("Main Twilio"))
        .unwrap();
    assert_eq!(row.carrier, CarrierKind::Twilio);
    assert_eq!(row.account_name.as_deref(), Some("Acme production"));
    assert_eq!(
        connections.credentials(workspace.id, row.id).unwrap(),
        twilio("x").credentials
    );
    let listed = connections.list(workspace.id).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].number_count, 0);

    // The same name twice is refused, and leaves one entry.
    let error = connections
        .save(workspace.id, &twilio("Main Twilio"))
        .unwrap_err();
    assert!(matches!(error, ConnectionError::NameTaken(_)), "{error:?}");
    assert_eq!(secrets.len(), 1);
}

#[test]
fn a_keyring_failure_saves_nothing() {
    let dir = TestDir::new();
    let secrets = Arc::new(MemorySecretStore::new(Redactor::new()));
    let core = open_core_with(&dir, secrets.clone());
    let workspace = core.workspaces().create(&input("Acme")).unwrap();
    secrets.fail_puts(true);
    let error = Connections::new(&core)
        .save(workspace.id, &twilio("Main"))
        .unwrap_err();
    assert!(matches!(error, ConnectionError::Secrets(_)), "{error:?}");
    assert!(!error.to_string().contains("a-very-secret-auth-token"));
    assert!(Connections::new(&core)
        .list(workspace.id)
        .unwrap()
        .is_empty());
    assert!(secrets.is_empty());

    // Once the keyring works again, the same name is free.
    secrets.fail_puts(false);
    Connections::new(&core)
        .save(workspace.id, &twilio("Main"))
        .unwrap();
}

#[test]
fn connections_are_scoped_to_their_workspace() {
    let dir = TestDir::new();
    let secrets = Arc::new(MemorySecretStore::new(Redactor::new()));
    let core = open_core_with(&dir, secrets.clone());
    let a = core.workspaces().create(&input("A")).unwrap();
    let b = core.workspaces().create(&input("B")).unwrap();
    let connections = Connections::new(&core);
    let mut telnyx = twilio("Telnyx main");
    telnyx.credentials = Credentials::Telnyx(TelnyxCredentials {
        api_key: Sensitive::from("KEY01234567890123456789"),
    });
    let in_a = connections.save(a.id, &telnyx).unwrap();
    // B cannot see or read A's connection, even by id.
    assert!(connections.list(b.id).unwrap().is_empty());
    assert!(matches!(
        connections.get(b.id, in_a.id),
        Err(ConnectionError::NotFound)
    ));
    assert!(matches!(
        connections.credentials(b.id, in_a.id),
        Err(ConnectionError::NotFound)
    ));
    // Deleting A removes its credentials from the keyring.
    core.delete_workspace(a.id).unwrap();
    assert!(secrets
        .get(SecretKey::new(a.id, in_a.id))
        .unwrap()
        .is_none());
}

#[test]
fn missing_credentials_are_reported_not_guessed() {
    let dir = TestDir::new();
    let secrets = Arc::new(MemorySecretStore::new(Redactor::new()));
    let core = open_core_with(&dir, secrets.clone());
    let workspace = core.workspaces().create(&input("Acme")).unwrap();
    let row = Connections::new(&core)
        .save(workspace.id, &twilio("Main"))
        .unwrap();
    secrets
        .delete(SecretKey::new(workspace.id, row.id))
        .unwrap();
    assert!(matches!(
        Connections::new(&core).credentials(workspace.id, row.id),
        Err(ConnectionError::CredentialsMissing)
    ));
    assert_eq!(
        core.missing_credentials(workspace.id).unwrap(),
        vec![SecretKey::new(workspace.id, row.id)]
    );
}
