//! Gateway kind `ucp`: an upstream SMSC over UCP/EMI. Its actor is the one
//! every upstream kind shares (`gateways::upstream`: queue, routes,
//! failover, stop and start, live view); `link` is the UCP side, one task
//! keeping one TCP connection logged in (operation 60).

pub mod link;

use std::time::Duration;

use crate::actors::gateways::upstream::shared::QueueSettings;
use crate::config::UcpGatewayConfig;
use crate::model::GatewayName;
use crate::upstream::status::BindStatus;

/// What the link of a `ucp` gateway needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    pub name: GatewayName,
    /// `host:port`.
    pub address: String,
    /// The OAdC we log in with (a `cimd2` link: the user identity).
    pub login: String,
    pub password: String,
    /// Outstanding operations (1 to 100; a `cimd2` link's, 1 to 128).
    pub window: usize,
    /// Parts per second for the gateway; 0 is unlimited.
    pub tps: u32,
    /// How often an alert (31; a `cimd2` link's alive, 40) goes out on a
    /// link otherwise quiet.
    pub keepalive: Duration,
    pub max_attempts: u32,
    pub failover_after: Option<Duration>,
    pub queue_limit: usize,
}

impl Settings {
    /// What the link of a `ucp` (or `cimd2`) gateway needs from its config.
    pub fn new(name: GatewayName, ucp: &UcpGatewayConfig) -> Settings {
        Settings {
            name,
            address: format!("{}:{}", ucp.host, ucp.port),
            login: ucp.login.clone(),
            password: ucp.password.clone(),
            window: usize::try_from(ucp.window).unwrap_or(usize::MAX),
            tps: ucp.tps,
            keepalive: ucp.keepalive,
            max_attempts: ucp.max_attempts,
            failover_after: ucp.failover_after,
            queue_limit: usize::try_from(ucp.queue_limit).unwrap_or(usize::MAX),
        }
    }

    /// The queue's settings.
    pub fn queue(&self) -> QueueSettings {
        QueueSettings {
            tps: self.tps,
            max_attempts: self.max_attempts,
            queue_limit: self.queue_limit,
        }
    }
}

/// The operator view's one entry for the link, not connected yet.
pub fn bind_statuses() -> Vec<BindStatus> {
    vec![BindStatus::new("link", true)]
}
