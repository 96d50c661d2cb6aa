//! Messages about a message no SMSC has yet: routed ([`Dispatch`]), held
//! by the schedule until its time ([`Hold`]), withdrawn by cancel_sm
//! ([`Withdraw`]) or changed by replace_sm ([`Amend`]). Such a message is
//! owned by exactly one actor, its route or the schedule, and each answers
//! these within one handler, so a message is taken or changed before it
//! moves on, or it has moved on already; never both.

use actix::Recipient;

use crate::model::{Message, MessageId};
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

/// Where the admin API reaches the messages content rules hold: the
/// schedule.
pub struct HeldMessages {
    pub list: Recipient<ListHeld>,
    pub review: Recipient<Review>,
}

/// The messages content rules hold (`held_by`), as the schedule holds
/// them now, oldest first.
#[derive(actix::Message)]
#[rtype(result = "Vec<Message>")]
pub struct ListHeld;

/// An admin's decision on a message a content rule holds, and on the
/// other parts of its concatenated message ([`crate::pending::same_message`]).
#[derive(actix::Message)]
#[rtype(result = "Reviewed")]
pub struct Review {
    pub id: MessageId,
    pub decision: Decision,
}

/// What becomes of a held message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Sent on as if just accepted.
    Release,
    /// Taken out, to become DELETED with its charge refunded.
    Drop,
}

/// What the schedule did with a [`Review`].
pub enum Reviewed {
    /// It holds no such message for a content rule.
    NotHeld,
    /// Released; the write of the message without its hold resolves here.
    Released(Durable),
    /// Taken out, every part, and DELETED in memory; the caller finishes
    /// them.
    Dropped(Vec<Message>),
}
