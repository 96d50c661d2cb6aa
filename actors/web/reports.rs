//! Report summaries (SPEC §6.4): `GET /api/v1/reports/today` (per UTC
//! hour of today, with totals), `GET /api/v1/reports/daily?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=`
//! and `GET /api/v1/reports/monthly?from=YYYY-MM&to=YYYY-MM&group_by=`
//! (`group_by` one of `operator`, `account`, `gateway`, `route`), as JSON or,
//! with `Accept: text/csv`, as CSV. Read from the summary board's tallies,
//! never from the messages. A customer sees its own account only, and
//! never cost, margin or gateways (the operator's business: grouping by
//! gateway is refused); the operator sees every account, or the one
//! `account=` names. The web UI's report pages build the same views.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Caller;
use super::csv_file::csv_attachment;
use super::messages_list::wants_csv;
use super::problem::Problem;
use super::state::WebState;
use crate::actors::pipeline::summaries::SummaryBoard;
use crate::api::FieldError;
use crate::model::Money;
use crate::summaries::{GroupBy, Period, Tally};

/// The longest daily report, in days.
pub const MAX_DAYS: u64 = 366;
/// The longest monthly report, in months.
pub const MAX_MONTHS: u32 = 36;

/// Registers this file's routes.
pub fn configure(config: &mut ServiceConfig) {
    config.service(today).service(daily).service(monthly);
}

/// Who a report is for: every account or one, with or without what the
/// operator alone sees (cost, margin, gateways).
#[derive(Debug, Clone)]
pub(in crate::actors::web) struct Audience {
    /// Only this account's figures.
    pub account: Option<String>,
    /// Cost, margin and gateways shown.
    pub operator: bool,
}

impl Audience {
    /// The operator, for every account or the one `account` names.
    pub fn operator(account: Option<String>) -> Audience {
        Audience {
            account: account.filter(|account| !account.is_empty()),
            operator: true,
        }
    }

    /// A customer, for its own account.
    pub fn customer(account: &str) -> Audience {
        Audience {
            account: Some(account.to_owned()),
            operator: false,
        }
    }

    fn of(caller: &Caller, account: Option<String>) -> Result<Audience, Problem> {
        match caller {
            Caller::Operator => Ok(Audience::operator(account)),
            Caller::Customer(customer) => {
                if account.is_some_and(|account| account != customer.id.as_str()) {
                    return Err(field(
                        StatusCode::FORBIDDEN,
                        "account",
                        "a customer sees its own account only".into(),
                    ));
                }
                Ok(Audience::customer(customer.id.as_str()))
            }
        }
    }
}

fn field(status: StatusCode, name: &str, detail: String) -> Problem {
    Problem::with_field(
        status,
        FieldError {
            field: name.into(),
            detail,
        },
    )
}

fn bad(name: &str, detail: String) -> Problem {
    field(StatusCode::BAD_REQUEST, name, detail)
}

/// The figures of one hour, day, month or group. Cost, margin and unit
/// cost are the operator's only (absent for a customer).
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct Figures {
    /// Messages accepted (a long message once).
    pub messages: u64,
    /// Parts accepted (what is charged).
    pub parts: u64,
    /// Parts that ended DELIVRD.
    pub delivered: u64,
    /// Parts that ended in any other final state.
    pub failed: u64,
    pub undelivered: u64,
    pub expired: u64,
    /// Refused by the gateway (refunded).
    pub rejected: u64,
    /// Any other final state (DELETED, UNKNOWN, FAILED).
    pub other: u64,
    /// Credit used: charged less refunded.
    pub credit: String,
    /// Credit given back.
    pub refunded: String,
    /// What the gateways charge for the parts they took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    /// Credit less cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<String>,
    /// DELIVRD over parts that ended; null while none has.
    pub delivery_ratio: Option<f64>,
    /// Credit per part; null without parts.
    pub unit_price: Option<String>,
    /// Cost per part a gateway took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<String>,
}

/// The columns of [`Figures::cells`].
const COLUMNS: [&str; 12] = [
    "messages",
    "parts",
    "delivered",
    "failed",
    "undelivered",
    "expired",
    "rejected",
    "other",
    "credit",
    "refunded",
    "delivery_ratio",
    "unit_price",
];
/// The operator's columns after those.
const OPERATOR_COLUMNS: [&str; 3] = ["cost", "margin", "unit_cost"];

fn money(amount: Option<Money>) -> Option<String> {
    amount.map(|amount| amount.to_string())
}

impl Figures {
    fn of(tally: &Tally, audience: &Audience) -> Figures {
        let operator = |amount: Option<Money>| money(amount.filter(|_| audience.operator));
        Figures {
            messages: tally.messages,
            parts: tally.parts,
            delivered: tally.delivered,
            failed: tally.failed(),
            undelivered: tally.undelivered,
            expired: tally.expired,
            rejected: tally.rejected,
            other: tally.other,
            credit: tally.credit().to_string(),
            refunded: tally.refunded.to_string(),
            cost: operator(Some(tally.cost)),
            margin: operator(Some(tally.margin())),
            delivery_ratio: tally.delivery_ratio(),
            unit_price: money(tally.unit_price()),
            unit_cost: operator(tally.unit_cost()),
        }
    }

    /// The CSV cells, in [`COLUMNS`] order, then [`OPERATOR_COLUMNS`] for
    /// the operator.
    fn cells(&self, operator: bool) -> Vec<String> {
        let counts = [
            self.messages,
            self.parts,
            self.delivered,
            self.failed,
            self.undelivered,
            self.expired,
            self.rejected,
            self.other,
        ];
        let mut cells: Vec<String> = counts.iter().map(u64::to_string).collect();
        cells.push(self.credit.clone());
        cells.push(self.refunded.clone());
        cells.push(
            self.delivery_ratio
                .map(|ratio| format!("{ratio:.4}"))
                .unwrap_or_default(),
        );
        cells.push(self.unit_price.clone().unwrap_or_default());
        if operator {
            for amount in [&self.cost, &self.margin, &self.unit_cost] {
                cells.push(amount.clone().unwrap_or_default());
            }
        }
        cells
    }
}

fn header(first: &[&str], operator: bool) -> Vec<String> {
    let operator_columns: &[&str] = if operator { &OPERATOR_COLUMNS } else { &[] };
    first
        .iter()
        .chain(&COLUMNS)
        .chain(operator_columns)
        .map(|&column| column.to_owned())
        .collect()
}

/// One hour of today.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct HourFigures {
    /// Its start, RFC 3339 UTC.
    pub hour: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Today's report.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct TodayReport {
    /// The UTC day, YYYY-MM-DD.
    pub date: String,
    /// The account reported on; null for every account.
    pub account: Option<String>,
    pub totals: Figures,
    /// Each hour from 00:00 UTC up to the current one.
    pub hours: Vec<HourFigures>,
}

/// Today's report for `audience`.
pub(in crate::actors::web) fn today_report(
    board: &SummaryBoard,
    audience: &Audience,
) -> TodayReport {
    let now = Utc::now();
    let hours = board.today(now, audience.account.as_deref());
    let mut totals = Tally::default();
    for (_, tally) in &hours {
        totals.merge(tally);
    }
    TodayReport {
        date: now.date_naive().to_string(),
        account: audience.account.clone(),
        totals: Figures::of(&totals, audience),
        hours: hours
            .iter()
            .map(|(at, tally)| HourFigures {
                hour: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                figures: Figures::of(tally, audience),
            })
            .collect(),
    }
}

/// Today's report as CSV, one row per hour.
pub(in crate::actors::web) fn today_csv(
    report: &TodayReport,
    operator: bool,
) -> Result<HttpResponse, Problem> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let write = |writer: &mut csv::Writer<Vec<u8>>, record: Vec<String>| {
        writer.write_record(record).map_err(Problem::internal)
    };
    write(&mut writer, header(&["hour"], operator))?;
    for hour in &report.hours {
        let mut record = vec![hour.hour.clone()];
        record.extend(hour.figures.cells(operator));
        write(&mut writer, record)?;
    }
    csv_attachment(writer, &format!("report-{}.csv", report.date))
}

/// One row of a daily or monthly report.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct SummaryRow {
    /// The day (YYYY-MM-DD) or month (YYYY-MM).
    pub period: String,
    /// The operator, account, gateway or route prefix (`-`: none, e.g.
    /// no gateway took the message yet; `""` is the default route).
    pub group: String,
    /// The operator's country (ISO 3166-1 alpha-2, `-` unknown), when
    /// grouped by operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A daily or monthly report.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct SummaryReport {
    /// `day` or `month`.
    pub period: &'static str,
    pub from: String,
    pub to: String,
    pub group_by: String,
    /// The account reported on; null for every account.
    pub account: Option<String>,
    pub rows: Vec<SummaryRow>,
    /// The sum of the rows.
    pub totals: Figures,
}

/// What a daily or monthly report covers, checked.
#[derive(Debug, Clone)]
pub(in crate::actors::web) struct Range {
    pub period: Period,
    /// The first and last UTC day, both included.
    pub days: (NaiveDate, NaiveDate),
    /// As asked (or defaulted), for the answer.
    pub from: String,
    pub to: String,
    pub group_by: GroupBy,
    pub group_name: String,
}

/// The query of the daily and monthly reports.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(in crate::actors::web) struct RangeQuery {
    /// First day (YYYY-MM-DD) or month (YYYY-MM); default 29 days or 11
    /// months before `to`.
    pub from: Option<String>,
    /// Last day or month, included; default today's.
    pub to: Option<String>,
    /// `operator` (default), `account`, `gateway` (operator only) or
    /// `route`.
    pub group_by: Option<String>,
    /// Operator only: this account's figures.
    pub account: Option<String>,
}

fn parse_day(name: &str, text: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| bad(name, format!("{text:?} is not a date YYYY-MM-DD")))
}

fn parse_month(name: &str, text: &str) -> Result<NaiveDate, Problem> {
    let valid = text.len() == 7 && text.as_bytes().get(4) == Some(&b'-');
    valid
        .then(|| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| bad(name, format!("{text:?} is not a month YYYY-MM")))
}

impl RangeQuery {
    /// The range asked for, checked: dates well formed, `from` not after
    /// `to`, at most [`MAX_DAYS`] days or [`MAX_MONTHS`] months, a
    /// grouping the audience may use.
    pub fn range(&self, period: Period, audience: &Audience) -> Result<Range, Problem> {
        let group_name = self.group_by.clone().unwrap_or_else(|| "operator".into());
        let group_by = GroupBy::parse(&group_name).ok_or_else(|| {
            bad(
                "group_by",
                "one of operator, account, gateway, route".into(),
            )
        })?;
        if group_by == GroupBy::Gateway && !audience.operator {
            return Err(bad("group_by", "gateways are the operator's to see".into()));
        }
        let current = Utc::now().date_naive();
        let (from, to) = match period {
            Period::Day => {
                let to = self
                    .to
                    .as_deref()
                    .map(|to| parse_day("to", to))
                    .transpose()?;
                let to = to.unwrap_or(current);
                let from = match self.from.as_deref() {
                    Some(from) => parse_day("from", from)?,
                    None => to - chrono::Days::new(29),
                };
                let days = (to - from).num_days() + 1;
                if u64::try_from(days).is_ok_and(|days| days > MAX_DAYS) {
                    return Err(bad(
                        "from",
                        format!("a daily report covers at most {MAX_DAYS} days"),
                    ));
                }
                (from, to)
            }
            Period::Month => {
                let to = self
                    .to
                    .as_deref()
                    .map(|to| parse_month("to", to))
                    .transpose()?;
                let to = to.unwrap_or_else(|| current.with_day(1).unwrap_or(current));
                let from = match self.from.as_deref() {
                    Some(from) => parse_month("from", from)?,
                    None => to - Months::new(11),
                };
                let months =
                    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
                if u32::try_from(months).is_ok_and(|months| months > MAX_MONTHS) {
                    return Err(bad(
                        "from",
                        format!("a monthly report covers at most {MAX_MONTHS} months"),
                    ));
                }
                let last = (to + Months::new(1)).pred_opt().unwrap_or(to);
                (from, last)
            }
        };
        if from > to {
            return Err(bad("from", "after `to`".into()));
        }
        let label = |day: NaiveDate| match period {
            Period::Day => day.format("%Y-%m-%d").to_string(),
            Period::Month => day.format("%Y-%m").to_string(),
        };
        Ok(Range {
            period,
            days: (from, to),
            from: label(from),
            to: label(to),
            group_by,
            group_name,
        })
    }
}

/// The daily or monthly report of `range` for `audience`.
pub(in crate::actors::web) fn summary_report(
    board: &SummaryBoard,
    range: &Range,
    audience: &Audience,
) -> SummaryReport {
    let rows = board.summary(
        range.period,
        range.days,
        range.group_by,
        audience.account.as_deref(),
    );
    let mut totals = Tally::default();
    for row in &rows {
        totals.merge(&row.tally);
    }
    SummaryReport {
        period: match range.period {
            Period::Day => "day",
            Period::Month => "month",
        },
        from: range.from.clone(),
        to: range.to.clone(),
        group_by: range.group_name.clone(),
        account: audience.account.clone(),
        rows: rows
            .into_iter()
            .map(|row| SummaryRow {
                period: row.period,
                group: row.group,
                country: row.country,
                figures: Figures::of(&row.tally, audience),
            })
            .collect(),
        totals: Figures::of(&totals, audience),
    }
}

/// A daily or monthly report as CSV, one row per period and group.
pub(in crate::actors::web) fn summary_csv(
    report: &SummaryReport,
    operator: bool,
) -> Result<HttpResponse, Problem> {
    let with_country = report.group_by == "operator";
    let mut first = vec![report.period, "group"];
    if with_country {
        first.push("country");
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(header(&first, operator))
        .map_err(Problem::internal)?;
    for row in &report.rows {
        let mut record = vec![row.period.clone(), row.group.clone()];
        if with_country {
            record.push(row.country.clone().unwrap_or_default());
        }
        record.extend(row.figures.cells(operator));
        writer.write_record(record).map_err(Problem::internal)?;
    }
    let name = format!("report-{}-{}-{}.csv", report.period, report.from, report.to);
    csv_attachment(writer, &name)
}

/// The query of today's report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TodayQuery {
    /// Operator only: this account's figures.
    account: Option<String>,
}

fn query<T: serde::de::DeserializeOwned>(request: &HttpRequest) -> Result<T, Problem> {
    web::Query::<T>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|error| Problem::new(StatusCode::BAD_REQUEST, error.to_string()))
}

fn board(state: &WebState) -> &SummaryBoard {
    &state.changes.account_starter.summaries
}

/// Today's totals and each hour's (UTC): messages, parts, credit, states; cost and margin for the operator (JSON; CSV with Accept: text/csv)
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(TodayQuery),
    responses(
        (status = OK, description = "Today's report.", content(
            (TodayReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
    ),
)]
#[get("/api/v1/reports/today")]
async fn today(
    caller: Caller,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let asked: TodayQuery = query(&request)?;
    let audience = Audience::of(&caller, asked.account)?;
    let report = today_report(board(&state), &audience);
    if wants_csv(&request) {
        return today_csv(&report, audience.operator);
    }
    Ok(HttpResponse::Ok().json(report))
}

async fn summary(
    period: Period,
    caller: Caller,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    let asked: RangeQuery = query(&request)?;
    let audience = Audience::of(&caller, asked.account.clone())?;
    let range = asked.range(period, &audience)?;
    let report = summary_report(board(&state), &range, &audience);
    if wants_csv(&request) {
        return summary_csv(&report, audience.operator);
    }
    Ok(HttpResponse::Ok().json(report))
}

/// Per UTC day and group (operator, account, gateway, route): messages, parts, delivered, failed, credit, delivery ratio, unit price; cost, margin and unit cost for the operator (JSON; CSV with Accept: text/csv)
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(RangeQuery),
    responses(
        (status = OK, description = "The rows, by day then group.", content(
            (SummaryReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
    ),
)]
#[get("/api/v1/reports/daily")]
async fn daily(
    caller: Caller,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    summary(Period::Day, caller, request, state).await
}

/// The same per calendar month (UTC); `from` and `to` are YYYY-MM (JSON; CSV with Accept: text/csv)
#[utoipa::path(
    security(("admin" = []), ("account" = []), ("apiKey" = []), ("apiKeyHeader" = [])),
    params(RangeQuery),
    responses(
        (status = OK, description = "The rows, by month then group.", content(
            (SummaryReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = BAD_REQUEST, response = Problem),
        (status = UNAUTHORIZED, response = Problem),
        (status = FORBIDDEN, response = Problem),
    ),
)]
#[get("/api/v1/reports/monthly")]
async fn monthly(
    caller: Caller,
    request: HttpRequest,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Problem> {
    summary(Period::Month, caller, request, state).await
}
