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
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/callbacks/dead", web::get().to(list))
        .route("/api/v1/callbacks/dead/replay", web::post().to(replay_all))
        .route(
            "/api/v1/callbacks/dead/{id}/replay",
            web::post().to(replay_one),
        );
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    after: Option<u64>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
struct DeadLetters {
    items: Vec<DeadLetterView>,
    next_after: Option<String>,
}

/// One dead letter as the admin API shows it; ids as strings, like
/// message ids.
#[derive(Debug, Serialize)]
struct DeadLetterView {
    id: String,
    account: String,
    message_id: String,
    method: &'static str,
    url: String,
    attempts: u32,
    last_error: Option<String>,
    queued_at: DateTime<Utc>,
}

impl From<OutboxItem> for DeadLetterView {
    fn from(item: OutboxItem) -> DeadLetterView {
        let method = match item.request {
            CallbackRequest::Post { .. } => "POST",
            CallbackRequest::Get { .. } => "GET",
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

#[derive(Debug, Serialize)]
struct Replayed {
    replayed: usize,
}

async fn list(
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

async fn replay_one(
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

async fn replay_all(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let replayed = replay(&state, None).await?;
    Ok(HttpResponse::Ok().json(Replayed { replayed }))
}

/// Reads the dead letters (off the worker's event loop: a scan) and asks
/// the callbacks actor to move them back to the outbox.
async fn replay(state: &WebState, id: Option<u64>) -> Result<usize, Problem> {
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
