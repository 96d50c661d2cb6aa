//! The operator's `GET /ui/rules`: the content rules in the order they are
//! checked (a pattern or words, the accounts, reject or hold, enabled),
//! a form that adds one (`POST /ui/rules`), Edit per rule
//! (`GET /ui/rules?edit={name}`: the same form filled in;
//! `POST /ui/rules/{name}` replaces the rule where it stands in the order),
//! Delete per rule (`POST /ui/rules/{name}/delete`); and the messages rules
//! hold, whole,
//! with Release (sent on as if just accepted) and Drop (DELETED and
//! refunded): `POST /ui/held/{id}/release`, `/drop`. Through the admin
//! API's reader and calls, in force for the next message.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use slog::{error, info};

use super::guard::{AdminPage, CsrfForm, Done, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, Tone, csrf_field, respond, respond_with, see_other};
use super::session::Session;
use crate::actors::web::content_rules::rule_input;
use crate::actors::web::held::{held_id, views};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::checks::content::{ContentRule, Matching};

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(list)
        .service(add)
        .service(replace)
        .service(delete)
        .service(handle_held);
}

#[derive(Deserialize)]
struct RuleForm {
    csrf: String,
    /// Absent when editing: the path names the rule.
    #[serde(default)]
    name: String,
    /// `pattern` or `words`.
    kind: String,
    matching: String,
    action: String,
    #[serde(default)]
    accounts: String,
    #[serde(default)]
    description: String,
    /// A checkbox: present when ticked.
    enabled: Option<String>,
}

impl RuleForm {
    /// The rule this form describes, read by the admin API's reader; the
    /// rule `editing` names when given.
    fn rule(&self, editing: Option<&str>) -> Result<ContentRule, Problem> {
        let mut body = json!({
            "action": self.action,
            "accounts": entries(&self.accounts),
            "enabled": self.enabled.is_some(),
        });
        if editing.is_none() {
            body["name"] = json!(self.name.trim());
        }
        if self.kind == "pattern" {
            body["pattern"] = json!(self.matching);
        } else {
            body["words"] = json!(entries(&self.matching));
        }
        if !self.description.trim().is_empty() {
            body["description"] = json!(self.description.trim());
        }
        rule_input(body.to_string().as_bytes(), editing).map_err(Problem::from)
    }
}

/// The rule whose form is filled in to edit it (`?edit=`).
#[derive(Deserialize)]
struct Editing {
    edit: Option<String>,
}

/// The form of a new rule, or of `rule` to replace it.
fn rule_form(frame: &Frame<'_>, session: &Session, rule: Option<&ContentRule>) -> Markup {
    let (kind, matching) = match rule.map(|rule| &rule.matching) {
        Some(Matching::Pattern(pattern)) => ("pattern", pattern.clone()),
        Some(Matching::Words(words)) => ("words", words.join(", ")),
        None => ("words", String::new()),
    };
    let action = rule.map_or("reject", |rule| rule.action.as_str());
    let accounts = rule
        .map(|rule| rule.accounts.join(", "))
        .unwrap_or_default();
    let description = rule
        .and_then(|rule| rule.description.clone())
        .unwrap_or_default();
    let enabled = rule.is_none_or(|rule| rule.enabled);
    let target = rule.map_or_else(
        || "/ui/rules".to_owned(),
        |rule| format!("/ui/rules/{}", rule.name),
    );
    let choice = |value: &str, chosen: &str, label: &str| {
        html! {
            @if value == chosen { option value=(value) selected { (label) } } @else { option value=(value) { (label) } }
        }
    };
    html! {
        div.panel {
            form.stack method="post" action=(target) {
                (csrf_field(session))
                @if rule.is_none() {
                    label { (frame.t(Text::Name)) input type="text" name="name" required pattern="[A-Za-z0-9_-]{1,64}"; }
                }
                label { (frame.t(Text::Matches))
                    select name="kind" {
                        (choice("words", kind, frame.t(Text::WordsKind)))
                        (choice("pattern", kind, frame.t(Text::PatternKind)))
                    }
                }
                label { (frame.t(Text::WordsOrPattern)) input type="text" name="matching" required value=(matching); }
                label { (frame.t(Text::Action))
                    select name="action" {
                        (choice("reject", action, "reject"))
                        (choice("hold", action, "hold"))
                    }
                }
                label { (frame.t(Text::AccountsOrAll)) input type="text" name="accounts" value=(accounts); }
                label { (frame.t(Text::Description)) input type="text" name="description" value=(description); }
                label.check { input type="checkbox" name="enabled" value="1" checked[enabled]; (frame.t(Text::Active)) }
                button type="submit" { (frame.t(if rule.is_some() { Text::Save } else { Text::Create })) }
            }
        }
    }
}

/// Entries separated by commas.
fn entries(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The page; with `edit`, the form holds that rule and replaces it.
async fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
    edit: Option<&str>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::Rules, request.path());
    let rules = state.changes.content_rules.load();
    let held = state.changes.held_messages().await.map_err(|problem| {
        error!(state.logger, "cannot read held messages for the web UI"; "error" => %problem);
        admin.0.failed()
    })?;
    let held = views(held);
    let session = &admin.0.session;
    let editing = edit.and_then(|name| rules.rule(name));
    Ok(frame.page(frame.t(Text::Rules), flash, html! {
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::Name)) }
                    th { (frame.t(Text::Matches)) }
                    th { (frame.t(Text::Accounts)) }
                    th { (frame.t(Text::Action)) }
                    th { (frame.t(Text::State)) }
                    th {}
                } }
                tbody {
                    @for rule in rules.rules() {
                        tr data-rule=(rule.name) {
                            td { code { (rule.name) } }
                            td {
                                @match &rule.matching {
                                    Matching::Pattern(pattern) => code { (pattern) },
                                    Matching::Words(words) => { (words.join(", ")) },
                                }
                            }
                            td { @if rule.accounts.is_empty() { "*" } @else { (rule.accounts.join(", ")) } }
                            td { (rule.action.as_str()) }
                            td { @if rule.enabled { (frame.badge(frame.t(Text::Active), Tone::Ok)) } @else { (frame.badge(frame.t(Text::Stopped), Tone::Warn)) } }
                            td { div.actions {
                                a.button href=(format!("/ui/rules?edit={}#rule-form", rule.name)) { (frame.t(Text::Edit)) }
                                form.inline method="post" action=(format!("/ui/rules/{}/delete", rule.name)) {
                                    (csrf_field(session))
                                    button.danger type="submit" { (frame.t(Text::Delete)) }
                                }
                            } }
                        }
                    }
                }
            }
        }
        @match editing {
            Some(rule) => {
                h2 #rule-form { (frame.t(Text::EditRule)) " " code { (rule.name) } }
                (rule_form(&frame, session, Some(rule)))
                p { a href="/ui/rules" { (frame.t(Text::Back)) } }
            },
            None => {
                h2 #rule-form { (frame.t(Text::NewRule)) }
                (rule_form(&frame, session, None))
            },
        }
        h2 { (frame.t(Text::HeldMessages)) }
        @if held.is_empty() {
            p.muted { (frame.t(Text::NothingHeld)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        th { (frame.t(Text::Account)) }
                        th { (frame.t(Text::Rules)) }
                        th { (frame.t(Text::To)) }
                        th { (frame.t(Text::Body)) }
                        th { (frame.t(Text::Date)) }
                        th {}
                    } }
                    tbody {
                        @for message in &held {
                            tr data-held=(message.id) {
                                td { code { (message.id) } }
                                td { (message.account) }
                                td { code { (message.rule) } }
                                td { (message.to) }
                                td { (message.text.as_deref().unwrap_or("–")) }
                                td { (message.held_at.format("%Y-%m-%d %H:%M")) }
                                td {
                                    form.inline method="post" action=(format!("/ui/held/{}/release", message.id)) {
                                        (csrf_field(session))
                                        button type="submit" { (frame.t(Text::Release)) }
                                    }
                                    form.inline method="post" action=(format!("/ui/held/{}/drop", message.id)) {
                                        (csrf_field(session))
                                        button.danger type="submit" { (frame.t(Text::Drop)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }))
}

#[get("/ui/rules")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
    editing: web::Query<Editing>,
) -> Result<HttpResponse, UiError> {
    let flash = done.saved(&admin.0);
    Ok(respond(
        page(&request, &admin, &state, flash, editing.edit.as_deref()).await?,
    ))
}

/// The page with `problem` above it, answered with its status; the form
/// of `edit` when the refused change was one.
async fn refused(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    problem: &Problem,
    edit: Option<&str>,
) -> Result<HttpResponse, UiError> {
    let markup = page(
        request,
        admin,
        state,
        Some(Flash::Bad(problem.to_string())),
        edit,
    )
    .await?;
    Ok(respond_with(problem.status(), markup))
}

fn saved() -> HttpResponse {
    see_other("/ui/rules?done=1")
}

#[post("/ui/rules")]
async fn add(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<RuleForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let added = match form.rule(None) {
        Ok(rule) => state
            .changes
            .create_content_rule(rule)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(refused),
    };
    match added {
        Ok(()) => {
            info!(state.logger, "content rule added in the web UI"; "rule" => form.name.trim());
            Ok(saved())
        }
        Err(problem) => refused(&request, &admin, &state, &problem, None).await,
    }
}

#[post("/ui/rules/{name}")]
async fn replace(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    name: web::Path<String>,
    form: web::Form<RuleForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let replaced = match form.rule(Some(&name)) {
        Ok(rule) => state
            .changes
            .replace_content_rule(&name, rule)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(refused),
    };
    match replaced {
        Ok(()) => {
            info!(state.logger, "content rule replaced in the web UI"; "rule" => &*name);
            Ok(saved())
        }
        Err(problem) => refused(&request, &admin, &state, &problem, Some(&name)).await,
    }
}

#[post("/ui/rules/{name}/delete")]
async fn delete(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    name: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    match state.changes.delete_content_rule(&name).await {
        Ok(()) => {
            info!(state.logger, "content rule deleted in the web UI"; "rule" => &*name);
            Ok(saved())
        }
        Err(error) => refused(&request, &admin, &state, &Problem::from(error), None).await,
    }
}

#[post("/ui/held/{id}/{action}")]
async fn handle_held(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    let message = held_id(&id).map_err(|_| UiError::new(UiErrorKind::NotFound, admin.0.lang))?;
    let done = match action.as_str() {
        "release" => state.changes.release_held(message).await,
        "drop" => state.changes.drop_held(message).await,
        _ => return Err(UiError::new(UiErrorKind::NotFound, admin.0.lang)),
    };
    match done {
        Ok(()) => {
            info!(state.logger, "held message handled in the web UI"; "message" => %message, "action" => &action);
            Ok(saved())
        }
        Err(error) => refused(&request, &admin, &state, &Problem::from(error), None).await,
    }
}
