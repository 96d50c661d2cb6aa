//! The built-in simulated SMSC (gateway kind `simulator`): no socket, it
//! acknowledges what it is given and reports a receipt `dlr_delay_ms`
//! later, with the outcome [`crate::simulation`] picks by the destination's
//! last digits. Refusals (`…9990`, `…9995`, `…9996`) are permanent here:
//! there is no connection to slow down, so retrying would loop. `…9997`
//! (no response) behaves as accepted without receipt, and `…9999` has no MO
//! (`pasarela sim-smsc` does both on a real socket).
//!
//! Receipts and slow acknowledgements wait in two FIFO queues (each has one
//! fixed delay, so arrival order is due order) drained by one timer, which
//! keeps a message's cost to a queue push. After a restart of the process,
//! the switch hands it the SUBMITTED messages it had acknowledged
//! ([`Resume`]) and their receipts come as a real SMSC's would.
//!
//! It is up unless stopped through the admin API ([`Administer`]):
//! stopped, it gives back the acknowledgements it still owes and every new
//! message, while the receipts it owes still come. [`Reconfigure`] changes
//! the receipt delay for the messages that follow.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::Utc;
use slog::{Logger, error, info, warn};

use crate::actors::faults;
use crate::actors::gateways::core::{self, Subscribers};
use crate::actors::protocol::gateway::{
    Administer, Deliver, GatewayReport, GatewayView, Inspect, Reconfigure, Resume, SimulatorView,
    Subscribe, Takes,
};
use crate::actors::supervision::guarded;
use crate::config::GatewayKind;
use crate::model::{GatewayName, Message, MessageId, UpstreamId};
use crate::simulation::{Behaviour, SubmitReply};

/// How often the queues are drained.
const TICK: Duration = Duration::from_millis(5);

pub struct Simulator {
    name: GatewayName,
    dlr_delay: Duration,
    reports: Recipient<GatewayReport>,
    receipts_due: VecDeque<(Instant, GatewayReport)>,
    acks_due: VecDeque<(Instant, Message)>,
    /// Routes to tell when it is stopped or started.
    subscribers: Subscribers,
    /// Stopped through the admin API.
    stopped: bool,
    logger: Logger,
}

impl Simulator {
    pub fn new(
        name: GatewayName,
        dlr_delay: Duration,
        reports: Recipient<GatewayReport>,
        stopped: bool,
        logger: Logger,
    ) -> Simulator {
        Simulator {
            subscribers: Subscribers::new(name.clone()),
            name,
            dlr_delay,
            reports,
            receipts_due: VecDeque::new(),
            acks_due: VecDeque::new(),
            stopped,
            logger,
        }
    }

    /// Back to the switch, to be routed again.
    fn give_back(&self, id: MessageId) {
        self.reports.do_send(GatewayReport::given_back(id));
    }

    /// Acknowledgements still owed go back to be routed again.
    fn give_back_unacknowledged(&mut self) {
        for (_, message) in std::mem::take(&mut self.acks_due) {
            self.give_back(message.id);
        }
    }

    fn take(&mut self, message: Message) {
        faults::GATEWAY_PANIC.tick("gateway");
        if self.stopped {
            self.give_back(message.id);
            return;
        }
        let behaviour = Behaviour::for_destination(message.destination.text());
        match behaviour.reply {
            SubmitReply::Refuse(_) => self.reports.do_send(GatewayReport::SendFailed {
                id: message.id,
                permanent: true,
            }),
            SubmitReply::AcceptAfter(delay) => {
                self.acks_due.push_back((Instant::now() + delay, message));
            }
            SubmitReply::Accept | SubmitReply::NoResponse => self.acknowledge(message),
        }
    }

    /// Reports the message sent (our id is its SMSC id) and queues its receipt.
    fn acknowledge(&mut self, message: Message) {
        let Ok(upstream_id) = UpstreamId::new(message.id.to_string()) else {
            return;
        };
        self.queue_receipt(&message, upstream_id.clone());
        self.reports.do_send(GatewayReport::Sent {
            message: Box::new(message),
            upstream_id,
        });
    }

    fn queue_receipt(&mut self, message: &Message, upstream_id: UpstreamId) {
        let behaviour = Behaviour::for_destination(message.destination.text());
        let no_response = behaviour.reply == SubmitReply::NoResponse;
        if let Some(state) = behaviour.outcome.filter(|_| !no_response) {
            let report = GatewayReport::Receipt {
                gateway: self.name.clone(),
                upstream_id,
                state,
                error_code: Some(behaviour.error_code),
                at: Utc::now(),
                // Simulated: no SMSC waits for an answer.
                recorded: None,
            };
            self.receipts_due
                .push_back((Instant::now() + self.dlr_delay, report));
        }
    }

    fn drain(&mut self) {
        let now = Instant::now();
        while self.acks_due.front().is_some_and(|(due, _)| *due <= now) {
            if let Some((_, message)) = self.acks_due.pop_front() {
                self.acknowledge(message);
            }
        }
        while self
            .receipts_due
            .front()
            .is_some_and(|(due, _)| *due <= now)
        {
            if let Some((_, mut report)) = self.receipts_due.pop_front() {
                if let GatewayReport::Receipt { at, .. } = &mut report {
                    *at = Utc::now();
                }
                self.reports.do_send(report);
            }
        }
    }
}

impl Actor for Simulator {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(TICK, |simulator, _| simulator.drain());
    }
}

impl Supervised for Simulator {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // The receipt queue is plain data and survives as it is.
        self.give_back_unacknowledged();
    }
}

impl Handler<Deliver> for Simulator {
    type Result = ();

    fn handle(&mut self, deliver: Deliver, ctx: &mut Context<Self>) {
        let id = deliver.message.id;
        let logger = self.logger.clone();
        let taken = guarded(self, ctx, &logger, "deliver", |simulator, _| {
            simulator.take(deliver.message)
        });
        if taken.is_err() {
            warn!(self.logger, "message given back after a panic"; "message" => %id);
            self.give_back(id);
        }
    }
}

impl Handler<Subscribe> for Simulator {
    type Result = ();

    fn handle(&mut self, subscribe: Subscribe, _ctx: &mut Context<Self>) {
        // Up unless stopped: there is no connection to lose, nor a queue
        // to fill.
        self.subscribers
            .add(subscribe.route, Takes::all_or_none(!self.stopped));
    }
}

impl Handler<Administer> for Simulator {
    type Result = ();

    fn handle(&mut self, administer: Administer, _ctx: &mut Context<Self>) {
        if !core::administer(&mut self.stopped, &administer, &self.logger) {
            return;
        }
        if self.stopped {
            self.give_back_unacknowledged();
        }
        self.subscribers.tell(Takes::all_or_none(!self.stopped));
    }
}

impl Handler<Reconfigure> for Simulator {
    type Result = ();

    fn handle(&mut self, reconfigure: Reconfigure, _ctx: &mut Context<Self>) {
        match reconfigure.kind {
            GatewayKind::Simulator(simulator) => {
                self.dlr_delay = simulator.dlr_delay;
                info!(self.logger, "new settings"; "dlr_delay_ms" => self.dlr_delay.as_millis());
            }
            other => {
                error!(self.logger, "settings of another kind refused"; "kind" => other.name());
            }
        }
    }
}

impl Handler<Inspect> for Simulator {
    type Result = MessageResult<Inspect>;

    fn handle(&mut self, _: Inspect, _ctx: &mut Context<Self>) -> MessageResult<Inspect> {
        MessageResult(GatewayView::Simulator(SimulatorView {
            name: self.name.to_string(),
            kind: "simulator",
            up: !self.stopped,
            stopped: self.stopped,
            dlr_delay_ms: self.dlr_delay.as_millis(),
            receipts_due: self.receipts_due.len(),
        }))
    }
}

impl Handler<Resume> for Simulator {
    type Result = ();

    fn handle(&mut self, resume: Resume, _ctx: &mut Context<Self>) {
        if let Some(upstream_id) = resume.message.upstream_id.clone() {
            self.queue_receipt(&resume.message, upstream_id);
        }
    }
}
