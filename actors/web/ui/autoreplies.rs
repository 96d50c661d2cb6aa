//! The operator's `GET /ui/autoreplies`: the keyword autoreplies (which
//! account's MO to which number and first word they answer, with what
//! text, whether enabled), a form that adds one (`POST /ui/autoreplies`)
//! and Delete per rule (`POST /ui/autoreplies/{name}/delete`). Through
//! the admin API's calls (`actors::admin::mo_apps`): stored, in force for
//! the next MO.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::info;

use super::guard::{AdminPage, CsrfForm, Done, UiError, filled, refused};
use super::i18n::Text;
use super::layout::{
    Flash, Section, Tone, account_ids, account_select, csrf_field, respond, see_other,
};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::mo_apps::autoreply::Autoreply;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(add).service(delete);
}

/// Every field may be missing: an empty one is refused with the reason
/// on the page, a missing token as any forged form.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleForm {
    csrf: String,
    name: String,
    account: String,
    number: String,
    keyword: String,
    text: String,
}

fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::Autoreplies, request.path());
    let apps = state.changes.mo_apps.current();
    let session = &admin.0.session;
    Ok(frame.page(frame.t(Text::Autoreplies), flash, html! {
        @if apps.autoreplies.is_empty() {
            p.muted { (frame.t(Text::NoAutoreplies)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Name)) }
                        th { (frame.t(Text::Account)) }
                        th { (frame.t(Text::Number)) }
                        th { (frame.t(Text::Keyword)) }
                        th { (frame.t(Text::Reply)) }
                        th { (frame.t(Text::State)) }
                        th {}
                    } }
                    tbody {
                        @for rule in &apps.autoreplies {
                            tr data-autoreply=(rule.name) {
                                td { code { (rule.name) } }
                                td { (rule.account) }
                                td { (rule.number) }
                                td { @match &rule.keyword { Some(keyword) => code { (keyword) }, None => "*" } }
                                td { (rule.text) }
                                td { @if rule.enabled { (frame.badge(frame.t(Text::Active), Tone::Ok)) } @else { (frame.badge(frame.t(Text::Stopped), Tone::Warn)) } }
                                td {
                                    form.inline method="post" action=(format!("/ui/autoreplies/{}/delete", rule.name)) {
                                        (csrf_field(session))
                                        button.danger type="submit" { (frame.t(Text::Delete)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (frame.t(Text::NewAutoreply)) }
        div.panel {
            form.stack method="post" action="/ui/autoreplies" {
                (csrf_field(session))
                label { (frame.t(Text::Name)) input type="text" name="name" required pattern="[A-Za-z0-9._-]{1,64}"; }
                label { (frame.t(Text::Account)) (account_select("account", &account_ids(state), None, "–")) }
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel" placeholder="12345"; }
                label { (frame.t(Text::KeywordOptional)) input type="text" name="keyword"; }
                label { (frame.t(Text::ReplyTemplate)) textarea name="text" required {} }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    }))
}

#[get("/ui/autoreplies")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let flash = done.saved(&admin.0);
    Ok(respond(page(&request, &admin, &state, flash)?))
}

#[post("/ui/autoreplies")]
async fn add(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<RuleForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let rule = Autoreply {
        name: form.name.trim().to_owned(),
        account: form.account.trim().to_owned(),
        number: form.number.trim().to_owned(),
        keyword: filled(&form.keyword).map(str::to_owned),
        text: form.text,
        enabled: true,
    };
    let name = rule.name.clone();
    match state.changes.put_autoreply(rule, true).await {
        Ok(()) => {
            info!(state.logger, "autoreply added in the web UI"; "rule" => &name);
            Ok(see_other("/ui/autoreplies?done=1"))
        }
        Err(error) => refused(&Problem::from(error), |flash| {
            page(&request, &admin, &state, flash)
        }),
    }
}

#[post("/ui/autoreplies/{name}/delete")]
async fn delete(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    name: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    match state.changes.delete_autoreply(&name).await {
        Ok(()) => {
            info!(state.logger, "autoreply deleted in the web UI"; "rule" => &*name);
            Ok(see_other("/ui/autoreplies?done=1"))
        }
        Err(error) => refused(&Problem::from(error), |flash| {
            page(&request, &admin, &state, flash)
        }),
    }
}
