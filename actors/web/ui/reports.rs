//! The report pages: the operator's `GET /ui/reports` (every account, or
//! one) and a customer's `GET /ui/me/reports` (its own, without cost,
//! margin or gateways): today's totals and a chart of messages per hour
//! (UTC), the daily report of a range of days (`from`, `to`, `group_by`)
//! with a chart of messages per day and, for the operator, of the delivery
//! ratio per gateway, and the monthly report of the last 12 months; each
//! table also as CSV (`/ui/reports/{today,daily,monthly}.csv`, and under
//! `/ui/me/reports/`). The figures and CSV are the report endpoints'
//! (`actors/web/reports.rs`); the charts are SVG drawn here.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Days;
use maud::{Markup, html};

use super::chart;
use super::guard::{AdminPage, CustomerPage, LoggedIn, UiError, UiErrorKind};
use super::i18n::Text;
use super::layout::{Flash, Frame, Section, account_ids, account_select, in_url, respond};
use crate::actors::web::reports::{
    Audience, Figures, Range, RangeQuery, SummaryReport, summary_csv, summary_report, today_csv,
    today_report,
};
use crate::actors::web::state::WebState;
use crate::summaries::Period;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(admin_page)
        .service(admin_csv)
        .service(customer_page)
        .service(customer_csv);
}

/// The page's query, as the API's (unknown parameters are ignored here).
fn asked(request: &HttpRequest) -> RangeQuery {
    #[derive(serde::Deserialize)]
    struct Loose {
        from: Option<String>,
        to: Option<String>,
        group_by: Option<String>,
        account: Option<String>,
    }
    web::Query::<Loose>::from_query(request.query_string())
        .map(|query| {
            let query = query.into_inner();
            RangeQuery {
                from: query.from.filter(|from| !from.is_empty()),
                to: query.to.filter(|to| !to.is_empty()),
                group_by: query.group_by,
                account: query.account.filter(|account| !account.is_empty()),
            }
        })
        .unwrap_or_default()
}

/// The query string of `range` for `audience`, for links.
fn link_query(range: &Range, audience: &Audience) -> String {
    let mut query = format!(
        "from={}&to={}&group_by={}",
        in_url(&range.from),
        in_url(&range.to),
        in_url(&range.group_name)
    );
    if audience.operator
        && let Some(account) = &audience.account
    {
        query.push_str(&format!("&account={}", in_url(account)));
    }
    query
}

#[get("/ui/reports")]
async fn admin_page(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    let asked = asked(&request);
    let audience = Audience::operator(asked.account.clone());
    let frame = admin.0.frame(Section::Reports, request.path());
    let accounts = account_ids(&state);
    page(&frame, &admin.0, &state, &audience, asked, Some(&accounts))
}

#[get("/ui/me/reports")]
async fn customer_page(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
) -> Result<HttpResponse, UiError> {
    let asked = asked(&request);
    let audience = Audience::customer(customer.account.id.as_str());
    let frame = customer.logged.frame(Section::Reports, request.path());
    page(&frame, &customer.logged, &state, &audience, asked, None)
}

#[get("/ui/reports/{file}")]
async fn admin_csv(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    file: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let asked = asked(&request);
    let audience = Audience::operator(asked.account.clone());
    export(&state, &admin.0, &audience, asked, &file)
}

#[get("/ui/me/reports/{file}")]
async fn customer_csv(
    request: HttpRequest,
    customer: CustomerPage,
    state: web::Data<WebState>,
    file: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let audience = Audience::customer(customer.account.id.as_str());
    export(&state, &customer.logged, &audience, asked(&request), &file)
}

/// `today.csv`, `daily.csv` or `monthly.csv`.
fn export(
    state: &WebState,
    logged: &LoggedIn,
    audience: &Audience,
    asked: RangeQuery,
    file: &str,
) -> Result<HttpResponse, UiError> {
    let board = &state.changes.account_starter.summaries;
    let not_found = || UiError::new(UiErrorKind::NotFound, logged.lang);
    let answer = match file {
        "today.csv" => today_csv(&today_report(board, audience), audience.operator),
        "daily.csv" | "monthly.csv" => {
            let period = if file == "daily.csv" {
                Period::Day
            } else {
                Period::Month
            };
            let range = asked.range(period, audience).map_err(|_| not_found())?;
            summary_csv(&summary_report(board, &range, audience), audience.operator)
        }
        _ => return Err(not_found()),
    };
    answer.map_err(|_| logged.failed())
}

fn page(
    frame: &Frame<'_>,
    logged: &LoggedIn,
    state: &WebState,
    audience: &Audience,
    asked: RangeQuery,
    accounts: Option<&[String]>,
) -> Result<HttpResponse, UiError> {
    let board = &state.changes.account_starter.summaries;
    let (range, flash) = match asked.range(Period::Day, audience) {
        Ok(range) => (range, None),
        Err(problem) => {
            let fallback = RangeQuery {
                account: asked.account.clone(),
                ..RangeQuery::default()
            };
            let range = fallback
                .range(Period::Day, audience)
                .map_err(|_| logged.failed())?;
            (range, Some(Flash::Bad(problem.to_string())))
        }
    };
    let monthly_query = RangeQuery {
        group_by: Some(range.group_name.clone()),
        account: asked.account.clone(),
        ..RangeQuery::default()
    };
    let months = monthly_query
        .range(Period::Month, audience)
        .map_err(|_| logged.failed())?;
    let today = today_report(board, audience);
    let daily = summary_report(board, &range, audience);
    let monthly = summary_report(board, &months, audience);
    let base = frame.path;
    let query = link_query(&range, audience);
    let hours: Vec<(String, f64)> = today
        .hours
        .iter()
        .map(|hour| {
            (
                hour.hour.get(11..13).unwrap_or("").to_owned(),
                hour.figures.messages as f64,
            )
        })
        .collect();
    let count = |value: f64| format!("{value:.0}");
    let content = html! {
        h2 { (frame.t(Text::Today)) " " (today.date) }
        p { a href=(format!("{base}/today.csv")) download { (frame.t(Text::ExportCsv)) } }
        (cards(frame, &today.totals))
        (chart::bars(frame.t(Text::PerHour), &hours, None, count))
        h2 { (frame.t(Text::Daily)) }
        (range_form(frame, &range, audience, accounts))
        (chart::bars(frame.t(Text::PerDay), &per_day(&range, &daily), None, count))
        @if audience.operator {
            (chart::bars(frame.t(Text::RatioPerGateway), &ratio_per_gateway(board, &range, audience), Some(1.0), |ratio| format!("{:.0}%", ratio * 100.0)))
        }
        p { a href=(format!("{base}/daily.csv?{query}")) download { (frame.t(Text::ExportCsv)) } }
        (table(frame, &daily, audience.operator))
        h2 { (frame.t(Text::Monthly)) }
        p { a href=(format!("{base}/monthly.csv?{}", link_query(&months, audience))) download { (frame.t(Text::ExportCsv)) } }
        (table(frame, &monthly, audience.operator))
    };
    Ok(respond(frame.page(frame.t(Text::Reports), flash, content)))
}

/// Each day of `range` with its messages (zero for a day without).
fn per_day(range: &Range, daily: &SummaryReport) -> Vec<(String, f64)> {
    let mut days = Vec::new();
    let mut day = range.days.0;
    while day <= range.days.1 {
        let label = day.format("%Y-%m-%d").to_string();
        let messages: u64 = daily
            .rows
            .iter()
            .filter(|row| row.period == label)
            .map(|row| row.figures.messages)
            .sum();
        days.push((label.get(5..).unwrap_or("").to_owned(), messages as f64));
        let Some(next) = day.checked_add_days(Days::new(1)) else {
            break;
        };
        day = next;
    }
    days
}

/// Each gateway's delivery ratio over `range`.
fn ratio_per_gateway(
    board: &crate::actors::pipeline::summaries::SummaryBoard,
    range: &Range,
    audience: &Audience,
) -> Vec<(String, f64)> {
    let by_gateway = Range {
        group_by: crate::summaries::GroupBy::Gateway,
        group_name: "gateway".into(),
        ..range.clone()
    };
    let report = summary_report(board, &by_gateway, audience);
    let mut gateways: Vec<(String, f64)> = Vec::new();
    let mut sums: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for row in &report.rows {
        let sum = sums.entry(row.group.clone()).or_default();
        sum.0 += row.figures.delivered;
        sum.1 += row.figures.delivered + row.figures.failed;
    }
    for (gateway, (delivered, ended)) in sums {
        if ended > 0 {
            gateways.push((gateway, delivered as f64 / ended as f64));
        }
    }
    gateways
}

fn cards(frame: &Frame<'_>, totals: &Figures) -> Markup {
    html! {
        div.cards {
            div.card { div.label { (frame.t(Text::Messages)) } div.value data-figure="messages" { (totals.messages) } }
            div.card { div.label { (frame.t(Text::Parts)) } div.value data-figure="parts" { (totals.parts) } }
            div.card { div.label { (frame.t(Text::DeliveredCount)) } div.value data-figure="delivered" { (totals.delivered) } }
            div.card { div.label { (frame.t(Text::FailedCount)) } div.value data-figure="failed" { (totals.failed) } }
            div.card { div.label { (frame.t(Text::Credit)) } div.value data-figure="credit" { (totals.credit) } }
            @if let (Some(cost), Some(margin)) = (&totals.cost, &totals.margin) {
                div.card { div.label { (frame.t(Text::Cost)) } div.value data-figure="cost" { (cost) } }
                div.card { div.label { (frame.t(Text::Margin)) } div.value data-figure="margin" { (margin) } }
            }
        }
    }
}

fn range_form(
    frame: &Frame<'_>,
    range: &Range,
    audience: &Audience,
    accounts: Option<&[String]>,
) -> Markup {
    let mut groups = vec![
        ("operator", Text::Operator),
        ("account", Text::Account),
        ("route", Text::Route),
    ];
    if audience.operator {
        groups.push(("gateway", Text::Gateway));
    }
    html! {
        form.inline method="get" action=(frame.path) {
            label { (frame.t(Text::FromDay)) input type="date" name="from" value=(range.from); }
            label { (frame.t(Text::ToDay)) input type="date" name="to" value=(range.to); }
            label { (frame.t(Text::GroupBy))
                select name="group_by" {
                    @for (value, text) in &groups {
                        @if *value == range.group_name {
                            option value=(value) selected { (frame.t(*text)) }
                        } @else {
                            option value=(value) { (frame.t(*text)) }
                        }
                    }
                }
            }
            @if let Some(accounts) = accounts {
                label { (frame.t(Text::Account))
                    (account_select("account", accounts, audience.account.as_deref(), frame.t(Text::AllAccounts)))
                }
            }
            button type="submit" { (frame.t(Text::Show)) }
        }
    }
}

fn table(frame: &Frame<'_>, report: &SummaryReport, operator: bool) -> Markup {
    let ratio = |ratio: Option<f64>| ratio.map(|ratio| format!("{:.1}%", ratio * 100.0));
    let dash = |value: Option<String>| value.unwrap_or_else(|| "–".into());
    let with_country = report.group_by == "operator";
    html! {
        div.table-wrap {
            table data-report=(report.period) {
                thead { tr {
                    th { (frame.t(Text::Date)) }
                    th { (frame.t(Text::Group)) }
                    @if with_country { th { (frame.t(Text::Country)) } }
                    th.num { (frame.t(Text::Messages)) }
                    th.num { (frame.t(Text::Parts)) }
                    th.num { (frame.t(Text::DeliveredCount)) }
                    th.num { (frame.t(Text::FailedCount)) }
                    th.num { (frame.t(Text::Ratio)) }
                    th.num { (frame.t(Text::Credit)) }
                    th.num { (frame.t(Text::UnitPrice)) }
                    @if operator {
                        th.num { (frame.t(Text::Cost)) }
                        th.num { (frame.t(Text::Margin)) }
                        th.num { (frame.t(Text::UnitCost)) }
                    }
                } }
                tbody {
                    @for row in &report.rows {
                        tr {
                            td { (row.period) }
                            td { (row.group) }
                            @if with_country { td { (row.country.as_deref().unwrap_or("")) } }
                            (figure_cells(&row.figures, operator, &ratio, &dash))
                        }
                    }
                }
                tfoot { tr {
                    th { (frame.t(Text::Total)) }
                    th {}
                    @if with_country { th {} }
                    (figure_cells(&report.totals, operator, &ratio, &dash))
                } }
            }
        }
    }
}

fn figure_cells(
    figures: &Figures,
    operator: bool,
    ratio: &impl Fn(Option<f64>) -> Option<String>,
    dash: &impl Fn(Option<String>) -> String,
) -> Markup {
    html! {
        td.num { (figures.messages) }
        td.num { (figures.parts) }
        td.num { (figures.delivered) }
        td.num { (figures.failed) }
        td.num { (dash(ratio(figures.delivery_ratio))) }
        td.num { (figures.credit) }
        td.num { (dash(figures.unit_price.clone())) }
        @if operator {
            td.num { (dash(figures.cost.clone())) }
            td.num { (dash(figures.margin.clone())) }
            td.num { (dash(figures.unit_cost.clone())) }
        }
    }
}
