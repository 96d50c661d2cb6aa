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
pub mod error;
pub mod message_type;
pub mod octets;
pub mod status_report;
pub mod submit;
pub mod timestamp;
pub mod user_data;
pub mod validity;

pub use address::PduAddress;
pub use deliver::Deliver;
pub use error::{DecodeError, EncodeError};
pub use message_type::MessageType;
pub use octets::Encoded;
pub use status_report::{Status, StatusCategory, StatusReport};
pub use submit::Submit;
pub use user_data::UserData;
pub use validity::{RelativeValidity, ValidityPeriod};

use super::hex;
use octets::Reader;

/// Any TPDU a modem hands over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tpdu {
    /// An SMS-DELIVER (TP-MTI 00).
    Deliver(Deliver),
    /// An SMS-SUBMIT (TP-MTI 01), e.g. one stored on the SIM.
    Submit(Submit),
    /// An SMS-STATUS-REPORT (TP-MTI 10).
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
