//! One end of an SMPP session, as both tools keep it: the [`Link`], the
//! bind state, our sequence numbers and the window of our outstanding
//! requests. It does what both ends do alike: nothing goes out that the
//! bind state forbids; requests go only with room in the window; refused
//! requests, undecodable PDUs, enquire_link and unbind are answered here.
//! Every decision about content is the simulator's or the client's.

use std::time::{Duration, Instant};

use super::link::{Link, LinkError};
use crate::smpp::pdu::{self, Pdu};
use crate::smpp::window::Pending;
use crate::smpp::{
    Command, CommandId, CommandStatus, FrameError, Role, SequenceNumbers, Session, Window,
};

/// What became of a received command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Inbound {
    /// Admitted by the bind state; for the caller to handle.
    Handle,
    /// Answered already; nothing left to do.
    Answered,
    /// The peer unbound and unbind_resp is queued: close once it is out.
    Unbound,
}

/// What the window keeps of a request until it is answered or expired.
/// The client keeps nothing (dropping each submit_sm once written is worth
/// a fifth of its CPU); the simulator keeps its deliveries, to hand the
/// unanswered ones to another bind.
pub(super) trait Keep {
    fn keep(request: Pdu) -> Self;
}

impl Keep for () {
    fn keep(_: Pdu) {}
}

#[derive(Debug)]
pub(super) struct Endpoint<T> {
    pub(super) link: Link,
    pub(super) session: Session,
    /// Our requests awaiting an answer; the command id in each entry says
    /// which kind.
    pub(super) window: Window<T>,
    sequence: SequenceNumbers,
    response_timeout: Duration,
}

impl<T: Keep> Endpoint<T> {
    pub(super) fn new(
        link: Link,
        role: Role,
        window: usize,
        response_timeout: Duration,
    ) -> Endpoint<T> {
        Endpoint {
            link,
            session: Session::new(role),
            window: Window::new(window),
            sequence: SequenceNumbers::new(),
            response_timeout,
        }
    }

    /// Send `command` (an answer, usually) if the bind state allows it. One
    /// it does not allow is not sent: the state machine is the judge, and
    /// an answer to a peer that has unbound has nowhere to go.
    pub(super) fn send(&mut self, command: &Command) -> Result<(), LinkError> {
        if self.session.send(command.id(), command.status()).is_ok() {
            self.link.send(command)?;
        }
        Ok(())
    }

    /// Whether a request `id` may go now: room in the window, and a bind
    /// state that allows it.
    pub(super) fn may_request(&self, id: CommandId) -> bool {
        !self.window.is_full() && self.session.may_send(id)
    }

    /// Send `pdu` as a request with the next sequence number, tracked in the
    /// window; returns that number. `None`: [`Endpoint::may_request`] said
    /// no; nothing was sent.
    pub(super) fn request(&mut self, pdu: Pdu) -> Result<Option<u32>, LinkError> {
        let id = pdu.command_id();
        if !self.may_request(id) {
            return Ok(None);
        }
        let seq = self.sequence.next_number();
        let command = Command::new(CommandStatus::EsmeRok, seq, pdu);
        self.send(&command)?;
        if let Some(pdu) = command.into_parts().pdu {
            let kept = T::keep(pdu);
            let _ = self
                .window
                .insert(seq, id, kept, Instant::now(), self.response_timeout);
        }
        Ok(Some(seq))
    }

    /// Run a received command past the bind state, and answer what both
    /// ends answer alike: enquire_link, unbind, and any request the state
    /// refuses.
    pub(super) fn receive(&mut self, command: &Command) -> Result<Inbound, LinkError> {
        let (id, seq) = (command.id(), command.sequence_number());
        if let Err(refusal) = self.session.receive(id, command.status()) {
            if id.is_operation() {
                self.send(&pdu::error_response(id, refusal, seq))?;
            }
            return Ok(Inbound::Answered);
        }
        let ok = CommandStatus::EsmeRok;
        match id {
            CommandId::EnquireLink => {
                self.send(&pdu::header_only(CommandId::EnquireLinkResp, ok, seq))?;
                Ok(Inbound::Answered)
            }
            CommandId::Unbind => {
                self.send(&pdu::header_only(CommandId::UnbindResp, ok, seq))?;
                Ok(Inbound::Unbound)
            }
            _ => Ok(Inbound::Handle),
        }
    }

    /// A PDU that did not decode: answer it as the codec says, or, for a
    /// response we cannot read, take its request out of the window (it was
    /// answered, badly) and return it. Whether the stream can go on is
    /// [`FrameError::can_continue`].
    pub(super) fn malformed(
        &mut self,
        error: &FrameError,
    ) -> Result<Option<Pending<T>>, LinkError> {
        if let Some(reply) = error.reply() {
            self.send(&reply)?;
            return Ok(None);
        }
        Ok(error.header().and_then(|header| {
            self.window
                .complete(header.sequence_number, header.command_id)
                .ok()
        }))
    }
}
