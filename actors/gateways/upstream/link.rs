//! The loop every one-connection upstream link shares (kinds `ucp` and
//! `cimd2`), whatever protocol it speaks: connect and log in, submit what
//! the queue lets go (its TPS and pauses) while the window of numbered
//! requests has room, a keep-alive after `keepalive` without sending,
//! requests unanswered within 30 s taken back (a submit goes again, an
//! unanswered keep-alive drops the link), answers that wait on a commit
//! sent once it ends, drain and close as the actor asks, and reconnect
//! with back-off (`reporter`). A [`Protocol`] says how its frames are
//! read and written, what its login, submit, keep-alive and logout are,
//! and what to do with what the SMSC sends.

use std::fmt::Display;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Recipient;
use bytes::BytesMut;
use slog::{Logger, debug, info, warn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinSet;

use super::reporter::{Reporter, reconnect_backoff};
use super::shared::{self, Lifeline, Shared, StateChanged, sleep_until};
use crate::actors::gateways::ucp::Settings;
use crate::actors::protocol::gateway::GatewayReport;
use crate::metrics;
use crate::store::Store;
use crate::ucp::Window;
use crate::ucp::window::Numbering;
use crate::upstream::status::BindState;
use crate::upstream::{Backoff, Next, Queued};

/// How long the SMSC has to answer any request, the login included.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// What one protocol does on a link.
pub trait Protocol: Sized + 'static {
    /// The numbers requests go under (UCP's TRN, CIMD2's packet number).
    type Number: Numbering + Display;
    /// A unit read from the SMSC.
    type Inbound;
    /// A unit written to it.
    type Outbound;
    /// The answer to a request of the SMSC's once its commit has ended.
    type Answer: 'static;
    /// The protocol, for the log.
    const NAME: &'static str;
    /// Its keep-alive, in words ("an alert").
    const KEEPALIVE: &'static str;

    /// Appends `outbound`'s frame to `dst`.
    fn encode(&self, outbound: &Self::Outbound, dst: &mut BytesMut) -> Result<(), String>;
    /// The unit at the front of `inbox`.
    fn decode(&self, inbox: &[u8]) -> Decoded<Self::Inbound, Self::Outbound>;
    /// The login, the first request on a connection.
    fn login(&self, settings: &Settings) -> Result<Self::Outbound, String>;
    /// `Some` when `inbound` answers the login: accepted, or refused.
    fn login_answer(&self, inbound: &Self::Inbound) -> Option<Result<(), Refusal>>;
    /// The submit of a queued message part, not numbered yet; `Err`
    /// (why) when it does not fit one.
    fn submit(&self, queued: &Queued) -> Result<Self::Outbound, String>;
    /// `request` under `number`.
    fn numbered(&self, request: Self::Outbound, number: Self::Number) -> Self::Outbound;
    /// The keep-alive numbered `number`.
    fn keepalive(
        &self,
        settings: &Settings,
        number: Self::Number,
    ) -> Result<Self::Outbound, String>;
    /// What to send before closing a drained or closed link, if anything.
    fn logout(&self) -> Option<Self::Outbound>;
    /// Handles what the SMSC sent; what to answer now.
    fn inbound(&self, ctx: &mut Ctx<'_, Self>, inbound: Self::Inbound) -> Option<Self::Outbound>;
    /// The answer to send once a commit has ended.
    fn answer(&self, answer: Self::Answer) -> Self::Outbound;
}

/// What is at the front of the input.
pub enum Decoded<I, O> {
    /// Not a whole unit yet: read more.
    Incomplete,
    /// A unit and the octets it took.
    Unit(I, usize),
    /// Octets that are no unit: drop `skip`, send `reply` if any.
    Broken {
        skip: usize,
        reply: Option<O>,
        error: String,
    },
}

/// A refused login: its code as the log and the operator view show it, and
/// whether it says the credentials are wrong.
#[derive(Debug)]
pub struct Refusal {
    pub code: String,
    pub bad_credentials: bool,
}

/// Why a connection ended or could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the SMSC closed the connection")]
    Closed,
    #[error("no answer to the login within {0:?}")]
    LoginTimeout(Duration),
    #[error("login refused: {}", .0.code)]
    LoginRefused(Refusal),
    #[error("no answer to {0} within {1:?}")]
    KeepaliveUnanswered(&'static str, Duration),
    #[error("cannot write: {0}")]
    Write(String),
}

/// Why a logged-in session ended.
type End = shared::End<LinkError>;

/// What an outstanding request of ours was.
pub enum Sent {
    Submit(Box<Queued>),
    Keepalive,
}

/// What a response says it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    Submit,
    Keepalive,
    Other,
}

/// What a protocol's handler may use.
pub struct Ctx<'a, P: Protocol> {
    pub reporter: &'a Reporter,
    pub settings: &'a Settings,
    pub answers: &'a mut JoinSet<P::Answer>,
    window: &'a mut Window<Sent, P::Number>,
}

impl<P: Protocol> Ctx<'_, P> {
    /// A response to our request `number`, answering what `answers` says:
    /// a submit's goes to `submitted`; one of another kind for a submit
    /// sends the submit again.
    pub fn responded(
        &mut self,
        number: P::Number,
        answers: Answers,
        submitted: impl FnOnce(&Reporter, Queued),
    ) {
        match (self.window.close(number), answers) {
            (Some(Sent::Submit(queued)), Answers::Submit) => submitted(self.reporter, *queued),
            (Some(Sent::Keepalive), Answers::Keepalive) => {}
            (Some(Sent::Submit(queued)), _) => {
                warn!(self.reporter.logger, "a response of another kind for a submit; it goes again";
                    "number" => %number);
                self.reporter.shared.lock().queue.unsent(*queued);
            }
            (Some(Sent::Keepalive) | None, _) => {
                warn!(self.reporter.logger, "a response to no request of ours"; "number" => %number);
            }
        }
    }
}

/// Starts a link speaking `protocol`; it runs until `lifeline` says it
/// ends.
#[allow(clippy::too_many_arguments)]
pub fn start<P: Protocol>(
    protocol: P,
    settings: &Settings,
    store: &Arc<Store>,
    shared: &Arc<Shared>,
    lifeline: Lifeline,
    link: Recipient<StateChanged>,
    reports: Recipient<GatewayReport>,
    logger: &Logger,
) {
    let task = Link {
        protocol,
        settings: settings.clone(),
        reporter: Reporter {
            index: 0,
            gateway: settings.name.clone(),
            max_attempts: settings.max_attempts,
            store: Arc::clone(store),
            shared: Arc::clone(shared),
            link,
            reports,
            logger: logger.new(slog::o!("link" => P::NAME)),
        },
        lifeline,
        reconnect: reconnect_backoff(),
        draining: false,
    };
    actix_rt::spawn(task.run());
}

struct Link<P> {
    protocol: P,
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
}

impl Connection {
    /// Writes `outbound` whole.
    async fn send<P: Protocol>(
        &mut self,
        protocol: &P,
        outbound: &P::Outbound,
    ) -> Result<(), LinkError> {
        let mut frame = BytesMut::new();
        protocol
            .encode(outbound, &mut frame)
            .map_err(LinkError::Write)?;
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

    /// The next whole unit in the inbox, answering and dropping what does
    /// not decode; `None` when more octets are needed.
    async fn next<P: Protocol>(
        &mut self,
        protocol: &P,
        logger: &Logger,
    ) -> Result<Option<P::Inbound>, LinkError> {
        loop {
            match protocol.decode(&self.inbox) {
                Decoded::Incomplete => return Ok(None),
                Decoded::Unit(unit, len) => {
                    self.inbox.drain(..len.min(self.inbox.len()));
                    return Ok(Some(unit));
                }
                Decoded::Broken { skip, reply, error } => {
                    warn!(logger, "unreadable frame from the SMSC"; "error" => error);
                    self.inbox.drain(..skip.min(self.inbox.len()));
                    if let Some(reply) = reply {
                        self.send(protocol, &reply).await?;
                    }
                }
            }
        }
    }
}

impl<P: Protocol> Link<P> {
    async fn run(mut self) {
        loop {
            self.reporter.set_state(BindState::Connecting, None);
            let connecting = connect(&self.protocol, &self.settings, &self.reporter.logger);
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
                    let refused = matches!(&error, LinkError::LoginRefused(refusal) if refusal.bad_credentials);
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
        let mut window: Window<Sent, P::Number> = Window::new(self.settings.window);
        let gauge = metrics::global().window_in_use(&self.settings.name);
        let mut counted: i64 = 0;
        let mut answers: JoinSet<P::Answer> = JoinSet::new();
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
            // A keep-alive goes when the link has been quiet long enough
            // and there is room for it; a full window waits for responses.
            let keepalive_at =
                (!self.draining && window.has_room()).then(|| last_sent + self.settings.keepalive);
            if keepalive_at.is_some_and(|at| Instant::now() >= at) {
                if let Err(error) = self.keepalive(connection, &mut window).await {
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
                        && let Err(error) = connection.send(&self.protocol, &self.protocol.answer(answer)).await
                    {
                        break End::Lost(error);
                    }
                }
                () = sleep_until(deadline) => {}
            }
        };
        if matches!(end, End::Closed | End::Drained) {
            // Answer what is being stored before closing, so the SMSC
            // does not send it again; then log out, if the protocol does.
            while let Some(answer) = answers.join_next().await {
                if let Ok(answer) = answer {
                    let _ = connection
                        .send(&self.protocol, &self.protocol.answer(answer))
                        .await;
                }
            }
            if let Some(logout) = self.protocol.logout() {
                let _ = connection.send(&self.protocol, &logout).await;
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
                Sent::Keepalive => None,
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
        window: &mut Window<Sent, P::Number>,
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
            let submit = match self.protocol.submit(&queued) {
                Ok(submit) => submit,
                Err(error) => {
                    warn!(self.reporter.logger, "message does not fit a submit; rejected";
                        "message" => %queued.message.id, "error" => error);
                    self.reporter.refused(&queued.message);
                    continue;
                }
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
            let submit = self.protocol.numbered(submit, number);
            if let Err(error) = connection.send(&self.protocol, &submit).await {
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

    /// Sends a keep-alive, when the window has room for it.
    async fn keepalive(
        &self,
        connection: &mut Connection,
        window: &mut Window<Sent, P::Number>,
    ) -> Result<(), LinkError> {
        let Ok(number) = window.open(Sent::Keepalive, Instant::now()) else {
            return Ok(());
        };
        let keepalive = self
            .protocol
            .keepalive(&self.settings, number)
            .map_err(LinkError::Write)?;
        connection.send(&self.protocol, &keepalive).await
    }

    /// Requests not answered in time: a submit goes back to the queue, an
    /// unanswered keep-alive means the link is dead.
    fn expire(&self, window: &mut Window<Sent, P::Number>, now: Instant) -> Result<(), LinkError> {
        let mut dead = false;
        for late in window.expired(now, RESPONSE_TIMEOUT) {
            match late {
                Sent::Keepalive => dead = true,
                Sent::Submit(queued) => self.reporter.unanswered(*queued),
            }
        }
        if dead {
            return Err(LinkError::KeepaliveUnanswered(
                P::KEEPALIVE,
                RESPONSE_TIMEOUT,
            ));
        }
        Ok(())
    }

    /// Handles every whole unit that has arrived.
    async fn read_all(
        &self,
        connection: &mut Connection,
        window: &mut Window<Sent, P::Number>,
        answers: &mut JoinSet<P::Answer>,
    ) -> Result<(), LinkError> {
        while let Some(inbound) = connection
            .next(&self.protocol, &self.reporter.logger)
            .await?
        {
            let mut ctx = Ctx {
                reporter: &self.reporter,
                settings: &self.settings,
                answers,
                window,
            };
            if let Some(answer) = self.protocol.inbound(&mut ctx, inbound) {
                connection.send(&self.protocol, &answer).await?;
            }
        }
        Ok(())
    }
}

/// Connects and logs in.
async fn connect<P: Protocol>(
    protocol: &P,
    settings: &Settings,
    logger: &Logger,
) -> Result<Connection, LinkError> {
    let stream = tokio::time::timeout(RESPONSE_TIMEOUT, TcpStream::connect(&settings.address))
        .await
        .map_err(|_| LinkError::LoginTimeout(RESPONSE_TIMEOUT))??;
    let _ = stream.set_nodelay(true);
    let (reader, writer) = stream.into_split();
    let mut connection = Connection {
        reader,
        writer,
        inbox: Vec::new(),
    };
    let login = protocol.login(settings).map_err(LinkError::Write)?;
    connection.send(protocol, &login).await?;
    let answer = async {
        loop {
            while let Some(inbound) = connection.next(protocol, logger).await? {
                match protocol.login_answer(&inbound) {
                    Some(answer) => return Ok::<_, LinkError>(answer),
                    None => debug!(logger, "before the login's answer; ignored"),
                }
            }
            connection.fill().await?;
        }
    };
    let answer = tokio::time::timeout(RESPONSE_TIMEOUT, answer)
        .await
        .map_err(|_| LinkError::LoginTimeout(RESPONSE_TIMEOUT))??;
    answer.map_err(LinkError::LoginRefused)?;
    Ok(connection)
}
