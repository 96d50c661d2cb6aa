//! SMS-SUBMIT (3GPP TS 23.040 §9.2.2.2): a short message from the modem to
//! the service centre, written after AT+CMGS's `> ` prompt. Encoded for
//! sending; decoded too, because AT+CMGL lists the ones stored on the SIM
//! and tests read back what was written. No I/O here.
//!
//! First octet: TP-MTI 01 (bits 1–0), TP-RD (bit 2), TP-VPF (bits 4–3),
//! TP-SRR (bit 5), TP-UDHI (bit 6), TP-RP (bit 7). Then TP-MR, TP-DA,
//! TP-PID, TP-DCS, TP-VP (0, 1 or 7 octets), TP-UDL, TP-UD.

use crate::model::Ton;
use crate::sms::{Coding, Part};

use super::address::{self, PduAddress};
use super::error::{DecodeError, EncodeError};
use super::message_type::MessageType;
use super::octets::{Encoded, Reader};
use super::user_data::UserData;
use super::validity::{self, ValidityPeriod};

const MTI_SUBMIT: u8 = 0b01;
const RD: u8 = 0x04;
const SRR: u8 = 0x20;
const UDHI: u8 = 0x40;
const RP: u8 = 0x80;

/// An SMS-SUBMIT and the SCA in front of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submit {
    /// The service centre to submit to; `None` writes length 0, which
    /// tells the modem to use the SMSC stored on the SIM (AT+CSCA).
    pub sca: Option<PduAddress>,
    /// TP-RD: the SC should reject a message with the same TP-MR and TP-DA
    /// as one it still holds.
    pub reject_duplicates: bool,
    /// TP-SRR: ask for an SMS-STATUS-REPORT, which is how a modem learns
    /// that a message was delivered.
    pub status_report_request: bool,
    /// TP-RP: a reply path is requested.
    pub reply_path: bool,
    /// TP-MR. Most modems overwrite it with their own counter and report
    /// the value used in `+CMGS: <mr>`; that value, not this one, is what
    /// the status report carries.
    pub message_reference: u8,
    /// TP-DA: a number; alphanumeric is refused (§9.1.2.5).
    pub destination: PduAddress,
    /// TP-PID, 0 for a plain short message.
    pub protocol_id: u8,
    /// TP-DCS (3GPP TS 23.038 §4): decides how TP-UD is laid out.
    pub dcs: u8,
    /// TP-VP; `None` leaves it to the service centre (TP-VPF 00).
    pub validity: Option<ValidityPeriod>,
    /// TP-UDL and TP-UD, unpacked: UDH octets, then the text or data;
    /// packed on encoding when TP-DCS says GSM 7-bit.
    pub user_data: UserData,
}

impl Submit {
    /// A submit of one part of a split message (see
    /// [`sms::split_text`](crate::sms::split_text)) to `destination`: the
    /// SIM's SMSC, TP-DCS of the coding with no message class, no validity
    /// period, no status report, TP-MR 0.
    pub fn from_part(destination: PduAddress, coding: Coding, part: &Part) -> Submit {
        Submit {
            sca: None,
            reject_duplicates: false,
            status_report_request: false,
            reply_path: false,
            message_reference: 0,
            destination,
            protocol_id: 0,
            dcs: coding.data_coding(),
            validity: None,
            user_data: UserData {
                udh: part.udh.clone(),
                payload: part.payload.clone(),
            },
        }
    }

    /// The first octet.
    pub fn first_octet(&self) -> u8 {
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        MTI_SUBMIT
            | flag(self.reject_duplicates, RD)
            | validity::vpf_bits(self.validity.as_ref())
            | flag(self.status_report_request, SRR)
            | flag(self.user_data.udhi(), UDHI)
            | flag(self.reply_path, RP)
    }

    /// The PDU for AT+CMGS: SCA and TPDU, with the TPDU's length.
    pub fn encode(&self) -> Result<Encoded, EncodeError> {
        if self.destination.ton == Ton::Alphanumeric {
            return Err(EncodeError::AlphanumericDestination);
        }
        let mut sca = Vec::new();
        address::encode_sca(self.sca.as_ref(), &mut sca)?;
        let mut tpdu = vec![self.first_octet(), self.message_reference];
        address::encode_tp(&self.destination, "TP-DA", &mut tpdu)?;
        tpdu.push(self.protocol_id);
        tpdu.push(self.dcs);
        validity::encode(self.validity.as_ref(), &mut tpdu)?;
        self.user_data.encode(self.dcs, &mut tpdu)?;
        Ok(Encoded::finish(sca, tpdu))
    }

    /// Reads an SMS-SUBMIT PDU (SCA first).
    pub fn decode(octets: &[u8]) -> Result<Submit, DecodeError> {
        let mut reader = Reader::new(octets);
        let sca = address::decode_sca(&mut reader)?;
        decode_tpdu(sca, &mut reader)
    }
}

/// Reads the TPDU after the SCA.
pub(crate) fn decode_tpdu(
    sca: Option<PduAddress>,
    reader: &mut Reader,
) -> Result<Submit, DecodeError> {
    let first = reader.octet("first octet")?;
    let found = MessageType::from_first_octet(first);
    if found != MessageType::Submit {
        return Err(DecodeError::WrongType {
            expected: MessageType::Submit,
            found,
        });
    }
    let message_reference = reader.octet("TP-MR")?;
    let destination = address::decode_tp(reader, "TP-DA")?;
    let protocol_id = reader.octet("TP-PID")?;
    let dcs = reader.octet("TP-DCS")?;
    let validity = validity::decode(first, reader)?;
    let user_data = UserData::decode(dcs, first & UDHI != 0, reader)?;
    Ok(Submit {
        sca,
        reject_duplicates: first & RD != 0,
        status_report_request: first & SRR != 0,
        reply_path: first & RP != 0,
        message_reference,
        destination,
        protocol_id,
        dcs,
        validity,
        user_data,
    })
}
