//! Campaigns (SPEC §6.2; docs/campaigns.md): a customer makes, reads,
//! pauses, resumes, cancels and exports its own campaigns, the operator
//! every account's. Making one is `campaign_create.rs`; a campaign's
//! recipients are fixed when it is made (`campaign_making.rs`);
//! its actor sends them (`pipeline/campaign.rs`); its results are what
//! the store holds, so they are exact across restarts.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Caller;
use super::csv_file::csv_attachment;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::campaign::{ControlCampaign, ControlRefused};
use crate::campaigns::{Control, Definition, Estimate, Outcome, State, Tally};
use crate::model::{CampaignId, MessageId, Money};
use crate::store::{Store, StoreError};

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_campaigns)
        .service(read_campaign)
        .service(control_campaign)
        .service(campaign_recipients);
}

/// A campaign with its results.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Campaign)]
pub(in crate::actors::web) struct CampaignView {
    pub(in crate::actors::web) id: u64,
    pub(in crate::actors::web) account: String,
    pub(in crate::actors::web) name: String,
    /// scheduled, running, paused, finished or cancelled.
    pub(in crate::actors::web) state: &'static str,
    /// Why it is paused: asked, credit or suspended.
    #[schema(required = true)]
    pub(in crate::actors::web) paused_because: Option<&'static str>,
    /// When the state last changed.
    pub(in crate::actors::web) since: DateTime<Utc>,
    pub(in crate::actors::web) from: String,
    pub(in crate::actors::web) text: String,
    #[schema(required = true)]
    pub(in crate::actors::web) start_at: Option<DateTime<Utc>>,
    pub(in crate::actors::web) time_zone: String,
    pub(in crate::actors::web) tps: u32,
    #[schema(required = true)]
    pub(in crate::actors::web) quiet_hours: Option<QuietView>,
    #[schema(required = true)]
    pub(in crate::actors::web) validity_minutes: Option<u32>,
    pub(in crate::actors::web) reply_window_hours: u32,
    pub(in crate::actors::web) created_at: DateTime<Utc>,
    /// Recipients, skipped ones included.
    pub(in crate::actors::web) total: u64,
    /// What it was expected to cost when made.
    pub(in crate::actors::web) estimate: EstimateView,
    /// Recipients whose message was created.
    pub(in crate::actors::web) sent: u64,
    /// Recipients whose message reached DELIVRD, and any other final state.
    pub(in crate::actors::web) delivered: u64,
    pub(in crate::actors::web) failed: u64,
    /// Recipients given no message.
    pub(in crate::actors::web) skipped: u64,
    pub(in crate::actors::web) skipped_by: SkippedView,
    /// Recipients not yet reached.
    pub(in crate::actors::web) waiting: u64,
    pub(in crate::actors::web) replies: u64,
    pub(in crate::actors::web) opt_outs: u64,
    /// What its messages were charged, refunds taken back.
    pub(in crate::actors::web) cost: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct QuietView {
    pub(in crate::actors::web) from: String,
    pub(in crate::actors::web) to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct EstimateView {
    pub(in crate::actors::web) parts: u64,
    /// Recipients whose text fits GSM 03.38.
    pub(in crate::actors::web) gsm: u64,
    /// Recipients whose text needs UCS-2.
    pub(in crate::actors::web) ucs2: u64,
    pub(in crate::actors::web) cost: String,
    /// Parts per recipient sent to, on average.
    pub(in crate::actors::web) parts_per_message: f64,
    /// The cost per recipient sent to, on average (rounded down to the
    /// micro-unit).
    pub(in crate::actors::web) cost_per_message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct SkippedView {
    pub(in crate::actors::web) opted_out: u64,
    pub(in crate::actors::web) dnd: u64,
    pub(in crate::actors::web) invalid: u64,
    pub(in crate::actors::web) rule: u64,
}

/// A campaign as the API shows it.
pub(super) fn view(
    definition: &Definition,
    state: State,
    since: DateTime<Utc>,
    tally: &Tally,
) -> CampaignView {
    let Estimate {
        parts,
        gsm,
        ucs2,
        cost,
    } = definition.estimate;
    let messages = gsm + ucs2;
    CampaignView {
        id: definition.id.0,
        account: definition.account.to_string(),
        name: definition.name.clone(),
        state: state.as_str(),
        paused_because: state.pause_reason().map(|reason| reason.as_str()),
        since,
        from: definition.from.text().to_owned(),
        text: definition.text.clone(),
        start_at: definition.start_at,
        time_zone: definition.time_zone.clone(),
        tps: definition.tps,
        quiet_hours: definition.quiet_hours.as_ref().map(|quiet| QuietView {
            from: quiet.from.clone(),
            to: quiet.to.clone(),
        }),
        validity_minutes: definition.validity_minutes,
        reply_window_hours: definition.reply_window_hours,
        created_at: definition.created_at,
        total: definition.total,
        estimate: EstimateView {
            parts,
            gsm,
            ucs2,
            cost: cost.to_string(),
            parts_per_message: if messages == 0 {
                0.0
            } else {
                parts as f64 / messages as f64
            },
            cost_per_message: Money::from_micros(
                cost.micros() / i64::try_from(messages.max(1)).unwrap_or(i64::MAX),
            )
            .to_string(),
        },
        sent: tally.sent,
        delivered: tally.delivered,
        failed: tally.failed,
        skipped: tally.skipped.total(),
        skipped_by: SkippedView {
            opted_out: tally.skipped.opted_out,
            dnd: tally.skipped.dnd,
            invalid: tally.skipped.invalid,
            rule: tally.skipped.rule,
        },
        waiting: if state == State::Cancelled {
            0
        } else {
            definition.total.saturating_sub(tally.done())
        },
        replies: tally.replies,
        opt_outs: tally.opt_outs,
        cost: tally.cost.to_string(),
    }
}

/// Campaign `id` as the store has it, if `caller` may see it (another
/// account's is 404, as one that does not exist).
async fn visible(state: &WebState, caller: &Caller, id: u64) -> Result<CampaignView, Problem> {
    seen(state, |account| caller.sees(account), id).await
}

/// Campaign `id` as the store has it, if `sees` its account (else 404,
/// as one that does not exist).
pub(in crate::actors::web) async fn seen(
    state: &WebState,
    sees: impl Fn(&str) -> bool,
    id: u64,
) -> Result<CampaignView, Problem> {
    let store = state.store.clone();
    let id = CampaignId(id);
    let found = web::block(move || -> Result<_, StoreError> {
        match store.campaign(id)? {
            Some(definition) => shown(&store, &definition),
            None => Ok(None),
        }
    })
    .await??;
    found
        .filter(|campaign| sees(&campaign.account))
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, format!("no campaign {id}")))
}

/// `definition` with its state and results as the store has them; `None`
/// before its state is stored.
fn shown(store: &Store, definition: &Definition) -> Result<Option<CampaignView>, StoreError> {
    let Some(record) = store.campaign_state(definition.id)? else {
        return Ok(None);
    };
    let tally = store.campaign_tally(definition.id)?;
    Ok(Some(view(definition, record.state, record.since, &tally)))
}

/// Campaigns: every account's for the operator, its own for an account
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    responses(
        (status = OK, description = "The campaigns the caller may see, newest first.", body = [CampaignView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/campaigns")]
async fn list_campaigns(
    caller: Caller,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let found = every_seen(&state, move |account| caller.sees(account)).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// Every campaign whose account `sees` names, newest first.
pub(in crate::actors::web) async fn every_seen(
    state: &WebState,
    sees: impl Fn(&str) -> bool + Send + 'static,
) -> Result<Vec<CampaignView>, Problem> {
    let store = state.store.clone();
    let mut found = web::block(move || -> Result<_, StoreError> {
        let mut found = Vec::new();
        for definition in store.campaigns()? {
            if sees(definition.account.as_str()) {
                found.extend(shown(&store, &definition)?);
            }
        }
        Ok(found)
    })
    .await??;
    found.reverse();
    Ok(found)
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Csv(#[from] csv::Error),
}

/// One campaign with its results
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(("id" = u64, Path, description = "The campaign's id.")),
    responses(
        (status = OK, body = CampaignView),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/campaigns/{id}")]
async fn read_campaign(
    caller: Caller,
    id: web::Path<u64>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(visible(&state, &caller, *id).await?))
}

/// Pause, resume or cancel campaign `id`, once the caller may see it.
async fn control_one(
    caller: Caller,
    id: u64,
    state: &WebState,
    control: Control,
) -> Result<HttpResponse, Problem> {
    let sees = |account: &str| caller.sees(account);
    Ok(HttpResponse::Ok().json(controlled(state, &sees, id, control).await?))
}

/// Pauses, resumes or cancels campaign `id` if `sees` its account: the
/// campaign as the action left it.
pub(in crate::actors::web) async fn controlled(
    state: &WebState,
    sees: &impl Fn(&str) -> bool,
    id: u64,
    control: Control,
) -> Result<CampaignView, Problem> {
    let current = seen(state, sees, id).await?;
    let not_now = |current: &CampaignView| {
        Problem::new(
            StatusCode::CONFLICT,
            format!("a campaign that is {} cannot be changed", current.state),
        )
    };
    let Some(actor) = state.changes.campaigns.actor(CampaignId(id)) else {
        return Err(not_now(&current));
    };
    match actor.send(ControlCampaign { control }).await {
        Ok(Ok(_)) => {}
        Ok(Err(ControlRefused::NotNow(refused))) => {
            return Err(Problem::new(StatusCode::CONFLICT, refused.to_string()));
        }
        Ok(Err(ControlRefused::Store(error))) => return Err(error.into()),
        // It ended (finished) between the lookup and the send.
        Err(_) => return Err(not_now(&current)),
    }
    seen(state, sees, id).await
}

/// What `POST /api/v1/campaigns/{id}/{action}` asks.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum Action {
    /// No message leaves until it is resumed.
    Pause,
    /// A paused campaign goes on (scheduled again when not yet due).
    Resume,
    /// Stops for good: recipients not yet reached get nothing.
    Cancel,
}

/// Pause, resume or cancel a campaign
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(
        ("id" = u64, Path, description = "The campaign's id."),
        ("action" = inline(Action), Path, description = "pause, resume or cancel."),
    ),
    responses(
        (status = OK, description = "The campaign as the action left it.", body = CampaignView),
        (status = NOT_FOUND, response = Problem),
        (status = CONFLICT, description = "Not in a state the action applies to (pausing a paused campaign; anything of a finished or cancelled one).", body = Problem),
    ),
)]
#[post("/api/v1/campaigns/{id}/{action}")]
async fn control_campaign(
    caller: Caller,
    path: web::Path<(u64, Action)>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (id, action) = path.into_inner();
    let control = match action {
        Action::Pause => Control::Pause,
        Action::Resume => Control::Resume,
        Action::Cancel => Control::Cancel,
    };
    control_one(caller, id, &state, control).await
}

/// Every recipient with its outcome and its message's state, as CSV
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(("id" = u64, Path, description = "The campaign's id.")),
    responses(
        (status = OK, description = "`index,number,text,outcome,message_id,parts,state,error_code`: outcome `waiting`, `sent` or `skipped:REASON`; the state that of the recipient's first part.", content_type = "text/csv"),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/campaigns/{id}/recipients.csv")]
async fn campaign_recipients(
    caller: Caller,
    id: web::Path<u64>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let campaign = visible(&state, &caller, *id).await?;
    recipients_csv(&state, &campaign).await
}

/// `campaign`'s recipients with their outcomes, as a CSV attachment (the
/// caller has checked it may see the campaign).
pub(in crate::actors::web) async fn recipients_csv(
    state: &WebState,
    campaign: &CampaignView,
) -> Result<HttpResponse, Problem> {
    let store = state.store.clone();
    let id = CampaignId(campaign.id);
    let writer = web::block(move || -> Result<_, ExportError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "index",
            "number",
            "text",
            "outcome",
            "message_id",
            "parts",
            "state",
            "error_code",
        ])?;
        let mut from = 0;
        loop {
            let page = store.recipients_page(id, from, 1_000)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            from = last + 1;
            for (index, recipient) in page {
                let (outcome, message, parts) = match recipient.outcome {
                    None => ("waiting".to_owned(), None, String::new()),
                    Some(Outcome::Sent { first, parts }) => {
                        ("sent".to_owned(), Some(first), parts.to_string())
                    }
                    Some(Outcome::Skipped(reason)) => {
                        (format!("skipped:{}", reason.as_str()), None, String::new())
                    }
                };
                let stored = message
                    .map(|first: MessageId| store.message(first))
                    .transpose()?
                    .flatten();
                writer.write_record([
                    index.to_string(),
                    recipient.number,
                    recipient.text,
                    outcome,
                    message.map(|id| id.to_string()).unwrap_or_default(),
                    parts,
                    stored
                        .as_ref()
                        .map(|message| message.state().to_string())
                        .unwrap_or_default(),
                    stored
                        .and_then(|message| message.error_code)
                        .map(|code| code.to_string())
                        .unwrap_or_default(),
                ])?;
            }
        }
        Ok(writer)
    })
    .await?
    .map_err(Problem::internal)?;
    csv_attachment(writer, &format!("campaign-{}-recipients.csv", campaign.id))
}
