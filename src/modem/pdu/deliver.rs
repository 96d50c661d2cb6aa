//! SMS-DELIVER (3GPP TS 23.040 §9.2.2.1): a short message from the service
//! centre to the modem, as +CMT, AT+CMGR and AT+CMGL show it. Decoded for
//! receiving; encoded too, for a fake modem to send. No I/O here.
//!
//! First octet: TP-MTI 00 (bits 1–0), TP-MMS (bit 2), TP-LP (bit 3),
//! TP-SRI (bit 5), TP-UDHI (bit 6), TP-RP (bit 7). Then TP-OA, TP-PID,
//! TP-DCS, TP-SCTS, TP-UDL, TP-UD.

use chrono::{DateTime, FixedOffset};

use crate::sms::{ShortMessage, UdhError};

use super::address::{self, PduAddress};
use super::error::{DecodeError, EncodeError};
use super::message_type::MessageType;
use super::octets::{Encoded, Reader};
use super::timestamp;
use super::user_data::UserData;
use super::validity::take_seven;

const MMS: u8 = 0x04;
const LP: u8 = 0x08;
const SRI: u8 = 0x20;
const UDHI: u8 = 0x40;
const RP: u8 = 0x80;

/// An SMS-DELIVER and the SCA in front of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deliver {
    /// The service centre that delivered it (`None` when the modem left
    /// the SCA out).
    pub sca: Option<PduAddress>,
    /// TP-MMS read the natural way round: true when the SC has more
    /// messages waiting (the bit is 0 then).
    pub more_messages: bool,
    /// TP-LP: loop prevention, for a message forwarded by an SME.
    pub loop_prevention: bool,
    /// TP-SRI: the sender asked for a status report.
    pub status_report_indication: bool,
    /// TP-RP: the sender offered a reply path.
    pub reply_path: bool,
    /// TP-OA: a number, or an alphanumeric sender id.
    pub originator: PduAddress,
    /// TP-PID (§9.2.3.9): 0 for a plain short message; other values ask for
    /// telematic interworking or a replace type.
    pub protocol_id: u8,
    /// TP-DCS (3GPP TS 23.038 §4): the alphabet and class of TP-UD.
    pub dcs: u8,
    /// TP-SCTS: when the service centre received it, in its zone.
    pub service_centre_time: DateTime<FixedOffset>,
    /// TP-UDL and TP-UD, unpacked: UDH octets, then the text or data.
    pub user_data: UserData,
}

impl Deliver {
    /// Reads an SMS-DELIVER PDU (SCA first).
    pub fn decode(octets: &[u8]) -> Result<Deliver, DecodeError> {
        let mut reader = Reader::new(octets);
        let sca = address::decode_sca(&mut reader)?;
        decode_tpdu(sca, &mut reader)
    }

    /// The text, header and concatenation of the message, read in TP-DCS's
    /// alphabet, ready for a [`Reassembler`](crate::sms::Reassembler).
    pub fn message(&self) -> Result<ShortMessage, UdhError> {
        self.user_data.message(self.dcs)
    }

    /// The first octet.
    pub fn first_octet(&self) -> u8 {
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        flag(!self.more_messages, MMS)
            | flag(self.loop_prevention, LP)
            | flag(self.status_report_indication, SRI)
            | flag(self.user_data.udhi(), UDHI)
            | flag(self.reply_path, RP)
    }

    /// The PDU as a modem would show it.
    pub fn encode(&self) -> Result<Encoded, EncodeError> {
        let mut sca = Vec::new();
        address::encode_sca(self.sca.as_ref(), &mut sca)?;
        let mut tpdu = vec![self.first_octet()];
        address::encode_tp(&self.originator, "TP-OA", &mut tpdu)?;
        tpdu.push(self.protocol_id);
        tpdu.push(self.dcs);
        tpdu.extend(timestamp::encode(&self.service_centre_time, "TP-SCTS")?);
        self.user_data.encode(self.dcs, &mut tpdu)?;
        Ok(Encoded::finish(sca, tpdu))
    }
}

/// Reads the TPDU after the SCA.
pub(crate) fn decode_tpdu(
    sca: Option<PduAddress>,
    reader: &mut Reader,
) -> Result<Deliver, DecodeError> {
    let first = reader.octet("first octet")?;
    let found = MessageType::from_first_octet(first);
    if found != MessageType::Deliver {
        return Err(DecodeError::WrongType {
            expected: MessageType::Deliver,
            found,
        });
    }
    let originator = address::decode_tp(reader, "TP-OA")?;
    let protocol_id = reader.octet("TP-PID")?;
    let dcs = reader.octet("TP-DCS")?;
    let scts = take_seven(reader, "TP-SCTS")?;
    let service_centre_time = timestamp::decode(&scts, "TP-SCTS")?;
    let user_data = UserData::decode(dcs, first & UDHI != 0, reader)?;
    Ok(Deliver {
        sca,
        more_messages: first & MMS == 0,
        loop_prevention: first & LP != 0,
        status_report_indication: first & SRI != 0,
        reply_path: first & RP != 0,
        originator,
        protocol_id,
        dcs,
        service_centre_time,
        user_data,
    })
}
