//! Messages about a message no SMSC has yet: routed ([`Dispatch`]), held
//! by the schedule until its time ([`Hold`]), withdrawn by cancel_sm
//! ([`Withdraw`]) or changed by replace_sm ([`Amend`]). Such a message is
//! owned by exactly one actor, its route or the schedule, and each answers
//! these within one handler, so a message is taken or changed before it
//! moves on, or it has moved on already; never both.

use actix::Recipient;

use crate::model::Message;
use crate::pending::{Cancel, Replace};
use crate::smpp::CommandStatus;
use crate::store::Durable;

/// Route this message.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Dispatch {
    pub message: Message,
}

/// The route left the table: it passes its queue, and every message that
/// reaches it later, on to the table in force.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Retire;

/// Keep this message until its time; give it back to `route` then.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Hold {
    pub message: Message,
    pub route: Recipient<Dispatch>,
}

/// Take the pending messages this cancel_sm names; the answer is those
/// taken, already DELETED in memory (their owner has let go of them).
#[derive(actix::Message)]
#[rtype(result = "Vec<Message>")]
pub struct Withdraw {
    pub cancel: Cancel,
}

/// Apply this replace_sm to the pending message it names.
#[derive(actix::Message)]
#[rtype(result = "Amended")]
pub struct Amend {
    pub replace: Replace,
}

/// What an owner did with an [`Amend`].
pub enum Amended {
    /// It does not hold that message.
    NotHere,
    /// It holds it and the change is refused; the message is unchanged.
    Refused(CommandStatus),
    /// Changed; the write of the new message resolves here.
    Done(Durable),
}
