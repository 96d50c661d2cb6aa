//! Supervision that survives panics. actix's `Supervisor` restarts an actor
//! that *stops*, but a panic inside a handler unwinds through the actor's
//! task and closes its mailbox for good. So every handler of a supervised
//! actor runs its body through [`guarded`]: a panic is caught at the handler
//! boundary, logged, and turned into a stop, which the `Supervisor` answers
//! with `restarting()`, where the actor reads its state back from the store.
//!
//! Whatever the handler had done in memory before the panic is thrown away
//! with the restart; what it had committed to the store stays. Handlers are
//! written so that the commit is their last step, so a panic never leaves an
//! acknowledged message behind.

use std::panic::{AssertUnwindSafe, catch_unwind};

use actix::{ActorContext, Supervised};
use slog::{Logger, error};

/// A handler body panicked; the actor is restarting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panicked;

/// Runs `body`; on a panic logs it, stops the actor (its `Supervisor`
/// restarts it) and returns `Err(Panicked)`.
pub fn guarded<A, R>(
    actor: &mut A,
    ctx: &mut A::Context,
    logger: &Logger,
    what: &'static str,
    body: impl FnOnce(&mut A, &mut A::Context) -> R,
) -> Result<R, Panicked>
where
    A: Supervised,
    A::Context: ActorContext,
{
    match catch_unwind(AssertUnwindSafe(|| body(actor, ctx))) {
        Ok(result) => Ok(result),
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-text panic".to_owned());
            error!(logger, "actor panicked; restarting it from the store";
                "handler" => what, "reason" => reason);
            ctx.stop();
            Err(Panicked)
        }
    }
}
