//! Content rules (SPEC §6.1): which rule, if any, a submission's text
//! matches for its account, and what that rule does with it (`reject` or
//! `hold`). Every rule in force is compiled into one matcher
//! ([`ContentRules`]): one `RegexSet` for every pattern and one
//! Aho-Corasick automaton for every word of every list, so a submission
//! costs two passes over its text however many rules there are.
//!
//! Text and words are **folded** before they are compared: Unicode NFKD,
//! combining marks dropped, lower case, every run of white space one
//! space, ends trimmed; so "ViAgRa", "víagra" and "ＶＩＡＧＲＡ" all read
//! "viagra". A word or phrase matches only whole: the characters either
//! side of it in the folded text are not letters or digits ("viagra" is
//! not found in "viagras"). A pattern is a regular expression (the regex
//! crate's syntax) matched case-insensitively anywhere in the folded
//! text; its own accents are dropped the same way (canonical decomposition
//! only, so its syntax is untouched): write patterns in plain letters.
//!
//! No I/O here.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::intake::Submission;
use crate::sms::data_coding::Alphabet;
use crate::sms::incoming::decode_text;
use crate::sms::udh::body_of;

/// The longest rule name.
pub const MAX_NAME_LEN: usize = 64;
/// The longest pattern, in characters.
pub const MAX_PATTERN_LEN: usize = 1_000;
/// The most bytes a rule's name, pattern or words, accounts and
/// description take together, each string counting [`STRING_OVERHEAD`]
/// bytes more than its UTF-8 length: the store keeps each rule in one
/// record of 4 KiB, and reading it back claims that much. About 150
/// short words; a longer list is split across rules.
pub const MAX_RULE_BYTES: usize = 3_800;
/// What each string of a rule counts beyond its length: what reading a
/// list of strings back from the store claims for each (a `String`'s own
/// size), more than its length prefix on disk.
pub const STRING_OVERHEAD: usize = 24;
/// The longest word or phrase, in characters.
pub const MAX_WORD_LEN: usize = 200;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 500;
/// The most memory one pattern may compile to (the regex crate's
/// `size_limit`): a pattern such as `a{1000}{1000}` is refused, not built.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;
/// The most memory every pattern together may compile to.
pub const SET_SIZE_LIMIT: usize = 256 << 20;
/// The most memory the patterns' lazy DFA may cache while matching.
pub const SET_DFA_SIZE_LIMIT: usize = 64 << 20;

/// What a rule does with a submission it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContentAction {
    /// Refused at accept: ESME_RSUBMITFAIL, HTTP 403, nothing charged.
    Reject,
    /// Accepted and charged, but kept from every gateway until an admin
    /// releases or drops it.
    Hold,
}

impl ContentAction {
    /// As the file and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentAction::Reject => "reject",
            ContentAction::Hold => "hold",
        }
    }

    /// `reject` or `hold`.
    pub fn parse(text: &str) -> Option<ContentAction> {
        match text {
            "reject" => Some(ContentAction::Reject),
            "hold" => Some(ContentAction::Hold),
            _ => None,
        }
    }
}

/// What a rule looks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Matching {
    /// A regular expression, anywhere in the folded text.
    Pattern(String),
    /// Words or phrases, each whole, any one of them.
    Words(Vec<String>),
}

/// One content rule, as the file or the admin API defines it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentRule {
    /// Unique; 1 to 64 of `A-Z a-z 0-9 _ -`. Names the rule in refusals,
    /// `/metrics` and the held list.
    pub name: String,
    /// What it looks for.
    pub matching: Matching,
    /// The system_ids it applies to; empty: every account.
    pub accounts: Vec<String>,
    /// What it does with a match.
    pub action: ContentAction,
    /// For the operator.
    pub description: Option<String>,
    /// A disabled rule is kept but matches nothing.
    pub enabled: bool,
}

/// A rule that cannot be used, and the field at fault (`name`,
/// `pattern`, `words[2]`, ...).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {detail}")]
pub struct RuleError {
    /// The field at fault, as the file and the API name it.
    pub field: String,
    /// Why.
    pub detail: String,
}

fn rule_error(field: impl Into<String>, detail: impl Into<String>) -> RuleError {
    RuleError {
        field: field.into(),
        detail: detail.into(),
    }
}

/// Checks a rule name: 1 to [`MAX_NAME_LEN`] of `A-Z a-z 0-9 _ -`.
pub fn check_name(name: &str) -> Result<(), RuleError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(rule_error(
            "name",
            format!("must be 1 to {MAX_NAME_LEN} of A-Z, a-z, 0-9, _ and -"),
        ))
    }
}

impl ContentRule {
    /// Checks everything the rule says on its own (the accounts it names
    /// exist is the caller's to check): its name, its pattern compiles
    /// within [`PATTERN_SIZE_LIMIT`], its words are not empty.
    pub fn check(&self) -> Result<(), RuleError> {
        check_name(&self.name)?;
        match &self.matching {
            Matching::Pattern(pattern) => {
                if pattern.is_empty() || pattern.chars().count() > MAX_PATTERN_LEN {
                    return Err(rule_error(
                        "pattern",
                        format!("must be 1 to {MAX_PATTERN_LEN} characters"),
                    ));
                }
                RegexBuilder::new(&fold_pattern(pattern))
                    .case_insensitive(true)
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .build()
                    .map_err(|error| rule_error("pattern", one_line(&error)))?;
            }
            Matching::Words(words) => {
                if words.is_empty() {
                    return Err(rule_error("words", "must list a word or phrase"));
                }
                for (index, word) in words.iter().enumerate() {
                    if fold(word).is_empty() || word.chars().count() > MAX_WORD_LEN {
                        return Err(rule_error(
                            format!("words[{index}]"),
                            format!(
                                "must have a letter or digit and at most {MAX_WORD_LEN} characters"
                            ),
                        ));
                    }
                }
            }
        }
        if self
            .description
            .as_ref()
            .is_some_and(|description| description.chars().count() > MAX_DESCRIPTION_LEN)
        {
            return Err(rule_error(
                "description",
                format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
            ));
        }
        let stored = |text: &String| text.len() + STRING_OVERHEAD;
        let matching_bytes = match &self.matching {
            Matching::Pattern(pattern) => stored(pattern),
            Matching::Words(words) => words.iter().map(stored).sum(),
        };
        let bytes = stored(&self.name)
            + matching_bytes
            + self.accounts.iter().map(stored).sum::<usize>()
            + self.description.as_ref().map_or(0, stored);
        if bytes > MAX_RULE_BYTES {
            let field = match self.matching {
                Matching::Pattern(_) => "pattern",
                Matching::Words(_) => "words",
            };
            return Err(rule_error(
                field,
                format!(
                    "the rule takes {bytes} bytes with its accounts and description, at most {MAX_RULE_BYTES}: split it into several rules"
                ),
            ));
        }
        for (index, account) in self.accounts.iter().enumerate() {
            if account.is_empty() {
                return Err(rule_error(
                    format!("accounts[{index}]"),
                    "must be a system_id",
                ));
            }
        }
        Ok(())
    }

    fn applies_to(&self, account: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|listed| listed == account)
    }
}

/// A regex error on one line: the crate's syntax errors draw the pattern
/// and a caret on lines of their own; the first line says what kind of
/// error, the last what is wrong.
fn one_line(error: &regex::Error) -> String {
    let text = error.to_string();
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    let first = lines.next().unwrap_or_default().trim_end_matches(':');
    match lines.next_back() {
        Some(last) => format!("{first}: {}", last.trim_start_matches("error: ")),
        None => first.to_owned(),
    }
}

/// Text as rules compare it: NFKD, combining marks dropped, lower case,
/// white space runs made one space, ends trimmed.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut space = false;
    for ch in text
        .nfkd()
        .filter(|ch| !is_combining_mark(*ch))
        .flat_map(char::to_lowercase)
    {
        if ch.is_whitespace() {
            space = !folded.is_empty();
        } else {
            if space {
                folded.push(' ');
                space = false;
            }
            folded.push(ch);
        }
    }
    folded
}

/// A pattern with its accents dropped: canonical decomposition only,
/// which leaves every ASCII character (and so the syntax) as it is.
fn fold_pattern(pattern: &str) -> String {
    pattern.nfd().filter(|ch| !is_combining_mark(*ch)).collect()
}

/// The text of a submission as rules read it: every part's body (its UDH
/// left out) joined, then decoded in the submission's alphabet, so a word
/// split across two parts is still found. `None` for binary data, which
/// no rule reads.
pub fn submission_text(submission: &Submission) -> Option<String> {
    text_of_parts(
        submission.data_coding,
        submission
            .parts
            .iter()
            .map(|part| (part.esm_class, part.payload.as_slice())),
    )
}

/// The text of the parts of one message, in order, each an `esm_class`
/// and its short_message: their bodies joined, then decoded in the
/// alphabet `data_coding` names. `None` for binary data.
pub fn text_of_parts<'a>(
    data_coding: u8,
    parts: impl IntoIterator<Item = (u8, &'a [u8])>,
) -> Option<String> {
    let mut body = Vec::new();
    for (esm_class, short_message) in parts {
        body.extend_from_slice(body_of(esm_class, short_message));
    }
    decode_text(Alphabet::from_data_coding(data_coding), &body)
}

/// The rule a text matched for an account, and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict<'a> {
    /// The rule's name.
    pub rule: &'a str,
    /// What it does.
    pub action: ContentAction,
}

/// Every rule in force, compiled into one matcher; built again whole
/// when any rule changes.
#[derive(Debug)]
pub struct ContentRules {
    /// In order: the file's, then those the admin API added.
    rules: Vec<ContentRule>,
    /// The enabled pattern rules' patterns, folded.
    patterns: RegexSet,
    /// The rule (index in `rules`) of each pattern of `patterns`.
    pattern_rules: Vec<usize>,
    /// Every word of every enabled word rule, folded.
    words: Option<AhoCorasick>,
    /// The rule of each word of `words`.
    word_rules: Vec<usize>,
}

impl Default for ContentRules {
    fn default() -> ContentRules {
        ContentRules {
            rules: Vec::new(),
            patterns: RegexSet::empty(),
            pattern_rules: Vec::new(),
            words: None,
            word_rules: Vec::new(),
        }
    }
}

impl ContentRules {
    /// Compiles `rules` (each already [`ContentRule::check`]ed; checked
    /// again here) into one matcher. Fails naming `pattern` when the
    /// patterns together are past [`SET_SIZE_LIMIT`], or a name used twice.
    pub fn new(rules: Vec<ContentRule>) -> Result<ContentRules, RuleError> {
        let mut patterns = Vec::new();
        let mut pattern_rules = Vec::new();
        let mut words = Vec::new();
        let mut word_rules = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            rule.check()?;
            if rules[..index].iter().any(|other| other.name == rule.name) {
                return Err(rule_error(
                    "name",
                    format!("a rule named {:?} exists", rule.name),
                ));
            }
            if !rule.enabled {
                continue;
            }
            match &rule.matching {
                Matching::Pattern(pattern) => {
                    patterns.push(fold_pattern(pattern));
                    pattern_rules.push(index);
                }
                Matching::Words(list) => {
                    for word in list {
                        words.push(fold(word));
                        word_rules.push(index);
                    }
                }
            }
        }
        let patterns = RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .size_limit(SET_SIZE_LIMIT)
            .dfa_size_limit(SET_DFA_SIZE_LIMIT)
            .build()
            .map_err(|error| {
                rule_error(
                    "pattern",
                    format!("the patterns together: {}", one_line(&error)),
                )
            })?;
        let words = if words.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&words)
                    .map_err(|error| {
                        rule_error("words", format!("the word lists together: {error}"))
                    })?,
            )
        };
        Ok(ContentRules {
            rules,
            patterns,
            pattern_rules,
            words,
            word_rules,
        })
    }

    /// Every rule, enabled or not, in order.
    pub fn rules(&self) -> &[ContentRule] {
        &self.rules
    }

    /// The rule named `name`.
    pub fn rule(&self, name: &str) -> Option<&ContentRule> {
        self.rules.iter().find(|rule| rule.name == name)
    }

    /// Whether no enabled rule exists (accept need not decode the text).
    pub fn is_idle(&self) -> bool {
        self.pattern_rules.is_empty() && self.word_rules.is_empty()
    }

    /// The rule `text` matches for `account`: the first `reject` rule in
    /// order that matches, else the first `hold` rule; `None` when none
    /// matches.
    pub fn verdict(&self, account: &str, text: &str) -> Option<Verdict<'_>> {
        if self.is_idle() {
            return None;
        }
        let folded = fold(text);
        let mut matched: Vec<usize> = self
            .patterns
            .matches(&folded)
            .into_iter()
            .map(|pattern| self.pattern_rules[pattern])
            .collect();
        if let Some(words) = &self.words {
            for found in words.find_overlapping_iter(&folded) {
                if whole_word(&folded, found.start(), found.end()) {
                    matched.push(self.word_rules[found.pattern().as_usize()]);
                }
            }
        }
        matched.sort_unstable();
        matched.dedup();
        let mut applicable = matched
            .into_iter()
            .map(|index| &self.rules[index])
            .filter(|rule| rule.applies_to(account));
        let mut hold = None;
        for rule in applicable.by_ref() {
            match rule.action {
                ContentAction::Reject => {
                    return Some(Verdict {
                        rule: &rule.name,
                        action: rule.action,
                    });
                }
                ContentAction::Hold => {
                    hold.get_or_insert(Verdict {
                        rule: &rule.name,
                        action: rule.action,
                    });
                }
            }
        }
        hold
    }
}

/// Whether `text[start..end]` stands alone: no letter or digit right
/// before or right after it.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(name: &str, list: &[&str], action: ContentAction) -> ContentRule {
        ContentRule {
            name: name.into(),
            matching: Matching::Words(list.iter().map(|word| (*word).to_owned()).collect()),
            accounts: Vec::new(),
            action,
            description: None,
            enabled: true,
        }
    }

    fn pattern(name: &str, pattern: &str, action: ContentAction) -> ContentRule {
        ContentRule {
            name: name.into(),
            matching: Matching::Pattern(pattern.into()),
            accounts: Vec::new(),
            action,
            description: None,
            enabled: true,
        }
    }

    fn rule_of<'a>(rules: &'a ContentRules, account: &str, text: &str) -> Option<&'a str> {
        rules.verdict(account, text).map(|verdict| verdict.rule)
    }

    #[test]
    fn folding_drops_accents_case_and_extra_space() {
        assert_eq!(fold("ViAgRa"), "viagra");
        assert_eq!(fold("víagra"), "viagra");
        assert_eq!(fold("ＶＩＡＧＲＡ"), "viagra");
        assert_eq!(fold("  Crédito\t\n FÁCIL  "), "credito facil");
        assert_eq!(fold("ÑANDÚ"), "nandu");
        assert_eq!(fold("ﬁnance"), "finance");
    }

    #[test]
    fn words_match_whole_in_any_case_or_accent() {
        let rules = ContentRules::new(vec![words(
            "pills",
            &["viagra", "free money"],
            ContentAction::Reject,
        )])
        .unwrap();
        for text in [
            "Buy ViAgRa now",
            "víagra!",
            "VIAGRA",
            "get FREE   Money today",
            "(viagra)",
        ] {
            assert_eq!(rule_of(&rules, "any", text), Some("pills"), "{text}");
        }
        for text in ["viagras", "xviagra", "freemoney", "free moneys", "nothing"] {
            assert_eq!(rule_of(&rules, "any", text), None, "{text}");
        }
        // A word inside another is skipped, the same word alone further on found.
        assert_eq!(rule_of(&rules, "any", "viagras and viagra"), Some("pills"));
    }

    #[test]
    fn patterns_match_the_folded_text_without_case() {
        let rules = ContentRules::new(vec![pattern(
            "loan",
            r"cr[eé]dito\s+\d+",
            ContentAction::Hold,
        )])
        .unwrap();
        assert_eq!(rule_of(&rules, "a", "CRÉDITO 500 ya"), Some("loan"));
        assert_eq!(rule_of(&rules, "a", "credito rapido"), None);
    }

    #[test]
    fn rules_apply_to_their_accounts_only_and_disabled_ones_to_none() {
        let mut scoped = words("scoped", &["casino"], ContentAction::Reject);
        scoped.accounts = vec!["promo".into()];
        let mut off = words("off", &["lottery"], ContentAction::Reject);
        off.enabled = false;
        let rules = ContentRules::new(vec![scoped, off]).unwrap();
        assert_eq!(rule_of(&rules, "promo", "casino night"), Some("scoped"));
        assert_eq!(rule_of(&rules, "bank", "casino night"), None);
        assert_eq!(rule_of(&rules, "promo", "lottery"), None);
        assert_eq!(rules.rules().len(), 2);
    }

    #[test]
    fn reject_beats_hold_and_the_first_in_order_wins() {
        let rules = ContentRules::new(vec![
            words("review", &["bonus"], ContentAction::Hold),
            words("review-2", &["bonus"], ContentAction::Hold),
            pattern("block", "bonus", ContentAction::Reject),
            pattern("block-2", "bonus", ContentAction::Reject),
        ])
        .unwrap();
        let verdict = rules.verdict("a", "your bonus").unwrap();
        assert_eq!(
            (verdict.rule, verdict.action),
            ("block", ContentAction::Reject)
        );
        let holds = ContentRules::new(vec![
            words("second", &["bonus"], ContentAction::Hold),
            words("first", &["your"], ContentAction::Hold),
        ])
        .unwrap();
        assert_eq!(rule_of(&holds, "a", "your bonus"), Some("second"));
    }

    #[test]
    fn bad_rules_name_the_field() {
        let bad = |rule: ContentRule| ContentRules::new(vec![rule]).unwrap_err().field;
        assert_eq!(
            bad(pattern("x", "(unclosed", ContentAction::Reject)),
            "pattern"
        );
        let unclosed = ContentRules::new(vec![pattern("x", "(a", ContentAction::Reject)]);
        assert_eq!(
            unclosed.unwrap_err().detail,
            "regex parse error: unclosed group"
        );
        assert_eq!(
            bad(pattern("x", "a{1000}{1000}", ContentAction::Reject)),
            "pattern"
        );
        assert_eq!(bad(pattern("bad name", "a", ContentAction::Reject)), "name");
        assert_eq!(
            bad(pattern(&"n".repeat(65), "a", ContentAction::Reject)),
            "name"
        );
        assert_eq!(
            bad(words("x", &["ok", " \u{301} "], ContentAction::Reject)),
            "words[1]"
        );
        assert_eq!(bad(words("x", &[], ContentAction::Reject)), "words");
        let long: Vec<String> = (0..200).map(|n| format!("word{n}")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        assert_eq!(bad(words("x", &long, ContentAction::Reject)), "words");
        let twice = ContentRules::new(vec![
            words("same", &["a"], ContentAction::Reject),
            words("same", &["b"], ContentAction::Hold),
        ]);
        assert_eq!(twice.unwrap_err().field, "name");
    }

    #[test]
    fn thousands_of_rules_compile_into_one_matcher_that_stays_fast() {
        let mut rules = Vec::new();
        for n in 0..1_000 {
            rules.push(pattern(
                &format!("p{n}"),
                &format!(r"promo{n}\b"),
                ContentAction::Reject,
            ));
            let mut rule = words(
                &format!("w{n}"),
                &[&format!("spamword{n}")],
                ContentAction::Hold,
            );
            rule.accounts = vec![format!("account{}", n % 10)];
            rules.push(rule);
        }
        let rules = ContentRules::new(rules).unwrap();
        assert_eq!(rule_of(&rules, "x", "get PROMO517 now"), Some("p517"));
        assert_eq!(rule_of(&rules, "account3", "spamword13 here"), Some("w13"));
        assert_eq!(rule_of(&rules, "account4", "spamword13 here"), None);
        let text = "Your verification code is 123456. Do not share it with anyone.";
        let started = std::time::Instant::now();
        for _ in 0..2_000 {
            assert_eq!(rules.verdict("account1", text), None);
        }
        // Unoptimised test build on a loaded machine: generous, yet far
        // below 2,000 texts × 2,000 rules matched one by one.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn the_text_of_a_submission_joins_its_parts_without_their_headers() {
        use crate::intake::PartData;
        use crate::sms::udh::ESM_CLASS_UDHI;
        let part = |udh: &[u8], body: &[u8]| PartData {
            payload: [udh, body].concat(),
            esm_class: ESM_CLASS_UDHI,
            part: None,
        };
        let submission = Submission {
            service_type: String::new(),
            source: crate::model::Address::new(
                crate::model::Ton::International,
                crate::model::Npi::Isdn,
                "34600000001",
            )
            .unwrap(),
            destinations: Vec::new(),
            data_coding: 8,
            esm_class: 0,
            registered_delivery: 0,
            priority: 0,
            validity: None,
            scheduled: None,
            client_reference: None,
            parts: vec![
                part(&[5, 0, 3, 7, 2, 1], &crate::sms::ucs2::encode("Buy víag")),
                part(&[5, 0, 3, 7, 2, 2], &crate::sms::ucs2::encode("ra now")),
            ],
            callback: None,
        };
        assert_eq!(
            submission_text(&submission).as_deref(),
            Some("Buy víagra now")
        );
    }
}
