//! The operator's `GET /ui/audit`: the audit log, newest first, 100 a
//! page: every action the operator took over the admin API or the
//! console, and every console login, with when, from where and how it was
//! answered (`actors/web/audit.rs` writes it).

use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::html;
use serde::Deserialize;
use slog::error;

use super::guard::{AdminPage, UiError};
use super::i18n::Text;
use super::layout::{Section, respond};
use crate::actors::web::state::WebState;

/// Entries on a page.
const PAGE_ROWS: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list);
}

#[derive(Deserialize)]
struct Before {
    before: Option<u64>,
}

#[get("/ui/audit")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    before: web::Query<Before>,
) -> Result<HttpResponse, UiError> {
    let frame = admin.0.frame(Section::Audit, request.path());
    let store = state.store.clone();
    let from = before.before;
    let entries = web::block(move || store.audit_page(from, PAGE_ROWS))
        .await
        .map_err(|error| error.to_string())
        .and_then(|found| found.map_err(|error| error.to_string()))
        .map_err(|error| {
            error!(state.logger, "cannot read the audit log for the web UI"; "error" => error);
            admin.0.failed()
        })?;
    let older = (entries.len() == PAGE_ROWS)
        .then(|| entries.last().map(|(number, _)| *number))
        .flatten();
    let content = html! {
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::When)) }
                    th { (frame.t(Text::Who)) }
                    th { (frame.t(Text::Action)) }
                    th { (frame.t(Text::Peer)) }
                    th.num { (frame.t(Text::Answer)) }
                } }
                tbody {
                    @for (number, entry) in &entries {
                        tr data-audit=(number) {
                            td { (entry.at.format("%Y-%m-%d %H:%M:%S")) }
                            td { (entry.who) }
                            td { code { (entry.action) } }
                            td { code { (entry.peer.as_deref().unwrap_or("–")) } }
                            td.num { (entry.status) }
                        }
                    }
                }
            }
        }
        @if let Some(older) = older {
            p { a rel="next" href=(format!("/ui/audit?before={older}")) { (frame.t(Text::Older)) " →" } }
        }
    };
    Ok(respond(frame.page(frame.t(Text::AuditLog), None, content)))
}
