//! `[smpp]`, `[ucp]`, `[cimd2]` and `[web]`: where the switch listens (plain, TLS or
//! both), the ESME sessions' window and timers, and the operator's
//! credentials.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use crate::config::raw::{RawCimd2, RawSmpp, RawUcp, RawWeb};
use crate::config::{SmppListenerConfig, TlsListenerConfig, UcpListenerConfig, WebConfig};

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
        let tls = self.tls_listener("smpp", &raw.tls_listen, &raw.tls_cert, &raw.tls_key);
        SmppListenerConfig {
            listen: self.plain_listener(&raw.listen, "smpp.listen", DEFAULT_SMPP_LISTEN, &tls),
            tls,
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

    /// `[ucp]`: the UCP/EMI listener, only when `listen` is given.
    pub fn ucp(&mut self, raw: RawUcp) -> UcpListenerConfig {
        UcpListenerConfig {
            listen: raw
                .listen
                .as_ref()
                .map(|listen| self.socket_addr(Some(listen), "ucp.listen", "127.0.0.1:0")),
        }
    }

    /// `[cimd2]`: the CIMD2 listener, only when `listen` is given.
    pub fn cimd2(&mut self, raw: RawCimd2) -> UcpListenerConfig {
        UcpListenerConfig {
            listen: raw
                .listen
                .as_ref()
                .map(|listen| self.socket_addr(Some(listen), "cimd2.listen", "127.0.0.1:0")),
        }
    }

    /// `[web]`: the HTTP listener and the operator's credentials.
    pub fn web(&mut self, raw: RawWeb) -> WebConfig {
        let tls = self.tls_listener("web", &raw.tls_listen, &raw.tls_cert, &raw.tls_key);
        WebConfig {
            listen: self.plain_listener(&raw.listen, "web.listen", DEFAULT_WEB_LISTEN, &tls),
            tls,
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

    /// The plain listener: `listen` when given; else `default`, unless
    /// the section has a TLS listener, which then is the only one.
    fn plain_listener(
        &mut self,
        listen: &Option<Spanned<String>>,
        key: &str,
        default: &str,
        tls: &Option<TlsListenerConfig>,
    ) -> Option<SocketAddr> {
        match (listen, tls) {
            (None, Some(_)) => None,
            (listen, _) => Some(self.socket_addr(listen.as_ref(), key, default)),
        }
    }

    /// `tls_listen`, `tls_cert` and `tls_key` of `section`: all three or
    /// none.
    fn tls_listener(
        &mut self,
        section: &str,
        listen: &Option<Spanned<String>>,
        cert: &Option<Spanned<String>>,
        key: &Option<Spanned<String>>,
    ) -> Option<TlsListenerConfig> {
        let listen_key = format!("{section}.tls_listen");
        let Some(listen) = listen else {
            for (value, name) in [(cert, "tls_cert"), (key, "tls_key")] {
                if let Some(value) = value {
                    let message = format!("only with {listen_key}");
                    self.report(value, &format!("{section}.{name}"), message);
                }
            }
            return None;
        };
        let address = self.socket_addr(Some(listen), &listen_key, "127.0.0.1:0");
        let mut file = |value: &Option<Spanned<String>>, name: &str| match value {
            Some(path) if path.get_ref().is_empty() => {
                self.report(path, &format!("{section}.{name}"), "must not be empty");
                None
            }
            Some(path) => Some(PathBuf::from(path.get_ref())),
            None => {
                let message = format!("required with {listen_key} (a PEM file)");
                self.report(listen, &format!("{section}.{name}"), message);
                None
            }
        };
        let cert = file(cert, "tls_cert");
        let key = file(key, "tls_key");
        Some(TlsListenerConfig {
            listen: address,
            cert: cert?,
            key: key?,
        })
    }
}
