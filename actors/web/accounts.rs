//! The admin API's accounts (operator credentials): list, create, read and
//! change accounts, top up or deduct credit with a reason, and read the
//! credit ledger page by page. Changes go through `actors::admin`, which
//! stores them before they take effect; bodies are checked field by field
//! with the configuration file's own rules (`config::fields`). A new
//! password logs out whoever used the old one: the account's bound SMPP
//! sessions unbind and its cached HTTP logins are forgotten.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use slog::info;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::admin::accounts::{AccountChange, NewAccount};
use crate::actors::pipeline::callback_targets::check_url;
use crate::actors::protocol::account::Terms;
use crate::actors::protocol::directory::AccountEntry;
use crate::api::FieldError;
use crate::checks::sender::{AllowedSenders, Sender};
use crate::config::fields::{self, DEFAULT_MAX_BINDS};
use crate::lists::dnd::Traffic;
use crate::model::{AccountId, Lang, Money};
use crate::store::{LedgerEntry, LedgerKind};

/// The longest reason a change of credit may carry.
const MAX_REASON_LEN: usize = 200;
/// Ledger entries in a page when `limit` is not given.
const DEFAULT_PAGE: usize = 100;
/// The most ledger entries one page may have.
const MAX_PAGE: usize = 1000;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_accounts)
        .service(create_account)
        .service(read_account)
        .service(change_account)
        .service(adjust_credit)
        .service(read_ledger);
}

/// One account as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Account)]
struct AccountView {
    system_id: String,
    balance: String,
    /// Message parts per second, 0 = unlimited.
    tps: u32,
    max_binds: u32,
    suspended: bool,
    allowed_ips: Vec<String>,
    /// Where receipts are POSTed as JSON, unless a message names its own.
    #[schema(required = true)]
    callback_url: Option<String>,
    /// Whether callbacks carry X-Pasarela-Signature; the secret is never
    /// shown.
    callback_signed: bool,
    /// The senders its messages may have (numbers by their digits, without
    /// `+` or `00`); empty = any.
    allowed_senders: Vec<String>,
    /// "transactional" or "promotional" (refused for DND numbers).
    traffic: String,
    /// Where its campaigns read a start time without an offset and their
    /// quiet hours (an IANA name).
    time_zone: String,
    /// Where its notifications are mailed (low balance, a campaign
    /// finished) when `[mail]` is set.
    #[schema(required = true)]
    email: Option<String>,
    /// Its own low-balance threshold (a decimal string), in place of
    /// `mail.low_balance`; null: the operator's.
    #[schema(required = true)]
    low_balance: Option<String>,
    /// What its mails are written in: "en" or "es".
    language: String,
}

fn view(state: &WebState, account: &AccountEntry) -> Result<AccountView, Problem> {
    let balance = state.balance(&account.id)?;
    Ok(AccountView {
        system_id: account.id.to_string(),
        balance: balance.to_string(),
        tps: account.terms.tps,
        max_binds: account.terms.max_binds,
        suspended: account.terms.suspended,
        allowed_ips: account
            .allowed_ips
            .iter()
            .map(ToString::to_string)
            .collect(),
        callback_url: account.terms.callback_url.clone(),
        callback_signed: account.terms.callback_secret.is_some(),
        allowed_senders: account.terms.allowed_senders.entries(),
        traffic: account.terms.traffic.to_string(),
        time_zone: account.terms.time_zone.name().to_owned(),
        email: account.terms.email.clone(),
        low_balance: account.terms.low_balance.map(|money| money.to_string()),
        language: account.terms.language.tag().to_owned(),
    })
}

/// Every account with its balance (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "The accounts, by system_id.", body = [AccountView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/accounts")]
async fn list_accounts(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let mut accounts = state
        .directory
        .accounts()
        .values()
        .map(|account| view(&state, account))
        .collect::<Result<Vec<_>, Problem>>()?;
    accounts.sort_by(|a, b| a.system_id.cmp(&b.system_id));
    Ok(HttpResponse::Ok().json(accounts))
}

fn checked<T>(field: &str, outcome: Result<T, String>) -> Result<T, FieldError> {
    outcome.map_err(|detail| FieldError {
        field: field.to_string(),
        detail,
    })
}

fn networks(given: Vec<String>) -> Result<Vec<IpNet>, FieldError> {
    given
        .iter()
        .enumerate()
        .map(|(index, network)| checked(&format!("allowed_ips[{index}]"), fields::network(network)))
        .collect()
}

/// `time_zone`, when given.
fn time_zone(given: Option<String>) -> Result<Option<chrono_tz::Tz>, FieldError> {
    given
        .map(|text| checked("time_zone", fields::time_zone(&text)))
        .transpose()
}

/// `traffic`, when given.
fn traffic(given: Option<String>) -> Result<Option<Traffic>, FieldError> {
    given
        .map(|text| checked("traffic", fields::traffic(&text)))
        .transpose()
}

/// `allowed_senders`, each entry a sender (`checks::sender`).
fn senders(given: Vec<String>) -> Result<AllowedSenders, FieldError> {
    given
        .iter()
        .enumerate()
        .map(|(index, sender)| {
            checked(
                &format!("allowed_senders[{index}]"),
                Sender::parse(sender).map_err(|error| error.to_string()),
            )
        })
        .collect::<Result<_, _>>()
        .map(AllowedSenders::new)
}

/// A callback URL or secret or a mail address, when given, checked by
/// the file's rules.
fn optional_field(
    field: &str,
    value: Option<&String>,
    rule: fn(&str) -> Result<(), String>,
) -> Result<(), FieldError> {
    match value {
        Some(value) => checked(field, rule(value)),
        None => Ok(()),
    }
}

/// A language given, by its tag.
fn language(tag: Option<String>) -> Result<Option<Lang>, FieldError> {
    tag.map(|tag| checked("language", fields::language(&tag)))
        .transpose()
}

/// An account's own low-balance threshold, checked like `mail.low_balance`.
fn threshold(amount: Money) -> Result<Money, FieldError> {
    checked("low_balance", fields::not_negative(amount))
}

/// A callback URL given, refused when its host is internal and
/// `callbacks.allow_private` does not list it.
pub(in crate::actors::web) async fn callback_target(
    state: &WebState,
    url: Option<&str>,
) -> Result<(), FieldError> {
    match url {
        Some(url) => check_url(&state.callback_policy, url)
            .await
            .map_err(|refused| FieldError {
                field: "callback_url".into(),
                detail: refused.to_string(),
            }),
        None => Ok(()),
    }
}

/// The body of `POST /api/v1/accounts` as the document shows it; read
/// field by field by [`new_account`], which names the field at fault.
#[derive(ToSchema)]
#[schema(as = NewAccount)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its fields are read one by one")]
struct NewAccountBody {
    #[schema(max_length = 15)]
    system_id: String,
    #[schema(max_length = 8)]
    password: String,
    /// Starting credit, a decimal string; default "0".
    credit: Option<String>,
    #[schema(minimum = 0)]
    tps: Option<u32>,
    #[schema(minimum = 1, maximum = 1000)]
    max_binds: Option<u32>,
    /// Addresses or CIDR networks; empty = any.
    allowed_ips: Option<Vec<String>>,
    /// http:// or https:// URL receipts are POSTed to.
    #[schema(format = "uri")]
    callback_url: Option<String>,
    /// HMAC-SHA256 key for X-Pasarela-Signature; absent: unsigned.
    #[schema(min_length = 16)]
    callback_secret: Option<String>,
    /// Sender ids (at most 11 GSM 03.38 characters) or numbers its
    /// messages may have; empty or absent = any. Others are refused
    /// (ESME_RINVSRCADR, HTTP 403).
    allowed_senders: Option<Vec<String>>,
    /// "transactional" (default) or "promotional": promotional messages
    /// to a number on the DND registry are refused.
    traffic: Option<String>,
    /// Where its campaigns read a start time without an offset and their
    /// quiet hours (an IANA name); UTC when absent.
    time_zone: Option<String>,
    /// Where its notifications are mailed; none when absent.
    #[schema(format = "email")]
    email: Option<String>,
    /// Its own low-balance threshold, a decimal string not below zero,
    /// in place of `mail.low_balance`; the operator's when absent.
    low_balance: Option<String>,
    /// What its mails are written in: "en" (default) or "es".
    language: Option<String>,
}

/// A password the operator gives an account here: one SMPP can carry,
/// and never one the shipped configuration or the docs hand out (those
/// are for trying the switch on loopback, from the file).
fn chosen_password(password: &str) -> Result<(), String> {
    fields::account_password(password)?;
    if fields::is_shipped(password) {
        return Err("is a shipped demo password; choose the account its own".into());
    }
    Ok(())
}

/// `POST /api/v1/accounts`: system_id, password, credit, tps, max_binds,
/// allowed_ips, callback_url, callback_secret, allowed_senders.
pub(in crate::actors::web) fn new_account(body: &[u8]) -> Result<NewAccount, FieldError> {
    let mut fields = Fields::parse(body)?;
    let system_id: String = fields.required("system_id")?;
    checked("system_id", fields::system_id(&system_id))?;
    let password: String = fields.required("password")?;
    checked("password", chosen_password(&password))?;
    let credit = fields.optional("credit")?.unwrap_or(Money::ZERO);
    checked("credit", fields::not_negative(credit))?;
    let tps = fields.optional("tps")?.unwrap_or(0);
    let max_binds = fields.optional("max_binds")?.unwrap_or(DEFAULT_MAX_BINDS);
    checked("max_binds", fields::max_binds(max_binds))?;
    let allowed_ips = networks(fields.optional("allowed_ips")?.unwrap_or_default())?;
    let callback_url: Option<String> = fields.optional("callback_url")?;
    optional_field("callback_url", callback_url.as_ref(), fields::callback_url)?;
    let callback_secret: Option<String> = fields.optional("callback_secret")?;
    optional_field(
        "callback_secret",
        callback_secret.as_ref(),
        fields::callback_secret,
    )?;
    let allowed_senders = senders(fields.optional("allowed_senders")?.unwrap_or_default())?;
    let traffic = traffic(fields.optional("traffic")?)?.unwrap_or_default();
    let time_zone = time_zone(fields.optional("time_zone")?)?.unwrap_or(chrono_tz::UTC);
    let email: Option<String> = fields.optional("email")?;
    optional_field("email", email.as_ref(), fields::email_address)?;
    let low_balance: Option<Money> = fields.optional("low_balance")?;
    low_balance.map(threshold).transpose()?;
    let language = language(fields.optional("language")?)?.unwrap_or_default();
    fields.finish()?;
    Ok(NewAccount {
        system_id,
        password,
        credit,
        allowed_ips,
        terms: Terms {
            tps,
            max_binds,
            suspended: false,
            callback_url,
            callback_secret,
            allowed_senders,
            traffic,
            opt_outs: Default::default(),
            time_zone,
            email,
            low_balance,
            language,
        },
    })
}

/// The body of `PATCH /api/v1/accounts/{id}` as the document shows it;
/// read field by field by [`account_change`].
#[derive(ToSchema)]
#[schema(as = AccountChange)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its fields are read one by one")]
struct AccountChangeBody {
    #[schema(max_length = 8)]
    password: Option<String>,
    #[schema(minimum = 0)]
    tps: Option<u32>,
    #[schema(minimum = 1, maximum = 1000)]
    max_binds: Option<u32>,
    allowed_ips: Option<Vec<String>>,
    /// Refuse binds (ESME_RBINDFAIL), submissions (ESME_RINVBNDSTS) and
    /// HTTP (403).
    suspended: Option<bool>,
    /// null removes it.
    #[schema(format = "uri")]
    callback_url: Option<String>,
    /// Takes effect for every callback sent from now on, retries included;
    /// null: unsigned.
    #[schema(min_length = 16)]
    callback_secret: Option<String>,
    /// Replaces the list, at once for every submission after; [] allows
    /// any sender.
    allowed_senders: Option<Vec<String>>,
    /// "transactional" or "promotional" (refused for DND numbers), at
    /// once for every submission after.
    traffic: Option<String>,
    /// Its campaigns' time zone (an IANA name), for campaigns made after.
    time_zone: Option<String>,
    /// Where its notifications are mailed; null: nowhere.
    #[schema(format = "email")]
    email: Option<String>,
    /// Its own low-balance threshold, a decimal string not below zero;
    /// null: `mail.low_balance` again.
    low_balance: Option<String>,
    /// What its mails are written in: "en" or "es".
    language: Option<String>,
}

/// `PATCH /api/v1/accounts/{id}`: any of password, allowed_ips, tps,
/// max_binds, suspended, callback_url and callback_secret (`null` removes
/// these two), allowed_senders.
pub(in crate::actors::web) fn account_change(body: &[u8]) -> Result<AccountChange, FieldError> {
    let mut fields = Fields::parse(body)?;
    let password: Option<String> = fields.optional("password")?;
    if let Some(password) = &password {
        checked("password", chosen_password(password))?;
    }
    let max_binds: Option<u32> = fields.optional("max_binds")?;
    if let Some(max_binds) = max_binds {
        checked("max_binds", fields::max_binds(max_binds))?;
    }
    let callback_url: Option<Option<String>> = fields.nullable("callback_url")?;
    optional_field(
        "callback_url",
        callback_url.as_ref().and_then(Option::as_ref),
        fields::callback_url,
    )?;
    let callback_secret: Option<Option<String>> = fields.nullable("callback_secret")?;
    optional_field(
        "callback_secret",
        callback_secret.as_ref().and_then(Option::as_ref),
        fields::callback_secret,
    )?;
    let email: Option<Option<String>> = fields.nullable("email")?;
    optional_field(
        "email",
        email.as_ref().and_then(Option::as_ref),
        fields::email_address,
    )?;
    let low_balance: Option<Option<Money>> = fields.nullable("low_balance")?;
    low_balance.flatten().map(threshold).transpose()?;
    let change = AccountChange {
        email,
        low_balance,
        language: language(fields.optional("language")?)?,
        password,
        allowed_ips: fields
            .optional::<Vec<String>>("allowed_ips")?
            .map(networks)
            .transpose()?,
        tps: fields.optional("tps")?,
        max_binds,
        suspended: fields.optional("suspended")?,
        callback_url,
        callback_secret,
        allowed_senders: fields
            .optional::<Vec<String>>("allowed_senders")?
            .map(senders)
            .transpose()?,
        traffic: traffic(fields.optional("traffic")?)?,
        time_zone: time_zone(fields.optional("time_zone")?)?,
    };
    fields.finish()?;
    Ok(change)
}

/// The body of `POST /api/v1/accounts/{id}/credit` as the document shows
/// it; read field by field by [`credit_change`].
#[derive(ToSchema)]
#[schema(as = CreditChange)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its fields are read one by one")]
struct CreditChangeBody {
    /// Decimal; positive tops up, negative deducts (never below zero).
    amount: String,
    #[schema(min_length = 1, max_length = 200)]
    reason: String,
}

/// `POST /api/v1/accounts/{id}/credit`: amount (positive tops up, negative
/// deducts) and reason.
pub(in crate::actors::web) fn credit_change(body: &[u8]) -> Result<(Money, String), FieldError> {
    let mut fields = Fields::parse(body)?;
    let amount: Money = fields.required("amount")?;
    if amount == Money::ZERO {
        return Err(FieldError {
            field: "amount".into(),
            detail: "must not be zero".into(),
        });
    }
    let reason: String = fields.required("reason")?;
    if reason.trim().is_empty() || reason.chars().count() > MAX_REASON_LEN {
        return Err(FieldError {
            field: "reason".into(),
            detail: format!("must be 1 to {MAX_REASON_LEN} characters"),
        });
    }
    fields.finish()?;
    Ok((amount, reason))
}

/// Create an account, usable at once over SMPP and HTTP (admin)
#[utoipa::path(
    security(("admin" = [])),
    request_body = NewAccountBody,
    responses(
        (status = CREATED, description = "The account.", body = AccountView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[post("/api/v1/accounts")]
async fn create_account(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let new = new_account(&body)?;
    callback_target(&state, new.terms.callback_url.as_deref()).await?;
    let account = state.changes.create_account(new).await?;
    Ok(HttpResponse::Created().json(view(&state, &account)?))
}

fn known(state: &WebState, system_id: &str) -> Result<std::sync::Arc<AccountEntry>, Problem> {
    state
        .directory
        .account(system_id)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, format!("no account {system_id:?}")))
}

/// One account (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The account's system_id.")),
    responses(
        (status = OK, description = "The account.", body = AccountView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/accounts/{id}")]
async fn read_account(
    _: Operator,
    state: web::Data<WebState>,
    system_id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = known(&state, &system_id)?;
    Ok(HttpResponse::Ok().json(view(&state, &account)?))
}

/// Change or suspend an account (admin); a new password disconnects its sessions
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The account's system_id.")),
    request_body = AccountChangeBody,
    responses(
        (status = OK, description = "The account as changed.", body = AccountView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[patch("/api/v1/accounts/{id}")]
async fn change_account(
    system_id: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    known(&state, &system_id)?;
    let change = account_change(&body)?;
    callback_target(
        &state,
        change.callback_url.as_ref().and_then(Option::as_deref),
    )
    .await?;
    let account = apply_change(&state, &system_id, change).await?;
    Ok(HttpResponse::Ok().json(view(&state, &account)?))
}

/// Changes the account `system_id`; a new password logs out whoever used
/// the old one: bound sessions unbind, cached HTTP logins are forgotten,
/// and web UI sessions end.
pub(in crate::actors::web) async fn apply_change(
    state: &WebState,
    system_id: &str,
    change: AccountChange,
) -> Result<std::sync::Arc<AccountEntry>, Problem> {
    let new_password = change.password.is_some();
    let account = state.changes.change_account(system_id, change).await?;
    if new_password {
        state.verified.forget(system_id);
        let sessions = state.sessions.disconnect_account(system_id);
        let ui = state
            .ui_sessions
            .close_all_of(&super::ui::session::Who::Customer(account.id.clone()));
        info!(state.logger, "password changed; sessions disconnected";
            "account" => system_id, "sessions" => sessions, "web_ui_sessions" => ui);
    }
    Ok(account)
}

/// One ledger entry as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LedgerEntry)]
struct LedgerView {
    kind: LedgerKind,
    delta: String,
    /// The balance after this change.
    balance: String,
    message: Option<String>,
    reason: Option<String>,
    #[schema(format = DateTime)]
    at: String,
}

impl From<LedgerEntry> for LedgerView {
    fn from(entry: LedgerEntry) -> LedgerView {
        LedgerView {
            kind: entry.kind,
            delta: entry.delta.to_string(),
            balance: entry.balance.to_string(),
            message: entry.message.map(|id| id.to_string()),
            reason: entry.reason,
            at: entry.at.to_rfc3339(),
        }
    }
}

/// Top up or deduct credit, with a reason kept in the ledger (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The account's system_id.")),
    request_body = CreditChangeBody,
    responses(
        (status = OK, description = "The ledger entry.", body = LedgerView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[post("/api/v1/accounts/{id}/credit")]
async fn adjust_credit(
    system_id: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    known(&state, &system_id)?;
    let (amount, reason) = credit_change(&body)?;
    let entry = state
        .changes
        .adjust_credit(&system_id, amount, reason)
        .await?;
    Ok(HttpResponse::Ok().json(LedgerView::from(entry)))
}

/// `?offset=&limit=` of the ledger, oldest entry first.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Page {
    #[param(minimum = 0, default = 0)]
    offset: Option<usize>,
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
}

/// One page of an account's ledger.
#[derive(Serialize, ToSchema)]
struct LedgerPage {
    system_id: String,
    total: usize,
    offset: usize,
    entries: Vec<LedgerView>,
}

/// The account's credit ledger, oldest first, by page (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The account's system_id."), Page),
    responses(
        (status = OK, description = "One page of the ledger.", body = LedgerPage),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/accounts/{id}/ledger")]
async fn read_ledger(
    _: Operator,
    request: HttpRequest,
    state: web::Data<WebState>,
    system_id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = known(&state, &system_id)?;
    let page = web::Query::<Page>::from_query(request.query_string()).map_err(|error| {
        Problem::from(FieldError {
            field: "query".into(),
            detail: error.to_string(),
        })
    })?;
    let offset = page.offset.unwrap_or(0);
    let limit = page.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Problem::from(FieldError {
            field: "limit".into(),
            detail: format!("must be 1 to {MAX_PAGE}"),
        }));
    }
    let id: &AccountId = &account.id;
    let entries = state.store.ledger(id)?;
    Ok(HttpResponse::Ok().json(LedgerPage {
        system_id: id.to_string(),
        total: entries.len(),
        offset,
        entries: entries
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(LedgerView::from)
            .collect(),
    }))
}
