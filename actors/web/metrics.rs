//! `GET /metrics`: the Prometheus text exposition of `crate::metrics`.
//! Open, like `/healthz`, as scrapers expect: it names accounts and
//! gateways, so keep `web.listen` on an address only operators reach.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::problem::Problem;
use crate::metrics;

/// OpenMetrics 1.0 text, which Prometheus reads (and asks for first).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Registers this file's route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route("/metrics", web::get().to(scrape));
}

async fn scrape() -> Result<HttpResponse, Problem> {
    let text = metrics::global().render()?;
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type(CONTENT_TYPE)
        .body(text))
}
