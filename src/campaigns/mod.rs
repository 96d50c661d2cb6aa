//! Campaigns (SPEC §6.2), the pure half: what a campaign is once made
//! ([`Definition`]), the life it goes through ([`State`] and the moves of
//! [`lifecycle`]), each recipient and what became of it ([`Recipient`],
//! [`Outcome`]), the results counted as it runs ([`Tally`]), its text
//! template ([`template`]) and when it may send ([`quiet_hours`]).
//!
//! A campaign's recipients are fixed when it is made: numbers, a CSV
//! file's rows or the contacts its groups and conditions select, each
//! with its text already filled in, stored in order. The campaign's actor
//! walks them; a recipient's outcome is stored in the batch that creates
//! its messages (or records its skip), so after a crash no recipient gets
//! two messages and none is skipped.

pub mod lifecycle;
pub mod quiet_hours;
pub mod submission;
pub mod template;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{AccountId, Address, CampaignId, MessageId, Money, timestamp};

pub use lifecycle::{Control, PauseReason, State};

/// How long after a campaign's message an MO from its recipient to its
/// sender counts as a reply to the campaign (and a stop word as the
/// campaign's opt-out), unless the campaign says otherwise.
pub const DEFAULT_REPLY_WINDOW_HOURS: u32 = 72;

/// A campaign as made: fixed from then on (its state and results are kept
/// apart, each written by the one actor that changes it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    /// Its id, from the store's sequence.
    pub id: CampaignId,
    /// Who sends it and pays for it.
    pub account: AccountId,
    /// The name its owner gave it.
    pub name: String,
    /// The sender of every message.
    pub from: Address,
    /// The text template as written; empty for a campaign made from a
    /// file of `number,text` rows.
    pub text: String,
    /// Where the recipients came from, as the request said.
    pub audience: Audience,
    /// Not before this time.
    #[serde(with = "timestamp::option")]
    pub start_at: Option<DateTime<Utc>>,
    /// Message parts per second at most; 0: as fast as the account's TPS.
    pub tps: u32,
    /// The daily window in which nothing is sent: from and to as HH:MM.
    pub quiet_hours: Option<QuietWindow>,
    /// The IANA zone of the quiet hours and of a start time without offset.
    pub time_zone: String,
    /// Each message's validity, in minutes from when it is created.
    pub validity_minutes: Option<u32>,
    /// An MO within this many hours of the recipient's message is a reply.
    pub reply_window_hours: u32,
    /// When it was made.
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    /// Recipients, skipped ones included.
    pub total: u64,
    /// What it was expected to cost when made.
    pub estimate: Estimate,
}

/// A campaign's quiet hours as given (`quiet_hours::QuietHours` once read
/// with the zone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietWindow {
    /// Quiet from (HH:MM).
    pub from: String,
    /// Until (HH:MM), the next day when earlier than `from`.
    pub to: String,
}

/// Where a campaign's recipients came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// Contact groups (their union).
    pub groups: Vec<String>,
    /// Conditions on the contacts' fields, as JSON text.
    pub conditions: Option<String>,
    /// Numbers given in the request.
    pub numbers: u64,
    /// Rows of an uploaded `number,text` file.
    pub file_rows: u64,
}

/// What the recipients' texts come to, counted when the campaign is made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    /// Message parts over every recipient.
    pub parts: u64,
    /// Recipients whose text fits GSM 03.38.
    pub gsm: u64,
    /// Recipients whose text needs UCS-2.
    pub ucs2: u64,
    /// Parts times each destination's route price; recipients no route
    /// covers cost nothing (their messages fail).
    pub cost: Money,
}

/// One recipient: the number and the text it gets, and once its turn has
/// come, what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// As given (a bad number is kept to be reported).
    pub number: String,
    /// Its text, the template filled in.
    pub text: String,
    /// `None` until its turn has come.
    pub outcome: Option<Outcome>,
}

/// What became of a recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Its message was created: `parts` parts from id `first` on.
    Sent {
        /// The id of its first part.
        first: MessageId,
        /// How many parts it has.
        parts: u32,
    },
    /// No message was created, for this reason.
    Skipped(SkipReason),
}

/// Why a recipient got no message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SkipReason {
    /// The number opted out of the account (or of the campaign's sender).
    OptedOut,
    /// On the DND registry, and the account's traffic is promotional.
    Dnd,
    /// Not a number a message can go to.
    Invalid,
    /// A content rule (`reject`) refused its text.
    Rule,
}

impl SkipReason {
    /// The name results and exports use.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::OptedOut => "opted_out",
            SkipReason::Dnd => "dnd",
            SkipReason::Invalid => "invalid",
            SkipReason::Rule => "rule",
        }
    }
}

/// A campaign's results as it runs, kept by its account's actor in the
/// batches that change them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Recipients whose message was created.
    pub sent: u64,
    /// Their message parts.
    pub parts: u64,
    /// Recipients whose message (its first part) reached a final state:
    /// delivered, or any other (undeliverable, expired, rejected, failed,
    /// unknown).
    pub delivered: u64,
    /// See `delivered`.
    pub failed: u64,
    /// Recipients given no message.
    pub skipped: Skipped,
    /// MO from a recipient to the campaign's sender within its reply
    /// window; stop words among them counted as opt-outs instead.
    pub replies: u64,
    /// Stop words from recipients within the reply window.
    pub opt_outs: u64,
    /// What its messages were charged, refunds taken back.
    pub cost: Money,
}

/// Recipients skipped, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// [`SkipReason::OptedOut`].
    pub opted_out: u64,
    /// [`SkipReason::Dnd`].
    pub dnd: u64,
    /// [`SkipReason::Invalid`].
    pub invalid: u64,
    /// [`SkipReason::Rule`].
    pub rule: u64,
}

impl Skipped {
    /// Counts one more skipped for `reason`.
    pub fn add(&mut self, reason: SkipReason) {
        let count = match reason {
            SkipReason::OptedOut => &mut self.opted_out,
            SkipReason::Dnd => &mut self.dnd,
            SkipReason::Invalid => &mut self.invalid,
            SkipReason::Rule => &mut self.rule,
        };
        *count += 1;
    }

    /// Every skipped recipient.
    pub fn total(&self) -> u64 {
        self.opted_out + self.dnd + self.invalid + self.rule
    }
}

impl Tally {
    /// Recipients whose turn has come: sent or skipped.
    pub fn done(&self) -> u64 {
        self.sent + self.skipped.total()
    }
}
