//! The route table in force, with the actor of each route, replaceable while the switch runs. Everything that
//! routes (accounts, receipts, amend, the web, recovery) reads the current
//! [`Routing`] here: one atomic load, no lock on the path of a message.
//! The admin API builds a new `Routing` and swaps it in; messages already
//! dispatched to a route that is gone are passed on by that route (see
//! [`Retire`]).

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use actix::Recipient;
use arc_swap::ArcSwap;

use super::pending::{Amend, Dispatch, Retire, Withdraw};
use crate::model::{Message, MessageId};
use crate::routing::{self, RouteTable};

/// Where each message a route actor takes goes.
#[derive(Clone)]
pub struct RouteHandle {
    pub dispatch: Recipient<Dispatch>,
    pub withdraw: Recipient<Withdraw>,
    pub amend: Recipient<Amend>,
    pub retire: Recipient<Retire>,
    /// Messages of no campaign waiting in the route's queue, as the route
    /// last counted them (after each message it takes or hands on): an
    /// account refuses new ones past `limits.route_queue_max`.
    pub waiting: Arc<AtomicUsize>,
}

/// One route table and the actor of each of its routes, by index.
pub struct Routing {
    pub table: RouteTable,
    pub actors: Vec<RouteHandle>,
}

impl Routing {
    /// The route for a message from `account` to `digits`, and its actor.
    pub fn lookup(&self, account: &str, digits: &str) -> Option<(&routing::Route, &RouteHandle)> {
        let route = self.table.lookup(account, digits)?;
        Some((route, self.actors.get(route.index)?))
    }

    /// Hands `message` to its route; when no route applies, the message
    /// stays as the store has it and its id comes back.
    pub fn dispatch(&self, message: Message) -> Result<(), MessageId> {
        match self.lookup(message.account.as_str(), message.destination.text()) {
            Some((_, actor)) => {
                actor.dispatch.do_send(Dispatch { message });
                Ok(())
            }
            None => Err(message.id),
        }
    }
}

/// The [`Routing`] in force.
pub struct LiveRoutes(ArcSwap<Routing>);

impl LiveRoutes {
    pub fn new(routing: Routing) -> LiveRoutes {
        LiveRoutes(ArcSwap::from_pointee(routing))
    }

    /// The routing in force now; hold it for as long as one decision needs
    /// a consistent table and actor list.
    pub fn current(&self) -> Arc<Routing> {
        self.0.load_full()
    }

    /// Puts `routing` in force for every later lookup; returns the one it
    /// replaces.
    pub fn replace(&self, routing: Routing) -> Arc<Routing> {
        self.0.swap(Arc::new(routing))
    }
}
