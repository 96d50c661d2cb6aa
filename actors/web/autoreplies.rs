//! The admin API's keyword autoreplies (operator credentials): list, create,
//! read, replace and delete the rules that answer an account's MO
//! (`mo_apps::autoreply`; docs/two-way.md#keyword-autoreplies). A change
//! is stored, then in force for the next MO (`actors::admin::mo_apps`).

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::admin::AdminError;
use crate::mo_apps::autoreply::Autoreply;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_autoreplies)
        .service(create_autoreply)
        .service(read_autoreply)
        .service(replace_autoreply)
        .service(delete_autoreply);
}

/// An autoreply rule, as the admin API shows and takes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Autoreply)]
struct AutoreplyView {
    /// Unique: 1 to 64 letters, digits, `-`, `_`, `.`.
    name: String,
    /// The system_id of the account whose MO it answers, which pays.
    account: String,
    /// The long number or short code the MO was sent to (digits; a leading + or 00 is dropped).
    number: String,
    /// The MO's first word, without case or accents; null: every MO to the number no keyword rule of the account claims.
    #[schema(required = true)]
    keyword: Option<String>,
    /// The reply: a template with {{from}}, {{to}}, {{keyword}} and {{text}} (the MO's text after a keyword rule's keyword).
    text: String,
    /// Default true.
    enabled: bool,
}

impl From<&Autoreply> for AutoreplyView {
    fn from(rule: &Autoreply) -> AutoreplyView {
        AutoreplyView {
            name: rule.name.clone(),
            account: rule.account.clone(),
            number: rule.number.clone(),
            keyword: rule.keyword.clone(),
            text: rule.text.clone(),
            enabled: rule.enabled,
        }
    }
}

/// The rule `body` describes; `name` from the path when given there.
fn rule(body: &[u8], name: Option<&str>) -> Result<Autoreply, Problem> {
    let mut fields = Fields::parse(body)?;
    let given: Option<String> = fields.optional("name")?;
    let name = match (name, given) {
        (Some(path), Some(given)) if given != path => {
            return Err(AdminError::Invalid(crate::actors::admin::error::invalid(
                "name",
                format!("the path names rule {path:?}"),
            ))
            .into());
        }
        (Some(path), _) => path.to_owned(),
        (None, Some(given)) => given,
        (None, None) => fields.required("name")?,
    };
    let rule = Autoreply {
        name,
        account: fields.required("account")?,
        number: fields.required("number")?,
        keyword: fields.optional("keyword")?,
        text: fields.required("text")?,
        enabled: fields.optional("enabled")?.unwrap_or(true),
    };
    fields.finish()?;
    Ok(rule)
}

fn find(state: &WebState, name: &str) -> Result<AutoreplyView, Problem> {
    state
        .changes
        .mo_apps
        .current()
        .autoreplies
        .iter()
        .find(|rule| rule.name == name)
        .map(AutoreplyView::from)
        .ok_or_else(|| AdminError::NoAutoreply(name.to_owned()).into())
}

/// Every autoreply rule, by name (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "Every rule, by name.", body = [AutoreplyView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/autoreplies")]
async fn list_autoreplies(_: Operator, state: web::Data<WebState>) -> HttpResponse {
    let apps = state.changes.mo_apps.current();
    let views: Vec<AutoreplyView> = apps.autoreplies.iter().map(AutoreplyView::from).collect();
    HttpResponse::Ok().json(views)
}

/// Create an autoreply rule; in force for the next MO (admin)
#[utoipa::path(
    security(("admin" = [])),
    request_body = AutoreplyView,
    responses(
        (status = CREATED, description = "The rule.", body = AutoreplyView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = CONFLICT, description = "A rule has this name (field name), or another rule of the account answers the same number and keyword (field keyword).", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/api/v1/autoreplies")]
async fn create_autoreply(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let rule = rule(&body, None)?;
    let name = rule.name.clone();
    state.changes.put_autoreply(rule, true).await?;
    Ok(HttpResponse::Created().json(find(&state, &name)?))
}

/// One autoreply rule (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path, description = "The rule's name.")),
    responses(
        (status = OK, description = "The rule.", body = AutoreplyView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/autoreplies/{name}")]
async fn read_autoreply(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(find(&state, &name)?))
}

/// Replace an autoreply rule with the one given (`name` may be left out); in force for the next MO (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path, description = "The rule's name.")),
    request_body = AutoreplyView,
    responses(
        (status = OK, description = "The rule as changed.", body = AutoreplyView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = CONFLICT, description = "Another rule of the account answers the same number and keyword (field keyword).", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[put("/api/v1/autoreplies/{name}")]
async fn replace_autoreply(
    name: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let rule = rule(&body, Some(&name))?;
    state.changes.put_autoreply(rule, false).await?;
    Ok(HttpResponse::Ok().json(find(&state, &name)?))
}

/// Delete an autoreply rule (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path, description = "The rule's name.")),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/autoreplies/{name}")]
async fn delete_autoreply(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    state.changes.delete_autoreply(&name).await?;
    Ok(HttpResponse::NoContent().finish())
}
