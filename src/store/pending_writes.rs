//! Writes that are in the journal but not yet in sled, kept in memory so
//! that reads see them: `live` takes every group as it commits; at a
//! checkpoint it becomes `sealed` (read while the checkpoint copies it into
//! sled) and a new `live` starts. Reads look in `live`, then `sealed`, then
//! sled.
//!
//! Only the last write per key is kept, so a key written many times between
//! two checkpoints reaches sled once; a fresh key put and removed again
//! before a checkpoint (a receipt queued and delivered, a message accepted
//! and finished) never reaches sled at all.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::codec::TreeId;
use super::journal::Write;

/// The last write to one key.
#[derive(Clone, Debug)]
pub(super) enum Entry {
    Put { value: sled::IVec, fresh: bool },
    Removed,
}

/// One map per tree, in `TreeId::ALL` order.
pub(super) type Entries = Vec<HashMap<sled::IVec, Entry>>;

#[derive(Default)]
pub(super) struct PendingWrites {
    maps: RwLock<Maps>,
}

struct Maps {
    live: Entries,
    sealed: Option<Arc<Entries>>,
}

impl Default for Maps {
    fn default() -> Maps {
        Maps {
            live: empty(),
            sealed: None,
        }
    }
}

fn empty() -> Entries {
    TreeId::ALL.iter().map(|_| HashMap::new()).collect()
}

impl PendingWrites {
    /// Records one committed group.
    pub(super) fn apply(&self, writes: Vec<Write>) {
        let mut maps = self.write();
        for write in writes {
            let map = &mut maps.live[write.tree.index()];
            match write.value {
                Some(value) => {
                    // A key stays fresh while its first write since the
                    // last checkpoint was a fresh put.
                    let fresh = match map.get(&write.key) {
                        Some(Entry::Put { fresh, .. }) => *fresh,
                        Some(Entry::Removed) => false,
                        None => write.fresh,
                    };
                    map.insert(write.key, Entry::Put { value, fresh });
                }
                None => {
                    if let Some(Entry::Put { fresh: true, .. }) = map.get(&write.key) {
                        map.remove(&write.key);
                    } else {
                        map.insert(write.key, Entry::Removed);
                    }
                }
            }
        }
    }

    /// Writes taken since the last checkpoint began, not yet being copied
    /// into sled.
    pub(super) fn live_len(&self) -> usize {
        self.read().live.iter().map(HashMap::len).sum()
    }

    /// What the journal says about `key`: `Some(Some(value))` written,
    /// `Some(None)` removed, `None` not touched since sled last had it.
    pub(super) fn get(&self, tree: TreeId, key: &[u8]) -> Option<Option<sled::IVec>> {
        let maps = self.read();
        let index = tree.index();
        let entry = maps.live[index].get(key).or_else(|| {
            maps.sealed
                .as_ref()
                .and_then(|sealed| sealed[index].get(key))
        })?;
        Some(match entry {
            Entry::Put { value, .. } => Some(value.clone()),
            Entry::Removed => None,
        })
    }

    /// The pending writes held still for a read that also scans sled:
    /// while the returned view lives no checkpoint releases its sealed
    /// set, so a write is in the view or already in sled, never between
    /// the two (a checkpoint finishing between a sled scan and a look at
    /// the pending writes would otherwise hide what it moved). Commits
    /// wait while it lives: read one bounded page under it, not more.
    pub(super) fn hold(&self) -> Held<'_> {
        Held(self.read())
    }

    /// Seals `live` for a checkpoint and starts a new one; `None` while
    /// the previous sealed set is not yet released.
    pub(super) fn seal(&self) -> Option<Arc<Entries>> {
        let mut maps = self.write();
        if maps.sealed.is_some() {
            return None;
        }
        // The new maps start at the size the sealed ones reached, so the
        // next interval's groups insert without rehashing a map while
        // they hold the lock that every read waits for.
        let sized = maps
            .live
            .iter()
            .map(|map| HashMap::with_capacity(map.len()))
            .collect();
        let sealed = Arc::new(std::mem::replace(&mut maps.live, sized));
        maps.sealed = Some(sealed.clone());
        Some(sealed)
    }

    /// The sealed set is in sled now: reads go there.
    pub(super) fn release(&self) {
        self.write().sealed = None;
    }

    // Nothing panics while holding the lock; were it poisoned, the maps
    // inside are still whole (each update is a single insert or remove).
    fn read(&self) -> RwLockReadGuard<'_, Maps> {
        self.maps.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Maps> {
        self.maps.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The pending writes as [`PendingWrites::hold`] keeps them.
pub(super) struct Held<'a>(RwLockReadGuard<'a, Maps>);

impl Held<'_> {
    /// Lays the pending writes under `prefix` over `base` (what sled holds).
    pub(super) fn overlay(
        &self,
        tree: TreeId,
        prefix: &[u8],
        base: &mut BTreeMap<sled::IVec, sled::IVec>,
    ) {
        let maps = &self.0;
        let index = tree.index();
        let layers = maps
            .sealed
            .iter()
            .map(|sealed| &sealed[index])
            .chain(std::iter::once(&maps.live[index]));
        for layer in layers {
            for (key, entry) in layer.iter().filter(|(key, _)| key.starts_with(prefix)) {
                match entry {
                    Entry::Put { value, .. } => {
                        base.insert(key.clone(), value.clone());
                    }
                    Entry::Removed => {
                        base.remove(key);
                    }
                }
            }
        }
    }

    /// The last write of every key under `prefix` from `from` on, sealed
    /// and live laid together: `Some(value)` written, `None` removed.
    pub(super) fn writes_from(
        &self,
        tree: TreeId,
        prefix: &[u8],
        from: &[u8],
    ) -> BTreeMap<sled::IVec, Option<sled::IVec>> {
        let maps = &self.0;
        let index = tree.index();
        let layers = maps
            .sealed
            .iter()
            .map(|sealed| &sealed[index])
            .chain(std::iter::once(&maps.live[index]));
        let mut writes = BTreeMap::new();
        for layer in layers {
            let under = layer
                .iter()
                .filter(|(key, _)| key.starts_with(prefix) && key.as_ref() >= from);
            for (key, entry) in under {
                let value = match entry {
                    Entry::Put { value, .. } => Some(value.clone()),
                    Entry::Removed => None,
                };
                writes.insert(key.clone(), value);
            }
        }
        writes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &[u8], value: &[u8], fresh: bool) -> Write {
        Write {
            tree: TreeId::Mailbox,
            key: key.into(),
            value: Some(value.into()),
            fresh,
        }
    }

    fn remove(key: &[u8]) -> Write {
        Write {
            tree: TreeId::Mailbox,
            key: key.into(),
            value: None,
            fresh: false,
        }
    }

    fn get(pending: &PendingWrites, key: &[u8]) -> Option<Option<Vec<u8>>> {
        pending
            .get(TreeId::Mailbox, key)
            .map(|value| value.map(|value| value.to_vec()))
    }

    #[test]
    fn a_fresh_key_put_and_removed_leaves_nothing_to_checkpoint() {
        let pending = PendingWrites::default();
        pending.apply(vec![put(b"a", b"1", true), put(b"a", b"2", false)]);
        assert_eq!(get(&pending, b"a"), Some(Some(b"2".to_vec())));
        pending.apply(vec![remove(b"a")]);
        assert_eq!(get(&pending, b"a"), None);
        let sealed = pending.seal().unwrap();
        assert!(sealed.iter().all(HashMap::is_empty));
    }

    #[test]
    fn a_key_that_may_be_in_sled_is_removed_there_too() {
        let pending = PendingWrites::default();
        pending.apply(vec![put(b"a", b"1", false), remove(b"a")]);
        assert_eq!(get(&pending, b"a"), Some(None));
        // Fresh once sealed is not fresh in the next window.
        pending.apply(vec![put(b"b", b"1", true)]);
        pending.seal().unwrap();
        pending.apply(vec![remove(b"b")]);
        assert_eq!(get(&pending, b"b"), Some(None));
    }

    #[test]
    fn reads_see_live_over_sealed_and_scans_merge_both_over_sled() {
        let pending = PendingWrites::default();
        pending.apply(vec![put(b"p1", b"old", false), put(b"p2", b"x", false)]);
        assert!(pending.seal().is_some());
        assert!(pending.seal().is_none(), "one sealed set at a time");
        pending.apply(vec![put(b"p1", b"new", false), remove(b"p2")]);
        assert_eq!(get(&pending, b"p1"), Some(Some(b"new".to_vec())));
        let mut base = BTreeMap::new();
        base.insert(sled::IVec::from(b"p0"), sled::IVec::from(b"sled"));
        base.insert(sled::IVec::from(b"p2"), sled::IVec::from(b"sled"));
        pending.hold().overlay(TreeId::Mailbox, b"p", &mut base);
        let merged: Vec<(Vec<u8>, Vec<u8>)> = base
            .into_iter()
            .map(|(k, v)| (k.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(
            merged,
            [
                (b"p0".to_vec(), b"sled".to_vec()),
                (b"p1".to_vec(), b"new".to_vec())
            ]
        );
        pending.release();
        assert_eq!(get(&pending, b"p2"), Some(None));
        assert!(pending.seal().is_some());
    }
}
