//! The operator's audit log, written as a middleware around every route:
//! each state-changing request (POST, PUT, PATCH, DELETE under `/api/` or
//! `/ui/`) that the operator made and that was not refused (a status
//! below 400) is stored with who, what, when, from where and its status
//! (`store::AuditEntry`); so is each of its web UI logins. Who is read
//! before the handler runs (a logout ends the session it names): the web
//! UI's session, or HTTP Basic naming `web.admin_user` (the handler has
//! checked the password when the answer is not a refusal). The entry is
//! durable before the answer goes; a failure to store it is logged and
//! does not undo the action.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, LOCATION};
use actix_web::middleware::Next;
use actix_web::web;
use chrono::Utc;
use slog::error;

use super::auth::basic_credentials;
use super::state::WebState;
use super::ui::session::{COOKIE, Who};
use crate::store::{AuditEntry, Batch};

/// Records the operator's actions; passes everything on unchanged.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = request.path().to_owned();
    let changes =
        [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(request.method());
    if !changes || !(path.starts_with("/api/") || path.starts_with("/ui/")) {
        return next.call(request).await;
    }
    let Some(state) = request.app_data::<web::Data<WebState>>().cloned() else {
        return next.call(request).await;
    };
    let action = format!("{} {path}", request.method());
    let peer = request.peer_addr().map(|peer| peer.ip().to_string());
    let operator = names_operator(&request, &state);
    let response = next.call(request).await?;
    let status = response.status();
    let logged_in = path == "/ui/login"
        && response
            .headers()
            .get(LOCATION)
            .is_some_and(|location| location == "/ui/");
    let action = if logged_in {
        Some("login".to_owned())
    } else {
        (operator && status.as_u16() < 400).then_some(action)
    };
    if let Some(action) = action {
        let entry = AuditEntry {
            at: Utc::now(),
            who: state.admin.user.clone(),
            action,
            peer,
            status: status.as_u16(),
        };
        store(&state, &entry).await;
    }
    Ok(response)
}

/// Whether the request says it is the operator's: a web UI session of
/// the operator, or HTTP Basic naming `web.admin_user`.
fn names_operator(request: &ServiceRequest, state: &WebState) -> bool {
    if request.path().starts_with("/ui/") {
        return request
            .cookie(COOKIE)
            .and_then(|cookie| state.ui_sessions.find(cookie.value()))
            .is_some_and(|session| session.who == Who::Operator);
    }
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(basic_credentials)
        .is_some_and(|(user, _)| user == state.admin.user)
}

/// Stores `entry`, durably, logging a failure.
async fn store(state: &WebState, entry: &AuditEntry) {
    let stored = match state.store.next_sequence() {
        Ok(sequence) => {
            let mut batch = Batch::new();
            batch.put_audit(sequence, entry);
            state.store.commit(batch).await
        }
        Err(error) => Err(error),
    };
    if let Err(failure) = stored {
        error!(state.logger, "an operator's action could not be written to the audit log";
            "action" => &entry.action, "error" => %failure);
    }
}
