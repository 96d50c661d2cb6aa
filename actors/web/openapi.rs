//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the HTTP API,
//! written by hand beside this file and compiled in. tests/openapi.rs
//! checks it against the routes that exist, both ways.

use actix_web::{HttpResponse, web};

/// The document, as served.
const DOCUMENT: &str = include_str!("openapi.json");

/// Registers this file's route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route("/api/v1/openapi.json", web::get().to(document));
}

async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT)
}
