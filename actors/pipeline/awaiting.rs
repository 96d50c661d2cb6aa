//! The SUBMITTED messages the receipts actor waits on: by the id the SMSC
//! gave them (a receipt finds its message), and by the time each became
//! SUBMITTED (the receipt timeout finds the overdue ones, and route
//! quality the ones whose receipt is missing, without looking at the
//! others). No I/O here.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};

use crate::model::{GatewayName, Message, MessageId, UpstreamId};

/// A message as its gateway knows it: the gateway and the SMSC's id.
pub type UpstreamKey = (GatewayName, UpstreamId);

/// Below this many slots the map is left as large as it grew.
const SHRINK_FLOOR: usize = 4096;

/// SUBMITTED messages by upstream id, ordered by when they were submitted.
///
/// A burst of submits whose receipts lag can put hundreds of thousands of
/// messages here at once; a map keeps the size it grew to, so each message
/// is boxed (a slot is a key and a pointer, not the whole message) and the
/// map shrinks once it is three quarters empty.
#[derive(Default)]
pub struct Awaiting {
    messages: HashMap<UpstreamKey, Box<Message>>,
    /// One entry per message in `messages`: when it became SUBMITTED.
    by_time: BTreeMap<(DateTime<Utc>, MessageId), UpstreamKey>,
}

impl Awaiting {
    /// Waits for `message`'s receipt under `key`, replacing any message
    /// there was under it.
    pub fn insert(&mut self, key: UpstreamKey, message: Message) {
        self.remove(&key);
        // The same message under another key (sent again) is superseded.
        if let Some(previous) = self.by_time.insert(since(&message), key.clone())
            && previous != key
        {
            self.messages.remove(&previous);
        }
        self.messages.insert(key, Box::new(message));
    }

    /// The message waiting under `key`, no longer waited on.
    pub fn remove(&mut self, key: &UpstreamKey) -> Option<Message> {
        let message = self.messages.remove(key)?;
        self.by_time.remove(&since(&message));
        let capacity = self.messages.capacity();
        if capacity > SHRINK_FLOOR && self.messages.len() < capacity / 4 {
            self.messages.shrink_to(self.messages.len() * 2);
        }
        Some(*message)
    }

    /// Takes every message submitted at or before `cutoff`, oldest first.
    pub fn take_submitted_by(&mut self, cutoff: DateTime<Utc>) -> Vec<Message> {
        let overdue: Vec<UpstreamKey> = self
            .by_time
            .range(..=(cutoff, MessageId::new(u64::MAX)))
            .map(|(_, key)| key.clone())
            .collect();
        overdue.iter().filter_map(|key| self.remove(key)).collect()
    }

    /// The messages still waiting that were submitted after `after` and
    /// at or before `until`, oldest first: only those are read.
    pub fn submitted_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Iterator<Item = &Message> {
        let last = MessageId::new(u64::MAX);
        let range = if after < until {
            Some((
                Bound::Excluded((after, last)),
                Bound::Included((until, last)),
            ))
        } else {
            None
        };
        range
            .into_iter()
            .flat_map(|range| self.by_time.range(range))
            .filter_map(|(_, key)| self.messages.get(key).map(Box::as_ref))
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn clear(&mut self) {
        self.messages = HashMap::new();
        self.by_time.clear();
    }
}

/// Where `message` sits in the order of submits.
fn since(message: &Message) -> (DateTime<Utc>, MessageId) {
    (
        message.submitted_at().unwrap_or(message.created_at),
        message.id,
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::model::{AccountId, Address, MessageState, Npi, Ton};

    fn submitted(id: u64, at: DateTime<Utc>) -> (UpstreamKey, Message) {
        let mut message = Message::new(
            MessageId::new(id),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Pasarela").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "+34600123456").unwrap(),
            b"hi".to_vec(),
            at,
        );
        message.transition(MessageState::Routed, at).unwrap();
        message.transition(MessageState::Submitted, at).unwrap();
        let key = (
            GatewayName::new("op".to_owned()).unwrap(),
            UpstreamId::new(format!("up-{id}")).unwrap(),
        );
        (key, message)
    }

    #[test]
    fn only_the_overdue_are_taken_oldest_first_and_once() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut awaiting = Awaiting::default();
        for (id, minutes) in [(1, 30), (2, 10), (3, 20)] {
            let (key, message) = submitted(id, t0 + TimeDelta::minutes(minutes));
            awaiting.insert(key, message);
        }
        let (key, message) = submitted(4, t0);
        awaiting.insert(key.clone(), message);
        // Its receipt came: no longer waited on.
        assert!(awaiting.remove(&key).is_some());
        let taken = awaiting.take_submitted_by(t0 + TimeDelta::minutes(20));
        let ids: Vec<u64> = taken.iter().map(|message| message.id.value()).collect();
        assert_eq!(ids, [2, 3]);
        assert_eq!(awaiting.len(), 1);
        assert!(
            awaiting
                .take_submitted_by(t0 + TimeDelta::minutes(20))
                .is_empty()
        );
    }

    #[test]
    fn submitted_between_reads_only_the_waiting_in_its_span_oldest_first() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut awaiting = Awaiting::default();
        for (id, minutes) in [(1, 10), (2, 20), (3, 30), (4, 40)] {
            let (key, message) = submitted(id, t0 + TimeDelta::minutes(minutes));
            awaiting.insert(key, message);
        }
        // 2's receipt came.
        let (key, _) = submitted(2, t0);
        awaiting.remove(&key);
        let span = |after: i64, until: i64| -> Vec<u64> {
            awaiting
                .submitted_between(
                    t0 + TimeDelta::minutes(after),
                    t0 + TimeDelta::minutes(until),
                )
                .map(|message| message.id.value())
                .collect()
        };
        // After is excluded, until included.
        assert_eq!(span(10, 30), [3]);
        assert_eq!(span(0, 40), [1, 3, 4]);
        assert_eq!(span(40, 50), Vec::<u64>::new());
        assert_eq!(span(30, 10), Vec::<u64>::new());
    }

    #[test]
    fn a_message_sent_again_under_a_new_key_is_waited_on_once() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut awaiting = Awaiting::default();
        let (first, message) = submitted(1, t0);
        awaiting.insert(first.clone(), message.clone());
        let (second, _) = submitted(2, t0);
        awaiting.insert(second.clone(), message);
        assert_eq!(awaiting.len(), 1);
        assert!(awaiting.remove(&first).is_none());
        assert!(awaiting.remove(&second).is_some());
        assert!(awaiting.take_submitted_by(t0).is_empty());
    }

    #[test]
    fn a_message_inserted_again_under_its_key_is_kept_once() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut awaiting = Awaiting::default();
        let (key, message) = submitted(1, t0);
        awaiting.insert(key.clone(), message.clone());
        awaiting.insert(key, message);
        assert_eq!(awaiting.len(), 1);
        assert_eq!(awaiting.take_submitted_by(t0).len(), 1);
        awaiting.clear();
        assert_eq!(awaiting.len(), 0);
    }
}
