//! The SUBMITTED messages the receipts actor waits on: by the id the SMSC
//! gave them (a receipt finds its message), and by the time each became
//! SUBMITTED (the receipt timeout finds the overdue ones without looking
//! at the others). No I/O here.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::model::{GatewayName, Message, MessageId, UpstreamId};

/// A message as its gateway knows it: the gateway and the SMSC's id.
pub type UpstreamKey = (GatewayName, UpstreamId);

/// SUBMITTED messages by upstream id, ordered by when they were submitted.
#[derive(Default)]
pub struct Awaiting {
    messages: HashMap<UpstreamKey, Message>,
    /// One entry per message in `messages`: when it became SUBMITTED.
    by_time: BTreeSet<(DateTime<Utc>, MessageId, UpstreamKey)>,
}

impl Awaiting {
    /// Waits for `message`'s receipt under `key`, replacing any message
    /// there was under it.
    pub fn insert(&mut self, key: UpstreamKey, message: Message) {
        self.remove(&key);
        let since = message.submitted_at().unwrap_or(message.created_at);
        self.by_time.insert((since, message.id, key.clone()));
        self.messages.insert(key, message);
    }

    /// The message waiting under `key`, no longer waited on.
    pub fn remove(&mut self, key: &UpstreamKey) -> Option<Message> {
        let message = self.messages.remove(key)?;
        let since = message.submitted_at().unwrap_or(message.created_at);
        self.by_time.remove(&(since, message.id, key.clone()));
        Some(message)
    }

    /// Takes every message submitted at or before `cutoff`, oldest first.
    pub fn take_submitted_by(&mut self, cutoff: DateTime<Utc>) -> Vec<Message> {
        let overdue: Vec<UpstreamKey> = self
            .by_time
            .iter()
            .take_while(|(since, _, _)| *since <= cutoff)
            .map(|(_, _, key)| key.clone())
            .collect();
        overdue.iter().filter_map(|key| self.remove(key)).collect()
    }

    /// The message waiting under `key`, if one is.
    pub fn get(&self, key: &UpstreamKey) -> Option<&Message> {
        self.messages.get(key)
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn clear(&mut self) {
        self.messages.clear();
        self.by_time.clear();
    }
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
