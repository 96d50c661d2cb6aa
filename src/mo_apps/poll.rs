//! Polls, P2A voting (issue 16 item 8): a poll on a number (or a keyword
//! on it) whose MO messages are votes, the MO's first word after the
//! keyword picking an option; one vote per phone, the last one counting;
//! none after the poll closes. No I/O here: the caller passes the time,
//! and stores the votes (one record per poll and phone, so a later vote
//! replaces an earlier one).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fold;
use crate::model::timestamp;

/// The most options a poll may have.
pub const MAX_OPTIONS: usize = 100;

/// The most characters of an option's code.
pub const MAX_CODE_LEN: usize = 20;

/// A poll as the admin API writes it and the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    /// Unique among all polls (`autoreply::check_name`'s rules).
    pub id: String,
    /// The system_id of the account the poll's MO are routed to, which
    /// owns it and pays its replies.
    pub account: String,
    /// The number voters send to, digits.
    pub number: String,
    /// The first word of a vote, compared folded (`VOTE A`); `None`: the
    /// option is the first word (`A`).
    pub keyword: Option<String>,
    /// What voters are asked, for people.
    pub question: String,
    /// In the order they were given; codes unique once folded.
    pub options: Vec<PollOption>,
    /// When voting ends.
    #[serde(with = "timestamp")]
    pub closes_at: DateTime<Utc>,
    /// The answer to a counted vote, if any.
    pub reply_text: Option<String>,
    /// The answer to a vote after the poll closed, if any.
    pub closed_text: Option<String>,
    /// When the admin API created it.
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the admin API closed it before `closes_at`.
    #[serde(with = "timestamp::option")]
    pub closed_at: Option<DateTime<Utc>>,
}

/// One option of a poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollOption {
    /// What a voter types: `A`, `1`, `YES`; compared folded.
    pub code: String,
    /// What it stands for, for people; may be empty.
    pub label: String,
}

/// What a poll makes of one MO it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ballot {
    /// A vote for the option with this code (as the poll spells it).
    Counted(String),
    /// The poll was closed when the MO arrived.
    Closed,
    /// The word is none of the poll's options (or there is none).
    NoOption,
}

/// Why a poll is refused: the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {detail}")]
pub struct PollError {
    /// As named in the body: `question`, `options[2]`.
    pub field: String,
    /// For a person to read.
    pub detail: String,
}

impl PollError {
    fn field(field: impl Into<String>, detail: impl Into<String>) -> PollError {
        PollError {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

impl Poll {
    /// Checks what the number, account and id checks do not: the options
    /// (1 to [`MAX_OPTIONS`], codes one word of at most [`MAX_CODE_LEN`]
    /// characters, unique once folded, none of them a word
    /// `reserved` says is taken when the poll has no keyword) and the
    /// question.
    pub fn check(&self, reserved: impl Fn(&str) -> bool) -> Result<(), PollError> {
        if self.question.trim().is_empty() {
            return Err(PollError::field("question", "must not be empty"));
        }
        if self.options.is_empty() || self.options.len() > MAX_OPTIONS {
            return Err(PollError::field(
                "options",
                format!("must have 1 to {MAX_OPTIONS} options"),
            ));
        }
        let mut seen = Vec::with_capacity(self.options.len());
        for (index, option) in self.options.iter().enumerate() {
            let field = format!("options[{index}]");
            let code = &option.code;
            if code.is_empty()
                || code.chars().count() > MAX_CODE_LEN
                || code.chars().any(char::is_whitespace)
            {
                return Err(PollError::field(
                    field,
                    format!("a code is one word of 1 to {MAX_CODE_LEN} characters"),
                ));
            }
            let folded = fold::fold(code);
            if seen.contains(&folded) {
                return Err(PollError::field(
                    field,
                    format!("{code:?} is another option's code"),
                ));
            }
            if self.keyword.is_none() && reserved(&folded) {
                return Err(PollError::field(
                    field,
                    format!(
                        "{code:?} is an opt-out command word; give the poll a keyword to use it"
                    ),
                ));
            }
            seen.push(folded);
        }
        Ok(())
    }

    /// When voting ends or ended: `closes_at`, or earlier when closed.
    pub fn end(&self) -> DateTime<Utc> {
        self.closed_at
            .map_or(self.closes_at, |closed| closed.min(self.closes_at))
    }

    /// Whether a vote at `at` counts.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        at < self.end()
    }

    /// The option the MO `text` picks (the first word after the keyword,
    /// or the first word of a poll without one), open or not.
    pub fn choice(&self, text: &str) -> Option<&PollOption> {
        let choice = match self.keyword {
            Some(_) => fold::first_word(fold::after_first_word(text)),
            None => fold::first_word(text),
        }?;
        self.options
            .iter()
            .find(|option| fold::fold(&option.code) == choice)
    }

    /// What the MO `text` received at `received` is for this poll (whose
    /// keyword, if any, the caller has matched to its first word).
    pub fn ballot(&self, text: &str, received: DateTime<Utc>) -> Ballot {
        if !self.is_open(received) {
            return Ballot::Closed;
        }
        match self.choice(text) {
            Some(option) => Ballot::Counted(option.code.clone()),
            None => Ballot::NoOption,
        }
    }

    /// The votes per option, in the poll's order, from `votes` (the option
    /// code of every phone's vote); codes no longer among the options
    /// are not counted.
    pub fn counts<'v>(&self, votes: impl IntoIterator<Item = &'v str>) -> Vec<(String, u64)> {
        let mut counts: Vec<(String, u64)> = self
            .options
            .iter()
            .map(|option| (option.code.clone(), 0))
            .collect();
        for vote in votes {
            if let Some((_, count)) = counts.iter_mut().find(|(code, _)| code == vote) {
                *count += 1;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(keyword: Option<&str>) -> Poll {
        let now = Utc::now();
        Poll {
            id: "song".into(),
            account: "tv".into(),
            number: "5555".into(),
            keyword: keyword.map(Into::into),
            question: "Best song?".into(),
            options: ["A", "B", "Sí"]
                .iter()
                .map(|code| PollOption {
                    code: (*code).into(),
                    label: String::new(),
                })
                .collect(),
            closes_at: now + chrono::Duration::hours(1),
            reply_text: None,
            closed_text: None,
            created_at: now,
            closed_at: None,
        }
    }

    #[test]
    fn the_word_after_the_keyword_picks_an_option_folded() {
        let now = Utc::now();
        let keyworded = poll(Some("vote"));
        assert_eq!(keyworded.ballot("VOTE a", now), Ballot::Counted("A".into()));
        assert_eq!(
            keyworded.ballot("vote  si please", now),
            Ballot::Counted("Sí".into())
        );
        assert_eq!(keyworded.ballot("VOTE", now), Ballot::NoOption);
        assert_eq!(keyworded.ballot("VOTE C", now), Ballot::NoOption);
        let bare = poll(None);
        assert_eq!(bare.ballot(" b", now), Ballot::Counted("B".into()));
        assert_eq!(bare.ballot("hello", now), Ballot::NoOption);
    }

    #[test]
    fn nothing_counts_once_closed() {
        let mut poll = poll(None);
        let now = Utc::now();
        assert_eq!(poll.ballot("A", poll.closes_at), Ballot::Closed);
        assert!(poll.is_open(now));
        poll.closed_at = Some(now);
        assert_eq!(poll.ballot("A", now), Ballot::Closed);
        assert_eq!(poll.end(), now);
    }

    #[test]
    fn options_are_checked() {
        let stop = |word: &str| word == "STOP";
        assert!(poll(None).check(stop).is_ok());
        let mut twice = poll(None);
        twice.options[1].code = "a".into();
        assert_eq!(twice.check(stop).unwrap_err().field, "options[1]");
        let mut reserved = poll(None);
        reserved.options[2].code = "stop".into();
        assert_eq!(reserved.check(stop).unwrap_err().field, "options[2]");
        reserved.keyword = Some("VOTE".into());
        assert!(reserved.check(stop).is_ok());
        let mut none = poll(None);
        none.options.clear();
        assert_eq!(none.check(stop).unwrap_err().field, "options");
        let mut spaced = poll(None);
        spaced.options[0].code = "a b".into();
        assert_eq!(spaced.check(stop).unwrap_err().field, "options[0]");
    }

    #[test]
    fn counts_follow_the_options() {
        let poll = poll(None);
        assert_eq!(
            poll.counts(["A", "Sí", "A", "gone"]),
            vec![("A".into(), 2), ("B".into(), 0), ("Sí".into(), 1)]
        );
    }
}
