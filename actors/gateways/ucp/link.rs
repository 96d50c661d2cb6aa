//! The link of a `ucp` gateway: one tokio task keeping one TCP connection
//! to the SMSC, speaking UCP/EMI with the codec of `crate::ucp`.
//!
//! - It logs in with a session management operation (60: OAdC the
//!   `login`, PWD the `password`); a NACK 07 is bad credentials, retried
//!   every 60 s, anything else a failed connection.
//! - Messages wait in the gateway's one queue (`upstream::queue`: TPS,
//!   retries, priority lanes) and go as submits (51) while the window of
//!   outstanding operations (TRN 00–99, `ucp::Window`) has room. Results
//!   are matched by TRN: an ACK names the message `AdC:SCTS` (its upstream
//!   id), a NACK is temporary or permanent by its error code
//!   (`upstream::classify_nack`).
//! - Delivery notifications (53) become receipts matched by that id, and
//!   are ACKed once the state they set is durable; deliveries (52) are MO,
//!   ACKed once stored in `inbox`. Either is NACKed (EC 55) when it cannot
//!   be stored, so the SMSC sends it again. Alerts (31) from the SMSC are
//!   ACKed; other operations NACKed (EC 03).
//! - An alert goes out after `keepalive` without sending; no result to
//!   any operation within 30 s drops the connection (for a submit, it goes
//!   back to the queue: a duplicate is possible exactly there).
//! - Reconnects back off 1 s doubling to 30 s with jitter.
//!
//! It ends or drains as an SMPP bind does (`gateways::upstream`): closed,
//! it gives back what it holds and what is queued; drained, it sends no
//! more, waits for the results in flight, then ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Recipient;
use bytes::BytesMut;
use chrono::{Offset, Utc};
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
use crate::metrics;
use crate::model::UpstreamId;
use crate::store::Store;
use crate::ucp::{
    Ack, Alert, Codec, DecodeError, EncodeError, ErrorCode, Message, MessageReference, Nack,
    Notification, Operation, Ot, ReceivedMessage, Response, SessionManagement, Trn, Window,
};
use crate::upstream::status::BindState;
use crate::upstream::{Backoff, Next, Outcome, Queued, bad_login, classify_nack, mo};

/// How long the SMSC has to answer any operation, the login included.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
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

/// Why a connection ended or could not be made.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the SMSC closed the connection")]
    Closed,
    #[error("no answer to the login within {0:?}")]
    LoginTimeout(Duration),
    #[error("login refused: EC {0}")]
    LoginRefused(ErrorCode),
    #[error("no answer to an alert within {0:?}")]
    AlertUnanswered(Duration),
    #[error("cannot write an operation: {0}")]
    Encode(#[from] EncodeError),
}

/// Why a logged-in session ended.
type End = shared::End<LinkError>;

/// What an outstanding operation of ours was.
enum Sent {
    Submit(Box<Queued>),
    Alert,
}

/// A delivery from the SMSC whose answer waits on a commit: its TRN and
/// type, and whether it was stored.
type Answer = (Trn, Ot, bool);

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
            logger: logger.new(slog::o!("link" => "ucp")),
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
    /// Writes `message` whole.
    async fn send(&mut self, message: &Message) -> Result<(), LinkError> {
        let mut frame = BytesMut::new();
        self.codec.encode(message, &mut frame)?;
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

    /// The next whole message in the inbox, answering (NACK) and dropping
    /// what does not decode; `None` when more octets are needed.
    async fn next_message(&mut self, logger: &Logger) -> Result<Option<Message>, LinkError> {
        loop {
            match self.codec.decode(&self.inbox) {
                Ok(None) => return Ok(None),
                Ok(Some(decoded)) => {
                    self.inbox.drain(..decoded.len);
                    return Ok(Some(decoded.message));
                }
                Err(error) => {
                    warn!(logger, "unreadable UCP frame from the SMSC"; "error" => %error);
                    self.inbox.drain(..error.skip_len().min(self.inbox.len()));
                    if let Some(nack) = DecodeError::reply(&error) {
                        self.send(&nack).await?;
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
                    let refused = matches!(error, LinkError::LoginRefused(code) if bad_login(code));
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
        let mut window: Window<Sent> = Window::new(self.settings.window);
        let gauge = metrics::global().window_in_use(&self.settings.name);
        let mut counted: i64 = 0;
        let mut answers: JoinSet<Answer> = JoinSet::new();
        let mut last_sent = Instant::now();
        let end = loop {
            let woken = shared.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let now = Instant::now();
            if let Err(error) = self.expire(&mut window, now) {
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
            // An alert goes when the link has been quiet long enough and
            // there is room for it; a full window waits for results.
            let keepalive_at =
                (!self.draining && window.has_room()).then(|| last_sent + self.settings.keepalive);
            if keepalive_at.is_some_and(|at| Instant::now() >= at) {
                if let Err(error) = self.alert(connection, &mut window).await {
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
                        info!(self.reporter.logger, "draining: no more submits; waiting for the results in flight";
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
                        && let Err(error) = connection.send(&answer_to(answer)).await
                    {
                        break End::Lost(error);
                    }
                }
                () = sleep_until(deadline) => {}
            }
        };
        if matches!(end, End::Closed | End::Drained) {
            // Answer the deliveries being stored before closing, so the
            // SMSC does not send them again.
            while let Some(answer) = answers.join_next().await {
                if let Ok(answer) = answer {
                    let _ = connection.send(&answer_to(answer)).await;
                }
            }
        } else {
            // Their answers are lost with the connection, but each MO
            // still tells MO routing once it is stored.
            answers.detach_all();
        }
        gauge.dec_by(counted);
        let back: Vec<Queued> = window
            .drain()
            .into_iter()
            .filter_map(|sent| match sent {
                Sent::Submit(queued) => Some(*queued),
                Sent::Alert => None,
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
        window: &mut Window<Sent>,
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
            let Some(operation) = self.submit_of(&queued) else {
                continue;
            };
            let trn = match window.open(Sent::Submit(Box::new(queued)), Instant::now()) {
                Ok(trn) => trn,
                Err(unsent) => {
                    if let Sent::Submit(queued) = unsent {
                        shared.lock().queue.unsent(*queued);
                    }
                    break;
                }
            };
            let sent = connection
                .send(&Message::Operation { trn, operation })
                .await;
            if let Err(error) = sent {
                if let Some(Sent::Submit(queued)) = window.close(trn) {
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

    /// The submit (51) of a queued message part; `None`, the message
    /// rejected, when it does not fit one.
    fn submit_of(&self, queued: &Queued) -> Option<Operation> {
        // VP in UTC: the link has no setting for the SMSC's zone.
        match crate::ucp::submit(&queued.message, Utc.fix()) {
            Ok(fields) => Some(Operation::Submit(Box::new(fields))),
            Err(error) => {
                error!(self.reporter.logger, "message does not fit a UCP submit; rejected";
                    "message" => %queued.message.id, "error" => %error);
                self.reporter.refused(&queued.message);
                None
            }
        }
    }

    /// Sends an alert (31), the keep-alive.
    async fn alert(
        &self,
        connection: &mut Connection,
        window: &mut Window<Sent>,
    ) -> Result<(), LinkError> {
        let Ok(trn) = window.open(Sent::Alert, Instant::now()) else {
            return Ok(());
        };
        let alert = Operation::Alert(Alert {
            adc: self.settings.login.clone(),
            pid: Some(ALERT_PID),
        });
        connection
            .send(&Message::Operation {
                trn,
                operation: alert,
            })
            .await
    }

    /// Operations not answered in time: a submit goes back to the queue,
    /// an unanswered alert means the link is dead.
    fn expire(&self, window: &mut Window<Sent>, now: Instant) -> Result<(), LinkError> {
        let mut dead = false;
        for late in window.expired(now, RESPONSE_TIMEOUT) {
            match late {
                Sent::Alert => dead = true,
                Sent::Submit(queued) => self.reporter.unanswered(*queued),
            }
        }
        if dead {
            return Err(LinkError::AlertUnanswered(RESPONSE_TIMEOUT));
        }
        Ok(())
    }

    /// Handles every whole message that has arrived.
    async fn read_all(
        &self,
        connection: &mut Connection,
        window: &mut Window<Sent>,
        answers: &mut JoinSet<Answer>,
    ) -> Result<(), LinkError> {
        while let Some(message) = connection.next_message(&self.reporter.logger).await? {
            match message {
                Message::Result { trn, ot, response } => match window.close(trn) {
                    Some(Sent::Submit(queued)) if ot == Ot::SUBMIT => {
                        self.answered(*queued, response);
                    }
                    Some(Sent::Alert) if ot == Ot::ALERT => {}
                    Some(Sent::Submit(queued)) => {
                        warn!(self.reporter.logger, "a result of another type for a submit; it goes again";
                            "trn" => %trn, "ot" => %ot);
                        self.reporter.shared.lock().queue.unsent(*queued);
                    }
                    Some(Sent::Alert) | None => {
                        warn!(self.reporter.logger, "a result for no operation of ours"; "trn" => %trn, "ot" => %ot);
                    }
                },
                Message::Operation { trn, operation } => {
                    if let Some(answer) = self.operation(trn, operation, answers) {
                        connection.send(&answer).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// An operation from the SMSC: what to answer now, `None` when the
    /// answer waits for a commit (in `answers`).
    fn operation(
        &self,
        trn: Trn,
        operation: Operation,
        answers: &mut JoinSet<Answer>,
    ) -> Option<Message> {
        let ot = operation.ot();
        match operation {
            Operation::Notification(fields) => match Notification::read(&fields) {
                Ok(notification) => match self.receipt(&notification) {
                    Some(recorded) => {
                        answers.spawn(async move { (trn, ot, recorded.await.unwrap_or(false)) });
                        None
                    }
                    None => Some(ack(trn, ot)),
                },
                Err(error) => {
                    warn!(self.reporter.logger, "unreadable delivery notification acknowledged and dropped";
                        "error" => %error);
                    Some(ack(trn, ot))
                }
            },
            Operation::Delivery(fields) => {
                let received = ReceivedMessage::read(&fields);
                let gateway = &self.settings.name;
                let stored = self
                    .reporter
                    .store_mo(|sequence, at| mo::inbound_ucp(gateway, &received, sequence, at));
                answers.spawn(async move { (trn, ot, stored.await) });
                None
            }
            Operation::Alert(_) => Some(ack(trn, ot)),
            Operation::CallInput(_) | Operation::Submit(_) | Operation::Session(_) => {
                debug!(self.reporter.logger, "operation not supported toward us"; "ot" => %ot);
                Some(nack(trn, ot, ErrorCode::OPERATION_NOT_SUPPORTED))
            }
        }
    }

    /// The result of a submit.
    fn answered(&self, queued: Queued, response: Response) {
        match response {
            Response::Ack(Ack { sm, .. }) => {
                let key = || reference_key(&sm);
                self.reporter
                    .answered(queued, Outcome::Accepted, "ACK", key);
            }
            Response::Nack(Nack { error: code, .. }) => {
                let status = format!("NACK {code}");
                let outcome = classify_nack(code);
                self.reporter
                    .answered(queued, outcome, &status, String::new);
            }
        }
    }

    /// A notification reported to the receipts actor; `None` when it
    /// names no message we could have (answered at once) or only says
    /// the message is buffered.
    fn receipt(&self, notification: &Notification) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        let Some(state) = notification.state() else {
            debug!(self.reporter.logger, "message buffered at the SMSC"; "reference" => %notification.reference);
            return None;
        };
        let Ok(upstream_id) = UpstreamId::new(notification.reference.to_string()) else {
            warn!(self.reporter.logger, "notification with a reference that cannot be ours; dropped";
                "reference" => %notification.reference);
            return None;
        };
        Some(
            self.reporter
                .receipt(upstream_id, state, notification.reason),
        )
    }
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
    let trn = Trn::new(LOGIN_TRN).ok_or(LinkError::Closed)?;
    let login = Message::Operation {
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
    };
    connection.send(&login).await?;
    let answer = async {
        loop {
            while let Some(message) = connection.next_message(logger).await? {
                match message {
                    Message::Result {
                        trn: answered,
                        ot: Ot::SESSION,
                        response,
                    } if answered == trn => return Ok::<_, LinkError>(response),
                    other => {
                        debug!(logger, "before the login's answer; ignored"; "header" => ?other.header());
                    }
                }
            }
            connection.fill().await?;
        }
    };
    let response = tokio::time::timeout(RESPONSE_TIMEOUT, answer)
        .await
        .map_err(|_| LinkError::LoginTimeout(RESPONSE_TIMEOUT))??;
    match response {
        Response::Ack(_) => Ok(connection),
        Response::Nack(nack) => Err(LinkError::LoginRefused(nack.error)),
    }
}

/// The key a submit's ACK names the message by: `AdC:SCTS` written as a
/// notification's reference is, so the two match; any other system
/// message as it came.
fn reference_key(sm: &str) -> String {
    MessageReference::parse(sm).map_or_else(|| sm.to_owned(), |reference| reference.to_string())
}

/// The answer to a delivery once its commit ended.
fn answer_to((trn, ot, stored): Answer) -> Message {
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
