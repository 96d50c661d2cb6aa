//! One UCP message, typed: an operation this codec reads (01, 31, 51, 52,
//! 53, 60) or the result of one, decoded from the text between STX and ETX
//! and encoded back into a whole frame. An operation of another type is
//! [`MessageError::UnsupportedOperation`], to be answered with a negative
//! result (EC 03). A result may carry any operation type: its shape
//! depends only on whether the type is a 5x one, and the NACK to an
//! unsupported operation must be writable.

use super::envelope::{self, Header, Kind, MAX_FRAME_LEN, Ot, Trn};
use super::error::{EncodeError, MessageError};
use super::operation::{Alert, CallInput, SessionManagement};
use super::response::Response;
use super::short_message::ShortMessageFields;
use super::wire::FieldWriter;

/// An operation, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// 01: call input.
    CallInput(CallInput),
    /// 31: alert (keep-alive).
    Alert(Alert),
    /// 51: submit short message.
    Submit(Box<ShortMessageFields>),
    /// 52: delivery short message (an MO).
    Delivery(Box<ShortMessageFields>),
    /// 53: delivery notification (a receipt).
    Notification(Box<ShortMessageFields>),
    /// 60: session management (login).
    Session(SessionManagement),
}

impl Operation {
    /// Its operation type.
    pub const fn ot(&self) -> Ot {
        match self {
            Operation::CallInput(_) => Ot::CALL_INPUT,
            Operation::Alert(_) => Ot::ALERT,
            Operation::Submit(_) => Ot::SUBMIT,
            Operation::Delivery(_) => Ot::DELIVERY,
            Operation::Notification(_) => Ot::NOTIFICATION,
            Operation::Session(_) => Ot::SESSION,
        }
    }

    fn decode(ot: Ot, fields: &[u8]) -> Result<Operation, MessageError> {
        Ok(match ot {
            Ot::CALL_INPUT => Operation::CallInput(CallInput::decode(fields)?),
            Ot::ALERT => Operation::Alert(Alert::decode(fields)?),
            Ot::SUBMIT => Operation::Submit(Box::new(ShortMessageFields::decode(ot, fields)?)),
            Ot::DELIVERY => Operation::Delivery(Box::new(ShortMessageFields::decode(ot, fields)?)),
            Ot::NOTIFICATION => {
                Operation::Notification(Box::new(ShortMessageFields::decode(ot, fields)?))
            }
            Ot::SESSION => Operation::Session(SessionManagement::decode(fields)?),
            other => return Err(MessageError::UnsupportedOperation(other)),
        })
    }

    fn encode(&self, w: &mut FieldWriter) -> Result<(), EncodeError> {
        match self {
            Operation::CallInput(call) => call.encode(w),
            Operation::Alert(alert) => alert.encode(w),
            Operation::Submit(fields)
            | Operation::Delivery(fields)
            | Operation::Notification(fields) => fields.encode(w),
            Operation::Session(session) => session.encode(w),
        }
    }
}

/// A UCP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An operation, to be answered with the same TRN.
    Operation {
        /// The transaction reference.
        trn: Trn,
        /// What is asked.
        operation: Operation,
    },
    /// The result of an operation.
    Result {
        /// The operation's transaction reference.
        trn: Trn,
        /// The operation's type.
        ot: Ot,
        /// The answer.
        response: Response,
    },
}

impl Message {
    /// Its header.
    pub fn header(&self) -> Header {
        match self {
            Message::Operation { trn, operation } => Header {
                trn: *trn,
                kind: Kind::Operation,
                ot: operation.ot(),
            },
            Message::Result { trn, ot, .. } => Header {
                trn: *trn,
                kind: Kind::Result,
                ot: *ot,
            },
        }
    }

    /// The message in `envelope`, the text between STX and ETX.
    pub fn decode(envelope: &[u8]) -> Result<Message, MessageError> {
        let (header, fields) = envelope::open(envelope)?;
        let Header { trn, kind, ot } = header;
        Ok(match kind {
            Kind::Operation => Message::Operation {
                trn,
                operation: Operation::decode(ot, fields)?,
            },
            Kind::Result => Message::Result {
                trn,
                ot,
                response: Response::decode(ot, fields)?,
            },
        })
    }

    /// The whole frame, STX to ETX.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut w = FieldWriter::default();
        match self {
            Message::Operation { operation, .. } => operation.encode(&mut w)?,
            Message::Result { ot, response, .. } => response.encode(*ot, &mut w)?,
        }
        let fields = w.finish();
        let len = envelope::frame_len(fields.len());
        if len > MAX_FRAME_LEN {
            return Err(EncodeError::TooLong {
                len,
                max: MAX_FRAME_LEN,
            });
        }
        Ok(envelope::seal(self.header(), &fields))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::ucp::content::Content;
    use crate::ucp::error_code::ErrorCode;
    use crate::ucp::response::{Ack, Nack};
    use crate::ucp::short_message::{DeliveryStatus, Notifications, Otoa};
    use crate::ucp::xser::{self, ExtraServices};

    fn round_trip(message: Message) {
        let frame = message.encode().expect("encodes");
        assert_eq!(
            Message::decode(&frame[1..frame.len() - 1]),
            Ok(message),
            "{}",
            String::from_utf8_lossy(&frame)
        );
    }

    fn trn(value: u8) -> Trn {
        Trn::new(value).unwrap()
    }

    /// Every one of the 33 fields given.
    fn every_field() -> ShortMessageFields {
        let at = |day, second| {
            NaiveDate::from_ymd_opt(2026, 5, day)
                .unwrap()
                .and_hms_opt(13, 45, second)
                .unwrap()
        };
        let mut xser = ExtraServices::default();
        xser.push(xser::UDH, vec![0x05, 0x00, 0x03, 0x7F, 0x02, 0x01]);
        xser.push(xser::DCS, vec![0x08]);
        xser.push(0x0C, b"billing".to_vec());
        ShortMessageFields {
            adc: "34600123456".into(),
            oadc: "Tienda".into(),
            ac: "1234".into(),
            nrq: Some(true),
            nadc: "34600999999".into(),
            nt: Some(Notifications::from_value(3)),
            npid: Some(539),
            lrq: Some(false),
            lrad: "34600888888".into(),
            lpid: Some(100),
            dd: Some(true),
            ddt: Some(at(2, 0)),
            vp: Some(at(3, 0)),
            rpid: Some(64),
            scts: Some(at(1, 7)),
            dst: Some(DeliveryStatus::NotDelivered),
            rsn: Some(107),
            dscts: Some(at(1, 59)),
            content: Some(Content::transparent(vec![0x00, 0x68, 0x00, 0xF1])),
            mms: Some(1),
            pr: "1".into(),
            dcs: Some(1),
            mcls: Some(3),
            rpi: Some(2),
            cpg: "x".into(),
            rply: "y".into(),
            otoa: Some(Otoa::Alphanumeric),
            hplmn: "21401".into(),
            xser,
            res4: "r4".into(),
            res5: "r5".into(),
        }
    }

    #[test]
    fn every_operation_round_trips_with_every_field() {
        round_trip(Message::Operation {
            trn: trn(0),
            operation: Operation::CallInput(CallInput {
                adc: "34600123456".into(),
                oadc: "34699000000".into(),
                ac: "9999".into(),
                content: Some(Content::text("hola {mundo}").unwrap()),
            }),
        });
        round_trip(Message::Operation {
            trn: trn(99),
            operation: Operation::Alert(Alert {
                adc: "pasarela".into(),
                pid: Some(539),
            }),
        });
        for operation in [
            Operation::Submit(Box::new(every_field())),
            Operation::Delivery(Box::new(every_field())),
            Operation::Notification(Box::new(every_field())),
        ] {
            round_trip(Message::Operation {
                trn: trn(42),
                operation,
            });
        }
        round_trip(Message::Operation {
            trn: trn(1),
            operation: Operation::Session(SessionManagement {
                oadc: "customer".into(),
                oton: Some(6),
                onpi: Some(5),
                styp: Some(1),
                pwd: b"s3cret".to_vec(),
                npwd: b"n3w".to_vec(),
                vers: "0100".into(),
                ladc: "34600".into(),
                lton: Some(1),
                lnpi: Some(1),
                opid: Some(39),
                res1: "z".into(),
            }),
        });
    }

    #[test]
    fn every_result_round_trips() {
        for ot in [Ot::CALL_INPUT, Ot::ALERT, Ot::SESSION, Ot::SUBMIT] {
            round_trip(Message::Result {
                trn: trn(7),
                ot,
                response: Response::Ack(Ack {
                    mvp: if ot.is_5x() {
                        "0101271200".into()
                    } else {
                        String::new()
                    },
                    sm: "ok".into(),
                }),
            });
            round_trip(Message::Result {
                trn: trn(8),
                ot,
                response: Response::Nack(Nack {
                    error: ErrorCode::AUTHENTICATION_FAILURE,
                    sm: "login refused".into(),
                }),
            });
        }
        // The NACK to an operation this codec does not read.
        round_trip(Message::Result {
            trn: trn(9),
            ot: Ot::new(54).unwrap(),
            response: Response::Nack(Nack {
                error: ErrorCode::OPERATION_NOT_SUPPORTED,
                sm: String::new(),
            }),
        });
    }

    #[test]
    fn an_mvp_outside_the_5x_operations_is_refused() {
        let message = Message::Result {
            trn: trn(0),
            ot: Ot::SESSION,
            response: Response::Ack(Ack {
                mvp: "0101271200".into(),
                sm: String::new(),
            }),
        };
        assert!(matches!(
            message.encode(),
            Err(EncodeError::Field {
                field: crate::ucp::Field::Mvp,
                ..
            })
        ));
    }

    #[test]
    fn an_unknown_operation_type_is_named() {
        assert_eq!(
            Message::decode(b"01/00022/O/54/a/b/c/7C"),
            Err(MessageError::UnsupportedOperation(Ot::new(54).unwrap()))
        );
    }

    #[test]
    fn frames_longer_than_len_can_say_are_refused() {
        let message = Message::Operation {
            trn: trn(0),
            operation: Operation::Submit(Box::new(ShortMessageFields {
                content: Some(Content::Alphanumeric(vec![0x41; 50_000])),
                ..ShortMessageFields::default()
            })),
        };
        assert!(matches!(
            message.encode(),
            Err(EncodeError::TooLong { max: 100_001, .. })
        ));
    }
}
