//! `GET`/`POST /ui/login`, `POST /ui/logout`, and `GET /ui/lang/{code}`,
//! the language switch.
//!
//! The login form has the fields SPEC §4.1 names, `username` and
//! `password`; the operator (`web.admin_user`) and every customer use it
//! and land on their own home. Credentials go through the checks HTTP
//! Basic's do (`auth::form_login`: the login throttle shared with SMPP,
//! the account's `allowed_ips`, argon2 on the blocking pool). The form
//! itself carries a token matching a short-lived cookie, so another site
//! cannot log a browser in under its own account (login CSRF). A
//! successful login opens a new session (a new cookie: nothing set before
//! the login survives it).

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use maud::html;
use serde::Deserialize;
use slog::{error, info, warn};

use super::guard::{CsrfForm, LoggedIn, UiError, UiErrorKind};
use super::i18n::{LANG_COOKIE, Lang, Text};
use super::layout::{Flash, Frame, Section, see_other};
use super::session::{COOKIE, Who, random_token, tokens_match};
use crate::actors::web::auth::{FormLogin, FormRefusal, form_login};
use crate::actors::web::state::WebState;

/// The cookie the login form's token is matched against.
const LOGIN_COOKIE: &str = "pasarela_login";
/// How long a login form may be left open.
const LOGIN_FORM_MINUTES: i64 = 30;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(login_form)
        .service(log_in)
        .service(log_out)
        .service(language);
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Where a role lands after logging in.
fn home_of(who: &Who) -> &'static str {
    match who {
        Who::Operator => "/ui/",
        Who::Customer(_) => "/ui/me",
    }
}

#[get("/ui/login")]
async fn login_form(request: HttpRequest, state: web::Data<WebState>) -> HttpResponse {
    if let Some(cookie) = request.cookie(COOKIE)
        && let Some(session) = state.ui_sessions.find(cookie.value())
    {
        return see_other(home_of(&session.who));
    }
    form_page(&request, StatusCode::OK, None)
}

/// The login form with a fresh token (and its cookie), and `problem`.
fn form_page(request: &HttpRequest, status: StatusCode, problem: Option<Text>) -> HttpResponse {
    let lang = Lang::of(request);
    let Ok(token) = random_token() else {
        return UiError::new(UiErrorKind::Failed, lang).error_response();
    };
    let frame = Frame {
        lang,
        session: None,
        section: Section::None,
        path: "/ui/login",
    };
    let flash = problem.map(|text| Flash::Bad(frame.t(text).to_owned()));
    let content = html! {
        div.login.panel {
            form.stack method="post" action="/ui/login" {
                input type="hidden" name="csrf" value=(token);
                label { (frame.t(Text::Username)) input type="text" name="username" autocomplete="username" required autofocus; }
                label { (frame.t(Text::Password)) input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (frame.t(Text::LogIn)) }
            }
        }
    };
    let cookie = Cookie::build(LOGIN_COOKIE, token)
        .path("/ui")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(request.app_config().secure())
        .max_age(time::Duration::minutes(LOGIN_FORM_MINUTES))
        .finish();
    HttpResponse::build(status)
        .cookie(cookie)
        .content_type("text/html; charset=utf-8")
        .body(
            frame
                .page(frame.t(Text::LogIn), flash, content)
                .into_string(),
        )
}

#[post("/ui/login")]
async fn log_in(
    request: HttpRequest,
    state: web::Data<WebState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let lang = Lang::of(&request);
    let expected = request.cookie(LOGIN_COOKIE);
    let token_ok = expected.is_some_and(|cookie| tokens_match(cookie.value(), &form.csrf));
    if !token_ok {
        return UiError::new(UiErrorKind::FormExpired, lang).error_response();
    }
    let peer = request.peer_addr().map(|peer| peer.ip().to_string());
    let who = match form_login(&request, &state, &form.username, &form.password).await {
        Ok(FormLogin::Operator) => Who::Operator,
        Ok(FormLogin::Customer(account)) => Who::Customer(account.id.clone()),
        Err(refusal) => {
            warn!(state.logger, "web UI login refused";
                "user" => &form.username, "peer" => peer, "why" => ?refusal);
            let (status, text) = match refusal {
                FormRefusal::Wrong => (StatusCode::UNAUTHORIZED, Text::WrongLogin),
                FormRefusal::BackedOff => (StatusCode::TOO_MANY_REQUESTS, Text::TooManyLogins),
                FormRefusal::Unavailable => {
                    (StatusCode::SERVICE_UNAVAILABLE, Text::LoginUnavailable)
                }
                FormRefusal::NotFromHere => (StatusCode::FORBIDDEN, Text::NotFromHere),
                FormRefusal::Suspended => (StatusCode::FORBIDDEN, Text::AccountSuspended),
            };
            return form_page(&request, status, Some(text));
        }
    };
    let cookie = match state.ui_sessions.open(who.clone()) {
        Ok(cookie) => cookie,
        Err(failure) => {
            error!(state.logger, "cannot open a web UI session"; "error" => %failure);
            return UiError::new(UiErrorKind::Failed, lang).error_response();
        }
    };
    info!(state.logger, "web UI login"; "user" => &form.username, "peer" => peer);
    let session = Cookie::build(COOKIE, cookie)
        .path("/ui")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(request.app_config().secure())
        .finish();
    let mut done = Cookie::build(LOGIN_COOKIE, "").path("/ui").finish();
    done.make_removal();
    HttpResponse::SeeOther()
        .cookie(session)
        .cookie(done)
        .insert_header((LOCATION, home_of(&who)))
        .finish()
}

#[post("/ui/logout")]
async fn log_out(
    logged: LoggedIn,
    state: web::Data<WebState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    logged.check_csrf(&form.csrf)?;
    state.ui_sessions.close(&logged.cookie);
    let mut gone = Cookie::build(COOKIE, "").path("/ui").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((LOCATION, "/ui/login"))
        .finish())
}

/// Sets the language and goes back to the page it was switched on (a
/// path under `/ui/` only: the switch cannot send anyone elsewhere).
#[get("/ui/lang/{code}")]
async fn language(
    request: HttpRequest,
    code: web::Path<String>,
    back: web::Query<Back>,
) -> HttpResponse {
    let Some(lang) = Lang::from_tag(&code) else {
        return UiError::new(UiErrorKind::NotFound, Lang::of(&request)).error_response();
    };
    let back = back
        .back
        .as_deref()
        .filter(|path| path.starts_with("/ui/") && !path.contains("//") && !path.contains('\\'))
        .unwrap_or("/ui/");
    let cookie = Cookie::build(LANG_COOKIE, lang.tag())
        .path("/ui")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .finish();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((LOCATION, back.to_owned()))
        .finish()
}
