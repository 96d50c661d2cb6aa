//! The customer JSON API of SPEC §4: send, look up one message, read the
//! balance. A message sent here takes the SMPP path from the account actor
//! on (TPS, route, credit, one durable batch), and the answer waits for the
//! same group commit a submit_sm_resp does.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use tokio::sync::oneshot;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Customer;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::pipeline::callback_targets::check_url;
use crate::actors::protocol::account::{Reply, Submit, SubmittedBy};
use crate::actors::protocol::directory::AccountEntry;
use crate::api::{self, BalanceView, FieldError, MessageView, SendRequest, SendResponse, Sent};
use crate::metrics::{self, Rejection};
use crate::model::{Callback, MessageId};

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(send_message)
        .service(read_message)
        .service(read_balance);
}

/// Send one text to one or many numbers
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    request_body = SendRequest,
    responses(
        (status = ACCEPTED, description = "Durably accepted.", body = SendResponse),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = PAYMENT_REQUIRED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = TOO_MANY_REQUESTS, response = Problem),
        (status = PAYLOAD_TOO_LARGE, response = Problem),
    ),
)]
#[post("/api/v1/messages")]
async fn send_message(
    BodyFirst {
        body,
        caller: account,
        read,
    }: BodyFirst<web::Json<SendRequest>, Customer>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    send(&account, &body, read, &state).await
}

/// Sends `body` as `account`'s submission and answers as
/// `POST /api/v1/messages` does: that endpoint and a reply inside a
/// conversation (`conversations.rs`).
pub(super) async fn send(
    account: &AccountEntry,
    body: &SendRequest,
    read: Instant,
    state: &WebState,
) -> Result<HttpResponse, Problem> {
    let sent = accept(account, body, read, state).await?;
    Ok(HttpResponse::Accepted().json(sent))
}

/// Reads `body` into a submission and has `account` accept it: the ids,
/// parts and cost once its messages are durable.
pub(in crate::actors::web) async fn accept(
    account: &AccountEntry,
    body: &SendRequest,
    read: Instant,
    state: &WebState,
) -> Result<SendResponse, Problem> {
    let submission = api::submission(body, Utc::now()).map_err(|error| {
        metrics::global().rejected(&account.id, Rejection::Invalid);
        Problem::from(error)
    })?;
    if let Some(Callback::Json { url }) = &submission.callback {
        check_url(&state.callback_policy, url)
            .await
            .map_err(|refused| {
                metrics::global().rejected(&account.id, Rejection::Invalid);
                Problem::from(FieldError {
                    field: "callback_url".into(),
                    detail: refused.to_string(),
                })
            })?;
    }
    let parts = submission.parts.len();
    let numbers: Vec<String> = submission
        .destinations
        .iter()
        .map(|destination| destination.text().to_string())
        .collect();
    let (reply, answer) = oneshot::channel();
    account.actor.submit.do_send(Submit {
        submission,
        sequence_number: 0,
        reply: Reply::Request(reply),
        received: read,
        by: SubmittedBy::Customer,
    });
    let submitted = answer.await.map_err(|_| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the account is restarting; try again".into(),
        )
    })?;
    let accepted = submitted.result.map_err(Problem::refused)?;
    let messages = numbers
        .into_iter()
        .zip(accepted.ids.chunks(parts.max(1)))
        .map(|(to, ids)| Sent {
            to,
            ids: ids.iter().map(MessageId::to_string).collect(),
        })
        .collect();
    Ok(SendResponse {
        messages,
        parts,
        cost: accepted.charged.to_string(),
    })
}

/// One message part with its history
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(("id" = String, Path)),
    responses(
        (status = OK, description = "The message.", body = MessageView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/messages/{id}")]
async fn read_message(
    account: Customer,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let not_found = || {
        Problem::new(
            StatusCode::NOT_FOUND,
            format!("no message {id} in this account"),
        )
    };
    let message_id = id
        .parse::<u64>()
        .map(MessageId::new)
        .map_err(|_| not_found())?;
    let message = state
        .store
        .message(message_id)?
        .filter(|message| message.account == account.id)
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(MessageView::from(&message)))
}

/// The account's credit
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    responses(
        (status = OK, description = "The balance.", body = BalanceView),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/balance")]
async fn read_balance(
    account: Customer,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let balance = state.balance(&account.id)?;
    Ok(HttpResponse::Ok().json(BalanceView {
        account: account.id.to_string(),
        balance: balance.to_string(),
    }))
}
