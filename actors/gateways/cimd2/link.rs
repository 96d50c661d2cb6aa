//! The link of a `cimd2` gateway: one tokio task keeping one TCP
//! connection to the SMSC, speaking CIMD2 with the codec of `crate::cimd2`.
//!
//! - It logs in (01: 010 the `username`, 011 the `password`); a 51 with
//!   error code 100, 101, 103 or 108 is bad credentials, retried every
//!   60 s (`upstream::cimd2_bad_login`), anything else a failed
//!   connection.
//! - Messages wait in the gateway's one queue (`upstream::queue`: TPS,
//!   retries, priority lanes) and go as submits (03, `cimd2::submit`)
//!   while the window of outstanding requests (odd packet numbers
//!   001–255, `ucp::Window` over `cimd2::PacketNumber`) has room. A 53
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
//! - An alive goes out after `keepalive` without sending; no response to
//!   any request within 30 s drops the connection (for a submit, it goes
//!   back to the queue: a duplicate is possible exactly there).
//! - Reconnects back off 1 s doubling to 30 s with jitter.
//!
//! It ends or drains as a UCP link does (`gateways::upstream`): closed, it
//! gives back what it holds and what is queued; drained, it sends no more,
//! waits for the responses in flight, logs out, then ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Recipient;
use bytes::BytesMut;
use slog::{Logger, debug, error, info, warn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinSet;

use super::Settings;
use crate::actors::gateways::upstream::reporter::{Reporter, reconnect_backoff};
use crate::actors::gateways::upstream::shared::{
    self, Lifeline, Shared, StateChanged, sleep_until,
};
use crate::actors::protocol::gateway::GatewayReport;
use crate::cimd2::{
    Codec, EncodeError, ErrorCode, Message, OperationCode, Packet, PacketNumber, Response,
    StatusReport, WriteError, time,
};
use crate::metrics;
use crate::model::UpstreamId;
use crate::store::Store;
use crate::ucp::Window;
use crate::upstream::status::BindState;
use crate::upstream::{Backoff, Next, Outcome, Queued, cimd2_bad_login, classify_cimd2, mo};

/// How long the SMSC has to answer any request, the login included.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// The number of the login, the first request on a connection.
const LOGIN_NUMBER: PacketNumber = PacketNumber(1);

/// Why a connection ended or could not be made.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the SMSC closed the connection")]
    Closed,
    #[error("no answer to the login within {0:?}")]
    LoginTimeout(Duration),
    #[error("login refused: error code {0}")]
    LoginRefused(ErrorCode),
    #[error("login answered with {0}")]
    LoginNotAnswered(OperationCode),
    #[error("no answer to an alive within {0:?}")]
    AliveUnanswered(Duration),
    #[error("cannot write a packet: {0}")]
    Encode(#[from] EncodeError),
    #[error("cannot write an operation: {0}")]
    Write(#[from] WriteError),
}

/// Why a logged-in session ended.
type End = shared::End<LinkError>;

/// What an outstanding request of ours was.
enum Sent {
    Submit(Box<Queued>),
    Alive,
}

/// A request from the SMSC whose response waits on a commit: its number
/// and code, and whether what it carried was stored.
type Answer = (PacketNumber, OperationCode, bool);

/// Starts the link; it runs until `lifeline` says it ends.
pub fn start(
    settings: &Settings,
    store: &Arc<Store>,
    shared: &Arc<Shared>,
    lifeline: Lifeline,
    link: Recipient<StateChanged>,
    reports: Recipient<GatewayReport>,
    logger: &Logger,
) {
    let task = Link {
        settings: settings.clone(),
        reporter: Reporter {
            index: 0,
            gateway: settings.name.clone(),
            max_attempts: settings.max_attempts,
            store: Arc::clone(store),
            shared: Arc::clone(shared),
            link,
            reports,
            logger: logger.new(slog::o!("link" => "cimd2")),
        },
        lifeline,
        reconnect: reconnect_backoff(),
        draining: false,
    };
    actix_rt::spawn(task.run());
}

struct Link {
    settings: Settings,
    reporter: Reporter,
    /// Dropped when the link ends (the actor waits for it).
    lifeline: Lifeline,
    reconnect: Backoff,
    /// Told to drain: it ends once nothing is in flight, and never
    /// reconnects.
    draining: bool,
}

/// One TCP connection and what has arrived on it.
struct Connection {
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    inbox: Vec<u8>,
    codec: Codec,
}

impl Connection {
    /// Writes `message` numbered `number`, whole.
    async fn send(&mut self, message: &Message, number: PacketNumber) -> Result<(), LinkError> {
        self.send_packet(&message.packet(number)?).await
    }

    async fn send_packet(&mut self, packet: &Packet) -> Result<(), LinkError> {
        let mut frame = BytesMut::new();
        self.codec.encode(packet, &mut frame)?;
        self.writer.write_all(&frame).await?;
        Ok(())
    }

    /// Reads more octets into the inbox; cancel-safe.
    async fn fill(&mut self) -> Result<(), LinkError> {
        match self.reader.read_buf(&mut self.inbox).await? {
            0 => Err(LinkError::Closed),
            _ => Ok(()),
        }
    }

    /// The next whole packet in the inbox, answering (NACK or error code
    /// 2) and dropping what does not decode; `None` when more octets are
    /// needed.
    async fn next_packet(&mut self, logger: &Logger) -> Result<Option<Packet>, LinkError> {
        loop {
            match self.codec.decode(&self.inbox) {
                Ok(None) => return Ok(None),
                Ok(Some(decoded)) => {
                    self.inbox.drain(..decoded.len);
                    return Ok(Some(decoded.packet));
                }
                Err(error) => {
                    warn!(logger, "unreadable CIMD2 frame from the SMSC"; "error" => %error);
                    self.inbox.drain(..error.skip_len().min(self.inbox.len()));
                    if let Some(reply) = error.reply() {
                        self.send_packet(&reply).await?;
                    }
                }
            }
        }
    }
}

impl Link {
    async fn run(mut self) {
        loop {
            self.reporter.set_state(BindState::Connecting, None);
            let connecting = connect(&self.settings, &self.reporter.logger);
            let connected = match self.lifeline.unless_ended(connecting).await {
                Ok(connected) => connected,
                Err(closed) => return self.reporter.end(closed),
            };
            let delay = match connected {
                Ok(mut connection) => {
                    info!(self.reporter.logger, "logged in to the SMSC";
                        "address" => &self.settings.address);
                    self.reconnect.reset();
                    self.reporter.set_state(BindState::Bound, None);
                    let end = self.session(&mut connection).await;
                    match self
                        .reporter
                        .session_ended(end, self.draining, &mut self.reconnect)
                    {
                        Some(delay) => delay,
                        None => return,
                    }
                }
                Err(error) => {
                    let refused =
                        matches!(error, LinkError::LoginRefused(code) if cimd2_bad_login(code));
                    self.reporter
                        .connect_failed(&mut self.reconnect, &error, refused)
                }
            };
            let waited = tokio::time::sleep(delay);
            if let Err(closed) = self.lifeline.unless_ended(waited).await {
                return self.reporter.end(closed);
            }
        }
    }

    /// Submits and reads until the connection fails or the link closes.
    /// Messages still in flight go back to the front of the queue.
    async fn session(&mut self, connection: &mut Connection) -> End {
        let shared = Arc::clone(&self.reporter.shared);
        let mut window: Window<Sent, PacketNumber> = Window::new(self.settings.window);
        let gauge = metrics::global().window_in_use(&self.settings.name);
        let mut counted: i64 = 0;
        let mut answers: JoinSet<Answer> = JoinSet::new();
        let mut last_sent = Instant::now();
        let end = loop {
            let woken = shared.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if let Err(error) = self.expire(&mut window, Instant::now()) {
                break End::Lost(error);
            }
            let wake = if self.draining {
                if window.is_empty() {
                    break End::Drained;
                }
                None
            } else {
                match self
                    .submit_what_may_go(connection, &mut window, &mut last_sent)
                    .await
                {
                    Ok(wake) => wake,
                    Err(error) => break End::Lost(error),
                }
            };
            let keepalive_at =
                (!self.draining && window.has_room()).then(|| last_sent + self.settings.keepalive);
            if keepalive_at.is_some_and(|at| Instant::now() >= at) {
                if let Ok(number) = window.open(Sent::Alive, Instant::now())
                    && let Err(error) = connection.send(&Message::Alive, number).await
                {
                    break End::Lost(error);
                }
                last_sent = Instant::now();
                continue;
            }
            let in_flight = i64::try_from(window.len()).unwrap_or(i64::MAX);
            gauge.inc_by(in_flight - counted);
            counted = in_flight;
            self.reporter.show_window(window.len());
            let deadline = [wake, window.next_deadline(RESPONSE_TIMEOUT), keepalive_at]
                .into_iter()
                .flatten()
                .min();
            tokio::select! {
                () = &mut woken => {}
                closed = self.lifeline.closed.changed() => match closed {
                    Ok(()) if !self.draining => {
                        info!(self.reporter.logger, "draining: no more submits; waiting for the responses in flight";
                            "in_flight" => window.len());
                        self.draining = true;
                        self.reporter.set_state(BindState::Stopped, None);
                    }
                    _ => break End::Closed,
                },
                filled = connection.fill() => {
                    if let Err(error) = filled {
                        break End::Lost(error);
                    }
                    if let Err(error) = self.read_all(connection, &mut window, &mut answers).await {
                        break End::Lost(error);
                    }
                }
                Some(answer) = answers.join_next(), if !answers.is_empty() => {
                    if let Ok(answer) = answer
                        && let Err(error) = send_answer(connection, answer).await
                    {
                        break End::Lost(error);
                    }
                }
                () = sleep_until(deadline) => {}
            }
        };
        if matches!(end, End::Closed | End::Drained) {
            // Answer what is being stored before closing, so the SMSC does
            // not send it again; then log out.
            while let Some(answer) = answers.join_next().await {
                if let Ok(answer) = answer {
                    let _ = send_answer(connection, answer).await;
                }
            }
            let _ = connection.send(&Message::Logout, LOGIN_NUMBER).await;
        } else {
            answers.detach_all();
        }
        gauge.dec_by(counted);
        let back: Vec<Queued> = window
            .drain()
            .into_iter()
            .filter_map(|sent| match sent {
                Sent::Submit(queued) => Some(*queued),
                Sent::Alive => None,
            })
            .collect();
        self.reporter.in_flight_back(back, &end);
        end
    }

    /// Submits queued messages while the window, the TPS and any pause
    /// allow; returns when to try again if something is waiting on time.
    async fn submit_what_may_go(
        &self,
        connection: &mut Connection,
        window: &mut Window<Sent, PacketNumber>,
        last_sent: &mut Instant,
    ) -> Result<Option<Instant>, LinkError> {
        let shared = Arc::clone(&self.reporter.shared);
        let mut wake = None;
        while window.has_room() {
            let next = shared.lock().queue.next(Instant::now());
            let queued = match next {
                Next::Submit(queued) => queued,
                Next::WaitUntil(at) => {
                    wake = Some(at);
                    break;
                }
                Next::Idle => break,
            };
            let Some(submit) = self.submit_of(&queued) else {
                continue;
            };
            let number = match window.open(Sent::Submit(Box::new(queued)), Instant::now()) {
                Ok(number) => number,
                Err(unsent) => {
                    if let Sent::Submit(queued) = unsent {
                        shared.lock().queue.unsent(*queued);
                    }
                    break;
                }
            };
            if let Err(error) = connection.send_packet(&submit_packet(submit, number)).await {
                if let Some(Sent::Submit(queued)) = window.close(number) {
                    shared.lock().queue.unsent(*queued);
                }
                return Err(error);
            }
            *last_sent = Instant::now();
        }
        if shared.lock().fill_untold() {
            self.reporter.link.do_send(StateChanged);
        }
        Ok(wake)
    }

    /// The submit (03) of a queued message part, written; `None`, the
    /// message rejected, when it does not fit one.
    fn submit_of(&self, queued: &Queued) -> Option<Packet> {
        let written = crate::cimd2::submit(&queued.message)
            .map_err(|error| error.to_string())
            .and_then(|submit| {
                Message::Submit(Box::new(submit))
                    .packet(PacketNumber(0))
                    .map_err(|error| error.to_string())
            });
        match written {
            Ok(packet) => Some(packet),
            Err(error) => {
                error!(self.reporter.logger, "message does not fit a CIMD2 submit; rejected";
                    "message" => %queued.message.id, "error" => error);
                self.reporter.refused(&queued.message);
                None
            }
        }
    }

    /// Requests not answered in time: a submit goes back to the queue, an
    /// unanswered alive means the link is dead.
    fn expire(
        &self,
        window: &mut Window<Sent, PacketNumber>,
        now: Instant,
    ) -> Result<(), LinkError> {
        let mut dead = false;
        for late in window.expired(now, RESPONSE_TIMEOUT) {
            match late {
                Sent::Alive => dead = true,
                Sent::Submit(queued) => self.reporter.unanswered(*queued),
            }
        }
        if dead {
            return Err(LinkError::AliveUnanswered(RESPONSE_TIMEOUT));
        }
        Ok(())
    }

    /// Handles every whole packet that has arrived.
    async fn read_all(
        &self,
        connection: &mut Connection,
        window: &mut Window<Sent, PacketNumber>,
        answers: &mut JoinSet<Answer>,
    ) -> Result<(), LinkError> {
        while let Some(packet) = connection.next_packet(&self.reporter.logger).await? {
            let (operation, number) = (packet.operation, packet.number);
            let message = match Message::read(&packet) {
                Ok(message) => message,
                Err(error) => {
                    warn!(self.reporter.logger, "unreadable CIMD2 operation from the SMSC";
                        "operation" => %operation, "error" => %error);
                    if let Some(response) = operation.response() {
                        connection
                            .send_packet(&error_response(response, number, ErrorCode::SYNTAX_ERROR))
                            .await?;
                    } else if let Some(Sent::Submit(queued)) = window.close(number) {
                        // A response we cannot read: the submit goes again.
                        self.reporter.shared.lock().queue.unsent(*queued);
                    }
                    continue;
                }
            };
            match message {
                Message::Response { request, response } => match (window.close(number), request) {
                    (Some(Sent::Submit(queued)), OperationCode::SUBMIT) => {
                        self.answered(*queued, &response);
                    }
                    (Some(Sent::Alive), OperationCode::ALIVE) => {}
                    (Some(Sent::Submit(queued)), _) => {
                        warn!(self.reporter.logger, "a response of another operation for a submit; it goes again";
                                "number" => %number, "operation" => %operation);
                        self.reporter.shared.lock().queue.unsent(*queued);
                    }
                    (Some(Sent::Alive) | None, _) => {
                        warn!(self.reporter.logger, "a response to no request of ours";
                                "number" => %number, "operation" => %operation);
                    }
                },
                Message::GeneralError(response) => {
                    if let Some(Sent::Submit(queued)) = window.close(number) {
                        self.answered(*queued, &response);
                    }
                }
                Message::Nack => {
                    if let Some(Sent::Submit(queued)) = window.close(number) {
                        self.reporter
                            .answered(*queued, Outcome::Temporary, "NACK", String::new);
                    }
                }
                request => {
                    if let Some(answer) = self.request(number, request, answers) {
                        connection.send_packet(&answer).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A request from the SMSC: what to answer now, `None` when the
    /// answer waits for a commit (in `answers`).
    fn request(
        &self,
        number: PacketNumber,
        message: Message,
        answers: &mut JoinSet<Answer>,
    ) -> Option<Packet> {
        let operation = message.operation()?;
        let response = operation.response()?;
        match message {
            Message::StatusReport(report) => match self.receipt(&report) {
                Some(recorded) => {
                    answers
                        .spawn(async move { (number, response, recorded.await.unwrap_or(false)) });
                    None
                }
                None => Some(Packet::new(response, number)),
            },
            Message::Deliver(deliver) => {
                let gateway = &self.settings.name;
                let stored = self
                    .reporter
                    .store_mo(|sequence, at| mo::inbound_cimd2(gateway, &deliver, sequence, at));
                answers.spawn(async move { (number, response, stored.await) });
                None
            }
            Message::Alive => Some(Packet::new(response, number)),
            _ => {
                debug!(self.reporter.logger, "operation not expected from the SMSC"; "operation" => %operation);
                Some(error_response(
                    response,
                    number,
                    ErrorCode::UNEXPECTED_OPERATION,
                ))
            }
        }
    }

    /// The response to a submit.
    fn answered(&self, queued: Queued, response: &Response) {
        match (response.error, response.scts) {
            (None, Some(scts)) => {
                let destination = response
                    .destination
                    .clone()
                    .unwrap_or_else(|| queued.message.destination.text().to_owned());
                let key = || upstream_key(&destination, scts);
                self.reporter.answered(queued, Outcome::Accepted, "53", key);
            }
            (None, None) => {
                // Taken, but nothing a status report could match.
                self.reporter
                    .answered(queued, Outcome::Accepted, "53 without 060", String::new);
            }
            (Some(code), _) => {
                let status = format!("error code {code}");
                self.reporter
                    .answered(queued, classify_cimd2(code), &status, String::new);
            }
        }
    }

    /// A status report reported to the receipts actor; `None` when it is
    /// not final (answered at once) or names no message we could have.
    fn receipt(&self, report: &StatusReport) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        let key = upstream_key(&report.destination, report.scts);
        let Some(state) = report.status.state() else {
            debug!(self.reporter.logger, "status report not final"; "id" => &key,
                "status" => report.status.value());
            return None;
        };
        let Ok(upstream_id) = UpstreamId::new(key.clone()) else {
            warn!(self.reporter.logger, "status report naming no message we could have; dropped";
                "id" => key);
            return None;
        };
        Some(self.reporter.receipt(upstream_id, state, report.error))
    }
}

/// The submit with its number.
fn submit_packet(mut packet: Packet, number: PacketNumber) -> Packet {
    packet.number = number;
    packet
}

/// The upstream id of a submit: `destination:YYMMDDhhmmss`, as its
/// response and its status report name it.
fn upstream_key(destination: &str, scts: chrono::NaiveDateTime) -> String {
    let at = time::format(scts).unwrap_or_default();
    format!("{destination}:{at}")
}

/// `response` numbered `number` carrying error code `code`.
fn error_response(response: OperationCode, number: PacketNumber, code: ErrorCode) -> Packet {
    Packet::new(response, number).with(crate::cimd2::ParameterCode::ERROR_CODE, code.to_string())
}

/// The response to a request once its commit ended: error code 6 when
/// it was not stored, so the SMSC sends it again.
async fn send_answer(
    connection: &mut Connection,
    (number, response, stored): Answer,
) -> Result<(), LinkError> {
    let packet = if stored {
        Packet::new(response, number)
    } else {
        error_response(response, number, ErrorCode::SYSTEM_ERROR)
    };
    connection.send_packet(&packet).await
}

/// Connects and logs in.
async fn connect(settings: &Settings, logger: &Logger) -> Result<Connection, LinkError> {
    let stream = tokio::time::timeout(RESPONSE_TIMEOUT, TcpStream::connect(&settings.address))
        .await
        .map_err(|_| LinkError::LoginTimeout(RESPONSE_TIMEOUT))??;
    let _ = stream.set_nodelay(true);
    let (reader, writer) = stream.into_split();
    let mut connection = Connection {
        reader,
        writer,
        inbox: Vec::new(),
        codec: Codec::new(),
    };
    let login = Message::Login {
        user: settings.login.clone(),
        password: settings.password.clone(),
    };
    connection.send(&login, LOGIN_NUMBER).await?;
    let answer = async {
        loop {
            while let Some(packet) = connection.next_packet(logger).await? {
                if packet.number == LOGIN_NUMBER && !packet.operation.is_request() {
                    return Ok::<_, LinkError>(packet);
                }
                debug!(logger, "before the login's response; ignored"; "operation" => %packet.operation);
            }
            connection.fill().await?;
        }
    };
    let packet = tokio::time::timeout(RESPONSE_TIMEOUT, answer)
        .await
        .map_err(|_| LinkError::LoginTimeout(RESPONSE_TIMEOUT))??;
    match Message::read(&packet) {
        Ok(Message::Response {
            request: OperationCode::LOGIN,
            response,
        }) => match response.error {
            None => Ok(connection),
            Some(code) => Err(LinkError::LoginRefused(code)),
        },
        Ok(Message::GeneralError(Response {
            error: Some(code), ..
        })) => Err(LinkError::LoginRefused(code)),
        _ => Err(LinkError::LoginNotAnswered(packet.operation)),
    }
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
