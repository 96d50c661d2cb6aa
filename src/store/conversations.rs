//! The conversation index (SPEC §6.1): every MO and MT of an account under
//! (the account's number, the other number), written in the batch that
//! stores the message itself, so it is exactly-once with it and survives
//! a crash as the message does.
//!
//! Four trees (keys in `codec`'s table; `ours` and `theirs` are
//! normalised [`Party`]s, which hold no 0x00):
//!
//! - `conversation_messages`: `account 0x00 ours 0x00 theirs 0x00 seq`
//!   → [`ConversationEntry`]: a conversation in order is one range scan;
//! - `conversations`: `account 0x00 ours 0x00 theirs 0x00` →
//!   [`ConversationSummary`]: counts, last activity, preview;
//! - `conversation_activity`: `account 0x00 last-seq ours 0x00 theirs` →
//!   `()`: one key per conversation, moved to its newest message's
//!   sequence in the same batch, so an account's conversations by last
//!   activity are one range scan backwards;
//! - `conversation_reads`: the summary's key → [`ReadMark`], written by
//!   whoever reads the conversation (not the account actor), so marking
//!   read never races the writer of the summary.
//!
//! An MO's entry also gets its keys in `received_mo` (the MO by time
//! received, see `received_mo`), in the same batch.
//!
//! `seq` is the message's id (an MT's first part's): ids come from one
//! increasing sequence, so keys sort in the order the messages were
//! stored. Adding an entry reads the conversation's summary; the account
//! actor, the only writer of its summaries, remembers the ones it handed
//! to the store ([`ConversationIndex`]) until they are durable, so a batch
//! built before the previous one is on disk still counts right.
//!
//! Retention takes entries out with their messages and a conversation
//! away with its newest entry (`conversation_retention`).

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::batch::{Batch, Op};
use super::codec::{self, TreeId};
use super::conversation_summaries::{ConversationSummary, REMEMBERED, Written};
use super::database::Store;
use super::error::{KeyHex, StoreError};
use super::records::InboundMessage;
use crate::conversations::{Direction, Party, PartyError, mt_text, preview};
use crate::intake::Submission;
use crate::model::{AccountId, MessageId, timestamp};

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationEntry {
    pub direction: Direction,
    /// An MT's parts (one id each), or the MO's id.
    pub ids: Vec<MessageId>,
    /// The text; `None` for binary data.
    pub text: Option<String>,
    /// When it was accepted (MT) or received (MO).
    #[serde(with = "timestamp")]
    pub at: DateTime<Utc>,
    /// MO messages in the conversation up to and including this one: a
    /// read mark at this entry leaves the later ones unread.
    pub received: u64,
}

/// Whose conversation a routed MO is in: the value of its keys in
/// `received_mo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedMo {
    pub account: AccountId,
    pub ours: Party,
    pub theirs: Party,
}

/// How far a conversation has been read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMark {
    /// The sequence of the newest entry read.
    pub through: u64,
    /// [`ConversationEntry::received`] of that entry.
    pub received: u64,
}

/// One conversation of an account, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub ours: Party,
    pub theirs: Party,
    pub summary: ConversationSummary,
    pub read: Option<ReadMark>,
}

impl Conversation {
    /// MO messages after the read mark.
    pub fn unread(&self) -> u64 {
        let seen = self.read.map_or(0, |mark| mark.received);
        self.summary.received.saturating_sub(seen)
    }
}

/// Which entries of a conversation a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The newest.
    Latest,
    /// Those just before this sequence.
    Before(u64),
    /// Those just after this sequence.
    After(u64),
}

/// Why a message could not be put in its conversation; the message itself
/// is stored all the same.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConversationError {
    /// One side is not a number or sender id a conversation can be kept
    /// under (a control character, too long, missing).
    #[error("not indexed: {0}")]
    Party(#[from] PartyError),
    /// The conversation's summary could not be read; it starts again from
    /// this message (its earlier messages stay readable in order).
    #[error("conversation summary unreadable, counted again from here: {0}")]
    Store(#[from] StoreError),
}

/// `account 0x00 ours 0x00 theirs 0x00`: a conversation's summary, read
/// mark and the prefix of its entries.
pub(super) fn conversation_key(account: &AccountId, ours: &Party, theirs: &Party) -> Vec<u8> {
    let mut key = codec::account_prefix(account);
    for party in [ours, theirs] {
        key.extend_from_slice(party.as_str().as_bytes());
        key.push(0);
    }
    key
}

/// `account 0x00 last ours 0x00 theirs`.
pub(super) fn activity_key(
    account: &AccountId,
    last: u64,
    ours: &Party,
    theirs: &Party,
) -> Vec<u8> {
    let mut key = codec::sequenced_key(&codec::account_prefix(account), last);
    key.extend_from_slice(ours.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(theirs.as_str().as_bytes());
    key
}

/// The sequence and parties of an activity key.
fn parse_activity_key(key: &[u8], prefix_len: usize) -> Result<(u64, Party, Party), StoreError> {
    let tree = TreeId::ConversationActivity;
    let corrupt = |reason: &str| StoreError::Corrupt {
        tree: tree.name(),
        key: KeyHex(key.to_vec()),
        reason: reason.to_string(),
    };
    let sequence =
        codec::decode_sequence(tree, key.get(..prefix_len + 8).unwrap_or(key), prefix_len)?;
    let parties = key.get(prefix_len + 8..).unwrap_or_default();
    let text = std::str::from_utf8(parties).map_err(|_| corrupt("parties are not UTF-8"))?;
    let (ours, theirs) = text
        .split_once('\0')
        .ok_or_else(|| corrupt("no 0x00 between the parties"))?;
    let party = |text: &str| Party::parse(text).map_err(|error| corrupt(&error.to_string()));
    Ok((sequence, party(ours)?, party(theirs)?))
}

impl Batch {
    /// Records how far a conversation has been read.
    pub fn mark_conversation_read(
        &mut self,
        account: &AccountId,
        ours: &Party,
        theirs: &Party,
        mark: &ReadMark,
    ) -> &mut Batch {
        let key = conversation_key(account, ours, theirs);
        self.put(TreeId::ConversationReads, key, mark, false)
    }
}

impl Store {
    /// A conversation's summary and read mark; `None` when it has no message.
    pub fn conversation(
        &self,
        account: &AccountId,
        ours: &Party,
        theirs: &Party,
    ) -> Result<Option<Conversation>, StoreError> {
        let key = conversation_key(account, ours, theirs);
        let Some(summary) = self.get(TreeId::Conversations, &key)? else {
            return Ok(None);
        };
        Ok(Some(Conversation {
            ours: ours.clone(),
            theirs: theirs.clone(),
            summary,
            read: self.get(TreeId::ConversationReads, &key)?,
        }))
    }

    /// Up to `limit` of the account's conversations whose last activity
    /// is before the sequence `before` (from the newest when `None`), the
    /// most recent first: a range scan of the account's activity keys.
    pub fn conversations(
        &self,
        account: &AccountId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Conversation>, StoreError> {
        let tree = TreeId::ConversationActivity;
        let prefix = codec::account_prefix(account);
        let mut end = codec::sequenced_key(&prefix, before.unwrap_or(u64::MAX));
        let mut found = Vec::with_capacity(limit.min(1000));
        while found.len() < limit {
            let page = self.scan_page_back(tree, &prefix, &end, limit - found.len())?;
            let Some((oldest, _)) = page.last() else {
                break;
            };
            end = oldest.to_vec();
            let full = page.len() == limit - found.len();
            for (key, _) in &page {
                let (sequence, ours, theirs) = parse_activity_key(key, prefix.len())?;
                // A key its summary has moved past is one a failed
                // write left behind: the summary's own key lists it.
                if let Some(conversation) = self.conversation(account, &ours, &theirs)?
                    && conversation.summary.last == sequence
                {
                    found.push(conversation);
                }
            }
            if !full {
                break;
            }
        }
        Ok(found)
    }

    /// Up to `limit` entries of a conversation in `window`, oldest first,
    /// each with its sequence.
    pub fn conversation_messages(
        &self,
        account: &AccountId,
        ours: &Party,
        theirs: &Party,
        window: Window,
        limit: usize,
    ) -> Result<Vec<(u64, ConversationEntry)>, StoreError> {
        let tree = TreeId::ConversationMessages;
        let prefix = conversation_key(account, ours, theirs);
        let raw = match window {
            Window::Latest | Window::Before(_) => {
                let before = match window {
                    Window::Before(sequence) => sequence,
                    _ => u64::MAX,
                };
                let end = codec::sequenced_key(&prefix, before);
                let mut page = self.scan_page_back(tree, &prefix, &end, limit)?;
                page.reverse();
                page
            }
            Window::After(sequence) => match sequence.checked_add(1) {
                Some(first) => {
                    let from = codec::sequenced_key(&prefix, first);
                    self.scan_page(tree, &prefix, &from, limit)?
                }
                None => Vec::new(),
            },
        };
        raw.into_iter()
            .map(|(key, bytes)| {
                let sequence = codec::decode_sequence(tree, &key, prefix.len())?;
                Ok((sequence, codec::decode(tree, &key, &bytes)?))
            })
            .collect()
    }

    /// The entry of a conversation at `sequence`, if it has one.
    pub fn conversation_entry(
        &self,
        account: &AccountId,
        ours: &Party,
        theirs: &Party,
        sequence: u64,
    ) -> Result<Option<ConversationEntry>, StoreError> {
        let key = codec::sequenced_key(&conversation_key(account, ours, theirs), sequence);
        self.get(TreeId::ConversationMessages, &key)
    }

    /// Whether the conversation has an entry before the sequence `before`.
    pub fn conversation_has_before(
        &self,
        account: &AccountId,
        ours: &Party,
        theirs: &Party,
        before: u64,
    ) -> Result<bool, StoreError> {
        let tree = TreeId::ConversationMessages;
        let prefix = conversation_key(account, ours, theirs);
        let end = codec::sequenced_key(&prefix, before);
        Ok(!self.scan_page_back(tree, &prefix, &end, 1)?.is_empty())
    }
}

/// An account's writer of its conversations: adds a message's entry,
/// summary and activity key to the batch that stores the message. Held by
/// the account's actor, the only writer of the account's summaries.
pub struct ConversationIndex {
    store: Arc<Store>,
    account: AccountId,
    written: Arc<Mutex<Written>>,
}

impl ConversationIndex {
    pub fn new(store: Arc<Store>, account: AccountId) -> ConversationIndex {
        let written = store.summary_caches.of(&account);
        ConversationIndex {
            store,
            account,
            written,
        }
    }

    /// Forgets every summary handed to the store: call it when a batch of
    /// the account failed, so that the next entry counts on from what is
    /// durable rather than from what never landed.
    pub fn forget(&self) {
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Adds to `batch` one MT entry per destination of an accepted
    /// submission, whose part ids (destination after destination, as the
    /// account allots them) are `ids`. Errors are per destination; the
    /// others are recorded all the same.
    pub fn record_mt(
        &self,
        batch: &mut Batch,
        submission: &Submission,
        ids: &[MessageId],
        at: DateTime<Utc>,
    ) -> Result<(), ConversationError> {
        let text = mt_text(
            submission.data_coding,
            submission
                .parts
                .iter()
                .map(|part| (part.esm_class, part.payload.as_slice())),
        );
        let ours = Party::parse(submission.source.text())?;
        let mut outcome = Ok(());
        let per_destination = submission.parts.len().max(1);
        for (destination, ids) in submission
            .destinations
            .iter()
            .zip(ids.chunks(per_destination))
        {
            let recorded = Party::parse(destination.text())
                .map_err(ConversationError::from)
                .and_then(|theirs| {
                    let entry = ConversationEntry {
                        direction: Direction::Mt,
                        ids: ids.to_vec(),
                        text: text.clone(),
                        at,
                        received: 0,
                    };
                    self.record(batch, &ours, &theirs, entry)
                });
            if let Err(error) = recorded {
                outcome = Err(error);
            }
        }
        outcome
    }

    /// Adds to `batch` the entry of an MO routed to the account as `id`,
    /// and its keys in the list of MO received (`received_mo`).
    pub fn record_mo(
        &self,
        batch: &mut Batch,
        id: MessageId,
        message: &InboundMessage,
    ) -> Result<(), ConversationError> {
        let ours = Party::parse(message.destination.as_deref().unwrap_or_default())?;
        let theirs = Party::parse(&message.source)?;
        let entry = ConversationEntry {
            direction: Direction::Mo,
            ids: vec![id],
            text: message.text.clone(),
            at: message.received_at,
            received: 0,
        };
        // The entry is in the batch even when its summary was unreadable.
        let recorded = self.record(batch, &ours, &theirs, entry);
        let received = ReceivedMo {
            account: self.account.clone(),
            ours,
            theirs,
        };
        batch.index_received_mo(id.value(), &received);
        recorded
    }

    fn record(
        &self,
        batch: &mut Batch,
        ours: &Party,
        theirs: &Party,
        mut entry: ConversationEntry,
    ) -> Result<(), ConversationError> {
        let Some(&first) = entry.ids.first() else {
            return Ok(());
        };
        let sequence = first.value();
        let key = conversation_key(&self.account, ours, theirs);
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        let (previous, unreadable) = match written.summaries.get(&key) {
            Some(summary) => (summary.clone(), None),
            None => match self
                .store
                .get::<ConversationSummary>(TreeId::Conversations, &key)
            {
                Ok(summary) => (summary, None),
                Err(error) => (None, Some(error)),
            },
        };
        let (mut received, mut sent) = previous
            .as_ref()
            .map_or((0, 0), |summary| (summary.received, summary.sent));
        match entry.direction {
            Direction::Mo => received += 1,
            Direction::Mt => sent += 1,
        }
        entry.received = received;
        let summary = ConversationSummary {
            last: sequence,
            last_at: entry.at,
            last_direction: entry.direction,
            last_text: entry.text.as_deref().map(preview),
            received,
            sent,
        };
        if let Some(previous) = &previous {
            batch.ops.push(Op::Remove {
                tree: TreeId::ConversationActivity,
                key: activity_key(&self.account, previous.last, ours, theirs),
            });
        }
        batch
            .put(
                TreeId::ConversationMessages,
                codec::sequenced_key(&key, sequence),
                &entry,
                true,
            )
            .put(
                TreeId::ConversationActivity,
                activity_key(&self.account, sequence, ours, theirs),
                &(),
                true,
            )
            .put(TreeId::Conversations, key.clone(), &summary, false);
        written.summaries.insert(key, Some(summary));
        if written.summaries.len() > written.tidy_at {
            // What the store shows now is durable: no need to remember it.
            let store = &self.store;
            written.summaries.retain(|key, summary| {
                let stored = store.get::<ConversationSummary>(TreeId::Conversations, key);
                match (summary, stored) {
                    (_, Err(_)) => true,
                    (Some(summary), Ok(stored)) => {
                        stored.is_none_or(|stored| stored.last < summary.last)
                    }
                    (None, Ok(stored)) => stored.is_some(),
                }
            });
            written.tidy_at = REMEMBERED.max(written.summaries.len().saturating_mul(2));
            written.forgets += 1;
        }
        unreadable.map_or(Ok(()), |error| Err(error.into()))
    }
}

/// Conversations' test helpers, shared with the other store modules that
/// index or purge them.
#[cfg(test)]
pub(super) mod testing {
    use super::*;
    use crate::model::{Address, Npi, Ton};

    pub(in crate::store) fn submission(from: Address, to: &[&str], text: &str) -> Submission {
        Submission {
            service_type: String::new(),
            source: from,
            destinations: to
                .iter()
                .map(|to| Address::new(Ton::International, Npi::Isdn, to).unwrap())
                .collect(),
            data_coding: 0,
            esm_class: 0,
            registered_delivery: 0,
            priority: 0,
            validity: None,
            scheduled: None,
            client_reference: None,
            parts: vec![crate::intake::PartData {
                payload: text.as_bytes().to_vec(),
                esm_class: 0,
                part: None,
            }],
            callback: None,
        }
    }

    pub(in crate::store) fn mo(from: &str, to: &str, text: &str) -> InboundMessage {
        let mut message = InboundMessage::example("up", "f", text, Utc::now());
        message.source = from.to_string();
        message.destination = Some(to.to_string());
        message
    }

    pub(in crate::store) fn party(text: &str) -> Party {
        Party::parse(text).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{mo, party, submission};
    use super::*;
    use crate::model::{Address, Npi, Ton};
    use crate::store::StoreConfig;

    /// Batches built one after another before any is durable count on
    /// from each other; the account's conversations list by last activity
    /// with one key each; MO after the read mark are unread.
    #[test]
    fn entries_summaries_and_activity_across_pending_batches() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(StoreConfig::new(dir.path())).unwrap());
        let demo = AccountId::new("demo").unwrap();
        let index = ConversationIndex::new(store.clone(), demo.clone());
        let ours = Address::new(Ton::International, Npi::Isdn, "34911000000").unwrap();
        let mut pending = Vec::new();
        let mut next = 10;
        let mut id = || {
            next += 1;
            MessageId::new(next)
        };
        for text in ["one", "two"] {
            let mut batch = Batch::new();
            let ids = [id(), id()];
            let sent = submission(ours.clone(), &["34600111222", "34600333444"], text);
            index
                .record_mt(&mut batch, &sent, &ids, Utc::now())
                .unwrap();
            pending.push(store.commit(batch));
        }
        let mut batch = Batch::new();
        index
            .record_mo(
                &mut batch,
                id(),
                &mo("+34600111222", "+34911000000", "reply"),
            )
            .unwrap();
        pending.push(store.commit(batch));
        for durable in pending {
            durable.wait().unwrap();
        }
        let (a, b) = (party("34600111222"), party("34600333444"));
        let ours = party("34911000000");
        let listed = store.conversations(&demo, None, 10).unwrap();
        let order: Vec<&str> = listed.iter().map(|c| c.theirs.as_str()).collect();
        assert_eq!(order, ["34600111222", "34600333444"]);
        assert_eq!((listed[0].summary.sent, listed[0].summary.received), (2, 1));
        assert_eq!(listed[0].unread(), 1);
        assert_eq!(listed[0].summary.last_text.as_deref(), Some("reply"));
        assert_eq!(listed[1].summary.sent, 2);
        let page = |window| {
            store
                .conversation_messages(&demo, &ours, &a, window, 2)
                .unwrap()
                .into_iter()
                .map(|(_, entry)| entry.text.unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(page(Window::Latest), ["two", "reply"]);
        let all = store
            .conversation_messages(&demo, &ours, &a, Window::After(0), 10)
            .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(page(Window::Before(all[1].0)), ["one"]);
        assert_eq!(page(Window::After(all[0].0)), ["two", "reply"]);
        assert!(
            store
                .conversation_has_before(&demo, &ours, &a, all[1].0)
                .unwrap()
        );
        assert!(
            !store
                .conversation_has_before(&demo, &ours, &a, all[0].0)
                .unwrap()
        );
        // Paging the listing.
        let first = store.conversations(&demo, None, 1).unwrap();
        let rest = store
            .conversations(&demo, Some(first[0].summary.last), 10)
            .unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].theirs, b);
        // Reading through the MO leaves nothing unread.
        let mut batch = Batch::new();
        let mark = ReadMark {
            through: all[2].0,
            received: all[2].1.received,
        };
        batch.mark_conversation_read(&demo, &ours, &a, &mark);
        store.commit(batch).wait().unwrap();
        let read = store.conversation(&demo, &ours, &a).unwrap().unwrap();
        assert_eq!(read.unread(), 0);
        // Another account sees none of it.
        let other = AccountId::new("demo2").unwrap();
        assert!(store.conversations(&other, None, 10).unwrap().is_empty());
        // Across a reopen (sled, not the pending writes), the same.
        drop(index);
        Arc::into_inner(store).unwrap().close().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let listed = store.conversations(&demo, None, 10).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].unread(), 0);
        store.close().unwrap();
    }

    /// A batch that never lands (its commit failed) is forgotten: the
    /// next entry counts on from what is durable.
    #[test]
    fn after_a_failed_batch_counts_go_on_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(StoreConfig::new(dir.path())).unwrap());
        let demo = AccountId::new("demo").unwrap();
        let index = ConversationIndex::new(store.clone(), demo.clone());
        let ours = Address::alphanumeric("Shop").unwrap();
        let record = |id: u64, commit: bool| {
            let mut batch = Batch::new();
            let sent = submission(ours.clone(), &["34600111222"], "hi");
            index
                .record_mt(&mut batch, &sent, &[MessageId::new(id)], Utc::now())
                .unwrap();
            if commit {
                store.commit(batch).wait().unwrap();
            }
        };
        record(1, true);
        record(2, false);
        index.forget();
        record(3, true);
        let listed = store.conversations(&demo, None, 10).unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!((listed[0].summary.sent, listed[0].summary.last), (2, 3));
        let (ours, theirs) = (party("Shop"), party("34600111222"));
        let entries = store
            .conversation_messages(&demo, &ours, &theirs, Window::Latest, 10)
            .unwrap();
        let received: Vec<u64> = entries.iter().map(|(sequence, _)| *sequence).collect();
        assert_eq!(received, [1, 3]);
    }

    #[test]
    fn an_mo_without_a_usable_party_is_not_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(StoreConfig::new(dir.path())).unwrap());
        let index = ConversationIndex::new(store.clone(), AccountId::new("demo").unwrap());
        let mut batch = Batch::new();
        let mut message = mo("34600111222", "12345", "hi");
        message.destination = None;
        let refused = index.record_mo(&mut batch, MessageId::new(1), &message);
        assert!(matches!(
            refused,
            Err(ConversationError::Party(PartyError::Empty))
        ));
        assert!(batch.is_empty());
    }
}
