//! Why an admin change was not made: one error type for every change the
//! admin API makes, which the web maps to a status once.

use actix::MailboxError;

use crate::actors::protocol::account::CreditRefused;
use crate::api::FieldError;
use crate::auth::AuthError;
use crate::store::StoreError;

/// Why an admin change was not made.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("no account {0:?}")]
    NoAccount(String),
    #[error("no route at index {0}")]
    NoRoute(usize),
    #[error("no gateway {0:?}")]
    NoGateway(String),
    #[error("no MO route for number {number:?}{}", keyword.as_ref().map(|k| format!(" and keyword {k:?}")).unwrap_or_default())]
    NoMoRoute {
        number: String,
        keyword: Option<String>,
    },
    #[error("no autoreply rule {0:?}")]
    NoAutoreply(String),
    #[error("no poll {0:?}")]
    NoPoll(String),
    #[error("no content rule {0:?}")]
    NoContentRule(String),
    #[error("message {0} is not held by a content rule")]
    NotHeld(crate::model::MessageId),
    #[error("{}", .0.detail)]
    Conflict(FieldError),
    #[error("the change could not be stored")]
    NotStored,
    #[error(transparent)]
    Credit(#[from] CreditRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] AuthError),
    #[error("an actor did not answer: {0}")]
    Actor(#[from] MailboxError),
    #[error("a blocking task failed: {0}")]
    Blocking(String),
}

/// The field at fault and why.
pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        detail: detail.into(),
    }
}
