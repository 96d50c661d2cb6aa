//! The customer's `GET /ui/me/settings`: its API keys (made with
//! `POST /ui/me/keys`, shown once and never again; revoked with
//! `POST /ui/me/keys/{id}/revoke`), where its receipts and MO are pushed
//! (`POST /ui/me/callback`: the callback URL, checked as the admin API
//! checks it, and the signing secret), where its notifications are
//! mailed and in which language (`POST /ui/me/email`; an empty address:
//! none; "en" or "es"), and its password
//! (`POST /ui/me/password`: the current one checked through the login
//! throttle; the new one logs out every session that used the old,
//! SMPP, HTTP and this one too). Each goes through the API's own code.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use slog::{error, info};

use super::guard::{CsrfForm, CustomerPage, UiError, UiErrorKind};
use super::i18n::{Lang, Text};
use super::layout::{Flash, Section, csrf_field, respond, respond_with, see_other};
use crate::actors::web::accounts::{account_change, apply_change, callback_target};
use crate::actors::web::auth::{FormLogin, FormRefusal, form_login};
use crate::actors::web::keys::{make_key, revoke};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::api::FieldError;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(read)
        .service(create_key)
        .service(revoke_key)
        .service(callback)
        .service(email)
        .service(password);
}

#[derive(Deserialize)]
struct KeyForm {
    csrf: String,
    #[serde(default)]
    label: String,
}

#[derive(Deserialize)]
struct CallbackForm {
    csrf: String,
    #[serde(default)]
    callback_url: String,
    #[serde(default)]
    callback_secret: String,
}

#[derive(Deserialize)]
struct EmailForm {
    csrf: String,
    #[serde(default)]
    email: String,
    /// "en" or "es"; absent: unchanged.
    #[serde(default)]
    language: Option<String>,
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    flash: Option<Flash>,
    new_key: Option<&str>,
) -> Result<Markup, UiError> {
    let frame = customer.logged.frame(Section::Settings, request.path());
    let keys = state
        .store
        .api_keys(&customer.account.id)
        .map_err(|error| {
            error!(state.logger, "cannot read API keys for the web UI"; "error" => %error);
            customer.logged.failed()
        })?;
    let terms = &customer.account.terms;
    let session = &customer.logged.session;
    Ok(frame.page(frame.t(Text::Settings), flash, html! {
        @if let Some(key) = new_key {
            div.panel data-new-key {
                h2 { (frame.t(Text::NewKeyOnce)) }
                p { code { (key) } }
            }
        }
        h2 { (frame.t(Text::ApiKeys)) }
        div.table-wrap {
            table {
                thead { tr { th { (frame.t(Text::Id)) } th { (frame.t(Text::Label)) } th { (frame.t(Text::Date)) } th {} } }
                tbody {
                    @for (_, key) in &keys {
                        tr data-key=(key.id) {
                            td { code { (key.id) } }
                            td { (key.label) }
                            td { (key.created.format("%Y-%m-%d %H:%M")) }
                            td {
                                form.inline method="post" action=(format!("/ui/me/keys/{}/revoke", key.id)) {
                                    (csrf_field(session))
                                    button.danger type="submit" { (frame.t(Text::Revoke)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        div.panel {
            form.inline method="post" action="/ui/me/keys" {
                (csrf_field(session))
                label { (frame.t(Text::Label)) input type="text" name="label" maxlength="100"; }
                button type="submit" { (frame.t(Text::NewKey)) }
            }
        }
        div.row {
            div.panel {
                h2 { (frame.t(Text::Callbacks)) }
                form.stack method="post" action="/ui/me/callback" {
                    (csrf_field(session))
                    label { (frame.t(Text::CallbackUrl)) input type="url" name="callback_url" value=(terms.callback_url.as_deref().unwrap_or_default()) placeholder="https://example.com/sms/receipts"; }
                    label { (frame.t(Text::CallbackSecret))
                        input type="password" name="callback_secret" autocomplete="new-password"
                            placeholder=(if terms.callback_secret.is_some() { "••••••••" } else { "" });
                    }
                    button type="submit" { (frame.t(Text::Apply)) }
                }
            }
            div.panel {
                h2 { (frame.t(Text::NotificationEmail)) }
                form.stack method="post" action="/ui/me/email" {
                    (csrf_field(session))
                    label { (frame.t(Text::NotificationEmail)) input type="email" name="email" value=(terms.email.as_deref().unwrap_or_default()) placeholder="billing@example.com"; }
                    label { (frame.t(Text::MailLanguage)) select name="language" {
                        @for (language, name) in [(Lang::En, Text::EnglishName), (Lang::Es, Text::SpanishName)] {
                            option value=(language.tag()) selected[terms.language == language] { (frame.t(name)) }
                        }
                    } }
                    button type="submit" { (frame.t(Text::Apply)) }
                }
            }
            div.panel {
                h2 { (frame.t(Text::ChangePassword)) }
                form.stack method="post" action="/ui/me/password" {
                    (csrf_field(session))
                    label { (frame.t(Text::CurrentPassword)) input type="password" name="current" required autocomplete="current-password"; }
                    label { (frame.t(Text::NewPassword)) input type="password" name="new" required maxlength="8" autocomplete="new-password"; }
                    label { (frame.t(Text::RepeatPassword)) input type="password" name="repeat" required maxlength="8" autocomplete="new-password"; }
                    button type="submit" { (frame.t(Text::Apply)) }
                }
            }
        }
    }))
}

/// The settings page with `problem` above it, answered with its status.
fn refused(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    problem: &Problem,
) -> Result<HttpResponse, UiError> {
    let markup = page(
        request,
        customer,
        state,
        Some(Flash::Bad(problem.to_string())),
        None,
    )?;
    Ok(respond_with(problem.status(), markup))
}

fn saved() -> HttpResponse {
    see_other("/ui/me/settings?done=1")
}

#[get("/ui/me/settings")]
async fn read(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let flash = done
        .done
        .as_ref()
        .map(|_| Flash::Ok(customer.logged.lang_text(Text::Saved)));
    Ok(respond(page(&request, &customer, &state, flash, None)?))
}

#[post("/ui/me/keys")]
async fn create_key(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<KeyForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    match make_key(&state, &customer.account.id, form.label.trim().to_owned()).await {
        Ok((key, record)) => {
            info!(state.logger, "API key made in the web UI";
                "account" => %customer.account.id, "key" => record.id);
            // Shown in this answer only: never in a URL, never again.
            Ok(respond(page(
                &request,
                &customer,
                &state,
                None,
                Some(&key),
            )?))
        }
        Err(problem) => refused(&request, &customer, &state, &problem),
    }
}

#[post("/ui/me/keys/{id}/revoke")]
async fn revoke_key(
    customer: CustomerPage,
    state: web::Data<WebState>,
    id: web::Path<u64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let failed = |error: &dyn std::fmt::Display| {
        error!(state.logger, "cannot revoke an API key from the web UI"; "error" => %error);
        customer.logged.failed()
    };
    let digest = state
        .store
        .api_keys(&customer.account.id)
        .map_err(|e| failed(&e))?
        .into_iter()
        .find(|(_, key)| key.id == *id)
        .map(|(digest, _)| digest)
        .ok_or_else(|| UiError::new(UiErrorKind::NotFound, customer.logged.lang))?;
    revoke(&state, &digest).await.map_err(|e| failed(&e))?;
    info!(state.logger, "API key revoked in the web UI"; "account" => %customer.account.id, "key" => *id);
    Ok(saved())
}

#[post("/ui/me/callback")]
async fn callback(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<CallbackForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let url = form.callback_url.trim();
    let mut body = json!({ "callback_url": if url.is_empty() { Value::Null } else { json!(url) } });
    // An empty secret field keeps the secret; the URL cleared clears it.
    if !form.callback_secret.is_empty() {
        body["callback_secret"] = json!(form.callback_secret);
    } else if url.is_empty() {
        body["callback_secret"] = Value::Null;
    }
    let checked = match account_change(body.to_string().as_bytes()) {
        Ok(change) => callback_target(&state, (!url.is_empty()).then_some(url))
            .await
            .map(|()| change)
            .map_err(Problem::from),
        Err(refused) => Err(Problem::from(refused)),
    };
    let changed = match checked {
        Ok(change) => apply_change(&state, customer.account.id.as_str(), change).await,
        Err(problem) => Err(problem),
    };
    match changed {
        Ok(_) => Ok(saved()),
        Err(problem) => refused(&request, &customer, &state, &problem),
    }
}

#[post("/ui/me/email")]
async fn email(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let email = form.email.trim();
    let mut body = json!({ "email": if email.is_empty() { Value::Null } else { json!(email) } });
    if let Some(language) = &form.language {
        body["language"] = json!(language);
    }
    let changed = match account_change(body.to_string().as_bytes()) {
        Ok(change) => apply_change(&state, customer.account.id.as_str(), change).await,
        Err(refused) => Err(Problem::from(refused)),
    };
    match changed {
        Ok(_) => Ok(saved()),
        Err(problem) => refused(&request, &customer, &state, &problem),
    }
}

#[post("/ui/me/password")]
async fn password(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let lang = customer.logged.lang;
    let system_id = customer.account.id.as_str();
    match form_login(&request, &state, system_id, &form.current).await {
        Ok(FormLogin::Customer(account)) if account.id == customer.account.id => {}
        Ok(_) | Err(FormRefusal::Wrong | FormRefusal::NotFromHere | FormRefusal::Suspended) => {
            let problem = Problem::new(
                StatusCode::FORBIDDEN,
                Text::WrongPassword.in_(lang).to_owned(),
            );
            return refused(&request, &customer, &state, &problem);
        }
        Err(FormRefusal::BackedOff) => {
            let problem = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                Text::TooManyLogins.in_(lang).to_owned(),
            );
            return refused(&request, &customer, &state, &problem);
        }
        Err(FormRefusal::Unavailable) => {
            let problem = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Text::LoginUnavailable.in_(lang).to_owned(),
            );
            return refused(&request, &customer, &state, &problem);
        }
    }
    if form.new != form.repeat {
        let problem = Problem::from(FieldError {
            field: "repeat".into(),
            detail: Text::PasswordsDiffer.in_(lang).to_owned(),
        });
        return refused(&request, &customer, &state, &problem);
    }
    let body = json!({ "password": form.new });
    let changed = match account_change(body.to_string().as_bytes()) {
        Ok(change) => apply_change(&state, system_id, change).await,
        Err(refused) => Err(Problem::from(refused)),
    };
    match changed {
        // Every session of the account ended, this one too: log in again.
        Ok(_) => Ok(see_other("/ui/login")),
        Err(problem) => refused(&request, &customer, &state, &problem),
    }
}
