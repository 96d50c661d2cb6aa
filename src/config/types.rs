//! The validated configuration's types: what the rest of the switch reads
//! once the file has passed every check. Plain data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

use crate::checks::content::ContentRule;
use crate::checks::sender::AllowedSenders;
use crate::lists::dnd::Traffic;
use crate::lists::opt_out::OptOutSettings;
use crate::model::Money;
use crate::quality::Thresholds;
use crate::upstream::IdFormat;
use crate::upstream::http::{AnswerRules, ReceiptRules, RequestRules};

/// SMPP 3.4 §5.2.1: system_id is a C-octet string of at most 16 octets.
pub const MAX_SYSTEM_ID_LEN: usize = 15;
/// SMPP 3.4 §5.2.2: password is a C-octet string of at most 9 octets.
pub const MAX_PASSWORD_LEN: usize = 8;

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The sled database and everything else the switch persists.
    pub data_dir: PathBuf,
    /// `receipt_timeout_h`: how long a message an SMSC took (SUBMITTED)
    /// waits for its receipt before it is given up as UNKNOWN, with a
    /// receipt to the customer.
    pub receipt_timeout: Duration,
    /// `[log]`: format and level.
    pub log: LogConfig,
    /// `[store]`: durability, group commit and cache.
    pub store: StoreSettings,
    /// `[smpp]`: the SMPP listener ESMEs bind to.
    pub smpp: SmppListenerConfig,
    /// `[ucp]`: the UCP/EMI listener accounts log in to (docs/ucp.md).
    pub ucp: UcpListenerConfig,
    /// `[cimd2]`: the CIMD2 listener accounts log in to (docs/cimd2.md).
    pub cimd2: UcpListenerConfig,
    /// `[web]`: the HTTP listener (JSON API, admin, Kannel sendsms) and the
    /// operator's login.
    pub web: WebConfig,
    /// `[callbacks]`: how receipt callbacks are sent.
    pub callbacks: CallbackSettings,
    /// `[limits]`: what one request may create and how much may wait for
    /// an account.
    pub limits: LimitsSettings,
    /// `[[gateways]]`: the upstream connections, names unique.
    pub gateways: Vec<GatewayConfig>,
    /// `[[routes]]`: the MT routes, checked against the gateways and accounts.
    pub routes: Vec<RouteConfig>,
    /// `[[accounts]]`: the customers, system_ids unique.
    pub accounts: Vec<AccountConfig>,
    /// `[[numbering]]`: which operator a number range belongs to, for the
    /// message report; longest prefix wins.
    pub numbering: Vec<NumberingConfig>,
    /// `[[mo_routes]]`: which account an MO message goes to.
    pub mo_routes: Vec<MoRouteConfig>,
    /// `[[content_rules]]`: patterns and word lists checked at accept,
    /// names unique (docs/two-way.md).
    pub content_rules: Vec<ContentRule>,
    /// `[autoreplies]`: how often one autoreply rule answers one sender.
    pub autoreplies: AutoreplySettings,
    /// `[[sms_services]]`: Kannel-style services answering MO over HTTP.
    pub sms_services: Vec<SmsServiceConfig>,
    /// `[quality]`: how route quality is measured and acted on.
    pub quality: QualitySettings,
    /// `[[gateway_costs]]`: what each gateway charges per destination prefix.
    pub gateway_costs: Vec<GatewayCost>,
    /// `[probes]`: test numbers probed through every gateway; `None`
    /// without the table.
    pub probes: Option<ProbeSettings>,
    /// `[mail]`: the SMTP server notifications go through; `None` without
    /// the table, and then nothing is mailed.
    pub mail: Option<MailSettings>,
}

/// `[mail]` (docs/configuration.md#mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `host`: the SMTP server's name or address.
    pub host: String,
    /// `port`: 587 for STARTTLS, 465 for TLS, 25 for none when not given.
    pub port: u16,
    /// `security`: how the connection is protected.
    pub security: MailSecurity,
    /// `username` and `password`, given together: SMTP AUTH.
    pub credentials: Option<(String, String)>,
    /// `from`: the sender address of every mail.
    pub from: String,
    /// `admin_to`: the operator's address (low balance, quality alerts,
    /// the daily summary).
    pub admin_to: String,
    /// `low_balance`: an account whose credit falls below this is mailed
    /// about, once per fall; `None`: no low-balance mail.
    pub low_balance: Option<Money>,
    /// `daily_summary_hour`: the UTC hour from which the day's summary is
    /// mailed to `admin_to`; `None`: no daily summary.
    pub daily_summary_hour: Option<u32>,
    /// `language`: what the operator's mails are written in.
    pub language: crate::model::Lang,
}

/// `[mail] security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption: loopback servers, or `allow_unencrypted = true`.
    None,
}

/// `[probes]` (docs/routing.md#test-numbers-and-probes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    /// `numbers`: numbers pasarela itself receives on (a modem's SIM, or
    /// a number an upstream delivers MO for), international digits.
    pub numbers: Vec<String>,
    /// `account`: whose messages probes are (an account of the file).
    pub account: String,
    /// `sender`: the probes' sender, alphanumeric.
    pub sender: String,
    /// `every_s`: how often every gateway probes every number.
    pub every: Duration,
    /// `wait_s`: how long a probe has to arrive as MO.
    pub wait: Duration,
}

/// `[autoreplies]` (docs/two-way.md#keyword-autoreplies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoreplySettings {
    /// `autoreplies.min_interval_s`: a rule answers one sender at most once
    /// in this long, so two autoresponders never answer each other in a
    /// loop.
    pub min_interval: Duration,
}

/// One `[[sms_services]]` entry: Kannel's `sms-service` group with its
/// keys in snake_case (docs/two-way.md#kannel-style-mo-services).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsServiceConfig {
    /// `name` (`%n`); the keyword when not given, or `"default"`.
    pub name: String,
    /// `account`: whose MO it serves and who pays its replies.
    pub account: String,
    /// `keyword`: the MO's first word, compared without case or accents;
    /// `None` for the catch-all.
    pub keyword: Option<String>,
    /// `aliases`: more first words it answers.
    pub aliases: Vec<String>,
    /// `catch_all`: answers the account's MO no other application claims.
    pub catch_all: bool,
    /// `get_url`, `post_url` or `text`: where the answer comes from.
    pub target: ServiceTarget,
    /// `max_messages`: the most SMS parts of the reply (1); 0 sends none.
    pub max_messages: u32,
    /// `omit_empty`: an empty answer sends nothing (otherwise Kannel's
    /// `<Empty reply from service provider>`).
    pub omit_empty: bool,
    /// `strip_keyword`: a `post_url` body without the keyword.
    pub strip_keyword: bool,
}

impl SmsServiceConfig {
    /// The keyword and the aliases.
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.keyword
            .iter()
            .chain(self.aliases.iter())
            .map(String::as_str)
    }
}

/// Where a service's answer comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceTarget {
    /// `get_url`: a GET of the URL with the escape codes filled.
    GetUrl(String),
    /// `post_url`: a POST of the MO's text to the URL, with Kannel's
    /// `X-Kannel-*` headers.
    PostUrl(String),
    /// `text`: this text, the escape codes filled.
    Text(String),
}

/// One `[[mo_routes]]` entry (docs/two-way.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoRouteConfig {
    /// The destination's digits, a leading `+` or `00` dropped.
    pub number: String,
    /// The first word of the text, for a shared number; `None`: every MO
    /// to the number that no keyword route claims.
    pub keyword: Option<String>,
    /// The account's system_id.
    pub account: String,
}

/// One `[[numbering]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberingConfig {
    /// International digits, country code first (`"34600"`).
    pub prefix: String,
    /// The operator's name as the report shows it; not empty.
    pub operator: String,
}

/// `log.format`: how log lines are written. Default `term`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Term,
    /// One JSON object per line, for log shippers.
    Json,
}

/// `log.level`: the least severe level logged, in slog's order from most
/// to least severe. Default `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `critical`: critical records only.
    Critical,
    /// `error`: errors and critical records.
    Error,
    /// `warning` (or `warn`): warnings and worse.
    Warning,
    /// `info`: informational records and worse; the default.
    Info,
    /// `debug`: debugging records and worse.
    Debug,
    /// `trace`: every record.
    Trace,
}

/// `[log]`: how much the switch logs to standard error, and in what form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogConfig {
    /// `log.format`: `term` (default) or `json`.
    pub format: LogFormat,
    /// `log.level`: default `info`.
    pub level: LogLevel,
}

/// What a durable acknowledgement survives (see `store` for the details).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// sled's flush: the data reaches the kernel's page cache and the write
    /// is started, which survives the process being killed but not a power
    /// loss or kernel crash.
    #[default]
    Process,
    /// Additionally fsync the database files after every group commit, so an
    /// acknowledged message survives a power loss; costs a disk sync per batch.
    Power,
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Durability::Process => "process",
            Durability::Power => "power",
        })
    }
}

/// `[store]`: the sled store's group commit and cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSettings {
    /// `store.durability`: `process` (default) or `power`.
    pub durability: Durability,
    /// The longest a write waits for others to share its flush.
    pub commit_interval: Duration,
    /// The most writes one flush carries.
    pub commit_max_batch: usize,
    /// sled's page cache: most of the store's memory.
    pub cache_bytes: u64,
    /// `store.retention_days`: messages in a final state for longer than
    /// this are purged, with their index entries, in the background.
    pub retention: Duration,
    /// `store.mailbox_page`: the most items of one account's mailbox held
    /// in memory; the rest waits in the store and is read as these drain.
    pub mailbox_page: usize,
    /// `store.outbox_page`: the most callbacks of the outbox held in
    /// memory; the rest waits in the store and is read as these drain.
    pub outbox_page: usize,
    /// `store.awaiting_whole`: the most messages waiting for their receipt
    /// held whole in memory; the others are held by id, and read back
    /// from the store when their receipt comes.
    pub awaiting_whole: usize,
    /// `store.index_pause_ms`: the pause between two pages of the one-time
    /// indexing by number of the messages a store held before that index
    /// existed; longer is gentler on traffic, and takes longer.
    pub index_pause: Duration,
}

/// `[limits]`: bounds on what one request may create and on what may
/// wait for an account's receiver (docs/configuration.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsSettings {
    /// `limits.max_parts_per_request`: a request (an HTTP list of numbers,
    /// a submit_multi) that would create more message parts than this, over
    /// all its destinations, is refused whole and charged nothing.
    pub max_parts_per_request: u32,
    /// `limits.mailbox_max_items`: receipts and MO kept for an account
    /// whose receiver is not bound; beyond it the oldest are dropped.
    pub mailbox_max_items: u64,
    /// `limits.mailbox_max_age_days`: a receipt or MO waiting longer than
    /// this for the account's receiver is dropped.
    pub mailbox_max_age: Duration,
    /// `limits.route_queue_max`: while this many messages of no campaign
    /// wait in memory in a route's queue for a gateway to take them, a
    /// customer's new message to that route is refused (ESME_RMSGQFUL,
    /// HTTP 503), so ESMEs faster than the SMSCs cannot grow the switch's
    /// memory without end.
    pub route_queue_max: u64,
}

/// A listener over TLS: where, and the PEM files it presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsListenerConfig {
    /// `tls_listen`: address and port.
    pub listen: SocketAddr,
    /// `tls_cert`: the certificate chain, PEM, the server's own first.
    pub cert: PathBuf,
    /// `tls_key`: the certificate's private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// `[smpp]`: the listeners ESMEs bind to, and their sessions' window and timers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmppListenerConfig {
    /// `smpp.listen`: address and port of plain SMPP; default
    /// `127.0.0.1:2775`, or none when only `smpp.tls_listen` is given.
    pub listen: Option<SocketAddr>,
    /// `smpp.tls_listen`, `smpp.tls_cert`, `smpp.tls_key`: SMPP over TLS,
    /// the same sessions as the plain listener.
    pub tls: Option<TlsListenerConfig>,
    /// Requests a session keeps outstanding in each direction: an ESME's
    /// submits beyond it get ESME_RMSGQFUL; our deliver_sm wait beyond it.
    pub window: u32,
    /// Idle time after which the session sends enquire_link.
    pub enquire_link_interval: Duration,
    /// Time without any PDU from the ESME after which the session closes.
    pub inactivity_timeout: Duration,
    /// How long a request the session sent waits for its response.
    pub response_timeout: Duration,
    /// `smpp.max_connections`: connections open at once over all peers;
    /// one more is closed as soon as it is accepted.
    pub max_connections: u32,
    /// `smpp.max_connections_per_ip`: connections open at once from one
    /// peer address; one more is closed as soon as it is accepted.
    pub max_connections_per_ip: u32,
    /// `smpp.bind_timeout_s`: how long a connection may stay open without
    /// a successful bind, whatever it sends meanwhile.
    pub bind_timeout: Duration,
}

/// `[ucp]` and `[cimd2]`: the UCP/EMI or CIMD2 listener for customers.
/// Its sessions take their window, timers and connection caps from
/// `[smpp]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UcpListenerConfig {
    /// `ucp.listen` or `cimd2.listen`: address and port; none (no
    /// listener) when left out.
    pub listen: Option<SocketAddr>,
}

/// `[web]`: the HTTP listener and the operator's login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    /// `web.listen`: address and port of plain HTTP; default
    /// `127.0.0.1:8080`, or none when only `web.tls_listen` is given.
    pub listen: Option<SocketAddr>,
    /// `web.tls_listen`, `web.tls_cert`, `web.tls_key`: HTTPS.
    pub tls: Option<TlsListenerConfig>,
    /// `web.admin_user`: the operator's HTTP Basic user name; default `admin`,
    /// never empty.
    pub admin_user: String,
    /// `None`: generated at first start and printed once.
    pub admin_password: Option<String>,
}

/// How receipt callbacks are sent (`[callbacks]`; docs/callbacks.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackSettings {
    /// The delay before the first retry; each next one doubles it.
    pub retry_first: Duration,
    /// The longest delay between two attempts.
    pub retry_max: Duration,
    /// Attempts after which a callback goes to the dead letters.
    pub max_attempts: u32,
    /// How long one request may take, connecting included.
    pub timeout: Duration,
    /// Requests in flight at once, over all customer servers.
    pub concurrency: u32,
    /// PEM certificates of authorities trusted for `https://` callbacks
    /// besides the Mozilla roots (a customer's private CA); read at start.
    pub ca_file: Option<PathBuf>,
    /// `callbacks.allow_private`: internal networks (loopback, private,
    /// link-local, ...) callbacks may reach anyway; empty by default, so
    /// a customer cannot make the switch call into its own host or LAN.
    pub allow_private: Vec<IpNet>,
}

/// One `[[gateways]]` entry: an upstream connection messages are routed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// 1 to 64 letters, digits, `-` or `_`, unique; what routes name it by.
    pub name: String,
    /// `kind` and the keys that kind takes.
    pub kind: GatewayKind,
}

/// A gateway's `kind`, with the settings only that kind has; a key of
/// another kind is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayKind {
    /// `kind = "simulator"`: the built-in simulated SMSC.
    Simulator(SimulatorGatewayConfig),
    /// `kind = "smpp"`: an upstream SMSC we bind to as an ESME.
    Smpp(SmppGatewayConfig),
    /// `kind = "ucp"`: an upstream SMSC we log in to over UCP/EMI.
    Ucp(UcpGatewayConfig),
    /// `kind = "http"`: a provider with a web API.
    Http(Box<HttpGatewayConfig>),
    /// `kind = "cimd2"`: an upstream SMSC we log in to over CIMD2; the
    /// same keys as `ucp` (`username` for `login`).
    Cimd2(UcpGatewayConfig),
    /// `kind = "modem"`: a GSM modem on a serial port.
    Modem(ModemGatewayConfig),
}

impl GatewayKind {
    /// The `kind` as written in the file.
    pub fn name(&self) -> &'static str {
        match self {
            GatewayKind::Simulator(_) => "simulator",
            GatewayKind::Smpp(_) => "smpp",
            GatewayKind::Ucp(_) => "ucp",
            GatewayKind::Http(_) => "http",
            GatewayKind::Cimd2(_) => "cimd2",
            GatewayKind::Modem(_) => "modem",
        }
    }
}

/// The built-in simulated upstream SMSC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatorGatewayConfig {
    /// How long after the submit the receipt comes back.
    pub dlr_delay: Duration,
}

/// `bind` of an smpp gateway: which bind (SMPP 3.4 §4.1) each session
/// makes. Default `transceiver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindMode {
    /// `transmitter`: bind_transmitter; submits only, no receipts or MO.
    Transmitter,
    /// `receiver`: bind_receiver; receipts and MO only, no submits.
    Receiver,
    /// `transceiver`: bind_transceiver; both on one connection. The default.
    Transceiver,
    /// A transmitter (submits) and a receiver (receipts, MO) per session,
    /// as Kannel's separate TX and RX.
    Pair,
}

/// An upstream SMSC reached over SMPP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmppGatewayConfig {
    /// `host`: the SMSC's host name or IP address; required.
    pub host: String,
    /// `port`: the SMSC's TCP port, not 0; required.
    pub port: u16,
    /// `system_id` we bind with: 1 to 15 printable ASCII characters; required.
    pub system_id: String,
    /// `password` we bind with: 1 to 8 printable ASCII characters; required.
    pub password: String,
    /// `bind`: which bind each session makes; default transceiver.
    pub bind: BindMode,
    /// Outstanding submit_sm allowed per bind.
    pub window: u32,
    /// Message parts per second, 0 = unlimited.
    pub tps: u32,
    /// How the SMSC writes message ids in submit_sm_resp and receipts.
    pub id_format: IdFormat,
    /// Binds (or transmitter + receiver pairs) sharing the queue and TPS.
    pub sessions: u32,
    /// Temporary refusals after which a message is REJECTED.
    pub max_attempts: u32,
    /// How long the gateway may be down before its queued messages go
    /// back to their routes; `None`: they wait for it.
    pub failover_after: Option<Duration>,
    /// Messages the gateway's queue holds before it takes no more (its
    /// routes use their next gateway) until it is below 90 % of this.
    pub queue_limit: u32,
    /// `tls = true`: SMPP over TLS to the SMSC, its certificate checked
    /// against `host`; `None`: plain TCP.
    pub tls: Option<UpstreamTls>,
}

/// An upstream SMSC reached over one logged-in TCP connection: UCP/EMI
/// (kind `ucp`, login operation 60) or CIMD2 (kind `cimd2`, login 01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UcpGatewayConfig {
    /// `host`: the SMSC's host name or IP address; required.
    pub host: String,
    /// `port`: the SMSC's TCP port, not 0; required.
    pub port: u16,
    /// `login`: the OAdC we log in with (operation 60), 1 to 16 printable
    /// ASCII characters; for `cimd2`, `username`: the user identity (010),
    /// 1 to 32. Required.
    pub login: String,
    /// `password`: the PWD we log in with, 1 to 16 printable ASCII
    /// characters (`cimd2`: 011, 1 to 32); required.
    pub password: String,
    /// Outstanding operations, 1 to 100 (TRN is 00–99; `cimd2`: 1 to 128,
    /// odd packet numbers 001–255).
    pub window: u32,
    /// Message parts per second, 0 = unlimited.
    pub tps: u32,
    /// How often an alert (31; `cimd2`: an alive, 40) is sent while the
    /// link is idle.
    pub keepalive: Duration,
    /// Temporary refusals after which a message is REJECTED.
    pub max_attempts: u32,
    /// How long the gateway may be down before its queued messages go
    /// back to their routes; `None`: they wait for it.
    pub failover_after: Option<Duration>,
    /// Messages the gateway's queue holds before it takes no more.
    pub queue_limit: u32,
}

/// A provider with a web API: one request per message part, made from
/// the operator's templates; receipts come to `/receipts/{gateway}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGatewayConfig {
    /// `url`, `method`, `body`, `body_format`, `headers`.
    pub request: RequestRules,
    /// `id_pattern`, `success_pattern`, `temporary_pattern`,
    /// `permanent_pattern`.
    pub answer: AnswerRules,
    /// `receipt_token` and the receipt keys; `None`: the provider sends
    /// no receipts here.
    pub receipts: Option<ReceiptRules>,
    /// Requests in flight at once.
    pub window: u32,
    /// How long one request may take, connecting included.
    pub timeout: Duration,
    /// Message parts per second, 0 = unlimited.
    pub tps: u32,
    /// Temporary refusals after which a message is REJECTED.
    pub max_attempts: u32,
    /// How long the gateway may be down before its queued messages go
    /// back to their routes; `None`: they wait for it.
    pub failover_after: Option<Duration>,
    /// Messages the gateway's queue holds before it takes no more.
    pub queue_limit: u32,
}

/// TLS toward an upstream SMSC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamTls {
    /// `tls_ca`: PEM certificates of authorities trusted for the SMSC's
    /// certificate besides the Mozilla roots (an operator's private CA).
    pub ca_file: Option<PathBuf>,
}

/// A GSM modem on a serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModemGatewayConfig {
    /// `device`: the serial port, e.g. `/dev/ttyUSB0`; required.
    pub device: PathBuf,
    /// `baud`: the serial line's speed in bit/s, not 0; default 115200.
    pub baud: u32,
    /// The SIM's PIN, entered when the SIM asks for one (`AT+CPIN?` says
    /// `SIM PIN`); `None` leaves a locked SIM locked and the modem down.
    pub pin: Option<String>,
    /// How long one AT command may take before the modem counts as gone
    /// (AT+CMGS waits for the network, so give it seconds).
    pub command_timeout: Duration,
    /// How often signal quality (AT+CSQ) and registration (AT+CREG?) are
    /// polled, which is also how a silent modem is noticed when idle.
    pub poll_interval: Duration,
    /// The SIM's own number (digits, a leading `+` or `00` dropped): the
    /// destination of the MO messages the modem receives, which MO routing
    /// reads. `None`: they have no destination and go unrouted.
    pub number: Option<String>,
}

/// Which accounts a route applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSelector {
    /// `["*"]`: every account.
    All,
    /// The listed system_ids, each an existing account named once.
    Only(Vec<String>),
}

impl AccountSelector {
    /// Whether the account `system_id` is one the route applies to.
    pub fn includes(&self, system_id: &str) -> bool {
        match self {
            AccountSelector::All => true,
            AccountSelector::Only(ids) => ids.iter().any(|id| id == system_id),
        }
    }
}

/// An MT route: the longest matching destination prefix wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConfig {
    /// Digits of the normalised destination; empty is the default route.
    pub prefix: String,
    /// `accounts`: default (key left out) every account.
    pub accounts: AccountSelector,
    /// Tried in order: failover; or shared by `weights`.
    pub gateways: Vec<String>,
    /// One per gateway (1 to 1000): messages are shared among the gateways
    /// that are up in proportion. `None`: failover.
    pub weights: Option<Vec<u32>>,
    /// Credit charged per message part.
    pub price: Money,
    /// `mode` and its floor and ceiling (docs/routing.md#route-modes).
    pub policy: RoutePolicy,
}

/// How a route shares its messages among its gateways. Stored (a route
/// the admin API set, `store::StoredRoute`) by the variant's place: add
/// new modes last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RouteMode {
    /// The first gateway up takes every message (no `weights`).
    #[default]
    Failover,
    /// Shared by `weights`.
    Weighted,
    /// The cheapest gateway above the quality floor.
    LeastCost,
    /// The best delivery ratio within `max_cost`.
    Quality,
}

impl RouteMode {
    /// As written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteMode::Failover => "failover",
            RouteMode::Weighted => "weighted",
            RouteMode::LeastCost => "least_cost",
            RouteMode::Quality => "quality",
        }
    }

    /// Whether the route picks by measured quality and cost.
    pub fn measured(self) -> bool {
        matches!(self, RouteMode::LeastCost | RouteMode::Quality)
    }
}

/// A route's `mode` with its floor (`min_delivery_ratio`,
/// `max_latency_p95_s`) and ceiling (`max_cost`); the floor and ceiling
/// only matter to `least_cost` and `quality`. Stored as it is for a route
/// the admin API set (`store::StoredRoute`).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoutePolicy {
    /// `mode`.
    pub mode: RouteMode,
    /// `min_delivery_ratio`, 0 to 1.
    pub min_delivery_ratio: Option<f64>,
    /// `max_latency_p95_s`.
    pub max_latency_p95: Option<Duration>,
    /// `max_cost`.
    pub max_cost: Option<Money>,
}

impl RoutePolicy {
    /// `failover`, or `weighted` when the route has weights.
    pub fn plain(weighted: bool) -> RoutePolicy {
        RoutePolicy {
            mode: if weighted {
                RouteMode::Weighted
            } else {
                RouteMode::Failover
            },
            ..RoutePolicy::default()
        }
    }
}

// The configuration checks the ratio is a number from 0 to 1, never NaN.
impl Eq for RoutePolicy {}

/// `[quality]` (docs/configuration.md#quality).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualitySettings {
    /// `window_s`: "the last hour" of the report and what routing judges
    /// by; the long view is 24 windows.
    pub window: Duration,
    /// `receipt_wait_s`: a receipt not come this long after the submit is
    /// counted missing.
    pub receipt_wait: Duration,
    /// `min_receipts`: fewer settled messages in the window is unknown
    /// quality.
    pub min_receipts: u64,
    /// `hold_s`: how long a change must stay true before traffic moves.
    pub hold: Duration,
    /// `margin`: how much better a delivery ratio must be (and how far
    /// above the floor a gateway taken out must get back).
    pub margin: f64,
    /// `retry_share`: the percent of a route's messages that go to its
    /// gateways taken out, to judge them again (0 to 50).
    pub retry_share_percent: u32,
    /// `alert_min_delivery_ratio`, `alert_max_latency_p95_s`: a gateway
    /// crossing them raises an alert.
    pub alerts: Thresholds,
}

impl Default for QualitySettings {
    fn default() -> QualitySettings {
        QualitySettings {
            window: Duration::from_secs(3600),
            receipt_wait: Duration::from_secs(3600),
            min_receipts: 20,
            hold: Duration::from_secs(300),
            margin: 0.05,
            retry_share_percent: 5,
            alerts: Thresholds::default(),
        }
    }
}

/// One `[[gateway_costs]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayCost {
    /// A gateway of the file.
    pub gateway: String,
    /// Destination digits; `""` covers every number.
    pub prefix: String,
    /// What the gateway charges per message part.
    pub cost: Money,
}

/// One `[[accounts]]` entry: a customer, who binds over SMPP or calls the
/// HTTP API with these credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// The SMPP system_id the ESME binds with, also the account's name:
    /// 1 to 15 printable ASCII characters, not `*`, unique.
    pub system_id: String,
    /// The bind password: 1 to 8 printable ASCII characters, no spaces
    /// (SMPP 3.4 §5.2.2).
    pub password: String,
    /// Starting credit, applied when the account is first created in the store.
    pub credit: Money,
    /// Message parts per second, 0 = unlimited.
    pub tps: u32,
    /// SMPP sessions bound at once.
    pub max_binds: u32,
    /// Networks a bind may come from; empty = any.
    pub allowed_ips: Vec<IpNet>,
    /// Where receipts are POSTed (as well as sent over SMPP), unless the
    /// message names its own callback; an `http://` or `https://` URL.
    pub callback_url: Option<String>,
    /// The HMAC key callbacks are signed with; unsigned without one.
    pub callback_secret: Option<String>,
    /// The senders its messages may have; empty = any (SPEC §6.1).
    pub allowed_senders: AllowedSenders,
    /// `traffic`: promotional accounts are refused for DND numbers.
    pub traffic: Traffic,
    /// `opt_out_scope`, the stop/start/help words and their answers.
    pub opt_outs: OptOutSettings,
    /// `time_zone`: where its campaigns read a start time without an
    /// offset and their quiet hours, unless a campaign names its own.
    pub time_zone: chrono_tz::Tz,
    /// `email`: where the customer's notifications go (low balance, a
    /// campaign finished); none without it.
    pub email: Option<String>,
    /// `low_balance`: its own threshold, in place of `mail.low_balance`.
    pub low_balance: Option<Money>,
    /// `language`: what its mails are written in.
    pub language: crate::model::Lang,
}

impl Config {
    /// The gateway named `name`, if there is one.
    pub fn gateway(&self, name: &str) -> Option<&GatewayConfig> {
        self.gateways.iter().find(|gateway| gateway.name == name)
    }

    /// The account whose system_id is `system_id`, if there is one.
    pub fn account(&self, system_id: &str) -> Option<&AccountConfig> {
        self.accounts
            .iter()
            .find(|account| account.system_id == system_id)
    }
}
