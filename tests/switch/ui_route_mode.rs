//! A route's mode set at runtime (docs/routing.md#route-modes), end to
//! end against a `pasarela serve` child: two simulator gateways, "sim"
//! dearer than "sim2" (`[[gateway_costs]]`), and two file routes over
//! both in failover order, so a message goes to "sim" until its route is
//! made `least_cost` (then to "sim2", the cheaper: unknown quality ranks
//! by cost). One route is set through the admin API, the other through
//! the console's form (with its CSRF token); each mode holds at once and
//! after a restart on the same data directory, a bad mode is refused with
//! its reason (above the form on the page), a customer gets 403, and a
//! route set back to failover leaves the route quality report. Every wait
//! is bounded.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, Switch, write_config};
use crate::http;
use crate::ui::{browse, page, post_form, taken_by, ui_login};

const ADMIN: (&str, &str) = ("admin", ADMIN_PASSWORD);
const DEMO: (&str, &str) = ("demo", "demo1234");

/// Routes 1 ("34") and 2 ("44") over "sim" then "sim2"; route 0 is the
/// shipped default route.
fn config(dir: &Path) -> PathBuf {
    write_config(
        dir,
        r#"
[[gateways]]
name = "sim2"
kind = "simulator"
dlr_delay_ms = 50

[[gateway_costs]]
gateway = "sim"
prefix = ""
cost = "0.03"

[[gateway_costs]]
gateway = "sim2"
prefix = ""
cost = "0.01"

[[routes]]
prefix = "34"
gateways = ["sim", "sim2"]
price = "0.05"

[[routes]]
prefix = "44"
gateways = ["sim", "sim2"]
price = "0.05"
"#,
    )
}

/// A message of the demo account to `to`: its id.
fn sent(address: SocketAddr, to: &str) -> String {
    let body = json!({"to": to, "from": "Shop", "text": "which gateway?"});
    let answer = http::json(address, "POST", "/api/v1/messages", Some(DEMO), Some(&body));
    assert_eq!(answer.status, 202, "{}", answer.text);
    answer.body["messages"][0]["ids"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

fn routes(address: SocketAddr) -> Value {
    let answer = http::json(address, "GET", "/api/v1/routes", Some(ADMIN), None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

fn put_route(address: SocketAddr, index: usize, body: &Value) -> http::Answer {
    let path = format!("/api/v1/routes/{index}");
    http::json(address, "PUT", &path, Some(ADMIN), Some(body))
}

/// The standings of the route quality report, by prefix.
fn standings(address: SocketAddr) -> Vec<String> {
    let path = "/api/v1/reports/route-quality";
    let answer = http::json(address, "GET", path, Some(ADMIN), None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|route| route["prefix"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn restarted(mut switch: Switch, config: &Path) -> Switch {
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    Switch::start(config, &[])
}

#[test]
fn the_admin_api_sets_a_routes_mode_which_holds_at_once_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let switch = Switch::start(&config, &[]);
    let address = switch.http;
    let session = ui_login(address, ADMIN);
    assert_eq!(routes(address)[1]["mode"], "failover");
    taken_by(address, &session, &sent(address, "+34600333001"), "sim");

    let least_cost = json!({
        "prefix": "34",
        "gateways": ["sim", "sim2"],
        "price": "0.05",
        "mode": "least_cost",
        "min_delivery_ratio": 0.5,
        "max_latency_p95_s": 30,
    });
    let answer = put_route(address, 1, &least_cost);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let route = &routes(address)[1];
    assert_eq!(route["mode"], "least_cost", "{route}");
    assert_eq!(route["min_delivery_ratio"], 0.5);
    assert_eq!(route["max_latency_p95_s"], 30.0);
    assert_eq!(route["max_cost"], Value::Null);
    taken_by(address, &session, &sent(address, "+34600333002"), "sim2");
    assert!(standings(address).contains(&"34".to_owned()));

    // Bad values are refused with their reason and change nothing.
    for (field, value, reason) in [
        (
            "mode",
            json!("cheapest"),
            "is not failover, weighted, least_cost or quality",
        ),
        ("mode", json!("weighted"), "weighted needs weights"),
        (
            "min_delivery_ratio",
            json!(1.5),
            "must be a number from 0 to 1",
        ),
        (
            "max_latency_p95_s",
            json!(0),
            "must be a number of seconds above 0",
        ),
        ("max_cost", json!("-0.01"), "negative"),
    ] {
        let mut body = least_cost.clone();
        body[field] = value;
        let refused = put_route(address, 1, &body);
        assert_eq!(refused.status, 400, "{field}: {}", refused.text);
        assert_eq!(refused.body["field"], field, "{}", refused.text);
        assert!(refused.text.contains(reason), "{field}: {}", refused.text);
    }
    assert_eq!(routes(address)[1], *route);

    // A body without any part of the policy keeps it.
    let moved = json!({"prefix": "34", "gateways": ["sim", "sim2"], "price": "0.06"});
    assert_eq!(put_route(address, 1, &moved).status, 200);
    assert_eq!(routes(address)[1]["mode"], "least_cost");

    let switch = restarted(switch, &config);
    let address = switch.http;
    let session = ui_login(address, ADMIN);
    let route = &routes(address)[1];
    assert_eq!(
        (
            &route["mode"],
            &route["min_delivery_ratio"],
            &route["price"]
        ),
        (&json!("least_cost"), &json!(0.5), &json!("0.06")),
        "{route}"
    );
    let listed = page(address, &session, "/ui/routes");
    assert!(listed.contains("data-mode=\"least_cost\""), "{listed}");
    taken_by(address, &session, &sent(address, "+34600333003"), "sim2");

    // Back to failover: to its first gateway again, and off the report.
    let failover = json!({
        "prefix": "34",
        "gateways": ["sim", "sim2"],
        "price": "0.05",
        "mode": "failover",
    });
    assert_eq!(put_route(address, 1, &failover).status, 200);
    assert_eq!(routes(address)[1]["mode"], "failover");
    assert_eq!(routes(address)[1]["min_delivery_ratio"], Value::Null);
    taken_by(address, &session, &sent(address, "+34600333004"), "sim");
    assert!(!standings(address).contains(&"34".to_owned()));
}

#[test]
fn the_console_sets_a_routes_mode_which_holds_at_once_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let switch = Switch::start(&config, &[]);
    let address = switch.http;

    // A customer gets 403 on the page and its forms.
    let customer = ui_login(address, DEMO);
    for (method, path) in [
        ("GET", "/ui/routes?edit=2"),
        ("POST", "/ui/routes/2"),
        ("POST", "/ui/routes"),
    ] {
        let answer = browse(address, &customer, method, path, "csrf=x");
        assert_eq!(answer.status, 403, "{method} {path}");
    }

    let session = ui_login(address, ADMIN);
    let edit = page(address, &session, "/ui/routes?edit=2");
    assert!(edit.contains("<select name=\"mode\">"), "{edit}");
    assert!(
        edit.contains("<option value=\"failover\" selected>"),
        "{edit}"
    );
    taken_by(address, &session, &sent(address, "+447700900001"), "sim");
    let fields = |mode: &'static str| {
        [
            ("prefix", "44"),
            ("accounts", "*"),
            ("gateways", "sim, sim2"),
            ("weights", ""),
            ("price", "0.05"),
            ("mode", mode),
            ("min_delivery_ratio", ""),
            ("max_latency_p95_s", "45"),
            ("max_cost", "0.02"),
        ]
    };

    // Without the page's CSRF token nothing changes.
    let forged = browse(
        address,
        &session,
        "POST",
        "/ui/routes/2",
        "csrf=wrong&prefix=44&gateways=sim&price=0.05&mode=least_cost",
    );
    assert_eq!(forged.status, 403);
    // A bad mode: refused with its reason above the form, nothing changed.
    let refused = post_form(
        address,
        &session,
        "/ui/routes?edit=2",
        "/ui/routes/2",
        &fields("cheapest"),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    let reason = "is not failover, weighted, least_cost or quality";
    let flash = refused.text.find("flash bad").expect("a refusal shown");
    let form = refused.text.find("id=\"route-form\"").unwrap();
    assert!(flash < form, "the reason above the form");
    assert!(
        refused.text[flash..form].contains(reason),
        "{}",
        refused.text
    );
    // The form holds what was posted, to correct and send again.
    let posted_ceiling =
        "name=\"max_cost\" inputmode=\"decimal\" placeholder=\"0.04\" value=\"0.02\"";
    assert!(
        refused.text[form..].contains(posted_ceiling),
        "{}",
        refused.text
    );
    assert_eq!(routes(address)[2]["mode"], "failover");

    let saved = post_form(
        address,
        &session,
        "/ui/routes?edit=2",
        "/ui/routes/2",
        &fields("least_cost"),
    );
    assert_eq!(saved.status, 303, "{}", saved.text);
    let route = &routes(address)[2];
    assert_eq!(
        (
            &route["mode"],
            &route["max_latency_p95_s"],
            &route["max_cost"]
        ),
        (&json!("least_cost"), &json!(45.0), &json!("0.02")),
        "{route}"
    );
    taken_by(address, &session, &sent(address, "+447700900002"), "sim2");
    let listed = page(address, &session, "/ui/routes");
    assert!(listed.contains("data-mode=\"least_cost\""), "{listed}");
    assert!(listed.contains("cost ≤ 0.02"), "{listed}");
    // "Test a number" names the gateway the least_cost route chose.
    let tested = page(address, &session, "/ui/routes?number=%2B447700900009");
    assert!(
        tested.contains("<td data-chosen><code>sim2</code>"),
        "{tested}"
    );

    // A new route made `quality` from the form.
    let added = post_form(
        address,
        &session,
        "/ui/routes",
        "/ui/routes",
        &[
            ("prefix", "33"),
            ("accounts", ""),
            ("gateways", "sim, sim2"),
            ("weights", ""),
            ("price", "0.05"),
            ("mode", "quality"),
            ("min_delivery_ratio", "0.9"),
            ("max_latency_p95_s", ""),
            ("max_cost", "0.04"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.text);
    assert_eq!(routes(address)[3]["mode"], "quality");
    assert_eq!(routes(address)[3]["min_delivery_ratio"], 0.9);

    let switch = restarted(switch, &config);
    let address = switch.http;
    let session = ui_login(address, ADMIN);
    assert_eq!(routes(address)[2]["mode"], "least_cost");
    assert_eq!(routes(address)[3]["mode"], "quality");
    let edit = page(address, &session, "/ui/routes?edit=2");
    assert!(
        edit.contains("<option value=\"least_cost\" selected>"),
        "{edit}"
    );
    assert!(
        edit.contains(
            "name=\"max_cost\" inputmode=\"decimal\" placeholder=\"0.04\" value=\"0.02\""
        ),
        "{edit}"
    );
    taken_by(address, &session, &sent(address, "+447700900003"), "sim2");
}
