//! The bind state machine (SMPP 3.4 §2.2–2.3), pure: which command may flow
//! in which direction in which state, and how binds and unbinds move the
//! state. One [`Session`] per connection, for either role: the server side
//! (ESMEs bind to us, we act as the MC) and the client side (we bind to an
//! upstream SMSC as an ESME).
//!
//! Choices beyond the letter of 3.4:
//! - enquire_link (and its response) is accepted in the OPEN state too, as
//!   SMPP 5.0 allows; many clients send one before binding.
//! - An error response (non-zero command_status) may always be *sent* while
//!   the session is not closed: answering "already bound" to a second bind
//!   must not itself be refused.
//! - While UNBINDING, responses still flow (outstanding requests get their
//!   answers) but new requests other than unbind/enquire_link are refused;
//!   an unbind from the peer crossing ours is accepted and answered.

use super::pdu::{self, CommandId, CommandStatus};

/// Which end of the connection we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We are the MC; the peer is an ESME that binds to us.
    Server,
    /// We are an ESME; the peer is an SMSC we bind to.
    Client,
}

/// Session states (SMPP 3.4 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindState {
    /// Connected, not bound.
    Open,
    /// Bound as transmitter: the ESME submits, the MC delivers nothing.
    BoundTx,
    /// Bound as receiver: the MC delivers, the ESME submits nothing.
    BoundRx,
    /// Bound as transceiver: traffic both ways.
    BoundTrx,
    /// An unbind was sent; waiting for unbind_resp.
    Unbinding,
    /// Unbound or disconnected: nothing more may flow, not even enquire_link.
    Closed,
}

impl BindState {
    /// Every state, in declaration order.
    pub const ALL: [BindState; 6] = [
        BindState::Open,
        BindState::BoundTx,
        BindState::BoundRx,
        BindState::BoundTrx,
        BindState::Unbinding,
        BindState::Closed,
    ];

    /// The state a successful bind of this kind leads to.
    pub fn after_bind(bind: CommandId) -> Option<BindState> {
        match bind {
            CommandId::BindTransmitter | CommandId::BindTransmitterResp => Some(BindState::BoundTx),
            CommandId::BindReceiver | CommandId::BindReceiverResp => Some(BindState::BoundRx),
            CommandId::BindTransceiver | CommandId::BindTransceiverResp => {
                Some(BindState::BoundTrx)
            }
            _ => None,
        }
    }

    /// Whether the session is in one of the three bound states.
    pub fn is_bound(self) -> bool {
        matches!(
            self,
            BindState::BoundTx | BindState::BoundRx | BindState::BoundTrx
        )
    }
}

/// Who sends the PDU, in SMPP's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// From the ESME to the MC: binds, submit_sm, data_sm, deliver_sm_resp, ….
    EsmeToMc,
    /// From the MC to the ESME: bind responses, outbind, deliver_sm, data_sm,
    /// submit_sm_resp, ….
    McToEsme,
}

impl Flow {
    /// The flow of PDUs we receive (`inbound`) or send in `role`.
    pub fn of(role: Role, inbound: bool) -> Flow {
        match (role, inbound) {
            (Role::Server, true) | (Role::Client, false) => Flow::EsmeToMc,
            (Role::Server, false) | (Role::Client, true) => Flow::McToEsme,
        }
    }
}

use BindState::{BoundRx, BoundTrx, BoundTx, Closed, Open, Unbinding};

/// The table: may `id` flow as `flow` in `state`? `Err` carries the status
/// the receiver answers: ESME_RALYBND for a bind on a bound session,
/// ESME_RINVCMDID for ids 3.4 does not define, ESME_RINVBNDSTS otherwise.
pub fn allowed(flow: Flow, state: BindState, id: CommandId) -> Result<(), CommandStatus> {
    if !pdu::is_smpp34(id) {
        return Err(CommandStatus::EsmeRinvcmdid);
    }
    let ok = match (flow, id) {
        (
            Flow::EsmeToMc,
            CommandId::BindTransmitter | CommandId::BindReceiver | CommandId::BindTransceiver,
        ) => {
            if state.is_bound() {
                return Err(CommandStatus::EsmeRalybnd);
            }
            state == Open
        }
        (
            Flow::McToEsme,
            CommandId::Outbind
            | CommandId::BindTransmitterResp
            | CommandId::BindReceiverResp
            | CommandId::BindTransceiverResp,
        ) => state == Open,
        (
            Flow::EsmeToMc,
            CommandId::SubmitSm
            | CommandId::SubmitMulti
            | CommandId::QuerySm
            | CommandId::CancelSm
            | CommandId::ReplaceSm
            | CommandId::DataSm,
        ) => matches!(state, BoundTx | BoundTrx),
        (
            Flow::McToEsme,
            CommandId::SubmitSmResp
            | CommandId::SubmitMultiResp
            | CommandId::QuerySmResp
            | CommandId::CancelSmResp
            | CommandId::ReplaceSmResp
            | CommandId::DataSmResp,
        ) => matches!(state, BoundTx | BoundTrx | Unbinding),
        (
            Flow::McToEsme,
            CommandId::DeliverSm | CommandId::DataSm | CommandId::AlertNotification,
        ) => matches!(state, BoundRx | BoundTrx),
        (Flow::EsmeToMc, CommandId::DeliverSmResp | CommandId::DataSmResp) => {
            matches!(state, BoundRx | BoundTrx | Unbinding)
        }
        // Both ends may unbind at once; the crossing unbind is answered.
        (_, CommandId::Unbind) => state.is_bound() || state == Unbinding,
        (_, CommandId::UnbindResp) => state.is_bound() || state == Unbinding,
        (_, CommandId::EnquireLink | CommandId::EnquireLinkResp | CommandId::GenericNack) => {
            state != Closed
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(CommandStatus::EsmeRinvbndsts)
    }
}

/// A PDU we tried to send that the state does not allow: a bug in the
/// caller, reported rather than put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{command_id:?} may not be sent in state {state:?}")]
pub struct StateError {
    /// The PDU that was to be sent.
    pub command_id: CommandId,
    /// The state that does not allow it.
    pub state: BindState,
}

/// The bind state of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    role: Role,
    state: BindState,
    /// Client side: the bind we sent and await the answer to.
    requested: Option<CommandId>,
}

impl Session {
    /// A new connection in `role`, state OPEN.
    pub fn new(role: Role) -> Session {
        Session {
            role,
            state: Open,
            requested: None,
        }
    }

    /// Which end of the connection this session is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The bind state now.
    pub fn state(&self) -> BindState {
        self.state
    }

    /// Whether a PDU with this id may be sent now, without changing anything.
    pub fn may_send(&self, id: CommandId) -> bool {
        allowed(Flow::of(self.role, false), self.state, id).is_ok()
    }

    /// A PDU arrived. `Err(status)`: refuse it with that status (for a
    /// request; a refused response is dropped). On success the state moves
    /// as the PDU dictates (client: a successful bind_resp binds).
    pub fn receive(&mut self, id: CommandId, status: CommandStatus) -> Result<(), CommandStatus> {
        allowed(Flow::of(self.role, true), self.state, id)?;
        match id {
            CommandId::BindTransmitterResp
            | CommandId::BindReceiverResp
            | CommandId::BindTransceiverResp => {
                let expected = self.requested.map(CommandId::matching_response);
                if self.role != Role::Client || expected != Some(id) {
                    return Err(CommandStatus::EsmeRinvbndsts);
                }
                self.requested = None;
                if status == CommandStatus::EsmeRok {
                    self.state = BindState::after_bind(id).unwrap_or(self.state);
                }
            }
            CommandId::GenericNack if self.requested.is_some() => self.requested = None,
            CommandId::UnbindResp if self.state == Unbinding => self.state = Closed,
            _ => {}
        }
        Ok(())
    }

    /// We are about to send a PDU. Server: a successful bind_resp binds.
    /// Either side: sending unbind starts unbinding, sending unbind_resp
    /// closes.
    pub fn send(&mut self, id: CommandId, status: CommandStatus) -> Result<(), StateError> {
        let error = StateError {
            command_id: id,
            state: self.state,
        };
        let is_error_response = id.is_response() && status != CommandStatus::EsmeRok;
        if is_error_response {
            if self.state == Closed {
                return Err(error);
            }
        } else {
            allowed(Flow::of(self.role, false), self.state, id).map_err(|_| error)?;
        }
        match id {
            CommandId::BindTransmitter | CommandId::BindReceiver | CommandId::BindTransceiver => {
                if self.requested.is_some() {
                    return Err(error);
                }
                self.requested = Some(id);
            }
            CommandId::BindTransmitterResp
            | CommandId::BindReceiverResp
            | CommandId::BindTransceiverResp
                if !is_error_response =>
            {
                self.state = BindState::after_bind(id).unwrap_or(self.state);
            }
            CommandId::Unbind => self.state = Unbinding,
            CommandId::UnbindResp if !is_error_response => self.state = Closed,
            _ => {}
        }
        Ok(())
    }

    /// The connection is gone.
    pub fn close(&mut self) {
        self.state = Closed;
        self.requested = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_bind_then_submit_then_unbind() {
        let mut session = Session::new(Role::Server);
        assert_eq!(
            session.receive(CommandId::SubmitSm, CommandStatus::EsmeRok),
            Err(CommandStatus::EsmeRinvbndsts)
        );
        session
            .receive(CommandId::BindTransceiver, CommandStatus::EsmeRok)
            .expect("bind in open");
        assert_eq!(session.state(), Open, "bound only once the resp is sent");
        session
            .send(CommandId::BindTransceiverResp, CommandStatus::EsmeRok)
            .expect("resp");
        assert_eq!(session.state(), BoundTrx);
        assert_eq!(
            session.receive(CommandId::BindTransmitter, CommandStatus::EsmeRok),
            Err(CommandStatus::EsmeRalybnd)
        );
        session
            .send(CommandId::BindTransmitterResp, CommandStatus::EsmeRalybnd)
            .expect("an error answer is always sendable");
        assert_eq!(session.state(), BoundTrx);
        session
            .receive(CommandId::SubmitSm, CommandStatus::EsmeRok)
            .expect("bound trx");
        assert!(session.may_send(CommandId::DeliverSm));
        session
            .receive(CommandId::Unbind, CommandStatus::EsmeRok)
            .expect("unbind");
        session
            .send(CommandId::UnbindResp, CommandStatus::EsmeRok)
            .expect("unbind_resp");
        assert_eq!(session.state(), Closed);
        assert!(
            session
                .send(CommandId::EnquireLink, CommandStatus::EsmeRok)
                .is_err()
        );
    }

    #[test]
    fn server_failed_bind_stays_open() {
        let mut session = Session::new(Role::Server);
        session
            .receive(CommandId::BindTransmitter, CommandStatus::EsmeRok)
            .expect("bind");
        session
            .send(CommandId::BindTransmitterResp, CommandStatus::EsmeRinvpaswd)
            .expect("refusal");
        assert_eq!(session.state(), Open);
    }

    #[test]
    fn client_bind_resp_must_answer_our_bind() {
        let mut session = Session::new(Role::Client);
        assert_eq!(
            session.receive(CommandId::BindReceiverResp, CommandStatus::EsmeRok),
            Err(CommandStatus::EsmeRinvbndsts),
            "unsolicited bind_resp"
        );
        session
            .send(CommandId::BindTransmitter, CommandStatus::EsmeRok)
            .expect("bind");
        assert!(
            session
                .send(CommandId::BindTransmitter, CommandStatus::EsmeRok)
                .is_err()
        );
        assert_eq!(
            session.receive(CommandId::BindReceiverResp, CommandStatus::EsmeRok),
            Err(CommandStatus::EsmeRinvbndsts),
            "wrong kind"
        );
        session
            .receive(CommandId::BindTransmitterResp, CommandStatus::EsmeRok)
            .expect("ours");
        assert_eq!(session.state(), BoundTx);
        assert!(session.may_send(CommandId::SubmitSm));
        assert!(!session.may_send(CommandId::DeliverSmResp));
        session
            .send(CommandId::Unbind, CommandStatus::EsmeRok)
            .expect("unbind");
        assert_eq!(session.state(), Unbinding);
        session
            .receive(CommandId::SubmitSmResp, CommandStatus::EsmeRok)
            .expect("late responses still arrive");
        session
            .receive(CommandId::Unbind, CommandStatus::EsmeRok)
            .expect("a crossing unbind");
        session
            .receive(CommandId::UnbindResp, CommandStatus::EsmeRok)
            .expect("unbind_resp");
        assert_eq!(session.state(), Closed);
    }

    #[test]
    fn client_rejected_bind_can_retry() {
        let mut session = Session::new(Role::Client);
        session
            .send(CommandId::BindTransceiver, CommandStatus::EsmeRok)
            .expect("bind");
        session
            .receive(CommandId::BindTransceiverResp, CommandStatus::EsmeRinvpaswd)
            .expect("an answer");
        assert_eq!(session.state(), Open);
        session
            .send(CommandId::BindTransceiver, CommandStatus::EsmeRok)
            .expect("retry");
    }
}
