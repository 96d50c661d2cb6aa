//! The HTTP listener (`web.listen`, actix-web): the customer JSON API of
//! SPEC §4 and `/healthz`. A message sent here takes the SMPP path from
//! the account actor on (TPS, route, credit, one durable batch), and the
//! answer waits for the same group commit a submit_sm_resp does.
//!
//! | method and path | answer |
//! |---|---|
//! | `GET /healthz` | 200 `{"status":"ok"}` |
//! | `POST /api/v1/messages` | 202 [`SendResponse`]: ids per number, parts, cost |
//! | `GET /api/v1/messages/{id}` | 200 [`MessageView`] with its history; 404 if not this account's |
//! | `GET /api/v1/balance` | 200 [`BalanceView`] |
//!
//! Customers authenticate with HTTP Basic, their account's system_id and
//! password, from the account's `allowed_ips`. Every error is an RFC 9457
//! problem (`application/problem+json`) naming the field at fault where
//! there is one.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, dev::ServerHandle, web};
use chrono::Utc;
use serde::Serialize;
use slog::{Logger, error, info};
use tokio::sync::oneshot;

use super::account::{Reply, Submit};
use super::directory::{AccountEntry, Directory};
use crate::api::{self, BalanceView, FieldError, MessageView, SendRequest, SendResponse, Sent};
use crate::auth::address_allowed;
use crate::model::{MessageId, Money};
use crate::routing::RouteTable;
use crate::smpp::CommandStatus;

/// What the handlers share.
pub struct WebState {
    pub directory: Arc<Directory>,
    pub routes: Arc<RouteTable>,
    pub logger: Logger,
    /// Authorization header values whose password argon2 has accepted, and
    /// the system_id they name: argon2 is slow on purpose (tens of
    /// milliseconds), too slow to pay on every request of a busy client.
    /// The process holds the configured passwords anyway; the cache is
    /// bounded and starts over when full.
    verified: Mutex<HashMap<String, String>>,
}

/// Most entries of [`WebState::verified`].
const VERIFIED_CACHE: usize = 10_000;

/// Binds `listen` and serves until the returned handle stops it. One
/// worker thread: the work of a request is in the account actor and the
/// store, so more would only contend for the same cores.
pub fn start(listen: SocketAddr, state: WebState) -> std::io::Result<ServerHandle> {
    let logger = state.logger.clone();
    let server_logger = logger.clone();
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::JsonConfig::default().error_handler(|error, _| {
                let problem = Problem::new(StatusCode::BAD_REQUEST, error.to_string());
                actix_web::error::InternalError::from_response(error, problem.response()).into()
            }))
            .route("/healthz", web::get().to(healthz))
            .route("/api/v1/messages", web::post().to(send))
            .route("/api/v1/messages/{id}", web::get().to(message))
            .route("/api/v1/balance", web::get().to(balance))
            .default_service(web::to(|| async {
                Problem::new(StatusCode::NOT_FOUND, "no such endpoint".into()).response()
            }))
    })
    .workers(1)
    .disable_signals()
    .bind(listen)?;
    let address = server.addrs().first().copied().unwrap_or(listen);
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(async move {
        if let Err(error) = server.await {
            error!(server_logger, "HTTP server failed"; "error" => %error);
        }
    });
    info!(logger, "HTTP listening"; "address" => %address);
    Ok(handle)
}

impl WebState {
    pub fn new(directory: Arc<Directory>, routes: Arc<RouteTable>, logger: Logger) -> WebState {
        WebState {
            directory,
            routes,
            logger,
            verified: Mutex::new(HashMap::new()),
        }
    }

    // Nothing panics while holding it; a poisoned map is still a valid cache.
    fn verified_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn send(
    request: HttpRequest,
    state: web::Data<WebState>,
    body: web::Json<SendRequest>,
) -> Result<HttpResponse, Problem> {
    let account = authenticate(&request, &state).await?;
    let submission = api::submission(&body, Utc::now()).map_err(Problem::field)?;
    let parts = submission.parts.len();
    let per_part: Vec<Money> = submission
        .destinations
        .iter()
        .map(|destination| {
            state
                .routes
                .lookup(account.id.as_str(), destination.text())
                .map_or(Money::ZERO, |route| route.price)
        })
        .collect();
    let numbers: Vec<String> = submission
        .destinations
        .iter()
        .map(|destination| destination.text().to_string())
        .collect();
    let (reply, answer) = oneshot::channel();
    account.address.do_send(Submit {
        submission,
        sequence_number: 0,
        reply: Reply::Request(reply),
    });
    let submitted = answer.await.map_err(|_| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the account is restarting; try again".into(),
        )
    })?;
    let ids = submitted.result.map_err(Problem::refused)?;
    let cost = per_part
        .iter()
        .try_fold(Money::ZERO, |total, price| {
            price
                .checked_mul(u32::try_from(parts).unwrap_or(u32::MAX))
                .and_then(|cost| total.checked_add(cost))
        })
        .unwrap_or(Money::ZERO);
    let messages = numbers
        .into_iter()
        .zip(ids.chunks(parts.max(1)))
        .map(|(to, ids)| Sent {
            to,
            ids: ids.iter().map(MessageId::to_string).collect(),
        })
        .collect();
    Ok(HttpResponse::Accepted().json(SendResponse {
        messages,
        parts,
        cost: cost.to_string(),
    }))
}

async fn message(
    request: HttpRequest,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = authenticate(&request, &state).await?;
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
        .directory
        .store
        .message(message_id)
        .map_err(|error| Problem::internal(&state.logger, &error))?
        .filter(|message| message.account == account.id)
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(MessageView::from(&message)))
}

async fn balance(
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let account = authenticate(&request, &state).await?;
    let balance = state
        .directory
        .store
        .account_balance(&account.id)
        .map_err(|error| Problem::internal(&state.logger, &error))?
        .unwrap_or(Money::ZERO);
    Ok(HttpResponse::Ok().json(BalanceView {
        account: account.id.to_string(),
        balance: balance.to_string(),
    }))
}

/// The account whose system_id and password the Basic credentials carry,
/// if the peer may use it.
async fn authenticate(request: &HttpRequest, state: &WebState) -> Result<AccountEntry, Problem> {
    let unauthorized = || Problem::unauthorized("HTTP Basic credentials of an account are needed");
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(unauthorized)?;
    let (system_id, password) = basic_credentials(authorization).ok_or_else(unauthorized)?;
    let account = state
        .directory
        .account(&system_id)
        .cloned()
        .ok_or_else(|| Problem::unauthorized("unknown account or wrong password"))?;
    let peer = request.peer_addr().map(|address| address.ip());
    if !peer.is_some_and(|peer: IpAddr| address_allowed(&account.allowed_ips, peer)) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this account may not be used from this address".into(),
        ));
    }
    let key = String::from_utf8_lossy(authorization.as_bytes()).into_owned();
    if state.verified_cache().get(&key) == Some(&system_id) {
        return Ok(account);
    }
    let hash = account.password.clone();
    let verified = web::block(move || hash.verify(&password))
        .await
        .map_err(|error| Problem::internal(&state.logger, &error))?
        .map_err(|error| Problem::internal(&state.logger, &error))?;
    if !verified {
        return Err(Problem::unauthorized("unknown account or wrong password"));
    }
    let mut cache = state.verified_cache();
    if cache.len() >= VERIFIED_CACHE {
        cache.clear();
    }
    cache.insert(key, system_id);
    Ok(account)
}

fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = value.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// An RFC 9457 problem: the body of every error answer.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(skip)]
    status: StatusCode,
    title: String,
    status_code: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl Problem {
    fn new(status: StatusCode, detail: String) -> Problem {
        Problem {
            status,
            title: status.canonical_reason().unwrap_or("error").to_string(),
            status_code: status.as_u16(),
            detail,
            field: None,
        }
    }

    fn field(error: FieldError) -> Problem {
        Problem {
            field: Some(error.field),
            ..Problem::new(StatusCode::BAD_REQUEST, error.detail)
        }
    }

    fn unauthorized(detail: &str) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail.to_string())
    }

    /// A submission the account refused, with the SMPP status it would
    /// have had.
    fn refused(status: CommandStatus) -> Problem {
        let (code, detail) = match status {
            CommandStatus::EsmeRthrottled => (
                StatusCode::TOO_MANY_REQUESTS,
                "over the account's messages per second",
            ),
            CommandStatus::EsmeRsubmitfail => (
                StatusCode::PAYMENT_REQUIRED,
                "the account's credit does not cover the message",
            ),
            _ => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the message could not be stored; try again",
            ),
        };
        Problem::new(code, format!("{detail} ({status:?})"))
    }

    fn internal(logger: &Logger, error: &dyn std::fmt::Display) -> Problem {
        error!(logger, "HTTP request failed"; "error" => %error);
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
    }

    fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"pasarela\""));
        }
        response.content_type("application/problem+json").json(self)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl actix_web::ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}
