//! The admin API's mail log (operator credentials): every notification
//! mailed, newest first, and one sent again.
//!
//! - `GET /api/v1/mail?before=ID&limit=N`: newest first, at most `limit`
//!   (default 100, at most 1000) with ids below `before`; `next_before`
//!   is the `before` of the next page (`null` when this page is not full).
//! - `POST /api/v1/mail/{id}/resend`: that mail queued again and sent at
//!   once, with a fresh round of retries; 404 when the log has no such
//!   mail, 409 when `[mail]` is not set.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::mail::{Resend, ResendRefused};
use crate::store::MailRecord;

/// A page's size when the request does not say.
const DEFAULT_LIMIT: usize = 100;
/// The largest page.
const MAX_LIMIT: usize = 1000;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config.service(list_mail).service(resend_mail);
}

/// `?before=&limit=` of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Page {
    /// Ids below this one.
    #[param(value_type = Option<String>)]
    before: Option<u64>,
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
}

/// A page of the mail log, newest first.
#[derive(Debug, Serialize, ToSchema)]
struct MailLog {
    items: Vec<MailView>,
    next_before: Option<String>,
}

/// One mail as the admin API shows it; ids as strings, like message ids.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Mail)]
struct MailView {
    id: String,
    /// low_balance, campaign_finished, quality_alert or daily_summary.
    kind: &'static str,
    to: String,
    subject: String,
    body: String,
    /// queued, sent or failed.
    state: &'static str,
    attempts: u32,
    /// The SMTP server's last answer, or why it was not reached.
    error: Option<String>,
    queued_at: DateTime<Utc>,
    last_attempt_at: Option<DateTime<Utc>>,
}

impl MailView {
    fn new(id: u64, mail: MailRecord) -> MailView {
        MailView {
            id: id.to_string(),
            kind: mail.kind.name(),
            to: mail.to,
            subject: mail.subject,
            body: mail.body,
            state: mail.state.name(),
            attempts: mail.attempts,
            error: mail.error,
            queued_at: mail.queued_at,
            last_attempt_at: mail.last_attempt_at,
        }
    }
}

/// What a resend did.
#[derive(Debug, Serialize, ToSchema)]
struct Resent {
    id: String,
    state: &'static str,
}

/// A page of the mail log as `query` asks (`before`, `limit`), read off
/// the worker's event loop, and the page's size.
pub(in crate::actors::web) async fn mail_page(
    state: &WebState,
    query: &str,
) -> Result<(Vec<(u64, MailRecord)>, usize), Problem> {
    let page = web::Query::<Page>::from_query(query)
        .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))?;
    let limit = match page.limit {
        None => DEFAULT_LIMIT,
        Some(limit @ 1..=MAX_LIMIT) => limit,
        Some(_) => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                format!("limit: 1 to {MAX_LIMIT}"),
            ));
        }
    };
    let store = state.store.clone();
    let before = page.before;
    Ok((
        web::block(move || store.mail_page(before, limit)).await??,
        limit,
    ))
}

/// The mail log, newest first (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(Page),
    responses(
        (status = OK, description = "A page, newest first.", body = MailLog),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/mail")]
async fn list_mail(
    _: Operator,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (page, limit) = mail_page(&state, request.query_string()).await?;
    let next_before = (page.len() == limit)
        .then(|| page.last().map(|(id, _)| id.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(MailLog {
        items: page
            .into_iter()
            .map(|(id, mail)| MailView::new(id, mail))
            .collect(),
        next_before,
    }))
}

/// Queues a logged mail again through the mailer.
pub(in crate::actors::web) async fn resend(state: &WebState, id: &str) -> Result<u64, Problem> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "no such mail".into());
    let id = id.parse::<u64>().map_err(|_| not_found())?;
    let Some(mailer) = &state.resend_mail else {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "mail is not configured ([mail] is not set)".into(),
        ));
    };
    match mailer.send(Resend { id }).await? {
        Ok(()) => Ok(id),
        Err(ResendRefused::NoMail(_)) => Err(not_found()),
        Err(ResendRefused::Store(error)) => Err(error.into()),
        Err(refused @ ResendRefused::Restarting) => Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            refused.to_string(),
        )),
    }
}

/// Send one mail of the log again (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path)),
    responses(
        (status = ACCEPTED, description = "Queued again; sent at once.", body = Resent),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[post("/api/v1/mail/{id}/resend")]
async fn resend_mail(
    _: Operator,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = resend(&state, &id).await?;
    Ok(HttpResponse::Accepted().json(Resent {
        id: id.to_string(),
        state: "queued",
    }))
}
