//! The on-disk layout: one sled tree per entity, the key of each, and the
//! encoding of values.
//!
//! | tree           | key                                         | value                |
//! |----------------|---------------------------------------------|----------------------|
//! | `messages`     | message id, u64 big-endian                  | `Message`, not final |
//! | `archive`      | message id, u64 big-endian                  | `Message`, final     |
//! | `balances`     | account id                                  | `Money`              |
//! | `ledger`       | account id, 0x00, entry id u64 big-endian   | `LedgerEntry`, 1..n  |
//! | `upstream_ids` | gateway name, 0x00, upstream id             | `MessageId`          |
//! | `mailbox`      | account id, 0x00, sequence u64 big-endian   | `MailboxItem`        |
//! | `meta`         | `sequence`                                  | u64: end of the reserved numbers |
//! |                | `old_messages`                              | how far the indexing by number of messages stored before that index got (see `number_index`) |
//! | `inbox`        | gateway name, 0x00, fingerprint             | `InboundMessage` (MO) |
//! | `admin_objects` | `account` 0x00 system_id                   | `StoredAccount`      |
//! |                | `route` 0x00 prefix 0x00 accounts, 0x00 between | `StoredRoute`     |
//! |                | `gateway` 0x00 name                         | `StoredGateway`      |
//! |                | `mo_route` 0x00 number 0x00 KEYWORD (upper-cased; empty for none) | `StoredMoRoute` |
//! |                | `content_rule` 0x00 name                    | `StoredContentRule`  |
//! |                | `admin_password`                            | `PasswordHash`       |
//! |                | `autoreply` 0x00 name                       | `Autoreply`          |
//! |                | `poll` 0x00 id                              | `Poll`               |
//! | `outbox`       | event id, u64 big-endian                    | `OutboxItem`: a callback to send |
//! | `dead_letters` | event id, u64 big-endian                    | `OutboxItem`: a callback that failed every attempt |
//! | `api_keys`     | SHA-256 of the key, 32 bytes                | `ApiKey`             |
//! | `account_messages` | account id, 0x00, message id u64 big-endian | `()`: an index entry |
//! | `chunks`       | tree index u8, the value's key, chunk u16 big-endian | octets of a value longer than [`MAX_VALUE_LEN`] (see `chunks`) |
//! | `conversation_messages` | account id, 0x00, ours, 0x00, theirs, 0x00, sequence u64 big-endian | `ConversationEntry` (see `conversations`) |
//! | `conversations` | account id, 0x00, ours, 0x00, theirs, 0x00 | `ConversationSummary` |
//! | `conversation_activity` | account id, 0x00, last sequence u64 big-endian, ours, 0x00, theirs | `()`: an index entry |
//! | `conversation_reads` | account id, 0x00, ours, 0x00, theirs, 0x00 | `ReadMark` |
//! | `votes`        | poll id, 0x00, the voter's number           | `Vote`: the voter's last vote |
//! | `number_lists` | `dnd` 0x00 number, or `opt_out` 0x00 account 0x00 number sender (see `lists`) | `Listed` |
//! | `campaigns` | `def`, `state` or `tally` 0x00 id, or `reach` 0x00 account 0x00 sender 0x00 number (see `campaigns`) | `Definition`, `StateRecord`, `Tally`, `Reach` |
//! | `campaign_recipients` | campaign id u64 BE, index u64 BE | `Recipient` |
//! | `contacts`     | account id, 0x00, number u64 big-endian     | a contact's name, fields and groups (see `contacts`) |
//! | `group_members` | account id, 0x00, group, 0x00, number u64 big-endian | `()`: an index entry |
//! | `mail_log`     | mail id (a sequence number) u64 big-endian  | `MailRecord` (see `mail_log`) |
//! | `received_mo`  | `all` 0x00, `account` 0x00 account id 0x00, or `number` 0x00 party 0x00; then the MO's sequence u64 big-endian | `ReceivedMo` (see `received_mo`) |
//! | `number_messages` | destination number (as searches compare it), 0x00, message id u64 big-endian, account id | `()`: an index entry (see `number_index`) |
//!
//! Big-endian numbers make byte order numeric order, so a range scan walks
//! ids in order. Account ids and gateway names are printable ASCII, never
//! 0x00, so `name 0x00` is an exact prefix: a scan for account "a" never
//! sees account "ab".
//!
//! A message lives in `messages` until it reaches a final state, then in
//! `archive`: restart recovery scans only the messages still in flight.
//! `account_messages` indexes every message under its account, newest
//! last, so listing an account's messages reads that account's keys only;
//! it is written once, with the message's first write, and never changed.
//! `number_messages` does the same under each message's destination
//! number, so a search by number reads that number's keys only.
//!
//! The ledger entries one group commit appends for one account share a key
//! (a version byte, then the entries back to back, up to
//! [`MAX_VALUE_LEN`]): an account actor committing many messages per flush
//! writes one ledger key per flush, not one per message. sled's cost is per
//! key written, not per byte.
//!
//! Every value is a version byte ([`VERSION`]) and then bincode 2 (standard
//! configuration: little-endian, variable-length integers) of the serde
//! form. A new layout gets a new version byte and a decoder beside the old:
//!
//! | version | change | reading an older value |
//! |---------|--------|------------------------|
//! | 1 | first layout | |
//! | 2 | `Message` gains `service_type` (last field) | a version-1 message is its bytes and an empty string (one `0x00`) |
//! | 3 | `Message` gains `callback` (last field) | a version-2 message is its bytes and `None` (one `0x00`) |
//! | 4 | `LedgerEntry` gains `reason` (last field) | a ledger value of versions 1–3 is decoded entry by entry in the old layout, each with `reason: None` |
//! | 5 | `StoredAccount` gains `callback_secret` (last field) | a stored account of versions 1–4 is its bytes and `None` (one `0x00`): it is signed with no secret until one is set again |
//! | 6 | `StoredAccount` gains `allowed_senders` (last field) | a stored account of versions 1–5 is its bytes and an empty list (one `0x00`): any sender, as before |
//! | 7 | `Message` gains `held_by` (last field: the content rule holding it) | a message of versions 1–6 is its bytes and `None` (one `0x00`) |
//! | 8 | `StoredAccount` gains `traffic` and `opt_outs` (last fields) | a stored account of versions 1–7 is its bytes and two `0x00`: transactional, default opt-out settings |
//! | 9 | `Message` gains `campaign` (last field) | a message of versions 1–8 is its bytes and `None` (one `0x00`) |
//! | 10 | `StoredAccount` gains `time_zone` (last field) | a stored account of versions 1–9 is its bytes and `None` (one `0x00`): UTC |
//! | 11 | `Counts` (`route_quality`) gains `probes_sender_rewritten` (last field) | a bucket of versions 1–10 is its bytes and a zero (one `0x00`) |
//! | 12 | `StoredAccount` gains `email` (last field) | a stored account of versions 1–11 is its bytes and `None` (one `0x00`): no notifications |
//! | 13 | `StoredAccount` gains `low_balance` (last field) | a stored account of versions 1–12 is its bytes and `None` (one `0x00`): `mail.low_balance` |
//! | 14 | `StoredAccount` gains `language` (last field) | a stored account of versions 1–13 is its bytes and `None` (one `0x00`): English |
//! | 15 | `StoredRoute::Present` gains `policy` (last field: mode, floor and ceiling) | a stored route of versions 1–14 that is `Present` (variant byte `0x00`) is its bytes and `None` (one `0x00`): the mode it had then; a `Deleted` one is read as it is |
//! | 5 | `InboundMessage` gains `destination` and `part` (last fields); `MailboxItem::Mo` is new | an `inbox` value of versions 1–4 is its bytes and two `None` (two `0x00`) |

use std::borrow::Cow;

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::admin_objects::RouteKey;
use super::error::{KeyHex, StoreError};
use super::records::{LedgerEntry, LedgerEntryWithoutReason};
use crate::model::{AccountId, GatewayName, MessageId, UpstreamId};

/// The version byte every value is written with.
pub const VERSION: u8 = 15;

/// The versions that gave `Message` its `service_type`, its `callback`
/// its `held_by` and its `campaign`, each a new last field.
const MESSAGE_FIELDS_SINCE: [u8; 4] = [2, 3, 7, 9];

/// The version that gave ledger entries their `reason`.
const LEDGER_REASON: u8 = 4;

/// The version that gave stored accounts their `callback_secret`.
const ACCOUNT_SECRET: u8 = 5;

/// The version that gave stored accounts their `allowed_senders`.
const ACCOUNT_SENDERS: u8 = 6;

/// The version that gave stored accounts their `traffic` and `opt_outs`.
const ACCOUNT_LISTS: u8 = 8;

/// The version that gave stored accounts their `time_zone`.
const ACCOUNT_TIME_ZONE: u8 = 10;

/// The version that gave route quality buckets their
/// `probes_sender_rewritten`.
const QUALITY_SENDER_REWRITTEN: u8 = 11;

/// The version that gave stored accounts their `email`.
const ACCOUNT_EMAIL: u8 = 12;

/// The version that gave stored accounts their `low_balance`.
const ACCOUNT_LOW_BALANCE: u8 = 13;

/// The version that gave stored accounts their `language`.
const ACCOUNT_LANGUAGE: u8 = 14;

/// The version that gave stored routes (`Present`) their `policy`.
const ROUTE_POLICY: u8 = 15;

/// The variant byte of `StoredRoute::Present` (bincode writes an enum's
/// variant index as a varint first).
const ROUTE_PRESENT_VARIANT: u8 = 0;

/// The version that gave MO records (`inbox`) their `destination` and
/// `part`, their two last fields.
const INBOX_DESTINATION: u8 = 5;

/// The oldest version this program reads.
const OLDEST_READABLE: u8 = 1;

/// The largest encoded value. Records are a few hundred bytes (an SMS part
/// carries at most 140 octets of user data). The limit bounds what a corrupt
/// length prefix can make the decoder allocate. It also keeps every sled
/// node below sled's blob threshold (segment size / 4, 128 KiB by default):
/// sled splits a leaf above 16 entries, so a leaf holds at most 17 × 4 KiB.
/// Every node then stays in sled's log file (`db`), the file "power"
/// durability syncs; sled writes blob files without any sync.
pub const MAX_VALUE_LEN: usize = 4 * 1024;

const BINCODE: Configuration<LittleEndian, Varint, Limit<MAX_VALUE_LEN>> =
    bincode::config::standard().with_limit::<MAX_VALUE_LEN>();

/// The largest value of the trees [`holds_large_values`] names: an MO of
/// 255 parts joined (up to about 40,000 octets of body and three times
/// that of UTF-8 text at worst) in the inbox, in a mailbox item, or in a
/// callback's JSON, with room to spare. sled keeps such a value in chunks
/// of the `chunks` tree, each within [`MAX_VALUE_LEN`].
pub const MAX_LARGE_VALUE_LEN: usize = 512 * 1024;

const BINCODE_LARGE: Configuration<LittleEndian, Varint, Limit<MAX_LARGE_VALUE_LEN>> =
    bincode::config::standard().with_limit::<MAX_LARGE_VALUE_LEN>();

/// Whether `tree` takes values up to [`MAX_LARGE_VALUE_LEN`] (the ones
/// that carry a whole MO: `inbox`, `mailbox`, `outbox` and the dead
/// letters an outbox item may become; a conversation's entry, with the
/// whole text; a mail, whose daily summary lists every account) rather
/// than [`MAX_VALUE_LEN`].
pub fn holds_large_values(tree: TreeId) -> bool {
    matches!(
        tree,
        TreeId::Inbox
            | TreeId::Mailbox
            | TreeId::Outbox
            | TreeId::DeadLetters
            | TreeId::ConversationMessages
            | TreeId::MailLog
    )
}

/// The largest encoded value `tree` takes.
pub fn value_limit(tree: TreeId) -> usize {
    if holds_large_values(tree) {
        MAX_LARGE_VALUE_LEN
    } else {
        MAX_VALUE_LEN
    }
}

/// The trees, one per entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TreeId {
    Messages,
    Archive,
    Balances,
    Ledger,
    UpstreamIds,
    Mailbox,
    Meta,
    /// Journals written before it existed name trees by position.
    Inbox,
    /// After the older trees, for the same reason.
    AdminObjects,
    Outbox,
    DeadLetters,
    ApiKeys,
    AccountMessages,
    /// Values longer than [`MAX_VALUE_LEN`], in pieces (see `chunks`).
    Chunks,
    /// The conversation index (see `conversations`), after the older
    /// trees for the journals' sake.
    ConversationMessages,
    Conversations,
    ConversationActivity,
    ConversationReads,
    /// Each voter's last vote in each poll.
    Votes,
    /// Opt-outs and the DND registry (see `lists`).
    NumberLists,
    /// Each account's contacts, and the members of its groups (see
    /// `contacts`).
    Contacts,
    GroupMembers,
    /// Campaigns, and each campaign's recipients in order (see
    /// `campaigns`).
    Campaigns,
    CampaignRecipients,
    /// The operator's actions (see `audit`).
    Audit,
    /// Route quality counts in time buckets (see `quality`).
    RouteQuality,
    /// Every notification mailed, with its state (see `mail_log`).
    MailLog,
    /// Report summary tallies per hour and day (see `summaries`).
    ReportSummaries,
    /// The routed MO by time received (see `received_mo`).
    ReceivedMo,
    /// Every message under its destination number (see `number_index`).
    NumberMessages,
}

impl TreeId {
    /// In the order the store opens them; `index` is the position here.
    pub const ALL: [TreeId; 30] = [
        TreeId::Messages,
        TreeId::Archive,
        TreeId::Balances,
        TreeId::Ledger,
        TreeId::UpstreamIds,
        TreeId::Mailbox,
        TreeId::Meta,
        TreeId::Inbox,
        TreeId::AdminObjects,
        TreeId::Outbox,
        TreeId::DeadLetters,
        TreeId::ApiKeys,
        TreeId::AccountMessages,
        TreeId::Chunks,
        TreeId::ConversationMessages,
        TreeId::Conversations,
        TreeId::ConversationActivity,
        TreeId::ConversationReads,
        TreeId::Votes,
        TreeId::NumberLists,
        TreeId::Contacts,
        TreeId::GroupMembers,
        TreeId::Campaigns,
        TreeId::CampaignRecipients,
        TreeId::Audit,
        TreeId::RouteQuality,
        TreeId::MailLog,
        TreeId::ReportSummaries,
        TreeId::ReceivedMo,
        TreeId::NumberMessages,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TreeId::Messages => "messages",
            TreeId::Archive => "archive",
            TreeId::Balances => "balances",
            TreeId::Ledger => "ledger",
            TreeId::UpstreamIds => "upstream_ids",
            TreeId::Mailbox => "mailbox",
            TreeId::Meta => "meta",
            TreeId::Inbox => "inbox",
            TreeId::AdminObjects => "admin_objects",
            TreeId::Outbox => "outbox",
            TreeId::DeadLetters => "dead_letters",
            TreeId::ApiKeys => "api_keys",
            TreeId::AccountMessages => "account_messages",
            TreeId::Chunks => "chunks",
            TreeId::ConversationMessages => "conversation_messages",
            TreeId::Conversations => "conversations",
            TreeId::ConversationActivity => "conversation_activity",
            TreeId::ConversationReads => "conversation_reads",
            TreeId::Votes => "votes",
            TreeId::NumberLists => "number_lists",
            TreeId::Contacts => "contacts",
            TreeId::GroupMembers => "group_members",
            TreeId::Campaigns => "campaigns",
            TreeId::CampaignRecipients => "campaign_recipients",
            TreeId::Audit => "audit",
            TreeId::RouteQuality => "route_quality",
            TreeId::MailLog => "mail_log",
            TreeId::ReportSummaries => "report_summaries",
            TreeId::ReceivedMo => "received_mo",
            TreeId::NumberMessages => "number_messages",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The tree at `index` in [`TreeId::ALL`].
    pub fn from_index(index: u8) -> Option<TreeId> {
        TreeId::ALL.get(usize::from(index)).copied()
    }
}

/// A version byte and the bincode form of `value`.
pub fn encode<T: Serialize>(tree: TreeId, key: &[u8], value: &T) -> Result<Vec<u8>, StoreError> {
    encode_exact(tree, key, value, &[VERSION])
}

/// The bincode form of `value` without the version byte: one entry of a
/// value holding several (see [`decode_entries`]).
pub fn encode_entry<T: Serialize>(
    tree: TreeId,
    key: &[u8],
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    encode_exact(tree, key, value, &[])
}

thread_local! {
    /// Where this thread encodes before the copy of exactly its length.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The most a thread's scratch buffer keeps between encodings; one grown
/// larger (for a value of a tree that holds large ones) is freed.
const SCRATCH_KEPT: usize = 64 * 1024;

/// `head` then the bincode form of `value`, in a vector of exactly that
/// length. Encoded into the thread's scratch buffer first: bincode writes
/// field after field, and a vector grown from empty would be allocated
/// again and copied at each doubling (six times for a message record).
fn encode_exact<T: Serialize>(
    tree: TreeId,
    key: &[u8],
    value: &T,
    head: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let mut scratch = SCRATCH.take();
    scratch.clear();
    scratch.extend_from_slice(head);
    let encoded = encode_into(tree, key, value, &mut scratch).map(|()| scratch.to_vec());
    if scratch.capacity() <= SCRATCH_KEPT {
        SCRATCH.set(scratch);
    }
    encoded
}

fn encode_into<T: Serialize>(
    tree: TreeId,
    key: &[u8],
    value: &T,
    bytes: &mut Vec<u8>,
) -> Result<(), StoreError> {
    let failure = |reason: String| StoreError::Encode {
        tree: tree.name(),
        key: KeyHex(key.to_vec()),
        reason,
    };
    let encoded = if holds_large_values(tree) {
        bincode::serde::encode_into_std_write(value, bytes, BINCODE_LARGE)
    } else {
        bincode::serde::encode_into_std_write(value, bytes, BINCODE)
    };
    encoded.map_err(|error| failure(error.to_string()))?;
    let limit = value_limit(tree);
    // Leave room for the version byte.
    if bytes.len() >= limit {
        return Err(failure(format!(
            "{} bytes encoded, more than the {limit} a record may have",
            bytes.len()
        )));
    }
    Ok(())
}

/// The value `encode` wrote; anything else is a `Corrupt` error naming the
/// tree and key.
pub fn decode<T: DeserializeOwned>(
    tree: TreeId,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    let body = versioned_body(tree, key, bytes)?;
    let body = body.as_ref();
    let (value, used) = decode_one(tree, key, body)?;
    if used != body.len() {
        return Err(corrupt(
            tree,
            key,
            format!("{} bytes left over after the value", body.len() - used),
        ));
    }
    Ok(value)
}

/// A version byte and one or more entries made by `encode_entry`, back to
/// back.
pub fn decode_entries<T: DeserializeOwned>(
    tree: TreeId,
    key: &[u8],
    bytes: &[u8],
) -> Result<Vec<T>, StoreError> {
    let body = versioned_body(tree, key, bytes)?;
    let mut body = body.as_ref();
    if body.is_empty() {
        return Err(corrupt(
            tree,
            key,
            "no entries after the version byte".to_string(),
        ));
    }
    let mut entries = Vec::new();
    while !body.is_empty() {
        let (entry, used) = decode_one(tree, key, body)?;
        entries.push(entry);
        body = &body[used..];
    }
    Ok(entries)
}

/// The body after the version byte, brought to the current layout.
fn versioned_body<'a>(
    tree: TreeId,
    key: &[u8],
    bytes: &'a [u8],
) -> Result<Cow<'a, [u8]>, StoreError> {
    let (&version, body) = bytes
        .split_first()
        .ok_or_else(|| corrupt(tree, key, "empty value".to_string()))?;
    match version {
        VERSION => Ok(Cow::Borrowed(body)),
        OLDEST_READABLE..VERSION => match missing_last_fields(tree, key, version, body) {
            0 => Ok(Cow::Borrowed(body)),
            missing => {
                let mut upgraded = Vec::with_capacity(body.len() + missing);
                upgraded.extend_from_slice(body);
                upgraded.resize(body.len() + missing, 0);
                Ok(Cow::Owned(upgraded))
            }
        },
        _ => Err(corrupt(
            tree,
            key,
            format!(
                "value format version {version}, this program reads versions {OLDEST_READABLE} to {VERSION}"
            ),
        )),
    }
}

/// How many last fields a value of `version` (its `body` after the
/// version byte) lacks, each of them empty when absent and empty encoded
/// as one 0x00 (the varint length of an empty string, or `None`).
fn missing_last_fields(tree: TreeId, key: &[u8], version: u8, body: &[u8]) -> usize {
    let missing = match tree {
        TreeId::Messages | TreeId::Archive => MESSAGE_FIELDS_SINCE
            .iter()
            .map(|since| u8::from(version < *since))
            .sum(),
        TreeId::AdminObjects if key.starts_with(ADMIN_ACCOUNT_PREFIX) => {
            u8::from(version < ACCOUNT_SECRET)
                + u8::from(version < ACCOUNT_SENDERS)
                + 2 * u8::from(version < ACCOUNT_LISTS)
                + u8::from(version < ACCOUNT_TIME_ZONE)
                + u8::from(version < ACCOUNT_EMAIL)
                + u8::from(version < ACCOUNT_LOW_BALANCE)
                + u8::from(version < ACCOUNT_LANGUAGE)
        }
        TreeId::AdminObjects if key.starts_with(ADMIN_ROUTE_PREFIX) => {
            u8::from(version < ROUTE_POLICY && body.first() == Some(&ROUTE_PRESENT_VARIANT))
        }
        TreeId::Inbox => 2 * u8::from(version < INBOX_DESTINATION),
        TreeId::RouteQuality => u8::from(version < QUALITY_SENDER_REWRITTEN),
        _ => 0,
    };
    usize::from(missing)
}

/// A ledger value: entries in the current layout, or, written before
/// version 4, in the layout without `reason`.
pub fn decode_ledger(
    tree: TreeId,
    key: &[u8],
    bytes: &[u8],
) -> Result<Vec<LedgerEntry>, StoreError> {
    match bytes.first() {
        Some(&version) if (OLDEST_READABLE..LEDGER_REASON).contains(&version) => {
            let old: Vec<LedgerEntryWithoutReason> = decode_entries(tree, key, bytes)?;
            Ok(old.into_iter().map(LedgerEntry::from).collect())
        }
        _ => decode_entries(tree, key, bytes),
    }
}

fn decode_one<T: DeserializeOwned>(
    tree: TreeId,
    key: &[u8],
    body: &[u8],
) -> Result<(T, usize), StoreError> {
    let decoded = if holds_large_values(tree) {
        bincode::serde::decode_from_slice(body, BINCODE_LARGE)
    } else {
        bincode::serde::decode_from_slice(body, BINCODE)
    };
    decoded.map_err(|error| corrupt(tree, key, error.to_string()))
}

fn corrupt(tree: TreeId, key: &[u8], reason: String) -> StoreError {
    StoreError::Corrupt {
        tree: tree.name(),
        key: KeyHex(key.to_vec()),
        reason,
    }
}

/// The key in `meta` of the end of the reserved numbers (`sequence`).
pub const SEQUENCE_KEY: &[u8] = b"sequence";

/// The key in `meta` of how far the indexing by number of the messages
/// stored before that index got (`number_index`).
pub const OLD_MESSAGES_KEY: &[u8] = b"old_messages";

pub fn message_key(id: MessageId) -> [u8; 8] {
    id.to_be_bytes()
}

/// The message id a key of `messages` or `archive` holds.
pub fn decode_message_key(tree: TreeId, key: &[u8]) -> Result<MessageId, StoreError> {
    <[u8; 8]>::try_from(key)
        .map(MessageId::from_be_bytes)
        .map_err(|_| {
            corrupt(
                tree,
                key,
                format!("a message key has 8 bytes, this one {}", key.len()),
            )
        })
}

pub fn account_key(account: &AccountId) -> Vec<u8> {
    account.as_str().as_bytes().to_vec()
}

/// `name 0x00`: the prefix of every key belonging to one account (ledger,
/// mailbox).
pub fn account_prefix(account: &AccountId) -> Vec<u8> {
    let mut key = Vec::with_capacity(account.as_str().len() + 9);
    key.extend_from_slice(account.as_str().as_bytes());
    key.push(0);
    key
}

/// `prefix` followed by `sequence` big-endian.
pub fn sequenced_key(prefix: &[u8], sequence: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + 8);
    key.extend_from_slice(prefix);
    key.extend_from_slice(&sequence.to_be_bytes());
    key
}

/// The sequence number at the end of a key made by `sequenced_key`.
pub fn decode_sequence(tree: TreeId, key: &[u8], prefix_len: usize) -> Result<u64, StoreError> {
    key.get(prefix_len..)
        .and_then(|tail| <[u8; 8]>::try_from(tail).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| StoreError::Corrupt {
            tree: tree.name(),
            key: KeyHex(key.to_vec()),
            reason: format!("expected {prefix_len} bytes of prefix and an 8-byte sequence number"),
        })
}

/// `number 0x00`: the prefix of every `number_messages` key of one
/// number (`number` as `Address::comparable` gives it, never holding
/// 0x00, so "3460" never sees "34600").
pub fn number_prefix(number: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(number.len() + 9 + AccountId::MAX_LEN);
    key.extend_from_slice(number.as_bytes());
    key.push(0);
    key
}

/// `number 0x00 id account`: a message's entry in `number_messages`. The
/// id right after the number makes key order id order within a number
/// (read backwards: newest first); the account last lets a search of one
/// account skip the others' entries without reading their messages.
pub fn number_key(number: &str, id: MessageId, account: &AccountId) -> Vec<u8> {
    let mut key = number_prefix(number);
    key.extend_from_slice(&id.to_be_bytes());
    key.extend_from_slice(account.as_str().as_bytes());
    key
}

/// The message id and account of a `number_messages` key under a prefix
/// of `prefix_len` bytes.
pub fn decode_number_key(
    tree: TreeId,
    key: &[u8],
    prefix_len: usize,
) -> Result<(MessageId, AccountId), StoreError> {
    let id = decode_sequence(tree, key.get(..prefix_len + 8).unwrap_or(key), prefix_len)?;
    let account = key
        .get(prefix_len + 8..)
        .and_then(|tail| std::str::from_utf8(tail).ok())
        .and_then(|text| AccountId::new(text).ok())
        .ok_or_else(|| corrupt(tree, key, "no account id after the message id".to_string()))?;
    Ok((MessageId::new(id), account))
}

pub fn upstream_key(gateway: &GatewayName, upstream: &UpstreamId) -> Vec<u8> {
    let mut key = Vec::with_capacity(gateway.as_str().len() + 1 + upstream.as_str().len());
    key.extend_from_slice(gateway.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(upstream.as_str().as_bytes());
    key
}

/// `gateway 0x00 fingerprint`: an MO message's key, the same every time
/// the same message is read, so storing it again overwrites it.
pub fn inbound_key(gateway: &GatewayName, fingerprint: &str) -> Vec<u8> {
    let mut key = gateway_prefix(gateway);
    key.extend_from_slice(fingerprint.as_bytes());
    key
}

/// The prefix of every stored account in `admin_objects`.
pub const ADMIN_ACCOUNT_PREFIX: &[u8] = b"account\0";
/// The prefix of every stored route in `admin_objects`.
pub const ADMIN_ROUTE_PREFIX: &[u8] = b"route\0";
/// The prefix of every stored gateway in `admin_objects`.
pub const ADMIN_GATEWAY_PREFIX: &[u8] = b"gateway\0";
/// The prefix of every stored MO route in `admin_objects`.
pub const ADMIN_MO_ROUTE_PREFIX: &[u8] = b"mo_route\0";
/// The prefix of every stored autoreply rule in `admin_objects`.
pub const ADMIN_AUTOREPLY_PREFIX: &[u8] = b"autoreply\0";
/// The prefix of every stored poll in `admin_objects`.
pub const ADMIN_POLL_PREFIX: &[u8] = b"poll\0";
/// The prefix of every stored content rule in `admin_objects`.
pub const ADMIN_CONTENT_RULE_PREFIX: &[u8] = b"content_rule\0";
/// The key in `admin_objects` of the generated admin password's hash.
pub const ADMIN_PASSWORD_KEY: &[u8] = b"admin_password";

/// `account 0x00 system_id`.
pub fn admin_account_key(system_id: &str) -> Vec<u8> {
    let mut key = ADMIN_ACCOUNT_PREFIX.to_vec();
    key.extend_from_slice(system_id.as_bytes());
    key
}

/// `prefix name`: an autoreply rule's or a poll's key in `admin_objects`.
pub fn admin_named_key(prefix: &[u8], name: &str) -> Vec<u8> {
    let mut key = prefix.to_vec();
    key.extend_from_slice(name.as_bytes());
    key
}

/// `poll 0x00`: the prefix of every vote in one poll. Poll ids never
/// hold 0x00.
pub fn poll_prefix(poll: &str) -> Vec<u8> {
    let mut key = poll.as_bytes().to_vec();
    key.push(0);
    key
}

/// `poll 0x00 voter`: one key per voter and poll, so a later vote
/// replaces the earlier.
pub fn vote_key(poll: &str, voter: &str) -> Vec<u8> {
    let mut key = poll_prefix(poll);
    key.extend_from_slice(voter.as_bytes());
    key
}

/// `gateway 0x00 name`.
pub fn admin_gateway_key(name: &str) -> Vec<u8> {
    let mut key = ADMIN_GATEWAY_PREFIX.to_vec();
    key.extend_from_slice(name.as_bytes());
    key
}

/// `content_rule 0x00 name`.
pub fn admin_content_rule_key(name: &str) -> Vec<u8> {
    let mut key = ADMIN_CONTENT_RULE_PREFIX.to_vec();
    key.extend_from_slice(name.as_bytes());
    key
}

/// `mo_route 0x00 number 0x00 KEYWORD`: one key per (number, keyword)
/// without regard to the keyword's case, as routing compares it.
pub fn admin_mo_route_key(number: &str, keyword: Option<&str>) -> Vec<u8> {
    let mut key = ADMIN_MO_ROUTE_PREFIX.to_vec();
    key.extend_from_slice(number.as_bytes());
    key.push(0);
    if let Some(keyword) = keyword {
        key.extend_from_slice(keyword.to_uppercase().as_bytes());
    }
    key
}

/// `route 0x00 prefix 0x00 account 0x00 account ...`: digits and printable
/// ASCII, so 0x00 separates them unambiguously.
pub fn admin_route_key(route: &RouteKey) -> Vec<u8> {
    let mut key = ADMIN_ROUTE_PREFIX.to_vec();
    key.extend_from_slice(route.prefix.as_bytes());
    for account in &route.accounts {
        key.push(0);
        key.extend_from_slice(account.as_bytes());
    }
    key
}

/// `gateway 0x00`: the prefix of every key belonging to one gateway.
pub fn gateway_prefix(gateway: &GatewayName) -> Vec<u8> {
    let mut key = gateway.as_str().as_bytes().to_vec();
    key.push(0);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;

    #[test]
    fn values_round_trip_behind_a_version_byte() {
        let key = b"demo";
        let bytes = encode(TreeId::Balances, key, &Money::from_micros(-1_250_000)).unwrap();
        assert_eq!(bytes[0], VERSION);
        assert_eq!(
            decode::<Money>(TreeId::Balances, key, &bytes).unwrap(),
            Money::from_micros(-1_250_000)
        );
    }

    #[test]
    fn each_encoding_is_exactly_its_own_bytes_after_larger_and_failed_ones() {
        let key = b"k";
        let large = "x".repeat(100 * 1024);
        let small = "hello".to_string();
        let first = encode(TreeId::Outbox, key, &large).unwrap();
        let too_long = encode(TreeId::Balances, key, &large).unwrap_err();
        assert!(matches!(too_long, StoreError::Encode { .. }), "{too_long}");
        let entry = encode_entry(TreeId::Ledger, key, &small).unwrap();
        let value = encode(TreeId::Balances, key, &small).unwrap();
        assert_eq!(
            decode::<String>(TreeId::Outbox, key, &first).unwrap(),
            large
        );
        assert_eq!(entry.len(), entry.capacity());
        assert_eq!(entry, [&[5][..], b"hello"].concat());
        assert_eq!(value.len(), value.capacity());
        assert_eq!(value, [&[VERSION, 5][..], b"hello"].concat());
    }

    #[test]
    fn bad_values_are_corrupt_errors_naming_tree_and_key() {
        let key = b"demo";
        let good = encode(TreeId::Balances, key, &Money::from_micros(5)).unwrap();
        let mut wrong_version = good.clone();
        wrong_version[0] = VERSION + 1;
        let mut trailing = good.clone();
        trailing.push(0);
        // A length prefix claiming far more than the limit.
        let huge_string = [VERSION, 253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        for (bytes, expected) in [
            (&[][..], "empty value"),
            (&wrong_version[..], "version 16"),
            (&trailing[..], "left over"),
            (&good[..1], ""),
        ] {
            let error = decode::<Money>(TreeId::Balances, key, bytes).unwrap_err();
            let text = error.to_string();
            assert!(
                matches!(
                    error,
                    StoreError::Corrupt {
                        tree: "balances",
                        ..
                    }
                ),
                "{text}"
            );
            assert!(
                text.contains("64656d6f (demo)") && text.contains(expected),
                "{text}"
            );
        }
        assert!(matches!(
            decode::<String>(TreeId::Messages, &[0; 8], &huge_string),
            Err(StoreError::Corrupt {
                tree: "messages",
                ..
            })
        ));
    }

    #[test]
    fn older_messages_read_with_their_missing_fields_empty() {
        use crate::model::{Address, Message, MessageId};
        let mut message = Message::new(
            MessageId::new(9),
            AccountId::new("demo").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            Address::alphanumeric("Shop").unwrap(),
            b"hi".to_vec(),
            chrono::DateTime::from_timestamp_nanos(0),
        );
        let key = message_key(message.id);
        let current = encode(TreeId::Messages, &key, &message).unwrap();
        // Versions 1, 2, 3 to 6 and 7 to 8 were the same bytes without
        // the last four, three, two and one fields.
        assert_eq!(current[current.len() - 4..], [0, 0, 0, 0]);
        for (version, missing) in [(1u8, 4), (2, 3), (3, 2), (6, 2), (7, 1), (8, 1)] {
            let mut old = current[..current.len() - missing].to_vec();
            old[0] = version;
            for tree in [TreeId::Messages, TreeId::Archive] {
                assert_eq!(decode::<Message>(tree, &key, &old).unwrap(), message);
            }
        }
        message.service_type = "WAP".to_owned();
        let bytes = encode(TreeId::Messages, &key, &message).unwrap();
        assert_eq!(
            decode::<Message>(TreeId::Messages, &key, &bytes).unwrap(),
            message
        );
        // Other trees' version-1 values are read as they are.
        let mut balance = encode(TreeId::Balances, b"demo", &Money::from_micros(7)).unwrap();
        balance[0] = 1;
        assert_eq!(
            decode::<Money>(TreeId::Balances, b"demo", &balance).unwrap(),
            Money::from_micros(7)
        );
    }

    #[test]
    fn the_largest_content_rule_a_check_allows_fits_one_record() {
        use crate::checks::content::{
            ContentAction, ContentRule, MAX_RULE_BYTES, MAX_WORD_LEN, Matching,
        };
        use crate::store::StoredContentRule;
        let word = "𝔵".repeat(MAX_WORD_LEN);
        let mut rule = ContentRule {
            name: "n".repeat(64),
            matching: Matching::Words(Vec::new()),
            accounts: vec!["a".repeat(15)],
            action: ContentAction::Hold,
            description: Some("d".repeat(100)),
            enabled: true,
        };
        let words = |rule: &mut ContentRule| match &mut rule.matching {
            Matching::Words(words) => words.len(),
            Matching::Pattern(_) => 0,
        };
        // Words of 200 four-byte characters, then one-letter words (the
        // most length prefixes per byte), each as many as the check allows.
        for word in [word, "w".to_owned()] {
            loop {
                let mut longer = rule.clone();
                if let Matching::Words(list) = &mut longer.matching {
                    list.push(word.clone());
                }
                if longer.check().is_err() {
                    break;
                }
                rule = longer;
            }
        }
        assert!(words(&mut rule) > 1);
        let stored = StoredContentRule {
            name: rule.name.clone(),
            rule: Some(rule.clone()),
        };
        let key = admin_content_rule_key(&stored.name);
        let bytes = encode(TreeId::AdminObjects, &key, &stored).unwrap();
        assert!(bytes.len() <= MAX_VALUE_LEN, "{} bytes", bytes.len());
        assert!(bytes.len() > MAX_RULE_BYTES / 2);
        assert_eq!(
            decode::<StoredContentRule>(TreeId::AdminObjects, &key, &bytes).unwrap(),
            stored
        );
    }

    #[test]
    fn ledger_values_before_version_4_read_without_a_reason() {
        use crate::store::{LedgerEntry, LedgerKind};
        let key = b"demo\0";
        let entry = LedgerEntry {
            account: AccountId::new("demo").unwrap(),
            kind: LedgerKind::TopUp,
            delta: Money::from_micros(5),
            balance: Money::from_micros(5),
            message: None,
            at: chrono::DateTime::from_timestamp_nanos(0),
            reason: None,
        };
        // The old layout is the new one without the last field (`None`, one 0x00).
        let new = encode_entry(TreeId::Ledger, key, &entry).unwrap();
        let old_entry = &new[..new.len() - 1];
        let mut old = vec![3];
        old.extend_from_slice(old_entry);
        old.extend_from_slice(old_entry);
        assert_eq!(
            decode_ledger(TreeId::Ledger, key, &old).unwrap(),
            [entry.clone(), entry.clone()]
        );
        let explained = LedgerEntry {
            reason: Some("goodwill".into()),
            ..entry
        };
        let mut current = vec![VERSION];
        current.extend(encode_entry(TreeId::Ledger, key, &explained).unwrap());
        assert_eq!(
            decode_ledger(TreeId::Ledger, key, &current).unwrap(),
            [explained]
        );
    }

    #[test]
    fn older_stored_accounts_read_with_their_missing_fields_empty() {
        use crate::store::StoredAccount;
        let account = StoredAccount {
            system_id: "acme".into(),
            password: crate::auth::PasswordHash::from_stored("$argon2id$x".into()),
            tps: 5,
            max_binds: 2,
            allowed_ips: vec!["127.0.0.0/8".into()],
            suspended: false,
            callback_url: Some("http://127.0.0.1:9/dlr".into()),
            callback_secret: None,
            allowed_senders: Vec::new(),
            traffic: Default::default(),
            opt_outs: None,
            time_zone: None,
            email: None,
            low_balance: None,
            language: None,
        };
        let key = admin_account_key("acme");
        let current = encode(TreeId::AdminObjects, &key, &account).unwrap();
        // Version 4 lacks the eight last fields, version 5 seven, versions
        // 6 and 7 `traffic`, `opt_outs`, `time_zone`, `email`,
        // `low_balance` and `language`, versions 8 and 9 the last four,
        // versions 10 and 11 the last three, version 12 the last two,
        // version 13 `language`.
        for (version, missing) in [
            (4, 8),
            (5, 7),
            (6, 6),
            (7, 6),
            (8, 4),
            (9, 4),
            (10, 3),
            (11, 3),
            (12, 2),
            (13, 1),
        ] {
            let mut old = current[..current.len() - missing].to_vec();
            old[0] = version;
            assert_eq!(
                decode::<StoredAccount>(TreeId::AdminObjects, &key, &old).unwrap(),
                account
            );
        }
        let signed = StoredAccount {
            callback_secret: Some("s3cret".into()),
            allowed_senders: vec!["Shop".into(), "34911000000".into()],
            ..account
        };
        let bytes = encode(TreeId::AdminObjects, &key, &signed).unwrap();
        assert_eq!(
            decode::<StoredAccount>(TreeId::AdminObjects, &key, &bytes).unwrap(),
            signed
        );
        // Other admin objects of version 4 are read as they are.
        let route = crate::store::StoredRoute::Deleted {
            key: RouteKey {
                prefix: "44".into(),
                accounts: vec!["*".into()],
            },
        };
        let route_key = admin_route_key(route.key());
        let mut old_route = encode(TreeId::AdminObjects, &route_key, &route).unwrap();
        old_route[0] = 4;
        assert_eq!(
            decode::<crate::store::StoredRoute>(TreeId::AdminObjects, &route_key, &old_route)
                .unwrap(),
            route
        );
    }

    #[test]
    fn stored_routes_before_version_15_read_with_no_policy() {
        use crate::config::{RouteMode, RoutePolicy};
        use crate::store::StoredRoute;
        let key = RouteKey {
            prefix: "34".into(),
            accounts: vec!["*".into()],
        };
        let route_key = admin_route_key(&key);
        let present = StoredRoute::Present {
            key: key.clone(),
            gateways: vec!["good".into(), "cheap".into()],
            weights: Some(vec![3, 1]),
            price: Money::from_micros(50_000),
            policy: None,
        };
        // Version 14's layout, written out: variant 0 (`Present`), the
        // key (prefix, accounts), the gateways, `Some` weights, the price
        // (a varint of micros, zigzag), and nothing after it.
        let mut version_14 = vec![14, 0, 2, b'3', b'4', 1, 1, b'*', 2, 4];
        version_14.extend_from_slice(b"good");
        version_14.push(5);
        version_14.extend_from_slice(b"cheap");
        version_14.extend_from_slice(&[1, 2, 3, 1]);
        let price = encode_entry(
            TreeId::AdminObjects,
            &route_key,
            &Money::from_micros(50_000),
        )
        .unwrap();
        version_14.extend_from_slice(&price);
        assert_eq!(
            decode::<StoredRoute>(TreeId::AdminObjects, &route_key, &version_14).unwrap(),
            present
        );
        let deleted = StoredRoute::Deleted { key: key.clone() };
        let mut deleted_14 = vec![14, 1, 2, b'3', b'4', 1, 1, b'*'];
        assert_eq!(
            decode::<StoredRoute>(TreeId::AdminObjects, &route_key, &deleted_14).unwrap(),
            deleted
        );
        deleted_14[0] = VERSION;
        assert_eq!(
            decode::<StoredRoute>(TreeId::AdminObjects, &route_key, &deleted_14).unwrap(),
            deleted
        );
        let least_cost = StoredRoute::Present {
            key,
            gateways: vec!["good".into(), "cheap".into()],
            weights: None,
            price: Money::from_micros(50_000),
            policy: Some(RoutePolicy {
                mode: RouteMode::LeastCost,
                min_delivery_ratio: Some(0.8),
                max_latency_p95: Some(std::time::Duration::from_millis(30_500)),
                max_cost: Some(Money::from_micros(20_000)),
            }),
        };
        let bytes = encode(TreeId::AdminObjects, &route_key, &least_cost).unwrap();
        assert_eq!(
            decode::<StoredRoute>(TreeId::AdminObjects, &route_key, &bytes).unwrap(),
            least_cost
        );
    }

    #[test]
    fn quality_buckets_before_version_11_read_with_no_rewritten_sender() {
        use crate::quality::Counts;
        let counts = Counts {
            accepted: 3,
            probes: 2,
            probes_arrived: 1,
            ..Counts::default()
        };
        let key = b"bucket";
        let current = encode(TreeId::RouteQuality, key, &counts).unwrap();
        // The old layout is the new one without the last field (a zero).
        let mut old = current[..current.len() - 1].to_vec();
        old[0] = QUALITY_SENDER_REWRITTEN - 1;
        assert_eq!(
            decode::<Counts>(TreeId::RouteQuality, key, &old).unwrap(),
            counts
        );
        let rewritten = Counts {
            probes_sender_rewritten: 1,
            ..counts
        };
        let bytes = encode(TreeId::RouteQuality, key, &rewritten).unwrap();
        assert_eq!(
            decode::<Counts>(TreeId::RouteQuality, key, &bytes).unwrap(),
            rewritten
        );
    }

    #[test]
    fn inbox_values_before_their_destination_read_without_one() {
        use crate::store::InboundMessage;
        let at = chrono::DateTime::from_timestamp_nanos(0);
        let message = InboundMessage {
            destination: None,
            ..InboundMessage::example("up", "f", "hi", at)
        };
        let key = inbound_key(&message.gateway, &message.fingerprint);
        let current = encode(TreeId::Inbox, &key, &message).unwrap();
        // The old layout is the new one without the last two fields (`None`).
        let mut old = current[..current.len() - 2].to_vec();
        old[0] = INBOX_DESTINATION - 1;
        assert_eq!(
            decode::<InboundMessage>(TreeId::Inbox, &key, &old).unwrap(),
            message
        );
        let addressed = InboundMessage {
            destination: Some("12345".to_owned()),
            part: Some(crate::store::MoPart {
                reference: 300,
                total: 3,
                seq: 2,
            }),
            ..message
        };
        let bytes = encode(TreeId::Inbox, &key, &addressed).unwrap();
        assert_eq!(
            decode::<InboundMessage>(TreeId::Inbox, &key, &bytes).unwrap(),
            addressed
        );
    }

    #[test]
    fn entries_decode_back_to_back() {
        let key = b"demo";
        let mut bytes = vec![VERSION];
        for micros in [1, -2, 300_000] {
            bytes.extend(encode_entry(TreeId::Ledger, key, &Money::from_micros(micros)).unwrap());
        }
        let entries: Vec<Money> = decode_entries(TreeId::Ledger, key, &bytes).unwrap();
        assert_eq!(entries, [1, -2, 300_000].map(Money::from_micros));
        assert!(decode_entries::<Money>(TreeId::Ledger, key, &[VERSION]).is_err());
        let truncated = &bytes[..bytes.len() - 1];
        assert!(matches!(
            decode_entries::<Money>(TreeId::Ledger, key, truncated),
            Err(StoreError::Corrupt { tree: "ledger", .. })
        ));
    }

    #[test]
    fn oversized_values_are_refused() {
        let big = vec![7u8; MAX_VALUE_LEN];
        assert!(matches!(
            encode(TreeId::Messages, &[0; 8], &big),
            Err(StoreError::Encode {
                tree: "messages",
                ..
            })
        ));
    }

    #[test]
    fn number_keys_sort_by_number_then_id_and_decode_back() {
        let demo = AccountId::new("demo").unwrap();
        let shop = AccountId::new("shop").unwrap();
        let key = |number, id, account| number_key(number, MessageId::new(id), account);
        // One number's keys: id order, whatever the account; a longer
        // number is never under a shorter one's prefix.
        assert!(key("3460", 9, &shop) < key("3460", 10, &demo));
        assert!(key("3460", 255, &demo) < key("3460", 256, &demo));
        assert!(key("3460", u64::MAX, &shop).starts_with(&number_prefix("3460")));
        assert!(!key("34600", 1, &demo).starts_with(&number_prefix("3460")));
        let prefix = number_prefix("34600123456");
        let entry = key("34600123456", 300, &shop);
        assert_eq!(
            decode_number_key(TreeId::NumberMessages, &entry, prefix.len()).unwrap(),
            (MessageId::new(300), shop)
        );
        for damaged in [&entry[..prefix.len() + 8], &entry[..prefix.len() + 3]] {
            assert!(matches!(
                decode_number_key(TreeId::NumberMessages, damaged, prefix.len()),
                Err(StoreError::Corrupt {
                    tree: "number_messages",
                    ..
                })
            ));
        }
    }

    #[test]
    fn account_prefixes_do_not_overlap() {
        let a = account_prefix(&AccountId::new("a").unwrap());
        let ab = account_prefix(&AccountId::new("ab").unwrap());
        assert!(!sequenced_key(&ab, 0).starts_with(&a));
        assert!(sequenced_key(&a, u64::MAX).starts_with(&a));
        assert!(sequenced_key(&a, 1) < sequenced_key(&a, 256));
        assert_eq!(
            decode_sequence(TreeId::Ledger, &sequenced_key(&a, 300), a.len()).unwrap(),
            300
        );
        assert!(decode_sequence(TreeId::Ledger, &a, a.len()).is_err());
        assert!(decode_message_key(TreeId::Messages, &[1, 2, 3]).is_err());
    }
}
