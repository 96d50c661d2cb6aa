//! Internal failures of HTTP requests, logged in one place. An answer to a
//! request that failed (a store, actor or blocking-pool error, not a
//! refusal) carries its cause as a [`Failure`] in the response's
//! extensions, never in its body; [`log_failures`], the middleware `start`
//! wraps every service in, logs it with the listener's logger as "HTTP
//! request failed".

use std::error::Error;
use std::fmt;
use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use slog::error;

use super::state::WebState;

/// What went wrong behind an answer.
#[derive(Clone, Debug)]
pub struct Failure(Rc<dyn Error>);

impl Failure {
    pub fn new(cause: impl Error + 'static) -> Failure {
        Failure(Rc::new(cause))
    }

    /// Carries the failure on `response`, for [`log_failures`].
    pub fn attach(&self, response: &mut HttpResponse) {
        response.extensions_mut().insert(self.clone());
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Logs the failure an answer carries, if it carries one.
pub async fn log_failures(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = request.app_data::<web::Data<WebState>>().cloned();
    let answer = next.call(request).await?;
    if let (Some(state), Some(failure)) = (state, answer.response().extensions().get::<Failure>()) {
        error!(state.logger, "HTTP request failed"; "error" => %failure);
    }
    Ok(answer)
}
