//! The operator's `GET /ui/mail`: the mail log, newest first, 100 a page,
//! each mail with its kind, recipient, subject, state, attempts and the
//! SMTP server's last error; Resend queues one again and sends it at once
//! (`POST /ui/mail/{id}/resend`), as the admin API's resend does.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::html;
use serde::Deserialize;
use slog::error;

use super::guard::{AdminPage, CsrfForm, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, see_other};
use crate::actors::web::mail::{mail_page, resend};
use crate::actors::web::state::WebState;

/// Mails on a page.
const PAGE_ROWS: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(resend_one);
}

#[derive(Deserialize)]
struct Query {
    before: Option<u64>,
    resent: Option<u64>,
}

#[get("/ui/mail")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, UiError> {
    let frame = admin.0.frame(Section::Mail, request.path());
    let page = match query.before {
        Some(before) => format!("limit={PAGE_ROWS}&before={before}"),
        None => format!("limit={PAGE_ROWS}"),
    };
    let (items, _) = mail_page(&state, &page).await.map_err(|problem| {
        error!(state.logger, "cannot read the mail log for the web UI"; "error" => %problem);
        admin.0.failed()
    })?;
    let flash = match (query.resent, &state.resend_mail) {
        (Some(id), _) => Some(Flash::Ok(format!("{}: {id}", frame.t(Text::MailQueued)))),
        (None, None) => Some(Flash::Bad(frame.t(Text::MailOff).to_owned())),
        (None, Some(_)) => None,
    };
    let next = (items.len() == PAGE_ROWS)
        .then(|| items.last().map(|(id, _)| *id))
        .flatten();
    let session = &admin.0.session;
    let content = html! {
        @if items.is_empty() {
            p.muted { (frame.t(Text::NoMail)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        th { (frame.t(Text::Date)) }
                        th { (frame.t(Text::Kind)) }
                        th { (frame.t(Text::To)) }
                        th { (frame.t(Text::Subject)) }
                        th { (frame.t(Text::State)) }
                        th.num { (frame.t(Text::Attempts)) }
                        th { (frame.t(Text::LastError)) }
                        th {}
                    } }
                    tbody {
                        @for (id, mail) in &items {
                            tr data-mail=(id) {
                                td { code { (id) } }
                                td { (mail.queued_at.format("%Y-%m-%d %H:%M:%S")) }
                                td { (mail.kind.name()) }
                                td { (mail.to) }
                                td { details { summary { (mail.subject) } pre { (mail.body) } } }
                                td { (mail.state.name()) }
                                td.num { (mail.attempts) }
                                td { (mail.error.as_deref().unwrap_or("")) }
                                td {
                                    @if state.resend_mail.is_some() {
                                        form.inline method="post" action=(format!("/ui/mail/{id}/resend")) {
                                            (csrf_field(session))
                                            button.secondary type="submit" { (frame.t(Text::Resend)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = next {
                p { a rel="next" href=(format!("/ui/mail?before={next}")) { (frame.t(Text::Older)) " →" } }
            }
        }
    };
    Ok(respond(frame.page(frame.t(Text::MailLog), flash, content)))
}

#[post("/ui/mail/{id}/resend")]
async fn resend_one(
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let id = resend(&state, &id).await.map_err(|problem| {
        error!(state.logger, "cannot resend a mail from the web UI"; "error" => %problem);
        admin.0.failed()
    })?;
    Ok(see_other(format!("/ui/mail?resent={id}")))
}
