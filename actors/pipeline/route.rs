//! One actor per route: takes accepted messages and hands each to one of
//! the route's gateways that takes it: the first in configured order, or,
//! with `weights`, shared among them (every part of a concatenated message
//! to the same one; see `routing::Distribution`); or, in `least_cost` and
//! `quality` mode, as a `quality::Chooser` decides from the gateways'
//! figures on the [`QualityBoard`], looked at again every fine bucket;
//! each change it makes is logged, counted and noted on the board. A gateway takes a
//! campaign's message only while it takes bulk, any other while it is up
//! ([`Takes`]). When none takes it, the message waits in the route's queue
//! until one does; the queue is in [`Lanes`], so when one does, the urgent
//! go first. A new message goes behind those of its kind (campaign or not)
//! already waiting. The queue drains [`DRAIN_TURN`] messages at a time,
//! [`DRAIN_PAUSE`] apart: a gateway that fills up hears of it between
//! turns, so at most a turn more reaches it (and comes back), however long
//! the queue; and a long queue never holds the actor for long.
//!
//! A message that must not go yet — scheduled for later, or past its
//! validity — goes to the schedule actor instead ([`Hold`]), which gives it
//! back when it is due or expires it. Queued messages are checked every
//! [`EXPIRY_SCAN`]; one whose validity has passed goes the same way. While
//! a message is queued here, cancel_sm and replace_sm reach it through this
//! actor ([`Withdraw`], [`Amend`]), so it is either taken or changed before
//! it is sent, or sent first; never both.
//!
//! Messages wait here in memory only; the store holds each as ACCEPTED, so
//! after a crash the switch routes them again from there. How many of no
//! campaign wait is stored in the route's handle after every change, and
//! accounts refuse customers' new messages to the route while that is at
//! `limits.route_queue_max`. Supervised: a
//! restart keeps the queue (it is plain data) and re-subscribes to the
//! gateways.
//!
//! A route the admin API removed or changed is retired ([`Retire`]): its
//! queue, and every message that reaches it later (dispatched just before
//! the change, or given back by the schedule), goes through the route
//! table in force. A retired route judges its gateways no more, and takes
//! its standing off the board unless a `least_cost` or `quality` route of
//! the table in force has its prefix.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix::prelude::*;
use chrono::Utc;
use slog::{Logger, info, warn};

use crate::actors::pipeline::quality::{Decision, QualityBoard, RouteStanding};
use crate::actors::protocol::gateway::{Deliver, GatewayStatus, Subscribe, Takes};
use crate::actors::protocol::pending::{Amend, Amended, Dispatch, Hold, Retire, Withdraw};
use crate::actors::protocol::route::{LiveRoutes, RouteHandle};
use crate::actors::supervision::guarded;
use crate::config::{RouteMode, RoutePolicy};
use crate::lanes::{Lanes, is_campaign};
use crate::metrics;
use crate::model::{GatewayName, Message, MessageState};
use crate::pending;
use crate::quality::{Change, Chooser, Observed};
use crate::routing::{Distribution, parts_key};
use crate::store::{Batch, Store};

/// How often queued messages are checked for a validity that has passed.
pub const EXPIRY_SCAN: Duration = Duration::from_secs(1);
/// Queued messages handed to the gateways at a time, and the pause
/// between two turns.
const DRAIN_TURN: usize = 32;
const DRAIN_PAUSE: Duration = Duration::from_millis(1);

/// What a route needs from the rest of the switch.
pub struct RouteWiring {
    pub schedule: Recipient<Hold>,
    pub store: Arc<Store>,
    pub routes: Arc<LiveRoutes>,
    /// `mode`, floor and ceiling.
    pub policy: RoutePolicy,
    /// Where `least_cost` and `quality` routes read their gateways' figures.
    pub quality: Arc<QualityBoard>,
    pub logger: Logger,
}

pub struct Route {
    prefix: String,
    /// In configured order.
    gateways: Vec<(GatewayName, Recipient<Deliver>, Recipient<Subscribe>)>,
    /// What each gateway told last; one not heard from takes nothing.
    takes: HashMap<GatewayName, Takes>,
    distribution: Distribution,
    /// `least_cost` and `quality` routes' choice.
    chooser: Option<Chooser>,
    policy: RoutePolicy,
    quality: Arc<QualityBoard>,
    /// The chooser's clock.
    born: std::time::Instant,
    queue: Lanes<Message>,
    /// What `RouteHandle::waiting` tells the accounts.
    waiting: Arc<AtomicUsize>,
    /// A drain turn is due.
    draining: bool,
    /// Where messages that must wait go.
    schedule: Recipient<Hold>,
    /// For a replace_sm of a queued message.
    store: Arc<Store>,
    /// The table in force, where messages go once this route has left it.
    routes: Arc<LiveRoutes>,
    /// No longer in the table.
    retired: bool,
    logger: Logger,
}

impl Route {
    pub fn new(
        prefix: String,
        gateways: Vec<(GatewayName, Recipient<Deliver>, Recipient<Subscribe>)>,
        weights: Option<Vec<u32>>,
        wiring: RouteWiring,
    ) -> Route {
        let weights = weights.filter(|_| wiring.policy.mode == RouteMode::Weighted);
        let chooser = wiring
            .policy
            .mode
            .measured()
            .then(|| Chooser::new(wiring.policy, wiring.quality.settings(), gateways.len()));
        Route {
            prefix,
            distribution: Distribution::new(weights, gateways.len()),
            chooser,
            policy: wiring.policy,
            quality: wiring.quality,
            born: std::time::Instant::now(),
            gateways,
            takes: HashMap::new(),
            queue: Lanes::new(),
            waiting: Arc::default(),
            draining: false,
            schedule: wiring.schedule,
            store: wiring.store,
            routes: wiring.routes,
            retired: false,
            logger: wiring.logger,
        }
    }

    /// Starts the actor under a `Supervisor`; the handle is where its
    /// messages go.
    pub fn supervise(self) -> RouteHandle {
        let waiting = Arc::clone(&self.waiting);
        let address = Supervisor::start(move |_| self);
        RouteHandle {
            dispatch: address.clone().recipient(),
            withdraw: address.clone().recipient(),
            amend: address.clone().recipient(),
            retire: address.recipient(),
            waiting,
        }
    }

    /// Tells the accounts how many messages of no campaign wait here.
    fn count_waiting(&self) {
        let waiting = self.queue.len() - self.queue.campaign_len();
        self.waiting.store(waiting, Ordering::Relaxed);
    }

    /// What gateway `name` takes now.
    fn takes(&self, name: &GatewayName) -> Takes {
        self.takes.get(name).copied().unwrap_or_default()
    }

    /// Whether any of its gateways takes what `wanted` picks.
    fn any_takes(&self, wanted: impl Fn(Takes) -> bool) -> bool {
        self.gateways
            .iter()
            .any(|(name, ..)| wanted(self.takes(name)))
    }

    fn send(&mut self, message: Message, ctx: &Context<Self>) {
        if self.retired {
            if let Err(id) = self.routes.current().dispatch(message) {
                warn!(self.logger, "no route any more for a message; it is routed again at the next start";
                    "message" => %id);
            }
            return;
        }
        if pending::hold_until(&message, Utc::now()).is_some() {
            self.schedule.do_send(Hold {
                message,
                route: ctx.address().recipient(),
            });
            return;
        }
        if self.waits_ahead(&message) {
            // The drain, due if a gateway takes them, hands it on in turn.
            self.queue.push_back(message);
        } else if let Some(message) = self.deliver(message) {
            self.queue.push_back(message);
        }
        self.count_waiting();
    }

    /// Whether messages of `message`'s kind (campaign or not) wait here.
    fn waits_ahead(&self, message: &Message) -> bool {
        let campaign = self.queue.campaign_len();
        if is_campaign(message) {
            campaign > 0
        } else {
            self.queue.len() > campaign
        }
    }

    /// Hands `message` to a gateway that takes it; back when none does.
    fn deliver(&mut self, mut message: Message) -> Option<Message> {
        let up: Vec<bool> = self
            .gateways
            .iter()
            .map(|(name, ..)| self.takes(name).message(&message))
            .collect();
        let parts_key = message.part.map(|part| {
            parts_key(
                message.source.text(),
                message.destination.text(),
                part.reference(),
            )
        });
        let picked = match &mut self.chooser {
            Some(chooser) => chooser.pick(&up, parts_key.is_some()),
            None => self.distribution.pick(&up, parts_key),
        };
        let Some((name, gateway, _)) = picked.and_then(|index| self.gateways.get(index)) else {
            return Some(message);
        };
        if message
            .transition(MessageState::Routed, Utc::now())
            .is_err()
        {
            warn!(self.logger, "message cannot be routed from its state; dropped from routing";
                "message" => %message.id, "state" => %message.state());
            return None;
        }
        message.gateway = Some(name.clone());
        gateway.do_send(Deliver { message });
        None
    }

    /// The next queued message some gateway takes, out of the queue.
    fn next_deliverable(&mut self) -> Option<Message> {
        if self.any_takes(|takes| takes.bulk) {
            self.queue.pop_front()
        } else if self.any_takes(|takes| takes.up) {
            self.queue.pop_front_but_campaigns()
        } else {
            None
        }
    }

    /// Whether some gateway takes a queued message.
    fn deliverable(&self) -> bool {
        if self.any_takes(|takes| takes.bulk) {
            !self.queue.is_empty()
        } else {
            self.any_takes(|takes| takes.up) && self.queue.len() > self.queue.campaign_len()
        }
    }

    /// One turn of the drain: up to [`DRAIN_TURN`] queued messages to the
    /// gateways that take them, and the next turn after [`DRAIN_PAUSE`]
    /// while some are left that a gateway takes.
    fn drain(&mut self, ctx: &mut Context<Self>) {
        self.draining = false;
        let whole_turn = self.drain_turn();
        self.count_waiting();
        if whole_turn && self.deliverable() {
            self.draining = true;
            ctx.run_later(DRAIN_PAUSE, |route, ctx| {
                let logger = route.logger.clone();
                let _ = guarded(route, ctx, &logger, "drain", |route, ctx| route.drain(ctx));
            });
        }
    }

    /// Up to [`DRAIN_TURN`] queued messages to the gateways that take
    /// them; whether all of them went (so more may go).
    fn drain_turn(&mut self) -> bool {
        for _ in 0..DRAIN_TURN {
            let Some(message) = self.next_deliverable() else {
                return false;
            };
            if let Some(message) = self.deliver(message) {
                self.queue.push_front(message);
                return false;
            }
        }
        true
    }

    /// A `least_cost` or `quality` route looks at its gateways' figures
    /// again; each change is logged, counted and noted on the board.
    fn judge(&mut self) {
        let Route {
            chooser: Some(chooser),
            gateways,
            quality,
            prefix,
            policy,
            born,
            logger,
            ..
        } = self
        else {
            return;
        };
        let observed: Vec<Observed> = gateways
            .iter()
            .map(|(name, ..)| quality.observed(name.as_str(), prefix))
            .collect();
        let changes = chooser.evaluate(born.elapsed(), &observed);
        let name = |index: usize| {
            gateways
                .get(index)
                .map(|(name, ..)| name.to_string())
                .unwrap_or_default()
        };
        let now = Utc::now();
        let decisions: Vec<Decision> = changes
            .iter()
            .map(|change| {
                let gateway = name(change.gateway());
                let from = match change {
                    Change::Preferred { from, .. } => from.map(name),
                    _ => None,
                };
                info!(logger, "route quality: automatic change";
                    "mode" => policy.mode.as_str(), "change" => change.kind(),
                    "gateway" => &gateway, "from" => ?from, "reason" => change.reason());
                metrics::global().route_quality_change(prefix, &gateway, change.kind());
                Decision {
                    at: now,
                    change: change.kind(),
                    gateway,
                    from,
                    reason: change.reason().to_owned(),
                }
            })
            .collect();
        let standing = RouteStanding {
            mode: policy.mode,
            preferred: chooser.preferred().map(name),
            taken_out: (0..gateways.len())
                .filter(|&index| chooser.is_out(index))
                .map(name)
                .collect(),
            changes: Default::default(),
        };
        quality.standing(prefix, standing, decisions);
    }

    /// Hands queued messages past their validity to the schedule, which
    /// expires them.
    fn expire_queued(&mut self, ctx: &Context<Self>) {
        if self.queue.is_empty() {
            return;
        }
        let now = Utc::now();
        let expired = self
            .queue
            .take_where(|message| pending::expired(message, now));
        for message in expired {
            self.send(message, ctx);
        }
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
        ctx.run_interval(EXPIRY_SCAN, |route, ctx| {
            let logger = route.logger.clone();
            let _ = guarded(route, ctx, &logger, "expiry scan", |route, ctx| {
                route.expire_queued(ctx)
            });
            metrics::global().set_queue_depth(&route.prefix, route.queue.len());
        });
        if self.chooser.is_some() {
            self.judge();
            ctx.run_interval(self.quality.flush_every(), |route, ctx| {
                let logger = route.logger.clone();
                let _ = guarded(route, ctx, &logger, "route quality", |route, _| {
                    route.judge()
                });
            });
        }
    }
}

impl Supervised for Route {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // The turn due died with the old context; statuses start another.
        self.draining = false;
    }
}

impl Handler<Dispatch> for Route {
    type Result = ();

    fn handle(&mut self, dispatch: Dispatch, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "dispatch", |route, ctx| {
            route.send(dispatch.message, ctx)
        });
    }
}

impl Handler<GatewayStatus> for Route {
    type Result = ();

    fn handle(&mut self, status: GatewayStatus, ctx: &mut Context<Self>) {
        let logger = self.logger.clone();
        let _ = guarded(self, ctx, &logger, "gateway status", |route, ctx| {
            route.takes.insert(status.gateway, status.takes);
            if !route.any_takes(|takes| takes.up) {
                if !route.queue.is_empty() {
                    warn!(route.logger, "no gateway of the route is up; messages wait";
                        "queued" => route.queue.len());
                }
                return;
            }
            if !route.draining {
                route.drain(ctx);
            }
        });
    }
}

impl Handler<Retire> for Route {
    type Result = ();

    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) {
        self.retired = true;
        if self.chooser.take().is_some() {
            let measured_successor = self
                .routes
                .current()
                .table
                .routes()
                .iter()
                .any(|route| route.prefix == self.prefix && route.policy.mode.measured());
            if !measured_successor {
                self.quality.forget_standing(&self.prefix);
            }
        }
        for message in self.queue.take_all() {
            self.send(message, ctx);
        }
    }
}

impl Handler<Withdraw> for Route {
    type Result = Vec<Message>;

    fn handle(&mut self, withdraw: Withdraw, ctx: &mut Context<Self>) -> Vec<Message> {
        let logger = self.logger.clone();
        guarded(self, ctx, &logger, "withdraw", |route, _| {
            let selected = route
                .queue
                .take_where(|message| withdraw.cancel.selects(message));
            let now = Utc::now();
            let withdrawn = selected
                .into_iter()
                .filter_map(|mut message| {
                    match message.transition(MessageState::Deleted, now) {
                        Ok(()) => Some(message),
                        Err(error) => {
                            // Not pending after all: leave it queued.
                            warn!(route.logger, "queued message cannot be deleted"; "message" => %message.id, "error" => %error);
                            route.queue.push_back(message);
                            None
                        }
                    }
                })
                .collect();
            route.count_waiting();
            withdrawn
        })
        .unwrap_or_default()
    }
}

impl Handler<Amend> for Route {
    type Result = MessageResult<Amend>;

    fn handle(&mut self, amend: Amend, ctx: &mut Context<Self>) -> MessageResult<Amend> {
        let logger = self.logger.clone();
        let amended = guarded(self, ctx, &logger, "amend", |route, ctx| {
            let replace = amend.replace;
            let Some((place, message)) = route.queue.take_first(|message| message.id == replace.id)
            else {
                return Amended::NotHere;
            };
            match replace.apply(&message) {
                Ok(replaced) => {
                    let mut batch = Batch::new();
                    batch.put_message(&replaced);
                    // Handed in before anything the message does next.
                    let durable = route.store.commit(batch);
                    if pending::hold_until(&replaced, Utc::now()).is_some() {
                        route.send(replaced, ctx);
                    } else {
                        route.queue.put_back(place, replaced);
                    }
                    Amended::Done(durable)
                }
                Err(status) => {
                    route.queue.put_back(place, message);
                    Amended::Refused(status)
                }
            }
        });
        MessageResult(amended.unwrap_or(Amended::NotHere))
    }
}
