//! A customer's API keys: `POST /api/v1/keys` makes one and shows it once,
//! `GET /api/v1/keys` lists them (id, label, created), `DELETE
//! /api/v1/keys/{id}` revokes one. A key is `pk_` and 32 random bytes in
//! base64url (256 bits from the operating system); the store keeps only its
//! SHA-256 (`crate::auth::api_key_digest`), so a lookup by digest is one
//! store read.
//! Requests present a key as `Authorization: Bearer …` or `X-API-Key: …`
//! (`auth.rs`). Only the account's password makes keys or revokes them,
//! except that a key may revoke itself: a leaked key can neither make
//! another that would outlive its revocation nor revoke the owner's.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Customer;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::auth::api_key_digest;
use crate::model::AccountId;
use crate::store::{ApiKey, Batch};

/// What every key starts with, so a leaked one is recognisable.
const PREFIX: &str = "pk_";
/// The longest label a key may carry.
const MAX_LABEL: usize = 100;

/// Refuses a caller who came with an API key: keys are managed with the
/// password.
fn by_password(caller: &Customer) -> Result<(), Problem> {
    match caller.key {
        None => Ok(()),
        Some(_) => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "API keys are made and revoked with the account's password (HTTP Basic), not with a key"
                .into(),
        )),
    }
}

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_key)
        .service(list_keys)
        .service(revoke_key);
}

/// `POST /api/v1/keys`; the body may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    #[serde(default)]
    label: String,
}

/// A key as listed; the key itself only in the answer to its creation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Key)]
struct KeyView {
    id: String,
    label: String,
    created: DateTime<Utc>,
    /// The key itself: only in the answer to its creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    key: Option<String>,
}

/// The account's keys.
#[derive(Serialize, ToSchema)]
struct Keys {
    keys: Vec<KeyView>,
}

impl From<&ApiKey> for KeyView {
    fn from(key: &ApiKey) -> KeyView {
        KeyView {
            id: key.id.to_string(),
            label: key.label.clone(),
            created: key.created,
            key: None,
        }
    }
}

/// Create an API key for the account (shown once); with the password only
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    request_body(content = inline(Option<CreateRequest>), description = "May be left empty."),
    responses(
        (status = CREATED, description = "The key, with `key` set.", body = KeyView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
    ),
)]
#[post("/api/v1/keys")]
async fn create_key(
    BodyFirst {
        body,
        caller: account,
        ..
    }: BodyFirst<web::Bytes, Customer>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    by_password(&account)?;
    let CreateRequest { label } = if body.is_empty() {
        CreateRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))?
    };
    let (key, record) = make_key(&state, &account.id, label).await?;
    Ok(HttpResponse::Created().json(KeyView {
        key: Some(key),
        ..KeyView::from(&record)
    }))
}

/// Makes and stores a key for `account` labelled `label`: the key (shown
/// once, never stored) and its record.
pub(in crate::actors::web) async fn make_key(
    state: &WebState,
    account: &AccountId,
    label: String,
) -> Result<(String, ApiKey), Problem> {
    if label.chars().count() > MAX_LABEL {
        return Err(Problem::from(crate::api::FieldError {
            field: "label".into(),
            detail: format!("at most {MAX_LABEL} characters"),
        }));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let key = format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    let store = &state.store;
    let record = ApiKey {
        id: store.next_sequence()?,
        account: account.clone(),
        label,
        created: Utc::now(),
    };
    let mut batch = Batch::new();
    batch.put_api_key(&api_key_digest(&key), &record);
    store.commit(batch).await?;
    Ok((key, record))
}

/// The account's API keys (without the keys)
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    responses(
        (status = OK, description = "The keys.", body = Keys),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/keys")]
async fn list_keys(account: Customer, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let keys = state.store.api_keys(&account.id)?;
    let views: Vec<KeyView> = keys.iter().map(|(_, key)| KeyView::from(key)).collect();
    Ok(HttpResponse::Ok().json(Keys { keys: views }))
}

/// Revoke an API key; with the password, or with the key itself
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(("id" = String, Path)),
    responses(
        (status = NO_CONTENT, description = "Revoked."),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/keys/{id}")]
async fn revoke_key(
    account: Customer,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let not_found = || {
        Problem::new(
            StatusCode::NOT_FOUND,
            format!("no API key {id} in this account"),
        )
    };
    let wanted: u64 = id.parse().map_err(|_| not_found())?;
    let (digest, _) = state
        .store
        .api_keys(&account.id)?
        .into_iter()
        .find(|(_, key)| key.id == wanted)
        .ok_or_else(not_found)?;
    if account.key != Some(digest) {
        by_password(&account)?;
    }
    revoke(&state, &digest).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes the key whose digest is `digest`, once durable.
pub(in crate::actors::web) async fn revoke(
    state: &WebState,
    digest: &[u8; 32],
) -> Result<(), Problem> {
    let mut batch = Batch::new();
    batch.remove_api_key(digest);
    state.store.commit(batch).await?;
    Ok(())
}
