//! Who may see a UI page, as extractors, so a handler's signature says it:
//! [`LoggedIn`] (any session), [`AdminPage`] (the operator's) and
//! [`CustomerPage`] (a customer's, its account still there, not
//! suspended, and the browser inside its `allowed_ips` on every request).
//! Without a session a page answers 303 to the login form; with another
//! role's, 403. [`UiError`] is how a UI handler fails: a short page in the
//! request's language, never a stack trace; [`refused`] is how a form is
//! refused: its page again with the reason.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use maud::{Markup, html};

use super::i18n::{Lang, Text};
use super::layout::{Flash, Frame, Section};
use super::layout::{respond_with, see_other};
use super::session::{COOKIE, Session, Who, csrf_matches};
use crate::actors::protocol::directory::AccountEntry;
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::auth::address_allowed;

/// A state-changing form that carries nothing but its session's CSRF
/// token (a button: stop, delete, replay, log out).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// The query a form that was applied redirects to (`?done=1`): its page
/// says "Saved." then.
#[derive(Debug, serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    /// "Saved." in `logged`'s language, after a form was applied.
    pub fn saved(&self, logged: &LoggedIn) -> Option<Flash> {
        self.done
            .as_ref()
            .map(|_| Flash::Ok(logged.lang_text(Text::Saved)))
    }
}

/// A form's optional text field: `None` when left empty (white space
/// only), else trimmed.
pub fn filled(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|text| !text.is_empty())
}

/// A request with a live session.
pub struct LoggedIn {
    pub session: Session,
    /// The cookie's value (to end the session at logout).
    pub cookie: String,
    pub lang: Lang,
}

/// The operator's session.
pub struct AdminPage(pub LoggedIn);

/// A customer's session and its account as it is now.
pub struct CustomerPage {
    pub logged: LoggedIn,
    pub account: Arc<AccountEntry>,
}

/// Why a UI request is not answered with its page.
#[derive(Debug)]
pub struct UiError {
    pub kind: UiErrorKind,
    pub lang: Lang,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiErrorKind {
    /// No session: to the login form.
    LogIn,
    /// Another role's page.
    Forbidden,
    /// A form without its session's CSRF token.
    FormExpired,
    NotFound,
    /// A failure of the switch, logged where it happened.
    Failed,
}

impl UiError {
    pub fn new(kind: UiErrorKind, lang: Lang) -> UiError {
        UiError { kind, lang }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.kind)
    }
}

impl ResponseError for UiError {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            UiErrorKind::LogIn => StatusCode::SEE_OTHER,
            UiErrorKind::Forbidden | UiErrorKind::FormExpired => StatusCode::FORBIDDEN,
            UiErrorKind::NotFound => StatusCode::NOT_FOUND,
            UiErrorKind::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.kind == UiErrorKind::LogIn {
            return see_other("/ui/login");
        }
        let text = match self.kind {
            UiErrorKind::Forbidden => Text::Forbidden,
            UiErrorKind::FormExpired => Text::FormExpired,
            UiErrorKind::NotFound => Text::NotFound,
            UiErrorKind::Failed | UiErrorKind::LogIn => Text::Failed,
        };
        let page = html! {
            (maud::DOCTYPE)
            html lang=(self.lang.tag()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (text.in_(self.lang)) }
                    link rel="stylesheet" href=(super::assets::STYLESHEET);
                }
                body { main {
                    div.flash.bad role="alert" { (text.in_(self.lang)) }
                    a href="/ui/" { (Text::Back.in_(self.lang)) }
                } }
            }
        };
        respond_with(self.status_code(), page)
    }
}

/// A refused form: its page again, built by `page` with `problem` above
/// it (naming the field at fault), answered with the problem's status.
pub fn refused(
    problem: &Problem,
    page: impl FnOnce(Option<Flash>) -> Result<Markup, UiError>,
) -> Result<HttpResponse, UiError> {
    let reason = match problem.field() {
        Some(field) => format!("{}: {field}: {}", problem.status(), problem.detail()),
        None => problem.to_string(),
    };
    let markup = page(Some(Flash::Bad(reason)))?;
    Ok(respond_with(problem.status(), markup))
}

/// The session the request's cookie names, if alive.
fn logged_in(request: &HttpRequest) -> Result<LoggedIn, UiError> {
    let lang = Lang::of(request);
    let login = || UiError::new(UiErrorKind::LogIn, lang);
    let state = request
        .app_data::<web::Data<WebState>>()
        .ok_or_else(|| UiError::new(UiErrorKind::Failed, lang))?;
    let cookie = request.cookie(COOKIE).ok_or_else(login)?;
    let session = state.ui_sessions.find(cookie.value()).ok_or_else(login)?;
    Ok(LoggedIn {
        session,
        cookie: cookie.value().to_owned(),
        lang,
    })
}

impl FromRequest for LoggedIn {
    type Error = UiError;
    type Future = Ready<Result<LoggedIn, UiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(logged_in(request))
    }
}

impl FromRequest for AdminPage {
    type Error = UiError;
    type Future = Ready<Result<AdminPage, UiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            logged_in(request).and_then(|logged| match logged.session.who {
                Who::Operator => Ok(AdminPage(logged)),
                Who::Customer(_) => Err(UiError::new(UiErrorKind::Forbidden, logged.lang)),
            }),
        )
    }
}

impl FromRequest for CustomerPage {
    type Error = UiError;
    type Future = Ready<Result<CustomerPage, UiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(logged_in(request).and_then(|logged| {
            let lang = logged.lang;
            let Who::Customer(id) = &logged.session.who else {
                return Err(UiError::new(UiErrorKind::Forbidden, lang));
            };
            let state = request
                .app_data::<web::Data<WebState>>()
                .ok_or_else(|| UiError::new(UiErrorKind::Failed, lang))?;
            let peer = request.peer_addr().map(|address| address.ip());
            let account = state
                .directory
                .account(id.as_str())
                .filter(|account| !account.terms.suspended)
                .filter(|account| {
                    peer.is_some_and(|peer| address_allowed(&account.allowed_ips, peer))
                });
            match account {
                Some(account) => Ok(CustomerPage { logged, account }),
                None => {
                    // Suspended, gone or out of its addresses: the session ends.
                    state.ui_sessions.close(&logged.cookie);
                    Err(UiError::new(UiErrorKind::LogIn, lang))
                }
            }
        }))
    }
}

impl LoggedIn {
    /// Passes when `given` is this session's CSRF token.
    pub fn check_csrf(&self, given: &str) -> Result<(), UiError> {
        if csrf_matches(&self.session, given) {
            Ok(())
        } else {
            Err(UiError::new(UiErrorKind::FormExpired, self.lang))
        }
    }

    /// The frame of a page of this session in `section`, at `path`.
    pub fn frame<'a>(&'a self, section: Section, path: &'a str) -> Frame<'a> {
        Frame {
            lang: self.lang,
            session: Some(&self.session),
            section,
            path,
        }
    }

    /// `text` in the session's language.
    pub fn lang_text(&self, text: Text) -> String {
        text.in_(self.lang).to_owned()
    }

    /// A failure of the switch, as the page says it.
    pub fn failed(&self) -> UiError {
        UiError::new(UiErrorKind::Failed, self.lang)
    }
}
