//! Telnyx API v2 JSON, field for field, and its conversion to NumberDesk's domain types. Nothing
//! here leaves the `telnyx` module.
//!
//! Replies are `{"data": ..., "meta": ...}`; errors `{"errors": [{code, title, detail, source}]}`
//! with `code` a string. The spec marks almost nothing required, so every field is optional and
//! unknown fields are ignored.

use crate::domain::e164::E164;
use serde::{Deserialize, Deserializer, Serialize};

use crate::carriers::{
    non_empty, AvailableNumber, Balance, CarrierBundle, Features, MessagingAssignment,
    MessagingProfile, Money, NumberOrder, NumberState, NumberType, OrderStatus, OrderedNumber,
    OwnedNumber, Routing, TelnyxRouting, TexmlApplication, WebhookMethod,
};

fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(non_empty(Option::<String>::deserialize(deserializer)?))
}

fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Option::<bool>::deserialize(deserializer)
}

fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// `{"data": T}`.
#[derive(Debug, Deserialize)]
pub(super) struct Single<T> {
    pub data: T,
}

/// `{"data": [T], "meta": PaginationMeta}`.
#[derive(Debug, Deserialize)]
pub(super) struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub meta: Option<PageMeta>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(super) struct PageMeta {
    #[serde(default)]
    pub total_pages: Option<u64>,
    #[serde(default)]
    pub total_results: Option<u64>,
}

/// `numbers_Errors` and its twins.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Errors {
    #[serde(default, deserialize_with = "list")]
    pub errors: Vec<Error>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Error {
    #[serde(default)]
    pub code: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "text")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub detail: Option<String>,
    #[serde(default)]
    pub source: Option<ErrorSource>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorSource {
    #[serde(default, deserialize_with = "text")]
    pub pointer: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub parameter: Option<String>,
}

impl Error {
    /// The code as text (documented as a string; tolerated as a number).
    pub fn code(&self) -> Option<String> {
        match &self.code {
            Some(serde_json::Value::String(code)) => non_empty(Some(code.clone())),
            Some(serde_json::Value::Number(code)) => Some(code.to_string()),
            _ => None,
        }
    }

    pub fn pointer(&self) -> Option<&str> {
        self.source
            .as_ref()
            .and_then(|source| source.pointer.as_deref())
    }

    /// The most useful words: the detail, else the title, naming the query parameter at fault.
    pub fn message(&self) -> Option<String> {
        let words = self.detail.clone().or_else(|| self.title.clone())?;
        let parameter = self
            .source
            .as_ref()
            .and_then(|source| source.parameter.as_deref());
        Some(match parameter {
            Some(parameter) if !words.contains(parameter) => format!("{words} ({parameter})"),
            _ => words,
        })
    }
}

/// Telnyx's number type words, legacy ones included.
pub(super) fn number_type(text: &str) -> Option<NumberType> {
    Some(match text {
        "local" | "longcode" => NumberType::Local,
        "toll_free" | "tollfree" => NumberType::TollFree,
        "mobile" => NumberType::Mobile,
        "national" => NumberType::National,
        "shared_cost" => NumberType::SharedCost,
        "landline" => NumberType::Landline,
        "shortcode" => NumberType::ShortCode,
        _ => return None,
    })
}

/// The `filter[phone_number_type]` value of a type; `None` for types Telnyx does not search.
pub(super) fn number_type_filter(number_type: NumberType) -> Option<&'static str> {
    Some(match number_type {
        NumberType::Local => "local",
        NumberType::TollFree => "toll_free",
        NumberType::Mobile => "mobile",
        NumberType::National => "national",
        NumberType::SharedCost => "shared_cost",
        _ => return None,
    })
}

/// `PhoneNumberDetailed` (and `PhoneNumberDeletedDetailed`).
#[derive(Debug, Deserialize)]
pub(super) struct PhoneNumber {
    pub id: String,
    pub phone_number: E164,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "text")]
    pub connection_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub connection_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub messaging_profile_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub messaging_profile_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub country_iso_alpha2: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub phone_number_type: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub customer_reference: Option<String>,
}

impl PhoneNumber {
    pub fn state(&self) -> NumberState {
        match self.status.as_deref() {
            Some("active") => NumberState::Active,
            Some(
                "purchase-pending"
                | "port-pending"
                | "provision-pending"
                | "requirement-info-pending"
                | "requirement-info-under-review"
                | "requirement-info-exception",
            ) => NumberState::Pending,
            Some("purchase-failed" | "port-failed") => NumberState::Failed,
            _ => NumberState::Other,
        }
    }

    pub fn into_domain(self) -> OwnedNumber {
        let state = self.state();
        OwnedNumber {
            carrier_id: self.id,
            e164: self.phone_number,
            friendly_name: self.customer_reference,
            number_type: self.phone_number_type.as_deref().and_then(number_type),
            region: self.country_iso_alpha2,
            // PhoneNumberDetailed carries no capabilities.
            features: None,
            state,
            routing: Routing::Telnyx(TelnyxRouting {
                connection_id: self.connection_id,
                messaging_profile_id: self.messaging_profile_id,
                tags: self.tags,
                connection_name: self.connection_name,
                messaging_profile_name: self.messaging_profile_name,
            }),
        }
    }
}

/// `UpdatePhoneNumberRequest`: only what is set is sent.
#[derive(Debug, Default, Serialize)]
pub(super) struct UpdatePhoneNumberRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<&'a str>,
}

/// `UpdatePhoneNumberMessagingSettingsRequest`: `""` unassigns the profile.
#[derive(Debug, Serialize)]
pub(super) struct UpdateMessagingRequest<'a> {
    pub messaging_profile_id: &'a str,
}

/// `PhoneNumberWithMessagingSettings`, the part NumberDesk reads.
#[derive(Debug, Deserialize)]
pub(super) struct MessagingSettings {
    pub id: String,
    pub phone_number: E164,
    #[serde(default, deserialize_with = "text")]
    pub messaging_profile_id: Option<String>,
}

impl MessagingSettings {
    pub fn into_domain(self) -> MessagingAssignment {
        MessagingAssignment {
            carrier_id: self.id,
            e164: self.phone_number,
            messaging_profile_id: self.messaging_profile_id,
        }
    }
}

/// `TexmlApplication`.
#[derive(Debug, Deserialize)]
pub(super) struct Texml {
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub record_type: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub friendly_name: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "text")]
    pub voice_url: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub voice_method: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status_callback: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status_callback_method: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<String>,
}

impl Texml {
    pub fn into_domain(self) -> TexmlApplication {
        TexmlApplication {
            name: self.friendly_name.unwrap_or_else(|| self.id.clone()),
            id: self.id,
            active: self.active.unwrap_or(true),
            voice_url: self.voice_url,
            voice_method: self.voice_method.as_deref().and_then(WebhookMethod::parse),
            status_callback: self.status_callback,
            status_callback_method: self
                .status_callback_method
                .as_deref()
                .and_then(WebhookMethod::parse),
            tags: self.tags,
        }
    }
}

/// `MessagingProfile`, the part NumberDesk reads.
#[derive(Debug, Deserialize)]
pub(super) struct Profile {
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "text")]
    pub webhook_url: Option<String>,
}

impl Profile {
    pub fn into_domain(self) -> MessagingProfile {
        MessagingProfile {
            name: self.name.unwrap_or_else(|| self.id.clone()),
            id: self.id,
            enabled: self.enabled.unwrap_or(true),
            webhook_url: self.webhook_url,
        }
    }
}

/// `UserBalance`.
#[derive(Debug, Deserialize)]
pub(super) struct UserBalance {
    #[serde(default, deserialize_with = "text")]
    pub balance: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub credit_limit: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub available_credit: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub currency: Option<String>,
}

impl UserBalance {
    pub fn into_domain(self) -> Balance {
        let currency = self.currency.unwrap_or_else(|| "USD".to_string());
        let money = |amount: Option<String>| amount.map(|amount| Money::new(amount, &currency));
        Balance {
            balance: Money::new(
                self.balance.clone().unwrap_or_else(|| "0".to_string()),
                &currency,
            ),
            available_credit: money(self.available_credit),
            credit_limit: money(self.credit_limit),
        }
    }
}

/// `GET /available_phone_numbers`: `meta`, or `metadata` with the same shape.
#[derive(Debug, Deserialize)]
pub(super) struct AvailablePage {
    pub data: Vec<Available>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Available {
    pub phone_number: E164,
    #[serde(default, deserialize_with = "text")]
    pub vanity_format: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub region_information: Vec<RegionInformation>,
    #[serde(default)]
    pub cost_information: Option<CostInformation>,
    #[serde(default, deserialize_with = "list")]
    pub features: Vec<Feature>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RegionInformation {
    #[serde(default, deserialize_with = "text")]
    pub region_type: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub region_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct CostInformation {
    #[serde(default, deserialize_with = "text")]
    pub upfront_cost: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub monthly_cost: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Feature {
    #[serde(default, deserialize_with = "text")]
    pub name: Option<String>,
}

impl Available {
    pub fn into_domain(self, searched_type: Option<NumberType>) -> AvailableNumber {
        let region = |kind: &str| {
            self.region_information
                .iter()
                .find(|info| info.region_type.as_deref() == Some(kind))
                .and_then(|info| info.region_name.clone())
        };
        let country = region("country_code");
        let state = region("state");
        let locality = region("location").or_else(|| region("rate_center"));
        let mut features = Features::default();
        for feature in &self.features {
            match feature.name.as_deref() {
                Some("voice") => features.voice = true,
                Some("sms") => features.sms = true,
                Some("mms") => features.mms = true,
                _ => {}
            }
        }
        let (monthly_cost, upfront_cost) = match self.cost_information {
            Some(cost) => {
                let currency = cost.currency.unwrap_or_else(|| "USD".to_string());
                (
                    cost.monthly_cost
                        .map(|amount| Money::new(amount, &currency)),
                    cost.upfront_cost
                        .map(|amount| Money::new(amount, &currency)),
                )
            }
            None => (None, None),
        };
        AvailableNumber {
            e164: self.phone_number,
            friendly_name: self.vanity_format,
            country,
            region: state,
            locality,
            number_type: searched_type,
            features,
            monthly_cost,
            upfront_cost,
            address_requirement: None,
        }
    }
}

/// `CreateNumberOrderRequest`.
#[derive(Debug, Serialize)]
pub(super) struct CreateNumberOrderRequest<'a> {
    pub phone_numbers: Vec<OrderPhoneNumber<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging_profile_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub(super) struct OrderPhoneNumber<'a> {
    pub phone_number: &'a str,
    /// An approved requirement group, for a number whose country asks for requirements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement_group_id: Option<&'a str>,
}

/// `DocReqsRequirement`: only what it applies to matters here.
#[derive(Debug, Deserialize)]
pub(super) struct Requirement {
    #[serde(default, deserialize_with = "text")]
    pub phone_number_type: Option<String>,
}

impl Requirement {
    /// A requirement with no type applies to every type.
    pub fn applies_to(&self, kind: NumberType) -> bool {
        self.phone_number_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map_or(true, |t| t.eq_ignore_ascii_case(kind.as_str()))
    }
}

/// `RequirementGroup`.
#[derive(Debug, Deserialize)]
pub(super) struct RequirementGroup {
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub customer_reference: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
}

impl RequirementGroup {
    pub fn into_domain(self) -> CarrierBundle {
        CarrierBundle {
            sid: self.id,
            friendly_name: self.customer_reference,
            status: self.status.unwrap_or_default(),
        }
    }
}

/// `NumberOrderWithPhoneNumbers`, and `NumberOrder` of the list (whose lines carry no status).
#[derive(Debug, Deserialize)]
pub(super) struct Order {
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub phone_numbers: Vec<OrderLine>,
    #[serde(default, deserialize_with = "text")]
    pub connection_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub messaging_profile_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub customer_reference: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub created_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OrderLine {
    pub phone_number: E164,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub phone_number_type: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub requirements_met: Option<bool>,
    #[serde(default, deserialize_with = "text")]
    pub requirements_status: Option<String>,
}

fn order_status(text: Option<&str>) -> Option<OrderStatus> {
    Some(match text? {
        "pending" => OrderStatus::Pending,
        "success" => OrderStatus::Success,
        "failure" => OrderStatus::Failure,
        _ => return None,
    })
}

impl Order {
    /// `None` when the order's status is missing or unknown.
    pub fn into_domain(self) -> Option<NumberOrder> {
        let status = order_status(self.status.as_deref())?;
        let failure_reason = (status == OrderStatus::Failure).then(|| {
            let unmet: Vec<String> = self
                .phone_numbers
                .iter()
                .filter(|line| {
                    line.requirements_met == Some(false)
                        || line.status.as_deref() == Some("failure")
                })
                .map(|line| match &line.requirements_status {
                    Some(requirements) => {
                        format!("{} (requirements {requirements})", line.phone_number)
                    }
                    None => line.phone_number.to_string(),
                })
                .collect();
            if unmet.is_empty() {
                "Telnyx marked the order as failed".to_string()
            } else {
                format!(
                    "Telnyx could not complete the order for {}",
                    unmet.join(", ")
                )
            }
        });
        Some(NumberOrder {
            id: self.id,
            status,
            numbers: self
                .phone_numbers
                .into_iter()
                .map(|line| OrderedNumber {
                    status: order_status(line.status.as_deref()),
                    number_type: line.phone_number_type.as_deref().and_then(number_type),
                    requirements_met: line.requirements_met,
                    e164: line.phone_number,
                })
                .collect(),
            failure_reason,
            connection_id: self.connection_id,
            messaging_profile_id: self.messaging_profile_id,
            customer_reference: self.customer_reference,
            created_at: self.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_number_page_parses_the_documented_shape() {
        let body = r#"{"data": [{
            "id": "1293384261075731499", "record_type": "phone_number", "phone_number": "+19705555098",
            "status": "active", "tags": ["tag_1"], "external_pin": "1234",
            "connection_id": "1293384261075731499", "connection_name": "connection-name",
            "customer_reference": "customer-reference", "messaging_profile_id": "abc85f64-5717-4562-b3fc-2c9600000000",
            "messaging_profile_name": "regional-customers", "billing_group_id": null,
            "emergency_enabled": true, "emergency_address_id": "1315261609962112019",
            "call_forwarding_enabled": true, "cnam_listing_enabled": true,
            "caller_id_name_enabled": true, "call_recording_enabled": true,
            "t38_fax_gateway_enabled": true, "phone_number_type": "tollfree",
            "inbound_call_screening": "disabled", "purchased_at": "2019-10-23T18:10:00.000Z",
            "created_at": "2019-10-23T18:10:00.000Z", "updated_at": "2019-10-24T18:10:00.000Z",
            "country_iso_alpha2": "US", "deletion_lock_enabled": false}],
          "meta": {"total_pages": 3, "total_results": 55, "page_number": 2, "page_size": 25}}"#;
        let page: Page<PhoneNumber> = serde_json::from_str(body).unwrap();
        assert_eq!(page.meta.unwrap().total_pages, Some(3));
        let number = page.data.into_iter().next().unwrap().into_domain();
        assert_eq!(
            number.number_type,
            Some(NumberType::TollFree),
            "legacy tollfree"
        );
        assert_eq!(number.region.as_deref(), Some("US"));
        assert_eq!(number.state, NumberState::Active);
        let Routing::Telnyx(routing) = number.routing else {
            panic!("telnyx routing")
        };
        assert_eq!(
            routing.connection_id.as_deref(),
            Some("1293384261075731499")
        );
        assert_eq!(routing.tags, vec!["tag_1".to_string()]);
    }

    #[test]
    fn errors_parse_with_string_or_number_codes() {
        let body = r#"{"errors":[{"code":"10009","title":"Authentication failed",
            "detail":"Could not understand the provided credentials.",
            "meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10009"}}]}"#;
        let errors: Errors = serde_json::from_str(body).unwrap();
        assert_eq!(errors.errors[0].code().as_deref(), Some("10009"));
        let errors: Errors = serde_json::from_str(
            r#"{"errors":[{"code":10015,"title":"Bad Request","source":{"pointer":"/phone_numbers/0/phone_number"}}]}"#,
        )
        .unwrap();
        assert_eq!(errors.errors[0].code().as_deref(), Some("10015"));
        assert_eq!(
            errors.errors[0].pointer(),
            Some("/phone_numbers/0/phone_number")
        );
        assert_eq!(errors.errors[0].message().as_deref(), Some("Bad Request"));
    }

    #[test]
    fn available_numbers_carry_region_cost_and_features() {
        let body = r#"{"data":[{"record_type":"available_phone_number","phone_number":"+19705555098",
            "vanity_format":"","best_effort":false,"quickship":true,"reservable":true,
            "region_information":[{"region_type":"country_code","region_name":"US"},
              {"region_type":"state","region_name":"CO"},{"region_type":"location","region_name":"Denver"}],
            "cost_information":{"upfront_cost":"3.21","monthly_cost":"6.54","currency":"USD"},
            "features":[{"name":"sms"},{"name":"voice"}]}],
          "meta":{"total_results":1,"best_effort_results":0},"metadata":{"total_results":1,"best_effort_results":0}}"#;
        let page: AvailablePage = serde_json::from_str(body).unwrap();
        let number = page
            .data
            .into_iter()
            .next()
            .unwrap()
            .into_domain(Some(NumberType::Local));
        assert_eq!(number.country.as_deref(), Some("US"));
        assert_eq!(number.region.as_deref(), Some("CO"));
        assert_eq!(number.locality.as_deref(), Some("Denver"));
        assert_eq!(number.friendly_name, None);
        assert_eq!(
            number.features,
            Features {
                voice: true,
                sms: true,
                mms: false
            }
        );
        assert_eq!(number.monthly_cost.unwrap().cents(), Some(654));
    }

    #[test]
    fn orders_map_status_and_failure_reasons() {
        let body = r#"{"data":{"id":"12ade33a-21c0-473b-b055-b3c836e1c292","record_type":"number_order",
            "phone_numbers_count":1,"status":"failure","requirements_met":false,
            "phone_numbers":[{"id":"dc8e4d67-33a0-4b78-8f9f-2bd1d05a6e95","record_type":"number_order_phone_number",
              "phone_number":"+19705555098","status":"failure","requirements_met":false,
              "requirements_status":"requirement-info-exception","phone_number_type":"local"}],
            "connection_id":"346789098765567","messaging_profile_id":"abc85f64-5717-4562-b3fc-2c963f66afa6",
            "created_at":"2018-01-01T00:00:00.000000Z"}}"#;
        let order: Single<Order> = serde_json::from_str(body).unwrap();
        let order = order.data.into_domain().unwrap();
        assert_eq!(order.status, OrderStatus::Failure);
        assert_eq!(order.numbers[0].status, Some(OrderStatus::Failure));
        assert!(order
            .failure_reason
            .unwrap()
            .contains("+19705555098 (requirements requirement-info-exception)"));
    }

    #[test]
    fn update_requests_send_only_what_is_set() {
        let tags = vec!["a".to_string()];
        let body = UpdatePhoneNumberRequest {
            connection_id: Some("123"),
            tags: Some(&tags),
            customer_reference: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"connection_id":"123","tags":["a"]}"#
        );
    }

    #[test]
    fn texml_methods_are_lowercase_on_the_wire() {
        let app: Single<Texml> = serde_json::from_str(
            r#"{"data":{"id":"1293384261075731499","record_type":"texml_application","friendly_name":"call-router",
            "active":false,"voice_url":"https://example.com","voice_method":"get","status_callback_method":"post","tags":["tag1"]}}"#,
        )
        .unwrap();
        let app = app.data.into_domain();
        assert_eq!(app.voice_method, Some(WebhookMethod::Get));
        assert_eq!(app.status_callback_method, Some(WebhookMethod::Post));
        assert!(!app.active);
    }
}
