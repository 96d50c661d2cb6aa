//! Results: the answer to an operation, with its TRN and OT. A positive
//! result (ACK) is `A`, then for the 5x operations a modified validity
//! period (MVP), then a system message (SM); a negative one (NACK) is `N`,
//! a two-digit error code (EC) and a system message.
//!
//! | result | 5x (51, 52, 53) | others (01, 31, 60) |
//! | --- | --- | --- |
//! | ACK | `A/MVP/SM` | `A/SM` |
//! | NACK | `N/EC/SM` | `N/EC/SM` |
//!
//! The SM of a submit's ACK is `AdC:SCTS`, the identity of the message
//! the service centre took ([`MessageReference`](super::MessageReference)).
//! MVP is kept as the text it came as: an acknowledgement is never refused
//! over it.

use super::envelope::Ot;
use super::error::{EncodeError, MessageError, Problem};
use super::error_code::ErrorCode;
use super::field::Field;
use super::wire::{self, FieldReader, FieldWriter, Width};

/// The answer to an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `A`: done.
    Ack(Ack),
    /// `N`: refused.
    Nack(Nack),
}

/// A positive result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ack {
    /// MVP (5x only): the validity period the service centre applied, when
    /// it changed the one asked for; empty otherwise.
    pub mvp: String,
    /// SM: the system message.
    pub sm: String,
}

/// A negative result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nack {
    /// EC: why.
    pub error: ErrorCode,
    /// SM: the system message, free text.
    pub sm: String,
}

impl Response {
    pub(super) fn decode(ot: Ot, fields: &[u8]) -> Result<Response, MessageError> {
        match wire::first(fields) {
            b"A" => {
                let mut r = FieldReader::new(ot, fields, if ot.is_5x() { 3 } else { 2 })?;
                r.raw();
                let mvp = if ot.is_5x() {
                    r.text(Field::Mvp)?
                } else {
                    String::new()
                };
                Ok(Response::Ack(Ack {
                    mvp,
                    sm: r.text(Field::Sm)?,
                }))
            }
            b"N" => {
                let mut r = FieldReader::new(ot, fields, 3)?;
                r.raw();
                let code = r.number(Field::Ec, 2)?.ok_or(MessageError::Field {
                    field: Field::Ec,
                    problem: Problem::Missing,
                })?;
                // Two digits are at most 99.
                let error = ErrorCode::new(code as u8).unwrap_or(ErrorCode::SYNTAX_ERROR);
                Ok(Response::Nack(Nack {
                    error,
                    sm: r.text(Field::Sm)?,
                }))
            }
            _ => Err(MessageError::NotAckOrNack),
        }
    }

    pub(super) fn encode(&self, ot: Ot, w: &mut FieldWriter) -> Result<(), EncodeError> {
        match self {
            Response::Ack(ack) => {
                w.raw(b"A");
                if ot.is_5x() {
                    w.text(Field::Mvp, &ack.mvp)?;
                } else if !ack.mvp.is_empty() {
                    return Err(EncodeError::Field {
                        field: Field::Mvp,
                        problem: Problem::NotInThisOperation,
                    });
                }
                w.text(Field::Sm, &ack.sm)
            }
            Response::Nack(nack) => {
                w.raw(b"N");
                w.number(
                    Field::Ec,
                    Some(u16::from(nack.error.value())),
                    Width::Padded(2),
                )?;
                w.text(Field::Sm, &nack.sm)
            }
        }
    }
}
