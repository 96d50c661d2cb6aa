//! Retention of the conversation index: an entry goes when its message
//! does (an MT's with the message record whose id keys it, when retention
//! purges that record; an MO's once received longer ago than
//! `store.retention_days`, with its keys in `received_mo`), and a
//! conversation's summary, activity key and read mark go in the batch
//! that removes its newest entry, so a conversation leaves the listing
//! once its last message is past retention.
//!
//! The account's [`ConversationIndex`](super::ConversationIndex) writes
//! summaries; the batch that removes one is handed to the store with that
//! account's [`Written`] locked, and leaves `None` there, so an entry the
//! account adds afterwards starts the conversation again (counts from 1,
//! nothing read), and one it added before is newer than the entry purged,
//! which keeps the conversation.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
use super::conversation_summaries::{ConversationSummary, Written};
use super::conversations::{ReceivedMo, activity_key, conversation_key};
use super::database::Store;
use super::durable::Durable;
use crate::conversations::Party;
use crate::model::{AccountId, Message};

/// One entry of a conversation that a purge removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgedEntry {
    pub account: AccountId,
    pub ours: Party,
    pub theirs: Party,
    /// The entry's sequence: the MO's id, an MT's first part's.
    pub sequence: u64,
}

impl PurgedEntry {
    /// The MT entry `message`'s id would key, if its parties can be
    /// indexed. Only a first part's id keys one; removing the key a later
    /// part names removes nothing.
    pub fn of_mt(message: &Message) -> Option<PurgedEntry> {
        Some(PurgedEntry {
            account: message.account.clone(),
            ours: Party::parse(message.source.text()).ok()?,
            theirs: Party::parse(message.destination.text()).ok()?,
            sequence: message.id.value(),
        })
    }

    /// The entry of the routed MO `sequence`.
    pub fn of_mo(sequence: u64, mo: &ReceivedMo) -> PurgedEntry {
        PurgedEntry {
            account: mo.account.clone(),
            ours: mo.ours.clone(),
            theirs: mo.theirs.clone(),
            sequence,
        }
    }

    fn conversation(&self) -> Vec<u8> {
        conversation_key(&self.account, &self.ours, &self.theirs)
    }
}

impl Batch {
    /// Removes a conversation entry; hand the batch in with
    /// [`Store::commit_purge`], which removes the conversation with its
    /// newest entry.
    pub fn purge_conversation_entry(&mut self, entry: &PurgedEntry) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::ConversationMessages,
            key: codec::sequenced_key(&entry.conversation(), entry.sequence),
        });
        self
    }

    /// Removes a routed MO's entry and its keys in the list of MO received.
    pub fn purge_received_mo(&mut self, sequence: u64, mo: &ReceivedMo) -> &mut Batch {
        self.purge_conversation_entry(&PurgedEntry::of_mo(sequence, mo))
            .unindex_received_mo(sequence, mo)
    }
}

impl Store {
    /// Hands in `batch`, which removes `entries`, with the removal of each
    /// conversation whose newest entry is among them: its summary, its
    /// activity key and its read mark. A summary the store cannot read is
    /// left as it is (the account's next entry rewrites it).
    pub fn commit_purge(&self, mut batch: Batch, entries: &[PurgedEntry]) -> Durable {
        let caches: BTreeMap<&AccountId, Arc<Mutex<Written>>> = entries
            .iter()
            .map(|entry| (&entry.account, self.summary_caches.of(&entry.account)))
            .collect();
        let forgets: HashMap<&AccountId, u64> = caches
            .iter()
            .map(|(account, written)| (*account, lock(written).forgets))
            .collect();
        // Read before any lock, so the account's actor never waits for
        // these reads: the conversations whose newest entry is purged, the
        // only ones that may go.
        let candidates: Vec<(&PurgedEntry, Vec<u8>)> = entries
            .iter()
            .map(|entry| (entry, entry.conversation()))
            .filter(|(entry, key)| self.summary_last(key) == Some(entry.sequence))
            .collect();
        // In account order, so two purges could never wait on each other.
        let mut locked: HashMap<&AccountId, MutexGuard<'_, Written>> = caches
            .iter()
            .map(|(account, written)| (*account, lock(written)))
            .collect();
        let mut removed = Vec::new();
        for (entry, key) in candidates {
            let Some(written) = locked.get(&entry.account) else {
                continue;
            };
            // Under the lock, what the account last handed in decides.
            // Without a summary of its own there, the store's read above
            // is still the latest unless the account forgot some since.
            let last = match written.summaries.get(&key) {
                Some(cached) => cached.as_ref().map(|summary| summary.last),
                None if forgets.get(&entry.account) == Some(&written.forgets) => {
                    Some(entry.sequence)
                }
                None => self.summary_last(&key),
            };
            if last != Some(entry.sequence) {
                continue;
            }
            batch.ops.extend([
                Op::Remove {
                    tree: TreeId::Conversations,
                    key: key.clone(),
                },
                Op::Remove {
                    tree: TreeId::ConversationActivity,
                    key: activity_key(&entry.account, entry.sequence, &entry.ours, &entry.theirs),
                },
                Op::Remove {
                    tree: TreeId::ConversationReads,
                    key: key.clone(),
                },
            ]);
            removed.push((&entry.account, key));
        }
        let durable = self.commit(batch);
        for (account, key) in removed {
            if let Some(written) = locked.get_mut(account) {
                written.summaries.insert(key, None);
            }
        }
        durable
    }

    fn summary_last(&self, key: &[u8]) -> Option<u64> {
        self.get::<ConversationSummary>(TreeId::Conversations, key)
            .ok()
            .flatten()
            .map(|summary| summary.last)
    }
}

fn lock(written: &Mutex<Written>) -> MutexGuard<'_, Written> {
    written.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Utc;

    use super::super::conversations::testing::{mo, party, submission};
    use super::*;
    use crate::model::{Address, MessageId, Npi, Ton};
    use crate::store::{ConversationIndex, ReadMark, StoreConfig};

    const OURS: &str = "34911000000";
    const THEIRS: &str = "34600111222";

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Arc<Store>,
        index: ConversationIndex,
        account: AccountId,
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let store = Arc::new(Store::open(StoreConfig::new(dir.path())).unwrap());
            let account = AccountId::new("demo").unwrap();
            let index = ConversationIndex::new(store.clone(), account.clone());
            Fixture {
                _dir: dir,
                store,
                index,
                account,
            }
        }

        /// An MT from [`OURS`] to [`THEIRS`] as `id`, its batch not handed in.
        fn mt_batch(&self, id: u64) -> (Batch, Message) {
            let from = Address::new(Ton::International, Npi::Isdn, OURS).unwrap();
            let sent = submission(from.clone(), &[THEIRS], "hello");
            let mut batch = Batch::new();
            self.index
                .record_mt(&mut batch, &sent, &[MessageId::new(id)], Utc::now())
                .unwrap();
            let to = Address::new(Ton::International, Npi::Isdn, THEIRS).unwrap();
            let message = Message::new(
                MessageId::new(id),
                self.account.clone(),
                from,
                to,
                b"hello".to_vec(),
                Utc::now(),
            );
            (batch, message)
        }

        fn mt(&self, id: u64) -> Message {
            let (batch, message) = self.mt_batch(id);
            self.store.commit(batch).wait().unwrap();
            message
        }

        fn mo(&self, id: u64) {
            let mut batch = Batch::new();
            self.index
                .record_mo(&mut batch, MessageId::new(id), &mo(THEIRS, OURS, "reply"))
                .unwrap();
            self.store.commit(batch).wait().unwrap();
        }

        fn purge_mt(&self, message: &Message) {
            let entry = PurgedEntry::of_mt(message).unwrap();
            let mut batch = Batch::new();
            batch.purge_conversation_entry(&entry);
            self.store.commit_purge(batch, &[entry]).wait().unwrap();
        }

        /// Purges every routed MO the list holds.
        fn purge_mo(&self) {
            let mut batch = Batch::new();
            let mut entries = Vec::new();
            for (sequence, mo) in self.store.received_mo_oldest(None, 100).unwrap() {
                let mo = mo.unwrap();
                batch.purge_received_mo(sequence, &mo);
                entries.push(PurgedEntry::of_mo(sequence, &mo));
            }
            self.store.commit_purge(batch, &entries).wait().unwrap();
        }

        fn conversation(&self) -> Option<crate::store::Conversation> {
            self.store
                .conversation(&self.account, &party(OURS), &party(THEIRS))
                .unwrap()
        }

        fn sequences(&self) -> Vec<u64> {
            self.store
                .conversation_messages(
                    &self.account,
                    &party(OURS),
                    &party(THEIRS),
                    crate::store::Window::After(0),
                    100,
                )
                .unwrap()
                .into_iter()
                .map(|(sequence, _)| sequence)
                .collect()
        }

        fn mark_read(&self) {
            let conversation = self.conversation().unwrap();
            let mark = ReadMark {
                through: conversation.summary.last,
                received: conversation.summary.received,
            };
            let mut batch = Batch::new();
            batch.mark_conversation_read(&self.account, &party(OURS), &party(THEIRS), &mark);
            self.store.commit(batch).wait().unwrap();
        }
    }

    /// Older entries go one by one and the conversation stays; with its
    /// newest entry go its summary, its place in the listing, its read
    /// mark and the MO's keys in the list of MO received.
    #[test]
    fn a_conversation_goes_with_its_newest_entry() {
        let fixture = Fixture::new();
        let first = fixture.mt(1);
        fixture.mo(2);
        fixture.mark_read();
        assert_eq!(fixture.sequences(), [1, 2]);

        fixture.purge_mt(&first);
        assert_eq!(fixture.sequences(), [2]);
        let kept = fixture.conversation().expect("kept while its MO is");
        assert_eq!((kept.summary.sent, kept.summary.received), (1, 1));
        assert_eq!(kept.unread(), 0);
        assert_eq!(
            fixture
                .store
                .received_mo(None, None, None, 10)
                .unwrap()
                .len(),
            1
        );

        fixture.purge_mo();
        assert!(fixture.sequences().is_empty());
        assert!(fixture.conversation().is_none());
        let store = &fixture.store;
        assert!(
            store
                .conversations(&fixture.account, None, 10)
                .unwrap()
                .is_empty()
        );
        assert!(store.received_mo(None, None, None, 10).unwrap().is_empty());
        assert!(store.received_mo_oldest(None, 10).unwrap().is_empty());
        let mark = store
            .get::<ReadMark>(
                TreeId::ConversationReads,
                &conversation_key(&fixture.account, &party(OURS), &party(THEIRS)),
            )
            .unwrap();
        assert_eq!(mark, None);
    }

    /// The account's next entry after a purge starts the conversation
    /// again: counts from one, its MO unread, though the account's index
    /// had the old summary in memory.
    #[test]
    fn the_next_entry_after_a_purge_starts_the_conversation_again() {
        let fixture = Fixture::new();
        fixture.mo(1);
        fixture.mark_read();
        fixture.purge_mo();
        assert!(fixture.conversation().is_none());

        fixture.mo(2);
        let again = fixture.conversation().unwrap();
        assert_eq!((again.summary.sent, again.summary.received), (0, 1));
        assert_eq!(again.unread(), 1);
        let listed = fixture
            .store
            .conversations(&fixture.account, None, 10)
            .unwrap();
        assert_eq!(listed.len(), 1);
    }

    /// An entry the account has handed in, not yet durable, is newer than
    /// the one purged: the conversation stays, its counts going on.
    #[test]
    fn an_entry_in_flight_keeps_its_conversation() {
        let fixture = Fixture::new();
        let old = fixture.mt(1);
        let (in_flight, _) = fixture.mt_batch(2);
        fixture.purge_mt(&old);
        fixture.store.commit(in_flight).wait().unwrap();
        assert_eq!(fixture.sequences(), [2]);
        let kept = fixture.conversation().expect("kept by the newer entry");
        assert_eq!((kept.summary.last, kept.summary.sent), (2, 2));
        fixture.mt(3);
        let kept = fixture.conversation().unwrap();
        assert_eq!((kept.summary.last, kept.summary.sent), (3, 3));
        let listed = fixture
            .store
            .conversations(&fixture.account, None, 10)
            .unwrap();
        assert_eq!(listed.len(), 1);
    }
}
