//! Campaigns for both roles: the operator's `GET /ui/campaigns` (every
//! account's) and the customer's `GET /ui/me/campaigns` (its own, with the
//! form that makes one, `campaign_form.rs`'s: `POST /ui/me/campaigns`,
//! to listed numbers and contact groups, those meeting every condition
//! on their fields, at once or from a local time, with a TPS and quiet
//! hours); one campaign's page with
//! its results (`GET /ui/campaigns/{id}`, `GET /ui/me/campaigns/{id}`),
//! its recipients as CSV (`GET …/{id}/recipients.csv`) and Pause, Resume
//! and Cancel (`POST …/{id}/{action}`). Everything goes
//! through the API's campaign code (`campaigns.rs`, `campaign_create.rs`):
//! the same checks, the same results, another account's campaign "not
//! found".

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::{error, info};

use super::campaign_form::CampaignForm;
use super::guard::{AdminPage, CsrfForm, CustomerPage, LoggedIn, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, Tone, csrf_field, respond, respond_with, see_other};
use crate::actors::web::campaign_create::make_campaign;
use crate::actors::web::campaigns::{CampaignView, controlled, every_seen, recipients_csv, seen};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::campaigns::Control;

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
        customer_page(&request, &customer, &state, &CampaignForm::default(), None).await?,
    ))
}

/// The customer's campaigns and the form that makes one, holding `form`.
async fn customer_page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    form: &CampaignForm,
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
        div.panel { (form.markup(&frame, &customer.logged.session)) }
    };
    Ok(frame.page(frame.t(Text::Campaigns), flash, content))
}

#[post("/ui/me/campaigns")]
async fn customer_make(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, UiError> {
    let form = CampaignForm::read(posted.into_inner());
    customer.logged.check_csrf(&form.csrf)?;
    if form.more {
        return Ok(respond(
            customer_page(&request, &customer, &state, &form, None).await?,
        ));
    }
    let made = match form.request() {
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
        Err(problem) => refused(&request, &customer, &state, &form, problem).await,
    }
}

/// The campaigns page with `problem`'s reason above `form`, as typed.
async fn refused(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    form: &CampaignForm,
    problem: Problem,
) -> Result<HttpResponse, UiError> {
    let flash = Flash::Bad(problem.to_string());
    let markup = customer_page(request, customer, state, form, Some(flash)).await?;
    Ok(respond_with(problem.status(), markup))
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
