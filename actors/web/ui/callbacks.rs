//! The operator's `GET /ui/callbacks`: callbacks (receipts and MO pushed
//! to customers' URLs) that failed every attempt, oldest first, 100 a
//! page, each with its account, message, URL, attempts and last error;
//! Replay sends one again with its attempts reset
//! (`POST /ui/callbacks/{id}/replay`), Replay all every one
//! (`POST /ui/callbacks/replay`), as the admin API's dead letters do.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::html;
use serde::Deserialize;
use slog::{error, info};

use super::guard::{AdminPage, CsrfForm, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, see_other};
use crate::actors::web::callbacks::replay;
use crate::actors::web::state::WebState;

/// Dead letters on a page.
const PAGE_ROWS: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(replay_all).service(replay_one);
}

#[derive(Deserialize)]
struct Query {
    after: Option<u64>,
    replayed: Option<usize>,
}

#[get("/ui/callbacks")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, UiError> {
    let frame = admin.0.frame(Section::Callbacks, request.path());
    let store = state.store.clone();
    let after = query.after.unwrap_or(0);
    let items = web::block(move || store.dead_letters(after, PAGE_ROWS))
        .await
        .map_err(|error| error.to_string())
        .and_then(|found| found.map_err(|error| error.to_string()))
        .map_err(|error| {
            error!(state.logger, "cannot read dead letters for the web UI"; "error" => error);
            admin.0.failed()
        })?;
    let flash = query
        .replayed
        .map(|count| Flash::Ok(format!("{}: {count}", frame.t(Text::Replayed))));
    let next = (items.len() == PAGE_ROWS)
        .then(|| items.last().map(|item| item.id))
        .flatten();
    let session = &admin.0.session;
    let content = html! {
        @if items.is_empty() {
            p.muted { (frame.t(Text::NoDeadLetters)) }
        } @else {
            form.inline method="post" action="/ui/callbacks/replay" {
                (csrf_field(session))
                button type="submit" { (frame.t(Text::ReplayAll)) }
            }
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        th { (frame.t(Text::Account)) }
                        th { (frame.t(Text::Message)) }
                        th { "URL" }
                        th.num { (frame.t(Text::Attempts)) }
                        th { (frame.t(Text::LastError)) }
                        th { (frame.t(Text::Date)) }
                        th {}
                    } }
                    tbody {
                        @for item in &items {
                            tr data-dead=(item.id) {
                                td { code { (item.id) } }
                                td { (item.account) }
                                td { code { (item.message) } }
                                td { code { (item.request.url()) } }
                                td.num { (item.attempts) }
                                td { (item.last_error.as_deref().unwrap_or("")) }
                                td { (item.queued_at.format("%Y-%m-%d %H:%M:%S")) }
                                td {
                                    form.inline method="post" action=(format!("/ui/callbacks/{}/replay", item.id)) {
                                        (csrf_field(session))
                                        button.secondary type="submit" { (frame.t(Text::Replay)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = next {
                p { a rel="next" href=(format!("/ui/callbacks?after={next}")) { (frame.t(Text::Older)) " →" } }
            }
        }
    };
    Ok(respond(frame.page(
        frame.t(Text::DeadLetters),
        flash,
        content,
    )))
}

#[post("/ui/callbacks/replay")]
async fn replay_all(
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    replayed(&state, &admin, None).await
}

#[post("/ui/callbacks/{id}/replay")]
async fn replay_one(
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<u64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    replayed(&state, &admin, Some(*id)).await
}

/// Replays `id` (or all) and reports how many went back to the outbox.
async fn replayed(
    state: &WebState,
    admin: &AdminPage,
    id: Option<u64>,
) -> Result<HttpResponse, UiError> {
    let count = replay(state, id).await.map_err(|problem| {
        error!(state.logger, "cannot replay dead letters from the web UI"; "error" => %problem);
        admin.0.failed()
    })?;
    info!(state.logger, "dead letters replayed in the web UI"; "count" => count);
    Ok(see_other(format!("/ui/callbacks?replayed={count}")))
}
