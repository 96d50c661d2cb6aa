//! 3GPP TS 23.040 transfer-layer PDUs (TPDUs) as a modem exchanges them in
//! PDU mode (3GPP TS 27.005 §3.1): the service centre address (SCA) first,
//! then the TPDU. No I/O here.
//!
//! - [`submit`]: SMS-SUBMIT (§9.2.2.2), what AT+CMGS sends;
//! - [`deliver`]: SMS-DELIVER (§9.2.2.1), what +CMT / AT+CMGR bring in;
//! - [`status_report`]: SMS-STATUS-REPORT (§9.2.2.3), what +CDS brings;
//! - [`address`], [`timestamp`], [`validity`], [`user_data`]: the fields
//!   they share.
//!
//! [`decode`] reads any of the three, dispatching on TP-MTI. Decoders take
//! arbitrary octets and return a typed error for anything that does not
//! fit; they never panic and never index past the end. Octets after the
//! last field are ignored (some modems pad), everything else is strict.

pub mod address;
pub mod deliver;
pub mod status_report;
pub mod submit;
pub mod timestamp;
pub mod user_data;
pub mod validity;

pub use address::PduAddress;
pub use deliver::Deliver;
pub use status_report::{Status, StatusCategory, StatusReport};
pub use submit::Submit;
pub use user_data::UserData;
pub use validity::{RelativeValidity, ValidityPeriod};

use crate::sms::packing::PackingError;

use super::hex::{self, HexError};

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

/// TP-MTI (§9.2.3.1), read in the direction a modem reads stored and
/// received messages: 00 SMS-DELIVER, 01 SMS-SUBMIT, 10 SMS-STATUS-REPORT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    Deliver,
    Submit,
    StatusReport,
    Reserved,
}

impl MessageType {
    /// From the low two bits of the first octet.
    pub const fn from_first_octet(octet: u8) -> MessageType {
        match octet & 0b11 {
            0b00 => MessageType::Deliver,
            0b01 => MessageType::Submit,
            0b10 => MessageType::StatusReport,
            _ => MessageType::Reserved,
        }
    }
}

/// Any TPDU a modem hands over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tpdu {
    Deliver(Deliver),
    Submit(Submit),
    StatusReport(StatusReport),
}

/// Reads a PDU-mode PDU (SCA, then the TPDU) of any type.
pub fn decode(octets: &[u8]) -> Result<Tpdu, DecodeError> {
    let mut reader = Reader::new(octets);
    let sca = address::decode_sca(&mut reader)?;
    decode_tpdu(sca, &mut reader)
}

/// Reads a PDU that came with a TPDU length (`+CMT: ,<length>`,
/// `+CDS: <length>`, `+CMGR: <stat>,,<length>`). The length does not count
/// the SCA, so when the octets are exactly that long the modem left the
/// SCA out (some do, in +CDS especially) and the TPDU starts at once.
pub fn decode_with_length(octets: &[u8], tpdu_length: usize) -> Result<Tpdu, DecodeError> {
    if octets.len() != tpdu_length {
        return decode(octets);
    }
    decode_tpdu(None, &mut Reader::new(octets))
}

/// The TPDU after the SCA, by its TP-MTI.
fn decode_tpdu(sca: Option<PduAddress>, reader: &mut Reader) -> Result<Tpdu, DecodeError> {
    match MessageType::from_first_octet(reader.peek("first octet")?) {
        MessageType::Deliver => deliver::decode_tpdu(sca, reader).map(Tpdu::Deliver),
        MessageType::Submit => submit::decode_tpdu(sca, reader).map(Tpdu::Submit),
        MessageType::StatusReport => {
            status_report::decode_tpdu(sca, reader).map(Tpdu::StatusReport)
        }
        MessageType::Reserved => Err(DecodeError::ReservedMessageType),
    }
}

/// [`decode`] of a PDU line as the modem prints it.
pub fn decode_hex(text: &str) -> Result<Tpdu, DecodeError> {
    decode(&hex::decode(text)?)
}

/// An encoded PDU: the SCA followed by the TPDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// SCA and TPDU, as written after the `> ` prompt (in hex).
    pub octets: Vec<u8>,
    /// Octets of the TPDU alone: the `<length>` of AT+CMGS and AT+CMGW
    /// (27.005 §3.5.1), which does not count the SCA.
    pub tpdu_length: usize,
}

impl Encoded {
    /// The octets as the hex line a modem expects.
    pub fn hex(&self) -> String {
        hex::encode(&self.octets)
    }

    fn finish(sca: Vec<u8>, tpdu: Vec<u8>) -> Encoded {
        let tpdu_length = tpdu.len();
        let mut octets = sca;
        octets.extend(tpdu);
        Encoded {
            octets,
            tpdu_length,
        }
    }
}

/// A cursor over PDU octets that turns running out into
/// [`DecodeError::Truncated`] naming the field being read.
pub(crate) struct Reader<'a> {
    octets: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(octets: &'a [u8]) -> Reader<'a> {
        Reader { octets, offset: 0 }
    }

    pub(crate) fn peek(&self, field: &'static str) -> Result<u8, DecodeError> {
        self.octets
            .get(self.offset)
            .copied()
            .ok_or(DecodeError::Truncated {
                field,
                offset: self.offset,
            })
    }

    pub(crate) fn octet(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let octet = self.peek(field)?;
        self.offset += 1;
        Ok(octet)
    }

    pub(crate) fn take(
        &mut self,
        count: usize,
        field: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        let taken = self
            .octets
            .get(self.offset..)
            .and_then(|rest| rest.get(..count))
            .ok_or(DecodeError::Truncated {
                field,
                offset: self.octets.len(),
            })?;
        self.offset += count;
        Ok(taken)
    }

    /// Whether octets remain.
    pub(crate) fn has_more(&self) -> bool {
        self.offset < self.octets.len()
    }
}
