//! The ESME side of an SMPP connection, as `bench` uses it: connect and bind,
//! keep up to a window of submit_sm outstanding, answer every deliver_sm,
//! data_sm and enquire_link at once, keep the link alive, unbind.
//!
//! The caller drives it: [`Esme::submit`] while [`Esme::can_submit`], and
//! [`Esme::next_event`] for what came back. `next_event` is cancel-safe, so
//! a caller may race it against its own timers in `select!`: whatever it
//! has read is kept in the `Esme` until the next call.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::framed::Frame;
use crate::smpp::pdu::{
    self, BindReceiver, BindTransceiver, BindTransmitter, COctetString, DataSmResp, DeliverSmResp,
    InterfaceVersion, Pdu, SubmitSm,
};
use crate::smpp::{
    BindState, Command, CommandId, CommandStatus, FrameError, Role, SequenceNumbers, Session,
    Window, status,
};
use crate::tools::link::{Link, LinkError};

/// How long connecting and binding may take.
const BIND_TIMEOUT: Duration = Duration::from_secs(10);

/// How often an enquire_link is sent; the answer must come within the
/// response timeout.
const ENQUIRE_LINK_INTERVAL: Duration = Duration::from_secs(30);

/// The kind of bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindKind {
    Transmitter,
    Receiver,
    Transceiver,
}

/// Who we are to the SMSC.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub system_id: String,
    pub password: String,
}

/// Why a connection failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("system_id (at most 15 characters) or password (at most 8) does not fit the bind")]
    CredentialsTooLong,
    #[error("bind refused: {0}")]
    Refused(String),
    #[error("no answer to the bind within {0:?}")]
    BindTimeout(Duration),
    #[error("the SMSC unbound")]
    Unbound,
    #[error("no room in the window (or not bound to transmit)")]
    NoRoom,
    #[error("no answer to enquire_link within the response timeout")]
    Dead,
    #[error("the SMSC sent a PDU that cannot be framed: {0}")]
    Unframeable(FrameError),
    #[error(transparent)]
    Link(#[from] LinkError),
}

/// Something that came back.
// Receipts are as frequent as answers: boxing the PDU would cost an
// allocation per message to save queue slots.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event {
    /// A submit_sm was answered: `status` from submit_sm_resp or
    /// generic_nack, `message_id` when it was accepted.
    Answered {
        status: CommandStatus,
        message_id: Option<String>,
        sent_at: Instant,
    },
    /// A submit_sm got no answer within the response timeout.
    TimedOut,
    /// A deliver_sm or data_sm (a receipt or an MO); already answered.
    Delivered(Pdu),
}

/// A bound ESME connection.
#[derive(Debug)]
pub struct Esme {
    link: Link,
    session: Session,
    sequence: SequenceNumbers,
    /// Our outstanding requests (submit_sm, enquire_link, unbind); the
    /// command id in each entry says which.
    window: Window<()>,
    response_timeout: Duration,
    /// Read but not yet handed to the caller.
    events: VecDeque<Event>,
    keepalive: tokio::time::Interval,
}

impl Esme {
    /// Connect to `addr` and bind as `kind`; the window holds `window`
    /// outstanding requests, each answered within `response_timeout`.
    pub async fn bind(
        addr: &str,
        kind: BindKind,
        credentials: &Credentials,
        window: usize,
        response_timeout: Duration,
    ) -> Result<Esme, ClientError> {
        let connect_error = |source| ClientError::Connect {
            addr: addr.to_owned(),
            source,
        };
        let stream = tokio::time::timeout(BIND_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| ClientError::BindTimeout(BIND_TIMEOUT))?
            .map_err(connect_error)?;
        let start = tokio::time::Instant::now();
        let mut esme = Esme {
            link: Link::new(stream),
            session: Session::new(Role::Client),
            sequence: SequenceNumbers::new(),
            window: Window::new(window),
            response_timeout,
            events: VecDeque::new(),
            keepalive: tokio::time::interval_at(
                start + ENQUIRE_LINK_INTERVAL,
                ENQUIRE_LINK_INTERVAL,
            ),
        };
        let bind = bind_pdu(kind, credentials).ok_or(ClientError::CredentialsTooLong)?;
        let seq = esme.sequence.next_number();
        esme.send(&Command::new(CommandStatus::EsmeRok, seq, bind))?;
        tokio::time::timeout(BIND_TIMEOUT, esme.await_bind())
            .await
            .map_err(|_| ClientError::BindTimeout(BIND_TIMEOUT))??;
        Ok(esme)
    }

    /// Read until the bind is answered.
    async fn await_bind(&mut self) -> Result<(), ClientError> {
        loop {
            while let Some(frame) = self.link.next_frame()? {
                let Some(command) = self.decoded(frame)? else {
                    continue;
                };
                let (id, status) = (command.id(), command.status());
                let answers_bind = matches!(
                    id,
                    CommandId::BindTransmitterResp
                        | CommandId::BindReceiverResp
                        | CommandId::BindTransceiverResp
                        | CommandId::GenericNack
                );
                if !answers_bind {
                    self.on_command(command)?;
                    continue;
                }
                if status != CommandStatus::EsmeRok {
                    return Err(ClientError::Refused(status::describe(u32::from(status))));
                }
                if self.session.receive(id, status).is_err() || !self.session.state().is_bound() {
                    return Err(ClientError::Refused(format!("unexpected {id:?}")));
                }
                return Ok(());
            }
            self.link.io().await?;
        }
    }

    /// Whether a submit_sm may be sent now.
    pub fn can_submit(&self) -> bool {
        !self.window.is_full() && self.session.may_send(CommandId::SubmitSm)
    }

    /// Requests sent and not yet answered: submits, and the occasional
    /// enquire_link.
    pub fn outstanding(&self) -> usize {
        self.window.len()
    }

    /// Queue a submit_sm; it is written on the next [`Esme::next_event`].
    /// Refused, and not sent, unless [`Esme::can_submit`].
    pub fn submit(&mut self, body: SubmitSm) -> Result<(), ClientError> {
        if !self.can_submit() {
            return Err(ClientError::NoRoom);
        }
        let seq = self.sequence.next_number();
        self.send(&Command::new(CommandStatus::EsmeRok, seq, body))?;
        let _ = self.window.insert(
            seq,
            CommandId::SubmitSm,
            (),
            Instant::now(),
            self.response_timeout,
        );
        Ok(())
    }

    /// The next answer, timeout or delivery. Writes what is queued
    /// meanwhile. Cancel-safe.
    pub async fn next_event(&mut self) -> Result<Event, ClientError> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(event);
            }
            while let Some(frame) = self.link.next_frame()? {
                if let Some(command) = self.decoded(frame)? {
                    self.on_command(command)?;
                }
            }
            if !self.events.is_empty() {
                continue;
            }
            let deadline = self.window.next_deadline();
            tokio::select! {
                io = self.link.io() => io?,
                () = super::sleep_until(deadline) => self.expire()?,
                _ = self.keepalive.tick() => self.enquire_link()?,
            }
        }
    }

    /// Unbind and wait (at most `limit`) for the answer. Deliveries that
    /// arrive meanwhile are answered and dropped.
    pub async fn unbind(mut self, limit: Duration) {
        if !self.session.may_send(CommandId::Unbind) {
            return;
        }
        let seq = self.sequence.next_number();
        let unbind = pdu::header_only(CommandId::Unbind, CommandStatus::EsmeRok, seq);
        if self.send(&unbind).is_err() {
            return;
        }
        let _ = self.window.insert(
            seq,
            CommandId::Unbind,
            (),
            Instant::now(),
            self.response_timeout,
        );
        let _ = tokio::time::timeout(limit, async {
            while self.session.state() != BindState::Closed {
                if self.next_event().await.is_err() {
                    break;
                }
            }
        })
        .await;
    }

    /// The command in `frame`; `None` for a PDU that did not decode, once
    /// answered (or, for a broken response, once its request is failed).
    fn decoded(&mut self, frame: Frame) -> Result<Option<Command>, ClientError> {
        let error = match frame {
            Ok(decoded) => return Ok(Some(decoded.command)),
            Err(error) => error,
        };
        if let Some(reply) = error.reply() {
            self.send(&reply)?;
        } else if let Some(header) = error.header() {
            let seq = header.sequence_number;
            if let Ok(pending) = self.window.complete(seq, header.command_id) {
                self.answered(
                    pending.command_id,
                    error.command_status(),
                    None,
                    pending.sent_at,
                );
            }
        }
        if error.can_continue() {
            Ok(None)
        } else {
            Err(ClientError::Unframeable(error))
        }
    }

    fn on_command(&mut self, command: Command) -> Result<(), ClientError> {
        let (id, status, seq) = (command.id(), command.status(), command.sequence_number());
        if let Err(refusal) = self.session.receive(id, status) {
            if id.is_operation() {
                self.send(&pdu::error_response(id, refusal, seq))?;
            }
            return Ok(());
        }
        match id {
            CommandId::DeliverSm | CommandId::DataSm => {
                let empty = COctetString::default();
                let resp: Pdu = if id == CommandId::DataSm {
                    DataSmResp::new(empty, Vec::new()).into()
                } else {
                    DeliverSmResp::new(empty, Vec::new()).into()
                };
                self.send(&Command::new(CommandStatus::EsmeRok, seq, resp))?;
                if let Some(pdu) = command.into_parts().pdu {
                    self.events.push_back(Event::Delivered(pdu));
                }
            }
            CommandId::EnquireLink => self.send(&pdu::header_only(
                CommandId::EnquireLinkResp,
                CommandStatus::EsmeRok,
                seq,
            ))?,
            CommandId::Unbind => {
                self.send(&pdu::header_only(
                    CommandId::UnbindResp,
                    CommandStatus::EsmeRok,
                    seq,
                ))?;
                return Err(ClientError::Unbound);
            }
            response if response.is_response() => {
                if let Ok(pending) = self.window.complete(seq, response) {
                    let message_id = pdu::response_message_id(&command).map(str::to_owned);
                    self.answered(pending.command_id, status, message_id, pending.sent_at);
                }
            }
            // alert_notification and the like: nothing to answer.
            _ => {}
        }
        Ok(())
    }

    /// A request of ours was answered.
    fn answered(
        &mut self,
        request: CommandId,
        status: CommandStatus,
        message_id: Option<String>,
        sent_at: Instant,
    ) {
        match request {
            CommandId::SubmitSm => self.events.push_back(Event::Answered {
                status,
                message_id,
                sent_at,
            }),
            // generic_nack to our unbind: there is nothing left to say.
            CommandId::Unbind => self.session.close(),
            _ => {}
        }
    }

    fn expire(&mut self) -> Result<(), ClientError> {
        for (_, pending) in self.window.expire(Instant::now()) {
            match pending.command_id {
                CommandId::SubmitSm => self.events.push_back(Event::TimedOut),
                CommandId::Unbind => self.session.close(),
                _ => return Err(ClientError::Dead),
            }
        }
        Ok(())
    }

    fn enquire_link(&mut self) -> Result<(), ClientError> {
        if self.window.is_full() || !self.session.may_send(CommandId::EnquireLink) {
            return Ok(());
        }
        let seq = self.sequence.next_number();
        self.send(&pdu::header_only(
            CommandId::EnquireLink,
            CommandStatus::EsmeRok,
            seq,
        ))?;
        let _ = self.window.insert(
            seq,
            CommandId::EnquireLink,
            (),
            Instant::now(),
            self.response_timeout,
        );
        Ok(())
    }

    /// Put `command` on the wire if the bind state allows it; one it does
    /// not allow is dropped (the state machine stays the judge).
    fn send(&mut self, command: &Command) -> Result<(), ClientError> {
        if self.session.send(command.id(), command.status()).is_ok() {
            self.link.send(command)?;
        }
        Ok(())
    }
}

/// The bind PDU, or `None` when the credentials do not fit SMPP 3.4's
/// limits (15 and 8 characters).
fn bind_pdu(kind: BindKind, credentials: &Credentials) -> Option<Pdu> {
    let system_id = COctetString::from_string(credentials.system_id.clone()).ok()?;
    let password = COctetString::from_string(credentials.password.clone()).ok()?;
    let version = InterfaceVersion::Smpp3_4;
    Some(match kind {
        BindKind::Transmitter => BindTransmitter::builder()
            .system_id(system_id)
            .password(password)
            .interface_version(version)
            .build()
            .into(),
        BindKind::Receiver => BindReceiver::builder()
            .system_id(system_id)
            .password(password)
            .interface_version(version)
            .build()
            .into(),
        BindKind::Transceiver => BindTransceiver::builder()
            .system_id(system_id)
            .password(password)
            .interface_version(version)
            .build()
            .into(),
    })
}
