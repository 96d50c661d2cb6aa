//! SMS-STATUS-REPORT (3GPP TS 23.040 §9.2.2.3): what the service centre
//! says happened to a message submitted with TP-SRR, as +CDS (or +CDSI
//! then AT+CMGR) shows it. It names the message by the TP-MR the modem
//! reported in `+CMGS: <mr>`. No I/O here.
//!
//! First octet: TP-MTI 10 (bits 1–0), TP-MMS (bit 2), TP-LP (bit 3),
//! TP-SRQ (bit 5), TP-UDHI (bit 6). Then TP-MR, TP-RA, TP-SCTS, TP-DT,
//! TP-ST, and optionally TP-PI with the TP-PID, TP-DCS and TP-UDL/TP-UD
//! it announces.

use chrono::{DateTime, FixedOffset};

use crate::model::MessageState;

use super::address::{self, PduAddress};
use super::error::{DecodeError, EncodeError};
use super::message_type::MessageType;
use super::octets::{Encoded, Reader};
use super::timestamp;
use super::user_data::UserData;
use super::validity::take_seven;

const MTI_STATUS_REPORT: u8 = 0b10;
const MMS: u8 = 0x04;
const LP: u8 = 0x08;
const SRQ: u8 = 0x20;
const UDHI: u8 = 0x40;
const PI_PID: u8 = 0x01;
const PI_DCS: u8 = 0x02;
const PI_UDL: u8 = 0x04;

/// TP-Status (§9.2.3.15), kept as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Status(pub u8);

/// What a TP-ST value means for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusCategory {
    /// 0x00–0x1F: the transaction completed: received by the handset
    /// (0x00), forwarded but unconfirmed (0x01), replaced (0x02), or a
    /// reserved or SC-specific completion.
    Delivered,
    /// 0x20–0x3F: a temporary error, and the SC is still trying: not final.
    StillTrying,
    /// 0x40–0x5F: a permanent error; the SC has given up.
    PermanentError,
    /// 0x60–0x7F: a temporary error, but the SC has given up: also final.
    TemporaryErrorGivenUp,
    /// 0x80–0xFF: reserved. §9.2.3.15 gives them no meaning.
    Reserved,
}

impl Status {
    /// 0x00: short message received by the SME.
    pub const RECEIVED: Status = Status(0x00);
    /// 0x46: permanent error, validity period expired.
    pub const VALIDITY_PERIOD_EXPIRED: Status = Status(0x46);
    /// 0x47: permanent error, deleted by the originating SME.
    pub const DELETED_BY_ORIGINATING_SME: Status = Status(0x47);
    /// 0x48: permanent error, deleted by SC administration.
    pub const DELETED_BY_SC_ADMINISTRATION: Status = Status(0x48);

    /// Which of the §9.2.3.15 ranges the value falls in.
    pub const fn category(self) -> StatusCategory {
        match self.0 {
            0x00..=0x1F => StatusCategory::Delivered,
            0x20..=0x3F => StatusCategory::StillTrying,
            0x40..=0x5F => StatusCategory::PermanentError,
            0x60..=0x7F => StatusCategory::TemporaryErrorGivenUp,
            _ => StatusCategory::Reserved,
        }
    }

    /// The message's final state, or `None` while the SC is still trying.
    /// Reserved values are [`MessageState::Unknown`]: the SC said
    /// something final-looking that nobody can read.
    pub const fn message_state(self) -> Option<MessageState> {
        match self.category() {
            StatusCategory::Delivered => Some(MessageState::Delivered),
            StatusCategory::StillTrying => None,
            StatusCategory::PermanentError => Some(match self.0 {
                0x46 => MessageState::Expired,
                0x47 | 0x48 => MessageState::Deleted,
                _ => MessageState::Undeliverable,
            }),
            StatusCategory::TemporaryErrorGivenUp => Some(MessageState::Undeliverable),
            StatusCategory::Reserved => Some(MessageState::Unknown),
        }
    }
}

/// An SMS-STATUS-REPORT and the SCA in front of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusReport {
    /// The service centre that sent the report (`None` when the modem left
    /// the SCA out).
    pub sca: Option<PduAddress>,
    /// TP-MMS read the natural way round: true when more messages wait.
    pub more_messages: bool,
    /// TP-LP: loop prevention, for a report forwarded by an SME.
    pub loop_prevention: bool,
    /// TP-SRQ: the report is about an SMS-COMMAND, not an SMS-SUBMIT.
    pub for_command: bool,
    /// TP-MR of the submit this report is about.
    pub message_reference: u8,
    /// TP-RA: the submit's destination.
    pub recipient: PduAddress,
    /// TP-SCTS: when the SC received the submit.
    pub service_centre_time: DateTime<FixedOffset>,
    /// TP-DT: when the status in `status` was reached (delivered, or
    /// given up on).
    pub discharge_time: DateTime<FixedOffset>,
    /// TP-ST: the outcome, see [`Status::category`] and
    /// [`Status::message_state`].
    pub status: Status,
    /// TP-PID, when TP-PI announces it.
    pub protocol_id: Option<u8>,
    /// TP-DCS, when TP-PI announces it.
    pub dcs: Option<u8>,
    /// TP-UD, when TP-PI announces TP-UDL (read with TP-DCS, or GSM 7-bit
    /// without one).
    pub user_data: Option<UserData>,
}

impl StatusReport {
    /// Reads an SMS-STATUS-REPORT PDU (SCA first).
    pub fn decode(octets: &[u8]) -> Result<StatusReport, DecodeError> {
        let mut reader = Reader::new(octets);
        let sca = address::decode_sca(&mut reader)?;
        decode_tpdu(sca, &mut reader)
    }

    /// The first octet.
    pub fn first_octet(&self) -> u8 {
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        let udhi = self.user_data.as_ref().is_some_and(UserData::udhi);
        MTI_STATUS_REPORT
            | flag(!self.more_messages, MMS)
            | flag(self.loop_prevention, LP)
            | flag(self.for_command, SRQ)
            | flag(udhi, UDHI)
    }

    /// The PDU as a modem would show it; TP-PI is written only when an
    /// optional field is present.
    pub fn encode(&self) -> Result<Encoded, EncodeError> {
        let mut sca = Vec::new();
        address::encode_sca(self.sca.as_ref(), &mut sca)?;
        let mut tpdu = vec![self.first_octet(), self.message_reference];
        address::encode_tp(&self.recipient, "TP-RA", &mut tpdu)?;
        tpdu.extend(timestamp::encode(&self.service_centre_time, "TP-SCTS")?);
        tpdu.extend(timestamp::encode(&self.discharge_time, "TP-DT")?);
        tpdu.push(self.status.0);
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        let pi = flag(self.protocol_id.is_some(), PI_PID)
            | flag(self.dcs.is_some(), PI_DCS)
            | flag(self.user_data.is_some(), PI_UDL);
        if pi != 0 {
            tpdu.push(pi);
            tpdu.extend(self.protocol_id);
            tpdu.extend(self.dcs);
            if let Some(user_data) = &self.user_data {
                user_data.encode(self.dcs.unwrap_or(0), &mut tpdu)?;
            }
        }
        Ok(Encoded::finish(sca, tpdu))
    }
}

/// Reads the TPDU after the SCA.
pub(crate) fn decode_tpdu(
    sca: Option<PduAddress>,
    reader: &mut Reader,
) -> Result<StatusReport, DecodeError> {
    let first = reader.octet("first octet")?;
    let found = MessageType::from_first_octet(first);
    if found != MessageType::StatusReport {
        return Err(DecodeError::WrongType {
            expected: MessageType::StatusReport,
            found,
        });
    }
    let message_reference = reader.octet("TP-MR")?;
    let recipient = address::decode_tp(reader, "TP-RA")?;
    let scts = take_seven(reader, "TP-SCTS")?;
    let service_centre_time = timestamp::decode(&scts, "TP-SCTS")?;
    let dt = take_seven(reader, "TP-DT")?;
    let discharge_time = timestamp::decode(&dt, "TP-DT")?;
    let status = Status(reader.octet("TP-ST")?);
    let (mut protocol_id, mut dcs, mut user_data) = (None, None, None);
    // TP-PI and what it announces are optional: the report may end here.
    if reader.has_more() {
        let pi = reader.octet("TP-PI")?;
        if pi & PI_PID != 0 {
            protocol_id = Some(reader.octet("TP-PID")?);
        }
        if pi & PI_DCS != 0 {
            dcs = Some(reader.octet("TP-DCS")?);
        }
        if pi & PI_UDL != 0 {
            user_data = Some(UserData::decode(
                dcs.unwrap_or(0),
                first & UDHI != 0,
                reader,
            )?);
        }
    }
    Ok(StatusReport {
        sca,
        more_messages: first & MMS == 0,
        loop_prevention: first & LP != 0,
        for_command: first & SRQ != 0,
        message_reference,
        recipient,
        service_centre_time,
        discharge_time,
        status,
        protocol_id,
        dcs,
        user_data,
    })
}
