//! The operator's `GET /ui/dnd`: the do-not-disturb registry (numbers
//! promotional accounts may not send to): how many it holds, a lookup
//! (`?number=`) with since when a number is listed and a button that takes
//! it off (`POST /ui/dnd/remove`), and a form that lists numbers pasted
//! one per line (`POST /ui/dnd`). Through the API's registry code
//! (`dnd.rs`): stored before in force, at once for the next message.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use slog::{error, info};

use super::guard::{AdminPage, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, respond_with, see_other};
use crate::actors::web::dnd::{put_numbers, take_off};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::lists::ListedNumber;
use crate::store::{ListKey, Listed, ListedBy};

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(read).service(add).service(remove);
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

fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    number: Option<&str>,
    flash: Option<Flash>,
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
