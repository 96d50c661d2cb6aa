//! What a provider's answer to a submit means ([`AnswerRules::judge`]):
//! the HTTP status first, then the operator's patterns over the body, the
//! way Kannel's generic HTTP SMSC reads its status and foreign-id regexes.
//!
//! | answer | verdict |
//! | --- | --- |
//! | 429 or 408 | temporary: the gateway pauses, the message goes again |
//! | 5xx | temporary, and the provider is failing: the gateway goes down and backs off |
//! | another status outside 200–299 | temporary if `temporary_pattern` matches the body, else permanent |
//! | 2xx matching `permanent_pattern` | permanent |
//! | 2xx matching `temporary_pattern` | temporary |
//! | 2xx not matching `success_pattern` (when given) | permanent |
//! | any other 2xx | accepted, under the id `id_pattern` finds |
//!
//! No I/O.

use std::fmt;

use regex::{Regex, RegexBuilder};

/// The most a pattern may compile to: an operator's typo cannot make
/// every answer cost a megabyte of automaton.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;
/// How much of a refusing answer's body a reason quotes.
const REASON_BODY_CHARS: usize = 120;

/// A regular expression from the configuration, compared by its source.
#[derive(Clone)]
pub struct Pattern(Regex);

impl Pattern {
    /// Compiles `source` (Rust regex syntax) within the size limit.
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        RegexBuilder::new(source)
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map(Pattern)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    fn is_match(&self, body: &str) -> bool {
        self.0.is_match(body)
    }

    /// The first capture group of the first match, or the whole match
    /// when the pattern has no group.
    fn find(&self, body: &str) -> Option<String> {
        let captures = self.0.captures(body)?;
        captures
            .get(1)
            .or_else(|| captures.get(0))
            .map(|found| found.as_str().to_owned())
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.as_str())
    }
}

/// How an answer is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRules {
    /// Its first group (or whole match) is the provider's message id,
    /// which receipts name; `None`: the provider gives none (and sends no
    /// receipts).
    pub id: Option<Pattern>,
    /// A 2xx answer must match it to be a success.
    pub success: Option<Pattern>,
    /// An answer matching it is a temporary refusal.
    pub temporary: Option<Pattern>,
    /// A 2xx answer matching it is a permanent refusal.
    pub permanent: Option<Pattern>,
}

/// What an answer means for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The provider took it.
    Accepted {
        /// The provider's id; `None` when `id` found nothing.
        id: Option<String>,
    },
    /// Not now: the message goes again.
    Temporary {
        /// The status and the start of the body.
        reason: String,
        /// The provider itself is in trouble (5xx): the gateway is down
        /// for a while.
        failing: bool,
    },
    /// Never: the message is REJECTED.
    Permanent {
        /// The status and the start of the body.
        reason: String,
    },
}

impl AnswerRules {
    /// The verdict on an answer with `status` and `body`.
    pub fn judge(&self, status: u16, body: &str) -> Verdict {
        let temporary = |failing| Verdict::Temporary {
            reason: reason(status, body),
            failing,
        };
        let permanent = || Verdict::Permanent {
            reason: reason(status, body),
        };
        let matches =
            |pattern: &Option<Pattern>| pattern.as_ref().is_some_and(|p| p.is_match(body));
        match status {
            408 | 429 => temporary(false),
            500..=599 => temporary(true),
            200..=299 => {
                if matches(&self.permanent) {
                    permanent()
                } else if matches(&self.temporary) {
                    temporary(false)
                } else if self.success.as_ref().is_some_and(|p| !p.is_match(body)) {
                    permanent()
                } else {
                    Verdict::Accepted {
                        id: self.id.as_ref().and_then(|id| id.find(body)),
                    }
                }
            }
            _ if matches(&self.temporary) => temporary(false),
            _ => permanent(),
        }
    }
}

/// The status and the start of the body, for logs and the operator view.
fn reason(status: u16, body: &str) -> String {
    let body: String = body.trim().chars().take(REASON_BODY_CHARS).collect();
    if body.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> AnswerRules {
        AnswerRules {
            id: Some(Pattern::new(r#""id"\s*:\s*"([^"]+)""#).unwrap()),
            success: Some(Pattern::new(r#""status"\s*:\s*"ok""#).unwrap()),
            temporary: Some(Pattern::new("THROTTLED|NO_FUNDS").unwrap()),
            permanent: Some(Pattern::new("INVALID_NUMBER").unwrap()),
        }
    }

    #[test]
    fn a_success_gives_the_providers_id() {
        assert_eq!(
            rules().judge(200, r#"{"status":"ok","id":"P-123"}"#),
            Verdict::Accepted {
                id: Some("P-123".into())
            }
        );
        assert_eq!(
            rules().judge(201, r#"{"status": "ok"}"#),
            Verdict::Accepted { id: None }
        );
    }

    #[test]
    fn a_pattern_without_a_group_takes_the_whole_match() {
        let rules = AnswerRules {
            id: Some(Pattern::new(r"[0-9a-f]{8}").unwrap()),
            success: None,
            temporary: None,
            permanent: None,
        };
        assert_eq!(
            rules.judge(200, "OK deadbeef queued"),
            Verdict::Accepted {
                id: Some("deadbeef".into())
            }
        );
    }

    #[test]
    fn statuses_and_patterns_decide_refusals() {
        let rules = rules();
        let temporary = |reason: &str, failing| Verdict::Temporary {
            reason: reason.into(),
            failing,
        };
        assert_eq!(rules.judge(429, ""), temporary("HTTP 429", false));
        assert_eq!(rules.judge(503, "down"), temporary("HTTP 503: down", true));
        assert_eq!(
            rules.judge(200, r#"{"status":"error","code":"NO_FUNDS"}"#),
            temporary(r#"HTTP 200: {"status":"error","code":"NO_FUNDS"}"#, false)
        );
        assert_eq!(
            rules.judge(402, "THROTTLED"),
            temporary("HTTP 402: THROTTLED", false)
        );
        assert_eq!(
            rules.judge(200, r#"{"status":"ok","error":"INVALID_NUMBER"}"#),
            Verdict::Permanent {
                reason: r#"HTTP 200: {"status":"ok","error":"INVALID_NUMBER"}"#.into()
            }
        );
        assert_eq!(
            rules.judge(200, r#"{"status":"error"}"#),
            Verdict::Permanent {
                reason: r#"HTTP 200: {"status":"error"}"#.into()
            }
        );
        assert_eq!(
            rules.judge(400, "bad request"),
            Verdict::Permanent {
                reason: "HTTP 400: bad request".into()
            }
        );
    }

    #[test]
    fn a_long_body_is_quoted_short() {
        let body = "x".repeat(1000);
        let Verdict::Permanent { reason } = rules().judge(400, &body) else {
            panic!("not permanent");
        };
        assert_eq!(reason.len(), "HTTP 400: ".len() + REASON_BODY_CHARS);
    }

    #[test]
    fn patterns_compare_by_source_and_refuse_what_does_not_compile() {
        assert_eq!(Pattern::new("a+").unwrap(), Pattern::new("a+").unwrap());
        assert!(Pattern::new("(unclosed").is_err());
    }
}
