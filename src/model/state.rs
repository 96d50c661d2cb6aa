//! The message state machine (SPEC §5) and its mappings to SMPP.
//!
//! | from      | to                                                          |
//! |-----------|-------------------------------------------------------------|
//! | ACCEPTED  | ROUTED, FAILED, EXPIRED (in the queue), DELETED (cancel_sm) |
//! | ROUTED    | ROUTED (failover), SUBMITTED, FAILED, EXPIRED, DELETED      |
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
    pub from: MessageState,
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

    /// The `message_state` value for query_sm_resp and the receipt TLV.
    ///
    /// States not yet final are ENROUTE: in SMPP, ACCEPTED (6) is a final
    /// state ("read on behalf of the subscriber by customer service").
    pub fn smpp_message_state(self) -> SmppMessageState {
        match self {
            MessageState::Accepted | MessageState::Routed | MessageState::Submitted => {
                SmppMessageState::Enroute
            }
            MessageState::Delivered => SmppMessageState::Delivered,
            MessageState::Undeliverable | MessageState::Failed => SmppMessageState::Undeliverable,
            MessageState::Expired => SmppMessageState::Expired,
            MessageState::Rejected => SmppMessageState::Rejected,
            MessageState::Unknown => SmppMessageState::Unknown,
            MessageState::Deleted => SmppMessageState::Deleted,
        }
    }
}

impl fmt::Display for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SMPP `message_state` values (SMPP 3.4 §5.2.28, 5.0 §4.7.15, 1 to 9);
/// values outside them are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SmppMessageState {
    Enroute,
    Delivered,
    Expired,
    Deleted,
    Undeliverable,
    Accepted,
    Unknown,
    Rejected,
    /// SMPP 5.0: accepted but not transmitted.
    Skipped,
    Other(u8),
}

impl SmppMessageState {
    pub fn code(self) -> u8 {
        match self {
            SmppMessageState::Enroute => 1,
            SmppMessageState::Delivered => 2,
            SmppMessageState::Expired => 3,
            SmppMessageState::Deleted => 4,
            SmppMessageState::Undeliverable => 5,
            SmppMessageState::Accepted => 6,
            SmppMessageState::Unknown => 7,
            SmppMessageState::Rejected => 8,
            SmppMessageState::Skipped => 9,
            SmppMessageState::Other(code) => code,
        }
    }

    pub fn from_code(code: u8) -> SmppMessageState {
        match code {
            1 => SmppMessageState::Enroute,
            2 => SmppMessageState::Delivered,
            3 => SmppMessageState::Expired,
            4 => SmppMessageState::Deleted,
            5 => SmppMessageState::Undeliverable,
            6 => SmppMessageState::Accepted,
            7 => SmppMessageState::Unknown,
            8 => SmppMessageState::Rejected,
            9 => SmppMessageState::Skipped,
            other => SmppMessageState::Other(other),
        }
    }

    /// The state an upstream receipt with this `message_state` moves a
    /// SUBMITTED message to: SUBMITTED itself for an intermediate receipt
    /// (ENROUTE, or ACCEPTED, which SMSCs send as "accepted for delivery"),
    /// and `None` for a value we cannot interpret, which leaves the message
    /// as it is.
    pub fn outcome(self) -> Option<MessageState> {
        match self {
            SmppMessageState::Enroute | SmppMessageState::Accepted => Some(MessageState::Submitted),
            SmppMessageState::Delivered => Some(MessageState::Delivered),
            SmppMessageState::Expired => Some(MessageState::Expired),
            SmppMessageState::Deleted => Some(MessageState::Deleted),
            SmppMessageState::Undeliverable | SmppMessageState::Skipped => {
                Some(MessageState::Undeliverable)
            }
            SmppMessageState::Unknown => Some(MessageState::Unknown),
            SmppMessageState::Rejected => Some(MessageState::Rejected),
            SmppMessageState::Other(_) => None,
        }
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

    #[test]
    fn message_state_codes_follow_smpp() {
        use MessageState::*;
        let table = [
            (Accepted, 1),
            (Routed, 1),
            (Submitted, 1),
            (Delivered, 2),
            (Undeliverable, 5),
            (Expired, 3),
            (Rejected, 8),
            (Unknown, 7),
            (Failed, 5),
            (Deleted, 4),
        ];
        assert_eq!(table.len(), MessageState::ALL.len());
        for (state, code) in table {
            assert_eq!(state.smpp_message_state().code(), code, "{state}");
        }
    }

    #[test]
    fn smpp_message_state_keeps_every_code() {
        for code in 0..=u8::MAX {
            assert_eq!(SmppMessageState::from_code(code).code(), code);
        }
    }

    #[test]
    fn upstream_outcomes_are_legal_from_submitted() {
        for code in 0..=u8::MAX {
            if let Some(to) = SmppMessageState::from_code(code).outcome() {
                assert!(
                    MessageState::Submitted.can_become(to),
                    "code {code} -> {to}"
                );
            }
        }
        assert_eq!(
            SmppMessageState::from_code(1).outcome(),
            Some(MessageState::Submitted)
        );
        assert_eq!(
            SmppMessageState::from_code(2).outcome(),
            Some(MessageState::Delivered)
        );
        assert_eq!(SmppMessageState::from_code(0).outcome(), None);
    }
}
