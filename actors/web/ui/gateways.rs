//! The operator's `GET /ui/gateways`: every gateway of every kind with its
//! state, queue and messages in flight, and a Stop or Start button each
//! (`POST /ui/gateways/{name}/stop`, `/start`: the admin API's own call,
//! stored so it holds across a restart; a stopped gateway gives its queue
//! back to its routes); a form that adds a gateway (`POST /ui/gateways`),
//! and each gateway's definition to edit (`GET /ui/gateways/{name}`,
//! `POST /ui/gateways/{name}`). A definition is the keys of a
//! `[[gateways]]` table as TOML, checked with the configuration file's
//! rules and applied like the admin API's POST and PUT: stored, then in
//! force (an added gateway starts at once; a changed one takes its new
//! settings without being replaced; its kind cannot change). The edit form
//! never shows a stored password or PIN: left out, the stored one is kept.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::{info, warn};

use super::guard::{AdminPage, CsrfForm, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, Tone, csrf_field, respond, respond_with, see_other};
use crate::actors::protocol::gateway::Inspect;
use crate::actors::web::gateways::toml_definition;
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(list)
        .service(add)
        .service(edit)
        .service(change)
        .service(administer);
}

/// The keys of a definition the edit form does not show: written anew to
/// change them, left out to keep the stored ones.
const SECRET_KEYS: [&str; 2] = ["password", "pin"];

/// `stored` without its secrets, to fill the edit form.
fn without_secrets(stored: &str) -> String {
    match stored.parse::<toml::Table>() {
        Ok(mut table) => {
            for key in SECRET_KEYS {
                table.remove(key);
            }
            toml::to_string(&table).unwrap_or_default()
        }
        Err(_) => String::new(),
    }
}

/// `text` as typed, with each secret it leaves out taken from `stored`;
/// as typed when it is not TOML (the check says why).
fn with_kept_secrets(text: &str, stored: Option<&str>) -> String {
    let (Ok(mut table), Some(Ok(stored))) = (
        text.parse::<toml::Table>(),
        stored.map(str::parse::<toml::Table>),
    ) else {
        return text.to_owned();
    };
    for key in SECRET_KEYS {
        if let (false, Some(secret)) = (table.contains_key(key), stored.get(key)) {
            table.insert(key.to_owned(), secret.clone());
        }
    }
    toml::to_string(&table).unwrap_or_else(|_| text.to_owned())
}

/// A definition typed in the form.
#[derive(Deserialize)]
struct DefinitionForm {
    csrf: String,
    definition: String,
}

/// What the definition form shows before anything is typed.
const EXAMPLE: &str = "name = \"sim2\"\nkind = \"simulator\"\ndlr_delay_ms = 100";

/// The form that posts a definition to `action`, holding `text`.
fn definition_form(
    frame: &Frame<'_>,
    admin: &AdminPage,
    action: &str,
    text: &str,
    submit: Text,
) -> Markup {
    html! {
        div.panel {
            form.stack method="post" action=(action) {
                (csrf_field(&admin.0.session))
                label { (frame.t(Text::GatewayDefinition))
                    textarea.mono name="definition" required rows="10" placeholder=(EXAMPLE) { (text) }
                }
                button type="submit" { (frame.t(submit)) }
            }
        }
    }
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
    let flash = match (&done.done, &done.failed) {
        (_, Some(_)) => Some(Flash::Bad(admin.0.lang_text(Text::Failed))),
        (Some(_), None) => Some(Flash::Ok(admin.0.lang_text(Text::Saved))),
        (None, None) => None,
    };
    respond(list_page(&request, &admin, &state, flash, "").await)
}

/// The list, with the new gateway's form holding `draft`.
async fn list_page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
    draft: &str,
) -> Markup {
    let frame = admin.0.frame(Section::Gateways, request.path());
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
                            td { div.actions {
                                a.button href=(format!("/ui/gateways/{}", gateway.name)) { (frame.t(Text::Edit)) }
                                @let (action, label) = if gateway.spec.stopped { ("start", Text::Start) } else { ("stop", Text::Stop) };
                                form.inline method="post" action=(format!("/ui/gateways/{}/{action}", gateway.name)) {
                                    (csrf_field(&admin.0.session))
                                    @if gateway.spec.stopped {
                                        button type="submit" { (frame.t(label)) }
                                    } @else {
                                        button.danger type="submit" { (frame.t(label)) }
                                    }
                                }
                            } }
                        }
                    }
                }
            }
        }
        h2 { (frame.t(Text::NewGateway)) }
        p.muted { (frame.t(Text::GatewayDefinitionHelp)) }
        (definition_form(&frame, admin, "/ui/gateways", draft, Text::Create))
    };
    frame.page(frame.t(Text::Gateways), flash, content)
}

/// The edit page of gateway `name`, its form holding `text` (else its
/// definition as stored); "not found" when there is no such gateway.
fn edit_page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    name: &str,
    flash: Option<Flash>,
    text: Option<&str>,
) -> Result<Markup, UiError> {
    let gateway = state
        .changes
        .route_starter
        .gateways
        .get(name)
        .ok_or_else(|| UiError::new(UiErrorKind::NotFound, admin.0.lang))?;
    let frame = admin.0.frame(Section::Gateways, request.path());
    let stored = gateway.spec.definition.as_deref();
    let shown = match text {
        Some(text) => text.to_owned(),
        None => stored.map(without_secrets).unwrap_or_default(),
    };
    let content = html! {
        p.muted {
            (gateway.spec.config.kind.name()) " · "
            @if stored.is_some() { (frame.t(Text::DefinedHere)) } @else { (frame.t(Text::DefinedInFile)) }
        }
        p.muted { (frame.t(Text::SecretsKept)) }
        (definition_form(&frame, admin, &format!("/ui/gateways/{}", gateway.name), &shown, Text::Save))
        p { a href="/ui/gateways" { (frame.t(Text::Back)) } }
    };
    Ok(frame.page(
        &format!("{} {}", frame.t(Text::Gateway), gateway.name),
        flash,
        content,
    ))
}

#[post("/ui/gateways")]
async fn add(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<DefinitionForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let added = match toml_definition(&form.definition, None) {
        Ok((config, text)) => state
            .changes
            .add_gateway(config, text)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(Problem::from(refused)),
    };
    match added {
        Ok(gateway) => {
            info!(state.logger, "gateway added in the web UI"; "gateway" => %gateway.name);
            Ok(see_other("/ui/gateways?done=1"))
        }
        Err(problem) => {
            let flash = Some(Flash::Bad(problem.to_string()));
            let markup = list_page(&request, &admin, &state, flash, &form.definition).await;
            Ok(respond_with(problem.status(), markup))
        }
    }
}

#[get("/ui/gateways/{name}")]
async fn edit(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    name: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    Ok(respond(edit_page(
        &request, &admin, &state, &name, None, None,
    )?))
}

#[post("/ui/gateways/{name}")]
async fn change(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    name: web::Path<String>,
    form: web::Form<DefinitionForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let stored = state
        .changes
        .route_starter
        .gateways
        .get(&name)
        .and_then(|gateway| gateway.spec.definition.clone());
    let definition = with_kept_secrets(&form.definition, stored.as_deref());
    let changed = match toml_definition(&definition, Some(&name)) {
        Ok((config, text)) => state
            .changes
            .change_gateway(&name, config, text)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(Problem::from(refused)),
    };
    match changed {
        Ok(_) => {
            info!(state.logger, "gateway changed in the web UI"; "gateway" => &*name);
            Ok(see_other("/ui/gateways?done=1"))
        }
        Err(problem) => {
            let flash = Some(Flash::Bad(problem.to_string()));
            let markup = edit_page(
                &request,
                &admin,
                &state,
                &name,
                flash,
                Some(&form.definition),
            )?;
            Ok(respond_with(problem.status(), markup))
        }
    }
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
            return Err(UiError::new(UiErrorKind::NotFound, admin.0.lang));
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
