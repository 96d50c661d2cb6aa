//! The admin API's MO routes (operator credentials): list them, route a
//! number (or a keyword on a number) to an account, delete a route. A
//! change is stored, then in force for the next MO, and the MO waiting
//! unrouted in the inbox are offered again (`actors::admin_mo_routes`).
//! A route is named by its path: `/api/v1/mo-routes/{number}` for every
//! MO to the number no keyword claims, `/api/v1/mo-routes/{number}/{keyword}`
//! for those whose first word is the keyword.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::auth::Operator;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/mo-routes", web::get().to(list))
        .route("/api/v1/mo-routes/{number}", web::put().to(set_number))
        .route(
            "/api/v1/mo-routes/{number}",
            web::delete().to(delete_number),
        )
        .route(
            "/api/v1/mo-routes/{number}/{keyword}",
            web::put().to(set_keyword),
        )
        .route(
            "/api/v1/mo-routes/{number}/{keyword}",
            web::delete().to(delete_keyword),
        );
}

/// One MO route as the admin API shows it.
#[derive(Debug, Serialize)]
struct MoRouteView {
    number: String,
    keyword: Option<String>,
    account: String,
}

/// The MO routes in force, by number, the catch-all first.
fn views(state: &WebState) -> Vec<MoRouteView> {
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

async fn list(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
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

async fn set_number(
    number: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    set(&state, &number, None, &body).await
}

async fn set_keyword(
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

async fn delete_number(
    number: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    delete(&state, &number, None).await
}

async fn delete_keyword(
    path: web::Path<(String, String)>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let (number, keyword) = path.into_inner();
    delete(&state, &number, Some(&keyword)).await
}
