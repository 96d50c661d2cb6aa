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
//! disk (`.await` on an actor, `.wait()` on a plain thread). Reads see every
//! batch whose `Durable` has resolved.
//!
//! # The operations
//!
//! This is the store's whole surface: what the actors, the tools and the
//! tests ask of it. A second backend (a distributed engine, when one host
//! is not enough) has to offer exactly these, with the same guarantee: a
//! batch is durable, all of it, when its `Durable` resolves. Keep it
//! narrow: a new need is a new typed operation here, never a raw tree.
//!
//! | kind | operations |
//! |---|---|
//! | open, close | [`Store::open`], [`Store::close`] (flushes every batch handed in) |
//! | write, atomically | [`Store::commit`] of one [`Batch`] of: `insert_message`, `put_message`, `put_upstream_id` (messages); `set_balance`, `append_ledger` (credit); `put_mailbox`, `remove_mailbox` (receipts and MO waiting for a session); `put_inbound`, `remove_inbound` (the MO inbox); `put_outbox`, `update_outbox`, `remove_outbox`, `put_dead_letter`, `remove_dead_letter` (callbacks); `purge_message`, `purge_conversation_entry`, `purge_received_mo` (retention, the last two handed in with [`Store::commit_purge`], see `conversation_retention`); `put_stored_account`, `put_stored_route`, `put_stored_gateway`, `put_stored_mo_route`, `put_stored_content_rule`, `put_stored_autoreply`, `remove_stored_autoreply`, `put_stored_poll`, `remove_stored_poll`, `put_admin_password` (the admin API's changes); `put_vote`, `remove_vote` (polls); `put_api_key`, `remove_api_key`; `put_listed`, `remove_listed` (opt-outs and the DND registry); `put_campaign`, `put_campaign_state`, `put_campaign_tally`, `put_recipient`, `put_reach` (campaigns, see `campaigns`); `put_contact`, `remove_contact` (contacts, with their group memberships); `mark_conversation_read`, and a message's conversation entry (and an MO's keys in `received_mo`) through [`ConversationIndex`] (`conversations`); `put_audit` (the operator's actions, see `audit`); `put_quality_bucket`, `remove_quality_bucket` (route quality, see `quality`); `put_summary_bucket`, `remove_summary_bucket` (report summaries, see `summaries`) |
//! | background upkeep | [`Store::index_old_messages`] (a page of the messages stored before the index by number existed, indexed), [`Store::number_index_complete`] |
//! | new ids | [`Store::next_message_id`], [`Store::next_sequence`]: unique across restarts, increasing |
//! | read one | [`Store::message`], [`Store::account_balance`], [`Store::message_for_upstream`] (the upstream-id index), [`Store::inbound_message`], [`Store::api_key`], [`Store::dead_letter`], [`Store::admin_password`], [`Store::listed`] (one opt-out or DND entry), [`Store::campaign`], [`Store::campaign_state`], [`Store::campaign_tally`], [`Store::reach`], [`Store::contact`] |
//! | scan one key range | [`Store::ledger`], [`Store::mailbox`], [`Store::api_keys`] (an account's); [`Store::mailbox_page`], [`Store::mailbox_len`] (an account's mailbox, a page at a time, and its size); [`Store::outbox_page`] (the callback outbox, a page); [`Store::archived`] (finished messages, a page, for retention); [`Store::received_mo_oldest`] (the routed MO, oldest first, a page, for retention); [`Store::inbound`] (a gateway's); [`Store::account_messages`] (an account's message ids, newest first, a page at a time); [`Store::number_messages`] (the message ids to one number, with their accounts, newest first, a page at a time; see `number_index`); [`Store::dead_letters`] (a page); [`Store::list_page`] (an account's opt-outs or the DND registry, a page); [`Store::votes`] (a poll's); [`Store::conversations`] (an account's by last activity, a page), [`Store::conversation_messages`] (one conversation in order, a page), [`Store::conversation`], [`Store::conversation_has_before`]; [`Store::campaigns_page`], [`Store::campaigns`] (every campaign, by id), [`Store::recipients_page`] (a campaign's recipients in order); [`Store::contacts_page`], [`Store::group_page`] (an account's contacts, a group's, in number order, a page), [`Store::selected_page`] (the contacts a selection picks, a bounded read per page), [`Store::groups`] (an account's groups with their member counts, counted by a scan); [`Store::audit_page`] (the operator's actions, newest first, a page); [`Store::received_mo`] (the routed MO, newest first, every account's, an account's or a number's, a page), [`Store::conversation_entry`] |
//! | scan at start | [`Store::unfinished_messages`], [`Store::inbox`], [`Store::stored_accounts`], [`Store::stored_routes`], [`Store::stored_gateways`], [`Store::stored_mo_routes`], [`Store::stored_autoreplies`], [`Store::stored_polls`], [`Store::stored_content_rules`], [`Store::quality_buckets`], [`Store::summary_buckets`] |
//!
//! There is no update in place and no query beyond these: a finished
//! message's record is rewritten whole by `put_message`, listings read an
//! index of keys, and a message is deleted only by retention
//! (`purge_message`, once it has been final for `store.retention_days`,
//! its conversation entry with it; an MO's entry once received that long
//! ago).
//! [`Store::mailbox`] and [`Store::outbox`] read a whole queue, for audits
//! and tests; the switch reads both a page at a time.
//!
//! # Journal and checkpoints
//!
//! The commit thread appends each group of batches to a write-ahead journal
//! as one checksummed record (one `write`, and in "power" mode one
//! `fdatasync`), keeps the group's writes in memory as pending, and then
//! answers its writers. A checkpoint thread copies the pending writes into
//! sled every second (or every 200,000 writes),
//! flushes sled, and only then deletes the journal segments they came from.
//! Reads look at the pending writes first, then at sled. At open, what the
//! journal still holds is applied to sled before anything else happens.
//!
//! Why not commit into sled directly: sled's cost is per key written, and a
//! message is written about eight times on its way (accepted, submitted,
//! final state moved to the archive, receipt queued and delivered). Between
//! two checkpoints only the last write per key remains, and a key created
//! and removed in the same interval (a receipt queued and delivered, a
//! message accepted and finished) never reaches sled: about two sled writes
//! per message instead of eight, off the path of the acknowledgement.
//!
//! # Atomicity
//!
//! A batch is all-or-nothing across a crash: a group is one journal record,
//! and a record cut short by the crash fails its checksum and is ignored,
//! whole (see `journal`); none of its writers was answered. Checkpoints need
//! no atomicity of their own: a checkpoint cut short leaves its journal
//! segments in place, and applying them again at open writes the same
//! values. `tests/store_crash.rs` kills writers with SIGKILL and checks that
//! balances equal the charges of exactly the messages stored.
//!
//! # Durability
//!
//! What an acknowledgement survives depends on [`Durability`]:
//!
//! - `process` (default): the record is written to the journal file with
//!   `write(2)` before the writers are answered; from then on the bytes are
//!   in the kernel, so the acknowledgement survives the process being killed
//!   (kill -9, OOM, panic) but not a power loss or a kernel crash.
//! - `power`: additionally `fdatasync` of the journal segment after every
//!   group (and of the journal directory when a segment is created), and of
//!   sled's log file after every checkpoint flush, before the segments go.
//!   sled's `flush` alone (`sync_file_range`, no cache flush) would not be
//!   enough. sled values are capped at [`MAX_VALUE_LEN`] (4 KiB) so that no
//!   sled node reaches its blob threshold: all checkpointed data lives in
//!   `db`, none in the `blobs/` files sled writes without syncing. The few
//!   records that may be longer (a whole MO of up to 255 parts, in the
//!   inbox, a mailbox item or a callback; at most [`MAX_LARGE_VALUE_LEN`])
//!   are whole in the journal and in memory, and split into 4 KiB chunks
//!   when a checkpoint writes them into sled (`chunks`). At open,
//!   "power" also syncs sled's `conf` file and the directory, which sled
//!   writes without syncing.
//!
//! With group commit, one write (and one fdatasync) is shared by every
//! batch in the group, so "power" costs little more than "process". The
//! README's "Durability" and "Load-testing" sections have the figures
//! (`cargo bench --bench store`, `scripts/bench.sh e2e`).

mod admin_objects;
mod audit;
mod batch;
mod campaigns;
mod checkpoint;
mod chunks;
mod codec;
mod committer;
mod contacts;
mod conversation_retention;
mod conversation_summaries;
mod conversations;
mod database;
mod durable;
mod error;
mod journal;
mod lists;
mod mail_log;
mod number_index;
mod old_messages;
mod outbox;
mod pending_writes;
mod quality;
mod received_mo;
mod records;
mod retention;
mod sequence;
mod summaries;

pub use crate::config::Durability;
pub use admin_objects::{
    RouteKey, StoredAccount, StoredContentRule, StoredGateway, StoredMoRoute, StoredRoute,
};
pub use audit::AuditEntry;
pub use batch::Batch;
pub use campaigns::{Reach, StateRecord};
pub use codec::{MAX_LARGE_VALUE_LEN, MAX_VALUE_LEN, VERSION};
pub use contacts::{GroupSummary, SelectedPage};
pub use conversation_retention::PurgedEntry;
pub use conversation_summaries::ConversationSummary;
pub use conversations::{
    Conversation, ConversationEntry, ConversationError, ConversationIndex, ReadMark, ReceivedMo,
    Window,
};
pub use database::{Store, StoreConfig, UnfinishedMessages};
pub use durable::Durable;
pub use error::{KeyHex, StoreError};
pub use lists::{ListId, ListKey, Listed, ListedBy};
pub use mail_log::{MailKind, MailRecord, MailState};
pub use number_index::IndexingStep;
pub use outbox::{CallbackRequest, OutboxItem};
pub use received_mo::{ListedMo, Received};
pub use records::{
    ApiKey, InboundMessage, LedgerEntry, LedgerKind, MailboxItem, MailboxKey, MoPart, Vote,
};
pub use retention::Archived;
