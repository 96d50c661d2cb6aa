//! The link of a `ucp` gateway: UCP/EMI, with the codec of `crate::ucp`,
//! on the loop every one-connection link shares (`upstream::link`: one
//! TCP connection, window, TPS, keep-alive, timeouts, drain, reconnect
//! with back-off).
//!
//! - It logs in with a session management operation (60: OAdC the
//!   `login`, PWD the `password`); a NACK 07 is bad credentials, retried
//!   every 60 s, anything else a failed connection.
//! - Messages go as submits (51) under a TRN (00–99, `ucp::Window`).
//!   Results are matched by TRN: an ACK names the message `AdC:SCTS` (its
//!   upstream id), a NACK is temporary or permanent by its error code
//!   (`upstream::classify_nack`).
//! - Delivery notifications (53) become receipts matched by that id, and
//!   are ACKed once the state they set is durable; deliveries (52) are MO,
//!   ACKed once stored in `inbox`. Either is NACKed (EC 55) when it cannot
//!   be stored, so the SMSC sends it again. Alerts (31) from the SMSC are
//!   ACKed; other operations NACKed (EC 03).
//! - The keep-alive is an alert (31); no result to any operation within
//!   30 s drops the connection (for a submit, it goes back to the queue:
//!   a duplicate is possible exactly there).

use chrono::{Offset, Utc};
use slog::{debug, warn};

use super::Settings;
use crate::actors::gateways::upstream::link::{Answers, Ctx, Decoded, Protocol, Refusal};
use crate::model::UpstreamId;
use crate::ucp::{
    Ack, Alert, Codec, ErrorCode, Message, MessageReference, Nack, Notification, Operation, Ot,
    ReceivedMessage, Response, SessionManagement, Trn,
};
use crate::upstream::{Outcome, Queued, bad_login, classify_nack, mo};

/// The TRN of the login, the first operation on a connection.
const LOGIN_TRN: u8 = 0;
/// OTON 6 (abbreviated number), ONPI 5 (private), STYP 1 (open session),
/// VERS 0100: the login as Kannel's EMI driver writes it.
const LOGIN_OTON: u8 = 6;
const LOGIN_ONPI: u8 = 5;
const LOGIN_STYP: u8 = 1;
const LOGIN_VERS: &str = "0100";
/// The PID of our alerts: a PC over TCP/IP.
const ALERT_PID: u16 = 539;
/// EC of a NACK to a delivery we could not store: "system error", which
/// an SMSC retries.
const EC_SYSTEM_ERROR: u8 = 55;

/// UCP/EMI on a link.
pub struct Ucp {
    codec: Codec,
}

impl Ucp {
    pub fn new() -> Ucp {
        Ucp {
            codec: Codec::new(),
        }
    }
}

/// A delivery from the SMSC whose answer waits on a commit: its TRN and
/// type, and whether it was stored.
pub type Answer = (Trn, Ot, bool);

impl Protocol for Ucp {
    type Number = Trn;
    type Inbound = Message;
    type Outbound = Message;
    type Answer = Answer;
    const NAME: &'static str = "ucp";
    const KEEPALIVE: &'static str = "an alert";

    fn encode(&self, message: &Message, dst: &mut bytes::BytesMut) -> Result<(), String> {
        self.codec
            .encode(message, dst)
            .map(drop)
            .map_err(|error| error.to_string())
    }

    fn decode(&self, inbox: &[u8]) -> Decoded<Message, Message> {
        match self.codec.decode(inbox) {
            Ok(None) => Decoded::Incomplete,
            Ok(Some(decoded)) => Decoded::Unit(decoded.message, decoded.len),
            Err(error) => Decoded::Broken {
                skip: error.skip_len(),
                reply: error.reply(),
                error: error.to_string(),
            },
        }
    }

    fn login(&self, settings: &Settings) -> Result<Message, String> {
        let trn = Trn::new(LOGIN_TRN).ok_or("no TRN 00")?;
        Ok(Message::Operation {
            trn,
            operation: Operation::Session(SessionManagement {
                oadc: settings.login.clone(),
                oton: Some(LOGIN_OTON),
                onpi: Some(LOGIN_ONPI),
                styp: Some(LOGIN_STYP),
                pwd: settings.password.as_bytes().to_vec(),
                vers: LOGIN_VERS.to_owned(),
                ..SessionManagement::default()
            }),
        })
    }

    fn login_answer(&self, message: &Message) -> Option<Result<(), Refusal>> {
        match message {
            Message::Result {
                trn,
                ot: Ot::SESSION,
                response,
            } if trn.value() == LOGIN_TRN => Some(match response {
                Response::Ack(_) => Ok(()),
                Response::Nack(nack) => Err(Refusal {
                    code: format!("EC {}", nack.error),
                    bad_credentials: bad_login(nack.error),
                }),
            }),
            _ => None,
        }
    }

    fn submit(&self, queued: &Queued) -> Result<Message, String> {
        // VP in UTC: the link has no setting for the SMSC's zone.
        let fields = crate::ucp::submit(&queued.message, Utc.fix()).map_err(|e| e.to_string())?;
        Ok(Message::Operation {
            trn: Trn::new(0).ok_or("no TRN 00")?,
            operation: Operation::Submit(Box::new(fields)),
        })
    }

    fn numbered(&self, request: Message, trn: Trn) -> Message {
        match request {
            Message::Operation { operation, .. } => Message::Operation { trn, operation },
            result => result,
        }
    }

    fn keepalive(&self, settings: &Settings, trn: Trn) -> Result<Message, String> {
        Ok(Message::Operation {
            trn,
            operation: Operation::Alert(Alert {
                adc: settings.login.clone(),
                pid: Some(ALERT_PID),
            }),
        })
    }

    fn logout(&self) -> Option<Message> {
        None
    }

    fn inbound(&self, ctx: &mut Ctx<'_, Self>, message: Message) -> Option<Message> {
        match message {
            Message::Result { trn, ot, response } => {
                let answers = match ot {
                    Ot::SUBMIT => Answers::Submit,
                    Ot::ALERT => Answers::Keepalive,
                    _ => Answers::Other,
                };
                ctx.responded(trn, answers, |reporter, queued| match response {
                    Response::Ack(Ack { sm, .. }) => {
                        reporter.answered(queued, Outcome::Accepted, "ACK", || reference_key(&sm));
                    }
                    Response::Nack(Nack { error: code, .. }) => {
                        let status = format!("NACK {code}");
                        reporter.answered(queued, classify_nack(code), &status, String::new);
                    }
                });
                None
            }
            Message::Operation { trn, operation } => operation_from_smsc(ctx, trn, operation),
        }
    }

    fn answer(&self, (trn, ot, stored): Answer) -> Message {
        if stored {
            ack(trn, ot)
        } else {
            nack(
                trn,
                ot,
                ErrorCode::new(EC_SYSTEM_ERROR).unwrap_or(ErrorCode::SYNTAX_ERROR),
            )
        }
    }
}

/// An operation from the SMSC: what to answer now, `None` when the answer
/// waits for a commit (in `ctx.answers`).
fn operation_from_smsc(ctx: &mut Ctx<'_, Ucp>, trn: Trn, operation: Operation) -> Option<Message> {
    let ot = operation.ot();
    let logger = &ctx.reporter.logger;
    match operation {
        Operation::Notification(fields) => match Notification::read(&fields) {
            Ok(notification) => {
                let Some(state) = notification.state() else {
                    debug!(logger, "message buffered at the SMSC"; "reference" => %notification.reference);
                    return Some(ack(trn, ot));
                };
                let Ok(upstream_id) = UpstreamId::new(notification.reference.to_string()) else {
                    warn!(logger, "notification with a reference that cannot be ours; dropped";
                        "reference" => %notification.reference);
                    return Some(ack(trn, ot));
                };
                let recorded = ctx
                    .reporter
                    .receipt(upstream_id, state, notification.reason);
                ctx.answers
                    .spawn(async move { (trn, ot, recorded.await.unwrap_or(false)) });
                None
            }
            Err(error) => {
                warn!(logger, "unreadable delivery notification acknowledged and dropped";
                    "error" => %error);
                Some(ack(trn, ot))
            }
        },
        Operation::Delivery(fields) => {
            let received = ReceivedMessage::read(&fields);
            let gateway = &ctx.settings.name;
            let stored = ctx
                .reporter
                .store_mo(|sequence, at| mo::inbound_ucp(gateway, &received, sequence, at));
            ctx.answers.spawn(async move { (trn, ot, stored.await) });
            None
        }
        Operation::Alert(_) => Some(ack(trn, ot)),
        Operation::CallInput(_) | Operation::Submit(_) | Operation::Session(_) => {
            debug!(logger, "operation not supported toward us"; "ot" => %ot);
            Some(nack(trn, ot, ErrorCode::OPERATION_NOT_SUPPORTED))
        }
    }
}

/// The key a submit's ACK names the message by: `AdC:SCTS` written as a
/// notification's reference is, so the two match; any other system
/// message as it came.
fn reference_key(sm: &str) -> String {
    MessageReference::parse(sm).map_or_else(|| sm.to_owned(), |reference| reference.to_string())
}

fn ack(trn: Trn, ot: Ot) -> Message {
    Message::Result {
        trn,
        ot,
        response: Response::Ack(Ack::default()),
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

    #[test]
    fn an_acks_reference_is_keyed_as_a_notification_names_it() {
        assert_eq!(
            reference_key("0612345678:061226041500"),
            "0612345678:061226041500"
        );
        assert_eq!(reference_key("not a reference"), "not a reference");
    }
}
