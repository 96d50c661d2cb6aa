//! The receipts actor: every message a gateway has sent, by the id the
//! SMSC gave it, until its receipt says how it ended.
//!
//! - `Sent`: SUBMITTED, with the upstream id, written with the upstream-id
//!   index so a receipt finds it also after a restart (and with a Kannel
//!   callback when the message's `dlr-mask` asks for "accepted by SMSC");
//! - `SendFailed`: permanent → REJECTED and handed to the account (refund,
//!   receipt); temporary → routed again after a pause;
//! - `Receipt`: the final state, handed to the account, which writes it
//!   with the refund and mailbox item in one batch. A receipt that arrives
//!   before its `Sent` waits a while for it; one for an id nobody knows is
//!   logged and counted, never a crash;
//! - `Received`: an MO message in `inbox`, passed on to the MO router.
//!
//! Supervised: after a panic, the SUBMITTED messages are read back from the
//! store behind a barrier commit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use slog::{Logger, error, info, warn};

use crate::actors::protocol::account::{AccountsInForce, Finished};
use crate::actors::protocol::callbacks::{Enqueued, enqueue};
use crate::actors::protocol::gateway::GatewayReport;
use crate::actors::protocol::mo::Inboxed;
use crate::actors::protocol::pending::Dispatch;
use crate::actors::protocol::receipts::Track;
use crate::actors::protocol::route::LiveRoutes;
use crate::actors::supervision::guarded;
use crate::metrics::ReceiptMetrics;
use crate::model::{AccountId, GatewayName, Message, MessageId, MessageState, UpstreamId};
use crate::store::{Batch, Store};

/// How long a receipt that arrived before its `Sent` waits for it.
const EARLY_RECEIPT_WAIT: Duration = Duration::from_secs(30);
/// Pause before a message whose gateway could not send it is routed again.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

type UpstreamKey = (GatewayName, UpstreamId);

pub struct Receipts {
    store: Arc<Store>,
    logger: Logger,
    routes: Arc<LiveRoutes>,
    callbacks: Recipient<Enqueued>,
    mo_router: Recipient<Inboxed>,
    accounts: HashMap<AccountId, Recipient<Finished>>,
    awaiting: HashMap<UpstreamKey, Message>,
    early: HashMap<UpstreamKey, (EarlyReceipt, Instant)>,
    unknown_receipts: u64,
    metrics: ReceiptMetrics,
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
        logger: Logger,
    ) -> Receipts {
        Receipts {
            store,
            logger,
            routes,
            callbacks,
            mo_router,
            accounts: HashMap::new(),
            awaiting: HashMap::new(),
            early: HashMap::new(),
            unknown_receipts: 0,
            metrics: ReceiptMetrics::default(),
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
            Some((early, _)) => self.finish(message, early.state, early.error_code, early.at),
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
            self.finish(message, MessageState::Rejected, None, now);
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
    ) {
        let message = match self.awaiting.remove(&key) {
            Some(message) => Some(message),
            None => self.stored_for(&key),
        };
        match message {
            Some(message) => self.finish(message, state, error_code, at),
            None => {
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

    /// A SUBMITTED message the store has for this upstream id.
    fn stored_for(&self, (gateway, upstream): &UpstreamKey) -> Option<Message> {
        let id = self
            .store
            .message_for_upstream(gateway, upstream)
            .ok()
            .flatten()?;
        self.store
            .message(id)
            .ok()
            .flatten()
            .filter(|message| message.state() == MessageState::Submitted)
    }

    fn finish(
        &mut self,
        mut message: Message,
        state: MessageState,
        error_code: Option<u16>,
        at: DateTime<Utc>,
    ) {
        if !state.is_final() {
            // An intermediate receipt: note it and keep waiting.
            if message.transition(state, at).is_ok() {
                let mut batch = Batch::new();
                batch.put_message(&message);
                drop(self.store.commit(batch));
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
            return;
        }
        message.error_code = error_code;
        self.metrics.finished(&message);
        let refund = state == MessageState::Rejected;
        match self.accounts.get(&message.account) {
            Some(account) => account.do_send(Finished {
                message,
                refund,
                done: None,
            }),
            None => {
                error!(self.logger, "message of an account that is not loaded"; "message" => %message.id)
            }
        }
    }

    fn expire_early(&mut self) {
        let now = Instant::now();
        let before = self.early.len();
        self.early
            .retain(|_, (_, arrived)| now.duration_since(*arrived) < EARLY_RECEIPT_WAIT);
        let expired = before - self.early.len();
        if expired > 0 {
            self.unknown_receipts += expired as u64;
            warn!(self.logger, "receipts for ids no message has; dropped";
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
    }
}

impl Supervised for Receipts {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
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

impl Handler<Track> for Receipts {
    type Result = ();

    fn handle(&mut self, track: Track, _ctx: &mut Context<Self>) {
        self.track(track.message);
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
                GatewayReport::Receipt {
                    gateway,
                    upstream_id,
                    state,
                    error_code,
                    at,
                } => receipts.receipt((gateway, upstream_id), state, error_code, at),
                GatewayReport::Received {
                    gateway,
                    fingerprint,
                } => receipts.mo_router.do_send(Inboxed {
                    gateway,
                    fingerprint,
                }),
            },
        );
    }
}
