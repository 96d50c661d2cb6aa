//! Who is calling, as extractors, so a handler's signature says who may
//! call it: a [`Customer`], by HTTP Basic with their account's system_id
//! and password or by one of the account's API keys (`Authorization:
//! Bearer <key>` or `X-API-Key: <key>`, see `keys.rs`), always from the
//! account's `allowed_ips` and never while it is suspended; the
//! [`Operator`], by HTTP Basic with `web.admin_user` and its password.
//! Kannel's sendsms names the account by parameters instead
//! ([`customer_by_parameters`]). argon2 is slow on purpose, so it runs on
//! the blocking pool, and credentials it has accepted are remembered
//! (`credentials.rs`). An API key is looked up by its SHA-256 on every
//! request, so a revoked key stops working at once.

use std::future::Future;
use std::net::IpAddr;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::error::BlockingError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, web};

use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::directory::AccountEntry;
use crate::auth::{AuthError, PasswordHash, address_allowed, api_key_digest};

/// Credentials that could not be checked: a failure of the switch, not a
/// refusal of the caller.
#[derive(Debug, thiserror::Error)]
pub enum Unchecked {
    #[error(transparent)]
    Blocking(#[from] BlockingError),
    #[error(transparent)]
    Hash(#[from] AuthError),
}

/// The header that may carry an API key instead of `Authorization`.
const API_KEY_HEADER: &str = "x-api-key";

/// The operator (`web.admin_user`, HTTP Basic) is calling.
pub struct Operator;

/// The account calling, by its API key or its system_id and password
/// (HTTP Basic), from its `allowed_ips`, not suspended.
pub struct Customer(Arc<AccountEntry>);

impl Deref for Customer {
    type Target = AccountEntry;

    fn deref(&self) -> &AccountEntry {
        &self.0
    }
}

/// What an extractor of the caller answers: later, once argon2 has run.
type Checked<T> = Pin<Box<dyn Future<Output = Result<T, Problem>>>>;

impl FromRequest for Operator {
    type Error = Problem;
    type Future = Checked<Operator>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = state(&request)?;
            admin(&request, &state).await?;
            Ok(Operator)
        })
    }
}

impl FromRequest for Customer {
    type Error = Problem;
    type Future = Checked<Customer>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = state(&request)?;
            Ok(Customer(customer(&request, &state).await?))
        })
    }
}

/// `start` registers the state for every request; a listener without it
/// is a bug, answered as an internal error.
#[derive(Debug, thiserror::Error)]
#[error("the HTTP listener has no WebState")]
struct NoState;

fn state(request: &HttpRequest) -> Result<web::Data<WebState>, Problem> {
    request
        .app_data::<web::Data<WebState>>()
        .cloned()
        .ok_or_else(|| Problem::internal(NoState))
}

/// The account whose API key, or system_id and password (HTTP Basic), the
/// request carries, if the peer may use it and it is not suspended.
async fn customer(request: &HttpRequest, state: &WebState) -> Result<Arc<AccountEntry>, Problem> {
    if let Some(key) = api_key(request) {
        let account = key_owner(state, key)?;
        allowed_here(request, &account)?;
        return not_suspended(account);
    }
    let unauthorized =
        || Problem::unauthorized("an API key or HTTP Basic credentials of an account are needed");
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(unauthorized)?;
    let (system_id, password) = basic_credentials(authorization).ok_or_else(unauthorized)?;
    let account = state
        .directory
        .account(&system_id)
        .ok_or_else(|| Problem::unauthorized("unknown account or wrong password"))?;
    allowed_here(request, &account)?;
    verify(state, authorization, system_id, password, &account.password).await?;
    not_suspended(account)
}

/// Refuses a suspended account.
fn not_suspended(account: Arc<AccountEntry>) -> Result<Arc<AccountEntry>, Problem> {
    if account.terms.suspended {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this account is suspended".into(),
        ));
    }
    Ok(account)
}

/// The account a request names by its system_id and password as
/// parameters (Kannel's sendsms `username` and `password`), if the
/// password is right, the peer may use the account and it is not
/// suspended; `None` for any refusal, which Kannel answers alike. Shares
/// the argon2 cache with Basic.
pub async fn customer_by_parameters(
    request: &HttpRequest,
    state: &WebState,
    system_id: &str,
    password: &str,
) -> Result<Option<Arc<AccountEntry>>, Unchecked> {
    let Some(account) = state.directory.account(system_id) else {
        return Ok(None);
    };
    let peer = request.peer_addr().map(|address| address.ip());
    if !peer.is_some_and(|peer: IpAddr| address_allowed(&account.allowed_ips, peer)) {
        return Ok(None);
    }
    // Never the value of an Authorization header, which starts "Basic ".
    let key = format!("parameters {system_id}:{password}");
    let passed = passes(
        state,
        key,
        system_id.to_string(),
        password.to_string(),
        &account.password,
    )
    .await?;
    Ok((passed && !account.terms.suspended).then_some(account))
}

/// The key of `X-API-Key`, or of `Authorization: Bearer`.
fn api_key(request: &HttpRequest) -> Option<&str> {
    let headers = request.headers();
    if let Some(key) = headers.get(API_KEY_HEADER) {
        return Some(key.to_str().unwrap_or_default().trim());
    }
    let authorization = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    authorization.strip_prefix("Bearer ").map(str::trim)
}

/// The account an API key belongs to.
fn key_owner(state: &WebState, key: &str) -> Result<Arc<AccountEntry>, Problem> {
    let record = state
        .store
        .api_key(&api_key_digest(key))?
        .ok_or_else(|| Problem::unauthorized("unknown or revoked API key"))?;
    state
        .directory
        .account(record.account.as_str())
        .ok_or_else(|| Problem::unauthorized("the API key's account no longer exists"))
}

/// Refuses a peer outside the account's `allowed_ips`.
fn allowed_here(request: &HttpRequest, account: &AccountEntry) -> Result<(), Problem> {
    let peer = request.peer_addr().map(|address| address.ip());
    if peer.is_some_and(|peer: IpAddr| address_allowed(&account.allowed_ips, peer)) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "this account may not be used from this address".into(),
        ))
    }
}

/// Passes when the Basic credentials are the operator's.
async fn admin(request: &HttpRequest, state: &WebState) -> Result<(), Problem> {
    let unauthorized = || Problem::unauthorized("HTTP Basic credentials of the admin are needed");
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(unauthorized)?;
    let (user, password) = basic_credentials(authorization).ok_or_else(unauthorized)?;
    let admin = &state.admin;
    if user != admin.user {
        return Err(Problem::unauthorized("wrong admin user or password"));
    }
    verify(state, authorization, user, password, &admin.password).await
}

/// Checks `password` against `hash` unless this exact header passed before.
async fn verify(
    state: &WebState,
    authorization: &HeaderValue,
    user: String,
    password: String,
    hash: &PasswordHash,
) -> Result<(), Problem> {
    let key = String::from_utf8_lossy(authorization.as_bytes()).into_owned();
    if passes(state, key, user, password, hash)
        .await
        .map_err(Problem::internal)?
    {
        Ok(())
    } else {
        Err(Problem::unauthorized("unknown user or wrong password"))
    }
}

/// Whether `password` matches `hash`: at once when the credentials under
/// `key` passed before, else by argon2 (off the event loop), remembering a
/// pass.
async fn passes(
    state: &WebState,
    key: String,
    user: String,
    password: String,
    hash: &PasswordHash,
) -> Result<bool, Unchecked> {
    if state.verified.knows(&key, &user, hash) {
        return Ok(true);
    }
    let (hash, accepted) = (hash.clone(), hash.clone());
    let verified = web::block(move || hash.verify(&password)).await??;
    if verified {
        state.verified.remember(key, user, accepted);
    }
    Ok(verified)
}

fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = value.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}
