//! The operator's `GET /ui/dnd`: the do-not-disturb registry (numbers
//! promotional accounts may not send to): how many it holds, a lookup
//! (`?number=`) with since when a number is listed and a button that takes
//! it off (`POST /ui/dnd/remove`), a form that lists numbers pasted
//! one per line (`POST /ui/dnd`), and a file to import
//! (`POST /ui/dnd/import`, multipart: CSV whose first column is the number,
//! or one number per line), read as it arrives like the API's import;
//! its report on the page: numbers added, already listed, and each line
//! refused with its reason (the good lines are listed all the same).
//! Through the API's registry code (`dnd.rs`): stored before in force, at
//! once for the next message.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use futures_util::StreamExt;
use maud::{Markup, html};
use serde::Deserialize;
use slog::{error, info};

use super::guard::{AdminPage, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, csrf_field, respond, respond_with, see_other};
use crate::actors::web::dnd::{import_numbers, put_numbers, take_off};
use crate::actors::web::list_import::ImportReader;
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::lists::ListedNumber;
use crate::lists::import::ImportReport;
use crate::store::{ListKey, Listed, ListedBy};

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(read)
        .service(add)
        .service(import)
        .service(remove);
}

#[derive(Deserialize)]
struct Query {
    number: Option<String>,
    added: Option<u64>,
    removed: Option<String>,
}

#[derive(Deserialize)]
struct AddForm {
    csrf: String,
    numbers: String,
}

#[derive(Deserialize)]
struct RemoveForm {
    csrf: String,
    number: String,
}

/// The longest CSRF field an upload's form may carry.
const MAX_TOKEN: usize = 256;

/// What an import did, as the page shows it.
fn import_report(frame: &Frame<'_>, report: &ImportReport) -> Markup {
    html! {
        div.panel data-import-report {
            h2 { (frame.t(Text::ImportReport)) }
            div.cards {
                div.card { div.label { (frame.t(Text::Imported)) } div.value data-imported { (report.imported) } }
                div.card { div.label { (frame.t(Text::AlreadyListed)) } div.value data-already { (report.already) } }
                div.card { div.label { (frame.t(Text::LinesRefused)) } div.value data-refused { (report.rejected_total) } }
            }
            @if !report.rejected.is_empty() {
                div.table-wrap {
                    table {
                        thead { tr { th.num { (frame.t(Text::Line)) } th { (frame.t(Text::Reason)) } } }
                        tbody {
                            @for rejected in &report.rejected {
                                tr data-refused-line=(rejected.line) { td.num { (rejected.line) } td { (rejected.error) } }
                            }
                        }
                    }
                }
                @if report.rejected_total > report.rejected.len() as u64 {
                    p.muted { (frame.t(Text::FirstRefusedOnly)) " " (report.rejected.len()) }
                }
            }
        }
    }
}

fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    number: Option<&str>,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    page_with(request, admin, state, number, flash, None)
}

/// The page, with what an import did when one just ran.
fn page_with(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    number: Option<&str>,
    flash: Option<Flash>,
    report: Option<&ImportReport>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::Dnd, request.path());
    let looked_up =
        match number.map(str::trim).filter(|text| !text.is_empty()) {
            None => None,
            Some(text) => Some(match ListedNumber::parse(text) {
                Err(error) => Err(error.to_string()),
                Ok(number) => {
                    let listed = state.store.listed(&ListKey::Dnd(number)).map_err(|failure| {
                    error!(state.logger, "cannot read the DND registry"; "error" => %failure);
                    admin.0.failed()
                })?;
                    Ok((number, listed))
                }
            }),
        };
    let session = &admin.0.session;
    Ok(frame.page(frame.t(Text::Dnd), flash, html! {
        @if let Some(report) = report { (import_report(&frame, report)) }
        div.cards {
            div.card { div.label { (frame.t(Text::Listed)) } div.value data-dnd-count { (state.dnd.len()) } }
        }
        div.panel {
            form.inline method="get" action="/ui/dnd" {
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel" value=(number.unwrap_or_default()); }
                button type="submit" { (frame.t(Text::Check)) }
            }
            @match &looked_up {
                None => {},
                Some(Err(reason)) => p.flash.bad { (reason) },
                Some(Ok((number, None))) => p data-listed="no" { (number) ": " (frame.t(Text::NotListed)) },
                Some(Ok((number, Some(listed)))) => {
                    p data-listed="yes" { (number) ": " (frame.t(Text::ListedSince)) " " (listed.since().format("%Y-%m-%d %H:%M")) }
                    form.inline method="post" action="/ui/dnd/remove" {
                        (csrf_field(session))
                        input type="hidden" name="number" value=(number);
                        button.danger type="submit" { (frame.t(Text::Remove)) }
                    }
                },
            }
        }
        h2 { (frame.t(Text::AddToDnd)) }
        div.panel {
            form.stack method="post" action="/ui/dnd" {
                (csrf_field(session))
                label { (frame.t(Text::NumbersPerLine)) textarea name="numbers" required {} }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
        h2 { (frame.t(Text::ImportFile)) }
        div.panel {
            p.muted { (frame.t(Text::DndFileHelp)) }
            form.stack method="post" action="/ui/dnd/import" enctype="multipart/form-data" {
                (csrf_field(session))
                label { (frame.t(Text::File)) input type="file" name="file" required accept=".csv,.txt,text/csv,text/plain"; }
                button type="submit" { (frame.t(Text::Import)) }
            }
        }
    }))
}

#[get("/ui/dnd")]
async fn read(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, UiError> {
    let flash = match (query.added, &query.removed) {
        (Some(added), _) => Some(Flash::Ok(format!(
            "{}: {added}",
            admin.0.lang_text(Text::AddedToDnd)
        ))),
        (None, Some(_)) => Some(Flash::Ok(admin.0.lang_text(Text::Saved))),
        (None, None) => None,
    };
    Ok(respond(page(
        &request,
        &admin,
        &state,
        query.number.as_deref(),
        flash,
    )?))
}

#[post("/ui/dnd")]
async fn add(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let mut numbers = Vec::new();
    for (index, line) in form.numbers.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match ListedNumber::parse(line) {
            Ok(number) => numbers.push(number),
            Err(error) => {
                let problem = Problem::new(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    format!("line {}: {line:?}: {error}", index + 1),
                );
                let markup = page(
                    &request,
                    &admin,
                    &state,
                    None,
                    Some(Flash::Bad(problem.to_string())),
                )?;
                return Ok(respond_with(problem.status(), markup));
            }
        }
    }
    let mut writer = state.dnd.writer().await;
    let listed = Listed::new(Utc::now(), ListedBy::Api);
    let (added, _) = put_numbers(&state, &mut writer, numbers, &listed)
        .await
        .map_err(|problem| {
            error!(state.logger, "cannot list DND numbers from the web UI"; "error" => %problem);
            admin.0.failed()
        })?;
    writer.publish();
    info!(state.logger, "DND numbers listed in the web UI"; "added" => added);
    Ok(see_other(format!("/ui/dnd?added={added}")))
}

/// `POST /ui/dnd/import`: the form's CSRF token first (checked before the
/// file is read), then the file, imported as it arrives.
#[post("/ui/dnd/import")]
async fn import(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    mut form: Multipart,
) -> Result<HttpResponse, UiError> {
    let refused = |reason: String| -> Result<HttpResponse, UiError> {
        let markup = page(&request, &admin, &state, None, Some(Flash::Bad(reason)))?;
        Ok(respond_with(StatusCode::BAD_REQUEST, markup))
    };
    let mut checked = false;
    while let Some(field) = form.next().await {
        let mut field = match field {
            Ok(field) => field,
            Err(error) => return refused(error.to_string()),
        };
        match field.name() {
            Some("csrf") => {
                let mut token = Vec::new();
                while let Some(chunk) = field.next().await {
                    match chunk {
                        Ok(chunk) if token.len() + chunk.len() <= MAX_TOKEN => {
                            token.extend_from_slice(&chunk);
                        }
                        Ok(_) => break,
                        Err(error) => return refused(error.to_string()),
                    }
                }
                admin.0.check_csrf(&String::from_utf8_lossy(&token))?;
                checked = true;
            }
            Some("file") if checked => {
                let reader = ImportReader::of(field, false);
                let imported = import_numbers(&state, reader, ListedBy::Import).await;
                return match imported {
                    Ok(report) => {
                        info!(state.logger, "DND file imported in the web UI";
                            "imported" => report.imported, "refused" => report.rejected_total);
                        let markup =
                            page_with(&request, &admin, &state, None, None, Some(&report))?;
                        Ok(respond(markup))
                    }
                    Err(problem) if problem.status().is_client_error() => {
                        refused(problem.to_string())
                    }
                    Err(problem) => {
                        error!(state.logger, "cannot import a DND file from the web UI"; "error" => %problem);
                        Err(admin.0.failed())
                    }
                };
            }
            // A file before its token: refused like a form without one.
            Some("file") => break,
            _ => {}
        }
    }
    if !checked {
        return Err(UiError::new(UiErrorKind::FormExpired, admin.0.lang));
    }
    refused(admin.0.lang_text(Text::NoFile))
}

#[post("/ui/dnd/remove")]
async fn remove(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let taken = match ListedNumber::parse(form.number.trim()) {
        Ok(number) => take_off(&state, number).await,
        Err(error) => Err(Problem::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            error.to_string(),
        )),
    };
    match taken {
        Ok(()) => Ok(see_other("/ui/dnd?removed=1")),
        Err(problem) => {
            let markup = page(
                &request,
                &admin,
                &state,
                None,
                Some(Flash::Bad(problem.to_string())),
            )?;
            Ok(respond_with(problem.status(), markup))
        }
    }
}
