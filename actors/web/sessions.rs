//! The admin API's live ESME sessions (operator credentials):
//! `GET /api/v1/sessions` lists the bound sessions by id (`?account=` keeps
//! one account's), `GET /api/v1/sessions/{id}` shows one, and
//! `DELETE /api/v1/sessions/{id}` makes it unbind and close. The DELETE
//! answers 202 once the session has the order: it closes when the ESME
//! answers the unbind, or after the listener's `response_timeout`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, web};
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::account::SessionId;
use crate::actors::protocol::session::{BindKind, CountersSnapshot, Disconnect, LiveSession};

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_sessions)
        .service(read_session)
        .service(disconnect_session);
}

/// One bound session as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Session)]
struct SessionView {
    /// The session's number, unique while the switch runs.
    #[schema(value_type = u64)]
    id: SessionId,
    /// The account it bound as.
    system_id: String,
    bind: BindKind,
    /// The client's address and port.
    peer: String,
    #[schema(format = DateTime)]
    bound_since: String,
    /// The bind's interface_version, "3.4" for 0x34.
    interface_version: String,
    #[serde(flatten)]
    counters: CountersSnapshot,
}

impl From<&LiveSession> for SessionView {
    fn from(session: &LiveSession) -> SessionView {
        let version = session.interface_version;
        SessionView {
            id: session.id,
            system_id: session.system_id.clone(),
            bind: session.bind,
            peer: session.peer.to_string(),
            bound_since: session
                .bound_since
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            interface_version: format!("{}.{}", version >> 4, version & 0x0f),
            counters: session.counters.snapshot(),
        }
    }
}

/// The query of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Filter {
    /// Only the sessions of this system_id.
    account: Option<String>,
}

/// The bound ESME sessions with their counters (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(Filter),
    responses(
        (status = OK, description = "The sessions, by id.", body = [SessionView]),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/sessions")]
async fn list_sessions(
    _: Operator,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let filter = web::Query::<Filter>::from_query(request.query_string())
        .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))?;
    let sessions: Vec<SessionView> = state
        .sessions
        .list()
        .iter()
        .filter(|session| {
            filter
                .account
                .as_ref()
                .is_none_or(|account| &session.system_id == account)
        })
        .map(|session| SessionView::from(session.as_ref()))
        .collect();
    Ok(HttpResponse::Ok().json(sessions))
}

/// One bound ESME session (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path)),
    responses(
        (status = OK, description = "The session.", body = SessionView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/sessions/{id}")]
async fn read_session(
    _: Operator,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let session = live(&state, &id)?;
    Ok(HttpResponse::Ok().json(SessionView::from(session.as_ref())))
}

/// Disconnect an ESME session (admin)
///
/// The session sends unbind and closes when the ESME answers, or after the
/// listener's response timeout; it then leaves the list.
#[utoipa::path(
    security(("admin" = [])),
    params(("id" = String, Path)),
    responses(
        (status = ACCEPTED, description = "The session is unbinding."),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/sessions/{id}")]
async fn disconnect_session(
    _: Operator,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let session = live(&state, &id)?;
    // A session that ended meanwhile has closed its mailbox: gone already.
    session
        .disconnect
        .send(Disconnect)
        .await
        .map_err(|_| not_found(&id))?;
    Ok(HttpResponse::Accepted().finish())
}

/// The bound session `id` names.
fn live(state: &WebState, id: &str) -> Result<std::sync::Arc<LiveSession>, Problem> {
    id.parse::<SessionId>()
        .ok()
        .and_then(|id| state.sessions.get(id))
        .ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, format!("no bound session {id}"))
}
