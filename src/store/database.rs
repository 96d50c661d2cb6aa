//! The [`Store`]: opening the database and its journal, the group commit
//! every [`Batch`] goes through, and the typed reads. The operations are
//! listed, grouped, in the `store` module's documentation.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use sled::IVec;

use super::admin_objects::{
    StoredAccount, StoredContentRule, StoredGateway, StoredMoRoute, StoredRoute,
};
use super::batch::Batch;
use super::checkpoint::{Sled, SyncFile};
use super::codec::TreeId;
use super::committer::{Checkpoints, Committer, Request};
use super::durable::Durable;
use super::error::{KeyHex, StoreError, io_error};
use super::pending_writes::PendingWrites;
use super::records::{ApiKey, InboundMessage, LedgerEntry, MailboxItem, MailboxKey, Vote};
use super::sequence::Sequence;

/// One entry of a tree read back whole: its key as parsed and its value,
/// or why it cannot be read.
pub(super) type EntryRead<K, V> = Result<(K, V), StoreError>;
use crate::config::{Durability, StoreSettings};
use crate::mo_apps::autoreply::Autoreply;
use crate::mo_apps::poll::Poll;

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
    /// sled's page cache (sled's own default is 1 GiB).
    pub cache_bytes: u64,
}

impl StoreConfig {
    /// Process durability (the store's own tests and benchmarks choose
    /// theirs; a configuration file's default is power), and the defaults
    /// of the shipped configuration: 2 ms, 4096 batches, a 16 MiB cache.
    pub fn new(path: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            path: path.into(),
            durability: Durability::Process,
            commit_interval: Duration::from_millis(2),
            max_batch: 4096,
            cache_bytes: 16 * 1024 * 1024,
        }
    }

    /// The store a configuration file describes: `<data_dir>/store`.
    pub fn from_settings(data_dir: &Path, settings: &StoreSettings) -> StoreConfig {
        StoreConfig {
            path: data_dir.join("store"),
            durability: settings.durability,
            commit_interval: settings.commit_interval,
            max_batch: settings.commit_max_batch,
            cache_bytes: settings.cache_bytes,
        }
    }
}

/// The open store. Share it behind an `Arc`; close it with [`Store::close`]
/// (dropping it closes it too, without reporting errors).
pub struct Store {
    db: sled::Db,
    /// In `TreeId::ALL` order.
    trees: Vec<sled::Tree>,
    /// Committed writes not yet checkpointed into sled.
    pending: Arc<PendingWrites>,
    sequence: Arc<Sequence>,
    path: PathBuf,
    durability: Durability,
    sender: Option<mpsc::Sender<Request>>,
    committer: Option<JoinHandle<Result<(), StoreError>>>,
    /// A checkpoint's failure, after which [`Store::room_for_bulk`] waits
    /// no more.
    checkpoint_failure: Arc<super::checkpoint::Failure>,
    /// Every message has its entry in the index by number (see
    /// `number_index`).
    pub(super) number_index_complete: AtomicBool,
    /// What each account's conversation index handed to the store.
    pub(super) summary_caches: super::conversation_summaries::SummaryCaches,
}

impl Store {
    /// Opens (or creates) the store, applies what its journal still holds,
    /// and starts its commit and checkpoint threads.
    pub fn open(config: StoreConfig) -> Result<Store, StoreError> {
        let path = config.path;
        let database_error = |error| StoreError::Database {
            path: path.clone(),
            source: Arc::new(error),
        };
        let db = open_db(&path, config.cache_bytes).map_err(database_error)?;
        let trees = TreeId::ALL
            .iter()
            .map(|tree| db.open_tree(tree.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(database_error)?;
        let power = config.durability == Durability::Power;
        let journal_dir = path.join(JOURNAL_DIR);
        std::fs::create_dir_all(&journal_dir)
            .map_err(|error| io_error("create", &journal_dir, error))?;
        let sled = Sled {
            db: db.clone(),
            trees: trees.clone(),
            path: path.clone(),
            sync: if power {
                Some(sync_at_open(&path)?)
            } else {
                None
            },
        };
        let next_segment = super::checkpoint::replay(&sled, &journal_dir)?;
        let journal = super::journal::Journal::create(&journal_dir, next_segment, power)?;
        let (sequence, first_id) = reserve_first_block(&sled)?;
        let sequence = Arc::new(sequence);
        let number_index_complete = super::old_messages::open_marker(&sled, first_id)?;

        let pending = Arc::new(PendingWrites::default());
        let failure = Arc::new(super::checkpoint::Failure::default());
        let checkpoint_failure = failure.clone();
        let (jobs, job_receiver) = mpsc::channel();
        let (done_sender, done) = mpsc::channel();
        let checkpoint_thread = {
            let (pending, failure, journal_dir) =
                (pending.clone(), failure.clone(), journal_dir.clone());
            thread::Builder::new()
                .name("store-checkpoint".to_string())
                .spawn(move || {
                    super::checkpoint::run(
                        sled,
                        journal_dir,
                        pending,
                        failure,
                        job_receiver,
                        done_sender,
                    )
                })
                .map_err(|error| io_error("start the checkpoint thread for", &path, error))?
        };
        let (sender, receiver) = mpsc::channel();
        let committer = Committer {
            sequence: sequence.clone(),
            receiver,
            interval: config.commit_interval,
            max_batch: config.max_batch.max(1),
            journal,
            pending: pending.clone(),
            checkpoints: Checkpoints {
                jobs,
                done,
                thread: checkpoint_thread,
                failure,
            },
        };
        let committer = thread::Builder::new()
            .name("store-commit".to_string())
            .spawn(move || committer.run())
            .map_err(|error| io_error("start the commit thread for", &path, error))?;
        Ok(Store {
            db,
            trees,
            pending,
            sequence,
            path,
            durability: config.durability,
            sender: Some(sender),
            committer: Some(committer),
            checkpoint_failure,
            number_index_complete: AtomicBool::new(number_index_complete),
            summary_caches: Default::default(),
        })
    }

    /// For bulk writers (an import, a campaign being made), before each
    /// page's commit: waits while [`BULK_PENDING_LIMIT`] or more writes
    /// wait for the next checkpoint, so a writer faster than sled holds
    /// at most about that many in memory instead of everything it wrote
    /// since the checkpoint began. Returns at once after a checkpoint
    /// failed (the commit then says why).
    pub async fn room_for_bulk(&self) {
        while self.pending.live_len() >= BULK_PENDING_LIMIT
            && super::checkpoint::first_failure(&self.checkpoint_failure).is_none()
        {
            tokio::time::sleep(BULK_WAIT).await;
        }
    }

    /// Hands `batch` to the group committer. The batch is durable, and
    /// visible to reads, when the returned `Durable` resolves to `Ok`.
    pub fn commit(&self, batch: Batch) -> Durable {
        if let Some(error) = batch.error {
            return Durable::ready(Err(error));
        }
        let (completer, durable) = super::durable::pair();
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
    /// (see `sequence`).
    pub fn next_message_id(&self) -> Result<MessageId, StoreError> {
        self.next_sequence().map(MessageId::new)
    }

    /// A fresh number from the same increasing sequence as message ids, for
    /// keys that must sort in the order they were made (mailbox items).
    pub fn next_sequence(&self) -> Result<u64, StoreError> {
        self.sequence.take(|until| {
            let mut batch = Batch::new();
            batch.reserve_sequence(until);
            // Not awaited: commits are durable in the order handed in, and
            // a failed one fails every later commit too.
            drop(self.commit(batch));
            Ok(())
        })
    }

    /// The message, in flight or archived.
    pub fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        self.get_first(
            &[TreeId::Messages, TreeId::Archive],
            &super::codec::message_key(id),
        )
    }

    pub fn account_balance(&self, account: &AccountId) -> Result<Option<Money>, StoreError> {
        self.get(TreeId::Balances, &super::codec::account_key(account))
    }

    /// Every account's balance, by account id: one key per account.
    pub fn balances(&self) -> Result<Vec<(String, Money)>, StoreError> {
        self.scan_raw(TreeId::Balances, &[])?
            .into_iter()
            .map(|(key, bytes)| {
                let account = String::from_utf8_lossy(&key).into_owned();
                Ok((
                    account,
                    super::codec::decode(TreeId::Balances, &key, &bytes)?,
                ))
            })
            .collect()
    }

    /// Which of our messages `gateway` knows as `upstream`.
    pub fn message_for_upstream(
        &self,
        gateway: &GatewayName,
        upstream: &UpstreamId,
    ) -> Result<Option<MessageId>, StoreError> {
        self.get(
            TreeId::UpstreamIds,
            &super::codec::upstream_key(gateway, upstream),
        )
    }

    /// Every message not yet in a final state, in id order: what the route
    /// and gateway actors pick up again after a restart.
    pub fn unfinished_messages(&self) -> UnfinishedMessages {
        match self.scan_raw(TreeId::Messages, &[]) {
            Ok(entries) => UnfinishedMessages {
                entries: entries.into_iter(),
                error: None,
            },
            Err(error) => UnfinishedMessages {
                entries: Vec::new().into_iter(),
                error: Some(error),
            },
        }
    }

    /// The account's credit ledger, oldest first.
    pub fn ledger(&self, account: &AccountId) -> Result<Vec<LedgerEntry>, StoreError> {
        let tree = TreeId::Ledger;
        let mut entries = Vec::new();
        for (key, bytes) in self.scan_raw(tree, &super::codec::account_prefix(account))? {
            entries.extend(super::codec::decode_ledger(tree, &key, &bytes)?);
        }
        Ok(entries)
    }

    /// The accounts the admin API created or changed, by system_id.
    pub fn stored_accounts(&self) -> Result<Vec<StoredAccount>, StoreError> {
        self.scan_admin_objects(super::codec::ADMIN_ACCOUNT_PREFIX)
    }

    /// The routes the admin API created, changed or deleted, in key order.
    pub fn stored_routes(&self) -> Result<Vec<StoredRoute>, StoreError> {
        self.scan_admin_objects(super::codec::ADMIN_ROUTE_PREFIX)
    }

    /// The gateways the admin API added, changed, stopped or started, by
    /// name.
    pub fn stored_gateways(&self) -> Result<Vec<StoredGateway>, StoreError> {
        self.scan_admin_objects(super::codec::ADMIN_GATEWAY_PREFIX)
    }

    /// The MO routes the admin API set or deleted, in key order.
    pub fn stored_mo_routes(&self) -> Result<Vec<StoredMoRoute>, StoreError> {
        self.scan_admin_objects(super::codec::ADMIN_MO_ROUTE_PREFIX)
    }

    /// The autoreply rules the admin API created, by name.
    pub fn stored_autoreplies(&self) -> Result<Vec<Autoreply>, StoreError> {
        self.scan_admin_objects(super::codec::ADMIN_AUTOREPLY_PREFIX)
    }

    /// The polls the admin API created, by id.
    pub fn stored_polls(&self) -> Result<Vec<Poll>, StoreError> {
        self.scan_admin_objects(super::codec::ADMIN_POLL_PREFIX)
    }

    /// Every voter's last vote in `poll`, by voter.
    pub fn votes(&self, poll: &str) -> Result<Vec<(String, Vote)>, StoreError> {
        let tree = TreeId::Votes;
        let prefix = super::codec::poll_prefix(poll);
        self.scan_raw(tree, &prefix)?
            .into_iter()
            .map(|(key, bytes)| {
                let vote = super::codec::decode(tree, &key, &bytes)?;
                let voter = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
                Ok((voter, vote))
            })
            .collect()
    }

    /// The content rules the admin API created, changed or deleted, by
    /// name.
    pub fn stored_content_rules(&self) -> Result<Vec<StoredContentRule>, StoreError> {
        self.scan_admin_objects(super::codec::ADMIN_CONTENT_RULE_PREFIX)
    }

    /// The hash of the admin password generated at first start, if any.
    pub fn admin_password(&self) -> Result<Option<crate::auth::PasswordHash>, StoreError> {
        self.get(TreeId::AdminObjects, super::codec::ADMIN_PASSWORD_KEY)
    }

    fn scan_admin_objects<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        let tree = TreeId::AdminObjects;
        self.scan_raw(tree, prefix)?
            .into_iter()
            .map(|(key, bytes)| super::codec::decode(tree, &key, &bytes))
            .collect()
    }

    /// The account's whole mailbox, in the order it was queued: for
    /// audits and tests. The account actor reads it a page at a time
    /// ([`Store::mailbox_page`]).
    pub fn mailbox(
        &self,
        account: &AccountId,
    ) -> Result<Vec<(MailboxKey, MailboxItem)>, StoreError> {
        self.mailbox_page(account, None, usize::MAX)
    }

    /// Up to `limit` of the account's mailbox items with sequences above
    /// `after` (from the first when `None`), in the order they were queued.
    pub fn mailbox_page(
        &self,
        account: &AccountId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(MailboxKey, MailboxItem)>, StoreError> {
        let prefix = super::codec::account_prefix(account);
        let Some(first) = after.map_or(Some(0), |after| after.checked_add(1)) else {
            return Ok(Vec::new());
        };
        let from = super::codec::sequenced_key(&prefix, first);
        self.scan_page(TreeId::Mailbox, &prefix, &from, limit)?
            .into_iter()
            .map(|(key, bytes)| {
                let item = super::codec::decode(TreeId::Mailbox, &key, &bytes)?;
                let sequence = super::codec::decode_sequence(TreeId::Mailbox, &key, prefix.len())?;
                let key = MailboxKey {
                    account: account.clone(),
                    sequence,
                };
                Ok((key, item))
            })
            .collect()
    }

    /// How many items the account's mailbox holds; counts keys, reads no
    /// item.
    pub fn mailbox_len(&self, account: &AccountId) -> Result<usize, StoreError> {
        let tree = TreeId::Mailbox;
        let prefix = super::codec::account_prefix(account);
        // The pending writes decide their keys, whether or not a running
        // checkpoint has copied them into sled yet (it copies only those,
        // and commits wait while they are held); sled decides the rest.
        let pending = self.pending.hold();
        let writes = pending.writes_from(tree, &prefix, &prefix);
        let mut count = writes.values().filter(|write| write.is_some()).count();
        for key in self.tree(tree).scan_prefix(&prefix).keys() {
            let key = key.map_err(|error| self.database_error(error))?;
            if !writes.contains_key(&key) {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The MO messages `gateway` received, in fingerprint order.
    pub fn inbound(&self, gateway: &GatewayName) -> Result<Vec<InboundMessage>, StoreError> {
        self.scan_raw(TreeId::Inbox, &super::codec::gateway_prefix(gateway))?
            .into_iter()
            .map(|(key, bytes)| super::codec::decode(TreeId::Inbox, &key, &bytes))
            .collect()
    }

    /// The MO message `gateway` stored as `fingerprint`, while it is in
    /// `inbox` (MO routing takes it out when it routes it).
    pub fn inbound_message(
        &self,
        gateway: &GatewayName,
        fingerprint: &str,
    ) -> Result<Option<InboundMessage>, StoreError> {
        self.get(
            TreeId::Inbox,
            &super::codec::inbound_key(gateway, fingerprint),
        )
    }

    /// Every MO message in `inbox`, each decoded on its own so that a
    /// damaged record is one error, not the end: what MO routing is
    /// offered at start.
    pub fn inbox(&self) -> Result<Vec<Result<InboundMessage, StoreError>>, StoreError> {
        Ok(self
            .scan_raw(TreeId::Inbox, &[])?
            .into_iter()
            .map(|(key, bytes)| super::codec::decode(TreeId::Inbox, &key, &bytes))
            .collect())
    }

    /// The API key whose SHA-256 is `digest`.
    pub fn api_key(&self, digest: &[u8; 32]) -> Result<Option<ApiKey>, StoreError> {
        self.get(TreeId::ApiKeys, digest)
    }

    /// The account's API keys with their digests, oldest first. Keys are
    /// few, so this reads them all.
    pub fn api_keys(&self, account: &AccountId) -> Result<Vec<([u8; 32], ApiKey)>, StoreError> {
        let tree = TreeId::ApiKeys;
        let mut keys = Vec::new();
        for (key, bytes) in self.scan_raw(tree, &[])? {
            let record: ApiKey = super::codec::decode(tree, &key, &bytes)?;
            let digest = <[u8; 32]>::try_from(key.as_ref()).map_err(|_| StoreError::Corrupt {
                tree: tree.name(),
                key: KeyHex(key.to_vec()),
                reason: "not a SHA-256 digest".to_string(),
            })?;
            if record.account == *account {
                keys.push((digest, record));
            }
        }
        keys.sort_by_key(|(_, record)| record.id);
        Ok(keys)
    }

    /// Up to `max` ids of the account's messages, newest first, below
    /// `before` when given: one page of a listing, read from the account's
    /// index keys only.
    pub fn account_messages(
        &self,
        account: &AccountId,
        before: Option<MessageId>,
        max: usize,
    ) -> Result<Vec<MessageId>, StoreError> {
        let tree = TreeId::AccountMessages;
        let prefix = super::codec::account_prefix(account);
        let end = super::codec::sequenced_key(&prefix, before.map_or(u64::MAX, MessageId::value));
        // Index keys are added, and removed only by retention, so the
        // newest `max` are among sled's newest `max` and the pending puts.
        // A key retention removed since the last checkpoint is still
        // listed: its message reads as missing and callers skip it.
        // Dropping it here would shorten the page, and a short page ends
        // a listing.
        let pending = self.pending.hold();
        let mut keys = Vec::with_capacity(max);
        for entry in self
            .tree(tree)
            .range(prefix.clone()..end.clone())
            .rev()
            .take(max)
        {
            let (key, _) = entry.map_err(|error| self.database_error(error))?;
            keys.push(key);
        }
        let mut overlaid = BTreeMap::new();
        pending.overlay(tree, &prefix, &mut overlaid);
        drop(pending);
        keys.extend(
            overlaid
                .into_keys()
                .filter(|key| key.as_ref() < end.as_slice()),
        );
        keys.sort_unstable_by(|a, b| b.cmp(a));
        keys.dedup();
        keys.truncate(max);
        keys.iter()
            .map(|key| super::codec::decode_sequence(tree, key, prefix.len()).map(MessageId::new))
            .collect()
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
            committer.join().map_err(|_| StoreError::Closed)??;
        }
        self.db
            .flush()
            .map_err(|error| self.database_error(error))?;
        if self.durability == Durability::Power {
            sync_file(&self.path.join("db"))?;
        }
        Ok(())
    }

    pub(super) fn tree(&self, tree: TreeId) -> &sled::Tree {
        &self.trees[tree.index()]
    }

    pub(super) fn get<T: serde::de::DeserializeOwned>(
        &self,
        tree: TreeId,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        self.get_first(&[tree], key)
    }

    /// The value of `key` in the first of `trees` that has it. The pending
    /// writes of all of them are asked before sled, which a checkpoint may
    /// hold up for a moment.
    fn get_first<T: serde::de::DeserializeOwned>(
        &self,
        trees: &[TreeId],
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        let mut settled = Vec::with_capacity(trees.len());
        for &tree in trees {
            match self.pending.get(tree, key) {
                Some(Some(bytes)) => return super::codec::decode(tree, key, &bytes).map(Some),
                // Removed since the last checkpoint: not in this tree.
                Some(None) => settled.push(tree),
                None => {}
            }
        }
        for &tree in trees.iter().filter(|tree| !settled.contains(tree)) {
            let found = self
                .tree(tree)
                .get(key)
                .map_err(|error| self.database_error(error))?;
            if let Some(bytes) = found {
                let bytes = self.joined(tree, key, bytes)?;
                return super::codec::decode(tree, key, &bytes).map(Some);
            }
        }
        Ok(None)
    }

    /// A value as sled holds it, its chunks joined when it has some.
    fn joined(&self, tree: TreeId, key: &[u8], stored: IVec) -> Result<IVec, StoreError> {
        super::chunks::join(tree, key, stored, |chunk| {
            self.tree(TreeId::Chunks)
                .get(chunk)
                .map_err(|error| self.database_error(error))
        })
    }

    /// Every entry of `tree`, its key read by `parse` and its value
    /// decoded, for a tree read back whole at start: an entry whose key is
    /// not `what`'s or whose value does not decode is that entry's error,
    /// so the others still load.
    pub(super) fn scan_parsed<K, V: serde::de::DeserializeOwned>(
        &self,
        tree: TreeId,
        what: &str,
        parse: impl Fn(&[u8]) -> Option<K>,
    ) -> Result<Vec<EntryRead<K, V>>, StoreError> {
        Ok(self
            .scan_raw(tree, &[])?
            .into_iter()
            .map(|(key, bytes)| {
                let parsed = parse(&key).ok_or_else(|| StoreError::Corrupt {
                    tree: tree.name(),
                    key: KeyHex(key.to_vec()),
                    reason: format!("not {what} key"),
                })?;
                Ok((parsed, super::codec::decode(tree, &key, &bytes)?))
            })
            .collect())
    }

    /// Keys and values under `prefix`, in key order: sled's, with the
    /// pending writes laid over them.
    pub(super) fn scan_raw(
        &self,
        tree: TreeId,
        prefix: &[u8],
    ) -> Result<Vec<(sled::IVec, sled::IVec)>, StoreError> {
        let pending = self.pending.hold();
        let mut merged = BTreeMap::new();
        for entry in self.tree(tree).scan_prefix(prefix) {
            let (key, value) = entry.map_err(|error| self.database_error(error))?;
            merged.insert(key, value);
        }
        pending.overlay(tree, prefix, &mut merged);
        drop(pending);
        // Pending values are whole; a marker is sled's, its chunks there.
        merged
            .into_iter()
            .map(|(key, value)| {
                let value = self.joined(tree, &key, value)?;
                Ok((key, value))
            })
            .collect()
    }

    /// Up to `limit` keys and values under `prefix` from the key `from`
    /// on, in key order, sled's with the pending writes laid over them;
    /// reads no more of sled than the page needs.
    pub(super) fn scan_page(
        &self,
        tree: TreeId,
        prefix: &[u8],
        from: &[u8],
        limit: usize,
    ) -> Result<Vec<(sled::IVec, sled::IVec)>, StoreError> {
        let pending = self.pending.hold();
        let writes = pending.writes_from(tree, prefix, from);
        // Each pending removal may hide one of sled's keys: read that many
        // more, so that `limit` remain.
        let removed = writes.values().filter(|write| write.is_none()).count();
        let mut page = BTreeMap::new();
        for entry in self
            .tree(tree)
            .range(from..)
            .take(limit.saturating_add(removed))
        {
            let (key, value) = entry.map_err(|error| self.database_error(error))?;
            if !key.starts_with(prefix) {
                break;
            }
            page.insert(key, value);
        }
        drop(pending);
        for (key, write) in writes {
            match write {
                Some(value) => page.insert(key, value),
                None => page.remove(&key),
            };
        }
        // Pending values are whole; a marker is sled's, its chunks there.
        page.into_iter()
            .take(limit)
            .map(|(key, value)| {
                let value = self.joined(tree, &key, value)?;
                Ok((key, value))
            })
            .collect()
    }

    /// Up to `limit` keys and values under `prefix` before the key
    /// `before`, the last first, sled's with the pending writes laid over
    /// them; reads no more of sled than the page needs.
    pub(super) fn scan_page_back(
        &self,
        tree: TreeId,
        prefix: &[u8],
        before: &[u8],
        limit: usize,
    ) -> Result<Vec<(sled::IVec, sled::IVec)>, StoreError> {
        if before <= prefix || limit == 0 {
            return Ok(Vec::new());
        }
        let pending = self.pending.hold();
        let mut writes = pending.writes_from(tree, prefix, prefix);
        writes.retain(|key, _| key.as_ref() < before);
        // Each pending removal may hide one of sled's keys: read that many
        // more, so that `limit` remain.
        let removed = writes.values().filter(|write| write.is_none()).count();
        let mut page = BTreeMap::new();
        for entry in self
            .tree(tree)
            .range(prefix..before)
            .rev()
            .take(limit.saturating_add(removed))
        {
            let (key, value) = entry.map_err(|error| self.database_error(error))?;
            page.insert(key, value);
        }
        drop(pending);
        for (key, write) in writes {
            match write {
                Some(value) => page.insert(key, value),
                None => page.remove(&key),
            };
        }
        page.into_iter()
            .rev()
            .take(limit)
            .map(|(key, value)| {
                let value = self.joined(tree, &key, value)?;
                Ok((key, value))
            })
            .collect()
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

/// Iterator over [`Store::unfinished_messages`]: each message decoded as
/// it is reached, so one damaged record is one error, not the end.
pub struct UnfinishedMessages {
    entries: std::vec::IntoIter<(sled::IVec, sled::IVec)>,
    /// The scan itself failed: the only item.
    error: Option<StoreError>,
}

impl Iterator for UnfinishedMessages {
    type Item = Result<Message, StoreError>;

    fn next(&mut self) -> Option<Result<Message, StoreError>> {
        if let Some(error) = self.error.take() {
            return Some(Err(error));
        }
        let (key, bytes) = self.entries.next()?;
        let tree = TreeId::Messages;
        let decoded = super::codec::decode_message_key(tree, &key).and_then(|id| {
            let message: Message = super::codec::decode(tree, &key, &bytes)?;
            if message.id != id {
                return Err(StoreError::Corrupt {
                    tree: tree.name(),
                    key: KeyHex(key.to_vec()),
                    reason: format!("holds message {}", message.id),
                });
            }
            Ok(message)
        });
        Some(decoded)
    }
}

/// Numbering continues after the last reserved block (or, in a store
/// written before blocks were reserved, after what sled's own id
/// generator recovers); the first block is reserved on disk before the
/// store takes writes. Also returns the first number this run hands out.
fn reserve_first_block(sled: &Sled) -> Result<(Sequence, u64), StoreError> {
    let meta = &sled.trees[TreeId::Meta.index()];
    let key = super::codec::SEQUENCE_KEY;
    let start = match meta.get(key).map_err(|e| sled.database_error(e))? {
        Some(bytes) => super::codec::decode(TreeId::Meta, key, &bytes)?,
        None => sled.db.generate_id().map_err(|e| sled.database_error(e))?,
    };
    let until = start + super::sequence::BLOCK;
    meta.insert(key, super::codec::encode(TreeId::Meta, key, &until)?)
        .map_err(|e| sled.database_error(e))?;
    sled.make_durable()?;
    Ok((Sequence::new(start, until), start))
}

/// The journal's directory inside the store's.
const JOURNAL_DIR: &str = "journal";

/// How many writes waiting for a checkpoint make a bulk writer wait
/// ([`Store::room_for_bulk`]): what starts a checkpoint.
pub const BULK_PENDING_LIMIT: usize = super::committer::CHECKPOINT_WRITES;
/// How often a waiting bulk writer looks again.
const BULK_WAIT: Duration = Duration::from_millis(5);

/// How long `Store::open` waits for sled's lock on `<path>/db`. sled 0.34
/// releases it only when its background threads let go of the file, a
/// moment after the last handle is dropped (sled issues #1234 and #1289),
/// so a reopen right after `close`, in this process or the next, can find
/// it still held. A lock held longer than this belongs to another live
/// store, and opening fails.
const LOCK_WAIT: Duration = Duration::from_secs(2);

pub(super) fn open_db(path: &Path, cache_bytes: u64) -> Result<sled::Db, sled::Error> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .open()
        {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Npi, Ton};
    use crate::store::{LedgerKind, MAX_VALUE_LEN, VERSION};

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

    /// A bulk writer that wrote more than a checkpoint's worth waits for
    /// the checkpoint, and goes on once sled has them: the wait ends, and
    /// what was written reads back.
    #[actix_rt::test]
    async fn a_bulk_writer_waits_for_the_checkpoint_and_then_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let mut batch = Batch::new();
        for n in 0..BULK_PENDING_LIMIT as u64 + 1_000 {
            batch.put_message(&message(MessageId::new(n + 1)));
        }
        store.commit(batch).await.unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(60), store.room_for_bulk())
            .await
            .expect("the checkpoint catches up");
        assert!(store.pending.live_len() < BULK_PENDING_LIMIT);
        assert!(store.message(MessageId::new(1)).unwrap().is_some());
    }

    /// Damage written behind the store's back (a bug, a newer version, a
    /// bad disk) is a typed error naming the tree and key, never a panic.
    #[test]
    fn damaged_records_are_typed_errors_naming_tree_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let id = MessageId::new(5);
        let key = crate::store::codec::message_key(id);
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
        let future = format!("version {}", VERSION + 1);
        assert!(error.to_string().contains(&future), "{error}");

        let ledger_key = crate::store::codec::sequenced_key(
            &crate::store::codec::account_prefix(&AccountId::new("demo").unwrap()),
            1,
        );
        raw(TreeId::Ledger, &ledger_key, &[VERSION]);
        assert!(matches!(
            store.ledger(&AccountId::new("demo").unwrap()),
            Err(StoreError::Corrupt { tree: "ledger", .. })
        ));

        // A record under another message's key, and a key that is not a
        // message id.
        let other =
            crate::store::codec::encode(TreeId::Messages, &key, &message(MessageId::new(6)))
                .unwrap();
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
        let mut short_key = crate::store::codec::account_prefix(&demo);
        short_key.push(1);
        let item = crate::store::codec::encode(
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

    /// Pages of an account's index, newest first, from sled and from the
    /// pending writes alike, never showing another account's messages.
    #[test]
    fn account_messages_page_through_one_account_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let insert = |store: &Store, ids: std::ops::Range<u64>, account: &str| {
            let mut batch = Batch::new();
            for id in ids {
                let mut message = message(MessageId::new(id));
                message.account = AccountId::new(account).unwrap();
                batch.insert_message(&message);
            }
            store.commit(batch).wait().unwrap();
        };
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        insert(&store, 1..6, "demo");
        insert(&store, 6..9, "demox");
        store.close().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        insert(&store, 9..12, "demo");
        let demo = AccountId::new("demo").unwrap();
        let page = |before: Option<u64>| -> Vec<u64> {
            store
                .account_messages(&demo, before.map(MessageId::new), 3)
                .unwrap()
                .into_iter()
                .map(MessageId::value)
                .collect()
        };
        assert_eq!(page(None), [11, 10, 9]);
        assert_eq!(page(Some(9)), [5, 4, 3]);
        assert_eq!(page(Some(3)), [2, 1]);
        assert_eq!(page(Some(1)), Vec::<u64>::new());
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
                reason: None,
            });
        }
        store.commit(batch).wait().unwrap();
        // Closing checkpoints everything into sled.
        store.close().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
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
        let size = |message: &Message| {
            crate::store::codec::encode(TreeId::Messages, &[], message).map(|v| v.len())
        };
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
