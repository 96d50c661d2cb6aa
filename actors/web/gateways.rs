//! The admin API's gateways (operator credentials): the live view of
//! every gateway of every kind (`GET /api/v1/gateways[/{name}]`, in
//! configured then added order: name, kind, up, stopped, and what the kind
//! knows: an smpp gateway's binds, window, queue, TPS and errors; a
//! modem's connection, signal and registration; a simulator's receipt
//! delay), and the changes: add one (`POST /api/v1/gateways`), give one a
//! new definition (`PUT /api/v1/gateways/{name}`), stop or start one
//! (`POST /api/v1/gateways/{name}/stop`, `/start`).
//!
//! A gateway's body is the keys of a `[[gateways]]` table written as a
//! JSON object, checked with the configuration file's own rules; every
//! problem names its key.

use actix::MailboxError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::auth::Operator;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::admin::live_gateways::LiveGateway;
use crate::actors::protocol::gateway::{GatewayView, Inspect};
use crate::api::FieldError;
use crate::config::GatewayConfig;
use crate::model::GatewayName;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/gateways", web::get().to(list))
        .route("/api/v1/gateways", web::post().to(add))
        .route("/api/v1/gateways/{name}", web::get().to(one))
        .route("/api/v1/gateways/{name}", web::put().to(change))
        .route("/api/v1/gateways/{name}/stop", web::post().to(stop))
        .route("/api/v1/gateways/{name}/start", web::post().to(start));
}

fn problem(field: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        detail: detail.into(),
    }
}

/// A gateway's body checked with the file's rules: its settings and its
/// definition as TOML (what the store keeps). `name`, when the path gives
/// one, is the gateway's name (the body may leave it out).
fn definition(body: &[u8], name: Option<&str>) -> Result<(GatewayConfig, String), FieldError> {
    let mut object = Fields::parse(body)?.into_object();
    if let Some(name) = name {
        match object.get("name") {
            None | Some(Value::Null) => {
                object.insert("name".into(), Value::String(name.into()));
            }
            Some(Value::String(given)) if given == name => {}
            Some(_) => {
                return Err(problem(
                    "name",
                    format!("must be the gateway's name in the path, {name:?}"),
                ));
            }
        }
    }
    let mut table = toml::Table::new();
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        let value = toml::Value::try_from(&value)
            .map_err(|error| problem(&key, format!("cannot be a configuration value: {error}")))?;
        table.insert(key, value);
    }
    let text = toml::to_string(&table)
        .map_err(|error| problem("body", format!("cannot be written as TOML: {error}")))?;
    let config = GatewayConfig::parse(&text).map_err(|issues| {
        let first = issues.into_iter().next();
        match first {
            Some(issue) => problem(
                issue.location.key.as_deref().unwrap_or("body"),
                issue.message,
            ),
            None => problem("body", "is not a gateway"),
        }
    })?;
    Ok((config, text))
}

/// A gateway actor that did not answer [`Inspect`].
#[derive(Debug, thiserror::Error)]
#[error("gateway {gateway} did not answer: {error}")]
struct Silent {
    gateway: GatewayName,
    error: MailboxError,
}

/// The gateway as the live view shows it, from its actor.
async fn view(gateway: &LiveGateway) -> Result<GatewayView, Problem> {
    gateway.actor.inspect.send(Inspect).await.map_err(|error| {
        Problem::internal(Silent {
            gateway: gateway.name.clone(),
            error,
        })
    })
}

fn no_gateway(name: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, format!("no gateway named {name:?}"))
}

async fn list(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let gateways = state.changes.route_starter.gateways.all();
    let mut views = Vec::with_capacity(gateways.len());
    for gateway in &gateways {
        views.push(view(gateway).await?);
    }
    Ok(HttpResponse::Ok().json(views))
}

async fn one(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let gateway = state
        .changes
        .route_starter
        .gateways
        .get(&name)
        .ok_or_else(|| no_gateway(&name))?;
    Ok(HttpResponse::Ok().json(view(&gateway).await?))
}

async fn add(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (config, text) = definition(&body, None)?;
    let gateway = state.changes.add_gateway(config, text).await?;
    Ok(HttpResponse::Created().json(view(&gateway).await?))
}

async fn change(
    name: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (config, text) = definition(&body, Some(&name))?;
    let gateway = state.changes.change_gateway(&name, config, text).await?;
    Ok(HttpResponse::Ok().json(view(&gateway).await?))
}

async fn stop(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    administer(&name, &state, true).await
}

async fn start(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    administer(&name, &state, false).await
}

async fn administer(name: &str, state: &WebState, stopped: bool) -> Result<HttpResponse, Problem> {
    let gateway = state.changes.administer_gateway(name, stopped).await?;
    Ok(HttpResponse::Ok().json(view(&gateway).await?))
}
