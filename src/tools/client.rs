//! The ESME side of an SMPP connection, as `bench` and the upstream
//! gateways use it: connect (over TLS when asked, the server's certificate
//! checked against the host connected to) and bind, keep up to a window of submit_sm
//! outstanding, answer every deliver_sm, data_sm and enquire_link at once
//! (or, after [`Esme::answer_later`], leave deliveries for the caller to
//! answer with [`Esme::acknowledge`]), keep the link alive, unbind.
//!
//! The caller drives it: [`Esme::submit`] while [`Esme::can_submit`], and
//! [`Esme::next_event`] for what came back. `next_event` is cancel-safe, so
//! a caller may race it against its own timers in `select!`: whatever it
//! has read is kept in the `Esme` until the next call.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, TlsStream};

use super::endpoint::{Endpoint, Inbound};
use super::link::{Link, LinkError, Transport};
use crate::framed::Frame;
use crate::smpp::pdu::{
    self, BindReceiver, BindTransceiver, BindTransmitter, COctetString, DataSmResp, DeliverSmResp,
    InterfaceVersion, Pdu, SubmitSm,
};
use crate::smpp::{BindState, Codec, Command, CommandId, CommandStatus, FrameError, Role, status};
use crate::tls::{self, PemFile, TlsError};

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

/// TLS toward the server: which authorities vouch for its certificate
/// besides the Mozilla roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsTarget {
    /// PEM certificates of further trusted authorities.
    pub authorities: Option<PemFile>,
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
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("TLS handshake with {addr} failed: {source}")]
    Handshake {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("system_id (at most 15 characters) or password (at most 8) does not fit the bind")]
    CredentialsTooLong,
    #[error("bind refused: {}", status::describe(u32::from(*.0)))]
    Refused(CommandStatus),
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
        /// The submit_sm's sequence number: answers may come in any order.
        sequence: u32,
        status: CommandStatus,
        message_id: Option<String>,
        sent_at: Instant,
    },
    /// The submit_sm with this sequence number got no answer within the
    /// response timeout.
    TimedOut { sequence: u32 },
    /// A deliver_sm or data_sm (a receipt or an MO). `unanswered` is
    /// `None` when it was answered already; otherwise the caller must
    /// answer it with [`Esme::acknowledge`].
    Delivered {
        pdu: Pdu,
        unanswered: Option<Unanswered>,
    },
}

/// A deliver_sm or data_sm still to be answered: handed to
/// [`Esme::acknowledge`], which consumes it, so it is answered once.
#[derive(Debug)]
pub struct Unanswered {
    sequence: u32,
    command_id: CommandId,
}

/// A bound ESME connection.
#[derive(Debug)]
pub struct Esme {
    endpoint: Endpoint<()>,
    /// Read but not yet handed to the caller.
    events: VecDeque<Event>,
    /// The status our bind was answered with, once it is.
    bind_answer: Option<CommandStatus>,
    keepalive: tokio::time::Interval,
    /// Deliveries are left for the caller to answer.
    answer_later: bool,
}

impl Esme {
    /// Connect to `addr` (`host:port`), over TLS with `tls`, and bind as
    /// `kind`; the window holds `window` outstanding requests, each
    /// answered within `response_timeout`. `codec` decides how strictly
    /// the SMSC's PDUs are read.
    pub async fn bind(
        addr: &str,
        tls: Option<&TlsTarget>,
        kind: BindKind,
        credentials: &Credentials,
        window: usize,
        response_timeout: Duration,
        codec: Codec,
    ) -> Result<Esme, ClientError> {
        let bind = bind_pdu(kind, credentials).ok_or(ClientError::CredentialsTooLong)?;
        let transport = tokio::time::timeout(BIND_TIMEOUT, connect(addr, tls))
            .await
            .map_err(|_| ClientError::BindTimeout(BIND_TIMEOUT))??;
        let start = tokio::time::Instant::now() + ENQUIRE_LINK_INTERVAL;
        let link = Link::with_codec(transport, codec);
        let mut esme = Esme {
            endpoint: Endpoint::new(link, Role::Client, window, response_timeout),
            events: VecDeque::new(),
            bind_answer: None,
            keepalive: tokio::time::interval_at(start, ENQUIRE_LINK_INTERVAL),
            answer_later: false,
        };
        esme.endpoint.request(bind)?;
        tokio::time::timeout(BIND_TIMEOUT, esme.await_bind())
            .await
            .map_err(|_| ClientError::BindTimeout(BIND_TIMEOUT))??;
        Ok(esme)
    }

    /// Read until the bind is answered.
    async fn await_bind(&mut self) -> Result<(), ClientError> {
        loop {
            self.read()?;
            if let Some(status) = self.bind_answer {
                if !self.endpoint.session.state().is_bound() {
                    return Err(ClientError::Refused(status));
                }
                return Ok(());
            }
            self.endpoint.link.io().await?;
        }
    }

    /// From now on deliveries come with an [`Unanswered`] and the caller
    /// answers each with [`Esme::acknowledge`] (once it has kept it, say).
    pub fn answer_later(&mut self) {
        self.answer_later = true;
    }

    /// Answers a delivery with `status` (ESME_ROK, or an error the SMSC
    /// acts on: a temporary one makes it send the delivery again). Written
    /// on the next [`Esme::next_event`].
    pub fn acknowledge(
        &mut self,
        delivery: Unanswered,
        status: CommandStatus,
    ) -> Result<(), ClientError> {
        let answer = delivery_answer(delivery.command_id, status, delivery.sequence);
        self.endpoint.send(&answer)?;
        Ok(())
    }

    /// Whether a submit_sm may be sent now.
    pub fn can_submit(&self) -> bool {
        self.endpoint.may_request(CommandId::SubmitSm)
    }

    /// Requests sent and not yet answered: submits, and the occasional
    /// enquire_link.
    pub fn outstanding(&self) -> usize {
        self.endpoint.window.len()
    }

    /// Queue a submit_sm; it is written on the next [`Esme::next_event`].
    /// Returns its sequence number, which its answer will carry. Refused,
    /// and not sent, unless [`Esme::can_submit`].
    pub fn submit(&mut self, body: SubmitSm) -> Result<u32, ClientError> {
        self.endpoint
            .request(body.into())?
            .ok_or(ClientError::NoRoom)
    }

    /// The next answer, timeout or delivery. Writes what is queued
    /// meanwhile. Cancel-safe.
    pub async fn next_event(&mut self) -> Result<Event, ClientError> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(event);
            }
            self.read()?;
            if !self.events.is_empty() {
                continue;
            }
            let deadline = self.endpoint.window.next_deadline();
            tokio::select! {
                io = self.endpoint.link.io() => io?,
                () = super::sleep_until(deadline) => self.expire()?,
                _ = self.keepalive.tick() => {
                    self.endpoint.request(Pdu::EnquireLink)?;
                }
            }
        }
    }

    /// Unbind and wait (at most `limit`) for the answer. Deliveries that
    /// arrive meanwhile are dropped (answered unless [`Esme::answer_later`]:
    /// the SMSC then sends them again).
    pub async fn unbind(&mut self, limit: Duration) {
        if !matches!(self.endpoint.request(Pdu::Unbind), Ok(Some(_))) {
            return;
        }
        let _ = tokio::time::timeout(limit, async {
            while self.endpoint.session.state() != BindState::Closed {
                if self.next_event().await.is_err() {
                    break;
                }
            }
        })
        .await;
    }

    /// Handle every whole PDU read so far.
    fn read(&mut self) -> Result<(), ClientError> {
        while let Some(frame) = self.endpoint.link.next_frame()? {
            self.on_frame(frame)?;
        }
        Ok(())
    }

    fn on_frame(&mut self, frame: Frame) -> Result<(), ClientError> {
        let command = match frame {
            Ok(decoded) => decoded.command,
            Err(error) => {
                if let Some(pending) = self.endpoint.malformed(&error)? {
                    let status = error.command_status();
                    let seq = error.header().map_or(0, |header| header.sequence_number);
                    self.answered(pending.command_id, seq, status, None, pending.sent_at);
                }
                if error.can_continue() {
                    return Ok(());
                }
                return Err(ClientError::Unframeable(error));
            }
        };
        match self.endpoint.receive(&command)? {
            Inbound::Handle => {}
            Inbound::Answered => return Ok(()),
            Inbound::Unbound => return Err(ClientError::Unbound),
        }
        let (id, status, seq) = (command.id(), command.status(), command.sequence_number());
        match id {
            CommandId::DeliverSm | CommandId::DataSm => {
                let unanswered = if self.answer_later {
                    Some(Unanswered {
                        sequence: seq,
                        command_id: id,
                    })
                } else {
                    let answer = delivery_answer(id, CommandStatus::EsmeRok, seq);
                    self.endpoint.send(&answer)?;
                    None
                };
                match (command.into_parts().pdu, unanswered) {
                    (Some(pdu), unanswered) => {
                        self.events.push_back(Event::Delivered { pdu, unanswered });
                    }
                    // No body to hand over: nothing the caller could keep.
                    (None, Some(unanswered)) => {
                        self.acknowledge(unanswered, CommandStatus::EsmeRok)?;
                    }
                    (None, None) => {}
                }
            }
            response if response.is_response() => {
                if let Ok(pending) = self.endpoint.window.complete(seq, response) {
                    let message_id = pdu::response_message_id(&command).map(str::to_owned);
                    self.answered(pending.command_id, seq, status, message_id, pending.sent_at);
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
        sequence: u32,
        status: CommandStatus,
        message_id: Option<String>,
        sent_at: Instant,
    ) {
        match request {
            CommandId::SubmitSm => self.events.push_back(Event::Answered {
                sequence,
                status,
                message_id,
                sent_at,
            }),
            CommandId::BindTransmitter | CommandId::BindReceiver | CommandId::BindTransceiver => {
                self.bind_answer = Some(status);
            }
            // A generic_nack to our unbind: there is nothing left to say.
            CommandId::Unbind => self.endpoint.session.close(),
            _ => {}
        }
    }

    fn expire(&mut self) -> Result<(), ClientError> {
        for (sequence, pending) in self.endpoint.window.expire(Instant::now()) {
            match pending.command_id {
                CommandId::SubmitSm => self.events.push_back(Event::TimedOut { sequence }),
                CommandId::Unbind => self.endpoint.session.close(),
                _ => return Err(ClientError::Dead),
            }
        }
        Ok(())
    }
}

/// A connection to `addr`, with the TLS handshake done when `tls` asks
/// for it (the certificate checked against `addr`'s host).
async fn connect(addr: &str, tls: Option<&TlsTarget>) -> Result<Transport, ClientError> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|source| ClientError::Connect {
            addr: addr.to_owned(),
            source,
        })?;
    let Some(target) = tls else {
        return Ok(Transport::Plain(stream));
    };
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    let name = tls::server_name(host.trim_start_matches('[').trim_end_matches(']'))?;
    let config = tls::client_config(target.authorities.as_ref())?;
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|source| ClientError::Handshake {
            addr: addr.to_owned(),
            source,
        })?;
    Ok(Transport::Tls(Box::new(TlsStream::Client(stream))))
}

/// The answer to a deliver_sm or data_sm: a bodied `_resp` when accepted,
/// a body-less one carrying the error otherwise.
fn delivery_answer(request: CommandId, status: CommandStatus, sequence: u32) -> Command {
    if status != CommandStatus::EsmeRok {
        return pdu::error_response(request, status, sequence);
    }
    let empty = COctetString::default();
    let resp: Pdu = if request == CommandId::DataSm {
        DataSmResp::new(empty, Vec::new()).into()
    } else {
        DeliverSmResp::new(empty, Vec::new()).into()
    };
    Command::new(CommandStatus::EsmeRok, sequence, resp)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_answered_with_its_own_response_and_status() {
        let ok = delivery_answer(CommandId::DataSm, CommandStatus::EsmeRok, 7);
        assert_eq!(
            (ok.id(), ok.status(), ok.sequence_number()),
            (CommandId::DataSmResp, CommandStatus::EsmeRok, 7)
        );
        let again = delivery_answer(CommandId::DeliverSm, CommandStatus::EsmeRxTAppn, 9);
        assert_eq!(
            (again.id(), again.status(), again.sequence_number()),
            (CommandId::DeliverSmResp, CommandStatus::EsmeRxTAppn, 9)
        );
    }
}
