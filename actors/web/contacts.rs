//! An account's contacts and groups over HTTP (SPEC §6.2): list them (all,
//! or a group's, a page at a time), add, read, replace and delete one,
//! list the groups with their sizes, delete a group (its contacts stay),
//! and count what a selection picks before a campaign is built on it. The
//! CSV import is `contact_import.rs`. Customers reach their own contacts;
//! the operator names the account with `?account=` ([`AccountInScope`]).
//! A change holds `WebState::contact_writer` from reading the contact as
//! stored until its batch is durable.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use slog::info;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::AccountInScope;
use super::body::Fields;
use super::body_first::BodyFirst;
use super::problem::Problem;
use super::state::WebState;
use crate::api::FieldError;
use crate::contacts::contact::free_fields;
use crate::contacts::{Condition, Contact, ContactError, GroupName, Selection, SelectionError};
use crate::lists::ListedNumber;
use crate::model::AccountId;
use crate::store::{Batch, Store, StoreError};

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_contacts)
        .service(add_contact)
        .service(count_selected)
        .service(read_contact)
        .service(replace_contact)
        .service(delete_contact)
        .service(list_groups)
        .service(delete_group);
}

/// A page's default size, and its largest.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

/// How many contacts leave a group per batch when it is deleted.
const GROUP_DELETE_PAGE: usize = 10_000;

/// How many selected contacts a count reads at once.
const COUNT_PAGE: usize = 1000;

/// `?account=&group=&after=&limit=` of the listing.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// The operator's: whose contacts (a customer's own otherwise).
    #[expect(dead_code, reason = "read by AccountInScope; here for the document")]
    account: Option<String>,
    /// Only this group's contacts.
    group: Option<String>,
    /// The `next` of the page before.
    after: Option<String>,
    /// Contacts per page.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
}

/// The operator's `?account=`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "read by AccountInScope; here for the document")]
struct AccountQuery {
    /// The operator's: whose contacts (a customer's own otherwise).
    account: Option<String>,
}

/// One contact.
#[derive(Serialize, ToSchema)]
#[schema(as = Contact)]
struct ContactView {
    /// Digits, without `+`.
    number: String,
    #[schema(required = true)]
    name: Option<String>,
    /// Free fields by name (lower case).
    fields: BTreeMap<String, String>,
    /// The groups it is in, by name.
    groups: Vec<String>,
}

/// One page of an account's contacts.
#[derive(Serialize, ToSchema)]
#[schema(as = ContactPage)]
struct PageView {
    account: String,
    /// By number.
    contacts: Vec<ContactView>,
    /// `after` for the next page; null on the last.
    #[schema(required = true)]
    next: Option<String>,
}

/// The body of `POST /api/v1/contacts` and `PUT /api/v1/contacts/{number}`
/// as the document shows it; read field by field.
#[derive(ToSchema)]
#[schema(as = ContactInput)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: its fields are read one by one")]
struct ContactBody {
    /// POST only (PUT names it in the path): E.164 digits, optionally
    /// after + or 00.
    number: Option<String>,
    /// At most 256 bytes.
    name: Option<String>,
    /// Up to 32, names of ASCII letters, digits, `_` and `-` (not `number`
    /// or `name`), values strings (numbers and booleans are taken as their
    /// text) of at most 256 bytes.
    fields: Option<BTreeMap<String, String>>,
    /// Up to 32 group names of 1 to 64 characters, no `/`.
    groups: Option<Vec<String>>,
}

/// One group.
#[derive(Serialize, ToSchema)]
#[schema(as = ContactGroup)]
struct GroupView {
    name: String,
    /// Its contacts.
    members: u64,
}

/// An account's groups.
#[derive(Serialize, ToSchema)]
#[schema(as = ContactGroups)]
struct GroupsView {
    account: String,
    /// By name.
    groups: Vec<GroupView>,
}

/// A deleted group.
#[derive(Serialize, ToSchema)]
#[schema(as = ContactGroupDeleted)]
struct GroupDeletedView {
    group: String,
    /// The contacts that left it (they are kept).
    removed: u64,
}

/// How many contacts a selection picks.
#[derive(Serialize, ToSchema)]
#[schema(as = SelectionCount)]
struct CountView {
    count: u64,
}

/// The body of `POST /api/v1/contacts/count` as the document shows it.
#[derive(ToSchema)]
#[schema(as = Selection)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: read as `contacts::Selection`")]
struct SelectionBody {
    /// Contacts in any of these (up to 100); empty or left out: every contact.
    groups: Option<Vec<String>>,
    /// Every one holds (up to 50).
    conditions: Option<Vec<ConditionBody>>,
}

/// One condition of a selection.
#[derive(ToSchema)]
#[schema(as = SelectionCondition)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "never built: read as `contacts::Condition`")]
struct ConditionBody {
    /// `number`, `name` or a free field.
    field: String,
    /// `eq`, `ne`, `in`, `prefix`, `lt`, `le`, `gt` or `ge`.
    op: String,
    /// A string or a number (all but `in`): a string is compared as text,
    /// a number with the field read as a decimal number; `prefix` takes a
    /// string, `lt` to `ge` a number.
    #[schema(value_type = Option<Object>)]
    value: Option<()>,
    /// For `in`: 1 to 1000 strings or numbers.
    #[schema(value_type = Option<Vec<Object>>)]
    values: Option<()>,
}

pub(super) fn bad(field: &str, detail: impl Into<String>) -> Problem {
    Problem::from(FieldError {
        field: field.into(),
        detail: detail.into(),
    })
}

/// The query string as a `T`, or 400 naming the parameter at fault.
pub(super) fn query<T: serde::de::DeserializeOwned>(request: &HttpRequest) -> Result<T, Problem> {
    web::Query::<T>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|error| bad("query", error.to_string()))
}

pub(super) fn group_name(field: &str, text: &str) -> Result<GroupName, Problem> {
    GroupName::parse(text).map_err(|error| bad(field, error.to_string()))
}

fn number(field: &str, text: &str) -> Result<ListedNumber, Problem> {
    ListedNumber::parse(text).map_err(|error| bad(field, error.to_string()))
}

fn view(contact: &Contact) -> ContactView {
    ContactView {
        number: contact.number.to_string(),
        name: contact.name.clone(),
        fields: contact.fields.clone(),
        groups: contact.groups.iter().map(ToString::to_string).collect(),
    }
}

fn no_contact(account: &AccountId, number: ListedNumber) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("account {account} has no contact {number}"),
    )
}

/// A contact's name, fields and groups from a body's fields; `number` is
/// read by the caller.
fn contact_from(number: ListedNumber, fields: &mut Fields) -> Result<Contact, Problem> {
    let mut contact = Contact::new(number);
    contact.name = fields.optional("name")?;
    let given: BTreeMap<String, serde_json::Value> = fields.optional("fields")?.unwrap_or_default();
    let mut texts = Vec::with_capacity(given.len());
    for (name, value) in given {
        let text = match value {
            serde_json::Value::String(text) => text,
            serde_json::Value::Number(number) => number.to_string(),
            serde_json::Value::Bool(yes) => yes.to_string(),
            _ => {
                return Err(bad(
                    &format!("fields.{name}"),
                    "must be a string, a number or a boolean",
                ));
            }
        };
        texts.push((name, text));
    }
    contact.fields = free_fields(texts).map_err(|error| bad("fields", error.to_string()))?;
    let groups: Vec<String> = fields.optional("groups")?.unwrap_or_default();
    for (index, group) in groups.iter().enumerate() {
        contact
            .groups
            .insert(group_name(&format!("groups[{index}]"), group)?);
    }
    contact
        .check()
        .map_err(|error| bad(limit_field(&error), error.to_string()))?;
    Ok(contact)
}

/// The body field a broken limit is about.
fn limit_field(error: &ContactError) -> &'static str {
    match error {
        ContactError::NameTooLong => "name",
        ContactError::GroupName { .. } | ContactError::TooManyGroups => "groups",
        ContactError::TooLarge(_) => "body",
        _ => "fields",
    }
}

/// Runs `read` on the blocking pool: store reads can take a while.
async fn blocking<T: Send + 'static>(
    state: &WebState,
    read: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Problem> {
    let store = state.store.clone();
    Ok(web::block(move || read(&store)).await??)
}

/// An account's contacts, or a group's, by number, a page at a time
///
/// Customers see their own; the operator names the account with
/// `?account=`.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(ListQuery),
    responses(
        (status = OK, description = "One page.", body = PageView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/contacts")]
async fn list_contacts(
    AccountInScope(account): AccountInScope,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let query: ListQuery = query(&request)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(bad("limit", format!("must be 1 to {MAX_PAGE}")));
    }
    let after = query
        .after
        .as_deref()
        .map(|text| number("after", text))
        .transpose()?;
    let group = query
        .group
        .as_deref()
        .map(|text| group_name("group", text))
        .transpose()?;
    let id = account.id.clone();
    let contacts = blocking(&state, move |store| match group {
        Some(group) => store.group_page(&id, &group, after, limit),
        None => store.contacts_page(&id, after, limit),
    })
    .await?;
    let next = contacts
        .last()
        .filter(|_| contacts.len() == limit)
        .map(|last| last.number.to_string());
    Ok(HttpResponse::Ok().json(PageView {
        account: account.id.to_string(),
        contacts: contacts.iter().map(view).collect(),
        next,
    }))
}

/// Add one contact
///
/// `{"number", "name", "fields": {...}, "groups": [...]}`; 409 when the
/// account has a contact with that number (change it with PUT).
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(AccountQuery),
    request_body = ContactBody,
    responses(
        (status = CREATED, description = "Stored.", body = ContactView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = CONFLICT, response = Problem),
        (status = PAYLOAD_TOO_LARGE, response = Problem),
    ),
)]
#[post("/api/v1/contacts")]
async fn add_contact(
    BodyFirst {
        body,
        caller: AccountInScope(account),
        ..
    }: BodyFirst<web::Bytes, AccountInScope>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let contact = add(&state, &account.id, &body).await?;
    Ok(HttpResponse::Created().json(view(&contact)))
}

/// Adds the contact `body` describes to `account`, once durable; 409
/// when it has one with that number.
pub(in crate::actors::web) async fn add(
    state: &WebState,
    account: &AccountId,
    body: &[u8],
) -> Result<Contact, Problem> {
    let mut fields = Fields::parse(body)?;
    let text: String = fields.required("number")?;
    let contact = contact_from(number("number", &text)?, &mut fields)?;
    fields.finish()?;
    let _writer = state.contact_writer.lock().await;
    if state.store.contact(account, contact.number)?.is_some() {
        return Err(Problem::with_field(
            StatusCode::CONFLICT,
            FieldError {
                field: "number".into(),
                detail: format!(
                    "account {account} has a contact {} already: change it with PUT",
                    contact.number
                ),
            },
        ));
    }
    let mut batch = Batch::new();
    batch.put_contact(account, &contact, None);
    state.store.commit(batch).await?;
    Ok(contact)
}

/// Count the contacts a selection picks
///
/// The preview of a campaign's recipients: `{"groups": [...],
/// "conditions": [{"field", "op", "value"}]}` (see the Selection schema);
/// answers `{"count"}`. Reads every candidate (the account's contacts, or
/// its groups' members).
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(AccountQuery),
    request_body = SelectionBody,
    responses(
        (status = OK, description = "How many contacts it picks.", body = CountView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = PAYLOAD_TOO_LARGE, response = Problem),
    ),
)]
#[post("/api/v1/contacts/count")]
async fn count_selected(
    BodyFirst {
        body,
        caller: AccountInScope(account),
        ..
    }: BodyFirst<web::Bytes, AccountInScope>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let selection = selection(&body)?;
    let id = account.id.clone();
    let count = blocking(&state, move |store| {
        let mut count = 0;
        let mut after = None;
        loop {
            let page = store.selected_page(&id, &selection, after, COUNT_PAGE)?;
            count += page.contacts.len() as u64;
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(count),
            }
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(CountView { count }))
}

/// A selection from a JSON body, each problem naming its field
/// (`groups[1]`, `conditions[0]`).
fn selection(body: &[u8]) -> Result<Selection, Problem> {
    let mut fields = Fields::parse(body)?;
    let names: Vec<String> = fields.optional("groups")?.unwrap_or_default();
    let written: Vec<serde_json::Value> = fields.optional("conditions")?.unwrap_or_default();
    fields.finish()?;
    let groups = names
        .iter()
        .enumerate()
        .map(|(index, name)| group_name(&format!("groups[{index}]"), name))
        .collect::<Result<Vec<_>, _>>()?;
    let conditions = written
        .into_iter()
        .enumerate()
        .map(|(index, condition)| {
            serde_json::from_value::<Condition>(condition)
                .map_err(|error| bad(&format!("conditions[{index}]"), error.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Selection::new(groups, conditions).map_err(|error| {
        let field = match error {
            SelectionError::TooManyGroups => "groups",
            _ => "conditions",
        };
        bad(field, error.to_string())
    })
}

/// One contact
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(("number" = String, Path, description = "E.164 digits, optionally after + or 00."), AccountQuery),
    responses(
        (status = OK, description = "The contact.", body = ContactView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/contacts/{number}")]
async fn read_contact(
    AccountInScope(account): AccountInScope,
    path: web::Path<String>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let number = number("number", &path)?;
    let contact = state
        .store
        .contact(&account.id, number)?
        .ok_or_else(|| no_contact(&account.id, number))?;
    Ok(HttpResponse::Ok().json(view(&contact)))
}

/// Replace one contact's name, fields and groups
///
/// `{"name", "fields": {...}, "groups": [...]}`: what is left out is
/// emptied (no name, no fields, no group).
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(("number" = String, Path, description = "E.164 digits, optionally after + or 00."), AccountQuery),
    request_body = ContactBody,
    responses(
        (status = OK, description = "Stored.", body = ContactView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
        (status = PAYLOAD_TOO_LARGE, response = Problem),
    ),
)]
#[put("/api/v1/contacts/{number}")]
async fn replace_contact(
    BodyFirst {
        body,
        caller: AccountInScope(account),
        ..
    }: BodyFirst<web::Bytes, AccountInScope>,
    path: web::Path<String>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let contact = replace(&state, &account.id, &path, &body).await?;
    Ok(HttpResponse::Ok().json(view(&contact)))
}

/// Replaces `account`'s contact with the number `text` by the one `body`
/// describes, once durable; 404 when it has none.
pub(in crate::actors::web) async fn replace(
    state: &WebState,
    account: &AccountId,
    text: &str,
    body: &[u8],
) -> Result<Contact, Problem> {
    let number = number("number", text)?;
    let mut fields = Fields::parse(body)?;
    let contact = contact_from(number, &mut fields)?;
    fields.finish()?;
    let _writer = state.contact_writer.lock().await;
    let previous = state
        .store
        .contact(account, number)?
        .ok_or_else(|| no_contact(account, number))?;
    let mut batch = Batch::new();
    batch.put_contact(account, &contact, Some(&previous));
    state.store.commit(batch).await?;
    Ok(contact)
}

/// Delete one contact (and its place in its groups)
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(("number" = String, Path, description = "E.164 digits, optionally after + or 00."), AccountQuery),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/contacts/{number}")]
async fn delete_contact(
    AccountInScope(account): AccountInScope,
    path: web::Path<String>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    remove(&state, &account.id, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes `account`'s contact with the number `text`, once durable; 404
/// when it has none.
pub(in crate::actors::web) async fn remove(
    state: &WebState,
    account: &AccountId,
    text: &str,
) -> Result<(), Problem> {
    let number = number("number", text)?;
    let _writer = state.contact_writer.lock().await;
    let previous = state
        .store
        .contact(account, number)?
        .ok_or_else(|| no_contact(account, number))?;
    let mut batch = Batch::new();
    batch.remove_contact(account, &previous);
    state.store.commit(batch).await?;
    Ok(())
}

/// An account's groups with their sizes
///
/// Counted by reading every membership of the account: about a second
/// for a million.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(AccountQuery),
    responses(
        (status = OK, description = "The groups by name.", body = GroupsView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[get("/api/v1/groups")]
async fn list_groups(
    AccountInScope(account): AccountInScope,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let id = account.id.clone();
    let groups = blocking(&state, move |store| store.groups(&id)).await?;
    Ok(HttpResponse::Ok().json(GroupsView {
        account: account.id.to_string(),
        groups: groups
            .into_iter()
            .map(|group| GroupView {
                name: group.name.to_string(),
                members: group.members,
            })
            .collect(),
    }))
}

/// Delete a group: its contacts leave it and stay
///
/// In batches of 10,000 contacts, each durable before the next; 404 when
/// no contact is in the group.
#[utoipa::path(
    security(("account" = []), ("apiKey" = []), ("apiKeyHeader" = []), ("admin" = [])),
    params(("name" = String, Path, description = "The group's name."), AccountQuery),
    responses(
        (status = OK, description = "Deleted.", body = GroupDeletedView),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
        (status = NOT_FOUND, response = Problem),
    ),
)]
#[delete("/api/v1/groups/{name}")]
async fn delete_group(
    AccountInScope(account): AccountInScope,
    path: web::Path<String>,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let group = group_name("name", &path)?;
    let mut removed = 0;
    loop {
        let _writer = state.contact_writer.lock().await;
        let (id, name) = (account.id.clone(), group.clone());
        let members = blocking(&state, move |store| {
            store.group_page(&id, &name, None, GROUP_DELETE_PAGE)
        })
        .await?;
        if members.is_empty() {
            break;
        }
        let mut batch = Batch::new();
        for member in members {
            let mut left = member.clone();
            left.groups.remove(&group);
            // As the membership key has it, so the key goes in any case.
            let mut was = member;
            was.groups.insert(group.clone());
            batch.put_contact(&account.id, &left, Some(&was));
            removed += 1;
        }
        state.store.commit(batch).await?;
    }
    if removed == 0 {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            format!("account {} has no group {group:?}", account.id),
        ));
    }
    info!(state.logger, "contact group deleted";
        "account" => %account.id, "group" => %group, "contacts" => removed);
    Ok(HttpResponse::Ok().json(GroupDeletedView {
        group: group.to_string(),
        removed,
    }))
}
