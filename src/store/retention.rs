//! Retention: finished messages read from the archive a page at a time,
//! and the removal of one with every key that names it, so that
//! `store.retention_days` bounds what the store keeps. The policy (which
//! are old enough, how many per batch) is the retention actor's.

use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
use super::database::Store;
use super::error::{KeyHex, StoreError};
use crate::model::{Message, MessageId};

/// One archived message as read: its id, and the record or why it could
/// not be read.
pub type Archived = (MessageId, Result<Message, StoreError>);

impl Store {
    /// Up to `limit` messages in a final state with ids above `after`
    /// (from the first when `None`), oldest id first. Each is decoded on
    /// its own, so a damaged record is one error (beside its id), not the
    /// end.
    pub fn archived(
        &self,
        after: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<Archived>, StoreError> {
        let tree = TreeId::Archive;
        let Some(first) = after.map_or(Some(0), |after| after.value().checked_add(1)) else {
            return Ok(Vec::new());
        };
        let from = codec::message_key(MessageId::new(first));
        let mut page = Vec::new();
        for (key, bytes) in self.scan_page(tree, &[], &from, limit)? {
            let id = codec::decode_message_key(tree, &key)?;
            let message = codec::decode::<Message>(tree, &key, &bytes).and_then(|message| {
                if message.id == id {
                    Ok(message)
                } else {
                    Err(StoreError::Corrupt {
                        tree: tree.name(),
                        key: KeyHex(key.to_vec()),
                        reason: format!("holds message {}", message.id),
                    })
                }
            });
            page.push((id, message));
        }
        Ok(page)
    }
}

impl Batch {
    /// Removes a finished message past retention: its archived record
    /// (state and history), its entries in the account's index and in the
    /// index by number, and its upstream id where that is still indexed (a
    /// message given up, or finished before receipts forgot their ids).
    /// Its ledger entries stay: they are the account's books.
    pub fn purge_message(&mut self, message: &Message) -> &mut Batch {
        if let (Some(gateway), Some(upstream)) = (&message.gateway, &message.upstream_id) {
            self.remove_upstream_id(gateway, upstream);
        }
        self.ops.push(Op::Remove {
            tree: TreeId::AccountMessages,
            key: codec::sequenced_key(&codec::account_prefix(&message.account), message.id.value()),
        });
        self.ops.push(Op::Remove {
            tree: TreeId::NumberMessages,
            key: super::batch::number_entry(message),
        });
        self.ops.push(Op::Remove {
            tree: TreeId::Archive,
            key: codec::message_key(message.id).to_vec(),
        });
        self
    }
}
