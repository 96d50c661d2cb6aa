//! Probes in flight: each message sent to a test number, until it has
//! arrived as MO or its wait is over, with its receipt. A probe whose
//! receipt said DELIVRD but that never arrived was a **fake receipt**; one
//! that arrived from another sender than it was sent with had its sender
//! **rewritten** on the way ([`same_sender`]). The text carries the
//! probe's token ([`token`]) so its MO is found again. No I/O, no clock.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{MessageId, MessageState, Msisdn};

/// What a probe's text starts with, before its id.
const TOKEN_WORD: &str = "pasarela-probe";

/// The text of probe `id`.
pub fn text(id: MessageId) -> String {
    format!("{TOKEN_WORD} {}", id.value())
}

/// The probe id an MO's text carries, if it carries one.
pub fn token(text: &str) -> Option<u64> {
    let mut words = text.split_whitespace();
    words.find(|word| *word == TOKEN_WORD)?;
    words.next()?.parse().ok()
}

/// Whether an MO's source `arrived` is the sender a probe was `sent`
/// with: two numbers compare as numbers (`+34 600…` is `0034600…`), any
/// other sender (alphanumeric) as its text.
pub fn same_sender(sent: &str, arrived: &str) -> bool {
    match (Msisdn::parse(sent), Msisdn::parse(arrived)) {
        (Ok(sent), Ok(arrived)) => sent == arrived,
        _ => sent.trim() == arrived.trim(),
    }
}

/// One probe in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Its gateway.
    pub gateway: String,
    /// The test number's operator.
    pub operator: String,
    /// Its sender, as sent.
    pub sender: String,
    /// Its text, as sent.
    pub text: String,
    /// When it was handed to its gateway.
    pub sent_at: DateTime<Utc>,
    /// Its final receipt's state, once come.
    pub receipt: Option<MessageState>,
    /// Its arrival as MO, once come.
    pub arrived: Option<Arrival>,
}

/// How a probe arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    /// When its MO came in.
    pub at: DateTime<Utc>,
    /// The MO's source: the sender the test number saw.
    pub sender: String,
    /// Whether that is the sender it was sent with ([`same_sender`]).
    pub sender_as_sent: bool,
    /// Whether its text arrived as sent.
    pub text_as_sent: bool,
}

/// How a probe ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The probe.
    pub probe: Probe,
    /// Sent to arrival, when it arrived.
    pub delivery: Option<Duration>,
    /// DELIVRD, never arrived.
    pub fake_receipt: bool,
}

/// The probes in flight, by message id.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    in_flight: HashMap<u64, Probe>,
}

impl Probes {
    /// A probe just sent as message `id`.
    pub fn sent(&mut self, id: MessageId, probe: Probe) {
        self.in_flight.insert(id.value(), probe);
    }

    /// Message `id` reached its final `state`; `false` when it is no probe.
    pub fn receipt(&mut self, id: MessageId, state: MessageState) -> bool {
        match self.in_flight.get_mut(&id.value()) {
            Some(probe) => {
                probe.receipt = Some(state);
                true
            }
            None => false,
        }
    }

    /// An MO from `sender` with `text` arrived at `at`; `true` when it
    /// was a probe in flight (the first arrival counts).
    pub fn arrived(&mut self, sender: &str, text: &str, at: DateTime<Utc>) -> bool {
        let Some(probe) = token(text).and_then(|id| self.in_flight.get_mut(&id)) else {
            return false;
        };
        if probe.arrived.is_none() {
            probe.arrived = Some(Arrival {
                at,
                sender: sender.to_owned(),
                sender_as_sent: same_sender(&probe.sender, sender),
                text_as_sent: text.trim() == probe.text,
            });
        }
        true
    }

    /// Takes every probe sent `wait` or longer before `now`, or arrived
    /// with its receipt come.
    pub fn settle(&mut self, now: DateTime<Utc>, wait: Duration) -> Vec<Settled> {
        let wait = chrono::TimeDelta::from_std(wait).unwrap_or(chrono::TimeDelta::MAX);
        let done: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, probe)| {
                probe
                    .sent_at
                    .checked_add_signed(wait)
                    .is_none_or(|end| end <= now)
                    || (probe.arrived.is_some() && probe.receipt.is_some())
            })
            .map(|(&id, _)| id)
            .collect();
        done.into_iter()
            .filter_map(|id| self.in_flight.remove(&id))
            .map(|probe| Settled {
                delivery: probe
                    .arrived
                    .as_ref()
                    .and_then(|arrival| (arrival.at - probe.sent_at).to_std().ok()),
                fake_receipt: probe.arrived.is_none()
                    && probe.receipt == Some(MessageState::Delivered),
                probe,
            })
            .collect()
    }

    /// Probes in flight.
    pub fn len(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether none is in flight.
    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(at: DateTime<Utc>, id: u64) -> Probe {
        Probe {
            gateway: "a".into(),
            operator: "x".into(),
            sender: "Probe".into(),
            text: text(MessageId::new(id)),
            sent_at: at,
            receipt: None,
            arrived: None,
        }
    }

    #[test]
    fn tokens_are_found_in_the_text() {
        assert_eq!(token(&text(MessageId::new(42))), Some(42));
        assert_eq!(token("fwd: pasarela-probe 7 extra"), Some(7));
        assert_eq!(token("pasarela-probe"), None);
        assert_eq!(token("hello 7"), None);
    }

    #[test]
    fn a_delivered_probe_that_never_arrives_is_a_fake_receipt() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let wait = Duration::from_secs(60);
        let mut probes = Probes::default();
        for id in 1..=3 {
            probes.sent(MessageId::new(id), probe(t0, id));
        }
        assert!(probes.receipt(MessageId::new(1), MessageState::Delivered));
        assert!(probes.receipt(MessageId::new(2), MessageState::Delivered));
        assert!(!probes.receipt(MessageId::new(9), MessageState::Delivered));
        let later = t0 + chrono::TimeDelta::seconds(5);
        assert!(probes.arrived("Probe", "pasarela-probe 1", later));
        assert!(probes.arrived("Probe", "pasarela-probe 3 (changed)", later));
        assert!(!probes.arrived("Probe", "pasarela-probe 8", later));
        // 1 arrived with its receipt: settled at once, as sent.
        let settled = probes.settle(later, wait);
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].delivery, Some(Duration::from_secs(5)));
        let arrival = settled[0].probe.arrived.as_ref();
        assert_eq!(
            arrival.map(|a| (a.sender_as_sent, a.text_as_sent)),
            Some((true, true))
        );
        assert!(!settled[0].fake_receipt);
        // After the wait: 2 is a fake receipt, 3 arrived altered.
        let mut settled = probes.settle(t0 + chrono::TimeDelta::seconds(60), wait);
        settled.sort_by_key(|s| s.probe.text.clone());
        assert!(settled[0].fake_receipt);
        let arrival = settled[1].probe.arrived.as_ref();
        assert_eq!(
            arrival.map(|a| (a.sender_as_sent, a.text_as_sent)),
            Some((true, false))
        );
        assert!(probes.is_empty());
    }

    #[test]
    fn a_sender_is_compared_as_a_number_or_as_text() {
        assert!(same_sender("Probe", "Probe"));
        assert!(same_sender("Probe", " Probe "));
        assert!(!same_sender("Probe", "PROBE"));
        assert!(!same_sender("Probe", "34699000000"));
        assert!(same_sender("+34 699 000 000", "0034699000000"));
        assert!(same_sender("34699000000", "+34699000000"));
        assert!(!same_sender("34699000000", "34699000001"));
    }

    #[test]
    fn a_probe_from_another_sender_arrived_rewritten() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut probes = Probes::default();
        probes.sent(MessageId::new(1), probe(t0, 1));
        assert!(probes.receipt(MessageId::new(1), MessageState::Delivered));
        assert!(probes.arrived("34699000000", "pasarela-probe 1", t0));
        // A second arrival of the same probe changes nothing.
        assert!(probes.arrived("Probe", "pasarela-probe 1", t0));
        let settled = probes.settle(t0, Duration::from_secs(60));
        let arrival = settled[0].probe.arrived.as_ref().unwrap();
        assert!(!arrival.sender_as_sent);
        assert!(arrival.text_as_sent);
        assert_eq!(arrival.sender, "34699000000");
        assert!(!settled[0].fake_receipt);
    }
}
