//! Gateway kind `cimd2`: an upstream SMSC over CIMD2 (Nokia). Its actor is
//! the one every upstream kind shares (`gateways::upstream`: queue,
//! routes, failover, stop and start, live view); `link` is the CIMD2 side,
//! one task keeping one TCP connection logged in (operation 01). A link
//! needs what a `ucp` link needs, so its settings are that kind's
//! ([`ucp::Settings`]), `login` holding the user identity.

pub mod link;

use crate::actors::gateways::ucp;
use crate::config::Cimd2GatewayConfig;
use crate::model::GatewayName;

/// What the link of a `cimd2` gateway needs to know.
pub type Settings = ucp::Settings;

/// The settings of a `cimd2` gateway from its config.
pub fn settings(name: GatewayName, cimd2: &Cimd2GatewayConfig) -> Settings {
    Settings {
        name,
        address: format!("{}:{}", cimd2.host, cimd2.port),
        login: cimd2.username.clone(),
        password: cimd2.password.clone(),
        window: usize::try_from(cimd2.window).unwrap_or(usize::MAX),
        tps: cimd2.tps,
        keepalive: cimd2.keepalive,
        max_attempts: cimd2.max_attempts,
        failover_after: cimd2.failover_after,
        queue_limit: usize::try_from(cimd2.queue_limit).unwrap_or(usize::MAX),
    }
}
