//! `Message`: one MT message part as the switch keeps it, from acceptance to
//! its final state, with the timestamped history of every transition.
//!
//! A long text split into concatenated parts is one `Message` per part, each
//! with its own id, price and state, because upstream SMSCs acknowledge and
//! report on parts, not on texts. [`Part`] ties them together.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::address::Address;
use super::id::{AccountId, CampaignId, GatewayName, MessageId, UpstreamId};
use super::money::Money;
use super::state::{IllegalTransition, MessageState};
use super::timestamp;

/// One step of a message's life: the state it entered, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The state entered.
    pub state: MessageState,
    /// When it was entered, in UTC.
    #[serde(with = "timestamp")]
    pub at: DateTime<Utc>,
}

/// Where a part sits in a concatenated message (3GPP TS 23.040 §9.2.3.24.1;
/// SMPP `sar_msg_ref_num`, `sar_total_segments`, `sar_segment_seqnum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PartFields", into = "PartFields")]
pub struct Part {
    reference: u16,
    total: u8,
    seq: u8,
}

/// Why a part number does not make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("part {seq} of {total}: parts are numbered from 1 to the total, and a total is at least 2")]
pub struct PartError {
    /// The part number given, 0 or above `total` when that is what is wrong.
    pub seq: u8,
    /// The total given, below 2 when that is what is wrong.
    pub total: u8,
}

impl Part {
    /// Part `seq` (from 1) of `total` (at least 2), all parts sharing `reference`.
    pub fn new(reference: u16, total: u8, seq: u8) -> Result<Part, PartError> {
        if total < 2 || seq == 0 || seq > total {
            return Err(PartError { seq, total });
        }
        Ok(Part {
            reference,
            total,
            seq,
        })
    }

    /// The concatenation reference all parts of the text share: 8 or 16
    /// bits as the UDH (IEI 0x00 or 0x08) or `sar_msg_ref_num` carried it.
    pub fn reference(self) -> u16 {
        self.reference
    }

    /// How many parts the text has, 2 to 255.
    pub fn total(self) -> u8 {
        self.total
    }

    /// This part's number, from 1 to [`Part::total`].
    pub fn seq(self) -> u8 {
        self.seq
    }
}

#[derive(Serialize, Deserialize)]
struct PartFields {
    reference: u16,
    total: u8,
    seq: u8,
}

impl TryFrom<PartFields> for Part {
    type Error = PartError;

    fn try_from(fields: PartFields) -> Result<Part, PartError> {
        Part::new(fields.reference, fields.total, fields.seq)
    }
}

impl From<Part> for PartFields {
    fn from(part: Part) -> PartFields {
        PartFields {
            reference: part.reference,
            total: part.total,
            seq: part.seq,
        }
    }
}

/// One MT message part.
///
/// The descriptive fields are public: the session that accepts a message
/// fills them, the route and gateway actors set theirs. The state is not:
/// it changes only through [`Message::transition`], which checks the move
/// and records it in the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Our id for this part, the `message_id` the customer got back.
    pub id: MessageId,
    /// Who sent it and pays for it.
    pub account: AccountId,
    /// The sender (`source_addr`), a number or an alphanumeric id.
    pub source: Address,
    /// The recipient (`destination_addr`); routing goes by its digits.
    pub destination: Address,
    /// SMPP `data_coding` as the customer gave it (0 default alphabet,
    /// 8 UCS-2, …); forwarded unchanged, so unknown values are kept.
    pub data_coding: u8,
    /// SMPP `esm_class`; bit 0x40 says the payload starts with a UDH.
    pub esm_class: u8,
    /// The `short_message` of this part as it goes upstream, UDH included.
    pub payload: Vec<u8>,
    /// Set when this is one part of a concatenated message.
    pub part: Option<Part>,
    /// SMPP `registered_delivery`: whether and when the customer wants a
    /// receipt. Kept as the raw bits so none is lost.
    pub registered_delivery: u8,
    /// SMPP `priority_flag` (0 to 3).
    pub priority: u8,
    /// After this time the message is not worth delivering: queued, it
    /// expires here; submitted, it is passed upstream.
    #[serde(default, with = "timestamp::option")]
    pub validity: Option<DateTime<Utc>>,
    /// Not to be submitted before this time.
    #[serde(default, with = "timestamp::option")]
    pub scheduled: Option<DateTime<Utc>>,
    /// The customer's own reference (SMPP `user_message_reference`, the HTTP
    /// API's client reference), echoed in receipts and reports.
    pub client_reference: Option<String>,
    /// What this part was charged; refunded if it fails before any SMSC.
    pub price: Money,
    /// The gateway it was last routed to.
    pub gateway: Option<GatewayName>,
    /// The id that gateway gave it in its `submit_sm_resp`.
    pub upstream_id: Option<UpstreamId>,
    /// The `err:` code of the final receipt, upstream's or ours.
    pub error_code: Option<u16>,
    /// When the switch accepted it (the first entry of its history); a
    /// receipt's "submit date".
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    state: MessageState,
    history: Vec<Transition>,
    /// SMPP `service_type` as the customer gave it (empty: none); cancel_sm
    /// may select by it. Late in the record, so that records stored before
    /// it existed decode with it empty (see the store's value versions).
    pub service_type: String,
    /// Where the customer asked to hear about this message besides SMPP.
    /// Last, for the same reason.
    pub callback: Option<Callback>,
    /// The content rule (`action = "hold"`) that keeps this message from
    /// every gateway until an admin releases it (then `None`) or drops it.
    /// Last, for the same reason.
    pub held_by: Option<String>,
    /// The campaign that created it (`None`: a customer's own request or
    /// the switch's reply). Gateways queue campaign messages behind every
    /// other message of the same priority; its final state is counted in
    /// the campaign's results. Last, for the same reason.
    pub campaign: Option<CampaignId>,
}

/// A per-message request to be told of the message's fate over HTTP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callback {
    /// A JSON POST of its receipt to this URL (the HTTP API's `callback_url`).
    Json {
        /// The URL to POST to.
        url: String,
    },
    /// Kannel's `dlr-url`: a GET of this template with its escape codes
    /// (`%d`, `%p`, …) filled in, for the events `mask` selects (Kannel's
    /// `dlr-mask` bits: 1 delivered, 2 failed, 4 buffered, 8 accepted by
    /// the SMSC, 16 rejected by the SMSC).
    Kannel {
        /// The `dlr-url` template, escape codes not yet filled in.
        url: String,
        /// The `dlr-mask` bits: the events to call back on.
        mask: u8,
    },
}

impl Message {
    /// A message just accepted at `created_at`: state ACCEPTED, the only
    /// entry in its history. The SMPP fields start at their defaults
    /// (all zero) and the optional ones empty; the caller sets what it has.
    pub fn new(
        id: MessageId,
        account: AccountId,
        source: Address,
        destination: Address,
        payload: Vec<u8>,
        created_at: DateTime<Utc>,
    ) -> Message {
        Message {
            id,
            account,
            source,
            destination,
            data_coding: 0,
            esm_class: 0,
            payload,
            part: None,
            registered_delivery: 0,
            priority: 0,
            validity: None,
            scheduled: None,
            client_reference: None,
            price: Money::ZERO,
            gateway: None,
            upstream_id: None,
            error_code: None,
            created_at,
            state: MessageState::Accepted,
            history: vec![Transition {
                state: MessageState::Accepted,
                at: created_at,
            }],
            service_type: String::new(),
            callback: None,
            held_by: None,
            campaign: None,
        }
    }

    /// The state it is in now; changed only by [`Message::transition`].
    pub fn state(&self) -> MessageState {
        self.state
    }

    /// Every state entered, oldest first, starting with ACCEPTED.
    pub fn history(&self) -> &[Transition] {
        &self.history
    }

    /// Moves to `to` at `at` and records it, or refuses an illegal move and
    /// changes nothing. Times are recorded as given, even if a clock step
    /// makes one earlier than the one before.
    pub fn transition(
        &mut self,
        to: MessageState,
        at: DateTime<Utc>,
    ) -> Result<(), IllegalTransition> {
        if !self.state.can_become(to) {
            return Err(IllegalTransition {
                from: self.state,
                to,
            });
        }
        self.state = to;
        self.history.push(Transition { state: to, at });
        Ok(())
    }

    /// Since when it has waited for its receipt: the time it last became
    /// SUBMITTED from another state (an intermediate receipt, SUBMITTED
    /// again, does not restart the wait); `None` unless it is SUBMITTED now.
    pub fn submitted_at(&self) -> Option<DateTime<Utc>> {
        if self.state != MessageState::Submitted {
            return None;
        }
        self.history
            .iter()
            .rev()
            .take_while(|transition| transition.state == MessageState::Submitted)
            .last()
            .map(|transition| transition.at)
    }

    /// When it reached its final state (a receipt's "done date").
    pub fn done_at(&self) -> Option<DateTime<Utc>> {
        if self.state.is_final() {
            self.history.last().map(|transition| transition.at)
        } else {
            None
        }
    }

    /// Whether the customer asked for a receipt of the state it is in
    /// (`registered_delivery` bits 1–0: 01 any final state, 10 failures only).
    pub fn receipt_requested(&self) -> bool {
        match self.registered_delivery & 0x03 {
            1 => self.state.is_final(),
            2 => self.state.is_final() && self.state != MessageState::Delivered,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::address::{Npi, Ton};
    use chrono::TimeZone;

    fn message() -> Message {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        Message::new(
            MessageId::new(7),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Pasarela").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "+34600123456").unwrap(),
            b"hello".to_vec(),
            at,
        )
    }

    #[test]
    fn a_new_message_is_accepted_with_one_history_entry() {
        let message = message();
        assert_eq!(message.state(), MessageState::Accepted);
        assert_eq!(
            message.history(),
            &[Transition {
                state: MessageState::Accepted,
                at: message.created_at
            }]
        );
        assert_eq!(message.done_at(), None);
    }

    #[test]
    fn every_pair_of_states_is_legal_or_refused_without_change() {
        use MessageState::*;
        // The contract, written out once more by hand: (from, [to...]).
        let legal: [(MessageState, &[MessageState]); 10] = [
            (Accepted, &[Routed, Failed, Expired, Deleted]),
            (
                Routed,
                &[Routed, Submitted, Rejected, Failed, Expired, Deleted],
            ),
            (
                Submitted,
                &[
                    Submitted,
                    Routed,
                    Delivered,
                    Undeliverable,
                    Expired,
                    Rejected,
                    Unknown,
                    Deleted,
                ],
            ),
            (Delivered, &[]),
            (Undeliverable, &[]),
            (Expired, &[]),
            (Rejected, &[]),
            (Unknown, &[]),
            (Failed, &[]),
            (Deleted, &[]),
        ];
        let base = message().created_at;
        // A path from ACCEPTED to each state, so every `from` is reachable
        // through `transition` itself.
        let path_to = |state: MessageState| -> Vec<MessageState> {
            match state {
                Accepted => vec![],
                Routed => vec![Routed],
                Submitted => vec![Routed, Submitted],
                Failed | Expired | Deleted => vec![state],
                _ => vec![Routed, Submitted, state],
            }
        };
        for (from, allowed) in legal {
            for to in MessageState::ALL {
                let mut message = message();
                for (step, &state) in path_to(from).iter().enumerate() {
                    let at = base + chrono::Duration::seconds(step as i64 + 1);
                    message.transition(state, at).unwrap();
                }
                assert_eq!(message.state(), from);
                let before = message.clone();
                let at = base + chrono::Duration::minutes(5);
                let result = message.transition(to, at);
                if allowed.contains(&to) {
                    assert_eq!(result, Ok(()), "{from} -> {to}");
                    assert_eq!(message.state(), to);
                    assert_eq!(message.history().len(), before.history().len() + 1);
                    assert_eq!(
                        message.history().last(),
                        Some(&Transition { state: to, at })
                    );
                } else {
                    assert_eq!(
                        result,
                        Err(IllegalTransition { from, to }),
                        "{from} -> {to}"
                    );
                    assert_eq!(message, before, "{from} -> {to} changed the message");
                }
                assert_eq!(from.can_become(to), allowed.contains(&to));
            }
        }
    }

    #[test]
    fn done_at_is_the_time_of_the_final_transition() {
        let mut message = message();
        let t = |s| message.created_at + chrono::Duration::seconds(s);
        let (t1, t2, t3, t4) = (t(1), t(2), t(3), t(4));
        message.transition(MessageState::Routed, t1).unwrap();
        message.transition(MessageState::Submitted, t2).unwrap();
        message.transition(MessageState::Submitted, t3).unwrap();
        assert_eq!(message.done_at(), None);
        message.transition(MessageState::Delivered, t4).unwrap();
        assert_eq!(message.done_at(), Some(t4));
        let states: Vec<_> = message.history().iter().map(|h| h.state).collect();
        use MessageState::*;
        assert_eq!(states, [Accepted, Routed, Submitted, Submitted, Delivered]);
    }

    #[test]
    fn the_wait_for_a_receipt_starts_when_it_last_became_submitted() {
        let mut message = message();
        let t = |s| message.created_at + chrono::Duration::seconds(s);
        let (t1, t2, t3, t4, t5, t6) = (t(1), t(2), t(3), t(4), t(5), t(6));
        message.transition(MessageState::Routed, t1).unwrap();
        assert_eq!(message.submitted_at(), None);
        message.transition(MessageState::Submitted, t2).unwrap();
        // The connection dropped with it in flight: sent again later.
        message.transition(MessageState::Routed, t3).unwrap();
        message.transition(MessageState::Submitted, t4).unwrap();
        // An intermediate receipt does not restart the wait.
        message.transition(MessageState::Submitted, t5).unwrap();
        assert_eq!(message.submitted_at(), Some(t4));
        message.transition(MessageState::Unknown, t6).unwrap();
        assert_eq!(message.submitted_at(), None);
    }

    #[test]
    fn parts_are_numbered_from_one_to_the_total() {
        assert!(Part::new(1, 3, 1).is_ok());
        assert!(Part::new(1, 3, 3).is_ok());
        assert_eq!(Part::new(1, 3, 0), Err(PartError { seq: 0, total: 3 }));
        assert_eq!(Part::new(1, 3, 4), Err(PartError { seq: 4, total: 3 }));
        assert_eq!(Part::new(1, 1, 1), Err(PartError { seq: 1, total: 1 }));
    }
}
