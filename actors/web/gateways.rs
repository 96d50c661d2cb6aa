//! The admin API's live view of the gateways (operator credentials):
//! `GET /api/v1/gateways` lists every upstream SMPP gateway with its binds
//! and their state, window in use, queue depth, TPS configured and
//! measured, last error and reconnect count (`upstream::status`), in
//! configured order; `GET /api/v1/gateways/{name}` shows one.

use actix::Recipient;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::problem::Problem;
use super::{WebState, auth};
use crate::actors::upstream::Status;
use crate::model::GatewayName;
use crate::upstream::status::GatewaySnapshot;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/gateways", web::get().to(list))
        .route("/api/v1/gateways/{name}", web::get().to(one));
}

async fn list(request: HttpRequest, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    auth::admin(&request, &state).await?;
    let mut snapshots = Vec::with_capacity(state.gateways.len());
    for (name, gateway) in &state.gateways {
        snapshots.push(snapshot(&state, name, gateway).await?);
    }
    Ok(HttpResponse::Ok().json(snapshots))
}

async fn one(
    request: HttpRequest,
    name: web::Path<String>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    auth::admin(&request, &state).await?;
    let name = name.into_inner();
    let (name, gateway) = state
        .gateways
        .iter()
        .find(|(gateway, _)| gateway.as_str() == name)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                format!("no upstream gateway named {name:?}"),
            )
        })?;
    Ok(HttpResponse::Ok().json(snapshot(&state, name, gateway).await?))
}

async fn snapshot(
    state: &WebState,
    name: &GatewayName,
    gateway: &Recipient<Status>,
) -> Result<GatewaySnapshot, Problem> {
    gateway.send(Status).await.map_err(|error| {
        Problem::internal(
            &state.logger,
            &format!("gateway {name} did not answer: {error}"),
        )
    })
}
