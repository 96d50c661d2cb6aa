//! The operator's `GET /ui/quality`: route quality as the report
//! endpoint builds it (`route_quality.rs`), per gateway and destination
//! operator over the last window and the last 24 windows (submits,
//! receipts by state, missing receipts, delivery ratio, latency, what the
//! probes found, cost, price and margin), the alerts in force, and where
//! each `least_cost` and `quality` route stands with its latest automatic
//! changes; and `POST /ui/quality/probes`, the API's "send probes now".

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use slog::info;

use super::guard::{AdminPage, CsrfForm, UiError};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, Tone, csrf_field, respond, respond_with, see_other};
use crate::actors::web::route_quality::{Figures, GatewayQuality, ask_for_probes, report};
use crate::actors::web::state::WebState;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(read).service(send_probes);
}

#[derive(Deserialize)]
struct Done {
    probes: Option<String>,
}

/// `seconds` as a person says it: "45 s", "5 min", "1 h".
fn span(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.0} h", seconds / 3600.0)
    }
}

/// A figure that may be unknown, "–" then.
fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "–".to_owned())
}

/// An RFC 3339 time of the report as the other pages show times.
fn moment(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_owned(),
        |at| at.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// One row of a window's tables: whose figures (a gateway with all its
/// operators, or one operator of the gateway above) and the figures.
struct Row<'a> {
    gateway: &'a str,
    operator: Option<&'a str>,
    figures: &'a Figures,
}

impl Row<'_> {
    /// The first cell: the gateway, or the operator under it.
    fn who(&self, frame: &Frame<'_>) -> Markup {
        html! {
            @match self.operator {
                None => td { strong { code { (self.gateway) } } " " span.muted { (frame.t(Text::AllOperators)) } },
                Some(operator) => td { span.muted { "↳ " } (operator) },
            }
        }
    }

    /// Marks a gateway's total row for the browser test.
    fn total(&self) -> Option<&str> {
        self.operator.is_none().then_some(self.gateway)
    }
}

/// Every gateway (all its operators, then each one) with its figures of
/// the last window, or of the last 24 windows when `last_day`.
fn rows(gateways: &[GatewayQuality], last_day: bool) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for gateway in gateways {
        let pick = |last_hour, last_24h| if last_day { last_24h } else { last_hour };
        rows.push(Row {
            gateway: &gateway.gateway,
            operator: None,
            figures: pick(&gateway.last_hour, &gateway.last_24h),
        });
        for operator in &gateway.operators {
            rows.push(Row {
                gateway: &gateway.gateway,
                operator: Some(&operator.operator),
                figures: pick(&operator.last_hour, &operator.last_24h),
            });
        }
    }
    rows
}

/// One stretch's figures in two tables: what the gateways delivered and
/// how fast; what the probes found and what the traffic cost and earned.
fn window_tables(frame: &Frame<'_>, gateways: &[GatewayQuality], last_day: bool) -> Markup {
    if gateways.is_empty() {
        return html! { p.muted { (frame.t(Text::NothingMeasured)) } };
    }
    let rows = rows(gateways, last_day);
    let window = if last_day { "day" } else { "last" };
    let seconds = |value: Option<f64>| or_dash(value.map(|s| format!("{s:.1} s")));
    // A grey route's sign stands out.
    let sign = |count: u64| {
        if count > 0 {
            frame.badge(&count.to_string(), Tone::Bad)
        } else {
            html! { "0" }
        }
    };
    html! {
        div.table-wrap {
            table data-window=(window) data-table="delivery" {
                thead { tr {
                    th { (frame.t(Text::Gateway)) }
                    th.num { (frame.t(Text::SubmitsAccepted)) }
                    th.num { (frame.t(Text::SubmitsRefused)) }
                    th.num { (frame.t(Text::DeliveredCount)) }
                    th.num { (frame.t(Text::Undelivered)) }
                    th.num { (frame.t(Text::Expired)) }
                    th.num { (frame.t(Text::MissingReceipts)) }
                    th.num { (frame.t(Text::DeliveryRatio)) }
                    th.num { (frame.t(Text::Latency)) }
                } }
                tbody {
                    @for row in &rows {
                        @let figures = row.figures;
                        tr data-gateway=[row.total()] {
                            (row.who(frame))
                            td.num { (figures.accepted) }
                            td.num { (figures.refused) }
                            td.num { (figures.receipts.delivered) }
                            td.num { (figures.receipts.undelivered) }
                            td.num { (figures.receipts.expired) }
                            td.num { (figures.missing) }
                            td.num data-ratio {
                                (or_dash(figures.delivery_ratio.map(|ratio| format!("{:.1} %", ratio * 100.0))))
                            }
                            td.num { (seconds(figures.latency_p50_s)) " / " (seconds(figures.latency_p95_s)) }
                        }
                    }
                }
            }
        }
        div.table-wrap {
            table data-window=(window) data-table="probes" {
                thead { tr {
                    th { (frame.t(Text::Gateway)) }
                    th.num { (frame.t(Text::ProbesArrived)) }
                    th.num { (frame.t(Text::FakeReceipts)) }
                    th.num { (frame.t(Text::AlteredTexts)) }
                    th.num { (frame.t(Text::RewrittenSenders)) }
                    th.num { (frame.t(Text::Cost)) }
                    th.num { (frame.t(Text::Price)) }
                    th.num { (frame.t(Text::Margin)) }
                } }
                tbody {
                    @for row in &rows {
                        @let figures = row.figures;
                        tr data-gateway=[row.total()] {
                            (row.who(frame))
                            td.num { (figures.probes_arrived) " / " (figures.probes) }
                            td.num data-fake { (sign(figures.fake_receipts)) }
                            td.num data-altered { (sign(figures.probes_altered)) }
                            td.num data-rewritten { (sign(figures.probes_sender_rewritten)) }
                            td.num { (figures.cost) }
                            td.num { (figures.price) }
                            td.num { (figures.margin) }
                        }
                    }
                }
            }
        }
    }
}

/// What an automatic change's code says, in the page's language.
fn change_text(change: &str) -> Text {
    match change {
        "taken_out" => Text::ChangeTakenOut,
        "restored" => Text::ChangeRestored,
        _ => Text::ChangePreferred,
    }
}

fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
) -> Markup {
    let frame = admin.0.frame(Section::Quality, request.path());
    let report = report(state, frame.lang);
    let window = span(report.window_s);
    let day = span(report.window_s * 24.0);
    let probing = state.changes.route_starter.quality.probing();
    let content = html! {
        div.panel {
            @if probing {
                form.inline method="post" action="/ui/quality/probes" {
                    (csrf_field(&admin.0.session))
                    button type="submit" { (frame.t(Text::SendProbes)) }
                    span.muted { (frame.t(Text::ProbesExplained)) }
                }
            } @else {
                p.muted { (frame.t(Text::NoProbes)) }
            }
        }
        h2 { (frame.t(Text::AlertsInForce)) }
        @if report.alerts.is_empty() {
            p.muted data-alerts="none" { (frame.t(Text::NoAlerts)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (frame.t(Text::Gateway)) }
                        th { (frame.t(Text::Kind)) }
                        th { (frame.t(Text::Reason)) }
                        th { (frame.t(Text::When)) }
                    } }
                    tbody {
                        @for alert in &report.alerts {
                            tr data-alert=(alert.gateway) {
                                td { code { (alert.gateway) } }
                                td { (frame.badge(&alert.kind, Tone::Bad)) }
                                td { (alert.reason) }
                                td { (moment(&alert.since)) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (frame.t(Text::LastWindow)) " · " (window) }
        (window_tables(&frame, &report.gateways, false))
        h2 { (frame.t(Text::Last24Windows)) " · " (day) }
        (window_tables(&frame, &report.gateways, true))
        h2 { (frame.t(Text::QualityRoutes)) }
        @if report.routes.is_empty() {
            p.muted { (frame.t(Text::NoQualityRoutes)) }
        }
        @for route in &report.routes {
            div.panel data-route=(route.prefix) {
                p {
                    strong { (frame.t(Text::Prefix)) " " code { (route.prefix) } }
                    " · " (frame.t(Text::Mode)) " " code { (route.mode) }
                    " · " (frame.t(Text::PreferredGateway)) " "
                    code data-preferred { (or_dash(route.preferred.clone())) }
                    " · " (frame.t(Text::TakenOut)) " "
                    @if route.taken_out.is_empty() {
                        "–"
                    } @else {
                        @for gateway in &route.taken_out {
                            (frame.badge(gateway, Tone::Warn)) " "
                        }
                    }
                }
                @if route.changes.is_empty() {
                    p.muted { (frame.t(Text::NoChanges)) }
                } @else {
                    div.table-wrap {
                        table {
                            thead { tr {
                                th { (frame.t(Text::When)) }
                                th { (frame.t(Text::Change)) }
                                th { (frame.t(Text::Gateway)) }
                                th { (frame.t(Text::Before)) }
                                th { (frame.t(Text::Reason)) }
                            } }
                            tbody {
                                // Newest first.
                                @for change in route.changes.iter().rev() {
                                    tr {
                                        td { (moment(&change.at)) }
                                        td { (frame.t(change_text(&change.change))) }
                                        td { code { (change.gateway) } }
                                        td { (or_dash(change.from.clone())) }
                                        td { (change.reason) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    frame.page(frame.t(Text::RouteQuality), flash, content)
}

#[get("/ui/quality")]
async fn read(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    done: web::Query<Done>,
) -> HttpResponse {
    let flash = done
        .probes
        .as_ref()
        .map(|_| Flash::Ok(admin.0.lang_text(Text::ProbesSent)));
    respond(page(&request, &admin, &state, flash))
}

#[post("/ui/quality/probes")]
async fn send_probes(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    match ask_for_probes(&state) {
        Ok(()) => {
            info!(state.logger, "probes asked for in the web UI");
            Ok(see_other("/ui/quality?probes=sent"))
        }
        Err(problem) => {
            let markup = page(
                &request,
                &admin,
                &state,
                Some(Flash::Bad(problem.to_string())),
            );
            Ok(respond_with(problem.status(), markup))
        }
    }
}
