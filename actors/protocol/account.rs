//! The account actor's messages: submissions and their answers, final
//! states, MO messages routed to it, the binds of its sessions and their
//! mailbox deliveries, and the operator's changes of terms and credit;
//! [`AccountHandle`] is where each of them is sent.

use std::collections::HashMap;
use std::time::Instant;

use actix::Recipient;

use crate::campaigns;
use crate::checks::CheckRefusal;
use crate::checks::sender::{AllowedSenders, Sender};
use crate::intake::Submission;
use crate::lists::ListedNumber;
use crate::lists::dnd::Traffic;
use crate::lists::opt_out::OptOutSettings;
use crate::model::{AccountId, Address, CampaignId, Message, MessageId, Money};
use crate::smpp::CommandStatus;
use crate::store::{InboundMessage, LedgerEntry, ListedBy, MailboxKey, StoreError};

/// Where each message an account actor takes goes: one recipient per
/// message, so a sender needs no account type.
#[derive(Clone)]
pub struct AccountHandle {
    pub submit: Recipient<Submit>,
    pub finished: Recipient<Finished>,
    pub route_mo: Recipient<RouteMo>,
    pub bind: Recipient<Bind>,
    pub unbound: Recipient<Unbound>,
    pub configure: Recipient<Configure>,
    pub adjust_credit: Recipient<AdjustCredit>,
    pub change_opt_outs: Recipient<ChangeOptOuts>,
}

/// Identifies one ESME session for as long as the process runs.
pub type SessionId = u64;

/// What the operator sets for an account and its actor enforces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    /// Message parts per second, 0 = unlimited.
    pub tps: u32,
    /// SMPP sessions bound at once.
    pub max_binds: u32,
    /// Binds and submissions refused.
    pub suspended: bool,
    /// Where receipts are POSTed unless the message names its own callback.
    pub callback_url: Option<String>,
    /// The HMAC key callbacks to `callback_url` are signed with (the
    /// callbacks actor holds a copy; see `callbacks::SetSecret`).
    pub callback_secret: Option<String>,
    /// The senders its submissions may have; empty = any (ESME_RINVSRCADR
    /// otherwise).
    pub allowed_senders: AllowedSenders,
    /// Promotional traffic is refused for numbers on the DND registry.
    pub traffic: Traffic,
    /// The stop/start/help words, their answers, what a STOP covers.
    pub opt_outs: OptOutSettings,
    /// Where its campaigns' start times and quiet hours are read.
    pub time_zone: chrono_tz::Tz,
    /// Where its notifications are mailed (low balance, a campaign
    /// finished); none without it.
    pub email: Option<String>,
    /// Its own low-balance threshold, in place of `mail.low_balance`.
    pub low_balance: Option<Money>,
    /// What its mails are written in.
    pub language: crate::model::Lang,
}

/// Accept a submission; the answer goes to `reply` once it is durable (or
/// refused).
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Submit {
    pub submission: Submission,
    pub sequence_number: u32,
    pub reply: Reply,
    /// When the PDU or request was read: `pasarela_accept_seconds` runs
    /// from here to the durable acknowledgement.
    pub received: Instant,
    /// Who asked for it: a customer, or the switch answering an MO.
    pub by: SubmittedBy,
}

/// Who a [`Submit`] comes from, which decides the checks it passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmittedBy {
    /// A customer over SMPP, HTTP or Kannel's sendsms: every check at
    /// accept applies.
    Customer,
    /// The switch answering an MO for the account (an opt-out's
    /// confirmation, a keyword's autoreply, a service's answer): sent from
    /// the number the MO was sent to, to the phone that sent it, so the
    /// sender, opt-out and DND checks do not apply (the phone asked); the
    /// content rules, the TPS and the credit do.
    Reply,
    /// A campaign's actor, for one recipient: every check applies, and a
    /// recipient the opt-out, DND or content check refuses is recorded as
    /// skipped (answered `Accepted` with no ids, once durable). Its
    /// messages carry the campaign; the recipient's outcome and the
    /// campaign's tally are written in their batch.
    Campaign(Box<CampaignTurn>),
}

impl SubmittedBy {
    /// Whether the checks of a customer's own submission apply (sender,
    /// opt-outs, DND).
    pub fn checks_customer(&self) -> bool {
        matches!(self, SubmittedBy::Customer | SubmittedBy::Campaign(_))
    }

    /// The campaign turn, when a campaign submits.
    pub fn campaign(&self) -> Option<&CampaignTurn> {
        match self {
            SubmittedBy::Campaign(turn) => Some(turn),
            _ => None,
        }
    }
}

/// One recipient's turn in a campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignTurn {
    pub campaign: CampaignId,
    /// The recipient's place in the campaign.
    pub index: u64,
    /// As stored; written back with its outcome.
    pub recipient: campaigns::Recipient,
    /// The campaign's sender: an MO to it from the recipient within
    /// `reply_window_hours` is a reply.
    pub from: Address,
    pub reply_window_hours: u32,
}

/// Where the answer to a [`Submit`] goes.
pub enum Reply {
    /// An ESME session, which answers submit_sm in its own order.
    Session(Recipient<Submitted>),
    /// One HTTP request waiting for it.
    Request(tokio::sync::oneshot::Sender<Submitted>),
}

impl Reply {
    /// Hands `submitted` to whoever waits for it.
    pub fn send(self, submitted: Submitted) {
        match self {
            Reply::Session(session) => session.do_send(submitted),
            // A request whose client has gone is answered to nobody; what
            // was accepted stays accepted.
            Reply::Request(request) => drop(request.send(submitted)),
        }
    }
}

/// The answer to [`Submit`]: what was stored and charged, or why not.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Submitted {
    pub sequence_number: u32,
    pub result: Result<Accepted, Refused>,
}

/// Why a submission was not accepted: the SMPP status it answers, and the
/// check at accept that refused it when one did (the HTTP problem document
/// names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: CommandStatus,
    pub check: Option<CheckRefusal>,
}

impl From<CommandStatus> for Refused {
    fn from(status: CommandStatus) -> Refused {
        Refused {
            status,
            check: None,
        }
    }
}

impl From<CheckRefusal> for Refused {
    fn from(refusal: CheckRefusal) -> Refused {
        Refused {
            status: refusal.check.status(),
            check: Some(refusal),
        }
    }
}

/// A submission durably stored.
pub struct Accepted {
    /// Its parts, destination by destination.
    pub ids: Vec<MessageId>,
    /// What was reserved from the credit for it (`rating`).
    pub charged: Money,
}

/// An MO message in `inbox` that the MO routes give to this account: into
/// the mailbox (and the callback outbox) in one batch, then out to a
/// bound receiver.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct RouteMo {
    pub message: InboundMessage,
    /// The `inbox` records it is made of (a joined MO's parts), all
    /// removed in its batch; the first is the message's own fingerprint.
    pub records: Vec<String>,
    /// A keyword MO route (its keyword the MO's first word) chose the
    /// account: a help word is then that route's, not an opt-out command.
    pub keyword_routed: bool,
}

/// A message reached its final state (from the receipts actor, or
/// expired or cancelled before any SMSC had it). `refund`: no SMSC took
/// it, so its price goes back. `done`, when given, hears whether the batch
/// became durable. `forget_upstream_id`: the final state is the SMSC's own
/// receipt, so the upstream-id index entry goes in the same batch.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Finished {
    pub message: Message,
    pub refund: bool,
    pub done: Option<tokio::sync::oneshot::Sender<bool>>,
    pub forget_upstream_id: bool,
}

/// A mailbox item for a session to send as deliver_sm.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct DeliverOut {
    pub key: MailboxKey,
    pub outgoing: Outgoing,
    /// Where the session reports what became of it.
    pub account: Recipient<DeliverDone>,
}

/// What a [`DeliverOut`] carries.
pub enum Outgoing {
    /// A receipt, made from the message as it is now.
    Receipt(Box<Message>),
    /// An MO message routed to the account.
    Mo {
        id: MessageId,
        message: Box<InboundMessage>,
    },
}

/// What became of a [`DeliverOut`]: `delivered` when the ESME answered
/// deliver_sm_resp OK; otherwise it goes back to the mailbox.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct DeliverDone {
    pub key: MailboxKey,
    pub delivered: bool,
}

/// A session bound to this account.
#[derive(actix::Message)]
#[rtype(result = "Result<(), CommandStatus>")]
pub struct Bind {
    pub session: SessionId,
    pub receiver: Option<Recipient<DeliverOut>>,
    pub window: usize,
}

/// A session ended; what it held goes back to the mailbox.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Unbound {
    pub session: SessionId,
}

/// New terms from the operator, in force for the next bind and submission.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Configure {
    pub terms: Terms,
}

/// Add `amount` to the credit (negative: take it away), recorded in the
/// ledger with `reason`. Answered once durable.
#[derive(actix::Message)]
#[rtype(result = "Result<LedgerEntry, CreditRefused>")]
pub struct AdjustCredit {
    pub amount: Money,
    pub reason: String,
}

/// Why a change of credit was not made.
#[derive(Debug, thiserror::Error)]
pub enum CreditRefused {
    #[error("the balance is {balance}; it may not go below zero")]
    BelowZero { balance: Money },
    #[error("the change could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// The accounts in force, for the actors that finish messages (the
/// schedule, the receipts tracker): once the accounts exist (they start
/// after these actors), and again whenever the admin API adds one.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct AccountsInForce {
    pub finished: HashMap<AccountId, Recipient<Finished>>,
}

/// Entries added to or taken off the account's opt-outs through the API
/// (one, or a page of an import), in one batch; answered once durable.
/// MO stop and start words change the list in the MO's own batch instead.
#[derive(actix::Message)]
#[rtype(result = "Result<OptOutCounts, StoreError>")]
pub struct ChangeOptOuts {
    pub changes: Vec<OptOutChange>,
    pub by: ListedBy,
}

/// One change of an opt-out list: `sender` `None` is the entry that
/// covers every sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptOutChange {
    Add {
        number: ListedNumber,
        sender: Option<Sender>,
    },
    Remove {
        number: ListedNumber,
        sender: Option<Sender>,
    },
}

/// What a [`ChangeOptOuts`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OptOutCounts {
    /// Entries put on the list.
    pub added: u64,
    /// Entries to add that it had already.
    pub already: u64,
    /// Entries taken off.
    pub removed: u64,
    /// Entries to remove that it did not have.
    pub absent: u64,
}
