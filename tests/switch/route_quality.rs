//! Route quality end to end over 127.0.0.1: a `pasarela serve` child with
//! two `smpp` gateways, each to a `pasarela sim-smsc` child. "bad" is the
//! cheaper one, but holds its receipts for a minute, far past
//! `quality.receipt_wait_s`, so they count as missing; "good" answers
//! them at once. A `least_cost` route first prefers "bad" (no data yet:
//! unknown quality, ranked by cost), takes it out once its delivery
//! ratio falls under the floor, and, once "bad" is restarted as a good
//! SMSC, gives it back its traffic through the retries; its alert is
//! raised and cleared on the way. The report and `/metrics` show each
//! step. Windows and thresholds are short so it takes seconds. A second
//! test reads the counts back after a restart. Every wait is bounded.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{self, ADMIN_PASSWORD, Switch, write_config_without_account_tps};
use crate::http;
use crate::raw::Raw;
use crate::scrape;
use crate::sim::Sim;
use crate::ui::{browse, ui_login};
use pasarela::smpp::CommandId;
use pasarela::smpp::CommandStatus;

const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
/// The longest each step may take.
const STEP: Duration = Duration::from_secs(40);

fn config(dir: &Path, good: SocketAddr, bad: SocketAddr) -> std::path::PathBuf {
    let extra = format!(
        r#"
{good}
{bad}

[quality]
window_s = 3
receipt_wait_s = 0.5
min_receipts = 4
hold_s = 0.5
retry_share = 10
alert_min_delivery_ratio = 0.5

[[numbering]]
prefix = "346"
operator = "movistar"

[[gateway_costs]]
gateway = "good"
prefix = "34"
cost = "0.03"

[[gateway_costs]]
gateway = "bad"
prefix = "34"
cost = "0.01"

[[routes]]
prefix = "34"
gateways = ["good", "bad"]
price = "0.05"
mode = "least_cost"
min_delivery_ratio = 0.8
"#,
        good = common::smpp_gateway("good", good, "window = 16"),
        bad = common::smpp_gateway("bad", bad, "window = 16"),
    );
    write_config_without_account_tps(dir, &extra)
}

fn report(switch: &Switch) -> Value {
    let answer = http::json(
        switch.http,
        "GET",
        "/api/v1/reports/route-quality",
        ADMIN,
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

/// Submits a message every 40 ms (reading the answers meanwhile) until
/// `done` says so of the report, or [`STEP`] passes.
fn traffic_until(
    esme: &mut Raw,
    switch: &Switch,
    next: &mut u32,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + STEP;
    let mut last_look = Instant::now();
    loop {
        // Never a 999x suffix: those are the simulator's failure rows.
        esme.submit(&format!("3460010{:04}", *next % 9000), 0);
        *next += 1;
        while esme.recv(Duration::from_millis(40)).is_some() {}
        if last_look.elapsed() >= Duration::from_millis(250) {
            last_look = Instant::now();
            let report = report(switch);
            if done(&report) {
                return report;
            }
            assert!(Instant::now() < deadline, "not within {STEP:?}: {report:#}");
        }
    }
}

fn route(report: &Value) -> &Value {
    &report["routes"][0]
}

fn gateway<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["gateways"]
        .as_array()
        .and_then(|gateways| gateways.iter().find(|g| g["gateway"] == name))
        .unwrap_or(&Value::Null)
}

#[test]
fn least_cost_moves_off_a_cheap_grey_route_and_back_when_it_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let good = Sim::start(&["--dlr-delay-ms", "20"]);
    let bad = Sim::start(&["--dlr-delay-ms", "60000"]);
    let bad_addr = bad.addr;
    let switch = Switch::start(&config(dir.path(), good.addr, bad.addr), &[]);
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    let mut next = 0;

    // The cheaper one first, then out once its receipts go missing.
    let seen = traffic_until(&mut esme, &switch, &mut next, |report| {
        route(report)["preferred"] == "good" && route(report)["taken_out"][0] == "bad"
    });
    let changes = route(&seen)["changes"].as_array().unwrap().clone();
    let kinds: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["change"].as_str())
        .collect();
    assert_eq!(
        kinds[..3],
        ["preferred", "taken_out", "preferred"],
        "{changes:#?}"
    );
    assert_eq!(changes[0]["gateway"], "bad");
    assert!(
        changes[1]["reason"]
            .as_str()
            .unwrap()
            .contains("delivery ratio"),
        "{changes:#?}"
    );
    assert_eq!(changes[2]["from"], "bad");
    let bad_hour = &gateway(&seen, "bad")["last_hour"];
    assert!(bad_hour["missing"].as_u64().unwrap() >= 4, "{seen:#}");
    assert_eq!(bad_hour["delivery_ratio"], 0.0);
    assert_eq!(
        gateway(&seen, "bad")["operators"][0]["operator"],
        "movistar"
    );
    let seen = traffic_until(&mut esme, &switch, &mut next, |report| {
        report["alerts"][0]["gateway"] == "bad"
    });
    assert_eq!(seen["alerts"][0]["kind"], "delivery_ratio", "{seen:#}");
    assert!(switch.logged().contains("route quality alert raised"));

    // Good's figures show, with what it costs and what it earns.
    let seen = traffic_until(&mut esme, &switch, &mut next, |report| {
        gateway(report, "good")["last_hour"]["receipts"]["delivered"].as_u64() >= Some(4)
    });
    let good_hour = &gateway(&seen, "good")["last_hour"];
    assert_eq!(good_hour["delivery_ratio"], 1.0, "{seen:#}");
    assert!(
        good_hour["latency_p95_s"].as_f64().unwrap() <= 1.0,
        "{seen:#}"
    );
    let accepted = good_hour["accepted"].as_u64().unwrap() as f64;
    let cost: f64 = good_hour["cost"].as_str().unwrap().parse().unwrap();
    let margin: f64 = good_hour["margin"].as_str().unwrap().parse().unwrap();
    assert!((cost - 0.03 * accepted).abs() < 1e-9, "{seen:#}");
    assert!((margin - 0.02 * accepted).abs() < 1e-9, "{seen:#}");
    let metrics = scrape::scrape(switch.http);
    assert_eq!(
        scrape::value(
            &metrics,
            r#"pasarela_gateway_delivery_ratio{gateway="good"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"pasarela_route_quality_changes_total{route="34",gateway="bad",change="taken_out"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"pasarela_quality_alerts_total{gateway="bad",kind="delivery_ratio"} 1"#),
        "{metrics}"
    );

    // It recovers: retries find it good, it comes back and, cheaper,
    // takes the traffic again.
    drop(bad);
    let _bad = Sim::start_on(&bad_addr.to_string(), &["--dlr-delay-ms", "20"]);
    let seen = traffic_until(&mut esme, &switch, &mut next, |report| {
        route(report)["preferred"] == "bad"
    });
    let changes = route(&seen)["changes"].as_array().unwrap();
    let kinds: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["change"].as_str())
        .collect();
    assert_eq!(
        kinds[kinds.len() - 2..],
        ["restored", "preferred"],
        "{changes:#?}"
    );
    assert!(route(&seen)["taken_out"].as_array().unwrap().is_empty());
    assert!(
        changes.last().unwrap()["reason"]
            .as_str()
            .unwrap()
            .contains("cheaper")
    );
    // Its alert cleared on the way.
    let seen = traffic_until(&mut esme, &switch, &mut next, |report| {
        report["alerts"].as_array().is_some_and(Vec::is_empty)
    });
    assert!(seen["alerts"].as_array().unwrap().is_empty());
    assert!(switch.logged().contains("route quality alert cleared"));
    assert!(switch.logged().contains("route quality: automatic change"));
}

/// The built-in simulator's counts, as the report has them.
fn sim_delivered(switch: &Switch) -> (Option<u64>, Option<u64>) {
    let report = report(switch);
    let sim = gateway(&report, "sim");
    (
        sim["last_hour"]["receipts"]["delivered"].as_u64(),
        sim["last_24h"]["receipts"]["delivered"].as_u64(),
    )
}

#[test]
fn the_counts_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::write_config(dir.path(), "[quality]\nwindow_s = 600\n");
    let mut switch = Switch::start(&config, &[]);
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    for n in 0..5 {
        esme.submit(&format!("3460010{n:04}"), 0);
    }
    let deadline = Instant::now() + STEP;
    while sim_delivered(&switch) != (Some(5), Some(5)) {
        assert!(Instant::now() < deadline, "{:#}", report(&switch));
        while esme.recv(Duration::from_millis(100)).is_some() {}
    }
    // Flushed every second (a fine bucket of 10 s, at most 1 s apart).
    std::thread::sleep(Duration::from_millis(1500));
    drop(esme);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let switch = Switch::start(&config, &[]);
    assert_eq!(
        sim_delivered(&switch),
        (Some(5), Some(5)),
        "{:#}",
        report(&switch)
    );
}

/// A switch (in its data directory) with gateway `name` to each
/// simulator (and the built-in one), probing `numbers` (settled 2 s after
/// they are sent), asked for a round of probes: its report once each of
/// these gateways has settled one probe to every number.
fn probed(gateways: &[(&str, &Sim)], numbers: &[&str]) -> (tempfile::TempDir, Switch, Value) {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<&str> = gateways.iter().map(|(name, _)| *name).collect();
    let gateways: Vec<String> = gateways
        .iter()
        .map(|(name, sim)| common::smpp_gateway(name, sim.addr, "window = 16"))
        .collect();
    let extra = format!(
        r#"
{gateways}

[quality]
window_s = 60
min_receipts = 1

[probes]
numbers = {numbers:?}
account = "demo"
every_s = 600
wait_s = 2
"#,
        gateways = gateways.join("\n"),
    );
    let switch = Switch::start(&write_config_without_account_tps(dir.path(), &extra), &[]);
    let asked = ask_for_probes(&switch);
    assert_eq!(asked.status, 202, "{}", asked.text);
    let deadline = Instant::now() + STEP;
    let seen = loop {
        let report = report(&switch);
        let settled = names.iter().all(|name| {
            gateway(&report, name)["last_hour"]["probes"].as_u64() == Some(numbers.len() as u64)
        });
        if settled {
            break report;
        }
        assert!(Instant::now() < deadline, "{report:#}");
        std::thread::sleep(Duration::from_millis(200));
    };
    (dir, switch, seen)
}

fn alert_of<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["alerts"]
        .as_array()
        .and_then(|alerts| alerts.iter().find(|a| a["gateway"] == name))
        .unwrap_or(&Value::Null)
}

#[test]
fn probes_find_a_fake_receipt_and_one_that_arrived() {
    // 34600100009 is a handset of the simulator: the probe arrives as
    // sent. 34600100001 answers DELIVRD and nothing else: a fake receipt.
    let smsc = Sim::start(&["--dlr-delay-ms", "20", "--test-number", "34600100009"]);
    let (_dir, switch, seen) = probed(&[("up", &smsc)], &["34600100009", "34600100001"]);
    let up = &gateway(&seen, "up")["last_hour"];
    assert_eq!(up["probes_arrived"], 1, "{seen:#}");
    assert_eq!(up["probes_altered"], 0, "{seen:#}");
    assert_eq!(up["probes_sender_rewritten"], 0, "{seen:#}");
    assert_eq!(up["fake_receipts"], 1, "{seen:#}");
    assert!(up["probe_delivery_p50_s"].as_f64().is_some(), "{seen:#}");
    assert!(switch.logged().contains("fake receipt"));
    assert_eq!(alert_of(&seen, "up")["kind"], "fake_receipts", "{seen:#}");
    assert_eq!(
        alert_of(&seen, "up")["reason"],
        "1 fake receipt",
        "{seen:#}"
    );
    // The console gives the alert's reason in the page's language.
    let operator = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let headers = [(
        "Cookie".to_owned(),
        format!("pasarela_session={operator}; pasarela_lang=es"),
    )];
    let page = http::request_with_headers(switch.http, "GET", "/ui/quality", &headers, b"");
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("<td>1 recibo falso</td>"),
        "{}",
        page.text
    );
}

#[test]
fn probes_find_a_rewritten_sender_and_an_altered_text() {
    // Both deliver the probe to the test number, and a receipt; "grey"
    // hands it over from another sender, "edits" with words added.
    let grey = Sim::start(&[
        "--dlr-delay-ms",
        "20",
        "--test-number",
        "34600100009",
        "--rewrite-sender",
        "34699000000",
    ]);
    let edits = Sim::start(&[
        "--dlr-delay-ms",
        "20",
        "--test-number",
        "34600100009",
        "--append-text",
        " via grey",
    ]);
    let (_dir, switch, seen) = probed(&[("grey", &grey), ("edits", &edits)], &["34600100009"]);
    let grey_hour = &gateway(&seen, "grey")["last_hour"];
    assert_eq!(grey_hour["probes_arrived"], 1, "{seen:#}");
    assert_eq!(grey_hour["probes_sender_rewritten"], 1, "{seen:#}");
    assert_eq!(grey_hour["probes_altered"], 0, "{seen:#}");
    assert_eq!(grey_hour["fake_receipts"], 0, "{seen:#}");
    assert_eq!(
        gateway(&seen, "grey")["last_24h"]["probes_sender_rewritten"],
        1
    );
    assert_eq!(
        alert_of(&seen, "grey")["kind"],
        "sender_rewritten",
        "{seen:#}"
    );
    let logged = switch.logged();
    assert!(logged.contains("sender rewritten"), "{logged}");
    assert!(logged.contains("34699000000"), "{logged}");
    let edits_hour = &gateway(&seen, "edits")["last_hour"];
    assert_eq!(edits_hour["probes_arrived"], 1, "{seen:#}");
    assert_eq!(edits_hour["probes_altered"], 1, "{seen:#}");
    assert_eq!(edits_hour["probes_sender_rewritten"], 0, "{seen:#}");
    assert_eq!(edits_hour["fake_receipts"], 0, "{seen:#}");
    // An altered text is reported, not alerted on.
    assert_eq!(alert_of(&seen, "edits"), &Value::Null, "{seen:#}");
}

#[test]
fn probes_are_refused_without_test_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&common::write_config(dir.path(), ""), &[]);
    let asked = ask_for_probes(&switch);
    assert_eq!(asked.status, 409, "{}", asked.text);
}

/// Asks the switch, as the operator, to send its probes now.
fn ask_for_probes(switch: &Switch) -> http::Answer {
    http::json(
        switch.http,
        "POST",
        "/api/v1/reports/route-quality/probes",
        ADMIN,
        None,
    )
}

/// `method path` of the route quality page with `session`'s cookie, or
/// none (`""`).
fn quality_page(switch: &Switch, method: &str, path: &str, session: &str) -> http::Answer {
    browse(switch.http, session, method, path, "csrf=x")
}

#[test]
fn the_route_quality_page_is_the_operators_only_and_shows_each_routes_standing() {
    let dir = tempfile::tempdir().unwrap();
    let extra = r#"
[probes]
numbers = ["34600100001"]
account = "demo"
every_s = 600

[[routes]]
prefix = "44"
gateways = ["sim"]
price = "0.05"
mode = "least_cost"
"#;
    let switch = Switch::start(&common::write_config(dir.path(), extra), &[]);
    // No session: sent to the login form, shown nothing.
    for (method, path) in [("GET", "/ui/quality"), ("POST", "/ui/quality/probes")] {
        let answer = quality_page(&switch, method, path, "");
        assert_eq!(answer.status, 303, "{method} {path}: {}", answer.text);
        assert!(
            answer.headers.contains("location: /ui/login"),
            "{}",
            answer.headers
        );
        assert!(!answer.text.contains("Route quality"), "{}", answer.text);
    }
    // A customer: refused.
    let customer = ui_login(switch.http, ("demo", "demo1234"));
    for (method, path) in [("GET", "/ui/quality"), ("POST", "/ui/quality/probes")] {
        let answer = quality_page(&switch, method, path, &customer);
        assert_eq!(answer.status, 403, "{method} {path}: {}", answer.text);
        assert!(!answer.text.contains("Send probes now"), "{}", answer.text);
    }
    // The operator sees it. The refused asks sent no probes: nothing went
    // through the built-in simulator.
    let operator = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let page = quality_page(&switch, "GET", "/ui/quality", &operator);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("<h1>Route quality</h1>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Send probes now"), "{}", page.text);
    assert!(page.text.contains("Nothing measured yet"), "{}", page.text);
    // The least_cost route's standing: on its one gateway.
    let deadline = Instant::now() + STEP;
    loop {
        let page = quality_page(&switch, "GET", "/ui/quality", &operator);
        if page.text.contains(r#"<div class="panel" data-route="44">"#) {
            assert!(page.text.contains("least_cost"), "{}", page.text);
            assert!(
                page.text.contains(r#"<code data-preferred>sim</code>"#),
                "{}",
                page.text
            );
            break;
        }
        assert!(Instant::now() < deadline, "{}", page.text);
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !switch.logged().contains("probes sent"),
        "no probes asked for"
    );
    assert_eq!(gateway(&report(&switch), "sim"), &Value::Null);
}
