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
//! requests numbered even, 000–254. Alive (40) and logout (02) are
//! answered; other requests get error code 1. A table row that refuses
//! for now is error code 10 (temporary congestion), one that refuses for
//! good error code 9 (requested operation failed).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use chrono::{NaiveDateTime, SubsecRound, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::{self, UnboundedSender};

use super::hub::{Deliveries, HubHandle};
use super::shared::{Credentials, log};
use super::ucp::References;
use crate::cimd2::{
    Codec, Deliver, ErrorCode, Message, OperationCode, Originator, Packet, PacketNumber, Response,
    StatusCode, StatusReport, Submit,
};
use crate::model::MessageState;
use crate::simulation::{Behaviour, SubmitReply};
use crate::smpp::CommandStatus;
use crate::tools::link::{Reader, Transport};
use crate::upstream::{Outcome, classify};

/// Our requests outstanding at most.
const WINDOW: usize = 100;
/// The server's packet numbers: even, 000–254.
const NUMBERS: u8 = 128;
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

/// Serve one connection until it closes.
pub(super) async fn serve(
    id: u64,
    transport: Transport,
    peer: SocketAddr,
    shared: Arc<Cimd2Shared>,
) {
    log(format_args!("{peer}: connected (CIMD2)"));
    let (reader, mut writer) = transport.split();
    let (outbox, mut outgoing) = mpsc::unbounded_channel::<Packet>();
    let writing = tokio::spawn(async move {
        let codec = Codec::new();
        while let Some(packet) = outgoing.recv().await {
            let mut frame = BytesMut::new();
            if codec.encode(&packet, &mut frame).is_err() || writer.write_all(&frame).await.is_err()
            {
                break;
            }
        }
    });
    let mut connection = Connection {
        id,
        shared,
        outbox,
        user: None,
        deliveries: None,
        outstanding: BTreeMap::new(),
        pending: VecDeque::new(),
        next: 0,
        submits: 0,
        alives: 0,
    };
    let reason = connection.run(reader).await;
    connection.finish();
    drop(connection);
    let _ = writing.await;
    log(format_args!("{peer}: closed ({reason})"));
}

struct Connection {
    id: u64,
    shared: Arc<Cimd2Shared>,
    /// To the writer task.
    outbox: UnboundedSender<Packet>,
    /// The user identity it logged in with.
    user: Option<Arc<str>>,
    /// What the hub hands it once logged in.
    deliveries: Option<Deliveries<Message>>,
    /// Our requests not yet answered, by number.
    outstanding: BTreeMap<PacketNumber, Message>,
    /// Requests waiting for room in the window.
    pending: VecDeque<Message>,
    /// The index of the next even number to try.
    next: u8,
    submits: u64,
    alives: u64,
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
                            "by the peer after {} submits, {} alives",
                            self.submits, self.alives
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
                        self.on_packet(&decoded.packet);
                    }
                    Err(error) => {
                        inbox.drain(..error.skip_len().min(inbox.len()));
                        if let Some(reply) = error.reply() {
                            self.send(reply);
                        }
                    }
                }
            }
            self.fill_window();
        }
    }

    /// What it had not delivered goes back to the hub for another
    /// connection of its user.
    fn finish(&mut self) {
        if let Some(user) = &self.user {
            let mut undelivered: Vec<Message> = std::mem::take(&mut self.outstanding)
                .into_values()
                .collect();
            undelivered.extend(self.pending.drain(..));
            self.shared.hub.gone(user, self.id, undelivered);
        }
    }

    fn send(&self, packet: Packet) {
        let _ = self.outbox.send(packet);
    }

    /// Answers `number` with `message`, which is a response.
    fn answer(&self, message: &Message, number: PacketNumber) {
        if let Ok(packet) = message.packet(number) {
            self.send(packet);
        }
    }

    fn on_packet(&mut self, packet: &Packet) {
        let number = packet.number;
        let Some(response) = packet.operation.response() else {
            // A response to one of ours: refused (not stored), it comes
            // again later.
            if let Some(message) = self.outstanding.remove(&number)
                && refused(packet)
                && let Some(user) = &self.user
            {
                self.shared.hub.schedule(user, message);
            }
            return;
        };
        let request = packet.operation;
        let message = match Message::read(packet) {
            Ok(message) => message,
            Err(error) => {
                log(format_args!("unreadable {request}: {error}"));
                let code = match error {
                    crate::cimd2::MessageError::Unsupported(_) => ErrorCode::UNEXPECTED_OPERATION,
                    _ => ErrorCode::SYNTAX_ERROR,
                };
                return self.answer(&refusal(request, code), number);
            }
        };
        match message {
            Message::Login { user, password } => {
                let accepted =
                    self.shared.credentials.check(&user, &password) == CommandStatus::EsmeRok;
                if accepted {
                    let user: Arc<str> = Arc::from(user.as_str());
                    if self.user.is_none() {
                        self.deliveries = Some(self.shared.hub.bound(&user, self.id));
                        self.user = Some(user);
                    }
                    self.send(Packet::new(response, number));
                } else {
                    log(format_args!("login {user:?} refused"));
                    self.answer(&refusal(request, ErrorCode::INVALID_LOGIN), number);
                }
            }
            Message::Submit(submit) => match self.user.clone() {
                Some(user) => self.submit(number, &submit, &user),
                None => self.answer(&refusal(request, ErrorCode::UNEXPECTED_OPERATION), number),
            },
            Message::Alive => {
                self.alives += 1;
                self.send(Packet::new(response, number));
            }
            Message::Logout => self.send(Packet::new(response, number)),
            _ => self.answer(&refusal(request, ErrorCode::UNEXPECTED_OPERATION), number),
        }
    }

    /// Answers a submit as the table says and schedules what follows it.
    fn submit(&mut self, number: PacketNumber, submit: &Submit, user: &Arc<str>) {
        self.submits += 1;
        let behaviour = Behaviour::for_destination(&submit.destination);
        let delay = match behaviour.reply {
            SubmitReply::Refuse(status) => {
                let code = match classify(status) {
                    Outcome::Temporary => TRY_LATER,
                    Outcome::Permanent | Outcome::Accepted => REFUSED,
                };
                return self.answer(&refusal(OperationCode::SUBMIT, code), number);
            }
            SubmitReply::NoResponse => return,
            SubmitReply::Accept => Duration::ZERO,
            SubmitReply::AcceptAfter(delay) => delay,
        };
        let now = Utc::now().naive_utc();
        let scts = self.shared.references.next(&submit.destination, now).scts;
        let mut follow = Vec::new();
        if let Some(state) = behaviour.outcome
            && let Some(report) = status_report(submit, scts, state, behaviour.error_code, now)
        {
            follow.push(report);
        }
        if behaviour.mobile_originated {
            follow.push(reply(submit, now));
        }
        let answer = Message::Response {
            request: OperationCode::SUBMIT,
            response: Response {
                destination: Some(submit.destination.clone()),
                scts: Some(scts),
                ..Response::default()
            },
        };
        let (outbox, hub, user) = (self.outbox.clone(), self.shared.hub.clone(), user.clone());
        let deliver = move || {
            if let Ok(packet) = answer.packet(number) {
                let _ = outbox.send(packet);
            }
            for message in follow {
                hub.schedule(&user, message);
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

    /// Sends pending requests while the window has room.
    fn fill_window(&mut self) {
        while self.outstanding.len() < WINDOW {
            let Some(message) = self.pending.pop_front() else {
                return;
            };
            let Some(number) = self.free_number() else {
                self.pending.push_front(message);
                return;
            };
            match message.packet(number) {
                Ok(packet) => {
                    self.send(packet);
                    self.outstanding.insert(number, message);
                }
                Err(error) => log(format_args!("cannot write a delivery: {error}")),
            }
        }
    }

    fn free_number(&mut self) -> Option<PacketNumber> {
        for _ in 0..NUMBERS {
            let number = PacketNumber(self.next * 2);
            self.next = (self.next + 1) % NUMBERS;
            if !self.outstanding.contains_key(&number) {
                return Some(number);
            }
        }
        None
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

async fn next_delivery(deliveries: &mut Option<Deliveries<Message>>) -> Option<Message> {
    match deliveries {
        Some(deliveries) => deliveries.recv().await,
        None => std::future::pending().await,
    }
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
