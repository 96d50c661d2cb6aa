//! `Address`: an SMPP source or destination address (SMPP 3.4 §5.2.5–5.2.9:
//! `addr_ton`, `addr_npi`, and the address text).
//!
//! A sender may be a number or an alphanumeric id such as a brand name; the
//! type of number says which, and the text is checked accordingly.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::msisdn::{Msisdn, MsisdnError, comparable_number};

/// Type of Number (SMPP 3.4 §5.2.5). Values the spec does not name are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "u8", into = "u8")]
pub enum Ton {
    /// 0: the network does not say; the text is kept as given.
    Unknown,
    /// 1: an E.164 number with its country code, no `+` or `00`.
    International,
    /// 2: a number in the network's national format (no country code).
    National,
    /// 3: a number the network defines, e.g. a short code.
    NetworkSpecific,
    /// 4: a subscriber number within the local area.
    SubscriberNumber,
    /// 5: alphanumeric text, such as a brand name as sender id.
    Alphanumeric,
    /// 6: an abbreviated number.
    Abbreviated,
    /// Any other value (7 to 255): reserved by the spec, kept as it came.
    Other(u8),
}

impl From<u8> for Ton {
    fn from(value: u8) -> Ton {
        match value {
            0 => Ton::Unknown,
            1 => Ton::International,
            2 => Ton::National,
            3 => Ton::NetworkSpecific,
            4 => Ton::SubscriberNumber,
            5 => Ton::Alphanumeric,
            6 => Ton::Abbreviated,
            other => Ton::Other(other),
        }
    }
}

impl From<Ton> for u8 {
    fn from(ton: Ton) -> u8 {
        match ton {
            Ton::Unknown => 0,
            Ton::International => 1,
            Ton::National => 2,
            Ton::NetworkSpecific => 3,
            Ton::SubscriberNumber => 4,
            Ton::Alphanumeric => 5,
            Ton::Abbreviated => 6,
            Ton::Other(other) => other,
        }
    }
}

/// Numbering Plan Indicator (SMPP 3.4 §5.2.6). Values the spec does not name
/// are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "u8", into = "u8")]
pub enum Npi {
    /// 0: the network does not say.
    Unknown,
    /// ISDN (E.163/E.164): mobile numbers.
    Isdn,
    /// 3: Data (X.121).
    Data,
    /// 4: Telex (F.69).
    Telex,
    /// 6: Land Mobile (E.212).
    LandMobile,
    /// 8: a national numbering plan.
    National,
    /// 9: a private numbering plan.
    Private,
    /// 10: ERMES (ETSI DE/PS 3 01-3).
    Ermes,
    /// 14: Internet (IP).
    Internet,
    /// 18: WAP Client Id.
    WapClientId,
    /// Any value the spec does not name, kept as it came.
    Other(u8),
}

impl From<u8> for Npi {
    fn from(value: u8) -> Npi {
        match value {
            0 => Npi::Unknown,
            1 => Npi::Isdn,
            3 => Npi::Data,
            4 => Npi::Telex,
            6 => Npi::LandMobile,
            8 => Npi::National,
            9 => Npi::Private,
            10 => Npi::Ermes,
            14 => Npi::Internet,
            18 => Npi::WapClientId,
            other => Npi::Other(other),
        }
    }
}

impl From<Npi> for u8 {
    fn from(npi: Npi) -> u8 {
        match npi {
            Npi::Unknown => 0,
            Npi::Isdn => 1,
            Npi::Data => 3,
            Npi::Telex => 4,
            Npi::LandMobile => 6,
            Npi::National => 8,
            Npi::Private => 9,
            Npi::Ermes => 10,
            Npi::Internet => 14,
            Npi::WapClientId => 18,
            Npi::Other(other) => other,
        }
    }
}

/// A checked SMPP address.
///
/// - TON international: an [`Msisdn`], normalised to its digits.
/// - TON alphanumeric: 1 to 11 printable ASCII characters (3GPP TS 23.040
///   §9.1.2.5 packs 11 GSM characters into the originating address).
/// - Any other TON: 1 to 20 printable ASCII characters without spaces
///   (`source_addr` and `destination_addr` are C-Octet Strings of 21), kept
///   as given because their meaning depends on the network.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AddressFields", into = "AddressFields")]
pub struct Address {
    ton: Ton,
    npi: Npi,
    text: String,
}

/// What is wrong with an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The address text is empty.
    #[error("empty address")]
    Empty,
    /// The text has more characters than its type of number allows.
    #[error("address {text:?} is {len} characters long; at most {max} are allowed for TON {ton}")]
    TooLong {
        /// The address as given.
        text: String,
        /// The type of number it was checked for, as its wire value.
        ton: u8,
        /// Its length, in characters (all are ASCII here).
        len: usize,
        /// The limit for that type of number: 11 alphanumeric, 20 otherwise.
        max: usize,
    },
    /// The text holds a character its type of number does not allow: a
    /// non-ASCII or control character, or a space outside an alphanumeric
    /// sender id. Checked before the length.
    #[error("address {text:?} contains {ch:?}, which is not allowed for TON {ton}")]
    InvalidCharacter {
        /// The address as given.
        text: String,
        /// The type of number it was checked for, as its wire value.
        ton: u8,
        /// The first character not allowed.
        ch: char,
    },
    /// TON international, and the text is not a valid [`Msisdn`].
    #[error(transparent)]
    Number(#[from] MsisdnError),
}

impl Address {
    /// The longest alphanumeric sender id a handset displays.
    pub const MAX_ALPHANUMERIC: usize = 11;
    /// The longest SMPP 3.4 `source_addr` / `destination_addr`.
    pub const MAX_LEN: usize = 20;

    /// Checks `text` for the given type of number; see the type's doc.
    pub fn new(ton: Ton, npi: Npi, text: &str) -> Result<Address, AddressError> {
        let text = match ton {
            Ton::International => Msisdn::parse(text)?.digits().to_string(),
            Ton::Alphanumeric => {
                check_text(ton, text, Self::MAX_ALPHANUMERIC, |c| {
                    c == ' ' || c.is_ascii_graphic()
                })?;
                text.to_string()
            }
            _ => {
                check_text(ton, text, Self::MAX_LEN, |c| c.is_ascii_graphic())?;
                text.to_string()
            }
        };
        Ok(Address { ton, npi, text })
    }

    /// A mobile number: TON international, NPI ISDN.
    pub fn international(number: &Msisdn) -> Address {
        Address {
            ton: Ton::International,
            npi: Npi::Isdn,
            text: number.digits().to_string(),
        }
    }

    /// An alphanumeric sender id: TON alphanumeric, NPI unknown.
    pub fn alphanumeric(text: &str) -> Result<Address, AddressError> {
        Address::new(Ton::Alphanumeric, Npi::Unknown, text)
    }

    /// The type of number, as `addr_ton` carries it.
    pub fn ton(&self) -> Ton {
        self.ton
    }

    /// The numbering plan, as `addr_npi` carries it.
    pub fn npi(&self) -> Npi {
        self.npi
    }

    /// The address as it goes on the wire.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The address as searches by number compare it
    /// ([`comparable_number`]); an international address is that already.
    pub fn comparable(&self) -> Cow<'_, str> {
        match self.ton {
            Ton::International => Cow::Borrowed(&self.text),
            _ => comparable_number(&self.text),
        }
    }

    /// The number, when the address is an international one.
    pub fn msisdn(&self) -> Option<Msisdn> {
        match self.ton {
            Ton::International => Msisdn::parse(&self.text).ok(),
            _ => None,
        }
    }
}

fn check_text(
    ton: Ton,
    text: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), AddressError> {
    if text.is_empty() {
        return Err(AddressError::Empty);
    }
    if let Some(ch) = text.chars().find(|&c| !allowed(c)) {
        return Err(AddressError::InvalidCharacter {
            text: text.to_string(),
            ton: ton.into(),
            ch,
        });
    }
    if text.len() > max {
        return Err(AddressError::TooLong {
            text: text.to_string(),
            ton: ton.into(),
            len: text.len(),
            max,
        });
    }
    Ok(())
}

impl fmt::Display for Address {
    /// `text (ton/npi)`, as logs and the admin UI show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}/{})",
            self.text,
            u8::from(self.ton),
            u8::from(self.npi)
        )
    }
}

/// The serialized shape of an [`Address`]; checked again on the way in.
#[derive(Serialize, Deserialize)]
struct AddressFields {
    ton: Ton,
    npi: Npi,
    text: String,
}

impl TryFrom<AddressFields> for Address {
    type Error = AddressError;

    fn try_from(fields: AddressFields) -> Result<Address, AddressError> {
        Address::new(fields.ton, fields.npi, &fields.text)
    }
}

impl From<Address> for AddressFields {
    fn from(address: Address) -> AddressFields {
        AddressFields {
            ton: address.ton,
            npi: address.npi,
            text: address.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ton_and_npi_keep_every_wire_value() {
        for value in 0..=u8::MAX {
            assert_eq!(u8::from(Ton::from(value)), value);
            assert_eq!(u8::from(Npi::from(value)), value);
        }
        assert_eq!(Ton::from(5), Ton::Alphanumeric);
        assert_eq!(Npi::from(1), Npi::Isdn);
        assert_eq!(Ton::from(7), Ton::Other(7));
    }

    #[test]
    fn international_addresses_are_normalised_numbers() {
        let address = Address::new(Ton::International, Npi::Isdn, "+44 7700 900123").unwrap();
        assert_eq!(address.text(), "447700900123");
        assert_eq!(
            address.msisdn().map(|m| m.digits().to_string()),
            Some("447700900123".to_string())
        );
        assert!(matches!(
            Address::new(Ton::International, Npi::Isdn, "07700900123"),
            Err(AddressError::Number(MsisdnError::NoCountryCode(_)))
        ));
    }

    #[test]
    fn alphanumeric_senders_hold_up_to_eleven_characters() {
        let sender = Address::alphanumeric("Pasarela Co").unwrap();
        assert_eq!(
            (sender.ton(), sender.npi(), sender.text()),
            (Ton::Alphanumeric, Npi::Unknown, "Pasarela Co")
        );
        assert_eq!(sender.msisdn(), None);
        assert!(matches!(
            Address::alphanumeric("Pasarela Com"),
            Err(AddressError::TooLong {
                len: 12,
                max: 11,
                ..
            })
        ));
        assert!(matches!(
            Address::alphanumeric("Caf\u{e9}"),
            Err(AddressError::InvalidCharacter { ch: '\u{e9}', .. })
        ));
        assert_eq!(Address::alphanumeric(""), Err(AddressError::Empty));
    }

    #[test]
    fn other_types_of_number_are_kept_as_given() {
        let short_code = Address::new(Ton::NetworkSpecific, Npi::Unknown, "7726").unwrap();
        assert_eq!(short_code.text(), "7726");
        assert!(Address::new(Ton::Unknown, Npi::Isdn, &"1".repeat(20)).is_ok());
        assert!(matches!(
            Address::new(Ton::Unknown, Npi::Isdn, &"1".repeat(21)),
            Err(AddressError::TooLong { len: 21, .. })
        ));
        assert!(matches!(
            Address::new(Ton::National, Npi::Isdn, "0 7700"),
            Err(AddressError::InvalidCharacter { ch: ' ', .. })
        ));
    }

    #[test]
    fn deserializing_checks_the_address_again() {
        #[derive(Deserialize)]
        struct Row {
            address: Address,
        }
        let row: Row =
            toml::from_str("address = { ton = 1, npi = 1, text = \"+34 600 123 456\" }").unwrap();
        assert_eq!(row.address.text(), "34600123456");
        assert!(
            toml::from_str::<Row>("address = { ton = 5, npi = 0, text = \"TooLongSender\" }")
                .is_err()
        );
    }
}
