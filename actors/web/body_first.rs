//! [`BodyFirst`]: a request's body read whole before its caller is
//! checked. actix polls a handler's extractors together, so a caller
//! extractor beside a body one could refuse the credentials before a
//! malformed or oversized body is seen; the endpoints with a body have
//! always answered the body's problem first, and this keeps that order
//! whatever the network's timing.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

/// The body `B` (read first) and the caller `C` (checked after).
pub struct BodyFirst<B, C> {
    pub body: B,
    pub caller: C,
    /// When the body had been read: the request's arrival, for latency.
    pub read: Instant,
}

impl<B, C> FromRequest for BodyFirst<B, C>
where
    B: FromRequest + 'static,
    B::Future: 'static,
    C: FromRequest + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = B::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let body = body.await.map_err(Into::into)?;
            let read = Instant::now();
            let caller = C::extract(&request).await.map_err(Into::into)?;
            Ok(BodyFirst { body, caller, read })
        })
    }
}
