//! The UI's stylesheet and its one script, compiled into the binary (the
//! UI loads nothing from another host and works on a host with no
//! internet), served with a long cache lifetime under a path that names
//! the build, so a new version is fetched at once.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, get};

/// Where the pages link the stylesheet.
pub const STYLESHEET: &str = concat!("/ui/static/", env!("CARGO_PKG_VERSION"), "/app.css");
/// Where the dashboard loads its script.
pub const LIVE_SCRIPT: &str = concat!("/ui/static/", env!("CARGO_PKG_VERSION"), "/live.js");

const CSS: &str = include_str!("assets/app.css");
const LIVE_JS: &str = include_str!("assets/live.js");
const A_YEAR: &str = "public, max-age=31536000, immutable";

/// Registers this file's routes.
pub fn configure(config: &mut actix_web::web::ServiceConfig) {
    config.service(stylesheet).service(live_script);
}

#[get("/ui/static/{version}/app.css")]
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((CACHE_CONTROL, A_YEAR))
        .body(CSS)
}

#[get("/ui/static/{version}/live.js")]
async fn live_script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((CACHE_CONTROL, A_YEAR))
        .body(LIVE_JS)
}
