//! The HTTP listeners (`web.listen`, and HTTPS on `web.tls_listen`; the
//! same application on both, either may be left out), actix-web: the customer JSON API of
//! SPEC §4 and `/healthz`; each area of endpoints is a file of its own that
//! registers its handlers (`configure`). A handler's route attribute
//! (`#[get("/path")]`) is its path and method, its `#[utoipa::path]` what
//! the OpenAPI document says of it, and its arguments who may call it
//! (`auth::Operator`, `auth::Customer`).
//!
//! | file | endpoints |
//! |---|---|
//! | this one | `GET /healthz`: 200 `{"status":"ok"}` while the store takes writes, 503 otherwise |
//! | `customer.rs` | `POST /api/v1/messages`, `GET /api/v1/messages/{id}`, `GET /api/v1/balance` |
//! | `accounts.rs` (admin) | `GET/POST /api/v1/accounts`, `GET/PATCH /api/v1/accounts/{id}`, `POST /api/v1/accounts/{id}/credit`, `GET /api/v1/accounts/{id}/ledger` |
//! | `routes.rs` (admin) | `GET/POST /api/v1/routes`, `PUT/DELETE /api/v1/routes/{index}` |
//! | `sessions.rs` (admin) | `GET /api/v1/sessions`, `GET`, `DELETE /api/v1/sessions/{id}` |
//! | `openapi.rs` | `GET /api/v1/openapi.json`, the document of all of them, generated |
//! | `kannel.rs` | `GET`, `POST /cgi-bin/sendsms` (Kannel's smsbox) |
//! | `mo_routes.rs` (admin) | `GET /api/v1/mo-routes`, `PUT`/`DELETE /api/v1/mo-routes/{number}`, `PUT`/`DELETE /api/v1/mo-routes/{number}/{keyword}` |
//! | `autoreplies.rs` (admin) | `GET`/`POST /api/v1/autoreplies`, `GET`/`PUT`/`DELETE /api/v1/autoreplies/{name}` |
//! | `polls.rs` (admin; customers their own) | `GET`/`POST /api/v1/polls`, `GET`/`DELETE /api/v1/polls/{id}`, `GET /api/v1/polls/{id}/votes.csv`, `POST /api/v1/polls/{id}/close` |
//! | `gateways.rs` (admin) | `GET`/`POST /api/v1/gateways`, `GET`/`PUT /api/v1/gateways/{name}`, `POST /api/v1/gateways/{name}/stop`, `/start` |
//! | `callbacks.rs` (admin) | `GET /api/v1/callbacks/dead`, `POST /api/v1/callbacks/dead/{id}/replay`, `POST /api/v1/callbacks/dead/replay` |
//! | `metrics.rs` (open) | `GET /metrics`: Prometheus text |
//! | `messages_list.rs` | `GET /api/v1/messages` (JSON pages), `GET /api/v1/messages.csv` |
//! | `keys.rs` | `POST /api/v1/keys`, `GET /api/v1/keys`, `DELETE /api/v1/keys/{id}` |
//! | `conversations.rs` | `GET /api/v1/conversations`, `GET /api/v1/conversations/{ours}/{theirs}`, `POST /api/v1/conversations/{ours}/{theirs}/messages` (customers; the operator with `?account=`) |
//! | `content_rules.rs` (admin) | `GET`/`POST /api/v1/rules`, `GET`/`PUT`/`DELETE /api/v1/rules/{name}` |
//! | `held.rs` (admin) | `GET /api/v1/held`, `POST /api/v1/held/{id}/release`, `POST /api/v1/held/{id}/drop` |
//! | `opt_outs.rs` (admin and customers) | `GET`/`POST /api/v1/opt-outs`, `DELETE /api/v1/opt-outs/{number}`, `POST /api/v1/opt-outs/import`, `GET /api/v1/opt-outs/export` |
//! | `campaign_create.rs` (admin and customers) | `POST /api/v1/campaigns`, `POST /api/v1/campaigns/file` |
//! | `campaigns.rs` (admin and customers) | `GET /api/v1/campaigns`, `GET /api/v1/campaigns/{id}`, `POST /api/v1/campaigns/{id}/pause`, `/resume`, `/cancel` (one handler, the action a path segment), `GET /api/v1/campaigns/{id}/recipients.csv` |
//! | `dnd.rs` (admin) | `GET`/`DELETE /api/v1/dnd`, `GET`/`DELETE /api/v1/dnd/{number}`, `POST /api/v1/dnd/import` |
//! | `contacts.rs` | `GET`/`POST /api/v1/contacts`, `GET`/`PUT`/`DELETE /api/v1/contacts/{number}`, `POST /api/v1/contacts/count`, `GET /api/v1/groups`, `DELETE /api/v1/groups/{name}` (customers; the operator with `?account=`) |
//! | `contact_import.rs` | `POST /api/v1/contacts/import` (customers; the operator with `?account=`) |
//! | `gateway_receipts.rs` (an `http` gateway's provider, by its token) | `GET`/`POST /receipts/{gateway}` |
//! | `reports.rs` (both) | `GET /api/v1/reports/today`, `/daily`, `/monthly` |
//! | `route_quality.rs` (admin) | `GET /api/v1/reports/route-quality` |
//!
//! Customers authenticate with HTTP Basic, their account's system_id and
//! password, or with an API key (Bearer or `X-API-Key`), from the
//! account's `allowed_ips`; the operator with
//! `web.admin_user` (`auth.rs`). Every error is an RFC 9457 problem
//! (`application/problem+json`, `problem.rs`) naming the field at fault
//! where there is one.
//!
//! What the handler files share, none of which imports this file:
//!
//! | file | what |
//! |---|---|
//! | `state.rs` | the [`WebState`] every handler reads |
//! | `credentials.rs` | the operator's credentials, the cache of accepted ones |
//! | `auth.rs` | who is calling: the `Operator` and `Customer` extractors |
//! | `body_first.rs` | a body read before its caller is checked |
//! | `body.rs` | an admin body read field by field |
//! | `problem.rs` | the error answer, and which status each error is |
//! | `failure.rs` | the cause of an internal error, logged once by a middleware |
//! | `json_only.rs` | the CSRF guard: state-changing API requests must be JSON |
//! | `schemas.rs` | OpenAPI schemas of types owned outside the HTTP layer |
//! | `list_import.rs` | a list imported as CSV or plain text, read as it arrives; the media types an import takes |
//! | `csv_file.rs` | a CSV export answered as a file to save |
//! | `audit.rs` | the operator's audit log, a middleware around every route |

mod accounts;
mod audit;
mod auth;
mod autoreplies;
mod body;
mod body_first;
mod callbacks;
mod campaign_create;
mod campaign_making;
mod campaigns;
mod contact_import;
mod contacts;
mod content_rules;
mod conversations;
mod credentials;
mod csv_file;
mod customer;
mod dnd;
mod failure;
mod gateway_receipts;
mod gateways;
mod held;
mod json_only;
mod kannel;
mod keys;
mod list_import;
mod mail;
mod messages_list;
mod metrics;
mod mo_routes;
mod openapi;
mod opt_outs;
mod polls;
mod problem;
mod reports;
mod route_quality;
mod routes;
mod schemas;
mod sessions;
mod state;
mod ui;

pub use credentials::AdminCredentials;
pub use state::WebState;

use std::net::SocketAddr;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, dev::ServerHandle, get, middleware, web};
use slog::{error, info};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use problem::Problem;

/// Binds `plain` (HTTP) and `https` (with its TLS settings), those given,
/// and serves until the returned handle stops it; a failed bind is
/// returned with its address. One worker thread: the work of a request is
/// in the account actor and the store, so more would only contend for the
/// same cores.
pub fn start(
    plain: Option<SocketAddr>,
    https: Option<(SocketAddr, rustls::ServerConfig)>,
    state: WebState,
) -> Result<ServerHandle, (SocketAddr, std::io::Error)> {
    let logger = state.logger.clone();
    let server_logger = logger.clone();
    let state = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        let (app, document) = App::new()
            .into_utoipa_app()
            .openapi(openapi::Base::openapi())
            .app_data(state.clone())
            .app_data(web::JsonConfig::default().error_handler(|error, _| {
                let problem = Problem::new(StatusCode::BAD_REQUEST, error.to_string());
                actix_web::error::InternalError::from_response(error, problem.response()).into()
            }))
            .service(healthz)
            .configure(customer::configure)
            .configure(accounts::configure)
            .configure(routes::configure)
            .configure(mo_routes::configure)
            .configure(autoreplies::configure)
            .configure(polls::configure)
            .configure(campaigns::configure)
            .configure(campaign_create::configure)
            .configure(content_rules::configure)
            .configure(held::configure)
            .configure(sessions::configure)
            .configure(openapi::configure)
            .configure(kannel::configure)
            .configure(gateways::configure)
            .configure(gateway_receipts::configure)
            .configure(callbacks::configure)
            .configure(metrics::configure)
            .configure(keys::configure)
            .configure(messages_list::configure)
            .configure(conversations::configure)
            .configure(opt_outs::configure)
            .configure(dnd::configure)
            .configure(contacts::configure)
            .configure(contact_import::configure)
            .configure(reports::configure)
            .configure(route_quality::configure)
            .configure(mail::configure)
            .default_service(web::to(|| async {
                Problem::new(StatusCode::NOT_FOUND, "no such endpoint".into()).response()
            }))
            .split_for_parts();
        app.app_data(web::Data::new(document))
            .configure(ui::configure)
            .wrap(middleware::from_fn(json_only::require_json))
            .wrap(middleware::from_fn(audit::record))
            .wrap(ui::security_headers())
            .wrap(middleware::from_fn(failure::log_failures))
    })
    .workers(1)
    .shutdown_timeout(REQUESTS_FINISH_LIMIT.as_secs())
    .disable_signals();
    let mut listening = Vec::new();
    if let Some(address) = plain {
        server = server.bind(address).map_err(|error| (address, error))?;
        listening.push(("HTTP", server.addrs().last().copied().unwrap_or(address)));
    }
    if let Some((address, tls)) = https {
        server = server
            .bind_rustls_0_23(address, tls)
            .map_err(|error| (address, error))?;
        listening.push(("HTTPS", server.addrs().last().copied().unwrap_or(address)));
    }
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(async move {
        if let Err(error) = server.await {
            error!(server_logger, "HTTP server failed"; "error" => %error);
        }
    });
    for (name, address) in listening {
        info!(logger, "{} listening", name; "address" => %address);
    }
    Ok(handle)
}

/// How long a stop lets the HTTP requests in progress finish before it
/// closes their connections.
const REQUESTS_FINISH_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long `/healthz` waits for the store to answer.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Health: serving and the store takes writes
///
/// An empty batch goes through the group committer, so the answer is 200
/// only while writes are taken. After a journal append or a checkpoint
/// failed (a full or failing disk) the store refuses every later write,
/// nothing more is acknowledged until a restart, and this says 503 with
/// the store's error.
#[utoipa::path(responses(
    (status = OK, description = "The switch is serving and its store commits writes."),
    (status = SERVICE_UNAVAILABLE, description = "The store refuses writes (a journal append or checkpoint failed: disk full or failing); nothing is acknowledged until a restart. `{\"status\": \"failing\", \"store\": \"<error>\"}`."),
))]
#[get("/healthz")]
async fn healthz(state: web::Data<WebState>) -> HttpResponse {
    let barrier = state.store.commit(crate::store::Batch::new());
    let failing = match tokio::time::timeout(HEALTH_TIMEOUT, barrier).await {
        Ok(Ok(())) => return HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("no answer within {} s", HEALTH_TIMEOUT.as_secs()),
    };
    HttpResponse::ServiceUnavailable()
        .json(serde_json::json!({"status": "failing", "store": failing}))
}
