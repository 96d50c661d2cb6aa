//! The configuration file as written: serde shapes with spans, before any
//! validation. Unknown keys are refused here (`deny_unknown_fields`); every
//! value that validation may reject is `Spanned` so its error can name the line.

use serde::Deserialize;
use toml::Spanned;

use crate::model::Money;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub data_dir: Option<Spanned<String>>,
    pub receipt_timeout_h: Option<Spanned<f64>>,
    #[serde(default)]
    pub log: RawLog,
    #[serde(default)]
    pub store: RawStore,
    #[serde(default)]
    pub smpp: RawSmpp,
    #[serde(default)]
    pub ucp: RawUcp,
    #[serde(default)]
    pub cimd2: RawCimd2,
    #[serde(default)]
    pub web: RawWeb,
    #[serde(default)]
    pub callbacks: RawCallbacks,
    #[serde(default)]
    pub limits: RawLimits,
    #[serde(default)]
    pub gateways: Vec<Spanned<RawGateway>>,
    #[serde(default)]
    pub routes: Vec<Spanned<RawRoute>>,
    #[serde(default)]
    pub accounts: Vec<Spanned<RawAccount>>,
    #[serde(default)]
    pub numbering: Vec<Spanned<RawNumbering>>,
    #[serde(default)]
    pub mo_routes: Vec<Spanned<RawMoRoute>>,
    #[serde(default)]
    pub content_rules: Vec<Spanned<RawContentRule>>,
    #[serde(default)]
    pub autoreplies: RawAutoreplies,
    #[serde(default)]
    pub sms_services: Vec<Spanned<RawSmsService>>,
    #[serde(default)]
    pub quality: RawQuality,
    #[serde(default)]
    pub gateway_costs: Vec<Spanned<RawGatewayCost>>,
    pub probes: Option<RawProbes>,
    pub mail: Option<RawMail>,
}

/// `[mail]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMail {
    pub host: Spanned<String>,
    pub port: Option<Spanned<u16>>,
    pub security: Option<Spanned<String>>,
    pub allow_unencrypted: Option<bool>,
    pub username: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub from: Spanned<String>,
    pub admin_to: Spanned<String>,
    pub low_balance: Option<Spanned<Money>>,
    pub daily_summary_hour: Option<Spanned<u32>>,
    pub language: Option<Spanned<String>>,
}

/// `[probes]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProbes {
    pub numbers: Spanned<Vec<Spanned<String>>>,
    pub account: Spanned<String>,
    pub sender: Option<Spanned<String>>,
    pub every_s: Option<Spanned<f64>>,
    pub wait_s: Option<Spanned<f64>>,
}

/// `[quality]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuality {
    pub window_s: Option<Spanned<f64>>,
    pub receipt_wait_s: Option<Spanned<f64>>,
    pub min_receipts: Option<Spanned<u64>>,
    pub hold_s: Option<Spanned<f64>>,
    pub margin: Option<Spanned<f64>>,
    pub retry_share: Option<Spanned<u32>>,
    pub alert_min_delivery_ratio: Option<Spanned<f64>>,
    pub alert_max_latency_p95_s: Option<Spanned<f64>>,
}

/// One `[[gateway_costs]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGatewayCost {
    pub gateway: Spanned<String>,
    pub prefix: Spanned<String>,
    pub cost: Spanned<Money>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAutoreplies {
    pub min_interval_s: Option<Spanned<u64>>,
}

/// One `[[sms_services]]` entry, Kannel's `sms-service` keys in snake_case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSmsService {
    pub name: Option<Spanned<String>>,
    pub account: Spanned<String>,
    pub keyword: Option<Spanned<String>>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    pub catch_all: Option<Spanned<bool>>,
    pub get_url: Option<Spanned<String>>,
    pub post_url: Option<Spanned<String>>,
    pub text: Option<Spanned<String>>,
    pub max_messages: Option<Spanned<u32>>,
    pub omit_empty: Option<bool>,
    pub strip_keyword: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLog {
    pub format: Option<Spanned<String>>,
    pub level: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStore {
    pub durability: Option<Spanned<String>>,
    pub commit_interval_ms: Option<Spanned<u64>>,
    pub commit_max_batch: Option<Spanned<u64>>,
    pub cache_mb: Option<Spanned<u64>>,
    pub retention_days: Option<Spanned<f64>>,
    pub mailbox_page: Option<Spanned<u64>>,
    pub outbox_page: Option<Spanned<u64>>,
    pub awaiting_whole: Option<Spanned<u64>>,
    pub index_pause_ms: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    pub max_parts_per_request: Option<Spanned<u32>>,
    pub mailbox_max_items: Option<Spanned<u64>>,
    pub mailbox_max_age_days: Option<Spanned<f64>>,
    pub route_queue_max: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSmpp {
    pub listen: Option<Spanned<String>>,
    pub window: Option<Spanned<u32>>,
    pub enquire_link_interval_s: Option<Spanned<u64>>,
    pub inactivity_timeout_s: Option<Spanned<u64>>,
    pub response_timeout_s: Option<Spanned<u64>>,
    pub max_connections: Option<Spanned<u32>>,
    pub max_connections_per_ip: Option<Spanned<u32>>,
    pub bind_timeout_s: Option<Spanned<u64>>,
    pub tls_listen: Option<Spanned<String>>,
    pub tls_cert: Option<Spanned<String>>,
    pub tls_key: Option<Spanned<String>>,
}

/// `[ucp]`: the UCP/EMI listener for customers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUcp {
    pub listen: Option<Spanned<String>>,
}

/// `[cimd2]`: the CIMD2 listener for customers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCimd2 {
    pub listen: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWeb {
    pub listen: Option<Spanned<String>>,
    pub admin_user: Option<Spanned<String>>,
    pub admin_password: Option<Spanned<String>>,
    pub tls_listen: Option<Spanned<String>>,
    pub tls_cert: Option<Spanned<String>>,
    pub tls_key: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCallbacks {
    pub retry_first_ms: Option<Spanned<u64>>,
    pub retry_max_ms: Option<Spanned<u64>>,
    pub max_attempts: Option<Spanned<u32>>,
    pub timeout_ms: Option<Spanned<u64>>,
    pub concurrency: Option<Spanned<u32>>,
    pub ca_file: Option<Spanned<String>>,
    #[serde(default)]
    pub allow_private: Vec<Spanned<String>>,
}

/// One `[[gateways]]` entry: the keys of every kind side by side, so that a
/// key given for the wrong kind is reported with its line instead of being
/// lost inside an internally tagged enum.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGateway {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    // simulator
    pub dlr_delay_ms: Option<Spanned<u64>>,
    // smpp
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
    pub system_id: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub bind: Option<Spanned<String>>,
    pub window: Option<Spanned<u32>>,
    pub tps: Option<Spanned<u32>>,
    pub id_format: Option<Spanned<String>>,
    pub sessions: Option<Spanned<u32>>,
    pub max_attempts: Option<Spanned<u32>>,
    pub failover_after_s: Option<Spanned<u64>>,
    pub queue_limit: Option<Spanned<u32>>,
    pub tls: Option<Spanned<bool>>,
    pub tls_ca: Option<Spanned<String>>,
    // ucp (with host, port, password, window, tps, max_attempts,
    // failover_after_s, queue_limit)
    pub login: Option<Spanned<String>>,
    pub keepalive_s: Option<Spanned<u64>>,
    // http (with window, tps, max_attempts, failover_after_s,
    // queue_limit)
    pub url: Option<Spanned<String>>,
    pub method: Option<Spanned<String>>,
    pub body: Option<Spanned<String>>,
    pub body_format: Option<Spanned<String>>,
    pub headers: Option<Spanned<Vec<Spanned<String>>>>,
    pub timeout_s: Option<Spanned<u64>>,
    pub id_pattern: Option<Spanned<String>>,
    pub success_pattern: Option<Spanned<String>>,
    pub temporary_pattern: Option<Spanned<String>>,
    pub permanent_pattern: Option<Spanned<String>>,
    pub receipt_token: Option<Spanned<String>>,
    pub receipt_id_field: Option<Spanned<String>>,
    pub receipt_status_field: Option<Spanned<String>>,
    pub receipt_error_field: Option<Spanned<String>>,
    pub delivered_values: Option<Spanned<Vec<String>>>,
    pub undelivered_values: Option<Spanned<Vec<String>>>,
    pub expired_values: Option<Spanned<Vec<String>>>,
    pub rejected_values: Option<Spanned<Vec<String>>>,
    // cimd2 (with the keys of ucp, `username` for `login`)
    pub username: Option<Spanned<String>>,
    // modem
    pub device: Option<Spanned<String>>,
    pub baud: Option<Spanned<u32>>,
    pub pin: Option<Spanned<String>>,
    pub command_timeout_ms: Option<Spanned<u64>>,
    pub poll_interval_ms: Option<Spanned<u64>>,
    pub number: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    pub prefix: Spanned<String>,
    pub accounts: Option<Spanned<Vec<Spanned<String>>>>,
    pub gateways: Spanned<Vec<Spanned<String>>>,
    pub weights: Option<Spanned<Vec<Spanned<u64>>>>,
    pub price: Spanned<Money>,
    pub mode: Option<Spanned<String>>,
    pub min_delivery_ratio: Option<Spanned<f64>>,
    pub max_latency_p95_s: Option<Spanned<f64>>,
    pub max_cost: Option<Spanned<Money>>,
}

/// One `[[numbering]]` entry: a number range and its operator.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNumbering {
    pub prefix: Spanned<String>,
    pub operator: Spanned<String>,
}

/// One `[[mo_routes]]` entry: a number (and keyword) and its account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMoRoute {
    pub number: Spanned<String>,
    pub keyword: Option<Spanned<String>>,
    pub account: Spanned<String>,
}

/// One `[[content_rules]]` entry: a pattern or words, the accounts it
/// applies to and what it does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContentRule {
    pub name: Spanned<String>,
    pub pattern: Option<Spanned<String>>,
    pub words: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub accounts: Vec<Spanned<String>>,
    pub action: Spanned<String>,
    pub description: Option<Spanned<String>>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccount {
    pub system_id: Spanned<String>,
    pub password: Spanned<String>,
    pub credit: Option<Spanned<Money>>,
    pub tps: Option<Spanned<u32>>,
    pub max_binds: Option<Spanned<u32>>,
    #[serde(default)]
    pub allowed_ips: Vec<Spanned<String>>,
    pub callback_url: Option<Spanned<String>>,
    pub callback_secret: Option<Spanned<String>>,
    #[serde(default)]
    pub allowed_senders: Vec<Spanned<String>>,
    pub traffic: Option<Spanned<String>>,
    pub time_zone: Option<Spanned<String>>,
    pub opt_out_scope: Option<Spanned<String>>,
    pub stop_words: Option<Vec<Spanned<String>>>,
    pub start_words: Option<Vec<Spanned<String>>>,
    pub help_words: Option<Vec<Spanned<String>>>,
    pub opt_out_text: Option<Spanned<String>>,
    pub opt_in_text: Option<Spanned<String>>,
    pub help_text: Option<Spanned<String>>,
    pub email: Option<Spanned<String>>,
    pub low_balance: Option<Spanned<Money>>,
    pub language: Option<Spanned<String>>,
}
