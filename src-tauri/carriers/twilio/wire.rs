//! Twilio's JSON, field for field (v2010 core API, Pricing v1, Routes v2), and its conversion to
//! NumberDesk's domain types. Nothing here leaves the `twilio` module.
//!
//! Twilio sends `""` and `null` alike for "not set"; capabilities come as `sms` or `SMS`;
//! prices come as strings or numbers. Every field is optional and unknown fields are ignored.

use std::collections::BTreeMap;

use crate::domain::e164::E164;
use serde::{Deserialize, Deserializer};

use crate::carriers::{
    non_empty, AccountStatus, AddressRequirement, AvailableCountry, AvailableNumber,
    CarrierAddress, CarrierBundle, CountryPricing, Features, InboundRegion, Money, NumberPrice,
    NumberState, NumberType, OwnedNumber, Routing, TwilioRouting, WebhookMethod,
};

/// `""` and `null` both become `None`.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(non_empty(Option::<String>::deserialize(deserializer)?))
}

/// A decimal that Twilio writes as a string or a number.
fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Decimal {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Option::<Decimal>::deserialize(deserializer)? {
        Some(Decimal::Text(text)) => non_empty(Some(text)),
        Some(Decimal::Number(number)) => Some(number.to_string()),
        None => None,
    })
}

/// A boolean that may be `null`.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(deserializer)?.unwrap_or(false))
}

/// The error body of v2010, Pricing and Routes, and the RFC 9457 shape of newer services.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub code: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "text")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub detail: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub title: Option<String>,
}

impl ErrorBody {
    /// The numeric Twilio error code (sent as a number; tolerated as a string).
    pub fn code(&self) -> Option<u32> {
        match &self.code {
            Some(serde_json::Value::Number(number)) => {
                number.as_u64().and_then(|n| u32::try_from(n).ok())
            }
            Some(serde_json::Value::String(text)) => text.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn message(&self) -> Option<String> {
        self.message
            .clone()
            .or_else(|| self.detail.clone())
            .or_else(|| self.title.clone())
    }
}

/// `GET /2010-04-01/Accounts/{Sid}.json`. The `auth_token` field it also carries is
/// deliberately not read.
#[derive(Debug, Deserialize)]
pub(super) struct Account {
    #[serde(default, deserialize_with = "text")]
    pub sid: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub friendly_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "text")]
    pub kind: Option<String>,
}

impl Account {
    pub fn status(&self) -> AccountStatus {
        match self.status.as_deref() {
            Some("active") => AccountStatus::Active,
            Some("suspended") => AccountStatus::Suspended,
            Some("closed") => AccountStatus::Closed,
            _ => AccountStatus::Unknown,
        }
    }

    pub fn trial(&self) -> Option<bool> {
        self.kind
            .as_deref()
            .map(|kind| kind.eq_ignore_ascii_case("trial"))
    }
}

/// `capabilities` of owned and available numbers: lowercase on IncomingPhoneNumbers, `SMS` and
/// `MMS` upper case on AvailablePhoneNumbers, `Voice` in some examples.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Capabilities {
    #[serde(default, alias = "Voice", alias = "VOICE", deserialize_with = "flag")]
    pub voice: bool,
    #[serde(default, alias = "SMS", alias = "Sms", deserialize_with = "flag")]
    pub sms: bool,
    #[serde(default, alias = "MMS", alias = "Mms", deserialize_with = "flag")]
    pub mms: bool,
}

impl From<Capabilities> for Features {
    fn from(capabilities: Capabilities) -> Features {
        Features {
            voice: capabilities.voice,
            sms: capabilities.sms,
            mms: capabilities.mms,
        }
    }
}

/// The v2010 list envelope of `IncomingPhoneNumbers.json`.
#[derive(Debug, Deserialize)]
pub(super) struct IncomingPhoneNumberPage {
    pub incoming_phone_numbers: Vec<IncomingPhoneNumber>,
    #[serde(default, deserialize_with = "text")]
    pub next_page_uri: Option<String>,
}

/// `api.v2010.account.incoming_phone_number`.
#[derive(Debug, Deserialize)]
pub(super) struct IncomingPhoneNumber {
    pub sid: String,
    pub phone_number: E164,
    #[serde(default, deserialize_with = "text")]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub capabilities: Option<Capabilities>,
    #[serde(default, deserialize_with = "text")]
    pub voice_url: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub voice_method: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub sms_url: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub sms_method: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status_callback: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status_callback_method: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub voice_application_sid: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub sms_application_sid: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub trunk_sid: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "text")]
    pub kind: Option<String>,
}

impl IncomingPhoneNumber {
    pub fn into_domain(self) -> OwnedNumber {
        let method = |text: &Option<String>| text.as_deref().and_then(WebhookMethod::parse);
        let routing = TwilioRouting {
            voice_method: method(&self.voice_method),
            sms_method: method(&self.sms_method),
            status_callback_method: method(&self.status_callback_method),
            voice_url: self.voice_url,
            sms_url: self.sms_url,
            status_callback: self.status_callback,
            voice_application_sid: self.voice_application_sid,
            sms_application_sid: self.sms_application_sid,
            trunk_sid: self.trunk_sid,
            in_region: None,
        };
        OwnedNumber {
            carrier_id: self.sid,
            e164: self.phone_number,
            friendly_name: self.friendly_name,
            number_type: self.kind.as_deref().and_then(number_type),
            region: None,
            features: Some(self.capabilities.unwrap_or_default().into()),
            // Twilio's `status` is free text (`in-use` in the examples); an owned Twilio number
            // is usable as soon as it is listed.
            state: NumberState::Active,
            routing: Routing::Twilio(routing),
        }
    }
}

/// Twilio's number type words, from the owned-number `type`, the search path or Pricing's
/// `number_type` (`toll free` with a space), in any case.
pub(super) fn number_type(text: &str) -> Option<NumberType> {
    let normalised: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(match normalised.as_str() {
        "local" => NumberType::Local,
        "mobile" => NumberType::Mobile,
        "tollfree" => NumberType::TollFree,
        "national" => NumberType::National,
        "sharedcost" => NumberType::SharedCost,
        "voip" => NumberType::Voip,
        "machinetomachine" => NumberType::MachineToMachine,
        _ => return None,
    })
}

/// The path segment of a number type under `AvailablePhoneNumbers/{Country}/`.
pub(super) fn search_path_segment(number_type: NumberType) -> Option<&'static str> {
    Some(match number_type {
        NumberType::Local => "Local",
        NumberType::Mobile => "Mobile",
        NumberType::TollFree => "TollFree",
        NumberType::National => "National",
        NumberType::SharedCost => "SharedCost",
        NumberType::Voip => "Voip",
        NumberType::MachineToMachine => "MachineToMachine",
        NumberType::Landline | NumberType::ShortCode => return None,
    })
}

/// A Numbers v2 list page: `results` and `meta.next_page_url` (absolute).
#[derive(Debug, Deserialize)]
pub(super) struct V2Page<T> {
    pub results: Vec<T>,
    #[serde(default)]
    pub meta: V2Meta,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct V2Meta {
    #[serde(default, deserialize_with = "text")]
    pub next_page_url: Option<String>,
}

/// A Bundle (Numbers v2).
#[derive(Debug, Deserialize)]
pub(super) struct Bundle {
    pub sid: String,
    #[serde(default, deserialize_with = "text")]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub status: String,
}

impl Bundle {
    pub fn into_domain(self) -> CarrierBundle {
        CarrierBundle {
            sid: self.sid,
            friendly_name: self.friendly_name,
            status: self.status,
        }
    }
}

/// `Addresses.json`.
#[derive(Debug, Deserialize)]
pub(super) struct AddressPage {
    pub addresses: Vec<Address>,
    #[serde(default, deserialize_with = "text")]
    pub next_page_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Address {
    pub sid: String,
    #[serde(default, deserialize_with = "text")]
    pub friendly_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub customer_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub city: Option<String>,
    #[serde(default)]
    pub iso_country: String,
}

impl Address {
    pub fn into_domain(self) -> CarrierAddress {
        CarrierAddress {
            sid: self.sid,
            friendly_name: self.friendly_name,
            customer_name: self.customer_name,
            city: self.city,
            iso_country: self.iso_country.to_ascii_uppercase(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CountryPage {
    pub countries: Vec<Country>,
    #[serde(default, deserialize_with = "text")]
    pub next_page_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Country {
    pub country_code: String,
    #[serde(default, deserialize_with = "text")]
    pub country: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub beta: bool,
    #[serde(default)]
    pub subresource_uris: BTreeMap<String, Option<String>>,
}

impl Country {
    pub fn into_domain(self) -> AvailableCountry {
        let mut number_types: Vec<NumberType> = self
            .subresource_uris
            .keys()
            .filter_map(|key| number_type(key))
            .collect();
        number_types.sort_by_key(|kind| kind.as_str());
        AvailableCountry {
            name: self.country.unwrap_or_else(|| self.country_code.clone()),
            iso: self.country_code,
            number_types,
            beta: self.beta,
        }
    }
}

/// `AvailablePhoneNumbers/{Country}/{Type}.json`.
#[derive(Debug, Deserialize)]
pub(super) struct AvailablePage {
    pub available_phone_numbers: Vec<AvailablePhoneNumber>,
}

#[derive(Debug, Deserialize)]
pub(super) struct AvailablePhoneNumber {
    pub phone_number: E164,
    #[serde(default, deserialize_with = "text")]
    pub friendly_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub locality: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub region: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub iso_country: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub address_requirements: Option<String>,
    #[serde(default)]
    pub capabilities: Option<Capabilities>,
}

impl AvailablePhoneNumber {
    pub fn into_domain(self, number_type: NumberType) -> AvailableNumber {
        let address_requirement = self.address_requirements.as_deref().and_then(|text| {
            Some(match text {
                "none" => AddressRequirement::None,
                "any" => AddressRequirement::Any,
                "local" => AddressRequirement::Local,
                "foreign" => AddressRequirement::Foreign,
                _ => return None,
            })
        });
        AvailableNumber {
            e164: self.phone_number,
            friendly_name: self.friendly_name,
            country: self.iso_country,
            region: self.region,
            locality: self.locality,
            number_type: Some(number_type),
            features: self.capabilities.unwrap_or_default().into(),
            monthly_cost: None,
            upfront_cost: None,
            address_requirement,
        }
    }
}

/// Pricing v1 `PhoneNumbers/Countries/{IsoCountry}`.
#[derive(Debug, Deserialize)]
pub(super) struct PricingCountry {
    #[serde(default, deserialize_with = "text")]
    pub country: Option<String>,
    pub iso_country: String,
    #[serde(default)]
    pub phone_number_prices: Vec<PhoneNumberPrice>,
    #[serde(default, deserialize_with = "text")]
    pub price_unit: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PhoneNumberPrice {
    #[serde(default, deserialize_with = "text")]
    pub number_type: Option<String>,
    #[serde(default, deserialize_with = "decimal")]
    pub base_price: Option<String>,
    #[serde(default, deserialize_with = "decimal")]
    pub current_price: Option<String>,
}

impl PricingCountry {
    pub fn into_domain(self) -> CountryPricing {
        let currency = self.price_unit.unwrap_or_else(|| "USD".to_string());
        let prices = self
            .phone_number_prices
            .into_iter()
            .map(|price| {
                let type_name = price.number_type.unwrap_or_default();
                NumberPrice {
                    number_type: number_type(&type_name),
                    type_name,
                    base_price: price.base_price.map(|amount| Money::new(amount, &currency)),
                    current_price: price
                        .current_price
                        .map(|amount| Money::new(amount, &currency)),
                }
            })
            .collect();
        CountryPricing {
            country: self.country.unwrap_or_else(|| self.iso_country.clone()),
            iso: self.iso_country,
            prices,
        }
    }
}

/// Routes v2 `PhoneNumbers/{PhoneNumber}`.
#[derive(Debug, Deserialize)]
pub(super) struct RoutesPhoneNumber {
    pub phone_number: E164,
    #[serde(default, deserialize_with = "text")]
    pub voice_region: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub friendly_name: Option<String>,
}

impl RoutesPhoneNumber {
    pub fn into_domain(self) -> InboundRegion {
        InboundRegion {
            e164: self.phone_number,
            // Twilio's default region when none is reported.
            voice_region: self.voice_region.unwrap_or_else(|| "us1".to_string()),
            friendly_name: self.friendly_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incoming_page_parses_the_documented_shape() {
        // Shape of A: ListIncomingPhoneNumberResponse; unset values as "" and null.
        let body = r#"{
          "end": 0, "first_page_uri": "/2010-04-01/Accounts/ACXX/IncomingPhoneNumbers.json?PageSize=50&Page=0",
          "incoming_phone_numbers": [{
            "account_sid": "ACXX", "address_requirements": "none", "api_version": "2010-04-01",
            "beta": null, "capabilities": {"voice": true, "sms": false, "mms": true, "fax": false},
            "date_created": "Thu, 30 Jul 2015 23:19:04 +0000", "friendly_name": "(808) 925-5327",
            "phone_number": "+18089255327", "origin": "origin",
            "sid": "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "sms_application_sid": "",
            "sms_method": "POST", "sms_url": "", "status_callback": "", "status_callback_method": "POST",
            "trunk_sid": null, "uri": "/2010-04-01/Accounts/ACXX/IncomingPhoneNumbers/PNaa.json",
            "voice_application_sid": "", "voice_method": "post", "voice_url": "https://example.com/v",
            "status": "in-use", "type": "local", "unknown_field": {"x": 1}
          }],
          "next_page_uri": null, "page": 0, "page_size": 50, "previous_page_uri": null, "start": 0,
          "uri": "/2010-04-01/Accounts/ACXX/IncomingPhoneNumbers.json?PageSize=50&Page=0"
        }"#;
        let page: IncomingPhoneNumberPage = serde_json::from_str(body).unwrap();
        assert_eq!(page.next_page_uri, None);
        let number = page
            .incoming_phone_numbers
            .into_iter()
            .next()
            .unwrap()
            .into_domain();
        assert_eq!(number.e164, "+18089255327");
        assert_eq!(number.number_type, Some(NumberType::Local));
        assert_eq!(
            number.features,
            Some(Features {
                voice: true,
                sms: false,
                mms: true
            })
        );
        let Routing::Twilio(routing) = number.routing else {
            panic!("twilio routing")
        };
        assert_eq!(routing.voice_url.as_deref(), Some("https://example.com/v"));
        assert_eq!(routing.voice_method, Some(WebhookMethod::Post));
        assert_eq!(routing.sms_url, None, "empty string is unset");
        assert_eq!(routing.sms_application_sid, None);
        assert_eq!(routing.trunk_sid, None);

        // A reply whose number is not a number is not understood, rather than stored.
        let garbled = body.replace("+18089255327", "call us");
        let error = serde_json::from_str::<IncomingPhoneNumberPage>(&garbled).unwrap_err();
        assert!(error.to_string().contains("call us"), "{error}");
    }

    #[test]
    fn available_numbers_accept_upper_case_capabilities_and_string_coordinates() {
        let body = r#"{"available_phone_numbers": [{
            "address_requirements": "local", "beta": false,
            "capabilities": {"MMS": true, "SMS": true, "voice": true},
            "friendly_name": "(808) 925-1571", "iso_country": "US", "lata": "834",
            "latitude": "19.720000", "locality": "Hilo", "longitude": "-155.090000",
            "phone_number": "+18089251571", "postal_code": "96720", "rate_center": "HILO",
            "region": "HI"}], "uri": "/2010-04-01/Accounts/ACXX/AvailablePhoneNumbers/US/Local.json"}"#;
        let page: AvailablePage = serde_json::from_str(body).unwrap();
        let number = page
            .available_phone_numbers
            .into_iter()
            .next()
            .unwrap()
            .into_domain(NumberType::Local);
        assert_eq!(
            number.features,
            Features {
                voice: true,
                sms: true,
                mms: true
            }
        );
        assert_eq!(number.region.as_deref(), Some("HI"));
        assert_eq!(number.address_requirement, Some(AddressRequirement::Local));
    }

    #[test]
    fn errors_parse_in_both_shapes() {
        let legacy: ErrorBody = serde_json::from_str(
            r#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#,
        )
        .unwrap();
        assert_eq!(legacy.code(), Some(20003));
        assert_eq!(legacy.message().as_deref(), Some("Authenticate"));
        let problem: ErrorBody = serde_json::from_str(
            r#"{"type": "https://x", "title": "Bad", "status": 400, "code": "21421", "detail": "PhoneNumber is invalid"}"#,
        )
        .unwrap();
        assert_eq!(problem.code(), Some(21421));
        assert_eq!(problem.message().as_deref(), Some("PhoneNumber is invalid"));
    }

    #[test]
    fn pricing_accepts_strings_or_numbers_and_spaced_type_names() {
        let body = r#"{"country": "United States", "iso_country": "US", "price_unit": "usd",
          "phone_number_prices": [
            {"number_type": "local", "base_price": "1.00", "current_price": "1.00"},
            {"number_type": "toll free", "base_price": 2.0, "current_price": 2.15},
            {"number_type": "premium", "base_price": null, "current_price": null}],
          "url": "https://pricing.twilio.com/v1/PhoneNumbers/Countries/US"}"#;
        let pricing: PricingCountry = serde_json::from_str(body).unwrap();
        let pricing = pricing.into_domain();
        assert_eq!(pricing.prices[0].number_type, Some(NumberType::Local));
        assert_eq!(pricing.prices[1].number_type, Some(NumberType::TollFree));
        assert_eq!(
            pricing.prices[1].current_price,
            Some(Money::new("2.15", "USD"))
        );
        assert_eq!(pricing.prices[2].number_type, None);
        assert_eq!(pricing.prices[2].type_name, "premium");
    }

    #[test]
    fn countries_list_the_types_on_sale() {
        let body = r#"{"countries": [{"country_code": "DK", "country": "Denmark", "beta": false,
          "subresource_uris": {"local": "/x/Local.json", "toll_free": "/x/TollFree.json"},
          "uri": "/x.json"}], "uri": "/y.json"}"#;
        let page: CountryPage = serde_json::from_str(body).unwrap();
        let country = page.countries.into_iter().next().unwrap().into_domain();
        assert_eq!(
            country.number_types,
            vec![NumberType::Local, NumberType::TollFree]
        );
    }

    #[test]
    fn account_status_and_type() {
        let account: Account = serde_json::from_str(
            r#"{"sid": "ACXX", "friendly_name": "Main", "status": "suspended", "type": "Trial", "auth_token": "secret"}"#,
        )
        .unwrap();
        assert_eq!(account.status(), AccountStatus::Suspended);
        assert_eq!(account.trial(), Some(true));
    }

    #[test]
    fn routes_region_defaults_to_us1() {
        let record: RoutesPhoneNumber = serde_json::from_str(
            r#"{"phone_number": "+18001234567", "url": "https://routes.twilio.com/v2/PhoneNumbers/+18001234567", "sid": "QQ", "voice_region": "au1", "friendly_name": "x", "date_created": "2015-07-30T20:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(record.into_domain().voice_region, "au1");
    }
}
