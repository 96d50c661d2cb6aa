//! The fields of the 5x operations, one list for submit (51), delivery
//! (52) and delivery notification (53), in the order they are written:
//!
//! | # | field | here | # | field | here |
//! | --- | --- | --- | --- | --- | --- |
//! | 1 | AdC | text | 18 | DSCTS | time, seconds |
//! | 2 | OAdC | text, or packed when OTOA is 5039 | 19–21 | MT, NB, Msg | [`Content`] |
//! | 3 | AC | text | 22 | MMS | digit |
//! | 4 | NRq | flag | 23 | PR | text |
//! | 5 | NAdC | text | 24 | DCs | digit |
//! | 6 | NT | [`Notifications`] | 25 | MCLs | digit 0–3 |
//! | 7 | NPID | 4 digits | 26 | RPI | digit |
//! | 8 | LRq | flag | 27 | CPg | text |
//! | 9 | LRAd | text | 28 | RPLy | text |
//! | 10 | LPID | 4 digits | 29 | OTOA | [`Otoa`] |
//! | 11 | DD | flag | 30 | HPLMN | text |
//! | 12 | DDT | time, minutes | 31 | XSer | [`ExtraServices`] |
//! | 13 | VP | time, minutes | 32 | RES4 | text |
//! | 14 | RPID | 4 digits | 33 | RES5 | text |
//! | 15 | SCTS | time, seconds | | | |
//! | 16 | Dst | [`DeliveryStatus`] | | | |
//! | 17 | Rsn | 3 digits | | | |
//!
//! Every field is optional on the wire; which ones an operation needs is
//! for the caller to check (a submit without AdC is the peer's to refuse).

use chrono::NaiveDateTime;

use super::address;
use super::content::{self, Content};
use super::envelope::Ot;
use super::error::{EncodeError, MessageError};
use super::field::Field;
use super::time::Precision;
use super::wire::{self, FieldReader, FieldWriter, Width};
use super::xser::ExtraServices;

/// Fields in every 5x operation.
pub const FIELD_COUNT: usize = 33;

/// NT: which notifications to send, any of three.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Notifications {
    /// DN (1): the message was delivered.
    pub delivered: bool,
    /// ND (2): the message could not be delivered.
    pub not_delivered: bool,
    /// BN (4): the message is buffered, delivery will be retried.
    pub buffered: bool,
}

impl Notifications {
    /// The NT digit, 0 to 7.
    pub const fn value(self) -> u8 {
        self.delivered as u8 | (self.not_delivered as u8) << 1 | (self.buffered as u8) << 2
    }

    /// From the NT digit, 0 to 7.
    pub const fn from_value(value: u8) -> Notifications {
        Notifications {
            delivered: value & 1 != 0,
            not_delivered: value & 2 != 0,
            buffered: value & 4 != 0,
        }
    }
}

/// Dst: what a delivery notification reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// 0: delivered.
    Delivered,
    /// 1: buffered; Rsn says why, and delivery will be retried.
    Buffered,
    /// 2: not delivered; Rsn says why.
    NotDelivered,
}

impl DeliveryStatus {
    const fn digit(self) -> u8 {
        match self {
            DeliveryStatus::Delivered => 0,
            DeliveryStatus::Buffered => 1,
            DeliveryStatus::NotDelivered => 2,
        }
    }
}

/// OTOA: how to read OAdC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Otoa {
    /// 1139: a number with a type of number and numbering plan
    /// (international, ISDN).
    International,
    /// 5039: an alphanumeric sender id, packed (see
    /// [`address`]).
    Alphanumeric,
}

impl Otoa {
    const fn code(self) -> &'static [u8] {
        match self {
            Otoa::International => b"1139",
            Otoa::Alphanumeric => b"5039",
        }
    }
}

/// The fields of a 51, 52 or 53.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShortMessageFields {
    /// AdC: the recipient (of the message a 53 reports on, the originator).
    pub adc: String,
    /// OAdC: the originator (in a 53, the recipient of the message it
    /// reports on). With OTOA 5039, the sender id as text: it is packed
    /// on the wire.
    pub oadc: String,
    /// AC: the originator's authentication code.
    pub ac: String,
    /// NRq: whether notifications are requested.
    pub nrq: Option<bool>,
    /// NAdC: where notifications go, when not to this link.
    pub nadc: String,
    /// NT: which notifications.
    pub nt: Option<Notifications>,
    /// NPID: the kind of terminal at NAdC (0539: a PC over TCP/IP).
    pub npid: Option<u16>,
    /// LRq: whether a last resort address is given.
    pub lrq: Option<bool>,
    /// LRAd: the last resort address.
    pub lrad: String,
    /// LPID: the kind of terminal at LRAd.
    pub lpid: Option<u16>,
    /// DD: whether delivery is deferred.
    pub dd: Option<bool>,
    /// DDT: when a deferred message is to be delivered.
    pub ddt: Option<NaiveDateTime>,
    /// VP: until when the message is worth delivering.
    pub vp: Option<NaiveDateTime>,
    /// RPID: the TP-PID of the message (0000–0255).
    pub rpid: Option<u16>,
    /// SCTS: when the service centre took the message; with the recipient,
    /// its identity.
    pub scts: Option<NaiveDateTime>,
    /// Dst: the status a notification reports.
    pub dst: Option<DeliveryStatus>,
    /// Rsn: why a message is buffered or was not delivered.
    pub rsn: Option<u16>,
    /// DSCTS: when the status was reached.
    pub dscts: Option<NaiveDateTime>,
    /// MT, NB and the message.
    pub content: Option<Content>,
    /// MMS: more messages to send.
    pub mms: Option<u8>,
    /// PR: priority requested.
    pub pr: String,
    /// DCs: 0 default alphabet, 1 8-bit data; superseded by XSer's DCS.
    pub dcs: Option<u8>,
    /// MCLs: message class, 0 to 3.
    pub mcls: Option<u8>,
    /// RPI: reply path (1 request, 2 response).
    pub rpi: Option<u8>,
    /// CPg: reserved.
    pub cpg: String,
    /// RPLy: reserved.
    pub rply: String,
    /// OTOA: how to read OAdC.
    pub otoa: Option<Otoa>,
    /// HPLMN: the home network's address.
    pub hplmn: String,
    /// XSer: extra services, the UDH and DCS among them.
    pub xser: ExtraServices,
    /// RES4: reserved.
    pub res4: String,
    /// RES5: reserved.
    pub res5: String,
}

impl ShortMessageFields {
    /// The 33 fields of a 5x operation `ot`.
    pub(super) fn decode(ot: Ot, fields: &[u8]) -> Result<ShortMessageFields, MessageError> {
        let mut r = FieldReader::new(ot, fields, FIELD_COUNT)?;
        let adc = r.text(Field::AdC)?;
        let oadc = r.raw();
        let ac = r.text(Field::Ac)?;
        let nrq = r.flag(Field::NRq)?;
        let nadc = r.text(Field::NAdC)?;
        let nt = r.digit(Field::Nt, 7)?.map(Notifications::from_value);
        let npid = r.number(Field::Npid, 4)?;
        let lrq = r.flag(Field::LRq)?;
        let lrad = r.text(Field::LRAd)?;
        let lpid = r.number(Field::Lpid, 4)?;
        let dd = r.flag(Field::Dd)?;
        let ddt = r.time(Field::Ddt, Precision::Minutes)?;
        let vp = r.time(Field::Vp, Precision::Minutes)?;
        let rpid = r.number(Field::Rpid, 4)?;
        let scts = r.time(Field::Scts, Precision::Seconds)?;
        let dst = match r.digit(Field::Dst, 2)? {
            None => None,
            Some(0) => Some(DeliveryStatus::Delivered),
            Some(1) => Some(DeliveryStatus::Buffered),
            Some(_) => Some(DeliveryStatus::NotDelivered),
        };
        let rsn = r.number(Field::Rsn, 3)?;
        let dscts = r.time(Field::Dscts, Precision::Seconds)?;
        let content = content::read(&mut r, true)?;
        let mms = r.digit(Field::Mms, 9)?;
        let pr = r.text(Field::Pr)?;
        let dcs = r.digit(Field::DCs, 9)?;
        let mcls = r.digit(Field::MCLs, 3)?;
        let rpi = r.digit(Field::Rpi, 9)?;
        let cpg = r.text(Field::CPg)?;
        let rply = r.text(Field::RPLy)?;
        let otoa = match r.raw() {
            b"" => None,
            b"1139" => Some(Otoa::International),
            b"5039" => Some(Otoa::Alphanumeric),
            other => return Err(wire::unknown_value(Field::Otoa, other)),
        };
        let hplmn = r.text(Field::Hplmn)?;
        let xser =
            ExtraServices::decode(&r.hex(Field::XSer)?).map_err(|e| MessageError::Field {
                field: Field::XSer,
                problem: e.into(),
            })?;
        let res4 = r.text(Field::Res4)?;
        let res5 = r.text(Field::Res5)?;
        let oadc = read_oadc(oadc, otoa)?;
        Ok(ShortMessageFields {
            adc,
            oadc,
            ac,
            nrq,
            nadc,
            nt,
            npid,
            lrq,
            lrad,
            lpid,
            dd,
            ddt,
            vp,
            rpid,
            scts,
            dst,
            rsn,
            dscts,
            content,
            mms,
            pr,
            dcs,
            mcls,
            rpi,
            cpg,
            rply,
            otoa,
            hplmn,
            xser,
            res4,
            res5,
        })
    }

    /// The 33 fields, written.
    pub(super) fn encode(&self, w: &mut FieldWriter) -> Result<(), EncodeError> {
        w.text(Field::AdC, &self.adc)?;
        self.write_oadc(w)?;
        w.text(Field::Ac, &self.ac)?;
        w.flag(self.nrq);
        w.text(Field::NAdC, &self.nadc)?;
        w.digit(Field::Nt, self.nt.map(Notifications::value), 7)?;
        w.number(Field::Npid, self.npid, Width::Padded(4))?;
        w.flag(self.lrq);
        w.text(Field::LRAd, &self.lrad)?;
        w.number(Field::Lpid, self.lpid, Width::Padded(4))?;
        w.flag(self.dd);
        w.time(Field::Ddt, self.ddt, Precision::Minutes)?;
        w.time(Field::Vp, self.vp, Precision::Minutes)?;
        w.number(Field::Rpid, self.rpid, Width::Padded(4))?;
        w.time(Field::Scts, self.scts, Precision::Seconds)?;
        w.digit(Field::Dst, self.dst.map(DeliveryStatus::digit), 2)?;
        w.number(Field::Rsn, self.rsn, Width::Padded(3))?;
        w.time(Field::Dscts, self.dscts, Precision::Seconds)?;
        content::write(w, self.content.as_ref(), true)?;
        w.digit(Field::Mms, self.mms, 9)?;
        w.text(Field::Pr, &self.pr)?;
        w.digit(Field::DCs, self.dcs, 9)?;
        w.digit(Field::MCLs, self.mcls, 3)?;
        w.digit(Field::Rpi, self.rpi, 9)?;
        w.text(Field::CPg, &self.cpg)?;
        w.text(Field::RPLy, &self.rply)?;
        w.raw(self.otoa.map_or(b"", Otoa::code));
        w.text(Field::Hplmn, &self.hplmn)?;
        let xser = self.xser.encode().map_err(|e| EncodeError::Field {
            field: Field::XSer,
            problem: e.into(),
        })?;
        w.hex(&xser);
        w.text(Field::Res4, &self.res4)?;
        w.text(Field::Res5, &self.res5)
    }

    fn write_oadc(&self, w: &mut FieldWriter) -> Result<(), EncodeError> {
        if self.otoa == Some(Otoa::Alphanumeric) {
            let packed = address::pack(&self.oadc).map_err(|e| EncodeError::Field {
                field: Field::OAdC,
                problem: e.into(),
            })?;
            w.hex(&packed);
            Ok(())
        } else {
            w.text(Field::OAdC, &self.oadc)
        }
    }
}

/// OAdC as text: unpacked when OTOA says it is alphanumeric.
fn read_oadc(raw: &[u8], otoa: Option<Otoa>) -> Result<String, MessageError> {
    if otoa != Some(Otoa::Alphanumeric) {
        return wire::parse_text(Field::OAdC, raw);
    }
    let error = |problem| MessageError::Field {
        field: Field::OAdC,
        problem,
    };
    let octets = wire::hex_octets(raw).map_err(|e| error(e.into()))?;
    address::unpack(&octets).map_err(|e| error(e.into()))
}
