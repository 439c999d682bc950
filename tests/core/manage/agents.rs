//! Agents: three slots per number, outbound calls switched per number, and deleting an agent
//! that still holds numbers.

use numberdesk::domain::ids::PhoneNumberId;
use numberdesk::flows::audit::AuditAction;
use numberdesk::flows::import::WebhookMode;
use numberdesk::flows::manage::agents::{AgentError, AgentSlot, Agents};
use numberdesk::flows::manage::table::{NumberFilter, Sort, SortColumn};

use super::world;

#[tokio::test]
async fn agents_hold_numbers_in_three_slots_and_deleting_one_names_its_numbers_first() {
    let w = world(10).await;
    w.connect_and_import(&w.twilio_form(), 6, WebhookMode::OutboundOnly)
        .await;
    let agents = Agents::new(&w.core);
    let front = agents.create(w.workspace.id, "  Front desk ").unwrap();
    assert_eq!(front.name, "Front desk");
    assert!(matches!(
        agents.create(w.workspace.id, "front desk"),
        Err(AgentError::NameTaken(_))
    ));
    assert!(matches!(
        agents.create(w.workspace.id, " "),
        Err(AgentError::EmptyName)
    ));
    let closer = agents.create(w.workspace.id, "Closer").unwrap();
    let renamed = agents
        .rename(w.workspace.id, closer.id, "Zed closer")
        .unwrap();
    assert_eq!(renamed.name, "Zed closer");

    let rows = w.all(NumberFilter::default(), Sort::default());
    let (a, b, c) = (rows[0].id, rows[1].id, rows[2].id);
    let outcome = agents
        .assign(w.workspace.id, &[a, b], AgentSlot::Inbound, Some(front.id))
        .unwrap();
    assert_eq!(outcome.changed.len(), 2);
    // Assigning again changes nothing and writes no second entry.
    let again = agents
        .assign(w.workspace.id, &[a], AgentSlot::Inbound, Some(front.id))
        .unwrap();
    assert_eq!((again.changed.len(), again.unchanged.len()), (0, 1));
    agents
        .assign(w.workspace.id, &[a], AgentSlot::Outbound, Some(closer.id))
        .unwrap();
    // A number picked twice (a double click, a script) is one number, changed once.
    let twice = agents
        .assign(w.workspace.id, &[c, c], AgentSlot::Sms, Some(front.id))
        .unwrap();
    assert_eq!((twice.changed.len(), twice.unchanged.len()), (1, 0));
    let twice = agents
        .set_allow_outbound(w.workspace.id, &[c, c], true)
        .unwrap();
    assert_eq!((twice.changed.len(), twice.unchanged.len()), (0, 1));
    agents
        .set_allow_outbound(w.workspace.id, &[b], false)
        .unwrap();
    // Numbers of another workspace (or made up) are refused, changing nothing.
    assert!(matches!(
        agents.assign(
            w.workspace.id,
            &[a, PhoneNumberId(999_999)],
            AgentSlot::Inbound,
            None
        ),
        Err(AgentError::UnknownNumbers { count: 1 })
    ));

    let row_a = w
        .all(NumberFilter::default(), Sort::default())
        .into_iter()
        .find(|r| r.id == a)
        .unwrap();
    assert_eq!(row_a.inbound_agent.as_ref().unwrap().name, "Front desk");
    assert_eq!(row_a.outbound_agent.as_ref().unwrap().name, "Zed closer");
    assert!(row_a.sms_agent.is_none());
    let row_b = w
        .all(NumberFilter::default(), Sort::default())
        .into_iter()
        .find(|r| r.id == b)
        .unwrap();
    assert!(!row_b.allow_outbound);

    // The agent page's list, with slots.
    let holdings = agents.holdings(w.workspace.id, front.id).unwrap();
    assert_eq!(holdings.len(), 3);
    let listed = agents.list(w.workspace.id).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| (a.name.as_str(), a.number_count))
            .collect::<Vec<_>>(),
        vec![("Front desk", 3), ("Zed closer", 1)]
    );

    // Renaming re-sorts the table by agent (the sort key follows the name).
    agents.rename(w.workspace.id, front.id, "Aardvark").unwrap();
    let by_agent = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Agent,
            descending: true,
        },
    );
    assert_eq!(by_agent[0].inbound_agent.as_ref().unwrap().name, "Aardvark");

    // Deleting an agent that holds numbers says which, and changes nothing until confirmed.
    let error = agents.delete(w.workspace.id, front.id, false).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("3 numbers"), "{text}");
    for holding in &holdings {
        assert!(text.contains(&holding.e164), "{text}");
    }
    assert_eq!(agents.list(w.workspace.id).unwrap().len(), 2);
    let lost = agents.delete(w.workspace.id, front.id, true).unwrap();
    assert_eq!(lost.len(), 3);
    let after = w.all(NumberFilter::default(), Sort::default());
    assert!(after
        .iter()
        .all(|r| r.inbound_agent.is_none() && r.sms_agent.is_none()));
    // The agent sort key went with it (the trigger follows ON DELETE SET NULL).
    let by_agent = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Agent,
            descending: true,
        },
    );
    assert!(by_agent.iter().all(|r| r.inbound_agent.is_none()));
    // An agent holding nothing goes without asking.
    let spare = agents.create(w.workspace.id, "Spare").unwrap();
    assert!(agents
        .delete(w.workspace.id, spare.id, false)
        .unwrap()
        .is_empty());

    // Every change is in the audit log with its numbers and before/after.
    let assignments = w.audit(AuditAction::Assignment);
    assert_eq!(assignments.len(), 3);
    let first = assignments.last().unwrap();
    assert_eq!(first.number_count, 2);
    assert!(first.after_json.as_deref().unwrap().contains("Front desk"));
    assert_eq!(w.audit(AuditAction::AgentCreated).len(), 3);
    assert_eq!(w.audit(AuditAction::AgentRenamed).len(), 2);
    assert_eq!(w.audit(AuditAction::AgentDeleted).len(), 2);
    assert_eq!(w.audit(AuditAction::OutboundSwitch).len(), 1);
}
