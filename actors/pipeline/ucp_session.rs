//! UCP/EMI on a customer session (`[ucp] listen`): the [`Wire`] a
//! [`CustomerSession`] speaks, which keeps the lifecycle the CIMD2
//! listener shares (login, window, mailbox, timeouts, listing).
//!
//! - Reading: the core's [`Codec`]. A frame that does not decode is NACKed
//!   as the codec says (01 checksum, 02 syntax, 03 operation not
//!   supported) and reading goes on; garbage and an overlong frame are
//!   dropped.
//! - Login: operation 60, OAdC the account's system_id, PWD its password
//!   (IRA, hex on the wire). Refused: NACK 07 (unknown account, wrong
//!   password, backed off), 04 (address not allowed, the account's bind
//!   limit or suspension, a second login), 55 (the check could not run).
//!   Alerts (31) are ACKed at any time; any other operation before the
//!   login is NACKed 04.
//! - Submit (51): read into a [`Submission`](crate::intake::Submission)
//!   (`ucp::customer`); the ACK's SM is the message's `AdC:SCTS`. At most
//!   100 are outstanding (what a TRN counts); a full window and a TRN
//!   reused while its submit is outstanding are NACKed 04. Refusals are
//!   NACKed with `ucp::customer::error_code`.
//! - Receipts go out as delivery notifications (53), MO as deliveries
//!   (52), numbered by TRN 00–99; an ACK takes the item out of the
//!   mailbox, a NACK leaves it there.
//! - UCP has no logout: a [`Disconnect`](crate::actors::protocol::session::Disconnect)
//!   closes the session at once.

use actix::prelude::*;
use bytes::BytesMut;
use chrono::Utc;
use slog::debug;

use crate::actors::pipeline::customer_session::{CustomerSession, Refusal, Unframed, Wire};
use crate::actors::pipeline::login::LoginError;
use crate::actors::protocol::account::Outgoing;
use crate::actors::protocol::logins::Refused;
use crate::actors::protocol::session::BindKind;
use crate::auth::Protocol;
use crate::model::{Address, MessageId};
use crate::ucp::customer::{self, error_code, refusal_text};
use crate::ucp::{
    Ack, Codec, DecodeError, ErrorCode, Message, Nack, Operation, Ot, Response, SessionManagement,
    Trn,
};

/// STYP 1: open a session, the only session management asked of us.
const STYP_OPEN_SESSION: u8 = 1;
/// EC 55, "system error": the login could not be checked.
const EC_SYSTEM_ERROR: u8 = 55;

/// A UCP customer session.
pub type UcpSession = CustomerSession<Ucp>;

/// UCP/EMI as a customer session speaks it.
pub struct Ucp {
    codec: Codec,
}

impl Ucp {
    fn encode(&self, message: &Message) -> Option<BytesMut> {
        let mut bytes = BytesMut::new();
        self.codec.encode(message, &mut bytes).ok().map(|_| bytes)
    }

    fn ack(&self, trn: Trn, ot: Ot, sm: String) -> Option<BytesMut> {
        self.encode(&Message::Result {
            trn,
            ot,
            response: Response::Ack(Ack {
                mvp: String::new(),
                sm,
            }),
        })
    }

    fn nack(&self, trn: Trn, ot: Ot, error: ErrorCode, sm: &str) -> Option<BytesMut> {
        self.encode(&Message::Result {
            trn,
            ot,
            response: Response::Nack(Nack {
                error,
                sm: sm.to_owned(),
            }),
        })
    }

    fn login(
        session: &mut UcpSession,
        trn: Trn,
        login: SessionManagement,
        ctx: &mut Context<UcpSession>,
    ) {
        if session.login_started() {
            let answer = session.wire.nack(
                trn,
                Ot::SESSION,
                ErrorCode::OPERATION_NOT_ALLOWED,
                "already logged in",
            );
            session.push(answer);
            return;
        }
        let password = String::from_utf8(login.pwd);
        let (Some(STYP_OPEN_SESSION) | None, Ok(password)) = (login.styp, password) else {
            let answer = session.wire.nack(
                trn,
                Ot::SESSION,
                ErrorCode::OPERATION_NOT_ALLOWED,
                "login refused",
            );
            session.refuse_login(answer, ctx);
            return;
        };
        session.login(trn, login.oadc, password, ctx);
    }
}

impl Wire for Ucp {
    type Unit = Message;
    type Broken = DecodeError;
    type Request = Trn;
    type Number = Trn;
    const NAME: &'static str = "ucp";
    const PROTOCOL: Protocol = Protocol::Ucp;
    const BIND: BindKind = BindKind::Ucp;
    const MAX_REQUESTS: usize = 100;

    fn new() -> Ucp {
        Ucp {
            codec: Codec::new(),
        }
    }

    fn decode(src: &[u8]) -> Unframed<Message, DecodeError> {
        match Codec::new().decode(src) {
            Ok(decoded) => Ok(decoded.map(|decoded| (decoded.message, decoded.len))),
            Err(error) => {
                let skip = error.skip_len();
                Err((error, skip))
            }
        }
    }

    fn frame(
        session: &mut UcpSession,
        frame: Result<Message, DecodeError>,
        ctx: &mut Context<UcpSession>,
    ) {
        let message = match frame {
            Ok(message) => message,
            Err(error) => {
                debug!(session.logger(), "undecodable UCP frame"; "error" => %error);
                let reply = error.reply().and_then(|reply| session.wire.encode(&reply));
                session.push(reply);
                return;
            }
        };
        match message {
            Message::Result { trn, response, .. } => {
                session.answered(trn, matches!(response, Response::Ack(_)));
            }
            Message::Operation { trn, operation } => match operation {
                Operation::Alert(_) => {
                    let answer = session.wire.ack(trn, Ot::ALERT, String::new());
                    session.push(answer);
                }
                Operation::Session(login) => Ucp::login(session, trn, login, ctx),
                Operation::Submit(fields) => {
                    let read = customer::submission(&fields, Utc::now());
                    session.submit(trn, read, ctx);
                }
                other => {
                    let answer = session.wire.nack(
                        trn,
                        other.ot(),
                        ErrorCode::OPERATION_NOT_SUPPORTED,
                        "not supported",
                    );
                    session.push(answer);
                }
            },
        }
    }

    fn login_answer(&mut self, trn: Trn, refused: Option<&LoginError>) -> Option<BytesMut> {
        match refused {
            None => self.ack(trn, Ot::SESSION, String::new()),
            Some(refused) => self.nack(trn, Ot::SESSION, login_error(refused), "login refused"),
        }
    }

    fn submit_answer(
        &mut self,
        trn: Trn,
        answer: Result<(&Address, MessageId), Refusal>,
    ) -> Option<BytesMut> {
        let (error, text) = match answer {
            Ok((destination, id)) => {
                let reference = customer::reference(destination, id);
                return self.ack(trn, Ot::SUBMIT, reference.to_string());
            }
            Err(Refusal::NotLoggedIn) => (ErrorCode::OPERATION_NOT_ALLOWED, "not logged in"),
            Err(Refusal::Outstanding) => (ErrorCode::OPERATION_NOT_ALLOWED, "TRN outstanding"),
            Err(Refusal::Status(status)) => (error_code(status), refusal_text(status)),
        };
        self.nack(trn, Ot::SUBMIT, error, text)
    }

    fn sequence(trn: Trn) -> u32 {
        u32::from(trn.value())
    }

    fn request(sequence: u32) -> Option<Trn> {
        u8::try_from(sequence).ok().and_then(Trn::new)
    }

    fn delivery(&mut self, outgoing: &Outgoing, trn: Trn) -> Result<BytesMut, String> {
        let operation = match outgoing {
            Outgoing::Receipt(message) => {
                Operation::Notification(Box::new(customer::notification(message)))
            }
            Outgoing::Mo { message, .. } => Operation::Delivery(Box::new(
                customer::delivery(
                    &message.source,
                    message.destination.as_deref().unwrap_or_default(),
                    message.dcs,
                    &message.body,
                    message.sent_at,
                )
                .map_err(|error| error.to_string())?,
            )),
        };
        let mut bytes = BytesMut::new();
        self.codec
            .encode(&Message::Operation { trn, operation }, &mut bytes)
            .map_err(|error| error.to_string())?;
        Ok(bytes)
    }
}

/// The EC a refused login is NACKed with. A backed-off login gets the
/// wrong password's: it tells a guesser nothing more.
fn login_error(refused: &LoginError) -> ErrorCode {
    match refused {
        LoginError::UnknownUser | LoginError::Refused(Refused::BackedOff(_) | Refused::Wrong) => {
            ErrorCode::AUTHENTICATION_FAILURE
        }
        LoginError::Refused(Refused::Busy(_) | Refused::Unchecked(_)) => {
            ErrorCode::new(EC_SYSTEM_ERROR).unwrap_or(ErrorCode::OPERATION_NOT_ALLOWED)
        }
        LoginError::Address | LoginError::Account(_) => ErrorCode::OPERATION_NOT_ALLOWED,
    }
}
