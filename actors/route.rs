//! One actor per route: takes accepted messages and hands each to the
//! first of the route's gateways (in configured order) that is up; when
//! none is, the message waits in the route's queue until one comes up.
//!
//! Messages wait here in memory only; the store holds each as ACCEPTED, so
//! after a crash the switch routes them again from there. Supervised: a
//! restart keeps the queue (it is plain data) and re-subscribes to the
//! gateways.

use std::collections::{HashSet, VecDeque};

use actix::prelude::*;
use chrono::Utc;
use slog::{Logger, warn};

use super::gateway::{Deliver, GatewayStatus, Subscribe};
use super::supervision::guarded;
use crate::model::{GatewayName, Message, MessageState};

pub struct Route {
    prefix: String,
    /// In failover order.
    gateways: Vec<(GatewayName, Recipient<Deliver>, Recipient<Subscribe>)>,
    up: HashSet<GatewayName>,
    queue: VecDeque<Message>,
    logger: Logger,
}

impl Route {
    pub fn new(
        prefix: String,
        gateways: Vec<(GatewayName, Recipient<Deliver>, Recipient<Subscribe>)>,
        logger: Logger,
    ) -> Route {
        Route {
            prefix,
            gateways,
            up: HashSet::new(),
            queue: VecDeque::new(),
            logger,
        }
    }

    fn first_up(&self) -> Option<&(GatewayName, Recipient<Deliver>, Recipient<Subscribe>)> {
        self.gateways
            .iter()
            .find(|(name, ..)| self.up.contains(name))
    }

    fn send(&mut self, mut message: Message) {
        let Some((name, gateway, _)) = self.first_up() else {
            self.queue.push_back(message);
            return;
        };
        if message
            .transition(MessageState::Routed, Utc::now())
            .is_err()
        {
            warn!(self.logger, "message cannot be routed from its state; dropped from routing";
                "message" => %message.id, "state" => %message.state());
            return;
        }
        message.gateway = Some(name.clone());
        gateway.do_send(Deliver { message });
    }
}

impl Actor for Route {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        for (_, _, subscribe) in &self.gateways {
            subscribe.do_send(Subscribe {
                route: ctx.address().recipient(),
            });
        }
    }
}

impl Supervised for Route {}

/// Route this message.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Dispatch {
    pub message: Message,
}

impl Handler<Dispatch> for Route {
    type Result = ();

    fn handle(&mut self, dispatch: Dispatch, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "dispatch", |route, _| {
            route.send(dispatch.message)
        });
    }
}

impl Handler<GatewayStatus> for Route {
    type Result = ();

    fn handle(&mut self, status: GatewayStatus, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "gateway status", |route, _| {
            if status.up {
                route.up.insert(status.gateway);
            } else {
                route.up.remove(&status.gateway);
            }
            if route.first_up().is_none() {
                if !route.queue.is_empty() {
                    warn!(route.logger, "no gateway of the route is up; messages wait";
                        "route" => &route.prefix, "queued" => route.queue.len());
                }
                return;
            }
            for message in std::mem::take(&mut route.queue) {
                route.send(message);
            }
        });
    }
}
