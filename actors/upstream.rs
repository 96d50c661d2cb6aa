//! One actor per upstream SMSC (gateway kind `smpp`), following the
//! contract in `gateway.rs`. The actor is the gateway's face to the switch:
//! it takes [`Deliver`] without blocking (a channel send), tells the routes
//! that subscribed whether the gateway is up, and owns the connection task
//! (`upstream_connection.rs`) that does the SMPP: bind, window, TPS,
//! enquire_link, reconnect with back-off, receipts. The task reports
//! `Sent`/`SendFailed`/`Receipt` straight to the receipts actor.
//!
//! The gateway is up only while the task is bound with a bind that may
//! submit (transmitter or transceiver); routes queue meanwhile. Messages
//! the task already holds wait in its queue across reconnects.
//!
//! Supervised: a handler that panics stops the actor, the `Supervisor`
//! restarts it, and `started` opens a new channel and task; the old task
//! sees its channel close and hands every message it held back to be
//! routed again (`SendFailed`, temporary).

use actix::prelude::*;
use slog::{Logger, error, info};
use tokio::sync::mpsc;

use super::faults;
use super::gateway::{Deliver, GatewayReport, GatewayStatus, Subscribe};
use super::supervision::guarded;
use super::upstream_connection::{self, Settings};
use crate::model::{GatewayName, Message, MessageId};

pub struct Upstream {
    settings: Settings,
    reports: Recipient<GatewayReport>,
    /// Routes to tell when the gateway goes up or down.
    subscribers: Vec<Recipient<GatewayStatus>>,
    up: bool,
    /// To the connection task; `None` before `started`.
    task: Option<mpsc::UnboundedSender<Message>>,
    logger: Logger,
}

impl Upstream {
    pub fn new(settings: Settings, reports: Recipient<GatewayReport>, logger: Logger) -> Upstream {
        Upstream {
            settings,
            reports,
            subscribers: Vec::new(),
            up: false,
            task: None,
            logger,
        }
    }

    fn name(&self) -> &GatewayName {
        &self.settings.name
    }

    fn status(&self) -> GatewayStatus {
        GatewayStatus {
            gateway: self.name().clone(),
            up: self.up,
        }
    }

    /// Hands `message` to the connection task; `false` when the task is
    /// gone (it never is unless it panicked).
    fn take(&mut self, message: Message) -> bool {
        faults::GATEWAY_PANIC.tick("gateway");
        self.task
            .as_ref()
            .is_some_and(|task| task.send(message).is_ok())
    }

    fn give_back(&self, id: MessageId) {
        self.reports.do_send(GatewayReport::SendFailed {
            id,
            gateway: self.name().clone(),
            status: None,
            permanent: false,
        });
    }
}

impl Actor for Upstream {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.task = Some(sender);
        actix_rt::spawn(upstream_connection::run(
            self.settings.clone(),
            receiver,
            ctx.address().recipient(),
            self.reports.clone(),
            self.logger.clone(),
        ));
    }
}

impl Supervised for Upstream {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // Dropping the sender ends the old task, which gives its messages back.
        self.task = None;
        if self.up {
            self.up = false;
            for subscriber in &self.subscribers {
                subscriber.do_send(self.status());
            }
        }
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
            Ok(true) => {}
            Ok(false) => {
                error!(self.logger, "connection task gone; message given back, restarting";
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
        subscribe.route.do_send(self.status());
        self.subscribers.push(subscribe.route);
    }
}

/// From the connection task: whether it may submit now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct LinkState {
    pub up: bool,
}

impl Handler<LinkState> for Upstream {
    type Result = ();

    fn handle(&mut self, state: LinkState, _ctx: &mut Context<Self>) {
        if state.up == self.up {
            return;
        }
        self.up = state.up;
        info!(self.logger, "gateway status"; "up" => self.up);
        for subscriber in &self.subscribers {
            subscriber.do_send(self.status());
        }
    }
}
