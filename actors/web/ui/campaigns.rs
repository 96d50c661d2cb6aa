//! Campaigns for both roles: the operator's `GET /ui/campaigns` (every
//! account's) and the customer's `GET /ui/me/campaigns` (its own, with the
//! form that makes one: `POST /ui/me/campaigns`, to listed numbers and
//! contact groups, those meeting a condition on a field, at once or from
//! a local time, with a TPS and quiet hours); one campaign's page with
//! its results (`GET /ui/campaigns/{id}`, `GET /ui/me/campaigns/{id}`),
//! its recipients as CSV (`GET …/{id}/recipients.csv`) and Pause, Resume
//! and Cancel (`POST …/{id}/{action}`). Everything goes
//! through the API's campaign code (`campaigns.rs`, `campaign_create.rs`):
//! the same checks, the same results, another account's campaign "not
//! found".

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use slog::{error, info};

use super::guard::{AdminPage, CsrfForm, CustomerPage, LoggedIn, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, Tone, csrf_field, respond, respond_with, see_other};
use crate::actors::web::campaign_create::{CampaignRequest, make_campaign};
use crate::actors::web::campaigns::{CampaignView, controlled, every_seen, recipients_csv, seen};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::api::FieldError;
use crate::campaigns::Control;
use actix_web::http::StatusCode;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(admin_list)
        .service(admin_read)
        .service(admin_recipients)
        .service(admin_control)
        .service(customer_list)
        .service(customer_make)
        .service(customer_read)
        .service(customer_recipients)
        .service(customer_control);
}

#[derive(Deserialize)]
struct NewCampaignForm {
    csrf: String,
    name: String,
    from: String,
    text: String,
    #[serde(default)]
    numbers: String,
    #[serde(default)]
    groups: String,
    #[serde(flatten)]
    settings: FormSettings,
    /// One condition on the contacts' fields: field, op, value.
    #[serde(default)]
    field: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    value: String,
}

/// What both campaign forms (this page's and the send page's file) may
/// set besides the audience and the text, each empty when not set.
#[derive(Deserialize)]
pub(super) struct FormSettings {
    /// `YYYY-MM-DDTHH:MM` in the account's time zone; empty: at once.
    #[serde(default)]
    pub start_at: String,
    /// Messages per second at most; empty: the account's limit.
    #[serde(default)]
    pub tps: String,
    /// Quiet hours, `HH:MM` to `HH:MM` in the account's time zone.
    #[serde(default)]
    pub quiet_from: String,
    #[serde(default)]
    pub quiet_to: String,
}

impl FormSettings {
    /// The settings as the API's campaign requests name them, laid into
    /// `body`; `quiet` lays the quiet hours as `quiet_hours` (a JSON
    /// body's) or as `quiet_from` and `quiet_to` (a file's parameters).
    pub fn lay_into(
        &self,
        body: &mut serde_json::Value,
        nested_quiet: bool,
    ) -> Result<(), Problem> {
        let (start_at, tps) = (self.start_at.trim(), self.tps.trim());
        let (quiet_from, quiet_to) = (self.quiet_from.trim(), self.quiet_to.trim());
        if !start_at.is_empty() {
            body["start_at"] = json!(start_at);
        }
        if !tps.is_empty() {
            let tps: u32 = tps.parse().map_err(|_| {
                Problem::with_field(
                    StatusCode::BAD_REQUEST,
                    FieldError::new("tps", format!("{tps:?} is not a whole number")),
                )
            })?;
            body["tps"] = json!(tps);
        }
        match (quiet_from.is_empty(), quiet_to.is_empty()) {
            (true, true) => {}
            (false, false) if nested_quiet => {
                body["quiet_hours"] = json!({"from": quiet_from, "to": quiet_to});
            }
            (false, false) => {
                body["quiet_from"] = json!(quiet_from);
                body["quiet_to"] = json!(quiet_to);
            }
            _ => {
                return Err(Problem::with_field(
                    StatusCode::BAD_REQUEST,
                    FieldError::new("quiet_hours", "quiet hours need a start and an end"),
                ));
            }
        }
        Ok(())
    }
}

/// The inputs of [`FormSettings`].
pub(super) fn settings_inputs(frame: &Frame<'_>) -> Markup {
    html! {
        label { (frame.t(Text::StartAt)) input type="datetime-local" name="start_at"; }
        label { (frame.t(Text::TpsOptional)) input type="number" name="tps" min="1" inputmode="numeric"; }
        div.pair {
            label { (frame.t(Text::QuietFrom)) input type="time" name="quiet_from"; }
            label { (frame.t(Text::QuietTo)) input type="time" name="quiet_to"; }
        }
    }
}

/// The operations a form's condition offers, as the API names them.
const OPS: [(&str, &str); 7] = [
    ("eq", "="),
    ("ne", "≠"),
    ("prefix", "…*"),
    ("lt", "<"),
    ("le", "≤"),
    ("gt", ">"),
    ("ge", "≥"),
];

/// Entries separated by commas, spaces or lines.
fn entries(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n', '\r', ';'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

fn tone(state: &str) -> Tone {
    match state {
        "running" | "finished" => Tone::Ok,
        "scheduled" | "paused" => Tone::Warn,
        _ => Tone::Bad,
    }
}

fn table(frame: &Frame<'_>, campaigns: &[CampaignView], base: &str, accounts: bool) -> Markup {
    html! {
        @if campaigns.is_empty() {
            p.muted { (frame.t(Text::NoCampaigns)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        @if accounts { th { (frame.t(Text::Account)) } }
                        th { (frame.t(Text::Name)) }
                        th { (frame.t(Text::State)) }
                        th.num { (frame.t(Text::Recipients)) }
                        th.num { (frame.t(Text::SentCount)) }
                        th.num { (frame.t(Text::DeliveredCount)) }
                        th.num { (frame.t(Text::FailedCount)) }
                        th.num { (frame.t(Text::Waiting)) }
                        th.num { (frame.t(Text::Cost)) }
                    } }
                    tbody {
                        @for campaign in campaigns {
                            tr data-campaign=(campaign.id) {
                                td { a href=(format!("{base}/{}", campaign.id)) { code { (campaign.id) } } }
                                @if accounts { td { (campaign.account) } }
                                td { (campaign.name) }
                                td { (frame.badge(campaign.state, tone(campaign.state))) }
                                td.num { (campaign.total) }
                                td.num { (campaign.sent) }
                                td.num { (campaign.delivered) }
                                td.num { (campaign.failed) }
                                td.num { (campaign.waiting) }
                                td.num { (campaign.cost) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One campaign's results and the actions its state allows.
pub(super) fn detail(
    frame: &Frame<'_>,
    logged: &LoggedIn,
    campaign: &CampaignView,
    base: &str,
) -> Markup {
    let action = |name: &str, label: Text, danger: bool| {
        html! {
            form.inline method="post" action=(format!("{base}/{}/{name}", campaign.id)) {
                (csrf_field(&logged.session))
                @if danger { button.danger type="submit" { (frame.t(label)) } }
                @else { button type="submit" { (frame.t(label)) } }
            }
        }
    };
    let card = |label: Text, value: String| html! { div.card { div.label { (frame.t(label)) } div.value { (value) } } };
    html! {
        div.cards {
            div.card { div.label { (frame.t(Text::State)) } div.value data-state=(campaign.state) { (frame.badge(campaign.state, tone(campaign.state))) } }
            (card(Text::Recipients, campaign.total.to_string()))
            (card(Text::SentCount, campaign.sent.to_string()))
            (card(Text::DeliveredCount, campaign.delivered.to_string()))
            (card(Text::FailedCount, campaign.failed.to_string()))
            (card(Text::Skipped, campaign.skipped.to_string()))
            (card(Text::Waiting, campaign.waiting.to_string()))
            (card(Text::Replies, campaign.replies.to_string()))
            (card(Text::Cost, campaign.cost.clone()))
        }
        div.actions {
            @if matches!(campaign.state, "running" | "scheduled") { (action("pause", Text::Pause, false)) }
            @if campaign.state == "paused" { (action("resume", Text::Resume, false)) }
            @if !matches!(campaign.state, "finished" | "cancelled") { (action("cancel", Text::Cancel, true)) }
            a.button href=(format!("{base}/{}/recipients.csv", campaign.id)) download { (frame.t(Text::RecipientsCsv)) }
        }
        div.panel {
            table { tbody {
                tr { th { (frame.t(Text::Account)) } td { (campaign.account) } }
                tr { th { (frame.t(Text::From)) } td { (campaign.from) } }
                tr { th { (frame.t(Text::Body)) } td { (campaign.text) } }
                tr { th { (frame.t(Text::Estimate)) } td { (campaign.estimate.parts) " " (frame.t(Text::Parts)) " · " (campaign.estimate.cost) } }
                tr { th { (frame.t(Text::Date)) } td { (campaign.created_at.format("%Y-%m-%d %H:%M")) } }
            } }
        }
    }
}

/// Pause, resume or cancel, as a path segment names it.
fn control_of(action: &str, lang: super::i18n::Lang) -> Result<Control, UiError> {
    match action {
        "pause" => Ok(Control::Pause),
        "resume" => Ok(Control::Resume),
        "cancel" => Ok(Control::Cancel),
        _ => Err(UiError::new(UiErrorKind::NotFound, lang)),
    }
}

/// The page of a campaign that failed to load: not found, or a failure.
fn not_shown(state: &WebState, logged: &LoggedIn, problem: &Problem) -> UiError {
    if problem.status().is_client_error() {
        UiError::new(UiErrorKind::NotFound, logged.lang)
    } else {
        error!(state.logger, "cannot read a campaign for the web UI"; "error" => %problem);
        logged.failed()
    }
}

#[get("/ui/campaigns")]
async fn admin_list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    let frame = admin.0.frame(Section::Campaigns, request.path());
    let campaigns = every_seen(&state, |_| true)
        .await
        .map_err(|problem| not_shown(&state, &admin.0, &problem))?;
    let content = table(&frame, &campaigns, "/ui/campaigns", true);
    Ok(respond(frame.page(frame.t(Text::Campaigns), None, content)))
}

#[get("/ui/campaigns/{id}")]
async fn admin_read(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<u64>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let frame = admin.0.frame(Section::Campaigns, request.path());
    let campaign = seen(&state, |_| true, *id)
        .await
        .map_err(|problem| not_shown(&state, &admin.0, &problem))?;
    let content = detail(&frame, &admin.0, &campaign, "/ui/campaigns");
    Ok(respond(frame.page(
        &format!("{} {}", frame.t(Text::Campaign), campaign.name),
        done_flash(&admin.0, &done),
        content,
    )))
}

#[get("/ui/campaigns/{id}/recipients.csv")]
async fn admin_recipients(
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<u64>,
) -> Result<HttpResponse, UiError> {
    recipients(&state, &admin.0, |_| true, *id).await
}

/// Campaign `id`'s recipients as CSV, when `sees` its account (not found
/// otherwise, as the page).
async fn recipients(
    state: &WebState,
    logged: &LoggedIn,
    sees: impl Fn(&str) -> bool,
    id: u64,
) -> Result<HttpResponse, UiError> {
    let shown = |problem: Problem| not_shown(state, logged, &problem);
    let campaign = seen(state, sees, id).await.map_err(shown)?;
    recipients_csv(state, &campaign).await.map_err(shown)
}

#[post("/ui/campaigns/{id}/{action}")]
async fn admin_control(
    admin: AdminPage,
    state: web::Data<WebState>,
    path: web::Path<(u64, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    control(
        &state,
        &admin.0,
        &|_: &str| true,
        id,
        &action,
        "/ui/campaigns",
    )
    .await
}

/// Applies `action` to campaign `id` and goes back to its page (a move
/// its state does not allow is reported there).
async fn control(
    state: &WebState,
    logged: &LoggedIn,
    sees: &impl Fn(&str) -> bool,
    id: u64,
    action: &str,
    base: &str,
) -> Result<HttpResponse, UiError> {
    let control = control_of(action, logged.lang)?;
    let done = match controlled(state, sees, id, control).await {
        Ok(_) => {
            info!(state.logger, "campaign controlled in the web UI"; "campaign" => id, "action" => action);
            "done"
        }
        Err(problem) if problem.status().as_u16() == 409 => "refused",
        Err(problem) => return Err(not_shown(state, logged, &problem)),
    };
    Ok(see_other(format!("{base}/{id}?{done}=1")))
}

#[get("/ui/me/campaigns")]
async fn customer_list(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    Ok(respond(
        customer_page(&request, &customer, &state, None).await?,
    ))
}

async fn customer_page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = customer.logged.frame(Section::Campaigns, request.path());
    let own = customer.account.id.to_string();
    let campaigns = every_seen(state, move |account| account == own)
        .await
        .map_err(|problem| not_shown(state, &customer.logged, &problem))?;
    let content = html! {
        (table(&frame, &campaigns, "/ui/me/campaigns", false))
        h2 { (frame.t(Text::NewCampaign)) }
        div.panel {
            form.stack method="post" action="/ui/me/campaigns" {
                (csrf_field(&customer.logged.session))
                label { (frame.t(Text::Name)) input type="text" name="name" required maxlength="100"; }
                label { (frame.t(Text::From)) input type="text" name="from" required maxlength="16"; }
                label { (frame.t(Text::Body)) textarea name="text" required placeholder="Hola {{name|cliente}}" {} }
                label { (frame.t(Text::Numbers)) textarea name="numbers" placeholder="+34600111222, +34600111333" {} }
                label { (frame.t(Text::Groups)) input type="text" name="groups"; }
                fieldset {
                    legend { (frame.t(Text::OnlyWhere)) }
                    div.pair {
                        label { (frame.t(Text::Field)) input type="text" name="field" placeholder="city"; }
                        label { (frame.t(Text::Test)) select name="op" {
                            @for (op, shown) in OPS { option value=(op) { (shown) } }
                        } }
                        label { (frame.t(Text::Value)) input type="text" name="value" placeholder="Madrid"; }
                    }
                }
                (settings_inputs(&frame))
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    };
    Ok(frame.page(frame.t(Text::Campaigns), flash, content))
}

#[post("/ui/me/campaigns")]
async fn customer_make(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<NewCampaignForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let mut body = json!({
        "name": form.name.trim(),
        "from": form.from.trim(),
        "text": form.text.replace("\r\n", "\n"),
        "numbers": entries(&form.numbers),
        "groups": entries(&form.groups),
    });
    if !form.field.trim().is_empty() {
        body["conditions"] =
            json!([{"field": form.field.trim(), "op": form.op, "value": form.value.trim()}]);
    }
    let made = match form.settings.lay_into(&mut body, true).and_then(|()| {
        serde_json::from_value::<CampaignRequest>(body)
            .map_err(|refused| Problem::new(StatusCode::BAD_REQUEST, refused.to_string()))
    }) {
        Ok(campaign) => make_campaign(&state, &customer.account, campaign).await,
        Err(problem) => Err(problem),
    };
    match made {
        Ok(campaign) => {
            info!(state.logger, "campaign made in the web UI"; "account" => %customer.account.id, "campaign" => campaign.id);
            Ok(see_other(format!(
                "/ui/me/campaigns/{}?done=1",
                campaign.id
            )))
        }
        Err(problem) => {
            let markup = customer_page(
                &request,
                &customer,
                &state,
                Some(Flash::Bad(problem.to_string())),
            )
            .await?;
            Ok(respond_with(problem.status(), markup))
        }
    }
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
    refused: Option<String>,
}

fn done_flash(logged: &LoggedIn, done: &Done) -> Option<Flash> {
    match (&done.done, &done.refused) {
        (_, Some(_)) => Some(Flash::Bad(logged.lang_text(Text::NotNow))),
        (Some(_), None) => Some(Flash::Ok(logged.lang_text(Text::Saved))),
        (None, None) => None,
    }
}

#[get("/ui/me/campaigns/{id}")]
async fn customer_read(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    id: web::Path<u64>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let frame = customer.logged.frame(Section::Campaigns, request.path());
    let own = customer.account.id.to_string();
    let campaign = seen(&state, |account| account == own, *id)
        .await
        .map_err(|problem| not_shown(&state, &customer.logged, &problem))?;
    let content = detail(&frame, &customer.logged, &campaign, "/ui/me/campaigns");
    Ok(respond(frame.page(
        &format!("{} {}", frame.t(Text::Campaign), campaign.name),
        done_flash(&customer.logged, &done),
        content,
    )))
}

#[get("/ui/me/campaigns/{id}/recipients.csv")]
async fn customer_recipients(
    customer: CustomerPage,
    state: web::Data<WebState>,
    id: web::Path<u64>,
) -> Result<HttpResponse, UiError> {
    let own = customer.account.id.to_string();
    recipients(&state, &customer.logged, |account| account == own, *id).await
}

#[post("/ui/me/campaigns/{id}/{action}")]
async fn customer_control(
    customer: CustomerPage,
    state: web::Data<WebState>,
    path: web::Path<(u64, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    let own = customer.account.id.to_string();
    control(
        &state,
        &customer.logged,
        &|account: &str| account == own,
        id,
        &action,
        "/ui/me/campaigns",
    )
    .await
}
