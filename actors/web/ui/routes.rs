//! The operator's `GET /ui/routes`: the route table in force (prefix,
//! accounts, gateways, weights, price, mode with its floor and ceiling),
//! a form that adds a route
//! (`POST /ui/routes`), an Edit link per route (`GET /ui/routes?edit={index}`:
//! the same form filled in, `POST /ui/routes/{index}` replaces the route in
//! place), a Delete button per route
//! (`POST /ui/routes/{index}/delete`), and "test a number"
//! (`GET /ui/routes?number=&account=`): which route a message from that
//! account to that number takes, its price, the number's country and
//! operator, the route's gateways with their state now, and the one it
//! goes to (a `least_cost` or `quality` route's: its last choice on the
//! quality board). Changes go
//! through the admin API's reader and calls, in force for the next message.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use slog::info;

use super::guard::{AdminPage, CsrfForm, UiError};
use super::i18n::Text;
use super::layout::{
    Flash, Frame, Section, account_ids, account_select, csrf_field, respond, respond_with,
    see_other,
};
use crate::actors::admin::routes::RouteInput;
use crate::actors::protocol::gateway::Inspect;
use crate::actors::web::problem::Problem;
use crate::actors::web::routes::route_input;
use crate::actors::web::state::WebState;
use crate::config::{RouteMode, RoutePolicy, fields};
use crate::model::Msisdn;
use crate::numbering;
use crate::routing::Route;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(list)
        .service(add)
        .service(replace)
        .service(delete);
}

#[derive(Deserialize)]
struct TestQuery {
    number: Option<String>,
    account: Option<String>,
    done: Option<String>,
    /// The route whose form is filled in to edit it (an index that names
    /// none shows the new route's form).
    edit: Option<String>,
}

/// The route form's fields as posted, or as a route fills them in.
#[derive(Deserialize, Default, Clone)]
struct RouteForm {
    csrf: String,
    prefix: String,
    #[serde(default)]
    accounts: String,
    gateways: String,
    #[serde(default)]
    weights: String,
    price: String,
    /// Empty: the default (failover, or weighted with weights).
    #[serde(default)]
    mode: String,
    #[serde(default)]
    min_delivery_ratio: String,
    #[serde(default)]
    max_latency_p95_s: String,
    #[serde(default)]
    max_cost: String,
}

/// The modes the form offers, as the file writes them.
const MODES: [RouteMode; 4] = [
    RouteMode::Failover,
    RouteMode::Weighted,
    RouteMode::LeastCost,
    RouteMode::Quality,
];

/// Comma- or space-separated entries, none empty.
fn entries(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect()
}

#[get("/ui/routes")]
async fn list(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    query: web::Query<TestQuery>,
) -> HttpResponse {
    let flash = match query.done.as_deref() {
        Some(_) => Some(Flash::Ok(admin.0.lang_text(Text::Saved))),
        None => None,
    };
    let tested = match &query.number {
        Some(number) if !number.trim().is_empty() => Some(
            test_number(
                &admin,
                &state,
                number,
                query.account.as_deref().unwrap_or(""),
            )
            .await,
        ),
        _ => None,
    };
    respond(page(
        &request,
        &admin,
        &state,
        flash,
        tested,
        query.number.as_deref(),
        query.edit.as_deref().and_then(|index| index.parse().ok()),
        None,
    ))
}

/// What "test a number" found, as the page shows it.
async fn test_number(admin: &AdminPage, state: &WebState, number: &str, account: &str) -> Markup {
    let lang = admin.0.lang;
    let Ok(msisdn) = Msisdn::parse(number) else {
        return html! { div.flash.bad role="alert" { (Text::NotANumber.in_(lang)) } };
    };
    let digits = msisdn.digits();
    let routing = state.routes.current();
    let Some(route) = routing.table.lookup(account, digits) else {
        return html! { div.flash.bad role="alert" { (Text::NoRoute.in_(lang)) " " code { (digits) } } };
    };
    let mut gateways = Vec::new();
    for name in &route.gateways {
        let live = state.changes.route_starter.gateways.get(name);
        let up = match &live {
            Some(gateway) => gateway
                .actor
                .inspect
                .send(Inspect)
                .await
                .is_ok_and(|view| view.summary().up),
            None => false,
        };
        gateways.push((name.clone(), up));
    }
    let weighted = route.policy.mode == RouteMode::Weighted;
    let chosen = match route.policy.mode {
        RouteMode::Failover => gateways
            .iter()
            .find(|(_, up)| *up)
            .map(|(name, _)| name.clone()),
        RouteMode::Weighted => None,
        // Where the route's last look at its gateways sent its traffic.
        RouteMode::LeastCost | RouteMode::Quality => state
            .changes
            .route_starter
            .quality
            .standings()
            .remove(&route.prefix)
            .and_then(|standing| standing.preferred),
    };
    html! {
        div.panel data-tested=(digits) {
            h2 { (Text::Result.in_(lang)) " " code { (digits) } }
            table {
                tbody {
                    tr { th { (Text::Route.in_(lang)) } td { "#" (route.index) " · " (Text::Prefix.in_(lang)) " " code { (if route.prefix.is_empty() { "*" } else { route.prefix.as_str() }) } } }
                    tr { th { (Text::Price.in_(lang)) } td data-price { (route.price) } }
                    tr { th { (Text::Country.in_(lang)) } td { (numbering::country(digits).unwrap_or("–")) } }
                    tr { th { (Text::Operator.in_(lang)) } td { (state.operators.operator(digits).unwrap_or("–")) } }
                    tr {
                        th { (Text::Gateways.in_(lang)) }
                        td {
                            @for (name, up) in &gateways {
                                code { (name) } " "
                                @if *up { span.badge.ok { (Text::Up.in_(lang)) } } @else { span.badge.bad { (Text::Down.in_(lang)) } }
                                " "
                            }
                        }
                    }
                    tr {
                        th { (Text::GoesTo.in_(lang)) }
                        td data-chosen {
                            @match (&chosen, &route.weights) {
                                (Some(name), _) => code { (name) },
                                (None, Some(weights)) if weighted => { (Text::SharedByWeights.in_(lang)) " " (format!("{weights:?}")) },
                                (None, _) => (Text::NoGatewayUp.in_(lang)),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page; with `edit`, the form holds that route and replaces it;
/// with `posted`, the form holds what was posted (a change refused).
#[expect(
    clippy::too_many_arguments,
    reason = "each is a part of the page the handlers choose"
)]
fn page(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    flash: Option<Flash>,
    tested: Option<Markup>,
    number: Option<&str>,
    edit: Option<usize>,
    posted: Option<&RouteForm>,
) -> Markup {
    let frame = admin.0.frame(Section::Routes, request.path());
    let routing = state.routes.current();
    let accounts = account_ids(state);
    let editing = edit.and_then(|index| {
        routing
            .table
            .routes()
            .iter()
            .find(|route| route.index == index)
    });
    let values = posted
        .cloned()
        .or_else(|| editing.map(RouteForm::of))
        .unwrap_or_default();
    let content = html! {
        div.panel {
            h2 { (frame.t(Text::TestNumber)) }
            form.inline method="get" action="/ui/routes" {
                label { (frame.t(Text::To)) input type="text" name="number" required inputmode="tel" placeholder="+34600111222" value=(number.unwrap_or_default()); }
                label { (frame.t(Text::Account))
                    (account_select("account", &accounts, None, "*"))
                }
                button type="submit" { (frame.t(Text::Check)) }
            }
        }
        @if let Some(tested) = tested { (tested) }
        div.table-wrap {
            table {
                thead { tr {
                    th { "#" }
                    th { (frame.t(Text::Prefix)) }
                    th { (frame.t(Text::Accounts)) }
                    th { (frame.t(Text::Gateways)) }
                    th { (frame.t(Text::Weights)) }
                    th.num { (frame.t(Text::Price)) }
                    th { (frame.t(Text::Mode)) }
                    th {}
                } }
                tbody {
                    @for route in routing.table.routes() {
                        tr {
                            td { (route.index) }
                            td { code { (if route.prefix.is_empty() { "*" } else { route.prefix.as_str() }) } }
                            td { (fields::route_claims(&route.accounts).join(", ")) }
                            td { (route.gateways.join(", ")) }
                            td { (route.weights.as_ref().map(|w| w.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                            td.num { (route.price) }
                            td data-mode=(route.policy.mode.as_str()) { code { (route.policy.mode.as_str()) } (policy_limits(&route.policy)) }
                            td { div.actions {
                                a.button href=(format!("/ui/routes?edit={}#route-form", route.index)) { (frame.t(Text::Edit)) }
                                form.inline method="post" action=(format!("/ui/routes/{}/delete", route.index)) {
                                    (csrf_field(&admin.0.session))
                                    button.danger type="submit" { (frame.t(Text::Delete)) }
                                }
                            } }
                        }
                    }
                }
            }
        }
        @match editing {
            Some(route) => {
                h2 #route-form { (frame.t(Text::EditRoute)) " #" (route.index) }
                (route_form(&frame, admin, &format!("/ui/routes/{}", route.index), &values, Text::Save))
                p { a href="/ui/routes" { (frame.t(Text::Back)) } }
            },
            None => {
                h2 #route-form { (frame.t(Text::NewRoute)) }
                (route_form(&frame, admin, "/ui/routes", &values, Text::Create))
            },
        }
    };
    frame.page(frame.t(Text::Routes), flash, content)
}

/// A route's floor and ceiling as the list shows them after its mode:
/// ` · ratio ≥ 0.8 · p95 ≤ 30 s · cost ≤ 0.02`, the ones it has.
fn policy_limits(policy: &RoutePolicy) -> String {
    let mut limits = String::new();
    if let Some(ratio) = policy.min_delivery_ratio {
        limits.push_str(&format!(" · ratio ≥ {ratio}"));
    }
    if let Some(latency) = policy.max_latency_p95 {
        limits.push_str(&format!(" · p95 ≤ {} s", latency.as_secs_f64()));
    }
    if let Some(cost) = policy.max_cost {
        limits.push_str(&format!(" · cost ≤ {cost}"));
    }
    limits
}

/// The route form holding `values`, posted to `action`.
fn route_form(
    frame: &Frame<'_>,
    admin: &AdminPage,
    action: &str,
    values: &RouteForm,
    submit: Text,
) -> Markup {
    html! {
        div.panel {
            form.stack method="post" action=(action) {
                (csrf_field(&admin.0.session))
                label { (frame.t(Text::Prefix)) input type="text" name="prefix" inputmode="numeric" pattern="[0-9]*" value=(values.prefix); }
                label { (frame.t(Text::AccountsOrAll)) input type="text" name="accounts" placeholder="*" value=(values.accounts); }
                label { (frame.t(Text::GatewaysInOrder)) input type="text" name="gateways" required value=(values.gateways); }
                label { (frame.t(Text::WeightsOptional)) input type="text" name="weights" value=(values.weights); }
                label { (frame.t(Text::Price)) input type="text" name="price" required inputmode="decimal" placeholder="0.05" value=(values.price); }
                label { (frame.t(Text::Mode))
                    select name="mode" {
                        option value="" selected[values.mode.is_empty()] { (frame.t(Text::ModeByWeights)) }
                        @for choice in MODES {
                            option value=(choice.as_str()) selected[values.mode == choice.as_str()] { (choice.as_str()) }
                        }
                    }
                }
                label { (frame.t(Text::MinDeliveryRatioOptional)) input type="text" name="min_delivery_ratio" inputmode="decimal" placeholder="0.9" value=(values.min_delivery_ratio); }
                label { (frame.t(Text::MaxLatencyOptional)) input type="text" name="max_latency_p95_s" inputmode="decimal" placeholder="30" value=(values.max_latency_p95_s); }
                label { (frame.t(Text::MaxCostOptional)) input type="text" name="max_cost" inputmode="decimal" placeholder="0.04" value=(values.max_cost); }
                button type="submit" { (frame.t(submit)) }
            }
        }
    }
}

impl RouteForm {
    /// The form filled in with `route`.
    fn of(route: &Route) -> RouteForm {
        let joined = |items: &[String]| items.join(", ");
        let policy = &route.policy;
        RouteForm {
            csrf: String::new(),
            prefix: route.prefix.clone(),
            accounts: joined(&fields::route_claims(&route.accounts)),
            gateways: joined(&route.gateways),
            weights: route
                .weights
                .iter()
                .flatten()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            price: route.price.to_string(),
            mode: policy.mode.as_str().to_owned(),
            min_delivery_ratio: policy
                .min_delivery_ratio
                .map(|ratio| ratio.to_string())
                .unwrap_or_default(),
            max_latency_p95_s: policy
                .max_latency_p95
                .map(|latency| latency.as_secs_f64().to_string())
                .unwrap_or_default(),
            max_cost: policy
                .max_cost
                .map(|cost| cost.to_string())
                .unwrap_or_default(),
        }
    }

    /// The route this form describes, read by the admin API's reader.
    fn input(&self) -> Result<RouteInput, Problem> {
        let accounts = entries(&self.accounts);
        let mut body = json!({
            "prefix": self.prefix.trim(),
            "gateways": entries(&self.gateways),
            "price": self.price.trim(),
        });
        if !accounts.is_empty() {
            body["accounts"] = json!(accounts);
        }
        let weights: Result<Vec<u32>, _> = entries(&self.weights)
            .iter()
            .map(|w| w.parse::<u32>())
            .collect();
        match weights {
            Ok(weights) if !weights.is_empty() => body["weights"] = json!(weights),
            Ok(_) => {}
            Err(_) => body["weights"] = json!(self.weights),
        }
        // Always a mode: the default chosen on the form is one too, and
        // replaces a least_cost or quality route's.
        body["mode"] = match self.mode.trim() {
            "" => json!(
                RoutePolicy::plain(body.get("weights").is_some())
                    .mode
                    .as_str()
            ),
            mode => json!(mode),
        };
        for (name, text) in [
            ("min_delivery_ratio", &self.min_delivery_ratio),
            ("max_latency_p95_s", &self.max_latency_p95_s),
        ] {
            let text = text.trim();
            if !text.is_empty() {
                // Not a number: the reader names the field and what it wants.
                body[name] = match text.parse::<f64>() {
                    Ok(number) if number.is_finite() => json!(number),
                    _ => json!(text),
                };
            }
        }
        if !self.max_cost.trim().is_empty() {
            body["max_cost"] = json!(self.max_cost.trim());
        }
        route_input(body.to_string().as_bytes()).map_err(Problem::from)
    }
}

/// The page with `problem` above it, answered with its status; the form
/// of `edit` when the refused change was one, holding what was `posted`.
fn refused(
    request: &HttpRequest,
    admin: &AdminPage,
    state: &WebState,
    problem: &Problem,
    edit: Option<usize>,
    posted: Option<&RouteForm>,
) -> HttpResponse {
    let markup = page(
        request,
        admin,
        state,
        Some(Flash::Bad(problem.to_string())),
        None,
        None,
        edit,
        posted,
    );
    respond_with(problem.status(), markup)
}

#[post("/ui/routes")]
async fn add(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    form: web::Form<RouteForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let added = match form.input() {
        Ok(input) => state.changes.add_route(input).await.map_err(Problem::from),
        Err(refused) => Err(refused),
    };
    match added {
        Ok(index) => {
            info!(state.logger, "route added in the web UI"; "index" => index);
            Ok(saved())
        }
        Err(problem) => Ok(refused(
            &request,
            &admin,
            &state,
            &problem,
            None,
            Some(&form),
        )),
    }
}

#[post("/ui/routes/{index}")]
async fn replace(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    index: web::Path<usize>,
    form: web::Form<RouteForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    let replaced = match form.input() {
        Ok(input) => state
            .changes
            .replace_route(*index, input)
            .await
            .map_err(Problem::from),
        Err(refused) => Err(refused),
    };
    match replaced {
        Ok(()) => {
            info!(state.logger, "route replaced in the web UI"; "index" => *index);
            Ok(saved())
        }
        Err(problem) => Ok(refused(
            &request,
            &admin,
            &state,
            &problem,
            Some(*index),
            Some(&form),
        )),
    }
}

#[post("/ui/routes/{index}/delete")]
async fn delete(
    request: HttpRequest,
    admin: AdminPage,
    state: web::Data<WebState>,
    index: web::Path<usize>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, UiError> {
    admin.0.check_csrf(&form.csrf)?;
    match state.changes.delete_route(*index).await {
        Ok(()) => {
            info!(state.logger, "route deleted in the web UI"; "index" => *index);
            Ok(saved())
        }
        Err(error) => Ok(refused(
            &request,
            &admin,
            &state,
            &Problem::from(error),
            None,
            None,
        )),
    }
}

fn saved() -> HttpResponse {
    see_other("/ui/routes?done=1")
}
