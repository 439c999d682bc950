//! Workspaces over a real database file: create, rename, change, delete, and isolation.

use numberdesk::flows::workspaces::{Plan, WorkspaceError, FLAG_FLEX_PHONE_SELF_SERVE};
use numberdesk::store::numbers::{self, NewNumber};

use crate::support::{clock, input, open_core, TestDir};
use numberdesk::clock::Clock;
use numberdesk::domain::ids::WorkspaceId;
use numberdesk::domain::kinds::{CarrierKind, NumberStatus, Source, WebhookMode};

fn number<'a>(e164: &'a str) -> NewNumber<'a> {
    NewNumber {
        e164,
        carrier: CarrierKind::Twilio,
        source: Source::Imported,
        status: NumberStatus::Active,
        number_type: Some("local"),
        region: Some("CA"),
        voice: true,
        sms: true,
        mms: false,
        monthly_cost_credits: 0,
        connection_id: None,
        carrier_number_id: Some("PN0123"),
        webhook_mode: WebhookMode::OutboundOnly,
        friendly_name: None,
    }
}

#[test]
fn create_rename_update_and_list_in_name_order() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    let workspaces = core.workspaces();
    let beta = workspaces.create(&input("Beta Clinic")).unwrap();
    let mut unlimited = input("acme agency");
    unlimited.plan = "unlimited".into();
    unlimited.flags = vec![FLAG_FLEX_PHONE_SELF_SERVE.into()];
    unlimited.webhook_base_url = "https://voice.acme.example/".into();
    let acme = workspaces.create(&unlimited).unwrap();
    assert!(acme.uses_number_pool());
    assert!(!beta.uses_number_pool());
    assert_eq!(acme.webhook_base_url, "https://voice.acme.example");

    let names: Vec<_> = workspaces
        .list()
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["acme agency", "Beta Clinic"]);

    let renamed = workspaces.rename(beta.id, "  Beta Dental  ").unwrap();
    assert_eq!(renamed.name, "Beta Dental");

    let mut change = input("Beta Dental");
    change.monthly_credit_allowance = 25;
    change.plan = "unlimited".into();
    let changed = workspaces.update(beta.id, &change).unwrap();
    assert_eq!(changed.plan, Plan::Unlimited);
    assert_eq!(changed.monthly_credit_allowance, 25);
    assert!(changed.flags.is_empty());
}

#[test]
fn duplicate_names_are_refused_whatever_their_case() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    let workspaces = core.workspaces();
    workspaces.create(&input("Acme")).unwrap();
    let other = workspaces.create(&input("Other")).unwrap();
    let error = workspaces.create(&input("ACME")).unwrap_err();
    assert!(
        matches!(error, WorkspaceError::NameTaken(ref n) if n == "ACME"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "A workspace called \"ACME\" already exists. Pick another name."
    );
    let error = workspaces.rename(other.id, "acme").unwrap_err();
    assert!(matches!(error, WorkspaceError::NameTaken(_)));
    assert_eq!(workspaces.get(other.id).unwrap().name, "Other");
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    let workspaces = core.workspaces();
    let kept = workspaces.create(&input("Kept")).unwrap();

    let mut http = input("Plain");
    http.webhook_base_url = "http://voice.example.com".into();
    let error = workspaces.create(&http).unwrap_err();
    assert!(error.is_invalid_input());
    assert!(error.to_string().contains("must use https://"), "{error}");

    let mut bad_update = input("Kept");
    bad_update.monthly_credit_allowance = -5;
    assert!(matches!(
        workspaces.update(kept.id, &bad_update),
        Err(WorkspaceError::AllowanceOutOfRange(-5))
    ));
    assert!(matches!(
        workspaces.rename(kept.id, ""),
        Err(WorkspaceError::EmptyName)
    ));

    let all = workspaces.list().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], kept);
}

#[test]
fn missing_workspaces_are_reported_as_such() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    assert!(matches!(
        core.workspaces().get(WorkspaceId(42)),
        Err(WorkspaceError::NotFound(WorkspaceId(42)))
    ));
    assert!(matches!(
        core.workspaces().rename(WorkspaceId(42), "x"),
        Err(WorkspaceError::NotFound(WorkspaceId(42)))
    ));
    assert!(matches!(
        core.delete_workspace(WorkspaceId(42)),
        Err(WorkspaceError::NotFound(WorkspaceId(42)))
    ));
}

#[test]
fn nothing_of_one_workspace_is_visible_in_another() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    let a = core.workspaces().create(&input("Client A")).unwrap();
    let b = core.workspaces().create(&input("Client B")).unwrap();
    let now = clock().now();
    core.store
        .write(|tx| {
            numbers::insert(tx, a.id, &number("+14155550100"), now)?;
            numbers::insert(tx, a.id, &number("+14155550101"), now)
        })
        .unwrap();
    // The same number may be held by another workspace (an agency moving a client), separately.
    core.store
        .write(|tx| numbers::insert(tx, b.id, &number("+14155550100"), now))
        .unwrap();

    let in_a = core.store.read(|c| numbers::list(c, a.id)).unwrap();
    let in_b = core.store.read(|c| numbers::list(c, b.id)).unwrap();
    assert_eq!(in_a.len(), 2);
    assert_eq!(in_b.len(), 1);
    assert!(in_a.iter().all(|n| n.workspace_id == a.id));
    assert!(in_b.iter().all(|n| n.workspace_id == b.id));

    // Twice in one workspace is refused with a clear message.
    let error = core
        .store
        .write(|tx| numbers::insert(tx, a.id, &number("+14155550100"), now))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "+14155550100 is already in this workspace"
    );

    // Deleting A removes its numbers and nothing of B.
    core.delete_workspace(a.id).unwrap();
    assert_eq!(core.store.read(|c| numbers::count(c, a.id)).unwrap(), 0);
    assert_eq!(core.store.read(|c| numbers::list(c, b.id)).unwrap(), in_b);
    let left: Vec<_> = core
        .workspaces()
        .list()
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(left, [b.id]);
}

#[test]
fn deleted_workspace_ids_are_never_reused() {
    let dir = TestDir::new();
    let core = open_core(&dir);
    let first = core.workspaces().create(&input("First")).unwrap();
    core.delete_workspace(first.id).unwrap();
    let second = core.workspaces().create(&input("First")).unwrap();
    assert!(
        second.id > first.id,
        "a new workspace took a deleted one's id (and so its keyring entries)"
    );
}
