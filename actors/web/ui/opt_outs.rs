//! An account's opt-outs, for both roles: the numbers that opted out of
//! its messages (by a STOP keyword, the API, an import or this page), all
//! its senders or one, 100 a page, with when and how; a form that opts a
//! number out and Remove per entry.
//!
//! - the customer's own: `GET`/`POST /ui/me/opt-outs`,
//!   `POST /ui/me/opt-outs/remove`;
//! - the operator's, of any account (linked from its page):
//!   `GET`/`POST /ui/accounts/{id}/opt-outs`,
//!   `POST /ui/accounts/{id}/opt-outs/remove`.
//!
//! Changes go through the account's actor, as the API's do
//! (`opt_outs.rs`), and hold for the next message.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::{error, info};

use super::guard::{AdminPage, CustomerPage, LoggedIn, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, respond_with, see_other};
use crate::actors::protocol::account::OptOutChange;
use crate::actors::protocol::directory::AccountEntry;
use crate::actors::web::opt_outs::{by_name, change, number, sender};
use crate::actors::web::state::WebState;
use crate::store::{ListId, ListKey, ListedBy};

/// Entries on a page.
const PAGE_ROWS: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(list)
        .service(add)
        .service(remove)
        .service(admin_list)
        .service(admin_add)
        .service(admin_remove);
}

#[derive(Deserialize)]
struct EntryForm {
    csrf: String,
    number: String,
    #[serde(default)]
    sender: String,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

/// Whose opt-outs a page shows, to whom, and where its forms post.
struct Owner<'a> {
    logged: &'a LoggedIn,
    account: &'a AccountEntry,
    /// The page's path; its forms post there and to `{base}/remove`.
    base: String,
    section: Section,
}

impl<'a> Owner<'a> {
    fn customer(customer: &'a CustomerPage) -> Owner<'a> {
        Owner {
            logged: &customer.logged,
            account: &customer.account,
            base: "/ui/me/opt-outs".to_owned(),
            section: Section::OptOuts,
        }
    }

    fn operator(admin: &'a AdminPage, account: &'a AccountEntry) -> Owner<'a> {
        Owner {
            logged: &admin.0,
            account,
            base: format!("/ui/accounts/{}/opt-outs", account.id),
            section: Section::Accounts,
        }
    }
}

/// The account `id` names, for the operator; "not found" otherwise.
fn account_of(
    admin: &AdminPage,
    state: &WebState,
    id: &str,
) -> Result<std::sync::Arc<AccountEntry>, UiError> {
    state
        .directory
        .account(id)
        .ok_or_else(|| UiError::new(UiErrorKind::NotFound, admin.0.lang))
}

async fn page(
    request: &HttpRequest,
    owner: &Owner<'_>,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = owner.logged.frame(owner.section, request.path());
    let opt_outs = ListId::OptOuts(owner.account.id.clone());
    let store = state.store.clone();
    let entries = web::block(move || store.list_page(&opt_outs, None, PAGE_ROWS))
        .await
        .map_err(|error| error.to_string())
        .and_then(|found| found.map_err(|error| error.to_string()))
        .map_err(|error| {
            error!(state.logger, "cannot read opt-outs for the web UI"; "error" => error);
            owner.logged.failed()
        })?;
    let session = &owner.logged.session;
    let base = &owner.base;
    let title = match owner.section {
        Section::OptOuts => frame.t(Text::OptOuts).to_owned(),
        _ => format!("{} · {}", frame.t(Text::OptOuts), owner.account.id),
    };
    Ok(frame.page(&title, flash, html! {
        @if owner.section != Section::OptOuts {
            p { a href=(format!("/ui/accounts/{}", owner.account.id)) { (frame.t(Text::Back)) } }
        }
        @if entries.is_empty() {
            p.muted { (frame.t(Text::NoOptOuts)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Number)) }
                        th { (frame.t(Text::Sender)) }
                        th { (frame.t(Text::Since)) }
                        th { (frame.t(Text::How)) }
                        th {}
                    } }
                    tbody {
                        @for (key, listed) in &entries {
                            @if let ListKey::OptOut { number, sender, .. } = key {
                                tr data-opt-out=(number) {
                                    td { (number) }
                                    td { (sender.as_ref().map_or_else(|| "*".to_owned(), ToString::to_string)) }
                                    td { (listed.since().format("%Y-%m-%d %H:%M")) }
                                    td { (by_name(listed.by)) }
                                    td {
                                        form.inline method="post" action=(format!("{base}/remove")) {
                                            (csrf_field(session))
                                            input type="hidden" name="number" value=(number);
                                            input type="hidden" name="sender" value=(sender.as_ref().map(ToString::to_string).unwrap_or_default());
                                            button.danger type="submit" { (frame.t(Text::Remove)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (frame.t(Text::OptOutNumber)) }
        div.panel {
            form.stack method="post" action=(base) {
                (csrf_field(session))
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel"; }
                label { (frame.t(Text::SenderOptional)) input type="text" name="sender"; }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    }))
}

fn saved_flash(logged: &LoggedIn, done: &Done) -> Option<Flash> {
    done.done
        .as_ref()
        .map(|_| Flash::Ok(logged.lang_text(Text::Saved)))
}

/// Applies one change from `form`, or shows the page with its refusal.
async fn apply(
    request: &HttpRequest,
    owner: &Owner<'_>,
    state: &WebState,
    form: &EntryForm,
    adding: bool,
) -> Result<HttpResponse, UiError> {
    owner.logged.check_csrf(&form.csrf)?;
    let text = form.sender.trim();
    let parsed = number(form.number.trim()).and_then(|number| {
        sender((!text.is_empty()).then_some(text)).map(|sender| (number, sender))
    });
    let changed = match parsed {
        Ok((number, sender)) => {
            let one = if adding {
                OptOutChange::Add { number, sender }
            } else {
                OptOutChange::Remove { number, sender }
            };
            change(owner.account, vec![one], ListedBy::Api).await
        }
        Err(problem) => Err(problem),
    };
    match changed {
        Ok(_) => {
            info!(state.logger, "opt-out changed in the web UI";
                "account" => %owner.account.id, "added" => adding);
            Ok(see_other(format!("{}?done=1", owner.base)))
        }
        Err(problem) => {
            let flash = Some(Flash::Bad(problem.to_string()));
            let markup = page(request, owner, state, flash).await?;
            Ok(respond_with(problem.status(), markup))
        }
    }
}

#[get("/ui/me/opt-outs")]
async fn list(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let flash = saved_flash(&customer.logged, &done);
    let owner = Owner::customer(&customer);
    Ok(respond(page(&request, &owner, &state, flash).await?))
}

#[post("/ui/me/opt-outs")]
async fn add(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<EntryForm>,
) -> Result<HttpResponse, UiError> {
    apply(&request, &Owner::customer(&customer), &state, &form, true).await
}

#[post("/ui/me/opt-outs/remove")]
async fn remove(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<EntryForm>,
) -> Result<HttpResponse, UiError> {
    apply(&request, &Owner::customer(&customer), &state, &form, false).await
}

#[get("/ui/accounts/{id}/opt-outs")]
async fn admin_list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let account = account_of(&admin, &state, &id)?;
    let flash = saved_flash(&admin.0, &done);
    let owner = Owner::operator(&admin, &account);
    Ok(respond(page(&request, &owner, &state, flash).await?))
}

#[post("/ui/accounts/{id}/opt-outs")]
async fn admin_add(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<EntryForm>,
) -> Result<HttpResponse, UiError> {
    let account = account_of(&admin, &state, &id)?;
    apply(
        &request,
        &Owner::operator(&admin, &account),
        &state,
        &form,
        true,
    )
    .await
}

#[post("/ui/accounts/{id}/opt-outs/remove")]
async fn admin_remove(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<EntryForm>,
) -> Result<HttpResponse, UiError> {
    let account = account_of(&admin, &state, &id)?;
    apply(
        &request,
        &Owner::operator(&admin, &account),
        &state,
        &form,
        false,
    )
    .await
}
