//! The group committer: one thread that takes every batch waiting, applies
//! them as one sled transaction over all trees, flushes once (and in
//! "power" mode syncs the log file once), then answers every writer.
//!
//! Order: batches are applied in the order they were handed in (one FIFO
//! channel); when two write the same key in one group, the later wins, as
//! it would had they committed one by one.
//!
//! Timing: a flush starts at most once per `commit_interval`, and carries at
//! most `max_batch` batches. A write arriving when the last flush began
//! longer ago than the interval is committed at once; under load, writes
//! gather while the previous flush runs, so the group grows with the load.
//!
//! Failure: if a transaction or flush fails, every writer of that group gets
//! the error, and every later commit gets `StoreError::Failed`: sled's
//! memory may now hold writes its disk does not, so acknowledging anything
//! more would be a lie. Reopening the store recovers what is on disk.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::batch::Op;
use super::codec;
use super::durable::Completer;
use super::error::StoreError;

/// One batch on its way to disk, and who to tell.
pub(super) struct Request {
    pub(super) ops: Vec<Op>,
    pub(super) completer: Completer,
}

/// The file "power" durability syncs after each flush, and its path for
/// error messages.
pub(super) struct SyncFile {
    pub(super) path: PathBuf,
    pub(super) file: File,
}

pub(super) struct Committer {
    pub(super) db: sled::Db,
    /// In `TreeId::ALL` order.
    pub(super) trees: Vec<sled::Tree>,
    pub(super) path: PathBuf,
    pub(super) receiver: Receiver<Request>,
    pub(super) interval: Duration,
    pub(super) max_batch: usize,
    pub(super) sync: Option<SyncFile>,
}

/// A write ready for the transaction: tree index, key, value (`None`
/// removes).
type Write = (usize, sled::IVec, Option<sled::IVec>);

impl Committer {
    /// Runs until every sender is gone (the store closed), committing what
    /// is still queued before returning.
    pub(super) fn run(self) {
        let mut failed: Option<Arc<StoreError>> = None;
        let mut last_flush: Option<Instant> = None;
        while let Ok(first) = self.receiver.recv() {
            let group = self.gather(first, last_flush);
            last_flush = Some(Instant::now());
            let (writes, completers) = self.prepare(group);
            let result = match &failed {
                Some(error) => Err(StoreError::Failed(error.clone())),
                None => writes.and_then(|writes| self.apply(writes)),
            };
            if let (None, Err(error)) = (&failed, &result) {
                failed = Some(Arc::new(error.clone()));
            }
            for completer in completers {
                completer.fill(result.clone());
            }
        }
    }

    /// `first` and whatever else arrives until the interval since the last
    /// flush has passed or the group is full.
    fn gather(&self, first: Request, last_flush: Option<Instant>) -> Vec<Request> {
        let deadline = last_flush.map(|at| at + self.interval);
        let mut group = vec![first];
        while group.len() < self.max_batch {
            match self.receiver.try_recv() {
                Ok(request) => group.push(request),
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => {
                    let now = Instant::now();
                    let wait = match deadline.and_then(|d| d.checked_duration_since(now)) {
                        Some(wait) if !wait.is_zero() => wait,
                        _ => break,
                    };
                    match self.receiver.recv_timeout(wait) {
                        Ok(request) => group.push(request),
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                    }
                }
            }
        }
        group
    }

    /// Turns the group's operations into keyed writes: appended records get
    /// their ids in order, and the entries logged under one prefix share a
    /// value until it is full.
    fn prepare(&self, group: Vec<Request>) -> (Result<Vec<Write>, StoreError>, Vec<Completer>) {
        let mut completers = Vec::with_capacity(group.len());
        let mut ops = Vec::new();
        for request in group {
            completers.push(request.completer);
            ops.extend(request.ops);
        }
        (self.keyed(ops), completers)
    }

    fn keyed(&self, ops: Vec<Op>) -> Result<Vec<Write>, StoreError> {
        let mut writes: Vec<(usize, Vec<u8>, Option<Vec<u8>>)> = Vec::with_capacity(ops.len());
        // (tree, prefix) → the write in `writes` whose value still has room.
        let mut open_logs: HashMap<(usize, Vec<u8>), usize> = HashMap::new();
        for op in ops {
            match op {
                Op::Put { tree, key, value } => writes.push((tree.index(), key, Some(value))),
                Op::Remove { tree, key } => writes.push((tree.index(), key, None)),
                Op::Log {
                    tree,
                    prefix,
                    entry,
                } => {
                    let open = open_logs.get(&(tree.index(), prefix.clone())).copied();
                    let with_room = open
                        .and_then(|at| writes.get_mut(at))
                        .and_then(|(_, _, value)| value.as_mut())
                        .filter(|value| value.len() + entry.len() <= codec::MAX_VALUE_LEN);
                    match with_room {
                        Some(value) => value.extend_from_slice(&entry),
                        None => {
                            let key = codec::sequenced_key(&prefix, self.generate_id()?);
                            let mut value = Vec::with_capacity(1 + entry.len());
                            value.push(codec::VERSION);
                            value.extend_from_slice(&entry);
                            open_logs.insert((tree.index(), prefix), writes.len());
                            writes.push((tree.index(), key, Some(value)));
                        }
                    }
                }
            }
        }
        Ok(writes
            .into_iter()
            .map(|(tree, key, value)| (tree, key.into(), value.map(Into::into)))
            .collect())
    }

    fn generate_id(&self) -> Result<u64, StoreError> {
        self.db
            .generate_id()
            .map_err(|error| self.database_error(error))
    }

    /// One transaction over every tree, one flush, and in "power" mode one
    /// fdatasync of the log file.
    fn apply(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        if !writes.is_empty() {
            self.trees
                .as_slice()
                .transaction(|trees| {
                    for (tree, key, value) in &writes {
                        let tree = &trees[*tree];
                        match value {
                            Some(value) => tree.insert(key.clone(), value.clone())?,
                            None => tree.remove(key.clone())?,
                        };
                    }
                    Ok::<(), ConflictableTransactionError<Infallible>>(())
                })
                .map_err(|error| match error {
                    TransactionError::Storage(error) => self.database_error(error),
                    TransactionError::Abort(never) => match never {},
                })?;
        }
        self.db
            .flush()
            .map_err(|error| self.database_error(error))?;
        if let Some(sync) = &self.sync {
            sync.file.sync_data().map_err(|error| StoreError::Io {
                action: "fdatasync",
                path: sync.path.clone(),
                source: Arc::new(error),
            })?;
        }
        Ok(())
    }

    fn database_error(&self, error: sled::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source: Arc::new(error),
        }
    }
}
