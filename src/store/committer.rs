//! The group committer: one thread that takes every batch waiting, appends
//! them to the journal as one record (in "power" mode and syncs it), records
//! them as pending for reads, then answers every writer; and that starts a
//! checkpoint into sled when enough has gathered.
//!
//! Order: batches are applied in the order they were handed in (one FIFO
//! channel); when two write the same key in one group, the later wins, as
//! it would had they committed one by one.
//!
//! Timing: a group starts at most once per `commit_interval`, and carries at
//! most `max_batch` batches. A write arriving when the last group began
//! longer ago than the interval is committed at once; under load, writes
//! gather while the previous group is written, so the group grows with the
//! load. A checkpoint starts after [`CHECKPOINT_WRITES`] writes or
//! [`CHECKPOINT_INTERVAL`], whichever comes first, unless one is running.
//!
//! Failure: if a journal append or a checkpoint fails, every writer of that
//! group gets the error, and every later commit gets `StoreError::Failed`:
//! what is in memory may now differ from the disk, so acknowledging
//! anything more would be a lie. Reopening the store recovers what is on
//! disk.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::batch::Op;
use super::checkpoint::{self, Failure, Job};
use super::codec::{self, TreeId};
use super::durable::Completer;
use super::error::StoreError;
use super::journal::{Journal, Write};
use super::pending_writes::PendingWrites;
use super::sequence::Sequence;

/// Writes that start a checkpoint however recent the last one.
pub(super) const CHECKPOINT_WRITES: usize = 200_000;
/// The longest pending writes wait for a checkpoint. Between two
/// checkpoints the journal grows and so does the memory holding what it
/// says; a key written many times in between reaches sled once.
pub(super) const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// One batch on its way to disk, and who to tell.
pub(super) struct Request {
    pub(super) ops: Vec<Op>,
    pub(super) completer: Completer,
}

/// The checkpoint thread, from the committer's side.
pub(super) struct Checkpoints {
    pub(super) jobs: Sender<Job>,
    pub(super) done: Receiver<()>,
    pub(super) thread: JoinHandle<()>,
    pub(super) failure: Arc<Failure>,
}

pub(super) struct Committer {
    /// For the ids of logged entries' keys.
    pub(super) sequence: Arc<Sequence>,
    pub(super) receiver: Receiver<Request>,
    pub(super) interval: Duration,
    pub(super) max_batch: usize,
    pub(super) journal: Journal,
    pub(super) pending: Arc<PendingWrites>,
    pub(super) checkpoints: Checkpoints,
}

/// Where the committer stands with checkpoints.
#[derive(Default)]
struct CheckpointState {
    running: bool,
    writes_since: usize,
    last: Option<Instant>,
}

impl Committer {
    /// Runs until every sender is gone (the store closed), committing what
    /// is still queued and checkpointing everything before returning; the
    /// result is the first failure, if any.
    pub(super) fn run(mut self) -> Result<(), StoreError> {
        let mut failed: Option<Arc<StoreError>> = None;
        let mut last_group: Option<Instant> = None;
        let mut state = CheckpointState::default();
        loop {
            match self.receiver.recv_timeout(CHECKPOINT_INTERVAL) {
                Ok(first) => {
                    let group = self.gather(first, last_group);
                    last_group = Some(Instant::now());
                    state.writes_since += self.commit(group, &mut failed);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            self.note_finished_checkpoints(&mut state, &mut failed);
            let due = state.writes_since >= CHECKPOINT_WRITES
                || (state.writes_since > 0
                    && state
                        .last
                        .is_none_or(|at| at.elapsed() >= CHECKPOINT_INTERVAL));
            if due && !state.running && failed.is_none() {
                self.start_checkpoint(&mut state, &mut failed);
            }
        }
        self.finish(state, failed)
    }

    /// Writes one group and answers its writers; returns how many keyed
    /// writes it made.
    fn commit(&mut self, group: Vec<Request>, failed: &mut Option<Arc<StoreError>>) -> usize {
        let (writes, completers) = self.prepare(group);
        let mut count = 0;
        let result = match failed {
            Some(error) => Err(StoreError::Failed(error.clone())),
            None => writes.and_then(|writes| {
                self.journal.append(&writes)?;
                count = writes.len();
                self.pending.apply(writes);
                Ok(())
            }),
        };
        if let (None, Err(error)) = (&failed, &result) {
            *failed = Some(Arc::new(error.clone()));
        }
        for completer in completers {
            completer.fill(result.clone());
        }
        count
    }

    fn note_finished_checkpoints(
        &self,
        state: &mut CheckpointState,
        failed: &mut Option<Arc<StoreError>>,
    ) {
        while self.checkpoints.done.try_recv().is_ok() {
            state.running = false;
        }
        if failed.is_none()
            && let Some(error) = checkpoint::first_failure(&self.checkpoints.failure)
        {
            *failed = Some(Arc::new(error));
        }
    }

    /// Seals the pending writes and hands them to the checkpoint thread;
    /// the journal continues in a new segment.
    fn start_checkpoint(
        &mut self,
        state: &mut CheckpointState,
        failed: &mut Option<Arc<StoreError>>,
    ) {
        let through_segment = match self.journal.rotate() {
            Ok(segment) => segment,
            Err(error) => {
                *failed = Some(Arc::new(error));
                return;
            }
        };
        let Some(entries) = self.pending.seal() else {
            return;
        };
        if self
            .checkpoints
            .jobs
            .send(Job {
                entries,
                through_segment,
            })
            .is_ok()
        {
            state.running = true;
            state.writes_since = 0;
            state.last = Some(Instant::now());
        }
    }

    /// At close: waits for the running checkpoint, checkpoints the rest and
    /// stops the checkpoint thread.
    fn finish(
        mut self,
        mut state: CheckpointState,
        mut failed: Option<Arc<StoreError>>,
    ) -> Result<(), StoreError> {
        if state.running && self.checkpoints.done.recv().is_ok() {
            state.running = false;
        }
        self.note_finished_checkpoints(&mut state, &mut failed);
        if failed.is_none() {
            self.start_checkpoint(&mut state, &mut failed);
        }
        let Checkpoints {
            jobs,
            done,
            thread,
            failure,
        } = self.checkpoints;
        drop(jobs);
        while done.recv().is_ok() {}
        thread.join().map_err(|_| StoreError::Closed)?;
        match (failed, checkpoint::first_failure(&failure)) {
            (Some(error), _) => Err(StoreError::Failed(error)),
            (None, Some(error)) => Err(error),
            (None, None) => Ok(()),
        }
    }

    /// `first` and whatever else has arrived once the interval since the
    /// last group has passed, up to a full group (a full group goes at
    /// once). Sleeping out the interval, rather than waiting on the channel,
    /// lets writers queue without waking this thread once each.
    fn gather(&self, first: Request, last_group: Option<Instant>) -> Vec<Request> {
        let mut group = vec![first];
        self.drain_into(&mut group);
        let deadline = last_group.map(|at| at + self.interval);
        if group.len() < self.max_batch
            && let Some(wait) = deadline.and_then(|at| at.checked_duration_since(Instant::now()))
        {
            std::thread::sleep(wait);
            self.drain_into(&mut group);
        }
        group
    }

    fn drain_into(&self, group: &mut Vec<Request>) {
        while group.len() < self.max_batch {
            match self.receiver.try_recv() {
                Ok(request) => group.push(request),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
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
        // Values of logged entries still grow here, hence not `Write` yet.
        let mut writes: Vec<Write<Vec<u8>>> = Vec::with_capacity(ops.len());
        // (tree, prefix) → the write in `writes` whose value still has room.
        let mut open_logs: HashMap<(TreeId, Vec<u8>), usize> = HashMap::new();
        for op in ops {
            match op {
                Op::Put {
                    tree,
                    key,
                    value,
                    fresh,
                } => writes.push(Write {
                    tree,
                    key,
                    value: Some(value),
                    fresh,
                }),
                Op::Remove { tree, key } => writes.push(Write {
                    tree,
                    key,
                    value: None,
                    fresh: false,
                }),
                Op::Log {
                    tree,
                    prefix,
                    entry,
                } => {
                    let open = open_logs.get(&(tree, prefix.clone())).copied();
                    let with_room = open
                        .and_then(|at| writes.get_mut(at))
                        .and_then(|write| write.value.as_mut())
                        .filter(|value| value.len() + entry.len() <= codec::MAX_VALUE_LEN);
                    match with_room {
                        Some(value) => value.extend_from_slice(&entry),
                        None => {
                            let id = self.sequence.take(|until| {
                                writes.push(Write {
                                    tree: TreeId::Meta,
                                    key: codec::SEQUENCE_KEY.to_vec(),
                                    value: Some(codec::encode(
                                        TreeId::Meta,
                                        codec::SEQUENCE_KEY,
                                        &until,
                                    )?),
                                    fresh: false,
                                });
                                Ok::<(), StoreError>(())
                            })?;
                            let key = codec::sequenced_key(&prefix, id);
                            let mut value = Vec::with_capacity(1 + entry.len());
                            value.push(codec::VERSION);
                            value.extend_from_slice(&entry);
                            open_logs.insert((tree, prefix), writes.len());
                            // Logged keys take new ids: always fresh.
                            writes.push(Write {
                                tree,
                                key,
                                value: Some(value),
                                fresh: true,
                            });
                        }
                    }
                }
            }
        }
        Ok(writes
            .into_iter()
            .map(|write| Write {
                tree: write.tree,
                key: write.key.into(),
                value: write.value.map(Into::into),
                fresh: write.fresh,
            })
            .collect())
    }
}
