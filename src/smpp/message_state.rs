//! The switch's message state at the SMPP edge: what the `message_state`
//! TLV (SMPP 3.4 §5.3.2.35, 5.0 §4.8.4.37) says for a message of ours
//! (query_sm_resp, the receipts we send), and what one from an upstream
//! SMSC's receipt does to a message it has. The core has one state type,
//! [`MessageState`]; SMPP's values (rusmpp's, unknown ones kept) are only
//! met here and in the receipt text (`receipt::Stat`). No I/O.

use super::pdu::MessageState as SmppState;
use crate::model::MessageState;

/// The `message_state` of a message in `state`. States not yet final are
/// ENROUTE: in SMPP, ACCEPTED (6) is a final state ("read on behalf of the
/// subscriber by customer service"); FAILED, which no SMSC had, reads as
/// UNDELIVERABLE.
pub fn to_smpp(state: MessageState) -> SmppState {
    match state {
        MessageState::Accepted | MessageState::Routed | MessageState::Submitted => {
            SmppState::Enroute
        }
        MessageState::Delivered => SmppState::Delivered,
        MessageState::Undeliverable | MessageState::Failed => SmppState::Undeliverable,
        MessageState::Expired => SmppState::Expired,
        MessageState::Rejected => SmppState::Rejected,
        MessageState::Unknown => SmppState::Unknown,
        MessageState::Deleted => SmppState::Deleted,
    }
}

/// The state an upstream receipt with this `message_state` moves a
/// SUBMITTED message to: SUBMITTED itself for an intermediate receipt
/// (ENROUTE, or ACCEPTED, which SMSCs send as "accepted for delivery"),
/// and `None` for a value we cannot interpret (SCHEDULED, or one outside
/// the table), which leaves the message as it is.
pub fn from_smpp(value: SmppState) -> Option<MessageState> {
    match value {
        SmppState::Enroute | SmppState::Accepted => Some(MessageState::Submitted),
        SmppState::Delivered => Some(MessageState::Delivered),
        SmppState::Expired => Some(MessageState::Expired),
        SmppState::Deleted => Some(MessageState::Deleted),
        SmppState::Undeliverable | SmppState::Skipped => Some(MessageState::Undeliverable),
        SmppState::Unknown => Some(MessageState::Unknown),
        SmppState::Rejected => Some(MessageState::Rejected),
        SmppState::Scheduled | SmppState::Other(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(u8::from(to_smpp(state)), code, "{state}");
        }
    }

    #[test]
    fn upstream_outcomes_are_legal_from_submitted() {
        for code in 0..=u8::MAX {
            if let Some(to) = from_smpp(SmppState::from(code)) {
                assert!(
                    MessageState::Submitted.can_become(to),
                    "code {code} -> {to}"
                );
            }
        }
        assert_eq!(from_smpp(SmppState::from(1)), Some(MessageState::Submitted));
        assert_eq!(from_smpp(SmppState::from(2)), Some(MessageState::Delivered));
        assert_eq!(from_smpp(SmppState::from(0)), None);
        assert_eq!(from_smpp(SmppState::from(42)), None);
    }
}
