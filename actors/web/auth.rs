//! Who is calling, as extractors, so a handler's signature says who may
//! call it: a [`Customer`], by HTTP Basic with their account's system_id
//! and password or by one of the account's API keys (`Authorization:
//! Bearer <key>` or `X-API-Key: <key>`, see `keys.rs`), always from the
//! account's `allowed_ips` and never while it is suspended; the
//! [`Operator`], by HTTP Basic with `web.admin_user` and its password;
//! a [`Caller`], either (for what customers see of their own).
//! Kannel's sendsms names the account by parameters instead
//! ([`customer_by_parameters`]). Passwords go through the login throttle
//! shared with SMPP ([`Logins`]): the address first, then a back-off
//! (429 with `Retry-After`, nothing checked), then credentials argon2 has
//! accepted before (`credentials.rs`), then argon2 on the blocking pool
//! (503 when too many checks wait). An API key is 256 random bits, not a
//! guessable password: it is looked up by its SHA-256 on every request,
//! so a revoked key stops working at once, and is never backed off.

use std::future::Future;
use std::net::{IpAddr, Ipv6Addr};
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, web};

use super::problem::Problem;
use super::state::WebState;
use crate::actors::protocol::directory::AccountEntry;
use crate::actors::protocol::logins::Refused;
use crate::api::FieldError;
use crate::auth::{PasswordHash, Protocol, address_allowed, api_key_digest};
use crate::login_throttle::{Guess, Principal};
use crate::metrics::LoginRefusal;

/// The header that may carry an API key instead of `Authorization`.
const API_KEY_HEADER: &str = "x-api-key";

/// The operator (`web.admin_user`, HTTP Basic) is calling.
pub struct Operator;

/// The account calling, by its API key or its system_id and password
/// (HTTP Basic), from its `allowed_ips`, not suspended.
pub struct Customer {
    account: Arc<AccountEntry>,
    /// The API key it called with (its digest); `None`: its password.
    pub key: Option<[u8; 32]>,
}

impl Deref for Customer {
    type Target = AccountEntry;

    fn deref(&self) -> &AccountEntry {
        &self.account
    }
}

/// The operator or a customer, for the endpoints both call (a customer
/// reaches only what is its own): HTTP Basic with `web.admin_user` is the
/// operator, any other credentials a customer's.
pub enum Caller {
    Operator,
    Customer(Customer),
}

impl Caller {
    /// Whether the caller may see what belongs to the account `system_id`.
    pub fn sees(&self, system_id: &str) -> bool {
        match self {
            Caller::Operator => true,
            Caller::Customer(customer) => customer.id.as_str() == system_id,
        }
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

impl FromRequest for Caller {
    type Error = Problem;
    type Future = Checked<Caller>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = state(&request)?;
            caller(&request, &state).await
        })
    }
}

/// The operator when the request carries HTTP Basic naming
/// `web.admin_user` and no API key (checked as the operator), otherwise a
/// customer (checked as one).
async fn caller(request: &HttpRequest, state: &WebState) -> Result<Caller, Problem> {
    let names_operator = api_key(request).is_none()
        && request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(basic_credentials)
            .is_some_and(|(user, _)| user == state.admin.user);
    if names_operator {
        admin(request, state).await?;
        Ok(Caller::Operator)
    } else {
        customer(request, state).await.map(Caller::Customer)
    }
}

impl FromRequest for Customer {
    type Error = Problem;
    type Future = Checked<Customer>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = state(&request)?;
            customer(&request, &state).await
        })
    }
}

/// The account a request is about: the calling customer's own (an API key
/// or its HTTP Basic credentials, as [`Customer`]), or, for the operator
/// (HTTP Basic with `web.admin_user`), the account its `?account=` names.
/// A customer's `?account=` may name only itself (403 otherwise).
pub struct AccountInScope(pub Arc<AccountEntry>);

/// The `?account=` of an [`AccountInScope`] request; other parameters are
/// the handler's.
#[derive(serde::Deserialize)]
struct NamedAccount {
    account: Option<String>,
}

impl FromRequest for AccountInScope {
    type Error = Problem;
    type Future = Checked<AccountInScope>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = state(&request)?;
            let named = web::Query::<NamedAccount>::from_query(request.query_string())
                .map_err(|error| {
                    Problem::with_field(
                        StatusCode::BAD_REQUEST,
                        FieldError {
                            field: "account".into(),
                            detail: error.to_string(),
                        },
                    )
                })?
                .into_inner()
                .account;
            let field = |status, detail: String| {
                Problem::with_field(
                    status,
                    FieldError {
                        field: "account".into(),
                        detail,
                    },
                )
            };
            let customer = match caller(&request, &state).await? {
                Caller::Operator => {
                    let system_id = named.ok_or_else(|| {
                        field(
                            StatusCode::BAD_REQUEST,
                            "the operator names the account: ?account=SYSTEM_ID".into(),
                        )
                    })?;
                    let account = state.directory.account(&system_id).ok_or_else(|| {
                        field(StatusCode::NOT_FOUND, format!("no account {system_id:?}"))
                    })?;
                    return Ok(AccountInScope(account));
                }
                Caller::Customer(customer) => customer,
            };
            if let Some(system_id) = named
                && system_id != customer.id.as_str()
            {
                return Err(field(
                    StatusCode::FORBIDDEN,
                    "a customer sees its own account only".into(),
                ));
            }
            Ok(AccountInScope(customer.account))
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
async fn customer(request: &HttpRequest, state: &WebState) -> Result<Customer, Problem> {
    if let Some(key) = api_key(request) {
        let (digest, account) = key_owner(state, key)?;
        allowed_here(request, &account)?;
        return Ok(Customer {
            account: not_suspended(account)?,
            key: Some(digest),
        });
    }
    let unauthorized =
        || Problem::unauthorized("an API key or HTTP Basic credentials of an account are needed");
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(unauthorized)?;
    let (system_id, password) = basic_credentials(authorization).ok_or_else(unauthorized)?;
    let peer = peer(request);
    let Some(account) = state.directory.account(&system_id) else {
        let reason = LoginRefusal::UnknownUser;
        state
            .logins
            .refused(Protocol::Http, peer, &system_id, &password, reason);
        return Err(Problem::unauthorized("unknown account or wrong password"));
    };
    if let Err(refused) = allowed_here(request, &account) {
        let reason = LoginRefusal::Address;
        state
            .logins
            .refused(Protocol::Http, peer, &system_id, &password, reason);
        return Err(refused);
    }
    let principal = Principal::Account(system_id.clone());
    let key = String::from_utf8_lossy(authorization.as_bytes()).into_owned();
    passes(
        state,
        peer,
        key,
        principal,
        system_id,
        password,
        &account.password,
    )
    .await?;
    Ok(Customer {
        account: not_suspended(account)?,
        key: None,
    })
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
/// suspended; `None` for any refusal, which Kannel answers alike (a
/// backed-off login too, as a wrong password over SMPP). Shares the
/// throttle and the argon2 cache with Basic. An error is a check that
/// could not be made: too many waiting, or a failure of the switch.
pub async fn customer_by_parameters(
    request: &HttpRequest,
    state: &WebState,
    system_id: &str,
    password: &str,
) -> Result<Option<Arc<AccountEntry>>, Refused> {
    let peer = peer(request);
    let Some(account) = state.directory.account(system_id) else {
        let reason = LoginRefusal::UnknownUser;
        state
            .logins
            .refused(Protocol::Http, peer, system_id, password, reason);
        return Ok(None);
    };
    if !address_allowed(&account.allowed_ips, peer) {
        let reason = LoginRefusal::Address;
        state
            .logins
            .refused(Protocol::Http, peer, system_id, password, reason);
        return Ok(None);
    }
    // Never the value of an Authorization header, which starts "Basic ".
    let key = format!("parameters {system_id}:{password}");
    let principal = Principal::Account(system_id.to_string());
    let user = system_id.to_string();
    let passed = passes(
        state,
        peer,
        key,
        principal,
        user,
        password.to_string(),
        &account.password,
    )
    .await;
    match passed {
        Ok(()) => Ok((!account.terms.suspended).then_some(account)),
        Err(Refused::Wrong | Refused::BackedOff(_)) => Ok(None),
        Err(unchecked) => Err(unchecked),
    }
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

/// The account an API key belongs to, with the key's digest.
fn key_owner(state: &WebState, key: &str) -> Result<([u8; 32], Arc<AccountEntry>), Problem> {
    let digest = api_key_digest(key);
    let record = state
        .store
        .api_key(&digest)?
        .ok_or_else(|| Problem::unauthorized("unknown or revoked API key"))?;
    let account = state
        .directory
        .account(record.account.as_str())
        .ok_or_else(|| Problem::unauthorized("the API key's account no longer exists"))?;
    Ok((digest, account))
}

/// The peer's address; the unspecified address for a request without one
/// (not over TCP), which then shares one throttle key.
fn peer(request: &HttpRequest) -> IpAddr {
    request
        .peer_addr()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |address| address.ip())
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
    let peer = peer(request);
    if user != admin.user {
        let reason = LoginRefusal::UnknownUser;
        state
            .logins
            .refused(Protocol::Http, peer, &user, &password, reason);
        return Err(Problem::unauthorized("wrong admin user or password"));
    }
    let key = String::from_utf8_lossy(authorization.as_bytes()).into_owned();
    let principal = Principal::Operator;
    Ok(passes(state, peer, key, principal, user, password, &admin.password).await?)
}

/// Whether `password` is `user`'s (`principal`, stored as `hash`): the
/// throttle first (a backed-off or known-wrong login is refused without a
/// check, cached or not), then the credentials that passed before under
/// `key`, then argon2 (one check of `key` at a time), remembering a pass.
async fn passes(
    state: &WebState,
    peer: IpAddr,
    key: String,
    principal: Principal,
    user: String,
    password: String,
    hash: &PasswordHash,
) -> Result<(), Refused> {
    let guess = Guess::new(Some(&principal), &user, Some(hash), &password);
    let logins = &state.logins;
    logins.admit(Protocol::Http, peer, &principal, guess)?;
    if state.verified.knows(&key, &user, hash) {
        return Ok(());
    }
    let _turn = state.verified.turn(&key).await;
    // Whoever had the turn before may have passed this same value.
    if state.verified.knows(&key, &user, hash) {
        return Ok(());
    }
    logins
        .check(Protocol::Http, peer, &principal, guess, hash, password)
        .await?;
    state.verified.remember(key, user, hash.clone());
    Ok(())
}

pub(super) fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = value.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Who a login form (the web UI's) named, once its password passed.
pub enum FormLogin {
    Operator,
    Customer(Arc<AccountEntry>),
}

/// Why a login form was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormRefusal {
    /// An unknown user or a wrong password (which, is not said).
    Wrong,
    /// The address or the account is backed off after failed logins.
    BackedOff,
    /// Too many checks wait, or the check failed: try again.
    Unavailable,
    /// The account's `allowed_ips` do not hold the peer.
    NotFromHere,
    /// The password is right and the account suspended.
    Suspended,
}

/// Checks a login form's `user` and `password` as HTTP Basic's are: the
/// operator when `user` is `web.admin_user`, else an account (from its
/// `allowed_ips`, not suspended), through the same throttle and argon2
/// cache.
pub async fn form_login(
    request: &HttpRequest,
    state: &WebState,
    user: &str,
    password: &str,
) -> Result<FormLogin, FormRefusal> {
    let peer = peer(request);
    // Never the value of an Authorization header, which starts "Basic ".
    let key = format!("form {user}:{password}");
    let refusal = |refused: Refused| match refused {
        Refused::Wrong => FormRefusal::Wrong,
        Refused::BackedOff(_) => FormRefusal::BackedOff,
        Refused::Busy(_) | Refused::Unchecked(_) => FormRefusal::Unavailable,
    };
    if user == state.admin.user {
        let (principal, hash) = (Principal::Operator, &state.admin.password);
        passes(
            state,
            peer,
            key,
            principal,
            user.into(),
            password.into(),
            hash,
        )
        .await
        .map_err(refusal)?;
        return Ok(FormLogin::Operator);
    }
    let Some(account) = state.directory.account(user) else {
        let reason = LoginRefusal::UnknownUser;
        state
            .logins
            .refused(Protocol::Http, peer, user, password, reason);
        return Err(FormRefusal::Wrong);
    };
    if !address_allowed(&account.allowed_ips, peer) {
        let reason = LoginRefusal::Address;
        state
            .logins
            .refused(Protocol::Http, peer, user, password, reason);
        return Err(FormRefusal::NotFromHere);
    }
    let principal = Principal::Account(user.to_owned());
    let hash = &account.password;
    passes(
        state,
        peer,
        key,
        principal,
        user.into(),
        password.into(),
        hash,
    )
    .await
    .map_err(refusal)?;
    if account.terms.suspended {
        return Err(FormRefusal::Suspended);
    }
    Ok(FormLogin::Customer(account))
}
