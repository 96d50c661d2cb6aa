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

use super::Store;
use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
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

impl Batch {
    /// Queues a new callback (`item.id` fresh from `next_sequence`).
    pub fn put_outbox(&mut self, item: &OutboxItem) -> &mut Batch {
        self.put(
            TreeId::Outbox,
            codec::sequenced_key(&[], item.id),
            item,
            true,
        )
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
    /// Every queued callback, oldest first: what the sender resumes after
    /// a restart.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.callback_items(TreeId::Outbox, 0, usize::MAX)
    }

    /// Up to `limit` dead letters with ids above `after`, oldest first.
    pub fn dead_letters(&self, after: u64, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.callback_items(TreeId::DeadLetters, after.saturating_add(1), limit)
    }

    pub fn dead_letter(&self, id: u64) -> Result<Option<OutboxItem>, StoreError> {
        self.get(TreeId::DeadLetters, &codec::sequenced_key(&[], id))
    }

    /// Items with ids from `from`, in id order. The scan reads the whole
    /// tree: both stay small unless a customer server is gone for long.
    fn callback_items(
        &self,
        tree: TreeId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let mut items = Vec::new();
        for (key, bytes) in self.scan_raw(tree, &[])? {
            if items.len() >= limit {
                break;
            }
            let id = codec::decode_sequence(tree, &key, 0)?;
            if id < from {
                continue;
            }
            let item: OutboxItem = codec::decode(tree, &key, &bytes)?;
            if item.id != id {
                return Err(StoreError::Corrupt {
                    tree: tree.name(),
                    key: KeyHex(key.to_vec()),
                    reason: format!("holds callback {}", item.id),
                });
            }
            items.push(item);
        }
        Ok(items)
    }
}
