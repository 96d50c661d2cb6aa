//! The admin API's routes (operator credentials): list the route table in
//! force, add a route, replace or delete the route at an index of that
//! list. A change is stored, then in force for the next message; messages
//! queued in a route that went are routed again through the new table.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

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
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_routes)
        .service(add_route)
        .service(replace_route)
        .service(delete_route);
}

/// One route as the admin API shows it; `index` is its place in the list,
/// which PUT and DELETE name.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Route)]
struct RouteView {
    index: usize,
    prefix: String,
    accounts: Vec<String>,
    gateways: Vec<String>,
    weights: Option<Vec<u32>>,
    price: String,
    /// failover, weighted, least_cost or quality.
    mode: &'static str,
    min_delivery_ratio: Option<f64>,
    max_latency_p95_s: Option<f64>,
    /// A decimal string.
    max_cost: Option<String>,
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
            mode: route.policy.mode.as_str(),
            min_delivery_ratio: route.policy.min_delivery_ratio,
            max_latency_p95_s: route
                .policy
                .max_latency_p95
                .map(|latency| latency.as_secs_f64()),
            max_cost: route.policy.max_cost.map(|cost| cost.to_string()),
        })
        .collect()
}

/// A route's body as the document shows it; read field by field by
/// [`route_input`].
#[derive(ToSchema)]
#[schema(as = RouteInput)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its fields are read one by one")]
struct RouteBody {
    /// "" is the default route.
    #[schema(pattern = "^[0-9]*$")]
    prefix: String,
    /// system_ids, or ["*"] (the default) for every account.
    accounts: Option<Vec<String>>,
    #[schema(min_items = 1)]
    gateways: Vec<String>,
    #[schema(inline)]
    weights: Option<Vec<Weight>>,
    /// Credit per message part, a decimal string.
    price: String,
    /// How the route picks its gateway (docs/routing.md#route-modes);
    /// left out: failover, or weighted with weights, except that a PUT
    /// setting none of these four fields keeps a least_cost or quality
    /// route's mode, floor and ceiling.
    #[schema(inline)]
    mode: Option<Mode>,
    /// The floor of least_cost and quality: a gateway delivering less (0
    /// to 1) is taken out.
    #[schema(minimum = 0, maximum = 1)]
    min_delivery_ratio: Option<f64>,
    /// The floor's latency: a gateway slower at the 95th percentile is
    /// taken out (seconds, above 0, at most a week).
    #[schema(exclusive_minimum = 0, maximum = 604800)]
    max_latency_p95_s: Option<f64>,
    /// The ceiling of quality: gateways costing more per part are not
    /// chosen; a decimal string.
    max_cost: Option<String>,
}

/// A route's mode, as in the configuration file.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "the document's, like RouteBody")]
enum Mode {
    Failover,
    Weighted,
    LeastCost,
    Quality,
}

/// A gateway's share of a route's messages.
#[derive(ToSchema)]
#[schema(minimum = 1, maximum = 1000)]
#[expect(dead_code, reason = "the document's, like RouteBody")]
struct Weight(u32);

/// A route's body: prefix, accounts (`["*"]` when left out), gateways,
/// weights (optional), price, and optionally the mode with its floor and
/// ceiling.
pub(in crate::actors::web) fn route_input(body: &[u8]) -> Result<RouteInput, FieldError> {
    let mut fields = Fields::parse(body)?;
    let input = RouteInput {
        prefix: fields.required("prefix")?,
        accounts: fields
            .optional("accounts")?
            .unwrap_or_else(|| fields::route_claims(&AccountSelector::All)),
        gateways: fields.required("gateways")?,
        weights: fields.optional("weights")?,
        price: fields.required::<Money>("price")?,
        mode: fields.optional("mode")?,
        min_delivery_ratio: fields.optional("min_delivery_ratio")?,
        max_latency_p95_s: fields.optional("max_latency_p95_s")?,
        max_cost: fields.optional("max_cost")?,
    };
    fields.finish()?;
    Ok(input)
}

/// The route table in force (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "The route table in force.", body = [RouteView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/routes")]
async fn list_routes(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(views(&state)))
}

/// Add a route, in force for the next message (admin)
#[utoipa::path(
    security(("admin" = [])),
    request_body = RouteBody,
    responses(
        (status = CREATED, description = "The route.", body = RouteView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[post("/api/v1/routes")]
async fn add_route(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let input = route_input(&body)?;
    let index = state.changes.add_route(input).await?;
    let added = views(&state).into_iter().find(|route| route.index == index);
    Ok(HttpResponse::Created().json(added))
}

/// Replace a route; messages queued in it go through the new table (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("index" = usize, Path, minimum = 0, description = "The route's place in GET /api/v1/routes.")),
    request_body = RouteBody,
    responses(
        (status = OK, description = "The route table in force.", body = [RouteView]),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[put("/api/v1/routes/{index}")]
async fn replace_route(
    index: web::Path<usize>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let input = route_input(&body)?;
    state.changes.replace_route(*index, input).await?;
    Ok(HttpResponse::Ok().json(views(&state)))
}

/// Delete a route (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("index" = usize, Path, minimum = 0, description = "The route's place in GET /api/v1/routes.")),
    responses(
        (status = OK, description = "The route table in force.", body = [RouteView]),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/routes/{index}")]
async fn delete_route(
    index: web::Path<usize>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    state.changes.delete_route(*index).await?;
    Ok(HttpResponse::Ok().json(views(&state)))
}
