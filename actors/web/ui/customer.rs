//! The customer's home: `GET /ui/me` (balance, the send form, the form
//! that sends a file to `campaign_file.rs`, the latest messages) and
//! `POST /ui/me/send` (one message to one or more numbers,
//! through the JSON API's own accept path: the same checks, credit and
//! answer once durable). Its messages are `messages.rs`'s.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::error;

use super::campaign_form::{FormSettings, settings_inputs};
use super::guard::{CustomerPage, UiError};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, csrf_field, respond, respond_with};
use super::messages::message_table;
use super::session::Session;
use super::upload::FILE_FIELD;
use crate::actors::web::customer::accept;
use crate::actors::web::state::WebState;
use crate::api::{Recipients, SendRequest};
use crate::model::{Message, MessageId};

/// Messages on the home page.
const HOME_ROWS: usize = 10;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(home).service(send);
}

#[derive(Deserialize)]
struct SendForm {
    csrf: String,
    to: String,
    from: String,
    text: String,
}

fn frame<'a>(page: &'a CustomerPage, section: Section, path: &'a str) -> Frame<'a> {
    page.logged.frame(section, path)
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

/// The form that sends a file as a campaign (`campaign_file.rs`), the
/// file last: the fields before it are read first.
fn file_form(frame: &Frame<'_>, session: &Session) -> Markup {
    html! {
        h2 { (frame.t(Text::SendFile)) }
        form.stack method="post" action="/ui/me/campaigns/file" enctype="multipart/form-data" {
            (csrf_field(session))
            label { (frame.t(Text::Name)) input type="text" name="name" required maxlength="100"; }
            label { (frame.t(Text::From)) input type="text" name="from" required maxlength="16"; }
            label { (frame.t(Text::TemplateOrColumn)) textarea name="text" placeholder="Hola {{name|cliente}}" {} }
            (settings_inputs(frame, &FormSettings::default()))
            label {
                (frame.t(Text::File))
                input type="file" name=(FILE_FIELD) required accept=".csv,.txt,text/csv,text/plain";
                span.muted { (frame.t(Text::FileExplained)) }
            }
            button type="submit" { (frame.t(Text::SendFile)) }
        }
    }
}

/// The home page, `flash` above it.
pub(super) fn home_page(
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
            div.panel { (file_form(&frame, &page.logged.session)) }
        }
        h2 { (frame.t(Text::RecentMessages)) }
        (message_table(&frame, &recent, "/ui/me/messages", false))
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
    Ok(respond_with(status, markup))
}
