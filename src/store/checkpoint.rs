//! Checkpoints: a sealed set of pending writes copied into sled, sled
//! flushed (and in "power" mode its log file synced), and only then the
//! journal segments that held those writes deleted and the set dropped
//! from memory. They run on their own thread, so the commit thread keeps
//! answering writers meanwhile; at open, the same step applies whatever a
//! stopped process left in the journal.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use sled::IVec;

use super::chunks;
use super::codec::{self, TreeId};
use super::error::StoreError;
use super::journal;
use super::pending_writes::{Entries, Entry, PendingWrites};

/// The file "power" durability syncs after each sled flush, and its path for
/// error messages.
pub(super) struct SyncFile {
    pub(super) path: PathBuf,
    pub(super) file: File,
}

/// sled and what a checkpoint needs around it.
pub(super) struct Sled {
    pub(super) db: sled::Db,
    /// In `TreeId::ALL` order.
    pub(super) trees: Vec<sled::Tree>,
    pub(super) path: PathBuf,
    pub(super) sync: Option<SyncFile>,
}

impl Sled {
    /// Writes `entries` into sled and makes them durable there. A value
    /// too long for one sled key goes in chunks (see `chunks`), written
    /// before its marker; the chunks of a value replaced or removed go
    /// before it does.
    pub(super) fn absorb(&self, entries: &Entries) -> Result<(), StoreError> {
        for ((tree, map), id) in self.trees.iter().zip(entries.iter()).zip(TreeId::ALL) {
            let mut writes = Vec::with_capacity(map.len());
            let mut chunk_writes = Vec::new();
            for (key, entry) in map {
                let stale = self.stale_chunks(tree, id, key, entry)?;
                let (written, new_chunks) = match entry {
                    Entry::Put { value, .. } => {
                        let split = chunks::split(id, key, value);
                        (Some(split.stored), split.chunks)
                    }
                    Entry::Removed => (None, Vec::new()),
                };
                // Chunk keys count up from 0: a new value's chunks overwrite
                // the first old ones, and the old ones past them go.
                let beyond = stale.into_iter().skip(new_chunks.len());
                chunk_writes.extend(beyond.map(|old| (IVec::from(old), None)));
                chunk_writes.extend(
                    new_chunks
                        .into_iter()
                        .map(|(key, chunk)| (IVec::from(key), Some(chunk))),
                );
                writes.push((key.clone(), written));
            }
            self.apply_all(&self.trees[TreeId::Chunks.index()], chunk_writes)?;
            self.apply_all(tree, writes)?;
        }
        self.make_durable()
    }

    /// The chunk keys sled holds for `key` now, when `entry` may leave some
    /// behind: a put of a key that existed, or a remove, in a tree that
    /// takes long values.
    fn stale_chunks(
        &self,
        tree: &sled::Tree,
        id: TreeId,
        key: &IVec,
        entry: &Entry,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        if !codec::holds_large_values(id) || matches!(entry, Entry::Put { fresh: true, .. }) {
            return Ok(Vec::new());
        }
        let stored = tree.get(key).map_err(|error| self.database_error(error))?;
        Ok(stored.map_or_else(Vec::new, |stored| chunks::chunk_keys(id, key, &stored)))
    }

    /// Puts (`Some`) and removes (`None`) into `tree`, one key at a time.
    ///
    /// Not a `sled::Batch`: `apply_batch` holds sled's global write lock,
    /// which every sled read waits for, so the actor thread's reads (a
    /// conversation's summary, a message) stalled for milliseconds at a
    /// time behind each checkpoint. Single writes take that lock shared.
    /// Nothing needs the checkpoint atomic in sled: reads find these keys
    /// in the sealed pending writes until it ends, and after a crash the
    /// journal, deleted only once sled is flushed, applies it all again.
    fn apply_all(
        &self,
        tree: &sled::Tree,
        writes: Vec<(IVec, Option<IVec>)>,
    ) -> Result<(), StoreError> {
        for (key, value) in writes {
            match value {
                Some(value) => tree.insert(key, value),
                None => tree.remove(key),
            }
            .map_err(|error| self.database_error(error))?;
        }
        Ok(())
    }

    /// Flushes sled, and in "power" mode syncs its log file.
    pub(super) fn make_durable(&self) -> Result<(), StoreError> {
        self.db
            .flush()
            .map_err(|error| self.database_error(error))?;
        if let Some(sync) = &self.sync {
            sync.file
                .sync_data()
                .map_err(|error| super::error::io_error("fdatasync", &sync.path, error))?;
        }
        Ok(())
    }

    pub(super) fn database_error(&self, error: sled::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source: Arc::new(error),
        }
    }
}

/// Applies what the journal in `dir` holds to sled and deletes it; returns
/// the number the next segment should take.
pub(super) fn replay(sled: &Sled, dir: &Path) -> Result<u64, StoreError> {
    let segments = journal::segments(dir)?;
    let Some(&(newest, _)) = segments.last() else {
        return Ok(1);
    };
    let pending = PendingWrites::default();
    for (index, (_, path)) in segments.iter().enumerate() {
        pending.apply(journal::read_segment(path, index + 1 == segments.len())?);
    }
    if let Some(entries) = pending.seal() {
        sled.absorb(&entries)?;
    }
    journal::remove_through(dir, newest)?;
    Ok(newest + 1)
}

/// Work for the checkpoint thread: these writes, which the journal holds
/// in segments up to `through_segment`.
pub(super) struct Job {
    pub(super) entries: Arc<Entries>,
    pub(super) through_segment: u64,
}

/// The first failure of a checkpoint; the store takes no writes after one.
pub(super) type Failure = Mutex<Option<StoreError>>;

pub(super) fn first_failure(failure: &Failure) -> Option<StoreError> {
    failure
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The checkpoint thread: one job at a time, each answered on `done`.
pub(super) fn run(
    sled: Sled,
    journal_dir: PathBuf,
    pending: Arc<PendingWrites>,
    failure: Arc<Failure>,
    jobs: Receiver<Job>,
    done: Sender<()>,
) {
    for job in jobs {
        let result = sled
            .absorb(&job.entries)
            .and_then(|()| journal::remove_through(&journal_dir, job.through_segment));
        match result {
            // Reads find the writes in sled now.
            Ok(()) => pending.release(),
            // The writes stay readable in memory and on disk in the journal.
            Err(error) => {
                failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(error);
            }
        }
        if done.send(()).is_err() {
            return;
        }
    }
}
