//! The switch's Prometheus metrics: one registry of typed families, read by
//! `GET /metrics` (`actors/web/metrics.rs`) and moved by one-line calls in
//! the actors.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `pasarela_messages_accepted_total` | counter | `account` |
//! | `pasarela_messages_rejected_total` | counter | `account`, `reason` |
//! | `pasarela_messages_submitted_total` | counter | `gateway` |
//! | `pasarela_receipts_total` | counter | `account`, `gateway`, `state` |
//! | `pasarela_route_queue_depth` | gauge | `route` |
//! | `pasarela_gateway_window_in_use` | gauge | `gateway` |
//! | `pasarela_accept_seconds` | histogram | `account` |
//! | `pasarela_submit_to_receipt_seconds` | histogram | `gateway` |
//! | `pasarela_gateway_delivery_ratio` | gauge | `gateway` (last `quality.window_s`) |
//! | `pasarela_gateway_receipt_latency_p50_seconds`, `_p95_seconds` | gauge | `gateway` |
//! | `pasarela_route_quality_changes_total` | counter | `route`, `gateway`, `change` |
//! | `pasarela_quality_alerts_total` | counter | `gateway`, `kind` |
//! | `pasarela_mo_total` | counter | `gateway`, `outcome` |
//! | `pasarela_password_checks_total` | counter | `protocol` |
//! | `pasarela_logins_refused_total` | counter | `protocol`, `reason` |
//! | `pasarela_smpp_connections_closed_total` | counter | `reason` |
//! | `pasarela_mailbox_items` | gauge | `account` |
//! | `pasarela_mailbox_loaded` | gauge | `account` |
//! | `pasarela_mailbox_dropped_total` | counter | `account`, `reason` |
//! | `pasarela_callback_outbox_loaded` | gauge | |
//! | `pasarela_receipts_awaited` | gauge | |
//! | `pasarela_receipts_awaited_whole` | gauge | |
//! | `pasarela_retention_purged_total` | counter | |
//!
//! One registry per process ([`global`]), not a handle passed down: the
//! metrics are of the process by nature (one `/metrics` per listener), and
//! the actors that move them (accounts, routes, receipts, upstream
//! connections) are built in several places; a handle in each wiring struct
//! would only carry the same value everywhere.
//!
//! The per-message cost is one or a few atomic additions: the actors keep
//! the handles of their own labels ([`AccountMetrics`], [`ReceiptMetrics`])
//! instead of asking a family (a lock and a hash) each time, and the
//! histograms are [`Latency`], atomic buckets, not the client's histogram,
//! which takes a mutex per observation.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::Utc;
use prometheus_client::encoding::{
    EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;

use crate::auth::Protocol;
use crate::checks::{Check, CheckRefusal};
use crate::model::{AccountId, GatewayName, Message, MessageState};
use crate::smpp::CommandStatus;

/// The process's metrics, created on first use.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Process-wide counts the UI reads (see [`Metrics::totals`]).
#[derive(Default)]
struct Totals {
    accepted: std::sync::atomic::AtomicU64,
    submitted: std::sync::atomic::AtomicU64,
}

/// The registry and its families.
pub struct Metrics {
    registry: Registry,
    accepted: Family<AccountLabel, Counter>,
    rejected: Family<RejectionLabels, Counter>,
    checks_refused: Family<CheckLabels, Counter>,
    content_held: Family<RuleLabel, Counter>,
    submitted: Family<GatewayLabel, Counter>,
    receipts: Family<ReceiptLabels, Counter>,
    queue_depth: Family<RouteLabel, Gauge>,
    window_in_use: Family<GatewayLabel, Gauge>,
    accept_latency: Family<AccountLabel, Latency>,
    receipt_latency: Family<GatewayLabel, Latency>,
    quality: [Family<GatewayLabel, Gauge<f64, AtomicU64>>; 3],
    quality_changes: Family<QualityChangeLabels, Counter>,
    quality_alerts: Family<QualityAlertLabels, Counter>,
    mo: Family<MoLabels, Counter>,
    password_checks: Family<ProtocolLabel, Counter>,
    logins_refused: Family<LoginRefusalLabels, Counter>,
    smpp_closed: Family<ClosedLabel, Counter>,
    mo_replies: Family<ReplyLabels, Counter>,
    mailbox_items: Family<AccountLabel, Gauge>,
    mailbox_loaded: Family<AccountLabel, Gauge>,
    mailbox_dropped: Family<DropLabels, Counter>,
    outbox_loaded: Gauge,
    awaited: Gauge,
    awaited_whole: Gauge,
    /// Message parts accepted and acknowledged by gateways, over every
    /// account and gateway: the web UI's live figures, read without
    /// walking the families.
    totals: Totals,
    purged: Counter,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AccountLabel {
    account: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GatewayLabel {
    gateway: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QualityChangeLabels {
    route: String,
    gateway: String,
    change: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QualityAlertLabels {
    gateway: String,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectionLabels {
    account: String,
    reason: Rejection,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabel {
    rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckLabels {
    check: &'static str,
    rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MoLabels {
    gateway: String,
    outcome: MoOutcome,
}

/// What MO routing made of a message received, as the `outcome` label
/// says it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum MoOutcome {
    /// In an account's mailbox.
    Routed,
    /// No MO route claims it: it stays in the inbox.
    Unrouted,
}

impl EncodeLabelValue for MoOutcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(match self {
            MoOutcome::Routed => "routed",
            MoOutcome::Unrouted => "unrouted",
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProtocolLabel {
    protocol: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LoginRefusalLabels {
    protocol: &'static str,
    reason: LoginRefusal,
}

/// Why a login (an SMPP bind, HTTP credentials) was refused, as the
/// `reason` label says it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum LoginRefusal {
    /// No such account or admin user.
    UnknownUser,
    /// The account may not be used from the peer's address.
    Address,
    /// A wrong password (checked now, or the same wrong one seen before).
    Password,
    /// The address or the account is backed off: no password checked.
    BackedOff,
    /// Too many password checks waiting: refused at once.
    Busy,
}

impl EncodeLabelValue for LoginRefusal {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(match self {
            LoginRefusal::UnknownUser => "unknown_user",
            LoginRefusal::Address => "address",
            LoginRefusal::Password => "password",
            LoginRefusal::BackedOff => "backed_off",
            LoginRefusal::Busy => "busy",
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DropLabels {
    account: String,
    reason: MailboxDrop,
}

/// Why a mailbox item was dropped unsent, as the `reason` label says it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum MailboxDrop {
    /// The mailbox held `limits.mailbox_max_items`: the oldest went.
    Full,
    /// It waited longer than `limits.mailbox_max_age_days`.
    Expired,
}

impl EncodeLabelValue for MailboxDrop {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(match self {
            MailboxDrop::Full => "full",
            MailboxDrop::Expired => "expired",
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClosedLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReplyLabels {
    reply: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReceiptLabels {
    account: String,
    gateway: String,
    state: String,
}

/// Why a submission was refused, as the `reason` label says it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Rejection {
    /// Over the account's TPS (ESME_RTHROTTLED).
    Throttled,
    /// The route's queue was full (ESME_RMSGQFUL, `limits.route_queue_max`).
    QueueFull,
    /// Not enough credit (ESME_RSUBMITFAIL from the account).
    Credit,
    /// The request itself is wrong: a field, the PDU, the JSON body.
    Invalid,
    /// The sender (ESME_RINVSRCADR): not a valid sender, or not among the
    /// account's `allowed_senders`.
    Sender,
    /// A content rule rejected the text.
    Content,
    /// The destination opted out of the account.
    OptOut,
    /// The destination is on the DND registry and the account is
    /// promotional.
    Dnd,
    /// The switch could not take it (a store failure, a restarting actor).
    System,
    /// Any other command status.
    Other,
}

impl Rejection {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Throttled => "throttled",
            Rejection::QueueFull => "queue_full",
            Rejection::Credit => "credit",
            Rejection::Invalid => "invalid",
            Rejection::Sender => "sender",
            Rejection::Content => "content",
            Rejection::OptOut => "opt_out",
            Rejection::Dnd => "dnd",
            Rejection::System => "system",
            Rejection::Other => "other",
        }
    }
}

impl EncodeLabelValue for Rejection {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

impl Rejection {
    /// The reason for a refusal by a check at accept.
    pub fn of_check(check: Check) -> Rejection {
        match check {
            Check::Sender => Rejection::Sender,
            Check::Content => Rejection::Content,
            Check::OptOut => Rejection::OptOut,
            Check::Dnd => Rejection::Dnd,
        }
    }

    /// The reason for a command status an account answered with.
    pub fn of(status: CommandStatus) -> Rejection {
        match status {
            CommandStatus::EsmeRthrottled => Rejection::Throttled,
            CommandStatus::EsmeRmsgqful => Rejection::QueueFull,
            CommandStatus::EsmeRsubmitfail => Rejection::Credit,
            CommandStatus::EsmeRsyserr => Rejection::System,
            CommandStatus::EsmeRinvsrcadr => Rejection::Sender,
            CommandStatus::EsmeRinvdstadr
            | CommandStatus::EsmeRinvmsglen
            | CommandStatus::EsmeRinvcmdlen
            | CommandStatus::EsmeRinvdcs
            | CommandStatus::EsmeRinvesmclass
            | CommandStatus::EsmeRinvnumdests => Rejection::Invalid,
            _ => Rejection::Other,
        }
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// An empty registry with every family registered.
    pub fn new() -> Metrics {
        let mut metrics = Metrics {
            registry: Registry::with_prefix("pasarela"),
            accepted: Family::default(),
            rejected: Family::default(),
            checks_refused: Family::default(),
            content_held: Family::default(),
            submitted: Family::default(),
            receipts: Family::default(),
            queue_depth: Family::default(),
            window_in_use: Family::default(),
            accept_latency: Family::default(),
            receipt_latency: Family::default(),
            quality: Default::default(),
            quality_changes: Family::default(),
            quality_alerts: Family::default(),
            mo: Family::default(),
            password_checks: Family::default(),
            logins_refused: Family::default(),
            smpp_closed: Family::default(),
            mo_replies: Family::default(),
            mailbox_items: Family::default(),
            mailbox_loaded: Family::default(),
            mailbox_dropped: Family::default(),
            outbox_loaded: Gauge::default(),
            awaited: Gauge::default(),
            awaited_whole: Gauge::default(),
            purged: Counter::default(),
            totals: Totals::default(),
        };
        let registry = &mut metrics.registry;
        for (name, help, family) in [
            (
                "gateway_delivery_ratio",
                "DELIVRD over receipts and missing ones, last quality window",
            ),
            (
                "gateway_receipt_latency_p50_seconds",
                "Median submit-to-receipt latency, last quality window",
            ),
            (
                "gateway_receipt_latency_p95_seconds",
                "95th percentile submit-to-receipt latency, last quality window",
            ),
        ]
        .into_iter()
        .zip(metrics.quality.iter())
        .map(|((name, help), family)| (name, help, family))
        {
            registry.register(name, help, family.clone());
        }
        registry.register(
            "route_quality_changes",
            "Automatic changes of least_cost and quality routes",
            metrics.quality_changes.clone(),
        );
        registry.register(
            "quality_alerts",
            "Route quality alerts raised: a gateway crossed a threshold",
            metrics.quality_alerts.clone(),
        );
        registry.register(
            "messages_accepted",
            "Message parts durably accepted",
            metrics.accepted.clone(),
        );
        registry.register(
            "messages_rejected",
            "Submissions refused, by reason",
            metrics.rejected.clone(),
        );
        registry.register(
            "checks_refused",
            "Submissions a check at accept refused, by check and rule (a content rule's name; empty for the checks without named rules)",
            metrics.checks_refused.clone(),
        );
        registry.register(
            "content_held",
            "Submissions a content rule with action hold accepted and kept from the gateways, by rule",
            metrics.content_held.clone(),
        );
        registry.register(
            "messages_submitted",
            "Message parts an upstream gateway acknowledged",
            metrics.submitted.clone(),
        );
        registry.register(
            "receipts",
            "Messages that reached a final state after a gateway had them, by state",
            metrics.receipts.clone(),
        );
        registry.register(
            "route_queue_depth",
            "Messages waiting in a route for a gateway to come up (sampled each second)",
            metrics.queue_depth.clone(),
        );
        registry.register(
            "gateway_window_in_use",
            "submit_sm outstanding on an upstream SMPP connection",
            metrics.window_in_use.clone(),
        );
        registry.register(
            "accept_seconds",
            "From a submit PDU or send request read to its durable acknowledgement",
            metrics.accept_latency.clone(),
        );
        registry.register(
            "submit_to_receipt_seconds",
            "From a gateway acknowledging a message to its final receipt",
            metrics.receipt_latency.clone(),
        );
        registry.register(
            "mo",
            "MO messages received, routed to an account or left unrouted in the inbox",
            metrics.mo.clone(),
        );
        registry.register(
            "password_checks",
            "Passwords checked with argon2 (logins not refused before the check)",
            metrics.password_checks.clone(),
        );
        registry.register(
            "logins_refused",
            "SMPP binds and HTTP logins refused, by reason",
            metrics.logins_refused.clone(),
        );
        registry.register(
            "smpp_connections_closed",
            "SMPP connections the switch closed to protect itself, by reason: over \
             smpp.max_connections or smpp.max_connections_per_ip, not bound within \
             smpp.bind_timeout_s, or not reading what it is sent",
            metrics.smpp_closed.clone(),
        );
        registry.register(
            "mo_replies",
            "Replies the switch made for an account to a phone's MO, by reply (opt-out \
             confirmation, opt-in confirmation, help text, autoreply, poll reply, service \
             answer) and outcome: accepted, refused (by the account's accept path), \
             unsendable (nothing to answer from or to, or a text that cannot be sent), \
             service_failed (the service's application gave no usable answer)",
            metrics.mo_replies.clone(),
        );
        registry.register(
            "mailbox_items",
            "Receipts and MO stored for an account, waiting for its receiver",
            metrics.mailbox_items.clone(),
        );
        registry.register(
            "mailbox_loaded",
            "Of those, held in memory (at most store.mailbox_page)",
            metrics.mailbox_loaded.clone(),
        );
        registry.register(
            "mailbox_dropped",
            "Mailbox items dropped unsent: the mailbox was full, or the item too old",
            metrics.mailbox_dropped.clone(),
        );
        registry.register(
            "callback_outbox_loaded",
            "Callbacks of the outbox held in memory (at most store.outbox_page)",
            metrics.outbox_loaded.clone(),
        );
        registry.register(
            "receipts_awaited",
            "Messages SUBMITTED and waiting for their receipt",
            metrics.awaited.clone(),
        );
        registry.register(
            "receipts_awaited_whole",
            "Of those, held whole in memory (store.awaiting_whole once their records are readable; the others by id)",
            metrics.awaited_whole.clone(),
        );
        registry.register(
            "retention_purged",
            "Finished messages purged after store.retention_days",
            metrics.purged.clone(),
        );
        metrics
    }

    /// The text exposition (OpenMetrics 1.0, which Prometheus reads).
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }

    /// The handles an account actor keeps.
    pub fn account(&self, account: &AccountId) -> AccountMetrics {
        let label = AccountLabel {
            account: account.to_string(),
        };
        let rejected = |reason| {
            self.rejected.get_or_create_owned(&RejectionLabels {
                account: account.to_string(),
                reason,
            })
        };
        let dropped = |reason| {
            self.mailbox_dropped.get_or_create_owned(&DropLabels {
                account: account.to_string(),
                reason,
            })
        };
        AccountMetrics {
            mailbox_items: self.mailbox_items.get_or_create_owned(&label),
            mailbox_loaded: self.mailbox_loaded.get_or_create_owned(&label),
            dropped_full: dropped(MailboxDrop::Full),
            dropped_expired: dropped(MailboxDrop::Expired),
            accepted: self.accepted.get_or_create_owned(&label),
            throttled: rejected(Rejection::Throttled),
            credit: rejected(Rejection::Credit),
            latency: self.accept_latency.get_or_create_owned(&label),
            account: account.clone(),
        }
    }

    /// Counts a refused submission where no [`AccountMetrics`] is at hand
    /// (a request refused before it reaches the account).
    pub fn rejected(&self, account: &AccountId, reason: Rejection) {
        self.rejected
            .get_or_create(&RejectionLabels {
                account: account.to_string(),
                reason,
            })
            .inc();
    }

    /// Sets how many messages wait in the route of `prefix` ("default"
    /// for the empty prefix).
    pub fn set_queue_depth(&self, prefix: &str, depth: usize) {
        let route = if prefix.is_empty() { "default" } else { prefix };
        self.queue_depth
            .get_or_create(&RouteLabel {
                route: route.to_string(),
            })
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    /// Sets `gateway`'s delivery ratio and latency p50/p95 over the last
    /// quality window; a figure not known (no receipts) is left as it was.
    pub fn set_gateway_quality(&self, gateway: &str, figures: [Option<f64>; 3]) {
        let label = GatewayLabel {
            gateway: gateway.to_owned(),
        };
        for (family, figure) in self.quality.iter().zip(figures) {
            if let Some(value) = figure {
                family.get_or_create(&label).set(value);
            }
        }
    }

    /// Counts an automatic `change` of route `prefix` about `gateway`.
    pub fn route_quality_change(&self, prefix: &str, gateway: &str, change: &'static str) {
        let route = if prefix.is_empty() { "default" } else { prefix };
        self.quality_changes
            .get_or_create(&QualityChangeLabels {
                route: route.to_owned(),
                gateway: gateway.to_owned(),
                change,
            })
            .inc();
    }

    /// Counts an alert raised for `gateway`.
    pub fn quality_alert(&self, gateway: &str, kind: &'static str) {
        self.quality_alerts
            .get_or_create(&QualityAlertLabels {
                gateway: gateway.to_owned(),
                kind,
            })
            .inc();
    }

    /// Counts an MO message `gateway` received as `outcome` (once per
    /// message and process: one routed again after a restart counts again).
    pub fn mo(&self, gateway: &GatewayName, outcome: MoOutcome) {
        self.mo
            .get_or_create(&MoLabels {
                gateway: gateway.to_string(),
                outcome,
            })
            .inc();
    }

    /// Counts a password checked with argon2 for a login by `protocol`.
    pub fn password_checked(&self, protocol: Protocol) {
        self.password_checks
            .get_or_create(&ProtocolLabel {
                protocol: protocol.as_str(),
            })
            .inc();
    }

    /// Counts a login by `protocol` refused for `reason`.
    pub fn login_refused(&self, protocol: Protocol, reason: LoginRefusal) {
        self.logins_refused
            .get_or_create(&LoginRefusalLabels {
                protocol: protocol.as_str(),
                reason,
            })
            .inc();
    }

    /// Counts an SMPP connection the switch closed for `reason`
    /// (`max_connections`, `max_connections_per_ip`, `bind_timeout`,
    /// `write_queue_full`).
    pub fn smpp_connection_closed(&self, reason: &'static str) {
        self.smpp_closed
            .get_or_create(&ClosedLabel { reason })
            .inc();
    }

    /// Counts a reply to an MO (`reply` says which, as the log does) and
    /// what became of it (`outcome`: `accepted`, `refused`, `unsendable`,
    /// `service_failed`).
    pub fn mo_reply(&self, reply: &'static str, outcome: &'static str) {
        self.mo_replies
            .get_or_create(&ReplyLabels { reply, outcome })
            .inc();
    }

    /// The gauge of callbacks the callbacks actor holds in memory.
    pub fn outbox_loaded(&self) -> Gauge {
        self.outbox_loaded.clone()
    }

    /// Counts finished messages retention purged.
    pub fn purged(&self, messages: usize) {
        self.purged.inc_by(messages as u64);
    }

    /// Message parts accepted, and acknowledged by a gateway, since the
    /// process started.
    pub fn totals(&self) -> (u64, u64) {
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        (
            self.totals.accepted.load(relaxed),
            self.totals.submitted.load(relaxed),
        )
    }

    pub fn window_in_use(&self, gateway: &GatewayName) -> Gauge {
        self.window_in_use.get_or_create_owned(&GatewayLabel {
            gateway: gateway.to_string(),
        })
    }
}

/// One account's handles: counting is an atomic add, no lookup.
#[derive(Clone)]
pub struct AccountMetrics {
    account: AccountId,
    accepted: Counter,
    throttled: Counter,
    credit: Counter,
    latency: Latency,
    mailbox_items: Gauge,
    mailbox_loaded: Gauge,
    dropped_full: Counter,
    dropped_expired: Counter,
}

impl AccountMetrics {
    /// `parts` stored and acknowledged, `elapsed` after the PDU or request
    /// was read.
    pub fn accepted(&self, parts: usize, elapsed: Duration) {
        self.accepted.inc_by(parts as u64);
        global()
            .totals
            .accepted
            .fetch_add(parts as u64, std::sync::atomic::Ordering::Relaxed);
        self.latency.observe(elapsed);
    }

    /// A submission refused with `status`, by the check at accept
    /// `check` when one refused it.
    pub fn rejected(&self, status: CommandStatus, check: Option<&CheckRefusal>) {
        if let Some(refusal) = check {
            let metrics = global();
            metrics
                .checks_refused
                .get_or_create(&CheckLabels {
                    check: refusal.check.as_str(),
                    rule: refusal.rule.clone().unwrap_or_default(),
                })
                .inc();
            return metrics.rejected(&self.account, Rejection::of_check(refusal.check));
        }
        let cached = match Rejection::of(status) {
            Rejection::Throttled => &self.throttled,
            Rejection::Credit => &self.credit,
            reason => return global().rejected(&self.account, reason),
        };
        cached.inc();
    }

    /// A submission accepted and held by the content rule `rule`.
    pub fn held(&self, rule: &str) {
        global()
            .content_held
            .get_or_create(&RuleLabel {
                rule: rule.to_owned(),
            })
            .inc();
    }

    /// The mailbox's size: `stored` items in the store, `loaded` of them
    /// in memory.
    pub fn mailbox(&self, stored: usize, loaded: usize) {
        let gauge = |value: usize| i64::try_from(value).unwrap_or(i64::MAX);
        self.mailbox_items.set(gauge(stored));
        self.mailbox_loaded.set(gauge(loaded));
    }

    /// `count` mailbox items dropped unsent, for `reason`.
    pub fn mailbox_dropped(&self, reason: MailboxDrop, count: usize) {
        let counter = match reason {
            MailboxDrop::Full => &self.dropped_full,
            MailboxDrop::Expired => &self.dropped_expired,
        };
        counter.inc_by(count as u64);
    }
}

/// The receipts actor's handles, made on first use per gateway and per
/// account, gateway and state: after that, counting is an atomic add.
#[derive(Default)]
pub struct ReceiptMetrics {
    gateways: HashMap<GatewayName, (Counter, Latency)>,
    receipts: HashMap<(AccountId, GatewayName, MessageState), Counter>,
}

impl ReceiptMetrics {
    fn gateway(&mut self, gateway: &GatewayName) -> &(Counter, Latency) {
        self.gateways.entry(gateway.clone()).or_insert_with(|| {
            let metrics = global();
            let label = GatewayLabel {
                gateway: gateway.to_string(),
            };
            (
                metrics.submitted.get_or_create_owned(&label),
                metrics.receipt_latency.get_or_create_owned(&label),
            )
        })
    }

    /// `gateway` acknowledged one message part.
    pub fn submitted(&mut self, gateway: &GatewayName) {
        self.gateway(gateway).0.inc();
        global()
            .totals
            .submitted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// `message` reached its final state; counted when a gateway had it,
    /// with the time since that gateway acknowledged it when it did.
    pub fn finished(&mut self, message: &Message) {
        let Some(gateway) = &message.gateway else {
            return;
        };
        let state = message.state();
        self.receipts
            .entry((message.account.clone(), gateway.clone(), state))
            .or_insert_with(|| {
                global().receipts.get_or_create_owned(&ReceiptLabels {
                    account: message.account.to_string(),
                    gateway: gateway.to_string(),
                    state: state.as_str().to_ascii_lowercase(),
                })
            })
            .inc();
        let submitted = message
            .history()
            .iter()
            .rfind(|transition| transition.state == MessageState::Submitted);
        if let Some(submitted) = submitted {
            let elapsed = (Utc::now() - submitted.at).to_std().unwrap_or_default();
            self.gateway(gateway).1.observe(elapsed);
        }
    }

    /// How many messages wait for their receipt, and how many of them are
    /// held whole.
    pub fn awaited(&self, all: usize, whole: usize) {
        let metrics = global();
        metrics.awaited.set(i64::try_from(all).unwrap_or(i64::MAX));
        metrics
            .awaited_whole
            .set(i64::try_from(whole).unwrap_or(i64::MAX));
    }
}

/// Upper bounds of the latency buckets, in seconds: a millisecond (a group
/// commit) to an hour (a slow receipt).
const BOUNDS: [f64; 16] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 300.0,
    3600.0,
];

/// A histogram of durations whose observation is three atomic additions.
#[derive(Clone, Debug, Default)]
pub struct Latency(Arc<LatencyCells>);

#[derive(Debug, Default)]
struct LatencyCells {
    /// Per bucket, not cumulative; the last is above every bound.
    buckets: [AtomicU64; BOUNDS.len() + 1],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Latency {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = BOUNDS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BOUNDS.len());
        let cells = &self.0;
        cells.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        cells.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        cells.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

impl TypedMetric for Latency {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Latency {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let cells = &self.0;
        let buckets: Vec<(f64, u64)> = BOUNDS
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(
                cells
                    .buckets
                    .iter()
                    .map(|cell| cell.load(Ordering::Relaxed)),
            )
            .collect();
        // The count as the buckets have it, so the two always agree.
        let count = buckets.iter().map(|(_, count)| count).sum();
        let sum = cells.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        encoder.encode_histogram::<NoLabelSet>(
            sum,
            count,
            &buckets,
            None::<&HashMap<usize, Exemplar<NoLabelSet, f64>>>,
        )
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative_and_agree_with_the_count() {
        let metrics = Metrics::new();
        let demo = AccountId::new("demo").unwrap();
        let account = metrics.account(&demo);
        account.accepted(2, Duration::from_micros(1500));
        account.accepted(1, Duration::from_secs(7200));
        account.rejected(CommandStatus::EsmeRthrottled, None);
        account.rejected(CommandStatus::EsmeRsubmitfail, None);
        let text = metrics.render().unwrap();
        for line in [
            "pasarela_messages_accepted_total{account=\"demo\"} 3",
            "pasarela_messages_rejected_total{account=\"demo\",reason=\"throttled\"} 1",
            "pasarela_messages_rejected_total{account=\"demo\",reason=\"credit\"} 1",
            "pasarela_accept_seconds_count{account=\"demo\"} 2",
            "pasarela_accept_seconds_bucket{le=\"0.001\",account=\"demo\"} 0",
            "pasarela_accept_seconds_bucket{le=\"0.0025\",account=\"demo\"} 1",
            "pasarela_accept_seconds_bucket{le=\"3600.0\",account=\"demo\"} 1",
            "pasarela_accept_seconds_bucket{le=\"+Inf\",account=\"demo\"} 2",
        ] {
            assert!(text.contains(line), "{line} not in\n{text}");
        }
    }

    #[test]
    fn queue_depth_names_the_default_route() {
        let metrics = Metrics::new();
        metrics.set_queue_depth("", 4);
        metrics.set_queue_depth("34", 1);
        let text = metrics.render().unwrap();
        assert!(
            text.contains("pasarela_route_queue_depth{route=\"default\"} 4"),
            "{text}"
        );
        assert!(
            text.contains("pasarela_route_queue_depth{route=\"34\"} 1"),
            "{text}"
        );
    }
}
