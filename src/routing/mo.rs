//! The MO route table (SPEC §6, two-way): which account an MO message
//! belongs to, by the number it was sent to (a long number, a short code,
//! a shared short code) and, on a shared number, the first word of its
//! text. No I/O here.
//!
//! A route with a keyword beats the number's route without one (its
//! catch-all); keywords compare without case. Numbers compare as their
//! digits with a leading `+` or `00` dropped ([`normalise_number`]), so
//! `+447700900123`, `00447700900123` and `447700900123` are one number.
//! No route for the number, or only keyword routes none of which matches:
//! unrouted.

use std::collections::HashMap;

use crate::config::MoRouteConfig;

/// The most digits a number may have: E.164's 15.
pub const MAX_NUMBER_DIGITS: usize = 15;

/// `text` as a routing number: one leading `+` or `00` dropped, then 1 to
/// [`MAX_NUMBER_DIGITS`] ASCII digits; `None` for anything else (an
/// alphanumeric address is never a routing number).
pub fn normalise_number(text: &str) -> Option<&str> {
    let digits = text
        .strip_prefix('+')
        .or_else(|| text.strip_prefix("00"))
        .unwrap_or(text);
    let valid = (1..=MAX_NUMBER_DIGITS).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(digits)
}

/// The first word of an MO's text, upper-cased: what keyword routes
/// compare with. `None` for a text without a word (empty, or spaces).
pub fn first_word(text: &str) -> Option<String> {
    text.split_whitespace().next().map(str::to_uppercase)
}

/// The routes of one number.
#[derive(Debug, Clone, Default)]
struct NumberRoutes {
    /// Upper-cased keyword → account.
    keywords: HashMap<String, String>,
    /// The account of MOs no keyword claims.
    catch_all: Option<String>,
}

/// The MO routes in force.
#[derive(Debug, Clone, Default)]
pub struct MoRouteTable {
    by_number: HashMap<String, NumberRoutes>,
}

impl MoRouteTable {
    /// The table of `routes`, checked by the configuration: numbers are
    /// digits and no (number, keyword) is given twice. Should one be
    /// given twice anyway, the later entry wins.
    pub fn new(routes: &[MoRouteConfig]) -> MoRouteTable {
        let mut by_number: HashMap<String, NumberRoutes> = HashMap::new();
        for route in routes {
            let number = normalise_number(&route.number).unwrap_or(&route.number);
            let entry = by_number.entry(number.to_owned()).or_default();
            match &route.keyword {
                Some(keyword) => {
                    entry
                        .keywords
                        .insert(keyword.to_uppercase(), route.account.clone());
                }
                None => entry.catch_all = Some(route.account.clone()),
            }
        }
        MoRouteTable { by_number }
    }

    /// The account (system_id) an MO to `destination` with `text` goes to.
    pub fn lookup(&self, destination: &str, text: Option<&str>) -> Option<&str> {
        let routes = self.by_number.get(normalise_number(destination)?)?;
        text.and_then(first_word)
            .and_then(|word| routes.keywords.get(&word))
            .or(routes.catch_all.as_ref())
            .map(String::as_str)
    }

    /// Whether a keyword route (not the number's catch-all) takes an MO
    /// to `destination` with `text`: its first word is that route's.
    pub fn keyword_claims(&self, destination: &str, text: Option<&str>) -> bool {
        normalise_number(destination)
            .and_then(|number| self.by_number.get(number))
            .zip(text.and_then(first_word))
            .is_some_and(|(routes, word)| routes.keywords.contains_key(&word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(number: &str, keyword: Option<&str>, account: &str) -> MoRouteConfig {
        MoRouteConfig {
            number: number.to_owned(),
            keyword: keyword.map(str::to_owned),
            account: account.to_owned(),
        }
    }

    fn table() -> MoRouteTable {
        MoRouteTable::new(&[
            route("447700900123", None, "shop"),
            route("12345", Some("join"), "club"),
            route("12345", Some("PIZZA"), "pizza"),
            route("12345", None, "agency"),
            route("+5555", Some("vote"), "tv"),
        ])
    }

    #[test]
    fn numbers_drop_a_leading_plus_or_00_and_must_be_digits() {
        assert_eq!(normalise_number("+447700900123"), Some("447700900123"));
        assert_eq!(normalise_number("00447700900123"), Some("447700900123"));
        assert_eq!(normalise_number("12345"), Some("12345"));
        for bad in ["", "+", "00", "Shop", "12 345", "1234567890123456", "++1"] {
            assert_eq!(normalise_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_long_number_takes_every_text() {
        let table = table();
        for destination in ["447700900123", "+447700900123", "00447700900123"] {
            assert_eq!(table.lookup(destination, Some("JOIN")), Some("shop"));
            assert_eq!(table.lookup(destination, None), Some("shop"));
        }
    }

    #[test]
    fn a_keyword_beats_the_catch_all_without_regard_to_case() {
        let table = table();
        assert_eq!(table.lookup("12345", Some("join now")), Some("club"));
        assert_eq!(table.lookup("12345", Some("  Join")), Some("club"));
        assert_eq!(table.lookup("12345", Some("pizza\nlarge")), Some("pizza"));
        assert_eq!(table.lookup("12345", Some("joiner")), Some("agency"));
        assert_eq!(table.lookup("12345", Some("")), Some("agency"));
        assert_eq!(table.lookup("12345", None), Some("agency"));
        assert!(table.keyword_claims("12345", Some("join now")));
        assert!(!table.keyword_claims("12345", Some("joiner")));
        assert!(!table.keyword_claims("447700900123", Some("join")));
        assert!(!table.keyword_claims("12345", None));
    }

    #[test]
    fn no_route_and_no_matching_keyword_are_unrouted() {
        let table = table();
        assert_eq!(table.lookup("5555", Some("VOTE 3")), Some("tv"));
        assert_eq!(table.lookup("5555", Some("hello")), None);
        assert_eq!(table.lookup("5555", None), None);
        assert_eq!(table.lookup("99999", Some("join")), None);
        assert_eq!(table.lookup("Shop", Some("join")), None);
        assert_eq!(MoRouteTable::default().lookup("12345", None), None);
    }
}
