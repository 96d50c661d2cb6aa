//! Kannel's `/cgi-bin/sendsms`, so a client written for Kannel's smsbox
//! works unchanged: GET with a query string, POST as a form, or POST with
//! the text as the body and the parameters in `X-Kannel-*` headers. Every
//! answer is smsbox's: one line of `text/html` and its status. Reading and
//! checking are `crate::kannel`'s; this file authenticates (the account's
//! system_id and password as `username` and `password`, from its
//! `allowed_ips`), holds `smsc` to the routes, refuses a `dlr-url` whose
//! host `callbacks.allow_private` refuses, and hands the submission to
//! the account actor, answering "0: Accepted for delivery" only once the
//! messages are durable, as the JSON API does.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use slog::debug;
use tokio::sync::oneshot;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth;
use super::failure::Failure;
use super::state::WebState;
use crate::actors::pipeline::callback_targets::check_url;
use crate::actors::protocol::account::{Reply, Submit, SubmittedBy};
use crate::actors::protocol::directory::AccountEntry;
use crate::intake::Submission;
use crate::kannel::{self, ACCEPTED, ACCEPTED_STATUS, Origin, Params, Refusal};
use crate::model::Callback;
use crate::smpp::CommandStatus;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config.service(sendsms_get).service(sendsms_post);
}

/// The parameters of sendsms as the document shows them, in the query
/// string or a form body; `crate::kannel` reads them (with their aliases
/// and the X-Kannel-* headers).
#[derive(IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[schema(as = SendsmsParameters)]
#[expect(dead_code, reason = "never built: crate::kannel::Params reads them")]
struct Parameters {
    /// The account's system_id (alias: user).
    username: String,
    /// The account's password (alias: pass).
    password: String,
    /// One or more international numbers, separated by spaces or +.
    to: String,
    /// The sender: digits or an alphanumeric id.
    #[param(rename = "from")]
    #[schema(rename = "from")]
    sender: String,
    /// The text, in charset (UTF-8 when absent).
    text: Option<String>,
    /// The character set of text (e.g. UTF-8, ISO-8859-1, UTF-16BE).
    charset: Option<String>,
    /// 0 GSM 7-bit, 1 8-bit binary, 2 UCS-2; chosen from the text when absent.
    coding: Option<String>,
    /// A user data header, URL-encoded binary.
    udh: Option<String>,
    /// Message class 0 to 3.
    mclass: Option<String>,
    /// Message waiting indicator 0 to 7.
    mwi: Option<String>,
    /// Validity in minutes.
    validity: Option<String>,
    /// Send after this many minutes.
    deferred: Option<String>,
    /// Kannel delivery report mask: 1 delivered, 2 failed, 4 buffered, 8
    /// accepted by the SMSC, 16 rejected by the SMSC.
    #[param(rename = "dlr-mask")]
    #[schema(rename = "dlr-mask")]
    dlr_mask: Option<String>,
    /// The URL called for each report the mask selects, with Kannel's escape
    /// codes (%d, %p, %P, %t, %T, %A, %a, %i, %I, %F, ...).
    #[param(rename = "dlr-url")]
    #[schema(rename = "dlr-url")]
    dlr_url: Option<String>,
    /// A gateway name; accepted only when it is the only gateway of each number's route.
    smsc: Option<String>,
    /// Priority 0 to 3.
    priority: Option<String>,
    /// A client reference, echoed as %o.
    account: Option<String>,
}

/// A refusal, and the failure behind it when the switch failed (logged
/// by `failure.rs`, never answered: smsbox's answer says only "try again").
struct Refused {
    refusal: Refusal,
    failure: Option<Failure>,
}

impl From<Refusal> for Refused {
    fn from(refusal: Refusal) -> Refused {
        Refused {
            refusal,
            failure: None,
        }
    }
}

/// Send as Kannel's smsbox takes it (query string)
#[utoipa::path(
    params(Parameters),
    responses(
        (status = ACCEPTED, description = "\"0: Accepted for delivery\": every number's message is durably stored.", body = String, content_type = "text/html"),
        (status = BAD_REQUEST, description = "A missing or malformed argument, in smsbox's words.", body = String, content_type = "text/html"),
        (status = FORBIDDEN, description = "\"Authorization failed for sendsms\", or \"Not routable. Do not try again.\"", body = String, content_type = "text/html"),
        (status = SERVICE_UNAVAILABLE, description = "\"Temporal failure, try again later.\"", body = String, content_type = "text/html"),
    ),
)]
#[get("/cgi-bin/sendsms")]
async fn sendsms_get(request: HttpRequest, state: web::Data<WebState>) -> HttpResponse {
    let params = Params::from_form(request.query_string().as_bytes());
    answer(&state, send(&request, &state, params, Origin::Form).await)
}

/// Send as Kannel's smsbox takes it (form body, or X-Kannel headers with the text as body)
#[utoipa::path(
    request_body(content(
        (Parameters = "application/x-www-form-urlencoded"),
        (String = "text/plain"),
        (String = "application/octet-stream"),
    )),
    responses(
        (status = ACCEPTED, description = "\"0: Accepted for delivery\": every number's message is durably stored.", body = String, content_type = "text/html"),
        (status = BAD_REQUEST, description = "A missing or malformed argument, in smsbox's words.", body = String, content_type = "text/html"),
        (status = FORBIDDEN, description = "\"Authorization failed for sendsms\", or \"Not routable. Do not try again.\"", body = String, content_type = "text/html"),
        (status = SERVICE_UNAVAILABLE, description = "\"Temporal failure, try again later.\"", body = String, content_type = "text/html"),
    ),
)]
#[post("/cgi-bin/sendsms")]
async fn sendsms_post(
    request: HttpRequest,
    state: web::Data<WebState>,
    body: web::Bytes,
) -> HttpResponse {
    let result = match post_params(request.headers(), body) {
        Ok((params, origin)) => send(&request, &state, params, origin).await,
        Err(refusal) => Err(refusal.into()),
    };
    answer(&state, result)
}

/// A POST's parameters by its content type, as `smsbox_sendsms_post` reads
/// them: a form is a query string in the body; text/plain and
/// application/octet-stream bodies are the text, with the parameters in
/// `X-Kannel-*` headers, the charset from the content type, and a coding
/// of 7-bit or 8-bit respectively when none is given.
fn post_params(headers: &HeaderMap, body: web::Bytes) -> Result<(Params, Origin), Refusal> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let mut fields = content_type.split(';').map(str::trim);
    let media_type = fields.next().unwrap_or_default().to_ascii_lowercase();
    let charset = fields
        .filter_map(|field| field.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, value)| value.trim().trim_matches('"').to_string());
    let default_coding = match media_type.as_str() {
        "application/x-www-form-urlencoded" => return Ok((Params::from_form(&body), Origin::Form)),
        "text/plain" => b"0",
        "application/octet-stream" => b"1",
        _ => return Err(Refusal::InvalidContentType),
    };
    let mut params = Params::from_headers(
        headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    );
    params.set_default("text", body.to_vec());
    params.set_default("coding", default_coding.to_vec());
    if let Some(charset) = charset {
        params.set_default("charset", charset.into_bytes());
    }
    Ok((params, Origin::Headers))
}

async fn send(
    request: &HttpRequest,
    state: &WebState,
    params: Params,
    origin: Origin,
) -> Result<(), Refused> {
    let (system_id, password) = params.credentials().ok_or(Refusal::AuthorizationFailed)?;
    let account = auth::customer_by_parameters(request, state, &system_id, &password)
        .await
        .map_err(|error| Refused {
            refusal: Refusal::Temporary,
            failure: Some(Failure::new(error)),
        })?
        .ok_or(Refusal::AuthorizationFailed)?;
    let kannel::Request { submission, smsc } = kannel::read(&params, origin, Utc::now())?;
    if let Some(Callback::Kannel { url, .. }) = &submission.callback {
        check_url(&state.callback_policy, url)
            .await
            .map_err(|refused| {
                debug!(state.logger, "sendsms dlr-url refused"; "reason" => %refused);
                Refusal::DlrUrlRefused
            })?;
    }
    if let Some(smsc) = smsc {
        only_through(state, &account, &submission, &smsc)?;
    }
    Ok(submit(&account, submission).await?)
}

/// `smsc`: honoured only where it changes nothing, refused elsewhere. A
/// message goes through its route's gateways, so it is accepted when
/// every destination's route has `smsc` as its one gateway; any other name
/// is refused as Kannel refuses an smsc-id no connection serves.
fn only_through(
    state: &WebState,
    account: &AccountEntry,
    submission: &Submission,
    smsc: &str,
) -> Result<(), Refusal> {
    let routing = state.routes.current();
    let served = submission.destinations.iter().all(|destination| {
        routing
            .table
            .lookup(account.id.as_str(), destination.text())
            .is_some_and(|route| route.gateways.len() == 1 && route.gateways[0] == smsc)
    });
    if served {
        Ok(())
    } else {
        Err(Refusal::NotRoutable)
    }
}

/// Hands the submission to the account and waits until it is durable.
async fn submit(account: &AccountEntry, submission: Submission) -> Result<(), Refusal> {
    let (reply, answer) = oneshot::channel();
    account.actor.submit.do_send(Submit {
        submission,
        sequence_number: 0,
        reply: Reply::Request(reply),
        received: Instant::now(),
        by: SubmittedBy::Customer,
    });
    let submitted = answer.await.map_err(|_| Refusal::Temporary)?;
    submitted
        .result
        .map(drop)
        .map_err(|refused| match refused.status {
            // The checks at accept: smsbox's answer for a number its white- or
            // black-list denies (SPEC §6.1).
            _ if refused.check.is_some() => Refusal::Denied,
            // Not enough credit: retrying will not help until it is topped up;
            // more parts than one request may create: nor until it is split.
            CommandStatus::EsmeRsubmitfail
            | CommandStatus::EsmeRinvnumdests
            | CommandStatus::EsmeRinvmsglen => Refusal::NotRoutable,
            _ => Refusal::Temporary,
        })
}

/// smsbox's answer: the text, `text/html`, no caching.
fn answer(state: &WebState, result: Result<(), Refused>) -> HttpResponse {
    let (status, text, failure) = match result {
        Ok(()) => (ACCEPTED_STATUS, ACCEPTED.to_string(), None),
        Err(Refused { refusal, failure }) => {
            debug!(state.logger, "sendsms refused"; "answer" => %refusal);
            (refusal.status(), refusal.to_string(), failure)
        }
    };
    let mut response = HttpResponse::build(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("text/html")
    .insert_header((header::PRAGMA, "no-cache"))
    .insert_header((header::CACHE_CONTROL, "no-cache"))
    .body(text);
    if let Some(failure) = failure {
        failure.attach(&mut response);
    }
    response
}
