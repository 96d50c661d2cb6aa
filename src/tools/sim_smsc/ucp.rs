//! One connection to the simulator in `--protocol ucp`: the SMSC side of
//! UCP/EMI. A login (60) is checked against the command line's
//! credentials (OAdC the system_id, PWD the password; NACK 07 when
//! wrong). Submits (51) are answered as [`Behaviour::for_destination`]
//! says, the table the SMPP mode follows: an ACK names the message
//! `AdC:SCTS` as real SMSCs do; its delivery notification (53, Dst 0
//! delivered or 2 not delivered, Rsn, DSCTS) and, for a destination ending
//! 9999, a delivery (52) back from that number with the same text go to
//! the hub and come `--dlr-delay-ms` later on a connection logged in with
//! the same OAdC, through a window of 100 outstanding operations (the
//! connection itself is `session`'s, shared with the CIMD2 mode). Alerts
//! (31) are ACKed; other operations NACKed (03).
//!
//! UCP knows no expired or rejected state: the rows of the table that end
//! so send Dst 2 (not delivered) with their reason code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::BytesMut;
use chrono::{NaiveDateTime, SubsecRound, Utc};

use super::hub::HubHandle;
use super::session::{Reply, Session, Wire};
use super::shared::{Credentials, log};
use crate::model::MessageState;
use crate::simulation::Behaviour;
use crate::smpp::CommandStatus;
use crate::ucp::{
    Ack, Codec, DeliveryStatus, ErrorCode, Message, MessageReference, Nack, Operation, Ot,
    Response, ShortMessageFields, Trn,
};
/// EC of a refused submit the table calls temporary (throttled, queue
/// full): "operation not allowed", which a gateway retries.
const EC_TRY_LATER: u8 = 4;
/// EC of a submit refused for good: "operation not successful".
const EC_REFUSED: u8 = 54;

/// What every UCP connection of the simulator shares.
#[derive(Debug)]
pub(super) struct UcpShared {
    pub credentials: Credentials,
    /// Notifications and deliveries (53, 52) waiting for their time and a
    /// connection of the login that submitted.
    pub hub: HubHandle<Operation>,
    pub references: References,
}

/// The service centre time stamps given out, per recipient, so that no
/// two messages to one recipient get the same `AdC:SCTS` (the CIMD2 mode's
/// destination and 060 likewise).
#[derive(Debug, Default)]
pub(super) struct References {
    last: Mutex<HashMap<String, NaiveDateTime>>,
}

impl References {
    /// The reference of a new message to `recipient` taken at `now`: its
    /// SCTS is `now` to the second, or one second past the last one given
    /// to that recipient.
    pub(super) fn next(&self, recipient: &str, now: NaiveDateTime) -> MessageReference {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let now = now.trunc_subsecs(0);
        let scts = match last.get(recipient) {
            Some(&previous) if previous >= now => previous + chrono::Duration::seconds(1),
            _ => now,
        };
        last.insert(recipient.to_owned(), scts);
        MessageReference {
            recipient: recipient.to_owned(),
            scts,
        }
    }
}

/// UCP/EMI on a simulator connection.
pub(super) struct Ucp(pub Arc<UcpShared>);

impl Wire for Ucp {
    type Number = Trn;
    type Unit = Message;
    type Delivery = Operation;
    const NAME: &'static str = "UCP";
    const KEEPALIVES: &'static str = "alerts";
    const NUMBERS: u8 = 100;

    fn hub(&self) -> &HubHandle<Operation> {
        &self.0.hub
    }

    fn number(index: u8) -> Option<Trn> {
        Trn::new(index)
    }

    fn encode(message: &Message, dst: &mut BytesMut) -> bool {
        Codec::new().encode(message, dst).is_ok()
    }

    fn decode(inbox: &[u8]) -> Result<Option<(Message, usize)>, (usize, Option<Message>)> {
        match Codec::new().decode(inbox) {
            Ok(decoded) => Ok(decoded.map(|decoded| (decoded.message, decoded.len))),
            Err(error) => Err((error.skip_len(), error.reply())),
        }
    }

    fn response(message: &Message) -> Option<(Trn, bool)> {
        match message {
            Message::Result { trn, response, .. } => {
                Some((*trn, matches!(response, Response::Nack(_))))
            }
            Message::Operation { .. } => None,
        }
    }

    fn request(session: &mut Session<Ucp>, message: Message) {
        let Message::Operation { trn, operation } = message else {
            return;
        };
        let ot = operation.ot();
        match operation {
            Operation::Session(login) => {
                let password = String::from_utf8_lossy(&login.pwd);
                let accepted = session.wire.0.credentials.check(&login.oadc, &password)
                    == CommandStatus::EsmeRok;
                if accepted {
                    session.logged_in(&login.oadc);
                    session.send(ack(trn, ot, String::new()));
                } else {
                    log(format_args!("login {:?} refused", login.oadc));
                    session.send(nack(trn, ot, ErrorCode::AUTHENTICATION_FAILURE));
                }
            }
            Operation::Submit(fields) => match session.login.clone() {
                Some(login) => submit(session, trn, &fields, &login),
                None => session.send(nack(trn, ot, ErrorCode::OPERATION_NOT_ALLOWED)),
            },
            Operation::Alert(_) => {
                session.keepalives += 1;
                session.send(ack(trn, ot, String::new()));
            }
            Operation::CallInput(_) | Operation::Delivery(_) | Operation::Notification(_) => {
                session.send(nack(trn, ot, ErrorCode::OPERATION_NOT_SUPPORTED));
            }
        }
    }

    fn numbered(operation: &Operation, trn: Trn) -> Option<Message> {
        Some(Message::Operation {
            trn,
            operation: operation.clone(),
        })
    }
}

/// Answers a submit as the table says and schedules what follows it.
fn submit(session: &mut Session<Ucp>, trn: Trn, fields: &ShortMessageFields, login: &Arc<str>) {
    session.submits += 1;
    let behaviour = Behaviour::for_destination(&fields.adc);
    let delay = match Reply::of(behaviour.reply) {
        Reply::Refuse { temporary } => {
            let code = if temporary { EC_TRY_LATER } else { EC_REFUSED };
            let code = ErrorCode::new(code).unwrap_or(ErrorCode::SYNTAX_ERROR);
            return session.send(nack(trn, Ot::SUBMIT, code));
        }
        Reply::Silent => return,
        Reply::After(delay) => delay,
    };
    let now = Utc::now().naive_utc();
    let reference = session.wire.0.references.next(&fields.adc, now);
    let mut follow = Vec::new();
    if let Some(state) = behaviour.outcome {
        follow.push(notification(
            fields,
            &reference,
            state,
            behaviour.error_code,
            now,
        ));
    }
    if behaviour.mobile_originated {
        follow.push(reply(fields, now));
    }
    let answer = ack(trn, Ot::SUBMIT, reference.to_string());
    session.answer_after(answer, follow, login, delay);
}

/// The delivery notification (53) of a submitted message, sent to its
/// originator: Dst 0 when `state` is DELIVERED, else 2 with `reason`.
fn notification(
    submit: &ShortMessageFields,
    reference: &MessageReference,
    state: MessageState,
    reason: u16,
    now: NaiveDateTime,
) -> Operation {
    let delivered = state == MessageState::Delivered;
    Operation::Notification(Box::new(ShortMessageFields {
        adc: submit.oadc.clone(),
        oadc: reference.recipient.clone(),
        scts: Some(reference.scts),
        dst: Some(if delivered {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::NotDelivered
        }),
        rsn: Some(if delivered { 0 } else { reason }),
        dscts: Some(now.trunc_subsecs(0)),
        ..ShortMessageFields::default()
    }))
}

/// The delivery (52) a destination ending 9999 answers with: from it to
/// the submit's originator, with the same message and extra services
/// (a part comes back as it went, header and coding included).
fn reply(submit: &ShortMessageFields, now: NaiveDateTime) -> Operation {
    Operation::Delivery(Box::new(ShortMessageFields {
        adc: submit.oadc.clone(),
        oadc: submit.adc.clone(),
        scts: Some(now.trunc_subsecs(0)),
        content: submit.content.clone(),
        xser: submit.xser.clone(),
        ..ShortMessageFields::default()
    }))
}

fn ack(trn: Trn, ot: Ot, sm: String) -> Message {
    Message::Result {
        trn,
        ot,
        response: Response::Ack(Ack {
            mvp: String::new(),
            sm,
        }),
    }
}

fn nack(trn: Trn, ot: Ot, error: ErrorCode) -> Message {
    Message::Result {
        trn,
        ot,
        response: Response::Nack(Nack {
            error,
            sm: String::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn references_to_one_recipient_never_repeat() {
        let references = References::default();
        let now = at("2026-12-06 04:15:00.250");
        let first = references.next("34600000001", now);
        let second = references.next("34600000001", now);
        let other = references.next("34600000002", now);
        assert_eq!(first.to_string(), "34600000001:061226041500");
        assert_eq!(second.to_string(), "34600000001:061226041501");
        assert_eq!(other.to_string(), "34600000002:061226041500");
        let later = references.next("34600000001", at("2026-12-06 04:16:00.0"));
        assert_eq!(later.to_string(), "34600000001:061226041600");
    }

    #[test]
    fn a_notification_names_the_message_as_the_ack_did() {
        let submit = ShortMessageFields {
            adc: "34600009991".into(),
            oadc: "Shop".into(),
            ..ShortMessageFields::default()
        };
        let now = at("2026-12-06 04:15:00.0");
        let reference = References::default().next(&submit.adc, now);
        let Operation::Notification(fields) =
            notification(&submit, &reference, MessageState::Undeliverable, 1, now)
        else {
            panic!("a 53");
        };
        let read = crate::ucp::Notification::read(&fields).unwrap();
        assert_eq!(read.reference, reference);
        assert_eq!(read.state(), Some(MessageState::Undeliverable));
        assert_eq!(read.reason, Some(1));
        assert_eq!(fields.adc, "Shop");
    }
}
