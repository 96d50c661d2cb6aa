//! The GSM modem gateway (kind `modem`), one per configured modem: an
//! actor that follows the gateway contract (`gateway.rs`) and a thread of
//! its own that owns the serial port, because every serial read and write
//! blocks.
//!
//! - `link`: AT commands over the port, through the pure `modem::at` reader;
//! - `session`: one connection: init, send, receipts, incoming messages;
//! - `references`: TP-MR ↔ upstream id, rebuilt from the store at start.
//!
//! The actor hands each [`Deliver`] to the thread over a channel and
//! never waits. The thread supervises the connection: when the port
//! cannot be opened, disappears, or the modem stops answering within
//! `command_timeout_ms`, the gateway is reported down (routes queue or
//! fail over), the message in flight and those still queued are given
//! back (`SendFailed`, not permanent), and it reconnects with doubling
//! back-off from [`MIN_BACKOFF`] to [`MAX_BACKOFF`].

mod link;
mod references;
mod session;

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use actix::prelude::*;
use slog::{Logger, error, info, warn};

use super::gateway::{Deliver, GatewayReport, GatewayStatus, Subscribe};
use crate::config::ModemGatewayConfig;
use crate::model::{GatewayName, Message};
use crate::store::Store;
use references::References;
use session::{Ended, Session, Wiring};

/// The first pause before reconnecting.
pub const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// The longest pause between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub struct Modem {
    name: GatewayName,
    /// To the port thread; it gives back what it cannot send.
    jobs: Sender<Message>,
    up: bool,
    subscribers: Vec<Recipient<GatewayStatus>>,
    reports: Recipient<GatewayReport>,
    logger: Logger,
}

impl Modem {
    /// Starts the actor (supervised) and its port thread.
    pub fn start(
        name: GatewayName,
        config: ModemGatewayConfig,
        store: Arc<Store>,
        reports: Recipient<GatewayReport>,
        logger: Logger,
    ) -> Addr<Modem> {
        Supervisor::start(move |ctx: &mut Context<Modem>| {
            let (jobs, queue) = mpsc::channel();
            let wiring = PortThread {
                config,
                queue,
                actor: ctx.address(),
                name: name.clone(),
                store,
                reports: reports.clone(),
                logger: logger.clone(),
            };
            let spawned = std::thread::Builder::new()
                .name(format!("modem-{name}"))
                .spawn(move || wiring.run());
            if let Err(error) = spawned {
                error!(logger, "cannot start the modem thread; the gateway stays down"; "error" => %error);
            }
            Modem {
                name,
                jobs,
                up: false,
                subscribers: Vec::new(),
                reports,
                logger,
            }
        })
    }

    fn give_back(&self, message: &Message) {
        self.reports.do_send(GatewayReport::SendFailed {
            id: message.id,
            gateway: self.name.clone(),
            status: None,
            permanent: false,
        });
    }
}

impl Actor for Modem {
    type Context = Context<Self>;
}

/// The port thread outlives a restart of the actor (same address, same
/// channel), so there is nothing to redo.
impl Supervised for Modem {}

impl Handler<Deliver> for Modem {
    type Result = ();

    fn handle(&mut self, deliver: Deliver, _ctx: &mut Context<Self>) {
        if let Err(mpsc::SendError(message)) = self.jobs.send(deliver.message) {
            warn!(self.logger, "modem thread gone; message given back"; "message" => %message.id);
            self.give_back(&message);
        }
    }
}

impl Handler<Subscribe> for Modem {
    type Result = ();

    fn handle(&mut self, subscribe: Subscribe, _ctx: &mut Context<Self>) {
        subscribe.route.do_send(GatewayStatus {
            gateway: self.name.clone(),
            up: self.up,
        });
        self.subscribers.push(subscribe.route);
    }
}

/// From the port thread: the modem became ready, or stopped being.
#[derive(Message)]
#[rtype(result = "()")]
struct PortStatus {
    up: bool,
}

impl Handler<PortStatus> for Modem {
    type Result = ();

    fn handle(&mut self, status: PortStatus, _ctx: &mut Context<Self>) {
        self.up = status.up;
        for route in &self.subscribers {
            route.do_send(GatewayStatus {
                gateway: self.name.clone(),
                up: status.up,
            });
        }
    }
}

/// What the port thread owns.
struct PortThread {
    config: ModemGatewayConfig,
    queue: Receiver<Message>,
    actor: Addr<Modem>,
    name: GatewayName,
    store: Arc<Store>,
    reports: Recipient<GatewayReport>,
    logger: Logger,
}

impl PortThread {
    fn run(self) {
        let references = match References::rebuild(&self.store, &self.name) {
            Ok(references) => references,
            Err(error) => {
                error!(self.logger, "cannot read the messages awaiting status reports; the modem stays down"; "error" => %error);
                return;
            }
        };
        let mut wiring = Wiring {
            name: self.name.clone(),
            store: self.store.clone(),
            reports: self.reports.clone(),
            references,
            pin_refused: false,
            logger: self.logger.clone(),
        };
        let mut backoff = MIN_BACKOFF;
        loop {
            let ended = match Session::open(&self.config, &mut wiring) {
                Ok(mut session) => {
                    info!(self.logger, "modem ready"; "device" => %self.config.device.display());
                    backoff = MIN_BACKOFF;
                    self.actor.do_send(PortStatus { up: true });
                    let ended = session.run(&self.queue);
                    self.actor.do_send(PortStatus { up: false });
                    ended
                }
                Err(error) => Err(error),
            };
            match ended {
                Ok(Ended::Stopped) => return,
                Err(error) => {
                    warn!(self.logger, "modem unavailable; reconnecting"; "error" => %error, "in" => ?backoff)
                }
            }
            // Messages the routes sent before they heard: back to them.
            if !self.give_back_queued(backoff) {
                return;
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Gives back every message that arrives during `pause`; false when
    /// the actor is gone.
    fn give_back_queued(&self, pause: Duration) -> bool {
        let until = std::time::Instant::now() + pause;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return true;
            }
            match self.queue.recv_timeout(left) {
                Ok(message) => self.reports.do_send(GatewayReport::SendFailed {
                    id: message.id,
                    gateway: self.name.clone(),
                    status: None,
                    permanent: false,
                }),
                Err(mpsc::RecvTimeoutError::Timeout) => return true,
                Err(mpsc::RecvTimeoutError::Disconnected) => return false,
            }
        }
    }
}
