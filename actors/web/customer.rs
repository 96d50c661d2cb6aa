//! The customer JSON API of SPEC §4: send, look up one message, read the
//! balance. A message sent here takes the SMPP path from the account actor
//! on (TPS, route, credit, one durable batch), and the answer waits for the
//! same group commit a submit_sm_resp does.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use tokio::sync::oneshot;

use super::auth::Customer;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::account::{Reply, Submit};
use crate::api::{self, BalanceView, MessageView, SendRequest, SendResponse, Sent};
use crate::metrics::{self, Rejection};
use crate::model::MessageId;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/messages", web::post().to(send))
        .route("/api/v1/messages/{id}", web::get().to(message))
        .route("/api/v1/balance", web::get().to(balance));
}

async fn send(
    BodyFirst {
        body,
        caller: account,
        read,
    }: BodyFirst<web::Json<SendRequest>, Customer>,
) -> Result<HttpResponse, Problem> {
    let submission = api::submission(&body, Utc::now()).map_err(|error| {
        metrics::global().rejected(&account.id, Rejection::Invalid);
        Problem::from(error)
    })?;
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
    Ok(HttpResponse::Accepted().json(SendResponse {
        messages,
        parts,
        cost: accepted.charged.to_string(),
    }))
}

async fn message(
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

async fn balance(account: Customer, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let balance = state.balance(&account.id)?;
    Ok(HttpResponse::Ok().json(BalanceView {
        account: account.id.to_string(),
        balance: balance.to_string(),
    }))
}
