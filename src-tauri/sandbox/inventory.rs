//! The sandbox's deterministic stock of purchasable numbers: countries, number types, area codes,
//! capabilities and monthly prices, all derived from the seed so every run with the same seed
//! offers the same numbers. It knows nothing about accounts, HTTP or either carrier's wire format.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How many numbers one area code (or number-type prefix) holds in stock.
const NUMBERS_PER_BLOCK: usize = 250;

/// A kind of number as both carriers name it (Telnyx spelling; Twilio uses the same words in
/// `type`, and `Local`/`TollFree`/`Mobile`/`National` in paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NumberType {
    Local,
    Mobile,
    TollFree,
    National,
}

impl NumberType {
    pub const ALL: [NumberType; 4] = [
        NumberType::Local,
        NumberType::Mobile,
        NumberType::TollFree,
        NumberType::National,
    ];

    /// The snake_case name used by Telnyx and by Twilio's `type` and `subresource_uris` keys.
    pub fn as_str(self) -> &'static str {
        match self {
            NumberType::Local => "local",
            NumberType::Mobile => "mobile",
            NumberType::TollFree => "toll_free",
            NumberType::National => "national",
        }
    }

    /// The path segment Twilio uses (`.../AvailablePhoneNumbers/US/TollFree.json`).
    pub fn twilio_segment(self) -> &'static str {
        match self {
            NumberType::Local => "Local",
            NumberType::Mobile => "Mobile",
            NumberType::TollFree => "TollFree",
            NumberType::National => "National",
        }
    }

    /// The `number_type` text of Twilio's Pricing API (toll free is written with a space).
    pub fn twilio_pricing_name(self) -> &'static str {
        match self {
            NumberType::Local => "local",
            NumberType::Mobile => "mobile",
            NumberType::TollFree => "toll free",
            NumberType::National => "national",
        }
    }

    pub fn from_twilio_segment(segment: &str) -> Option<NumberType> {
        NumberType::ALL
            .into_iter()
            .find(|kind| kind.twilio_segment() == segment)
    }

    pub fn from_name(name: &str) -> Option<NumberType> {
        NumberType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// One area (or number-type prefix) of a country's numbering plan.
#[derive(Debug, Clone)]
pub struct Area {
    /// The national destination code: the US/CA area code, or the GB prefix after +44.
    pub ndc: &'static str,
    pub region: Option<&'static str>,
    pub locality: Option<&'static str>,
    pub rate_center: Option<&'static str>,
    pub lata: Option<&'static str>,
    pub postal_code: Option<&'static str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// What a country sells, and for how much per month.
#[derive(Debug, Clone)]
pub struct Country {
    pub iso: &'static str,
    pub name: &'static str,
    pub calling_code: &'static str,
    /// Number types on sale, each with its areas and monthly price in USD cents.
    pub offers: Vec<Offer>,
}

#[derive(Debug, Clone)]
pub struct Offer {
    pub kind: NumberType,
    pub monthly_cents: u32,
    pub upfront_cents: u32,
    pub areas: Vec<Area>,
}

/// Which services a number supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub voice: bool,
    pub sms: bool,
    pub mms: bool,
    pub fax: bool,
}

/// One number on sale.
#[derive(Debug, Clone)]
pub struct AvailableNumber {
    pub e164: String,
    pub country: &'static str,
    pub kind: NumberType,
    pub area: Area,
    pub capabilities: Capabilities,
    pub monthly_cents: u32,
    pub upfront_cents: u32,
}

impl AvailableNumber {
    /// Twilio's `friendly_name`: `(415) 555-0123` for North American numbers, E.164 elsewhere.
    pub fn friendly_name(&self) -> String {
        national_format(&self.e164)
    }

    /// Twilio's `address_requirements`: whether buying the number needs an Address on file.
    /// The sandbox follows what GB numbers ask of a buyer (an address, anywhere) and German
    /// local numbers (an address in Germany); US, Canada and Australia numbers need none.
    pub fn address_requirements(&self) -> &'static str {
        match (self.country, self.kind) {
            ("GB", _) => "any",
            ("DE", NumberType::Local) => "local",
            _ => "none",
        }
    }

    /// Whether buying the number needs an approved regulatory bundle: the regulation for its
    /// country and type, if there is one ([`REGULATIONS`]).
    pub fn regulation(&self) -> Option<&'static Regulation> {
        regulation_for(self.country, self.kind)
    }
}

/// A country's rule for one type of number (Twilio's Regulations resource): a buyer needs a
/// bundle approved against it. Its sid is fixed, as a real regulation's is.
#[derive(Debug)]
pub struct Regulation {
    pub sid: &'static str,
    pub iso_country: &'static str,
    pub number_type: NumberType,
    pub friendly_name: &'static str,
}

/// The regulations the sandbox knows, after Twilio's: German local and mobile numbers and
/// Australian local and mobile numbers need an approved bundle (for a business end user);
/// the rest of the stock needs none.
pub const REGULATIONS: &[Regulation] = &[
    Regulation {
        sid: "RN0de10ca1000000000000000000000000",
        iso_country: "DE",
        number_type: NumberType::Local,
        friendly_name: "Germany: Local - Business",
    },
    Regulation {
        sid: "RN0de30b11000000000000000000000000",
        iso_country: "DE",
        number_type: NumberType::Mobile,
        friendly_name: "Germany: Mobile - Business",
    },
    Regulation {
        sid: "RN0a010ca1000000000000000000000000",
        iso_country: "AU",
        number_type: NumberType::Local,
        friendly_name: "Australia: Local - Business",
    },
    Regulation {
        sid: "RN0a030b11000000000000000000000000",
        iso_country: "AU",
        number_type: NumberType::Mobile,
        friendly_name: "Australia: Mobile - Business",
    },
];

pub fn regulation_for(iso: &str, kind: NumberType) -> Option<&'static Regulation> {
    REGULATIONS
        .iter()
        .find(|r| r.iso_country == iso && r.number_type == kind)
}

/// `(415) 555-0123` for +1 numbers; other numbers are shown in E.164, as Twilio does.
pub fn national_format(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(rest) if rest.len() == 10 => {
            format!("({}) {}-{}", &rest[0..3], &rest[3..6], &rest[6..10])
        }
        _ => e164.to_string(),
    }
}

/// Formats cents as a decimal string with two places (`"1.15"`), as both carriers send money.
pub fn format_cents(cents: u32) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The whole stock, built once at start-up and never changed (what has been sold is tracked by
/// the state, not here).
#[derive(Debug)]
pub struct Inventory {
    pub countries: Vec<Country>,
    numbers: Vec<AvailableNumber>,
    by_e164: HashMap<String, usize>,
    /// Per (country, type): indices into `numbers`, round-robin across areas so an unfiltered
    /// search shows a spread of areas.
    by_type: HashMap<(&'static str, NumberType), Vec<usize>>,
    /// Per (country, type, ndc): indices into `numbers`.
    by_area: HashMap<(&'static str, NumberType, &'static str), Vec<usize>>,
}

impl Inventory {
    pub fn build(seed: u64) -> Inventory {
        let countries = catalogue();
        let mut numbers = Vec::new();
        let mut by_e164 = HashMap::new();
        let mut by_type = HashMap::new();
        let mut by_area = HashMap::new();
        for country in &countries {
            for offer in &country.offers {
                let mut blocks: Vec<Vec<usize>> = Vec::new();
                for area in &offer.areas {
                    let mut rng = ChaCha8Rng::seed_from_u64(block_seed(
                        seed,
                        country.iso,
                        offer.kind,
                        area.ndc,
                    ));
                    let mut block = Vec::with_capacity(NUMBERS_PER_BLOCK);
                    while block.len() < NUMBERS_PER_BLOCK {
                        let e164 = draw_number(&mut rng, country, offer.kind, area.ndc, false);
                        if by_e164.contains_key(&e164) {
                            continue;
                        }
                        let capabilities = draw_capabilities(&mut rng, country.iso, offer.kind);
                        let index = numbers.len();
                        by_e164.insert(e164.clone(), index);
                        numbers.push(AvailableNumber {
                            e164,
                            country: country.iso,
                            kind: offer.kind,
                            area: area.clone(),
                            capabilities,
                            monthly_cents: offer.monthly_cents,
                            upfront_cents: offer.upfront_cents,
                        });
                        block.push(index);
                    }
                    by_area.insert((country.iso, offer.kind, area.ndc), block.clone());
                    blocks.push(block);
                }
                let mut interleaved = Vec::new();
                for position in 0..NUMBERS_PER_BLOCK {
                    for block in &blocks {
                        interleaved.push(block[position]);
                    }
                }
                by_type.insert((country.iso, offer.kind), interleaved);
            }
        }
        Inventory {
            countries,
            numbers,
            by_e164,
            by_type,
            by_area,
        }
    }

    pub fn country(&self, iso: &str) -> Option<&Country> {
        self.countries.iter().find(|country| country.iso == iso)
    }

    pub fn offer(&self, iso: &str, kind: NumberType) -> Option<&Offer> {
        self.country(iso)?
            .offers
            .iter()
            .find(|offer| offer.kind == kind)
    }

    pub fn get(&self, e164: &str) -> Option<&AvailableNumber> {
        self.by_e164.get(e164).map(|index| &self.numbers[*index])
    }

    /// Candidates for a search, in a stable order. `ndc` narrows to one area; `None` spreads the
    /// results over every area of that type.
    pub fn candidates<'a>(
        &'a self,
        iso: &str,
        kind: NumberType,
        ndc: Option<&str>,
    ) -> impl Iterator<Item = &'a AvailableNumber> + 'a {
        let indices: &[usize] = match ndc {
            Some(ndc) => self
                .by_area
                .iter()
                .find(|((country, number_type, area), _)| {
                    *country == iso && *number_type == kind && *area == ndc
                })
                .map(|(_, indices)| indices.as_slice())
                .unwrap_or(&[]),
            None => self
                .by_type
                .iter()
                .find(|((country, number_type), _)| *country == iso && *number_type == kind)
                .map(|(_, indices)| indices.as_slice())
                .unwrap_or(&[]),
        };
        indices.iter().map(move |index| &self.numbers[*index])
    }

    /// Types of numbers a country sells, in a fixed order.
    pub fn types_in(&self, iso: &str) -> Vec<NumberType> {
        self.country(iso)
            .map(|country| country.offers.iter().map(|offer| offer.kind).collect())
            .unwrap_or_default()
    }
}

/// Draws `count` distinct numbers for seeded (already owned) accounts. They use exchanges
/// 200-299, which the purchasable stock never uses, so the two can never collide.
pub fn draw_owned_numbers(
    rng: &mut ChaCha8Rng,
    inventory: &Inventory,
    count: usize,
    used: &mut std::collections::HashSet<String>,
) -> Vec<AvailableNumber> {
    let Some(us) = inventory.country("US") else {
        return Vec::new();
    };
    let Some(local) = us
        .offers
        .iter()
        .find(|offer| offer.kind == NumberType::Local)
    else {
        return Vec::new();
    };
    let mut owned = Vec::with_capacity(count);
    while owned.len() < count {
        let area = &local.areas[rng.random_range(0..local.areas.len())];
        let e164 = draw_number(rng, us, NumberType::Local, area.ndc, true);
        if !used.insert(e164.clone()) {
            continue;
        }
        owned.push(AvailableNumber {
            e164,
            country: us.iso,
            kind: NumberType::Local,
            area: area.clone(),
            capabilities: Capabilities {
                voice: true,
                sms: true,
                mms: true,
                fax: false,
            },
            monthly_cents: local.monthly_cents,
            upfront_cents: local.upfront_cents,
        });
    }
    owned
}

fn block_seed(seed: u64, iso: &str, kind: NumberType, ndc: &str) -> u64 {
    // FNV-1a over the block's name, mixed with the seed: stable across runs and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in iso.bytes().chain(kind.as_str().bytes()).chain(ndc.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Outside North America: how long a national significant number (NDC included) is in each of
/// the country's ranges the sandbox sells, and the digits an allocated range starts with after
/// the NDC (the national plans, as libphonenumber has them; a test checks every number on sale
/// against the plan).
fn plan(iso: &str, ndc: &str) -> (usize, &'static [u8]) {
    match (iso, ndc) {
        ("GB", "20") => (10, b"3478"),
        ("GB", "121") => (10, b"234567"),
        ("GB", "131") => (10, b"2345678"),
        ("GB", "117") => (10, b"2349"),
        ("GB", "7700") => (10, b"378"),
        // Germany: a city's NDC and an eight-digit subscriber number; mobiles 15x, 16x, 17x
        // and eight more digits.
        ("DE", "30" | "40" | "89") => (10, b"23456789"),
        ("DE", _) => (11, b"0123456789"),
        // Australia: nine digits, the one-digit NDC of a state or 4 for mobiles.
        ("AU", "2" | "3") => (9, b"89"),
        ("AU", "7") => (9, b"3"),
        ("AU", _) => (9, b"0123"),
        _ => (10, b"23456789"),
    }
}

fn draw_number(
    rng: &mut ChaCha8Rng,
    country: &Country,
    kind: NumberType,
    ndc: &str,
    owned_range: bool,
) -> String {
    match country.calling_code {
        "1" => {
            let exchange: u32 = if owned_range {
                rng.random_range(200..300)
            } else {
                loop {
                    let candidate = rng.random_range(300..990);
                    // N11 codes are service codes, never exchanges.
                    if candidate % 100 != 11 {
                        break candidate;
                    }
                }
            };
            let line: u32 = rng.random_range(0..10_000);
            format!("+1{ndc}{exchange:03}{line:04}")
        }
        _ => {
            // The NDC plus enough digits for the range's national significant number, starting
            // with a digit the plan has allocated after that NDC, as a carrier's stock always is.
            let (length, firsts) = plan(country.iso, ndc);
            let rest_len = length - ndc.len();
            let mut digits = String::with_capacity(rest_len);
            digits.push(char::from(firsts[rng.random_range(0..firsts.len())]));
            for _ in 1..rest_len {
                digits.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
            let _ = kind;
            format!("+{}{ndc}{digits}", country.calling_code)
        }
    }
}

fn draw_capabilities(rng: &mut ChaCha8Rng, iso: &str, kind: NumberType) -> Capabilities {
    // Most numbers have everything their type allows; some lack MMS or fax, so capability
    // filters have something to filter.
    let roll: u32 = rng.random_range(0..10);
    match (iso, kind) {
        ("US" | "CA", NumberType::Local) => Capabilities {
            voice: true,
            sms: true,
            mms: roll >= 2,
            fax: roll >= 5,
        },
        ("US" | "CA", _) => Capabilities {
            voice: true,
            sms: true,
            mms: roll >= 3,
            fax: false,
        },
        (_, NumberType::Mobile) => Capabilities {
            voice: true,
            sms: true,
            mms: false,
            fax: false,
        },
        (_, NumberType::Local) => Capabilities {
            voice: true,
            sms: false,
            mms: false,
            fax: roll >= 5,
        },
        _ => Capabilities {
            voice: true,
            sms: false,
            mms: false,
            fax: false,
        },
    }
}

/// Is `code` shaped like a North American area code (NXX, not an N11 service code)?
pub fn is_nanp_area_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 3
        && bytes.iter().all(u8::is_ascii_digit)
        && (b'2'..=b'9').contains(&bytes[0])
        && !(bytes[1] == b'1' && bytes[2] == b'1')
}

// One row of the area table; the arguments are its columns.
#[allow(clippy::too_many_arguments)]
fn area(
    ndc: &'static str,
    region: &'static str,
    locality: &'static str,
    rate_center: &'static str,
    lata: Option<&'static str>,
    postal_code: &'static str,
    latitude: f64,
    longitude: f64,
) -> Area {
    Area {
        ndc,
        region: Some(region),
        locality: Some(locality),
        rate_center: Some(rate_center),
        lata,
        postal_code: Some(postal_code),
        latitude: Some(latitude),
        longitude: Some(longitude),
    }
}

fn bare_area(ndc: &'static str, locality: Option<&'static str>) -> Area {
    Area {
        ndc,
        region: None,
        locality,
        rate_center: None,
        lata: None,
        postal_code: None,
        latitude: None,
        longitude: None,
    }
}

fn toll_free_areas() -> Vec<Area> {
    ["800", "833", "844", "855", "866", "877", "888"]
        .into_iter()
        .map(|ndc| bare_area(ndc, None))
        .collect()
}

fn catalogue() -> Vec<Country> {
    vec![
        Country {
            iso: "US",
            name: "United States",
            calling_code: "1",
            offers: vec![
                Offer {
                    kind: NumberType::Local,
                    monthly_cents: 115,
                    upfront_cents: 100,
                    areas: vec![
                        area(
                            "212",
                            "NY",
                            "New York",
                            "NWYRCYZN01",
                            Some("132"),
                            "10001",
                            40.7128,
                            -74.006,
                        ),
                        area(
                            "415",
                            "CA",
                            "San Francisco",
                            "SNFC CNTRL",
                            Some("722"),
                            "94103",
                            37.7749,
                            -122.4194,
                        ),
                        area(
                            "312",
                            "IL",
                            "Chicago",
                            "CHICAGO",
                            Some("358"),
                            "60601",
                            41.8781,
                            -87.6298,
                        ),
                        area(
                            "206",
                            "WA",
                            "Seattle",
                            "SEATTLE",
                            Some("674"),
                            "98101",
                            47.6062,
                            -122.3321,
                        ),
                        area(
                            "512",
                            "TX",
                            "Austin",
                            "AUSTIN",
                            Some("558"),
                            "78701",
                            30.2672,
                            -97.7431,
                        ),
                        area(
                            "305",
                            "FL",
                            "Miami",
                            "MIAMI",
                            Some("460"),
                            "33101",
                            25.7617,
                            -80.1918,
                        ),
                        area(
                            "617",
                            "MA",
                            "Boston",
                            "BOSTON",
                            Some("128"),
                            "02108",
                            42.3601,
                            -71.0589,
                        ),
                        area(
                            "303",
                            "CO",
                            "Denver",
                            "DENVER",
                            Some("656"),
                            "80202",
                            39.7392,
                            -104.9903,
                        ),
                        area(
                            "404",
                            "GA",
                            "Atlanta",
                            "ATLANTA",
                            Some("438"),
                            "30303",
                            33.749,
                            -84.388,
                        ),
                        area(
                            "808",
                            "HI",
                            "Honolulu",
                            "HONOLULU",
                            Some("834"),
                            "96813",
                            21.3069,
                            -157.8583,
                        ),
                        area(
                            "702",
                            "NV",
                            "Las Vegas",
                            "LAS VEGAS",
                            Some("721"),
                            "89101",
                            36.1699,
                            -115.1398,
                        ),
                        area(
                            "503",
                            "OR",
                            "Portland",
                            "PORTLAND",
                            Some("672"),
                            "97201",
                            45.5152,
                            -122.6784,
                        ),
                    ],
                },
                Offer {
                    kind: NumberType::TollFree,
                    monthly_cents: 215,
                    upfront_cents: 100,
                    areas: toll_free_areas(),
                },
            ],
        },
        Country {
            iso: "CA",
            name: "Canada",
            calling_code: "1",
            offers: vec![
                Offer {
                    kind: NumberType::Local,
                    monthly_cents: 115,
                    upfront_cents: 100,
                    areas: vec![
                        area(
                            "416", "ON", "Toronto", "TORONTO", None, "M5H 2N2", 43.6532, -79.3832,
                        ),
                        area(
                            "604",
                            "BC",
                            "Vancouver",
                            "VANCOUVER",
                            None,
                            "V6B 1A1",
                            49.2827,
                            -123.1207,
                        ),
                        area(
                            "514", "QC", "Montreal", "MONTREAL", None, "H2Y 1C6", 45.5017, -73.5673,
                        ),
                        area(
                            "403", "AB", "Calgary", "CALGARY", None, "T2P 1J9", 51.0447, -114.0719,
                        ),
                        area(
                            "613",
                            "ON",
                            "Ottawa",
                            "OTTAWA HULL",
                            None,
                            "K1P 1J1",
                            45.4215,
                            -75.6972,
                        ),
                        area(
                            "902", "NS", "Halifax", "HALIFAX", None, "B3J 1S9", 44.6488, -63.5752,
                        ),
                    ],
                },
                Offer {
                    kind: NumberType::TollFree,
                    monthly_cents: 215,
                    upfront_cents: 100,
                    areas: toll_free_areas(),
                },
            ],
        },
        Country {
            iso: "GB",
            name: "United Kingdom",
            calling_code: "44",
            offers: vec![
                Offer {
                    kind: NumberType::Local,
                    monthly_cents: 115,
                    upfront_cents: 100,
                    areas: vec![
                        bare_area("20", Some("London")),
                        bare_area("161", Some("Manchester")),
                        bare_area("121", Some("Birmingham")),
                        bare_area("131", Some("Edinburgh")),
                        bare_area("141", Some("Glasgow")),
                        bare_area("117", Some("Bristol")),
                    ],
                },
                Offer {
                    kind: NumberType::Mobile,
                    monthly_cents: 115,
                    upfront_cents: 100,
                    areas: vec![
                        bare_area("7400", None),
                        bare_area("7700", None),
                        bare_area("7900", None),
                    ],
                },
                Offer {
                    kind: NumberType::National,
                    monthly_cents: 115,
                    upfront_cents: 100,
                    areas: vec![bare_area("330", None), bare_area("333", None)],
                },
                Offer {
                    kind: NumberType::TollFree,
                    monthly_cents: 215,
                    upfront_cents: 100,
                    areas: vec![bare_area("800", None), bare_area("808", None)],
                },
            ],
        },
        Country {
            iso: "DE",
            name: "Germany",
            calling_code: "49",
            offers: vec![
                Offer {
                    kind: NumberType::Local,
                    monthly_cents: 100,
                    upfront_cents: 100,
                    areas: vec![
                        bare_area("30", Some("Berlin")),
                        bare_area("40", Some("Hamburg")),
                        bare_area("89", Some("Munich")),
                    ],
                },
                Offer {
                    kind: NumberType::Mobile,
                    monthly_cents: 400,
                    upfront_cents: 100,
                    areas: vec![bare_area("151", None), bare_area("170", None)],
                },
            ],
        },
        Country {
            iso: "AU",
            name: "Australia",
            calling_code: "61",
            offers: vec![
                Offer {
                    kind: NumberType::Local,
                    monthly_cents: 300,
                    upfront_cents: 100,
                    areas: vec![
                        bare_area("2", Some("Sydney")),
                        bare_area("3", Some("Melbourne")),
                        bare_area("7", Some("Brisbane")),
                    ],
                },
                Offer {
                    kind: NumberType::Mobile,
                    monthly_cents: 650,
                    upfront_cents: 100,
                    areas: vec![bare_area("4", None)],
                },
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stock_and_another_seed_does_not() {
        let first = Inventory::build(7);
        let again = Inventory::build(7);
        let other = Inventory::build(8);
        let numbers = |inventory: &Inventory| -> Vec<String> {
            inventory
                .candidates("US", NumberType::Local, Some("415"))
                .map(|number| number.e164.clone())
                .collect()
        };
        assert_eq!(numbers(&first), numbers(&again));
        assert_ne!(numbers(&first), numbers(&other));
        assert_eq!(numbers(&first).len(), NUMBERS_PER_BLOCK);
    }

    #[test]
    fn numbers_have_the_shape_of_their_plan() {
        let inventory = Inventory::build(1);
        for number in inventory
            .candidates("US", NumberType::Local, None)
            .take(100)
        {
            assert_eq!(number.e164.len(), 12, "{}", number.e164);
            assert!(number.e164.starts_with("+1"));
        }
        for number in inventory
            .candidates("GB", NumberType::Mobile, None)
            .take(100)
        {
            assert!(number.e164.starts_with("+447"), "{}", number.e164);
            assert_eq!(number.e164.len(), 13, "{}", number.e164);
        }
    }

    /// Whether libphonenumber's plans know `e164` as a number in use.
    fn is_real_number(e164: &str) -> bool {
        phonenumber::parse(None, e164).is_ok_and(|number| phonenumber::is_valid(&number))
    }

    #[test]
    fn every_number_on_sale_is_a_real_number_of_its_plan() {
        let inventory = Inventory::build(3);
        for iso in ["US", "CA", "GB", "DE", "AU"] {
            for kind in inventory.types_in(iso) {
                for number in inventory.candidates(iso, kind, None).take(200) {
                    assert!(
                        is_real_number(&number.e164),
                        "{iso} {kind:?} {}",
                        number.e164
                    );
                }
            }
        }
    }

    #[test]
    fn area_codes_are_checked_like_the_numbering_plan() {
        for (code, valid) in [
            ("415", true),
            ("911", false),
            ("099", false),
            ("41", false),
            ("4a5", false),
        ] {
            assert_eq!(is_nanp_area_code(code), valid, "{code}");
        }
    }

    #[test]
    fn friendly_names_follow_twilio() {
        assert_eq!(national_format("+14155550123"), "(415) 555-0123");
        assert_eq!(national_format("+442071234567"), "+442071234567");
        assert_eq!(format_cents(115), "1.15");
    }
}
