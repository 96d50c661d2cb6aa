//! Number lists at accept (SPEC §6.1), the pure half: the opt-outs of an
//! account and the global do-not-disturb registry are both "is this
//! destination on a list" checks, so they share one number form
//! ([`ListedNumber`]), one set ([`NumberSet`]) and one reader of imported
//! lines ([`import`]). No I/O here.
//!
//! - [`opt_out`]: STOP/START/HELP keywords, an account's opt-out settings
//!   and its list (per account, optionally per sender).
//! - [`dnd`]: what traffic an account sends (only promotional traffic is
//!   refused for a number on the registry).
//! - [`import`]: one line of a CSV or plain-text import read as a number
//!   (and, for opt-outs, a sender), or a per-line error.

pub mod dnd;
pub mod import;
pub mod opt_out;

use std::collections::HashSet;
use std::sync::Arc;

use crate::model::{Msisdn, MsisdnError};

/// A number on a list: the digits of its E.164 form (7 to 15, never a
/// leading 0) as an integer, so a set of ten million takes about nine bytes
/// a number in memory and eight in a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListedNumber(u64);

impl ListedNumber {
    /// `text` normalised as [`Msisdn::parse`] does (`+`, `00`, separators).
    pub fn parse(text: &str) -> Result<ListedNumber, MsisdnError> {
        Msisdn::parse(text).map(|msisdn| ListedNumber::from_msisdn(&msisdn))
    }

    /// The number of an MSISDN.
    pub fn from_msisdn(msisdn: &Msisdn) -> ListedNumber {
        // 7 to 15 ASCII digits: always fits, and never starts with 0, so
        // the integer gives the digits back.
        ListedNumber(
            msisdn
                .digits()
                .bytes()
                .fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0')),
        )
    }

    /// The integer form, for store keys.
    pub fn value(self) -> u64 {
        self.0
    }

    /// The number an integer from [`ListedNumber::value`] stood for; `None`
    /// for one no MSISDN gives (a damaged key).
    pub fn from_value(value: u64) -> Option<ListedNumber> {
        let digits = value.checked_ilog10().map_or(1, |log| log + 1);
        (Msisdn::MIN_DIGITS as u32..=Msisdn::MAX_DIGITS as u32)
            .contains(&digits)
            .then_some(ListedNumber(value))
    }
}

impl std::fmt::Display for ListedNumber {
    /// The digits, without `+`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How many shards a [`NumberSet`] has: a change copies one shard at
/// most, about a 4096th of the set.
const SHARDS: usize = 4096;

/// A set of numbers in shards behind `Arc`s: a clone is cheap (the shards
/// are shared) and a change to a clone copies only the shards it touches.
/// So a writer can change a copy while readers keep the one in force, and
/// swap it in when done (the DND registry); an owner that never shares it
/// (an account's opt-outs) changes it in place.
#[derive(Clone, Debug)]
pub struct NumberSet {
    shards: Vec<Arc<HashSet<u64>>>,
    len: usize,
}

impl Default for NumberSet {
    fn default() -> NumberSet {
        NumberSet {
            shards: vec![Arc::default(); SHARDS],
            len: 0,
        }
    }
}

impl NumberSet {
    /// An empty set.
    pub fn new() -> NumberSet {
        NumberSet::default()
    }

    fn shard(number: ListedNumber) -> usize {
        // Fibonacci hashing: neighbouring numbers land in different shards.
        (number.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) as usize % SHARDS
    }

    /// Whether `number` is in the set: one hash lookup.
    pub fn contains(&self, number: ListedNumber) -> bool {
        self.shards[Self::shard(number)].contains(&number.0)
    }

    /// Adds `number`; `false` when it was there already.
    pub fn insert(&mut self, number: ListedNumber) -> bool {
        let shard = &self.shards[Self::shard(number)];
        if shard.contains(&number.0) {
            return false;
        }
        Arc::make_mut(&mut self.shards[Self::shard(number)]).insert(number.0);
        self.len += 1;
        true
    }

    /// Removes `number`; `false` when it was not there.
    pub fn remove(&mut self, number: ListedNumber) -> bool {
        let shard = &self.shards[Self::shard(number)];
        if !shard.contains(&number.0) {
            return false;
        }
        Arc::make_mut(&mut self.shards[Self::shard(number)]).remove(&number.0);
        self.len -= 1;
        true
    }

    /// How many numbers it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_number_is_the_msisdn_digits_as_an_integer_and_back() {
        let number = ListedNumber::parse("+34 600 000 001").unwrap();
        assert_eq!(number.value(), 34_600_000_001);
        assert_eq!(number.to_string(), "34600000001");
        assert_eq!(ListedNumber::parse("0034600000001").unwrap(), number);
        assert_eq!(ListedNumber::from_value(34_600_000_001), Some(number));
        assert_eq!(ListedNumber::from_value(123), None);
        assert_eq!(ListedNumber::from_value(u64::MAX), None);
        assert!(ListedNumber::parse("0600000001").is_err());
        let longest = ListedNumber::parse("999999999999999").unwrap();
        assert_eq!(longest.value(), 999_999_999_999_999);
    }

    #[test]
    fn a_set_counts_what_it_holds_and_a_clone_is_not_changed_by_the_original() {
        let mut set = NumberSet::new();
        let a = ListedNumber::parse("34600000001").unwrap();
        let b = ListedNumber::parse("34600000002").unwrap();
        assert!(set.insert(a));
        assert!(!set.insert(a));
        let published = set.clone();
        assert!(set.insert(b));
        assert!(set.remove(a));
        assert!(!set.remove(a));
        assert_eq!(set.len(), 1);
        assert!(set.contains(b) && !set.contains(a));
        assert_eq!(published.len(), 1);
        assert!(published.contains(a) && !published.contains(b));
    }

    #[test]
    fn many_numbers_spread_over_the_shards() {
        let mut set = NumberSet::new();
        for n in 0..100_000u64 {
            set.insert(ListedNumber(34_600_000_000 + n));
        }
        let largest = set.shards.iter().map(|shard| shard.len()).max().unwrap();
        assert!(largest < 100, "largest shard {largest}");
        assert_eq!(set.len(), 100_000);
    }
}
