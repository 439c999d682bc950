//! Buying from Telnyx: the number search, and number orders placed, fetched and listed.

use reqwest::Method;

use super::client::{TelnyxClient, TelnyxOrderRequest, CARRIER};
use super::wire;
use crate::carriers::http::{text_filters, Context, Safety};
use crate::carriers::{
    AvailableNumber, CarrierBundle, CarrierError, NumberOrder, NumberSearch, NumberType,
};

impl TelnyxClient {
    /// `GET /available_phone_numbers` with its `filter[...]` parameters (not paged; `limit`
    /// caps the results).
    pub async fn search_available(
        &self,
        search: &NumberSearch,
    ) -> Result<Vec<AvailableNumber>, CarrierError> {
        let mut url = self.url(&["available_phone_numbers"]);
        {
            let mut query = url.query_pairs_mut();
            let country = search.country.trim().to_ascii_uppercase();
            if !country.is_empty() {
                query.append_pair("filter[country_code]", &country);
            }
            let names = [
                "filter[national_destination_code]",
                "filter[phone_number][contains]",
                "filter[administrative_area]",
                "filter[locality]",
            ];
            for (name, value) in text_filters(search, names) {
                query.append_pair(name, value);
            }
            if let Some(number_type) = search.number_type {
                match wire::number_type_filter(number_type) {
                    Some(filter) => {
                        query.append_pair("filter[phone_number_type]", filter);
                    }
                    None => {
                        return Err(CarrierError::Rejected {
                            carrier: CARRIER,
                            status: 400,
                            code: None,
                            message: format!(
                                "Telnyx does not sell {} numbers",
                                number_type.as_str()
                            ),
                        })
                    }
                }
            }
            let features: Vec<&str> = [
                ("voice", search.features.voice),
                ("sms", search.features.sms),
                ("mms", search.features.mms),
            ]
            .into_iter()
            .filter_map(|(name, wanted)| wanted.then_some(name))
            .collect();
            if !features.is_empty() {
                query.append_pair("filter[features]", &features.join(","));
            }
            if let Some(limit) = search.limit {
                query.append_pair("filter[limit]", &limit.max(1).to_string());
            }
        }
        let page: wire::AvailablePage = self
            .api()
            .get(&url, &Context::about("numbers on sale"))
            .await?;
        Ok(page
            .data
            .into_iter()
            .map(|number| number.into_domain(search.number_type))
            .collect())
    }

    /// `POST /number_orders`. Sent once: after a timeout, a dropped connection or a 5xx the order
    /// may exist, so look for it ([`TelnyxClient::list_number_orders`] with the customer
    /// reference, or [`TelnyxClient::find_phone_number`]) before ordering again.
    pub async fn create_number_order(
        &self,
        order: &TelnyxOrderRequest,
    ) -> Result<NumberOrder, CarrierError> {
        let body = wire::CreateNumberOrderRequest {
            phone_numbers: order
                .phone_numbers
                .iter()
                .map(|number| wire::OrderPhoneNumber {
                    phone_number: number,
                    requirement_group_id: order.requirement_group_id.as_deref(),
                })
                .collect(),
            connection_id: order.connection_id.as_deref(),
            messaging_profile_id: order.messaging_profile_id.as_deref(),
            customer_reference: order.customer_reference.as_deref(),
        };
        let context = Context {
            what: "number order".into(),
            numbers: &order.phone_numbers,
        };
        let created: wire::Single<wire::Order> = self
            .send_json(
                Safety::Once,
                Method::POST,
                &self.url(&["number_orders"]),
                &body,
                &context,
            )
            .await?;
        order_from(created.data)
    }

    pub async fn number_order(&self, id: &str) -> Result<NumberOrder, CarrierError> {
        let context = Context::about(format!("number order {id}"));
        let order: wire::Single<wire::Order> = self
            .api()
            .get(&self.url(&["number_orders", id]), &context)
            .await?;
        order_from(order.data)
    }

    /// Whether Telnyx asks for regulatory requirements before ordering a number of this
    /// country and type (`GET /requirements`, action `ordering`). Asked by country only: the
    /// type filter knows no `mobile`, and a requirement with no type applies to every type.
    pub async fn needs_requirements(
        &self,
        iso_country: &str,
        number_type: NumberType,
    ) -> Result<bool, CarrierError> {
        let mut url = self.url(&["requirements"]);
        url.query_pairs_mut()
            .append_pair("filter[country_code]", iso_country)
            .append_pair("filter[action]", "ordering")
            .append_pair("page[size]", "250");
        let found: wire::Page<wire::Requirement> = self
            .api()
            .get(&url, &Context::about("requirement list"))
            .await?;
        Ok(found
            .data
            .iter()
            .any(|requirement| requirement.applies_to(number_type)))
    }

    /// The account's approved requirement groups for ordering numbers of this country and
    /// type (`GET /requirement_groups`, which answers with a bare array), as bundles to pick.
    pub async fn list_requirement_groups(
        &self,
        iso_country: &str,
        number_type: NumberType,
    ) -> Result<Vec<CarrierBundle>, CarrierError> {
        let mut url = self.url(&["requirement_groups"]);
        url.query_pairs_mut()
            .append_pair("filter[country_code]", iso_country)
            .append_pair("filter[phone_number_type]", number_type.as_str())
            .append_pair("filter[action]", "ordering")
            .append_pair("filter[status]", "approved");
        let groups: Vec<wire::RequirementGroup> = self
            .api()
            .get(&url, &Context::about("requirement group list"))
            .await?;
        Ok(groups
            .into_iter()
            .map(wire::RequirementGroup::into_domain)
            .collect())
    }

    /// Every number order, optionally only those with this customer reference. Lines in a list
    /// carry no per-number status; fetch an order for it.
    pub async fn list_number_orders(
        &self,
        customer_reference: Option<&str>,
    ) -> Result<Vec<NumberOrder>, CarrierError> {
        let filters: Vec<(&str, &str)> = customer_reference
            .map(|reference| ("filter[customer_reference]", reference))
            .into_iter()
            .collect();
        self.list_all(
            &["number_orders"],
            &filters,
            &Context::about("number order list"),
            |order: &wire::Order| &order.id,
            order_from,
        )
        .await
    }
}

fn order_from(order: wire::Order) -> Result<NumberOrder, CarrierError> {
    order
        .into_domain()
        .ok_or_else(|| CarrierError::NotUnderstood {
            carrier: CARRIER,
            detail: "a number order has no known status".to_string(),
        })
}
