//! The callback outbox and its dead letters: HTTP callbacks waiting to be
//! sent, and those that failed `max_attempts` times. An outbox item is
//! written in the same batch as the state it reports, so a crash neither
//! loses a callback nor invents one; `actors/callbacks.rs` is its only
//! other writer (attempts, removal, the move to `dead_letters` and back).
//!
//! Both trees are keyed by the item's event id, a number from
//! [`Store::next_sequence`], big-endian: unique across restarts, and in
//! the order the events were queued.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
use super::database::Store;
use super::error::{KeyHex, StoreError};
use crate::model::{AccountId, MessageId, timestamp};

/// One callback to send, as it waits in the outbox (or the dead letters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// The event id: the key, sent with every attempt so a receiver can
    /// recognise a callback it has seen.
    pub id: u64,
    pub account: AccountId,
    pub message: MessageId,
    pub request: CallbackRequest,
    /// Attempts made and failed so far.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    #[serde(with = "timestamp")]
    pub queued_at: DateTime<Utc>,
}

/// The HTTP request a callback is, complete but for the headers that
/// change per attempt (timestamp and signature).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallbackRequest {
    /// A JSON receipt POSTed to `url`.
    Post { url: String, body: String },
    /// A Kannel `dlr-url`, filled in, fetched with GET.
    Get { url: String },
}

impl CallbackRequest {
    pub fn url(&self) -> &str {
        match self {
            CallbackRequest::Post { url, .. } | CallbackRequest::Get { url } => url,
        }
    }
}

/// Room a new outbox item keeps below the record limit for what its
/// attempts add: `last_error` (at most 200 characters of up to 4 octets)
/// and the count, so that recording an attempt or the move to the dead
/// letters can never make it too large to store.
pub const ATTEMPT_ROOM: usize = 1024;

impl Batch {
    /// Queues a new callback (`item.id` fresh from `next_sequence`).
    ///
    /// Unlike the other writes, an item that cannot be stored (larger
    /// than the outbox's [`value_limit`](codec::value_limit) less
    /// [`ATTEMPT_ROOM`]) is refused here and leaves the batch as it was:
    /// the state the callback reports is written without it, never lost
    /// with it.
    pub fn put_outbox(&mut self, item: &OutboxItem) -> Result<&mut Batch, StoreError> {
        let tree = TreeId::Outbox;
        let key = codec::sequenced_key(&[], item.id);
        let value = codec::encode(tree, &key, item)?;
        let limit = codec::value_limit(tree) - ATTEMPT_ROOM;
        if value.len() > limit {
            return Err(StoreError::Encode {
                tree: tree.name(),
                key: KeyHex(key),
                reason: format!(
                    "{} bytes encoded, more than the {limit} a new callback may have",
                    value.len()
                ),
            });
        }
        self.ops.push(Op::Put {
            tree,
            key,
            value,
            fresh: true,
        });
        Ok(self)
    }

    /// Records a failed attempt of a queued callback (or puts a replayed
    /// one back).
    pub fn update_outbox(&mut self, item: &OutboxItem) -> &mut Batch {
        self.put(
            TreeId::Outbox,
            codec::sequenced_key(&[], item.id),
            item,
            false,
        )
    }

    /// Removes a callback from the outbox (sent, or moved to the dead letters).
    pub fn remove_outbox(&mut self, id: u64) -> &mut Batch {
        self.remove(TreeId::Outbox, codec::sequenced_key(&[], id))
    }

    /// Keeps a callback that failed every attempt.
    pub fn put_dead_letter(&mut self, item: &OutboxItem) -> &mut Batch {
        self.put(
            TreeId::DeadLetters,
            codec::sequenced_key(&[], item.id),
            item,
            false,
        )
    }

    pub fn remove_dead_letter(&mut self, id: u64) -> &mut Batch {
        self.remove(TreeId::DeadLetters, codec::sequenced_key(&[], id))
    }

    fn remove(&mut self, tree: TreeId, key: Vec<u8>) -> &mut Batch {
        self.ops.push(Op::Remove { tree, key });
        self
    }
}

impl Store {
    /// Every queued callback, oldest first: for audits and tests. The
    /// callbacks actor reads it a page at a time ([`Store::outbox_page`]).
    pub fn outbox(&self) -> Result<Vec<Result<OutboxItem, StoreError>>, StoreError> {
        self.callback_items(TreeId::Outbox, 0, usize::MAX)
    }

    /// Up to `limit` queued callbacks with ids above `after` (from the
    /// first when `None`), oldest first: what the sender takes up at start
    /// and as it drains. Each is decoded on its own, so a damaged record is
    /// one error, not the end.
    pub fn outbox_page(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Result<OutboxItem, StoreError>>, StoreError> {
        match after.map_or(Some(0), |after| after.checked_add(1)) {
            Some(from) => self.callback_items(TreeId::Outbox, from, limit),
            None => Ok(Vec::new()),
        }
    }

    /// Up to `limit` dead letters with ids above `after`, oldest first.
    pub fn dead_letters(&self, after: u64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.callback_items(TreeId::DeadLetters, after.saturating_add(1), limit)?
            .into_iter()
            .collect()
    }

    pub fn dead_letter(&self, id: u64) -> Result<Option<OutboxItem>, StoreError> {
        self.get(TreeId::DeadLetters, &codec::sequenced_key(&[], id))
    }

    /// Up to `limit` items with ids from `from`, in id order; reads no
    /// more than the page.
    fn callback_items(
        &self,
        tree: TreeId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<Result<OutboxItem, StoreError>>, StoreError> {
        let from = codec::sequenced_key(&[], from);
        let items = self
            .scan_page(tree, &[], &from, limit)?
            .into_iter()
            .map(|(key, bytes)| {
                let id = codec::decode_sequence(tree, &key, 0)?;
                let item: OutboxItem = codec::decode(tree, &key, &bytes)?;
                if item.id != id {
                    return Err(StoreError::Corrupt {
                        tree: tree.name(),
                        key: KeyHex(key.to_vec()),
                        reason: format!("holds callback {}", item.id),
                    });
                }
                Ok(item)
            })
            .collect();
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreConfig;

    fn item(id: u64) -> OutboxItem {
        OutboxItem {
            id,
            account: AccountId::new("demo").unwrap(),
            message: MessageId::new(id + 100),
            request: CallbackRequest::Post {
                url: "http://example.com/dlr".into(),
                body: format!("{{\"event_id\":\"{id}\"}}"),
            },
            attempts: 0,
            last_error: None,
            queued_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    /// Queued, retried, dead, replayed: what the store holds after each
    /// step, across a reopen, with a damaged record kept apart.
    #[test]
    fn items_move_between_outbox_and_dead_letters_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let mut batch = Batch::new();
        for id in [3, 1, 2] {
            batch.put_outbox(&item(id)).unwrap();
        }
        store.commit(batch).wait().unwrap();
        let mut failed = item(2);
        failed.attempts = 10;
        failed.last_error = Some("answered HTTP 500".into());
        let mut batch = Batch::new();
        batch
            .remove_outbox(1)
            .remove_outbox(2)
            .put_dead_letter(&failed);
        store.commit(batch).wait().unwrap();
        store.close().unwrap();

        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let outbox: Vec<u64> = store
            .outbox()
            .unwrap()
            .into_iter()
            .map(|item| item.unwrap().id)
            .collect();
        assert_eq!(outbox, [3]);
        assert_eq!(store.dead_letters(0, 10).unwrap(), [failed.clone()]);
        assert_eq!(store.dead_letters(2, 10).unwrap(), []);
        assert_eq!(store.dead_letter(2).unwrap(), Some(failed));
        assert_eq!(store.dead_letter(3).unwrap(), None);

        store
            .tree(TreeId::Outbox)
            .insert(codec::sequenced_key(&[], 9), &[codec::VERSION, 0xff][..])
            .unwrap();
        let loaded = store.outbox().unwrap();
        assert_eq!(loaded.len(), 2);
        assert!(matches!(
            loaded[1],
            Err(StoreError::Corrupt { tree: "outbox", .. })
        ));
        store.close().unwrap();
    }

    /// A callback too large to store is refused on its own: the batch
    /// it was meant for commits without it.
    #[test]
    fn an_oversized_callback_leaves_its_batch_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let mut oversized = item(5);
        oversized.request = CallbackRequest::Get {
            url: format!(
                "http://example.com/{}",
                "x".repeat(codec::value_limit(TreeId::Outbox))
            ),
        };
        let mut batch = Batch::new();
        batch.put_outbox(&item(4)).unwrap();
        let refused = batch.put_outbox(&oversized).map(drop).unwrap_err();
        assert!(
            matches!(refused, StoreError::Encode { tree: "outbox", .. }),
            "{refused}"
        );
        let mut near_the_limit = item(6);
        near_the_limit.request = CallbackRequest::Get {
            url: "x".repeat(codec::value_limit(TreeId::Outbox) - ATTEMPT_ROOM),
        };
        assert!(
            batch.put_outbox(&near_the_limit).is_err(),
            "no room for attempts"
        );
        store.commit(batch).wait().unwrap();
        let stored: Vec<u64> = store
            .outbox()
            .unwrap()
            .into_iter()
            .map(|item| item.unwrap().id)
            .collect();
        assert_eq!(stored, [4]);
        store.close().unwrap();
    }
}
