//! Keyword autoreplies (issue 16 item 6): per account, a rule answers the
//! MO messages to one of its numbers (those starting with a keyword, or
//! every one no keyword rule claims) with a text made from a template; and
//! the guard that keeps two autoresponders from answering each other for
//! ever. No I/O here: the caller passes the time.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fold;

/// The most characters of a rule's or poll's name.
pub const MAX_NAME_LEN: usize = 64;

/// The most characters of a template (ten concatenated UCS-2 parts).
pub const MAX_TEMPLATE_LEN: usize = 670;

/// One autoreply rule, as the admin API writes it and the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Autoreply {
    /// Unique among all rules: letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// The system_id of the account whose MO it answers, which pays.
    pub account: String,
    /// The number the MO was sent to (a long number or short code), digits.
    pub number: String,
    /// The MO's first word, compared folded; `None`: every MO to the number
    /// that no keyword rule of the account claims.
    pub keyword: Option<String>,
    /// The reply, a [`Template`].
    pub text: String,
    /// A disabled rule answers nothing (and claims nothing).
    pub enabled: bool,
}

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty, too long, or with a character a path segment should not have.
    #[error("must be 1 to {MAX_NAME_LEN} letters, digits, '-', '_' or '.'")]
    Invalid,
}

/// Checks a rule's or poll's name (it is a path segment of the API).
pub fn check_name(name: &str) -> Result<(), NameError> {
    let valid = (1..=MAX_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    valid.then_some(()).ok_or(NameError::Invalid)
}

/// The fields a template may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// `{{from}}`: the number that sent the MO.
    From,
    /// `{{to}}`: the number it was sent to.
    To,
    /// `{{keyword}}`: its first word, as typed.
    Keyword,
    /// `{{text}}`: its text without the keyword.
    Text,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(Field),
}

/// A reply text with fields: `{{from}}`, `{{to}}`, `{{keyword}}` (the MO's
/// first word as typed) and `{{text}}` (the MO's text after the keyword
/// of a keyword rule, the whole text otherwise). Any other `{{name}}`, or
/// a `{{` never closed, is refused when the rule is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// Why a template is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Nothing but white space.
    #[error("must not be empty")]
    Empty,
    /// Over [`MAX_TEMPLATE_LEN`] characters.
    #[error("is longer than {MAX_TEMPLATE_LEN} characters")]
    TooLong,
    #[error("has a '{{{{' at character {0} that is never closed")]
    /// A `{{` at this character (from 1) without its `}}`.
    Unclosed(usize),
    #[error(
        "names {{{{{0}}}}}, not one of {{{{from}}}}, {{{{to}}}}, {{{{keyword}}}}, {{{{text}}}}"
    )]
    /// A field no MO has.
    UnknownField(String),
}

/// What a template is filled with.
#[derive(Debug, Clone, Copy)]
pub struct MoFields<'a> {
    /// The number that sent the MO.
    pub from: &'a str,
    /// The number it was sent to.
    pub to: &'a str,
    /// Its first word as typed.
    pub keyword: &'a str,
    /// Its text after a keyword rule's keyword, or all of it.
    pub text: &'a str,
}

impl Template {
    /// The template `source`, checked.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        if source.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        if source.chars().count() > MAX_TEMPLATE_LEN {
            return Err(TemplateError::TooLong);
        }
        let mut pieces = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                pieces.push(Piece::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                let at = source.len() - rest.len() + open;
                return Err(TemplateError::Unclosed(source[..at].chars().count() + 1));
            };
            let name = after[..close].trim();
            let field = match name {
                "from" => Field::From,
                "to" => Field::To,
                "keyword" => Field::Keyword,
                "text" => Field::Text,
                other => return Err(TemplateError::UnknownField(other.to_owned())),
            };
            pieces.push(Piece::Field(field));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Literal(rest.to_owned()));
        }
        Ok(Template { pieces })
    }

    /// The text with every field filled in.
    pub fn render(&self, fields: &MoFields<'_>) -> String {
        let mut text = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(literal) => text.push_str(literal),
                Piece::Field(Field::From) => text.push_str(fields.from),
                Piece::Field(Field::To) => text.push_str(fields.to),
                Piece::Field(Field::Keyword) => text.push_str(fields.keyword),
                Piece::Field(Field::Text) => text.push_str(fields.text),
            }
        }
        text
    }
}

impl Autoreply {
    /// The rule's keyword, folded.
    pub fn folded_keyword(&self) -> Option<String> {
        self.keyword.as_deref().map(fold::fold)
    }
}

/// At most one autoreply per sender and rule within `min_interval`
/// (`autoreplies.min_interval_s`): an autoresponder on the other side
/// answering our reply gets no second one, so two never ping-pong. Held
/// in memory by the account's actor; see docs/two-way.md for why.
#[derive(Debug)]
pub struct ReplyGuard {
    min_interval: Duration,
    /// (rule, sender) → when the last autoreply was let through.
    last: HashMap<(String, String), DateTime<Utc>>,
    /// The size at which expired entries are dropped next.
    tidy_at: usize,
}

/// The guard tidies itself no earlier than at this many entries.
const TIDY_FLOOR: usize = 1024;

impl ReplyGuard {
    /// A guard letting one autoreply per sender and rule through per
    /// `min_interval`.
    pub fn new(min_interval: Duration) -> ReplyGuard {
        ReplyGuard {
            min_interval,
            last: HashMap::new(),
            tidy_at: TIDY_FLOOR,
        }
    }

    /// Whether `rule` may answer `sender` at `now`; when it may, that
    /// answer is remembered.
    pub fn admit(&mut self, rule: &str, sender: &str, now: DateTime<Utc>) -> bool {
        let key = (rule.to_owned(), sender.to_owned());
        if let Some(last) = self.last.get(&key)
            && !self.expired(*last, now)
        {
            return false;
        }
        self.last.insert(key, now);
        if self.last.len() >= self.tidy_at {
            let interval = self.min_interval;
            self.last.retain(|_, last| !expired(interval, *last, now));
            self.tidy_at = (self.last.len() * 2).max(TIDY_FLOOR);
        }
        true
    }

    fn expired(&self, last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        expired(self.min_interval, last, now)
    }

    /// How many (rule, sender) pairs it remembers.
    pub fn len(&self) -> usize {
        self.last.len()
    }

    /// Whether it remembers none.
    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

fn expired(interval: Duration, last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - last)
        .to_std()
        .is_ok_and(|elapsed| elapsed >= interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> MoFields<'static> {
        MoFields {
            from: "34600111222",
            to: "12345",
            keyword: "Pizza",
            text: "large please",
        }
    }

    #[test]
    fn a_template_fills_every_field() {
        let template = Template::parse("Hi {{from}}, {{ keyword }} to {{to}}: {{text}}!").unwrap();
        assert_eq!(
            template.render(&fields()),
            "Hi 34600111222, Pizza to 12345: large please!"
        );
        let plain = Template::parse("Thanks").unwrap();
        assert_eq!(plain.render(&fields()), "Thanks");
        let braces = Template::parse("a { b } {{from}}}").unwrap();
        assert_eq!(braces.render(&fields()), "a { b } 34600111222}");
    }

    #[test]
    fn a_bad_template_is_refused_with_its_fault() {
        assert_eq!(Template::parse(" "), Err(TemplateError::Empty));
        assert_eq!(
            Template::parse("Hi {{name}}"),
            Err(TemplateError::UnknownField("name".into()))
        );
        assert_eq!(
            Template::parse("Hí {{from"),
            Err(TemplateError::Unclosed(4))
        );
        assert_eq!(
            Template::parse(&"x".repeat(MAX_TEMPLATE_LEN + 1)),
            Err(TemplateError::TooLong)
        );
        assert_eq!(
            TemplateError::UnknownField("name".into()).to_string(),
            "names {{name}}, not one of {{from}}, {{to}}, {{keyword}}, {{text}}"
        );
    }

    #[test]
    fn names_are_path_segments() {
        assert!(check_name("pizza-1.v2_x").is_ok());
        for bad in ["", "a b", "a/b", "ñ", &"x".repeat(65)] {
            assert_eq!(check_name(bad), Err(NameError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn the_guard_lets_one_reply_per_sender_and_rule_through_per_interval() {
        let start = Utc::now();
        let at = |seconds: i64| start + chrono::Duration::seconds(seconds);
        let mut guard = ReplyGuard::new(Duration::from_secs(60));
        assert!(guard.admit("hello", "346001", at(0)));
        assert!(!guard.admit("hello", "346001", at(1)));
        assert!(!guard.admit("hello", "346001", at(59)));
        assert!(guard.admit("other", "346001", at(1)), "another rule");
        assert!(guard.admit("hello", "346002", at(1)), "another sender");
        assert!(
            guard.admit("hello", "346001", at(60)),
            "the interval passed"
        );
        assert!(!guard.admit("hello", "346001", at(61)));
    }

    #[test]
    fn the_guard_forgets_what_has_expired() {
        let start = Utc::now();
        let mut guard = ReplyGuard::new(Duration::from_secs(1));
        for sender in 0..TIDY_FLOOR - 1 {
            assert!(guard.admit("r", &sender.to_string(), start));
        }
        let later = start + chrono::Duration::seconds(2);
        assert!(guard.admit("r", "new", later));
        assert_eq!(guard.len(), 1);
        assert!(!guard.admit("r", "new", later));
    }
}
