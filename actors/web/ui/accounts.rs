//! The operator's account pages: `GET /ui/accounts` (every account with
//! its balance, and the form that creates one), `POST /ui/accounts`,
//! `GET /ui/accounts/{id}` (its terms, a credit top-up or deduction with
//! its reason, suspend or reactivate, and the ledger, newest first),
//! `POST /ui/accounts/{id}/credit` and `POST /ui/accounts/{id}/suspension`.
//!
//! The forms are read by the admin API's own readers (`accounts.rs`: the
//! same checks, the same errors) and applied by the same `Admin` calls,
//! so the UI can do nothing the API would refuse. After a change the
//! browser is sent to the account's page (post, redirect, get), with a
//! fixed message named in the query: nothing the user typed is echoed
//! back through the URL.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use slog::{error, info};

use super::guard::{AdminPage, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{
    Flash, Frame, Section, Tone, csrf_field, in_url, respond, respond_with, see_other,
};
use super::session::Who;
use crate::actors::protocol::directory::AccountEntry;
use crate::actors::web::accounts::{account_change, credit_change, new_account};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::store::LedgerEntry;

/// Ledger entries an account's page shows, newest first.
const LEDGER_ROWS: usize = 50;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(list)
        .service(create)
        .service(read)
        .service(credit)
        .service(suspension);
}

#[derive(Deserialize)]
struct NewAccountForm {
    csrf: String,
    system_id: String,
    password: String,
    #[serde(default)]
    credit: String,
    #[serde(default)]
    allowed_ips: String,
}

#[derive(Deserialize)]
struct CreditForm {
    csrf: String,
    amount: String,
    reason: String,
}

#[derive(Deserialize)]
struct SuspensionForm {
    csrf: String,
    suspended: bool,
}

/// `?done=`: which change the page reports.
#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn frame<'a>(admin: &'a AdminPage, path: &'a str) -> Frame<'a> {
    admin.0.frame(Section::Accounts, path)
}

#[get("/ui/accounts")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    Ok(respond(list_page(&request, &admin, &state, None)?))
}

fn list_page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = frame(admin, request.path());
    let mut accounts: Vec<_> = state.directory.accounts().values().cloned().collect();
    accounts.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    let mut rows = Vec::with_capacity(accounts.len());
    for account in &accounts {
        let balance = state.balance(&account.id).map_err(|error| {
            error!(state.logger, "cannot read a balance"; "error" => %error);
            admin.0.failed()
        })?;
        rows.push((account, balance));
    }
    let content = html! {
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::SystemId)) }
                    th.num { (frame.t(Text::Balance)) }
                    th.num { (frame.t(Text::Tps)) }
                    th { (frame.t(Text::State)) }
                } }
                tbody {
                    @for (account, balance) in &rows {
                        tr {
                            td { a href=(format!("/ui/accounts/{}", account.id)) { code { (account.id) } } }
                            td.num { (balance) }
                            td.num { (account.terms.tps) }
                            td { (status_badge(&frame, account)) }
                        }
                    }
                }
            }
        }
        h2 { (frame.t(Text::NewAccount)) }
        div.panel {
            form.stack method="post" action="/ui/accounts" {
                (csrf_field(&admin.0.session))
                label { (frame.t(Text::SystemId)) input type="text" name="system_id" required maxlength="15" autocomplete="off"; }
                label { (frame.t(Text::Password)) input type="password" name="password" required autocomplete="new-password"; }
                label { (frame.t(Text::StartingCredit)) input type="text" name="credit" inputmode="decimal" placeholder="0.00"; }
                label { (frame.t(Text::AllowedIps)) input type="text" name="allowed_ips" placeholder="0.0.0.0/0, ::/0"; }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    };
    Ok(frame.page(frame.t(Text::Accounts), flash, content))
}

fn status_badge(frame: &Frame<'_>, account: &AccountEntry) -> Markup {
    if account.terms.suspended {
        frame.badge(frame.t(Text::Suspended), Tone::Bad)
    } else {
        frame.badge(frame.t(Text::Active), Tone::Ok)
    }
}

#[post("/ui/accounts")]
async fn create(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<NewAccountForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let mut body = json!({
        "system_id": form.system_id.trim(),
        "password": form.password,
        "allowed_ips": list_of(&form.allowed_ips),
    });
    if !form.credit.trim().is_empty() {
        body["credit"] = json!(form.credit.trim());
    }
    let created = match new_account(body.to_string().as_bytes()) {
        Ok(new) => state
            .changes
            .create_account(new)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(Problem::from(refused)),
    };
    match created {
        Ok(account) => {
            info!(state.logger, "account created in the web UI"; "account" => %account.id);
            Ok(to_account(account.id.as_str(), "created"))
        }
        Err(problem) => {
            let page = list_page(
                &request,
                &admin,
                &state,
                Some(Flash::Bad(problem.to_string())),
            )?;
            Ok(refused(problem.status(), page))
        }
    }
}

/// Comma- or space-separated entries, none empty.
fn list_of(text: &str) -> Vec<&str> {
    text.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect()
}

#[get("/ui/accounts/{id}")]
async fn read(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let flash = match done.done.as_deref() {
        Some("created") => Some(Flash::Ok(admin.0.lang_text(Text::Created))),
        Some("credit") => Some(Flash::Ok(admin.0.lang_text(Text::CreditApplied))),
        Some("saved") => Some(Flash::Ok(admin.0.lang_text(Text::Saved))),
        _ => None,
    };
    Ok(respond(account_page(&request, &admin, &state, &id, flash)?))
}

fn account_page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    id: &str,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = frame(admin, request.path());
    let account = state
        .directory
        .account(id)
        .ok_or_else(|| UiError::new(UiErrorKind::NotFound, admin.0.lang))?;
    let failed = |error: &dyn std::fmt::Display| {
        error!(state.logger, "cannot read an account for the web UI"; "error" => %error);
        admin.0.failed()
    };
    let balance = state.balance(&account.id).map_err(|e| failed(&e))?;
    let ledger: Vec<LedgerEntry> = state.store.ledger(&account.id).map_err(|e| failed(&e))?;
    let newest: Vec<&LedgerEntry> = ledger.iter().rev().take(LEDGER_ROWS).collect();
    let path = format!("/ui/accounts/{}", account.id);
    let content = html! {
        div.cards {
            div.card { div.label { (frame.t(Text::Balance)) } div.value { (balance) } }
            div.card { div.label { (frame.t(Text::Tps)) } div.value { (account.terms.tps) } }
            div.card { div.label { (frame.t(Text::State)) } div.value { (status_badge(&frame, &account)) } }
        }
        div.row {
            div.panel {
                h2 { (frame.t(Text::TopUp)) }
                form.stack method="post" action=(format!("{path}/credit")) {
                    (csrf_field(&admin.0.session))
                    label { (frame.t(Text::Amount)) input type="text" name="amount" inputmode="decimal" required placeholder="100.00"; }
                    label { (frame.t(Text::Reason)) input type="text" name="reason" required maxlength="200"; }
                    button type="submit" { (frame.t(Text::Apply)) }
                }
            }
            div.panel {
                h2 { (frame.t(Text::State)) }
                form.inline method="post" action=(format!("{path}/suspension")) {
                    (csrf_field(&admin.0.session))
                    @if account.terms.suspended {
                        input type="hidden" name="suspended" value="false";
                        button type="submit" { (frame.t(Text::Resume)) }
                    } @else {
                        input type="hidden" name="suspended" value="true";
                        button.danger type="submit" { (frame.t(Text::Suspend)) }
                    }
                }
            }
        }
        p.actions {
            a.button href=(format!("{path}/opt-outs")) { (frame.t(Text::OptOuts)) }
            a.button href=(format!("/ui/messages?account={}", account.id)) { (frame.t(Text::Messages)) }
        }
        h2 { (frame.t(Text::Ledger)) }
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::When)) }
                    th { (frame.t(Text::Kind)) }
                    th.num { (frame.t(Text::Change)) }
                    th.num { (frame.t(Text::Balance)) }
                    th { (frame.t(Text::Reason)) }
                } }
                tbody {
                    @for entry in &newest {
                        tr {
                            td { (entry.at.format("%Y-%m-%d %H:%M:%S")) }
                            td { (format!("{:?}", entry.kind).to_lowercase()) }
                            td.num { (entry.delta) }
                            td.num { (entry.balance) }
                            td {
                                @if let Some(reason) = &entry.reason { (reason) }
                                @else if let Some(message) = &entry.message { code { (message) } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(frame.page(
        &format!("{} {}", frame.t(Text::Account), account.id),
        flash,
        content,
    ))
}

#[post("/ui/accounts/{id}/credit")]
async fn credit(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<CreditForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let body = json!({"amount": form.amount.trim(), "reason": form.reason.trim()});
    let applied = match credit_change(body.to_string().as_bytes()) {
        Ok((amount, reason)) => state
            .changes
            .adjust_credit(&id, amount, reason)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(Problem::from(refused)),
    };
    match applied {
        Ok(_) => Ok(to_account(&id, "credit")),
        Err(problem) => {
            let page = account_page(
                &request,
                &admin,
                &state,
                &id,
                Some(Flash::Bad(problem.to_string())),
            )?;
            Ok(refused(problem.status(), page))
        }
    }
}

#[post("/ui/accounts/{id}/suspension")]
async fn suspension(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<SuspensionForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let body = json!({"suspended": form.suspended});
    let changed = match account_change(body.to_string().as_bytes()) {
        Ok(change) => state
            .changes
            .change_account(&id, change)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(Problem::from(refused)),
    };
    match changed {
        Ok(account) => {
            if form.suspended {
                // A suspended customer is logged out of the UI at once.
                state
                    .ui_sessions
                    .close_all_of(&Who::Customer(account.id.clone()));
            }
            info!(state.logger, "account suspension changed in the web UI";
                "account" => %account.id, "suspended" => form.suspended);
            Ok(to_account(&id, "saved"))
        }
        Err(problem) => {
            let page = account_page(
                &request,
                &admin,
                &state,
                &id,
                Some(Flash::Bad(problem.to_string())),
            )?;
            Ok(refused(problem.status(), page))
        }
    }
}

/// To the account's page, reporting `done`.
fn to_account(id: &str, done: &str) -> HttpResponse {
    let location = format!("/ui/accounts/{}?done={done}", in_url(id));
    see_other(location)
}

/// A page answering a refused form, with the refusal's status.
fn refused(status: StatusCode, page: Markup) -> HttpResponse {
    respond_with(status, page)
}
