//! Listing an account's messages: `GET /api/v1/messages` (JSON, one page)
//! and `GET /api/v1/messages.csv` (or the first with `Accept: text/csv`:
//! every match, streamed), both with `state`, `to`, `from_date`, `to_date`;
//! JSON also with `limit` (1 to 1000, default 100) and `cursor`. Rows are
//! the per-message report of SPEC §6 (`crate::report`), newest first.
//!
//! Reads walk the account's index (`Store::account_messages`) newest first,
//! in chunks, on the blocking pool. A JSON page examines at most
//! [`SCAN_BUDGET`] messages: with a filter that matches few, a page can be
//! short (even empty) and still have a `next_cursor`; the walk stops early
//! once messages are older than `from_date`.
//!
//! The operator's web UI also walks every account at once ([`Scope::Every`]):
//! the accounts' indexes merged newest first, a chunk of each at a time,
//! within the same budget a page, and its CSV within [`EVERY_CSV_BUDGET`].
//!
//! A search by number (`to`) walks the index by number instead
//! (`Store::number_messages`): that number's messages only, newest first,
//! of the accounts in scope, with no budget (every page is full until the
//! number's messages run out). Until the messages stored before that index
//! existed are indexed (`Store::number_index_complete`), it walks the
//! accounts' indexes within the budgets, as any other search.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use slog::{Logger, error};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Customer;
use super::problem::Problem;
use super::state::WebState;
use crate::api::FieldError;
use crate::model::{AccountId, Message, MessageId};
use crate::numbering::Operators;
use crate::report::{Filter, ReportRow};
use crate::store::{Store, StoreError};

/// Messages one JSON page holds unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;
/// The largest `limit`, and the rows of one CSV chunk.
const MAX_LIMIT: usize = 1000;
/// The most messages one page looks at, when a page cannot walk the index
/// by number.
pub(in crate::actors::web) const SCAN_BUDGET: usize = 10_000;
/// Index entries read from the store at a time.
const CHUNK: usize = 256;
/// CSV chunks written ahead of a slow client.
const CSV_BACKLOG: usize = 4;
/// The most messages the CSV of every account looks at (newest first;
/// the walk stops there, or sooner at `from_date`) when it cannot walk
/// the index by number.
pub(in crate::actors::web) const EVERY_CSV_BUDGET: usize = 500_000;

/// Whose messages a listing walks.
#[derive(Debug, Clone)]
pub(in crate::actors::web) enum Scope {
    /// One account's.
    Account(AccountId),
    /// Every one of these accounts' (the operator's), merged newest first;
    /// the CSV then names each row's account in a last column.
    Every(Vec<AccountId>),
}

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config.service(list_messages).service(export_messages);
}

/// The query of both listings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(in crate::actors::web) struct ListQuery {
    /// Only messages in this state (e.g. DELIVERED).
    state: Option<String>,
    /// Only messages to this number.
    to: Option<String>,
    /// Accepted at or after this time (RFC 3339).
    from_date: Option<String>,
    /// Accepted before this time (RFC 3339).
    to_date: Option<String>,
    /// Only messages from this sender (as stored: digits or an
    /// alphanumeric id).
    sender: Option<String>,
    /// JSON pages only (the CSV report refuses it).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
    /// The next_cursor of the previous page; JSON pages only (the CSV
    /// report refuses it).
    cursor: Option<String>,
}

impl ListQuery {
    /// A query for the listing of every matching message (no paging).
    pub(in crate::actors::web) fn matching(
        state: Option<String>,
        to: Option<String>,
        sender: Option<String>,
        from_date: Option<String>,
        to_date: Option<String>,
    ) -> ListQuery {
        ListQuery {
            state,
            to,
            from_date,
            to_date,
            sender,
            limit: None,
            cursor: None,
        }
    }

    pub(in crate::actors::web) fn read(request: &HttpRequest) -> Result<ListQuery, Problem> {
        web::Query::<ListQuery>::from_query(request.query_string())
            .map(web::Query::into_inner)
            .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))
    }

    fn filter(&self) -> Result<Filter, Problem> {
        Filter::parse(
            self.state.as_deref(),
            self.to.as_deref(),
            self.from_date.as_deref(),
            self.to_date.as_deref(),
        )
        .map(|filter| filter.from_sender(self.sender.as_deref()))
        .map_err(Problem::from)
    }
}

/// One JSON page.
#[derive(Debug, Serialize, ToSchema)]
struct PageView {
    messages: Vec<ReportRow>,
    /// Pass as `cursor` for the next page; null after the last.
    next_cursor: Option<String>,
}

/// Matching messages and where the walk stopped.
struct Page {
    messages: Vec<Message>,
    next: Option<MessageId>,
    /// Messages looked at.
    examined: usize,
    /// The walk had a budget (it did not walk the index by number).
    budgeted: bool,
}

/// The account's messages, newest first, as report rows (JSON pages; CSV with Accept: text/csv)
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(ListQuery),
    responses(
        (status = OK, description = "A page.", content(
            (PageView = "application/json"),
            (String = "text/csv"),
        )),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/messages")]
async fn list_messages(
    account: Customer,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query = ListQuery::read(&request)?;
    if wants_csv(&request) {
        return csv_response(&state, Scope::Account(account.id.clone()), query);
    }
    let filter = query.filter()?;
    let limit = match query.limit {
        None => DEFAULT_LIMIT,
        Some(limit @ 1..=MAX_LIMIT) => limit,
        Some(_) => return Err(field("limit", format!("from 1 to {MAX_LIMIT}"))),
    };
    let cursor = query
        .cursor
        .as_deref()
        .map(|cursor| cursor.parse().map(MessageId::new))
        .transpose()
        .map_err(|_| field("cursor", "not a cursor this listing gave".into()))?;
    let store = state.store.clone();
    let operators = state.operators.clone();
    let scope = Scope::Account(account.id.clone());
    let page =
        web::block(move || page(&store, &scope, &filter, cursor, limit, SCAN_BUDGET)).await??;
    Ok(HttpResponse::Ok().json(PageView {
        messages: page
            .messages
            .iter()
            .map(|message| ReportRow::new(message, &operators))
            .collect(),
        next_cursor: page.next.map(|id| id.to_string()),
    }))
}

/// The per-message report as CSV (every matching message, streamed)
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(ListQuery),
    responses(
        (status = OK, description = "CSV with a header row: id, number, type, length, sender, country, operator, credit, state, error_code, description, date.", body = String, content_type = "text/csv"),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/messages.csv")]
async fn export_messages(
    account: Customer,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query = ListQuery::read(&request)?;
    csv_response(&state, Scope::Account(account.id.clone()), query)
}

pub(in crate::actors::web) fn wants_csv(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"))
}

fn field(name: &str, detail: String) -> Problem {
    Problem::from(FieldError {
        field: name.into(),
        detail,
    })
}

/// Every matching message, as CSV written on the blocking pool a chunk at
/// a time while the client reads.
pub(in crate::actors::web) fn csv_response(
    state: &WebState,
    scope: Scope,
    query: ListQuery,
) -> Result<HttpResponse, Problem> {
    let filter = query.filter()?;
    if query.limit.is_some() || query.cursor.is_some() {
        return Err(field(
            if query.limit.is_some() {
                "limit"
            } else {
                "cursor"
            },
            "the CSV report has every matching message; it takes no paging".into(),
        ));
    }
    let (chunks, receiver) = mpsc::channel(CSV_BACKLOG);
    let store = state.store.clone();
    let operators = state.operators.clone();
    let logger = state.logger.clone();
    actix_web::rt::task::spawn_blocking(move || {
        write_csv(&store, &operators, &scope, &filter, &chunks, &logger)
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"messages.csv\"",
        ))
        .body(CsvBody(receiver)))
}

/// Writes the header and then a chunk per page until the walk ends (for
/// every account without the index by number, at [`EVERY_CSV_BUDGET`]
/// messages looked at) or the client goes away. A failure mid-way ends
/// the body early (the status line is already sent), and is logged.
fn write_csv(
    store: &Store,
    operators: &Operators,
    scope: &Scope,
    filter: &Filter,
    chunks: &mpsc::Sender<Bytes>,
    logger: &Logger,
) {
    let cut_short = |error: &dyn std::fmt::Display| {
        error!(logger, "CSV report cut short"; "scope" => ?scope, "error" => %error);
    };
    let (mut budget, accounts) = match scope {
        Scope::Account(_) => (usize::MAX, false),
        Scope::Every(_) => (EVERY_CSV_BUDGET, true),
    };
    let mut cursor = None;
    let mut header = true;
    loop {
        let page = match page(store, scope, filter, cursor, MAX_LIMIT, budget) {
            Ok(page) => page,
            Err(error) => return cut_short(&error),
        };
        let chunk = match csv_chunk(&page.messages, operators, header, accounts) {
            Ok(chunk) => chunk,
            Err(error) => return cut_short(&error),
        };
        if chunks.blocking_send(Bytes::from(chunk)).is_err() {
            return;
        }
        if page.budgeted {
            budget = budget.saturating_sub(page.examined);
        }
        let Some(next) = page.next.filter(|_| budget > 0) else {
            return;
        };
        cursor = Some(next);
        header = false;
    }
}

/// `messages` as CSV rows, after the header line when `header` (written by
/// hand: the writer would write it only with a first row); with each
/// row's account last when `accounts`.
fn csv_chunk(
    messages: &[Message],
    operators: &Operators,
    header: bool,
    accounts: bool,
) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    if header {
        let last: &[&str] = if accounts { &["account"] } else { &[] };
        writer.write_record(ReportRow::COLUMNS.iter().chain(last))?;
    }
    for message in messages {
        let row = ReportRow::new(message, operators);
        if accounts {
            writer.serialize(row.with_account(&message.account))?;
        } else {
            writer.serialize(row)?;
        }
    }
    writer
        .into_inner()
        .map_err(|error| error.into_error().into())
}

/// Message ids newest first in a [`Scope`]: one number's from the index
/// by number, or each account's index read a chunk at a time, the heads
/// merged.
enum Walk<'a> {
    Number(NumberWalk<'a>),
    Accounts(AccountsWalk<'a>),
}

/// One number's messages of the scope's accounts, a chunk of the index by
/// number at a time.
struct NumberWalk<'a> {
    store: &'a Store,
    /// As the index writes it (`comparable_number`).
    number: String,
    accounts: HashSet<AccountId>,
    /// Read and not yet taken, newest first.
    ids: VecDeque<MessageId>,
    /// The oldest id read so far: the next chunk is below it.
    below: Option<MessageId>,
    /// The index has nothing more below `below`.
    done: bool,
}

/// Every account's index of a [`Scope`], merged newest first.
struct AccountsWalk<'a> {
    store: &'a Store,
    heads: Vec<Head>,
}

/// One account's place in an [`AccountsWalk`].
struct Head {
    account: AccountId,
    /// Read and not yet taken, newest first.
    ids: VecDeque<MessageId>,
    /// The oldest id read so far: the next chunk is below it.
    below: Option<MessageId>,
    /// The index has nothing more below `below`.
    done: bool,
}

impl<'a> Walk<'a> {
    /// The index by number when `filter` names a number and every message
    /// is in that index; else the accounts' indexes.
    fn new(
        store: &'a Store,
        scope: &Scope,
        filter: &Filter,
        before: Option<MessageId>,
    ) -> Walk<'a> {
        let accounts = match scope {
            Scope::Account(account) => std::slice::from_ref(account),
            Scope::Every(accounts) => accounts.as_slice(),
        };
        match &filter.to {
            Some(number) if store.number_index_complete() => Walk::Number(NumberWalk {
                store,
                number: number.clone(),
                accounts: accounts.iter().cloned().collect(),
                ids: VecDeque::new(),
                below: before,
                done: false,
            }),
            _ => Walk::Accounts(AccountsWalk {
                store,
                heads: accounts
                    .iter()
                    .map(|account| Head {
                        account: account.clone(),
                        ids: VecDeque::new(),
                        below: before,
                        done: false,
                    })
                    .collect(),
            }),
        }
    }

    /// Whether the walk looks at every message of its scope in turn, and
    /// so needs a budget.
    fn budgeted(&self) -> bool {
        matches!(self, Walk::Accounts(_))
    }

    /// The newest id not yet taken, or `None` at the end.
    fn next(&mut self) -> Result<Option<MessageId>, StoreError> {
        match self {
            Walk::Number(walk) => walk.next(),
            Walk::Accounts(walk) => walk.next(),
        }
    }
}

impl NumberWalk<'_> {
    fn next(&mut self) -> Result<Option<MessageId>, StoreError> {
        while self.ids.is_empty() && !self.done {
            let entries = self
                .store
                .number_messages(&self.number, self.below, CHUNK)?;
            self.done = entries.len() < CHUNK;
            self.below = entries.last().map(|(id, _)| *id).or(self.below);
            self.ids.extend(
                entries
                    .into_iter()
                    .filter(|(_, account)| self.accounts.contains(account))
                    .map(|(id, _)| id),
            );
        }
        Ok(self.ids.pop_front())
    }
}

impl AccountsWalk<'_> {
    fn next(&mut self) -> Result<Option<MessageId>, StoreError> {
        for head in &mut self.heads {
            if head.ids.is_empty() && !head.done {
                let ids = self
                    .store
                    .account_messages(&head.account, head.below, CHUNK)?;
                head.done = ids.len() < CHUNK;
                head.below = ids.last().copied().or(head.below);
                head.ids.extend(ids);
            }
        }
        let newest = self
            .heads
            .iter_mut()
            .filter(|head| !head.ids.is_empty())
            .max_by_key(|head| head.ids.front().copied());
        Ok(newest.and_then(|head| head.ids.pop_front()))
    }
}

/// Up to `limit` of the messages of `scope` that `filter` matches, newest
/// first, older than `cursor`, looking at no more than `budget` messages
/// unless it walks the index by number.
fn page(
    store: &Store,
    scope: &Scope,
    filter: &Filter,
    cursor: Option<MessageId>,
    limit: usize,
    budget: usize,
) -> Result<Page, StoreError> {
    let mut walk = Walk::new(store, scope, filter, cursor);
    let budgeted = walk.budgeted();
    let budget = if budgeted { budget } else { usize::MAX };
    let mut messages = Vec::new();
    let mut examined = 0;
    let ended = |messages, examined| Page {
        messages,
        next: None,
        examined,
        budgeted,
    };
    while let Some(id) = walk.next()? {
        examined += 1;
        let Some(message) = store.message(id)? else {
            continue;
        };
        if filter.ends_before(message.created_at) {
            return Ok(ended(messages, examined));
        }
        if filter.matches(&message) {
            messages.push(message);
        }
        if messages.len() == limit || examined >= budget {
            return Ok(Page {
                messages,
                next: Some(id),
                examined,
                budgeted,
            });
        }
    }
    Ok(ended(messages, examined))
}

/// Up to `limit` messages of `scope` matching `query`, newest first,
/// older than `cursor`, on the blocking pool; and the cursor of the next
/// page, if the walk stopped early (the page is full, or the scan budget
/// was spent: never with the index by number).
pub(in crate::actors::web) async fn search(
    state: &WebState,
    scope: Scope,
    query: &ListQuery,
    cursor: Option<MessageId>,
    limit: usize,
) -> Result<(Vec<Message>, Option<MessageId>), Problem> {
    let filter = query.filter()?;
    let store = state.store.clone();
    let found =
        web::block(move || page(&store, &scope, &filter, cursor, limit, SCAN_BUDGET)).await??;
    Ok((found.messages, found.next))
}

/// The CSV body: chunks as the writer sends them, ended when it is done.
struct CsvBody(mpsc::Receiver<Bytes>);

impl MessageBody for CsvBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.0.poll_recv(context).map(|chunk| chunk.map(Ok))
    }
}
