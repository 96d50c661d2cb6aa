//! Gateway kind `http`: a provider with a web API. Its actor is the one
//! every upstream kind shares (`gateways::upstream`: queue, routes,
//! failover, stop and start, live view); `link` is the HTTP side, one task
//! making a request per message part, several at once. Receipts do not
//! come through the link: the provider calls `/receipts/{gateway}`
//! (`actors/web/gateway_receipts.rs`).

pub mod link;

use std::sync::Arc;
use std::time::Duration;

use crate::actors::gateways::upstream::shared::QueueSettings;
use crate::config::HttpGatewayConfig;
use crate::model::GatewayName;
use crate::upstream::status::BindStatus;

/// What the link of an `http` gateway needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    pub name: GatewayName,
    /// The URL template's scheme and host, for the logs (its path and
    /// query may hold the provider's key).
    pub address: String,
    pub config: Arc<HttpGatewayConfig>,
}

impl Settings {
    /// What the link of an `http` gateway needs from its config.
    pub fn new(name: GatewayName, config: &HttpGatewayConfig) -> Settings {
        Settings {
            name,
            address: origin(config.request.url.source()),
            config: Arc::new(config.clone()),
        }
    }

    /// Requests in flight at once.
    pub fn window(&self) -> usize {
        usize::try_from(self.config.window).unwrap_or(usize::MAX)
    }

    pub fn failover_after(&self) -> Option<Duration> {
        self.config.failover_after
    }

    /// The queue's settings.
    pub fn queue(&self) -> QueueSettings {
        QueueSettings {
            tps: self.config.tps,
            max_attempts: self.config.max_attempts,
            queue_limit: usize::try_from(self.config.queue_limit).unwrap_or(usize::MAX),
        }
    }
}

/// The operator view's one entry for the link.
pub fn bind_statuses() -> Vec<BindStatus> {
    vec![BindStatus::new("http", true)]
}

/// `scheme://host[:port]` of a URL template: what the logs show (the
/// path and query may hold credentials).
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials before an '@' are not shown either.
    let host = host.rsplit('@').next().unwrap_or(host);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn the_logs_show_the_origin_without_path_query_or_credentials() {
        assert_eq!(
            origin("https://user:pw@api.example:8443/send?key=SECRET&to={{to}}"),
            "https://api.example:8443"
        );
        assert_eq!(origin("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
    }
}
