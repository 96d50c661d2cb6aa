//! The operator's polls: `GET /ui/polls` (every poll, open or closed, and
//! a form that creates one, `POST /ui/polls`), `GET /ui/polls/{id}` (its
//! question and votes per option, counted as the API counts them),
//! `GET /ui/polls/{id}/votes.csv` (its votes, the API's CSV),
//! `POST /ui/polls/{id}/close` (later votes are not counted) and
//! `POST /ui/polls/{id}/delete` (the poll and its votes). Through the
//! admin API's calls (`actors::admin::mo_apps`) and its results and CSV
//! (`actors/web/polls.rs`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use slog::{error, info};

use super::guard::{AdminPage, CsrfForm, Done, UiError, UiErrorKind, filled, refused};
use super::i18n::Text;
use super::layout::{
    Flash, Frame, Section, Tone, account_ids, account_select, csrf_field, respond, see_other,
};
use crate::actors::admin::AdminError;
use crate::actors::web::polls::{results, votes_csv};
use crate::actors::web::problem::Problem;
use crate::actors::web::state::WebState;
use crate::mo_apps::poll::{Poll, PollOption};

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(list)
        .service(create)
        .service(read)
        .service(votes)
        .service(close)
        .service(delete);
}

/// Every field may be missing: an empty one is refused with the reason
/// on the page, a missing token as any forged form.
#[derive(Deserialize, Default)]
#[serde(default)]
struct PollForm {
    csrf: String,
    id: String,
    account: String,
    number: String,
    keyword: String,
    question: String,
    options: String,
    closes_at: String,
    reply_text: String,
    closed_text: String,
}

/// A form's date and time, in UTC: what a `datetime-local` field posts
/// (`2026-12-31T18:00`), with or without seconds, or with a space.
fn closes_at(text: &str) -> Option<DateTime<Utc>> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
        .map(|time| time.and_utc())
}

/// `A, B=Bee, C`: the options in order, each a code and maybe a label.
fn options(text: &str) -> Vec<PollOption> {
    text.split(',')
        .filter_map(filled)
        .map(|option| {
            let (code, label) = option.split_once('=').unwrap_or((option, ""));
            PollOption {
                code: code.trim().to_owned(),
                label: label.trim().to_owned(),
            }
        })
        .collect()
}

/// Open or closed, as a badge.
fn state_badge(frame: &Frame, open: bool) -> Markup {
    if open {
        frame.badge(frame.t(Text::PollOpen), Tone::Ok)
    } else {
        frame.badge(frame.t(Text::PollClosed), Tone::Warn)
    }
}

fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Result<Markup, UiError> {
    let frame = admin.0.frame(Section::Polls, request.path());
    let mut polls = state.changes.mo_apps.current().polls.clone();
    polls.sort_by(|a, b| a.id.cmp(&b.id));
    let now = Utc::now();
    let session = &admin.0.session;
    Ok(frame.page(frame.t(Text::Polls), flash, html! {
        @if polls.is_empty() {
            p.muted { (frame.t(Text::NoPolls)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Id)) }
                        th { (frame.t(Text::Question)) }
                        th { (frame.t(Text::Account)) }
                        th { (frame.t(Text::Number)) }
                        th { (frame.t(Text::Keyword)) }
                        th { (frame.t(Text::ClosesAt)) }
                        th { (frame.t(Text::State)) }
                    } }
                    tbody {
                        @for poll in &polls {
                            tr data-poll=(poll.id) {
                                td { a href=(format!("/ui/polls/{}", poll.id)) { code { (poll.id) } } }
                                td { (poll.question) }
                                td { (poll.account) }
                                td { (poll.number) }
                                td { @match &poll.keyword { Some(keyword) => code { (keyword) }, None => "–" } }
                                td { (poll.closed_at.unwrap_or(poll.closes_at).format("%Y-%m-%d %H:%M")) }
                                td { (state_badge(&frame, poll.is_open(now))) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (frame.t(Text::NewPoll)) }
        div.panel {
            form.stack method="post" action="/ui/polls" {
                (csrf_field(session))
                label { (frame.t(Text::Id)) input type="text" name="id" required pattern="[A-Za-z0-9._-]{1,64}"; }
                label { (frame.t(Text::Question)) input type="text" name="question" required; }
                label { (frame.t(Text::Account)) (account_select("account", &account_ids(state), None, "–")) }
                label { (frame.t(Text::Number)) input type="text" name="number" required inputmode="tel" placeholder="5555"; }
                label { (frame.t(Text::KeywordOptional)) input type="text" name="keyword" placeholder="VOTE"; }
                label { (frame.t(Text::PollOptions)) input type="text" name="options" required placeholder="A=Yes, B=No"; }
                label { (frame.t(Text::ClosesAt)) input type="datetime-local" name="closes_at" required; }
                label { (frame.t(Text::VoteReply)) input type="text" name="reply_text"; }
                label { (frame.t(Text::ClosedReply)) input type="text" name="closed_text"; }
                button type="submit" { (frame.t(Text::Create)) }
            }
        }
    }))
}

#[get("/ui/polls")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let flash = done.saved(&admin.0);
    Ok(respond(page(&request, &admin, &state, flash)?))
}

#[post("/ui/polls")]
async fn create(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<PollForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let Some(closes_at) = closes_at(&form.closes_at) else {
        let problem = Problem::new(
            StatusCode::BAD_REQUEST,
            admin.0.lang_text(Text::NotADateTime),
        );
        return refused(&problem, |flash| page(&request, &admin, &state, flash));
    };
    let poll = Poll {
        id: form.id.trim().to_owned(),
        account: form.account.trim().to_owned(),
        number: form.number.trim().to_owned(),
        keyword: filled(&form.keyword).map(str::to_owned),
        question: form.question.trim().to_owned(),
        options: options(&form.options),
        closes_at,
        reply_text: filled(&form.reply_text).map(str::to_owned),
        closed_text: filled(&form.closed_text).map(str::to_owned),
        created_at: Utc::now(),
        closed_at: None,
    };
    match state.changes.create_poll(poll).await {
        Ok(poll) => {
            info!(state.logger, "poll created in the web UI"; "poll" => &poll.id);
            Ok(see_other(format!("/ui/polls/{}?done=1", poll.id)))
        }
        Err(error) => refused(&Problem::from(error), |flash| {
            page(&request, &admin, &state, flash)
        }),
    }
}

#[get("/ui/polls/{id}")]
async fn read(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    done: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let poll = find(&admin, &state, &id)?;
    let counted = results(&state, &poll).await.map_err(|problem| {
        error!(state.logger, "cannot count a poll's votes for the web UI"; "error" => %problem);
        admin.0.failed()
    })?;
    let frame = admin.0.frame(Section::Polls, request.path());
    let flash = done.saved(&admin.0);
    let view = &counted.poll;
    let content = html! {
        p { (view.question) " " (state_badge(&frame, view.open)) }
        p.muted {
            (view.account) " · " (view.number)
            @if let Some(keyword) = &view.keyword { " · " code { (keyword) } }
            " · " (frame.t(Text::ClosesAt)) " " (view.closed_at.unwrap_or(view.closes_at).format("%Y-%m-%d %H:%M"))
        }
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::PollOption)) }
                    th { (frame.t(Text::Label)) }
                    th.num { (frame.t(Text::Votes)) }
                } }
                tbody {
                    @for count in &counted.counts {
                        tr data-option=(count.code) {
                            td { code { (count.code) } }
                            td { (count.label) }
                            td.num data-votes { (count.votes) }
                        }
                    }
                }
            }
        }
        div.cards {
            div.card { div.label { (frame.t(Text::Voters)) } div.value data-total { (counted.total) } }
        }
        div.actions {
            a.button href=(format!("/ui/polls/{}/votes.csv", view.id)) download { (frame.t(Text::VotesCsv)) }
            @if view.open {
                form.inline method="post" action=(format!("/ui/polls/{}/close", view.id)) {
                    (csrf_field(&admin.0.session))
                    button.danger type="submit" { (frame.t(Text::CloseNow)) }
                }
            }
            form.inline method="post" action=(format!("/ui/polls/{}/delete", view.id)) {
                (csrf_field(&admin.0.session))
                button.danger type="submit" { (frame.t(Text::DeletePoll)) }
            }
        }
        p { a href="/ui/polls" { (frame.t(Text::Back)) } }
    };
    Ok(respond(frame.page(&view.id, flash, content)))
}

/// The poll `id`, or the page's 404.
fn find(admin: &AdminPage, state: &WebState, id: &str) -> Result<Poll, UiError> {
    state
        .changes
        .mo_apps
        .current()
        .polls
        .iter()
        .find(|poll| poll.id == id)
        .cloned()
        .ok_or_else(|| UiError::new(UiErrorKind::NotFound, admin.0.lang))
}

#[get("/ui/polls/{id}/votes.csv")]
async fn votes(
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let poll = find(&admin, &state, &id)?;
    votes_csv(&state, &poll).await.map_err(|problem| {
        error!(state.logger, "cannot list a poll's votes for the web UI"; "error" => %problem);
        admin.0.failed()
    })
}

#[post("/ui/polls/{id}/close")]
async fn close(
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let closed = state.changes.close_poll(&id).await.map(drop);
    applied(
        &admin,
        &state,
        closed,
        "closed",
        format!("/ui/polls/{id}?done=1"),
    )
}

#[post("/ui/polls/{id}/delete")]
async fn delete(
    admin: AdminPage,
    state: web::Data<WebState>,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let deleted = state.changes.delete_poll(&id).await;
    applied(
        &admin,
        &state,
        deleted,
        "deleted",
        "/ui/polls?done=1".to_owned(),
    )
}

/// The answer to a change of a poll (`done`, logged): to `then`, or 404
/// when the poll is not there, or the failure page.
fn applied(
    admin: &AdminPage,
    state: &WebState,
    outcome: Result<(), AdminError>,
    done: &str,
    then: String,
) -> Result<HttpResponse, UiError> {
    match outcome {
        Ok(()) => {
            info!(state.logger, "poll changed in the web UI"; "change" => done);
            Ok(see_other(then))
        }
        Err(error) => {
            let problem = Problem::from(error);
            if problem.status().is_client_error() {
                return Err(UiError::new(UiErrorKind::NotFound, admin.0.lang));
            }
            error!(state.logger, "cannot change a poll from the web UI"; "change" => done, "error" => %problem);
            Err(admin.0.failed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forms_options_and_time_are_read() {
        let given = options(" A=Yes, b ,, C = Sea ");
        let pairs: Vec<(&str, &str)> = given
            .iter()
            .map(|option| (option.code.as_str(), option.label.as_str()))
            .collect();
        assert_eq!(pairs, [("A", "Yes"), ("b", ""), ("C", "Sea")]);
        assert_eq!(
            closes_at("2026-12-31T18:00").map(|time| time.to_rfc3339()),
            Some("2026-12-31T18:00:00+00:00".to_owned())
        );
        assert!(closes_at("2026-12-31 18:00").is_some());
        assert!(closes_at("tomorrow").is_none());
    }
}
