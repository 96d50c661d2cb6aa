//! The MO router: gives each MO message in the store's `inbox` to the
//! account the MO routes name (SPEC §6: by destination number and first
//! keyword, `routing::mo`), whose actor moves it to its mailbox in one
//! batch (`account::RouteMo`).
//!
//! - Gateways report an MO once it is durably in `inbox`
//!   (`GatewayReport::Received`, passed on by the receipts actor as
//!   [`Inboxed`]); the router reads it back from the store, so it routes
//!   only what is still there.
//! - The parts of a concatenated MO (an SMPP upstream stores each on its
//!   own) are joined first (`mo_parts`) and routed as one message, every
//!   part's record removed in its batch; parts whose message stays
//!   incomplete for `mo_parts::JOIN_TIMEOUT` are routed one by one.
//! - At start ([`Start`], once the accounts run) and after a restart of
//!   this actor, every record in `inbox` is offered again: an MO the
//!   switch died before routing is routed then. Offers before [`Start`]
//!   are dropped, since the scan at [`Start`] sees them.
//! - An MO no route claims stays in `inbox`, logged and counted once per
//!   process (`pasarela_mo_total{outcome="unrouted"}`).
//! - When the admin API changes the MO routes ([`SetRoutes`]), the new
//!   table is in force for the next MO and the inbox is offered again.
//! - Offering one MO twice is harmless: the account routes it once.
//! - An MO carrying a probe's token is noted on the quality board (the
//!   probe arrived), then routed like any other.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::Utc;
use slog::{Logger, error, info, warn};

use crate::actors::pipeline::mo_parts::{Joiner, Ready};
use crate::actors::pipeline::quality::QualityBoard;
use crate::actors::protocol::account::RouteMo;
use crate::actors::protocol::directory::Directory;
use crate::actors::protocol::mo::{Inboxed, SetRoutes, Start};
use crate::actors::supervision::guarded;
use crate::metrics::{self, MoOutcome};
use crate::model::GatewayName;
use crate::routing::MoRouteTable;
use crate::store::{Batch, InboundMessage, Store};

pub struct MoRouter {
    store: Arc<Store>,
    table: MoRouteTable,
    /// The accounts, from [`Start`] on.
    directory: Option<Arc<Directory>>,
    /// MOs logged and counted as unrouted, by gateway and fingerprint.
    unrouted: HashSet<(GatewayName, String)>,
    /// Parts waiting for the rest of their message.
    joiner: Joiner,
    /// Where probes that arrive are noted.
    quality: Arc<QualityBoard>,
    logger: Logger,
}

impl MoRouter {
    pub fn new(
        store: Arc<Store>,
        table: MoRouteTable,
        quality: Arc<QualityBoard>,
        logger: Logger,
    ) -> MoRouter {
        MoRouter {
            quality,
            store,
            table,
            directory: None,
            unrouted: HashSet::new(),
            joiner: Joiner::default(),
            logger,
        }
    }

    /// Offers every record in `inbox`.
    fn offer_inbox(&mut self) {
        // The inbox holds every part still waiting: they are grouped anew.
        self.joiner.clear();
        let records = match self.store.inbox() {
            Ok(records) => records,
            Err(error) => {
                error!(self.logger, "cannot read the inbox; MO messages wait for the next start"; "error" => %error);
                return;
            }
        };
        for record in records {
            match record {
                Ok(message) => self.offer(message),
                Err(error) => {
                    error!(self.logger, "unreadable MO message in the inbox skipped"; "error" => %error)
                }
            }
        }
    }

    /// Takes one record of the inbox: joined with the other parts of its
    /// message first when it is a part (`mo_parts`), then routed.
    fn offer(&mut self, message: InboundMessage) {
        if self.directory.is_none() {
            return;
        }
        if let Some(ready) = self.joiner.offer(message) {
            self.route(ready);
        }
    }

    /// Gives an MO to its account, or leaves it unrouted.
    fn route(&mut self, ready: Ready) {
        let Some(directory) = &self.directory else {
            return;
        };
        let Ready { message, records } = ready;
        if let Some(text) = &message.text
            && self.quality.probe_arrived(&message.source, text)
        {
            info!(self.logger, "a probe arrived"; "gateway" => %message.gateway,
                "source" => &message.source, "text" => text);
        }
        let destination = message.destination.as_deref().unwrap_or_default();
        let account = self
            .table
            .lookup(destination, message.text.as_deref())
            .and_then(|system_id| directory.account(system_id));
        let keyword_routed = self
            .table
            .keyword_claims(destination, message.text.as_deref());
        let key = (message.gateway.clone(), message.fingerprint.clone());
        match account {
            Some(account) => {
                self.unrouted.remove(&key);
                account.actor.route_mo.do_send(RouteMo {
                    message,
                    records,
                    keyword_routed,
                })
            }
            None => {
                if self.unrouted.insert(key) {
                    warn!(self.logger, "MO message matches no MO route; it stays in the inbox";
                        "gateway" => %message.gateway, "source" => &message.source,
                        "number" => destination, "fingerprint" => &message.fingerprint,
                        "parts" => message.parts);
                    metrics::global().mo(&message.gateway, MoOutcome::Unrouted);
                }
            }
        }
    }

    /// Routes the parts of messages given up on, each on its own.
    fn expire_parts(&mut self) {
        for ready in self.joiner.expire(Utc::now()) {
            warn!(self.logger, "parts of a concatenated MO stopped coming; routed one by one";
                "gateway" => %ready.message.gateway, "source" => &ready.message.source,
                "fingerprint" => &ready.message.fingerprint);
            self.route(ready);
        }
    }
}

/// How often parts waiting for the rest of their message are checked.
const EXPIRY_CHECK: Duration = Duration::from_secs(30);

impl Actor for MoRouter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(EXPIRY_CHECK, |router, ctx| {
            let logger = router.logger.clone();
            let _ = guarded(router, ctx, &logger, "expire parts", |router, _| {
                router.expire_parts()
            });
        });
    }
}

impl Supervised for MoRouter {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // Every batch handed in before the panic is applied before we read.
        if let Err(error) = self.store.commit(Batch::new()).wait() {
            error!(self.logger, "store barrier failed on restart"; "error" => %error);
        }
        self.offer_inbox();
    }
}

impl Handler<Start> for MoRouter {
    type Result = ();

    fn handle(&mut self, start: Start, ctx: &mut Context<Self>) {
        self.directory = Some(start.directory);
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "start", |router, _| {
            router.offer_inbox()
        });
    }
}

impl Handler<SetRoutes> for MoRouter {
    type Result = ();

    fn handle(&mut self, routes: SetRoutes, ctx: &mut Context<Self>) {
        self.table = routes.table;
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "set routes", |router, _| {
            router.offer_inbox()
        });
    }
}

impl Handler<Inboxed> for MoRouter {
    type Result = ();

    fn handle(&mut self, inboxed: Inboxed, ctx: &mut Context<Self>) {
        if self.directory.is_none() {
            return;
        }
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "inboxed", |router, _| {
            match router
                .store
                .inbound_message(&inboxed.gateway, &inboxed.fingerprint)
            {
                Ok(Some(message)) => router.offer(message),
                Ok(None) => {}
                Err(error) => {
                    error!(router.logger, "cannot read an MO message; it waits for the next start";
                        "gateway" => %inboxed.gateway, "fingerprint" => &inboxed.fingerprint,
                        "error" => %error)
                }
            }
        });
    }
}
