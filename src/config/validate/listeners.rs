//! `[smpp]` and `[web]`: where the switch listens, the ESME sessions'
//! window and timers, and the operator's credentials.

use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use crate::config::raw::{RawSmpp, RawWeb};
use crate::config::{SmppListenerConfig, WebConfig};

const DEFAULT_SMPP_LISTEN: &str = "127.0.0.1:2775";
const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_SMPP_WINDOW: u32 = 256;
const MAX_SMPP_WINDOW: u32 = 10_000;
const DEFAULT_ENQUIRE_LINK_INTERVAL_S: u64 = 30;
const DEFAULT_INACTIVITY_TIMEOUT_S: u64 = 300;
const DEFAULT_RESPONSE_TIMEOUT_S: u64 = 30;
const MAX_SMPP_TIMER_S: u64 = 86_400;
const DEFAULT_MAX_CONNECTIONS: u32 = 1_000;
const DEFAULT_MAX_CONNECTIONS_PER_IP: u32 = 50;
const MAX_CONNECTIONS: u32 = 100_000;
const DEFAULT_BIND_TIMEOUT_S: u64 = 10;

impl Checker<'_> {
    /// `[smpp]`: the SMPP listener and its sessions' window and timers.
    pub fn smpp(&mut self, raw: RawSmpp) -> SmppListenerConfig {
        let seconds = |this: &mut Self, value: Option<&Spanned<u64>>, key: &str, default: u64| {
            Duration::from_secs(this.bounded(value, key, default, 1, MAX_SMPP_TIMER_S))
        };
        SmppListenerConfig {
            listen: self.socket_addr(raw.listen.as_ref(), "smpp.listen", DEFAULT_SMPP_LISTEN),
            window: self.bounded(
                raw.window.as_ref(),
                "smpp.window",
                DEFAULT_SMPP_WINDOW,
                1,
                MAX_SMPP_WINDOW,
            ),
            enquire_link_interval: seconds(
                self,
                raw.enquire_link_interval_s.as_ref(),
                "smpp.enquire_link_interval_s",
                DEFAULT_ENQUIRE_LINK_INTERVAL_S,
            ),
            inactivity_timeout: seconds(
                self,
                raw.inactivity_timeout_s.as_ref(),
                "smpp.inactivity_timeout_s",
                DEFAULT_INACTIVITY_TIMEOUT_S,
            ),
            response_timeout: seconds(
                self,
                raw.response_timeout_s.as_ref(),
                "smpp.response_timeout_s",
                DEFAULT_RESPONSE_TIMEOUT_S,
            ),
            max_connections: self.bounded(
                raw.max_connections.as_ref(),
                "smpp.max_connections",
                DEFAULT_MAX_CONNECTIONS,
                1,
                MAX_CONNECTIONS,
            ),
            max_connections_per_ip: self.bounded(
                raw.max_connections_per_ip.as_ref(),
                "smpp.max_connections_per_ip",
                DEFAULT_MAX_CONNECTIONS_PER_IP,
                1,
                MAX_CONNECTIONS,
            ),
            bind_timeout: seconds(
                self,
                raw.bind_timeout_s.as_ref(),
                "smpp.bind_timeout_s",
                DEFAULT_BIND_TIMEOUT_S,
            ),
        }
    }

    /// `[web]`: the HTTP listener and the operator's credentials.
    pub fn web(&mut self, raw: RawWeb) -> WebConfig {
        WebConfig {
            listen: self.socket_addr(raw.listen.as_ref(), "web.listen", DEFAULT_WEB_LISTEN),
            admin_user: match raw.admin_user {
                Some(user) if user.get_ref().trim().is_empty() => {
                    self.report(&user, "web.admin_user", "must not be empty");
                    String::new()
                }
                Some(user) => user.into_inner(),
                None => "admin".to_string(),
            },
            admin_password: match raw.admin_password {
                Some(password) if password.get_ref().is_empty() => {
                    self.report(
                        &password,
                        "web.admin_password",
                        "must not be empty; leave the key out to have one generated",
                    );
                    None
                }
                password => password.map(Spanned::into_inner),
            },
        }
    }
}
