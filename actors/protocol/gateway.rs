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
//! - MUST obey [`Administer`]: stopped, it closes its connections (no
//!   reconnect attempts), reports itself down, gives its queued messages
//!   not yet in flight back at once (`SendFailed`, temporary), reports
//!   those in flight as their answers come, and gives back every new
//!   [`Deliver`]; started, it connects again. It starts stopped when told
//!   so at construction (the stopped flag is the admin API's, stored);
//! - MUST take [`Reconfigure`] without being replaced (routes keep its
//!   address): it connects again with the new settings, keeping what it
//!   has queued, losing and doubling nothing beyond what a dropped
//!   connection would;
//! - MUST answer [`Inspect`] with what the operator's live view shows;
//! - SHOULD, after a restart, pick up the receipts of messages it had sent
//!   (an SMSC sends them anyway; a simulated one must remember to) — the
//!   store has every SUBMITTED message with its gateway and upstream id.
//!
//! A gateway never charges, refunds or writes message states: the receipts
//! actor and the account do, from its reports.

use actix::Message as ActixMessage;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::actors::gateways::modem::ModemView;
use crate::actors::gateways::simulator::SimulatorView;
use crate::config::GatewayKind;
use crate::model::{GatewayName, Message, MessageId, MessageState, UpstreamId};
use crate::smpp::CommandStatus;
use crate::upstream::status::GatewaySnapshot;

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

impl GatewayReport {
    /// The gateway did not send message `id` (it stopped, restarted or
    /// lost its connection first): the switch routes it again.
    pub fn given_back(id: MessageId, gateway: GatewayName) -> GatewayReport {
        GatewayReport::SendFailed {
            id,
            gateway,
            status: None,
            permanent: false,
        }
    }
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

/// The admin API stops (`stopped: true`) or starts the gateway.
#[derive(ActixMessage)]
#[rtype(result = "()")]
pub struct Administer {
    pub stopped: bool,
}

/// The admin API changed the gateway's settings; the kind is the
/// gateway's own (the admin API refuses a change of kind).
#[derive(ActixMessage)]
#[rtype(result = "()")]
pub struct Reconfigure {
    pub kind: GatewayKind,
}

/// What the operator's live view shows of the gateway now.
#[derive(ActixMessage)]
#[rtype(result = "GatewayView")]
pub struct Inspect;

/// One gateway in the live view (`GET /api/v1/gateways`): each kind its
/// own fields, all with `name`, `kind`, `up` and `stopped`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum GatewayView {
    Smpp(GatewaySnapshot),
    Simulator(SimulatorView),
    Modem(ModemView),
}
