//! Searching for numbers to buy: the countries on offer, a search (cached, and served from the
//! cache when the carrier cannot be reached), Refresh, the cached answer alone, and nearby area
//! codes when nothing was found. It asks carriers what is on sale and keeps their answers in the
//! search cache; it never journals, buys or charges anything.

use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use tokio::task::JoinSet;

use super::numbering::{
    calling_code, country_name, credits_for, validate_area_code, validate_country,
    OFFERED_COUNTRIES,
};
use super::{
    blocking, AreaCodeSuggestion, Country, Flow, Offer, PurchaseError, Purchases, SearchQuery,
    SearchResults, MAX_RESULTS, MAX_SUGGESTIONS, PAGE_SIZE,
};
use crate::app::blocking::TaskFailed;
use crate::carriers::account::CarrierAccount;
use crate::carriers::{
    AddressRequirement, AvailableNumber, CarrierError, CarrierKind, CountryPricing, Features,
    NumberSearch, NumberType,
};
use crate::store::search_cache::{self, CachedNumber};

impl Purchases {
    /// Countries to search in: Twilio's own list; for Telnyx (and the pool), NumberDesk's list.
    pub async fn countries(
        &self,
        workspace_id: WorkspaceId,
        connection_id: Option<ConnectionId>,
    ) -> Result<Vec<Country>, PurchaseError> {
        let (_, flow, connection) = self.resolve(workspace_id, connection_id).await?;
        let account = self.account_for(workspace_id, flow, connection).await?;
        match account.as_ref() {
            CarrierAccount::Twilio(client) => {
                let mut countries: Vec<Country> = client
                    .available_countries()
                    .await?
                    .into_iter()
                    .map(|c| Country {
                        iso: c.iso,
                        name: c.name,
                        number_types: c.number_types,
                    })
                    .collect();
                countries.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(countries)
            }
            CarrierAccount::Telnyx(_) => {
                let mut countries: Vec<Country> = OFFERED_COUNTRIES
                    .iter()
                    .map(|(iso, name)| Country {
                        iso: (*iso).to_string(),
                        name: (*name).to_string(),
                        number_types: Vec::new(),
                    })
                    .collect();
                countries.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(countries)
            }
        }
    }

    /// Searches the carrier and caches the answer. When the carrier cannot be reached and this
    /// search was made before, the cached answer comes back marked possibly stale. When nothing is
    /// found for an area code, nearby area codes with numbers on sale are suggested.
    pub async fn search(
        &self,
        workspace_id: WorkspaceId,
        query: &SearchQuery,
    ) -> Result<SearchResults, PurchaseError> {
        let (_, flow, connection) = self.resolve(workspace_id, query.connection_id).await?;
        let valid = Validated::new(query, flow, connection)?;
        let account = self.account_for(workspace_id, flow, connection).await?;
        let fetched = self.fetch(&account, &valid, valid.limit).await;
        let offers = match fetched {
            Ok(offers) => offers,
            Err(PurchaseError::Carrier(error)) if error.is_transient() || error.is_ambiguous() => {
                let key = valid.key.clone();
                let cached = blocking(self.ctx(), move |ctx| {
                    Ok(ctx
                        .store
                        .read(|c| search_cache::load(c, workspace_id, &key))?)
                })
                .await?;
                return match cached {
                    Some(cached) => Ok(from_cache(cached, account.kind(), Some(error.to_string()))),
                    None => Err(error.into()),
                };
            }
            Err(error) => return Err(error),
        };
        let now = self.ctx().clock.now();
        let carrier = account.kind();
        let (key, query_json) = (valid.key.clone(), valid.query_json.clone());
        let rows: Vec<CachedNumber> = offers.iter().map(cached_from_offer).collect();
        blocking(self.ctx(), move |ctx| {
            Ok(ctx.store.write(|tx| {
                search_cache::save(
                    tx,
                    workspace_id,
                    &key,
                    &query_json,
                    carrier.as_str(),
                    &rows,
                    now,
                )
            })?)
        })
        .await?;
        let suggestions = match (&valid.area_code, offers.is_empty()) {
            (Some(code), true) => self.suggest(workspace_id, &account, &valid, code).await,
            _ => Vec::new(),
        };
        Ok(SearchResults {
            carrier,
            offers,
            fetched_at: now,
            possibly_stale: false,
            offline_reason: None,
            suggestions,
        })
    }

    /// Refresh: the same search asking for a page more than is cached now.
    pub async fn refresh(
        &self,
        workspace_id: WorkspaceId,
        query: &SearchQuery,
    ) -> Result<SearchResults, PurchaseError> {
        let cached = self.cached_search(workspace_id, query).await?;
        let per_type = query.types.len().max(1) as u32;
        let have = cached.map_or(0, |c| c.offers.len() as u32) / per_type;
        let mut more = query.clone();
        more.limit = Some((have + PAGE_SIZE).clamp(PAGE_SIZE, MAX_RESULTS));
        self.search(workspace_id, &more).await
    }

    /// The last answer to this search, from the local cache (possibly stale), with no carrier
    /// call: for browsing offline.
    pub async fn cached_search(
        &self,
        workspace_id: WorkspaceId,
        query: &SearchQuery,
    ) -> Result<Option<SearchResults>, PurchaseError> {
        let (_, flow, connection) = self.resolve(workspace_id, query.connection_id).await?;
        let valid = Validated::new(query, flow, connection)?;
        let key = valid.key.clone();
        let cached = blocking(self.ctx(), move |ctx| {
            Ok(ctx
                .store
                .read(|c| search_cache::load(c, workspace_id, &key))?)
        })
        .await?;
        Ok(cached.map(|cached| {
            let carrier = if cached.carrier == "twilio" {
                CarrierKind::Twilio
            } else {
                CarrierKind::Telnyx
            };
            from_cache(cached, carrier, None)
        }))
    }

    /// One carrier search per type (concurrently), with Twilio's prices, mapped to offers.
    async fn fetch(
        &self,
        account: &Arc<CarrierAccount>,
        valid: &Validated,
        limit: u32,
    ) -> Result<Vec<Offer>, PurchaseError> {
        let mut tasks = JoinSet::new();
        for (index, number_type) in valid.types.iter().enumerate() {
            let search = NumberSearch {
                country: valid.country.clone(),
                number_type: Some(*number_type),
                area_code: valid.area_code.clone(),
                features: valid.features,
                limit: Some(limit),
                ..NumberSearch::default()
            };
            let account = account.clone();
            tasks.spawn(async move { (index, account.purchase_search(&search).await) });
        }
        // Which types are sold only with a regulatory bundle, asked beside the searches.
        let mut regulated = JoinSet::new();
        for number_type in valid.types.iter().copied() {
            let account = account.clone();
            let iso = valid.country.clone();
            regulated.spawn(async move {
                let needs = account.purchase_needs_bundle(&iso, number_type).await;
                (number_type, needs)
            });
        }
        let prices = account.purchase_prices(&valid.country).await;
        let mut by_type: BTreeMap<usize, Vec<AvailableNumber>> = BTreeMap::new();
        let mut not_sold = 0;
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            let (index, result) = joined.map_err(TaskFailed::from)?;
            match result {
                Ok(found) => {
                    by_type.insert(index, found);
                }
                // Twilio answers 404 for a type (or country) it does not sell there.
                Err(CarrierError::NotFound { .. }) => not_sold += 1,
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_error {
            return Err(self.search_error(account, valid, error).await);
        }
        if not_sold == valid.types.len() {
            return Err(self.not_sold(account, valid).await);
        }
        let prices = match prices {
            Ok(prices) => prices,
            // Without prices the numbers are shown and cannot be bought.
            Err(CarrierError::NotFound { .. }) => None,
            Err(error) => return Err(error.into()),
        };
        let mut needs_bundle = HashSet::new();
        while let Some(joined) = regulated.join_next().await {
            match joined.map_err(TaskFailed::from)? {
                (number_type, Ok(true)) => {
                    needs_bundle.insert(number_type);
                }
                (_, Ok(false)) => {}
                // Not known: the numbers are shown without the mark, and a purchase that
                // needed a bundle is refused by the carrier before anything is bought.
                (number_type, Err(error)) => {
                    tracing::warn!(%error, ?number_type, "could not read the carrier's regulations");
                }
            }
        }
        let mut seen = HashSet::new();
        let mut offers = Vec::new();
        for found in by_type.into_values() {
            for number in found {
                if seen.insert(number.e164.clone()) {
                    let bundle = number
                        .number_type
                        .is_some_and(|kind| needs_bundle.contains(&kind));
                    offers.push(offer_from(number, prices.as_ref(), bundle));
                }
            }
        }
        Ok(offers)
    }

    /// A carrier's refusal of a search, in the search form's words.
    async fn search_error(
        &self,
        account: &Arc<CarrierAccount>,
        valid: &Validated,
        error: CarrierError,
    ) -> PurchaseError {
        if let CarrierError::Rejected { code, message, .. } = &error {
            let text = message.to_ascii_lowercase();
            let area = code.as_deref() == Some("21451")
                || text.contains("area code")
                || text.contains("national_destination_code")
                || text.contains("national destination code");
            if area {
                if let Some(code) = &valid.area_code {
                    return PurchaseError::AreaCodeDoesNotExist {
                        code: code.clone(),
                        country: country_name(&valid.country),
                        hint: "Check the code, or leave it empty to search the whole country.",
                    };
                }
            }
            if text.contains("country") || text.contains("not available for search") {
                return PurchaseError::CountryNotSold {
                    carrier: account.kind(),
                    country: country_name(&valid.country),
                };
            }
        }
        error.into()
    }

    /// Every type searched answered "not found": the country or the types are not sold there.
    async fn not_sold(&self, account: &Arc<CarrierAccount>, valid: &Validated) -> PurchaseError {
        if let CarrierAccount::Twilio(client) = account.as_ref() {
            if let Ok(countries) = client.available_countries().await {
                if !countries.iter().any(|c| c.iso == valid.country) {
                    return PurchaseError::CountryNotSold {
                        carrier: account.kind(),
                        country: country_name(&valid.country),
                    };
                }
            }
        }
        PurchaseError::TypeNotSold {
            carrier: account.kind(),
            country: country_name(&valid.country),
            types: valid
                .types
                .iter()
                .map(|t| t.as_str().replace('_', "-"))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    /// Area codes near `code` with numbers on sale: those of the same state or province first
    /// (when known from earlier results), then the numerically closest. Found by one search of
    /// the whole country (same types and features) plus what earlier searches cached.
    async fn suggest(
        &self,
        workspace_id: WorkspaceId,
        account: &Arc<CarrierAccount>,
        valid: &Validated,
        code: &str,
    ) -> Vec<AreaCodeSuggestion> {
        let Some(calling) = calling_code(&valid.country) else {
            return Vec::new();
        };
        let mut wide = valid.clone();
        wide.area_code = None;
        let fresh = self.fetch(account, &wide, 200).await.unwrap_or_default();
        let ndc_len = code.len();
        let (country, calling_owned) = (valid.country.clone(), calling.clone());
        let known = blocking(self.ctx(), move |ctx| {
            Ok(ctx.store.read(|c| {
                search_cache::known_areas(c, workspace_id, &country, &calling_owned, ndc_len)
            })?)
        })
        .await
        .unwrap_or_default();
        let mut areas: BTreeMap<String, AreaCodeSuggestion> = BTreeMap::new();
        let prefix = format!("+{calling}");
        for offer in &fresh {
            let Some(national) = offer.e164.strip_prefix(&prefix) else {
                continue;
            };
            let Some(ndc) = national.get(..ndc_len) else {
                continue;
            };
            let entry = areas
                .entry(ndc.to_string())
                .or_insert_with(|| AreaCodeSuggestion {
                    area_code: ndc.to_string(),
                    region: offer.region.clone(),
                    locality: offer.locality.clone(),
                    numbers_seen: 0,
                });
            entry.numbers_seen += 1;
        }
        let wanted_region = known
            .iter()
            .find(|area| area.ndc == code)
            .and_then(|area| area.region.clone());
        for area in known {
            if area.ndc == code {
                continue;
            }
            areas.entry(area.ndc.clone()).or_insert(AreaCodeSuggestion {
                area_code: area.ndc,
                region: area.region,
                locality: area.locality,
                numbers_seen: area.numbers,
            });
        }
        areas.remove(code);
        let distance = |ndc: &str| {
            let a: i64 = ndc.parse().unwrap_or(i64::MAX / 2);
            let b: i64 = code.parse().unwrap_or(0);
            (a - b).abs()
        };
        let mut list: Vec<AreaCodeSuggestion> = areas.into_values().collect();
        list.sort_by_key(|s| {
            let same_region = wanted_region.is_some() && s.region == wanted_region;
            (!same_region, distance(&s.area_code))
        });
        list.truncate(MAX_SUGGESTIONS);
        list
    }
}

/// A search, checked and normalised, with its cache key.
#[derive(Debug, Clone)]
struct Validated {
    country: String,
    area_code: Option<String>,
    types: Vec<NumberType>,
    features: Features,
    limit: u32,
    key: String,
    query_json: String,
}

impl Validated {
    fn new(
        query: &SearchQuery,
        flow: Flow,
        connection: Option<ConnectionId>,
    ) -> Result<Self, PurchaseError> {
        let country = validate_country(&query.country)?;
        let area_code = validate_area_code(&country, query.area_code.as_deref())?;
        let mut types = if query.types.is_empty() {
            vec![NumberType::Local]
        } else {
            query.types.clone()
        };
        types.sort_by_key(|t| t.as_str());
        types.dedup();
        let limit = query.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_RESULTS);
        let source = match (flow, connection) {
            (Flow::Pool, _) => "pool".to_string(),
            (Flow::Marketplace, Some(id)) => format!("connection:{id}"),
            (Flow::Marketplace, None) => "none".to_string(),
        };
        let key = serde_json::json!({
            "source": source,
            "country": country,
            "area_code": area_code,
            "types": types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "features": [query.features.voice, query.features.sms, query.features.mms],
        })
        .to_string();
        let normalised = SearchQuery {
            connection_id: connection,
            country: country.clone(),
            area_code: area_code.clone(),
            types: types.clone(),
            features: query.features,
            limit: Some(limit),
        };
        Ok(Self {
            query_json: serde_json::to_string(&normalised).expect("queries serialise"),
            country,
            area_code,
            types,
            features: query.features,
            limit,
            key,
        })
    }
}

fn offer_from(
    number: AvailableNumber,
    prices: Option<&CountryPricing>,
    bundle_required: bool,
) -> Offer {
    let monthly = match (&number.monthly_cost, prices) {
        (Some(cost), _) => credits_for(cost),
        (None, Some(pricing)) => pricing
            .prices
            .iter()
            .find(|p| p.number_type.is_some() && p.number_type == number.number_type)
            .and_then(|p| p.current_price.as_ref().or(p.base_price.as_ref()))
            .and_then(credits_for),
        (None, None) => None,
    };
    Offer {
        e164: number.e164.into_string(),
        number_type: number.number_type,
        country: number.country,
        region: number.region,
        locality: number.locality,
        features: number.features,
        monthly_cost_credits: monthly,
        address_requirement: number
            .address_requirement
            .filter(|r| *r != AddressRequirement::None),
        bundle_required,
    }
}

fn cached_from_offer(offer: &Offer) -> CachedNumber {
    CachedNumber {
        e164: offer.e164.clone(),
        number_type: offer.number_type.map(|t| t.as_str().to_string()),
        country: offer.country.clone(),
        region: offer.region.clone(),
        locality: offer.locality.clone(),
        voice: offer.features.voice,
        sms: offer.features.sms,
        mms: offer.features.mms,
        monthly_cost_credits: offer.monthly_cost_credits,
        address_requirement: offer.address_requirement.map(|r| r.as_str().to_string()),
        bundle_required: offer.bundle_required,
    }
}

pub(super) fn parse_type(text: &str) -> Option<NumberType> {
    [
        NumberType::Local,
        NumberType::Mobile,
        NumberType::TollFree,
        NumberType::National,
        NumberType::SharedCost,
        NumberType::Voip,
        NumberType::MachineToMachine,
        NumberType::Landline,
        NumberType::ShortCode,
    ]
    .into_iter()
    .find(|t| t.as_str() == text)
}

fn from_cache(
    cached: search_cache::CachedSearch,
    carrier: CarrierKind,
    offline_reason: Option<String>,
) -> SearchResults {
    SearchResults {
        carrier,
        offers: cached
            .results
            .into_iter()
            .map(|n| Offer {
                number_type: n.number_type.as_deref().and_then(parse_type),
                e164: n.e164,
                country: n.country,
                region: n.region,
                locality: n.locality,
                features: Features {
                    voice: n.voice,
                    sms: n.sms,
                    mms: n.mms,
                },
                monthly_cost_credits: n.monthly_cost_credits,
                address_requirement: n
                    .address_requirement
                    .as_deref()
                    .and_then(AddressRequirement::from_name),
                bundle_required: n.bundle_required,
            })
            .collect(),
        fetched_at: cached.fetched_at,
        possibly_stale: true,
        offline_reason,
        suggestions: Vec::new(),
    }
}
