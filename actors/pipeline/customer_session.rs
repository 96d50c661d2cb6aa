//! The session a customer keeps on a listener of a text protocol, UCP/EMI
//! (`[ucp] listen`) or CIMD2 (`[cimd2] listen`): one actor per connection,
//! its lifecycle shared and its protocol a [`Wire`]. The mirror of
//! [`EsmeSession`](super::esme::EsmeSession), with the same wiring, accept
//! path and mailbox; not supervised either.
//!
//! - Reading: `FramedRead` with the wire's [`Framing`], which yields each
//!   operation or what did not decode (answered as the protocol says, and
//!   reading goes on). Writing goes through the [`Outbox`] the SMPP
//!   sessions use, bounded in octets.
//! - Login: the wire reads the credentials, [`login`](super::login) checks
//!   them exactly as an SMPP bind is, the wire answers the outcome. After
//!   [`MAX_REFUSED_BINDS`] refusals, or with no login within
//!   `smpp.bind_timeout_s`, the connection closes.
//! - Submit: the wire reads it into a
//!   [`Submission`](crate::intake::Submission), handed to the account,
//!   which answers after the group commit; the wire then answers the
//!   customer. At most `smpp.window` (and what the customer's numbers
//!   count) are outstanding; more are refused as a full window, and so is a
//!   number reused while its submit is outstanding.
//! - The session is its account's receiver: receipts and MO go out as the
//!   wire writes them, through a window of outstanding operations of
//!   `smpp.window`, numbered as the wire's [`Numbering`] says. An
//!   acknowledgement takes the item out of the mailbox; a refusal, no
//!   answer within `smpp.response_timeout_s` (which also closes the
//!   session) or the end of the session leaves it there for the next
//!   receiver.
//! - Time without anything from the customer for
//!   `smpp.inactivity_timeout_s` closes the session (Kannel's `keepalive`
//!   sends alerts or alives).
//! - Once logged in, the session is listed in [`Sessions`] (the wire's
//!   [`BindKind`]); a [`Disconnect`] closes it at once.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;
use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::WeakAddr;
use actix::prelude::*;
use bytes::{Buf, BytesMut};
use chrono::Utc;
use slog::{Logger, debug, info, warn};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, FramedRead};

use crate::actors::pipeline::admission::Admitted;
use crate::actors::pipeline::esme::{MAX_REFUSED_BINDS, Outbox, SessionWiring, WRITE_QUEUE_LIMIT};
use crate::actors::pipeline::login::{self, Credentials, LoginError};
use crate::actors::protocol::account::{
    AccountHandle, Bind, DeliverDone, DeliverOut, Outgoing, Reply, SessionId, Submit, Submitted,
    SubmittedBy, Unbound,
};
use crate::actors::protocol::session::{BindKind, Counters, Disconnect, LiveSession, Registration};
use crate::auth::Protocol;
use crate::intake::Submission;
use crate::metrics::{self, Rejection};
use crate::model::{AccountId, Address, MessageId};
use crate::smpp::{CommandId, CommandStatus};
use crate::store::MailboxKey;
use crate::ucp::Window;
use crate::ucp::window::Numbering;

/// Why a submit is answered with a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Before the login.
    NotLoggedIn,
    /// Its number is that of a submit still outstanding.
    Outstanding,
    /// The accept path (or the session's window) refused it with this
    /// SMPP status.
    Status(CommandStatus),
}

/// What [`Wire::decode`] finds at the front of the input: a whole unit and
/// its length, nothing yet, or what is broken and the octets to skip.
pub type Unframed<U, B> = Result<Option<(U, usize)>, (B, usize)>;

/// One protocol on a customer session: how it reads frames, answers
/// logins and submits, and writes receipts and MO.
pub trait Wire: Sized + Unpin + 'static {
    /// A unit read from the customer (a message, a packet).
    type Unit: 'static;
    /// What did not decode, and how to answer it.
    type Broken: 'static;
    /// The customer's numbers for its requests.
    type Request: Copy + Eq + Hash + Display + Unpin + 'static;
    /// Our numbers for receipts and MO.
    type Number: Numbering + Display + Unpin + 'static;
    /// Its name in logs ("ucp").
    const NAME: &'static str;
    /// Its line at the login throttle.
    const PROTOCOL: Protocol;
    /// How it is listed among the sessions.
    const BIND: BindKind;
    /// How many requests the customer's numbers can tell apart.
    const MAX_REQUESTS: usize;

    /// A fresh wire for a connection.
    fn new() -> Self;
    /// The unit at the front of `src` and the octets it took, `None`
    /// until it has arrived whole; or what is broken there and the octets
    /// to step over.
    fn decode(src: &[u8]) -> Unframed<Self::Unit, Self::Broken>;
    /// Handles one unit from the customer, or what did not decode.
    fn frame(
        session: &mut CustomerSession<Self>,
        frame: Result<Self::Unit, Self::Broken>,
        ctx: &mut Context<CustomerSession<Self>>,
    );
    /// The answer to a login: accepted, or refused for `error`.
    fn login_answer(
        &mut self,
        request: Self::Request,
        refused: Option<&LoginError>,
    ) -> Option<BytesMut>;
    /// The answer to a submit: the message it became (its destination,
    /// its id), or why not.
    fn submit_answer(
        &mut self,
        request: Self::Request,
        answer: Result<(&Address, MessageId), Refusal>,
    ) -> Option<BytesMut>;
    /// A request's number as the account carries it back.
    fn sequence(request: Self::Request) -> u32;
    /// The request a sequence number stands for.
    fn request(sequence: u32) -> Option<Self::Request>;
    /// A receipt or MO written as our operation numbered `number`, or why
    /// it cannot be.
    fn delivery(&mut self, outgoing: &Outgoing, number: Self::Number) -> Result<BytesMut, String>;
}

/// A wire's [`Wire::decode`] as a `tokio_util` decoder: whatever is at the
/// front of the buffer, a unit or what is broken, the octets it took taken
/// off.
pub struct Framing<W>(PhantomData<W>);

impl<W: Wire> Decoder for Framing<W> {
    type Item = Result<W::Unit, W::Broken>;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Self::Item>> {
        match W::decode(src) {
            Ok(None) => Ok(None),
            Ok(Some((unit, len))) => {
                src.advance(len.min(src.len()));
                Ok(Some(Ok(unit)))
            }
            Err((broken, skip)) => {
                // Every failure steps over at least one octet.
                src.advance(skip.max(1).min(src.len()));
                Ok(Some(Err(broken)))
            }
        }
    }
}

/// A receipt or an MO sent and not yet answered.
struct Pending {
    key: MailboxKey,
    account: Recipient<DeliverDone>,
}

pub struct CustomerSession<W: Wire> {
    id: SessionId,
    peer: SocketAddr,
    wiring: Arc<SessionWiring>,
    logger: Logger,
    writer: Outbox,
    /// Set once the write queue overflowed: nothing more is queued, and
    /// the session is closing.
    write_queue_full: bool,
    myself: WeakAddr<CustomerSession<W>>,
    /// Its place under the connection caps, given back with the actor.
    _admitted: Admitted,
    /// The protocol.
    pub wire: W,
    logged_in: Option<(AccountId, AccountHandle)>,
    login_in_progress: bool,
    refused_logins: u8,
    /// The customer's submits waiting for the account's answer, by their
    /// number, with the destination their answer names.
    inbound: HashMap<W::Request, Address>,
    /// Most submits outstanding at once.
    inbound_limit: usize,
    /// Set by a [`Disconnect`]: new submits are refused and the session
    /// closes once `inbound` is empty.
    closing: bool,
    /// Our receipts and MO waiting for the customer's answer.
    outbound: Window<Pending, W::Number>,
    last_heard: Instant,
    counters: Arc<Counters>,
    /// Held while logged in; dropped with the actor, which unlists it.
    registration: Option<Registration>,
}

/// The write queue overflowed: the session closes.
#[derive(actix::Message)]
#[rtype(result = "()")]
struct WriteQueueFull;

impl<W: Wire> CustomerSession<W> {
    /// Starts the session actor on an accepted connection, admitted under
    /// the connection caps.
    pub fn start(
        id: SessionId,
        stream: TcpStream,
        peer: SocketAddr,
        admitted: Admitted,
        wiring: Arc<SessionWiring>,
        logger: &Logger,
    ) -> Addr<CustomerSession<W>> {
        let logger = logger
            .new(slog::o!("session" => id, "peer" => peer.to_string(), "protocol" => W::NAME));
        let (read, write) = stream.into_split();
        let writer = Outbox::start(write, &logger);
        let window = usize::try_from(wiring.settings.window).unwrap_or(1);
        CustomerSession::create(move |ctx| {
            ctx.add_stream(FramedRead::new(read, Framing::<W>(PhantomData)));
            CustomerSession {
                id,
                peer,
                wiring,
                logger,
                writer,
                write_queue_full: false,
                myself: ctx.address().downgrade(),
                _admitted: admitted,
                wire: W::new(),
                logged_in: None,
                login_in_progress: false,
                refused_logins: 0,
                inbound: HashMap::new(),
                inbound_limit: window.min(W::MAX_REQUESTS),
                closing: false,
                outbound: Window::new(window),
                last_heard: Instant::now(),
                counters: Arc::default(),
                registration: None,
            }
        })
    }

    /// The session's logger.
    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    /// Hands encoded octets to the writer, unless its queue is full.
    pub fn push(&mut self, bytes: Option<BytesMut>) {
        let Some(bytes) = bytes else {
            return;
        };
        if self.write_queue_full {
            return;
        }
        if !self.writer.push(bytes) {
            self.write_queue_full = true;
            warn!(self.logger, "the customer does not read what it is sent; closing";
                "queued_octets" => WRITE_QUEUE_LIMIT);
            metrics::global().smpp_connection_closed("write_queue_full");
            if let Some(myself) = self.myself.upgrade() {
                myself.do_send(WriteQueueFull);
            }
        }
    }

    fn publish_windows(&self) {
        self.counters
            .windows(self.inbound.len(), self.outbound.len());
    }

    /// The customer's answer to our operation `number`: `delivered` when
    /// it acknowledged it.
    pub fn answered(&mut self, number: W::Number, delivered: bool) {
        let Some(pending) = self.outbound.close(number) else {
            debug!(self.logger, "answer matches no operation"; "number" => %number);
            return;
        };
        if delivered {
            self.counters.deliver_sm_acknowledged();
        }
        pending.account.do_send(DeliverDone {
            key: pending.key,
            delivered,
        });
    }

    /// Checks a login of `system_id` with `password` (asked as `request`)
    /// and answers it as the wire says.
    pub fn login(
        &mut self,
        request: W::Request,
        system_id: String,
        password: String,
        ctx: &mut Context<Self>,
    ) {
        self.login_in_progress = true;
        let credentials = Credentials {
            protocol: W::PROTOCOL,
            peer: self.peer.ip(),
            system_id,
            password,
        };
        let bind = Bind {
            session: self.id,
            receiver: Some(ctx.address().recipient()),
            window: self.outbound_capacity(),
        };
        let (directory, logins) = (self.wiring.directory.clone(), self.wiring.logins.clone());
        let logger = self.logger.clone();
        let logged_in =
            async move { login::login(directory, logins, credentials, bind, &logger).await };
        ctx.wait(logged_in.into_actor(self).map(move |result, session, ctx| {
            session.login_in_progress = false;
            match result {
                Ok((account_id, actor)) => {
                    let answer = session.wire.login_answer(request, None);
                    session.push(answer);
                    info!(session.logger, "logged in"; "account" => %account_id);
                    session.registration = Some(session.wiring.sessions.register(LiveSession {
                        id: session.id,
                        system_id: account_id.to_string(),
                        bind: W::BIND,
                        peer: session.peer,
                        bound_since: Utc::now(),
                        interface_version: 0,
                        counters: session.counters.clone(),
                        disconnect: ctx.address().recipient(),
                    }));
                    session.logged_in = Some((account_id, actor));
                }
                Err(refused) => {
                    let answer = session.wire.login_answer(request, Some(&refused));
                    session.refuse_login(answer, ctx);
                }
            }
        }));
    }

    /// Whether a login is under way or done: another is refused.
    pub fn login_started(&self) -> bool {
        self.login_in_progress || self.logged_in.is_some()
    }

    fn outbound_capacity(&self) -> usize {
        usize::try_from(self.wiring.settings.window)
            .unwrap_or(1)
            .min(usize::from(W::Number::COUNT))
    }

    /// Writes the refusal of a login, and closes the connection once it
    /// has refused [`MAX_REFUSED_BINDS`] (the refusal is written first).
    pub fn refuse_login(&mut self, answer: Option<BytesMut>, ctx: &mut Context<Self>) {
        self.push(answer);
        self.refused_logins = self.refused_logins.saturating_add(1);
        if self.refused_logins >= MAX_REFUSED_BINDS {
            info!(self.logger, "closing after refused logins"; "logins" => self.refused_logins);
            ctx.stop();
        }
    }

    /// A submit asked as `request`, read by the wire into a submission or
    /// the status it is refused with, handed to the account.
    pub fn submit(
        &mut self,
        request: W::Request,
        read: Result<Submission, CommandStatus>,
        ctx: &mut Context<Self>,
    ) {
        let received = Instant::now();
        let Some((account_id, account)) = self.logged_in.clone().filter(|_| !self.closing) else {
            let answer = self.wire.submit_answer(request, Err(Refusal::NotLoggedIn));
            self.push(answer);
            return;
        };
        let refuse = |session: &mut Self, status: CommandStatus| {
            metrics::global().rejected(&account_id, Rejection::of(status));
            session.counters.sent(CommandId::SubmitSmResp, status);
            let answer = session
                .wire
                .submit_answer(request, Err(Refusal::Status(status)));
            session.push(answer);
        };
        if self.inbound.contains_key(&request) {
            // Two submits under one number cannot both be answered.
            debug!(self.logger, "number already outstanding; refused"; "number" => %request);
            let answer = self.wire.submit_answer(request, Err(Refusal::Outstanding));
            self.push(answer);
            return;
        }
        if self.inbound.len() >= self.inbound_limit {
            refuse(self, CommandStatus::EsmeRmsgqful);
            return;
        }
        let submission = match read {
            Ok(submission) => submission,
            Err(status) => {
                refuse(self, status);
                return;
            }
        };
        let Some(destination) = submission.destinations.first().cloned() else {
            refuse(self, CommandStatus::EsmeRinvdstadr);
            return;
        };
        self.inbound.insert(request, destination);
        account.submit.do_send(Submit {
            submission,
            sequence_number: W::sequence(request),
            reply: Reply::Session(ctx.address().recipient()),
            received,
            by: SubmittedBy::Customer,
        });
    }

    fn deliver(&mut self, out: DeliverOut) {
        let DeliverOut {
            key,
            outgoing,
            account,
        } = out;
        if self.logged_in.is_none() || !self.outbound.has_room() {
            account.do_send(DeliverDone {
                key,
                delivered: false,
            });
            return;
        }
        let number = match self.outbound.open(Pending { key, account }, Instant::now()) {
            Ok(number) => number,
            Err(pending) => {
                pending.account.do_send(DeliverDone {
                    key: pending.key,
                    delivered: false,
                });
                return;
            }
        };
        match self.wire.delivery(&outgoing, number) {
            Ok(bytes) => {
                self.counters
                    .sent(CommandId::DeliverSm, CommandStatus::EsmeRok);
                self.push(Some(bytes));
            }
            Err(error) => {
                // It can never go over this protocol: dropped, as the SMPP
                // session drops a deliver_sm it cannot build.
                let what = match outgoing {
                    Outgoing::Receipt(_) => "receipt",
                    Outgoing::Mo { .. } => "MO message",
                };
                warn!(self.logger, "cannot build a delivery; dropped"; "what" => what, "error" => error);
                if let Some(pending) = self.outbound.close(number) {
                    pending.account.do_send(DeliverDone {
                        key: pending.key,
                        delivered: true,
                    });
                }
            }
        }
    }

    /// Timeouts, once a second.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        let expired = self
            .outbound
            .expired(now, self.wiring.settings.response_timeout);
        if !expired.is_empty() {
            warn!(self.logger, "the customer did not answer in time; closing"; "operations" => expired.len());
            for pending in expired {
                pending.account.do_send(DeliverDone {
                    key: pending.key,
                    delivered: false,
                });
            }
            ctx.stop();
            return;
        }
        if now.duration_since(self.last_heard) >= self.wiring.settings.inactivity_timeout {
            info!(self.logger, "inactive; closing");
            ctx.stop();
        }
    }
}

impl<W: Wire> Actor for CustomerSession<W> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        debug!(self.logger, "connected");
        ctx.run_later(self.wiring.settings.bind_timeout, |session, ctx| {
            if session.logged_in.is_none() {
                info!(session.logger, "not logged in within smpp.bind_timeout_s; closing";
                    "bind_timeout_s" => session.wiring.settings.bind_timeout.as_secs());
                metrics::global().smpp_connection_closed("bind_timeout");
                ctx.stop();
            }
        });
        ctx.run_interval(Duration::from_secs(1), |session, ctx| {
            session.tick(ctx);
            session.publish_windows();
        });
    }

    fn stopping(&mut self, _ctx: &mut Context<Self>) -> Running {
        for pending in self.outbound.drain() {
            pending.account.do_send(DeliverDone {
                key: pending.key,
                delivered: false,
            });
        }
        if let Some((_, account)) = self.logged_in.take() {
            account.unbound.do_send(Unbound { session: self.id });
        }
        self.registration.take();
        debug!(self.logger, "closed");
        Running::Stop
    }
}

impl<W: Wire> StreamHandler<io::Result<Result<W::Unit, W::Broken>>> for CustomerSession<W> {
    fn handle(&mut self, item: io::Result<Result<W::Unit, W::Broken>>, ctx: &mut Context<Self>) {
        match item {
            Ok(frame) => {
                self.last_heard = Instant::now();
                W::frame(self, frame, ctx);
                self.publish_windows();
            }
            Err(error) => {
                debug!(self.logger, "connection error"; "error" => %error);
                ctx.stop();
            }
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl<W: Wire> Handler<Submitted> for CustomerSession<W> {
    type Result = ();

    fn handle(&mut self, submitted: Submitted, ctx: &mut Context<Self>) {
        let Some(request) = W::request(submitted.sequence_number) else {
            return;
        };
        let Some(destination) = self.inbound.remove(&request) else {
            return;
        };
        self.publish_windows();
        let accepted = match submitted.result {
            Ok(accepted) => accepted
                .ids
                .first()
                .copied()
                .ok_or(CommandStatus::EsmeRsyserr),
            Err(refused) => Err(refused.status),
        };
        let answer = match accepted {
            Ok(id) => {
                self.counters
                    .sent(CommandId::SubmitSmResp, CommandStatus::EsmeRok);
                self.wire.submit_answer(request, Ok((&destination, id)))
            }
            Err(status) => {
                self.counters.sent(CommandId::SubmitSmResp, status);
                self.wire
                    .submit_answer(request, Err(Refusal::Status(status)))
            }
        };
        self.push(answer);
        if self.closing && self.inbound.is_empty() {
            ctx.stop();
        }
    }
}

impl<W: Wire> Handler<DeliverOut> for CustomerSession<W> {
    type Result = ();

    fn handle(&mut self, out: DeliverOut, _ctx: &mut Context<Self>) {
        self.deliver(out);
        self.publish_windows();
    }
}

impl<W: Wire> Handler<WriteQueueFull> for CustomerSession<W> {
    type Result = ();

    fn handle(&mut self, _: WriteQueueFull, ctx: &mut Context<Self>) {
        self.writer.abort();
        ctx.stop();
    }
}

impl<W: Wire> Handler<Disconnect> for CustomerSession<W> {
    type Result = ();

    /// The session closes once every submit taken is answered (none the
    /// account stored goes unanswered, to come again), refusing new ones
    /// meanwhile, and at the latest after `smpp.response_timeout_s`; what
    /// it holds goes back to the mailbox.
    fn handle(&mut self, _: Disconnect, ctx: &mut Context<Self>) {
        info!(self.logger, "disconnected by the operator or a stop";
            "unanswered_submits" => self.inbound.len());
        if self.inbound.is_empty() {
            ctx.stop();
            return;
        }
        if !self.closing {
            self.closing = true;
            ctx.run_later(self.wiring.settings.response_timeout, |session, ctx| {
                warn!(session.logger, "submits still unanswered when closing; closed";
                    "requests" => session.inbound.len());
                ctx.stop();
            });
        }
    }
}
