//! RFC 9457 problem details: the body of every error answer the HTTP
//! listener gives, naming the field at fault where there is one.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde::Serialize;
use slog::{Logger, error};

use crate::actors::admin::AdminError;
use crate::actors::protocol::account::CreditRefused;
use crate::api::FieldError;
use crate::smpp::CommandStatus;

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
    pub fn new(status: StatusCode, detail: String) -> Problem {
        Problem {
            status,
            title: status.canonical_reason().unwrap_or("error").to_string(),
            status_code: status.as_u16(),
            detail,
            field: None,
        }
    }

    pub fn field(error: FieldError) -> Problem {
        Problem {
            field: Some(error.field),
            ..Problem::new(StatusCode::BAD_REQUEST, error.detail)
        }
    }

    /// Why an admin change was not made.
    pub fn admin(logger: &Logger, error: AdminError) -> Problem {
        let with_field = |status, error: FieldError| Problem {
            field: Some(error.field),
            ..Problem::new(status, error.detail)
        };
        match error {
            AdminError::Invalid(error) => with_field(StatusCode::BAD_REQUEST, error),
            AdminError::Conflict(error) => with_field(StatusCode::CONFLICT, error),
            AdminError::NoAccount(_)
            | AdminError::NoRoute(_)
            | AdminError::NoGateway(_)
            | AdminError::NoMoRoute { .. } => {
                Problem::new(StatusCode::NOT_FOUND, error.to_string())
            }
            AdminError::Credit(CreditRefused::BelowZero { .. }) => with_field(
                StatusCode::CONFLICT,
                FieldError {
                    field: "amount".into(),
                    detail: error.to_string(),
                },
            ),
            other => Problem::internal(logger, &other),
        }
    }

    pub fn unauthorized(detail: &str) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail.to_string())
    }

    /// A submission the account refused, with the SMPP status it would
    /// have had.
    pub fn refused(status: CommandStatus) -> Problem {
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
            _ => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the message could not be stored; try again",
            ),
        };
        Problem::new(code, format!("{detail} ({status:?})"))
    }

    pub fn internal(logger: &Logger, error: &dyn std::fmt::Display) -> Problem {
        error!(logger, "HTTP request failed"; "error" => %error);
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
    }

    pub fn response(&self) -> HttpResponse {
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
