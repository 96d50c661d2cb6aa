//! The operator's `GET /ui/gateways`: every gateway of every kind with its
//! state, queue and messages in flight, and a Stop or Start button each
//! (`POST /ui/gateways/{name}/stop`, `/start`: the admin API's own call,
//! stored so it holds across a restart; a stopped gateway gives its queue
//! back to its routes).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::html;
use serde::Deserialize;
use slog::{info, warn};

use super::guard::{AdminPage, CsrfForm, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, Tone, csrf_field, respond, see_other};
use crate::actors::protocol::gateway::Inspect;
use crate::actors::web::state::WebState;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(administer);
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
    failed: Option<String>,
}

#[get("/ui/gateways")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> HttpResponse {
    let frame = admin.0.frame(Section::Gateways, request.path());
    let flash = match (&done.done, &done.failed) {
        (_, Some(_)) => Some(Flash::Bad(frame.t(Text::Failed).to_owned())),
        (Some(_), None) => Some(Flash::Ok(frame.t(Text::Saved).to_owned())),
        (None, None) => None,
    };
    let mut rows = Vec::new();
    for gateway in state.changes.route_starter.gateways.all() {
        let view = gateway.actor.inspect.send(Inspect).await.ok();
        rows.push((gateway, view));
    }
    let content = html! {
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::Name)) }
                    th { (frame.t(Text::Kind)) }
                    th { (frame.t(Text::State)) }
                    th.num { (frame.t(Text::Queue)) }
                    th.num { (frame.t(Text::InFlight)) }
                    th {}
                } }
                tbody {
                    @for (gateway, view) in &rows {
                        @let summary = view.as_ref().map(|view| view.summary());
                        tr data-gateway=(gateway.name) {
                            td { code { (gateway.name) } }
                            td { (gateway.spec.config.kind.name()) }
                            td {
                                @match &summary {
                                    Some(s) if s.stopped => (frame.badge(frame.t(Text::Stopped), Tone::Warn)),
                                    Some(s) if s.up => (frame.badge(frame.t(Text::Up), Tone::Ok)),
                                    _ => (frame.badge(frame.t(Text::Down), Tone::Bad)),
                                }
                            }
                            td.num { (summary.as_ref().map_or(0, |s| s.queued)) }
                            td.num { (summary.as_ref().map_or(0, |s| s.in_flight)) }
                            td {
                                @let (action, label) = if gateway.spec.stopped { ("start", Text::Start) } else { ("stop", Text::Stop) };
                                form.inline method="post" action=(format!("/ui/gateways/{}/{action}", gateway.name)) {
                                    (csrf_field(&admin.0.session))
                                    @if gateway.spec.stopped {
                                        button type="submit" { (frame.t(label)) }
                                    } @else {
                                        button.danger type="submit" { (frame.t(label)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(frame.page(frame.t(Text::Gateways), flash, content))
}

#[post("/ui/gateways/{name}/{action}")]
async fn administer(
    admin: AdminPage,
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let (name, action) = path.into_inner();
    let stopped = match action.as_str() {
        "stop" => true,
        "start" => false,
        _ => {
            return Err(UiError::new(
                super::guard::UiErrorKind::NotFound,
                admin.0.lang,
            ));
        }
    };
    let location = match state.changes.administer_gateway(&name, stopped).await {
        Ok(_) => {
            info!(state.logger, "gateway administered in the web UI"; "gateway" => &name, "stopped" => stopped);
            "/ui/gateways?done=1"
        }
        Err(error) => {
            warn!(state.logger, "gateway could not be administered from the web UI";
                "gateway" => &name, "error" => %error);
            "/ui/gateways?failed=1"
        }
    };
    Ok(see_other(location))
}
