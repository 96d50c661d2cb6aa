//! One actor per UCP/EMI customer connection (`[ucp] listen`): the
//! login, the customer's submits, receipts and MO out, timeouts. The UCP
//! mirror of [`EsmeSession`](super::esme::EsmeSession), with the same
//! wiring, accept path and mailbox; not supervised either.
//!
//! - Reading: `FramedRead` with the core's [`Codec`]. A frame that does
//!   not decode is NACKed as the codec says (01 checksum, 02 syntax, 03
//!   operation not supported) and reading goes on; garbage and an overlong
//!   frame are dropped. Writing goes through the [`Outbox`] the SMPP
//!   sessions use, bounded in octets.
//! - Login: operation 60, OAdC the account's system_id, PWD its password
//!   (IRA, hex on the wire), checked by [`login`](super::login) exactly as
//!   an SMPP bind is. Refused: NACK 07 (unknown account, wrong password,
//!   backed off), 04 (address not allowed, the account's bind limit or
//!   suspension, a second login), 55 (the check could not run). After
//!   [`MAX_REFUSED_BINDS`] refusals, or with no login within
//!   `smpp.bind_timeout_s`, the connection closes. Alerts (31) are ACKed
//!   at any time; any other operation before the login is NACKed 04.
//! - Submit (51): read into a [`Submission`](crate::intake::Submission)
//!   (`ucp::customer`) and handed to the account, which answers after the
//!   group commit: then the ACK, its SM the message's `AdC:SCTS`. At most
//!   `smpp.window` (and 100, what a TRN counts) are outstanding; more are
//!   NACKed 04, and so is a TRN reused while its submit is outstanding.
//!   Refusals are NACKed with `ucp::customer::error_code`.
//! - The session is its account's receiver: receipts go out as delivery
//!   notifications (53), MO as deliveries (52), through a window of
//!   outstanding operations (TRN 00–99) of `smpp.window`. An ACK takes the
//!   item out of the mailbox; a NACK, no answer within
//!   `smpp.response_timeout_s` (which also closes the session) or the end
//!   of the session leaves it there for the next receiver.
//! - Time without anything from the customer for
//!   `smpp.inactivity_timeout_s` closes the session (Kannel's `keepalive`
//!   sends alerts).
//! - Once logged in, the session is listed in [`Sessions`] (bind `ucp`);
//!   a [`Disconnect`] closes it at once (UCP has no logout).

use std::collections::HashMap;
use std::io;
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
use crate::actors::protocol::logins::Refused;
use crate::actors::protocol::session::{BindKind, Counters, Disconnect, LiveSession, Registration};
use crate::auth::Protocol;
use crate::metrics::{self, Rejection};
use crate::model::{AccountId, Address};
use crate::smpp::{CommandId, CommandStatus};
use crate::store::MailboxKey;
use crate::ucp::customer::{self, error_code, refusal_text};
use crate::ucp::{
    Ack, Codec, DecodeError, ErrorCode, Message, Nack, Operation, Ot, Response, SessionManagement,
    Trn, Window,
};

/// TRN is two digits: at most this many submits outstanding.
const MAX_TRNS: usize = 100;
/// STYP 1: open a session, the only session management asked of us.
const STYP_OPEN_SESSION: u8 = 1;
/// EC 55, "system error": the login could not be checked.
const EC_SYSTEM_ERROR: u8 = 55;

/// A receipt or an MO sent and not yet answered.
struct Pending {
    key: MailboxKey,
    account: Recipient<DeliverDone>,
}

/// A decoded message, or what did not decode.
type Frame = Result<Message, DecodeError>;

/// The core's codec as a `tokio_util` decoder: whatever is at the front of
/// the buffer, a message or the error to answer, the octets it took taken
/// off.
struct UcpFraming(Codec);

impl Decoder for UcpFraming {
    type Item = Frame;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Frame>> {
        match self.0.decode(src) {
            Ok(None) => Ok(None),
            Ok(Some(decoded)) => {
                src.advance(decoded.len.min(src.len()));
                Ok(Some(Ok(decoded.message)))
            }
            Err(error) => {
                // Every failure steps over at least one octet.
                src.advance(error.skip_len().max(1).min(src.len()));
                Ok(Some(Err(error)))
            }
        }
    }
}

pub struct UcpSession {
    id: SessionId,
    peer: SocketAddr,
    wiring: Arc<SessionWiring>,
    logger: Logger,
    writer: Outbox,
    /// Set once the write queue overflowed: nothing more is queued, and
    /// the session is closing.
    write_queue_full: bool,
    myself: WeakAddr<UcpSession>,
    /// Its place under the connection caps, given back with the actor.
    _admitted: Admitted,
    codec: Codec,
    logged_in: Option<(AccountId, AccountHandle)>,
    login_in_progress: bool,
    refused_logins: u8,
    /// The customer's submits waiting for the account's answer, by TRN,
    /// with the destination their ACK names.
    inbound: HashMap<Trn, Address>,
    /// Most submits outstanding at once.
    inbound_limit: usize,
    /// Our receipts and MO waiting for the customer's answer.
    outbound: Window<Pending>,
    last_heard: Instant,
    counters: Arc<Counters>,
    /// Held while logged in; dropped with the actor, which unlists it.
    registration: Option<Registration>,
}

/// The write queue overflowed: the session closes.
#[derive(actix::Message)]
#[rtype(result = "()")]
struct WriteQueueFull;

impl UcpSession {
    /// Starts the session actor on an accepted connection, admitted under
    /// the connection caps.
    pub fn start(
        id: SessionId,
        stream: TcpStream,
        peer: SocketAddr,
        admitted: Admitted,
        wiring: Arc<SessionWiring>,
        logger: &Logger,
    ) -> Addr<UcpSession> {
        let logger =
            logger.new(slog::o!("session" => id, "peer" => peer.to_string(), "protocol" => "ucp"));
        let (read, write) = stream.into_split();
        let writer = Outbox::start(write, &logger);
        let window = usize::try_from(wiring.settings.window).unwrap_or(1);
        UcpSession::create(move |ctx| {
            ctx.add_stream(FramedRead::new(read, UcpFraming(Codec::new())));
            UcpSession {
                id,
                peer,
                wiring,
                logger,
                writer,
                write_queue_full: false,
                myself: ctx.address().downgrade(),
                _admitted: admitted,
                codec: Codec::new(),
                logged_in: None,
                login_in_progress: false,
                refused_logins: 0,
                inbound: HashMap::new(),
                inbound_limit: window.min(MAX_TRNS),
                outbound: Window::new(window),
                last_heard: Instant::now(),
                counters: Arc::default(),
                registration: None,
            }
        })
    }

    fn send(&mut self, message: &Message) {
        let mut bytes = BytesMut::new();
        match self.codec.encode(message, &mut bytes) {
            Ok(_) => self.push(bytes),
            Err(error) => warn!(self.logger, "cannot encode a UCP message"; "error" => %error),
        }
    }

    /// Hands an encoded message to the writer, unless its queue is full.
    fn push(&mut self, bytes: BytesMut) {
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

    fn ack(&mut self, trn: Trn, ot: Ot, sm: String) {
        self.send(&Message::Result {
            trn,
            ot,
            response: Response::Ack(Ack {
                mvp: String::new(),
                sm,
            }),
        });
    }

    fn nack(&mut self, trn: Trn, ot: Ot, error: ErrorCode, sm: &str) {
        self.send(&Message::Result {
            trn,
            ot,
            response: Response::Nack(Nack {
                error,
                sm: sm.to_owned(),
            }),
        });
    }

    fn publish_windows(&self) {
        self.counters
            .windows(self.inbound.len(), self.outbound.len());
    }

    fn handle_frame(&mut self, frame: Frame, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        let message = match frame {
            Ok(message) => message,
            Err(error) => {
                debug!(self.logger, "undecodable UCP frame"; "error" => %error);
                if let Some(reply) = error.reply() {
                    self.send(&reply);
                }
                return;
            }
        };
        match message {
            Message::Result { trn, response, .. } => self.answered(trn, &response),
            Message::Operation { trn, operation } => match operation {
                Operation::Alert(_) => self.ack(trn, Ot::ALERT, String::new()),
                Operation::Session(login) => self.login(trn, login, ctx),
                Operation::Submit(fields) => self.submit(trn, &fields, ctx),
                other => self.nack(
                    trn,
                    other.ot(),
                    ErrorCode::OPERATION_NOT_SUPPORTED,
                    "not supported",
                ),
            },
        }
    }

    /// The customer's answer to one of our 52 or 53.
    fn answered(&mut self, trn: Trn, response: &Response) {
        let Some(pending) = self.outbound.close(trn) else {
            debug!(self.logger, "result matches no operation"; "trn" => %trn);
            return;
        };
        let delivered = matches!(response, Response::Ack(_));
        if delivered {
            self.counters.deliver_sm_acknowledged();
        }
        pending.account.do_send(DeliverDone {
            key: pending.key,
            delivered,
        });
    }

    fn login(&mut self, trn: Trn, login: SessionManagement, ctx: &mut Context<Self>) {
        if self.login_in_progress || self.logged_in.is_some() {
            self.nack(
                trn,
                Ot::SESSION,
                ErrorCode::OPERATION_NOT_ALLOWED,
                "already logged in",
            );
            return;
        }
        let password = String::from_utf8(login.pwd);
        let (Some(STYP_OPEN_SESSION) | None, Ok(password)) = (login.styp, password) else {
            self.refuse_login(trn, ErrorCode::OPERATION_NOT_ALLOWED, ctx);
            return;
        };
        self.login_in_progress = true;
        let credentials = Credentials {
            protocol: Protocol::Ucp,
            peer: self.peer.ip(),
            system_id: login.oadc,
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
                    session.ack(trn, Ot::SESSION, String::new());
                    info!(session.logger, "logged in"; "account" => %account_id);
                    session.registration = Some(session.wiring.sessions.register(LiveSession {
                        id: session.id,
                        system_id: account_id.to_string(),
                        bind: BindKind::Ucp,
                        peer: session.peer,
                        bound_since: Utc::now(),
                        interface_version: 0,
                        counters: session.counters.clone(),
                        disconnect: ctx.address().recipient(),
                    }));
                    session.logged_in = Some((account_id, actor));
                }
                Err(refused) => session.refuse_login(trn, login_error(&refused), ctx),
            }
        }));
    }

    fn outbound_capacity(&self) -> usize {
        usize::try_from(self.wiring.settings.window)
            .unwrap_or(1)
            .min(MAX_TRNS)
    }

    /// NACKs a login with `error`, and closes the connection once it has
    /// refused [`MAX_REFUSED_BINDS`] (the NACK is written first).
    fn refuse_login(&mut self, trn: Trn, error: ErrorCode, ctx: &mut Context<Self>) {
        self.nack(trn, Ot::SESSION, error, "login refused");
        self.refused_logins = self.refused_logins.saturating_add(1);
        if self.refused_logins >= MAX_REFUSED_BINDS {
            info!(self.logger, "closing after refused logins"; "logins" => self.refused_logins);
            ctx.stop();
        }
    }

    fn submit(
        &mut self,
        trn: Trn,
        fields: &crate::ucp::ShortMessageFields,
        ctx: &mut Context<Self>,
    ) {
        let received = Instant::now();
        let Some((account_id, account)) = self.logged_in.clone() else {
            self.nack(
                trn,
                Ot::SUBMIT,
                ErrorCode::OPERATION_NOT_ALLOWED,
                "not logged in",
            );
            return;
        };
        let refuse = |session: &mut Self, status: CommandStatus| {
            metrics::global().rejected(&account_id, Rejection::of(status));
            session.counters.sent(CommandId::SubmitSmResp, status);
            session.nack(trn, Ot::SUBMIT, error_code(status), refusal_text(status));
        };
        if self.inbound.contains_key(&trn) {
            // Two submits under one TRN cannot both be answered.
            debug!(self.logger, "TRN already outstanding; refused"; "trn" => %trn);
            self.nack(
                trn,
                Ot::SUBMIT,
                ErrorCode::OPERATION_NOT_ALLOWED,
                "TRN outstanding",
            );
            return;
        }
        if self.inbound.len() >= self.inbound_limit {
            refuse(self, CommandStatus::EsmeRmsgqful);
            return;
        }
        let submission = match customer::submission(fields, Utc::now()) {
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
        self.inbound.insert(trn, destination);
        account.submit.do_send(Submit {
            submission,
            sequence_number: u32::from(trn.value()),
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
        let (operation, what) = match &outgoing {
            Outgoing::Receipt(message) => (
                Ok(Operation::Notification(Box::new(customer::notification(
                    message,
                )))),
                "receipt",
            ),
            Outgoing::Mo { message, .. } => (
                customer::delivery(
                    &message.source,
                    message.destination.as_deref().unwrap_or_default(),
                    message.dcs,
                    &message.body,
                    message.sent_at,
                )
                .map(|fields| Operation::Delivery(Box::new(fields))),
                "MO message",
            ),
        };
        let trn = match self.outbound.open(Pending { key, account }, Instant::now()) {
            Ok(trn) => trn,
            Err(pending) => {
                pending.account.do_send(DeliverDone {
                    key: pending.key,
                    delivered: false,
                });
                return;
            }
        };
        let encoded = operation
            .map_err(|error| error.to_string())
            .and_then(|operation| {
                let mut bytes = BytesMut::new();
                self.codec
                    .encode(&Message::Operation { trn, operation }, &mut bytes)
                    .map(|_| bytes)
                    .map_err(|error| error.to_string())
            });
        match encoded {
            Ok(bytes) => {
                self.counters
                    .sent(CommandId::DeliverSm, CommandStatus::EsmeRok);
                self.push(bytes);
            }
            Err(error) => {
                // It can never go over UCP: dropped, as the SMPP session
                // drops a deliver_sm it cannot build.
                warn!(self.logger, "cannot build a UCP delivery; dropped"; "what" => what, "error" => error);
                if let Some(pending) = self.outbound.close(trn) {
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

impl Actor for UcpSession {
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

impl StreamHandler<Result<Frame, io::Error>> for UcpSession {
    fn handle(&mut self, item: Result<Frame, io::Error>, ctx: &mut Context<Self>) {
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

impl Handler<Submitted> for UcpSession {
    type Result = ();

    fn handle(&mut self, submitted: Submitted, _ctx: &mut Context<Self>) {
        let Some(trn) = u8::try_from(submitted.sequence_number)
            .ok()
            .and_then(Trn::new)
        else {
            return;
        };
        let Some(destination) = self.inbound.remove(&trn) else {
            return;
        };
        self.publish_windows();
        let status = match submitted.result {
            Ok(accepted) => match accepted.ids.first() {
                Some(id) => {
                    let reference = customer::reference(&destination, *id);
                    self.counters
                        .sent(CommandId::SubmitSmResp, CommandStatus::EsmeRok);
                    self.ack(trn, Ot::SUBMIT, reference.to_string());
                    return;
                }
                None => CommandStatus::EsmeRsyserr,
            },
            Err(refused) => refused.status,
        };
        self.counters.sent(CommandId::SubmitSmResp, status);
        self.nack(trn, Ot::SUBMIT, error_code(status), refusal_text(status));
    }
}

impl Handler<DeliverOut> for UcpSession {
    type Result = ();

    fn handle(&mut self, out: DeliverOut, _ctx: &mut Context<Self>) {
        self.deliver(out);
        self.publish_windows();
    }
}

impl Handler<WriteQueueFull> for UcpSession {
    type Result = ();

    fn handle(&mut self, _: WriteQueueFull, ctx: &mut Context<Self>) {
        self.writer.abort();
        ctx.stop();
    }
}

impl Handler<Disconnect> for UcpSession {
    type Result = ();

    /// UCP has no logout: the session closes at once; what it holds goes
    /// back to the mailbox.
    fn handle(&mut self, _: Disconnect, ctx: &mut Context<Self>) {
        info!(self.logger, "disconnected by the operator");
        ctx.stop();
    }
}
