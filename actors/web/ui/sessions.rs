//! The operator's `GET /ui/sessions`: every bound ESME session (SMPP or
//! UCP) with its account, bind, address and age, each with a button that
//! disconnects it (`POST /ui/sessions/{id}/disconnect`, as the admin API's
//! `DELETE /api/v1/sessions/{id}`: the session unbinds and closes, its
//! receipts wait in the account's mailbox).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use slog::info;

use super::guard::{AdminPage, CsrfForm, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, see_other};
use crate::actors::protocol::account::SessionId;
use crate::actors::protocol::session::Disconnect;
use crate::actors::web::state::WebState;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(disconnect);
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

#[get("/ui/sessions")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> HttpResponse {
    let frame = admin.0.frame(Section::Sessions, request.path());
    let flash = (done.done.as_deref() == Some("disconnected"))
        .then(|| Flash::Ok(frame.t(Text::Disconnected).to_owned()));
    let sessions = state.sessions.list();
    let now = Utc::now();
    let content = html! {
        @if sessions.is_empty() {
            p.muted { (frame.t(Text::NoSessions)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        th { (frame.t(Text::Account)) }
                        th { (frame.t(Text::Bind)) }
                        th { (frame.t(Text::Peer)) }
                        th.num { (frame.t(Text::Since)) }
                        th {}
                    } }
                    tbody {
                        @for session in &sessions {
                            tr data-session=(session.id) {
                                td { code { (session.id) } }
                                td { a href=(format!("/ui/accounts/{}", session.system_id)) { (session.system_id) } }
                                td { (format!("{:?}", session.bind).to_lowercase()) }
                                td { code { (session.peer) } }
                                td.num { (age(now.signed_duration_since(session.bound_since))) }
                                td {
                                    form.inline method="post" action=(format!("/ui/sessions/{}/disconnect", session.id)) {
                                        (csrf_field(&admin.0.session))
                                        button.danger type="submit" { (frame.t(Text::Disconnect)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(frame.page(frame.t(Text::Sessions), flash, content))
}

/// `1h 02m`, `3m 09s`, `12s`.
fn age(elapsed: chrono::TimeDelta) -> String {
    let seconds = elapsed.num_seconds().max(0);
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

#[post("/ui/sessions/{id}/disconnect")]
async fn disconnect(
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let live = id
        .parse::<SessionId>()
        .ok()
        .and_then(|id| state.sessions.get(id));
    // One that ended meanwhile is gone already: the list says so.
    if let Some(session) = live {
        let _ = session.disconnect.send(Disconnect).await;
        info!(state.logger, "ESME session disconnected in the web UI";
            "session" => %session.id, "account" => &session.system_id);
    }
    Ok(see_other("/ui/sessions?done=disconnected"))
}
