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
//!
//! The admin API's [`Administer`] and [`Reconfigure`] reach the thread as
//! a [`Control`] in the same channel, behind the messages already handed
//! over: stopped, the thread closes the port and gives back every message
//! it receives until started; new settings reopen the port with them when
//! they differ from those in use. [`Inspect`] shows what the actor knows:
//! connected or not, the last error, signal and registration.

mod link;
mod references;
mod session;

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use actix::prelude::*;
use slog::{Logger, error, info, warn};

use crate::actors::protocol::gateway::{
    Administer, Deliver, GatewayReport, GatewayStatus, GatewayView, Inspect, ModemView, Radio,
    Reconfigure, Subscribe,
};
use crate::config::GatewayKind;
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
    jobs: Sender<Job>,
    /// The settings in force (the thread has them too).
    config: ModemGatewayConfig,
    /// The modem is ready to send.
    up: bool,
    /// Stopped through the admin API.
    stopped: bool,
    last_error: Option<String>,
    radio: Option<Radio>,
    subscribers: Vec<Recipient<GatewayStatus>>,
    reports: Recipient<GatewayReport>,
    logger: Logger,
}

/// What the port thread takes, in order.
pub enum Job {
    /// Boxed: a message is large next to a control.
    Send(Box<Message>),
    Control(Control),
}

/// The admin API's word to the port thread: the settings in force and
/// whether the gateway is stopped.
pub struct Control {
    pub config: ModemGatewayConfig,
    pub stopped: bool,
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
                config,
                up: false,
                stopped,
                last_error: None,
                radio: None,
                subscribers: Vec::new(),
                reports,
                logger,
            }
        })
    }

    fn status(&self) -> GatewayStatus {
        GatewayStatus {
            gateway: self.name.clone(),
            up: self.up && !self.stopped,
        }
    }

    fn tell_routes(&self) {
        for route in &self.subscribers {
            route.do_send(self.status());
        }
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
        self.reports
            .do_send(GatewayReport::given_back(message.id, self.name.clone()));
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

impl Handler<Subscribe> for Modem {
    type Result = ();

    fn handle(&mut self, subscribe: Subscribe, _ctx: &mut Context<Self>) {
        subscribe.route.do_send(self.status());
        self.subscribers.push(subscribe.route);
    }
}

impl Handler<Administer> for Modem {
    type Result = ();

    fn handle(&mut self, administer: Administer, _ctx: &mut Context<Self>) {
        if administer.stopped == self.stopped {
            return;
        }
        self.stopped = administer.stopped;
        info!(self.logger, "gateway administratively"; "stopped" => self.stopped);
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
            up: self.up && !self.stopped,
            stopped: self.stopped,
            connected: self.up,
            device: self.config.device.display().to_string(),
            last_error: self.last_error.clone(),
            radio: self.radio.clone(),
        }))
    }
}

/// From the port thread: the modem became ready, or stopped being (with
/// the error, when one ended it).
#[derive(Message)]
#[rtype(result = "()")]
struct PortStatus {
    up: bool,
    error: Option<String>,
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

/// What the port thread owns.
struct PortThread {
    config: ModemGatewayConfig,
    stopped: bool,
    queue: Receiver<Job>,
    actor: Addr<Modem>,
    name: GatewayName,
    store: Arc<Store>,
    reports: Recipient<GatewayReport>,
    logger: Logger,
}

impl PortThread {
    fn run(mut self) {
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
            radio: self.actor.clone().recipient(),
            logger: self.logger.clone(),
        };
        let mut backoff = MIN_BACKOFF;
        loop {
            if self.stopped {
                info!(
                    self.logger,
                    "modem stopped through the admin API; port closed"
                );
                if !self.wait_until_started() {
                    return;
                }
                backoff = MIN_BACKOFF;
            }
            let ended = match Session::open(&self.config, &mut wiring) {
                Ok(mut session) => {
                    info!(self.logger, "modem ready"; "device" => %self.config.device.display());
                    backoff = MIN_BACKOFF;
                    self.actor.do_send(PortStatus {
                        up: true,
                        error: None,
                    });
                    let ended = session.run(&self.queue);
                    let error = ended.as_ref().err().map(ToString::to_string);
                    self.actor.do_send(PortStatus { up: false, error });
                    ended
                }
                Err(error) => {
                    self.actor.do_send(PortStatus {
                        up: false,
                        error: Some(error.to_string()),
                    });
                    Err(error)
                }
            };
            match ended {
                Ok(Ended::Stopped) => return,
                Ok(Ended::Changed(control)) => {
                    self.apply(control);
                    continue;
                }
                Err(error) => {
                    warn!(self.logger, "modem unavailable; reconnecting"; "error" => %error, "in" => ?backoff)
                }
            }
            // Messages the routes sent before they heard: back to them.
            match self.give_back_queued(backoff) {
                Pause::Over => backoff = (backoff * 2).min(MAX_BACKOFF),
                Pause::Changed => backoff = MIN_BACKOFF,
                Pause::Gone => return,
            }
        }
    }

    fn apply(&mut self, control: Control) {
        if control.config != self.config {
            info!(self.logger, "new settings; the port is opened again with them";
                "device" => %control.config.device.display());
        }
        self.config = control.config;
        self.stopped = control.stopped;
    }

    fn give_back(&self, message: &Message) {
        self.reports
            .do_send(GatewayReport::given_back(message.id, self.name.clone()));
    }

    /// Gives back every message that arrives during `pause`, which ends
    /// early when the admin API's control comes.
    fn give_back_queued(&mut self, pause: Duration) -> Pause {
        let until = std::time::Instant::now() + pause;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Pause::Over;
            }
            match self.queue.recv_timeout(left) {
                Ok(Job::Send(message)) => self.give_back(&message),
                Ok(Job::Control(control)) => {
                    self.apply(control);
                    return Pause::Changed;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return Pause::Over,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Pause::Gone,
            }
        }
    }

    /// Stopped: gives back every message that arrives until the admin API
    /// starts the gateway (true) or the actor is gone (false).
    fn wait_until_started(&mut self) -> bool {
        while self.stopped {
            match self.queue.recv() {
                Ok(Job::Send(message)) => self.give_back(&message),
                Ok(Job::Control(control)) => self.apply(control),
                Err(mpsc::RecvError) => return false,
            }
        }
        true
    }
}

/// How a pause between two connections ended.
enum Pause {
    Over,
    /// The admin API's control came: connect at once (unless stopped).
    Changed,
    /// The actor is gone.
    Gone,
}
