//! CIMD2 on a customer session (`[cimd2] listen`): the [`Wire`] a
//! [`CustomerSession`] speaks, with the lifecycle the UCP listener shares
//! (login, window, mailbox, timeouts, listing). The table of what is
//! answered with which error code is in docs/cimd2.md.
//!
//! - Reading: the core's [`Codec`]. A packet whose checksum is wrong is
//!   NACKed (99), one whose header reads but not the rest answered with
//!   its response and error code 2 (syntax error), a request whose
//!   parameters do not read likewise (1 for an operation not typed), and
//!   reading goes on; garbage and an overlong frame are dropped.
//! - Login: 01, 010 the account's system_id, 011 its password. Accepted:
//!   51. Refused: 51 with 100 (unknown account, wrong password, backed
//!   off), 102 (the account's bind limit or suspension), 103 (address not
//!   allowed), 10 (too many checks waiting), 6 (the check could not run);
//!   a second login: 1. Alive (40) is answered 90 at any time; logout (02)
//!   52, then the connection closes.
//! - Submit (03): read into a [`Submission`](crate::intake::Submission)
//!   (`cimd2::customer`); its 53, after the durable commit, carries 021
//!   and the 060 that stands for the message. The customer's requests
//!   are answered under their own packet numbers (odd, from a client);
//!   at most 128 (what odd numbers count) are outstanding. A full window
//!   is error code 10, a number reused while its submit is outstanding 1,
//!   before the login 1, a refusal `cimd2::customer::error_code`.
//! - Receipts go out as deliver status reports (23), MO as deliver
//!   messages (20), numbered even (000–254, a server's numbers); a 73 or
//!   70 without an error code takes the item out of the mailbox, one with
//!   an error code, a NACK or a general error leaves it there.

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
use crate::cimd2::customer::{self, error_code, refusal_text};
use crate::cimd2::{
    Codec, DecodeError, ErrorCode, Message, MessageError, OperationCode, Packet, PacketNumber,
    Response, ServerNumber,
};
use crate::model::{Address, MessageId};

/// 102: too many users with this login (the account's bind limit).
const TOO_MANY_LOGINS: ErrorCode = ErrorCode(102);
/// 103: login refused.
const LOGIN_REFUSED: ErrorCode = ErrorCode(103);

/// A CIMD2 customer session.
pub type Cimd2Session = CustomerSession<Cimd2>;

/// CIMD2 as a customer session speaks it.
pub struct Cimd2 {
    codec: Codec,
}

impl Cimd2 {
    fn encode(&self, packet: &Packet) -> Option<BytesMut> {
        let mut bytes = BytesMut::new();
        self.codec.encode(packet, &mut bytes).ok().map(|_| bytes)
    }

    /// `message` under packet number `number`, encoded.
    fn write(&self, message: &Message, number: PacketNumber) -> Result<BytesMut, String> {
        let packet = message.packet(number).map_err(|error| error.to_string())?;
        let mut bytes = BytesMut::new();
        self.codec
            .encode(&packet, &mut bytes)
            .map_err(|error| error.to_string())?;
        Ok(bytes)
    }

    /// The response to `request` numbered `number`: accepted when `error`
    /// is `None`.
    fn answer(
        &self,
        request: OperationCode,
        number: PacketNumber,
        error: Option<(ErrorCode, &str)>,
    ) -> Option<BytesMut> {
        let response = Response {
            error: error.map(|(code, _)| code),
            error_text: error.map(|(_, text)| text.to_owned()),
            ..Response::default()
        };
        self.write(&Message::Response { request, response }, number)
            .ok()
    }

    fn request(session: &mut Cimd2Session, packet: &Packet, ctx: &mut Context<Cimd2Session>) {
        let (operation, number) = (packet.operation, packet.number);
        let message = match Message::read(packet) {
            Ok(message) => message,
            Err(error) => {
                debug!(session.logger(), "unreadable CIMD2 request"; "operation" => %operation, "error" => %error);
                let code = match error {
                    MessageError::Unsupported(_) => ErrorCode::UNEXPECTED_OPERATION,
                    _ => ErrorCode::SYNTAX_ERROR,
                };
                let answer = session
                    .wire
                    .answer(operation, number, Some((code, "not read")));
                session.push(answer);
                return;
            }
        };
        match message {
            Message::Login { user, password } => {
                if session.login_started() {
                    let answer = session.wire.answer(
                        operation,
                        number,
                        Some((ErrorCode::UNEXPECTED_OPERATION, "already logged in")),
                    );
                    session.push(answer);
                } else {
                    session.login(number, user, password, ctx);
                }
            }
            Message::Logout => {
                let answer = session.wire.answer(operation, number, None);
                session.push(answer);
                debug!(session.logger(), "logged out");
                ctx.stop();
            }
            Message::Alive => {
                let answer = session.wire.answer(operation, number, None);
                session.push(answer);
            }
            Message::Submit(submit) => {
                let read = customer::submission(&submit, Utc::now());
                session.submit(number, read, ctx);
            }
            _ => {
                let answer = session.wire.answer(
                    operation,
                    number,
                    Some((ErrorCode::UNEXPECTED_OPERATION, "not supported")),
                );
                session.push(answer);
            }
        }
    }
}

impl Wire for Cimd2 {
    type Unit = Packet;
    type Broken = DecodeError;
    type Request = PacketNumber;
    type Number = ServerNumber;
    const NAME: &'static str = "cimd2";
    const PROTOCOL: Protocol = Protocol::Cimd2;
    const BIND: BindKind = BindKind::Cimd2;
    const MAX_REQUESTS: usize = 128;

    fn new() -> Cimd2 {
        Cimd2 {
            codec: Codec::new(),
        }
    }

    fn decode(src: &[u8]) -> Unframed<Packet, DecodeError> {
        match Codec::new().decode(src) {
            Ok(decoded) => Ok(decoded.map(|decoded| (decoded.packet, decoded.len))),
            Err(error) => {
                let skip = error.skip_len();
                Err((error, skip))
            }
        }
    }

    fn frame(
        session: &mut Cimd2Session,
        frame: Result<Packet, DecodeError>,
        ctx: &mut Context<Cimd2Session>,
    ) {
        let packet = match frame {
            Ok(packet) => packet,
            Err(error) => {
                debug!(session.logger(), "undecodable CIMD2 packet"; "error" => %error);
                let reply = error.reply().and_then(|reply| session.wire.encode(&reply));
                session.push(reply);
                return;
            }
        };
        if packet.operation.is_request() {
            Cimd2::request(session, &packet, ctx);
            return;
        }
        // The customer's answer to one of our 20 or 23: a response without
        // an error code takes it; an error, a NACK (99) or a general
        // error (98) leaves it.
        let delivered = matches!(
            Message::read(&packet),
            Ok(Message::Response { response, .. }) if response.error.is_none()
        );
        session.answered(ServerNumber(packet.number), delivered);
    }

    fn login_answer(
        &mut self,
        number: PacketNumber,
        refused: Option<&LoginError>,
    ) -> Option<BytesMut> {
        let error = refused.map(|refused| (login_error(refused), "login refused"));
        self.answer(OperationCode::LOGIN, number, error)
    }

    fn submit_answer(
        &mut self,
        number: PacketNumber,
        answer: Result<(&Address, MessageId), Refusal>,
    ) -> Option<BytesMut> {
        let (code, text) = match answer {
            Ok((destination, id)) => {
                let response = customer::accepted(destination, id);
                return self
                    .write(
                        &Message::Response {
                            request: OperationCode::SUBMIT,
                            response,
                        },
                        number,
                    )
                    .ok();
            }
            Err(Refusal::NotLoggedIn) => (ErrorCode::UNEXPECTED_OPERATION, "not logged in"),
            Err(Refusal::Outstanding) => (ErrorCode::UNEXPECTED_OPERATION, "number outstanding"),
            Err(Refusal::Status(status)) => (error_code(status), refusal_text(status)),
        };
        self.answer(OperationCode::SUBMIT, number, Some((code, text)))
    }

    fn sequence(number: PacketNumber) -> u32 {
        u32::from(number.0)
    }

    fn request(sequence: u32) -> Option<PacketNumber> {
        u8::try_from(sequence).ok().map(PacketNumber)
    }

    fn delivery(&mut self, outgoing: &Outgoing, number: ServerNumber) -> Result<BytesMut, String> {
        let message = match outgoing {
            Outgoing::Receipt(message) => {
                Message::StatusReport(Box::new(customer::status_report(message)))
            }
            Outgoing::Mo { message, .. } => Message::Deliver(Box::new(
                customer::deliver(
                    &message.source,
                    message.destination.as_deref().unwrap_or_default(),
                    message.dcs,
                    &message.body,
                    message.sent_at,
                )
                .map_err(|error| error.to_string())?,
            )),
        };
        self.write(&message, number.0)
    }
}

/// The error code a refused login is answered with. A backed-off login
/// gets the wrong password's: it tells a guesser nothing more.
fn login_error(refused: &LoginError) -> ErrorCode {
    match refused {
        LoginError::UnknownUser | LoginError::Refused(Refused::BackedOff(_) | Refused::Wrong) => {
            ErrorCode::INVALID_LOGIN
        }
        LoginError::Refused(Refused::Busy(_)) => ErrorCode::CONGESTION,
        LoginError::Refused(Refused::Unchecked(_)) => ErrorCode::SYSTEM_ERROR,
        LoginError::Address => LOGIN_REFUSED,
        LoginError::Account(_) => TOO_MANY_LOGINS,
    }
}
