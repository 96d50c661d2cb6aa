//! What every kind of gateway answers alike: the handle the switch
//! reaches it by, and the routes it tells whether it takes messages.

use actix::{Actor, Addr, Context, Handler};

use crate::actors::protocol::gateway::{
    Administer, Deliver, GatewayHandle, Inspect, Reconfigure, Subscribe,
};

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
    }
}
