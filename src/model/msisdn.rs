//! `Msisdn`: a mobile number in international E.164 form, digits only.
//!
//! Customers write numbers every way people do ("+44 7700 900-123",
//! "0044 (7700) 900123", "447700900123"); we keep one form, the digits of
//! the E.164 number without `+`, so that routing prefixes, opt-out lists and
//! reports all compare equal numbers as equal.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An international mobile number: country code first, 7 to 15 digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Msisdn(String);

/// What is wrong with a number, in terms a customer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MsisdnError {
    /// Nothing left once separators and the international prefix are gone.
    #[error("empty number")]
    Empty,
    /// A character that is neither a digit, a separator nor a leading `+`.
    #[error(
        "number {text:?} has {ch:?} as character {position}; only digits, spaces, dashes, dots, parentheses and a leading + or 00 are allowed"
    )]
    InvalidCharacter {
        /// The number as written.
        text: String,
        /// The first character not allowed.
        ch: char,
        /// Counted from 1, in characters of the text as written.
        position: usize,
    },
    /// The digits start with 0: a national number (e.g. "07700 900123")
    /// rather than an international one.
    #[error("number {0:?} has no country code: after a leading + or 00 it starts with 0")]
    NoCountryCode(String),
    /// Fewer than [`Msisdn::MIN_DIGITS`] digits once normalised.
    #[error(
        "number {text:?} has {digits} digits; an international number has at least {}",
        Msisdn::MIN_DIGITS
    )]
    TooShort {
        /// The number as written.
        text: String,
        /// How many digits it has once normalised.
        digits: usize,
    },
    /// More than [`Msisdn::MAX_DIGITS`] digits once normalised.
    #[error(
        "number {text:?} has {digits} digits; E.164 allows at most {}",
        Msisdn::MAX_DIGITS
    )]
    TooLong {
        /// The number as written.
        text: String,
        /// How many digits it has once normalised.
        digits: usize,
    },
}

/// Separators people put in numbers; dropped wherever they are.
fn is_separator(ch: char) -> bool {
    matches!(ch, ' ' | '-' | '.' | '(' | ')')
}

impl Msisdn {
    /// ITU-T E.164 §6.1: at most 15 digits including the country code.
    pub const MAX_DIGITS: usize = 15;
    /// The shortest numbers in service (3-digit country code and 4-digit
    /// subscriber number, e.g. Niue, Saint Helena) have 7 digits.
    pub const MIN_DIGITS: usize = 7;

    /// Normalises `text`: separators (space, `-`, `.`, `(`, `)`) are
    /// dropped, then one leading `+` or `00` (the international prefix);
    /// what remains must be 7 to 15 digits not starting with 0.
    pub fn parse(text: &str) -> Result<Msisdn, MsisdnError> {
        let mut compact = String::with_capacity(text.len());
        for (position, ch) in text.chars().enumerate() {
            if is_separator(ch) {
                continue;
            }
            let leading_plus = ch == '+' && compact.is_empty();
            if !(ch.is_ascii_digit() || leading_plus) {
                return Err(MsisdnError::InvalidCharacter {
                    text: text.to_string(),
                    ch,
                    position: position + 1,
                });
            }
            compact.push(ch);
        }
        if compact.is_empty() {
            return Err(MsisdnError::Empty);
        }
        let digits = compact
            .strip_prefix('+')
            .or_else(|| compact.strip_prefix("00"))
            .unwrap_or(&compact);
        if digits.is_empty() {
            return Err(MsisdnError::Empty);
        }
        if digits.starts_with('0') {
            return Err(MsisdnError::NoCountryCode(text.to_string()));
        }
        if digits.len() < Self::MIN_DIGITS {
            return Err(MsisdnError::TooShort {
                text: text.to_string(),
                digits: digits.len(),
            });
        }
        if digits.len() > Self::MAX_DIGITS {
            return Err(MsisdnError::TooLong {
                text: text.to_string(),
                digits: digits.len(),
            });
        }
        Ok(Msisdn(digits.to_string()))
    }

    /// The digits, country code first, without `+`.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

/// `text` as numbers are compared when messages are searched by number:
/// an international number's digits ([`Msisdn::parse`]: separators, `+`
/// and `00` dropped), else the text without one leading `+` (a short
/// code, a national number). So "+34 600-123 456", "0034600123456" and
/// "34600123456" are one number, whichever way it was stored or searched.
pub fn comparable_number(text: &str) -> Cow<'_, str> {
    match Msisdn::parse(text) {
        Ok(number) => Cow::Owned(number.0),
        Err(_) => Cow::Borrowed(text.strip_prefix('+').unwrap_or(text)),
    }
}

impl fmt::Display for Msisdn {
    /// The digits, as SMPP addresses with TON international carry them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Msisdn {
    type Err = MsisdnError;

    fn from_str(text: &str) -> Result<Msisdn, MsisdnError> {
        Msisdn::parse(text)
    }
}

impl TryFrom<String> for Msisdn {
    type Error = MsisdnError;

    fn try_from(text: String) -> Result<Msisdn, MsisdnError> {
        Msisdn::parse(&text)
    }
}

impl From<Msisdn> for String {
    fn from(number: Msisdn) -> String {
        number.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_ways_people_write_numbers() {
        for written in [
            "447700900123",
            "+447700900123",
            "00447700900123",
            "+44 7700 900123",
            "0044 7700-900.123",
            "+44 (7700) 900 123",
            " +44 7700 900123 ",
        ] {
            assert_eq!(
                Msisdn::parse(written).map(|m| m.digits().to_string()),
                Ok("447700900123".to_string()),
                "{written:?}"
            );
        }
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(Msisdn::parse(""), Err(MsisdnError::Empty));
        assert_eq!(Msisdn::parse(" - "), Err(MsisdnError::Empty));
        assert_eq!(Msisdn::parse("+"), Err(MsisdnError::Empty));
        assert_eq!(Msisdn::parse("00"), Err(MsisdnError::Empty));
        assert!(matches!(
            Msisdn::parse("+44 7700 9001x3"),
            Err(MsisdnError::InvalidCharacter {
                ch: 'x',
                position: 14,
                ..
            })
        ));
        assert!(matches!(
            Msisdn::parse("44+7700900123"),
            Err(MsisdnError::InvalidCharacter { ch: '+', .. })
        ));
        assert!(matches!(
            Msisdn::parse("++447700900123"),
            Err(MsisdnError::InvalidCharacter { ch: '+', .. })
        ));
        assert!(matches!(
            Msisdn::parse("07700900123"),
            Err(MsisdnError::NoCountryCode(_))
        ));
        assert!(matches!(
            Msisdn::parse("000447700900123"),
            Err(MsisdnError::NoCountryCode(_))
        ));
        assert!(matches!(
            Msisdn::parse("+683 123"),
            Err(MsisdnError::TooShort { digits: 6, .. })
        ));
        assert!(Msisdn::parse("+683 1234").is_ok());
        assert!(Msisdn::parse("+123 456 789 012 345").is_ok());
        assert!(matches!(
            Msisdn::parse("+1234 567 890 123 456"),
            Err(MsisdnError::TooLong { digits: 16, .. })
        ));
    }

    #[test]
    fn numbers_compare_however_they_are_written() {
        for written in [
            "+34 600-123 456",
            "0034600123456",
            "34600123456",
            "(34) 600.123.456",
        ] {
            assert_eq!(comparable_number(written), "34600123456", "{written}");
        }
        // Not international numbers: as written, one leading + dropped.
        assert_eq!(comparable_number("+1234"), "1234");
        assert_eq!(comparable_number("0600123456"), "0600123456");
        assert_eq!(comparable_number("Shop"), "Shop");
    }

    #[test]
    fn normal_form_is_a_fixed_point() {
        let number = Msisdn::parse("+34 600-123-456").unwrap();
        assert_eq!(Msisdn::parse(number.digits()), Ok(number.clone()));
        assert_eq!(number.to_string(), "34600123456");
    }
}
