//! One actor per upstream SMSC (gateway kinds `smpp`, `ucp`, `cimd2` and `http`), following
//! the contract in `gateways/mod.rs`. The actor is the gateway's face to
//! the switch: it takes [`Deliver`] without blocking (a push onto the
//! queue its connections share, `shared`), tells the routes that
//! subscribed whether the gateway is up, and starts the connections that
//! speak the protocol: SMPP binds (`smpp::bind`), a UCP link
//! (`ucp::link`) or a CIMD2 link (`cimd2::link`), the two on one loop
//! (`link`), or an HTTP link (`http::link`), each doing login, window,
//! TPS, keep-alive, reconnect with back-off, receipts and MO as its
//! protocol has them, and reporting `Sent`/`SendFailed`/`Receipt`
//! straight to the receipts actor through its `reporter`. The actor knows
//! the protocol only to start it: the rest is the same for every kind.
//!
//! The gateway is up while at least one connection may submit (a
//! transmitter or transceiver that is bound, a UCP link logged in, an
//! HTTP link whose provider is not failing); routes
//! queue meanwhile. It also tells its routes it takes no more while its
//! queue is full (`queue_limit`, see `upstream::queue`), and no more
//! campaign messages while the queue is full for bulk (half of
//! `queue_limit` campaign messages), so the rest of the room is for the
//! urgent: the routes use their next gateway or hold those messages, and
//! one that still arrives is given back to be routed again. A full queue
//! is not the gateway being down: it does not start `failover_after`.
//!
//! Messages already in the gateway's queue wait there across reconnects,
//! except that every [`EXPIRY_SCAN`]:
//!
//! - a queued message past its validity goes back to the switch, whose
//!   route hands it to the schedule, which expires it (EXPIRED, receipt,
//!   refund: the path every pending message takes);
//! - with `failover_after`, once the gateway has been down that long, its
//!   queued messages (not those in flight) go back to the switch, which
//!   routes them to a gateway that is up. They leave the queue before they
//!   are given back, so none is sent by both.
//!
//! The admin API stops it ([`Administer`]): it tells its routes it is
//! down, gives its queue back at once and drains its connections (no more
//! submits, answers in flight awaited, then unbind or close; no reconnects
//! until started). New settings ([`Reconfigure`], of the same kind) drain
//! the connections the same way, keep the queue, and connect again with
//! the new settings once every old connection has ended. A stopping switch
//! ([`Shutdown`]) drains them the same way and waits for them to end,
//! keeping the queue, which is in the store for the next start. [`Inspect`]
//! answers what the operator view shows of it.
//!
//! Supervised: a handler that panics stops the actor, the `Supervisor`
//! restarts it, and `started` opens a new queue and new connections; the
//! old ones see their channel close and hand every message they held back
//! to be routed again (`SendFailed`, temporary).

pub mod link;
pub mod reporter;
pub mod shared;

use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use chrono::Utc;
use slog::{Logger, debug, error, info, warn};
use tokio::sync::{mpsc, watch};

use crate::actors::faults;
use crate::actors::gateways::core::{self, Subscribers};
use crate::actors::gateways::{cimd2, http, smpp, ucp};
use crate::actors::pipeline::route::EXPIRY_SCAN;
use crate::actors::protocol::gateway::{
    Administer, Deliver, GatewayReport, GatewayView, Inspect, Reconfigure, Shutdown, Subscribe,
    Takes,
};
use crate::actors::supervision::guarded;
use crate::config::GatewayKind;
use crate::model::{GatewayName, Message, MessageId};
use crate::store::Store;
use crate::upstream::Fill;
use crate::upstream::status::{BindStatus, GatewaySnapshot};
use shared::{Lifeline, QueueSettings, Shared, StateChanged};

/// The settings of an upstream gateway, by its protocol.
#[derive(Debug, Clone)]
pub enum Settings {
    Smpp(smpp::bind::Settings),
    Ucp(ucp::Settings),
    Http(http::Settings),
    Cimd2(cimd2::Settings),
}

impl Settings {
    /// The settings of an upstream `kind`; `None` for the other kinds.
    pub fn new(name: GatewayName, kind: &GatewayKind) -> Option<Settings> {
        match kind {
            GatewayKind::Smpp(smpp) => Some(Settings::Smpp(smpp::bind::Settings::new(name, smpp))),
            GatewayKind::Ucp(ucp) => Some(Settings::Ucp(ucp::Settings::new(name, ucp))),
            GatewayKind::Http(http) => Some(Settings::Http(http::Settings::new(name, http))),
            GatewayKind::Cimd2(cimd2) => Some(Settings::Cimd2(ucp::Settings::new(name, cimd2))),
            GatewayKind::Simulator(_) | GatewayKind::Modem(_) => None,
        }
    }

    fn name(&self) -> &GatewayName {
        match self {
            Settings::Smpp(smpp) => &smpp.name,
            Settings::Ucp(link) | Settings::Cimd2(link) => &link.name,
            Settings::Http(http) => &http.name,
        }
    }

    /// The kind as the config and the operator view name it.
    fn kind(&self) -> &'static str {
        match self {
            Settings::Smpp(_) => "smpp",
            Settings::Ucp(_) => "ucp",
            Settings::Http(_) => "http",
            Settings::Cimd2(_) => "cimd2",
        }
    }

    /// `host:port`.
    fn address(&self) -> &str {
        match self {
            Settings::Smpp(smpp) => &smpp.address,
            Settings::Ucp(link) | Settings::Cimd2(link) => &link.address,
            Settings::Http(http) => &http.address,
        }
    }

    fn queue(&self) -> QueueSettings {
        match self {
            Settings::Smpp(smpp) => smpp.queue(),
            Settings::Ucp(link) | Settings::Cimd2(link) => link.queue(),
            Settings::Http(http) => http.queue(),
        }
    }

    fn failover_after(&self) -> Option<std::time::Duration> {
        match self {
            Settings::Smpp(smpp) => smpp.failover_after,
            Settings::Ucp(link) | Settings::Cimd2(link) => link.failover_after,
            Settings::Http(http) => http.failover_after(),
        }
    }

    /// A state per connection, none connected yet.
    fn bind_statuses(&self) -> Vec<BindStatus> {
        match self {
            Settings::Smpp(smpp) => smpp.bind_statuses(),
            Settings::Ucp(_) | Settings::Cimd2(_) => ucp::bind_statuses(),
            Settings::Http(_) => http::bind_statuses(),
        }
    }
}

pub struct Upstream {
    settings: Settings,
    /// Where the binds keep MO messages.
    store: Arc<Store>,
    reports: Recipient<GatewayReport>,
    /// Routes to tell when the gateway goes up or down.
    subscribers: Subscribers,
    /// Some bind may submit.
    up: bool,
    /// Whether the queue is full, and full for bulk (see `Queue::fill`).
    fill: Fill,
    /// Since when no bind may submit; `None` while up.
    down_since: Option<Instant>,
    /// The queue and bind states shared with the binds; `None` before
    /// `started`.
    shared: Option<Arc<Shared>>,
    /// The binds running now; `None` while stopped, draining or before
    /// `started`.
    binds: Option<Binds>,
    /// Stopped through the admin API.
    stopped: bool,
    /// Old binds are draining; when they have ended, new ones start
    /// (unless stopped).
    draining: bool,
    /// Counts restarts, so a drain begun before one is not finished after.
    generation: u64,
    /// The switch is stopping ([`Shutdown`]): no connection starts again.
    shutting_down: bool,
    logger: Logger,
}

/// The handles on one set of binds.
struct Binds {
    /// Sending drains the binds; dropping closes them.
    close: watch::Sender<()>,
    /// Closes when every bind has ended.
    ended: mpsc::Receiver<()>,
}

impl Binds {
    /// Asks them to drain; resolves once every one has ended.
    async fn drain(mut self) {
        // No receiver left: every bind has ended already.
        let _ = self.close.send(());
        while self.ended.recv().await.is_some() {}
        // Held until here: dropping it earlier would close them.
        drop(self.close);
    }
}

impl Upstream {
    pub fn new(
        settings: Settings,
        store: Arc<Store>,
        reports: Recipient<GatewayReport>,
        stopped: bool,
        logger: Logger,
    ) -> Upstream {
        Upstream {
            subscribers: Subscribers::new(settings.name().clone()),
            settings,
            store,
            reports,
            up: false,
            fill: Fill::default(),
            down_since: Some(Instant::now()),
            shared: None,
            binds: None,
            stopped,
            draining: false,
            generation: 0,
            shutting_down: false,
            logger,
        }
    }

    fn name(&self) -> &GatewayName {
        self.settings.name()
    }

    /// Which messages routes may give it.
    fn takes(&self) -> Takes {
        let up = self.up && !self.stopped && !self.fill.full;
        Takes {
            up,
            bulk: up && !self.fill.full_for_bulk,
        }
    }

    /// Records whether some connection may submit (`up`) and how full the
    /// queue is, and tells the routes when that changes what they may do.
    fn set_state(&mut self, up: bool, fill: Fill) {
        if up != self.up {
            self.up = up;
            self.down_since = (!up).then(Instant::now);
            info!(self.logger, "gateway status"; "up" => up);
        }
        let queue_limit = self.settings.queue().queue_limit;
        if fill.full != self.fill.full {
            info!(self.logger, "gateway queue"; "full" => fill.full, "queue_limit" => queue_limit);
        }
        if fill.full_for_bulk != self.fill.full_for_bulk {
            // Every half second or so while a campaign fills the gateway.
            debug!(self.logger, "gateway queue for campaigns"; "full" => fill.full_for_bulk,
                "queue_limit" => queue_limit);
        }
        self.fill = fill;
        if let Some(shared) = &self.shared {
            shared.lock().fill_told = fill;
        }
        let takes = self.takes();
        self.subscribers.tell(takes);
    }

    /// Starts binds with the settings in force, on the queue there is.
    fn start_binds(&mut self, ctx: &mut Context<Self>) {
        let Some(shared) = self.shared.as_ref().filter(|_| !self.shutting_down) else {
            return;
        };
        let (close, closed) = watch::channel(());
        let (running, ended) = mpsc::channel(1);
        let lifeline = Lifeline { closed, running };
        let (link, reports) = (ctx.address().recipient(), self.reports.clone());
        match &self.settings {
            Settings::Smpp(settings) => smpp::bind::start(
                settings,
                &self.store,
                shared,
                &lifeline,
                link,
                reports,
                &self.logger,
            ),
            Settings::Ucp(settings) => self::link::start(
                ucp::link::Ucp::new(),
                settings,
                &self.store,
                shared,
                lifeline,
                link,
                reports,
                &self.logger,
            ),
            Settings::Cimd2(settings) => self::link::start(
                cimd2::link::Cimd2::new(),
                settings,
                &self.store,
                shared,
                lifeline,
                link,
                reports,
                &self.logger,
            ),
            Settings::Http(settings) => http::link::start(
                settings,
                &self.store,
                shared,
                lifeline,
                link,
                reports,
                &self.logger,
            ),
        }
        self.binds = Some(Binds { close, ended });
    }

    /// Asks the binds to drain; once all have ended, [`Upstream::drained`].
    fn drain(&mut self, ctx: &mut Context<Self>) {
        let Some(binds) = self.binds.take() else {
            return;
        };
        self.draining = true;
        let generation = self.generation;
        ctx.spawn(
            binds
                .drain()
                .into_actor(self)
                .map(move |(), upstream, ctx| {
                    if upstream.generation == generation {
                        upstream.drained(ctx);
                    }
                }),
        );
    }

    /// The old binds have all ended: bind again with the settings in
    /// force, or, stopped, give back what came back to the queue.
    fn drained(&mut self, ctx: &mut Context<Self>) {
        self.draining = false;
        if self.shutting_down {
            return;
        }
        if self.stopped {
            self.give_back_queue();
            return;
        }
        if let Some(shared) = &self.shared {
            shared.reconfigure(self.settings.queue(), self.settings.bind_statuses());
        }
        info!(self.logger, "connecting with the settings in force"; "address" => self.settings.address());
        self.start_binds(ctx);
    }

    /// Every queued message (those in flight are not in the queue) back
    /// to its route.
    fn give_back_queue(&mut self) {
        let Some(shared) = &self.shared else {
            return;
        };
        let count = shared.give_back_all(&self.reports);
        if count > 0 {
            info!(self.logger, "gateway stopped; queued messages go back to their routes";
                "count" => count);
        }
        self.set_state(self.up, Fill::default());
    }

    /// Queues `message` for the binds, unless there are no binds or the
    /// queue is full (for a campaign message, full for bulk).
    fn take(&mut self, message: Message) -> Taken {
        faults::GATEWAY_PANIC.tick("gateway");
        if self.stopped {
            return Taken::Stopped;
        }
        let Some(shared) = &self.shared else {
            return Taken::NoBinds;
        };
        if !shared.lock().queue.takes(&message) {
            return Taken::Full;
        }
        shared.push(message);
        let fill = shared.lock().queue.fill();
        self.set_state(self.up, fill);
        Taken::Queued
    }

    /// Back to the switch, to be routed again.
    fn give_back(&self, id: MessageId) {
        self.reports.do_send(GatewayReport::given_back(id));
    }

    /// Gives back the queued messages past their validity and, when the
    /// gateway has been down longer than `failover_after`, all the others.
    fn scan_queue(&mut self) {
        let Some(shared) = &self.shared else {
            return;
        };
        let down_too_long = match (self.settings.failover_after(), self.down_since) {
            (Some(after), Some(since)) => since.elapsed() >= after,
            _ => false,
        };
        let (expired, moved) = {
            let mut state = shared.lock();
            let expired = state.queue.take_expired(Utc::now());
            let moved = if down_too_long {
                state.queue.take_all()
            } else {
                Vec::new()
            };
            (expired, moved)
        };
        let fill = shared.lock().queue.fill();
        self.set_state(self.up, fill);
        if !expired.is_empty() {
            info!(self.logger, "queued messages past their validity given back to expire";
                "count" => expired.len());
        }
        if !moved.is_empty() {
            warn!(self.logger, "gateway down longer than failover_after; queued messages go back to their routes";
                "count" => moved.len());
        }
        for message in expired.iter().chain(&moved) {
            self.give_back(message.id);
        }
    }

    fn snapshot(&self) -> GatewaySnapshot {
        let mut snapshot = GatewaySnapshot {
            name: self.name().to_string(),
            kind: self.settings.kind(),
            up: self.up,
            stopped: self.stopped,
            binds: Vec::new(),
            window_in_use: 0,
            queue_depth: 0,
            tps_configured: self.settings.queue().tps,
            tps_measured: 0.0,
            last_error: None,
            reconnects: 0,
        };
        if let Some(shared) = &self.shared {
            let mut state = shared.lock();
            // From the same state as the binds shown: the actor's own
            // `up` follows a bind's change one message later.
            snapshot.up = state.may_submit();
            snapshot.binds.clone_from(&state.binds);
            snapshot.window_in_use = state.binds.iter().map(|bind| bind.window_in_use).sum();
            snapshot.reconnects = state.binds.iter().map(|bind| bind.reconnects).sum();
            snapshot.queue_depth = state.queue.len();
            snapshot.tps_measured = state.queue.measured_tps(Instant::now());
            snapshot.last_error.clone_from(&state.last_error);
        }
        snapshot
    }
}

impl Actor for Upstream {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.shared = Some(Shared::new(
            self.settings.queue(),
            self.settings.bind_statuses(),
        ));
        if self.stopped {
            info!(
                self.logger,
                "gateway stopped through the admin API; not binding"
            );
        } else {
            self.start_binds(ctx);
        }
        ctx.run_interval(EXPIRY_SCAN, |upstream, ctx| {
            let logger = upstream.logger.clone();
            let _ = guarded(upstream, ctx, &logger, "queue scan", |upstream, _| {
                upstream.scan_queue()
            });
        });
    }
}

impl Supervised for Upstream {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // Dropping the sender ends the old binds, which give their messages back.
        self.binds = None;
        self.draining = false;
        self.generation += 1;
        self.shared = None;
        self.set_state(false, Fill::default());
    }
}

impl Handler<Deliver> for Upstream {
    type Result = ();

    fn handle(&mut self, deliver: Deliver, ctx: &mut Context<Self>) {
        let id = deliver.message.id;
        let logger = self.logger.clone();
        let taken = guarded(self, ctx, &logger, "deliver", |upstream, _| {
            upstream.take(deliver.message)
        });
        match taken {
            Ok(Taken::Queued) => {}
            Ok(Taken::Stopped) => {
                debug!(self.logger, "gateway stopped; message given back to be routed again";
                    "message" => %id);
                self.give_back(id);
            }
            Ok(Taken::Full) => {
                debug!(self.logger, "queue full (for bulk, a campaign message); message given back to be routed again";
                    "message" => %id);
                self.give_back(id);
            }
            Ok(Taken::NoBinds) => {
                error!(self.logger, "no binds to take the message; given back, restarting";
                    "message" => %id);
                self.give_back(id);
                ctx.stop();
            }
            Err(_) => {
                info!(self.logger, "message given back after a panic"; "message" => %id);
                self.give_back(id);
            }
        }
    }
}

impl Handler<Subscribe> for Upstream {
    type Result = ();

    fn handle(&mut self, subscribe: Subscribe, _ctx: &mut Context<Self>) {
        let takes = self.takes();
        self.subscribers.add(subscribe.route, takes);
    }
}

/// What became of a message the route gave.
enum Taken {
    Queued,
    /// The queue is full, or full for bulk and the message a campaign's:
    /// given back.
    Full,
    /// Stopped through the admin API: given back.
    Stopped,
    /// No binds (between a restart and `started`): given back.
    NoBinds,
}

impl Handler<StateChanged> for Upstream {
    type Result = ();

    fn handle(&mut self, _: StateChanged, _ctx: &mut Context<Self>) {
        let (up, fill) = self
            .shared
            .as_ref()
            .map_or((false, Fill::default()), |shared| {
                let state = shared.lock();
                (state.may_submit(), state.queue.fill())
            });
        self.set_state(up, fill);
    }
}

impl Handler<Administer> for Upstream {
    type Result = ();

    fn handle(&mut self, administer: Administer, ctx: &mut Context<Self>) {
        if !core::administer(&mut self.stopped, &administer, &self.logger) {
            return;
        }
        let takes = self.takes();
        self.subscribers.tell(takes);
        if self.stopped {
            self.give_back_queue();
            self.drain(ctx);
        } else if !self.draining && self.binds.is_none() {
            if let Some(shared) = &self.shared {
                shared.reconfigure(self.settings.queue(), self.settings.bind_statuses());
            }
            self.start_binds(ctx);
        }
    }
}

impl Handler<Shutdown> for Upstream {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) -> Self::Result {
        self.shutting_down = true;
        let binds = self.binds.take();
        if binds.is_some() {
            info!(self.logger, "switch stopping: connections drain and end");
        }
        Box::pin(async move {
            if let Some(binds) = binds {
                binds.drain().await;
            }
        })
    }
}

impl Handler<Reconfigure> for Upstream {
    type Result = ();

    fn handle(&mut self, reconfigure: Reconfigure, ctx: &mut Context<Self>) {
        let settings = Settings::new(self.name().clone(), &reconfigure.kind)
            .filter(|settings| settings.kind() == self.settings.kind());
        let Some(settings) = settings else {
            error!(self.logger, "settings of another kind refused"; "kind" => reconfigure.kind.name());
            return;
        };
        self.settings = settings;
        info!(self.logger, "new settings; connections drain and connect again";
            "address" => self.settings.address(), "stopped" => self.stopped);
        // Stopped or draining, the next start takes them.
        self.drain(ctx);
    }
}

impl Handler<Inspect> for Upstream {
    type Result = MessageResult<Inspect>;

    fn handle(&mut self, _: Inspect, _ctx: &mut Context<Self>) -> MessageResult<Inspect> {
        MessageResult(GatewayView::Upstream(self.snapshot()))
    }
}
