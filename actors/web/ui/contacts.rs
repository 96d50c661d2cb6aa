//! The customer's `GET /ui/me/contacts`: its groups with their sizes, its
//! contacts (all, or one group's) in number order, 100 a page, a form
//! that adds one (`POST /ui/me/contacts`: number, name, groups) and Delete
//! per contact (`POST /ui/me/contacts/{number}/delete`). The API's own
//! contact code reads and writes them (`contacts.rs`); a campaign picks
//! them by group (`campaigns.rs`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use slog::{error, info};

use super::guard::{CsrfForm, CustomerPage, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, respond_with, see_other};
use crate::actors::web::contacts::{add, remove};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::contacts::GroupName;
use crate::lists::ListedNumber;

/// Contacts on a page.
const PAGE_ROWS: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(create).service(delete);
}

#[derive(Deserialize)]
struct ListQuery {
    group: Option<String>,
    after: Option<String>,
    done: Option<String>,
}

#[derive(Deserialize)]
struct ContactForm {
    csrf: String,
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    groups: String,
}

async fn page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    query: &ListQuery,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = customer.logged.frame(Section::Contacts, request.path());
    let group = query
        .group
        .as_deref()
        .filter(|name| !name.is_empty())
        .and_then(|name| GroupName::parse(name).ok());
    let after = query
        .after
        .as_deref()
        .and_then(|number| ListedNumber::parse(number).ok());
    let (store, account, chosen) = (
        state.store.clone(),
        customer.account.id.clone(),
        group.clone(),
    );
    let read = web::block(move || {
        let groups = store.groups(&account)?;
        let contacts = match &chosen {
            Some(group) => store.group_page(&account, group, after, PAGE_ROWS)?,
            None => store.contacts_page(&account, after, PAGE_ROWS)?,
        };
        Ok::<_, crate::store::StoreError>((groups, contacts))
    })
    .await
    .map_err(|error| error.to_string())
    .and_then(|read| read.map_err(|error| error.to_string()));
    let (groups, contacts) = read.map_err(|error| {
        error!(state.logger, "cannot read contacts for the web UI"; "error" => error);
        customer.logged.failed()
    })?;
    let next = (contacts.len() == PAGE_ROWS)
        .then(|| contacts.last().map(|contact| contact.number.to_string()))
        .flatten();
    let session = &customer.logged.session;
    Ok(frame.page(frame.t(Text::Contacts), flash, html! {
        div.panel {
            h2 { (frame.t(Text::Groups)) }
            p {
                a href="/ui/me/contacts" { (frame.t(Text::AllContacts)) }
                @for summary in &groups {
                    " · "
                    a href=(format!("/ui/me/contacts?group={}", summary.name)) data-group=(summary.name) {
                        (summary.name) " (" (summary.members) ")"
                    }
                }
            }
        }
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::Number)) }
                    th { (frame.t(Text::Name)) }
                    th { (frame.t(Text::Groups)) }
                    th {}
                } }
                tbody {
                    @for contact in &contacts {
                        tr data-contact=(contact.number) {
                            td { (contact.number) }
                            td { (contact.name.as_deref().unwrap_or("")) }
                            td { (contact.groups.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                            td {
                                form.inline method="post" action=(format!("/ui/me/contacts/{}/delete", contact.number)) {
                                    (csrf_field(session))
                                    button.danger type="submit" { (frame.t(Text::Delete)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            @let group = group.as_ref().map(|group| format!("&group={group}")).unwrap_or_default();
            p { a rel="next" href=(format!("/ui/me/contacts?after={next}{group}")) { (frame.t(Text::More)) " →" } }
        }
        h2 { (frame.t(Text::NewContact)) }
        div.panel {
            form.stack method="post" action="/ui/me/contacts" {
                (csrf_field(session))
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel"; }
                label { (frame.t(Text::Name)) input type="text" name="name"; }
                label { (frame.t(Text::Groups)) input type="text" name="groups"; }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    }))
}

#[get("/ui/me/contacts")]
async fn list(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, UiError> {
    let flash = query
        .done
        .as_ref()
        .map(|_| Flash::Ok(customer.logged.lang_text(Text::Saved)));
    Ok(respond(
        page(&request, &customer, &state, &query, flash).await?,
    ))
}

/// The page with `problem` above it, answered with its status.
async fn refused(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    problem: &Problem,
) -> Result<HttpResponse, UiError> {
    let query = ListQuery {
        group: None,
        after: None,
        done: None,
    };
    let markup = page(
        request,
        customer,
        state,
        &query,
        Some(Flash::Bad(problem.to_string())),
    )
    .await?;
    Ok(respond_with(problem.status(), markup))
}

fn saved() -> HttpResponse {
    see_other("/ui/me/contacts?done=1")
}

#[post("/ui/me/contacts")]
async fn create(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let groups: Vec<&str> = form
        .groups
        .split(',')
        .map(str::trim)
        .filter(|group| !group.is_empty())
        .collect();
    let mut body = json!({ "number": form.number.trim(), "groups": groups });
    if !form.name.trim().is_empty() {
        body["name"] = json!(form.name.trim());
    }
    match add(&state, &customer.account.id, body.to_string().as_bytes()).await {
        Ok(contact) => {
            info!(state.logger, "contact added in the web UI";
                "account" => %customer.account.id, "number" => %contact.number);
            Ok(saved())
        }
        Err(problem) => refused(&request, &customer, &state, &problem).await,
    }
}

#[post("/ui/me/contacts/{number}/delete")]
async fn delete(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    number: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    match remove(&state, &customer.account.id, &number).await {
        Ok(()) => Ok(saved()),
        Err(problem) => refused(&request, &customer, &state, &problem).await,
    }
}
