//! Conversations (SPEC §6.1, two-way), the pure half: every MO and MT of
//! an account grouped by (the account's number, the other number). Here:
//! how a number or sender id is normalised into a conversation's party, an
//! MT's text read back from its parts, the preview, the state one entry
//! shows, and the JSON views of the conversations API. No I/O: the index
//! is `store::conversations`, the endpoints `actors/web/conversations.rs`.
//!
//! "The account's number" is an MT's source address and an MO's
//! destination; "the other number" an MT's destination and an MO's
//! source. Both are normalised the same way ([`Party::parse`]), so that an
//! MT to `34600111222` and an MO from `+34600111222` are one conversation.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::MessageState;
use crate::sms::incoming;
use crate::sms::{Alphabet, ESM_CLASS_UDHI, Udh};

/// One side of a conversation, normalised: the digits of a number (an
/// international number without `+` or `00`, a short code, a national
/// number as given), or an alphanumeric sender id as given.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Party(String);

/// What is wrong with a party, in terms a customer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyError {
    /// Nothing but white space.
    #[error("empty number")]
    Empty,
    /// A control character, or a `+` not followed by digits only.
    #[error("{text:?} has {ch:?} as character {position}, which no number or sender id has")]
    InvalidCharacter {
        /// The number as written.
        text: String,
        /// The first character not allowed.
        ch: char,
        /// Counted from 1, in characters of the text as written.
        position: usize,
    },
    /// Longer than [`Party::MAX_LEN`] once normalised.
    #[error(
        "{text:?} has {len} characters; a number or sender id has at most {}",
        Party::MAX_LEN
    )]
    TooLong {
        /// The number as written.
        text: String,
        /// Its length once normalised, in characters.
        len: usize,
    },
}

/// Separators people put in numbers; dropped in a number.
fn is_separator(ch: char) -> bool {
    matches!(ch, ' ' | '-' | '.' | '(' | ')')
}

impl Party {
    /// The longest party: an SMPP address holds 20 characters.
    pub const MAX_LEN: usize = 20;

    /// Normalises `text`. A number (digits, separators, one leading `+`
    /// or `00`) becomes its digits without separators and without the
    /// international prefix; anything else is an alphanumeric sender id,
    /// kept as given (white space at the ends trimmed).
    pub fn parse(text: &str) -> Result<Party, PartyError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(PartyError::Empty);
        }
        let invalid = |position: usize, ch: char| PartyError::InvalidCharacter {
            text: text.to_string(),
            ch,
            position: position + 1,
        };
        if let Some((position, ch)) = text.chars().enumerate().find(|(_, ch)| ch.is_control()) {
            return Err(invalid(position, ch));
        }
        let compact: String = trimmed.chars().filter(|&ch| !is_separator(ch)).collect();
        let international = compact
            .strip_prefix('+')
            .or_else(|| compact.strip_prefix("00"));
        let normalised = match international {
            Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits.to_string()
            }
            _ if trimmed.starts_with('+') => {
                let lead = text.len() - text.trim_start().len();
                let (position, ch) = text
                    .chars()
                    .enumerate()
                    .skip(lead + 1)
                    .find(|&(_, ch)| !ch.is_ascii_digit() && !is_separator(ch))
                    .unwrap_or((lead, '+'));
                return Err(invalid(position, ch));
            }
            _ if compact.bytes().all(|b| b.is_ascii_digit()) => compact,
            _ => trimmed.to_string(),
        };
        let len = normalised.chars().count();
        if len > Party::MAX_LEN {
            return Err(PartyError::TooLong {
                text: text.to_string(),
                len,
            });
        }
        Ok(Party(normalised))
    }

    /// The normalised form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is a number (digits), which a reply can go to, rather
    /// than an alphanumeric sender id, which no handset answers.
    pub fn is_number(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which way a message of a conversation went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the other number to the account's (mobile originated).
    Mo,
    /// From the account's number to the other (mobile terminated).
    Mt,
}

/// How many characters of the last message a conversation's listing shows.
pub const PREVIEW_CHARS: usize = 60;

/// The first [`PREVIEW_CHARS`] characters of `text`.
pub fn preview(text: &str) -> String {
    text.chars().take(PREVIEW_CHARS).collect()
}

/// The text of an MT from its parts as they go upstream (`esm_class` and
/// `short_message` of each, in order) and its `data_coding`: each part's
/// UDH taken off, the bodies joined, then decoded, so that a character
/// split across parts reads whole. `None` for binary data and alphabets
/// that are not text.
pub fn mt_text<'a>(
    data_coding: u8,
    parts: impl IntoIterator<Item = (u8, &'a [u8])>,
) -> Option<String> {
    let alphabet = Alphabet::from_data_coding(data_coding);
    let mut body = Vec::new();
    for (esm_class, payload) in parts {
        let user_data = if esm_class & ESM_CLASS_UDHI != 0 {
            // A header that does not parse stays in the text rather than
            // losing the part.
            Udh::split(payload).map_or(payload, |(_, body)| body)
        } else {
            payload
        };
        body.extend_from_slice(user_data);
    }
    incoming::decode_text(alphabet, &body)
}

/// The state one MT entry of a conversation shows for its parts: the
/// first part still on its way, when one is; else the state they all
/// reached; else the first part's that is not DELIVERED. `None` when no
/// part is known (purged by retention).
pub fn entry_state(states: &[MessageState]) -> Option<MessageState> {
    let first = *states.first()?;
    if let Some(moving) = states.iter().find(|state| !state.is_final()) {
        return Some(*moving);
    }
    if states.iter().all(|state| *state == first) {
        return Some(first);
    }
    states
        .iter()
        .find(|state| **state != MessageState::Delivered)
        .copied()
}

/// `GET /api/v1/conversations`: one page, the most recent first.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct ConversationList {
    /// The account the conversations are of.
    pub account: String,
    /// By last activity, the most recent first.
    pub conversations: Vec<ConversationView>,
    /// Give it as `before` for the next page; null when this page is not
    /// full (a full last page is followed by an empty one).
    pub next_cursor: Option<String>,
}

/// One conversation as listed.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct ConversationView {
    /// The account's number (or sender id), normalised.
    pub ours: String,
    /// The other number, normalised (digits of an international number
    /// without `+`).
    pub theirs: String,
    /// When its last message was accepted (MT) or received (MO).
    pub last_at: DateTime<Utc>,
    /// Which way its last message went.
    pub last_direction: Direction,
    /// The first characters of its last message; null for binary data.
    pub last_text: Option<String>,
    /// MO messages after the last read mark.
    pub unread: u64,
    /// Messages in it, both ways.
    pub messages: u64,
    /// MO messages in it.
    pub received: u64,
    /// MT messages in it (one per submission and number, whatever its
    /// parts).
    pub sent: u64,
}

/// `GET /api/v1/conversations/{ours}/{theirs}`: one page of messages, in
/// the order they were stored.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct ConversationPage {
    /// The account the conversation is of.
    pub account: String,
    /// The account's number, normalised.
    pub ours: String,
    /// The other number, normalised.
    pub theirs: String,
    /// Oldest first.
    pub messages: Vec<ConversationMessageView>,
    /// MO messages after the read mark, once this page is read.
    pub unread: u64,
    /// Give it as `before` for the messages before this page; null when
    /// there are none.
    pub previous_cursor: Option<String>,
    /// Give it as `after` for the messages stored after this page (poll
    /// with it); null when the page is empty and no cursor was given.
    pub next_cursor: Option<String>,
}

/// One message of a conversation.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
pub struct ConversationMessageView {
    /// Which way it went.
    pub direction: Direction,
    /// The MO's id (as in its callback), or the MT's first part's id.
    pub id: String,
    /// Every part's id of an MT (as `POST /api/v1/messages` answers);
    /// the MO's id alone.
    pub ids: Vec<String>,
    /// The text; null for binary data.
    pub text: Option<String>,
    /// When it was accepted (MT) or received (MO).
    pub at: DateTime<Utc>,
    /// An MT's state (see the two-way docs for several parts); null for
    /// an MO, or an MT whose parts retention purged.
    pub state: Option<MessageState>,
}

/// `POST /api/v1/conversations/{ours}/{theirs}/messages`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "runtime", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// Sent from `ours` to `theirs` as `POST /api/v1/messages` sends it.
    #[cfg_attr(feature = "runtime", schema(min_length = 1))]
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(text: &str) -> String {
        Party::parse(text).unwrap().as_str().to_string()
    }

    #[test]
    fn numbers_written_every_way_are_one_party() {
        for written in [
            "34600111222",
            "+34600111222",
            "0034600111222",
            "+34 600-111.222",
            " +34600111222 ",
        ] {
            assert_eq!(party(written), "34600111222", "{written}");
        }
        assert_eq!(party("12345"), "12345");
        assert_eq!(party("0612 345 678"), "0612345678");
        assert!(Party::parse("+34600111222").unwrap().is_number());
    }

    #[test]
    fn sender_ids_are_kept_as_given() {
        assert_eq!(party("My Shop"), "My Shop");
        assert_eq!(party("Café"), "Café");
        assert!(!Party::parse("Shop").unwrap().is_number());
    }

    #[test]
    fn bad_parties_are_named() {
        assert_eq!(Party::parse("  "), Err(PartyError::Empty));
        assert!(matches!(
            Party::parse("+34a600"),
            Err(PartyError::InvalidCharacter {
                ch: 'a',
                position: 4,
                ..
            })
        ));
        assert!(matches!(
            Party::parse("+"),
            Err(PartyError::InvalidCharacter {
                ch: '+',
                position: 1,
                ..
            })
        ));
        assert!(matches!(
            Party::parse("a\u{0}b"),
            Err(PartyError::InvalidCharacter { position: 2, .. })
        ));
        assert!(matches!(
            Party::parse("123456789012345678901"),
            Err(PartyError::TooLong { len: 21, .. })
        ));
    }

    #[test]
    fn mt_text_joins_parts_without_their_headers() {
        let udh = |seq: u8| vec![5, 0, 3, 7, 2, seq];
        let mut first = udh(1);
        first.extend_from_slice(b"Hello ");
        let mut second = udh(2);
        second.extend_from_slice(b"world");
        let parts = [(0x40, first.as_slice()), (0x40, second.as_slice())];
        assert_eq!(mt_text(0, parts).as_deref(), Some("Hello world"));
        // UCS-2 whose one character is split across parts reads whole.
        let parts = [(0, &[0x00][..]), (0, &[0xE9][..])];
        assert_eq!(mt_text(8, parts).as_deref(), Some("é"));
        assert_eq!(mt_text(4, [(0, &[1, 2][..])]), None);
    }

    #[test]
    fn an_entry_shows_the_state_of_its_parts() {
        use MessageState::*;
        assert_eq!(entry_state(&[]), None);
        assert_eq!(entry_state(&[Delivered, Submitted]), Some(Submitted));
        assert_eq!(entry_state(&[Delivered, Delivered]), Some(Delivered));
        assert_eq!(
            entry_state(&[Delivered, Undeliverable]),
            Some(Undeliverable)
        );
    }

    #[test]
    fn a_preview_is_the_first_characters() {
        let long = "ñ".repeat(100);
        assert_eq!(preview(&long).chars().count(), PREVIEW_CHARS);
        assert_eq!(preview("short"), "short");
    }
}
