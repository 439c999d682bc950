//! SIP trunk connections through the App: a trunk checked field by field and saved with its
//! credentials in the real keyring only; numbers added by hand and from a CSV file whose bad
//! rows are each named; one transaction per import; disconnect removing numbers, trunk and
//! credentials together.

use std::sync::Arc;

use numberdesk::domain::ids::WorkspaceId;
use numberdesk::domain::kinds::{CarrierKind, NumberStatus, Source, WebhookMode};
use numberdesk::flows::audit::{AuditAction, AuditFilter};
use numberdesk::flows::manage::table::NumberFilter;
use numberdesk::flows::sip::numbers::{NumbersPreview, RowProblem};
use numberdesk::flows::sip::trunk::{SipTransport, SipTrunkError, SipTrunkForm};
use numberdesk::flows::sip::{NumbersInput, SipError};
use numberdesk::logging::Redactor;
use numberdesk::secrets::{SecretKey, SecretStore, Sensitive};

use crate::app::{app_world, memory, AppWorld};
use crate::keyring::real_keyring;
use crate::support::{all_file_bytes, contains, input};

const PASSWORD: &str = "trunk-digest-9f8e7d6c";

fn trunk_form(name: &str) -> SipTrunkForm {
    SipTrunkForm {
        name: name.to_owned(),
        termination: "sip:pbx.example.net;transport=tcp".to_owned(),
        transport: None,
        port: Some("5080".to_owned()),
        username: Some("office-7".to_owned()),
        password: Some(Sensitive::from(PASSWORD)),
        allowed_ranges: vec!["203.0.113.0/24".to_owned(), "198.51.100.7".to_owned()],
    }
}

/// The `n`th of a run of valid San Francisco numbers.
fn good_number(n: usize) -> String {
    format!("+1415{:03}{:04}", 200 + n / 1000, n % 1000 + 1000)
}

/// A sandbox with no carrier numbers and an App with a workspace "Acme" on it.
async fn acme() -> (AppWorld, WorkspaceId) {
    let world = app_world(0, memory()).await;
    let workspace = world.workspace(input("Acme")).await.id;
    (world, workspace)
}

async fn audit_of(
    world: &AppWorld,
    workspace: WorkspaceId,
    action: AuditAction,
) -> numberdesk::flows::audit::AuditPage {
    let filter = AuditFilter {
        actions: vec![action],
        ..AuditFilter::default()
    };
    world.app.audit().query(workspace, filter).await.unwrap()
}

async fn sip_numbers(world: &AppWorld, workspace: WorkspaceId) -> Vec<String> {
    world
        .numbers(
            workspace,
            NumberFilter {
                carriers: vec![CarrierKind::Sip],
                ..NumberFilter::default()
            },
        )
        .await
}

fn bad_lines(preview: &NumbersPreview) -> Vec<(u64, RowProblem)> {
    preview
        .bad_rows()
        .map(|row| (row.line, row.problem.clone().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_trunk_takes_three_typed_numbers_and_500_from_a_csv_with_7_bad_rows_named() {
    let keyring = Arc::new(real_keyring("sip-trunk", Redactor::new()));
    let world = app_world(3, keyring.clone()).await;
    let workspace = world.workspace(input("Acme")).await.id;
    let twilio = world
        .import_twilio(workspace, 1, WebhookMode::OutboundOnly)
        .await;
    let twilio_number = world.numbers(workspace, NumberFilter::default()).await[0].clone();

    let trunk = world
        .app
        .trunks()
        .connect(workspace, trunk_form("Office trunk"))
        .await
        .unwrap();
    assert_eq!(
        (trunk.host.as_str(), trunk.transport, trunk.port),
        ("pbx.example.net", SipTransport::Tcp, 5080)
    );
    assert_eq!(
        trunk.termination_uri,
        "sip:pbx.example.net:5080;transport=tcp"
    );
    assert_eq!(
        trunk.origination_uri,
        format!(
            "sip:workspace-{}@voice.example.com;transport=tls",
            workspace.get()
        )
    );
    assert_eq!(trunk.allowed_ranges, ["203.0.113.0/24", "198.51.100.7/32"]);
    assert!(trunk.has_credentials);
    // The password is in the keyring, and in no file of the data folder.
    let entry = keyring
        .get(SecretKey::new(workspace, trunk.connection_id))
        .unwrap()
        .expect("a keyring entry for the trunk");
    assert!(entry.expose().contains(PASSWORD));
    for (path, bytes) in all_file_bytes(world.dir.path()) {
        assert!(!contains(&bytes, PASSWORD), "{} holds it", path.display());
    }

    let trunks = world.app.trunks();
    let typed = vec![
        good_number(0),
        format!("{}, {}", good_number(1), good_number(2)),
    ];
    let added = trunks
        .add_numbers(workspace, trunk.connection_id, NumbersInput::Typed(typed))
        .await
        .unwrap();
    assert_eq!(added.added.len(), 3);
    assert!(added.rejected.is_empty());

    // 500 good rows from number 10 on; 7 bad ones among them.
    let mut csv = String::from("Phone Number,Friendly Name\r\n");
    let mut bad_at = Vec::new();
    let mut line = 1;
    for n in 0..500 {
        line += 1;
        csv.push_str(&format!("{},Line {n}\r\n", good_number(n + 10)));
        let bad = match n {
            50 => Some("415-555-0100"),
            120 => Some("+1 415 CALL NOW"),
            200 => Some("+99912345678"),
            _ => None,
        };
        let repeat = match n {
            300 => Some(good_number(10)),
            301 => Some(good_number(11)),
            400 => Some(good_number(1)),
            450 => Some(twilio_number.clone()),
            _ => None,
        };
        for cell in bad.map(str::to_owned).into_iter().chain(repeat) {
            line += 1;
            csv.push_str(&format!("{cell},bad\r\n"));
            bad_at.push(line);
        }
    }
    let file = NumbersInput::Csv(csv.into_bytes());
    let preview = trunks
        .preview_numbers(workspace, trunk.connection_id, file.clone())
        .await
        .unwrap();
    assert_eq!((preview.good, preview.bad), (500, 7));
    let named = bad_lines(&preview);
    assert_eq!(
        named.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
        bad_at
    );
    let kinds: Vec<&RowProblem> = named.iter().map(|(_, problem)| problem).collect();
    assert!(
        matches!(kinds[0], RowProblem::NotE164 { reason } if reason.contains("international form"))
    );
    assert!(matches!(kinds[1], RowProblem::NotE164 { .. }));
    assert!(matches!(kinds[2], RowProblem::NotE164 { reason } if reason.contains("country")));
    assert_eq!(kinds[3], &RowProblem::Duplicate { first_line: 2 });
    assert_eq!(kinds[4], &RowProblem::Duplicate { first_line: 3 });
    assert_eq!(kinds[5], &RowProblem::AlreadyOnThisTrunk);
    let other = twilio_connection_name(&world, workspace, twilio).await;
    assert_eq!(
        kinds[6],
        &RowProblem::InOtherConnection { connection: other }
    );
    let message = preview.bad_rows().last().unwrap().message.clone().unwrap();
    assert!(message.contains(&twilio_number), "{message}");
    assert!(
        sip_numbers(&world, workspace).await.len() == 3,
        "a preview writes nothing"
    );

    let added = trunks
        .add_numbers(workspace, trunk.connection_id, file.clone())
        .await
        .unwrap();
    assert_eq!(added.added.len(), 500);
    assert_eq!(
        added.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
        bad_at
    );

    // In the table like any number: carrier SIP, the trunk's name, source Imported, Active.
    let held = sip_numbers(&world, workspace).await;
    assert_eq!(held.len(), 503);
    let rows = world
        .app
        .numbers()
        .page(
            workspace,
            numberdesk::flows::manage::table::NumberQuery {
                filter: NumberFilter {
                    text: Some("Line 7".into()),
                    ..NumberFilter::default()
                },
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .rows;
    let row = rows.iter().find(|r| r.e164 == good_number(17)).unwrap();
    assert_eq!(row.carrier, CarrierKind::Sip);
    assert_eq!(row.connection_name.as_deref(), Some("Office trunk"));
    assert_eq!(
        (row.source, row.status),
        (Source::Imported, NumberStatus::Active)
    );
    assert_eq!(row.friendly_name.as_deref(), Some("Line 7"));

    // The same file again adds nothing, and says why.
    let again = trunks
        .add_numbers(workspace, trunk.connection_id, file)
        .await
        .unwrap_err();
    assert!(matches!(again, SipError::NothingGood(507)), "{again:?}");
    assert_eq!(sip_numbers(&world, workspace).await.len(), 503);

    // Two audit entries, local changes of the trunk.
    let audit = audit_of(&world, workspace, AuditAction::Import).await;
    let sip_entries: Vec<_> = audit
        .entries
        .iter()
        .filter(|e| e.connection.as_deref() == Some("Office trunk"))
        .collect();
    assert_eq!(sip_entries.len(), 2);
    assert_eq!(sip_entries[0].target, "local");
    assert_eq!(sip_entries[0].number_count, 500);
    assert!(
        sip_entries[0].summary.contains("7 rows left out"),
        "{}",
        sip_entries[0].summary
    );

    // Sync of the whole workspace leaves the trunk alone; of the trunk alone, says why not.
    let synced = world.app.carriers().sync(workspace, None).await.unwrap();
    assert_eq!(synced.reports.len(), 1);
    assert!(synced.errors.is_empty(), "{:?}", synced.errors);
    let refused = world
        .app
        .carriers()
        .sync(workspace, Some(trunk.connection_id))
        .await
        .unwrap();
    assert!(
        refused.errors[0].message.contains("no API"),
        "{:?}",
        refused.errors
    );

    // Disconnect: the numbers, the trunk and its keyring entry go; the Twilio number stays.
    let preview = world
        .app
        .carriers()
        .preview_disconnect(workspace, trunk.connection_id)
        .await
        .unwrap();
    assert_eq!((preview.number_count, preview.restorable), (503, 0));
    let report = world
        .app
        .carriers()
        .disconnect(workspace, trunk.connection_id, true, false)
        .await
        .unwrap();
    assert_eq!(report.removed_numbers, 503);
    assert!(report.restored.is_empty());
    assert!(sip_numbers(&world, workspace).await.is_empty());
    assert_eq!(
        world.numbers(workspace, NumberFilter::default()).await,
        [twilio_number]
    );
    assert!(keyring
        .get(SecretKey::new(workspace, trunk.connection_id))
        .unwrap()
        .is_none());
    let left = world.app.workspaces().connections(workspace).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].connection.carrier, CarrierKind::Twilio);
}

async fn twilio_connection_name(
    world: &AppWorld,
    workspace: WorkspaceId,
    id: numberdesk::domain::ids::ConnectionId,
) -> String {
    world
        .app
        .workspaces()
        .connections(workspace)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.connection.id == id)
        .unwrap()
        .connection
        .name
}

#[tokio::test]
async fn each_bad_trunk_field_is_named_and_nothing_is_saved() {
    let (world, workspace) = acme().await;
    let cases: Vec<(SipTrunkForm, SipTrunkError)> = vec![
        (
            SipTrunkForm {
                termination: "pbx example net".into(),
                ..trunk_form("A")
            },
            SipTrunkError::NotAHost("pbx example net".into()),
        ),
        (
            SipTrunkForm {
                port: Some("70000".into()),
                ..trunk_form("A")
            },
            SipTrunkError::PortOutOfRange("70000".into()),
        ),
        (
            SipTrunkForm {
                termination: "pbx.example.net".into(),
                transport: Some("tls".into()),
                port: Some("5060".into()),
                ..trunk_form("A")
            },
            SipTrunkError::TlsOn5060,
        ),
        (
            SipTrunkForm {
                password: None,
                ..trunk_form("A")
            },
            SipTrunkError::UsernameWithoutPassword,
        ),
        (
            SipTrunkForm {
                allowed_ranges: vec!["203.0.113.0/33".into()],
                ..trunk_form("A")
            },
            SipTrunkError::BadRange("203.0.113.0/33".into()),
        ),
    ];
    for (form, expected) in cases {
        let error = world
            .app
            .trunks()
            .connect(workspace, form)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, SipError::Trunk(found) if *found == expected),
            "{error:?}"
        );
        assert!(!error.to_string().contains(PASSWORD));
    }
    let no_name = world
        .app
        .trunks()
        .connect(workspace, trunk_form("  "))
        .await
        .unwrap_err();
    assert!(no_name.to_string().contains("name"), "{no_name}");
    assert!(world
        .app
        .workspaces()
        .connections(workspace)
        .await
        .unwrap()
        .is_empty());
}

/// A number another connection takes between the preview and the import is reported by the
/// import, never written twice; the other rows still go in.
#[tokio::test]
async fn a_number_taken_after_the_preview_is_reported_not_doubled() {
    let (world, workspace) = acme().await;
    let trunks = world.app.trunks();
    let office = trunks
        .connect(workspace, trunk_form("Office"))
        .await
        .unwrap();
    let backup = trunks
        .connect(workspace, trunk_form("Backup"))
        .await
        .unwrap();
    let file =
        NumbersInput::Csv(format!("number\n{}\n{}\n", good_number(1), good_number(2)).into_bytes());
    let preview = trunks
        .preview_numbers(workspace, office.connection_id, file.clone())
        .await
        .unwrap();
    assert_eq!((preview.good, preview.bad), (2, 0));
    trunks
        .add_numbers(
            workspace,
            backup.connection_id,
            NumbersInput::Typed(vec![good_number(2)]),
        )
        .await
        .unwrap();
    let added = trunks
        .add_numbers(workspace, office.connection_id, file)
        .await
        .unwrap();
    assert_eq!(added.added, [good_number(1)]);
    assert_eq!(added.rejected.len(), 1);
    assert_eq!(
        added.rejected[0].problem,
        Some(RowProblem::InOtherConnection {
            connection: "Backup".into()
        })
    );
    assert_eq!(sip_numbers(&world, workspace).await.len(), 2);
}

/// A file NumberDesk cannot read as a list of numbers changes nothing and says why.
#[tokio::test]
async fn a_file_without_a_number_column_is_refused_whole() {
    let (world, workspace) = acme().await;
    let trunk = world
        .app
        .trunks()
        .connect(workspace, trunk_form("Office"))
        .await
        .unwrap();
    let error = world
        .app
        .trunks()
        .add_numbers(
            workspace,
            trunk.connection_id,
            NumbersInput::Csv(b"city,owner\nParis,Ann\n".to_vec()),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("city, owner"), "{error}");
    assert!(sip_numbers(&world, workspace).await.is_empty());
}

/// A trunk at the sandbox's SIP responder (or its silent port), checked through the App.
async fn check_trunk(
    world: &AppWorld,
    workspace: WorkspaceId,
    name: &str,
    form: SipTrunkForm,
) -> numberdesk::flows::manage::diagnostics::Diagnosis {
    let trunk = world
        .app
        .trunks()
        .connect(
            workspace,
            SipTrunkForm {
                name: name.to_owned(),
                ..form
            },
        )
        .await
        .unwrap();
    world
        .app
        .carriers()
        .check_connection(workspace, trunk.connection_id)
        .await
        .unwrap()
}

/// The responder's address as a trunk form: `transport`, its port, its credentials (or
/// `password` instead), no ranges.
fn sandbox_trunk(world: &AppWorld, transport: &str, password: Option<&str>) -> SipTrunkForm {
    let sip = world.sandbox.sip().info();
    SipTrunkForm {
        name: String::new(),
        termination: sip.host.clone(),
        transport: Some(transport.to_owned()),
        port: Some(sip.port.to_string()),
        username: password.map(|_| sip.username.clone()),
        password: password.map(Sensitive::from),
        allowed_ranges: Vec::new(),
    }
}

fn result<'a>(
    diagnosis: &'a numberdesk::flows::manage::diagnostics::Diagnosis,
    id: &str,
) -> &'a numberdesk::flows::manage::diagnostics::CheckResult {
    diagnosis
        .results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no {id} step in {diagnosis:#?}"))
}

fn is_ok(check: &numberdesk::flows::manage::diagnostics::CheckResult) -> bool {
    check.status == numberdesk::flows::manage::diagnostics::CheckStatus::Ok
}

/// Check answers a digest challenge with the trunk's credentials and reports 200 OK with the
/// round trip, over UDP and TCP; a wrong password is named as a 401, no credentials as the
/// trunk asking for them.
#[tokio::test]
async fn check_answers_the_digest_challenge_and_names_a_wrong_password() {
    use numberdesk::sandbox::SipBehaviour;
    let (world, workspace) = acme().await;
    let right = world.sandbox.sip().info().password.clone();

    for transport in ["udp", "tcp"] {
        let form = sandbox_trunk(&world, transport, Some(&right));
        let diagnosis = check_trunk(&world, workspace, &format!("Good {transport}"), form).await;
        assert!(diagnosis.all_ok(), "{diagnosis:#?}");
        assert!(result(&diagnosis, "dns")
            .detail
            .contains("is an IP address"));
        let answered = &result(&diagnosis, "sip_answer").detail;
        assert!(
            answered.contains(&format!("over {}", transport.to_uppercase()))
                && answered.contains(" ms"),
            "{answered}"
        );
        let status = &result(&diagnosis, "sip_status").detail;
        assert!(
            status.contains("200 OK once the username and password"),
            "{status}"
        );
    }
    let seen = world.sandbox.sip().seen();
    assert_eq!(seen.len(), 4, "a challenge and an answer each: {seen:?}");
    assert!(!seen[0].with_credentials && seen[1].with_credentials);
    assert_eq!((seen[0].answered, seen[1].answered), (Some(401), Some(200)));

    let wrong = check_trunk(
        &world,
        workspace,
        "Wrong password",
        sandbox_trunk(&world, "udp", Some("not-the-password")),
    )
    .await;
    let status = result(&wrong, "sip_status");
    assert!(!is_ok(status));
    assert!(
        status.detail.contains("401 Unauthorized"),
        "{}",
        status.detail
    );
    assert!(status.detail.contains("refused the username or password"));
    assert!(status
        .fix
        .as_deref()
        .unwrap()
        .contains("digest username and password"));

    let none = check_trunk(
        &world,
        workspace,
        "No credentials",
        sandbox_trunk(&world, "tcp", None),
    )
    .await;
    assert!(result(&none, "sip_status")
        .detail
        .contains("asks for a username and password"));

    // A proxy challenge (407) is answered the same way.
    world.sandbox.sip().set_behaviour(SipBehaviour::Digest {
        username: world.sandbox.sip().info().username.clone(),
        password: right.clone(),
        proxy: true,
    });
    let proxied = check_trunk(
        &world,
        workspace,
        "Proxy",
        sandbox_trunk(&world, "udp", Some(&right)),
    )
    .await;
    assert!(proxied.all_ok(), "{proxied:#?}");
}

/// Every other answer a trunk gives is named with what to change: 403, 404, 488, 503.
#[tokio::test]
async fn check_names_each_refusal_with_its_fix() {
    use numberdesk::sandbox::SipBehaviour;
    let (world, workspace) = acme().await;
    for (code, said, fix) in [
        (403, "403 Forbidden", "allowed IPs"),
        (404, "404 Not Found", "termination URI"),
        (488, "488 Not Acceptable Here", "codec"),
        (503, "503 Service Unavailable", "few minutes"),
    ] {
        world
            .sandbox
            .sip()
            .set_behaviour(SipBehaviour::Status { code });
        let diagnosis = check_trunk(
            &world,
            workspace,
            &format!("Trunk {code}"),
            sandbox_trunk(&world, "tcp", None),
        )
        .await;
        assert!(is_ok(result(&diagnosis, "sip_answer")));
        let status = result(&diagnosis, "sip_status");
        assert!(!is_ok(status), "{code}");
        assert!(status.detail.contains(said), "{code}: {}", status.detail);
        assert!(
            status.fix.as_deref().unwrap().contains(fix),
            "{code}: {:?}",
            status.fix
        );
    }
}

/// A trunk that never answers is named as a timeout (UDP: after its retransmissions; TCP: on a
/// connection that stays open), and a closed port as unreachable.
#[tokio::test]
async fn check_names_a_silent_trunk_as_a_timeout_and_a_closed_port_as_unreachable() {
    use numberdesk::sandbox::SipBehaviour;
    let (world, workspace) = acme().await;
    let silent_port = world.sandbox.sip().info().silent_port;
    let silent = check_trunk(
        &world,
        workspace,
        "Silent UDP",
        SipTrunkForm {
            port: Some(silent_port.to_string()),
            ..sandbox_trunk(&world, "udp", None)
        },
    )
    .await;
    let answer = result(&silent, "sip_answer");
    assert!(!is_ok(answer));
    assert!(
        answer.detail.contains("did not answer over UDP within"),
        "{}",
        answer.detail
    );
    assert!(answer.fix.as_deref().unwrap().contains("try TCP"));
    assert!(silent.results.iter().all(|r| r.id != "sip_status"));

    world.sandbox.sip().set_behaviour(SipBehaviour::Silence);
    let held = check_trunk(
        &world,
        workspace,
        "Silent TCP",
        sandbox_trunk(&world, "tcp", None),
    )
    .await;
    assert!(result(&held, "sip_answer")
        .detail
        .contains("did not answer over TCP"));

    // A TCP port nothing listens on: the silent port is UDP only.
    let closed = check_trunk(
        &world,
        workspace,
        "Closed",
        SipTrunkForm {
            port: Some(silent_port.to_string()),
            ..sandbox_trunk(&world, "tcp", None)
        },
    )
    .await;
    let answer = result(&closed, "sip_answer");
    assert!(
        answer.detail.contains("could not be reached over TCP"),
        "{}",
        answer.detail
    );
}

/// The answering address is checked against the ranges listed for the trunk, and a host name
/// is looked up first.
#[tokio::test]
async fn check_says_whether_the_answer_came_from_an_allowed_range() {
    use numberdesk::sandbox::SipBehaviour;
    let (world, workspace) = acme().await;
    world
        .sandbox
        .sip()
        .set_behaviour(SipBehaviour::Status { code: 200 });
    let inside = check_trunk(
        &world,
        workspace,
        "Inside",
        SipTrunkForm {
            termination: "localhost".into(),
            allowed_ranges: vec!["127.0.0.0/8".into()],
            ..sandbox_trunk(&world, "udp", None)
        },
    )
    .await;
    assert!(inside.all_ok(), "{inside:#?}");
    assert!(
        result(&inside, "dns")
            .detail
            .contains("localhost has the address"),
        "{}",
        result(&inside, "dns").detail
    );
    assert!(result(&inside, "allow_list")
        .detail
        .contains("127.0.0.1 is inside"));

    let outside = check_trunk(
        &world,
        workspace,
        "Outside",
        SipTrunkForm {
            allowed_ranges: vec!["203.0.113.0/24".into()],
            ..sandbox_trunk(&world, "udp", None)
        },
    )
    .await;
    let listed = result(&outside, "allow_list");
    assert!(!is_ok(listed));
    assert!(
        listed.detail.contains("outside the ranges"),
        "{}",
        listed.detail
    );
}

/// A trunk given by name and no port is found the way RFC 3263 says: its SIP SRV record names
/// the target and port, then the target's address; a name without SRV falls back to 5060; a
/// name that does not exist is named as such and nothing is sent. (The sandbox's name server
/// answers for its zone.)
#[tokio::test]
async fn check_follows_the_srv_record_of_a_trunk_given_without_a_port() {
    let (world, workspace) = acme().await;
    let sip = world.sandbox.sip().info().clone();
    let by_name = |host: &str, password: Option<&str>| SipTrunkForm {
        termination: host.to_owned(),
        port: None,
        ..sandbox_trunk(&world, "udp", password)
    };

    let found = check_trunk(
        &world,
        workspace,
        "By SRV",
        by_name(&sip.host_name, Some(&sip.password)),
    )
    .await;
    assert!(found.all_ok(), "{found:#?}");
    let dns = &result(&found, "dns").detail;
    assert!(
        dns.contains(&format!(
            "_sip._udp.{} points at {} port {}",
            sip.host_name, sip.host_name, sip.port
        )) && dns.contains("127.0.0.1"),
        "{dns}"
    );

    let silent = check_trunk(
        &world,
        workspace,
        "Silent by SRV",
        by_name(&sip.silent_host_name, None),
    )
    .await;
    assert!(result(&silent, "dns")
        .detail
        .contains(&format!("port {}", sip.silent_port)));
    assert!(result(&silent, "sip_answer")
        .detail
        .contains("did not answer"));

    let no_srv = check_trunk(
        &world,
        workspace,
        "No SRV",
        by_name("nosrv.sandbox.numberdesk.test", None),
    )
    .await;
    let dns = &result(&no_srv, "dns").detail;
    assert!(
        dns.contains("has no SIP SRV record, so port 5060 is used"),
        "{dns}"
    );

    let missing = check_trunk(
        &world,
        workspace,
        "Missing",
        by_name("nothere.sandbox.numberdesk.test", None),
    )
    .await;
    let dns = result(&missing, "dns");
    assert!(!is_ok(dns));
    assert!(dns.detail.contains("has no address"), "{}", dns.detail);
    assert!(
        missing.results.iter().all(|r| r.id != "sip_answer"),
        "nothing is sent"
    );
}

/// A trunk's numbers are numbers like any other: an agent is assigned to them, the export names
/// their trunk, and the audit log has the assignment.
#[tokio::test]
async fn trunk_numbers_take_agents_and_go_into_the_export() {
    let (world, workspace) = acme().await;
    let trunk = world
        .app
        .trunks()
        .connect(workspace, trunk_form("Office trunk"))
        .await
        .unwrap();
    world
        .app
        .trunks()
        .add_numbers(
            workspace,
            trunk.connection_id,
            NumbersInput::Typed(vec![good_number(0), good_number(1)]),
        )
        .await
        .unwrap();
    let ids = world
        .app
        .numbers()
        .ids(workspace, NumberFilter::default())
        .await
        .unwrap();
    let agent = world
        .app
        .agents()
        .create(workspace, "Front desk".into())
        .await
        .unwrap();
    let assigned = world
        .app
        .agents()
        .assign(workspace, ids, "inbound", Some(agent.id))
        .await
        .unwrap();
    assert_eq!(assigned.changed.len(), 2);

    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let written = world
        .app
        .numbers()
        .export_csv(
            workspace,
            NumberFilter::default(),
            Default::default(),
            Shared(out.clone()),
        )
        .await
        .unwrap();
    assert_eq!(written, 2);
    let csv = String::from_utf8(out.lock().unwrap().clone()).unwrap();
    let row = csv
        .lines()
        .find(|line| line.contains(&good_number(0)))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        row.contains("Office trunk") && row.contains("Front desk"),
        "{row}"
    );
    let audit = audit_of(&world, workspace, AuditAction::Assignment).await;
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(audit.entries[0].number_count, 2);
}
