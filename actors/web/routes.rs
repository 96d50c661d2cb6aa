//! The admin API's routes (operator credentials): list the route table in
//! force, add a route, replace or delete the route at an index of that
//! list. A change is stored, then in force for the next message; messages
//! queued in a route that went are routed again through the new table.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::auth::Operator;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::admin::routes::RouteInput;
use crate::api::FieldError;
use crate::config::{AccountSelector, fields};
use crate::model::Money;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/routes", web::get().to(list))
        .route("/api/v1/routes", web::post().to(add))
        .route("/api/v1/routes/{index}", web::put().to(replace))
        .route("/api/v1/routes/{index}", web::delete().to(delete));
}

/// One route as the admin API shows it; `index` is its place in the list,
/// which PUT and DELETE name.
#[derive(Debug, Serialize)]
struct RouteView {
    index: usize,
    prefix: String,
    accounts: Vec<String>,
    gateways: Vec<String>,
    weights: Option<Vec<u32>>,
    price: String,
}

fn views(state: &WebState) -> Vec<RouteView> {
    state
        .routes
        .current()
        .table
        .routes()
        .iter()
        .map(|route| RouteView {
            index: route.index,
            prefix: route.prefix.clone(),
            accounts: fields::route_claims(&route.accounts),
            gateways: route.gateways.clone(),
            weights: route.weights.clone(),
            price: route.price.to_string(),
        })
        .collect()
}

/// A route's body: prefix, accounts (`["*"]` when left out), gateways,
/// weights (optional) and price.
fn route_input(body: &[u8]) -> Result<RouteInput, FieldError> {
    let mut fields = Fields::parse(body)?;
    let input = RouteInput {
        prefix: fields.required("prefix")?,
        accounts: fields
            .optional("accounts")?
            .unwrap_or_else(|| fields::route_claims(&AccountSelector::All)),
        gateways: fields.required("gateways")?,
        weights: fields.optional("weights")?,
        price: fields.required::<Money>("price")?,
    };
    fields.finish()?;
    Ok(input)
}

async fn list(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(views(&state)))
}

async fn add(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let input = route_input(&body)?;
    let index = state.changes.add_route(input).await?;
    let added = views(&state).into_iter().find(|route| route.index == index);
    Ok(HttpResponse::Created().json(added))
}

async fn replace(
    index: web::Path<usize>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let input = route_input(&body)?;
    state.changes.replace_route(*index, input).await?;
    Ok(HttpResponse::Ok().json(views(&state)))
}

async fn delete(
    index: web::Path<usize>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    state.changes.delete_route(*index).await?;
    Ok(HttpResponse::Ok().json(views(&state)))
}
