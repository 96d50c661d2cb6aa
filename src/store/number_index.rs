//! The index of messages by destination number (`number_messages`): its
//! reads, a page at a time newest first, and the one-time indexing of the
//! messages a store held before the index existed.
//!
//! A message gets its entry in the batch of its first write
//! (`Batch::insert_message`) and loses it when retention purges it
//! (`Batch::purge_message`); a message that reaches a final state moves
//! to the archive and keeps its entry, as it keeps its account's.
//!
//! A store written before the index existed has messages without entries.
//! The first open of such a store records, in `meta`, the first id this
//! program hands out (every message from there on is indexed as it is
//! written) and that the older ones are still to index; an empty store is
//! indexed from the start. [`Store::index_old_messages`] then indexes the
//! older ones a page at a time, walking the accounts' index in key order,
//! each page's entries committed with how far it got, so a kill loses no
//! more than the page under way and the next start goes on from there.
//! Until it has finished, [`Store::number_index_complete`] says no and
//! searches by number walk the accounts' indexes instead.

use std::sync::atomic::Ordering;

use super::batch::{Batch, Op, number_entry};
use super::codec::{self, TreeId};
use super::database::Store;
use super::error::StoreError;
use super::old_messages::OldMessages;
use crate::model::{AccountId, MessageId};

/// What one call of [`Store::index_old_messages`] did.
#[derive(Debug)]
pub struct IndexingStep {
    /// Messages given their entry.
    pub indexed: usize,
    /// Entries of the accounts' index, or messages, that could not be
    /// read: skipped, each its own error naming the key.
    pub damaged: Vec<StoreError>,
    /// Nothing is left to index.
    pub finished: bool,
}

impl Store {
    /// Up to `max` messages to `number` (as `Address::comparable` and the
    /// search's filter write it), newest first, below `before` when given,
    /// each with its account: read from the index keys only.
    pub fn number_messages(
        &self,
        number: &str,
        before: Option<MessageId>,
        max: usize,
    ) -> Result<Vec<(MessageId, AccountId)>, StoreError> {
        let tree = TreeId::NumberMessages;
        let prefix = codec::number_prefix(number);
        let end = match before {
            Some(before) => codec::sequenced_key(&prefix, before.value()),
            // Just past every key under the prefix: `number 0x01`.
            None => {
                let mut end = prefix.clone();
                end.pop();
                end.push(1);
                end
            }
        };
        self.scan_page_back(tree, &prefix, &end, max)?
            .iter()
            .map(|(key, _)| codec::decode_number_key(tree, key, prefix.len()))
            .collect()
    }

    /// Whether every stored message has its entry in the index by number
    /// (false while [`Store::index_old_messages`] has older ones to do).
    pub fn number_index_complete(&self) -> bool {
        self.number_index_complete.load(Ordering::Acquire)
    }

    /// Indexes by number up to `limit` more of the messages stored before
    /// the index existed, committing their entries with how far it got,
    /// and waits until that is durable: for a plain thread (the blocking
    /// pool), never an actor's.
    pub fn index_old_messages(&self, limit: usize) -> Result<IndexingStep, StoreError> {
        let key = codec::OLD_MESSAGES_KEY;
        let (below, after) = match self.get(TreeId::Meta, key)? {
            Some(OldMessages::Indexing { below, after }) => (below, after),
            Some(OldMessages::Indexed) | None => {
                return Ok(IndexingStep {
                    indexed: 0,
                    damaged: Vec::new(),
                    finished: true,
                });
            }
        };
        // The key just after `after`: `after 0x00`.
        let from = after.map_or_else(Vec::new, |mut after| {
            after.push(0);
            after
        });
        let tree = TreeId::AccountMessages;
        let page = self.scan_page(tree, &[], &from, limit)?;
        let mut batch = Batch::new();
        let mut entries = Vec::new();
        let mut damaged = Vec::new();
        for (account_key, _) in &page {
            let id = match codec::decode_sequence(
                tree,
                account_key,
                account_key.len().saturating_sub(8),
            ) {
                Ok(id) if id < below => MessageId::new(id),
                Ok(_) => continue,
                Err(error) => {
                    damaged.push(error);
                    continue;
                }
            };
            match self.message(id) {
                Ok(Some(message)) => {
                    batch.put_number_entry(&message);
                    entries.push((id, number_entry(&message)));
                }
                // Purged: its entry in the account's index goes too.
                Ok(None) => {}
                Err(error) => damaged.push(error),
            }
        }
        let finished = page.len() < limit;
        let state = match page.last() {
            Some((last, _)) if !finished => OldMessages::Indexing {
                below,
                after: Some(last.to_vec()),
            },
            _ => OldMessages::Indexed,
        };
        batch.put(TreeId::Meta, key.to_vec(), &state, false);
        self.commit(batch).wait()?;
        // Retention may have purged one of these between its read above
        // and that commit: its removal came first, so take the entry out
        // again. A purge committed after this read removes it itself.
        let mut purged = Batch::new();
        for (id, entry) in &entries {
            if self.message(*id)?.is_none() {
                purged.ops.push(Op::Remove {
                    tree: TreeId::NumberMessages,
                    key: entry.clone(),
                });
            }
        }
        if !purged.is_empty() {
            self.commit(purged).wait()?;
        }
        if finished {
            self.number_index_complete.store(true, Ordering::Release);
        }
        Ok(IndexingStep {
            indexed: entries.len(),
            damaged,
            finished,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Message, Npi, Ton};
    use crate::store::StoreConfig;

    fn message(id: u64, account: &str, number: &str) -> Message {
        Message::new(
            MessageId::new(id),
            AccountId::new(account).unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            Address::new(Ton::International, Npi::Isdn, number).unwrap(),
            Vec::new(),
            chrono::DateTime::from_timestamp_nanos(0),
        )
    }

    fn ids(found: Vec<(MessageId, AccountId)>) -> Vec<(u64, String)> {
        found
            .into_iter()
            .map(|(id, account)| (id.value(), account.to_string()))
            .collect()
    }

    /// Pages of one number, newest first across accounts, from sled and
    /// the pending writes alike; another number (even one it is a prefix
    /// of) never shows; a purged message leaves the index.
    #[test]
    fn a_number_pages_newest_first_across_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        assert!(store.number_index_complete());
        let mut batch = Batch::new();
        for id in 1..=4 {
            let account = if id % 2 == 0 { "demo" } else { "shop" };
            batch.insert_message(&message(id, account, "+34 600 000 001"));
        }
        batch.insert_message(&message(5, "demo", "346000000010"));
        store.commit(batch).wait().unwrap();
        store.close().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let mut batch = Batch::new();
        batch.insert_message(&message(6, "shop", "34600000001"));
        store.commit(batch).wait().unwrap();

        let number = "34600000001";
        let page = |before: Option<u64>| {
            ids(store
                .number_messages(number, before.map(MessageId::new), 3)
                .unwrap())
        };
        let entry = |id: u64, account: &str| (id, account.to_string());
        assert_eq!(
            page(None),
            [entry(6, "shop"), entry(4, "demo"), entry(3, "shop")]
        );
        assert_eq!(page(Some(3)), [entry(2, "demo"), entry(1, "shop")]);
        assert_eq!(page(Some(1)), []);
        assert_eq!(
            ids(store.number_messages("346000000010", None, 10).unwrap()),
            [entry(5, "demo")]
        );

        let mut purge = Batch::new();
        purge.purge_message(&message(4, "demo", number));
        store.commit(purge).wait().unwrap();
        assert_eq!(
            page(None),
            [entry(6, "shop"), entry(3, "shop"), entry(2, "demo")]
        );
        store.close().unwrap();
    }

    /// A store whose messages have no entries (as one written before the
    /// index existed) is indexed a page at a time; a reopen half-way goes
    /// on from the marker; messages written meanwhile are indexed as they
    /// are written and not read again.
    #[test]
    fn messages_stored_before_the_index_are_indexed_resumably() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let mut batch = Batch::new();
        for id in 1..=5 {
            batch.insert_message(&message(id, "demo", "34600000001"));
        }
        store.commit(batch).wait().unwrap();
        store.close().unwrap();
        {
            // What a store written before the index looks like (opened
            // as the store opens it: sled lets go of its lock a moment
            // after the close).
            let db = super::super::database::open_db(dir.path(), 1 << 20).unwrap();
            db.drop_tree(TreeId::NumberMessages.name()).unwrap();
            db.open_tree(TreeId::Meta.name())
                .unwrap()
                .remove(codec::OLD_MESSAGES_KEY)
                .unwrap();
            db.flush().unwrap();
        }
        let number = "34600000001";
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        assert!(!store.number_index_complete());
        assert_eq!(store.number_messages(number, None, 10).unwrap(), []);
        let mut batch = Batch::new();
        let newer = store.next_message_id().unwrap().value();
        batch.insert_message(&message(newer, "shop", number));
        store.commit(batch).wait().unwrap();

        let step = store.index_old_messages(2).unwrap();
        assert_eq!((step.indexed, step.finished), (2, false));
        store.close().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        assert!(!store.number_index_complete());
        let mut indexed = 0;
        loop {
            let step = store.index_old_messages(2).unwrap();
            assert!(step.damaged.is_empty(), "{:?}", step.damaged);
            indexed += step.indexed;
            if step.finished {
                break;
            }
        }
        assert_eq!(indexed, 3);
        assert!(store.number_index_complete());
        let found: Vec<u64> = store
            .number_messages(number, None, 10)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id.value())
            .collect();
        assert_eq!(found, [newer, 5, 4, 3, 2, 1]);
        store.close().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        assert!(store.number_index_complete());
        store.close().unwrap();
    }
}
