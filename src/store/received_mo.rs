//! The routed MO in the order they were received: the index the operator's
//! list of every MO reads (`/ui/inbox/received`), so that "the MO that
//! came in, newest first" is one backwards range scan, never a scan of
//! the conversations.
//!
//! One tree, `received_mo`, three key families, each ending in the MO's
//! sequence (its id) big-endian, each → [`ReceivedMo`] (whose
//! conversation it is in, defined beside the conversations):
//!
//! - `all 0x00 seq`: every account's;
//! - `account 0x00 account 0x00 seq`: one account's;
//! - `number 0x00 party 0x00 seq`: those with the number as ours or as
//!   theirs (one key for each side, one when both are the same).
//!
//! The keys are written by `ConversationIndex::record_mo`, in the batch
//! that stores the MO's conversation entry, so an MO is listed exactly
//! when it is in its conversation. Its text and time are read from that
//! entry.

use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
use super::conversations::{ConversationEntry, ReceivedMo};
use super::database::Store;
use super::error::StoreError;
use crate::conversations::Party;
use crate::model::AccountId;

/// One routed MO as listed: its sequence, whose it is, and its entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub sequence: u64,
    pub mo: ReceivedMo,
    pub entry: ConversationEntry,
}

const ALL_PREFIX: &[u8] = b"all\0";
const ACCOUNT_PREFIX: &[u8] = b"account\0";
const NUMBER_PREFIX: &[u8] = b"number\0";

/// `family name 0x00`: the prefix of one family's keys under `name`.
fn family_prefix(family: &[u8], name: &str) -> Vec<u8> {
    let mut prefix = family.to_vec();
    prefix.extend_from_slice(name.as_bytes());
    prefix.push(0);
    prefix
}

/// The prefix a listing scans: the number's when there is one (the
/// narrowest), else the account's, else every MO's.
fn listing_prefix(account: Option<&AccountId>, number: Option<&Party>) -> Vec<u8> {
    match (number, account) {
        (Some(number), _) => family_prefix(NUMBER_PREFIX, number.as_str()),
        (None, Some(account)) => family_prefix(ACCOUNT_PREFIX, account.as_str()),
        (None, None) => ALL_PREFIX.to_vec(),
    }
}

/// The MO `sequence`'s keys in the three families.
fn keys(sequence: u64, mo: &ReceivedMo) -> Vec<Vec<u8>> {
    let mut prefixes = vec![
        ALL_PREFIX.to_vec(),
        family_prefix(ACCOUNT_PREFIX, mo.account.as_str()),
        family_prefix(NUMBER_PREFIX, mo.ours.as_str()),
    ];
    if mo.theirs != mo.ours {
        prefixes.push(family_prefix(NUMBER_PREFIX, mo.theirs.as_str()));
    }
    prefixes
        .iter()
        .map(|prefix| codec::sequenced_key(prefix, sequence))
        .collect()
}

impl Batch {
    /// Lists the MO `sequence` in `mo`'s conversation: its keys in the
    /// three families.
    pub(super) fn index_received_mo(&mut self, sequence: u64, mo: &ReceivedMo) -> &mut Batch {
        for key in keys(sequence, mo) {
            self.put(TreeId::ReceivedMo, key, mo, true);
        }
        self
    }

    /// Takes the MO `sequence` out of the list (retention).
    pub(super) fn unindex_received_mo(&mut self, sequence: u64, mo: &ReceivedMo) -> &mut Batch {
        for key in keys(sequence, mo) {
            self.ops.push(Op::Remove {
                tree: TreeId::ReceivedMo,
                key,
            });
        }
        self
    }
}

/// One routed MO as retention reads it: its sequence, and whose it is or
/// why that could not be read.
pub type ListedMo = (u64, Result<ReceivedMo, StoreError>);

impl Store {
    /// Up to `limit` routed MO with sequences above `after` (from the
    /// first when `None`), the oldest first, each decoded on its own: what
    /// retention reads.
    pub fn received_mo_oldest(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<ListedMo>, StoreError> {
        let tree = TreeId::ReceivedMo;
        let Some(first) = after.map_or(Some(0), |after| after.checked_add(1)) else {
            return Ok(Vec::new());
        };
        let from = codec::sequenced_key(ALL_PREFIX, first);
        self.scan_page(tree, ALL_PREFIX, &from, limit)?
            .into_iter()
            .map(|(key, bytes)| {
                let sequence = codec::decode_sequence(tree, &key, ALL_PREFIX.len())?;
                Ok((sequence, codec::decode(tree, &key, &bytes)))
            })
            .collect()
    }

    /// Up to `limit` routed MO received before the sequence `before` (from
    /// the newest when `None`), the newest first: `account`'s only when
    /// given, and only those with `number` as ours or theirs when given.
    /// With both, the number's keys are read and the other accounts'
    /// skipped.
    pub fn received_mo(
        &self,
        account: Option<&AccountId>,
        number: Option<&Party>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Received>, StoreError> {
        let tree = TreeId::ReceivedMo;
        let prefix = listing_prefix(account, number);
        let mut end = codec::sequenced_key(&prefix, before.unwrap_or(u64::MAX));
        let mut found = Vec::with_capacity(limit.min(1000));
        while found.len() < limit {
            let wanted = limit - found.len();
            let page = self.scan_page_back(tree, &prefix, &end, wanted)?;
            let Some((oldest, _)) = page.last() else {
                break;
            };
            end = oldest.to_vec();
            let full = page.len() == wanted;
            for (key, bytes) in &page {
                let sequence = codec::decode_sequence(tree, key, prefix.len())?;
                let mo: ReceivedMo = codec::decode(tree, key, bytes)?;
                if account.is_some_and(|account| *account != mo.account) {
                    continue;
                }
                if let Some(entry) =
                    self.conversation_entry(&mo.account, &mo.ours, &mo.theirs, sequence)?
                {
                    found.push(Received {
                        sequence,
                        mo,
                        entry,
                    });
                }
            }
            if !full {
                break;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::super::conversations::testing::mo;
    use super::*;
    use crate::model::MessageId;
    use crate::store::{ConversationIndex, StoreConfig};
    use std::sync::Arc;

    fn texts(found: &[Received]) -> Vec<&str> {
        found
            .iter()
            .map(|received| received.entry.text.as_deref().unwrap_or_default())
            .collect()
    }

    /// Two accounts' MO list newest first across their conversations, by
    /// account, by number (ours or theirs) and both, a page at a time.
    #[test]
    fn routed_mo_list_newest_first_by_account_and_number() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(StoreConfig::new(dir.path())).unwrap());
        let (shop, tv) = (
            AccountId::new("shop").unwrap(),
            AccountId::new("tv").unwrap(),
        );
        let indexes = [
            ConversationIndex::new(store.clone(), shop.clone()),
            ConversationIndex::new(store.clone(), tv.clone()),
        ];
        let sent = [
            (0, "34600111222", "12345", "one"),
            (1, "34600111222", "5555", "two"),
            (0, "34600333444", "12345", "three"),
            (0, "34600111222", "12345", "four"),
        ];
        for (id, (index, from, to, text)) in (1..).zip(sent) {
            let mut batch = Batch::new();
            indexes[index]
                .record_mo(&mut batch, MessageId::new(id), &mo(from, to, text))
                .unwrap();
            store.commit(batch).wait().unwrap();
        }
        let list = |account: Option<&AccountId>, number: Option<&str>, before, limit| {
            let number = number.map(|number| Party::parse(number).unwrap());
            store
                .received_mo(account, number.as_ref(), before, limit)
                .unwrap()
        };
        assert_eq!(
            texts(&list(None, None, None, 10)),
            ["four", "three", "two", "one"]
        );
        assert_eq!(
            texts(&list(Some(&shop), None, None, 10)),
            ["four", "three", "one"]
        );
        assert_eq!(texts(&list(Some(&tv), None, None, 10)), ["two"]);
        assert_eq!(
            texts(&list(None, Some("+34600111222"), None, 10)),
            ["four", "two", "one"]
        );
        assert_eq!(
            texts(&list(Some(&shop), Some("0034600111222"), None, 10)),
            ["four", "one"]
        );
        assert_eq!(
            texts(&list(None, Some("12345"), None, 10)),
            ["four", "three", "one"]
        );
        let first = list(None, None, None, 2);
        assert_eq!(texts(&first), ["four", "three"]);
        let older = list(None, None, Some(first[1].sequence), 2);
        assert_eq!(texts(&older), ["two", "one"]);
        assert_eq!(older[0].mo.account, tv);
        assert!(list(None, None, Some(older[1].sequence), 2).is_empty());
        assert!(list(Some(&tv), Some("34600333444"), None, 10).is_empty());
    }
}
