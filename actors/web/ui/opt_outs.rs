//! The customer's `GET /ui/me/opt-outs`: the numbers that opted out of
//! its messages (by a STOP keyword, the API, an import or this page), all
//! its senders or one, 100 a page, with when and how; a form that opts a
//! number out (`POST /ui/me/opt-outs`) and Remove per entry
//! (`POST /ui/me/opt-outs/remove`). Changes go through the account's
//! actor, as the API's do (`opt_outs.rs`), and hold for the next message.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::{error, info};

use super::guard::{CustomerPage, UiError};
use super::i18n::Text;
use super::layout::{Flash, Section, csrf_field, respond, respond_with, see_other};
use crate::actors::protocol::account::OptOutChange;
use crate::actors::web::opt_outs::{by_name, change, number, sender};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::store::{ListId, ListKey, ListedBy};

/// Entries on a page.
const PAGE_ROWS: usize = 100;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(list).service(add).service(remove);
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

async fn page(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = customer.logged.frame(Section::OptOuts, request.path());
    let opt_outs = ListId::OptOuts(customer.account.id.clone());
    let store = state.store.clone();
    let entries = web::block(move || store.list_page(&opt_outs, None, PAGE_ROWS))
        .await
        .map_err(|error| error.to_string())
        .and_then(|found| found.map_err(|error| error.to_string()))
        .map_err(|error| {
            error!(state.logger, "cannot read opt-outs for the web UI"; "error" => error);
            customer.logged.failed()
        })?;
    let session = &customer.logged.session;
    Ok(frame.page(frame.t(Text::OptOuts), flash, html! {
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
                                    form.inline method="post" action="/ui/me/opt-outs/remove" {
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
        h2 { (frame.t(Text::OptOutNumber)) }
        div.panel {
            form.stack method="post" action="/ui/me/opt-outs" {
                (csrf_field(session))
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel"; }
                label { (frame.t(Text::SenderOptional)) input type="text" name="sender"; }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    }))
}

#[get("/ui/me/opt-outs")]
async fn list(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let flash = done
        .done
        .as_ref()
        .map(|_| Flash::Ok(customer.logged.lang_text(Text::Saved)));
    Ok(respond(page(&request, &customer, &state, flash).await?))
}

/// Applies one change from `form`, or shows the page with its refusal.
async fn apply(
    request: &HttpRequest,
    customer: &CustomerPage,
    state: &WebState,
    form: &EntryForm,
    adding: bool,
) -> Result<HttpResponse, UiError> {
    customer.logged.check_csrf(&form.csrf)?;
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
            change(&customer.account, vec![one], ListedBy::Api).await
        }
        Err(problem) => Err(problem),
    };
    match changed {
        Ok(_) => {
            info!(state.logger, "opt-out changed in the web UI";
                "account" => %customer.account.id, "added" => adding);
            Ok(see_other("/ui/me/opt-outs?done=1"))
        }
        Err(problem) => refused(request, customer, state, &problem).await,
    }
}

async fn refused(
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
    )
    .await?;
    Ok(respond_with(problem.status(), markup))
}

#[post("/ui/me/opt-outs")]
async fn add(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<EntryForm>,
) -> Result<HttpResponse, UiError> {
    apply(&request, &customer, &state, &form, true).await
}

#[post("/ui/me/opt-outs/remove")]
async fn remove(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    form: web::Form<EntryForm>,
) -> Result<HttpResponse, UiError> {
    apply(&request, &customer, &state, &form, false).await
}
