//! What every kind of gateway does alike: the handle the switch reaches it
//! by, the routes it tells whether it takes messages, and the admin API's
//! stop and start.

use actix::{Actor, Addr, Context, Handler, Recipient};
use slog::{Logger, info};

use crate::actors::protocol::gateway::{
    Administer, Deliver, GatewayHandle, GatewayStatus, Inspect, Reconfigure, Subscribe, Takes,
};
use crate::model::GatewayName;

/// The handle of a gateway actor `A`, which answers every message of the
/// contract; `resume` is left for the kinds that take it.
pub fn handle<A>(address: &Addr<A>) -> GatewayHandle
where
    A: Actor<Context = Context<A>>
        + Handler<Deliver>
        + Handler<Subscribe>
        + Handler<Administer>
        + Handler<Reconfigure>
        + Handler<Inspect>,
{
    GatewayHandle {
        deliver: address.clone().recipient(),
        subscribe: address.clone().recipient(),
        administer: address.clone().recipient(),
        reconfigure: address.clone().recipient(),
        inspect: address.clone().recipient(),
        resume: None,
        shutdown: None,
    }
}

/// The routes that subscribed to a gateway: each hears which messages the
/// gateway takes when it subscribes and at every change after.
pub struct Subscribers {
    gateway: GatewayName,
    routes: Vec<Recipient<GatewayStatus>>,
    /// What every route has heard last.
    told: Option<Takes>,
}

impl Subscribers {
    pub fn new(gateway: GatewayName) -> Subscribers {
        Subscribers {
            gateway,
            routes: Vec::new(),
            told: None,
        }
    }

    /// `route` subscribes while the gateway `takes` these messages.
    pub fn add(&mut self, route: Recipient<GatewayStatus>, takes: Takes) {
        route.do_send(self.status(takes));
        self.routes.push(route);
        self.told = Some(takes);
    }

    /// Tells every route which messages the gateway `takes`, unless that
    /// is what they heard last.
    pub fn tell(&mut self, takes: Takes) {
        if self.told == Some(takes) {
            return;
        }
        for route in &self.routes {
            route.do_send(self.status(takes));
        }
        self.told = Some(takes);
    }

    fn status(&self, takes: Takes) -> GatewayStatus {
        GatewayStatus {
            gateway: self.gateway.clone(),
            takes,
        }
    }
}

/// Applies the admin API's stop or start to `stopped`; `false` when it is
/// already so, and nothing is to be done.
pub fn administer(stopped: &mut bool, administer: &Administer, logger: &Logger) -> bool {
    if administer.stopped == *stopped {
        return false;
    }
    *stopped = administer.stopped;
    info!(logger, "gateway administratively"; "stopped" => *stopped);
    true
}
