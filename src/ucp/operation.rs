//! The operations outside the 5x list: call input (01), the older way to
//! submit or deliver a message; alert (31), the keep-alive; and session
//! management (60), the login. Each is a struct of its positional fields.
//!
//! | OT | fields |
//! | --- | --- |
//! | 01 | AdC, OAdC, AC, MT, Msg (MT 2 or 3) |
//! | 31 | AdC, PID |
//! | 60 | OAdC, OTON, ONPI, STYP, PWD, NPWD, VERS, LAdC, LTON, LNPI, OPID, RES1 |
//!
//! PWD and NPWD are hex on the wire (the specification's example is
//! `50617373776F7264`, "Password"); here they are the octets.

use super::content::{self, Content};
use super::envelope::Ot;
use super::error::{EncodeError, MessageError};
use super::field::Field;
use super::wire::{FieldReader, FieldWriter, Width};

/// Operation 01, call input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallInput {
    /// AdC: the recipient.
    pub adc: String,
    /// OAdC: the originator.
    pub oadc: String,
    /// AC: the originator's authentication code.
    pub ac: String,
    /// MT and the message: numeric or alphanumeric only.
    pub content: Option<Content>,
}

/// Operation 31, alert: sent on an idle link to keep it open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alert {
    /// AdC: the address of the sender (Kannel sends its login name).
    pub adc: String,
    /// PID: the kind of terminal (0539: a PC application over TCP/IP).
    pub pid: Option<u16>,
}

/// Operation 60, session management: the login of a link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionManagement {
    /// OAdC: the account logging in.
    pub oadc: String,
    /// OTON: its type of number (1 international, 2 national, 6
    /// abbreviated).
    pub oton: Option<u8>,
    /// ONPI: its numbering plan (1 E.164, 3 X.121, 5 private).
    pub onpi: Option<u8>,
    /// STYP: the subtype; 1 opens a session.
    pub styp: Option<u8>,
    /// PWD: the password, as octets.
    pub pwd: Vec<u8>,
    /// NPWD: a new password, as octets; empty when none.
    pub npwd: Vec<u8>,
    /// VERS: the interface version, `0100`.
    pub vers: String,
    /// LAdC: a list address.
    pub ladc: String,
    /// LTON: the list address's type of number.
    pub lton: Option<u8>,
    /// LNPI: the list address's numbering plan.
    pub lnpi: Option<u8>,
    /// OPID: the originator's protocol identifier (00 mobile, 39 PC).
    pub opid: Option<u16>,
    /// RES1: reserved.
    pub res1: String,
}

impl CallInput {
    pub(super) fn decode(fields: &[u8]) -> Result<CallInput, MessageError> {
        let mut r = FieldReader::new(Ot::CALL_INPUT, fields, 5)?;
        Ok(CallInput {
            adc: r.text(Field::AdC)?,
            oadc: r.text(Field::OAdC)?,
            ac: r.text(Field::Ac)?,
            content: content::read(&mut r, false)?,
        })
    }

    pub(super) fn encode(&self, w: &mut FieldWriter) -> Result<(), EncodeError> {
        w.text(Field::AdC, &self.adc)?;
        w.text(Field::OAdC, &self.oadc)?;
        w.text(Field::Ac, &self.ac)?;
        content::write(w, self.content.as_ref(), false)
    }
}

impl Alert {
    pub(super) fn decode(fields: &[u8]) -> Result<Alert, MessageError> {
        let mut r = FieldReader::new(Ot::ALERT, fields, 2)?;
        Ok(Alert {
            adc: r.text(Field::AdC)?,
            pid: r.number(Field::Pid, 4)?,
        })
    }

    pub(super) fn encode(&self, w: &mut FieldWriter) -> Result<(), EncodeError> {
        w.text(Field::AdC, &self.adc)?;
        w.number(Field::Pid, self.pid, Width::Padded(4))
    }
}

impl SessionManagement {
    pub(super) fn decode(fields: &[u8]) -> Result<SessionManagement, MessageError> {
        let mut r = FieldReader::new(Ot::SESSION, fields, 12)?;
        Ok(SessionManagement {
            oadc: r.text(Field::OAdC)?,
            oton: r.digit(Field::Oton, 9)?,
            onpi: r.digit(Field::Onpi, 9)?,
            styp: r.digit(Field::Styp, 9)?,
            pwd: r.hex(Field::Pwd)?,
            npwd: r.hex(Field::Npwd)?,
            vers: r.text(Field::Vers)?,
            ladc: r.text(Field::LAdC)?,
            lton: r.digit(Field::Lton, 9)?,
            lnpi: r.digit(Field::Lnpi, 9)?,
            opid: r.number(Field::Opid, 2)?,
            res1: r.text(Field::Res1)?,
        })
    }

    pub(super) fn encode(&self, w: &mut FieldWriter) -> Result<(), EncodeError> {
        w.text(Field::OAdC, &self.oadc)?;
        w.digit(Field::Oton, self.oton, 9)?;
        w.digit(Field::Onpi, self.onpi, 9)?;
        w.digit(Field::Styp, self.styp, 9)?;
        w.hex(&self.pwd);
        w.hex(&self.npwd);
        w.text(Field::Vers, &self.vers)?;
        w.text(Field::LAdC, &self.ladc)?;
        w.digit(Field::Lton, self.lton, 9)?;
        w.digit(Field::Lnpi, self.lnpi, 9)?;
        w.number(Field::Opid, self.opid, Width::Padded(2))?;
        w.text(Field::Res1, &self.res1)
    }
}
