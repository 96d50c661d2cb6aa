//! `Money`: credit and prices as a fixed-point integer of micro-units.
//!
//! No floating point anywhere money flows. Amounts are written as decimal
//! strings ("1.25", "-0.5", "1000") in the config file and the APIs, parsed
//! exactly, and every arithmetic step is checked: an overflow is an error,
//! never a wrap.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Number of decimal places kept: one millionth of a credit unit.
pub const DECIMALS: u32 = 6;
const SCALE: i64 = 10i64.pow(DECIMALS);

/// An amount of credit, in millionths of a unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Why a string is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    /// The text is empty or only spaces.
    #[error("empty amount")]
    Empty,
    /// Not an optional `+`/`-` followed by digits with at most one `.`
    /// (e.g. "1,25", "1e3", "." alone).
    #[error(
        "invalid amount {0:?}: expected digits with an optional sign and decimal point, e.g. \"1.25\""
    )]
    Invalid(String),
    /// More than six decimal places: finer than one micro-unit.
    #[error("amount {0:?} has more than {DECIMALS} decimal places")]
    TooPrecise(String),
    /// Beyond what an `i64` of micro-units holds (about ±9.2 × 10¹²).
    #[error("amount {0:?} is too large")]
    Overflow(String),
}

impl Money {
    /// No credit: 0.00.
    pub const ZERO: Money = Money(0);

    /// From a count of micro-units (millionths).
    pub const fn from_micros(micros: i64) -> Money {
        Money(micros)
    }

    /// The amount in micro-units (millionths).
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// From a whole number of units; `None` on overflow.
    pub fn from_units(units: i64) -> Option<Money> {
        units.checked_mul(SCALE).map(Money)
    }

    /// The sum; `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The difference; `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// The price of `count` items (message parts) at `self` each.
    pub fn checked_mul(self, count: u32) -> Option<Money> {
        self.0.checked_mul(i64::from(count)).map(Money)
    }

    /// Whether the amount is below zero; a route price or a starting credit
    /// may not be.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl FromStr for Money {
    type Err = MoneyParseError;

    fn from_str(text: &str) -> Result<Money, MoneyParseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(MoneyParseError::Empty);
        }
        let invalid = || MoneyParseError::Invalid(text.to_string());
        let overflow = || MoneyParseError::Overflow(text.to_string());
        let (negative, unsigned) = match trimmed.as_bytes()[0] {
            b'-' => (true, &trimmed[1..]),
            b'+' => (false, &trimmed[1..]),
            _ => (false, trimmed),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (unsigned, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(invalid());
        }
        if fraction.len() > DECIMALS as usize {
            return Err(MoneyParseError::TooPrecise(text.to_string()));
        }
        let mut micros: i64 = 0;
        for digit in whole.bytes() {
            micros = micros
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(digit - b'0')))
                .ok_or_else(overflow)?;
        }
        micros = micros.checked_mul(SCALE).ok_or_else(overflow)?;
        let mut fraction_micros: i64 = 0;
        for (place, digit) in fraction.bytes().enumerate() {
            let weight = 10i64.pow(DECIMALS - 1 - place as u32);
            fraction_micros += i64::from(digit - b'0') * weight;
        }
        micros = micros.checked_add(fraction_micros).ok_or_else(overflow)?;
        Ok(Money(if negative { -micros } else { micros }))
    }
}

impl fmt::Display for Money {
    /// At least two decimals, more only when they are not zero: "1.25",
    /// "1000.00", "0.000125", "-3.50".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let scale = SCALE as u64;
        let whole = magnitude / scale;
        let mut fraction = format!("{:06}", magnitude % scale);
        while fraction.len() > 2 && fraction.ends_with('0') {
            fraction.pop();
        }
        write!(f, "{sign}{whole}.{fraction}")
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(MoneyVisitor)
        } else {
            i64::deserialize(deserializer).map(Money)
        }
    }
}

/// Accepts a decimal string or a whole number; refuses floats, whose binary
/// value is not the decimal the operator wrote.
struct MoneyVisitor;

impl serde::de::Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount as a decimal string such as \"1.25\", or a whole number")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Money, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, units: i64) -> Result<Money, E> {
        Money::from_units(units).ok_or_else(|| E::custom(format!("amount {units} is too large")))
    }

    fn visit_u64<E: serde::de::Error>(self, units: u64) -> Result<Money, E> {
        i64::try_from(units)
            .ok()
            .and_then(Money::from_units)
            .ok_or_else(|| E::custom(format!("amount {units} is too large")))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Money, E> {
        Err(E::custom(format!(
            "amount {value} is a floating-point number; write it as a string, e.g. \"{value}\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn parses_decimal_strings_exactly() {
        assert_eq!(money("1.25").micros(), 1_250_000);
        assert_eq!(money("1000").micros(), 1_000_000_000);
        assert_eq!(money("1000.00").micros(), 1_000_000_000);
        assert_eq!(money("0.000001").micros(), 1);
        assert_eq!(money("-0.5").micros(), -500_000);
        assert_eq!(money("+2.").micros(), 2_000_000);
        assert_eq!(money(".75").micros(), 750_000);
        assert_eq!(money(" 3.10 ").micros(), 3_100_000);
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        assert_eq!("".parse::<Money>(), Err(MoneyParseError::Empty));
        for bad in [
            "abc", "1,25", "1.2.3", "-", ".", "1e3", "--1", "1 000", "0x10",
        ] {
            assert!(
                matches!(bad.parse::<Money>(), Err(MoneyParseError::Invalid(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            "0.0000001".parse::<Money>(),
            Err(MoneyParseError::TooPrecise(_))
        ));
        assert!(matches!(
            "99999999999999999999".parse::<Money>(),
            Err(MoneyParseError::Overflow(_))
        ));
    }

    #[test]
    fn displays_with_at_least_two_decimals() {
        assert_eq!(money("1.25").to_string(), "1.25");
        assert_eq!(money("1000").to_string(), "1000.00");
        assert_eq!(money("0.000125").to_string(), "0.000125");
        assert_eq!(money("-3.5").to_string(), "-3.50");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(
            Money::from_micros(i64::MIN).to_string(),
            "-9223372036854.775808"
        );
    }

    #[test]
    fn display_round_trips_through_parse() {
        for micros in [
            0,
            1,
            -1,
            999_999,
            1_000_000,
            123_456_789,
            i64::MAX,
            i64::MIN + 1,
        ] {
            let amount = Money::from_micros(micros);
            assert_eq!(amount.to_string().parse::<Money>(), Ok(amount));
        }
    }

    #[test]
    fn arithmetic_is_checked() {
        let price = money("0.35");
        assert_eq!(price.checked_mul(3), Some(money("1.05")));
        assert_eq!(money("1").checked_sub(money("1.05")), Some(money("-0.05")));
        assert_eq!(
            Money::from_micros(i64::MAX).checked_add(Money::from_micros(1)),
            None
        );
        assert_eq!(Money::from_micros(i64::MAX).checked_mul(2), None);
        assert_eq!(Money::from_units(i64::MAX), None);
    }

    #[test]
    fn deserializes_strings_and_integers_but_not_floats() {
        #[derive(Deserialize)]
        struct Row {
            amount: Money,
        }
        let row: Row = toml::from_str(r#"amount = "1.25""#).unwrap();
        assert_eq!(row.amount, money("1.25"));
        let row: Row = toml::from_str("amount = 7").unwrap();
        assert_eq!(row.amount, money("7"));
        let error = toml::from_str::<Row>("amount = 1.25").err().unwrap();
        assert!(error.to_string().contains("floating-point"), "{error}");
    }
}
