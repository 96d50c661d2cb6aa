//! The admin API's held messages (operator credentials): the messages a
//! content rule with `action = "hold"` accepted and keeps from every
//! gateway, listed, released (sent on as if just accepted) or dropped
//! (DELETED, refunded, a receipt if asked for). A concatenated message is
//! one entry, released or dropped whole (`actors::admin::held`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::problem::Problem;
use super::state::WebState;
use crate::checks::content::text_of_parts;
use crate::model::{Message, MessageId};
use crate::pending::{WholeMessage, whole_message};

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_held)
        .service(release_held)
        .service(drop_held);
}

/// One held message, all its parts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HeldMessage)]
pub(in crate::actors::web) struct HeldView {
    /// Its first part's id: the one to release or drop.
    pub(in crate::actors::web) id: String,
    /// Every part's id, in order.
    pub(in crate::actors::web) ids: Vec<String>,
    pub(in crate::actors::web) account: String,
    /// The content rule holding it.
    pub(in crate::actors::web) rule: String,
    pub(in crate::actors::web) from: String,
    pub(in crate::actors::web) to: String,
    /// The text, parts joined; null for binary data.
    #[schema(required = true)]
    pub(in crate::actors::web) text: Option<String>,
    pub(in crate::actors::web) parts: usize,
    /// When it was accepted (and held).
    pub(in crate::actors::web) held_at: DateTime<Utc>,
    /// When it expires if still held then; null: never.
    #[schema(required = true)]
    pub(in crate::actors::web) validity: Option<DateTime<Utc>>,
}

/// The held messages (oldest first), grouped into whole messages.
pub(in crate::actors::web) fn views(held: Vec<Message>) -> Vec<HeldView> {
    let mut wholes: Vec<Vec<Message>> = Vec::new();
    let mut places: HashMap<WholeMessage, usize> = HashMap::new();
    for message in held {
        match places.entry(whole_message(&message)) {
            Entry::Occupied(place) => wholes[*place.get()].push(message),
            Entry::Vacant(place) => {
                place.insert(wholes.len());
                wholes.push(vec![message]);
            }
        }
    }
    wholes.into_iter().map(view).collect()
}

/// One whole message from its parts.
fn view(mut parts: Vec<Message>) -> HeldView {
    parts.sort_by_key(|part| (part.part.map(|part| part.seq()), part.id));
    let head = &parts[0];
    HeldView {
        id: head.id.to_string(),
        ids: parts.iter().map(|part| part.id.to_string()).collect(),
        account: head.account.to_string(),
        rule: head.held_by.clone().unwrap_or_default(),
        from: head.source.text().to_owned(),
        to: head.destination.text().to_owned(),
        text: text_of_parts(
            head.data_coding,
            parts
                .iter()
                .map(|part| (part.esm_class, part.payload.as_slice())),
        ),
        parts: parts.len(),
        held_at: head.created_at,
        validity: head.validity,
    }
}

/// Which held messages to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct HeldQuery {
    /// Only this account's.
    account: Option<String>,
    /// Only those this rule holds.
    rule: Option<String>,
}

/// The messages content rules hold, oldest first (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(HeldQuery),
    responses(
        (status = OK, description = "Every held message, parts joined.", body = [HeldView]),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/held")]
async fn list_held(
    request: HttpRequest,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query = web::Query::<HeldQuery>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))?;
    let held: Vec<Message> = state
        .changes
        .held_messages()
        .await?
        .into_iter()
        .filter(|message| {
            query
                .account
                .as_ref()
                .is_none_or(|account| message.account.as_str() == account)
                && query
                    .rule
                    .as_ref()
                    .is_none_or(|rule| message.held_by.as_ref() == Some(rule))
        })
        .collect();
    Ok(HttpResponse::Ok().json(views(held)))
}

/// The held message an id in a path names.
pub(in crate::actors::web) fn held_id(id: &str) -> Result<MessageId, Problem> {
    id.parse::<MessageId>()
        .map_err(|_| Problem::new(StatusCode::NOT_FOUND, format!("no held message {id:?}")))
}

/// The answer of a release or drop: the message's id and what became of it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HeldOutcome)]
struct OutcomeView {
    id: String,
    /// "released" or "dropped".
    outcome: &'static str,
}

/// Release a held message (every part): sent on as if just accepted; receipts as usual (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The held message's id (its first part's).")),
    responses(
        (status = OK, description = "Released.", body = OutcomeView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[post("/api/v1/held/{id}/release")]
async fn release_held(
    id: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let message = held_id(&id)?;
    state.changes.release_held(message).await?;
    Ok(HttpResponse::Ok().json(OutcomeView {
        id: message.to_string(),
        outcome: "released",
    }))
}

/// Drop a held message (every part): DELETED, its charge refunded, a receipt if one was asked for (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path, description = "The held message's id (its first part's).")),
    responses(
        (status = OK, description = "Dropped and refunded.", body = OutcomeView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[post("/api/v1/held/{id}/drop")]
async fn drop_held(
    id: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let message = held_id(&id)?;
    state.changes.drop_held(message).await?;
    Ok(HttpResponse::Ok().json(OutcomeView {
        id: message.to_string(),
        outcome: "dropped",
    }))
}
