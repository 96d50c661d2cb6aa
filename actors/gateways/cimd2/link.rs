//! The link of a `cimd2` gateway: CIMD2, with the codec of `crate::cimd2`,
//! on the loop every one-connection link shares (`upstream::link`: one
//! TCP connection, window, TPS, keep-alive, timeouts, drain, reconnect
//! with back-off).
//!
//! - It logs in (01: 010 the `username`, 011 the `password`); a 51 with
//!   error code 100, 101, 103 or 108 is bad credentials, retried every
//!   60 s (`upstream::cimd2_bad_login`), anything else a failed
//!   connection.
//! - Messages go as submits (03, `cimd2::submit`) under odd packet
//!   numbers (001–255, `ucp::Window` over `cimd2::PacketNumber`). A 53
//!   without an error names the message by its destination (021) and
//!   service centre timestamp (060), `destination:YYMMDDhhmmss`, its
//!   upstream id; one with an error code (900), a general error (98) or a
//!   NACK (99) is temporary or permanent by the code
//!   (`upstream::classify_cimd2`; a NACK, which is about the packet, is
//!   temporary).
//! - Status reports (23) become receipts matched by that id (061 4
//!   DELIVRD, 2 EXPIRED, 3 and 6 UNDELIV, 7–9 DELETED; 1 and 5 are not
//!   final and only answered), answered (73) once the state they set is
//!   durable; deliver messages (20) are MO, answered (70) once stored in
//!   `inbox`. Either is answered with error code 6 when it cannot be
//!   stored, so the SMSC sends it again. Alive (40) from the SMSC is
//!   answered (90); other requests get error code 1, unexpected operation.
//! - The keep-alive is an alive (40); a drained or closed link logs out
//!   (02).

use chrono::NaiveDateTime;
use slog::{debug, warn};

use super::Settings;
use crate::actors::gateways::upstream::link::{Answers, Ctx, Decoded, Protocol, Refusal};
use crate::actors::gateways::upstream::reporter::Reporter;
use crate::cimd2::{
    Codec, ErrorCode, Message, OperationCode, Packet, PacketNumber, ParameterCode, Response,
    StatusReport, time,
};
use crate::model::{MessageState, UpstreamId};
use crate::upstream::{Outcome, Queued, cimd2_bad_login, classify_cimd2, mo};

/// The number of the login, the first request on a connection.
const LOGIN_NUMBER: PacketNumber = PacketNumber(1);

/// CIMD2 on a link.
pub struct Cimd2 {
    codec: Codec,
}

impl Cimd2 {
    pub fn new() -> Cimd2 {
        Cimd2 {
            codec: Codec::new(),
        }
    }
}

/// A request from the SMSC whose response waits on a commit: its number
/// and response code, and whether what it carried was stored.
pub type Answer = (PacketNumber, OperationCode, bool);

impl Protocol for Cimd2 {
    type Number = PacketNumber;
    type Inbound = Packet;
    type Outbound = Packet;
    type Answer = Answer;
    const NAME: &'static str = "cimd2";
    const KEEPALIVE: &'static str = "an alive";

    fn encode(&self, packet: &Packet, dst: &mut bytes::BytesMut) -> Result<(), String> {
        self.codec
            .encode(packet, dst)
            .map(drop)
            .map_err(|error| error.to_string())
    }

    fn decode(&self, inbox: &[u8]) -> Decoded<Packet, Packet> {
        match self.codec.decode(inbox) {
            Ok(None) => Decoded::Incomplete,
            Ok(Some(decoded)) => Decoded::Unit(decoded.packet, decoded.len),
            Err(error) => Decoded::Broken {
                skip: error.skip_len(),
                reply: error.reply(),
                error: error.to_string(),
            },
        }
    }

    fn login(&self, settings: &Settings) -> Result<Packet, String> {
        let login = Message::Login {
            user: settings.login.clone(),
            password: settings.password.clone(),
        };
        login
            .packet(LOGIN_NUMBER)
            .map_err(|error| error.to_string())
    }

    fn login_answer(&self, packet: &Packet) -> Option<Result<(), Refusal>> {
        if packet.number != LOGIN_NUMBER || packet.operation.is_request() {
            return None;
        }
        let error = match Message::read(packet) {
            Ok(Message::Response {
                request: OperationCode::LOGIN,
                response,
            }) => response.error,
            Ok(Message::GeneralError(response)) => response.error,
            _ => Some(ErrorCode::UNEXPECTED_OPERATION),
        };
        Some(match error {
            None => Ok(()),
            Some(code) => Err(Refusal {
                code: format!("error code {code}"),
                bad_credentials: cimd2_bad_login(code),
            }),
        })
    }

    fn submit(&self, queued: &Queued) -> Result<Packet, String> {
        let submit = crate::cimd2::submit(&queued.message).map_err(|e| e.to_string())?;
        Message::Submit(Box::new(submit))
            .packet(PacketNumber(0))
            .map_err(|error| error.to_string())
    }

    fn numbered(&self, mut packet: Packet, number: PacketNumber) -> Packet {
        packet.number = number;
        packet
    }

    fn keepalive(&self, _settings: &Settings, number: PacketNumber) -> Result<Packet, String> {
        Ok(Packet::new(OperationCode::ALIVE, number))
    }

    fn logout(&self) -> Option<Packet> {
        Some(Packet::new(OperationCode::LOGOUT, LOGIN_NUMBER))
    }

    fn inbound(&self, ctx: &mut Ctx<'_, Self>, packet: Packet) -> Option<Packet> {
        let (operation, number) = (packet.operation, packet.number);
        let message = match Message::read(&packet) {
            Ok(message) => message,
            Err(error) => {
                warn!(ctx.reporter.logger, "unreadable CIMD2 operation from the SMSC";
                    "operation" => %operation, "error" => %error);
                return match operation.response() {
                    Some(response) => {
                        Some(error_response(response, number, ErrorCode::SYNTAX_ERROR))
                    }
                    // A response we cannot read: its request goes again.
                    None => {
                        ctx.responded(number, Answers::Other, |_, _| {});
                        None
                    }
                };
            }
        };
        match message {
            Message::Response { request, response } => {
                let answers = match request {
                    OperationCode::SUBMIT => Answers::Submit,
                    OperationCode::ALIVE => Answers::Keepalive,
                    _ => Answers::Other,
                };
                ctx.responded(number, answers, |reporter, queued| {
                    submitted(reporter, queued, &response);
                });
                None
            }
            Message::GeneralError(response) => {
                ctx.responded(number, Answers::Submit, |reporter, queued| {
                    submitted(reporter, queued, &response);
                });
                None
            }
            Message::Nack => {
                ctx.responded(number, Answers::Submit, |reporter, queued| {
                    reporter.answered(queued, Outcome::Temporary, "NACK", String::new);
                });
                None
            }
            request => request_from_smsc(ctx, number, request),
        }
    }

    fn answer(&self, (number, response, stored): Answer) -> Packet {
        if stored {
            Packet::new(response, number)
        } else {
            error_response(response, number, ErrorCode::SYSTEM_ERROR)
        }
    }
}

/// A request from the SMSC: what to answer now, `None` when the answer
/// waits for a commit (in `ctx.answers`).
fn request_from_smsc(
    ctx: &mut Ctx<'_, Cimd2>,
    number: PacketNumber,
    message: Message,
) -> Option<Packet> {
    let operation = message.operation()?;
    let response = operation.response()?;
    let logger = &ctx.reporter.logger;
    match message {
        Message::StatusReport(report) => {
            let Some((upstream_id, state)) = receipt_of(ctx, &report) else {
                return Some(Packet::new(response, number));
            };
            let recorded = ctx.reporter.receipt(upstream_id, state, report.error);
            ctx.answers
                .spawn(async move { (number, response, recorded.await.unwrap_or(false)) });
            None
        }
        Message::Deliver(deliver) => {
            let gateway = &ctx.settings.name;
            let stored = ctx
                .reporter
                .store_mo(|sequence, at| mo::inbound_cimd2(gateway, &deliver, sequence, at));
            ctx.answers
                .spawn(async move { (number, response, stored.await) });
            None
        }
        Message::Alive => Some(Packet::new(response, number)),
        _ => {
            debug!(logger, "operation not expected from the SMSC"; "operation" => %operation);
            Some(error_response(
                response,
                number,
                ErrorCode::UNEXPECTED_OPERATION,
            ))
        }
    }
}

/// The upstream id a final status report is for and the state it gives;
/// `None` (answered at once) when it is not final or names no message we
/// could have.
fn receipt_of(ctx: &Ctx<'_, Cimd2>, report: &StatusReport) -> Option<(UpstreamId, MessageState)> {
    let key = upstream_key(&report.destination, report.scts);
    let Some(state) = report.status.state() else {
        debug!(ctx.reporter.logger, "status report not final"; "id" => &key,
            "status" => report.status.value());
        return None;
    };
    match UpstreamId::new(key.clone()) {
        Ok(upstream_id) => Some((upstream_id, state)),
        Err(_) => {
            warn!(ctx.reporter.logger, "status report naming no message we could have; dropped";
                "id" => key);
            None
        }
    }
}

/// The response to a submit.
fn submitted(reporter: &Reporter, queued: Queued, response: &Response) {
    match (response.error, response.scts) {
        (None, Some(scts)) => {
            let destination = response
                .destination
                .clone()
                .unwrap_or_else(|| queued.message.destination.text().to_owned());
            reporter.answered(queued, Outcome::Accepted, "53", || {
                upstream_key(&destination, scts)
            });
        }
        // Taken, but nothing a status report could match.
        (None, None) => reporter.answered(queued, Outcome::Accepted, "53 without 060", String::new),
        (Some(code), _) => {
            let status = format!("error code {code}");
            reporter.answered(queued, classify_cimd2(code), &status, String::new);
        }
    }
}

/// The upstream id of a submit: `destination:YYMMDDhhmmss`, as its
/// response and its status report name it.
fn upstream_key(destination: &str, scts: NaiveDateTime) -> String {
    let at = time::format(scts).unwrap_or_default();
    format!("{destination}:{at}")
}

/// `response` numbered `number` carrying error code `code`.
fn error_response(response: OperationCode, number: PacketNumber, code: ErrorCode) -> Packet {
    Packet::new(response, number).with(ParameterCode::ERROR_CODE, code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submit_is_named_as_its_status_report_names_it() {
        let scts = time::parse(b"261206045007").unwrap();
        assert_eq!(
            upstream_key("358401234567", scts),
            "358401234567:261206045007"
        );
    }
}
