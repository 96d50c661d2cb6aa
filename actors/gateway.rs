//! The contract every gateway actor follows: the built-in simulator now,
//! SMPP upstreams and GSM modems next. Written once, here, in the manner of
//! Kannel's `smscconn_p.h`.
//!
//! A gateway actor:
//!
//! - MUST take every [`Deliver`] without blocking its handler: queue it,
//!   window it, throttle it, but never wait on I/O inside `handle`;
//! - MUST report each delivered message exactly once, as
//!   [`GatewayReport::Sent`] (with the id the SMSC gave it) or
//!   [`GatewayReport::SendFailed`]; a message it can no longer send (its
//!   connection dropped, it restarted) is reported `SendFailed` with
//!   `permanent: false`, and the switch sends it again;
//! - MUST report every receipt it receives as [`GatewayReport::Receipt`],
//!   keyed by the SMSC's id exactly as the gateway normalises it;
//! - MUST store every MO message it receives in the store's `inbox`, with
//!   the number it was sent to, and report it as
//!   [`GatewayReport::Received`] once that commit is durable (MO routing
//!   takes it from there; what it misses, it finds in `inbox` at start);
//! - MUST answer [`Subscribe`] with its current [`GatewayStatus`] and send
//!   the route a new one whenever it becomes able or unable to take
//!   messages (a route sends nothing to a gateway that is down; it queues);
//! - SHOULD, after a restart, pick up the receipts of messages it had sent
//!   (an SMSC sends them anyway; a simulated one must remember to) — the
//!   store has every SUBMITTED message with its gateway and upstream id.
//!
//! A gateway never charges, refunds or writes message states: the receipts
//! actor and the account do, from its reports.

use actix::Message as ActixMessage;
use chrono::{DateTime, Utc};

use crate::model::{GatewayName, Message, MessageId, MessageState, UpstreamId};
use crate::smpp::CommandStatus;

/// Take this message part and submit it.
#[derive(ActixMessage)]
#[rtype(result = "()")]
pub struct Deliver {
    pub message: Message,
}

/// What happened to a message, or a receipt that arrived.
#[derive(ActixMessage)]
#[rtype(result = "()")]
pub enum GatewayReport {
    /// The SMSC took the message and gave it this id.
    Sent {
        message: Box<Message>,
        upstream_id: UpstreamId,
    },
    /// The message did not reach the SMSC. `permanent`: it never will
    /// (REJECTED); otherwise the switch tries again.
    SendFailed {
        id: MessageId,
        gateway: GatewayName,
        status: Option<CommandStatus>,
        permanent: bool,
    },
    /// The SMSC reports a final (or intermediate) state.
    Receipt {
        gateway: GatewayName,
        upstream_id: UpstreamId,
        state: MessageState,
        error_code: Option<u16>,
        at: DateTime<Utc>,
    },
    /// An MO message is durably in `inbox` under this gateway and
    /// fingerprint.
    Received {
        gateway: GatewayName,
        fingerprint: String,
    },
}

/// Whether a gateway takes messages now.
#[derive(ActixMessage, Clone)]
#[rtype(result = "()")]
pub struct GatewayStatus {
    pub gateway: GatewayName,
    /// False while it is down, and also while it is up but takes no more
    /// (an smpp gateway whose queue is full): either way the route gives
    /// new messages to its next gateway.
    pub up: bool,
}

/// A route wants this gateway's status, now and on every change.
#[derive(ActixMessage)]
#[rtype(result = "()")]
pub struct Subscribe {
    pub route: actix::Recipient<GatewayStatus>,
}
