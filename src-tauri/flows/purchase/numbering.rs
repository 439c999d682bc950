//! Checking a country and an area code before asking the carrier, against libphonenumber's
//! numbering plans (through `domain::e164`), and the conversion of a carrier's price to credits.
//! Pure functions: no carrier, no store.

use super::PurchaseError;
use crate::carriers::Money;
use crate::domain::e164::{area_code_exists, calling_code_of, national_prefix_of};

/// The countries NumberDesk offers for carriers whose client has no coverage call (Telnyx), in
/// NumberDesk's words; their numbering plans (calling codes, area codes) come from the plans.
pub(super) const OFFERED_COUNTRIES: &[(&str, &str)] = &[
    ("AT", "Austria"),
    ("AU", "Australia"),
    ("BE", "Belgium"),
    ("BR", "Brazil"),
    ("CA", "Canada"),
    ("CH", "Switzerland"),
    ("DE", "Germany"),
    ("DK", "Denmark"),
    ("ES", "Spain"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("IL", "Israel"),
    ("IT", "Italy"),
    ("JP", "Japan"),
    ("MX", "Mexico"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("NZ", "New Zealand"),
    ("PL", "Poland"),
    ("PR", "Puerto Rico"),
    ("PT", "Portugal"),
    ("SE", "Sweden"),
    ("SG", "Singapore"),
    ("US", "United States"),
    ("ZA", "South Africa"),
];

pub(super) fn country_name(iso: &str) -> String {
    OFFERED_COUNTRIES
        .iter()
        .find(|(code, _)| *code == iso)
        .map_or_else(|| iso.to_string(), |(_, name)| (*name).to_string())
}

/// The country's calling code, as digits (`"44"`).
pub(super) fn calling_code(iso: &str) -> Option<String> {
    calling_code_of(iso).map(|code| code.to_string())
}

/// Checks a country code's shape: two letters, upper-cased.
pub fn validate_country(text: &str) -> Result<String, PurchaseError> {
    let iso = text.trim().to_ascii_uppercase();
    if iso.len() != 2 || !iso.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(PurchaseError::InvalidCountry(text.trim().to_string()));
    }
    Ok(iso)
}

/// Checks an area code for a country and returns it normalised (`None` when empty): spaces and
/// brackets go, the country's national trunk prefix goes (`020` -> `20` in the UK), and what is
/// left must begin some valid number of the country by its numbering plan.
pub fn validate_area_code(iso: &str, text: Option<&str>) -> Result<Option<String>, PurchaseError> {
    let Some(raw) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let typed: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '(' | ')' | '-'))
        .collect();
    if typed.is_empty() || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PurchaseError::AreaCodeNotDigits(raw.to_string()));
    }
    let code = match national_prefix_of(iso) {
        Some(prefix) if typed.len() > prefix.len() => typed
            .strip_prefix(prefix.as_str())
            .unwrap_or(&typed)
            .to_string(),
        _ => typed.clone(),
    };
    if area_code_exists(iso, &code) {
        return Ok(Some(code));
    }
    // The +1 plan's area codes all have three digits; saying so is the useful hint there.
    let hint = if calling_code_of(iso) == Some(1) && code.len() != 3 {
        "Area codes there have three digits, for example 312."
    } else {
        "Check the code, or leave it empty to search the whole country."
    };
    Err(PurchaseError::AreaCodeDoesNotExist {
        code: typed,
        country: country_name(iso),
        hint,
    })
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
