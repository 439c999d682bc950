//! Phone numbers as one type, [`E164`]: `+`, the country code and the national number, checked
//! against libphonenumber's numbering plans (the `phonenumber` crate) wherever a number enters
//! NumberDesk: what a person types or pastes, what a carrier answers, a CSV file. Inside, a value
//! of this type is a number in E.164 form and nothing else.

use std::fmt;

use crate::domain::failure::{Classified, ErrorKind, UserError};
use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum E164Error {
    #[error("Enter a phone number.")]
    Empty,
    #[error("{0} is not in international form: start with + and the country code, for example +1 212 555 0100.")]
    NotInternational(String),
    #[error("{0} is not a phone number in international form (+ and digits).")]
    NotANumber(String),
    #[error("{0} has no country: no country uses that country code.")]
    UnknownCountryCode(String),
    #[error("{0} is not a valid {1} number: check its digits.")]
    NotValid(String, String),
    #[error("{0} has too few or too many digits for a phone number.")]
    WrongLength(String),
}

impl UserError for E164Error {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Empty
            | Self::NotInternational(_)
            | Self::NotANumber(_)
            | Self::UnknownCountryCode(_)
            | Self::NotValid(..)
            | Self::WrongLength(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

/// How strictly a number is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// A real number of its country: typed by a person.
    Valid,
    /// A number of a possible length for its country code: sent by the carrier that holds it,
    /// which knows its own ranges better than any plan we ship.
    Possible,
}

impl E164 {
    /// A number a person typed or pasted: spaces, dashes, dots and brackets are fine; it must be
    /// in international form and a valid number of its country.
    pub fn parse(text: &str) -> Result<E164, E164Error> {
        Self::checked(text, Check::Valid)
    }

    /// A number a carrier (or a file from a carrier's console) gives: international form, and a
    /// possible length for its country code.
    pub fn from_carrier(text: &str) -> Result<E164, E164Error> {
        Self::checked(text, Check::Possible)
    }

    fn checked(text: &str, check: Check) -> Result<E164, E164Error> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(E164Error::Empty);
        }
        if !trimmed.starts_with('+') {
            return Err(E164Error::NotInternational(trimmed.to_owned()));
        }
        let allowed = |c: char| c.is_ascii_digit() || " -.()\u{a0}".contains(c);
        if !trimmed[1..].chars().all(allowed) {
            return Err(E164Error::NotANumber(trimmed.to_owned()));
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if !(6..=15).contains(&digits.len()) {
            return Err(E164Error::WrongLength(trimmed.to_owned()));
        }
        let number =
            phonenumber::parse(None, format!("+{digits}")).map_err(|error| match error {
                phonenumber::ParseError::InvalidCountryCode => {
                    E164Error::UnknownCountryCode(trimmed.to_owned())
                }
                phonenumber::ParseError::TooShortNsn | phonenumber::ParseError::TooLong => {
                    E164Error::WrongLength(trimmed.to_owned())
                }
                _ => E164Error::NotANumber(trimmed.to_owned()),
            })?;
        let e164 = number.format().mode(Mode::E164).to_string();
        match check {
            Check::Valid if !phonenumber::is_valid(&number) => Err(E164Error::NotValid(
                trimmed.to_owned(),
                country_words(&number),
            )),
            _ => Ok(E164(e164)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    fn parsed(&self) -> Option<PhoneNumber> {
        phonenumber::parse(None, &self.0).ok()
    }

    /// The number's country (ISO 3166-1 alpha-2), where its numbering plan says which.
    pub fn country(&self) -> Option<String> {
        self.parsed()
            .and_then(|n| n.country().id())
            .map(|id| id.as_ref().to_owned())
    }

    /// The country calling code (1 for the US and Canada, 44 for the UK…).
    pub fn calling_code(&self) -> u16 {
        self.parsed().map_or(0, |n| n.code().value())
    }

    /// The digits after the country code.
    pub fn national_digits(&self) -> String {
        self.parsed()
            .map(|n| n.national().value().to_string())
            .unwrap_or_default()
    }
}

/// "US", or "+44" when the number fits no country of its code.
fn country_words(number: &PhoneNumber) -> String {
    match number.country().id() {
        Some(id) => id.as_ref().to_owned(),
        None => format!("+{}", number.code().value()),
    }
}

/// The calling code of a country (ISO 3166-1 alpha-2), from the numbering plans.
pub fn calling_code_of(iso: &str) -> Option<u16> {
    let id: Id = iso.parse().ok()?;
    phonenumber::metadata::DATABASE
        .by_id(id.as_ref())
        .map(|meta| meta.country_code())
}

/// The country's national trunk prefix (`0` in the UK), dialled before an area code at home.
pub fn national_prefix_of(iso: &str) -> Option<String> {
    let id: Id = iso.parse().ok()?;
    phonenumber::metadata::DATABASE
        .by_id(id.as_ref())
        .and_then(|meta| meta.national_prefix().map(str::to_owned))
}

/// Whether `code` is an area code (national destination code) in use in the country: some
/// valid number of the country, by its numbering plan, has exactly that code as the first group
/// of its international form (`+44 161 …`, `+1 312-…`).
pub fn area_code_exists(iso: &str, code: &str) -> bool {
    let Some(calling) = calling_code_of(iso) else {
        return false;
    };
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let group_of = |number: &PhoneNumber| {
        let international = number.format().mode(Mode::International).to_string();
        international
            .split_once(' ')
            .and_then(|(_, rest)| rest.split([' ', '-']).next().map(str::to_owned))
    };
    // Subscriber parts of every plausible length, with a first digit that can start one.
    (4..=11).any(|rest: usize| {
        ['2', '3', '5', '7', '8', '9'].iter().any(|first| {
            let filler: String = std::iter::once(*first)
                .chain(std::iter::repeat('0').take(rest - 1))
                .collect();
            let candidates = [
                filler.clone(),
                filler.replace('0', "1"),
                filler.replace('0', "5"),
            ];
            candidates.iter().any(|subscriber| {
                phonenumber::parse(None, format!("+{calling}{code}{subscriber}"))
                    .ok()
                    .filter(phonenumber::is_valid)
                    .filter(|n| n.country().id().is_some_and(|id| id.as_ref() == iso))
                    .is_some_and(|n| group_of(&n).as_deref() == Some(code))
            })
        })
    })
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Read as text wherever text is wanted (a URL path, a SQL parameter, a message); it can only be
/// made through the checks above.
impl std::ops::Deref for E164 {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for E164 {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<E164> for String {
    fn from(number: E164) -> String {
        number.0
    }
}

impl PartialEq<E164> for String {
    fn eq(&self, other: &E164) -> bool {
        *self == other.0
    }
}

impl PartialEq<E164> for &str {
    fn eq(&self, other: &E164) -> bool {
        *self == other.0
    }
}

impl AsRef<str> for E164 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for E164 {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for E164 {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<&str> for E164 {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for E164 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// JSON carries numbers NumberDesk sent out itself (search results, table rows, a carrier's
/// listing), so their shape is what is checked.
impl<'de> serde::Deserialize<'de> for E164 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        E164::from_carrier(&text).map_err(serde::de::Error::custom)
    }
}

impl ToSql for E164 {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.as_str()))
    }
}

/// What NumberDesk stored it checked on the way in; a stored value that is not a number at all is
/// an error, never a default.
impl FromSql for E164 {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        E164::from_carrier(text).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbers_are_normalised_and_checked_against_the_plan() {
        let typed = E164::parse(" +1 (212) 200-1234 ").unwrap();
        assert_eq!(typed.as_str(), "+12122001234");
        assert_eq!(typed.country().as_deref(), Some("US"));
        assert_eq!(typed.calling_code(), 1);
        assert_eq!(typed.national_digits(), "2122001234");
        assert_eq!(
            E164::parse("+44 20 7123 4567")
                .unwrap()
                .country()
                .as_deref(),
            Some("GB")
        );
        let cases = [
            ("", E164Error::Empty),
            (
                "2122001234",
                E164Error::NotInternational("2122001234".into()),
            ),
            (
                "+1 212 CALL NOW",
                E164Error::NotANumber("+1 212 CALL NOW".into()),
            ),
            ("+12345", E164Error::WrongLength("+12345".into())),
            (
                "+999 1234 5678",
                E164Error::UnknownCountryCode("+999 1234 5678".into()),
            ),
            (
                "+44 20 2123 4567",
                E164Error::NotValid("+44 20 2123 4567".into(), "+44".into()),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(E164::parse(text), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn carrier_numbers_need_only_a_possible_shape() {
        // A range the plan does not list as assigned: the carrier that holds it is believed.
        assert_eq!(
            E164::from_carrier("+442021234567").unwrap().as_str(),
            "+442021234567"
        );
        assert!(E164::from_carrier("+1212").is_err());
        assert!(E164::from_carrier("12122001234").is_err());
    }

    #[test]
    fn area_codes_come_from_the_numbering_plan() {
        assert_eq!(calling_code_of("GB"), Some(44));
        assert_eq!(calling_code_of("PR"), Some(1));
        assert_eq!(calling_code_of("XX"), None);
        for (iso, code) in [
            ("US", "212"),
            ("US", "415"),
            ("CA", "416"),
            ("GB", "20"),
            ("GB", "161"),
            ("DE", "30"),
        ] {
            assert!(area_code_exists(iso, code), "{iso} {code}");
        }
        for (iso, code) in [
            ("US", "099"),
            ("US", "123"),
            ("CA", "212"),
            ("GB", "99"),
            ("US", "2a2"),
        ] {
            assert!(!area_code_exists(iso, code), "{iso} {code}");
        }
    }

    #[test]
    fn the_database_and_json_hold_the_e164_text() {
        let number = E164::parse("+1 212 200 1234").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"+12122001234\"");
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let back: E164 = db
            .query_row("SELECT ?1", [&number], |row| row.get(0))
            .unwrap();
        assert_eq!(back, number);
        let damaged: rusqlite::Result<E164> =
            db.query_row("SELECT 'not a number'", [], |row| row.get(0));
        assert!(damaged.is_err());
    }
}
