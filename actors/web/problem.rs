//! RFC 9457 problem details: the body of every error answer the HTTP
//! listener gives, naming the field at fault where there is one. Handlers
//! answer every error with `?`: the conversions below decide its status,
//! in one place.

use actix::MailboxError;
use actix_web::HttpResponse;
use actix_web::error::BlockingError;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde::Serialize;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};
use utoipa::{ToResponse, ToSchema};

use super::failure::Failure;
use crate::actors::admin::AdminError;
use crate::actors::protocol::account::{CreditRefused, Refused as NotAccepted};
use crate::actors::protocol::logins::{Refused, retry_after_secs};
use crate::api::FieldError;
use crate::checks::{Check, CheckRefusal};
use crate::smpp::CommandStatus;
use crate::store::StoreError;

/// The `type` of a send refused because, over all its numbers, it would
/// create more message parts than `limits.max_parts_per_request`.
pub const TOO_MANY_PARTS: &str = "urn:pasarela:problem:too-many-parts";

/// The `type` of a send refused by the sender rules (SPEC §6.1): the
/// sender is not a valid one, or not among the account's
/// `allowed_senders`.
pub const SENDER_NOT_ALLOWED: &str = "urn:pasarela:problem:sender-not-allowed";

/// The `type` of a send a content rule with action `reject` refused; the
/// problem's `rule` names the rule.
pub const CONTENT_REFUSED: &str = "urn:pasarela:problem:content-rule";

/// The `type` of a send refused because a number opted out of the
/// account (STOP).
pub const OPTED_OUT: &str = "urn:pasarela:problem:opted-out";

/// The `type` of a promotional account's send refused because a number is
/// on the do-not-disturb registry.
pub const DND_REFUSED: &str = "urn:pasarela:problem:dnd";

/// An RFC 9457 problem: the body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(skip)]
    status: StatusCode,
    /// A URI naming the kind of problem, for the few a client must tell
    /// apart from others of the same status; absent: only the status says.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    kind: Option<&'static str>,
    title: &'static str,
    status_code: u16,
    detail: Box<str>,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    field: Option<Box<str>>,
    /// The rule that refused the send, for a check with named rules (a
    /// content rule's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    rule: Option<Box<str>>,
    /// What failed, for an internal error: logged, never answered.
    #[serde(skip)]
    failure: Option<Failure>,
    /// Seconds for `Retry-After`, when waiting helps.
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl Problem {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What is wrong, in words.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The request field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    pub fn new(status: StatusCode, detail: String) -> Problem {
        Problem {
            status,
            kind: None,
            title: status.canonical_reason().unwrap_or("error"),
            status_code: status.as_u16(),
            detail: detail.into_boxed_str(),
            field: None,
            rule: None,
            failure: None,
            retry_after: None,
        }
    }

    /// A problem blamed on one field of the request.
    pub fn with_field(status: StatusCode, error: FieldError) -> Problem {
        Problem {
            field: Some(error.field.into()),
            ..Problem::new(status, error.detail)
        }
    }

    pub fn unauthorized(detail: &str) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail.to_string())
    }

    /// A submission the account refused: by a check at accept, 403 with
    /// the check's type and rule; otherwise by the SMPP status it would
    /// have had.
    pub fn refused(refused: NotAccepted) -> Problem {
        match refused.check {
            Some(check) => Problem::refused_by_check(check),
            None => Problem::refused_with(refused.status),
        }
    }

    fn refused_by_check(refusal: CheckRefusal) -> Problem {
        let (kind, field, what) = match refusal.check {
            Check::Sender => (
                SENDER_NOT_ALLOWED,
                "from",
                "the account may not send from this sender (allowed_senders), or it is not a \
                 valid sender",
            ),
            Check::Content => (CONTENT_REFUSED, "text", "a content rule refuses the text"),
            Check::OptOut => (OPTED_OUT, "to", "the number opted out of this account"),
            Check::Dnd => (
                DND_REFUSED,
                "to",
                "the number is on the do-not-disturb registry, which promotional traffic may \
                 not reach",
            ),
        };
        Problem {
            kind: Some(kind),
            field: Some(field.into()),
            ..Problem::new(
                StatusCode::FORBIDDEN,
                format!(
                    "{what}: {}; nothing was sent or charged ({:?})",
                    refusal.detail,
                    refusal.check.status()
                ),
            )
        }
        .with_rule(refusal.rule)
    }

    fn with_rule(self, rule: Option<String>) -> Problem {
        Problem {
            rule: rule.map(String::into_boxed_str),
            ..self
        }
    }

    fn refused_with(status: CommandStatus) -> Problem {
        let (code, detail) = match status {
            CommandStatus::EsmeRthrottled => (
                StatusCode::TOO_MANY_REQUESTS,
                "over the account's messages per second",
            ),
            CommandStatus::EsmeRsubmitfail => (
                StatusCode::PAYMENT_REQUIRED,
                "the account's credit does not cover the message",
            ),
            CommandStatus::EsmeRinvbndsts => (StatusCode::FORBIDDEN, "the account is suspended"),
            CommandStatus::EsmeRmsgqful => {
                return Problem {
                    retry_after: Some(1),
                    ..Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!(
                            "the route's queue is full (limits.route_queue_max): its gateways \
                             are down or slower than the traffic; nothing was sent or charged, \
                             try again ({status:?})"
                        ),
                    )
                };
            }
            CommandStatus::EsmeRinvnumdests | CommandStatus::EsmeRinvmsglen => {
                return Problem {
                    kind: Some(TOO_MANY_PARTS),
                    field: Some("to".into()),
                    ..Problem::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "the request would create more message parts than one request may \
                             (limits.max_parts_per_request); nothing was sent or charged ({status:?})"
                        ),
                    )
                };
            }
            _ => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the message could not be stored; try again",
            ),
        };
        Problem::new(code, format!("{detail} ({status:?})"))
    }

    /// A failure of the switch, not of the request: 500 and "internal
    /// error"; the cause is logged (`failure.rs`).
    pub fn internal(cause: impl std::error::Error + 'static) -> Problem {
        Problem {
            failure: Some(Failure::new(cause)),
            ..Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
        }
    }

    pub fn response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"pasarela\""));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        let mut response = response.content_type("application/problem+json").json(self);
        if let Some(failure) = &self.failure {
            failure.attach(&mut response);
        }
        response
    }
}

/// A login refused at or after its password: 401 for a wrong one, 429
/// while backed off and 503 when too many checks wait (both with
/// `Retry-After`), 500 when it could not be checked.
impl From<Refused> for Problem {
    fn from(refused: Refused) -> Problem {
        let waiting = |status, retry_after| Problem {
            retry_after: Some(retry_after),
            ..Problem::new(status, refused.to_string())
        };
        match &refused {
            Refused::Wrong => Problem::unauthorized("unknown user or wrong password"),
            Refused::BackedOff(wait) => {
                waiting(StatusCode::TOO_MANY_REQUESTS, retry_after_secs(*wait))
            }
            Refused::Busy(_) => waiting(StatusCode::SERVICE_UNAVAILABLE, 1),
            Refused::Unchecked(_) => Problem::internal(refused),
        }
    }
}

/// A request field at fault: 400 naming it.
impl From<FieldError> for Problem {
    fn from(error: FieldError) -> Problem {
        Problem::with_field(StatusCode::BAD_REQUEST, error)
    }
}

/// Why an admin change was not made.
impl From<AdminError> for Problem {
    fn from(error: AdminError) -> Problem {
        match error {
            AdminError::Invalid(error) => Problem::with_field(StatusCode::BAD_REQUEST, error),
            AdminError::Conflict(error) => Problem::with_field(StatusCode::CONFLICT, error),
            AdminError::NoAccount(_)
            | AdminError::NoRoute(_)
            | AdminError::NoGateway(_)
            | AdminError::NoMoRoute { .. }
            | AdminError::NoAutoreply(_)
            | AdminError::NoPoll(_)
            | AdminError::NoContentRule(_)
            | AdminError::NotHeld(_) => Problem::new(StatusCode::NOT_FOUND, error.to_string()),
            AdminError::Credit(CreditRefused::BelowZero { .. }) => Problem::with_field(
                StatusCode::CONFLICT,
                FieldError {
                    field: "amount".into(),
                    detail: error.to_string(),
                },
            ),
            other => Problem::internal(other),
        }
    }
}

/// Failures of what the handlers call: each an internal error.
macro_rules! internal_from {
    ($($cause:ty),+ $(,)?) => {
        $(
            impl From<$cause> for Problem {
                fn from(cause: $cause) -> Problem {
                    Problem::internal(cause)
                }
            }
        )+
    };
}

internal_from!(
    StoreError,
    BlockingError,
    MailboxError,
    getrandom::Error,
    std::fmt::Error,
);

/// The answer the document refers every error status to.
impl<'r> ToResponse<'r> for Problem {
    fn response() -> (&'r str, RefOr<Response>) {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(Problem::name())))
            .build();
        let response = ResponseBuilder::new()
            .description("An RFC 9457 problem.")
            .content("application/problem+json", content)
            .build();
        ("Problem", response.into())
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

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody as _;

    use super::*;

    #[test]
    fn an_internal_error_answers_500_and_carries_its_cause_off_the_body() {
        let cause = std::io::Error::other("disk on fire");
        let response = Problem::internal(cause).response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let failure = response
            .extensions()
            .get::<Failure>()
            .map(ToString::to_string);
        assert_eq!(failure.as_deref(), Some("disk on fire"));
        let body = response.into_body().try_into_bytes().unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("internal error"), "{body}");
        assert!(!body.contains("disk on fire"), "{body}");
    }

    #[test]
    fn a_refusal_carries_no_failure() {
        let response = Problem::from(AdminError::NoRoute(3)).response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.extensions().get::<Failure>().is_none());
    }
}
