//! The applications that answer MO messages routed to an account (SPEC
//! §6.1; issue 16 items 6, 8 and 9): keyword autoreplies, polls and
//! Kannel-style services; and which of them, if any, an MO is for. No I/O
//! here: the account's actor asks [`MoApps::claim`] and does the writing
//! and sending (`actors/pipeline/mo_apps.rs`).
//!
//! An MO gets at most one of them, the first that claims it:
//!
//! 1. a poll of the account on the number with the MO's first word as its
//!    keyword;
//! 2. a service of the account with that word as keyword or alias;
//! 3. an enabled autoreply of the account on the number with that keyword;
//! 4. a poll on the number without a keyword, when the first word is one
//!    of its options;
//! 5. the account's catch-all service;
//! 6. an enabled autoreply on the number without a keyword.
//!
//! Words compare folded ([`crate::fold`]); numbers as routing numbers (digits, a
//! leading `+` or `00` dropped). An opt-out command (STOP, START, HELP…)
//! is claimed by none: the caller says so.

pub mod autoreply;
pub mod poll;
pub mod service;

use chrono::{DateTime, Utc};

use crate::config::SmsServiceConfig;
use crate::fold;
use crate::routing::mo::normalise_number;
use autoreply::Autoreply;
use poll::Poll;

/// Every autoreply, poll and service in force.
#[derive(Debug, Clone, Default)]
pub struct MoApps {
    /// Stored through the admin API.
    pub autoreplies: Vec<Autoreply>,
    /// Stored through the admin API, open and closed.
    pub polls: Vec<Poll>,
    /// The configuration file's `[[sms_services]]`.
    pub services: Vec<SmsServiceConfig>,
}

/// The application an MO is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim<'a> {
    /// A vote (or one too late) in this poll.
    Vote(&'a Poll),
    /// A request to this service.
    Service(&'a SmsServiceConfig),
    /// Answered by this rule, if its guard lets it.
    Autoreply(&'a Autoreply),
}

impl MoApps {
    /// The application that takes an MO routed to `account`, sent to
    /// `number` with `text`, received at `received`; `None` when none
    /// does.
    pub fn claim(
        &self,
        account: &str,
        number: Option<&str>,
        text: Option<&str>,
        received: DateTime<Utc>,
    ) -> Option<Claim<'_>> {
        let number = number.and_then(normalise_number);
        let keyword = text.and_then(fold::first_word);
        let on_number = |rule_account: &str, rule_number: &str| {
            rule_account == account && Some(rule_number) == number
        };
        let polls = || {
            self.polls
                .iter()
                .filter(move |poll| on_number(&poll.account, &poll.number))
        };
        let autoreplies = || {
            self.autoreplies
                .iter()
                .filter(move |rule| rule.enabled && on_number(&rule.account, &rule.number))
        };
        let services = || {
            self.services
                .iter()
                .filter(move |service| service.account == account)
        };
        if let Some(word) = &keyword {
            let voted = latest(
                polls()
                    .filter(|poll| poll.keyword.as_deref().map(fold::fold).as_ref() == Some(word)),
                received,
            );
            if let Some(poll) = voted {
                return Some(Claim::Vote(poll));
            }
            if let Some(service) = services().find(|service| {
                service
                    .keywords()
                    .any(|candidate| &fold::fold(candidate) == word)
            }) {
                return Some(Claim::Service(service));
            }
            if let Some(rule) =
                autoreplies().find(|rule| rule.folded_keyword().as_ref() == Some(word))
            {
                return Some(Claim::Autoreply(rule));
            }
            let voted = latest(
                polls().filter(|poll| {
                    poll.keyword.is_none() && text.is_some_and(|text| poll.choice(text).is_some())
                }),
                received,
            );
            if let Some(poll) = voted {
                return Some(Claim::Vote(poll));
            }
        }
        if let Some(service) = services().find(|service| service.catch_all) {
            return Some(Claim::Service(service));
        }
        autoreplies()
            .find(|rule| rule.keyword.is_none())
            .map(Claim::Autoreply)
    }
}

/// Of several polls on one number and keyword, the one open at `at`, or
/// else the one that ended last.
fn latest<'p>(polls: impl Iterator<Item = &'p Poll>, at: DateTime<Utc>) -> Option<&'p Poll> {
    polls.max_by_key(|poll| (poll.is_open(at), poll.end()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServiceTarget;
    use poll::PollOption;

    fn rule(name: &str, number: &str, keyword: Option<&str>) -> Autoreply {
        Autoreply {
            name: name.into(),
            account: "shop".into(),
            number: number.into(),
            keyword: keyword.map(Into::into),
            text: "Thanks".into(),
            enabled: true,
        }
    }

    fn poll(id: &str, keyword: Option<&str>, closes_in_hours: i64) -> Poll {
        let now = Utc::now();
        Poll {
            id: id.into(),
            account: "shop".into(),
            number: "5555".into(),
            keyword: keyword.map(Into::into),
            question: "?".into(),
            options: vec![PollOption {
                code: "A".into(),
                label: String::new(),
            }],
            closes_at: now + chrono::Duration::hours(closes_in_hours),
            reply_text: None,
            closed_text: None,
            created_at: now,
            closed_at: None,
        }
    }

    fn service(keyword: Option<&str>, catch_all: bool) -> SmsServiceConfig {
        SmsServiceConfig {
            name: keyword.unwrap_or("default").into(),
            account: "shop".into(),
            keyword: keyword.map(Into::into),
            aliases: keyword.map(|_| "TIEMPO".into()).into_iter().collect(),
            catch_all,
            target: ServiceTarget::Text("t".into()),
            max_messages: 1,
            omit_empty: false,
            strip_keyword: false,
        }
    }

    #[test]
    fn keyword_claims_before_catch_alls_polls_first() {
        let apps = MoApps {
            autoreplies: vec![
                rule("any", "5555", None),
                rule("info", "5555", Some("info")),
                rule("off", "5555", Some("OFF")),
                rule("theirs", "5555", Some("mine")),
            ],
            polls: vec![
                poll("old", Some("VOTE"), -1),
                poll("new", Some("vote"), 1),
                poll("bare", None, 1),
            ],
            services: vec![service(Some("weather"), false), service(None, true)],
        };
        let mut apps = apps;
        apps.autoreplies[2].enabled = false;
        apps.autoreplies[3].account = "other".into();
        let now = Utc::now();
        let claim = |number: &str, text: &str| apps.claim("shop", Some(number), Some(text), now);
        assert_eq!(claim("5555", "vote a"), Some(Claim::Vote(&apps.polls[1])));
        assert_eq!(
            claim("5555", "Weather Paris"),
            Some(Claim::Service(&apps.services[0]))
        );
        assert_eq!(
            claim("5555", "tiempo"),
            Some(Claim::Service(&apps.services[0]))
        );
        assert_eq!(
            claim("005555", "Ínfo"),
            Some(Claim::Autoreply(&apps.autoreplies[1]))
        );
        assert_eq!(claim("5555", "a"), Some(Claim::Vote(&apps.polls[2])));
        assert_eq!(
            claim("5555", "hello"),
            Some(Claim::Service(&apps.services[1]))
        );
        assert_eq!(
            claim("5555", "off"),
            Some(Claim::Service(&apps.services[1]))
        );
        apps.services.pop();
        let claim = |number: &str, text: &str| apps.claim("shop", Some(number), Some(text), now);
        assert_eq!(
            claim("5555", "hello"),
            Some(Claim::Autoreply(&apps.autoreplies[0]))
        );
        assert_eq!(
            claim("5555", "mine"),
            Some(Claim::Autoreply(&apps.autoreplies[0]))
        );
        assert_eq!(claim("6666", "hello"), None);
        assert_eq!(apps.claim("other", Some("5555"), Some("hello"), now), None);
        assert_eq!(
            apps.claim("shop", Some("5555"), None, now),
            Some(Claim::Autoreply(&apps.autoreplies[0]))
        );
    }

    #[test]
    fn the_open_poll_on_a_keyword_wins_else_the_last_closed() {
        let now = Utc::now();
        let apps = MoApps {
            polls: vec![poll("a", Some("V"), -2), poll("b", Some("V"), -1)],
            ..MoApps::default()
        };
        assert_eq!(
            apps.claim("shop", Some("5555"), Some("V A"), now),
            Some(Claim::Vote(&apps.polls[1]))
        );
    }
}
