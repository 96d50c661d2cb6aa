//! The number lists' records (tree `number_lists`): the opt-outs of every
//! account and the DND registry, one key layout for both, so each is a
//! key range read a page at a time ([`Store::list_page`]) and loaded at
//! start into the in-memory sets the checks at accept ask.
//!
//! | key | value |
//! |---|---|
//! | `dnd` 0x00 number u64 big-endian | [`Listed`] |
//! | `opt_out` 0x00 account 0x00 number u64 big-endian sender (empty: every sender) | [`Listed`] |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Store;
use super::batch::{Batch, Op};
use super::codec::TreeId;
use super::error::{KeyHex, StoreError};
use crate::checks::sender::Sender;
use crate::lists::ListedNumber;
use crate::model::AccountId;

const DND_PREFIX: &[u8] = b"dnd\0";
const OPT_OUT_PREFIX: &[u8] = b"opt_out\0";

/// One list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListId {
    /// The global do-not-disturb registry.
    Dnd,
    /// One account's opt-outs.
    OptOuts(AccountId),
}

/// One entry of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListKey {
    /// A number on the DND registry.
    Dnd(ListedNumber),
    /// A number opted out of an account, of one sender's MTs or of all.
    OptOut {
        account: AccountId,
        number: ListedNumber,
        sender: Option<Sender>,
    },
}

/// How an entry came to be on its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListedBy {
    /// A stop word in an MO.
    Keyword,
    /// One entry through the API.
    Api,
    /// A bulk import through the API.
    Import,
}

/// An entry's record: since when, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    /// Unix time, in seconds.
    since: i64,
    pub by: ListedBy,
}

impl Listed {
    /// Listed at `at` by `by`.
    pub fn new(at: DateTime<Utc>, by: ListedBy) -> Listed {
        Listed {
            since: at.timestamp(),
            by,
        }
    }

    /// When it was listed (to the second).
    pub fn since(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.since, 0).unwrap_or_default()
    }
}

impl ListId {
    fn prefix(&self) -> Vec<u8> {
        match self {
            ListId::Dnd => DND_PREFIX.to_vec(),
            ListId::OptOuts(account) => {
                let mut prefix = OPT_OUT_PREFIX.to_vec();
                prefix.extend_from_slice(account.as_str().as_bytes());
                prefix.push(0);
                prefix
            }
        }
    }

    fn decode(&self, key: &[u8]) -> Result<ListKey, StoreError> {
        let corrupt = |reason: &str| StoreError::Corrupt {
            tree: TreeId::NumberLists.name(),
            key: KeyHex(key.to_vec()),
            reason: reason.to_string(),
        };
        let rest = &key[self.prefix().len()..];
        let (number, sender) = rest
            .split_first_chunk::<8>()
            .ok_or_else(|| corrupt("no number after the list's prefix"))?;
        let number = ListedNumber::from_value(u64::from_be_bytes(*number))
            .ok_or_else(|| corrupt("not a number a list holds"))?;
        match self {
            ListId::Dnd if sender.is_empty() => Ok(ListKey::Dnd(number)),
            ListId::Dnd => Err(corrupt("bytes after a DND number")),
            ListId::OptOuts(account) => {
                let sender = match sender {
                    [] => None,
                    sender => Some(
                        std::str::from_utf8(sender)
                            .ok()
                            .and_then(|sender| Sender::parse(sender).ok())
                            .ok_or_else(|| corrupt("not a sender"))?,
                    ),
                };
                Ok(ListKey::OptOut {
                    account: account.clone(),
                    number,
                    sender,
                })
            }
        }
    }
}

impl ListKey {
    fn list(&self) -> ListId {
        match self {
            ListKey::Dnd(_) => ListId::Dnd,
            ListKey::OptOut { account, .. } => ListId::OptOuts(account.clone()),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut key = self.list().prefix();
        match self {
            ListKey::Dnd(number) => key.extend_from_slice(&number.value().to_be_bytes()),
            ListKey::OptOut { number, sender, .. } => {
                key.extend_from_slice(&number.value().to_be_bytes());
                if let Some(sender) = sender {
                    key.extend_from_slice(sender.to_string().as_bytes());
                }
            }
        }
        key
    }
}

impl Batch {
    /// Puts an entry on its list (replacing its record if it was).
    pub fn put_listed(&mut self, key: &ListKey, listed: &Listed) -> &mut Batch {
        self.put(TreeId::NumberLists, key.encode(), listed, false)
    }

    /// Takes an entry off its list.
    pub fn remove_listed(&mut self, key: &ListKey) -> &mut Batch {
        self.ops.push(Op::Remove {
            tree: TreeId::NumberLists,
            key: key.encode(),
        });
        self
    }
}

impl Store {
    /// The record of an entry, while it is on its list.
    pub fn listed(&self, key: &ListKey) -> Result<Option<Listed>, StoreError> {
        self.get(TreeId::NumberLists, &key.encode())
    }

    /// Up to `limit` entries of `list` after `after` (from the first when
    /// `None`), in key order: numbers ascending, an account-wide opt-out
    /// before the same number's per-sender ones. One bounded read; walk a
    /// whole list (at start, to clear it) page by page.
    pub fn list_page(
        &self,
        list: &ListId,
        after: Option<&ListKey>,
        limit: usize,
    ) -> Result<Vec<(ListKey, Listed)>, StoreError> {
        let tree = TreeId::NumberLists;
        let prefix = list.prefix();
        let from = match after {
            Some(after) => {
                let mut from = after.encode();
                from.push(0);
                from
            }
            None => prefix.clone(),
        };
        self.scan_page(tree, &prefix, &from, limit)?
            .into_iter()
            .map(|(key, bytes)| {
                Ok((
                    list.decode(&key)?,
                    super::codec::decode(tree, &key, &bytes)?,
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreConfig;

    fn number(text: &str) -> ListedNumber {
        ListedNumber::parse(text).unwrap()
    }

    #[test]
    fn lists_are_key_ranges_read_a_page_at_a_time_over_pending_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        let shop = AccountId::new("shop").unwrap();
        let shopper = AccountId::new("shopper").unwrap();
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let listed = Listed::new(at, ListedBy::Api);
        let mut batch = Batch::new();
        for n in ["34600000003", "34600000001", "34600000002"] {
            batch.put_listed(&ListKey::Dnd(number(n)), &listed);
        }
        let everywhere = ListKey::OptOut {
            account: shop.clone(),
            number: number("34600000001"),
            sender: None,
        };
        let from_shop = ListKey::OptOut {
            account: shop.clone(),
            number: number("34600000001"),
            sender: Some(Sender::parse("Shop").unwrap()),
        };
        let other_account = ListKey::OptOut {
            account: shopper.clone(),
            number: number("34600000001"),
            sender: None,
        };
        batch
            .put_listed(&from_shop, &listed)
            .put_listed(&everywhere, &listed)
            .put_listed(&other_account, &listed);
        store.commit(batch).wait().unwrap();

        let first = store.list_page(&ListId::Dnd, None, 2).unwrap();
        assert_eq!(
            first.iter().map(|(key, _)| key.clone()).collect::<Vec<_>>(),
            [
                ListKey::Dnd(number("34600000001")),
                ListKey::Dnd(number("34600000002"))
            ]
        );
        let rest = store
            .list_page(&ListId::Dnd, Some(&first[1].0), 10)
            .unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].1.since(), at);
        let shops = store.list_page(&ListId::OptOuts(shop), None, 10).unwrap();
        assert_eq!(
            shops.into_iter().map(|(key, _)| key).collect::<Vec<_>>(),
            [everywhere.clone(), from_shop.clone()]
        );
        assert_eq!(store.listed(&from_shop).unwrap(), Some(listed));

        let mut batch = Batch::new();
        batch.remove_listed(&from_shop);
        store.commit(batch).wait().unwrap();
        assert_eq!(store.listed(&from_shop).unwrap(), None);
        assert_eq!(
            store
                .list_page(&ListId::OptOuts(shopper), None, 10)
                .unwrap()
                .len(),
            1
        );
    }
}
