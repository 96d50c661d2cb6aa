//! Message search and one message's history, for both roles:
//!
//! - the operator's `GET /ui/messages` (one account's messages, or every
//!   account's at once, by number, sender, state and dates; or any message
//!   by its id), `GET /ui/messages/{id}` and `GET /ui/messages.csv` (for
//!   every account, each row's account in a last column);
//! - the customer's `GET /ui/me/messages`, `GET /ui/me/messages/{id}` and
//!   `GET /ui/me/messages.csv`, over its own account only (another's id
//!   is "not found").
//!
//! The search is the API's listing (`messages_list::search`: by number,
//! the index by number; else the account's index, or every account's
//! merged, walked newest first with a scan budget; a page at a time), and
//! the CSV its per-message report, streamed (for every account without a
//! number, within `EVERY_CSV_BUDGET` messages looked at). While older
//! messages are still being indexed by number, a search by number is
//! budgeted too, and the page says so.

use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use slog::error;

use super::guard::{AdminPage, CustomerPage, LoggedIn, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{
    Flash, Frame, Section, Tone, account_ids, account_select, in_url, respond, see_other,
};
use crate::actors::web::messages_list::{
    EVERY_CSV_BUDGET, ListQuery, SCAN_BUDGET, Scope, csv_response,
};
use crate::actors::web::state::WebState;
use crate::model::{Message, MessageId, MessageState};

/// Messages on a page of results.
const PAGE_ROWS: usize = 50;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(admin_search)
        .service(admin_export)
        .service(admin_message)
        .service(customer_search)
        .service(customer_export)
        .service(customer_message);
}

/// The search form's fields, as the query string carries them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct Search {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    /// The sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    /// `YYYY-MM-DD`, the first day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from_day: Option<String>,
    /// `YYYY-MM-DD`, the last day (included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_day: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cursor: Option<u64>,
}

/// `Some(text)` unless empty.
fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

impl Search {
    /// The API's query for these fields: days as RFC 3339 instants, the
    /// last day included.
    fn query(&self) -> ListQuery {
        let day = |value: &Option<String>, next: bool| {
            given(value).map(
                |day| match chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
                    Ok(date) => {
                        let date = if next {
                            date.succ_opt().unwrap_or(date)
                        } else {
                            date
                        };
                        format!("{date}T00:00:00Z")
                    }
                    // Passed on as written: the API's reader names what is wrong.
                    Err(_) => day,
                },
            )
        };
        ListQuery::matching(
            given(&self.state),
            given(&self.to),
            given(&self.from),
            day(&self.from_day, false),
            day(&self.to_day, true),
        )
    }

    /// This search's query string with `cursor` for the next page.
    fn next_page(&self, cursor: MessageId) -> String {
        let next = Search {
            cursor: Some(cursor.value()),
            account: given(&self.account),
            id: None,
            to: given(&self.to),
            from: given(&self.from),
            state: given(&self.state),
            from_day: given(&self.from_day),
            to_day: given(&self.to_day),
        };
        query_string(&next)
    }
}

/// `name=value&…`, values percent-encoded.
fn query_string(search: &Search) -> String {
    let value = serde_json::to_value(search).unwrap_or_default();
    let Some(fields) = value.as_object() else {
        return String::new();
    };
    fields
        .iter()
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            format!("{name}={}", in_url(&text))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn state_tone(state: MessageState) -> Tone {
    match state {
        MessageState::Delivered => Tone::Ok,
        MessageState::Accepted | MessageState::Routed | MessageState::Submitted => Tone::Warn,
        _ => Tone::Bad,
    }
}

/// Messages as a table; each id links to `{base}/{id}`.
pub fn message_table(
    frame: &Frame<'_>,
    messages: &[Message],
    base: &str,
    accounts: bool,
) -> Markup {
    html! {
        @if messages.is_empty() {
            p.muted { (frame.t(Text::NoMessages)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        @if accounts { th { (frame.t(Text::Account)) } }
                        th { (frame.t(Text::To)) }
                        th { (frame.t(Text::From)) }
                        th { (frame.t(Text::State)) }
                        th.num { (frame.t(Text::Cost)) }
                        th { (frame.t(Text::Date)) }
                    } }
                    tbody {
                        @for message in messages {
                            tr data-message=(message.id) {
                                td { a href=(format!("{base}/{}", message.id)) { code { (message.id) } } }
                                @if accounts { td { (message.account) } }
                                td { (message.destination.text()) }
                                td { (message.source.text()) }
                                td data-state=(message.state()) { (frame.badge(message.state().as_str(), state_tone(message.state()))) }
                                td.num { (message.price) }
                                td { (message.created_at.format("%Y-%m-%d %H:%M:%S")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The search form, with `accounts` to choose from for the operator.
fn search_form(
    frame: &Frame<'_>,
    action: &str,
    search: &Search,
    accounts: Option<&[String]>,
) -> Markup {
    let value = |field: &Option<String>| field.clone().unwrap_or_default();
    html! {
        div.panel {
            form.inline method="get" action=(action) {
                @if let Some(accounts) = accounts {
                    label { (frame.t(Text::Account))
                        (account_select("account", accounts, search.account.as_deref(), frame.t(Text::AllAccounts)))
                    }
                    label { (frame.t(Text::Id)) input type="text" name="id" inputmode="numeric" size="8" value=(value(&search.id)); }
                }
                label { (frame.t(Text::To)) input type="text" name="to" inputmode="tel" size="14" value=(value(&search.to)); }
                label { (frame.t(Text::Sender)) input type="text" name="from" size="11" value=(value(&search.from)); }
                label { (frame.t(Text::State))
                    select name="state" {
                        option value="" { "–" }
                        @for state in MessageState::ALL {
                            @if search.state.as_deref() == Some(state.as_str()) {
                                option value=(state.as_str()) selected { (state.as_str()) }
                            } @else {
                                option value=(state.as_str()) { (state.as_str()) }
                            }
                        }
                    }
                }
                label { (frame.t(Text::FromDay)) input type="date" name="from_day" value=(value(&search.from_day)); }
                label { (frame.t(Text::ToDay)) input type="date" name="to_day" value=(value(&search.to_day)); }
                button type="submit" { (frame.t(Text::Search)) }
            }
        }
    }
}

/// The results of `search` over `scope`, with the next page's link.
async fn results(
    state: &WebState,
    logged: &LoggedIn,
    frame: &Frame<'_>,
    scope: Scope,
    search: &Search,
    base: &str,
    accounts: bool,
) -> Result<(Markup, Option<Flash>), UiError> {
    let cursor = search.cursor.map(MessageId::new);
    match crate::actors::web::messages_list::search(
        state,
        scope,
        &search.query(),
        cursor,
        PAGE_ROWS,
    )
    .await
    {
        Ok((messages, next)) => Ok((
            html! {
                (message_table(frame, &messages, base, accounts))
                @if let Some(next) = next {
                    p { a rel="next" href=(format!("{}?{}", frame.path, search.next_page(next))) { (frame.t(Text::Older)) " →" } }
                }
            },
            None,
        )),
        // A filter the API's reader refuses: its reason above the form.
        Err(problem) if problem.status().is_client_error() => {
            Ok((html! {}, Some(Flash::Bad(problem.to_string()))))
        }
        Err(problem) => {
            error!(state.logger, "message search failed in the web UI"; "error" => %problem);
            Err(logged.failed())
        }
    }
}

/// One message part and its history.
fn detail(frame: &Frame<'_>, message: &Message, back: &str, account: bool) -> Markup {
    html! {
        div.cards {
            div.card { div.label { (frame.t(Text::State)) } div.value data-state=(message.state()) { (frame.badge(message.state().as_str(), state_tone(message.state()))) } }
            @if account { div.card { div.label { (frame.t(Text::Account)) } div.value { a href=(format!("/ui/accounts/{}", message.account)) { (message.account) } } } }
            div.card { div.label { (frame.t(Text::To)) } div.value { (message.destination.text()) } }
            div.card { div.label { (frame.t(Text::From)) } div.value { (message.source.text()) } }
            div.card { div.label { (frame.t(Text::Cost)) } div.value { (message.price) } }
        }
        @if let Some(gateway) = &message.gateway {
            p.muted { (frame.t(Text::Gateways)) ": " code { (gateway) }
                @if let Some(upstream) = &message.upstream_id { " · " code { (upstream) } }
                @if let Some(code) = message.error_code { " · err " code { (code) } }
            }
        }
        h2 { (frame.t(Text::History)) }
        div.table-wrap {
            table {
                thead { tr { th { (frame.t(Text::State)) } th { (frame.t(Text::When)) } } }
                tbody {
                    @for transition in message.history() {
                        tr { td { (transition.state) } td { (transition.at.format("%Y-%m-%d %H:%M:%S%.3f")) } }
                    }
                }
            }
        }
        p { a href=(back) { (frame.t(Text::Back)) } }
    }
}

/// The message `id` names, if `visible` says it may be shown.
fn find(
    state: &WebState,
    logged: &LoggedIn,
    id: &str,
    visible: impl Fn(&Message) -> bool,
) -> Result<Message, UiError> {
    let not_found = || UiError::new(UiErrorKind::NotFound, logged.lang);
    let id = id
        .trim()
        .parse::<u64>()
        .map(MessageId::new)
        .map_err(|_| not_found())?;
    state
        .store
        .message(id)
        .map_err(|error| {
            error!(state.logger, "cannot read a message for the web UI"; "error" => %error);
            logged.failed()
        })?
        .filter(visible)
        .ok_or_else(not_found)
}

#[get("/ui/messages")]
async fn admin_search(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    search: web::Query<Search>,
) -> Result<HttpResponse, UiError> {
    if let Some(id) = given(&search.id) {
        let location = format!("/ui/messages/{}", in_url(&id));
        return Ok(see_other(location));
    }
    let frame = admin.0.frame(Section::Messages, request.path());
    let accounts = account_ids(&state);
    let scope = admin_scope(&state, &admin.0, &search)?;
    let indexed = by_number_index(&state, &search);
    let every_bounded = matches!(scope, Scope::Every(_)) && !indexed;
    let (listed, flash) = results(
        &state,
        &admin.0,
        &frame,
        scope,
        &search,
        "/ui/messages",
        true,
    )
    .await?;
    let export = format!(
        "/ui/messages.csv?{}",
        query_string(&Search {
            cursor: None,
            id: None,
            ..(*search).clone()
        })
    );
    let content = html! {
        (search_form(&frame, "/ui/messages", &search, Some(&accounts)))
        p {
            a href=(export) download { (frame.t(Text::ExportCsv)) }
            @if every_bounded { " " span.muted { (frame.t(Text::EveryAccountBound)) " " (grouped(EVERY_CSV_BUDGET)) "." } }
        }
        (index_notice(&frame, &state, &search))
        (listed)
    };
    Ok(respond(frame.page(frame.t(Text::Messages), flash, content)))
}

#[get("/ui/messages.csv")]
async fn admin_export(
    admin: AdminPage,
    state: web::Data<WebState>,
    search: web::Query<Search>,
) -> Result<HttpResponse, UiError> {
    let scope = admin_scope(&state, &admin.0, &search)?;
    export(&state, &admin.0, scope, &search)
}

/// `count` with its thousands apart (a narrow no-break space, read the
/// same in English and Spanish): `500 000`.
fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    out
}

/// Whether `search` names a number that the index by number answers
/// (every message is in it).
fn by_number_index(state: &WebState, search: &Search) -> bool {
    given(&search.to).is_some() && state.store.number_index_complete()
}

/// For a search by number while older messages are still being indexed
/// by number: that it looks at a bounded number of messages meanwhile.
fn index_notice(frame: &Frame<'_>, state: &WebState, search: &Search) -> Markup {
    html! {
        @if given(&search.to).is_some() && !by_number_index(state, search) {
            p.muted data-notice="number-index" { (frame.t(Text::NumberIndexBuilding)) " " (grouped(SCAN_BUDGET)) "." }
        }
    }
}

/// The account the operator's search names, or every account when it
/// names none; an account that does not exist is "not found".
fn admin_scope(state: &WebState, logged: &LoggedIn, search: &Search) -> Result<Scope, UiError> {
    match given(&search.account) {
        Some(account) => state
            .directory
            .account(&account)
            .map(|account| Scope::Account(account.id.clone()))
            .ok_or_else(|| UiError::new(UiErrorKind::NotFound, logged.lang)),
        None => Ok(Scope::Every(
            state
                .directory
                .accounts()
                .values()
                .map(|account| account.id.clone())
                .collect(),
        )),
    }
}

#[get("/ui/messages/{id}")]
async fn admin_message(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let message = find(&state, &admin.0, &id, |_| true)?;
    let frame = admin.0.frame(Section::Messages, request.path());
    let back = format!("/ui/messages?account={}", message.account);
    let content = detail(&frame, &message, &back, true);
    Ok(respond(frame.page(
        &format!("{} {}", frame.t(Text::Message), message.id),
        None,
        content,
    )))
}

#[get("/ui/me/messages")]
async fn customer_search(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    search: web::Query<Search>,
) -> Result<HttpResponse, UiError> {
    let frame = customer.logged.frame(Section::Messages, request.path());
    let mine = Search {
        account: None,
        id: None,
        ..(*search).clone()
    };
    let (listed, flash) = results(
        &state,
        &customer.logged,
        &frame,
        Scope::Account(customer.account.id.clone()),
        &mine,
        "/ui/me/messages",
        false,
    )
    .await?;
    let export = format!(
        "/ui/me/messages.csv?{}",
        query_string(&Search {
            cursor: None,
            ..mine.clone()
        })
    );
    let content = html! {
        (search_form(&frame, "/ui/me/messages", &mine, None))
        p { a href=(export) download { (frame.t(Text::ExportCsv)) } }
        (index_notice(&frame, &state, &mine))
        (listed)
    };
    Ok(respond(frame.page(frame.t(Text::Messages), flash, content)))
}

#[get("/ui/me/messages.csv")]
async fn customer_export(
    customer: CustomerPage,
    state: web::Data<WebState>,
    search: web::Query<Search>,
) -> Result<HttpResponse, UiError> {
    export(
        &state,
        &customer.logged,
        Scope::Account(customer.account.id.clone()),
        &search,
    )
}

/// The per-message report of `scope` matching `search`, as CSV.
fn export(
    state: &WebState,
    logged: &LoggedIn,
    scope: Scope,
    search: &Search,
) -> Result<HttpResponse, UiError> {
    csv_response(state, scope, search.query()).map_err(|problem| {
        if problem.status().is_client_error() {
            UiError::new(UiErrorKind::NotFound, logged.lang)
        } else {
            error!(state.logger, "cannot export messages for the web UI"; "error" => %problem);
            logged.failed()
        }
    })
}

#[get("/ui/me/messages/{id}")]
async fn customer_message(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let own = customer.account.id.clone();
    let message = find(&state, &customer.logged, &id, |message| {
        message.account == own
    })?;
    let frame = customer.logged.frame(Section::Messages, request.path());
    let content = detail(&frame, &message, "/ui/me/messages", false);
    Ok(respond(frame.page(
        &format!("{} {}", frame.t(Text::Message), message.id),
        None,
        content,
    )))
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1\u{202f}000");
        assert_eq!(grouped(500_000), "500\u{202f}000");
        assert_eq!(grouped(1_234_567), "1\u{202f}234\u{202f}567");
    }
}
