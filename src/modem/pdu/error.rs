//! Why octets are not the TPDU they claim to be, and why a TPDU cannot be
//! encoded: the errors every field's decoder and encoder returns.

use crate::modem::hex::HexError;
use crate::sms::packing::PackingError;

use super::message_type::MessageType;

/// Why octets are not the TPDU they claim to be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Hex(#[from] HexError),
    #[error("the PDU ends at octet {offset}, inside {field}")]
    Truncated { field: &'static str, offset: usize },
    #[error("{field}: semi-octet {nibble:#x} is not allowed there")]
    BadSemiOctet { field: &'static str, nibble: u8 },
    #[error("{field}: {value} is not a valid date and time")]
    BadTime { field: &'static str, value: String },
    #[error("{field}: length {length} is more than the {max} an address may have")]
    AddressTooLong {
        field: &'static str,
        length: usize,
        max: usize,
    },
    #[error("TP-MTI 3 is reserved")]
    ReservedMessageType,
    #[error("expected an {expected:?}, found an {found:?}")]
    WrongType {
        expected: MessageType,
        found: MessageType,
    },
    #[error("TP-UDL {udl} is more than the {max} a short message holds")]
    UserDataTooLong { udl: usize, max: usize },
    #[error("TP-UD: {0}")]
    UserData(#[from] PackingError),
}

/// Why a TPDU cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("TP-DA cannot be alphanumeric (23.040 §9.1.2.5 allows it only for an originator)")]
    AlphanumericDestination,
    #[error("{field}: {ch:?} is not a digit, *, #, a, b or c")]
    AddressCharacter { field: &'static str, ch: char },
    #[error("{field}: {length} digits; at most {max}")]
    AddressTooLong {
        field: &'static str,
        length: usize,
        max: usize,
    },
    #[error("{field}: TON {ton} or NPI {npi} does not fit the type-of-address octet")]
    TypeOfAddress {
        field: &'static str,
        ton: u8,
        npi: u8,
    },
    #[error("{field}: {reason}")]
    Alphanumeric { field: &'static str, reason: String },
    #[error("{field}: offset of {seconds} s is not a whole number of quarter hours within ±19:45")]
    TimeZone { field: &'static str, seconds: i32 },
    #[error("the UDH declares {declared} octets but has {actual}")]
    BadUdh { declared: usize, actual: usize },
    #[error("user data needs {octets} octets; a short message holds 140")]
    UserDataTooLong { octets: usize },
}
