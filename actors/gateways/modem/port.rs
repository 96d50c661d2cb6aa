//! The modem's thread: it owns the serial port, because every serial read
//! and write blocks. It opens the port and runs a session on it until the
//! port fails or the modem stops answering, then reconnects with doubling
//! back-off from [`MIN_BACKOFF`] to [`MAX_BACKOFF`]; meanwhile, and while
//! the gateway is stopped, it gives back every message it is handed.
//! Messages handed over wait in priority lanes across sessions (new
//! settings reopen the port with them); when the port fails or the
//! gateway is stopped, those still waiting are given back too. A stopping
//! switch's shutdown ends the thread after the command under way; what
//! waits stays in the store for the next start.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use actix::Recipient;
use slog::{Logger, error, info, warn};

use super::channel::{Control, Job, PortStatus};
use super::references::References;
use super::session::{Ended, Session, Wiring};
use crate::actors::protocol::gateway::{GatewayReport, Radio};
use crate::config::ModemGatewayConfig;
use crate::lanes::Lanes;
use crate::model::{GatewayName, Message};
use crate::store::Store;

/// The first pause before reconnecting.
pub const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// The longest pause between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the port thread owns.
pub struct PortThread {
    pub config: ModemGatewayConfig,
    pub stopped: bool,
    pub queue: Receiver<Job>,
    /// The actor: whether the port is up, and the radio at each poll.
    pub status: Recipient<PortStatus>,
    pub radio: Recipient<Radio>,
    pub name: GatewayName,
    pub store: Arc<Store>,
    pub reports: Recipient<GatewayReport>,
    pub logger: Logger,
}

impl PortThread {
    /// Connects, runs sessions and reconnects with back-off until the
    /// actor is gone.
    pub fn run(mut self) {
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
            radio: self.radio.clone(),
            logger: self.logger.clone(),
        };
        let mut waiting = Lanes::new();
        let mut backoff = MIN_BACKOFF;
        loop {
            if self.stopped {
                self.give_back_waiting(&mut waiting);
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
                    self.status.do_send(PortStatus {
                        up: true,
                        error: None,
                    });
                    let ended = session.run(&self.queue, &mut waiting);
                    let error = ended.as_ref().err().map(ToString::to_string);
                    self.status.do_send(PortStatus { up: false, error });
                    ended
                }
                Err(error) => {
                    self.status.do_send(PortStatus {
                        up: false,
                        error: Some(error.to_string()),
                    });
                    Err(error)
                }
            };
            match ended {
                Ok(Ended::Stopped) => return,
                Ok(Ended::ShutDown(done)) => {
                    info!(self.logger, "switch stopping: modem port closed");
                    drop(done);
                    return;
                }
                Ok(Ended::Changed(control)) => {
                    self.apply(control);
                    continue;
                }
                Err(error) => {
                    warn!(self.logger, "modem unavailable; reconnecting"; "error" => %error, "in" => ?backoff)
                }
            }
            // Messages the routes sent before they heard: back to them.
            self.give_back_waiting(&mut waiting);
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
        self.reports.do_send(GatewayReport::given_back(message.id));
    }

    fn give_back_waiting(&self, waiting: &mut Lanes<Message>) {
        for message in waiting.take_all() {
            self.give_back(&message);
        }
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
                // The port is closed already; dropping it says so.
                Ok(Job::ShutDown(_)) => return Pause::Gone,
                Err(mpsc::RecvTimeoutError::Timeout) => return Pause::Over,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Pause::Gone,
            }
        }
    }

    /// Stopped: gives back every message that arrives until the admin API
    /// starts the gateway (true), or the switch stops or the actor is gone
    /// (false).
    fn wait_until_started(&mut self) -> bool {
        while self.stopped {
            match self.queue.recv() {
                Ok(Job::Send(message)) => self.give_back(&message),
                Ok(Job::Control(control)) => self.apply(control),
                Ok(Job::ShutDown(_)) | Err(mpsc::RecvError) => return false,
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
    /// The switch is stopping, or the actor is gone.
    Gone,
}
