//! The SUBMITTED messages the receipts actor waits on: by the id the SMSC
//! gave them (a receipt finds its message), and by the time each became
//! SUBMITTED (the receipt timeout finds the overdue ones, and route
//! quality the ones whose receipt is missing, without looking at the
//! others). At most `store.awaiting_whole` are held whole; past that the
//! oldest are held by id, for the receipts actor to read back from the
//! store, but only once their SUBMITTED record can be read there. No I/O
//! here.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};

use crate::model::{GatewayName, Message, MessageId, UpstreamId};

/// A message as its gateway knows it: the gateway and the SMSC's id.
pub type UpstreamKey = (GatewayName, UpstreamId);

/// Below this many slots the map is left as large as it grew.
const SHRINK_FLOOR: usize = 4096;

/// A message waited on, as handed out: whole, or its id in the store.
#[derive(Debug, PartialEq)]
pub enum Waited<M> {
    Whole(M),
    ById(MessageId),
}

/// A message waited on, as held.
enum Held {
    /// Whole, with the number it was inserted under.
    Whole { message: Box<Message>, number: u64 },
    /// By id: its SUBMITTED record is readable in the store.
    ById { id: MessageId, since: DateTime<Utc> },
}

impl Held {
    fn since(&self) -> (DateTime<Utc>, MessageId) {
        match self {
            Held::Whole { message, .. } => since(message),
            Held::ById { id, since } => (*since, *id),
        }
    }

    fn waited(self) -> Waited<Message> {
        match self {
            Held::Whole { message, .. } => Waited::Whole(*message),
            Held::ById { id, .. } => Waited::ById(id),
        }
    }
}

/// SUBMITTED messages by upstream id, ordered by when they were submitted.
///
/// A burst of submits whose receipts lag can put hundreds of thousands of
/// messages here at once. Held whole, each costs its whole record; held
/// by id, a key, an id and a time. A map keeps the size it grew to, so it
/// shrinks once it is three quarters empty.
pub struct Awaiting {
    messages: HashMap<UpstreamKey, Held>,
    /// One entry per message in `messages`: when it became SUBMITTED.
    by_time: BTreeMap<(DateTime<Utc>, MessageId), UpstreamKey>,
    /// The messages held whole, by the number each was inserted under
    /// (their place in `by_time`): the oldest are the first held by id
    /// instead.
    whole: BTreeMap<u64, (DateTime<Utc>, MessageId)>,
    /// The number the next insert takes.
    next_number: u64,
    /// Every message inserted under a number below this one has its
    /// SUBMITTED record readable in the store (see [`Awaiting::readable_below`]).
    readable_below: u64,
    /// `store.awaiting_whole`.
    whole_max: usize,
}

impl Awaiting {
    /// Holds at most `whole_max` messages whole once their records are
    /// readable in the store.
    pub fn new(whole_max: usize) -> Awaiting {
        Awaiting {
            messages: HashMap::new(),
            by_time: BTreeMap::new(),
            whole: BTreeMap::new(),
            next_number: 0,
            readable_below: 0,
            whole_max,
        }
    }

    /// Waits for `message`'s receipt under `key`, replacing any message
    /// there was under it. Its SUBMITTED record must have been handed to
    /// the store before: [`Awaiting::readable_below`] counts on it.
    pub fn insert(&mut self, key: UpstreamKey, message: Message) {
        self.remove(&key);
        // The same message under another key (sent again) is superseded.
        let since = since(&message);
        if let Some(previous) = self.by_time.insert(since, key.clone())
            && previous != key
        {
            self.forget(&previous);
        }
        let number = self.next_number;
        self.next_number += 1;
        self.whole.insert(number, since);
        self.messages.insert(
            key,
            Held::Whole {
                message: Box::new(message),
                number,
            },
        );
        self.hold_by_id();
    }

    /// The message waiting under `key`, no longer waited on.
    pub fn remove(&mut self, key: &UpstreamKey) -> Option<Waited<Message>> {
        let held = self.forget(key)?;
        self.by_time.remove(&held.since());
        Some(held.waited())
    }

    /// The id of the message waiting under `key`, if it is held by id.
    pub fn held_by_id(&self, key: &UpstreamKey) -> Option<MessageId> {
        match self.messages.get(key)? {
            Held::ById { id, .. } => Some(*id),
            Held::Whole { .. } => None,
        }
    }

    /// Takes every message submitted at or before `cutoff`, oldest first.
    pub fn take_submitted_by(&mut self, cutoff: DateTime<Utc>) -> Vec<Waited<Message>> {
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
    ) -> impl Iterator<Item = Waited<&Message>> {
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
            .filter_map(|(_, key)| match self.messages.get(key)? {
                Held::Whole { message, .. } => Some(Waited::Whole(message.as_ref())),
                Held::ById { id, .. } => Some(Waited::ById(*id)),
            })
    }

    /// The number the next insert takes: once a store barrier handed in
    /// now is durable, every message inserted before it is readable.
    pub fn next_number(&self) -> u64 {
        self.next_number
    }

    /// Every message inserted under a number below `number` has its
    /// SUBMITTED record readable in the store: past `store.awaiting_whole`
    /// the oldest of them are held by id.
    pub fn readable_below(&mut self, number: u64) {
        self.readable_below = self.readable_below.max(number);
        self.hold_by_id();
    }

    /// More messages are held whole than `store.awaiting_whole`.
    pub fn over_whole_max(&self) -> bool {
        self.whole.len() > self.whole_max
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// How many are held whole.
    pub fn whole_len(&self) -> usize {
        self.whole.len()
    }

    /// Waits on nothing. The numbering goes on, so a barrier handed in
    /// before still speaks only of messages inserted before it.
    pub fn clear(&mut self) {
        self.messages = HashMap::new();
        self.by_time.clear();
        self.whole.clear();
    }

    /// Removes `key` from `messages` and `whole`, not from `by_time`.
    fn forget(&mut self, key: &UpstreamKey) -> Option<Held> {
        let held = self.messages.remove(key)?;
        if let Held::Whole { number, .. } = &held {
            self.whole.remove(number);
        }
        let capacity = self.messages.capacity();
        if capacity > SHRINK_FLOOR && self.messages.len() < capacity / 4 {
            self.messages.shrink_to(self.messages.len() * 2);
        }
        Some(held)
    }

    /// Past `whole_max`, holds the oldest whole messages that are readable
    /// in the store by id.
    fn hold_by_id(&mut self) {
        while self.whole.len() > self.whole_max {
            let Some(entry) = self.whole.first_entry() else {
                return;
            };
            if *entry.key() >= self.readable_below {
                return;
            }
            let number = *entry.key();
            let (since, id) = entry.remove();
            let held = self
                .by_time
                .get(&(since, id))
                .and_then(|key| self.messages.get_mut(key));
            if let Some(held) = held
                && matches!(held, Held::Whole { number: n, .. } if *n == number)
            {
                *held = Held::ById { id, since };
            }
        }
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

    fn whole_id(waited: &Waited<Message>) -> u64 {
        match waited {
            Waited::Whole(message) => message.id.value(),
            Waited::ById(id) => panic!("{id} held by id"),
        }
    }

    #[test]
    fn only_the_overdue_are_taken_oldest_first_and_once() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut awaiting = Awaiting::new(usize::MAX);
        for (id, minutes) in [(1, 30), (2, 10), (3, 20)] {
            let (key, message) = submitted(id, t0 + TimeDelta::minutes(minutes));
            awaiting.insert(key, message);
        }
        let (key, message) = submitted(4, t0);
        awaiting.insert(key.clone(), message);
        // Its receipt came: no longer waited on.
        assert!(awaiting.remove(&key).is_some());
        let taken = awaiting.take_submitted_by(t0 + TimeDelta::minutes(20));
        let ids: Vec<u64> = taken.iter().map(whole_id).collect();
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
        let mut awaiting = Awaiting::new(usize::MAX);
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
                .map(|waited| match waited {
                    Waited::Whole(message) => message.id.value(),
                    Waited::ById(id) => id.value(),
                })
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
        let mut awaiting = Awaiting::new(usize::MAX);
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
        let mut awaiting = Awaiting::new(usize::MAX);
        let (key, message) = submitted(1, t0);
        awaiting.insert(key.clone(), message.clone());
        awaiting.insert(key, message);
        assert_eq!(awaiting.len(), 1);
        assert_eq!(awaiting.take_submitted_by(t0).len(), 1);
        awaiting.clear();
        assert_eq!(awaiting.len(), 0);
    }

    #[test]
    fn past_the_limit_the_oldest_readable_are_held_by_id_and_found_as_before() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut awaiting = Awaiting::new(2);
        let mut keys = Vec::new();
        for id in 1..=4 {
            let (key, message) = submitted(id, t0 + TimeDelta::minutes(id as i64));
            awaiting.insert(key.clone(), message);
            keys.push(key);
        }
        // None is known to be readable yet: all four stay whole.
        assert_eq!(awaiting.whole_len(), 4);
        assert!(awaiting.over_whole_max());
        // A barrier taken after the first three says they are readable.
        awaiting.readable_below(3);
        assert_eq!(awaiting.whole_len(), 2);
        assert!(!awaiting.over_whole_max());
        assert_eq!(awaiting.held_by_id(&keys[0]), Some(MessageId::new(1)));
        assert_eq!(awaiting.held_by_id(&keys[1]), Some(MessageId::new(2)));
        assert_eq!(awaiting.held_by_id(&keys[2]), None);
        let between: Vec<_> = awaiting
            .submitted_between(t0, t0 + TimeDelta::minutes(2))
            .collect();
        assert_eq!(
            between,
            [
                Waited::ById(MessageId::new(1)),
                Waited::ById(MessageId::new(2))
            ]
        );
        // Found by key, and by time, held either way.
        assert_eq!(
            awaiting.remove(&keys[1]),
            Some(Waited::ById(MessageId::new(2)))
        );
        let taken = awaiting.take_submitted_by(t0 + TimeDelta::minutes(3));
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[0], Waited::ById(MessageId::new(1)));
        assert_eq!(whole_id(&taken[1]), 3);
        assert_eq!(awaiting.len(), 1);
        assert_eq!(awaiting.whole_len(), 1);
    }

    #[test]
    fn a_message_inserted_again_is_whole_until_a_later_barrier() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut awaiting = Awaiting::new(0);
        let (key, message) = submitted(1, t0);
        awaiting.insert(key.clone(), message.clone());
        let barrier = awaiting.next_number();
        // An intermediate state written and the message inserted again:
        // that newer record may not be readable yet.
        awaiting.insert(key.clone(), message);
        awaiting.readable_below(barrier);
        assert_eq!(awaiting.held_by_id(&key), None);
        assert_eq!(awaiting.whole_len(), 1);
        awaiting.readable_below(awaiting.next_number());
        assert_eq!(awaiting.held_by_id(&key), Some(MessageId::new(1)));
        assert_eq!(awaiting.whole_len(), 0);
        assert_eq!(awaiting.len(), 1);
        // Cleared (a restart): the numbering goes on, so a barrier taken
        // before cannot vouch for a message inserted after.
        let number = awaiting.next_number();
        awaiting.clear();
        assert_eq!(awaiting.len(), 0);
        assert_eq!(awaiting.next_number(), number);
    }
}
