//! The admin API's accounts (operator credentials): list, create, read and
//! change accounts, top up or deduct credit with a reason, and read the
//! credit ledger page by page. Changes go through `actors::admin`, which
//! stores them before they take effect; bodies are checked field by field
//! with the configuration file's own rules (`config::fields`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::auth::Operator;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::admin::accounts::{AccountChange, NewAccount};
use crate::actors::protocol::account::Terms;
use crate::actors::protocol::directory::AccountEntry;
use crate::api::FieldError;
use crate::config::fields::{self, DEFAULT_MAX_BINDS};
use crate::model::{AccountId, Money};
use crate::store::{LedgerEntry, LedgerKind};

/// The longest reason a change of credit may carry.
const MAX_REASON_LEN: usize = 200;
/// Ledger entries in a page when `limit` is not given.
const DEFAULT_PAGE: usize = 100;
/// The most ledger entries one page may have.
const MAX_PAGE: usize = 1000;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/accounts", web::get().to(list))
        .route("/api/v1/accounts", web::post().to(create))
        .route("/api/v1/accounts/{id}", web::get().to(read))
        .route("/api/v1/accounts/{id}", web::patch().to(change))
        .route("/api/v1/accounts/{id}/credit", web::post().to(credit))
        .route("/api/v1/accounts/{id}/ledger", web::get().to(ledger));
}

/// One account as the admin API shows it.
#[derive(Debug, Serialize)]
struct AccountView {
    system_id: String,
    balance: String,
    tps: u32,
    max_binds: u32,
    suspended: bool,
    allowed_ips: Vec<String>,
    callback_url: Option<String>,
    /// Whether callbacks are signed; the secret itself is never shown.
    callback_signed: bool,
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
    })
}

async fn list(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
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

/// A callback URL or secret, when given, checked by the file's rules.
fn callback_field(
    field: &str,
    value: Option<&String>,
    rule: fn(&str) -> Result<(), String>,
) -> Result<(), FieldError> {
    match value {
        Some(value) => checked(field, rule(value)),
        None => Ok(()),
    }
}

/// `POST /api/v1/accounts`: system_id, password, credit, tps, max_binds,
/// allowed_ips, callback_url, callback_secret.
fn new_account(body: &[u8]) -> Result<NewAccount, FieldError> {
    let mut fields = Fields::parse(body)?;
    let system_id: String = fields.required("system_id")?;
    checked("system_id", fields::system_id(&system_id))?;
    let password: String = fields.required("password")?;
    checked("password", fields::account_password(&password))?;
    let credit = fields.optional("credit")?.unwrap_or(Money::ZERO);
    checked("credit", fields::not_negative(credit))?;
    let tps = fields.optional("tps")?.unwrap_or(0);
    let max_binds = fields.optional("max_binds")?.unwrap_or(DEFAULT_MAX_BINDS);
    checked("max_binds", fields::max_binds(max_binds))?;
    let allowed_ips = networks(fields.optional("allowed_ips")?.unwrap_or_default())?;
    let callback_url: Option<String> = fields.optional("callback_url")?;
    callback_field("callback_url", callback_url.as_ref(), fields::callback_url)?;
    let callback_secret: Option<String> = fields.optional("callback_secret")?;
    callback_field(
        "callback_secret",
        callback_secret.as_ref(),
        fields::callback_secret,
    )?;
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
        },
    })
}

/// `PATCH /api/v1/accounts/{id}`: any of password, allowed_ips, tps,
/// max_binds, suspended, callback_url and callback_secret (`null` removes
/// these two).
fn account_change(body: &[u8]) -> Result<AccountChange, FieldError> {
    let mut fields = Fields::parse(body)?;
    let password: Option<String> = fields.optional("password")?;
    if let Some(password) = &password {
        checked("password", fields::account_password(password))?;
    }
    let max_binds: Option<u32> = fields.optional("max_binds")?;
    if let Some(max_binds) = max_binds {
        checked("max_binds", fields::max_binds(max_binds))?;
    }
    let callback_url: Option<Option<String>> = fields.nullable("callback_url")?;
    callback_field(
        "callback_url",
        callback_url.as_ref().and_then(Option::as_ref),
        fields::callback_url,
    )?;
    let callback_secret: Option<Option<String>> = fields.nullable("callback_secret")?;
    callback_field(
        "callback_secret",
        callback_secret.as_ref().and_then(Option::as_ref),
        fields::callback_secret,
    )?;
    let change = AccountChange {
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
    };
    fields.finish()?;
    Ok(change)
}

/// `POST /api/v1/accounts/{id}/credit`: amount (positive tops up, negative
/// deducts) and reason.
fn credit_change(body: &[u8]) -> Result<(Money, String), FieldError> {
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

async fn create(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let new = new_account(&body)?;
    let account = state.changes.create_account(new).await?;
    Ok(HttpResponse::Created().json(view(&state, &account)?))
}

fn known(state: &WebState, system_id: &str) -> Result<std::sync::Arc<AccountEntry>, Problem> {
    state
        .directory
        .account(system_id)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, format!("no account {system_id:?}")))
}

async fn read(
    _: Operator,
    state: web::Data<WebState>,
    system_id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = known(&state, &system_id)?;
    Ok(HttpResponse::Ok().json(view(&state, &account)?))
}

async fn change(
    system_id: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    known(&state, &system_id)?;
    let change = account_change(&body)?;
    let account = state.changes.change_account(&system_id, change).await?;
    Ok(HttpResponse::Ok().json(view(&state, &account)?))
}

/// One ledger entry as the admin API shows it.
#[derive(Debug, Serialize)]
struct LedgerView {
    kind: LedgerKind,
    delta: String,
    balance: String,
    message: Option<String>,
    reason: Option<String>,
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

async fn credit(
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
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    offset: Option<usize>,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct LedgerPage {
    system_id: String,
    total: usize,
    offset: usize,
    entries: Vec<LedgerView>,
}

async fn ledger(
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
