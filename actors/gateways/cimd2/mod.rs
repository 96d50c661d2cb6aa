//! Gateway kind `cimd2`: an upstream SMSC over CIMD2 (Nokia). Its actor is
//! the one every upstream kind shares (`gateways::upstream`: queue,
//! routes, failover, stop and start, live view); `link` is the CIMD2 side,
//! one task keeping one TCP connection logged in (operation 01). A link
//! needs what a `ucp` link needs, so its config and settings are that
//! kind's ([`ucp::Settings`]), `login` holding the user identity.

pub mod link;

use crate::actors::gateways::ucp;

/// What the link of a `cimd2` gateway needs to know.
pub type Settings = ucp::Settings;
