//! Identifiers: our message ids, account ids (the SMPP system_id), gateway
//! names and the ids upstream SMSCs give our messages.
//!
//! Each is validated when built and when deserialized, so a value of these
//! types always fits the SMPP field it ends up in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Our id for one message part.
///
/// ESMEs see an opaque ASCII string of at most 64 characters (SPEC §3); we
/// render a `u64` in decimal (at most 20 digits). The number comes from
/// the store's sequence (`Store::next_message_id`), so ids are unique and
/// increasing across restarts, and their big-endian bytes sort in the same
/// order as the numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(u64);

/// Why a string is not one of our message ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageIdError {
    /// The text is empty.
    #[error("empty message id")]
    Empty,
    /// The text holds something other than the ASCII digits 0–9 (a sign,
    /// a space, a letter).
    #[error("message id {0:?} is not a decimal number")]
    NotDecimal(String),
    /// More than one digit with a leading `0`; we never render ids that way.
    #[error("message id {0:?} has a leading zero; ids are written without one")]
    LeadingZero(String),
    /// Digits only, but more than a `u64` holds (above 18446744073709551615).
    #[error("message id {0:?} is out of range")]
    OutOfRange(String),
}

impl MessageId {
    /// The longest message id SMPP allows (SPEC §3; `message_id` is a
    /// C-Octet String of 65 including the NUL).
    pub const MAX_LEN: usize = 64;

    /// The id of store sequence number `value`.
    pub const fn new(value: u64) -> MessageId {
        MessageId(value)
    }

    /// The sequence number behind the id.
    pub const fn value(self) -> u64 {
        self.0
    }

    /// Key bytes: big-endian, so byte order is numeric order.
    pub const fn to_be_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }

    /// The inverse of [`MessageId::to_be_bytes`]: reads a store key back.
    pub const fn from_be_bytes(bytes: [u8; 8]) -> MessageId {
        MessageId(u64::from_be_bytes(bytes))
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for MessageId {
    type Err = MessageIdError;

    /// Only the canonical form we render: no sign, no leading zero, no
    /// spaces. An ESME echoes our id back verbatim (query_sm, cancel_sm), so
    /// anything else is not one of ours.
    fn from_str(text: &str) -> Result<MessageId, MessageIdError> {
        if text.is_empty() {
            return Err(MessageIdError::Empty);
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MessageIdError::NotDecimal(text.to_string()));
        }
        if text.len() > 1 && text.starts_with('0') {
            return Err(MessageIdError::LeadingZero(text.to_string()));
        }
        text.parse::<u64>()
            .map(MessageId)
            .map_err(|_| MessageIdError::OutOfRange(text.to_string()))
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.serialize_u64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<MessageId, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            u64::deserialize(deserializer).map(MessageId)
        }
    }
}

/// One campaign of one account (`/api/v1/campaigns/{id}`): a number from
/// the store's sequence, so unique and increasing across restarts, and its
/// big-endian bytes sort as the numbers do. JSON writes it as a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CampaignId(pub u64);

impl CampaignId {
    /// Key bytes: big-endian, so byte order is numeric order.
    pub const fn to_be_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }
}

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a string cannot be an identifier of the given kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The text is empty.
    #[error("empty {kind}")]
    Empty {
        /// What was being read: "account id", "gateway name" or "upstream message id".
        kind: &'static str,
    },
    /// The text is longer than the identifier's SMPP field allows.
    #[error("{kind} {text:?} is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// What was being read: "account id", "gateway name" or "upstream message id".
        kind: &'static str,
        /// The text as given.
        text: String,
        /// Its length in octets.
        len: usize,
        /// The limit: 15 for an account id, 64 for the others.
        max: usize,
    },
    /// The text holds a space, a control character or non-ASCII.
    /// Checked before the length.
    #[error("{kind} {text:?} contains {ch:?}; only printable ASCII without spaces is allowed")]
    InvalidCharacter {
        /// What was being read: "account id", "gateway name" or "upstream message id".
        kind: &'static str,
        /// The text as given.
        text: String,
        /// The first character not allowed.
        ch: char,
    },
}

/// Printable ASCII without spaces: what fits an SMPP C-Octet String, a log
/// line and a store key (no NUL, which the store uses as a separator).
fn check_token(kind: &'static str, text: &str, max: usize) -> Result<(), IdError> {
    if text.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if let Some(ch) = text.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(IdError::InvalidCharacter {
            kind,
            text: text.to_string(),
            ch,
        });
    }
    if text.len() > max {
        return Err(IdError::TooLong {
            kind,
            text: text.to_string(),
            len: text.len(),
            max,
        });
    }
    Ok(())
}

/// Defines a validated string newtype: `new`, `as_str`, `Display`,
/// `FromStr`, and serde as a string checked again on the way in.
macro_rules! token_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The most characters (all ASCII, so also octets) a value may have.
            pub const MAX_LEN: usize = $max;

            /// Checks `text`: 1 to `MAX_LEN` printable ASCII characters, no space.
            pub fn new(text: impl Into<String>) -> Result<$name, IdError> {
                let text = text.into();
                check_token($kind, &text, Self::MAX_LEN)?;
                Ok($name(text))
            }

            /// The identifier as given, as it goes on the wire and in the store.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(text: &str) -> Result<$name, IdError> {
                $name::new(text)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;

            fn try_from(text: String) -> Result<$name, IdError> {
                $name::new(text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

token_type!(
    /// A customer account, named by its SMPP `system_id` (SMPP 3.4 §5.2.1:
    /// C-Octet String of 16, so at most 15 characters; longer ones are cut
    /// silently by common clients, so we refuse them).
    AccountId,
    "account id",
    15
);

token_type!(
    /// The name of an upstream connection (`[[gateways]] name`): an SMPP
    /// SMSC, a modem or the simulator.
    GatewayName,
    "gateway name",
    64
);

token_type!(
    /// The id an upstream SMSC gave our message in its `submit_sm_resp`
    /// (SMPP 3.4 §4.4.2: C-Octet String of 65, so at most 64 characters).
    /// Unique only within that gateway; receipts are matched by the pair.
    UpstreamId,
    "upstream message id",
    64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_round_trips_through_its_text() {
        for value in [0, 1, 9, 10, 4_294_967_296, u64::MAX] {
            let id = MessageId::new(value);
            let text = id.to_string();
            assert!(text.len() <= MessageId::MAX_LEN);
            assert!(text.is_ascii());
            assert_eq!(text.parse::<MessageId>(), Ok(id));
            assert_eq!(MessageId::from_be_bytes(id.to_be_bytes()), id);
        }
    }

    #[test]
    fn message_id_refuses_what_we_never_render() {
        assert_eq!("".parse::<MessageId>(), Err(MessageIdError::Empty));
        for bad in ["-1", "+1", " 1", "1 ", "0x10", "1.0", "abc"] {
            assert!(
                matches!(bad.parse::<MessageId>(), Err(MessageIdError::NotDecimal(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            "007".parse::<MessageId>(),
            Err(MessageIdError::LeadingZero(_))
        ));
        assert!(matches!(
            "18446744073709551616".parse::<MessageId>(),
            Err(MessageIdError::OutOfRange(_))
        ));
    }

    #[test]
    fn key_bytes_sort_like_the_numbers() {
        let values = [0u64, 1, 255, 256, 65_535, 65_536, u64::MAX - 1, u64::MAX];
        for pair in values.windows(2) {
            let (a, b) = (MessageId::new(pair[0]), MessageId::new(pair[1]));
            assert!(a.to_be_bytes() < b.to_be_bytes());
        }
    }

    #[test]
    fn account_id_follows_smpp_limits() {
        assert_eq!(AccountId::new("demo").unwrap().as_str(), "demo");
        assert!(AccountId::new("a".repeat(15)).is_ok());
        assert!(matches!(
            AccountId::new("a".repeat(16)),
            Err(IdError::TooLong {
                len: 16,
                max: 15,
                ..
            })
        ));
        assert_eq!(
            AccountId::new(""),
            Err(IdError::Empty { kind: "account id" })
        );
        for bad in ["de mo", "demo\0", "démo", "demo\n"] {
            assert!(
                matches!(AccountId::new(bad), Err(IdError::InvalidCharacter { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tokens_are_checked_when_deserialized() {
        #[derive(Deserialize)]
        struct Row {
            account: AccountId,
        }
        let row: Row = toml::from_str(r#"account = "demo""#).unwrap();
        assert_eq!(row.account.as_str(), "demo");
        let error = toml::from_str::<Row>(r#"account = "far-too-long-system-id""#)
            .err()
            .unwrap();
        assert!(error.to_string().contains("at most 15"), "{error}");
    }

    #[test]
    fn message_id_is_a_string_in_human_readable_formats() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Row {
            id: MessageId,
        }
        let text = toml::to_string(&Row {
            id: MessageId::new(42),
        })
        .unwrap();
        assert_eq!(text.trim(), r#"id = "42""#);
        let row: Row = toml::from_str(&text).unwrap();
        assert_eq!(row.id, MessageId::new(42));
    }
}
