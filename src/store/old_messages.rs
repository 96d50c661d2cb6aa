//! The marker in `meta` of how far the indexing by number of the messages
//! stored before that index existed got (see `number_index`), and its
//! creation when a store is opened.

use serde::{Deserialize, Serialize};

use super::checkpoint::Sled;
use super::codec::{self, TreeId};
use super::error::StoreError;

/// How far the indexing of older messages got, in `meta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum OldMessages {
    /// Messages with ids below `below` are indexed up to the accounts'
    /// index key `after` (none yet when `None`); the rest were indexed as
    /// they were written.
    Indexing { below: u64, after: Option<Vec<u8>> },
    /// Every message has its entry.
    Indexed,
}

/// At open, after the journal is applied and before any write: whether
/// every message already has its entry. A store opened for the first time
/// since the index existed gets its marker here, made durable before the
/// store takes writes; `first_id` is the first id this run hands out.
pub(super) fn open_marker(sled: &Sled, first_id: u64) -> Result<bool, StoreError> {
    let meta = &sled.trees[TreeId::Meta.index()];
    let key = codec::OLD_MESSAGES_KEY;
    if let Some(bytes) = meta.get(key).map_err(|e| sled.database_error(e))? {
        let state: OldMessages = codec::decode(TreeId::Meta, key, &bytes)?;
        return Ok(state == OldMessages::Indexed);
    }
    let state = if sled.trees[TreeId::AccountMessages.index()].is_empty() {
        OldMessages::Indexed
    } else {
        OldMessages::Indexing {
            below: first_id,
            after: None,
        }
    };
    meta.insert(key, codec::encode(TreeId::Meta, key, &state)?)
        .map_err(|e| sled.database_error(e))?;
    sled.make_durable()?;
    Ok(state == OldMessages::Indexed)
}
