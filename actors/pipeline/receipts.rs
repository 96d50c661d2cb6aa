//! The receipts actor: every message a gateway has sent, by the id the
//! SMSC gave it, until its receipt says how it ended.
//!
//! - `Sent`: SUBMITTED, with the upstream id, written with the upstream-id
//!   index so a receipt finds it also after a restart (and with a Kannel
//!   callback when the message's `dlr-mask` asks for "accepted by SMSC");
//! - `SendFailed`: permanent → REJECTED and handed to the account (refund,
//!   receipt); temporary → routed again after a pause;
//! - `Receipt`: the final state, handed to the account, which writes it
//!   with the refund and mailbox item in one batch, and removes the
//!   upstream-id index entry there (as Kannel drops its DLR entry), so
//!   the index holds only messages still waiting; the gateway hears
//!   (`Recorded`) once that batch is durable, and only then answers the
//!   SMSC. An intermediate state is written here, and heard of the same
//!   way. A receipt that arrives before its `Sent` waits a while for it;
//!   one for an id nobody knows is logged and counted, never a crash, and
//!   the gateway may answer it at once (nothing of it is stored). One for
//!   a message no longer waiting repeats a receipt already applied (an
//!   SMSC resending it before its answer): acknowledged, not applied.
//!   While the final state is still on its way to the store the message
//!   reads SUBMITTED and the repeat is recognised as one; after that the
//!   id is forgotten and the repeat is an unknown id's;
//! - receipt timeout: a message still SUBMITTED `receipt_timeout_h` after
//!   it became so is given up as UNKNOWN, through the account like any
//!   receipt (the customer gets a receipt with stat:UNKNOWN and its
//!   callback). The sweep reads only the overdue end of an in-memory index
//!   by submit time (`awaiting`), never the store. A receipt that arrives
//!   after that finds the message final: it is acknowledged, logged, and
//!   not applied;
//! - memory: past `store.awaiting_whole` messages waiting whole, a store
//!   barrier is handed in; once it is durable every message inserted
//!   before it has its SUBMITTED record readable, and the oldest of those
//!   are held by id (`awaiting`) and read back when their receipt comes,
//!   so a burst whose receipts lag costs a key and an id per message;
//! - `Received`: an MO message in `inbox`, passed on to the MO router;
//! - route quality: each submit taken or refused, each final receipt and
//!   each receipt still missing `quality.receipt_wait_s` after its submit
//!   is counted on the [`QualityBoard`], which this actor flushes to the
//!   store in batches of its own every fine bucket. Missing receipts are
//!   the messages still in `awaiting` whose submit passed `receipt_wait_s`
//!   since the last count (submits since start), read in submit order;
//! - report summaries: each submit taken is counted on the
//!   [`SummaryBoard`] (its part moves to the gateway, at its cost), which
//!   this actor flushes with the quality board.
//!
//! Supervised: after a panic, the SUBMITTED messages are read back from the
//! store behind a barrier commit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use slog::{Logger, error, info, warn};

use crate::actors::pipeline::awaiting::{Awaiting, UpstreamKey, Waited};
use crate::actors::pipeline::quality::QualityBoard;
use crate::actors::pipeline::summaries::SummaryBoard;
use crate::actors::protocol::account::{AccountsInForce, Finished};
use crate::actors::protocol::callbacks::{Enqueued, enqueue};
use crate::actors::protocol::gateway::{GatewayReport, Recorded};
use crate::actors::protocol::mo::Inboxed;
use crate::actors::protocol::pending::Dispatch;
use crate::actors::protocol::receipts::{Settled, Track};
use crate::actors::protocol::route::LiveRoutes;
use crate::actors::supervision::guarded;
use crate::metrics::ReceiptMetrics;
use crate::model::{AccountId, Message, MessageId, MessageState, UpstreamId};
use crate::store::{Batch, Store, StoreError};

/// Where a message's final state came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decided {
    /// The SMSC's receipt: its upstream id is forgotten with it.
    ByReceipt,
    /// Here (given up, or refused): the upstream id still finds the
    /// message, so a receipt that comes after finds it final.
    Here,
}

/// How long a receipt that arrived before its `Sent` waits for it.
const EARLY_RECEIPT_WAIT: Duration = Duration::from_secs(30);
/// Pause before a message whose gateway could not send it is routed again.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// How often the receipt timeout is checked, at most and at least.
const TIMEOUT_SWEEP_MAX: Duration = Duration::from_secs(60);
const TIMEOUT_SWEEP_MIN: Duration = Duration::from_millis(100);

pub struct Receipts {
    store: Arc<Store>,
    logger: Logger,
    routes: Arc<LiveRoutes>,
    callbacks: Recipient<Enqueued>,
    mo_router: Recipient<Inboxed>,
    accounts: HashMap<AccountId, Recipient<Finished>>,
    awaiting: Awaiting,
    /// A store barrier is on its way, to hold messages past
    /// `store.awaiting_whole` by id (`hold_by_id`).
    barrier_pending: bool,
    early: HashMap<UpstreamKey, (EarlyReceipt, Instant)>,
    /// `receipt_timeout_h`: how long a SUBMITTED message waits.
    receipt_timeout: Duration,
    unknown_receipts: u64,
    metrics: ReceiptMetrics,
    quality: Arc<QualityBoard>,
    summaries: Arc<SummaryBoard>,
    /// Every message submitted since start and up to this time that still
    /// waited `receipt_wait_s` after its submit has had its receipt
    /// counted missing; the next count starts after it.
    missing_counted_until: DateTime<Utc>,
}

struct EarlyReceipt {
    state: MessageState,
    error_code: Option<u16>,
    at: DateTime<Utc>,
}

impl Receipts {
    pub fn new(
        store: Arc<Store>,
        routes: Arc<LiveRoutes>,
        callbacks: Recipient<Enqueued>,
        mo_router: Recipient<Inboxed>,
        (receipt_timeout, awaiting_whole): (Duration, usize),
        (quality, summaries): (Arc<QualityBoard>, Arc<SummaryBoard>),
        logger: Logger,
    ) -> Receipts {
        Receipts {
            store,
            logger,
            routes,
            callbacks,
            mo_router,
            accounts: HashMap::new(),
            awaiting: Awaiting::new(awaiting_whole),
            barrier_pending: false,
            early: HashMap::new(),
            receipt_timeout,
            unknown_receipts: 0,
            metrics: ReceiptMetrics::default(),
            quality,
            summaries,
            missing_counted_until: Utc::now(),
        }
    }

    /// Every SUBMITTED message in the store, keyed by gateway and upstream id.
    fn reload(&mut self) {
        self.awaiting.clear();
        let store = self.store.clone();
        for message in store.unfinished_messages() {
            match message {
                Ok(message) => self.track(message),
                Err(error) => {
                    error!(self.logger, "cannot read an unfinished message"; "error" => %error)
                }
            }
        }
        // Read from the store: readable there.
        self.awaiting.readable_below(self.awaiting.next_number());
    }

    /// Keeps a SUBMITTED message until its receipt.
    pub fn track(&mut self, message: Message) {
        if message.state() != MessageState::Submitted {
            return;
        }
        if let (Some(gateway), Some(upstream)) = (&message.gateway, &message.upstream_id) {
            self.awaiting
                .insert((gateway.clone(), upstream.clone()), message);
        }
    }

    fn sent(&mut self, mut message: Message, upstream_id: UpstreamId) {
        let Some(gateway) = message.gateway.clone() else {
            error!(self.logger, "a gateway reported a message it was never given"; "message" => %message.id);
            return;
        };
        if let Err(error) = message.transition(MessageState::Submitted, Utc::now()) {
            warn!(self.logger, "sent report for a message in the wrong state"; "message" => %message.id, "error" => %error);
            return;
        }
        message.upstream_id = Some(upstream_id.clone());
        self.metrics.submitted(&gateway);
        self.quality.accepted(&gateway, &message);
        self.summaries.taken(&gateway, &message);
        let mut batch = Batch::new();
        batch
            .put_message(&message)
            .put_upstream_id(&gateway, &upstream_id, message.id);
        let callback = enqueue(&self.store, &mut batch, &message, None, &self.logger).unwrap_or_else(|error| {
            error!(self.logger, "cannot queue a callback"; "message" => %message.id, "error" => %error);
            None
        });
        // Batches commit in the order handed in, so this one lands before
        // the final state the account writes after the receipt.
        let durable = self.store.commit(batch);
        if let Some(callback) = callback {
            let callbacks = self.callbacks.clone();
            actix_rt::spawn(async move {
                if durable.await.is_ok() {
                    callbacks.do_send(Enqueued {
                        items: vec![callback],
                    });
                }
            });
        }
        let key = (gateway, upstream_id);
        match self.early.remove(&key) {
            // Its gateway was answered when it came.
            Some((early, _)) => self.finish(
                message,
                early.state,
                early.error_code,
                early.at,
                None,
                Decided::ByReceipt,
            ),
            None => {
                self.awaiting.insert(key, message);
            }
        }
    }

    fn send_failed(&mut self, id: MessageId, permanent: bool, ctx: &mut Context<Self>) {
        let message = match self.store.message(id) {
            Ok(Some(message)) => message,
            Ok(None) => {
                error!(self.logger, "send failure for a message the store does not have"; "message" => %id);
                return;
            }
            Err(error) => {
                error!(self.logger, "cannot read a message back"; "message" => %id, "error" => %error);
                return;
            }
        };
        if permanent {
            let now = Utc::now();
            let mut message = message;
            let _ = message.transition(MessageState::Routed, now);
            self.finish(
                message,
                MessageState::Rejected,
                None,
                now,
                None,
                Decided::Here,
            );
            return;
        }
        let route = self
            .routes
            .current()
            .lookup(message.account.as_str(), message.destination.text())
            .map(|(_, actor)| actor.dispatch.clone());
        match route {
            Some(route) => {
                ctx.run_later(RETRY_PAUSE, move |_, _| {
                    route.do_send(Dispatch { message });
                });
            }
            None => {
                warn!(self.logger, "no route any more for a message to retry"; "message" => %id)
            }
        }
    }

    fn receipt(
        &mut self,
        key: UpstreamKey,
        state: MessageState,
        error_code: Option<u16>,
        at: DateTime<Utc>,
        recorded: Option<Recorded>,
    ) {
        let waiting = match self.awaiting.held_by_id(&key) {
            Some(id) => match self.stored_message(id) {
                Ok(message) => {
                    self.awaiting.remove(&key);
                    message
                }
                Err(error) => {
                    // Still waited on: the SMSC is told to send it again.
                    error!(self.logger, "cannot read back a message held by id; its receipt is refused for now"; "message" => %id, "error" => %error);
                    answer(recorded, false);
                    return;
                }
            },
            None => match self.awaiting.remove(&key) {
                Some(Waited::Whole(message)) => Some(message),
                Some(Waited::ById(_)) | None => None,
            },
        };
        let message = match waiting {
            Some(message) => Some(message),
            None => match self.stored_for(&key) {
                // SUBMITTED yet not waiting: its final state (a receipt
                // just applied, or given up) is on its way to the store,
                // and this receipt repeats it.
                Some(message) if message.state() == MessageState::Submitted => {
                    self.late(&key, state);
                    answer(recorded, true);
                    return;
                }
                stored => stored,
            },
        };
        match message {
            Some(message) if message.state() == MessageState::Submitted => {
                self.finish(message, state, error_code, at, recorded, Decided::ByReceipt)
            }
            Some(message) if message.state().is_final() => {
                self.late(&key, state);
                answer(recorded, true);
            }
            _ => {
                // Nothing of it is stored: the gateway may answer now.
                answer(recorded, true);
                self.early.insert(
                    key,
                    (
                        EarlyReceipt {
                            state,
                            error_code,
                            at,
                        },
                        Instant::now(),
                    ),
                );
            }
        }
    }

    /// The message the store has for this upstream id, in any state.
    fn stored_for(&self, (gateway, upstream): &UpstreamKey) -> Option<Message> {
        let id = self
            .store
            .message_for_upstream(gateway, upstream)
            .ok()
            .flatten()?;
        self.store.message(id).ok().flatten()
    }

    /// A receipt for a message already final, or whose final state is on
    /// its way to the store: acknowledged, not applied (the customer has
    /// its receipt; a final state is never changed).
    fn late(&self, (gateway, upstream): &UpstreamKey, state: MessageState) {
        info!(self.logger, "receipt for a message already final (given up as UNKNOWN, or a repeat); not applied";
            "gateway" => %gateway, "upstream_id" => %upstream, "state" => %state);
    }

    /// Moves `message` to the receipt's `state`: an intermediate state is
    /// written here, a final one handed to the account. `recorded` hears
    /// when that is durable.
    fn finish(
        &mut self,
        mut message: Message,
        state: MessageState,
        error_code: Option<u16>,
        at: DateTime<Utc>,
        recorded: Option<Recorded>,
        decided: Decided,
    ) {
        if !state.is_final() {
            // An intermediate receipt: note it and keep waiting.
            if message.transition(state, at).is_ok() {
                let mut batch = Batch::new();
                batch.put_message(&message);
                let durable = self.store.commit(batch);
                actix_rt::spawn(async move { answer(recorded, durable.await.is_ok()) });
            } else {
                answer(recorded, true);
            }
            if let (Some(gateway), Some(upstream)) =
                (message.gateway.clone(), message.upstream_id.clone())
            {
                self.awaiting.insert((gateway, upstream), message);
            }
            return;
        }
        if let Err(error) = message.transition(state, at) {
            warn!(self.logger, "receipt for a message that cannot take that state"; "message" => %message.id, "error" => %error);
            answer(recorded, true);
            return;
        }
        message.error_code = error_code;
        self.metrics.finished(&message);
        if message.upstream_id.is_some() {
            // Reached the SMSC: a receipt (or given up), not a refusal.
            self.quality.finished(&message, state, error_code);
        }
        let refund = state == MessageState::Rejected;
        match self.accounts.get(&message.account) {
            Some(account) => account.do_send(Finished {
                message,
                refund,
                done: recorded,
                forget_upstream_id: decided == Decided::ByReceipt,
            }),
            None => {
                error!(self.logger, "message of an account that is not loaded"; "message" => %message.id);
                answer(recorded, true);
            }
        }
    }

    /// Gives up as UNKNOWN every message SUBMITTED longer than
    /// `receipt_timeout_h`.
    fn give_up_overdue(&mut self) {
        let now = Utc::now();
        let Some(cutoff) = chrono::TimeDelta::from_std(self.receipt_timeout)
            .ok()
            .and_then(|timeout| now.checked_sub_signed(timeout))
        else {
            return;
        };
        let overdue = self.awaiting.take_submitted_by(cutoff);
        if overdue.is_empty() {
            return;
        }
        let overdue: Vec<Message> = overdue
            .into_iter()
            .filter_map(|waited| match waited {
                Waited::Whole(message) => Some(message),
                Waited::ById(id) => self.read_back(id),
            })
            .collect();
        warn!(self.logger, "no receipt within receipt_timeout_h; given up as UNKNOWN";
            "count" => overdue.len(), "timeout_s" => self.receipt_timeout.as_secs_f64());
        for message in overdue {
            self.finish(
                message,
                MessageState::Unknown,
                None,
                now,
                None,
                Decided::Here,
            );
        }
    }

    /// Counts as missing every receipt not come `receipt_wait_s` after
    /// its submit, once.
    fn count_missing(&mut self) {
        let wait = chrono::TimeDelta::from_std(self.quality.settings().receipt_wait)
            .unwrap_or(chrono::TimeDelta::MAX);
        let Some(cutoff) = Utc::now().checked_sub_signed(wait) else {
            return;
        };
        for waited in self
            .awaiting
            .submitted_between(self.missing_counted_until, cutoff)
        {
            match waited {
                Waited::Whole(message) => self.quality.missing(message),
                Waited::ById(id) => {
                    if let Some(message) = self.read_back(id) {
                        self.quality.missing(&message);
                    }
                }
            }
        }
        self.missing_counted_until = self.missing_counted_until.max(cutoff);
    }

    /// A message held by id, read back from the store; `None` (logged)
    /// when the store has no such message.
    fn stored_message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        let message = self.store.message(id)?;
        if message.is_none() {
            error!(self.logger, "a message held by id is not in the store"; "message" => %id);
        }
        Ok(message)
    }

    /// [`Receipts::stored_message`], `None` (logged) when it cannot be read.
    fn read_back(&self, id: MessageId) -> Option<Message> {
        self.stored_message(id).unwrap_or_else(|error| {
            error!(self.logger, "cannot read back a message held by id"; "message" => %id, "error" => %error);
            None
        })
    }

    /// Past `store.awaiting_whole` messages held whole, hands the store a
    /// barrier: batches commit in the order handed in, so once it is
    /// durable every message inserted before it has its SUBMITTED record
    /// readable, and the oldest of those are held by id.
    fn hold_by_id(&mut self, ctx: &mut Context<Self>) {
        self.publish_awaited();
        if self.barrier_pending || !self.awaiting.over_whole_max() {
            return;
        }
        self.barrier_pending = true;
        let below = self.awaiting.next_number();
        let barrier = self.store.commit(Batch::new());
        ctx.spawn(async move { barrier.await.is_ok() }.into_actor(self).map(
            move |readable, receipts, ctx| {
                receipts.barrier_pending = false;
                if readable {
                    receipts.awaiting.readable_below(below);
                    // Those inserted meanwhile need the next barrier.
                    receipts.hold_by_id(ctx);
                }
            },
        ));
    }

    /// `pasarela_receipts_awaited` and `_whole`.
    fn publish_awaited(&self) {
        self.metrics
            .awaited(self.awaiting.len(), self.awaiting.whole_len());
    }

    fn expire_early(&mut self) {
        let now = Instant::now();
        let before = self.early.len();
        self.early
            .retain(|_, (_, arrived)| now.duration_since(*arrived) < EARLY_RECEIPT_WAIT);
        let expired = before - self.early.len();
        if expired > 0 {
            self.unknown_receipts += expired as u64;
            warn!(self.logger, "receipts for ids no message waits for (never sent, or repeating a final receipt); dropped";
                "count" => expired, "total" => self.unknown_receipts);
        }
    }
}

impl Actor for Receipts {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(EARLY_RECEIPT_WAIT / 3, |receipts, _| {
            receipts.expire_early()
        });
        let sweep = (self.receipt_timeout / 4).clamp(TIMEOUT_SWEEP_MIN, TIMEOUT_SWEEP_MAX);
        ctx.run_interval(self.quality.flush_every(), |receipts, ctx| {
            let logger = receipts.logger.clone();
            let _ = guarded(receipts, ctx, &logger, "route quality", |receipts, _| {
                receipts.count_missing();
                receipts.quality.flush(&receipts.store, &receipts.logger);
                receipts.summaries.flush(&receipts.store);
            });
        });
        ctx.run_interval(sweep, |receipts, ctx| {
            let logger = receipts.logger.clone();
            let _ = guarded(receipts, ctx, &logger, "receipt timeout", |receipts, _| {
                receipts.give_up_overdue()
            });
        });
    }
}

impl Supervised for Receipts {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // A barrier on its way went with the actor's futures; were one
        // still to come, its number speaks only of messages before it.
        self.barrier_pending = false;
        if let Err(error) = self.store.commit(Batch::new()).wait() {
            error!(self.logger, "store barrier failed on restart"; "error" => %error);
        }
        self.reload();
        info!(self.logger, "receipts reloaded"; "awaiting" => self.awaiting.len());
    }
}

impl Handler<AccountsInForce> for Receipts {
    type Result = ();

    fn handle(&mut self, accounts: AccountsInForce, _ctx: &mut Context<Self>) {
        self.accounts = accounts.finished;
    }
}

impl Handler<Settled> for Receipts {
    type Result = ();

    /// Nothing to do: the mailbox is in order, so what came before is
    /// handled by the time this is answered.
    fn handle(&mut self, _: Settled, _ctx: &mut Context<Self>) {}
}

impl Handler<Track> for Receipts {
    type Result = ();

    fn handle(&mut self, track: Track, ctx: &mut Context<Self>) {
        self.track(track.message);
        self.hold_by_id(ctx);
    }
}

impl Handler<GatewayReport> for Receipts {
    type Result = ();

    fn handle(&mut self, report: GatewayReport, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(
            self,
            ctx,
            &logger,
            "gateway report",
            |receipts, ctx| match report {
                GatewayReport::Sent {
                    message,
                    upstream_id,
                } => receipts.sent(*message, upstream_id),
                GatewayReport::SendFailed { id, permanent, .. } => {
                    receipts.send_failed(id, permanent, ctx)
                }
                GatewayReport::Refused { message } => {
                    if let Some(gateway) = &message.gateway {
                        receipts.quality.refused(gateway, &message);
                    }
                    receipts.send_failed(message.id, true, ctx)
                }
                GatewayReport::Receipt {
                    gateway,
                    upstream_id,
                    state,
                    error_code,
                    at,
                    recorded,
                } => receipts.receipt((gateway, upstream_id), state, error_code, at, recorded),
                GatewayReport::Received {
                    gateway,
                    fingerprint,
                } => receipts.mo_router.do_send(Inboxed {
                    gateway,
                    fingerprint,
                }),
            },
        );
        self.hold_by_id(ctx);
    }
}

/// Tells the gateway whether a receipt's outcome is durable, if it asked.
fn answer(recorded: Option<Recorded>, durable: bool) {
    if let Some(recorded) = recorded {
        // The gateway stopped waiting (its connection is gone): nothing to tell.
        let _ = recorded.send(durable);
    }
}
