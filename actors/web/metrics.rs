//! `GET /metrics`: the Prometheus text exposition of `crate::metrics`.
//! Open, like `/healthz`, as scrapers expect: it names accounts and
//! gateways, so keep `web.listen` on an address only operators reach.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get};
use utoipa_actix_web::service_config::ServiceConfig;

use super::problem::Problem;
use crate::metrics;

/// OpenMetrics 1.0 text, which Prometheus reads (and asks for first).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Registers this file's route.
pub fn configure(config: &mut ServiceConfig) {
    config.service(scrape_metrics);
}

/// Prometheus metrics (text exposition)
#[utoipa::path(responses(
    (status = OK, description = "The metrics (README \"HTTP interface\" lists them).", body = String, content_type = CONTENT_TYPE),
))]
#[get("/metrics")]
async fn scrape_metrics() -> Result<HttpResponse, Problem> {
    let text = metrics::global().render()?;
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type(CONTENT_TYPE)
        .body(text))
}
