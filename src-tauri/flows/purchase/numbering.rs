//! Numbering plans, just enough to check a country and an area code before asking the carrier,
//! and the conversion of a carrier's price to credits. Pure functions: no carrier, no store.

use super::PurchaseError;
use crate::carriers::Money;

/// Countries NumberDesk lists for carriers whose client has no coverage call (Telnyx), with the
/// calling code used to split numbers into area codes.
pub(super) const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AT", "Austria", "43"),
    ("AU", "Australia", "61"),
    ("BE", "Belgium", "32"),
    ("BR", "Brazil", "55"),
    ("CA", "Canada", "1"),
    ("CH", "Switzerland", "41"),
    ("DE", "Germany", "49"),
    ("DK", "Denmark", "45"),
    ("ES", "Spain", "34"),
    ("FI", "Finland", "358"),
    ("FR", "France", "33"),
    ("GB", "United Kingdom", "44"),
    ("IE", "Ireland", "353"),
    ("IL", "Israel", "972"),
    ("IT", "Italy", "39"),
    ("JP", "Japan", "81"),
    ("MX", "Mexico", "52"),
    ("NL", "Netherlands", "31"),
    ("NO", "Norway", "47"),
    ("NZ", "New Zealand", "64"),
    ("PL", "Poland", "48"),
    ("PR", "Puerto Rico", "1"),
    ("PT", "Portugal", "351"),
    ("SE", "Sweden", "46"),
    ("SG", "Singapore", "65"),
    ("US", "United States", "1"),
    ("ZA", "South Africa", "27"),
];

pub(super) fn country_name(iso: &str) -> String {
    COUNTRIES
        .iter()
        .find(|(code, _, _)| *code == iso)
        .map_or_else(|| iso.to_string(), |(_, name, _)| (*name).to_string())
}

pub(super) fn calling_code(iso: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(code, _, _)| *code == iso)
        .map(|(_, _, calling)| *calling)
}

fn is_nanp(iso: &str) -> bool {
    calling_code(iso) == Some("1")
}

/// Checks a country code's shape: two letters, upper-cased.
pub fn validate_country(text: &str) -> Result<String, PurchaseError> {
    let iso = text.trim().to_ascii_uppercase();
    if iso.len() != 2 || !iso.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(PurchaseError::InvalidCountry(text.trim().to_string()));
    }
    Ok(iso)
}

/// Checks an area code for a country and returns it normalised (`None` when empty). North
/// American codes follow the NANP: three digits, the first 2-9, not a service code (N11), not a
/// reserved expansion code (N9X, 37X, 96X). Elsewhere a national trunk `0` is dropped
/// (`020` -> `20`) and 1 to 5 digits are accepted; the carrier judges the rest.
pub fn validate_area_code(iso: &str, text: Option<&str>) -> Result<Option<String>, PurchaseError> {
    let Some(raw) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '(' | ')' | '-'))
        .collect();
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PurchaseError::AreaCodeNotDigits(raw.to_string()));
    }
    let missing = |hint| PurchaseError::AreaCodeDoesNotExist {
        code: code.clone(),
        country: country_name(iso),
        hint,
    };
    if is_nanp(iso) {
        let b = code.as_bytes();
        if b.len() != 3 {
            return Err(missing(
                "Area codes there have three digits, for example 312.",
            ));
        }
        let reserved = b[0] < b'2'
            || (b[1] == b'1' && b[2] == b'1')
            || b[1] == b'9'
            || code.starts_with("37")
            || code.starts_with("96");
        if reserved {
            return Err(missing(
                "Check the code, or leave it empty to search the whole country.",
            ));
        }
        return Ok(Some(code));
    }
    let code = code.strip_prefix('0').unwrap_or(&code).to_string();
    if code.is_empty() || code.len() > 5 || code.starts_with('0') {
        return Err(PurchaseError::AreaCodeDoesNotExist {
            code: raw.to_string(),
            country: country_name(iso),
            hint: "Check the code, or leave it empty to search the whole country.",
        });
    }
    Ok(Some(code))
}

/// Credits for a monthly price: one credit per US cent. Other currencies are not converted.
pub fn credits_for(price: &Money) -> Option<i64> {
    if price.currency != "USD" {
        return None;
    }
    price.cents().filter(|cents| *cents >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_codes_are_checked_for_the_country() {
        assert_eq!(
            validate_area_code("US", Some("312")).unwrap().as_deref(),
            Some("312")
        );
        assert_eq!(
            validate_area_code("US", Some(" (415) "))
                .unwrap()
                .as_deref(),
            Some("415")
        );
        assert_eq!(validate_area_code("US", None).unwrap(), None);
        assert_eq!(validate_area_code("US", Some("  ")).unwrap(), None);
        assert_eq!(
            validate_area_code("GB", Some("020")).unwrap().as_deref(),
            Some("20")
        );
        for (country, code, wanted) in [
            ("US", "31a", "is not an area code"),
            ("US", "099", "There is no area code 099 in United States"),
            ("US", "911", "There is no area code"),
            ("US", "395", "There is no area code"),
            ("US", "3125", "three digits"),
            ("CA", "41", "three digits"),
            ("GB", "00", "There is no area code"),
            ("GB", "abc", "is not an area code"),
        ] {
            let error = validate_area_code(country, Some(code)).unwrap_err();
            assert!(error.is_invalid_input());
            assert!(error.to_string().contains(wanted), "{code}: {error}");
        }
    }

    #[test]
    fn countries_are_two_letters() {
        assert_eq!(validate_country(" us ").unwrap(), "US");
        for bad in ["USA", "1", "", "U$"] {
            assert!(matches!(
                validate_country(bad),
                Err(PurchaseError::InvalidCountry(_))
            ));
        }
    }

    #[test]
    fn credits_are_us_cents() {
        assert_eq!(credits_for(&Money::new("1.15", "usd")), Some(115));
        assert_eq!(credits_for(&Money::new("2.155", "USD")), Some(216));
        assert_eq!(credits_for(&Money::new("1.00", "EUR")), None);
    }
}
