//! The customer's `GET /ui/me/contacts`: its groups with their sizes, its
//! contacts (all, or one group's) in number order, 100 a page, a form
//! that adds one (`POST /ui/me/contacts`: number, name, groups), a form
//! that imports a file of them into a group (`POST
//! /ui/me/contacts/import`, as the API's import: the rows refused listed
//! by line) and Delete per contact (`POST /ui/me/contacts/{number}/delete`);
//! one contact's page (`GET /ui/me/contacts/{number}`), whose form
//! replaces its name, groups and free fields (`POST`). The API's own
//! contact code reads and writes them (`contacts.rs`,
//! `contact_import.rs`); a campaign picks them by group (`campaigns.rs`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use slog::{error, info};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;

use super::guard::{CsrfForm, CustomerPage, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, respond_with, see_other};
use super::upload::{FILE_FIELD, receive, refused_rows};
use crate::actors::web::contact_import::import_from;
use crate::actors::web::contacts::group_name;
use crate::actors::web::contacts::{add, remove, replace};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::contacts::GroupName;
use crate::lists::ListedNumber;

/// Contacts on a page.
const PAGE_ROWS: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    // The import before one contact's form, whose {number} would take it.
    config
        .service(list)
        .service(create)
        .service(import)
        .service(one)
        .service(edit)
        .service(delete);
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

#[derive(Deserialize)]
struct EditForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    groups: String,
    /// `field = value`, one a line.
    #[serde(default)]
    fields: String,
}

/// The contacts page, `flash` and `report` (an import's) above it.
async fn page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    query: &ListQuery,
    flash: Option<Flash>,
    report: Markup,
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
        (report)
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
                            td { a href=(format!("/ui/me/contacts/{}", contact.number)) { (contact.number) } }
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
        h2 { (frame.t(Text::ImportContacts)) }
        div.panel {
            form.stack method="post" action="/ui/me/contacts/import" enctype="multipart/form-data" {
                (csrf_field(session))
                label { (frame.t(Text::IntoGroup)) input type="text" name="group"; }
                label {
                    (frame.t(Text::File))
                    input type="file" name=(FILE_FIELD) required accept=".csv,.txt,text/csv,text/plain";
                    span.muted { (frame.t(Text::ImportExplained)) }
                }
                button type="submit" { (frame.t(Text::Import)) }
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
        page(&request, &customer, &state, &query, flash, html! {}).await?,
    ))
}

/// The page with `problem` above it, answered with its status.
async fn refused(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    problem: &Problem,
) -> Result<HttpResponse, UiError> {
    refused_with(
        request,
        customer,
        state,
        problem.status(),
        problem.to_string(),
    )
    .await
}

/// The page with `text` above it, answered with `status`.
async fn refused_with(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    status: StatusCode,
    text: String,
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
        Some(Flash::Bad(text)),
        html! {},
    )
    .await?;
    Ok(respond_with(status, markup))
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

#[post("/ui/me/contacts/import")]
async fn import(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: Multipart,
) -> Result<HttpResponse, UiError> {
    let lang = customer.logged.lang;
    let upload = match receive(&request, form, &customer.logged).await? {
        Ok(upload) => upload,
        Err(refusal) => {
            return refused_with(
                &request,
                &customer,
                &state,
                refusal.status(),
                refusal.text(lang),
            )
            .await;
        }
    };
    let group = match upload.field("group") {
        "" => None,
        name => match group_name("group", name) {
            Ok(group) => Some(group),
            Err(problem) => return refused(&request, &customer, &state, &problem).await,
        },
    };
    let report = match import_from(&state, &customer.account.id, group.as_ref(), upload.file).await
    {
        Ok(report) => report,
        Err(problem) => return refused(&request, &customer, &state, &problem).await,
    };
    let t = |text: Text| text.in_(lang);
    let flash = Flash::Ok(format!(
        "{}: {} · {} {} · {} {}",
        t(Text::ImportDone),
        report.imported,
        report.updated,
        t(Text::UpdatedCount),
        report.unchanged,
        t(Text::UnchangedCount)
    ));
    let query = ListQuery {
        group: group.map(|group| group.to_string()),
        after: None,
        done: None,
    };
    let frame = customer.logged.frame(Section::Contacts, request.path());
    let rows = refused_rows(&frame, &report.rejected, report.rejected_total);
    Ok(respond(
        page(&request, &customer, &state, &query, Some(flash), rows).await?,
    ))
}

/// The free fields a form's lines give, as the API's `fields`.
fn free_fields(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut fields = serde_json::Map::new();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let (field, value) = line.split_once('=').ok_or_else(|| line.to_owned())?;
        fields.insert(field.trim().to_owned(), json!(value.trim()));
    }
    Ok(fields)
}

/// One contact's page: its form with what it has now, `flash` above.
async fn contact_page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    number: &str,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let lang = customer.logged.lang;
    let not_found = || UiError::new(UiErrorKind::NotFound, lang);
    let number = ListedNumber::parse(number).map_err(|_| not_found())?;
    let contact = state
        .store
        .contact(&customer.account.id, number)
        .map_err(|error| {
            error!(state.logger, "cannot read a contact for the web UI"; "error" => %error);
            customer.logged.failed()
        })?
        .ok_or_else(not_found)?;
    let frame = customer.logged.frame(Section::Contacts, request.path());
    let groups: Vec<String> = contact.groups.iter().map(ToString::to_string).collect();
    let fields: Vec<String> = contact
        .fields
        .iter()
        .map(|(field, value)| format!("{field} = {value}"))
        .collect();
    let title = format!("{} +{}", frame.t(Text::Contact), contact.number);
    Ok(frame.page(&title, flash, html! {
        div.panel {
            form.stack method="post" action=(format!("/ui/me/contacts/{}", contact.number)) {
                (csrf_field(&customer.logged.session))
                label { (frame.t(Text::Name)) input type="text" name="name" value=(contact.name.as_deref().unwrap_or("")); }
                label { (frame.t(Text::Groups)) input type="text" name="groups" value=(groups.join(", ")); }
                label { (frame.t(Text::FreeFields)) textarea name="fields" placeholder="city = Madrid" { (fields.join("\n")) } }
                button type="submit" { (frame.t(Text::Apply)) }
            }
        }
        a href="/ui/me/contacts" { "← " (frame.t(Text::Back)) }
    }))
}

#[get("/ui/me/contacts/{number}")]
async fn one(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    number: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, UiError> {
    let flash = query
        .done
        .as_ref()
        .map(|_| Flash::Ok(customer.logged.lang_text(Text::Saved)));
    Ok(respond(
        contact_page(&request, &customer, &state, &number, flash).await?,
    ))
}

#[post("/ui/me/contacts/{number}")]
async fn edit(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    number: web::Path<String>,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
    let lang = customer.logged.lang;
    let page_with = async |status: StatusCode, text: String| {
        let markup =
            contact_page(&request, &customer, &state, &number, Some(Flash::Bad(text))).await?;
        Ok(respond_with(status, markup))
    };
    let fields = match free_fields(&form.fields) {
        Ok(fields) => fields,
        Err(line) => {
            let text = format!("{} {line}", Text::FieldLine.in_(lang));
            return page_with(StatusCode::BAD_REQUEST, text).await;
        }
    };
    let groups: Vec<&str> = form
        .groups
        .split(',')
        .map(str::trim)
        .filter(|group| !group.is_empty())
        .collect();
    let mut body = json!({ "groups": groups, "fields": fields });
    if !form.name.trim().is_empty() {
        body["name"] = json!(form.name.trim());
    }
    match replace(
        &state,
        &customer.account.id,
        &number,
        body.to_string().as_bytes(),
    )
    .await
    {
        Ok(contact) => {
            info!(state.logger, "contact changed in the web UI";
                "account" => %customer.account.id, "number" => %contact.number);
            Ok(see_other(format!(
                "/ui/me/contacts/{}?done=1",
                contact.number
            )))
        }
        Err(problem) if problem.status() == StatusCode::NOT_FOUND => {
            Err(UiError::new(UiErrorKind::NotFound, lang))
        }
        Err(problem) => page_with(problem.status(), problem.to_string()).await,
    }
}
