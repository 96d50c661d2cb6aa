//! The do-not-disturb registry in force ([`DndRegistry`]): every account
//! actor asks it at accept (one atomic load and one hash lookup, never a
//! lock), and the admin API changes it. A writer works on a copy
//! ([`DndWriter`], one at a time) that shares every shard it has not
//! touched with the set in force, and swaps it in with one atomic store:
//! accepts never wait for an import, a deletion or a clear.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::lists::{ListedNumber, NumberSet};
use crate::store::{ListId, Store, StoreError};

/// How many entries one read of the store takes while loading.
const LOAD_PAGE: usize = 10_000;

/// The numbers on the DND registry, as accepts see them.
pub struct DndRegistry {
    numbers: ArcSwap<NumberSet>,
    /// Imports, deletions and clears, one at a time.
    writer: tokio::sync::Mutex<()>,
}

impl DndRegistry {
    /// The registry the store holds, read a page at a time.
    pub fn load(store: &Store) -> Result<DndRegistry, StoreError> {
        let mut numbers = NumberSet::new();
        let mut after = None;
        loop {
            let page = store.list_page(&ListId::Dnd, after.as_ref(), LOAD_PAGE)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            for (key, _) in &page {
                if let crate::store::ListKey::Dnd(number) = key {
                    numbers.insert(*number);
                }
            }
        }
        Ok(DndRegistry::with(numbers))
    }

    /// A registry holding `numbers`.
    pub fn with(numbers: NumberSet) -> DndRegistry {
        DndRegistry {
            numbers: ArcSwap::from_pointee(numbers),
            writer: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether `number` is on the registry.
    pub fn contains(&self, number: ListedNumber) -> bool {
        self.numbers.load().contains(number)
    }

    /// How many numbers it holds.
    pub fn len(&self) -> usize {
        self.numbers.load().len()
    }

    /// Waits for the other writers, then gives a copy to change.
    pub async fn writer(&self) -> DndWriter<'_> {
        let turn = self.writer.lock().await;
        DndWriter {
            _turn: turn,
            working: NumberSet::clone(&self.numbers.load()),
            registry: self,
        }
    }
}

/// The one writer of the registry: changes a copy, in force once
/// [`DndWriter::publish`]ed (write the store first).
pub struct DndWriter<'a> {
    _turn: tokio::sync::MutexGuard<'a, ()>,
    working: NumberSet,
    registry: &'a DndRegistry,
}

impl DndWriter<'_> {
    /// The copy being changed.
    pub fn numbers(&mut self) -> &mut NumberSet {
        &mut self.working
    }

    /// Puts the copy in force; later changes go on from it.
    pub fn publish(&mut self) {
        self.registry.numbers.store(Arc::new(self.working.clone()));
    }
}
