//! `POST /api/v1/contacts/import?group=NAME` (SPEC §6.2): an account's
//! contacts from CSV with a header row, read as the body arrives
//! (`contacts::import` cuts it into rows) and stored a page of at most
//! [`PAGE`] rows at a time, each page's batch durable before the next
//! chunk is read, so a file of a million rows never sits in memory; only
//! its numbers do, for the duplicate check. Each row is laid over the
//! contact stored (a non-empty cell overwrites, the rest is kept) and the
//! answer counts what changed, with the refused rows by line.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use slog::info;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::AccountInScope;
use super::contacts::{bad, group_name, query};
use super::dnd::RejectedView;
use super::list_import::{PAGE, is_text_import};
use super::problem::Problem;
use super::state::WebState;
use crate::contacts::GroupName;
use crate::contacts::import::{Change, ContactCsv, ImportReport, ImportedRow, RowError};
use crate::model::AccountId;
use crate::store::{Batch, Store, StoreError};

/// Registers this file's route.
pub fn configure(config: &mut ServiceConfig) {
    config.service(import_contacts);
}

/// `?account=&group=`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// The operator's: whose contacts (a customer's own otherwise).
    #[expect(dead_code, reason = "read by AccountInScope; here for the document")]
    account: Option<String>,
    /// Every imported contact joins this group.
    group: Option<String>,
}

/// What an import did.
#[derive(ToSchema)]
#[schema(as = ContactImport)]
#[expect(
    dead_code,
    reason = "never built: the document's shape of `contacts::import::ImportReport`"
)]
struct ImportView {
    /// Contacts the account did not have.
    imported: u64,
    /// Contacts it had whose name or fields changed, or that joined the group.
    updated: u64,
    /// Contacts it had, as they were.
    unchanged: u64,
    /// The first 1000 rows refused: `{"line", "error"}`, lines counted
    /// from 1, the header's being 1.
    rejected: Vec<RejectedView>,
    /// Every row refused, listed or not.
    rejected_total: u64,
}

/// What became of one row: stored, or refused.
type Outcome = (usize, Result<Change, RowError>);

/// Import contacts from CSV, streamed (customers: their own; the operator with ?account=)
///
/// `text/csv` with a header row naming the columns: `number` (required),
/// `name`, and any other column a free field (names case-insensitive).
/// Quoted cells may hold commas, doubled quotes and line breaks; CRLF or
/// LF. A row is refused, with its line, for a bad number, a number an
/// earlier row had, a wrong column count, bytes that are not UTF-8 or a
/// cell beyond its limit; the rest are stored. A header that cannot be
/// read refuses the whole import (400 naming `header`). At most 2,000,000
/// rows: the row after is refused and the rest of the body not read.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "A header row (number, name, fields), then one contact per row."),
    responses(
        (status = OK, description = "What was imported; refused rows with their line and error.", body = ImportView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = UNSUPPORTED_MEDIA_TYPE, response = Problem),
    ),
)]
#[post("/api/v1/contacts/import")]
async fn import_contacts(
    AccountInScope(account): AccountInScope,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query: ImportQuery = query(&request)?;
    let group = query
        .group
        .as_deref()
        .map(|text| group_name("group", text))
        .transpose()?;
    if !is_text_import(request.headers()) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "contacts are imported as text/csv with a header row naming the columns".into(),
        ));
    }
    let report = import_from(&state, &account.id, group.as_ref(), (payload, 0)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Imports into `account`'s contacts (each into `group` too) the CSV
/// that `chunks` carry (the request's body, or a form's file), a page at
/// a time as it arrives, `added` lines at their start not the file's (a
/// header the caller gave it); what changed, and the rows refused by
/// their line in the file.
pub(in crate::actors::web) async fn import_from<E: std::fmt::Display>(
    state: &WebState,
    account: &AccountId,
    group: Option<&GroupName>,
    (mut chunks, added): (impl Stream<Item = Result<Bytes, E>> + Unpin, usize),
) -> Result<ImportReport, Problem> {
    let mut csv = ContactCsv::new();
    let mut report = ImportReport::default();
    let mut rows: Vec<ImportedRow> = Vec::new();
    let mut ended = false;
    loop {
        while rows.len() < PAGE && !ended {
            let mut each = |row: ImportedRow| {
                rows.push(ImportedRow {
                    line: row.line - added,
                    ..row
                })
            };
            let read = match chunks.next().await {
                Some(Ok(chunk)) => csv.feed(&chunk, &mut each),
                Some(Err(error)) => {
                    return Err(Problem::new(
                        StatusCode::BAD_REQUEST,
                        format!("the body could not be read: {error}"),
                    ));
                }
                None => {
                    ended = true;
                    csv.finish(&mut each)
                }
            };
            read.map_err(|error| bad("header", error.to_string()))?;
            ended |= csv.stopped();
        }
        if rows.is_empty() {
            break;
        }
        let rest = rows.split_off(rows.len().min(PAGE));
        let page = std::mem::replace(&mut rows, rest);
        store_page(state, account, group, page, &mut report).await?;
    }
    info!(state.logger, "contacts imported";
        "account" => %account,
        "imported" => report.imported,
        "updated" => report.updated,
        "unchanged" => report.unchanged,
        "rejected" => report.rejected_total);
    Ok(report)
}

/// Stores one page of rows, holding the contact writer from reading the
/// contacts as stored until the batch is durable, and counts the outcome.
async fn store_page(
    state: &WebState,
    account: &AccountId,
    group: Option<&GroupName>,
    page: Vec<ImportedRow>,
    report: &mut ImportReport,
) -> Result<(), Problem> {
    let _writer = state.contact_writer.lock().await;
    let store = state.store.clone();
    let (id, group) = (account.clone(), group.cloned());
    let (batch, outcomes) = web::block(move || merge(&store, &id, group.as_ref(), page)).await??;
    if !batch.is_empty() {
        state.store.room_for_bulk().await;
        state.store.commit(batch).await?;
    }
    for (line, outcome) in outcomes {
        match outcome {
            Ok(change) => report.count(change),
            Err(error) => report.reject(line, &error),
        }
    }
    Ok(())
}

/// Each row laid over the contact stored with its number: the batch that
/// stores the new and changed ones, and what became of each row.
fn merge(
    store: &Store,
    account: &AccountId,
    group: Option<&GroupName>,
    page: Vec<ImportedRow>,
) -> Result<(Batch, Vec<Outcome>), StoreError> {
    let mut batch = Batch::new();
    let mut outcomes = Vec::with_capacity(page.len());
    for ImportedRow { line, row } in page {
        let outcome = match row {
            Err(error) => Err(error),
            Ok(row) => {
                let stored = store.contact(account, row.number)?;
                match row.apply(stored.as_ref(), group) {
                    Ok((contact, change)) => {
                        if change != Change::Unchanged {
                            batch.put_contact(account, &contact, stored.as_ref());
                        }
                        Ok(change)
                    }
                    Err(error) => Err(RowError::Contact(error)),
                }
            }
        };
        outcomes.push((line, outcome));
    }
    Ok((batch, outcomes))
}
