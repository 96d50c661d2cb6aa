//! `GET /ui/`: the operator's dashboard (a customer is sent to its own
//! home), and `GET /ui/events`, the server-sent events that keep its
//! figures live: messages per second in (accepted) and out (acknowledged
//! by gateways), bound ESME sessions, messages queued at gateways and
//! gateways up, once a second. The page shows every figure without
//! JavaScript; the script only updates them.

use std::time::{Duration, Instant};

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::html;
use serde::Serialize;

use super::guard::{AdminPage, LoggedIn, UiError};
use super::i18n::Text;
use super::layout::{Section, Tone, live_script, respond, see_other};
use super::session::Who;
use crate::actors::protocol::gateway::{GatewayView, Inspect};
use crate::actors::web::state::WebState;
use crate::metrics;

/// How often the live figures are sent.
const TICK: Duration = Duration::from_secs(1);

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(home).service(events);
}

/// The figures the dashboard shows and the events carry.
#[derive(Serialize)]
struct Figures {
    accounts: usize,
    sessions: usize,
    gateways_up: String,
    queued: usize,
    in_rate: String,
    out_rate: String,
}

/// Every gateway's live view, in the configured order; a gateway whose
/// actor does not answer (restarting) is left out.
async fn gateway_views(state: &WebState) -> Vec<GatewayView> {
    let mut views = Vec::new();
    for gateway in state.changes.route_starter.gateways.all() {
        if let Ok(view) = gateway.actor.inspect.send(Inspect).await {
            views.push(view);
        }
    }
    views
}

fn figures(state: &WebState, views: &[GatewayView], rates: Option<(f64, f64)>) -> Figures {
    let up = views.iter().filter(|view| view.summary().up).count();
    let rate =
        |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |rate| format!("{rate:.0}"));
    Figures {
        accounts: state.directory.accounts().len(),
        sessions: state.sessions.list().len(),
        gateways_up: format!("{up} / {}", views.len()),
        queued: views.iter().map(|view| view.summary().queued).sum(),
        in_rate: rate(rates.map(|(accepted, _)| accepted)),
        out_rate: rate(rates.map(|(_, submitted)| submitted)),
    }
}

#[get("/ui/")]
async fn home(
    request: HttpRequest,
    logged: LoggedIn,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    if let Who::Customer(_) = logged.session.who {
        return Ok(see_other("/ui/me"));
    }
    let frame = logged.frame(Section::Dashboard, request.path());
    let views = gateway_views(&state).await;
    let figures = figures(&state, &views, None);
    let card = |label: Text, key: &str, value: String| {
        html! {
            div.card {
                div.label { (frame.t(label)) }
                div.value data-live=(key) { (value) }
            }
        }
    };
    let content = html! {
        section.cards aria-label=(frame.t(Text::Live)) {
            (card(Text::MessagesIn, "in_rate", figures.in_rate.clone()))
            (card(Text::MessagesOut, "out_rate", figures.out_rate.clone()))
            (card(Text::BoundSessions, "sessions", figures.sessions.to_string()))
            (card(Text::QueuedAtGateways, "queued", figures.queued.to_string()))
            (card(Text::GatewaysUp, "gateways_up", figures.gateways_up.clone()))
            (card(Text::AccountsCount, "accounts", figures.accounts.to_string()))
        }
        h2 { (frame.t(Text::Gateways)) }
        div.table-wrap {
            table {
                thead { tr {
                    th { (frame.t(Text::Name)) }
                    th { (frame.t(Text::Kind)) }
                    th { (frame.t(Text::State)) }
                    th.num { (frame.t(Text::Queue)) }
                    th.num { (frame.t(Text::InFlight)) }
                } }
                tbody {
                    @for view in &views {
                        @let summary = view.summary();
                        tr {
                            td { code { (summary.name) } }
                            td { (summary.kind) }
                            td {
                                @if summary.stopped {
                                    (frame.badge(frame.t(Text::Stopped), Tone::Warn))
                                } @else if summary.up {
                                    (frame.badge(frame.t(Text::Up), Tone::Ok))
                                } @else {
                                    (frame.badge(frame.t(Text::Down), Tone::Bad))
                                }
                            }
                            td.num { (summary.queued) }
                            td.num { (summary.in_flight) }
                        }
                    }
                }
            }
        }
        (live_script())
    };
    Ok(respond(frame.page(frame.t(Text::Dashboard), None, content)))
}

/// The live figures, one event a second, until the session ends or the
/// browser goes.
#[get("/ui/events")]
async fn events(AdminPage(logged): AdminPage, state: web::Data<WebState>) -> HttpResponse {
    let start = (Instant::now(), metrics::global().totals());
    let stream = futures_util::stream::unfold(
        (state, logged.cookie, start),
        |(state, cookie, (then, (accepted, submitted)))| async move {
            tokio::time::sleep(TICK).await;
            state.ui_sessions.find(&cookie)?;
            let now = Instant::now();
            let (accepted_now, submitted_now) = metrics::global().totals();
            let seconds = now.duration_since(then).as_secs_f64().max(f64::EPSILON);
            let rates = (
                accepted_now.saturating_sub(accepted) as f64 / seconds,
                submitted_now.saturating_sub(submitted) as f64 / seconds,
            );
            let views = gateway_views(&state).await;
            let figures = figures(&state, &views, Some(rates));
            let data = serde_json::to_string(&figures).unwrap_or_default();
            let event = web::Bytes::from(format!("data: {data}\n\n"));
            Some((
                Ok::<_, actix_web::Error>(event),
                (state, cookie, (now, (accepted_now, submitted_now))),
            ))
        },
    );
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .streaming(stream)
}
