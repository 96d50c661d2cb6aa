//! The GSM modem gateway (kind `modem`), one per configured modem: an
//! actor that follows the gateway contract (`gateways`) and a thread of
//! its own that owns the serial port, because every serial read and write
//! blocks.
//!
//! - `channel`: what passes between the actor and its thread;
//! - `port`: the thread: connects, and reconnects with back-off;
//! - `link`: AT commands over the port, through the pure `modem::at` reader;
//! - `session`: one connection: init, send, receipts, incoming messages;
//! - `references`: TP-MR ↔ upstream id, rebuilt from the store at start.
//!
//! The actor hands each [`Deliver`] to the thread over a channel and
//! never waits; the thread sends them one at a time, the most urgent
//! first (`lanes`). The thread supervises the connection: when the port
//! cannot be opened, disappears, or the modem stops answering within
//! `command_timeout_ms`, the gateway is reported down (routes queue or
//! fail over), the message in flight and those still queued are given
//! back (`SendFailed`, not permanent), and it reconnects with doubling
//! back-off.
//!
//! The admin API's [`Administer`] and [`Reconfigure`] reach the thread as
//! a `Control` in the same channel, behind the messages already handed
//! over: stopped, the thread closes the port, gives back those still
//! waiting and every message it receives until started; new settings
//! reopen the port with them when they differ from those in use, and
//! what waits is sent through it. A stopping switch's [`Shutdown`] reaches
//! it the same way, but the thread takes it at once, between commands:
//! it finishes the one under way (a send's `Sent` is reported), closes
//! the port and ends; what waits stays in the store for the next start.
//! [`Inspect`] shows what the actor knows: connected or not, the last
//! error, signal and registration.

mod channel;
mod link;
mod port;
mod references;
mod session;

use std::sync::Arc;
use std::sync::mpsc::{self, Sender};

use actix::prelude::*;
use slog::{Logger, error, info, warn};
use tokio::sync::oneshot;

use crate::actors::gateways::core::{self, Subscribers};
use crate::actors::protocol::gateway::{
    Administer, Deliver, GatewayReport, GatewayView, Inspect, ModemView, Radio, Reconfigure,
    Shutdown, Subscribe, Takes,
};
use crate::config::GatewayKind;
use crate::config::ModemGatewayConfig;
use crate::model::{GatewayName, Message};
use crate::store::Store;
use channel::{Control, Job, PortStatus};
use port::PortThread;

pub struct Modem {
    name: GatewayName,
    /// To the port thread; it gives back what it cannot send.
    jobs: Sender<Job>,
    /// The settings in force (the thread has them too).
    config: ModemGatewayConfig,
    /// The modem is ready to send.
    up: bool,
    /// Stopped through the admin API.
    stopped: bool,
    last_error: Option<String>,
    radio: Option<Radio>,
    subscribers: Subscribers,
    reports: Recipient<GatewayReport>,
    logger: Logger,
}

impl Modem {
    /// Starts the actor (supervised) and its port thread.
    pub fn start(
        name: GatewayName,
        config: ModemGatewayConfig,
        stopped: bool,
        store: Arc<Store>,
        reports: Recipient<GatewayReport>,
        logger: Logger,
    ) -> Addr<Modem> {
        Supervisor::start(move |ctx: &mut Context<Modem>| {
            let (jobs, queue) = mpsc::channel();
            let wiring = PortThread {
                config: config.clone(),
                stopped,
                queue,
                status: ctx.address().recipient(),
                radio: ctx.address().recipient(),
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
                subscribers: Subscribers::new(name.clone()),
                name,
                jobs,
                config,
                up: false,
                stopped,
                last_error: None,
                radio: None,
                reports,
                logger,
            }
        })
    }

    /// Whether routes may give it messages.
    fn takes(&self) -> bool {
        self.up && !self.stopped
    }

    /// Campaign messages as well: a modem's lanes put them last.
    fn tell_routes(&mut self) {
        let takes = Takes::all_or_none(self.takes());
        self.subscribers.tell(takes);
    }

    /// Hands the port thread the settings in force and the stopped flag.
    fn control(&self) {
        let control = Control {
            config: self.config.clone(),
            stopped: self.stopped,
        };
        if self.jobs.send(Job::Control(control)).is_err() {
            warn!(
                self.logger,
                "modem thread gone; the change applies at the next start"
            );
        }
    }

    fn give_back(&self, message: &Message) {
        self.reports.do_send(GatewayReport::given_back(message.id));
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
        if self.stopped {
            self.give_back(&deliver.message);
            return;
        }
        if let Err(mpsc::SendError(Job::Send(message))) =
            self.jobs.send(Job::Send(Box::new(deliver.message)))
        {
            warn!(self.logger, "modem thread gone; message given back"; "message" => %message.id);
            self.give_back(&message);
        }
    }
}

impl Handler<Shutdown> for Modem {
    type Result = ResponseFuture<()>;

    /// Answers once the port thread has finished the command under way
    /// and closed the port (its `Sent` reported before), or at once if
    /// the thread is gone.
    fn handle(&mut self, _: Shutdown, _ctx: &mut Context<Self>) -> Self::Result {
        let (done, port_closed) = oneshot::channel();
        let sent = self.jobs.send(Job::ShutDown(done)).is_ok();
        Box::pin(async move {
            if sent {
                // Dropped unsent when the thread ends: either way it ended.
                let _ = port_closed.await;
            }
        })
    }
}

impl Handler<Subscribe> for Modem {
    type Result = ();

    fn handle(&mut self, subscribe: Subscribe, _ctx: &mut Context<Self>) {
        let takes = Takes::all_or_none(self.takes());
        self.subscribers.add(subscribe.route, takes);
    }
}

impl Handler<Administer> for Modem {
    type Result = ();

    fn handle(&mut self, administer: Administer, _ctx: &mut Context<Self>) {
        if !core::administer(&mut self.stopped, &administer, &self.logger) {
            return;
        }
        self.control();
        self.tell_routes();
    }
}

impl Handler<Reconfigure> for Modem {
    type Result = ();

    fn handle(&mut self, reconfigure: Reconfigure, _ctx: &mut Context<Self>) {
        match reconfigure.kind {
            GatewayKind::Modem(config) => {
                info!(self.logger, "new settings"; "device" => %config.device.display());
                self.config = config;
                self.control();
            }
            other => {
                error!(self.logger, "settings of another kind refused"; "kind" => other.name());
            }
        }
    }
}

impl Handler<Inspect> for Modem {
    type Result = MessageResult<Inspect>;

    fn handle(&mut self, _: Inspect, _ctx: &mut Context<Self>) -> MessageResult<Inspect> {
        MessageResult(GatewayView::Modem(ModemView {
            name: self.name.to_string(),
            kind: "modem",
            up: self.takes(),
            stopped: self.stopped,
            connected: self.up,
            device: self.config.device.display().to_string(),
            last_error: self.last_error.clone(),
            radio: self.radio.clone(),
        }))
    }
}

impl Handler<PortStatus> for Modem {
    type Result = ();

    fn handle(&mut self, status: PortStatus, _ctx: &mut Context<Self>) {
        self.up = status.up;
        if status.error.is_some() {
            self.last_error = status.error;
        }
        self.tell_routes();
    }
}

impl Handler<Radio> for Modem {
    type Result = ();

    fn handle(&mut self, radio: Radio, _ctx: &mut Context<Self>) {
        self.radio = Some(radio);
    }
}
