//! The operator's `GET /ui/mo-routes`: the MO routes in force (a number,
//! or a keyword on a number, to an account), a form that adds or replaces
//! one (`POST /ui/mo-routes`) and Delete per route
//! (`POST /ui/mo-routes/delete`). Through the admin API's calls
//! (`actors::admin::mo_routes`): stored, in force for the next MO, and the
//! MO waiting unrouted are offered again.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::info;

use super::guard::{AdminPage, Done, UiError, filled, refused};
use super::i18n::Text;
use super::layout::{Flash, Section, account_ids, account_select, csrf_field, respond, see_other};
use crate::actors::web::mo_routes::views;
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(add).service(delete);
}

/// Every field may be missing: an empty one is refused with the reason
/// on the page, a missing token as any forged form.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RouteForm {
    csrf: String,
    number: String,
    keyword: String,
    account: String,
}

fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::MoRoutes, request.path());
    let routes = views(state);
    let session = &admin.0.session;
    Ok(frame.page(frame.t(Text::MoRoutes), flash, html! {
        @if routes.is_empty() {
            p.muted { (frame.t(Text::NoMoRoutes)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Number)) }
                        th { (frame.t(Text::Keyword)) }
                        th { (frame.t(Text::Account)) }
                        th {}
                    } }
                    tbody {
                        @for route in &routes {
                            tr data-mo-route=(format!("{}/{}", route.number, route.keyword.as_deref().unwrap_or("*"))) {
                                td { (route.number) }
                                td { @match &route.keyword { Some(keyword) => code { (keyword) }, None => "*" } }
                                td { (route.account) }
                                td {
                                    form.inline method="post" action="/ui/mo-routes/delete" {
                                        (csrf_field(session))
                                        input type="hidden" name="number" value=(route.number);
                                        input type="hidden" name="keyword" value=(route.keyword.as_deref().unwrap_or_default());
                                        button.danger type="submit" { (frame.t(Text::Delete)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (frame.t(Text::NewMoRoute)) }
        div.panel {
            form.stack method="post" action="/ui/mo-routes" {
                (csrf_field(session))
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel" placeholder="12345"; }
                label { (frame.t(Text::KeywordOptional)) input type="text" name="keyword"; }
                label { (frame.t(Text::Account)) (account_select("account", &account_ids(state), None, "–")) }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    }))
}

#[get("/ui/mo-routes")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let flash = done.saved(&admin.0);
    Ok(respond(page(&request, &admin, &state, flash)?))
}

#[post("/ui/mo-routes")]
async fn add(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<RouteForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let keyword = filled(&form.keyword);
    match state
        .changes
        .set_mo_route(form.number.trim(), keyword, form.account.trim())
        .await
    {
        Ok(_) => {
            info!(state.logger, "MO route set in the web UI";
                "number" => form.number.trim(), "keyword" => keyword, "account" => form.account.trim());
            Ok(see_other("/ui/mo-routes?done=1"))
        }
        Err(error) => refused(&Problem::from(error), |flash| {
            page(&request, &admin, &state, flash)
        }),
    }
}

#[post("/ui/mo-routes/delete")]
async fn delete(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<RouteForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let keyword = filled(&form.keyword);
    match state
        .changes
        .delete_mo_route(form.number.trim(), keyword)
        .await
    {
        Ok(()) => {
            info!(state.logger, "MO route deleted in the web UI";
                "number" => form.number.trim(), "keyword" => keyword);
            Ok(see_other("/ui/mo-routes?done=1"))
        }
        Err(error) => refused(&Problem::from(error), |flash| {
            page(&request, &admin, &state, flash)
        }),
    }
}
