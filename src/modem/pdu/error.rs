//! Why octets are not the TPDU they claim to be, and why a TPDU cannot be
//! encoded: the errors every field's decoder and encoder returns.

use crate::modem::hex::HexError;
use crate::sms::packing::PackingError;

use super::message_type::MessageType;

/// Why octets are not the TPDU they claim to be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The PDU line is not hexadecimal octets.
    #[error(transparent)]
    Hex(#[from] HexError),
    /// The octets end before a field does.
    #[error("the PDU ends at octet {offset}, inside {field}")]
    Truncated {
        /// The field being read (`SCA`, `TP-OA`, `TP-UD`, …).
        field: &'static str,
        /// Where the octets ended: their count, from the first octet given.
        offset: usize,
    },
    /// A semi-octet a field does not allow: 0xF inside an address, or a
    /// nibble above 9 in a time stamp.
    #[error("{field}: semi-octet {nibble:#x} is not allowed there")]
    BadSemiOctet {
        /// The field being read.
        field: &'static str,
        /// The semi-octet, 0x0–0xF.
        nibble: u8,
    },
    /// A time stamp (TP-SCTS, TP-DT, an absolute TP-VP) of valid digits that
    /// names no real date or time, such as 31 April or hour 25.
    #[error("{field}: {value} is not a valid date and time")]
    BadTime {
        /// The field being read.
        field: &'static str,
        /// The date, time and zone as read, for the log.
        value: String,
    },
    /// An address length octet above what the field allows.
    #[error("{field}: length {length} is more than the {max} an address may have")]
    AddressTooLong {
        /// The field being read: `SCA`, `TP-OA`, `TP-DA` or `TP-RA`.
        field: &'static str,
        /// The length octet: semi-octets for a TP address, octets after it for the SCA.
        length: usize,
        /// The limit: 20 semi-octets for a TP address, 11 octets for the SCA.
        max: usize,
    },
    /// TP-MTI is 11, which 23.040 reserves.
    #[error("TP-MTI 3 is reserved")]
    ReservedMessageType,
    /// A decoder for one TPDU type was given another (e.g. `Deliver::decode`
    /// on an SMS-SUBMIT).
    #[error("expected an {expected:?}, found an {found:?}")]
    WrongType {
        /// The type the decoder reads.
        expected: MessageType,
        /// The type TP-MTI says the octets are.
        found: MessageType,
    },
    /// TP-UDL is more than a short message holds.
    #[error("TP-UDL {udl} is more than the {max} a short message holds")]
    UserDataTooLong {
        /// TP-UDL as read: septets for GSM 7-bit, octets otherwise.
        udl: usize,
        /// The limit: 160 septets or 140 octets.
        max: usize,
    },
    /// Packed septets (TP-UD, or an alphanumeric address) or the UDH run
    /// past the octets there are, or TP-UDL is shorter than the UDH.
    #[error("TP-UD: {0}")]
    UserData(#[from] PackingError),
}

/// Why a TPDU cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// An SMS-SUBMIT to a TON 5 (alphanumeric) destination.
    #[error("TP-DA cannot be alphanumeric (23.040 §9.1.2.5 allows it only for an originator)")]
    AlphanumericDestination,
    /// A numeric address holds a character with no semi-octet.
    #[error("{field}: {ch:?} is not a digit, *, #, a, b or c")]
    AddressCharacter {
        /// The address being written: `SCA` or `TP-DA`.
        field: &'static str,
        /// The character (`+` is a common one: the TON says international).
        ch: char,
    },
    /// A numeric address of more than 20 digits.
    #[error("{field}: {length} digits; at most {max}")]
    AddressTooLong {
        /// The address being written.
        field: &'static str,
        /// Its digits.
        length: usize,
        /// The limit, 20.
        max: usize,
    },
    /// A TON above 7 or an NPI above 15: they do not fit in 3 and 4 bits.
    #[error("{field}: TON {ton} or NPI {npi} does not fit the type-of-address octet")]
    TypeOfAddress {
        /// The address being written.
        field: &'static str,
        /// The TON's wire value.
        ton: u8,
        /// The NPI's wire value.
        npi: u8,
    },
    /// An alphanumeric address that cannot be written: an SCA, a character
    /// outside GSM 03.38, or more than 11 septets.
    #[error("{field}: {reason}")]
    Alphanumeric {
        /// The address being written.
        field: &'static str,
        /// Which of those it is, in words.
        reason: String,
    },
    /// A time stamp's UTC offset that is not a whole number of quarter hours
    /// within ±19:45 (79 quarters, the most the field holds).
    #[error("{field}: offset of {seconds} s is not a whole number of quarter hours within ±19:45")]
    TimeZone {
        /// The field being written.
        field: &'static str,
        /// The offset, in seconds east of UTC.
        seconds: i32,
    },
    /// The UDH's first octet (UDHL) disagrees with its length.
    #[error("the UDH declares {declared} octets but has {actual}")]
    BadUdh {
        /// UDHL + 1: the octets the header says it has, UDHL included.
        declared: usize,
        /// The octets it has.
        actual: usize,
    },
    /// The header and text, packed, take more than 140 octets.
    #[error("user data needs {octets} octets; a short message holds 140")]
    UserDataTooLong {
        /// Octets they take.
        octets: usize,
    },
}
