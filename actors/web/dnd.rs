//! The do-not-disturb registry's admin API (operator credentials): import
//! numbers in bulk, look one up, take one off, clear it, count it. Every
//! change is stored before it is in force; the registry in force
//! (`protocol::dnd`) is swapped, never locked, so accepts go on during an
//! import.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use slog::info;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::list_import::ImportReader;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::dnd::DndWriter;
use crate::api::FieldError;
use crate::lists::ListedNumber;
use crate::lists::import::ImportReport;
use crate::store::{Batch, ListId, ListKey, Listed, ListedBy};

/// How many imported numbers are put in force at once: the registry in
/// force is swapped after each this many, and at the end.
const PUBLISH_EVERY: u64 = 500_000;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(import_dnd)
        .service(count_dnd)
        .service(clear_dnd)
        .service(lookup_dnd)
        .service(remove_dnd);
}

/// What an import did.
#[derive(ToSchema)]
#[schema(as = ListImport)]
#[expect(
    dead_code,
    reason = "never built: the document's shape of `import::ImportReport`"
)]
pub(super) struct ImportView {
    /// Entries added.
    imported: u64,
    /// Entries the list had already, or that came twice.
    already: u64,
    /// The first 1000 lines refused: `{"line", "error"}`, lines counted from 1.
    rejected: Vec<RejectedView>,
    /// Every line refused, listed or not.
    rejected_total: u64,
}

/// One line an import refused.
#[derive(ToSchema)]
#[schema(as = ListImportRejected)]
#[expect(
    dead_code,
    reason = "never built: the document's shape of `import::Rejected`"
)]
pub(super) struct RejectedView {
    line: usize,
    error: String,
}

/// One number's place on the registry.
#[derive(Serialize, ToSchema)]
#[schema(as = DndNumber)]
struct DndView {
    /// Digits, without `+`.
    number: String,
    listed: bool,
    /// When it was put on the registry; null when it is not on it.
    #[schema(required = true)]
    since: Option<DateTime<Utc>>,
}

/// The registry's size.
#[derive(Serialize, ToSchema)]
#[schema(as = DndCount)]
struct CountView {
    count: usize,
}

/// The number in a path, or 400 naming it.
fn number(text: &str) -> Result<ListedNumber, Problem> {
    ListedNumber::parse(text).map_err(|error| {
        Problem::from(FieldError {
            field: "number".into(),
            detail: error.to_string(),
        })
    })
}

/// Import numbers into the DND registry, streamed (admin)
///
/// `text/csv` (first column the number, a header row allowed, other
/// columns ignored) or `text/plain` (one number per line). Numbers as
/// E.164 digits, with or without `+` or `00`. Lines are read as the body
/// arrives and stored in batches; the numbers are in force in steps of
/// 500,000 and all of them once answered.
#[utoipa::path(
    security(("admin" = [])),
    request_body(content = String, content_type = "text/csv", description = "One number per line, or CSV whose first column is the number."),
    responses(
        (status = OK, description = "What was imported; refused lines with their number and error.", body = ImportView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = UNSUPPORTED_MEDIA_TYPE, response = Problem),
    ),
)]
#[post("/api/v1/dnd/import")]
async fn import_dnd(
    _: Operator,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let reader = ImportReader::new(&request, payload, false)?;
    Ok(HttpResponse::Ok().json(import_numbers(&state, reader, ListedBy::Import).await?))
}

/// Puts every number `reader` reads on the registry, stored a page at a
/// time and in force in steps of [`PUBLISH_EVERY`] and at the end: what
/// was imported, and each line refused. A failure to read or store ends
/// the import; the pages stored before it stay.
pub(in crate::actors::web) async fn import_numbers(
    state: &WebState,
    mut reader: ImportReader,
    by: ListedBy,
) -> Result<ImportReport, Problem> {
    let mut report = ImportReport::default();
    let mut writer = state.dnd.writer().await;
    let listed = Listed::new(Utc::now(), by);
    let mut unpublished = 0;
    let outcome = loop {
        let page = match reader.next_page(&mut report).await {
            Ok(Some(page)) => page,
            Ok(None) => break Ok(()),
            Err(problem) => break Err(problem),
        };
        let numbers = page.into_iter().map(|entry| entry.number);
        let (added, already) = match put_numbers(state, &mut writer, numbers, &listed).await {
            Ok(counts) => counts,
            Err(problem) => break Err(problem),
        };
        report.imported += added;
        report.already += already;
        unpublished += added;
        if unpublished >= PUBLISH_EVERY {
            writer.publish();
            unpublished = 0;
        }
    };
    writer.publish();
    info!(state.logger, "DND numbers imported"; "imported" => report.imported,
        "already" => report.already, "rejected" => report.rejected_total,
        "registry" => state.dnd.len());
    outcome.map(|()| report)
}

/// Puts `numbers` on the registry in one batch, stored before any is in
/// force (the caller publishes): how many were added, and how many were
/// there already.
pub(in crate::actors::web) async fn put_numbers(
    state: &WebState,
    writer: &mut DndWriter<'_>,
    numbers: impl IntoIterator<Item = ListedNumber>,
    listed: &Listed,
) -> Result<(u64, u64), Problem> {
    let (mut added, mut already) = (0, 0);
    let mut batch = Batch::new();
    for number in numbers {
        if writer.numbers().insert(number) {
            batch.put_listed(&ListKey::Dnd(number), listed);
            added += 1;
        } else {
            already += 1;
        }
    }
    state.store.room_for_bulk().await;
    state.store.commit(batch).await?;
    Ok((added, already))
}

/// How many numbers the DND registry holds (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "The count.", body = CountView),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/dnd")]
async fn count_dnd(_: Operator, state: web::Data<WebState>) -> HttpResponse {
    HttpResponse::Ok().json(CountView {
        count: state.dnd.len(),
    })
}

/// Empty the DND registry (admin)
///
/// Answered once every number is off the store; promotional traffic is
/// taken again at once.
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "How many numbers were removed, as `{\"count\"}`.", body = CountView),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[delete("/api/v1/dnd")]
async fn clear_dnd(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let mut writer = state.dnd.writer().await;
    let mut removed = 0;
    let mut after = None;
    loop {
        let page = state
            .store
            .list_page(&ListId::Dnd, after.as_ref(), super::list_import::PAGE)?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        let mut batch = Batch::new();
        for (key, _) in &page {
            batch.remove_listed(key);
        }
        state.store.commit(batch).await?;
        removed += page.len();
    }
    *writer.numbers() = Default::default();
    writer.publish();
    info!(state.logger, "DND registry cleared"; "removed" => removed);
    Ok(HttpResponse::Ok().json(CountView { count: removed }))
}

/// Whether a number is on the DND registry, and since when (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("number" = String, Path, description = "E.164 digits, optionally after + or 00.")),
    responses(
        (status = OK, description = "Listed or not.", body = DndView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/dnd/{number}")]
async fn lookup_dnd(
    _: Operator,
    path: web::Path<String>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let number = number(&path)?;
    let listed = state.store.listed(&ListKey::Dnd(number))?;
    Ok(HttpResponse::Ok().json(DndView {
        number: number.to_string(),
        listed: listed.is_some(),
        since: listed.map(|listed| listed.since()),
    }))
}

/// Take a number off the DND registry (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("number" = String, Path, description = "E.164 digits, optionally after + or 00.")),
    responses(
        (status = OK, description = "Off the registry now.", body = DndView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/dnd/{number}")]
async fn remove_dnd(
    _: Operator,
    path: web::Path<String>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let number = number(&path)?;
    take_off(&state, number).await?;
    Ok(HttpResponse::Ok().json(DndView {
        number: number.to_string(),
        listed: false,
        since: None,
    }))
}

/// Takes `number` off the registry, stored, then in force; 404 when it
/// is not on it.
pub(in crate::actors::web) async fn take_off(
    state: &WebState,
    number: ListedNumber,
) -> Result<(), Problem> {
    let mut writer = state.dnd.writer().await;
    if !writer.numbers().remove(number) {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            format!("{number} is not on the DND registry"),
        ));
    }
    let mut batch = Batch::new();
    batch.remove_listed(&ListKey::Dnd(number));
    state.store.commit(batch).await?;
    writer.publish();
    Ok(())
}
