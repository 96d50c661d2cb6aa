//! What the admin API changed, kept so it survives a restart: accounts,
//! routes and gateways as the operator last left them, and the generated
//! admin password. At start these are laid over the configuration file's
//! objects (see `actors::admin`): a stored record wins over the file's
//! object with the same system_id, route key or gateway name.

use serde::{Deserialize, Serialize};

use crate::auth::PasswordHash;
use crate::checks::content::ContentRule;
use crate::config::RoutePolicy;
use crate::model::Money;

/// An account as the admin API last wrote it. The password is kept only
/// as its argon2 hash; the credit lives in `balances` and `ledger`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAccount {
    pub system_id: String,
    pub password: PasswordHash,
    /// Message parts per second, 0 = unlimited.
    pub tps: u32,
    pub max_binds: u32,
    /// Networks in CIDR form, validated when written; empty = any.
    pub allowed_ips: Vec<String>,
    /// Binds and submissions refused while set.
    pub suspended: bool,
    /// Where the account's receipts are POSTed.
    pub callback_url: Option<String>,
    /// The HMAC key its callbacks are signed with; `None`: unsigned.
    /// Kept in clear: signing needs it.
    pub callback_secret: Option<String>,
    /// The senders the account may use, as `checks::sender` reads them
    /// (numbers by their digits); empty = any.
    pub allowed_senders: Vec<String>,
    /// Transactional or promotional (the DND check).
    pub traffic: crate::lists::dnd::Traffic,
    /// Its opt-out words and answers; `None` (an account stored before
    /// they existed): the defaults.
    pub opt_outs: Option<crate::lists::opt_out::OptOutSettings>,
    /// Its campaigns' time zone (an IANA name); `None` (an account stored
    /// before it existed): UTC.
    pub time_zone: Option<String>,
    /// Where its notifications are mailed; `None`: nowhere (also an
    /// account stored before it existed).
    pub email: Option<String>,
    /// Its own low-balance threshold; `None`: `mail.low_balance` (also
    /// an account stored before it existed).
    pub low_balance: Option<crate::model::Money>,
    /// What its mails are written in; `None` (an account stored before
    /// it existed): English.
    pub language: Option<crate::model::Lang>,
}

/// Which routes a route key names: its prefix and its account selector
/// (`["*"]` for every account, otherwise system_ids in sorted order).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RouteKey {
    pub prefix: String,
    pub accounts: Vec<String>,
}

/// A route as the admin API last left it: present with these settings, or
/// deleted (so a route the file still has stays gone after a restart).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredRoute {
    Present {
        key: RouteKey,
        gateways: Vec<String>,
        weights: Option<Vec<u32>>,
        price: Money,
        /// Its `mode` with floor and ceiling; `None` (a route stored
        /// before the API set them): failover, or weighted with weights,
        /// except over a file route of `least_cost` or `quality`, whose
        /// policy it keeps.
        policy: Option<RoutePolicy>,
    },
    Deleted {
        key: RouteKey,
    },
}

impl StoredRoute {
    pub fn key(&self) -> &RouteKey {
        match self {
            StoredRoute::Present { key, .. } | StoredRoute::Deleted { key } => key,
        }
    }
}

/// An MO route as the admin API last left it: the account MO to `number`
/// (with `keyword` as their first word) go to, or `None` when the API
/// deleted it (so a route the file still has stays gone after a restart).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMoRoute {
    /// Digits, normalised.
    pub number: String,
    /// As the operator wrote it; compared without case.
    pub keyword: Option<String>,
    pub account: Option<String>,
}

/// A gateway as the admin API last left it: its definition, when the API
/// gave one, and whether it is administratively stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredGateway {
    pub name: String,
    /// The keys of its `[[gateways]]` table as TOML text, checked again
    /// at start with the file's rules; `None`: the file's definition (a
    /// file gateway only stopped or started through the API).
    pub definition: Option<String>,
    pub stopped: bool,
}

/// A content rule as the admin API last left it: its definition, or
/// `None` when the API deleted it (so a rule the file still has stays
/// gone after a restart).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredContentRule {
    pub name: String,
    pub rule: Option<ContentRule>,
}
