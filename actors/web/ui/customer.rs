//! The customer's panel: `GET /ui/me` (balance, the send form, the latest
//! messages), `POST /ui/me/send` (one message to one or more numbers,
//! through the JSON API's own accept path: the same checks, credit and
//! answer once durable), `GET /ui/me/messages` (the account's messages,
//! newest first, a page at a time), `GET /ui/me/messages/{id}` (one
//! message part and its history) and `GET /ui/me/messages.csv` (the
//! per-message report, the API's own CSV). A customer sees only its own
//! account's messages: another's id is "not found".

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::error;

use super::guard::{CustomerPage, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, Tone, csrf_field, respond};
use crate::actors::web::customer::accept;
use crate::actors::web::messages_list::{ListQuery, csv_response};
use crate::actors::web::state::WebState;
use crate::api::{Recipients, SendRequest};
use crate::model::{Message, MessageId, MessageState};

/// Messages on the home page, and on a page of the list.
const HOME_ROWS: usize = 10;
const PAGE_ROWS: usize = 50;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(home)
        .service(send)
        .service(export)
        .service(list_messages)
        .service(read_message);
}

#[derive(Deserialize)]
struct SendForm {
    csrf: String,
    to: String,
    from: String,
    text: String,
}

#[derive(Deserialize)]
struct Before {
    before: Option<u64>,
}

fn frame<'a>(page: &'a CustomerPage, section: Section, path: &'a str) -> Frame<'a> {
    Frame {
        lang: page.logged.lang,
        session: Some(&page.logged.session),
        section,
        path,
    }
}

/// The account's newest messages, at most `max`, older than `before`.
fn newest(
    state: &WebState,
    page: &CustomerPage,
    before: Option<MessageId>,
    max: usize,
) -> Result<Vec<Message>, UiError> {
    let failed = |error: &dyn std::fmt::Display| {
        error!(state.logger, "cannot read messages for the web UI"; "error" => %error);
        page.logged.failed()
    };
    let ids = state
        .store
        .account_messages(&page.account.id, before, max)
        .map_err(|e| failed(&e))?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(message) = state.store.message(id).map_err(|e| failed(&e))? {
            found.push(message);
        }
    }
    Ok(found)
}

fn state_tone(state: MessageState) -> Tone {
    match state {
        MessageState::Delivered => Tone::Ok,
        MessageState::Accepted | MessageState::Routed | MessageState::Submitted => Tone::Warn,
        _ => Tone::Bad,
    }
}

fn message_table(frame: &Frame<'_>, messages: &[Message]) -> Markup {
    html! {
        @if messages.is_empty() {
            p.muted { (frame.t(Text::NoMessages)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        th { (frame.t(Text::To)) }
                        th { (frame.t(Text::State)) }
                        th.num { (frame.t(Text::Cost)) }
                        th { (frame.t(Text::Date)) }
                    } }
                    tbody {
                        @for message in messages {
                            tr data-message=(message.id) {
                                td { a href=(format!("/ui/me/messages/{}", message.id)) { code { (message.id) } } }
                                td { (message.destination.text()) }
                                td data-state=(message.state()) { (frame.badge(message.state().as_str(), state_tone(message.state()))) }
                                td.num { (message.price) }
                                td { (message.created_at.format("%Y-%m-%d %H:%M:%S")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn home_page(
    request: &HttpRequest,
    page: &CustomerPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = frame(page, Section::Home, request.path());
    let balance = state.balance(&page.account.id).map_err(|error| {
        error!(state.logger, "cannot read a balance"; "error" => %error);
        page.logged.failed()
    })?;
    let recent = newest(state, page, None, HOME_ROWS)?;
    let content = html! {
        div.cards {
            div.card { div.label { (frame.t(Text::Balance)) } div.value data-balance { (balance) } }
        }
        div.row {
            div.panel {
                h2 { (frame.t(Text::SendMessage)) }
                form.stack method="post" action="/ui/me/send" {
                    (csrf_field(&page.logged.session))
                    label { (frame.t(Text::To)) input type="text" name="to" required inputmode="tel" placeholder="+34600111222"; }
                    label { (frame.t(Text::From)) input type="text" name="from" required maxlength="16"; }
                    label { (frame.t(Text::Body)) textarea name="text" required {} }
                    button type="submit" { (frame.t(Text::Send)) }
                }
            }
        }
        h2 { (frame.t(Text::RecentMessages)) }
        (message_table(&frame, &recent))
    };
    Ok(frame.page(frame.t(Text::Home), flash, content))
}

#[get("/ui/me")]
async fn home(
    request: HttpRequest,
    page: CustomerPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    Ok(respond(home_page(&request, &page, &state, None)?))
}

#[post("/ui/me/send")]
async fn send(
    request: HttpRequest,
    page: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<SendForm>,
) -> Result<HttpResponse, UiError> {
    let read = Instant::now();
    page.logged.check_csrf(&form.csrf)?;
    let numbers: Vec<String> = form
        .to
        .split([',', ' ', '\n', ';'])
        .map(str::trim)
        .filter(|number| !number.is_empty())
        .map(str::to_owned)
        .collect();
    let body = SendRequest {
        to: Recipients::Many(numbers),
        from: form.from.trim().to_owned(),
        text: form.text.replace("\r\n", "\n"),
        receipt: true,
        validity_minutes: None,
        scheduled_at: None,
        client_reference: None,
        callback_url: None,
        priority: None,
    };
    let lang = page.logged.lang;
    let (status, flash) = match accept(&page.account, &body, read, &state).await {
        Ok(sent) => {
            let ids: Vec<String> = sent
                .messages
                .iter()
                .flat_map(|sent| sent.ids.clone())
                .collect();
            let text = format!(
                "{} {}: {} · {}: {} · {}",
                Text::Accepted.in_(lang),
                Text::Parts.in_(lang),
                sent.parts,
                Text::Cost.in_(lang),
                sent.cost,
                ids.join(", ")
            );
            (actix_web::http::StatusCode::OK, Flash::Ok(text))
        }
        Err(problem) => (problem.status(), Flash::Bad(problem.to_string())),
    };
    let markup = home_page(&request, &page, &state, Some(flash))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string()))
}

#[get("/ui/me/messages")]
async fn list_messages(
    request: HttpRequest,
    page: CustomerPage,
    state: web::Data<WebState>,
    before: web::Query<Before>,
) -> Result<HttpResponse, UiError> {
    let frame = frame(&page, Section::Messages, request.path());
    let listed = newest(&state, &page, before.before.map(MessageId::new), PAGE_ROWS)?;
    let older = (listed.len() == PAGE_ROWS)
        .then(|| listed.last().map(|message| message.id))
        .flatten();
    let content = html! {
        p { a href="/ui/me/messages.csv" download { (frame.t(Text::ExportCsv)) } }
        (message_table(&frame, &listed))
        @if let Some(older) = older {
            p { a href=(format!("/ui/me/messages?before={older}")) { "→" } }
        }
    };
    Ok(respond(frame.page(frame.t(Text::Messages), None, content)))
}

#[get("/ui/me/messages.csv")]
async fn export(
    request: HttpRequest,
    page: CustomerPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    let query = ListQuery::read(&request)
        .map_err(|_| UiError::new(UiErrorKind::NotFound, page.logged.lang))?;
    csv_response(&state, page.account.id.clone(), query).map_err(|problem| {
        error!(state.logger, "cannot export messages for the web UI"; "error" => %problem);
        page.logged.failed()
    })
}

#[get("/ui/me/messages/{id}")]
async fn read_message(
    request: HttpRequest,
    page: CustomerPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let not_found = || UiError::new(UiErrorKind::NotFound, page.logged.lang);
    let id = id
        .parse::<u64>()
        .map(MessageId::new)
        .map_err(|_| not_found())?;
    let message = state
        .store
        .message(id)
        .map_err(|error| {
            error!(state.logger, "cannot read a message for the web UI"; "error" => %error);
            page.logged.failed()
        })?
        .filter(|message| message.account == page.account.id)
        .ok_or_else(not_found)?;
    let frame = frame(&page, Section::Messages, request.path());
    let content = html! {
        div.cards {
            div.card { div.label { (frame.t(Text::State)) } div.value data-state=(message.state()) { (frame.badge(message.state().as_str(), state_tone(message.state()))) } }
            div.card { div.label { (frame.t(Text::To)) } div.value { (message.destination.text()) } }
            div.card { div.label { (frame.t(Text::Cost)) } div.value { (message.price) } }
        }
        h2 { (frame.t(Text::History)) }
        div.table-wrap {
            table {
                thead { tr { th { (frame.t(Text::State)) } th { (frame.t(Text::When)) } } }
                tbody {
                    @for transition in message.history() {
                        tr { td { (transition.state) } td { (transition.at.format("%Y-%m-%d %H:%M:%S%.3f")) } }
                    }
                }
            }
        }
        p { a href="/ui/me/messages" { (frame.t(Text::Back)) } }
    };
    Ok(respond(frame.page(
        &format!("{} {}", frame.t(Text::Message), message.id),
        None,
        content,
    )))
}
