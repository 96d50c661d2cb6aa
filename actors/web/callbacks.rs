//! The admin API's dead letters (operator credentials): callbacks that
//! failed every attempt, listed and sent again.
//!
//! - `GET /api/v1/callbacks/dead?after=ID&limit=N`: oldest first, at most
//!   `limit` (default 100, at most 1000) with event ids above `after`;
//!   `next_after` is the `after` of the next page (`null` when this page is not full).
//! - `POST /api/v1/callbacks/dead/{id}/replay`: that one back to the
//!   outbox with its attempts reset; 404 when there is no such dead letter.
//! - `POST /api/v1/callbacks/dead/replay`: all of them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::callbacks::Replay;
use crate::store::{CallbackRequest, OutboxItem};

/// A page's size when the request does not say.
const DEFAULT_LIMIT: usize = 100;
/// The largest page.
const MAX_LIMIT: usize = 1000;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_dead_letters)
        .service(replay_dead_letters)
        .service(replay_dead_letter);
}

/// `?after=&limit=` of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Page {
    /// Ids above this one.
    #[param(value_type = Option<String>)]
    after: Option<u64>,
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
}

/// A page of dead letters, oldest first.
#[derive(Debug, Serialize, ToSchema)]
struct DeadLetters {
    items: Vec<DeadLetterView>,
    next_after: Option<String>,
}

/// One dead letter as the admin API shows it; ids as strings, like
/// message ids.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DeadLetter)]
struct DeadLetterView {
    id: String,
    account: String,
    message_id: String,
    method: Method,
    url: String,
    attempts: u32,
    last_error: Option<String>,
    queued_at: DateTime<Utc>,
}

impl From<OutboxItem> for DeadLetterView {
    fn from(item: OutboxItem) -> DeadLetterView {
        let method = match item.request {
            CallbackRequest::Post { .. } => Method::Post,
            CallbackRequest::Get { .. } => Method::Get,
        };
        DeadLetterView {
            id: item.id.to_string(),
            account: item.account.to_string(),
            message_id: item.message.to_string(),
            method,
            url: item.request.url().to_string(),
            attempts: item.attempts,
            last_error: item.last_error,
            queued_at: item.queued_at,
        }
    }
}

/// How a callback calls its URL.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
enum Method {
    Get,
    Post,
}

/// How many went back to the outbox.
#[derive(Debug, Serialize, ToSchema)]
struct Replayed {
    replayed: usize,
}

/// Callbacks that failed every attempt (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(Page),
    responses(
        (status = OK, description = "A page, oldest first.", body = DeadLetters),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/callbacks/dead")]
async fn list_dead_letters(
    _: Operator,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let page = web::Query::<Page>::from_query(request.query_string())
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
    let after = page.after.unwrap_or(0);
    let items = web::block(move || store.dead_letters(after, limit)).await??;
    let next_after = (items.len() == limit)
        .then(|| items.last().map(|item| item.id.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(DeadLetters {
        items: items.into_iter().map(DeadLetterView::from).collect(),
        next_after,
    }))
}

/// Send one dead letter again, attempts reset (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path)),
    responses(
        (status = OK, description = "How many went back to the outbox.", body = Replayed),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[post("/api/v1/callbacks/dead/{id}/replay")]
async fn replay_dead_letter(
    _: Operator,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "no such dead letter".into());
    let id = id.parse::<u64>().map_err(|_| not_found())?;
    match replay(&state, Some(id)).await? {
        0 => Err(not_found()),
        replayed => Ok(HttpResponse::Ok().json(Replayed { replayed })),
    }
}

/// Send every dead letter again (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "How many went back to the outbox.", body = Replayed),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[post("/api/v1/callbacks/dead/replay")]
async fn replay_dead_letters(
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let replayed = replay(&state, None).await?;
    Ok(HttpResponse::Ok().json(Replayed { replayed }))
}

/// Reads the dead letters (off the worker's event loop: a scan) and asks
/// the callbacks actor to move them back to the outbox.
pub(in crate::actors::web) async fn replay(
    state: &WebState,
    id: Option<u64>,
) -> Result<usize, Problem> {
    let store = state.store.clone();
    let items = web::block(move || match id {
        Some(id) => store.dead_letter(id).map(|item| item.into_iter().collect()),
        None => store.dead_letters(0, usize::MAX),
    })
    .await??;
    if items.is_empty() {
        return Ok(0);
    }
    Ok(state.replay.send(Replay { items }).await??)
}
