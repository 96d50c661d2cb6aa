//! The gateways: one supervised actor per upstream, of each kind: the
//! built-in simulator, upstream SMSCs over SMPP (`smpp/`), UCP/EMI
//! (`ucp/`) or CIMD2 (`cimd2/`), all run by one actor (`upstream/`), and GSM modems
//! (`modem/`).
//! Each follows one contract, written once, here, in the manner of
//! Kannel's `smscconn_p.h`; its messages are in `protocol::gateway`.
//!
//! A gateway actor:
//!
//! - MUST take every `Deliver` without blocking its handler: queue it,
//!   window it, throttle it, but never wait on I/O inside `handle`;
//! - MUST report each delivered message exactly once, as
//!   `GatewayReport::Sent` (with the id the SMSC gave it) or
//!   `GatewayReport::SendFailed`; a message it can no longer send (its
//!   connection dropped, it restarted) is reported `SendFailed` with
//!   `permanent: false`, and the switch sends it again;
//! - MUST report every receipt it receives as `GatewayReport::Receipt`,
//!   keyed by the SMSC's id exactly as the gateway normalises it;
//! - MUST store every MO message it receives in the store's `inbox`, with
//!   the number it was sent to, and report it as
//!   `GatewayReport::Received` once that commit is durable (MO routing
//!   takes it from there; what it misses, it finds in `inbox` at start);
//! - MUST answer `Subscribe` with its current `GatewayStatus` and send
//!   the route a new one whenever it becomes able or unable to take
//!   messages, or campaign messages (a route sends nothing to a gateway
//!   that is down, and no campaign message to one that takes no bulk; it
//!   queues them);
//! - MUST obey `Administer`: stopped, it closes its connections (no
//!   reconnect attempts), reports itself down, gives its queued messages
//!   not yet in flight back at once (`SendFailed`, temporary), reports
//!   those in flight as their answers come, and gives back every new
//!   `Deliver`; started, it connects again. It starts stopped when told
//!   so at construction (the stopped flag is the admin API's, stored);
//! - MUST take `Reconfigure` without being replaced (routes keep its
//!   address): it connects again with the new settings, keeping what it
//!   has queued, losing and doubling nothing beyond what a dropped
//!   connection would;
//! - MUST answer `Inspect` with what the operator's live view shows;
//! - SHOULD, after a restart, pick up the receipts of messages it had sent
//!   (an SMSC sends them anyway; a simulated one must remember to) — the
//!   store has every SUBMITTED message with its gateway and upstream id.
//!
//! A gateway never charges, refunds or writes message states: the receipts
//! actor and the account do, from its reports.

pub mod cimd2;
pub mod core;
pub mod http;
pub mod modem;
pub mod simulator;
pub mod smpp;
pub mod ucp;
pub mod upstream;
