//! Buying from Twilio: the countries and numbers on sale, the purchase itself, and monthly
//! prices (Pricing v1).

use std::collections::HashSet;

use super::client::{is_e164, TwilioClient, TwilioPurchase, CARRIER, MAX_PAGE_SIZE};
use super::numbers::paging_loop;
use super::wire;
use reqwest::Url;

use crate::carriers::http::{join, text_filters, Context, Safety};
use crate::carriers::{
    AvailableCountry, AvailableNumber, CarrierAddress, CarrierBundle, CarrierError, CountryPricing,
    NumberSearch, NumberType, OwnedNumber,
};

impl TwilioClient {
    /// Countries with numbers on sale, and the types on sale in each.
    pub async fn available_countries(&self) -> Result<Vec<AvailableCountry>, CarrierError> {
        self.every_page(
            "AvailablePhoneNumbers.json",
            "country list",
            |page: wire::CountryPage| {
                let items = page.countries.into_iter().map(wire::Country::into_domain);
                (items.collect(), page.next_page_uri)
            },
        )
        .await
    }

    /// The account's Addresses, for numbers whose country asks for one (2010-04-01 `Addresses`).
    pub async fn list_addresses(&self) -> Result<Vec<CarrierAddress>, CarrierError> {
        self.every_page(
            "Addresses.json",
            "address list",
            |page: wire::AddressPage| {
                let items = page.addresses.into_iter().map(wire::Address::into_domain);
                (items.collect(), page.next_page_uri)
            },
        )
        .await
    }

    /// Whether buying a number of this country and type needs a regulatory bundle: Numbers
    /// v2 has a Regulation for them. Types the regulatory resources do not name need none.
    pub async fn needs_bundle(
        &self,
        iso_country: &str,
        number_type: NumberType,
    ) -> Result<bool, CarrierError> {
        let Some(kind) = regulatory_type(number_type) else {
            return Ok(false);
        };
        // Only whether a Regulation exists matters to a purchase, not what it says.
        let regulations: Vec<serde::de::IgnoredAny> = self
            .v2_list(
                "Regulations",
                &[
                    ("IsoCountry", iso_country),
                    ("NumberType", kind),
                    ("PageSize", "20"),
                ],
                "regulation list",
            )
            .await?;
        Ok(!regulations.is_empty())
    }

    /// The account's approved bundles for numbers of this country and type (Numbers v2
    /// `Bundles`, `twilio-approved`), to buy a number that needs one.
    pub async fn list_bundles(
        &self,
        iso_country: &str,
        number_type: NumberType,
    ) -> Result<Vec<CarrierBundle>, CarrierError> {
        let Some(kind) = regulatory_type(number_type) else {
            return Ok(Vec::new());
        };
        let bundles: Vec<wire::Bundle> = self
            .v2_list(
                "Bundles",
                &[
                    ("Status", "twilio-approved"),
                    ("IsoCountry", iso_country),
                    ("NumberType", kind),
                    ("PageSize", "1000"),
                ],
                "bundle list",
            )
            .await?;
        Ok(bundles.into_iter().map(wire::Bundle::into_domain).collect())
    }

    /// Every item of a Numbers v2 regulatory list, following `meta.next_page_url` (an absolute
    /// URL, which must stay on the Numbers host).
    async fn v2_list<T: serde::de::DeserializeOwned>(
        &self,
        resource: &str,
        query: &[(&str, &str)],
        what: &'static str,
    ) -> Result<Vec<T>, CarrierError> {
        let mut url = join(
            &self.inner.numbers,
            &["v2", "RegulatoryCompliance", resource],
        );
        url.query_pairs_mut().extend_pairs(query);
        let split = |page: wire::V2Page<T>| (page.results, page.meta.next_page_url);
        self.follow_pages(url, what, split, |link| self.next_v2_page_url(link))
            .await
    }

    /// Every item of a small account list (`resource` under the account, 1,000 a page),
    /// following `next_page_uri`; `split` takes a page apart into its items and the next link.
    async fn every_page<P, T>(
        &self,
        resource: &str,
        what: &'static str,
        split: impl Fn(P) -> (Vec<T>, Option<String>),
    ) -> Result<Vec<T>, CarrierError>
    where
        P: serde::de::DeserializeOwned,
    {
        let mut url = self.account_url(&[resource]);
        url.query_pairs_mut().append_pair("PageSize", "1000");
        self.follow_pages(url, what, split, |uri| self.next_page_url(uri))
            .await
    }

    /// Reads pages from `first` on: `split` takes a page apart into its items and its next
    /// link, which `resolve` turns into a URL (or refuses). A link back to a page already read
    /// is a carrier fault, reported rather than followed or cut short in silence.
    async fn follow_pages<P, T>(
        &self,
        first: Url,
        what: &'static str,
        split: impl Fn(P) -> (Vec<T>, Option<String>),
        resolve: impl Fn(&str) -> Result<Url, CarrierError>,
    ) -> Result<Vec<T>, CarrierError>
    where
        P: serde::de::DeserializeOwned,
    {
        let context = Context::about(what);
        let mut items = Vec::new();
        let mut next = Some(first);
        let mut seen_pages = HashSet::new();
        while let Some(url) = next.take() {
            if !seen_pages.insert(url.to_string()) {
                return Err(paging_loop());
            }
            let (page, link) = split(self.api().get(&url, &context).await?);
            items.extend(page);
            next = link.map(|link| resolve(&link)).transpose()?;
        }
        Ok(items)
    }

    /// One page of numbers on sale (Twilio's search is not paged further). The results carry no
    /// price: see [`TwilioClient::number_prices`].
    pub async fn search_available(
        &self,
        search: &NumberSearch,
    ) -> Result<Vec<AvailableNumber>, CarrierError> {
        let number_type = search.number_type.unwrap_or(NumberType::Local);
        let Some(segment) = wire::search_path_segment(number_type) else {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: format!("Twilio does not sell {} numbers", number_type.as_str()),
            });
        };
        let country = search.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: "the country must be a two-letter ISO code such as US".to_string(),
            });
        }
        let segment_json = format!("{segment}.json");
        let mut url = self.account_url(&["AvailablePhoneNumbers", &country, &segment_json]);
        {
            let mut query = url.query_pairs_mut();
            let names = ["AreaCode", "Contains", "InRegion", "InLocality"];
            for (name, value) in text_filters(search, names) {
                query.append_pair(name, value);
            }
            for (name, wanted) in [
                ("VoiceEnabled", search.features.voice),
                ("SmsEnabled", search.features.sms),
                ("MmsEnabled", search.features.mms),
            ] {
                if wanted {
                    query.append_pair(name, "true");
                }
            }
            if let Some(limit) = search.limit {
                query.append_pair("PageSize", &limit.clamp(1, MAX_PAGE_SIZE).to_string());
            }
        }
        let page: wire::AvailablePage = self
            .api()
            .get(
                &url,
                &Context::about(format!("numbers on sale in {country}")),
            )
            .await?;
        Ok(page
            .available_phone_numbers
            .into_iter()
            .map(|number| number.into_domain(number_type))
            .collect())
    }

    /// Buys a number. Sent once: after a timeout, a dropped connection or a 5xx the purchase may
    /// have happened, so check with [`TwilioClient::find_incoming_number`] before trying again
    /// (`CarrierError::is_ambiguous`). A 429 is retried, Twilio documents it as not processed.
    pub async fn buy_number(&self, purchase: &TwilioPurchase) -> Result<OwnedNumber, CarrierError> {
        if !is_e164(&purchase.phone_number) {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: format!(
                    "{} is not a number in E.164 form (+ and digits)",
                    purchase.phone_number
                ),
            });
        }
        let mut form = vec![("PhoneNumber", purchase.phone_number.clone())];
        form.extend(purchase.config.form());
        if let Some(address) = &purchase.address_sid {
            form.push(("AddressSid", address.clone()));
        }
        if let Some(bundle) = &purchase.bundle_sid {
            form.push(("BundleSid", bundle.clone()));
        }
        let url = self.account_url(&["IncomingPhoneNumbers.json"]);
        let context = Context {
            what: "phone number".into(),
            numbers: std::slice::from_ref(&purchase.phone_number),
        };
        let number: wire::IncomingPhoneNumber =
            self.post(Safety::Once, &url, &form, &context).await?;
        Ok(number.into_domain())
    }

    /// Monthly phone-number prices in one country (Pricing v1).
    pub async fn number_prices(&self, iso_country: &str) -> Result<CountryPricing, CarrierError> {
        let iso = iso_country.trim().to_ascii_uppercase();
        let url = join(
            &self.inner.pricing,
            &["v1", "PhoneNumbers", "Countries", &iso],
        );
        let pricing: wire::PricingCountry = self
            .api()
            .get(&url, &Context::about(format!("price list for {iso}")))
            .await?;
        Ok(pricing.into_domain())
    }
}

/// A number type as the regulatory resources write it (`toll free` with a space, as Pricing).
fn regulatory_type(number_type: NumberType) -> Option<&'static str> {
    match number_type {
        NumberType::Local => Some("local"),
        NumberType::Mobile => Some("mobile"),
        NumberType::National => Some("national"),
        NumberType::TollFree => Some("toll free"),
        _ => None,
    }
}
