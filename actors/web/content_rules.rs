//! The admin API's content rules (operator credentials): list them,
//! create one, read, replace or delete one by name. A change is stored,
//! then compiled with every other rule into the matcher the next
//! submission meets (`actors::admin::content_rules`).

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
use crate::api::FieldError;
use crate::checks::content::{ContentAction, ContentRule, Matching};

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_rules)
        .service(create_rule)
        .service(get_rule)
        .service(replace_rule)
        .service(delete_rule);
}

/// One content rule as the admin API shows it: `pattern` or `words`, the
/// other null.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ContentRule)]
struct RuleView {
    name: String,
    /// A regular expression matched, without case, in the folded text.
    #[schema(required = true)]
    pattern: Option<String>,
    /// Words or phrases, each matched whole, accent- and case-insensitive.
    #[schema(required = true)]
    words: Option<Vec<String>>,
    /// system_ids; empty: every account.
    accounts: Vec<String>,
    /// "reject" or "hold".
    action: String,
    #[schema(required = true)]
    description: Option<String>,
    enabled: bool,
}

impl RuleView {
    fn of(rule: &ContentRule) -> RuleView {
        let (pattern, words) = match &rule.matching {
            Matching::Pattern(pattern) => (Some(pattern.clone()), None),
            Matching::Words(words) => (None, Some(words.clone())),
        };
        RuleView {
            name: rule.name.clone(),
            pattern,
            words,
            accounts: rule.accounts.clone(),
            action: rule.action.as_str().to_owned(),
            description: rule.description.clone(),
            enabled: rule.enabled,
        }
    }
}

/// A rule's body as the document shows it; read field by field by
/// [`rule_input`].
#[derive(ToSchema)]
#[schema(as = ContentRuleInput)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its fields are read one by one")]
struct RuleBody {
    /// 1 to 64 of A-Z a-z 0-9 _ -; in a PUT it may be left out, and if
    /// given must be the path's.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    name: String,
    /// A regular expression (the regex crate's syntax); give it or `words`.
    pattern: Option<String>,
    /// Words or phrases; give them or `pattern`.
    words: Option<Vec<String>>,
    /// system_ids of existing accounts; empty or left out: every account.
    accounts: Option<Vec<String>>,
    /// "reject" or "hold".
    action: String,
    description: Option<String>,
    /// Default true.
    enabled: Option<bool>,
}

/// A rule from its body; `name` from the path when the body leaves it
/// out (a PUT).
pub(in crate::actors::web) fn rule_input(
    body: &[u8],
    path_name: Option<&str>,
) -> Result<ContentRule, FieldError> {
    let problem = |field: &str, detail: &str| FieldError {
        field: field.to_owned(),
        detail: detail.to_owned(),
    };
    let mut fields = Fields::parse(body)?;
    let name: String = match path_name {
        None => fields.required("name")?,
        Some(path) => {
            let name: Option<String> = fields.optional("name")?;
            if name.as_deref().is_some_and(|name| name != path) {
                return Err(problem("name", "must be the name in the path"));
            }
            path.to_owned()
        }
    };
    let pattern: Option<String> = fields.optional("pattern")?;
    let words: Option<Vec<String>> = fields.optional("words")?;
    let matching = match (pattern, words) {
        (Some(pattern), None) => Matching::Pattern(pattern),
        (None, Some(words)) => Matching::Words(words),
        (Some(_), Some(_)) => return Err(problem("pattern", "give pattern or words, not both")),
        (None, None) => return Err(problem("pattern", "give a pattern or words")),
    };
    let action: String = fields.required("action")?;
    let action = ContentAction::parse(&action)
        .ok_or_else(|| problem("action", "must be \"reject\" or \"hold\""))?;
    let rule = ContentRule {
        name,
        matching,
        accounts: fields.optional("accounts")?.unwrap_or_default(),
        action,
        description: fields.optional("description")?,
        enabled: fields.optional("enabled")?.unwrap_or(true),
    };
    fields.finish()?;
    Ok(rule)
}

fn view(state: &WebState, name: &str) -> Result<RuleView, Problem> {
    state
        .changes
        .content_rules
        .load()
        .rule(name)
        .map(RuleView::of)
        .ok_or_else(|| AdminError::NoContentRule(name.to_owned()).into())
}

/// Every content rule, in the order they are checked (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "Every rule, enabled or not, the file's first.", body = [RuleView]),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/rules")]
async fn list_rules(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let views: Vec<RuleView> = state
        .changes
        .content_rules
        .load()
        .rules()
        .iter()
        .map(RuleView::of)
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Add a content rule after the others, in force for the next submission (admin)
#[utoipa::path(
    security(("admin" = [])),
    request_body = RuleBody,
    responses(
        (status = CREATED, description = "The rule.", body = RuleView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[post("/api/v1/rules")]
async fn create_rule(
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let rule = rule_input(&body, None)?;
    let name = rule.name.clone();
    state.changes.create_content_rule(rule).await?;
    Ok(HttpResponse::Created().json(view(&state, &name)?))
}

/// One content rule (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path, description = "The rule's name.")),
    responses(
        (status = OK, description = "The rule.", body = RuleView),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/rules/{name}")]
async fn get_rule(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(view(&state, &name)?))
}

/// Replace a content rule where it stands in the order, in force for the next submission (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path, description = "The rule's name.")),
    request_body = RuleBody,
    responses(
        (status = OK, description = "The rule as changed.", body = RuleView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[put("/api/v1/rules/{name}")]
async fn replace_rule(
    name: web::Path<String>,
    BodyFirst { body, .. }: BodyFirst<web::Bytes, Operator>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let rule = rule_input(&body, Some(&name))?;
    state.changes.replace_content_rule(&name, rule).await?;
    Ok(HttpResponse::Ok().json(view(&state, &name)?))
}

/// Delete a content rule (admin)
#[utoipa::path(
    security(("admin" = [])),
    params(("name" = String, Path, description = "The rule's name.")),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = UNAUTHORIZED, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/rules/{name}")]
async fn delete_rule(
    name: web::Path<String>,
    _: Operator,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    state.changes.delete_content_rule(&name).await?;
    Ok(HttpResponse::NoContent().finish())
}
