//! The durable store: sled trees behind typed methods, and the group commit
//! that makes "acknowledged = never lost" cheap. The only module that names
//! sled; everything else sees `Store`, `Batch` and model types.
//!
//! # Use
//!
//! ```no_run
//! # async fn example(store: &pasarela::store::Store, message: pasarela::model::Message,
//! #                  balance: pasarela::model::Money) -> Result<(), pasarela::store::StoreError> {
//! use pasarela::store::Batch;
//! let mut batch = Batch::new();
//! batch.put_message(&message).set_balance(&message.account, balance);
//! store.commit(batch).await?; // on disk now: send submit_sm_resp
//! # Ok(()) }
//! ```
//!
//! Writers build a [`Batch`] of typed writes and hand it to
//! [`Store::commit`]; the returned [`Durable`] resolves once the batch is on
//! disk (`.await` on an actor, `.wait()` on a plain thread). Reads go to
//! sled directly and see every batch whose `Durable` has resolved.
//!
//! # Atomicity
//!
//! A batch is all-or-nothing across a crash. The committer applies each
//! group of batches as one sled transaction over all six trees: sled 0.34.7
//! writes a transaction's updates behind one batch manifest in its log and
//! recovery replays a batch only if all of it reached the log
//! (`Tree::transaction` → `TransactionalTrees::commit` → `pin_log` /
//! `seal_batch` in `src/transaction.rs` and `src/pagecache/mod.rs`). A
//! single tree with `apply_batch` would give the same guarantee but would
//! force every entity into one key space; the transaction keeps one tree per
//! entity. The committer is the only writer, so transactions never conflict
//! and never retry. `tests/store_crash.rs` kills writers with SIGKILL and
//! checks that balances equal the charges of exactly the messages stored.
//!
//! # Durability
//!
//! What an acknowledgement survives depends on [`Durability`]:
//!
//! - `process` (default): sled's `flush()`. In sled 0.34.7 on Linux,
//!   `Tree::flush` → `PageCache::flush` → `Log::flush` → `iobuf::flush` →
//!   `make_stable`, which seals the current I/O buffer and writes it in
//!   `IoBufs::write_to_log` (`src/pagecache/iobuf.rs`) with `pwrite` and
//!   then `sync_file_range(fd, offset, len, WAIT_BEFORE | WRITE |
//!   WAIT_AFTER)`. That pushes the written range out of the page cache to
//!   the device and waits for it, but it is not `fsync`: it commits no file
//!   metadata (a grown file's size) and issues no cache flush to the disk,
//!   so the device may still hold the data in a volatile write cache. The
//!   bytes are in the kernel once `pwrite` returns, so this survives the
//!   process being killed (kill -9, OOM, panic) but not a power loss or a
//!   kernel crash. sled's own background thread calls `fsync` on the file
//!   every 500 ms (`flush_every_ms`, `src/flusher.rs`), which bounds the
//!   window but not per acknowledgement.
//! - `power`: additionally `fdatasync` of sled's log file (`<path>/db`)
//!   after every group flush, through a descriptor the store opens on the
//!   same file (fsync acts on the inode, whichever descriptor asks). That
//!   forces the device cache and the file size out, so an acknowledged batch
//!   survives a power loss on a disk that honours flushes. Values are capped
//!   at [`MAX_VALUE_LEN`] (4 KiB) so that no sled node reaches its blob
//!   threshold: all acknowledged data lives in `db`, none in the `blobs/`
//!   files sled writes without syncing. At open, "power" also syncs sled's
//!   `conf` file and the directory, which sled writes without syncing.
//!
//! With group commit, one flush (and one fdatasync) is shared by every batch
//! in the group, so "power" costs little more than "process". Measured on
//! the 2-vCPU development VM (`cargo bench --bench store`, medians of 3
//! runs): about 27k records/s with 256 independent writers and 54–57k
//! records/s with 4 pipelining account actors, in either mode, against
//! 4–7k records/s with a flush per record. The limit is sled's cost per key written, not
//! the flush. The README's "Durability" section has the figures.

mod batch;
mod codec;
mod committer;
mod durable;
mod error;
mod records;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub use crate::config::Durability;
use crate::config::StoreSettings;
pub use batch::Batch;
pub use codec::{MAX_VALUE_LEN, VERSION};
pub use durable::Durable;
pub use error::{KeyHex, StoreError};
pub use records::{LedgerEntry, LedgerKind, MailboxItem, MailboxKey};

use codec::TreeId;
use committer::{Committer, Request, SyncFile};

use crate::model::{AccountId, GatewayName, Message, MessageId, Money, UpstreamId};

/// How to open the store; the config file's `[store]` section and
/// `data_dir` map onto it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// The sled directory; created if missing.
    pub path: PathBuf,
    pub durability: Durability,
    /// The shortest time between the starts of two group flushes: the
    /// longest a write waits for others to share its flush. Zero flushes as
    /// soon as the previous flush is done.
    pub commit_interval: Duration,
    /// The most batches one flush carries (at least 1).
    pub max_batch: usize,
}

impl StoreConfig {
    /// The defaults of the shipped configuration: process durability, 2 ms,
    /// 4096 batches.
    pub fn new(path: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            path: path.into(),
            durability: Durability::Process,
            commit_interval: Duration::from_millis(2),
            max_batch: 4096,
        }
    }

    /// The store a configuration file describes: `<data_dir>/store`.
    pub fn from_settings(data_dir: &Path, settings: &StoreSettings) -> StoreConfig {
        StoreConfig {
            path: data_dir.join("store"),
            durability: settings.durability,
            commit_interval: settings.commit_interval,
            max_batch: settings.commit_max_batch,
        }
    }
}

/// The open store. Share it behind an `Arc`; close it with [`Store::close`]
/// (dropping it closes it too, without reporting errors).
pub struct Store {
    db: sled::Db,
    /// In `TreeId::ALL` order.
    trees: Vec<sled::Tree>,
    path: PathBuf,
    durability: Durability,
    sender: Option<mpsc::Sender<Request>>,
    committer: Option<JoinHandle<()>>,
}

impl Store {
    /// Opens (or creates) the store and starts its commit thread.
    pub fn open(config: StoreConfig) -> Result<Store, StoreError> {
        let path = config.path;
        let database_error = |error| StoreError::Database {
            path: path.clone(),
            source: Arc::new(error),
        };
        let db = open_db(&path).map_err(database_error)?;
        let trees = TreeId::ALL
            .iter()
            .map(|tree| db.open_tree(tree.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(database_error)?;
        let sync = match config.durability {
            Durability::Process => None,
            Durability::Power => Some(sync_at_open(&path)?),
        };
        let (sender, receiver) = mpsc::channel();
        let committer = Committer {
            db: db.clone(),
            trees: trees.clone(),
            path: path.clone(),
            receiver,
            interval: config.commit_interval,
            max_batch: config.max_batch.max(1),
            sync,
        };
        let committer = thread::Builder::new()
            .name("store-commit".to_string())
            .spawn(move || committer.run())
            .map_err(|error| io_error("start the commit thread for", &path, error))?;
        Ok(Store {
            db,
            trees,
            path,
            durability: config.durability,
            sender: Some(sender),
            committer: Some(committer),
        })
    }

    /// Hands `batch` to the group committer. The batch is durable, and
    /// visible to reads, when the returned `Durable` resolves to `Ok`.
    pub fn commit(&self, batch: Batch) -> Durable {
        if let Some(error) = batch.error {
            return Durable::ready(Err(error));
        }
        let (completer, durable) = durable::pair();
        if let Some(sender) = &self.sender {
            // A failed send drops the request, whose completer answers Closed.
            let _ = sender.send(Request {
                ops: batch.ops,
                completer,
            });
        }
        durable
    }

    /// A new message id: unique and increasing, also across restarts
    /// (sled persists its counter ahead of the ids it gives out).
    pub fn next_message_id(&self) -> Result<MessageId, StoreError> {
        self.next_sequence().map(MessageId::new)
    }

    /// A fresh number from the same increasing sequence as message ids, for
    /// keys that must sort in the order they were made (mailbox items).
    pub fn next_sequence(&self) -> Result<u64, StoreError> {
        self.db
            .generate_id()
            .map_err(|error| self.database_error(error))
    }

    /// The message, in flight or archived.
    pub fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        let key = codec::message_key(id);
        match self.get(TreeId::Messages, &key)? {
            Some(message) => Ok(Some(message)),
            None => self.get(TreeId::Archive, &key),
        }
    }

    pub fn account_balance(&self, account: &AccountId) -> Result<Option<Money>, StoreError> {
        self.get(TreeId::Balances, &codec::account_key(account))
    }

    /// Which of our messages `gateway` knows as `upstream`.
    pub fn message_for_upstream(
        &self,
        gateway: &GatewayName,
        upstream: &UpstreamId,
    ) -> Result<Option<MessageId>, StoreError> {
        self.get(TreeId::UpstreamIds, &codec::upstream_key(gateway, upstream))
    }

    /// Every message not yet in a final state, in id order: what the route
    /// and gateway actors pick up again after a restart.
    pub fn unfinished_messages(&self) -> UnfinishedMessages<'_> {
        UnfinishedMessages {
            store: self,
            entries: self.tree(TreeId::Messages).iter(),
        }
    }

    /// The account's credit ledger, oldest first.
    pub fn ledger(&self, account: &AccountId) -> Result<Vec<LedgerEntry>, StoreError> {
        let tree = TreeId::Ledger;
        let mut entries = Vec::new();
        for item in self.tree(tree).scan_prefix(codec::account_prefix(account)) {
            let (key, bytes) = item.map_err(|error| self.database_error(error))?;
            entries.extend(codec::decode_entries(tree, &key, &bytes)?);
        }
        Ok(entries)
    }

    /// The account's pending mailbox items, in the order they were queued.
    pub fn mailbox(
        &self,
        account: &AccountId,
    ) -> Result<Vec<(MailboxKey, MailboxItem)>, StoreError> {
        let prefix = codec::account_prefix(account);
        self.scan(TreeId::Mailbox, &prefix)
            .map(|entry| {
                let (key, item) = entry?;
                let sequence = codec::decode_sequence(TreeId::Mailbox, &key, prefix.len())?;
                let key = MailboxKey {
                    account: account.clone(),
                    sequence,
                };
                Ok((key, item))
            })
            .collect()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// Commits what is queued, stops the commit thread and flushes.
    /// Every `Durable` handed out before resolves before this returns.
    pub fn close(mut self) -> Result<(), StoreError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), StoreError> {
        // The commit thread ends when its channel has no sender left, after
        // answering every request already queued.
        self.sender = None;
        if let Some(committer) = self.committer.take() {
            committer.join().map_err(|_| StoreError::Closed)?;
        }
        self.db
            .flush()
            .map_err(|error| self.database_error(error))?;
        if self.durability == Durability::Power {
            sync_file(&self.path.join("db"))?;
        }
        Ok(())
    }

    fn tree(&self, tree: TreeId) -> &sled::Tree {
        &self.trees[tree.index()]
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: TreeId,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match self.tree(tree).get(key) {
            Ok(Some(bytes)) => codec::decode(tree, key, &bytes).map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(self.database_error(error)),
        }
    }

    /// Keys and decoded values under `prefix`, in key order.
    fn scan<'a, T: serde::de::DeserializeOwned>(
        &'a self,
        tree: TreeId,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(sled::IVec, T), StoreError>> + 'a {
        self.tree(tree).scan_prefix(prefix).map(move |entry| {
            let (key, bytes) = entry.map_err(|error| self.database_error(error))?;
            let value = codec::decode(tree, &key, &bytes)?;
            Ok((key, value))
        })
    }

    fn database_error(&self, error: sled::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source: Arc::new(error),
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.committer.is_some() {
            // Errors cannot be returned from here; `close` reports them.
            let _ = self.shutdown();
        }
    }
}

/// Iterator over [`Store::unfinished_messages`].
pub struct UnfinishedMessages<'a> {
    store: &'a Store,
    entries: sled::Iter,
}

impl Iterator for UnfinishedMessages<'_> {
    type Item = Result<Message, StoreError>;

    fn next(&mut self) -> Option<Result<Message, StoreError>> {
        let entry = self.entries.next()?;
        let tree = TreeId::Messages;
        Some(
            entry
                .map_err(|error| self.store.database_error(error))
                .and_then(|(key, bytes)| {
                    let id = codec::decode_message_key(tree, &key)?;
                    let message: Message = codec::decode(tree, &key, &bytes)?;
                    if message.id != id {
                        return Err(StoreError::Corrupt {
                            tree: tree.name(),
                            key: KeyHex(key.to_vec()),
                            reason: format!("holds message {}", message.id),
                        });
                    }
                    Ok(message)
                }),
        )
    }
}

/// How long `Store::open` waits for sled's lock on `<path>/db`. sled 0.34
/// releases it only when its background threads let go of the file, a
/// moment after the last handle is dropped (sled issues #1234 and #1289),
/// so a reopen right after `close`, in this process or the next, can find
/// it still held. A lock held longer than this belongs to another live
/// store, and opening fails.
const LOCK_WAIT: Duration = Duration::from_secs(2);

fn open_db(path: &Path) -> Result<sled::Db, sled::Error> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match sled::Config::new().path(path).open() {
            Err(sled::Error::Io(error))
                if is_lock_contention(&error) && Instant::now() < deadline =>
            {
                thread::sleep(Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

/// sled 0.34.7 reports a held lock as an `Other` I/O error with this text
/// (`Config::try_lock` in its `src/config.rs`); the version is pinned.
fn is_lock_contention(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::Other
        && error.to_string().starts_with("could not acquire lock")
}

/// For "power" durability: open the log file for the per-group fdatasync,
/// and sync what sled wrote at creation without syncing (its `conf` file and
/// the directory entries).
fn sync_at_open(path: &Path) -> Result<SyncFile, StoreError> {
    sync_file(&path.join("conf"))?;
    sync_file(path)?;
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        sync_file(parent)?;
    }
    let db = path.join("db");
    let file = File::open(&db).map_err(|error| io_error("open", &db, error))?;
    Ok(SyncFile { path: db, file })
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|error| io_error("fsync", path, error))
}

fn io_error(action: &'static str, path: &Path, error: std::io::Error) -> StoreError {
    StoreError::Io {
        action,
        path: path.to_path_buf(),
        source: Arc::new(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Npi, Ton};

    fn message(id: MessageId) -> Message {
        Message::new(
            id,
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
            Vec::new(),
            chrono::DateTime::from_timestamp_nanos(0),
        )
    }

    /// Damage written behind the store's back (a bug, a newer version, a
    /// bad disk) is a typed error naming the tree and key, never a panic.
    #[test]
    fn damaged_records_are_typed_errors_naming_tree_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let id = MessageId::new(5);
        let key = codec::message_key(id);
        let raw = |tree: TreeId, key: &[u8], value: &[u8]| {
            store.tree(tree).insert(key, value).unwrap();
        };

        raw(TreeId::Messages, &key, &[VERSION, 0xff, 0xff]);
        let error = store.message(id).unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::Corrupt {
                    tree: "messages",
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("0000000000000005"), "{error}");

        raw(TreeId::Messages, &key, &[VERSION + 1]);
        let error = store.message(id).unwrap_err();
        assert!(error.to_string().contains("version 3"), "{error}");

        let ledger_key =
            codec::sequenced_key(&codec::account_prefix(&AccountId::new("demo").unwrap()), 1);
        raw(TreeId::Ledger, &ledger_key, &[VERSION]);
        assert!(matches!(
            store.ledger(&AccountId::new("demo").unwrap()),
            Err(StoreError::Corrupt { tree: "ledger", .. })
        ));

        // A record under another message's key, and a key that is not a
        // message id.
        let other = codec::encode(TreeId::Messages, &key, &message(MessageId::new(6))).unwrap();
        raw(TreeId::Messages, &key, &other);
        raw(TreeId::Messages, b"bad", &other);
        let errors: Vec<StoreError> = store
            .unfinished_messages()
            .filter_map(Result::err)
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors.iter().all(|error| matches!(
                error,
                StoreError::Corrupt {
                    tree: "messages",
                    ..
                }
            )),
            "{errors:?}"
        );

        let demo = AccountId::new("demo").unwrap();
        raw(TreeId::Balances, b"demo", b"");
        assert!(matches!(
            store.account_balance(&demo),
            Err(StoreError::Corrupt {
                tree: "balances",
                ..
            })
        ));
        let mut short_key = codec::account_prefix(&demo);
        short_key.push(1);
        let item = codec::encode(
            TreeId::Mailbox,
            &short_key,
            &MailboxItem::Receipt { message: id },
        )
        .unwrap();
        raw(TreeId::Mailbox, &short_key, &item);
        assert!(matches!(
            store.mailbox(&demo),
            Err(StoreError::Corrupt {
                tree: "mailbox",
                ..
            })
        ));
        store.close().unwrap();
    }

    #[test]
    fn ledger_values_stay_within_the_record_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let demo = AccountId::new("demo").unwrap();
        let mut batch = Batch::new();
        for i in 0..5_000 {
            batch.append_ledger(&LedgerEntry {
                account: demo.clone(),
                kind: LedgerKind::TopUp,
                delta: Money::from_micros(i),
                balance: Money::from_micros(i),
                message: None,
                at: chrono::DateTime::from_timestamp_nanos(i),
            });
        }
        store.commit(batch).wait().unwrap();
        let values: Vec<usize> = store
            .tree(TreeId::Ledger)
            .iter()
            .map(|entry| entry.unwrap().1.len())
            .collect();
        assert!(values.len() >= 2, "{values:?}");
        assert!(values.iter().all(|&len| len <= MAX_VALUE_LEN), "{values:?}");
        assert_eq!(store.ledger(&demo).unwrap().len(), 5_000);
        store.close().unwrap();
    }

    /// Records of the largest size, hundreds of them: sled must still keep
    /// every node in its log file, never in its blob files, which it writes
    /// without syncing ("power" durability syncs only the log file). With a
    /// 16 KiB limit this fails.
    #[test]
    fn records_stay_out_of_sleds_blob_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let size =
            |message: &Message| codec::encode(TreeId::Messages, &[], message).map(|v| v.len());
        let mut template = message(MessageId::new(0));
        while size(&template).is_ok_and(|len| len < MAX_VALUE_LEN - 16) {
            template.payload.extend_from_slice(&[b'x'; 16]);
        }
        for chunk in 0..8u64 {
            let mut batch = Batch::new();
            for i in 0..50 {
                let mut message = template.clone();
                message.id = MessageId::new(chunk * 50 + i);
                batch.put_message(&message);
            }
            store.commit(batch).wait().unwrap();
        }
        assert_eq!(store.unfinished_messages().count(), 400);
        store.close().unwrap();
        let blobs = std::fs::read_dir(dir.path().join("blobs")).unwrap().count();
        assert_eq!(blobs, 0);
    }
}
