//! The message state machine (SPEC §5): the one message-state type of
//! the core (its SMPP spellings are at the edge, `smpp::message_state`).
//!
//! | from      | to                                                          |
//! |-----------|-------------------------------------------------------------|
//! | ACCEPTED  | ROUTED, FAILED, EXPIRED (in the queue), DELETED (cancel_sm) |
//! | ROUTED    | ROUTED (failover), SUBMITTED, REJECTED (refused in submit_sm_resp), FAILED, EXPIRED, DELETED |
//! | SUBMITTED | SUBMITTED (intermediate receipt), ROUTED (re-queue), DELIVERED, UNDELIVERABLE, EXPIRED, REJECTED, UNKNOWN, DELETED (cancelled upstream) |
//! | any final | nothing                                                     |
//!
//! The legal moves are exactly those of [`MessageState::can_become`]; the
//! seven final states allow none. Two moves keep the state: ROUTED → ROUTED
//! (failover to the next gateway) and SUBMITTED → SUBMITTED (an intermediate
//! receipt, ENROUTE or ACCEPTD, from upstream); both are still recorded so
//! the history shows every event with its time.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where one message part is in its life. Serialized by name as the spec
/// writes it ("DELIVERED") in human-readable formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageState {
    /// Stored and charged; acknowledged to the customer.
    Accepted,
    /// A gateway has been chosen; queued for it or in flight to it.
    Routed,
    /// Handed to an upstream SMSC (or modem); waiting for its receipt.
    Submitted,
    /// Final: the handset received it.
    Delivered,
    /// Final: the network gave up on it.
    Undeliverable,
    /// Final: its validity period passed, upstream or in our queue.
    Expired,
    /// Final: upstream refused it.
    Rejected,
    /// Final: upstream does not know what happened to it.
    Unknown,
    /// Final: it never reached an SMSC (no route, every gateway refused it).
    Failed,
    /// Final: cancelled (cancel_sm), here or upstream.
    Deleted,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal message state transition {from} -> {to}")]
pub struct IllegalTransition {
    /// The state the message was in.
    pub from: MessageState,
    /// The state asked for.
    pub to: MessageState,
}

impl MessageState {
    /// Every state, in declaration order.
    pub const ALL: [MessageState; 10] = [
        MessageState::Accepted,
        MessageState::Routed,
        MessageState::Submitted,
        MessageState::Delivered,
        MessageState::Undeliverable,
        MessageState::Expired,
        MessageState::Rejected,
        MessageState::Unknown,
        MessageState::Failed,
        MessageState::Deleted,
    ];

    /// Final states allow no further transition.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            MessageState::Accepted | MessageState::Routed | MessageState::Submitted
        )
    }

    /// Whether `self → to` is a legal transition.
    pub fn can_become(self, to: MessageState) -> bool {
        use MessageState::*;
        match self {
            Accepted => matches!(to, Routed | Failed | Expired | Deleted),
            // Routed → Routed: failover to the next gateway of the route.
            // Routed → Rejected: the SMSC refused it in its submit_sm_resp.
            Routed => matches!(
                to,
                Routed | Submitted | Rejected | Failed | Expired | Deleted
            ),
            // Submitted → Submitted: an intermediate receipt.
            // Submitted → Routed: the connection dropped with it in flight,
            // or the SMSC refused it with a status worth another gateway.
            Submitted => matches!(
                to,
                Submitted
                    | Routed
                    | Delivered
                    | Undeliverable
                    | Expired
                    | Rejected
                    | Unknown
                    | Deleted
            ),
            Delivered | Undeliverable | Expired | Rejected | Unknown | Failed | Deleted => false,
        }
    }

    /// The name operators read: the spec's upper-case word.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Accepted => "ACCEPTED",
            MessageState::Routed => "ROUTED",
            MessageState::Submitted => "SUBMITTED",
            MessageState::Delivered => "DELIVERED",
            MessageState::Undeliverable => "UNDELIVERABLE",
            MessageState::Expired => "EXPIRED",
            MessageState::Rejected => "REJECTED",
            MessageState::Unknown => "UNKNOWN",
            MessageState::Failed => "FAILED",
            MessageState::Deleted => "DELETED",
        }
    }
}

impl fmt::Display for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states_are_those_without_moves() {
        for from in MessageState::ALL {
            let has_moves = MessageState::ALL.iter().any(|&to| from.can_become(to));
            assert_eq!(from.is_final(), !has_moves, "{from}");
        }
    }
}
