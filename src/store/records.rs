//! Records the store keeps beside messages: credit ledger entries,
//! mailbox items, received (MO) messages and customers' API keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{AccountId, GatewayName, MessageId, Money, timestamp};

/// Why an account's credit changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LedgerKind {
    /// Charged when a message part is stored (SPEC §5 step 3).
    Reserve,
    /// Given back when a part fails before any SMSC took it.
    Refund,
    /// Credit added by an operator or the admin API.
    TopUp,
    /// Credit taken away by an operator through the admin API.
    Deduct,
}

/// One change of an account's credit. Entries are kept per account in the
/// order they were committed; `balance` after each lets an auditor check
/// the chain without replaying it from the start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub account: AccountId,
    pub kind: LedgerKind,
    /// The change: negative for a reservation, positive for a refund or a
    /// top-up.
    pub delta: Money,
    /// The balance after this change.
    pub balance: Money,
    /// The message part charged or refunded, if any.
    pub message: Option<MessageId>,
    #[serde(with = "timestamp")]
    pub at: DateTime<Utc>,
    /// Why an operator changed the credit (admin top-ups and deductions).
    pub reason: Option<String>,
}

/// A ledger entry as value versions 1 to 3 wrote it: without `reason`.
#[derive(Deserialize)]
pub(super) struct LedgerEntryWithoutReason {
    account: AccountId,
    kind: LedgerKind,
    delta: Money,
    balance: Money,
    message: Option<MessageId>,
    #[serde(with = "timestamp")]
    at: DateTime<Utc>,
}

impl From<LedgerEntryWithoutReason> for LedgerEntry {
    fn from(old: LedgerEntryWithoutReason) -> LedgerEntry {
        LedgerEntry {
            account: old.account,
            kind: old.kind,
            delta: old.delta,
            balance: old.balance,
            message: old.message,
            at: old.at,
            reason: None,
        }
    }
}

/// Something waiting for an account's receiver to bind (SPEC §3: a receipt
/// or MO for an account with no receiver bound is kept and delivered when it
/// binds). New kinds are added as new variants at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailboxItem {
    /// A delivery receipt for this message; its text is made from the
    /// message record when it is sent.
    Receipt { message: MessageId },
    /// An MO message routed to this account (README "Two-way: MO
    /// routing"), taken out of `inbox` in the batch that wrote this item:
    /// `id` names it in the account's callbacks and logs.
    Mo {
        id: MessageId,
        message: Box<InboundMessage>,
    },
}

/// Where a mailbox item is kept: the account, and a sequence number that
/// orders the account's items as they were committed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailboxKey {
    pub account: AccountId,
    pub sequence: u64,
}

/// A message received from a handset (MO), as a gateway read it: kept
/// in `inbox` until MO routing hands it to a customer's mailbox (an MO no
/// route claims stays). A modem stores concatenated parts joined, once
/// every part arrived (or, with `complete` false, once the rest stopped
/// coming); an SMPP upstream stores each part alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The gateway that received it.
    pub gateway: GatewayName,
    /// The record's key. From a modem, a fingerprint of the message: the
    /// same message read again after a restart is one record. From an SMPP
    /// upstream, the time received, the source and a sequence number: a
    /// deliver_sm carries nothing that tells a resend from a repeat.
    pub fingerprint: String,
    /// The originator (TP-OA) as sent: digits or an alphanumeric name.
    pub source: String,
    /// TP-DCS of the first part.
    pub dcs: u8,
    /// The parts' user data joined (no headers; septets one per octet).
    pub body: Vec<u8>,
    /// The body as text, when the alphabet has one.
    pub text: Option<String>,
    /// Parts joined into `body`.
    pub parts: u8,
    /// False when some parts never arrived.
    pub complete: bool,
    /// The service centre time stamp of the first part read.
    #[serde(with = "timestamp")]
    pub sent_at: DateTime<Utc>,
    #[serde(with = "timestamp")]
    pub received_at: DateTime<Utc>,
    /// The number it was sent to, as received: the deliver_sm's
    /// destination_addr, or a modem's configured `number`; `None` when the
    /// modem's number is not configured. MO routing reads it.
    pub destination: Option<String>,
    /// For one part of a concatenated MO stored on its own (from an SMPP
    /// upstream): its place, by which MO routing joins the parts.
    pub part: Option<MoPart>,
}

#[cfg(test)]
impl InboundMessage {
    /// A one-part text MO from 34699000000 to 12345, for unit tests.
    pub fn example(gateway: &str, fingerprint: &str, text: &str, at: DateTime<Utc>) -> Self {
        InboundMessage {
            gateway: GatewayName::new(gateway.to_owned()).unwrap(),
            fingerprint: fingerprint.to_owned(),
            source: "34699000000".to_owned(),
            dcs: 0,
            body: text.as_bytes().to_vec(),
            text: Some(text.to_owned()),
            parts: 1,
            complete: true,
            sent_at: at,
            received_at: at,
            destination: Some("12345".to_owned()),
            part: None,
        }
    }
}

/// One part's place in a concatenated MO, from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MoPart {
    /// The concatenation reference, 8-bit ones widened.
    pub reference: u16,
    pub total: u8,
    /// From 1 to `total`.
    pub seq: u8,
}

/// A customer's API key, stored under the SHA-256 of the key itself (the
/// key is shown once, at creation, and never stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// What the customer names the key by (to list and delete it).
    pub id: u64,
    pub account: AccountId,
    /// The customer's note ("billing server"), possibly empty.
    pub label: String,
    #[serde(with = "timestamp")]
    pub created: DateTime<Utc>,
}

/// A voter's last vote in a poll (`votes`, keyed by poll and voter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The option's code, as the poll spells it.
    pub option: String,
    /// When the MO with the vote was received.
    #[serde(with = "timestamp")]
    pub at: DateTime<Utc>,
    /// The MO's id (in the account's mailbox and callbacks).
    pub message: MessageId,
}
