//! A customer's API keys: `POST /api/v1/keys` makes one and shows it once,
//! `GET /api/v1/keys` lists them (id, label, created), `DELETE
//! /api/v1/keys/{id}` revokes one. A key is `pk_` and 32 random bytes in
//! base64url (256 bits from the operating system); the store keeps only its
//! SHA-256 (`crate::auth::api_key_digest`), so a lookup by digest is one
//! store read.
//! Requests present a key as `Authorization: Bearer …` or `X-API-Key: …`
//! (`auth.rs`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::Customer;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::auth::api_key_digest;
use crate::store::{ApiKey, Batch};

/// What every key starts with, so a leaked one is recognisable.
const PREFIX: &str = "pk_";
/// The longest label a key may carry.
const MAX_LABEL: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/api/v1/keys", web::post().to(create))
        .route("/api/v1/keys", web::get().to(list))
        .route("/api/v1/keys/{id}", web::delete().to(revoke));
}

/// `POST /api/v1/keys`; the body may be empty.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    #[serde(default)]
    label: String,
}

/// A key as listed; the key itself only in the answer to its creation.
#[derive(Debug, Serialize)]
struct KeyView {
    id: String,
    label: String,
    created: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
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

async fn create(
    BodyFirst {
        body,
        caller: account,
        ..
    }: BodyFirst<web::Bytes, Customer>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let CreateRequest { label } = if body.is_empty() {
        CreateRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))?
    };
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
        account: account.id.clone(),
        label,
        created: Utc::now(),
    };
    let mut batch = Batch::new();
    batch.put_api_key(&api_key_digest(&key), &record);
    store.commit(batch).await?;
    Ok(HttpResponse::Created().json(KeyView {
        key: Some(key),
        ..KeyView::from(&record)
    }))
}

async fn list(account: Customer, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    let keys = state.store.api_keys(&account.id)?;
    let views: Vec<KeyView> = keys.iter().map(|(_, key)| KeyView::from(key)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "keys": views })))
}

async fn revoke(
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
    let store = &state.store;
    let (digest, _) = store
        .api_keys(&account.id)?
        .into_iter()
        .find(|(_, key)| key.id == wanted)
        .ok_or_else(not_found)?;
    let mut batch = Batch::new();
    batch.remove_api_key(&digest);
    store.commit(batch).await?;
    Ok(HttpResponse::NoContent().finish())
}
