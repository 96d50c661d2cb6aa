//! The admin API's MO routes (operator credentials): list them, route a
//! number (or a keyword on a number) to an account, delete a route. A
//! change is stored, then in force for the next MO, and the MO waiting
//! unrouted in the inbox are offered again (`actors::admin_mo_routes`).
//! A route is named by its path: `/api/v1/mo-routes/{number}` for every
//! MO to the number no keyword claims, `/api/v1/mo-routes/{number}/{keyword}`
//! for those whose first word is the keyword.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_mo_routes)
        .service(set_number_route)
        .service(delete_number_route)
        .service(set_keyword_route)
        .service(delete_keyword_route);
}

/// One MO route as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MoRoute)]
pub(in crate::actors::web) struct MoRouteView {
    /// Digits.
    pub(in crate::actors::web) number: String,
    /// null: every MO to the number no keyword route claims.
    #[schema(required = true)]
    pub(in crate::actors::web) keyword: Option<String>,
    pub(in crate::actors::web) account: String,
}

/// The body of a PUT as the document shows it; read field by field by
/// [`set`].
#[derive(ToSchema)]
#[schema(as = MoRouteInput)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its field is read by name")]
struct MoRouteBody {
    /// The system_id of an existing account.
    account: String,
}

/// The MO routes in force, by number, the catch-all first.
pub(in crate::actors::web) fn views(state: &WebState) -> Vec<MoRouteView> {
    let mut views: Vec<MoRouteView> = state
        .changes
        .mo_routes
        .load()
        .iter()
        .map(|route| MoRouteView {
            number: route.number.clone(),
            keyword: route.keyword.clone(),
            account: route.account.clone(),
        })
        .collect();
    views.sort_by(|a, b| (&a.number, &a.keyword).cmp(&(&b.number, &b.keyword)));
    views
}

/// The MO routes in force: the file's with the admin API's changes (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "Every MO route, by number.", body = [MoRouteView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/mo-routes")]
async fn list_mo_routes(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(views(&state)))
}

/// `{"account": "system_id"}`: 201 and the routes when the route is new,
/// 200 when it replaced one.
async fn set(
    state: &WebState,
    number: &str,
    keyword: Option<&str>,
    body: &[u8],
) -> Result<HttpResponse, Problem> {
    let account: String = {
        let mut fields = Fields::parse(body)?;
        let account = fields.required("account")?;
        fields.finish()?;
        account
    };
    let new = state
        .changes
        .set_mo_route(number, keyword, &account)
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(views(state)))
}

/// Route MO to the number (those no keyword route claims) to an account; MO
/// waiting unrouted in the inbox are offered again (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("number" = String, Path, description = "The destination number: 1 to 15 digits, optionally after + or 00 (dropped).")),
    request_body = MoRouteBody,
    responses(
        (status = OK, description = "Replaced; the MO routes in force.", body = [MoRouteView]),
        (status = CREATED, description = "Created; the MO routes in force.", body = [MoRouteView]),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[put("/api/v1/mo-routes/{number}")]
async fn set_number_route(
    number: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    set(&state, &number, None, &body).await
}

/// Route MO to the number whose first word is the keyword to an account; MO
/// waiting unrouted in the inbox are offered again (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("number" = String, Path, description = "The destination number: 1 to 15 digits, optionally after + or 00 (dropped)."), ("keyword" = String, Path, description = "The first word of the MO's text, compared without case.")),
    request_body = MoRouteBody,
    responses(
        (status = OK, description = "Replaced; the MO routes in force.", body = [MoRouteView]),
        (status = CREATED, description = "Created; the MO routes in force.", body = [MoRouteView]),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[put("/api/v1/mo-routes/{number}/{keyword}")]
async fn set_keyword_route(
    path: web::Path<(String, String)>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (number, keyword) = path.into_inner();
    set(&state, &number, Some(&keyword), &body).await
}

/// 200 and the routes left; 404 when there is no such route.
async fn delete(
    state: &WebState,
    number: &str,
    keyword: Option<&str>,
) -> Result<HttpResponse, Problem> {
    state.changes.delete_mo_route(number, keyword).await?;
    Ok(HttpResponse::Ok().json(views(state)))
}

/// Delete the MO route of the number without a keyword (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("number" = String, Path, description = "The destination number: 1 to 15 digits, optionally after + or 00 (dropped).")),
    responses(
        (status = OK, description = "The MO routes in force.", body = [MoRouteView]),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/mo-routes/{number}")]
async fn delete_number_route(
    number: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    delete(&state, &number, None).await
}

/// Delete the MO route of the number and keyword (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("number" = String, Path, description = "The destination number: 1 to 15 digits, optionally after + or 00 (dropped)."), ("keyword" = String, Path, description = "The first word of the MO's text, compared without case.")),
    responses(
        (status = OK, description = "The MO routes in force.", body = [MoRouteView]),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/mo-routes/{number}/{keyword}")]
async fn delete_keyword_route(
    path: web::Path<(String, String)>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (number, keyword) = path.into_inner();
    delete(&state, &number, Some(&keyword)).await
}
