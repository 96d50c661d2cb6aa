//! Joining the parts of a concatenated MO before it is routed. An SMPP
//! upstream stores each part on its own in `inbox`, with its place
//! (`InboundMessage::part`); the MO router offers every record here first,
//! so an account's ESME and callback get one message, as from a modem
//! (which joins before storing). No I/O here: the parts stay in `inbox`
//! until the joined message is routed, and the batch that routes it
//! removes them all, so after a restart the router groups them again from
//! the inbox.
//!
//! - Parts are grouped by gateway, source, destination, reference and
//!   total, and may come in any order. A part offered again (the router
//!   read the inbox again) is ignored; another record for a place already
//!   held (an SMSC resending a part) is kept aside and removed with the
//!   group, not joined twice.
//! - A message whose parts stop coming is given up [`JOIN_TIMEOUT`] after
//!   its first part was received (a stored time, so a restart does not
//!   reset it): each part is then routed on its own, `complete` false.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::GatewayName;
use crate::sms::Alphabet;
use crate::sms::incoming::decode_text;
use crate::store::InboundMessage;

/// How long the parts of a message wait for the rest.
pub const JOIN_TIMEOUT: TimeDelta = TimeDelta::minutes(10);

/// An MO to route, and the `inbox` records (fingerprints) it is made of,
/// the first one naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    pub message: InboundMessage,
    pub records: Vec<String>,
}

impl Ready {
    fn alone(message: InboundMessage) -> Ready {
        Ready {
            records: vec![message.fingerprint.clone()],
            message,
        }
    }
}

/// What the parts of one message share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GroupKey {
    gateway: GatewayName,
    source: String,
    destination: Option<String>,
    reference: u16,
    total: u8,
}

/// The parts of one message held so far.
#[derive(Debug, Default)]
struct Group {
    /// By place.
    parts: BTreeMap<u8, InboundMessage>,
    /// Other records for a place already held.
    copies: Vec<String>,
}

impl Group {
    fn holds(&self, fingerprint: &str) -> bool {
        self.parts
            .values()
            .any(|part| part.fingerprint == fingerprint)
            || self.copies.iter().any(|copy| copy == fingerprint)
    }

    fn first_received(&self) -> Option<DateTime<Utc>> {
        self.parts.values().map(|part| part.received_at).min()
    }
}

/// The messages whose parts are still coming.
#[derive(Debug, Default)]
pub struct Joiner {
    groups: HashMap<GatewayName, HashMap<GroupKey, Group>>,
}

impl Joiner {
    /// Takes one record as `inbox` has it. A message on its own is ready
    /// at once; a part waits for the rest, and with the last one the
    /// joined message is ready.
    pub fn offer(&mut self, message: InboundMessage) -> Option<Ready> {
        let Some(part) = message.part else {
            return Some(Ready::alone(message));
        };
        let key = GroupKey {
            gateway: message.gateway.clone(),
            source: message.source.clone(),
            destination: message.destination.clone(),
            reference: part.reference,
            total: part.total,
        };
        let groups = self.groups.entry(message.gateway.clone()).or_default();
        let group = groups.entry(key.clone()).or_default();
        if group.holds(&message.fingerprint) {
            return None;
        }
        if group.parts.contains_key(&part.seq) {
            group.copies.push(message.fingerprint);
            return None;
        }
        group.parts.insert(part.seq, message);
        if group.parts.len() < usize::from(part.total) {
            return None;
        }
        groups.remove(&key).and_then(joined)
    }

    /// The messages given up at `now`: each of their parts, ready on its
    /// own, and the copies with the first.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Vec<Ready> {
        let mut ready = Vec::new();
        for groups in self.groups.values_mut() {
            let expired: Vec<GroupKey> = groups
                .iter()
                .filter(|(_, group)| {
                    group
                        .first_received()
                        .is_none_or(|first| first + JOIN_TIMEOUT <= now)
                })
                .map(|(key, _)| key.clone())
                .collect();
            for key in expired {
                let Some(group) = groups.remove(&key) else {
                    continue;
                };
                let mut parts = group.parts.into_values().map(Ready::alone);
                if let Some(mut first) = parts.next() {
                    first.records.extend(group.copies);
                    ready.push(first);
                }
                ready.extend(parts);
            }
        }
        ready
    }

    /// Forgets every group (the router reads the inbox again).
    pub fn clear(&mut self) {
        self.groups.clear();
    }
}

/// One message of every part of `group`, in order: the bodies joined and
/// read as one text when every part has the same coding (so a character
/// split across parts is read whole), otherwise the parts' texts joined.
/// `None` for a group without parts, which is never kept.
fn joined(group: Group) -> Option<Ready> {
    let parts: Vec<InboundMessage> = group.parts.into_values().collect();
    let mut records: Vec<String> = parts.iter().map(|part| part.fingerprint.clone()).collect();
    records.extend(group.copies);
    let body: Vec<u8> = parts.iter().flat_map(|part| part.body.clone()).collect();
    let first = parts.first()?.clone();
    let text = if parts.iter().all(|part| part.dcs == first.dcs) {
        decode_text(Alphabet::from_data_coding(first.dcs), &body)
    } else {
        parts.iter().map(|part| part.text.as_deref()).collect()
    };
    let received_at = parts.iter().map(|part| part.received_at).max()?;
    let message = InboundMessage {
        parts: u8::try_from(parts.len()).unwrap_or(u8::MAX),
        complete: true,
        body,
        text,
        received_at,
        part: None,
        ..first
    };
    Some(Ready { message, records })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MoPart;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    /// Part `seq` of `total` with reference 7 from one handset, as stored.
    fn part(fingerprint: &str, seq: u8, total: u8, text: &str, minute: i64) -> InboundMessage {
        InboundMessage {
            complete: false,
            part: Some(MoPart {
                reference: 7,
                total,
                seq,
            }),
            ..InboundMessage::example("operator-a", fingerprint, text, at(minute))
        }
    }

    #[test]
    fn a_message_on_its_own_is_ready_at_once() {
        let mut joiner = Joiner::default();
        let alone = InboundMessage {
            part: None,
            complete: true,
            ..part("a", 1, 1, "hello", 0)
        };
        assert_eq!(joiner.offer(alone.clone()), Some(Ready::alone(alone)));
    }

    #[test]
    fn parts_in_any_order_are_joined_once_with_copies_removed_alongside() {
        let mut joiner = Joiner::default();
        assert_eq!(joiner.offer(part("c", 3, 3, "three", 2)), None);
        assert_eq!(joiner.offer(part("a", 1, 3, "one ", 0)), None);
        // Read again from the inbox, and resent by the SMSC under a new key.
        assert_eq!(joiner.offer(part("a", 1, 3, "one ", 0)), None);
        assert_eq!(joiner.offer(part("a2", 1, 3, "one ", 1)), None);
        // Another message's part (another reference) does not mix in.
        let mut other = part("x", 2, 3, "other", 1);
        other.part = Some(MoPart {
            reference: 8,
            total: 3,
            seq: 2,
        });
        assert_eq!(joiner.offer(other), None);
        let ready = joiner.offer(part("b", 2, 3, "two ", 1)).expect("whole");
        assert_eq!(ready.records, ["a", "b", "c", "a2"]);
        assert_eq!(ready.message.fingerprint, "a");
        assert_eq!(ready.message.text.as_deref(), Some("one two three"));
        assert_eq!(ready.message.body, b"one two three");
        assert_eq!(
            (
                ready.message.parts,
                ready.message.complete,
                ready.message.part
            ),
            (3, true, None)
        );
        assert_eq!(ready.message.received_at, at(2));
        // The group is gone: its parts offered again start a new one.
        assert_eq!(joiner.offer(part("b", 2, 3, "two ", 1)), None);
    }

    #[test]
    fn parts_that_wait_too_long_go_one_by_one_with_the_copies() {
        let mut joiner = Joiner::default();
        assert_eq!(joiner.offer(part("a", 1, 3, "one ", 0)), None);
        assert_eq!(joiner.offer(part("a2", 1, 3, "one ", 1)), None);
        assert_eq!(joiner.offer(part("c", 3, 3, "three", 5)), None);
        assert_eq!(joiner.expire(at(9)), []);
        let given_up = joiner.expire(at(10));
        assert_eq!(
            given_up
                .iter()
                .map(|ready| ready.records.clone())
                .collect::<Vec<_>>(),
            [vec!["a".to_owned(), "a2".to_owned()], vec!["c".to_owned()]]
        );
        assert!(given_up.iter().all(|ready| !ready.message.complete));
        assert_eq!(joiner.expire(at(60)), []);
    }
}
