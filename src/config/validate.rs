//! From the raw file to a typed [`Config`]: defaults, limits and the checks
//! that span entries (duplicate names, routes naming gateways and accounts
//! that exist). Every issue is collected; none stops the others being found.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::error::{ConfigIssue, SourceMap};
use super::fields::{self, DEFAULT_MAX_BINDS};
use super::raw::{RawAccount, RawConfig, RawGateway, RawMoRoute, RawNumbering, RawRoute};
use super::*;

const DEFAULT_SMPP_LISTEN: &str = "127.0.0.1:2775";
const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8080";
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
const MIN_CACHE_MB: u64 = 8;
const MAX_CACHE_MB: u64 = 1 << 20;
const MAX_GATEWAY_NAME_LEN: usize = 64;
const DEFAULT_SMPP_WINDOW: u32 = 256;
const MAX_SMPP_WINDOW: u32 = 10_000;
const DEFAULT_ENQUIRE_LINK_INTERVAL_S: u64 = 30;
const DEFAULT_INACTIVITY_TIMEOUT_S: u64 = 300;
const DEFAULT_RESPONSE_TIMEOUT_S: u64 = 30;
const MAX_SMPP_TIMER_S: u64 = 86_400;
const DEFAULT_CALLBACK_RETRY_FIRST_MS: u64 = 1_000;
const DEFAULT_CALLBACK_RETRY_MAX_MS: u64 = 600_000;
const MAX_CALLBACK_RETRY_MS: u64 = 86_400_000;
const DEFAULT_CALLBACK_MAX_ATTEMPTS: u32 = 10;
const MAX_CALLBACK_MAX_ATTEMPTS: u32 = 1_000;
const DEFAULT_CALLBACK_TIMEOUT_MS: u64 = 10_000;
const MAX_CALLBACK_TIMEOUT_MS: u64 = 300_000;
const DEFAULT_CALLBACK_CONCURRENCY: u32 = 32;
const MAX_CALLBACK_CONCURRENCY: u32 = 1_024;

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

/// One gateway alone, as a `[[gateways]]` table's keys without the header
/// (the admin API's gateways): the file's rules for one entry, each issue
/// naming its key bare (`port`, not `gateways[0].port`).
pub(super) fn parse_gateway(source: &str) -> Result<GatewayConfig, Vec<ConfigIssue>> {
    let map = SourceMap::new(source);
    let raw: RawGateway = toml::from_str(source).map_err(|error| {
        let mut issue = map.parse_issue(&error);
        if let Some(missing) = missing_field(error.message()) {
            issue.location.key = Some(missing.to_string());
        }
        vec![issue]
    })?;
    let mut checker = Checker {
        map,
        issues: Vec::new(),
    };
    let gateway = checker.gateway(&raw, "");
    match gateway {
        Some(gateway) if checker.issues.is_empty() => Ok(gateway),
        _ => {
            let mut issues = checker.issues;
            issues.sort_by_key(|issue| issue.location.line);
            Err(issues)
        }
    }
}

/// The key serde names in "missing field `name`": the parser's span of
/// such an error is the whole table, not the key.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(field, _)| field)
}

/// `prefix.key`, or the bare key when there is no prefix.
fn at(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// 1 to [`MAX_GATEWAY_NAME_LEN`] letters, digits, '-' or '_'.
fn gateway_name_fits(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_GATEWAY_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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

    /// The outcome of a rule from `fields` for `value`: reported at its
    /// place when it is an error.
    fn check<T, V>(
        &mut self,
        value: &Spanned<V>,
        key: &str,
        outcome: Result<T, String>,
    ) -> Option<T> {
        outcome
            .map_err(|message| self.report(value, key, message))
            .ok()
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
        let callbacks = self.callbacks(raw.callbacks);
        let gateways = self.gateways(raw.gateways);
        let accounts = self.accounts(raw.accounts);
        let routes = self.routes(raw.routes, &gateways, &accounts);
        let numbering = self.numbering(raw.numbering);
        let mo_routes = self.mo_routes(raw.mo_routes, &accounts);
        Config {
            data_dir,
            log,
            store,
            smpp,
            web,
            callbacks,
            gateways,
            routes,
            accounts,
            numbering,
            mo_routes,
        }
    }

    /// A routing number (`[[mo_routes]]` and a modem's `number`) as it is
    /// compared: digits, a leading `+` or `00` dropped.
    fn mo_number(&mut self, value: &Spanned<String>, key: &str) -> String {
        fields::mo_number(value.get_ref()).unwrap_or_else(|error| {
            self.report(value, key, error);
            value.get_ref().clone()
        })
    }

    /// `[[mo_routes]]`: a number, an optional one-word keyword and an
    /// account that exists; no (number, keyword) twice, keywords compared
    /// without case.
    fn mo_routes(
        &mut self,
        raw: Vec<Spanned<RawMoRoute>>,
        accounts: &[AccountConfig],
    ) -> Vec<MoRouteConfig> {
        let mut claimed: HashMap<(String, Option<String>), usize> = HashMap::new();
        let mut routes = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let key = format!("mo_routes[{index}]");
            let number = self.mo_number(&entry.number, &format!("{key}.number"));
            let keyword = entry.keyword.as_ref().map(|keyword| {
                let word = keyword.get_ref();
                if let Err(error) = fields::mo_keyword(word) {
                    self.report(keyword, &format!("{key}.keyword"), error);
                }
                word.clone()
            });
            let claim = (number.clone(), keyword.as_deref().map(str::to_uppercase));
            if let Some(first) = claimed.insert(claim, index) {
                let what = match &keyword {
                    Some(keyword) => format!("number {number:?} with keyword {keyword:?}"),
                    None => format!("number {number:?} without a keyword"),
                };
                let place = entry
                    .keyword
                    .as_ref()
                    .map_or((&entry.number, "number"), |keyword| (keyword, "keyword"));
                self.report(
                    place.0,
                    &format!("{key}.{}", place.1),
                    format!("mo_routes[{first}] already routes {what}"),
                );
            }
            let account = entry.account.get_ref();
            if !accounts.iter().any(|known| &known.system_id == account) {
                self.report(
                    &entry.account,
                    &format!("{key}.account"),
                    format!("no account has system_id {account:?}"),
                );
            }
            routes.push(MoRouteConfig {
                number,
                keyword,
                account: account.clone(),
            });
        }
        routes
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

    fn callbacks(&mut self, raw: super::raw::RawCallbacks) -> CallbackSettings {
        let millis = |this: &mut Self, value: Option<&Spanned<u64>>, key: &str, default, max| {
            Duration::from_millis(this.bounded(value, key, default, 1, max))
        };
        let retry_first = millis(
            self,
            raw.retry_first_ms.as_ref(),
            "callbacks.retry_first_ms",
            DEFAULT_CALLBACK_RETRY_FIRST_MS,
            MAX_CALLBACK_RETRY_MS,
        );
        let retry_max = millis(
            self,
            raw.retry_max_ms.as_ref(),
            "callbacks.retry_max_ms",
            DEFAULT_CALLBACK_RETRY_MAX_MS.max(retry_first.as_millis() as u64),
            MAX_CALLBACK_RETRY_MS,
        );
        if let Some(value) = &raw.retry_max_ms
            && retry_max < retry_first
        {
            self.report(
                value,
                "callbacks.retry_max_ms",
                "must not be less than callbacks.retry_first_ms",
            );
        }
        CallbackSettings {
            retry_first,
            retry_max,
            max_attempts: self.bounded(
                raw.max_attempts.as_ref(),
                "callbacks.max_attempts",
                DEFAULT_CALLBACK_MAX_ATTEMPTS,
                1,
                MAX_CALLBACK_MAX_ATTEMPTS,
            ),
            timeout: millis(
                self,
                raw.timeout_ms.as_ref(),
                "callbacks.timeout_ms",
                DEFAULT_CALLBACK_TIMEOUT_MS,
                MAX_CALLBACK_TIMEOUT_MS,
            ),
            concurrency: self.bounded(
                raw.concurrency.as_ref(),
                "callbacks.concurrency",
                DEFAULT_CALLBACK_CONCURRENCY,
                1,
                MAX_CALLBACK_CONCURRENCY,
            ),
            ca_file: match raw.ca_file {
                Some(path) if path.get_ref().trim().is_empty() => {
                    self.report(&path, "callbacks.ca_file", "must not be empty");
                    None
                }
                path => path.map(|path| PathBuf::from(path.into_inner())),
            },
        }
    }

    /// An account's `callback_url` and `callback_secret`.
    fn account_callback(
        &mut self,
        entry: &RawAccount,
        prefix: &str,
    ) -> (Option<String>, Option<String>) {
        if let Some(url) = &entry.callback_url
            && let Err(error) = fields::callback_url(url.get_ref())
        {
            self.report(url, &at(prefix, "callback_url"), error);
        }
        if let Some(secret) = &entry.callback_secret
            && let Err(error) = fields::callback_secret(secret.get_ref())
        {
            self.report(secret, &at(prefix, "callback_secret"), error);
        }
        (
            entry.callback_url.as_ref().map(|url| url.get_ref().clone()),
            entry
                .callback_secret
                .as_ref()
                .map(|secret| secret.get_ref().clone()),
        )
    }

    /// A number within `[min, max]`, or `default` when the key is absent.
    fn bounded<T>(&mut self, value: Option<&Spanned<T>>, key: &str, default: T, min: T, max: T) -> T
    where
        T: Copy + PartialOrd + std::fmt::Display,
    {
        match value {
            None => default,
            Some(value) => self
                .check(value, key, fields::within(*value.get_ref(), min, max))
                .unwrap_or(default),
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
    fn gateway(&mut self, entry: &RawGateway, prefix: &str) -> Option<GatewayConfig> {
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
                "sessions",
                "max_attempts",
                "failover_after_s",
                "queue_limit",
            ],
            "modem" => &[
                "device",
                "baud",
                "pin",
                "command_timeout_ms",
                "poll_interval_ms",
                "number",
            ],
            other => {
                let message =
                    format!("unknown gateway kind {other:?}, expected simulator, smpp or modem");
                self.report(&entry.kind, &at(prefix, "kind"), message);
                return None;
            }
        };
        self.refuse_foreign_keys(entry, prefix, kind, applies_to);
        let required = |checker: &mut Self, value: Option<&Spanned<String>>, key: &str| -> String {
            match value {
                Some(value) if !value.get_ref().is_empty() => value.get_ref().clone(),
                Some(value) => {
                    checker.report(value, &at(prefix, key), "must not be empty");
                    String::new()
                }
                None => {
                    checker.report(
                        &entry.kind,
                        &at(prefix, key),
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
                    self.smpp_credential(value, &at(prefix, "system_id"), MAX_SYSTEM_ID_LEN);
                }
                if let Some(value) = &entry.password {
                    self.smpp_credential(value, &at(prefix, "password"), MAX_PASSWORD_LEN);
                }
                let port = match &entry.port {
                    Some(port) if *port.get_ref() == 0 => {
                        self.report(port, &at(prefix, "port"), "must not be 0");
                        0
                    }
                    Some(port) => *port.get_ref(),
                    None => {
                        self.report(
                            &entry.kind,
                            &at(prefix, "port"),
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
                let tps = entry.tps.as_ref().map_or(0, |tps| *tps.get_ref());
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
                GatewayKind::Smpp(SmppGatewayConfig {
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
            _ => {
                let device = required(self, entry.device.as_ref(), "device");
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

    fn smpp_credential(&mut self, value: &Spanned<String>, key: &str, max: usize) {
        self.check(value, key, fields::smpp_credential(value.get_ref(), max));
    }

    fn accounts(&mut self, raw: Vec<Spanned<RawAccount>>) -> Vec<AccountConfig> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut accounts = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix = format!("accounts[{index}]");
            let system_id = entry.system_id.get_ref().clone();
            let key = format!("{prefix}.system_id");
            if self
                .check(&entry.system_id, &key, fields::system_id(&system_id))
                .is_some()
                && !seen.insert(system_id.clone())
            {
                let message = format!("duplicate account {system_id:?}");
                self.report(&entry.system_id, &key, message);
            }
            self.check(
                &entry.password,
                &at(&prefix, "password"),
                fields::account_password(entry.password.get_ref()),
            );
            let credit = match &entry.credit {
                Some(value) => self
                    .check(
                        value,
                        &at(&prefix, "credit"),
                        fields::not_negative(*value.get_ref()),
                    )
                    .unwrap_or(Money::ZERO),
                None => Money::ZERO,
            };
            let mut allowed_ips = Vec::with_capacity(entry.allowed_ips.len());
            for (ip_index, network) in entry.allowed_ips.iter().enumerate() {
                let key = format!("{prefix}.allowed_ips[{ip_index}]");
                allowed_ips.extend(self.check(network, &key, fields::network(network.get_ref())));
            }
            let (callback_url, callback_secret) = self.account_callback(&entry, &prefix);
            accounts.push(AccountConfig {
                system_id,
                password: entry.password.into_inner(),
                credit,
                tps: entry.tps.as_ref().map_or(0, |tps| *tps.get_ref()),
                max_binds: match &entry.max_binds {
                    Some(value) => self
                        .check(
                            value,
                            &at(&prefix, "max_binds"),
                            fields::max_binds(*value.get_ref()),
                        )
                        .unwrap_or(DEFAULT_MAX_BINDS),
                    None => DEFAULT_MAX_BINDS,
                },
                allowed_ips,
                callback_url,
                callback_secret,
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
            self.check(
                &entry.prefix,
                &format!("{prefix_key}.prefix"),
                fields::route_prefix(&prefix),
            );
            let selector = self.route_accounts(&entry, &prefix_key, &account_ids);
            for account in fields::route_claims(&selector) {
                if let Some(first) = claimed.insert((prefix.clone(), account.clone()), index) {
                    let message =
                        fields::route_claim(&format!("routes[{first}]"), &prefix, &account);
                    self.report(&entry.prefix, &format!("{prefix_key}.prefix"), message);
                }
            }
            self.check(
                &entry.gateways,
                &format!("{prefix_key}.gateways"),
                fields::route_gateways(entry.gateways.get_ref().len()),
            );
            let mut names = Vec::with_capacity(entry.gateways.get_ref().len());
            for (gateway_index, name) in entry.gateways.get_ref().iter().enumerate() {
                let key = format!("{prefix_key}.gateways[{gateway_index}]");
                let exists = gateway_names.contains(name.get_ref().as_str());
                self.check(
                    name,
                    &key,
                    fields::route_gateway(name.get_ref(), &names, exists),
                );
                names.push(name.get_ref().clone());
            }
            self.check(
                &entry.price,
                &format!("{prefix_key}.price"),
                fields::not_negative(*entry.price.get_ref()),
            );
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
        self.check(
            list,
            &key,
            fields::route_weights(list.get_ref().len(), gateways),
        )?;
        let mut weights = Vec::with_capacity(gateways);
        for (index, weight) in list.get_ref().iter().enumerate() {
            let key = format!("{key}[{index}]");
            let value = self.check(weight, &key, fields::route_weight(*weight.get_ref()));
            weights.push(value.unwrap_or(1));
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
        let given: Vec<String> = list
            .get_ref()
            .iter()
            .map(|id| id.get_ref().clone())
            .collect();
        match self.check(list, &key, fields::route_accounts(&given)) {
            Some(true) => return AccountSelector::All,
            Some(false) => {}
            None if given.is_empty() => return AccountSelector::Only(Vec::new()),
            None => return AccountSelector::All,
        }
        let mut ids = Vec::with_capacity(list.get_ref().len());
        for (index, id) in list.get_ref().iter().enumerate() {
            let exists = account_ids.contains(id.get_ref().as_str());
            let key = format!("{key}[{index}]");
            if self
                .check(id, &key, fields::route_account(id.get_ref(), &ids, exists))
                .is_some()
            {
                ids.push(id.get_ref().clone());
            }
        }
        AccountSelector::Only(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<(String, String)> {
        parse_gateway(source)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|issue| (issue.location.key.unwrap_or_default(), issue.message))
            .collect()
    }

    #[test]
    fn one_gateway_is_checked_with_the_files_rules_and_bare_keys() {
        let smpp = "name = \"op\"\nkind = \"smpp\"\nhost = \"h\"\nport = 2776\nsystem_id = \"x\"\npassword = \"y\"\n";
        let gateway = parse_gateway(smpp).expect("valid");
        assert_eq!(gateway.name, "op");
        assert_eq!(gateway.kind.name(), "smpp");
        let zero_port = smpp.replace("2776", "0");
        assert_eq!(keys(&zero_port)[0].0, "port");
        assert_eq!(
            keys(&format!("{smpp}dlr_delay_ms = 5\n"))[0].0,
            "dlr_delay_ms"
        );
        assert_eq!(keys(&format!("{smpp}colour = 5\n"))[0].0, "colour");
        assert_eq!(keys(&smpp.replace("host = \"h\"\n", ""))[0].0, "host");
        assert_eq!(keys("kind = \"simulator\"\n")[0].0, "name");
        assert_eq!(keys("name = \"a b\"\nkind = \"simulator\"\n")[0].0, "name");
    }
}
