//! The customer's conversations: `GET /ui/me/conversations` (every
//! conversation by last activity, with its last message and unread
//! count), `GET /ui/me/conversations/{ours}/{theirs}` (the newest messages
//! of one, in order, each MT with its state, and `?before=` the page
//! older than a cursor, back to the first; reading marks it read) and
//! `POST /ui/me/conversations/{ours}/{theirs}` (a reply, sent as any
//! message is). Through the API's conversation code (`conversations.rs`).

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::error;

use super::guard::{CustomerPage, LoggedIn, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, Tone, csrf_field, respond, see_other};
use crate::actors::web::conversations::{Reader, list, page, parties, reply};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::conversations::{ConversationPage, Direction};
use crate::store::Window;

/// Conversations on the list, and messages shown of one.
const LIST_ROWS: usize = 50;
const THREAD_ROWS: usize = 50;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(conversations)
        .service(thread)
        .service(answer);
}

#[derive(Deserialize)]
struct ReplyForm {
    csrf: String,
    text: String,
}

#[derive(Deserialize)]
struct ThreadQuery {
    sent: Option<String>,
    /// The `previous_cursor` of the page shown before: the older page.
    before: Option<u64>,
}

/// A conversation that failed to load: not found, or a failure.
pub(super) fn not_shown(state: &WebState, logged: &LoggedIn, problem: &Problem) -> UiError {
    if problem.status().is_client_error() {
        UiError::new(UiErrorKind::NotFound, logged.lang)
    } else {
        error!(state.logger, "cannot read conversations for the web UI"; "error" => %problem);
        logged.failed()
    }
}

#[get("/ui/me/conversations")]
async fn conversations(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    let frame = customer
        .logged
        .frame(Section::Conversations, request.path());
    let found = list(&state, &customer.account.id, None, LIST_ROWS)
        .await
        .map_err(|problem| not_shown(&state, &customer.logged, &problem))?;
    let content = html! {
        @if found.conversations.is_empty() {
            p.muted { (frame.t(Text::NoConversations)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Ours)) }
                        th { (frame.t(Text::Theirs)) }
                        th { (frame.t(Text::Message)) }
                        th.num { (frame.t(Text::Unread)) }
                        th { (frame.t(Text::Date)) }
                    } }
                    tbody {
                        @for conversation in &found.conversations {
                            tr data-conversation=(format!("{}/{}", conversation.ours, conversation.theirs)) {
                                td { (conversation.ours) }
                                td { a href=(format!("/ui/me/conversations/{}/{}", conversation.ours, conversation.theirs)) { (conversation.theirs) } }
                                td { (conversation.last_text.as_deref().unwrap_or("–")) }
                                td.num { @if conversation.unread > 0 { (frame.badge(&conversation.unread.to_string(), Tone::Warn)) } @else { "0" } }
                                td { (conversation.last_at.format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(frame.page(
        frame.t(Text::Conversations),
        None,
        content,
    )))
}

#[get("/ui/me/conversations/{ours}/{theirs}")]
async fn thread(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, UiError> {
    let flash = query
        .sent
        .as_ref()
        .map(|_| Flash::Ok(customer.logged.lang_text(Text::Accepted)));
    let window = query.before.map_or(Window::Latest, Window::Before);
    thread_page(
        &request,
        &customer,
        &state,
        &path,
        (window, flash),
        actix_web::http::StatusCode::OK,
    )
    .await
}

/// The links from a page of a conversation at `here` shown in `window`
/// to the older page and back to the newest.
pub(super) fn paging(
    frame: &Frame,
    here: &str,
    shown: &ConversationPage,
    window: Window,
) -> Markup {
    html! {
        @if shown.previous_cursor.is_some() || window != Window::Latest {
            p.paging {
                @if let Some(cursor) = &shown.previous_cursor {
                    a rel="prev" href=(format!("{here}?before={cursor}")) { "← " (frame.t(Text::Older)) }
                    " "
                }
                @if window != Window::Latest {
                    a href=(here) { (frame.t(Text::Newest)) " →" }
                }
            }
        }
    }
}

/// One conversation's messages in `window` and the reply form, `flash`
/// above; links to the older page and back to the newest.
async fn thread_page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    path: &(String, String),
    (window, flash): (Window, Option<Flash>),
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, UiError> {
    let not_found = |_| UiError::new(UiErrorKind::NotFound, customer.logged.lang);
    let (ours, theirs) = parties(path).map_err(not_found)?;
    let shown = page(
        state,
        &customer.account.id,
        (ours, theirs),
        (window, THREAD_ROWS),
        Reader::Account,
    )
    .await
    .map_err(|problem| not_shown(state, &customer.logged, &problem))?;
    let frame = customer
        .logged
        .frame(Section::Conversations, request.path());
    let here = format!("/ui/me/conversations/{}/{}", shown.ours, shown.theirs);
    let content = html! {
        (paging(&frame, &here, &shown, window))
        div.table-wrap {
            table {
                tbody {
                    @for message in &shown.messages {
                        tr data-direction=(if message.direction == Direction::Mo { "mo" } else { "mt" }) {
                            td { (message.at.format("%Y-%m-%d %H:%M")) }
                            td { @if message.direction == Direction::Mo { "← " (shown.theirs) } @else { "→ " (shown.theirs) } }
                            td { (message.text.as_deref().unwrap_or("–")) }
                            td { @if let Some(state) = message.state { (state) } }
                        }
                    }
                }
            }
        }
        div.panel {
            form.stack method="post" action=(here) {
                (csrf_field(&customer.logged.session))
                label { (frame.t(Text::Reply)) textarea name="text" required {} }
                button type="submit" { (frame.t(Text::Send)) }
            }
        }
    };
    let title = format!("{} ↔ {}", shown.ours, shown.theirs);
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(frame.page(&title, flash, content).into_string()))
}

#[post("/ui/me/conversations/{ours}/{theirs}")]
async fn answer(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, UiError> {
    let read = Instant::now();
    customer.logged.check_csrf(&form.csrf)?;
    let not_found = |_| UiError::new(UiErrorKind::NotFound, customer.logged.lang);
    let (ours, theirs) = parties(&path).map_err(not_found)?;
    let text = form.text.replace("\r\n", "\n");
    let location = format!("/ui/me/conversations/{ours}/{theirs}");
    match reply(&state, &customer.account, &ours, &theirs, text, read).await {
        Ok(_) => Ok(see_other(format!("{location}?sent=1"))),
        // A refusal (credit, an opt-out, a rule) above the conversation.
        Err(problem) if problem.status().is_client_error() => {
            let flash = Some(Flash::Bad(problem.to_string()));
            let shown = (Window::Latest, flash);
            thread_page(&request, &customer, &state, &path, shown, problem.status()).await
        }
        Err(problem) => Err(not_shown(&state, &customer.logged, &problem)),
    }
}
