//! The prober: every `probes.every_s`, and when the API asks, one probe
//! through every gateway not stopped to every test number of `[probes]`.
//! A probe is a message of `probes.account` (uncharged, no receipt asked
//! by the account) with a token in its text, stored as any message and
//! handed straight to its gateway, past the routes; the quality board
//! follows it until it arrives as MO or `probes.wait_s` is over (see
//! `quality::probes`). Probes in flight are in memory: a restart forgets
//! them (their messages end as any other).

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::Utc;
use slog::{Logger, error, info};

use crate::actors::admin::live_gateways::LiveGateways;
use crate::actors::pipeline::quality::QualityBoard;
use crate::actors::protocol::gateway::Deliver;
use crate::actors::supervision::guarded;
use crate::config::ProbeSettings;
use crate::model::{AccountId, Address, Message, MessageState, Npi, Ton};
use crate::quality::probes;
use crate::store::{Batch, Store};

/// How often the prober looks for a round asked through the API.
const ASKED_LOOK: Duration = Duration::from_millis(200);

pub struct Prober {
    settings: ProbeSettings,
    gateways: Arc<LiveGateways>,
    board: Arc<QualityBoard>,
    store: Arc<Store>,
    logger: Logger,
}

impl Prober {
    pub fn new(
        settings: ProbeSettings,
        gateways: Arc<LiveGateways>,
        board: Arc<QualityBoard>,
        store: Arc<Store>,
        logger: Logger,
    ) -> Prober {
        Prober {
            settings,
            gateways,
            board,
            store,
            logger,
        }
    }

    /// One probe through every gateway not stopped to every test number.
    fn round(&mut self) {
        let (Ok(account), Ok(source)) = (
            AccountId::new(&self.settings.account),
            Address::alphanumeric(&self.settings.sender),
        ) else {
            error!(
                self.logger,
                "probes.account or probes.sender cannot be used; no probes sent"
            );
            return;
        };
        let mut sent = 0;
        for gateway in self.gateways.all() {
            if gateway.spec.stopped {
                continue;
            }
            for number in &self.settings.numbers {
                let (id, destination) = match (
                    self.store.next_message_id(),
                    Address::new(Ton::International, Npi::Isdn, number),
                ) {
                    (Ok(id), Ok(destination)) => (id, destination),
                    (Err(error), _) => {
                        error!(self.logger, "no message id for a probe"; "error" => %error);
                        return;
                    }
                    (_, Err(error)) => {
                        error!(self.logger, "a test number is not an address"; "number" => number, "error" => %error);
                        continue;
                    }
                };
                let now = Utc::now();
                let mut message = Message::new(
                    id,
                    account.clone(),
                    source.clone(),
                    destination,
                    probes::text(id).into_bytes(),
                    now,
                );
                let mut batch = Batch::new();
                batch.insert_message(&message);
                let durable = self.store.commit(batch);
                if message.transition(MessageState::Routed, now).is_err() {
                    continue;
                }
                message.gateway = Some(gateway.name.clone());
                self.board.probe_sent(&gateway.name, &message);
                let deliver = gateway.actor.deliver.clone();
                actix_rt::spawn(async move {
                    if durable.await.is_ok() {
                        deliver.do_send(Deliver { message });
                    }
                });
                sent += 1;
            }
        }
        info!(self.logger, "probes sent"; "count" => sent);
    }
}

impl Actor for Prober {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.settings.every, |prober, ctx| {
            let logger = prober.logger.clone();
            let _ = guarded(prober, ctx, &logger, "probes", |prober, _| prober.round());
        });
        ctx.run_interval(ASKED_LOOK, |prober, ctx| {
            if prober.board.probes_asked() {
                let logger = prober.logger.clone();
                let _ = guarded(prober, ctx, &logger, "probes", |prober, _| prober.round());
            }
        });
    }
}

impl Supervised for Prober {}
