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
use actix_web::{HttpResponse, get, post, put, web};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

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
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_gateways)
        .service(add_gateway)
        .service(read_gateway)
        .service(change_gateway)
        .service(stop_gateway)
        .service(start_gateway);
}

/// The keys of a [[gateways]] table of the configuration file, as JSON, checked
/// with the file's rules (the same defaults, limits and errors); a key of
/// another kind, or an unknown key, is refused. Each problem names its key in
/// field.
///
/// The document's view of a gateway's body, which [`definition`] reads
/// whole and the configuration's parser checks.
#[derive(ToSchema)]
#[schema(as = GatewayInput)]
#[expect(
    dead_code,
    reason = "never built: the configuration's parser reads the body"
)]
struct GatewayBody {
    /// 1 to 64 letters, digits, '-' or '_'. In PUT it may be left out; given,
    /// it must be the path's.
    name: String,
    /// Cannot change in PUT (409).
    kind: Kind,
    /// simulator
    dlr_delay_ms: Option<u64>,
    /// smpp and ucp, required
    host: Option<String>,
    /// smpp and ucp, required
    #[schema(minimum = 1, maximum = 65535)]
    port: Option<u16>,
    /// smpp, required
    system_id: Option<String>,
    /// ucp, required: the OAdC of the login (60)
    login: Option<String>,
    /// smpp and ucp, required
    password: Option<String>,
    /// smpp
    bind: Option<Bind>,
    /// smpp (default 64), ucp (default 64, at most 100)
    window: Option<u32>,
    /// smpp and ucp
    tps: Option<u32>,
    /// ucp: seconds between alerts (31) on a quiet link, default 60
    keepalive_s: Option<u64>,
    /// smpp
    id_format: Option<String>,
    /// smpp
    sessions: Option<u32>,
    /// smpp and ucp
    max_attempts: Option<u32>,
    /// smpp and ucp
    failover_after_s: Option<u64>,
    /// smpp and ucp
    queue_limit: Option<u32>,
    /// modem, required
    device: Option<String>,
    /// modem
    baud: Option<u32>,
    /// modem
    pin: Option<String>,
    /// modem
    command_timeout_ms: Option<u64>,
    /// modem
    poll_interval_ms: Option<u64>,
}

/// A gateway's `kind`, as the document shows it.
#[derive(ToSchema)]
#[schema(as = GatewayKind, rename_all = "lowercase")]
#[expect(dead_code, reason = "the document's, like GatewayBody")]
enum Kind {
    Simulator,
    Smpp,
    Ucp,
    Modem,
}

/// An smpp gateway's `bind`, as the document shows it.
#[derive(ToSchema)]
#[schema(as = GatewayBind, rename_all = "lowercase")]
#[expect(dead_code, reason = "the document's, like GatewayBody")]
enum Bind {
    Transmitter,
    Receiver,
    Transceiver,
    Pair,
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
    let object = Fields::parse(body)?.into_object();
    let mut table = toml::Table::new();
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        let value = toml::Value::try_from(&value)
            .map_err(|error| problem(&key, format!("cannot be a configuration value: {error}")))?;
        table.insert(key, value);
    }
    checked(table, name)
}

/// A gateway's definition written as TOML (the keys of a `[[gateways]]`
/// table, as the web UI's form takes it), checked like [`definition`].
pub(in crate::actors::web) fn toml_definition(
    text: &str,
    name: Option<&str>,
) -> Result<(GatewayConfig, String), FieldError> {
    let table: toml::Table = text
        .parse()
        .map_err(|error| problem("definition", format!("is not TOML: {error}")))?;
    checked(table, name)
}

/// `table` named `name` when given (left out, or the same), checked with
/// the file's rules; and its TOML.
fn checked(
    mut table: toml::Table,
    name: Option<&str>,
) -> Result<(GatewayConfig, String), FieldError> {
    if let Some(name) = name {
        match table.get("name") {
            None => {
                table.insert("name".into(), toml::Value::String(name.into()));
            }
            Some(toml::Value::String(given)) if given == name => {}
            Some(_) => {
                return Err(problem(
                    "name",
                    format!("must be the gateway's name in the path, {name:?}"),
                ));
            }
        }
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

/// Every gateway of every kind with its state (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "The gateways: the file's in configured order, then those the admin API added.", body = [GatewayView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/gateways")]
async fn list_gateways(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let gateways = state.changes.route_starter.gateways.all();
    let mut views = Vec::with_capacity(gateways.len());
    for gateway in &gateways {
        views.push(view(gateway).await?);
    }
    Ok(HttpResponse::Ok().json(views))
}

/// One gateway (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path)),
    responses(
        (status = OK, description = "The gateway.", body = GatewayView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/gateways/{name}")]
async fn read_gateway(
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

/// Add a gateway; stored, started at once and after every restart (admin)
#[utoipa::path(
    security(("admin" = [])),
    request_body = GatewayBody,
    responses(
        (status = CREATED, description = "The gateway in the live view.", body = GatewayView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[post("/api/v1/gateways")]
async fn add_gateway(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (config, text) = definition(&body, None)?;
    let gateway = state.changes.add_gateway(config, text).await?;
    Ok(HttpResponse::Created().json(view(&gateway).await?))
}

/// Give a gateway a new definition of the same kind; its actor takes it without
/// being replaced: an smpp gateway drains its binds (answers in flight awaited)
/// and binds again keeping its queue, a modem reopens its port, a simulator
/// takes the new delay (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path)),
    request_body = GatewayBody,
    responses(
        (status = OK, description = "The gateway in the live view.", body = GatewayView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[put("/api/v1/gateways/{name}")]
async fn change_gateway(
    name: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (config, text) = definition(&body, Some(&name))?;
    let gateway = state.changes.change_gateway(&name, config, text).await?;
    Ok(HttpResponse::Ok().json(view(&gateway).await?))
}

/// Stop a gateway: it unbinds (answers in flight awaited), makes no reconnect
/// attempts, reports itself down so its routes use their next gateway, and
/// gives its queued messages back to them; stored, so it stays stopped after a
/// restart (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path)),
    responses(
        (status = OK, description = "The gateway in the live view.", body = GatewayView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[post("/api/v1/gateways/{name}/stop")]
async fn stop_gateway(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    administer(&name, &state, true).await
}

/// Start a stopped gateway again; stored (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path)),
    responses(
        (status = OK, description = "The gateway in the live view.", body = GatewayView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[post("/api/v1/gateways/{name}/start")]
async fn start_gateway(
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
