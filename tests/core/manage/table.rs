//! The numbers table through the core: filters, sorts, pages, "select all", the rows of a
//! selection and the CSV of the filtered view.

use numberdesk::domain::ids::PhoneNumberId;
use numberdesk::domain::kinds::{CarrierKind, NumberStatus};
use numberdesk::flows::import::WebhookMode;
use numberdesk::flows::manage::agents::{AgentSlot, Agents};
use numberdesk::flows::manage::table::{
    AgentFilter, NumberFilter, NumberQuery, Sort, SortColumn, CSV_HEADER,
};

use super::world;

#[tokio::test]
async fn table_filters_sorts_pages_and_exports_the_filtered_view() {
    let w = world(40).await;
    let twilio = w
        .connect_and_import(&w.twilio_form(), 25, WebhookMode::OutboundOnly)
        .await;
    let _telnyx = w
        .connect_and_import(&w.telnyx_form(), 10, WebhookMode::OutboundOnly)
        .await;
    let agents = Agents::new(&w.core);
    let sales = agents.create(w.workspace.id, "Sales").unwrap();
    let support = agents.create(w.workspace.id, "Support").unwrap();
    let all = w.all(NumberFilter::default(), Sort::default());
    assert_eq!(all.len(), 35);
    let first_five: Vec<PhoneNumberId> = all.iter().take(5).map(|r| r.id).collect();
    agents
        .assign(
            w.workspace.id,
            &first_five,
            AgentSlot::Inbound,
            Some(sales.id),
        )
        .unwrap();
    agents
        .assign(
            w.workspace.id,
            &[all[10].id],
            AgentSlot::Sms,
            Some(support.id),
        )
        .unwrap();

    // Carrier filter.
    let only_telnyx = w.all(
        NumberFilter {
            carriers: vec![CarrierKind::Telnyx],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(only_telnyx.len(), 10);
    assert!(only_telnyx.iter().all(|r| r.carrier == CarrierKind::Telnyx));

    // Text filter: digits of a number, typed with punctuation.
    let target = &twilio.listed[3].e164;
    let digits = &target[target.len() - 7..];
    let typed = format!("{}-{}", &digits[..3], &digits[3..]);
    let found = w.all(
        NumberFilter {
            text: Some(typed),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert!(found.iter().any(|r| &r.e164 == target), "{found:?}");

    // Agent filters.
    let by_sales = w.all(
        NumberFilter {
            agent: Some(AgentFilter::Agent(sales.id)),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(by_sales.len(), 5);
    assert!(by_sales
        .iter()
        .all(|r| r.inbound_agent.as_ref().map(|a| a.name.as_str()) == Some("Sales")));
    let by_support = w.all(
        NumberFilter {
            agent: Some(AgentFilter::Agent(support.id)),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(by_support.len(), 1);
    let unassigned = w.all(
        NumberFilter {
            agent: Some(AgentFilter::Unassigned),
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(unassigned.len(), 29);

    // Status and type filters.
    let active = w.all(
        NumberFilter {
            statuses: vec![NumberStatus::Active],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(active.len(), 35);
    let missing = w.all(
        NumberFilter {
            statuses: vec![NumberStatus::Missing],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert!(missing.is_empty());

    // Every column sorts both ways, and pages of 7 walk the same order without overlap or gap.
    for column in SortColumn::ALL {
        for descending in [false, true] {
            let sort = Sort { column, descending };
            let whole: Vec<PhoneNumberId> = w
                .all(NumberFilter::default(), sort)
                .iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(whole.len(), 35);
            let mut paged = Vec::new();
            let mut offset = 0;
            loop {
                let page = w
                    .table()
                    .page(
                        w.workspace.id,
                        &NumberQuery {
                            filter: NumberFilter::default(),
                            sort,
                            offset,
                            limit: 7,
                        },
                    )
                    .unwrap();
                assert_eq!(page.total, 35);
                if page.rows.is_empty() {
                    break;
                }
                offset += page.rows.len() as i64;
                paged.extend(page.rows.iter().map(|r| r.id));
            }
            assert_eq!(paged, whole, "{column:?} descending={descending}");
        }
    }
    let by_number = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Number,
            descending: true,
        },
    );
    assert!(by_number.windows(2).all(|p| p[0].e164 >= p[1].e164));
    // Agent sort puts the five Sales numbers together, after the unassigned (NULL sorts first).
    let by_agent = w.all(
        NumberFilter::default(),
        Sort {
            column: SortColumn::Agent,
            descending: true,
        },
    );
    assert!(
        by_agent[..5]
            .iter()
            .all(|r| r.inbound_agent.as_ref().map(|a| a.id) == Some(sales.id)),
        "{:?}",
        by_agent
            .iter()
            .map(|r| (r.id, r.inbound_agent.clone()))
            .collect::<Vec<_>>()
    );

    // "Select all" of a filtered view.
    let ids = w
        .table()
        .ids(
            w.workspace.id,
            &NumberFilter {
                carriers: vec![CarrierKind::Twilio],
                ..NumberFilter::default()
            },
        )
        .unwrap();
    assert_eq!(ids.len(), 25);

    // The rows behind such a selection, for actions on rows the table never loaded: the same
    // rows as the filtered view, by number; an id that is not in the workspace is left out.
    let mut asked = ids.clone();
    asked.push(PhoneNumberId(i64::MAX));
    let rows = w.table().rows(w.workspace.id, &asked).unwrap();
    let twilio_by_number = w.all(
        NumberFilter {
            carriers: vec![CarrierKind::Twilio],
            ..NumberFilter::default()
        },
        Sort::default(),
    );
    assert_eq!(
        rows.iter()
            .map(|r| (r.id, r.e164.to_string(), r.status))
            .collect::<Vec<_>>(),
        twilio_by_number
            .iter()
            .map(|r| (r.id, r.e164.to_string(), r.status))
            .collect::<Vec<_>>()
    );
    assert!(w.table().rows(w.workspace.id, &[]).unwrap().is_empty());

    // CSV of the filtered view: header, one line per number, agents by name.
    let mut csv_bytes = Vec::new();
    let written = w
        .table()
        .export_csv(
            w.workspace.id,
            &NumberFilter {
                agent: Some(AgentFilter::Agent(sales.id)),
                ..NumberFilter::default()
            },
            Sort::default(),
            &mut csv_bytes,
        )
        .unwrap();
    assert_eq!(written, 5);
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, CSV_HEADER.map(str::to_owned).to_vec());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 5);
    for (record, row) in records.iter().zip(&by_sales) {
        assert_eq!(&record[0], row.e164.as_str());
        assert_eq!(&record[2], row.carrier.as_str());
        assert_eq!(Some(&record[3]), row.connection_name.as_deref());
        assert_eq!(&record[4], "imported");
        assert_eq!(&record[5], "Active");
        assert_eq!(&record[9], "Sales");
        assert_eq!(&record[12], "yes");
        assert_eq!(&record[14], "outbound_only");
    }

    // Offline: the sync times are there, from the local database only.
    let times = w.table().sync_times(w.workspace.id).unwrap();
    assert_eq!(times.len(), 2);
    assert!(times.iter().all(|t| t.last_synced_at.is_none()));
}
