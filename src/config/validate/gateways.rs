//! `[[gateways]]`: each gateway's name, and its kind checked in one place
//! per kind (`simulator`, `smpp`, `ucp`, `cimd2`, `modem`; `http` in
//! `http_gateway.rs`): the keys that kind takes (a key
//! of another kind is an error, not something to ignore), their defaults
//! and limits. The admin API's gateway definitions go through the same.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::checker::{Checker, at};
use crate::config::raw::RawGateway;
use crate::config::{
    BindMode, GatewayConfig, GatewayKind, IdFormat, MAX_PASSWORD_LEN, MAX_SYSTEM_ID_LEN,
    ModemGatewayConfig, SimulatorGatewayConfig, SmppGatewayConfig, UcpGatewayConfig, UpstreamTls,
};

const MAX_GATEWAY_NAME_LEN: usize = 64;
const DEFAULT_DLR_DELAY_MS: u64 = 200;
const DEFAULT_WINDOW: u32 = 64;
const MAX_WINDOW: u32 = 65_535;
const DEFAULT_SESSIONS: u32 = 1;
const MAX_SESSIONS: u32 = 64;
const DEFAULT_MAX_ATTEMPTS: u32 = 10;
const MAX_MAX_ATTEMPTS: u32 = 1_000;
/// Messages an smpp gateway's queue holds before its routes go elsewhere.
const DEFAULT_QUEUE_LIMIT: u32 = 10_000;
const MAX_QUEUE_LIMIT: u32 = 10_000_000;
/// A day: longer than any SMSC outage worth waiting out in a queue.
const MAX_FAILOVER_AFTER_S: u64 = 86_400;
/// UCP's TRN is two digits: at most 100 operations outstanding.
const MAX_UCP_WINDOW: u32 = 100;
const DEFAULT_UCP_WINDOW: u32 = 64;
/// What an OAdC and a PWD may hold, as Kannel and the SMSCs take them.
const MAX_UCP_CREDENTIAL_LEN: usize = 16;
/// CIMD2's client packet numbers are odd, 001–255: 128 of them.
const MAX_CIMD2_WINDOW: u32 = 128;
const DEFAULT_CIMD2_WINDOW: u32 = 32;
/// What a user identity (010) and a password (011) may hold (Kannel's
/// parameter table).
const MAX_CIMD2_CREDENTIAL_LEN: usize = 32;
const DEFAULT_KEEPALIVE_S: u64 = 60;
const MAX_KEEPALIVE_S: u64 = 3_600;
const DEFAULT_BAUD: u32 = 115_200;
const DEFAULT_MODEM_COMMAND_TIMEOUT_MS: u64 = 30_000;
const MAX_MODEM_COMMAND_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_MODEM_POLL_INTERVAL_MS: u64 = 30_000;
const MAX_MODEM_POLL_INTERVAL_MS: u64 = 3_600_000;

/// The keys a gateway of kind `smpp` takes.
const SMPP_KEYS: &[&str] = &[
    "host",
    "port",
    "system_id",
    "password",
    "bind",
    "window",
    "tps",
    "id_format",
    "sessions",
    "max_attempts",
    "failover_after_s",
    "queue_limit",
    "tls",
    "tls_ca",
];

/// The keys a gateway of kind `ucp` takes.
const UCP_KEYS: &[&str] = &[
    "host",
    "port",
    "login",
    "password",
    "window",
    "tps",
    "keepalive_s",
    "max_attempts",
    "failover_after_s",
    "queue_limit",
];

/// The keys a gateway of kind `cimd2` takes.
const CIMD2_KEYS: &[&str] = &[
    "host",
    "port",
    "username",
    "password",
    "window",
    "tps",
    "keepalive_s",
    "max_attempts",
    "failover_after_s",
    "queue_limit",
];

/// What differs between the kinds of one logged-in connection.
struct Login<'a> {
    kind: &'static str,
    keys: &'static [&'static str],
    /// The key of the login's name, and its value.
    key: &'static str,
    value: Option<&'a Spanned<String>>,
    /// The longest name and password.
    max_len: usize,
    default_window: u32,
    max_window: u32,
}

/// The keys of an upstream gateway's queue (every upstream kind alike).
pub(super) struct QueueKeys {
    pub tps: u32,
    pub max_attempts: u32,
    pub failover_after: Option<Duration>,
    pub queue_limit: u32,
}

/// The keys a gateway of kind `modem` takes.
const MODEM_KEYS: &[&str] = &[
    "device",
    "baud",
    "pin",
    "command_timeout_ms",
    "poll_interval_ms",
    "number",
];

/// 1 to [`MAX_GATEWAY_NAME_LEN`] letters, digits, '-' or '_'.
fn gateway_name_fits(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_GATEWAY_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Checker<'_> {
    /// `[[gateways]]`: each entry by its kind's rules; no name twice.
    pub fn gateways(&mut self, raw: Vec<Spanned<RawGateway>>) -> Vec<GatewayConfig> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut gateways = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix = format!("gateways[{index}]");
            let name = entry.name.get_ref().clone();
            if gateway_name_fits(&name) && !seen.insert(name.clone()) {
                self.report(
                    &entry.name,
                    &at(&prefix, "name"),
                    format!("duplicate gateway name {name:?}"),
                );
            }
            gateways.extend(self.gateway(&entry, &prefix));
        }
        gateways
    }

    /// One gateway entry's own rules (not those that span entries): its
    /// name's form, its kind and the keys of that kind.
    pub fn gateway(&mut self, entry: &RawGateway, prefix: &str) -> Option<GatewayConfig> {
        let name = entry.name.get_ref().clone();
        if !gateway_name_fits(&name) {
            self.report(
                &entry.name,
                &at(prefix, "name"),
                format!("gateway name {name:?} must be 1 to {MAX_GATEWAY_NAME_LEN} letters, digits, '-' or '_'"),
            );
        }
        let kind = self.gateway_kind(entry, prefix)?;
        Some(GatewayConfig { name, kind })
    }

    /// The gateway's kind, each checked by its own rules.
    fn gateway_kind(&mut self, entry: &RawGateway, prefix: &str) -> Option<GatewayKind> {
        Some(match entry.kind.get_ref().as_str() {
            "simulator" => self.simulator(entry, prefix),
            "smpp" => self.smpp_gateway(entry, prefix),
            "ucp" => self.ucp_gateway(entry, prefix),
            "cimd2" => self.cimd2_gateway(entry, prefix),
            "http" => self.http_gateway(entry, prefix),
            "modem" => self.modem(entry, prefix),
            other => {
                let message = format!(
                    "unknown gateway kind {other:?}, expected simulator, smpp, ucp, cimd2, http or modem"
                );
                self.report(&entry.kind, &at(prefix, "kind"), message);
                return None;
            }
        })
    }

    /// A gateway of kind `simulator`: the built-in SMSC.
    fn simulator(&mut self, entry: &RawGateway, prefix: &str) -> GatewayKind {
        self.refuse_foreign_keys(entry, prefix, "simulator", &["dlr_delay_ms"]);
        GatewayKind::Simulator(SimulatorGatewayConfig {
            dlr_delay: Duration::from_millis(
                entry
                    .dlr_delay_ms
                    .as_ref()
                    .map_or(DEFAULT_DLR_DELAY_MS, |delay| *delay.get_ref()),
            ),
        })
    }

    /// A gateway of kind `smpp`: an upstream SMSC over SMPP.
    fn smpp_gateway(&mut self, entry: &RawGateway, prefix: &str) -> GatewayKind {
        self.refuse_foreign_keys(entry, prefix, "smpp", SMPP_KEYS);
        let host = self.required(entry, prefix, "smpp", entry.host.as_ref(), "host");
        let system_id = self.required(entry, prefix, "smpp", entry.system_id.as_ref(), "system_id");
        let password = self.required(entry, prefix, "smpp", entry.password.as_ref(), "password");
        if let Some(value) = &entry.system_id {
            self.smpp_credential(value, &at(prefix, "system_id"), MAX_SYSTEM_ID_LEN);
        }
        if let Some(value) = &entry.password {
            self.smpp_credential(value, &at(prefix, "password"), MAX_PASSWORD_LEN);
        }
        let port = self.port(entry, prefix, "smpp");
        let bind = match &entry.bind {
            None => BindMode::Transceiver,
            Some(bind) => match bind.get_ref().as_str() {
                "transmitter" => BindMode::Transmitter,
                "receiver" => BindMode::Receiver,
                "transceiver" => BindMode::Transceiver,
                "pair" => BindMode::Pair,
                other => {
                    let message = format!(
                        "unknown bind {other:?}, expected transmitter, receiver, transceiver or pair"
                    );
                    self.report(bind, &at(prefix, "bind"), message);
                    BindMode::Transceiver
                }
            },
        };
        let window = self.bounded(
            entry.window.as_ref(),
            &at(prefix, "window"),
            DEFAULT_WINDOW,
            1,
            MAX_WINDOW,
        );
        let id_format = match &entry.id_format {
            None => IdFormat::AS_IS,
            Some(value) => IdFormat::from_name(value.get_ref()).unwrap_or_else(|| {
                let message = format!(
                    "unknown id_format {:?}, expected as-is, decimal, hex, hex-responses or hex-receipts",
                    value.get_ref()
                );
                self.report(value, &at(prefix, "id_format"), message);
                IdFormat::AS_IS
            }),
        };
        let sessions = self.bounded(
            entry.sessions.as_ref(),
            &at(prefix, "sessions"),
            DEFAULT_SESSIONS,
            1,
            MAX_SESSIONS,
        );
        let QueueKeys {
            tps,
            max_attempts,
            failover_after,
            queue_limit,
        } = self.queue_keys(entry, prefix);
        let tls = self.upstream_tls(entry, prefix);
        GatewayKind::Smpp(SmppGatewayConfig {
            tls,
            host,
            port,
            system_id,
            password,
            bind,
            window,
            tps,
            id_format,
            sessions,
            max_attempts,
            failover_after,
            queue_limit,
        })
    }

    /// A gateway of kind `ucp`: an upstream SMSC over UCP/EMI.
    fn ucp_gateway(&mut self, entry: &RawGateway, prefix: &str) -> GatewayKind {
        let login = Login {
            kind: "ucp",
            keys: UCP_KEYS,
            key: "login",
            value: entry.login.as_ref(),
            max_len: MAX_UCP_CREDENTIAL_LEN,
            default_window: DEFAULT_UCP_WINDOW,
            max_window: MAX_UCP_WINDOW,
        };
        GatewayKind::Ucp(self.link_gateway(entry, prefix, &login))
    }

    /// A gateway of kind `cimd2`: an upstream SMSC over CIMD2.
    fn cimd2_gateway(&mut self, entry: &RawGateway, prefix: &str) -> GatewayKind {
        let login = Login {
            kind: "cimd2",
            keys: CIMD2_KEYS,
            key: "username",
            value: entry.username.as_ref(),
            max_len: MAX_CIMD2_CREDENTIAL_LEN,
            default_window: DEFAULT_CIMD2_WINDOW,
            max_window: MAX_CIMD2_WINDOW,
        };
        GatewayKind::Cimd2(self.link_gateway(entry, prefix, &login))
    }

    /// The keys of a gateway of one logged-in connection (`ucp`, `cimd2`),
    /// by what differs between them (`login`).
    fn link_gateway(
        &mut self,
        entry: &RawGateway,
        prefix: &str,
        login: &Login<'_>,
    ) -> UcpGatewayConfig {
        let kind = login.kind;
        self.refuse_foreign_keys(entry, prefix, kind, login.keys);
        let host = self.required(entry, prefix, kind, entry.host.as_ref(), "host");
        let name = self.required(entry, prefix, kind, login.value, login.key);
        let password = self.required(entry, prefix, kind, entry.password.as_ref(), "password");
        for (key, value) in [
            (login.key, login.value),
            ("password", entry.password.as_ref()),
        ] {
            if let Some(value) = value {
                self.smpp_credential(value, &at(prefix, key), login.max_len);
            }
        }
        let port = self.port(entry, prefix, kind);
        let window = self.bounded(
            entry.window.as_ref(),
            &at(prefix, "window"),
            login.default_window,
            1,
            login.max_window,
        );
        let keepalive_s = self.bounded(
            entry.keepalive_s.as_ref(),
            &at(prefix, "keepalive_s"),
            DEFAULT_KEEPALIVE_S,
            1,
            MAX_KEEPALIVE_S,
        );
        let QueueKeys {
            tps,
            max_attempts,
            failover_after,
            queue_limit,
        } = self.queue_keys(entry, prefix);
        UcpGatewayConfig {
            host,
            port,
            login: name,
            password,
            window,
            tps,
            keepalive: Duration::from_secs(keepalive_s),
            max_attempts,
            failover_after,
            queue_limit,
        }
    }

    /// `port` of an upstream gateway of `kind`: required, not 0.
    fn port(&mut self, entry: &RawGateway, prefix: &str, kind: &str) -> u16 {
        match &entry.port {
            Some(port) if *port.get_ref() == 0 => {
                self.report(port, &at(prefix, "port"), "must not be 0");
                0
            }
            Some(port) => *port.get_ref(),
            None => {
                self.report(
                    &entry.kind,
                    &at(prefix, "port"),
                    format!("required for a gateway of kind {kind}"),
                );
                0
            }
        }
    }

    /// `tps`, `max_attempts`, `failover_after_s` and `queue_limit`: the
    /// queue of an upstream gateway (`upstream::queue`).
    pub(super) fn queue_keys(&mut self, entry: &RawGateway, prefix: &str) -> QueueKeys {
        let tps = entry.tps.as_ref().map_or(0, |tps| *tps.get_ref());
        let max_attempts = self.bounded(
            entry.max_attempts.as_ref(),
            &at(prefix, "max_attempts"),
            DEFAULT_MAX_ATTEMPTS,
            1,
            MAX_MAX_ATTEMPTS,
        );
        let queue_limit = self.bounded(
            entry.queue_limit.as_ref(),
            &at(prefix, "queue_limit"),
            DEFAULT_QUEUE_LIMIT,
            1,
            MAX_QUEUE_LIMIT,
        );
        let failover_after = entry.failover_after_s.as_ref().map(|value| {
            Duration::from_secs(self.bounded(
                Some(value),
                &at(prefix, "failover_after_s"),
                1,
                1,
                MAX_FAILOVER_AFTER_S,
            ))
        });
        QueueKeys {
            tps,
            max_attempts,
            failover_after,
            queue_limit,
        }
    }

    /// `tls` and `tls_ca` of an smpp gateway: `tls_ca` only with `tls = true`.
    fn upstream_tls(&mut self, entry: &RawGateway, prefix: &str) -> Option<UpstreamTls> {
        let ca_file = entry.tls_ca.as_ref().and_then(|path| {
            if path.get_ref().is_empty() {
                self.report(path, &at(prefix, "tls_ca"), "must not be empty");
                return None;
            }
            Some(PathBuf::from(path.get_ref()))
        });
        let enabled = entry.tls.as_ref().is_some_and(|tls| *tls.get_ref());
        match (&entry.tls_ca, enabled) {
            (_, true) => Some(UpstreamTls { ca_file }),
            (Some(path), false) => {
                self.report(path, &at(prefix, "tls_ca"), "only with tls = true");
                None
            }
            (None, false) => None,
        }
    }

    /// A gateway of kind `modem`: a GSM modem on a serial port.
    fn modem(&mut self, entry: &RawGateway, prefix: &str) -> GatewayKind {
        self.refuse_foreign_keys(entry, prefix, "modem", MODEM_KEYS);
        let device = self.required(entry, prefix, "modem", entry.device.as_ref(), "device");
        let baud = match &entry.baud {
            Some(baud) if *baud.get_ref() == 0 => {
                self.report(baud, &at(prefix, "baud"), "must not be 0");
                DEFAULT_BAUD
            }
            Some(baud) => *baud.get_ref(),
            None => DEFAULT_BAUD,
        };
        let pin = entry.pin.as_ref().map(|pin| {
            let text = pin.get_ref();
            if !(4..=8).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
                self.report(pin, &at(prefix, "pin"), "a PIN is 4 to 8 digits");
            }
            text.clone()
        });
        let command_timeout = self.bounded(
            entry.command_timeout_ms.as_ref(),
            &at(prefix, "command_timeout_ms"),
            DEFAULT_MODEM_COMMAND_TIMEOUT_MS,
            1,
            MAX_MODEM_COMMAND_TIMEOUT_MS,
        );
        let poll_interval = self.bounded(
            entry.poll_interval_ms.as_ref(),
            &at(prefix, "poll_interval_ms"),
            DEFAULT_MODEM_POLL_INTERVAL_MS,
            1,
            MAX_MODEM_POLL_INTERVAL_MS,
        );
        let number = entry
            .number
            .as_ref()
            .map(|number| self.mo_number(number, &format!("{prefix}.number")));
        GatewayKind::Modem(ModemGatewayConfig {
            number,
            device: PathBuf::from(device),
            baud,
            pin,
            command_timeout: Duration::from_millis(command_timeout),
            poll_interval: Duration::from_millis(poll_interval),
        })
    }

    /// A key a gateway of `kind` must have, not empty.
    pub(super) fn required(
        &mut self,
        entry: &RawGateway,
        prefix: &str,
        kind: &str,
        value: Option<&Spanned<String>>,
        key: &str,
    ) -> String {
        match value {
            Some(value) if !value.get_ref().is_empty() => value.get_ref().clone(),
            Some(value) => {
                self.report(value, &at(prefix, key), "must not be empty");
                String::new()
            }
            None => {
                self.report(
                    &entry.kind,
                    &at(prefix, key),
                    format!("required for a gateway of kind {kind}"),
                );
                String::new()
            }
        }
    }

    /// A key that belongs to another kind of gateway is a mistake worth
    /// pointing at, not something to ignore.
    pub(super) fn refuse_foreign_keys(
        &mut self,
        entry: &RawGateway,
        prefix: &str,
        kind: &str,
        applies_to: &[&str],
    ) {
        let spans = [
            (
                "dlr_delay_ms",
                entry.dlr_delay_ms.as_ref().map(Spanned::span),
            ),
            ("host", entry.host.as_ref().map(Spanned::span)),
            ("port", entry.port.as_ref().map(Spanned::span)),
            ("system_id", entry.system_id.as_ref().map(Spanned::span)),
            ("password", entry.password.as_ref().map(Spanned::span)),
            ("bind", entry.bind.as_ref().map(Spanned::span)),
            ("window", entry.window.as_ref().map(Spanned::span)),
            ("tps", entry.tps.as_ref().map(Spanned::span)),
            ("id_format", entry.id_format.as_ref().map(Spanned::span)),
            ("sessions", entry.sessions.as_ref().map(Spanned::span)),
            (
                "max_attempts",
                entry.max_attempts.as_ref().map(Spanned::span),
            ),
            (
                "failover_after_s",
                entry.failover_after_s.as_ref().map(Spanned::span),
            ),
            ("queue_limit", entry.queue_limit.as_ref().map(Spanned::span)),
            ("tls", entry.tls.as_ref().map(Spanned::span)),
            ("tls_ca", entry.tls_ca.as_ref().map(Spanned::span)),
            ("login", entry.login.as_ref().map(Spanned::span)),
            ("keepalive_s", entry.keepalive_s.as_ref().map(Spanned::span)),
            ("username", entry.username.as_ref().map(Spanned::span)),
            ("device", entry.device.as_ref().map(Spanned::span)),
            ("baud", entry.baud.as_ref().map(Spanned::span)),
            ("pin", entry.pin.as_ref().map(Spanned::span)),
            (
                "command_timeout_ms",
                entry.command_timeout_ms.as_ref().map(Spanned::span),
            ),
            (
                "poll_interval_ms",
                entry.poll_interval_ms.as_ref().map(Spanned::span),
            ),
            ("number", entry.number.as_ref().map(Spanned::span)),
            ("url", entry.url.as_ref().map(Spanned::span)),
            ("method", entry.method.as_ref().map(Spanned::span)),
            ("body", entry.body.as_ref().map(Spanned::span)),
            ("body_format", entry.body_format.as_ref().map(Spanned::span)),
            ("headers", entry.headers.as_ref().map(Spanned::span)),
            ("timeout_s", entry.timeout_s.as_ref().map(Spanned::span)),
            ("id_pattern", entry.id_pattern.as_ref().map(Spanned::span)),
            (
                "success_pattern",
                entry.success_pattern.as_ref().map(Spanned::span),
            ),
            (
                "temporary_pattern",
                entry.temporary_pattern.as_ref().map(Spanned::span),
            ),
            (
                "permanent_pattern",
                entry.permanent_pattern.as_ref().map(Spanned::span),
            ),
            (
                "receipt_token",
                entry.receipt_token.as_ref().map(Spanned::span),
            ),
            (
                "receipt_id_field",
                entry.receipt_id_field.as_ref().map(Spanned::span),
            ),
            (
                "receipt_status_field",
                entry.receipt_status_field.as_ref().map(Spanned::span),
            ),
            (
                "receipt_error_field",
                entry.receipt_error_field.as_ref().map(Spanned::span),
            ),
            (
                "delivered_values",
                entry.delivered_values.as_ref().map(Spanned::span),
            ),
            (
                "undelivered_values",
                entry.undelivered_values.as_ref().map(Spanned::span),
            ),
            (
                "expired_values",
                entry.expired_values.as_ref().map(Spanned::span),
            ),
            (
                "rejected_values",
                entry.rejected_values.as_ref().map(Spanned::span),
            ),
        ];
        for (key, span) in spans {
            if let Some(span) = span
                && !applies_to.contains(&key)
            {
                let issue = self.map.issue(
                    span,
                    at(prefix, key),
                    format!("does not apply to a gateway of kind {kind}"),
                );
                self.issues.push(issue);
            }
        }
    }
}
