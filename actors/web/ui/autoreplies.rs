//! The operator's `GET /ui/autoreplies`: the keyword autoreplies (which
//! account's MO to which number and first word they answer, with what
//! text, whether enabled), a form that adds one (`POST /ui/autoreplies`),
//! an Edit link per rule (`GET /ui/autoreplies?edit={name}`: the same form
//! filled in, with whether the rule is enabled; `POST /ui/autoreplies/{name}`
//! replaces the rule in place) and Delete per rule
//! (`POST /ui/autoreplies/{name}/delete`). Through the admin API's calls
//! (`actors::admin::mo_apps`): stored, in force for the next MO.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::info;

use super::guard::{AdminPage, CsrfForm, Done, UiError, filled, refused};
use super::i18n::Text;
use super::layout::{
    Flash, Frame, Section, Tone, account_ids, account_select, csrf_field, respond, see_other,
};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::mo_apps::autoreply::Autoreply;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(list)
        .service(add)
        .service(replace)
        .service(delete);
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
    /// A checkbox of the edit form: present when ticked.
    enabled: Option<String>,
}

impl RuleForm {
    /// The rule this form describes, named `name`, `enabled` or not.
    fn rule(self, name: &str, enabled: bool) -> Autoreply {
        Autoreply {
            name: name.trim().to_owned(),
            account: self.account.trim().to_owned(),
            number: self.number.trim().to_owned(),
            keyword: filled(&self.keyword).map(str::to_owned),
            text: self.text,
            enabled,
        }
    }
}

/// The rule whose form is filled in to edit it (`?edit=`; a name that
/// names none shows the new rule's form).
#[derive(Deserialize)]
struct Editing {
    edit: Option<String>,
}

fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
    edit: Option<&str>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::Autoreplies, request.path());
    let apps = state.changes.mo_apps.current();
    let session = &admin.0.session;
    let editing = edit.and_then(|name| apps.autoreplies.iter().find(|rule| rule.name == name));
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
                                td { div.actions {
                                    a.button href=(format!("/ui/autoreplies?edit={}#autoreply-form", rule.name)) { (frame.t(Text::Edit)) }
                                    form.inline method="post" action=(format!("/ui/autoreplies/{}/delete", rule.name)) {
                                        (csrf_field(session))
                                        button.danger type="submit" { (frame.t(Text::Delete)) }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
        }
        @match editing {
            Some(rule) => {
                h2 #autoreply-form { (frame.t(Text::EditAutoreply)) " " code { (rule.name) } }
                (rule_form(&frame, admin, state, Some(rule)))
                p { a href="/ui/autoreplies" { (frame.t(Text::Back)) } }
            },
            None => {
                h2 #autoreply-form { (frame.t(Text::NewAutoreply)) }
                (rule_form(&frame, admin, state, None))
            },
        }
    }))
}

/// The form of a new rule (enabled), or of `rule` to replace it (its
/// name fixed by the path, enabled or not by a checkbox).
fn rule_form(
    frame: &Frame<'_>,
    admin: &AdminPage,
    state: &WebState,
    rule: Option<&Autoreply>,
) -> Markup {
    let action = rule.map_or("/ui/autoreplies".to_owned(), |rule| {
        format!("/ui/autoreplies/{}", rule.name)
    });
    html! {
        div.panel {
            form.stack method="post" action=(action) {
                (csrf_field(&admin.0.session))
                @if rule.is_none() {
                    label { (frame.t(Text::Name)) input type="text" name="name" required pattern="[A-Za-z0-9._-]{1,64}"; }
                }
                label { (frame.t(Text::Account)) (account_select("account", &account_ids(state), rule.map(|rule| rule.account.as_str()), "–")) }
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel" placeholder="12345" value=(rule.map(|rule| rule.number.as_str()).unwrap_or_default()); }
                label { (frame.t(Text::KeywordOptional)) input type="text" name="keyword" value=(rule.and_then(|rule| rule.keyword.as_deref()).unwrap_or_default()); }
                label { (frame.t(Text::ReplyTemplate)) textarea name="text" required { (rule.map(|rule| rule.text.as_str()).unwrap_or_default()) } }
                @match rule {
                    Some(rule) => {
                        label.check { input type="checkbox" name="enabled" value="1" checked[rule.enabled]; (frame.t(Text::Active)) }
                        button type="submit" { (frame.t(Text::Save)) }
                    },
                    None => button type="submit" { (frame.t(Text::Create)) },
                }
            }
        }
    }
}

#[get("/ui/autoreplies")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
    editing: web::Query<Editing>,
) -> Result<HttpResponse, UiError> {
    let flash = done.saved(&admin.0);
    Ok(respond(page(
        &request,
        &admin,
        &state,
        flash,
        editing.edit.as_deref(),
    )?))
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
    let name = form.name.clone();
    let rule = form.rule(&name, true);
    put(&request, &admin, &state, rule, None).await
}

#[post("/ui/autoreplies/{name}")]
async fn replace(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    name: web::Path<String>,
    form: web::Form<RuleForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let enabled = form.enabled.is_some();
    let rule = form.rule(&name, enabled);
    put(&request, &admin, &state, rule, Some(&name)).await
}

/// Creates `rule`, or replaces the rule `editing` names with it; a refusal
/// is the page again with the reason, and the edited rule's form.
async fn put(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    rule: Autoreply,
    editing: Option<&str>,
) -> Result<HttpResponse, UiError> {
    let name = rule.name.clone();
    match state.changes.put_autoreply(rule, editing.is_none()).await {
        Ok(()) => {
            info!(state.logger, "autoreply set in the web UI"; "rule" => &name);
            Ok(see_other("/ui/autoreplies?done=1"))
        }
        Err(error) => refused(&Problem::from(error), |flash| {
            page(request, admin, state, flash, editing)
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
            page(&request, &admin, &state, flash, None)
        }),
    }
}
