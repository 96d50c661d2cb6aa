//! One actor per ESME connection: bind, the requests of a bound ESME,
//! deliver_sm out, keep-alive and timeouts. Not supervised: when it fails,
//! its socket closes and the client reconnects; nothing else is touched.
//!
//! - Reading: `FramedRead` with [`SmppFraming`]; a PDU that does not
//!   decode is answered (`generic_nack` or its `_resp`) and reading goes on;
//!   an unframeable length closes the session.
//! - Writing: a writer task owns the socket's write half; the session hands
//!   it encoded PDUs through a queue bounded in octets
//!   ([`WRITE_QUEUE_LIMIT`]). A client that sends and never reads fills it
//!   and is closed; one that stops reading stops answering our deliver_sm
//!   too, so our window fills, its response timeout fires and the session
//!   closes; its receipts stay in the account's mailbox.
//! - The same session runs over plain TCP and over TLS: it is started on
//!   any byte stream, split into the read half it frames and the write
//!   half its writer owns.
//! - A connection not bound within `smpp.bind_timeout_s` is closed,
//!   whatever it sends meanwhile (enquire_link is allowed before a bind).
//! - Bind: `allowed_ips` first (ESME_RBINDFAIL, no password checked), then
//!   the login throttle ([`Logins`]: a backed-off address or account gets
//!   ESME_RINVPASWD without a check), then the password with argon2 on the
//!   blocking pool, never on the event loop, then the account's bind
//!   limit. After [`MAX_REFUSED_BINDS`] refused binds the connection
//!   closes.
//! - submit_sm / data_sm / submit_multi: validated, read into a
//!   [`Submission`](crate::intake::Submission), and handed to the account,
//!   which answers after the group commit. At most `window` of them are
//!   outstanding; more get ESME_RMSGQFUL, and one reusing the sequence
//!   number of a request still outstanding gets ESME_RSUBMITFAIL.
//! - query_sm reads the store; cancel_sm and replace_sm go to
//!   [`Owners`], which finds the actor holding the
//!   message, and are answered when it is done.
//! - Once bound, the session is listed in [`Sessions`] (the admin API)
//!   until the actor is dropped, with counters it bumps as it goes; a
//!   [`Disconnect`] (the operator, a stopping switch) makes it unbind and
//!   close.
//! - Ending: on the ESME's unbind or a [`Disconnect`], new submits are
//!   refused (ESME_RINVBNDSTS) and the unbind_resp, or our unbind, waits
//!   until every submit taken is answered: none the account stored goes
//!   unanswered, to come again after a reconnect.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix::WeakAddr;
use actix::prelude::*;
use bytes::BytesMut;
use chrono::Utc;
use slog::{Logger, debug, info, warn};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_util::codec::{Encoder, FramedRead};

use crate::actors::pipeline::admission::{Admission, Admitted};
use crate::actors::pipeline::amend::Owners;
use crate::actors::pipeline::login::{self, Credentials, LoginError};
use crate::actors::protocol::account::{
    AccountHandle, Bind, DeliverDone, DeliverOut, Outgoing, Reply, SessionId, Submit, Submitted,
    SubmittedBy, Unbound,
};
use crate::actors::protocol::directory::Directory;
use crate::actors::protocol::logins::{Logins, Refused};
use crate::actors::protocol::session::{
    BindKind, Counters, Disconnect, LiveSession, Registration, Sessions,
};
use crate::auth::Protocol;
use crate::config::SmppListenerConfig;
use crate::framed::{Frame, SmppFraming, StreamError};
use crate::intake;
use crate::metrics::{self, Rejection};
use crate::model::{AccountId, Message, MessageId};
use crate::smpp::dlr::{self, Address as PduAddress};
use crate::smpp::mo;
use crate::smpp::pdu::{
    self, COctetString, DeliverSm, Pdu, QuerySmResp, SubmitMultiResp, SubmitSmResp,
};
use crate::smpp::receipt::Receipt;
use crate::smpp::{
    BindState, Codec, Command, CommandId, CommandStatus, Role, SequenceNumbers, Session, Window,
    time, validate,
};
use crate::store::{MailboxKey, Store};

/// Refused binds after which the connection closes: a client that cannot
/// bind gains nothing by staying, one that guesses must reconnect.
pub const MAX_REFUSED_BINDS: u8 = 3;

/// How long our unbind waits for its unbind_resp (at most
/// `response_timeout`): every submit is answered by then, so a client that
/// does not read holds neither the operator's disconnect nor a stop.
const UNBIND_WAIT: Duration = Duration::from_secs(2);

/// What the session is waiting for an answer to.
enum Outbound {
    /// A mailbox item: a receipt or an MO message.
    Mailbox {
        key: MailboxKey,
        account: Recipient<DeliverDone>,
    },
    EnquireLink,
    /// The operator's [`Disconnect`]: the session closes on the answer.
    Unbind,
}

/// How the session ends once every submit it took is answered: a submit
/// the account stored is always answered, so the ESME never sends again
/// what the switch already keeps (and charged).
#[derive(Clone, Copy)]
enum Closing {
    /// The ESME unbound: answer its unbind (this sequence number), close.
    AnswerUnbind(u32),
    /// The operator or a stopping switch: send our unbind, close on its
    /// answer.
    SendUnbind,
}

pub struct EsmeSession {
    id: SessionId,
    peer: SocketAddr,
    wiring: Arc<SessionWiring>,
    logger: Logger,
    writer: Outbox,
    /// Set once the write queue overflowed: nothing more is queued, and
    /// the session is closing.
    write_queue_full: bool,
    /// This actor, to close itself from where no context is at hand.
    myself: WeakAddr<EsmeSession>,
    /// Its place under the connection caps, given back when the actor is
    /// dropped.
    _admitted: Admitted,
    framing: SmppFraming,
    session: Session,
    bound: Option<(AccountId, AccountHandle)>,
    bind_in_progress: bool,
    /// Binds refused on this connection (see [`MAX_REFUSED_BINDS`]).
    refused_binds: u8,
    sequences: SequenceNumbers,
    outbound: Window<Outbound>,
    /// Requests of the ESME waiting for the account's answer, by sequence
    /// number, with the command to answer.
    inbound: HashMap<u32, CommandId>,
    /// Set once the session is to end: new submits are refused, and it
    /// ends this way when `inbound` is empty.
    closing: Option<Closing>,
    last_heard: Instant,
    last_sent: Instant,
    counters: Arc<Counters>,
    /// Held while bound; dropped with the actor, which unlists the session.
    registration: Option<Registration>,
}

/// What every ESME session shares: the accounts and sessions in force,
/// the store (query_sm) and the owners of pending messages (cancel_sm,
/// replace_sm), and the listener's settings.
pub struct SessionWiring {
    pub directory: Arc<Directory>,
    /// Failed logins, shared with the HTTP listener.
    pub logins: Arc<Logins>,
    pub sessions: Arc<Sessions>,
    pub store: Arc<Store>,
    pub owners: Owners,
    pub settings: SmppListenerConfig,
    /// The connections open, under the caps of `settings`.
    pub admission: Arc<Admission>,
}

/// The most octets a session keeps queued for its socket and not yet
/// written: a client that sends requests and never reads the answers is
/// closed when its queue reaches this, instead of growing the switch's
/// memory. Far above what a reading client ever has queued.
pub const WRITE_QUEUE_LIMIT: usize = 1024 * 1024;

/// How long the writer may go on writing what was queued once its session
/// has closed (an unbind_resp, say); then it is stopped, and the socket
/// closes even if the client never reads.
const CLOSING_FLUSH_LIMIT: Duration = Duration::from_secs(5);

/// The session's end of the queue its writer task writes from, bounded in
/// octets by [`WRITE_QUEUE_LIMIT`]. Dropped with the session, it gives the
/// writer [`CLOSING_FLUSH_LIMIT`] to finish. The UCP sessions write
/// through one too.
pub(crate) struct Outbox {
    sender: mpsc::UnboundedSender<BytesMut>,
    /// Octets handed to the writer and not yet written; the writer takes
    /// off what it has written.
    queued: Arc<AtomicUsize>,
    writer: AbortHandle,
}

impl Outbox {
    /// Starts the writer task on `socket`, the write half of a session's
    /// connection.
    pub(crate) fn start<W: AsyncWrite + Unpin + 'static>(socket: W, logger: &Logger) -> Outbox {
        let (sender, queue) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let writer = actix_rt::spawn(write_loop(socket, queue, queued.clone(), logger.clone()))
            .abort_handle();
        Outbox {
            sender,
            queued,
            writer,
        }
    }

    /// Hands `bytes` to the writer; `false`, and nothing queued, when that
    /// would pass [`WRITE_QUEUE_LIMIT`].
    pub(crate) fn push(&self, bytes: BytesMut) -> bool {
        let len = bytes.len();
        if self.queued.fetch_add(len, Ordering::AcqRel) + len > WRITE_QUEUE_LIMIT {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            return false;
        }
        let _ = self.sender.send(bytes);
        true
    }

    /// Stops the writer now, whatever it has queued.
    pub(crate) fn abort(&self) {
        self.writer.abort();
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let writer = self.writer.clone();
        actix_rt::spawn(async move {
            tokio::time::sleep(CLOSING_FLUSH_LIMIT).await;
            writer.abort();
        });
    }
}

/// The write queue overflowed: the session closes.
#[derive(Message)]
#[rtype(result = "()")]
struct WriteQueueFull;

/// The answer for a session: `cancel_sm_resp` or `replace_sm_resp`
/// (both header only) with this status.
#[derive(Message)]
#[rtype(result = "()")]
struct Answered {
    request: CommandId,
    sequence_number: u32,
    status: CommandStatus,
}

impl EsmeSession {
    /// Starts the session actor on an accepted connection, plain TCP or
    /// TLS, admitted under the connection caps.
    pub fn start<S>(
        id: SessionId,
        stream: S,
        peer: SocketAddr,
        admitted: Admitted,
        wiring: Arc<SessionWiring>,
        logger: &Logger,
    ) -> Addr<EsmeSession>
    where
        S: AsyncRead + AsyncWrite + 'static,
    {
        let logger = logger.new(slog::o!("session" => id, "peer" => peer.to_string()));
        let (read, write) = tokio::io::split(stream);
        let writer = Outbox::start(write, &logger);
        let window = usize::try_from(wiring.settings.window).unwrap_or(1);
        EsmeSession::create(move |ctx| {
            ctx.add_stream(FramedRead::new(read, SmppFraming::new(Codec::new())));
            let now = Instant::now();
            EsmeSession {
                id,
                peer,
                wiring,
                logger,
                writer,
                write_queue_full: false,
                myself: ctx.address().downgrade(),
                _admitted: admitted,
                framing: SmppFraming::new(Codec::new()),
                session: Session::new(Role::Server),
                bound: None,
                bind_in_progress: false,
                refused_binds: 0,
                sequences: SequenceNumbers::default(),
                outbound: Window::new(window),
                inbound: HashMap::new(),
                closing: None,
                last_heard: now,
                last_sent: now,
                counters: Arc::default(),
                registration: None,
            }
        })
    }

    fn send(&mut self, command: &Command) {
        let _ = self.session.send(command.id(), command.status());
        if self.registration.is_some() {
            self.counters.sent(command.id(), command.status());
        }
        if self.write_queue_full {
            return;
        }
        let mut bytes = BytesMut::new();
        match self.framing.encode(command, &mut bytes) {
            Ok(()) => {
                self.last_sent = Instant::now();
                if !self.writer.push(bytes) {
                    self.write_queue_full = true;
                    warn!(self.logger, "the ESME does not read what it is sent; closing";
                        "queued_octets" => WRITE_QUEUE_LIMIT);
                    metrics::global().smpp_connection_closed("write_queue_full");
                    if let Some(myself) = self.myself.upgrade() {
                        myself.do_send(WriteQueueFull);
                    }
                }
            }
            Err(error) => warn!(self.logger, "cannot encode a PDU"; "error" => %error),
        }
    }

    /// Tells the registry how full both windows are.
    fn publish_windows(&self) {
        self.counters
            .windows(self.inbound.len(), self.outbound.len());
    }

    fn answer_error(&mut self, request: CommandId, status: CommandStatus, sequence_number: u32) {
        self.send(&pdu::error_response(request, status, sequence_number));
    }

    fn handle_frame(&mut self, frame: Frame, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        let decoded = match frame {
            Ok(decoded) => decoded,
            Err(error) => {
                debug!(self.logger, "undecodable PDU"; "error" => %error);
                if let Some(reply) = error.reply() {
                    self.send(&reply);
                }
                if !error.can_continue() {
                    ctx.stop();
                }
                return;
            }
        };
        let command = decoded.command;
        let id = command.id();
        let sequence_number = command.sequence_number();
        if let Err(status) = self.session.receive(id, command.status()) {
            if !id.is_response() {
                self.answer_error(id, status, sequence_number);
            }
            return;
        }
        if id.is_response() {
            self.response(id, command.status(), sequence_number, ctx);
            return;
        }
        match id {
            CommandId::BindTransmitter | CommandId::BindReceiver | CommandId::BindTransceiver => {
                self.bind(command, ctx)
            }
            CommandId::EnquireLink => self.send(&pdu::header_only(
                CommandId::EnquireLinkResp,
                CommandStatus::EsmeRok,
                sequence_number,
            )),
            CommandId::Unbind => self.close(Closing::AnswerUnbind(sequence_number), ctx),
            CommandId::SubmitSm | CommandId::DataSm | CommandId::SubmitMulti => {
                self.submit(command, ctx)
            }
            CommandId::QuerySm => self.query(command),
            CommandId::CancelSm | CommandId::ReplaceSm => self.amend(command, ctx),
            _ => self.answer_error(id, CommandStatus::EsmeRinvcmdid, sequence_number),
        }
    }

    fn response(
        &mut self,
        id: CommandId,
        status: CommandStatus,
        sequence_number: u32,
        ctx: &mut Context<Self>,
    ) {
        match self.outbound.complete(sequence_number, id) {
            Ok(pending) => {
                if matches!(pending.payload, Outbound::Unbind) {
                    ctx.stop();
                }
                self.settle(pending.payload, status == CommandStatus::EsmeRok);
            }
            Err(unmatched) => {
                debug!(self.logger, "response matches no request"; "why" => %unmatched)
            }
        }
    }

    fn settle(&mut self, outbound: Outbound, ok: bool) {
        if let Outbound::Mailbox { key, account } = outbound {
            if ok {
                self.counters.deliver_sm_acknowledged();
            }
            account.do_send(DeliverDone { key, delivered: ok });
        }
    }

    fn bind(&mut self, command: Command, ctx: &mut Context<Self>) {
        let id = command.id();
        let sequence_number = command.sequence_number();
        let Some((system_id, password, interface_version)) = bind_credentials(command.pdu()) else {
            self.refuse_bind(id, CommandStatus::EsmeRbindfail, sequence_number, ctx);
            return;
        };
        if self.bind_in_progress || self.session.state() != BindState::Open {
            self.answer_error(id, CommandStatus::EsmeRalybnd, sequence_number);
            return;
        }
        self.bind_in_progress = true;
        let credentials = Credentials {
            protocol: Protocol::Smpp,
            peer: self.peer.ip(),
            system_id,
            password,
        };
        let bind = Bind {
            session: self.id,
            receiver: (id != CommandId::BindTransmitter).then(|| ctx.address().recipient()),
            window: self.outbound.capacity(),
        };
        let (directory, logins) = (self.wiring.directory.clone(), self.wiring.logins.clone());
        let logger = self.logger.clone();
        let logged_in =
            async move { login::login(directory, logins, credentials, bind, &logger).await };
        ctx.wait(logged_in.into_actor(self).map(move |result, session, ctx| {
            session.bind_in_progress = false;
            match result {
                Ok((account_id, actor)) => {
                    let Ok(system_id) = COctetString::from_string("pasarela".to_owned()) else {
                        return;
                    };
                    let response = bind_response(id, system_id);
                    session.send(&Command::new(
                        CommandStatus::EsmeRok,
                        sequence_number,
                        response,
                    ));
                    info!(session.logger, "bound"; "account" => %account_id, "as" => ?id);
                    session.register(&account_id, id, interface_version, ctx);
                    session.bound = Some((account_id, actor));
                }
                Err(refused) => {
                    session.refuse_bind(id, bind_status(&refused), sequence_number, ctx)
                }
            }
        }));
    }

    /// Answers a bind with `status`, and closes the connection once it has
    /// refused [`MAX_REFUSED_BINDS`] (the answer is written first).
    fn refuse_bind(
        &mut self,
        request: CommandId,
        status: CommandStatus,
        sequence_number: u32,
        ctx: &mut Context<Self>,
    ) {
        self.answer_error(request, status, sequence_number);
        self.refused_binds = self.refused_binds.saturating_add(1);
        if self.refused_binds >= MAX_REFUSED_BINDS {
            info!(self.logger, "closing after refused binds"; "binds" => self.refused_binds);
            ctx.stop();
        }
    }
}

/// The bind status of a refused login. A backed-off login gets the wrong
/// password's status: it tells a guesser nothing more.
fn bind_status(refused: &LoginError) -> CommandStatus {
    match refused {
        LoginError::UnknownUser => CommandStatus::EsmeRinvsysid,
        LoginError::Address => CommandStatus::EsmeRbindfail,
        LoginError::Refused(Refused::BackedOff(_) | Refused::Wrong) => CommandStatus::EsmeRinvpaswd,
        LoginError::Refused(Refused::Busy(_) | Refused::Unchecked(_)) => CommandStatus::EsmeRsyserr,
        LoginError::Account(status) => *status,
    }
}

impl EsmeSession {
    /// Lists the session in the registry until the actor is dropped.
    fn register(
        &mut self,
        account: &AccountId,
        request: CommandId,
        interface_version: u8,
        ctx: &mut Context<Self>,
    ) {
        let Some(bind) = BindKind::of(request) else {
            return;
        };
        self.registration = Some(self.wiring.sessions.register(LiveSession {
            id: self.id,
            system_id: account.to_string(),
            bind,
            peer: self.peer,
            bound_since: Utc::now(),
            interface_version,
            counters: self.counters.clone(),
            disconnect: ctx.address().recipient(),
        }));
    }

    fn submit(&mut self, command: Command, ctx: &mut Context<Self>) {
        let received = Instant::now();
        let id = command.id();
        let sequence_number = command.sequence_number();
        let Some((account_id, account)) = self.bound.clone().filter(|_| self.closing.is_none())
        else {
            self.answer_error(id, CommandStatus::EsmeRinvbndsts, sequence_number);
            return;
        };
        if self.inbound.len() >= self.outbound.capacity() {
            self.answer_error(id, CommandStatus::EsmeRmsgqful, sequence_number);
            return;
        }
        if self.inbound.contains_key(&sequence_number) {
            // Two requests under one number cannot both be answered, and
            // the second would take no room in the window.
            debug!(self.logger, "sequence number already outstanding; refused";
                "sequence_number" => sequence_number);
            metrics::global().rejected(&account_id, Rejection::Invalid);
            self.answer_error(id, CommandStatus::EsmeRsubmitfail, sequence_number);
            return;
        }
        let Some(body) = command.pdu() else {
            self.answer_error(id, CommandStatus::EsmeRinvcmdlen, sequence_number);
            return;
        };
        let submission = validate::request(body).and_then(|()| intake::read(body, Utc::now()));
        match submission {
            Ok(submission) => {
                self.inbound.insert(sequence_number, id);
                account.submit.do_send(Submit {
                    submission,
                    sequence_number,
                    reply: Reply::Session(ctx.address().recipient()),
                    received,
                    by: SubmittedBy::Customer,
                });
            }
            Err(status) => {
                metrics::global().rejected(&account_id, Rejection::of(status));
                self.answer_error(id, status, sequence_number);
            }
        }
    }

    fn query(&mut self, command: Command) {
        let id = command.id();
        let sequence_number = command.sequence_number();
        let (Some((account, _)), Some(Pdu::QuerySm(query))) = (&self.bound, command.pdu()) else {
            self.answer_error(id, CommandStatus::EsmeRinvbndsts, sequence_number);
            return;
        };
        let message = query
            .message_id
            .as_str()
            .parse::<MessageId>()
            .ok()
            .and_then(|message_id| self.wiring.store.message(message_id).ok().flatten())
            .filter(|message| &message.account == account);
        let Some(message) = message else {
            self.answer_error(id, CommandStatus::EsmeRqueryfail, sequence_number);
            return;
        };
        let final_date = if message.state().is_final() {
            message.history().last().map(|step| time::absolute(step.at))
        } else {
            None
        };
        let response = QuerySmResp::new(
            query.message_id.clone(),
            time::to_field(final_date.as_ref()),
            pdu_message_state(&message),
            u8::try_from(message.error_code.unwrap_or(0)).unwrap_or(u8::MAX),
        );
        self.send(&Command::new(
            CommandStatus::EsmeRok,
            sequence_number,
            response,
        ));
    }

    /// cancel_sm / replace_sm: answered when the owner of the message is
    /// done, by a task not tied to this session (the change goes through
    /// even if the session closes first).
    fn amend(&mut self, command: Command, ctx: &mut Context<Self>) {
        let request = command.id();
        let sequence_number = command.sequence_number();
        let (Some(account), Some(body)) = (self.bound.clone(), command.pdu().cloned()) else {
            self.answer_error(request, CommandStatus::EsmeRinvbndsts, sequence_number);
            return;
        };
        let owners = self.wiring.owners.clone();
        let session = ctx.address();
        actix_rt::spawn(async move {
            let (account_id, account) = account;
            let status = owners.answer(body, (account_id, account.finished)).await;
            session.do_send(Answered {
                request,
                sequence_number,
                status,
            });
        });
    }

    fn deliver(&mut self, out: DeliverOut) {
        let DeliverOut {
            key,
            outgoing,
            account,
        } = out;
        if !self.session.may_send(CommandId::DeliverSm) || self.outbound.is_full() {
            account.do_send(DeliverDone {
                key,
                delivered: false,
            });
            return;
        }
        let (built, what, id) = match &outgoing {
            Outgoing::Receipt(message) => (receipt_pdu(message), "receipt", message.id),
            Outgoing::Mo { id, message } => (
                mo::mo_deliver_sm(
                    &message.source,
                    message.destination.as_deref().unwrap_or_default(),
                    message.dcs,
                    &message.body,
                ),
                "MO message",
                *id,
            ),
        };
        let body = match built {
            Ok(body) => body,
            Err(error) => {
                warn!(self.logger, "cannot build a deliver_sm; dropped"; "what" => what, "message" => %id, "error" => %error);
                account.do_send(DeliverDone {
                    key,
                    delivered: true,
                });
                return;
            }
        };
        let sequence_number = self.sequences.next_number();
        let outbound = Outbound::Mailbox { key, account };
        match self.outbound.insert(
            sequence_number,
            CommandId::DeliverSm,
            outbound,
            Instant::now(),
            self.wiring.settings.response_timeout,
        ) {
            Ok(()) => self.send(&Command::new(CommandStatus::EsmeRok, sequence_number, body)),
            Err(error) => {
                let (crate::smpp::window::InsertError::Full { payload, .. }
                | crate::smpp::window::InsertError::Duplicate { payload, .. }) = error;
                self.settle(payload, false);
            }
        }
    }

    /// Timeouts and keep-alive, once a second.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        let expired = self.outbound.expire(now);
        if !expired.is_empty() {
            warn!(self.logger, "the ESME did not answer in time; closing"; "requests" => expired.len());
            for (_, pending) in expired {
                self.settle(pending.payload, false);
            }
            ctx.stop();
            return;
        }
        if now.duration_since(self.last_heard) >= self.wiring.settings.inactivity_timeout {
            info!(self.logger, "inactive; closing");
            ctx.stop();
            return;
        }
        let idle = now.duration_since(self.last_heard.max(self.last_sent));
        if idle >= self.wiring.settings.enquire_link_interval
            && self.session.may_send(CommandId::EnquireLink)
            && !self.outbound.is_full()
        {
            let sequence_number = self.sequences.next_number();
            if self
                .outbound
                .insert(
                    sequence_number,
                    CommandId::EnquireLink,
                    Outbound::EnquireLink,
                    now,
                    self.wiring.settings.response_timeout,
                )
                .is_ok()
            {
                self.send(&pdu::header_only(
                    CommandId::EnquireLink,
                    CommandStatus::EsmeRok,
                    sequence_number,
                ));
            }
        }
    }
}

impl Actor for EsmeSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        debug!(self.logger, "connected");
        ctx.run_later(self.wiring.settings.bind_timeout, |session, ctx| {
            if session.bound.is_none() {
                info!(session.logger, "not bound within smpp.bind_timeout_s; closing";
                    "bind_timeout_s" => session.wiring.settings.bind_timeout.as_secs());
                metrics::global().smpp_connection_closed("bind_timeout");
                ctx.stop();
            }
        });
        ctx.run_interval(std::time::Duration::from_secs(1), |session, ctx| {
            session.tick(ctx);
            session.publish_windows();
        });
    }

    fn stopping(&mut self, _ctx: &mut Context<Self>) -> Running {
        for (_, pending) in self.outbound.drain() {
            self.settle(pending.payload, false);
        }
        if let Some((_, account)) = self.bound.take() {
            account.unbound.do_send(Unbound { session: self.id });
        }
        self.session.close();
        self.registration.take();
        debug!(self.logger, "closed");
        Running::Stop
    }
}

impl StreamHandler<Result<Frame, StreamError>> for EsmeSession {
    fn handle(&mut self, item: Result<Frame, StreamError>, ctx: &mut Context<Self>) {
        match item {
            Ok(frame) => {
                self.handle_frame(frame, ctx);
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

impl Handler<Submitted> for EsmeSession {
    type Result = ();

    fn handle(&mut self, submitted: Submitted, ctx: &mut Context<Self>) {
        let sequence_number = submitted.sequence_number;
        let Some(id) = self.inbound.remove(&sequence_number) else {
            return;
        };
        self.publish_windows();
        self.answer_submitted(id, submitted);
        if let Some(closing) = self.closing {
            self.close(closing, ctx);
        }
    }
}

impl EsmeSession {
    /// The submit_sm_resp (or data_sm's, submit_multi's) for `submitted`.
    fn answer_submitted(&mut self, id: CommandId, submitted: Submitted) {
        let sequence_number = submitted.sequence_number;
        let ids = match submitted.result {
            Ok(accepted) => accepted.ids,
            Err(refused) => {
                self.answer_error(id, refused.status, sequence_number);
                return;
            }
        };
        let Some(first) = ids.first() else {
            self.answer_error(id, CommandStatus::EsmeRsyserr, sequence_number);
            return;
        };
        let Ok(message_id) = COctetString::from_string(first.to_string()) else {
            self.answer_error(id, CommandStatus::EsmeRsyserr, sequence_number);
            return;
        };
        let command = match id {
            CommandId::SubmitMulti => Command::new(
                CommandStatus::EsmeRok,
                sequence_number,
                SubmitMultiResp::new(message_id, Vec::new(), Vec::new()),
            ),
            CommandId::DataSm => Command::new(
                CommandStatus::EsmeRok,
                sequence_number,
                pdu::DataSmResp::new(message_id, Vec::new()),
            ),
            _ => Command::new(
                CommandStatus::EsmeRok,
                sequence_number,
                SubmitSmResp::new(message_id, Vec::new()),
            ),
        };
        self.send(&command);
    }
}

impl Handler<WriteQueueFull> for EsmeSession {
    type Result = ();

    fn handle(&mut self, _: WriteQueueFull, ctx: &mut Context<Self>) {
        self.writer.abort();
        ctx.stop();
    }
}

impl Handler<Answered> for EsmeSession {
    type Result = ();

    fn handle(&mut self, answered: Answered, _ctx: &mut Context<Self>) {
        // cancel_sm_resp and replace_sm_resp are header only, OK or not.
        self.answer_error(answered.request, answered.status, answered.sequence_number);
    }
}

impl Handler<DeliverOut> for EsmeSession {
    type Result = ();

    fn handle(&mut self, out: DeliverOut, _ctx: &mut Context<Self>) {
        self.deliver(out);
        self.publish_windows();
    }
}

impl Handler<Disconnect> for EsmeSession {
    type Result = ();

    /// Unbinds once every submit taken is answered (see
    /// [`EsmeSession::close`]).
    fn handle(&mut self, _: Disconnect, ctx: &mut Context<Self>) {
        info!(self.logger, "disconnected by the operator or a stop");
        if self.closing.is_none() {
            self.close(Closing::SendUnbind, ctx);
        }
    }
}

impl EsmeSession {
    /// Ends the session as `closing` says once every submit taken is
    /// answered; until then it refuses new ones. An account that never
    /// answers does not hold it open past `response_timeout`.
    fn close(&mut self, closing: Closing, ctx: &mut Context<Self>) {
        if self.closing.is_none() {
            ctx.run_later(self.wiring.settings.response_timeout, |session, ctx| {
                warn!(session.logger, "submits still unanswered when closing; closed";
                    "requests" => session.inbound.len());
                ctx.stop();
            });
        }
        self.closing = Some(closing);
        if !self.inbound.is_empty() {
            return;
        }
        match closing {
            Closing::AnswerUnbind(sequence_number) => {
                self.send(&pdu::header_only(
                    CommandId::UnbindResp,
                    CommandStatus::EsmeRok,
                    sequence_number,
                ));
                ctx.stop();
            }
            Closing::SendUnbind => self.send_unbind(ctx),
        }
    }

    /// Unbinds; closes on the ESME's unbind_resp, or when it does not
    /// answer within [`UNBIND_WAIT`] (the window's expiry closes the
    /// session). With no room in the window, closes at once.
    fn send_unbind(&mut self, ctx: &mut Context<Self>) {
        if self.session.state() == BindState::Unbinding {
            return;
        }
        if !self.session.may_send(CommandId::Unbind) {
            ctx.stop();
            return;
        }
        let sequence_number = self.sequences.next_number();
        let inserted = self.outbound.insert(
            sequence_number,
            CommandId::Unbind,
            Outbound::Unbind,
            Instant::now(),
            UNBIND_WAIT.min(self.wiring.settings.response_timeout),
        );
        if inserted.is_err() {
            ctx.stop();
            return;
        }
        self.send(&pdu::header_only(
            CommandId::Unbind,
            CommandStatus::EsmeRok,
            sequence_number,
        ));
        self.publish_windows();
    }
}

/// Writes what the session hands over, coalescing whatever is queued into
/// one write, and takes what it wrote off `queued`. Ends when the session
/// drops its sender or the peer is gone.
async fn write_loop<W: AsyncWrite + Unpin>(
    mut socket: W,
    mut queue: mpsc::UnboundedReceiver<BytesMut>,
    queued: Arc<AtomicUsize>,
    logger: Logger,
) {
    const COALESCE: usize = 64 * 1024;
    while let Some(mut buffer) = queue.recv().await {
        // Let the tasks already woken (answers released by the same group
        // commit, receipts) queue theirs first: one write for all of them.
        tokio::task::yield_now().await;
        while buffer.len() < COALESCE {
            match queue.try_recv() {
                Ok(more) => buffer.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if let Err(error) = socket.write_all(&buffer).await {
            debug!(logger, "write failed; the peer is gone"; "error" => %error);
            return;
        }
        queued.fetch_sub(buffer.len(), Ordering::AcqRel);
    }
    let _ = socket.shutdown().await;
}

/// system_id, password and interface_version of a bind request.
fn bind_credentials(pdu: Option<&Pdu>) -> Option<(String, String, u8)> {
    let (system_id, password, version) = match pdu? {
        Pdu::BindTransmitter(bind) => (&bind.system_id, &bind.password, bind.interface_version),
        Pdu::BindReceiver(bind) => (&bind.system_id, &bind.password, bind.interface_version),
        Pdu::BindTransceiver(bind) => (&bind.system_id, &bind.password, bind.interface_version),
        _ => return None,
    };
    Some((
        system_id.as_str().to_owned(),
        password.as_str().to_owned(),
        u8::from(version),
    ))
}

fn bind_response(request: CommandId, system_id: COctetString<1, 16>) -> Pdu {
    match request {
        CommandId::BindReceiver => pdu::BindReceiverResp::new(system_id, None).into(),
        CommandId::BindTransceiver => pdu::BindTransceiverResp::new(system_id, None).into(),
        _ => pdu::BindTransmitterResp::new(system_id, None).into(),
    }
}

fn pdu_message_state(message: &Message) -> pdu::MessageState {
    crate::smpp::message_state::to_smpp(message.state())
}

/// The SPEC §3 receipt for a finished message, as the deliver_sm to its ESME.
fn receipt_pdu(message: &Message) -> Result<DeliverSm, dlr::BuildError> {
    let address = |a: &crate::model::Address| PduAddress {
        ton: u8::from(a.ton()).into(),
        npi: u8::from(a.npi()).into(),
        addr: a.text().to_owned(),
    };
    dlr::receipt_deliver_sm(
        &address(&message.source),
        &address(&message.destination),
        &Receipt::of_message(message),
    )
}
