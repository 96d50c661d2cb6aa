//! From the raw file to a typed [`Config`]: defaults, limits and the checks
//! that span entries (duplicate names, routes naming gateways and accounts
//! that exist). Every issue is collected; none stops the others being found.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use toml::Spanned;

use super::error::{ConfigIssue, SourceMap};
use super::raw::{RawAccount, RawConfig, RawGateway, RawNumbering, RawRoute};
use super::*;

const DEFAULT_SMPP_LISTEN: &str = "127.0.0.1:2775";
const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DLR_DELAY_MS: u64 = 200;
const DEFAULT_WINDOW: u32 = 64;
const MAX_WINDOW: u32 = 65_535;
const DEFAULT_BAUD: u32 = 115_200;
const DEFAULT_MODEM_COMMAND_TIMEOUT_MS: u64 = 30_000;
const MAX_MODEM_COMMAND_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_MODEM_POLL_INTERVAL_MS: u64 = 30_000;
const MAX_MODEM_POLL_INTERVAL_MS: u64 = 3_600_000;
const DEFAULT_COMMIT_INTERVAL_MS: u64 = 2;
const MAX_COMMIT_INTERVAL_MS: u64 = 1_000;
const DEFAULT_COMMIT_MAX_BATCH: u64 = 4_096;
const MAX_COMMIT_MAX_BATCH: u64 = 1_000_000;
const DEFAULT_CACHE_MB: u64 = 16;
const MAX_WEIGHT: u64 = 1000;
const MIN_CACHE_MB: u64 = 8;
const MAX_CACHE_MB: u64 = 1 << 20;
const MAX_GATEWAY_NAME_LEN: usize = 64;
const DEFAULT_SMPP_WINDOW: u32 = 256;
const MAX_SMPP_WINDOW: u32 = 10_000;
const DEFAULT_ENQUIRE_LINK_INTERVAL_S: u64 = 30;
const DEFAULT_INACTIVITY_TIMEOUT_S: u64 = 300;
const DEFAULT_RESPONSE_TIMEOUT_S: u64 = 30;
const MAX_SMPP_TIMER_S: u64 = 86_400;
const DEFAULT_MAX_BINDS: u32 = 10;
const MAX_MAX_BINDS: u32 = 1_000;

pub(super) fn parse(source: &str) -> Result<Config, Vec<ConfigIssue>> {
    let map = SourceMap::new(source);
    let raw: RawConfig = toml::from_str(source).map_err(|error| vec![map.parse_issue(&error)])?;
    let mut checker = Checker {
        map,
        issues: Vec::new(),
    };
    let config = checker.config(raw);
    if checker.issues.is_empty() {
        Ok(config)
    } else {
        let mut issues = checker.issues;
        issues.sort_by_key(|issue| issue.location.line);
        Err(issues)
    }
}

struct Checker<'a> {
    map: SourceMap<'a>,
    issues: Vec<ConfigIssue>,
}

impl Checker<'_> {
    fn report<T>(&mut self, value: &Spanned<T>, key: &str, message: impl Into<String>) {
        let issue = self.map.issue(value.span(), key, message);
        self.issues.push(issue);
    }

    fn config(&mut self, raw: RawConfig) -> Config {
        let data_dir = match raw.data_dir {
            Some(dir) if dir.get_ref().trim().is_empty() => {
                self.report(&dir, "data_dir", "must not be empty");
                PathBuf::new()
            }
            Some(dir) => PathBuf::from(dir.into_inner()),
            None => PathBuf::from("data"),
        };
        let log = self.log(raw.log);
        let store = self.store(raw.store);
        let smpp = self.smpp(raw.smpp);
        let web = WebConfig {
            listen: self.socket_addr(raw.web.listen.as_ref(), "web.listen", DEFAULT_WEB_LISTEN),
            admin_user: match raw.web.admin_user {
                Some(user) if user.get_ref().trim().is_empty() => {
                    self.report(&user, "web.admin_user", "must not be empty");
                    String::new()
                }
                Some(user) => user.into_inner(),
                None => "admin".to_string(),
            },
            admin_password: match raw.web.admin_password {
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
        };
        let gateways = self.gateways(raw.gateways);
        let accounts = self.accounts(raw.accounts);
        let routes = self.routes(raw.routes, &gateways, &accounts);
        let numbering = self.numbering(raw.numbering);
        Config {
            data_dir,
            log,
            store,
            smpp,
            web,
            gateways,
            routes,
            accounts,
            numbering,
        }
    }

    /// `[[numbering]]`: digits and a name each, no prefix twice.
    fn numbering(&mut self, raw: Vec<Spanned<RawNumbering>>) -> Vec<NumberingConfig> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut entries = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix = entry.prefix.get_ref().clone();
            let key = format!("numbering[{index}]");
            if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                self.report(
                    &entry.prefix,
                    &format!("{key}.prefix"),
                    "must be international digits, country code first",
                );
            } else if let Some(first) = seen.insert(prefix.clone(), index) {
                self.report(
                    &entry.prefix,
                    &format!("{key}.prefix"),
                    format!("numbering[{first}] already names prefix {prefix:?}"),
                );
            }
            if entry.operator.get_ref().trim().is_empty() {
                self.report(
                    &entry.operator,
                    &format!("{key}.operator"),
                    "must not be empty",
                );
            }
            entries.push(NumberingConfig {
                prefix,
                operator: entry.operator.into_inner(),
            });
        }
        entries
    }

    fn log(&mut self, raw: super::raw::RawLog) -> LogConfig {
        let format = match raw.format {
            None => LogFormat::Term,
            Some(format) => match format.get_ref().as_str() {
                "term" => LogFormat::Term,
                "json" => LogFormat::Json,
                other => {
                    let message =
                        format!("unknown log format {other:?}, expected \"term\" or \"json\"");
                    self.report(&format, "log.format", message);
                    LogFormat::Term
                }
            },
        };
        let level = match raw.level {
            None => LogLevel::Info,
            Some(level) => match level.get_ref().to_ascii_lowercase().as_str() {
                "critical" => LogLevel::Critical,
                "error" => LogLevel::Error,
                "warning" | "warn" => LogLevel::Warning,
                "info" => LogLevel::Info,
                "debug" => LogLevel::Debug,
                "trace" => LogLevel::Trace,
                other => {
                    let message = format!(
                        "unknown log level {other:?}, expected critical, error, warning, info, debug or trace"
                    );
                    self.report(&level, "log.level", message);
                    LogLevel::Info
                }
            },
        };
        LogConfig { format, level }
    }

    fn smpp(&mut self, raw: super::raw::RawSmpp) -> SmppListenerConfig {
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
        }
    }

    fn store(&mut self, raw: super::raw::RawStore) -> StoreSettings {
        let durability = match raw.durability {
            None => Durability::Process,
            Some(durability) => match durability.get_ref().as_str() {
                "process" => Durability::Process,
                "power" => Durability::Power,
                other => {
                    let message =
                        format!("unknown durability {other:?}, expected \"process\" or \"power\"");
                    self.report(&durability, "store.durability", message);
                    Durability::Process
                }
            },
        };
        let interval_ms = self.bounded(
            raw.commit_interval_ms.as_ref(),
            "store.commit_interval_ms",
            DEFAULT_COMMIT_INTERVAL_MS,
            0,
            MAX_COMMIT_INTERVAL_MS,
        );
        let max_batch = self.bounded(
            raw.commit_max_batch.as_ref(),
            "store.commit_max_batch",
            DEFAULT_COMMIT_MAX_BATCH,
            1,
            MAX_COMMIT_MAX_BATCH,
        );
        let cache_mb = self.bounded(
            raw.cache_mb.as_ref(),
            "store.cache_mb",
            DEFAULT_CACHE_MB,
            MIN_CACHE_MB,
            MAX_CACHE_MB,
        );
        StoreSettings {
            durability,
            commit_interval: Duration::from_millis(interval_ms),
            commit_max_batch: usize::try_from(max_batch).unwrap_or(usize::MAX),
            cache_bytes: cache_mb * 1024 * 1024,
        }
    }

    /// A number within `[min, max]`, or `default` when the key is absent.
    fn bounded<T>(&mut self, value: Option<&Spanned<T>>, key: &str, default: T, min: T, max: T) -> T
    where
        T: Copy + PartialOrd + std::fmt::Display,
    {
        match value {
            None => default,
            Some(value) if *value.get_ref() < min || *value.get_ref() > max => {
                let message = format!(
                    "{} is out of range, expected {min} to {max}",
                    value.get_ref()
                );
                self.report(value, key, message);
                default
            }
            Some(value) => *value.get_ref(),
        }
    }

    fn socket_addr(
        &mut self,
        value: Option<&Spanned<String>>,
        key: &str,
        default: &str,
    ) -> SocketAddr {
        let fallback = || SocketAddr::from(([127, 0, 0, 1], 0));
        match value {
            None => default.parse().unwrap_or_else(|_| fallback()),
            Some(text) => text.get_ref().parse().unwrap_or_else(|_| {
                let message = format!(
                    "{:?} is not an address:port such as \"127.0.0.1:2775\"",
                    text.get_ref()
                );
                self.report(text, key, message);
                fallback()
            }),
        }
    }

    fn gateways(&mut self, raw: Vec<Spanned<RawGateway>>) -> Vec<GatewayConfig> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut gateways = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix = format!("gateways[{index}]");
            let name = entry.name.get_ref().clone();
            if name.is_empty()
                || name.len() > MAX_GATEWAY_NAME_LEN
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                self.report(
                    &entry.name,
                    &format!("{prefix}.name"),
                    format!("gateway name {name:?} must be 1 to {MAX_GATEWAY_NAME_LEN} letters, digits, '-' or '_'"),
                );
            } else if !seen.insert(name.clone()) {
                self.report(
                    &entry.name,
                    &format!("{prefix}.name"),
                    format!("duplicate gateway name {name:?}"),
                );
            }
            if let Some(kind) = self.gateway_kind(&entry, &prefix) {
                gateways.push(GatewayConfig { name, kind });
            }
        }
        gateways
    }

    fn gateway_kind(&mut self, entry: &RawGateway, prefix: &str) -> Option<GatewayKind> {
        let kind = entry.kind.get_ref().as_str();
        let applies_to: &[&str] = match kind {
            "simulator" => &["dlr_delay_ms"],
            "smpp" => &[
                "host",
                "port",
                "system_id",
                "password",
                "bind",
                "window",
                "tps",
                "id_format",
            ],
            "modem" => &[
                "device",
                "baud",
                "pin",
                "command_timeout_ms",
                "poll_interval_ms",
            ],
            other => {
                let message =
                    format!("unknown gateway kind {other:?}, expected simulator, smpp or modem");
                self.report(&entry.kind, &format!("{prefix}.kind"), message);
                return None;
            }
        };
        self.refuse_foreign_keys(entry, prefix, kind, applies_to);
        let required = |checker: &mut Self, value: Option<&Spanned<String>>, key: &str| -> String {
            match value {
                Some(value) if !value.get_ref().is_empty() => value.get_ref().clone(),
                Some(value) => {
                    checker.report(value, &format!("{prefix}.{key}"), "must not be empty");
                    String::new()
                }
                None => {
                    checker.report(
                        &entry.kind,
                        &format!("{prefix}.{key}"),
                        format!("required for a gateway of kind {kind}"),
                    );
                    String::new()
                }
            }
        };
        Some(match kind {
            "simulator" => GatewayKind::Simulator(SimulatorGatewayConfig {
                dlr_delay: Duration::from_millis(
                    entry
                        .dlr_delay_ms
                        .as_ref()
                        .map_or(DEFAULT_DLR_DELAY_MS, |delay| *delay.get_ref()),
                ),
            }),
            "smpp" => {
                let host = required(self, entry.host.as_ref(), "host");
                let system_id = required(self, entry.system_id.as_ref(), "system_id");
                let password = required(self, entry.password.as_ref(), "password");
                if let Some(value) = &entry.system_id {
                    self.smpp_credential(value, &format!("{prefix}.system_id"), MAX_SYSTEM_ID_LEN);
                }
                if let Some(value) = &entry.password {
                    self.smpp_credential(value, &format!("{prefix}.password"), MAX_PASSWORD_LEN);
                }
                let port = match &entry.port {
                    Some(port) if *port.get_ref() == 0 => {
                        self.report(port, &format!("{prefix}.port"), "must not be 0");
                        0
                    }
                    Some(port) => *port.get_ref(),
                    None => {
                        self.report(
                            &entry.kind,
                            &format!("{prefix}.port"),
                            "required for a gateway of kind smpp",
                        );
                        0
                    }
                };
                let bind = match &entry.bind {
                    None => BindMode::Transceiver,
                    Some(bind) => match bind.get_ref().as_str() {
                        "transmitter" => BindMode::Transmitter,
                        "receiver" => BindMode::Receiver,
                        "transceiver" => BindMode::Transceiver,
                        other => {
                            let message = format!(
                                "unknown bind {other:?}, expected transmitter, receiver or transceiver"
                            );
                            self.report(bind, &format!("{prefix}.bind"), message);
                            BindMode::Transceiver
                        }
                    },
                };
                let window = self.bounded(
                    entry.window.as_ref(),
                    &format!("{prefix}.window"),
                    DEFAULT_WINDOW,
                    1,
                    MAX_WINDOW,
                );
                let tps = entry.tps.as_ref().map_or(0, |tps| *tps.get_ref());
                let id_format = match &entry.id_format {
                    None => IdFormat::AS_IS,
                    Some(value) => IdFormat::from_name(value.get_ref()).unwrap_or_else(|| {
                        let message = format!(
                            "unknown id_format {:?}, expected as-is, decimal, hex, hex-responses or hex-receipts",
                            value.get_ref()
                        );
                        self.report(value, &format!("{prefix}.id_format"), message);
                        IdFormat::AS_IS
                    }),
                };
                GatewayKind::Smpp(SmppGatewayConfig {
                    host,
                    port,
                    system_id,
                    password,
                    bind,
                    window,
                    tps,
                    id_format,
                })
            }
            _ => {
                let device = required(self, entry.device.as_ref(), "device");
                let baud = match &entry.baud {
                    Some(baud) if *baud.get_ref() == 0 => {
                        self.report(baud, &format!("{prefix}.baud"), "must not be 0");
                        DEFAULT_BAUD
                    }
                    Some(baud) => *baud.get_ref(),
                    None => DEFAULT_BAUD,
                };
                let pin = entry.pin.as_ref().map(|pin| {
                    let text = pin.get_ref();
                    if !(4..=8).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
                        self.report(pin, &format!("{prefix}.pin"), "a PIN is 4 to 8 digits");
                    }
                    text.clone()
                });
                let command_timeout = self.bounded(
                    entry.command_timeout_ms.as_ref(),
                    &format!("{prefix}.command_timeout_ms"),
                    DEFAULT_MODEM_COMMAND_TIMEOUT_MS,
                    1,
                    MAX_MODEM_COMMAND_TIMEOUT_MS,
                );
                let poll_interval = self.bounded(
                    entry.poll_interval_ms.as_ref(),
                    &format!("{prefix}.poll_interval_ms"),
                    DEFAULT_MODEM_POLL_INTERVAL_MS,
                    1,
                    MAX_MODEM_POLL_INTERVAL_MS,
                );
                GatewayKind::Modem(ModemGatewayConfig {
                    device: PathBuf::from(device),
                    baud,
                    pin,
                    command_timeout: Duration::from_millis(command_timeout),
                    poll_interval: Duration::from_millis(poll_interval),
                })
            }
        })
    }

    /// A key that belongs to another kind of gateway is a mistake worth
    /// pointing at, not something to ignore.
    fn refuse_foreign_keys(
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
        ];
        for (key, span) in spans {
            if let Some(span) = span
                && !applies_to.contains(&key)
            {
                let issue = self.map.issue(
                    span,
                    format!("{prefix}.{key}"),
                    format!("does not apply to a gateway of kind {kind}"),
                );
                self.issues.push(issue);
            }
        }
    }

    /// SMPP 3.4 limits system_id and password; peers such as python smpplib
    /// and Kannel cut longer ones silently, so a login would fail mysteriously.
    fn smpp_credential(&mut self, value: &Spanned<String>, key: &str, max: usize) {
        let text = value.get_ref();
        if text.len() > max {
            let message = format!(
                "{} characters, but SMPP 3.4 allows at most {max} (peers silently cut longer values)",
                text.len()
            );
            self.report(value, key, message);
        } else if !text.bytes().all(|b| b.is_ascii_graphic()) {
            self.report(value, key, "must be printable ASCII without spaces");
        }
    }

    fn accounts(&mut self, raw: Vec<Spanned<RawAccount>>) -> Vec<AccountConfig> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut accounts = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix = format!("accounts[{index}]");
            let system_id = entry.system_id.get_ref().clone();
            if system_id.is_empty() {
                self.report(
                    &entry.system_id,
                    &format!("{prefix}.system_id"),
                    "must not be empty",
                );
            } else if system_id == "*" {
                self.report(
                    &entry.system_id,
                    &format!("{prefix}.system_id"),
                    "\"*\" is reserved for \"every account\" in routes",
                );
            } else {
                self.smpp_credential(
                    &entry.system_id,
                    &format!("{prefix}.system_id"),
                    MAX_SYSTEM_ID_LEN,
                );
                if !seen.insert(system_id.clone()) {
                    let message = format!("duplicate account {system_id:?}");
                    self.report(&entry.system_id, &format!("{prefix}.system_id"), message);
                }
            }
            if entry.password.get_ref().is_empty() {
                self.report(
                    &entry.password,
                    &format!("{prefix}.password"),
                    "must not be empty",
                );
            } else {
                self.smpp_credential(
                    &entry.password,
                    &format!("{prefix}.password"),
                    MAX_PASSWORD_LEN,
                );
            }
            let credit = entry
                .credit
                .as_ref()
                .map_or(Money::ZERO, |credit| *credit.get_ref());
            if let Some(value) = &entry.credit
                && credit.is_negative()
            {
                self.report(value, &format!("{prefix}.credit"), "must not be negative");
            }
            let mut allowed_ips = Vec::with_capacity(entry.allowed_ips.len());
            for (ip_index, network) in entry.allowed_ips.iter().enumerate() {
                match parse_network(network.get_ref()) {
                    Some(parsed) => allowed_ips.push(parsed),
                    None => {
                        let message = format!(
                            "{:?} is not an address or network such as \"10.0.0.0/8\" or \"192.0.2.7\"",
                            network.get_ref()
                        );
                        self.report(
                            network,
                            &format!("{prefix}.allowed_ips[{ip_index}]"),
                            message,
                        );
                    }
                }
            }
            accounts.push(AccountConfig {
                system_id,
                password: entry.password.into_inner(),
                credit,
                tps: entry.tps.as_ref().map_or(0, |tps| *tps.get_ref()),
                max_binds: self.bounded(
                    entry.max_binds.as_ref(),
                    &format!("{prefix}.max_binds"),
                    DEFAULT_MAX_BINDS,
                    1,
                    MAX_MAX_BINDS,
                ),
                allowed_ips,
            });
        }
        accounts
    }

    fn routes(
        &mut self,
        raw: Vec<Spanned<RawRoute>>,
        gateways: &[GatewayConfig],
        accounts: &[AccountConfig],
    ) -> Vec<RouteConfig> {
        let gateway_names: HashSet<&str> = gateways.iter().map(|g| g.name.as_str()).collect();
        let account_ids: HashSet<&str> = accounts.iter().map(|a| a.system_id.as_str()).collect();
        // (prefix, account or "*") → index of the route that claimed it first.
        let mut claimed: HashMap<(String, String), usize> = HashMap::new();
        let mut routes = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix_key = format!("routes[{index}]");
            let prefix = entry.prefix.get_ref().clone();
            if !prefix.bytes().all(|b| b.is_ascii_digit()) {
                let message =
                    format!("prefix {prefix:?} must be digits only (\"\" is the default route)");
                self.report(&entry.prefix, &format!("{prefix_key}.prefix"), message);
            }
            let selector = self.route_accounts(&entry, &prefix_key, &account_ids);
            let claims: Vec<String> = match &selector {
                AccountSelector::All => vec!["*".to_string()],
                AccountSelector::Only(ids) => ids.clone(),
            };
            for account in claims {
                if let Some(first) = claimed.insert((prefix.clone(), account.clone()), index) {
                    let message = format!(
                        "routes[{first}] already routes prefix {prefix:?} for {}",
                        if account == "*" {
                            "every account".to_string()
                        } else {
                            format!("account {account:?}")
                        }
                    );
                    self.report(&entry.prefix, &format!("{prefix_key}.prefix"), message);
                }
            }
            if entry.gateways.get_ref().is_empty() {
                self.report(
                    &entry.gateways,
                    &format!("{prefix_key}.gateways"),
                    "must name at least one gateway",
                );
            }
            let mut names = Vec::with_capacity(entry.gateways.get_ref().len());
            for (gateway_index, name) in entry.gateways.get_ref().iter().enumerate() {
                let key = format!("{prefix_key}.gateways[{gateway_index}]");
                if !gateway_names.contains(name.get_ref().as_str()) {
                    self.report(name, &key, format!("no gateway named {:?}", name.get_ref()));
                } else if names.contains(name.get_ref()) {
                    self.report(
                        name,
                        &key,
                        format!("gateway {:?} is listed twice", name.get_ref()),
                    );
                }
                names.push(name.get_ref().clone());
            }
            if entry.price.get_ref().is_negative() {
                self.report(
                    &entry.price,
                    &format!("{prefix_key}.price"),
                    "must not be negative",
                );
            }
            let weights = self.route_weights(&entry, &prefix_key);
            routes.push(RouteConfig {
                prefix,
                accounts: selector,
                gateways: names,
                weights,
                price: *entry.price.get_ref(),
            });
        }
        routes
    }

    /// `weights`, when given: one per gateway, each 1 to [`MAX_WEIGHT`].
    fn route_weights(&mut self, entry: &RawRoute, prefix_key: &str) -> Option<Vec<u32>> {
        let list = entry.weights.as_ref()?;
        let key = format!("{prefix_key}.weights");
        let gateways = entry.gateways.get_ref().len();
        if list.get_ref().len() != gateways {
            let message = format!(
                "has {} weights for {gateways} gateways; give one per gateway",
                list.get_ref().len()
            );
            self.report(list, &key, message);
            return None;
        }
        let mut weights = Vec::with_capacity(gateways);
        for (index, weight) in list.get_ref().iter().enumerate() {
            let value = *weight.get_ref();
            if !(1..=MAX_WEIGHT).contains(&value) {
                let message = format!("weight {value} is outside 1 to {MAX_WEIGHT}");
                self.report(weight, &format!("{key}[{index}]"), message);
            }
            weights.push(u32::try_from(value.clamp(1, MAX_WEIGHT)).unwrap_or(1));
        }
        Some(weights)
    }

    fn route_accounts(
        &mut self,
        entry: &RawRoute,
        prefix_key: &str,
        account_ids: &HashSet<&str>,
    ) -> AccountSelector {
        let Some(list) = &entry.accounts else {
            return AccountSelector::All;
        };
        let key = format!("{prefix_key}.accounts");
        if list.get_ref().is_empty() {
            self.report(
                list,
                &key,
                "must list at least one account, or [\"*\"] for every account",
            );
            return AccountSelector::Only(Vec::new());
        }
        if list.get_ref().iter().any(|id| id.get_ref() == "*") {
            if list.get_ref().len() > 1 {
                self.report(
                    list,
                    &key,
                    "\"*\" already means every account; list nothing beside it",
                );
            }
            return AccountSelector::All;
        }
        let mut ids = Vec::with_capacity(list.get_ref().len());
        for (index, id) in list.get_ref().iter().enumerate() {
            if !account_ids.contains(id.get_ref().as_str()) {
                self.report(
                    id,
                    &format!("{key}[{index}]"),
                    format!("no account {:?}", id.get_ref()),
                );
            } else if ids.contains(id.get_ref()) {
                self.report(
                    id,
                    &format!("{key}[{index}]"),
                    format!("account {:?} is listed twice", id.get_ref()),
                );
            } else {
                ids.push(id.get_ref().clone());
            }
        }
        AccountSelector::Only(ids)
    }
}

/// A network in CIDR form, or a single address (a /32 or /128).
fn parse_network(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}
