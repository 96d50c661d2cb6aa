//! `GET`/`POST /receipts/{gateway}`: where the provider behind an `http`
//! gateway reports delivery. Not under `/api/`: the provider calls it, not
//! a customer, and it authenticates by the gateway's `receipt_token` (a
//! `token` parameter or an `X-Receipt-Token` header, compared in constant
//! time), so it takes forms and JSON alike with no CSRF concern (nothing
//! ambient, like a cookie or a Basic login, authorises it).
//!
//! The fields the gateway names (`receipt_id_field`,
//! `receipt_status_field`, `receipt_error_field`) are read from the query
//! string, then from a form body or from a JSON object (a field name
//! starting with `/` is a JSON pointer into it). A status the gateway
//! lists as final goes to the receipts actor as the receipts of every
//! other kind do, and the answer is 200 only once its outcome is durable
//! (503 otherwise, so the provider sends it again); any other status
//! (`sent`, `buffered`) is answered 200 and dropped.
//!
//! | answer | when |
//! | --- | --- |
//! | 200 `OK` | the receipt's outcome is durable |
//! | 200 `ignored` | an interim status |
//! | 400 | the id or status field is missing, or the id cannot be a message's |
//! | 403 | the token is missing or wrong |
//! | 404 | no `http` gateway by that name takes receipts |
//! | 503 | the outcome could not be stored; send it again |

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use serde_json::Value;
use slog::{debug, warn};
use utoipa_actix_web::service_config::ServiceConfig;

use super::state::WebState;
use crate::actors::protocol::gateway::GatewayReport;
use crate::config::GatewayKind;
use crate::kannel::Params;
use crate::model::{GatewayName, UpstreamId};
use crate::upstream::http::ReceiptRules;

/// The header that may carry the token instead of the query string.
const TOKEN_HEADER: &str = "x-receipt-token";
/// How long the answer waits for the receipt's outcome to be stored.
const DURABLE_WAIT: Duration = Duration::from_secs(10);

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config.service(receipt_get).service(receipt_post);
}

/// A provider's delivery receipt (query string)
#[utoipa::path(
    params(("gateway" = String, Path, description = "The `http` gateway's name.")),
    responses(
        (status = OK, description = "`OK`: the receipt's outcome is durable; `ignored`: an interim status.", body = String, content_type = "text/plain"),
        (status = BAD_REQUEST, description = "The id or status field is missing, or the id cannot be a message's.", body = String, content_type = "text/plain"),
        (status = FORBIDDEN, description = "The token is missing or wrong.", body = String, content_type = "text/plain"),
        (status = NOT_FOUND, description = "No `http` gateway by that name takes receipts.", body = String, content_type = "text/plain"),
        (status = SERVICE_UNAVAILABLE, description = "The outcome could not be stored: send it again.", body = String, content_type = "text/plain"),
    ),
)]
#[get("/receipts/{gateway}")]
async fn receipt_get(
    request: HttpRequest,
    gateway: web::Path<String>,
    state: web::Data<WebState>,
) -> HttpResponse {
    let fields = Fields::new(&request, None);
    take(&state, &gateway, &request, &fields).await
}

/// A provider's delivery receipt (form or JSON body)
#[utoipa::path(
    params(("gateway" = String, Path, description = "The `http` gateway's name.")),
    request_body(content(
        (String = "application/x-www-form-urlencoded"),
        (Object = "application/json"),
    )),
    responses(
        (status = OK, description = "`OK`: the receipt's outcome is durable; `ignored`: an interim status.", body = String, content_type = "text/plain"),
        (status = BAD_REQUEST, description = "The id or status field is missing, or the id cannot be a message's.", body = String, content_type = "text/plain"),
        (status = FORBIDDEN, description = "The token is missing or wrong.", body = String, content_type = "text/plain"),
        (status = NOT_FOUND, description = "No `http` gateway by that name takes receipts.", body = String, content_type = "text/plain"),
        (status = SERVICE_UNAVAILABLE, description = "The outcome could not be stored: send it again.", body = String, content_type = "text/plain"),
    ),
)]
#[post("/receipts/{gateway}")]
async fn receipt_post(
    request: HttpRequest,
    gateway: web::Path<String>,
    state: web::Data<WebState>,
    body: web::Bytes,
) -> HttpResponse {
    let fields = Fields::new(&request, Some(&body));
    take(&state, &gateway, &request, &fields).await
}

/// Where a receipt's fields are looked for, in order.
struct Fields {
    query: Params,
    form: Option<Params>,
    json: Option<Value>,
}

impl Fields {
    fn new(request: &HttpRequest, body: Option<&web::Bytes>) -> Fields {
        let query = Params::from_form(request.query_string().as_bytes());
        let media_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let (form, json) = match (body, media_type.as_str()) {
            (Some(body), "application/json") => (None, serde_json::from_slice(body).ok()),
            (Some(body), "application/x-www-form-urlencoded") => {
                (Some(Params::from_form(body)), None)
            }
            _ => (None, None),
        };
        Fields { query, form, json }
    }

    /// The first value of `name`: the query's, the form's, or the JSON
    /// object's (by key, or by pointer when it starts with `/`).
    fn get(&self, name: &str) -> Option<String> {
        let text = |octets: &[u8]| String::from_utf8_lossy(octets).into_owned();
        if let Some(value) = self.query.get(name) {
            return Some(text(value));
        }
        if let Some(value) = self.form.as_ref().and_then(|form| form.get(name)) {
            return Some(text(value));
        }
        let json = self.json.as_ref()?;
        let value = if name.starts_with('/') {
            json.pointer(name)
        } else {
            json.get(name)
        }?;
        match value {
            Value::String(value) => Some(value.clone()),
            Value::Number(value) => Some(value.to_string()),
            _ => None,
        }
    }
}

/// Checks, reads and hands on one receipt.
async fn take(
    state: &WebState,
    gateway: &str,
    request: &HttpRequest,
    fields: &Fields,
) -> HttpResponse {
    let Some(rules) = receipt_rules(state, gateway) else {
        return text(
            StatusCode::NOT_FOUND,
            "no http gateway by that name takes receipts",
        );
    };
    let token = fields.query.get("token").map(<[u8]>::to_vec).or_else(|| {
        request
            .headers()
            .get(TOKEN_HEADER)
            .map(|value| value.as_bytes().to_vec())
    });
    if !token.is_some_and(|token| rules.token_matches(&String::from_utf8_lossy(&token))) {
        warn!(state.logger, "receipt with a wrong or missing token refused";
            "gateway" => gateway, "peer" => request.peer_addr().map(|peer| peer.ip().to_string()));
        return text(StatusCode::FORBIDDEN, "wrong or missing token");
    }
    let (Some(id), Some(status)) = (fields.get(&rules.id_field), fields.get(&rules.status_field))
    else {
        let message = format!(
            "a receipt names the message in {:?} and its status in {:?}",
            rules.id_field, rules.status_field
        );
        return text(StatusCode::BAD_REQUEST, &message);
    };
    let Some(state_named) = rules.state_of(&status) else {
        debug!(state.logger, "interim receipt dropped"; "gateway" => gateway, "id" => &id, "status" => &status);
        return text(StatusCode::OK, "ignored");
    };
    let Ok(upstream_id) = UpstreamId::new(id.trim().to_owned()) else {
        return text(StatusCode::BAD_REQUEST, "the id cannot be a message's");
    };
    let Ok(gateway_name) = GatewayName::new(gateway) else {
        return text(
            StatusCode::NOT_FOUND,
            "no http gateway by that name takes receipts",
        );
    };
    let error_code = rules
        .error_field
        .as_ref()
        .and_then(|field| fields.get(field))
        .and_then(|code| code.trim().parse::<u16>().ok());
    let (recorded, durable) = tokio::sync::oneshot::channel();
    state
        .changes
        .gateway_starter
        .receipts
        .do_send(GatewayReport::Receipt {
            gateway: gateway_name,
            upstream_id,
            state: state_named,
            error_code,
            at: Utc::now(),
            recorded: Some(recorded),
        });
    match tokio::time::timeout(DURABLE_WAIT, durable).await {
        Ok(Ok(true)) => text(StatusCode::OK, "OK"),
        _ => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the receipt could not be stored; send it again",
        ),
    }
}

/// The receipt rules of the `http` gateway `name`, if it takes receipts.
fn receipt_rules(state: &WebState, name: &str) -> Option<ReceiptRules> {
    let gateway = state.changes.route_starter.gateways.get(name)?;
    match &gateway.spec.config.kind {
        GatewayKind::Http(config) => config.receipts.clone(),
        _ => None,
    }
}

fn text(status: StatusCode, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(body.to_owned())
}
