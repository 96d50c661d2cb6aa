//! One connection to the simulator in `--protocol ucp`: the SMSC side of
//! UCP/EMI. A login (60) is checked against the command line's
//! credentials (OAdC the system_id, PWD the password; NACK 07 when
//! wrong). Submits (51) are answered as [`Behaviour::for_destination`]
//! says, the table the SMPP mode follows: an ACK names the message
//! `AdC:SCTS` as real SMSCs do; its delivery notification (53, Dst 0
//! delivered or 2 not delivered, Rsn, DSCTS) and, for a destination ending
//! 9999, a delivery (52) back from that number with the same text go to
//! the hub and come `--dlr-delay-ms` later on a connection logged in with
//! the same OAdC, through a window of 100 outstanding operations. Alerts
//! (31) are ACKed; other operations NACKed (03).
//!
//! UCP knows no expired or rejected state: the rows of the table that end
//! so send Dst 2 (not delivered) with their reason code.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::BytesMut;
use chrono::{NaiveDateTime, SubsecRound, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::{self, UnboundedSender};

use super::hub::{Deliveries, HubHandle};
use super::shared::{Credentials, log};
use crate::model::MessageState;
use crate::simulation::{Behaviour, SubmitReply};
use crate::smpp::CommandStatus;
use crate::tools::link::{Reader, Transport};
use crate::ucp::{
    Ack, Codec, DeliveryStatus, ErrorCode, Message, MessageReference, Nack, Operation, Ot,
    Response, ShortMessageFields, Trn,
};
use crate::upstream::{Outcome, classify};

/// TRN is two digits: at most this many of our operations outstanding.
const WINDOW: usize = 100;
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

/// Serve one connection until it closes.
pub(super) async fn serve(id: u64, transport: Transport, peer: SocketAddr, shared: Arc<UcpShared>) {
    log(format_args!("{peer}: connected (UCP)"));
    let (reader, mut writer) = transport.split();
    let (outbox, mut outgoing) = mpsc::unbounded_channel::<Message>();
    let writing = tokio::spawn(async move {
        let codec = Codec::new();
        while let Some(message) = outgoing.recv().await {
            let mut frame = BytesMut::new();
            if codec.encode(&message, &mut frame).is_err()
                || writer.write_all(&frame).await.is_err()
            {
                break;
            }
        }
    });
    let mut connection = Connection {
        id,
        shared,
        outbox,
        login: None,
        deliveries: None,
        outstanding: BTreeMap::new(),
        pending: VecDeque::new(),
        next_trn: 0,
        submits: 0,
        alerts: 0,
    };
    let reason = connection.run(reader).await;
    connection.finish();
    drop(connection);
    let _ = writing.await;
    log(format_args!("{peer}: closed ({reason})"));
}

struct Connection {
    id: u64,
    shared: Arc<UcpShared>,
    /// To the writer task.
    outbox: UnboundedSender<Message>,
    /// The OAdC it logged in with.
    login: Option<Arc<str>>,
    /// What the hub hands it once logged in.
    deliveries: Option<Deliveries<Operation>>,
    /// Our operations not yet answered, by TRN.
    outstanding: BTreeMap<Trn, Operation>,
    /// Deliveries waiting for room in the window.
    pending: VecDeque<Operation>,
    next_trn: u8,
    submits: u64,
    alerts: u64,
}

impl Connection {
    /// Reads and answers until the peer closes; says why it ended.
    async fn run(&mut self, mut reader: Reader) -> String {
        let codec = Codec::new();
        let mut inbox = Vec::new();
        loop {
            tokio::select! {
                read = reader.read_buf(&mut inbox) => match read {
                    Ok(0) => {
                        return format!(
                            "by the peer after {} submits, {} alerts",
                            self.submits, self.alerts
                        );
                    }
                    Ok(_) => {}
                    Err(error) => return error.to_string(),
                },
                Some(delivery) = next_delivery(&mut self.deliveries) => {
                    self.pending.push_back(delivery);
                }
            }
            loop {
                match codec.decode(&inbox) {
                    Ok(None) => break,
                    Ok(Some(decoded)) => {
                        inbox.drain(..decoded.len);
                        self.on_message(decoded.message);
                    }
                    Err(error) => {
                        inbox.drain(..error.skip_len().min(inbox.len()));
                        if let Some(nack) = error.reply() {
                            self.send(nack);
                        }
                    }
                }
            }
            self.fill_window();
        }
    }

    /// What it had not delivered goes back to the hub for another
    /// connection of its login.
    fn finish(&mut self) {
        if let Some(login) = &self.login {
            let mut undelivered: Vec<Operation> = std::mem::take(&mut self.outstanding)
                .into_values()
                .collect();
            undelivered.extend(self.pending.drain(..));
            self.shared.hub.gone(login, self.id, undelivered);
        }
    }

    fn send(&self, message: Message) {
        let _ = self.outbox.send(message);
    }

    fn on_message(&mut self, message: Message) {
        match message {
            Message::Operation { trn, operation } => self.on_operation(trn, operation),
            Message::Result { trn, response, .. } => {
                if let (Some(operation), Response::Nack(_)) =
                    (self.outstanding.remove(&trn), &response)
                    && let Some(login) = &self.login
                {
                    // Refused (not stored): it comes again later.
                    self.shared.hub.schedule(login, operation);
                }
            }
        }
    }

    fn on_operation(&mut self, trn: Trn, operation: Operation) {
        let ot = operation.ot();
        match operation {
            Operation::Session(session) => {
                let password = String::from_utf8_lossy(&session.pwd);
                let accepted = self.shared.credentials.check(&session.oadc, &password)
                    == CommandStatus::EsmeRok;
                if accepted {
                    let login: Arc<str> = Arc::from(session.oadc.as_str());
                    if self.login.is_none() {
                        self.deliveries = Some(self.shared.hub.bound(&login, self.id));
                        self.login = Some(login);
                    }
                    self.send(ack(trn, ot, String::new()));
                } else {
                    log(format_args!("login {:?} refused", session.oadc));
                    self.send(nack(trn, ot, ErrorCode::AUTHENTICATION_FAILURE));
                }
            }
            Operation::Submit(fields) => match self.login.clone() {
                Some(login) => self.submit(trn, &fields, &login),
                None => self.send(nack(trn, ot, ErrorCode::OPERATION_NOT_ALLOWED)),
            },
            Operation::Alert(_) => {
                self.alerts += 1;
                self.send(ack(trn, ot, String::new()));
            }
            Operation::CallInput(_) | Operation::Delivery(_) | Operation::Notification(_) => {
                self.send(nack(trn, ot, ErrorCode::OPERATION_NOT_SUPPORTED));
            }
        }
    }

    /// Answers a submit as the table says and schedules what follows it.
    fn submit(&mut self, trn: Trn, fields: &ShortMessageFields, login: &Arc<str>) {
        self.submits += 1;
        let behaviour = Behaviour::for_destination(&fields.adc);
        let delay = match behaviour.reply {
            SubmitReply::Refuse(status) => {
                let code = match classify(status) {
                    Outcome::Temporary => EC_TRY_LATER,
                    Outcome::Permanent | Outcome::Accepted => EC_REFUSED,
                };
                let code = ErrorCode::new(code).unwrap_or(ErrorCode::SYNTAX_ERROR);
                return self.send(nack(trn, Ot::SUBMIT, code));
            }
            SubmitReply::NoResponse => return,
            SubmitReply::Accept => Duration::ZERO,
            SubmitReply::AcceptAfter(delay) => delay,
        };
        let now = Utc::now().naive_utc();
        let reference = self.shared.references.next(&fields.adc, now);
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
        let (outbox, hub, login) = (self.outbox.clone(), self.shared.hub.clone(), login.clone());
        let deliver = move || {
            let _ = outbox.send(answer);
            for operation in follow {
                hub.schedule(&login, operation);
            }
        };
        if delay.is_zero() {
            deliver();
        } else {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                deliver();
            });
        }
    }

    /// Sends pending deliveries while the window has room.
    fn fill_window(&mut self) {
        while self.outstanding.len() < WINDOW {
            let Some(operation) = self.pending.pop_front() else {
                return;
            };
            let Some(trn) = self.free_trn() else {
                self.pending.push_front(operation);
                return;
            };
            self.send(Message::Operation {
                trn,
                operation: operation.clone(),
            });
            self.outstanding.insert(trn, operation);
        }
    }

    fn free_trn(&mut self) -> Option<Trn> {
        for _ in 0..WINDOW {
            let trn = Trn::new(self.next_trn)?;
            self.next_trn = (self.next_trn + 1) % 100;
            if !self.outstanding.contains_key(&trn) {
                return Some(trn);
            }
        }
        None
    }
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

async fn next_delivery(deliveries: &mut Option<Deliveries<Operation>>) -> Option<Operation> {
    match deliveries {
        Some(deliveries) => deliveries.recv().await,
        None => std::future::pending().await,
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
