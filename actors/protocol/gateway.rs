//! The gateways' messages: what a route hands a gateway ([`Deliver`]),
//! what a gateway reports back ([`GatewayReport`], [`GatewayStatus`]),
//! what the admin API asks of it, and the live view of each kind. The
//! contract a gateway follows with them is written in `gateways`.

use actix::{Message as ActixMessage, Recipient};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::GatewayKind;
use crate::lanes::is_campaign;
use crate::model::{GatewayName, Message, MessageId, MessageState, UpstreamId};
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
    SendFailed { id: MessageId, permanent: bool },
    /// The SMSC refused the message for good (REJECTED), as `SendFailed`
    /// permanent, with the message, so route quality knows its gateway.
    Refused { message: Box<Message> },
    /// The SMSC reports a final (or intermediate) state. `recorded`, when
    /// given, hears once the state it sets is durable, so the gateway
    /// answers the SMSC only then.
    Receipt {
        gateway: GatewayName,
        upstream_id: UpstreamId,
        state: MessageState,
        error_code: Option<u16>,
        at: DateTime<Utc>,
        recorded: Option<Recorded>,
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
    pub fn given_back(id: MessageId) -> GatewayReport {
        GatewayReport::SendFailed {
            id,
            permanent: false,
        }
    }
}

/// Hears whether what a receipt changed is durable: `true` once its
/// commit is on disk, or when there was nothing to store (a receipt for a
/// message nobody has, or one already final); `false` when it could not be
/// stored. Dropped unanswered (an actor on the way panicked) is `false`
/// too: the gateway has the SMSC send the receipt again.
pub type Recorded = tokio::sync::oneshot::Sender<bool>;

/// Which messages a gateway takes now.
#[derive(ActixMessage, Clone)]
#[rtype(result = "()")]
pub struct GatewayStatus {
    pub gateway: GatewayName,
    pub takes: Takes,
}

/// Which messages a gateway takes: a route gives a campaign message only
/// to a gateway that takes bulk, any other to one that is up, and the
/// rest to its next gateway, or holds them until one takes them. The
/// default takes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Takes {
    /// False while it is down, and also while it is up but takes no more
    /// (an smpp gateway whose queue is full).
    pub up: bool,
    /// Campaign messages too: false while it is not up, and also while an
    /// smpp gateway's queue is full for bulk (`upstream::queue`).
    pub bulk: bool,
}

impl Takes {
    /// A gateway that takes every message while `up` (it has no queue
    /// campaigns could fill), or none.
    pub fn all_or_none(up: bool) -> Takes {
        Takes { up, bulk: up }
    }

    /// Whether it takes `message`.
    pub fn message(self, message: &Message) -> bool {
        if is_campaign(message) {
            self.bulk
        } else {
            self.up
        }
    }
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

/// The switch is stopping: the gateway ends its connections as a drain
/// does (no more submits, the answers in flight awaited, the deliveries
/// being stored answered, then unbind or logout; a modem finishes the
/// command under way and closes its port) and answers once every one has
/// ended. What is queued stays queued: it is in the store, and the
/// next start routes it again. Nothing connects again afterwards.
#[derive(ActixMessage)]
#[rtype(result = "()")]
pub struct Shutdown;

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
    /// An `smpp` or `ucp` gateway.
    Upstream(GatewaySnapshot),
    Simulator(SimulatorView),
    Modem(ModemView),
}

/// What every kind of gateway shows alike, for the web UI's tables.
pub struct GatewaySummary<'a> {
    pub name: &'a str,
    pub kind: &'static str,
    pub up: bool,
    pub stopped: bool,
    /// Messages waiting in its queue (0 for kinds without one).
    pub queued: usize,
    /// Messages sent and not yet answered (0 for kinds without a window).
    pub in_flight: usize,
}

impl GatewayView {
    /// What every kind shows alike.
    pub fn summary(&self) -> GatewaySummary<'_> {
        match self {
            GatewayView::Upstream(gateway) => GatewaySummary {
                name: &gateway.name,
                kind: gateway.kind,
                up: gateway.up,
                stopped: gateway.stopped,
                queued: gateway.queue_depth,
                in_flight: gateway.window_in_use,
            },
            GatewayView::Simulator(simulator) => GatewaySummary {
                name: &simulator.name,
                kind: simulator.kind,
                up: simulator.up,
                stopped: simulator.stopped,
                queued: 0,
                in_flight: 0,
            },
            GatewayView::Modem(modem) => GatewaySummary {
                name: &modem.name,
                kind: modem.kind,
                up: modem.up,
                stopped: modem.stopped,
                queued: 0,
                in_flight: 0,
            },
        }
    }
}

/// What the operator's live view shows of a simulator.
#[derive(Debug, Serialize)]
pub struct SimulatorView {
    pub name: String,
    /// `simulator`.
    pub kind: &'static str,
    /// Whether the routes may give it messages: when not stopped.
    pub up: bool,
    pub stopped: bool,
    pub dlr_delay_ms: u128,
    /// Receipts still to come.
    pub receipts_due: usize,
}

/// A message this gateway acknowledged before the process restarted.
#[derive(ActixMessage)]
#[rtype(result = "()")]
pub struct Resume {
    pub message: Message,
}

/// What the operator's live view shows of a modem.
#[derive(Debug, Serialize)]
pub struct ModemView {
    pub name: String,
    /// `modem`.
    pub kind: &'static str,
    /// Whether the routes may give it messages.
    pub up: bool,
    pub stopped: bool,
    /// Whether the port is open and the modem answered its init.
    pub connected: bool,
    pub device: String,
    pub last_error: Option<String>,
    /// Signal and registration at the last poll, once there was one.
    pub radio: Option<Radio>,
}

/// Signal and registration at the last poll.
#[derive(ActixMessage, Clone, Debug, Serialize)]
#[rtype(result = "()")]
pub struct Radio {
    /// `None` when the modem does not know.
    pub dbm: Option<i32>,
    pub registration: &'static str,
}

/// Where each message a gateway actor takes goes.
#[derive(Clone)]
pub struct GatewayHandle {
    pub deliver: Recipient<Deliver>,
    pub subscribe: Recipient<Subscribe>,
    pub administer: Recipient<Administer>,
    pub reconfigure: Recipient<Reconfigure>,
    pub inspect: Recipient<Inspect>,
    /// Reminded after a restart of the messages it acknowledged
    /// (simulators only: a real SMSC remembers by itself).
    pub resume: Option<Recipient<Resume>>,
    /// Asked to end its connections cleanly when the switch stops
    /// (upstream SMSCs and modems; a simulator has none).
    pub shutdown: Option<Recipient<Shutdown>>,
}
