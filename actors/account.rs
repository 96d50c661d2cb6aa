//! One actor per customer account: its TPS, its credit, its bound sessions
//! and its mailbox of receipts waiting for a receiver.
//!
//! Accepting a submission: TPS (ESME_RTHROTTLED over it) → rules hook
//! (none yet) → route per destination → price × parts reserved from credit
//! (ESME_RSUBMITFAIL when short) → messages, balance and ledger handed to
//! the store in one batch. The session is answered, and the messages handed
//! to their routes, only once that batch is durable. A destination no route
//! covers is accepted uncharged and fails at once with an UNDELIV receipt
//! (SPEC §3).
//!
//! Receipts: a finished message (from the receipts actor) is written with
//! its final state, any refund and a mailbox item in one batch; once durable
//! the item goes to a bound receiver, round robin, within each session's
//! window, and leaves the mailbox when the ESME acknowledges it. With no
//! receiver bound, items wait in the store and go out in order on bind.
//!
//! Supervised: after a panic the balance and mailbox are read back from
//! the store (behind a barrier commit, so every batch handed in before is
//! applied); bound sessions stay registered.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use slog::{Logger, error, warn};

use super::faults;
use super::route::{Dispatch, Route};
use super::supervision::guarded;
use crate::config::AccountConfig;
use crate::intake::Submission;
use crate::metrics;
use crate::model::{AccountId, Message, MessageId, MessageState, Money};
use crate::routing::RouteTable;
use crate::smpp::CommandStatus;
use crate::store::{Batch, LedgerEntry, LedgerKind, MailboxItem, MailboxKey, Store, StoreError};
use crate::throttle::Throttle;

/// Identifies one ESME session for as long as the process runs.
pub type SessionId = u64;

/// What an account needs from the rest of the switch.
pub struct AccountWiring {
    pub store: Arc<Store>,
    pub routes: Arc<RouteTable>,
    pub route_actors: Arc<Vec<Addr<Route>>>,
    pub logger: Logger,
}

pub struct Account {
    id: AccountId,
    wiring: AccountWiring,
    tps: u32,
    max_binds: u32,
    throttle: Option<Throttle>,
    metrics: metrics::AccountMetrics,
    balance: Money,
    sessions: HashMap<SessionId, Bound>,
    /// Items not yet handed to a session, in key (= queue) order.
    waiting: BTreeMap<MailboxKey, MessageId>,
    /// Items a session holds until the ESME acknowledges them.
    in_flight: HashMap<MailboxKey, (SessionId, MessageId)>,
    /// Where the round robin over receivers continues.
    next_receiver: usize,
}

struct Bound {
    /// Receivers and transceivers take deliver_sm; transmitters do not.
    receiver: Option<Recipient<ReceiptOut>>,
    window: usize,
    in_flight: usize,
}

impl Account {
    /// An account with the balance the store holds (the caller has created
    /// it at first start) and its stored mailbox queued.
    pub fn new(config: &AccountConfig, id: AccountId, wiring: AccountWiring) -> Account {
        let mut account = Account {
            metrics: metrics::global().account(&id),
            id,
            wiring,
            tps: config.tps,
            max_binds: config.max_binds,
            throttle: None,
            balance: Money::ZERO,
            sessions: HashMap::new(),
            waiting: BTreeMap::new(),
            in_flight: HashMap::new(),
            next_receiver: 0,
        };
        account.reload();
        account
    }

    /// Balance, throttle and waiting mailbox items from the store.
    fn reload(&mut self) {
        self.throttle = (self.tps > 0).then(|| Throttle::per_second(self.tps));
        match self.wiring.store.account_balance(&self.id) {
            Ok(balance) => self.balance = balance.unwrap_or(Money::ZERO),
            Err(error) => {
                error!(self.wiring.logger, "cannot read balance"; "account" => %self.id, "error" => %error)
            }
        }
        match self.wiring.store.mailbox(&self.id) {
            Ok(items) => {
                self.waiting = items
                    .into_iter()
                    .filter(|(key, _)| !self.in_flight.contains_key(key))
                    .map(|(key, MailboxItem::Receipt { message })| (key, message))
                    .collect();
            }
            Err(error) => {
                error!(self.wiring.logger, "cannot read mailbox"; "account" => %self.id, "error" => %error)
            }
        }
    }

    /// Puts an item back in the queue (its session is gone or the ESME
    /// refused it).
    fn requeue(&mut self, key: &MailboxKey) {
        if let Some((session, message)) = self.in_flight.remove(key) {
            if let Some(bound) = self.sessions.get_mut(&session) {
                bound.in_flight = bound.in_flight.saturating_sub(1);
            }
            self.waiting.insert(key.clone(), message);
        }
    }

    /// Everything up to the commit; the commit itself is the caller's last step.
    fn accept(
        &mut self,
        submission: Submission,
        now: DateTime<Utc>,
    ) -> Result<Accepted, CommandStatus> {
        faults::ACCOUNT_PANIC.tick("account");
        let per_destination = u32::try_from(submission.parts.len()).unwrap_or(u32::MAX);
        let destinations = u32::try_from(submission.destinations.len()).unwrap_or(u32::MAX);
        if let Some(throttle) = &mut self.throttle
            && throttle
                .try_take(per_destination.saturating_mul(destinations), Instant::now())
                .is_err()
        {
            return Err(CommandStatus::EsmeRthrottled);
        }
        let mut plan = Vec::with_capacity(submission.destinations.len());
        let mut total = Money::ZERO;
        for destination in &submission.destinations {
            let route = self
                .wiring
                .routes
                .lookup(self.id.as_str(), destination.text());
            let price = route.map_or(Money::ZERO, |route| route.price);
            total = price
                .checked_mul(per_destination)
                .and_then(|cost| total.checked_add(cost))
                .ok_or(CommandStatus::EsmeRsubmitfail)?;
            plan.push((destination, route.map(|route| (route.index, price))));
        }
        let balance = self
            .balance
            .checked_sub(total)
            .filter(|balance| !balance.is_negative())
            .ok_or(CommandStatus::EsmeRsubmitfail)?;

        let mut batch = Batch::new();
        let mut ids = Vec::new();
        let mut routed = Vec::new();
        let mut unroutable = Vec::new();
        let mut running = self.balance;
        for (destination, route) in plan {
            for part in &submission.parts {
                let id = self.next_id()?;
                let mut message = Message::new(
                    id,
                    self.id.clone(),
                    submission.source.clone(),
                    destination.clone(),
                    part.payload.clone(),
                    now,
                );
                message.data_coding = submission.data_coding;
                message.esm_class = part.esm_class;
                message.part = part.part;
                message.registered_delivery = submission.registered_delivery;
                message.priority = submission.priority;
                message.validity = submission.validity;
                message.scheduled = submission.scheduled;
                message.client_reference = submission.client_reference.clone();
                message.service_type = submission.service_type.clone();
                ids.push(id);
                match route {
                    Some((index, price)) => {
                        message.price = price;
                        running = running
                            .checked_sub(price)
                            .ok_or(CommandStatus::EsmeRsubmitfail)?;
                        batch.insert_message(&message).append_ledger(&LedgerEntry {
                            account: self.id.clone(),
                            kind: LedgerKind::Reserve,
                            delta: Money::ZERO.checked_sub(price).unwrap_or(Money::ZERO),
                            balance: running,
                            message: Some(id),
                            at: now,
                        });
                        routed.push((index, message));
                    }
                    None => {
                        message.error_code = Some(NO_ROUTE_ERROR);
                        // ACCEPTED → FAILED is always legal.
                        let _ = message.transition(MessageState::Failed, now);
                        let key = self.queue_receipt(&mut batch, &message)?;
                        batch.insert_message(&message);
                        unroutable.extend(key);
                    }
                }
            }
        }
        if total != Money::ZERO {
            batch.set_balance(&self.id, balance);
        }
        self.balance = balance;
        Ok(Accepted {
            ids,
            batch,
            routed,
            unroutable,
            charged: total,
        })
    }

    fn next_id(&self) -> Result<MessageId, CommandStatus> {
        self.wiring.store.next_message_id().map_err(|error| {
            error!(self.wiring.logger, "cannot allocate a message id"; "error" => %error);
            CommandStatus::EsmeRsyserr
        })
    }

    /// Adds a mailbox item for `message` to `batch` when the ESME asked for
    /// this receipt (registered_delivery bits 1–0: 01 any final state, 10
    /// failures only).
    fn queue_receipt(
        &self,
        batch: &mut Batch,
        message: &Message,
    ) -> Result<Option<(MailboxKey, MessageId)>, CommandStatus> {
        let wanted = match message.registered_delivery & 0x03 {
            1 => true,
            2 => message.state() != MessageState::Delivered,
            _ => false,
        };
        if !wanted {
            return Ok(None);
        }
        let sequence = self.wiring.store.next_sequence().map_err(|error| {
            error!(self.wiring.logger, "cannot allocate a mailbox key"; "error" => %error);
            CommandStatus::EsmeRsyserr
        })?;
        let key = MailboxKey {
            account: self.id.clone(),
            sequence,
        };
        batch.put_mailbox(
            &key,
            &MailboxItem::Receipt {
                message: message.id,
            },
        );
        Ok(Some((key, message.id)))
    }

    /// Hands waiting items to receivers with room in their window.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        let receivers: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, bound)| bound.receiver.is_some())
            .map(|(id, _)| *id)
            .collect();
        if receivers.is_empty() {
            return;
        }
        let mut blocked = HashSet::new();
        while let Some(entry) = self.waiting.first_entry() {
            if blocked.len() == receivers.len() {
                break;
            }
            let session = receivers[self.next_receiver % receivers.len()];
            self.next_receiver = self.next_receiver.wrapping_add(1);
            let Some(bound) = self.sessions.get_mut(&session) else {
                blocked.insert(session);
                continue;
            };
            let Some(receiver) = bound
                .receiver
                .as_ref()
                .filter(|_| bound.in_flight < bound.window)
            else {
                blocked.insert(session);
                continue;
            };
            let (key, id) = entry.remove_entry();
            match self.wiring.store.message(id) {
                Ok(Some(message)) => {
                    bound.in_flight += 1;
                    self.in_flight.insert(key.clone(), (session, id));
                    receiver.do_send(ReceiptOut {
                        key,
                        message,
                        account: ctx.address(),
                    });
                }
                Ok(None) => {
                    warn!(self.wiring.logger, "mailbox item for a message the store does not have; dropped";
                        "account" => %self.id, "message" => %id);
                    self.forget(key);
                }
                Err(error) => {
                    error!(self.wiring.logger, "cannot read a message for its receipt"; "message" => %id, "error" => %error);
                    self.waiting.insert(key, id);
                    break;
                }
            }
        }
    }

    /// Removes a delivered (or undeliverable) mailbox item from the store.
    /// Not awaited: if it is lost in a crash, the receipt goes out again
    /// (at least once, never lost).
    fn forget(&self, key: MailboxKey) {
        let mut batch = Batch::new();
        batch.remove_mailbox(&key);
        drop(self.wiring.store.commit(batch));
    }
}

/// The `err:` code of a receipt for a destination no route covers.
pub const NO_ROUTE_ERROR: u16 = 1;

/// A submission checked and charged, its batch not yet committed.
struct Accepted {
    ids: Vec<MessageId>,
    batch: Batch,
    routed: Vec<(usize, Message)>,
    unroutable: Vec<(MailboxKey, MessageId)>,
    charged: Money,
}

impl Actor for Account {
    type Context = Context<Self>;
}

impl Supervised for Account {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // Every batch handed in before the panic is applied before we read.
        if let Err(error) = self.wiring.store.commit(Batch::new()).wait() {
            error!(self.wiring.logger, "store barrier failed on restart"; "error" => %error);
        }
        self.reload();
    }
}

/// Accept a submission; the answer goes to `reply` once it is durable (or
/// refused).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Submit {
    pub submission: Submission,
    pub sequence_number: u32,
    pub reply: Reply,
    /// When the PDU or request was read: `pasarela_accept_seconds` runs
    /// from here to the durable acknowledgement.
    pub received: Instant,
}

/// Where the answer to a [`Submit`] goes.
pub enum Reply {
    /// An ESME session, which answers submit_sm in its own order.
    Session(Recipient<Submitted>),
    /// One HTTP request waiting for it.
    Request(tokio::sync::oneshot::Sender<Submitted>),
}

impl Reply {
    fn send(self, submitted: Submitted) {
        match self {
            Reply::Session(session) => session.do_send(submitted),
            // A request whose client has gone is answered to nobody; what
            // was accepted stays accepted.
            Reply::Request(request) => drop(request.send(submitted)),
        }
    }
}

/// The answer to [`Submit`]: the ids of the stored parts, or why not.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Submitted {
    pub sequence_number: u32,
    pub result: Result<Vec<MessageId>, CommandStatus>,
}

impl Handler<Submit> for Account {
    type Result = ();

    fn handle(&mut self, submit: Submit, ctx: &mut Context<Self>) {
        let received = submit.received;
        let logger = self.wiring.logger.clone();
        let outcome = guarded(self, ctx, &logger, "submit", |account, _| {
            account
                .accept(submit.submission, Utc::now())
                .map(|accepted| {
                    let durable = account.wiring.store.commit(accepted.batch);
                    (
                        accepted.ids,
                        accepted.routed,
                        accepted.unroutable,
                        accepted.charged,
                        durable,
                    )
                })
        });
        let sequence_number = submit.sequence_number;
        let (ids, routed, unroutable, charged, durable) = match outcome {
            Ok(Ok(accepted)) => accepted,
            Ok(Err(status)) => {
                self.metrics.rejected(status);
                submit.reply.send(Submitted {
                    sequence_number,
                    result: Err(status),
                });
                return;
            }
            Err(_) => {
                self.metrics.rejected(CommandStatus::EsmeRsyserr);
                submit.reply.send(Submitted {
                    sequence_number,
                    result: Err(CommandStatus::EsmeRsyserr),
                });
                return;
            }
        };
        let routes = self.wiring.route_actors.clone();
        let account = ctx.address();
        let metrics = self.metrics.clone();
        // Not tied to this actor's context: a restart must not drop an
        // answer whose batch may already be on disk.
        actix_rt::spawn(async move {
            match durable.await {
                Ok(()) => {
                    metrics.accepted(ids.len(), received.elapsed());
                    submit.reply.send(Submitted {
                        sequence_number,
                        result: Ok(ids),
                    });
                    for (index, message) in routed {
                        if let Some(route) = routes.get(index) {
                            route.do_send(Dispatch { message });
                        }
                    }
                    if !unroutable.is_empty() {
                        account.do_send(Queued { items: unroutable });
                    }
                }
                Err(error) => {
                    metrics.rejected(CommandStatus::EsmeRsyserr);
                    submit.reply.send(Submitted {
                        sequence_number,
                        result: Err(CommandStatus::EsmeRsyserr),
                    });
                    account.do_send(CommitFailed { charged, error });
                }
            }
        });
    }
}

/// A batch holding a reservation failed: give the credit back in memory
/// (nothing of it reached the store).
#[derive(Message)]
#[rtype(result = "()")]
struct CommitFailed {
    charged: Money,
    error: StoreError,
}

impl Handler<CommitFailed> for Account {
    type Result = ();

    fn handle(&mut self, failed: CommitFailed, _ctx: &mut Context<Self>) {
        error!(self.wiring.logger, "a submission could not be stored; refused";
            "account" => %self.id, "error" => %failed.error);
        if let Some(balance) = self.balance.checked_add(failed.charged) {
            self.balance = balance;
        }
    }
}

/// Mailbox items now durable, to deliver.
#[derive(Message)]
#[rtype(result = "()")]
struct Queued {
    items: Vec<(MailboxKey, MessageId)>,
}

impl Handler<Queued> for Account {
    type Result = ();

    fn handle(&mut self, queued: Queued, ctx: &mut Context<Self>) {
        for (key, message) in queued.items {
            if !self.in_flight.contains_key(&key) {
                self.waiting.insert(key, message);
            }
        }
        self.pump(ctx);
    }
}

/// A message reached its final state (from the receipts actor, or
/// expired or cancelled before any SMSC had it). `refund`: no SMSC took
/// it, so its price goes back. `done`, when given, hears whether the batch
/// became durable.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Finished {
    pub message: Message,
    pub refund: bool,
    pub done: Option<tokio::sync::oneshot::Sender<bool>>,
}

impl Handler<Finished> for Account {
    type Result = ();

    fn handle(&mut self, finished: Finished, ctx: &mut Context<Self>) {
        let logger = self.wiring.logger.clone();
        let Finished {
            message,
            refund,
            done,
        } = finished;
        let outcome = guarded(self, ctx, &logger, "finished", |account, _| {
            let mut batch = Batch::new();
            batch.put_message(&message);
            let mut balance = account.balance;
            if refund && message.price != Money::ZERO {
                balance = balance.checked_add(message.price).unwrap_or(balance);
                batch
                    .set_balance(&account.id, balance)
                    .append_ledger(&LedgerEntry {
                        account: account.id.clone(),
                        kind: LedgerKind::Refund,
                        delta: message.price,
                        balance,
                        message: Some(message.id),
                        at: Utc::now(),
                    });
            }
            let item = account.queue_receipt(&mut batch, &message).ok().flatten();
            account.balance = balance;
            (account.wiring.store.commit(batch), item)
        });
        let Ok((durable, item)) = outcome else { return };
        let account = ctx.address();
        let logger = self.wiring.logger.clone();
        actix_rt::spawn(async move {
            let durable = durable.await;
            if let Some(done) = done {
                let _ = done.send(durable.is_ok());
            }
            match durable {
                Ok(()) => {
                    if let Some(item) = item {
                        account.do_send(Queued { items: vec![item] });
                    }
                }
                Err(error) => {
                    error!(logger, "cannot store a final state"; "error" => %error);
                }
            }
        });
    }
}

/// A receipt for a session to send as deliver_sm.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReceiptOut {
    pub key: MailboxKey,
    pub message: Message,
    pub account: Addr<Account>,
}

/// What became of a [`ReceiptOut`]: `delivered` when the ESME answered
/// deliver_sm_resp OK; otherwise it goes back to the mailbox.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReceiptDone {
    pub key: MailboxKey,
    pub delivered: bool,
}

impl Handler<ReceiptDone> for Account {
    type Result = ();

    fn handle(&mut self, done: ReceiptDone, ctx: &mut Context<Self>) {
        if !self.in_flight.contains_key(&done.key) {
            return;
        }
        self.requeue(&done.key);
        if done.delivered {
            self.waiting.remove(&done.key);
            self.forget(done.key);
        }
        self.pump(ctx);
    }
}

/// A session bound to this account.
#[derive(Message)]
#[rtype(result = "Result<(), CommandStatus>")]
pub struct Bind {
    pub session: SessionId,
    pub receiver: Option<Recipient<ReceiptOut>>,
    pub window: usize,
}

impl Handler<Bind> for Account {
    type Result = Result<(), CommandStatus>;

    fn handle(&mut self, bind: Bind, ctx: &mut Context<Self>) -> Self::Result {
        if self.sessions.len() >= usize::try_from(self.max_binds).unwrap_or(usize::MAX) {
            return Err(CommandStatus::EsmeRbindfail);
        }
        self.sessions.insert(
            bind.session,
            Bound {
                receiver: bind.receiver,
                window: bind.window.max(1),
                in_flight: 0,
            },
        );
        self.pump(ctx);
        Ok(())
    }
}

/// A session ended; what it held goes back to the mailbox.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unbound {
    pub session: SessionId,
}

impl Handler<Unbound> for Account {
    type Result = ();

    fn handle(&mut self, unbound: Unbound, ctx: &mut Context<Self>) {
        self.sessions.remove(&unbound.session);
        let returned: Vec<MailboxKey> = self
            .in_flight
            .iter()
            .filter(|(_, (session, _))| *session == unbound.session)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &returned {
            self.requeue(key);
        }
        self.pump(ctx);
    }
}
