//! Records the store keeps beside messages: credit ledger entries and
//! mailbox items.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{AccountId, MessageId, Money, timestamp};

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
}

/// Something waiting for an account's receiver to bind (SPEC §3: a receipt
/// or MO for an account with no receiver bound is kept and delivered when it
/// binds). New kinds are added as new variants at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailboxItem {
    /// A delivery receipt for this message; its text is made from the
    /// message record when it is sent.
    Receipt { message: MessageId },
}

/// Where a mailbox item is kept: the account, and a sequence number that
/// orders the account's items as they were committed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailboxKey {
    pub account: AccountId,
    pub sequence: u64,
}
