//! An account's opt-outs over HTTP: list (a page at a time), add, remove,
//! import CSV (`number[,sender]`, streamed, with per-line errors) and
//! export CSV. The operator names the account (`?account=` or the body's
//! `account`); a customer reaches the same paths for its own account only
//! and is refused (403) another's. Changes go through the account's actor,
//! which holds the list the opt-out check asks, and are answered once
//! stored.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Caller;
use super::body::Fields;
use super::csv_file::csv_attachment;
use super::dnd::ImportView;
use super::list_import::ImportReader;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::account::{ChangeOptOuts, OptOutChange, OptOutCounts};
use crate::actors::protocol::directory::AccountEntry;
use crate::api::FieldError;
use crate::checks::sender::Sender;
use crate::lists::ListedNumber;
use crate::lists::import::ImportReport;
use crate::store::{ListId, ListKey, Listed, ListedBy};

/// The most entries one page lists.
const MAX_PAGE: usize = 1000;
/// Entries a page lists when `limit` is left out.
const DEFAULT_PAGE: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_opt_outs)
        .service(add_opt_out)
        .service(import_opt_outs)
        .service(export_opt_outs)
        .service(remove_opt_out);
}

/// `?account=&after=&limit=&sender=`, each where it applies.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// The account's system_id: required of the operator; a customer's
    /// own (or left out).
    account: Option<String>,
    /// Listing: the `next` of the page before.
    after: Option<String>,
    /// Listing: entries per page.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
    /// Removing: the sender of a per-sender entry (left out: the entry
    /// that covers every sender).
    sender: Option<String>,
}

/// One opt-out.
#[derive(Serialize, ToSchema)]
#[schema(as = OptOut)]
struct OptOutView {
    /// Digits, without `+`.
    number: String,
    /// Only MTs from this sender are refused; null: every MT of the account.
    #[schema(required = true)]
    sender: Option<String>,
    since: DateTime<Utc>,
    /// "keyword" (a stop word in an MO), "api" or "import".
    by: &'static str,
}

/// One page of an account's opt-outs.
#[derive(Serialize, ToSchema)]
#[schema(as = OptOutPage)]
struct PageView {
    account: String,
    /// By number.
    entries: Vec<OptOutView>,
    /// `after` for the next page; null on the last.
    #[schema(required = true)]
    next: Option<String>,
}

/// The body of `POST /api/v1/opt-outs` as the document shows it; read
/// field by field.
#[derive(ToSchema)]
#[schema(as = OptOutInput)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its fields are read by name")]
struct OptOutBody {
    /// Required of the operator; a customer's own (or left out).
    account: Option<String>,
    /// E.164 digits, optionally after + or 00.
    number: String,
    /// Only this sender's MTs; left out: every MT of the account.
    sender: Option<String>,
}

fn field(field: &str, detail: impl Into<String>) -> Problem {
    Problem::from(FieldError {
        field: field.into(),
        detail: detail.into(),
    })
}

pub(in crate::actors::web) fn by_name(by: ListedBy) -> &'static str {
    match by {
        ListedBy::Keyword => "keyword",
        ListedBy::Api => "api",
        ListedBy::Import => "import",
    }
}

fn view(number: ListedNumber, sender: Option<&Sender>, listed: &Listed) -> OptOutView {
    OptOutView {
        number: number.to_string(),
        sender: sender.map(ToString::to_string),
        since: listed.since(),
        by: by_name(listed.by),
    }
}

/// The account whose list the caller reaches: the one the operator
/// names, or the customer's own (403 for another's).
fn account_of(
    caller: &Caller,
    named: Option<&str>,
    state: &WebState,
) -> Result<Arc<AccountEntry>, Problem> {
    let system_id = match (caller, named) {
        (Caller::Operator, Some(named)) => named,
        (Caller::Operator, None) => {
            return Err(field(
                "account",
                "name the account whose opt-outs these are",
            ));
        }
        (Caller::Customer(customer), named) => {
            let own = customer.id.as_str();
            if named.is_some_and(|named| named != own) {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "an account reaches its own opt-outs only".into(),
                ));
            }
            own
        }
    };
    state
        .directory
        .account(system_id)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, format!("no account {system_id:?}")))
}

fn query(request: &HttpRequest) -> Result<ListQuery, Problem> {
    web::Query::<ListQuery>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|error| field("query", error.to_string()))
}

pub(in crate::actors::web) fn number(text: &str) -> Result<ListedNumber, Problem> {
    ListedNumber::parse(text).map_err(|error| field("number", error.to_string()))
}

pub(in crate::actors::web) fn sender(text: Option<&str>) -> Result<Option<Sender>, Problem> {
    text.map(|text| Sender::parse(text).map_err(|error| field("sender", error.to_string())))
        .transpose()
}

/// Hands `changes` to the account's actor; answered once stored.
pub(in crate::actors::web) async fn change(
    account: &AccountEntry,
    changes: Vec<OptOutChange>,
    by: ListedBy,
) -> Result<OptOutCounts, Problem> {
    Ok(account
        .actor
        .change_opt_outs
        .send(ChangeOptOuts { changes, by })
        .await??)
}

/// An account's opt-outs, by number, a page at a time (admin; customers: their own)
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(ListQuery),
    responses(
        (status = OK, description = "One page.", body = PageView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/opt-outs")]
async fn list_opt_outs(
    caller: Caller,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query = query(&request)?;
    let account = account_of(&caller, query.account.as_deref(), &state)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(field("limit", format!("must be 1 to {MAX_PAGE}")));
    }
    let after = match &query.after {
        Some(after) => {
            let (digits, sender_text) = match after.split_once(',') {
                Some((digits, sender)) => (digits, Some(sender)),
                None => (after.as_str(), None),
            };
            Some(ListKey::OptOut {
                account: account.id.clone(),
                number: ListedNumber::parse(digits)
                    .map_err(|error| field("after", error.to_string()))?,
                sender: sender_text
                    .map(|text| {
                        Sender::parse(text).map_err(|error| field("after", error.to_string()))
                    })
                    .transpose()?,
            })
        }
        None => None,
    };
    let page =
        state
            .store
            .list_page(&ListId::OptOuts(account.id.clone()), after.as_ref(), limit)?;
    let mut entries = Vec::with_capacity(page.len());
    let mut next = None;
    for (key, listed) in &page {
        if let ListKey::OptOut { number, sender, .. } = key {
            entries.push(view(*number, sender.as_ref(), listed));
            next = Some(match sender {
                Some(sender) => format!("{number},{sender}"),
                None => number.to_string(),
            });
        }
    }
    Ok(HttpResponse::Ok().json(PageView {
        account: account.id.to_string(),
        entries,
        next: next.filter(|_| page.len() == limit),
    }))
}

/// Opt a number out of an account, of every sender or of one (admin; customers: their own)
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    request_body = OptOutBody,
    responses(
        (status = CREATED, description = "Added; MTs to it are refused from now on.", body = OptOutView),
        (status = OK, description = "It was there already.", body = OptOutView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[post("/api/v1/opt-outs")]
async fn add_opt_out(
    caller: Caller,
    body: web::Bytes,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (named, number_text, sender_text) = {
        let mut fields = Fields::parse(&body)?;
        let named: Option<String> = fields.optional("account")?;
        let number: String = fields.required("number")?;
        let sender: Option<String> = fields.optional("sender")?;
        fields.finish()?;
        (named, number, sender)
    };
    let account = account_of(&caller, named.as_deref(), &state)?;
    let number = number(&number_text)?;
    let sender = sender(sender_text.as_deref())?;
    let counts = change(
        &account,
        vec![OptOutChange::Add {
            number,
            sender: sender.clone(),
        }],
        ListedBy::Api,
    )
    .await?;
    let key = ListKey::OptOut {
        account: account.id.clone(),
        number,
        sender: sender.clone(),
    };
    let listed = state
        .store
        .listed(&key)?
        .unwrap_or_else(|| Listed::new(Utc::now(), ListedBy::Api));
    let status = if counts.added > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(view(number, sender.as_ref(), &listed)))
}

/// Take an opt-out off (admin; customers: their own)
///
/// `?sender=` names a per-sender entry; without it, the entry that covers
/// every sender.
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(("number" = String, Path, description = "E.164 digits, optionally after + or 00."), ListQuery),
    responses(
        (status = OK, description = "Removed; MTs to it are taken again."),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/opt-outs/{number}")]
async fn remove_opt_out(
    caller: Caller,
    path: web::Path<String>,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query = query(&request)?;
    let account = account_of(&caller, query.account.as_deref(), &state)?;
    let number = number(&path)?;
    let sender = sender(query.sender.as_deref())?;
    let counts = change(
        &account,
        vec![OptOutChange::Remove {
            number,
            sender: sender.clone(),
        }],
        ListedBy::Api,
    )
    .await?;
    if counts.removed == 0 {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            format!("{number} has no such opt-out"),
        ));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "number": number.to_string(),
        "sender": sender.map(|sender| sender.to_string()),
        "removed": true,
    })))
}

/// Import opt-outs as CSV `number[,sender]`, streamed (admin; customers: their own)
///
/// `text/csv` or `text/plain`; a header row allowed; an empty sender
/// column opts out of every MT of the account.
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(ListQuery),
    request_body(content = String, content_type = "text/csv", description = "number[,sender] per line."),
    responses(
        (status = OK, description = "What was imported; refused lines with their number and error.", body = ImportView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = UNSUPPORTED_MEDIA_TYPE, response = Problem),
    ),
)]
#[post("/api/v1/opt-outs/import")]
async fn import_opt_outs(
    caller: Caller,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query = query(&request)?;
    let account = account_of(&caller, query.account.as_deref(), &state)?;
    let mut reader = ImportReader::new(&request, payload, true)?;
    let mut report = ImportReport::default();
    while let Some(page) = reader.next_page(&mut report).await? {
        let changes = page
            .into_iter()
            .map(|entry| OptOutChange::Add {
                number: entry.number,
                sender: entry.sender,
            })
            .collect();
        // A bulk writer: the account's actor commits each page, after
        // the checkpoints have caught up (see `Store::room_for_bulk`).
        state.store.room_for_bulk().await;
        let counts = change(&account, changes, ListedBy::Import).await?;
        report.imported += counts.added;
        report.already += counts.already;
    }
    Ok(HttpResponse::Ok().json(report))
}

/// An account's opt-outs as CSV: number, sender, since, by (admin; customers: their own)
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(ListQuery),
    responses(
        (status = OK, description = "CSV with a header row: number, sender (empty: every sender), since, by.", body = String, content_type = "text/csv"),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/opt-outs/export")]
async fn export_opt_outs(
    caller: Caller,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query = query(&request)?;
    let account = account_of(&caller, query.account.as_deref(), &state)?;
    let list = ListId::OptOuts(account.id.clone());
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_failed = |error: csv::Error| Problem::internal(error);
    writer
        .write_record(["number", "sender", "since", "by"])
        .map_err(csv_failed)?;
    let mut after = None;
    loop {
        let page = state.store.list_page(&list, after.as_ref(), MAX_PAGE)?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        for (key, listed) in &page {
            if let ListKey::OptOut { number, sender, .. } = key {
                writer
                    .write_record([
                        number.to_string(),
                        sender.as_ref().map(ToString::to_string).unwrap_or_default(),
                        listed.since().to_rfc3339(),
                        by_name(listed.by).to_string(),
                    ])
                    .map_err(csv_failed)?;
            }
        }
    }
    csv_attachment(writer, &format!("opt-outs-{}.csv", account.id))
}
