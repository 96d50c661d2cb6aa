//! One connection to the simulator in `--protocol cimd2`: the SMSC side of
//! CIMD2. A login (01) is checked against the command line's credentials
//! (010 the system_id, 011 the password; a 51 with error code 100 when
//! wrong). Submits (03) are answered as [`Behaviour::for_destination`]
//! says, the table the SMPP and UCP modes follow: a 53 names the message
//! by its destination (021) and a service centre timestamp (060) never
//! given twice to one destination. Its status report (23: 061 4 delivered,
//! 2 validity expired, 3 delivery failed with 062, 8 deleted; sent only
//! when the submit's 056 asks for that state) and, for a destination
//! ending 9999, a deliver message (20) back from that number with the same
//! user data go to the hub and come `--dlr-delay-ms` later on a connection
//! logged in with the same user, through a window of 100 outstanding
//! requests numbered even, 000–254 (the connection itself is
//! `session`'s, shared with the UCP mode). Alive (40) and logout (02) are
//! answered; other requests get error code 1. A table row that refuses
//! for now is error code 10 (temporary congestion), one that refuses for
//! good error code 9 (requested operation failed).

use std::sync::Arc;

use bytes::BytesMut;
use chrono::{NaiveDateTime, SubsecRound, Utc};

use super::hub::HubHandle;
use super::session::{Reply, Session, Wire};
use super::shared::{Credentials, log};
use super::ucp::References;
use crate::cimd2::{
    Codec, Deliver, ErrorCode, Message, MessageError, OperationCode, Originator, Packet,
    PacketNumber, Response, ServerNumber, StatusCode, StatusReport, Submit,
};
use crate::model::MessageState;
use crate::simulation::Behaviour;
use crate::smpp::CommandStatus;
use crate::ucp::window::Numbering;
/// Error code of a submit the table refuses for now.
const TRY_LATER: ErrorCode = ErrorCode::CONGESTION;
/// Error code of a submit refused for good: requested operation failed.
const REFUSED: ErrorCode = ErrorCode(9);

/// What every CIMD2 connection of the simulator shares.
#[derive(Debug)]
pub(super) struct Cimd2Shared {
    pub credentials: Credentials,
    /// Status reports and deliveries (23, 20) waiting for their time and a
    /// connection of the user that submitted.
    pub hub: HubHandle<Message>,
    pub references: References,
}

/// CIMD2 on a simulator connection.
pub(super) struct Cimd2(pub Arc<Cimd2Shared>);

impl Wire for Cimd2 {
    type Number = PacketNumber;
    type Unit = Packet;
    type Delivery = Message;
    const NAME: &'static str = "CIMD2";
    const KEEPALIVES: &'static str = "alives";
    const NUMBERS: u8 = 128;

    fn hub(&self) -> &HubHandle<Message> {
        &self.0.hub
    }

    /// The server's numbers: even, 000–254, as the `[cimd2]` listener's.
    fn number(index: u8) -> Option<PacketNumber> {
        ServerNumber::nth(index).map(|number| number.0)
    }

    fn encode(packet: &Packet, dst: &mut BytesMut) -> bool {
        Codec::new().encode(packet, dst).is_ok()
    }

    fn decode(inbox: &[u8]) -> Result<Option<(Packet, usize)>, (usize, Option<Packet>)> {
        match Codec::new().decode(inbox) {
            Ok(decoded) => Ok(decoded.map(|decoded| (decoded.packet, decoded.len))),
            Err(error) => Err((error.skip_len(), error.reply())),
        }
    }

    fn response(packet: &Packet) -> Option<(PacketNumber, bool)> {
        (!packet.operation.is_request()).then(|| (packet.number, refused(packet)))
    }

    fn request(session: &mut Session<Cimd2>, packet: Packet) {
        let (request, number) = (packet.operation, packet.number);
        let Some(response) = request.response() else {
            return;
        };
        let message = match Message::read(&packet) {
            Ok(message) => message,
            Err(error) => {
                log(format_args!("unreadable {request}: {error}"));
                let code = match error {
                    MessageError::Unsupported(_) => ErrorCode::UNEXPECTED_OPERATION,
                    _ => ErrorCode::SYNTAX_ERROR,
                };
                return answer(session, &refusal(request, code), number);
            }
        };
        match message {
            Message::Login { user, password } => {
                let accepted =
                    session.wire.0.credentials.check(&user, &password) == CommandStatus::EsmeRok;
                if accepted {
                    session.logged_in(&user);
                    session.send(Packet::new(response, number));
                } else {
                    log(format_args!("login {user:?} refused"));
                    answer(session, &refusal(request, ErrorCode::INVALID_LOGIN), number);
                }
            }
            Message::Submit(submit_message) => match session.login.clone() {
                Some(user) => submit(session, number, &submit_message, &user),
                None => answer(
                    session,
                    &refusal(request, ErrorCode::UNEXPECTED_OPERATION),
                    number,
                ),
            },
            Message::Alive => {
                session.keepalives += 1;
                session.send(Packet::new(response, number));
            }
            Message::Logout => session.send(Packet::new(response, number)),
            _ => answer(
                session,
                &refusal(request, ErrorCode::UNEXPECTED_OPERATION),
                number,
            ),
        }
    }

    fn numbered(message: &Message, number: PacketNumber) -> Option<Packet> {
        match message.packet(number) {
            Ok(packet) => Some(packet),
            Err(error) => {
                log(format_args!("cannot write a delivery: {error}"));
                None
            }
        }
    }
}

/// Answers `number` with `message`, a response.
fn answer(session: &Session<Cimd2>, message: &Message, number: PacketNumber) {
    if let Ok(packet) = message.packet(number) {
        session.send(packet);
    }
}

/// Answers a submit as the table says and schedules what follows it.
fn submit(session: &mut Session<Cimd2>, number: PacketNumber, submit: &Submit, user: &Arc<str>) {
    session.submits += 1;
    let behaviour = Behaviour::for_destination(&submit.destination);
    let delay = match Reply::of(behaviour.reply) {
        Reply::Refuse { temporary } => {
            let code = if temporary { TRY_LATER } else { REFUSED };
            return answer(session, &refusal(OperationCode::SUBMIT, code), number);
        }
        Reply::Silent => return,
        Reply::After(delay) => delay,
    };
    let now = Utc::now().naive_utc();
    let scts = session
        .wire
        .0
        .references
        .next(&submit.destination, now)
        .scts;
    let mut follow = Vec::new();
    if let Some(state) = behaviour.outcome
        && let Some(report) = status_report(submit, scts, state, behaviour.error_code, now)
    {
        follow.push(report);
    }
    if behaviour.mobile_originated {
        follow.push(reply(submit, now));
    }
    let accepted = Message::Response {
        request: OperationCode::SUBMIT,
        response: Response {
            destination: Some(submit.destination.clone()),
            scts: Some(scts),
            ..Response::default()
        },
    };
    if let Ok(packet) = accepted.packet(number) {
        session.answer_after(packet, follow, user, delay);
    }
}

/// Whether a response says the request was refused (an error code, a
/// general error, a NACK).
fn refused(packet: &Packet) -> bool {
    match Message::read(packet) {
        Ok(Message::Response { response, .. }) => response.error.is_some(),
        _ => true,
    }
}

/// The response to `request` with error code `code`.
fn refusal(request: OperationCode, code: ErrorCode) -> Message {
    Message::Response {
        request,
        response: Response {
            error: Some(code),
            ..Response::default()
        },
    }
}

/// The status report (23) of a submitted message ending in `state`, or
/// `None` when its 056 does not ask for one.
fn status_report(
    submit: &Submit,
    scts: NaiveDateTime,
    state: MessageState,
    error: u16,
    now: NaiveDateTime,
) -> Option<Message> {
    // 056's bits: 2 expired, 4 failed, 8 delivered, 32 deleted.
    let (status, bit, error) = match state {
        MessageState::Delivered => (StatusCode::Delivered, 8, 0),
        MessageState::Expired => (StatusCode::ValidityExpired, 2, error),
        MessageState::Deleted => (StatusCode::Deleted, 32, error),
        _ => (StatusCode::DeliveryFailed, 4, error),
    };
    let asked = submit.status_report_request.unwrap_or_default();
    (asked & bit != 0).then(|| {
        Message::StatusReport(Box::new(StatusReport {
            destination: submit.destination.clone(),
            originator: None,
            scts,
            status,
            error: Some(error),
            discharge_time: Some(now.trunc_subsecs(0)),
        }))
    })
}

/// The deliver message (20) a destination ending 9999 answers with: from
/// it to the submit's originator, with the same user data (a part comes
/// back as it went, header and coding included).
fn reply(submit: &Submit, now: NaiveDateTime) -> Message {
    let to = match &submit.originator {
        Some(Originator::Number(to) | Originator::Alphanumeric(to)) => to.clone(),
        None => String::new(),
    };
    Message::Deliver(Box::new(Deliver {
        destination: to,
        originator: Some(Originator::Number(submit.destination.clone())),
        content: submit.content.clone(),
        protocol_identifier: None,
        scts: Some(now.trunc_subsecs(0)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cimd2::time;

    #[test]
    fn a_status_report_goes_only_when_asked_and_names_the_submit() {
        let submit = Submit {
            destination: "34600009991".into(),
            status_report_request: Some(62),
            ..Submit::default()
        };
        let scts = time::parse(b"261206041500").unwrap();
        let Some(Message::StatusReport(report)) =
            status_report(&submit, scts, MessageState::Undeliverable, 1, scts)
        else {
            panic!("a 23");
        };
        assert_eq!(
            (report.destination.as_str(), report.scts),
            ("34600009991", scts)
        );
        assert_eq!(report.status.state(), Some(MessageState::Undeliverable));
        assert_eq!(report.error, Some(1));
        let only_delivered = Submit {
            status_report_request: Some(8),
            ..submit
        };
        assert!(status_report(&only_delivered, scts, MessageState::Expired, 0, scts).is_none());
        assert!(status_report(&only_delivered, scts, MessageState::Delivered, 0, scts).is_some());
    }
}
