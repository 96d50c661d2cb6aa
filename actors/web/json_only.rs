//! Cross-site request forgery guard for the JSON API: a POST, PUT or PATCH
//! under `/api/` must say `Content-Type: application/json`, even with an
//! empty body. A form on another site can only send form or plain-text
//! bodies, and a script on another site cannot set that header without a
//! CORS preflight this listener never grants; so a browser holding an
//! operator's HTTP Basic login cannot be made to change anything. Kannel's
//! `/cgi-bin/sendsms` keeps taking forms: its credentials travel in the
//! request, as Kannel's clients send them. The list imports
//! (`/api/v1/dnd/import`, `/api/v1/opt-outs/import`) and the contact
//! import (`/api/v1/contacts/import`) take `text/csv`, which a
//! cross-site form cannot send either, and `text/plain`, which it
//! can: that only without an `Origin` header, which browsers put on
//! every cross-site POST and command-line clients do not.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;

use super::list_import::media_type;
use super::problem::Problem;

/// Answers 415 to a state-changing API request that is not JSON; passes
/// everything else on.
pub async fn require_json(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if changes_state(request.method())
        && request.path().starts_with("/api/")
        && !is_json(&request)
        && !is_list_import(&request)
    {
        let problem = Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a POST, PUT or PATCH to the API needs Content-Type: application/json, \
             also with an empty body"
                .into(),
        );
        let (request, _) = request.into_parts();
        return Ok(ServiceResponse::new(request, problem.response()).map_into_right_body());
    }
    Ok(next.call(request).await?.map_into_left_body())
}

/// The methods a cross-site page can make a browser send with credentials
/// and that change something here.
fn changes_state(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH].contains(method)
}

/// `application/json`, parameters (a charset) allowed, any case.
fn is_json(request: &ServiceRequest) -> bool {
    media_type(request.headers()).as_deref() == Some("application/json")
}

/// The paths that take a list as CSV or plain text.
const LIST_IMPORTS: [&str; 4] = [
    "/api/v1/dnd/import",
    "/api/v1/opt-outs/import",
    "/api/v1/contacts/import",
    "/api/v1/campaigns/file",
];

/// A POST of a list to import: `text/csv`, or `text/plain` from a client
/// that is not a browser (no `Origin`).
fn is_list_import(request: &ServiceRequest) -> bool {
    if !LIST_IMPORTS.contains(&request.path()) {
        return false;
    }
    match media_type(request.headers()).as_deref() {
        Some("text/csv") => true,
        Some("text/plain") => !request.headers().contains_key(header::ORIGIN),
        _ => false,
    }
}
