//! The operator's audit log (tree `audit`): one entry per action the
//! operator took (who, what, when, from where, and how it was answered),
//! keyed by a number of the store's sequence so that entries read back in
//! the order they were written, newest first. Written by the HTTP
//! listener's audit middleware (`actors/web/audit.rs`), read by the web
//! UI's audit page.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `audit` | sequence u64 big-endian | [`AuditEntry`] |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Store;
use super::batch::Batch;
use super::codec::{self, TreeId};
use super::error::{KeyHex, StoreError};
use crate::model::timestamp;

/// One action of the operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it was answered.
    #[serde(with = "timestamp")]
    pub at: DateTime<Utc>,
    /// Who: `web.admin_user`'s name.
    pub who: String,
    /// What: the method and the path (`POST /ui/accounts/acme/credit`),
    /// or `login`.
    pub action: String,
    /// From where: the peer's address.
    pub peer: Option<String>,
    /// The HTTP status it was answered with.
    pub status: u16,
}

impl Batch {
    /// The audit entry numbered `sequence` (a number of
    /// [`Store::next_sequence`]).
    pub fn put_audit(&mut self, sequence: u64, entry: &AuditEntry) -> &mut Batch {
        self.put(TreeId::Audit, sequence.to_be_bytes().to_vec(), entry, true)
    }
}

impl Store {
    /// Up to `limit` audit entries numbered below `before` (all when
    /// `None`), newest first, with their numbers.
    pub fn audit_page(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, AuditEntry)>, StoreError> {
        self.numbered_page(TreeId::Audit, before, limit)
    }

    /// Up to `limit` values of a tree keyed by sequence numbers, numbered
    /// below `before` (all when `None`), newest first, with their numbers.
    pub(super) fn numbered_page<T: serde::de::DeserializeOwned>(
        &self,
        tree: TreeId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, T)>, StoreError> {
        let end = before.map_or_else(|| vec![0xFF; 9], |before| before.to_be_bytes().to_vec());
        self.scan_page_back(tree, &[], &end, limit)?
            .into_iter()
            .map(|(key, bytes)| {
                let number = <[u8; 8]>::try_from(key.as_ref())
                    .map(u64::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        tree: tree.name(),
                        key: KeyHex(key.to_vec()),
                        reason: "not a sequence number".to_owned(),
                    })?;
                Ok((number, codec::decode(tree, &key, &bytes)?))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreConfig;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: Utc::now(),
            who: "admin".into(),
            action: action.into(),
            peer: Some("127.0.0.1".into()),
            status: 303,
        }
    }

    #[test]
    fn entries_read_back_newest_first_a_page_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        let mut batch = Batch::new();
        for n in 0..5 {
            let sequence = store.next_sequence().unwrap();
            batch.put_audit(sequence, &entry(&format!("POST /ui/x/{n}")));
        }
        store.commit(batch).wait().unwrap();
        let first = store.audit_page(None, 3).unwrap();
        let actions: Vec<&str> = first.iter().map(|(_, e)| e.action.as_str()).collect();
        assert_eq!(actions, ["POST /ui/x/4", "POST /ui/x/3", "POST /ui/x/2"]);
        let next = store.audit_page(Some(first[2].0), 3).unwrap();
        let actions: Vec<&str> = next.iter().map(|(_, e)| e.action.as_str()).collect();
        assert_eq!(actions, ["POST /ui/x/1", "POST /ui/x/0"]);
        drop(store);
        let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
        assert_eq!(
            store.audit_page(None, 10).unwrap().len(),
            5,
            "kept across a restart"
        );
    }
}
