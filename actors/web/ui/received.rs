//! The operator's `GET /ui/inbox/received`: every routed MO, newest
//! first, across conversations, for every account or the one chosen
//! (`?account=`), with a number (ours or theirs, any way written) kept by
//! `?number=`, 50 a page back through `?before=`. Read from the store's
//! index of MO by time received (`store::received_mo`), never by a scan
//! of the conversations; each row links to its conversation's page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::error;

use super::guard::{AdminPage, UiError, filled, refused};
use super::i18n::Text;
use super::layout::{Flash, Section, account_ids, account_select, in_url, respond};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::conversations::Party;
use crate::model::AccountId;
use crate::store::Received;

/// Rows on a page.
const PAGE_ROWS: usize = 50;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(received);
}

#[derive(Deserialize, Default)]
struct Search {
    #[serde(default)]
    account: String,
    #[serde(default)]
    number: String,
    /// The sequence of the oldest MO of the page before.
    before: Option<u64>,
}

impl Search {
    /// This search's address, from the MO before `before`.
    fn older(&self, before: u64) -> String {
        format!(
            "/ui/inbox/received?account={}&number={}&before={before}",
            in_url(&self.account),
            in_url(&self.number)
        )
    }
}

/// The page: the filter, `rows` and, when `more`, the link to the older.
fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    search: &Search,
    (rows, more): (&[Received], bool),
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::Inbox, request.path());
    let content = html! {
        div.panel {
            form.inline method="get" action="/ui/inbox/received" {
                label { (frame.t(Text::Account)) (account_select("account", &account_ids(state), filled(&search.account), frame.t(Text::EveryAccount))) }
                label { (frame.t(Text::NumberFilter)) input type="text" name="number" inputmode="tel" value=(search.number); }
                button type="submit" { (frame.t(Text::Search)) }
            }
        }
        @if rows.is_empty() {
            p.muted { (frame.t(Text::NoRoutedMo)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Received)) }
                        th { (frame.t(Text::Account)) }
                        th { (frame.t(Text::Peer)) }
                        th { (frame.t(Text::To)) }
                        th { (frame.t(Text::Body)) }
                        th { (frame.t(Text::Id)) }
                    } }
                    tbody {
                        @for row in rows {
                            @let conversation = format!("/ui/inbox/{}/{}/{}", row.mo.account, row.mo.ours, row.mo.theirs);
                            tr data-mo=(row.sequence) {
                                td { (row.entry.at.format("%Y-%m-%d %H:%M:%S")) }
                                td { (row.mo.account) }
                                td { a href=(conversation) { (row.mo.theirs) } }
                                td { (row.mo.ours) }
                                td { (frame.text_or_binary(row.entry.text.as_deref())) }
                                td { @for id in &row.entry.ids { code { (id) } " " } }
                            }
                        }
                    }
                }
            }
            @if let Some(oldest) = rows.last().filter(|_| more) {
                p { a rel="next" href=(search.older(oldest.sequence)) { (frame.t(Text::Older)) " →" } }
            }
        }
        p { a href="/ui/inbox" { (frame.t(Text::Back)) } }
    };
    Ok(frame.page(frame.t(Text::RoutedMo), flash, content))
}

#[get("/ui/inbox/received")]
async fn received(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    search: Option<web::Query<Search>>,
) -> Result<HttpResponse, UiError> {
    let search = search.map(web::Query::into_inner).unwrap_or_default();
    let refuse = |problem: Problem| {
        refused(&problem, |flash| {
            page(&request, &admin, &state, &search, (&[], false), flash)
        })
    };
    let number = match filled(&search.number).map(Party::parse).transpose() {
        Ok(number) => number,
        Err(error) => return refuse(Problem::new(StatusCode::BAD_REQUEST, error.to_string())),
    };
    let account: Option<AccountId> = match filled(&search.account) {
        None => None,
        Some(name) => match state.directory.account(name) {
            Some(account) => Some(account.id.clone()),
            None => {
                let detail = admin.0.lang_text(Text::NotFound);
                return refuse(Problem::new(StatusCode::NOT_FOUND, detail));
            }
        },
    };
    let store = state.store.clone();
    let before = search.before;
    let mut rows = web::block(move || {
        store.received_mo(account.as_ref(), number.as_ref(), before, PAGE_ROWS + 1)
    })
    .await
    .map_err(|error| error.to_string())
    .and_then(|read| read.map_err(|error| error.to_string()))
    .map_err(|error| {
        error!(state.logger, "cannot read the MO received for the web UI"; "error" => error);
        admin.0.failed()
    })?;
    let more = rows.len() > PAGE_ROWS;
    rows.truncate(PAGE_ROWS);
    Ok(respond(page(
        &request,
        &admin,
        &state,
        &search,
        (&rows, more),
        None,
    )?))
}
