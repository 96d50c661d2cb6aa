//! The route quality report (admin): `GET /api/v1/reports/route-quality`,
//! per gateway and per destination operator over the last window (an hour
//! by default, `quality.window_s`) and the last 24 windows: submits taken
//! and refused, receipts by state, missing and fake receipts, delivery
//! ratio, receipt latency p50/p95, top error codes, cost, price and
//! margin; and where each `least_cost` and `quality` route stands, with
//! its latest automatic changes and their reasons. Read from the quality
//! board's buckets, never from the messages. `POST
//! /api/v1/reports/route-quality/probes` sends a round of probes now. The
//! web UI's `/ui/quality` shows the same [`report`] and asks for probes
//! through the same [`ask_for_probes`].

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::Operator;
use super::problem::Problem;
use super::state::WebState;
use crate::model::Lang;
use crate::quality::{Counts, Key};

/// Registers this file's route.
pub fn configure(config: &mut ServiceConfig) {
    config.service(route_quality).service(send_probes);
}

/// Final receipts by state.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct ReceiptCounts {
    pub(in crate::actors::web) delivered: u64,
    pub(in crate::actors::web) undelivered: u64,
    pub(in crate::actors::web) expired: u64,
    /// Any other final state (REJECTD, DELETED, UNKNOWN).
    pub(in crate::actors::web) other: u64,
}

/// An error code and how many receipts carried it.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct ErrorCount {
    pub(in crate::actors::web) code: u16,
    pub(in crate::actors::web) count: u64,
}

/// What one gateway (for one operator, or all) did over one stretch.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RouteQualityFigures)]
pub(in crate::actors::web) struct Figures {
    /// Submits the SMSC took.
    pub(in crate::actors::web) accepted: u64,
    /// Submits it refused for good.
    pub(in crate::actors::web) refused: u64,
    pub(in crate::actors::web) receipts: ReceiptCounts,
    /// Receipts not come `quality.receipt_wait_s` after the submit.
    pub(in crate::actors::web) missing: u64,
    /// Final receipts that came after `quality.receipt_wait_s` (counted
    /// missing, not by their state).
    pub(in crate::actors::web) late: u64,
    /// DELIVRD receipts for probes that never arrived.
    pub(in crate::actors::web) fake_receipts: u64,
    /// Probes to test numbers settled (arrived, or waited out).
    pub(in crate::actors::web) probes: u64,
    /// Of those, arrived as MO.
    pub(in crate::actors::web) probes_arrived: u64,
    /// Of those, arrived with their text changed.
    pub(in crate::actors::web) probes_altered: u64,
    /// Of those, arrived from another sender than they were sent with
    /// (numbers compared as numbers, alphanumeric senders as text).
    pub(in crate::actors::web) probes_sender_rewritten: u64,
    /// Probe submit to its arrival, seconds (a bucket's upper bound).
    pub(in crate::actors::web) probe_delivery_p50_s: Option<f64>,
    /// DELIVRD over final receipts plus missing ones; null without any.
    pub(in crate::actors::web) delivery_ratio: Option<f64>,
    /// Submit to final receipt, seconds (a bucket's upper bound).
    pub(in crate::actors::web) latency_p50_s: Option<f64>,
    pub(in crate::actors::web) latency_p95_s: Option<f64>,
    /// The most frequent, most first.
    pub(in crate::actors::web) error_codes: Vec<ErrorCount>,
    /// What the gateway charged for the accepted submits (`gateway_costs`).
    pub(in crate::actors::web) cost: String,
    /// What the accounts were charged for them (the routes' price).
    pub(in crate::actors::web) price: String,
    /// Price minus cost.
    pub(in crate::actors::web) margin: String,
}

impl Figures {
    fn of(counts: &Counts) -> Figures {
        let figures = counts.figures();
        Figures {
            accepted: counts.accepted,
            refused: counts.refused,
            receipts: ReceiptCounts {
                delivered: counts.delivered,
                undelivered: counts.undelivered,
                expired: counts.expired,
                other: counts.other,
            },
            missing: counts.missing,
            late: counts.late,
            fake_receipts: counts.fake_receipts,
            probes: counts.probes,
            probes_arrived: counts.probes_arrived,
            probes_altered: counts.probes_altered,
            probes_sender_rewritten: counts.probes_sender_rewritten,
            probe_delivery_p50_s: counts.probe_latency.quantile_s(0.5),
            delivery_ratio: figures.delivery_ratio,
            latency_p50_s: figures.latency_p50_s,
            latency_p95_s: figures.latency_p95_s,
            error_codes: figures
                .top_errors
                .iter()
                .map(|&(code, count)| ErrorCount { code, count })
                .collect(),
            cost: counts.cost.to_string(),
            price: counts.price.to_string(),
            margin: figures.margin.to_string(),
        }
    }
}

/// One destination operator of a gateway.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct OperatorQuality {
    /// From `[[numbering]]`; "unknown" for numbers no range covers.
    pub(in crate::actors::web) operator: String,
    pub(in crate::actors::web) last_hour: Figures,
    pub(in crate::actors::web) last_24h: Figures,
}

/// One gateway, all operators together and each on its own.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct GatewayQuality {
    pub(in crate::actors::web) gateway: String,
    pub(in crate::actors::web) last_hour: Figures,
    pub(in crate::actors::web) last_24h: Figures,
    pub(in crate::actors::web) operators: Vec<OperatorQuality>,
}

/// An automatic change of a route.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct RouteChange {
    /// RFC 3339.
    pub(in crate::actors::web) at: String,
    /// `taken_out`, `restored` or `preferred`.
    pub(in crate::actors::web) change: String,
    pub(in crate::actors::web) gateway: String,
    /// For `preferred`: the gateway traffic went to before.
    pub(in crate::actors::web) from: Option<String>,
    pub(in crate::actors::web) reason: String,
}

/// Where a `least_cost` or `quality` route stands.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct RouteStandingView {
    pub(in crate::actors::web) prefix: String,
    pub(in crate::actors::web) mode: String,
    /// The gateway traffic goes to.
    pub(in crate::actors::web) preferred: Option<String>,
    /// Gateways under the floor, getting only retries.
    pub(in crate::actors::web) taken_out: Vec<String>,
    /// The latest, oldest first.
    pub(in crate::actors::web) changes: Vec<RouteChange>,
}

/// A gateway's alert in force.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct AlertView {
    pub(in crate::actors::web) gateway: String,
    /// `fake_receipts`, `sender_rewritten`, `delivery_ratio` or `latency`.
    pub(in crate::actors::web) kind: String,
    pub(in crate::actors::web) reason: String,
    /// RFC 3339: when it was raised.
    pub(in crate::actors::web) since: String,
}

/// The report.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::actors::web) struct RouteQualityReport {
    /// The "last hour" window, seconds (`quality.window_s`); "last 24 h"
    /// is 24 of them.
    pub(in crate::actors::web) window_s: f64,
    pub(in crate::actors::web) gateways: Vec<GatewayQuality>,
    pub(in crate::actors::web) routes: Vec<RouteStandingView>,
    /// Gateways over a `quality.alert_*` threshold now.
    pub(in crate::actors::web) alerts: Vec<AlertView>,
}

/// The report, from the quality board, its alerts' reasons in `language`
/// (the API's in English).
pub(in crate::actors::web) fn report(state: &WebState, language: Lang) -> RouteQualityReport {
    let board = &state.changes.route_starter.quality;
    let (hour, day) = board.windows();
    let mut by_gateway: BTreeMap<&str, Vec<&Key>> = BTreeMap::new();
    for key in day.keys().chain(hour.keys()) {
        let keys = by_gateway.entry(key.0.as_str()).or_default();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let empty = Counts::default();
    let gateways = by_gateway
        .into_iter()
        .map(|(gateway, mut keys)| {
            keys.sort();
            let (mut hour_total, mut day_total) = (Counts::default(), Counts::default());
            let operators = keys
                .into_iter()
                .map(|key| {
                    let (h, d) = (
                        hour.get(key).unwrap_or(&empty),
                        day.get(key).unwrap_or(&empty),
                    );
                    hour_total.merge(h);
                    day_total.merge(d);
                    OperatorQuality {
                        operator: key.1.clone(),
                        last_hour: Figures::of(h),
                        last_24h: Figures::of(d),
                    }
                })
                .collect();
            GatewayQuality {
                gateway: gateway.to_owned(),
                last_hour: Figures::of(&hour_total),
                last_24h: Figures::of(&day_total),
                operators,
            }
        })
        .collect();
    let routes = board
        .standings()
        .into_iter()
        .map(|(prefix, standing)| RouteStandingView {
            prefix,
            mode: standing.mode.as_str().to_owned(),
            preferred: standing.preferred,
            taken_out: standing.taken_out,
            changes: standing
                .changes
                .into_iter()
                .map(|decision| RouteChange {
                    at: decision.at.to_rfc3339(),
                    change: decision.change.to_owned(),
                    gateway: decision.gateway,
                    from: decision.from,
                    reason: decision.reason,
                })
                .collect(),
        })
        .collect();
    let alerts = board
        .alerts()
        .into_iter()
        .map(|(gateway, alert)| AlertView {
            gateway,
            kind: alert.crossing.kind().to_owned(),
            reason: alert.crossing.reason(language),
            since: alert.since.to_rfc3339(),
        })
        .collect();
    RouteQualityReport {
        window_s: board.settings().window.as_secs_f64(),
        gateways,
        routes,
        alerts,
    }
}

/// Route quality per gateway and operator, and the routes' automatic changes (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = OK, description = "The last hour and the last 24 h of each gateway, and where each least_cost and quality route stands.", body = RouteQualityReport),
        (status = UNAUTHORIZED, response = Problem),
    ),
)]
#[get("/api/v1/reports/route-quality")]
async fn route_quality(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(report(&state, Lang::En)))
}

/// Send a round of probes now: every gateway to every test number (admin)
#[utoipa::path(
    security(("admin" = [])),
    responses(
        (status = ACCEPTED, description = "The probes go out; their outcome shows in the report once they arrive or `probes.wait_s` is over."),
        (status = UNAUTHORIZED, response = Problem),
        (status = CONFLICT, response = Problem),
    ),
)]
#[post("/api/v1/reports/route-quality/probes")]
async fn send_probes(_: Operator, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    ask_for_probes(&state)?;
    Ok(HttpResponse::Accepted().finish())
}

/// Asks the prober for a round of probes now; refused (409) without
/// `[probes]`.
pub(in crate::actors::web) fn ask_for_probes(state: &WebState) -> Result<(), Problem> {
    if state.changes.route_starter.quality.ask_probes() {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::CONFLICT,
            "no [probes] in the configuration: no test numbers to probe".into(),
        ))
    }
}
