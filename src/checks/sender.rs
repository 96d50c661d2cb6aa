//! Sender rules: whether a submission's sender (`source_addr`, `from`) is
//! a valid sender at all, and one its account may use (`allowed_senders`,
//! empty = any). Refused, a submission gets ESME_RINVSRCADR.
//!
//! A sender is a number or an alphanumeric id, whatever type of number it
//! came with:
//!
//! - **a number**: digits only once a leading `+` or `00` is dropped.
//!   Numbers compare by those digits, so `+34911000000`, `0034911000000`
//!   and `34911000000` are the same sender. A national form (`911000000`)
//!   is not rewritten with a country code: list each form an account
//!   sends with. Short codes (3 to 8 digits, `12345`) are numbers.
//! - **an alphanumeric id**: anything else; 1 to 11 characters of the
//!   GSM 03.38 alphabet, an extension character (`€`, `[`, `^`, ...)
//!   counting twice (3GPP TS 23.040 §9.1.2.5: the originating address
//!   holds 11 septets). Ids compare exactly, case included.
//!
//! No I/O here.

use std::fmt;

use crate::model::Address;
use crate::sms::gsm7;

/// The most GSM 03.38 septets an alphanumeric sender may take.
pub const MAX_ALPHANUMERIC_SEPTETS: usize = 11;

/// A sender, normalised for comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Sender {
    /// The digits of a number, without a leading `+` or `00`.
    Number(String),
    /// An alphanumeric id, as written.
    Alphanumeric(String),
}

/// Why a text is not a sender.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    /// Nothing was given.
    #[error("empty sender")]
    Empty,
    /// An alphanumeric id with a character outside GSM 03.38.
    #[error("sender {text:?} has {ch:?}, which is not in the GSM 03.38 alphabet")]
    NotGsm {
        /// The sender as given.
        text: String,
        /// The first character outside the alphabet.
        ch: char,
    },
    /// An alphanumeric id longer than [`MAX_ALPHANUMERIC_SEPTETS`].
    #[error(
        "sender {text:?} takes {septets} GSM 03.38 characters; an alphanumeric sender takes at most {MAX_ALPHANUMERIC_SEPTETS}"
    )]
    TooLong {
        /// The sender as given.
        text: String,
        /// What it takes, extension characters counting twice.
        septets: usize,
    },
}

impl Sender {
    /// Reads `text` as a number or an alphanumeric id (see the module).
    pub fn parse(text: &str) -> Result<Sender, SenderError> {
        if text.is_empty() {
            return Err(SenderError::Empty);
        }
        let digits = text
            .strip_prefix('+')
            .or_else(|| text.strip_prefix("00"))
            .unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Ok(Sender::Number(digits.to_string()));
        }
        match gsm7::septet_count(text) {
            Err(gsm7::Gsm7Error::Unencodable { ch, .. }) => Err(SenderError::NotGsm {
                text: text.to_string(),
                ch,
            }),
            Ok(septets) if septets > MAX_ALPHANUMERIC_SEPTETS => Err(SenderError::TooLong {
                text: text.to_string(),
                septets,
            }),
            Ok(_) => Ok(Sender::Alphanumeric(text.to_string())),
        }
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sender::Number(digits) | Sender::Alphanumeric(digits) => f.write_str(digits),
        }
    }
}

/// The senders an account may use; empty = any valid sender.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedSenders {
    senders: Vec<Sender>,
}

/// Why a submission's sender was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SenderRefused {
    /// Not a valid sender at all.
    #[error(transparent)]
    Invalid(#[from] SenderError),
    /// Valid, but not among the account's `allowed_senders`.
    #[error("sender {0:?} is not one of the account's allowed_senders")]
    NotAllowed(String),
}

impl AllowedSenders {
    /// The senders given, in their order.
    pub fn new(senders: Vec<Sender>) -> AllowedSenders {
        AllowedSenders { senders }
    }

    /// Any sender is allowed.
    pub fn is_any(&self) -> bool {
        self.senders.is_empty()
    }

    /// The list as configured, for the stored account and the account
    /// view (numbers by their digits).
    pub fn entries(&self) -> Vec<String> {
        self.senders.iter().map(Sender::to_string).collect()
    }

    /// Whether `source` is a valid sender the account may use.
    pub fn check(&self, source: &Address) -> Result<(), SenderRefused> {
        let sender = Sender::parse(source.text())?;
        if self.is_any() || self.senders.contains(&sender) {
            Ok(())
        } else {
            Err(SenderRefused::NotAllowed(source.text().to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Npi, Ton};

    fn allowed(entries: &[&str]) -> AllowedSenders {
        AllowedSenders::new(
            entries
                .iter()
                .map(|entry| Sender::parse(entry).unwrap())
                .collect(),
        )
    }

    fn address(ton: Ton, text: &str) -> Address {
        Address::new(ton, Npi::Unknown, text).unwrap()
    }

    #[test]
    fn numbers_compare_by_their_digits_without_plus_or_00() {
        let allowed = allowed(&["+34911000000", "Shop", "12345"]);
        for text in ["34911000000", "+34911000000", "0034911000000"] {
            assert_eq!(
                allowed.check(&address(Ton::Unknown, text)),
                Ok(()),
                "{text}"
            );
        }
        assert_eq!(
            allowed.check(&address(Ton::International, "34911000000")),
            Ok(())
        );
        assert_eq!(
            allowed.check(&address(Ton::NetworkSpecific, "12345")),
            Ok(())
        );
        assert_eq!(
            allowed.check(&address(Ton::National, "911000000")),
            Err(SenderRefused::NotAllowed("911000000".into()))
        );
        assert_eq!(allowed.entries(), ["34911000000", "Shop", "12345"]);
    }

    #[test]
    fn alphanumeric_ids_compare_exactly() {
        let allowed = allowed(&["Shop"]);
        assert_eq!(allowed.check(&address(Ton::Alphanumeric, "Shop")), Ok(()));
        for text in ["shop", "Shop2", "Shop "] {
            assert_eq!(
                allowed.check(&address(Ton::Alphanumeric, text)),
                Err(SenderRefused::NotAllowed(text.into()))
            );
        }
    }

    #[test]
    fn an_empty_list_allows_any_valid_sender() {
        let any = AllowedSenders::default();
        assert!(any.is_any());
        assert_eq!(any.check(&address(Ton::Unknown, "Anything")), Ok(()));
        assert_eq!(any.check(&address(Ton::Unknown, "123")), Ok(()));
    }

    #[test]
    fn an_alphanumeric_sender_takes_at_most_eleven_gsm_characters() {
        let any = AllowedSenders::default();
        assert_eq!(any.check(&address(Ton::Unknown, "ElevenChars")), Ok(()));
        assert_eq!(
            any.check(&address(Ton::Unknown, "TwelveChars!")),
            Err(SenderRefused::Invalid(SenderError::TooLong {
                text: "TwelveChars!".into(),
                septets: 12
            }))
        );
        // `^` is an extension character: two septets.
        assert!(matches!(
            Sender::parse("Shop^^^^^^"),
            Err(SenderError::TooLong { septets: 16, .. })
        ));
        assert!(matches!(
            Sender::parse("Tienda`"),
            Err(SenderError::NotGsm { ch: '`', .. })
        ));
        assert_eq!(Sender::parse(""), Err(SenderError::Empty));
        // A long run of digits is a number, not an id.
        assert_eq!(
            Sender::parse("123456789012345"),
            Ok(Sender::Number("123456789012345".into()))
        );
    }
}
