//! The operator's `GET /ui/inbox`: the MO messages received. First the
//! unrouted ones, those no MO route takes, which wait in the store's
//! `inbox` (newest first, 50 a page, each with its gateway, sender,
//! number, text, coding, parts and times); then, for an account chosen,
//! its conversations that received MO, by last activity, 50 a page
//! (through the API's conversation list, `conversations.rs`). `?number=`
//! keeps the MO from or to a number, and the conversations with it; a
//! link leads to every routed MO with the same filter (`received.rs`).
//! `GET /ui/inbox/{account}/{ours}/{theirs}` shows one of those
//! conversations, its newest 50 messages with their ids and states, and
//! `?before=` the page older than a cursor, back to the first, through
//! the API's conversation reader without moving the account's read mark
//! (the operator looking is not the customer reading).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::{error, warn};

use super::conversations::{not_shown, paging};
use super::guard::{AdminPage, UiError, UiErrorKind, filled, refused};
use super::i18n::Text;
use super::layout::{Flash, Section, Tone, account_ids, account_select, in_url, respond};
use crate::actors::web::conversations::{self, Reader, list, parties};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::conversations::{ConversationList, Direction, Party};
use crate::store::{InboundMessage, Window};

/// Rows on a page, of either list.
const PAGE_ROWS: usize = 50;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(inbox).service(one_conversation);
}

#[derive(Deserialize, Default, Clone)]
struct Search {
    #[serde(default)]
    account: String,
    #[serde(default)]
    number: String,
    /// Unrouted MO skipped: the page of the list.
    skip: Option<usize>,
    /// The conversations' cursor.
    before: Option<u64>,
}

impl Search {
    /// The `?account=…&number=…` of this search.
    fn filter(&self) -> String {
        format!(
            "account={}&number={}",
            in_url(&self.account),
            in_url(&self.number)
        )
    }

    /// Every routed MO (`received.rs`) with this search's filter.
    fn received_link(&self) -> String {
        format!("/ui/inbox/received?{}", self.filter())
    }

    /// This search's address with `change` applied to a copy.
    fn link(&self, change: impl FnOnce(&mut Search)) -> String {
        let mut next = self.clone();
        change(&mut next);
        let mut link = format!("/ui/inbox?{}", next.filter());
        if let Some(skip) = next.skip {
            link.push_str(&format!("&skip={skip}"));
        }
        if let Some(before) = next.before {
            link.push_str(&format!("&before={before}"));
        }
        link
    }
}

/// Whether `text` is `party` written some way.
fn is(party: &Party, text: Option<&str>) -> bool {
    text.and_then(|text| Party::parse(text).ok())
        .is_some_and(|other| other == *party)
}

/// The unrouted MO, newest first, with `number` among their parties.
async fn unrouted(
    state: &WebState,
    admin: &AdminPage,
    number: Option<&Party>,
) -> Result<Vec<InboundMessage>, UiError> {
    let store = state.store.clone();
    let read = web::block(move || store.inbox())
        .await
        .map_err(|error| error.to_string())
        .and_then(|found| found.map_err(|error| error.to_string()))
        .map_err(|error| {
            error!(state.logger, "cannot read the inbox for the web UI"; "error" => error);
            admin.0.failed()
        })?;
    let mut messages: Vec<InboundMessage> = read
        .into_iter()
        .filter_map(|message| {
            message
                .inspect_err(|error| {
                    warn!(state.logger, "a damaged inbox record is not shown"; "error" => %error);
                })
                .ok()
        })
        .filter(|message| {
            number.is_none_or(|number| {
                is(number, Some(&message.source)) || is(number, message.destination.as_deref())
            })
        })
        .collect();
    messages.sort_by_key(|message| std::cmp::Reverse(message.received_at));
    Ok(messages)
}

/// The page: `messages` (unrouted, one page of them from `search.skip`)
/// and `received` (the chosen account's conversations).
fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    search: &Search,
    messages: &[InboundMessage],
    received: Option<&ConversationList>,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::Inbox, request.path());
    let skip = search.skip.unwrap_or(0);
    let shown = messages.iter().skip(skip).take(PAGE_ROWS);
    let older = (messages.len() > skip + PAGE_ROWS)
        .then(|| search.link(|next| next.skip = Some(skip + PAGE_ROWS)));
    let number = Party::parse(search.number.trim()).ok();
    Ok(frame.page(frame.t(Text::Inbox), flash, html! {
        div.panel {
            form.inline method="get" action="/ui/inbox" {
                label { (frame.t(Text::Account)) (account_select("account", &account_ids(state), filled(&search.account), "–")) }
                label { (frame.t(Text::NumberFilter)) input type="text" name="number" inputmode="tel" value=(search.number); }
                button type="submit" { (frame.t(Text::Search)) }
            }
            p { a href=(search.received_link()) { (frame.t(Text::RoutedMo)) " →" } }
        }
        h2 { (frame.t(Text::Unrouted)) }
        @if messages.is_empty() {
            p.muted { (frame.t(Text::NoUnrouted)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Received)) }
                        th { (frame.t(Text::Peer)) }
                        th { (frame.t(Text::To)) }
                        th { (frame.t(Text::Body)) }
                        th { (frame.t(Text::Gateway)) }
                        th.num { (frame.t(Text::Coding)) }
                        th.num { (frame.t(Text::Parts)) }
                        th { (frame.t(Text::Date)) }
                    } }
                    tbody {
                        @for message in shown {
                            tr data-unrouted=(message.fingerprint) {
                                td { (message.received_at.format("%Y-%m-%d %H:%M:%S")) }
                                td { (message.source) }
                                td { (message.destination.as_deref().unwrap_or("–")) }
                                td {
                                    @match &message.text {
                                        Some(text) => { (text) },
                                        None => { (frame.badge(frame.t(Text::Binary), Tone::Warn)) " " (message.body.len()) " B" },
                                    }
                                }
                                td { (message.gateway) }
                                td.num { (message.dcs) }
                                td.num {
                                    (message.parts)
                                    @if !message.complete { " " (frame.badge(frame.t(Text::Incomplete), Tone::Bad)) }
                                }
                                td { (message.sent_at.format("%Y-%m-%d %H:%M:%S")) }
                            }
                        }
                    }
                }
            }
            @if let Some(older) = older {
                p { a rel="next" href=(older) { (frame.t(Text::Older)) " →" } }
            }
        }
        @if let Some(received) = received {
            h2 { (frame.t(Text::ReceivedBy)) ": " (received.account) }
            @let rows: Vec<_> = received.conversations.iter()
                .filter(|conversation| conversation.received > 0)
                .filter(|conversation| number.as_ref().is_none_or(|number| {
                    is(number, Some(&conversation.ours)) || is(number, Some(&conversation.theirs))
                }))
                .collect();
            @if rows.is_empty() {
                p.muted { (frame.t(Text::NoReceived)) }
            } @else {
                div.table-wrap {
                    table {
                        thead { tr {
                            th { (frame.t(Text::Ours)) }
                            th { (frame.t(Text::Theirs)) }
                            th.num { (frame.t(Text::MoReceived)) }
                            th.num { (frame.t(Text::Unread)) }
                            th { (frame.t(Text::Message)) }
                            th { (frame.t(Text::Date)) }
                        } }
                        tbody {
                            @for conversation in rows {
                                tr data-conversation=(format!("{}/{}", conversation.ours, conversation.theirs)) {
                                    td { (conversation.ours) }
                                    td { a href=(format!("/ui/inbox/{}/{}/{}", received.account, conversation.ours, conversation.theirs)) { (conversation.theirs) } }
                                    td.num { (conversation.received) }
                                    td.num { @if conversation.unread > 0 { (frame.badge(&conversation.unread.to_string(), Tone::Warn)) } @else { "0" } }
                                    td {
                                        @if conversation.last_direction == Direction::Mo { "← " } @else { "→ " }
                                        (conversation.last_text.as_deref().unwrap_or("–"))
                                    }
                                    td { (conversation.last_at.format("%Y-%m-%d %H:%M")) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(cursor) = received.next_cursor.as_deref().and_then(|cursor| cursor.parse::<u64>().ok()) {
                p { a rel="next" href=(search.link(|next| next.before = Some(cursor))) { (frame.t(Text::Older)) " →" } }
            }
        }
    }))
}

#[get("/ui/inbox")]
async fn inbox(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    search: Option<web::Query<Search>>,
) -> Result<HttpResponse, UiError> {
    let search = search.map(web::Query::into_inner).unwrap_or_default();
    let number = match filled(&search.number).map(Party::parse) {
        None => None,
        Some(Ok(number)) => Some(number),
        Some(Err(error)) => {
            let problem = Problem::new(StatusCode::BAD_REQUEST, error.to_string());
            let messages = unrouted(&state, &admin, None).await?;
            return refused(&problem, |flash| {
                page(&request, &admin, &state, &search, &messages, None, flash)
            });
        }
    };
    let messages = unrouted(&state, &admin, number.as_ref()).await?;
    let received = match filled(&search.account) {
        None => None,
        Some(name) => {
            let Some(account) = state.directory.account(name) else {
                let problem =
                    Problem::new(StatusCode::NOT_FOUND, admin.0.lang_text(Text::NotFound));
                return refused(&problem, |flash| {
                    page(&request, &admin, &state, &search, &messages, None, flash)
                });
            };
            let found = list(&state, &account.id, search.before, PAGE_ROWS)
                .await
                .map_err(|problem| {
                    error!(state.logger, "cannot read conversations for the web UI"; "error" => %problem);
                    admin.0.failed()
                })?;
            Some(found)
        }
    };
    Ok(respond(page(
        &request,
        &admin,
        &state,
        &search,
        &messages,
        received.as_ref(),
        None,
    )?))
}

/// The query of one conversation's page.
#[derive(Deserialize)]
struct ThreadQuery {
    /// The `previous_cursor` of the page shown before: the older page.
    before: Option<u64>,
}

#[get("/ui/inbox/{account}/{ours}/{theirs}")]
async fn one_conversation(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    path: web::Path<(String, String, String)>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, UiError> {
    let (account, ours, theirs) = path.into_inner();
    let not_found = || UiError::new(UiErrorKind::NotFound, admin.0.lang);
    let account = state.directory.account(&account).ok_or_else(not_found)?;
    let parties = parties(&(ours, theirs)).map_err(|_| not_found())?;
    let window = query.before.map_or(Window::Latest, Window::Before);
    let shown = conversations::page(
        &state,
        &account.id,
        parties,
        (window, PAGE_ROWS),
        Reader::Onlooker,
    )
    .await
    .map_err(|problem| not_shown(&state, &admin.0, &problem))?;
    let frame = admin.0.frame(Section::Inbox, request.path());
    let here = format!("/ui/inbox/{}/{}/{}", account.id, shown.ours, shown.theirs);
    let content = html! {
        p.muted { (frame.t(Text::Account)) ": " (account.id) }
        (paging(&frame, &here, &shown, window))
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::Id)) }
                    th { (frame.t(Text::Date)) }
                    th { (frame.t(Text::Peer)) }
                    th { (frame.t(Text::To)) }
                    th { (frame.t(Text::Body)) }
                    th { (frame.t(Text::State)) }
                } }
                tbody {
                    @for message in &shown.messages {
                        @let mo = message.direction == Direction::Mo;
                        tr data-direction=(if mo { "mo" } else { "mt" }) {
                            td { @for id in &message.ids { code { (id) } " " } }
                            td { (message.at.format("%Y-%m-%d %H:%M:%S")) }
                            td { @if mo { (shown.theirs) } @else { (shown.ours) } }
                            td { @if mo { (shown.ours) } @else { (shown.theirs) } }
                            td { (frame.text_or_binary(message.text.as_deref())) }
                            td { @if let Some(state) = message.state { (state) } }
                        }
                    }
                }
            }
        }
        p { a href=(format!("/ui/inbox?account={}", account.id)) { (frame.t(Text::Back)) } }
    };
    let title = format!("{} ↔ {}", shown.ours, shown.theirs);
    Ok(respond(frame.page(&title, None, content)))
}
