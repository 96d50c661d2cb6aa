//! Report summaries end to end over 127.0.0.1: a `pasarela serve` child
//! with the built-in simulator (`…9991` answers UNDELIV), a gateway cost
//! and a second account. Messages go through the real switch; once their
//! receipts are in, today's, the daily and the monthly reports (JSON and
//! CSV) have exactly their counts, credit, cost and margin; a customer
//! sees its own figures only and no cost; bad dates are refused; the
//! figures are read back after a restart. Every wait is bounded.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, Switch, write_config};
use crate::http;
use crate::ui::{browse, ui_login};

const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const OTHER: Option<(&str, &str)> = Some(("other", "other123"));
const WAIT: Duration = Duration::from_secs(30);

fn config(dir: &Path) -> std::path::PathBuf {
    write_config(
        dir,
        r#"
[[numbering]]
prefix = "346"
operator = "movistar"

[[gateway_costs]]
gateway = "sim"
prefix = "34"
cost = "0.30"

[[accounts]]
system_id = "other"
password = "other123"
credit = "100.00"
allowed_ips = ["127.0.0.0/8"]
"#,
    )
}

fn send(switch: &Switch, account: Option<(&str, &str)>, to: &str) {
    let body = json!({"to": to, "from": "Shop", "text": "hi"});
    let answer = http::json(
        switch.http,
        "POST",
        "/api/v1/messages",
        account,
        Some(&body),
    );
    assert!(answer.status < 300, "{}", answer.text);
}

fn get(switch: &Switch, path: &str, auth: Option<(&str, &str)>) -> http::Answer {
    http::json(switch.http, "GET", path, auth, None)
}

fn report(switch: &Switch, path: &str, auth: Option<(&str, &str)>) -> Value {
    let answer = get(switch, path, auth);
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer.body
}

fn csv(switch: &Switch, path: &str, auth: Option<(&str, &str)>) -> Vec<String> {
    let (user, password) = auth.unwrap();
    let token = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{user}:{password}"),
    );
    let answer = http::request_with_headers(
        switch.http,
        "GET",
        path,
        &[
            ("Authorization".into(), format!("Basic {token}")),
            ("Accept".into(), "text/csv".into()),
        ],
        b"",
    );
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    assert!(
        answer.headers.contains("content-type: text/csv"),
        "{}",
        answer.headers
    );
    answer.text.lines().map(str::to_owned).collect()
}

/// Waits until today's report (the operator's) has `ended` parts that
/// reached a final state.
fn wait_for_endings(switch: &Switch, ended: u64) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let today = report(switch, "/api/v1/reports/today", ADMIN);
        let totals = &today["totals"];
        let seen = totals["delivered"].as_u64().unwrap() + totals["failed"].as_u64().unwrap();
        if seen == ended {
            return today;
        }
        assert!(Instant::now() < deadline, "{today:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn day() -> String {
    chrono::Utc::now().date_naive().to_string()
}

#[test]
fn reports_count_what_the_switch_did_for_the_operator_and_each_customer() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let mut switch = Switch::start(&config, &[]);
    for to in [
        "+34600000001",
        "+34600000002",
        "+34600000003",
        "+34600009991",
    ] {
        send(&switch, DEMO, to);
    }
    send(&switch, OTHER, "+44700000001");
    let today = wait_for_endings(&switch, 5);

    // The operator's today: 5 parts at 1.00, 4 through "sim" at 0.30 to
    // Spain (none priced for the UK number).
    let totals = &today["totals"];
    assert_eq!(totals["messages"], 5);
    assert_eq!(totals["parts"], 5);
    assert_eq!(totals["delivered"], 4);
    assert_eq!(totals["failed"], 1);
    assert_eq!(totals["undelivered"], 1);
    assert_eq!(totals["credit"], "5.00");
    assert_eq!(totals["cost"], "1.20");
    assert_eq!(totals["margin"], "3.80");
    assert_eq!(totals["delivery_ratio"], 0.8);
    let hour = chrono::Utc::now().format("%Y-%m-%dT%H:00:00Z").to_string();
    let hours = today["hours"].as_array().unwrap();
    let last = hours.last().unwrap();
    assert_eq!(last["hour"], hour.as_str());
    assert_eq!(last["messages"], 5);

    // A customer's: its own, no cost.
    let mine = report(&switch, "/api/v1/reports/today", DEMO);
    assert_eq!(mine["totals"]["messages"], 4);
    assert_eq!(mine["totals"]["credit"], "4.00");
    assert_eq!(mine["totals"]["delivered"], 3);
    assert!(mine["totals"].get("cost").is_none(), "{mine:#}");
    assert!(mine["totals"].get("margin").is_none(), "{mine:#}");
    assert_eq!(
        get(&switch, "/api/v1/reports/today?account=other", DEMO).status,
        403
    );
    let refused = get(&switch, "/api/v1/reports/daily?group_by=gateway", DEMO);
    assert_eq!(refused.status, 400, "{}", refused.text);

    // Daily per gateway and per operator (the operator's).
    let day = day();
    let by_gateway = report(
        &switch,
        &format!("/api/v1/reports/daily?from={day}&to={day}&group_by=gateway"),
        ADMIN,
    );
    let rows = by_gateway["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{by_gateway:#}");
    assert_eq!(rows[0]["period"], day.as_str());
    assert_eq!(rows[0]["group"], "sim");
    assert_eq!(rows[0]["messages"], 5);
    assert_eq!(rows[0]["unit_price"], "1.00");
    assert_eq!(rows[0]["unit_cost"], "0.24");
    let by_operator = report(
        &switch,
        &format!("/api/v1/reports/daily?from={day}&to={day}&group_by=operator"),
        ADMIN,
    );
    let cells: Vec<_> = by_operator["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["group"].clone(),
                row["country"].clone(),
                row["parts"].clone(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            (json!("movistar"), json!("ES"), json!(4)),
            (json!("unknown"), json!("GB"), json!(1)),
        ]
    );

    // Monthly per account, as CSV: the operator's and a customer's.
    let month = &day[..7];
    let path = format!("/api/v1/reports/monthly?from={month}&to={month}&group_by=account");
    assert_eq!(
        csv(&switch, &path, ADMIN),
        [
            "month,group,messages,parts,delivered,failed,undelivered,expired,rejected,other,credit,refunded,delivery_ratio,unit_price,cost,margin,unit_cost".to_owned(),
            format!("{month},demo,4,4,3,1,1,0,0,0,4.00,0.00,0.7500,1.00,1.20,2.80,0.30"),
            format!("{month},other,1,1,1,0,0,0,0,0,1.00,0.00,1.0000,1.00,0.00,1.00,0.00"),
        ]
    );
    assert_eq!(
        csv(&switch, &path, DEMO),
        [
            "month,group,messages,parts,delivered,failed,undelivered,expired,rejected,other,credit,refunded,delivery_ratio,unit_price".to_owned(),
            format!("{month},demo,4,4,3,1,1,0,0,0,4.00,0.00,0.7500,1.00"),
        ]
    );
    let filtered = report(&switch, &format!("{path}&account=other"), ADMIN);
    assert_eq!(filtered["rows"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["totals"]["credit"], "1.00");

    // Bad dates and ranges.
    for bad in [
        "/api/v1/reports/daily?from=2026-13-01",
        "/api/v1/reports/daily?from=2026-12-02&to=2026-12-01",
        "/api/v1/reports/daily?from=2020-01-01&to=2026-01-01",
        "/api/v1/reports/monthly?from=2026-1",
        "/api/v1/reports/monthly?from=2020-01&to=2026-01",
        "/api/v1/reports/daily?group_by=country",
    ] {
        let answer = get(&switch, bad, ADMIN);
        assert_eq!(answer.status, 400, "{bad}: {}", answer.text);
        assert!(answer.headers.contains("application/problem+json"), "{bad}");
    }

    // Stored about once a second, and at a clean stop: a message counted
    // just before SIGTERM is in the report after a restart.
    send(&switch, DEMO, "+34600000004");
    wait_for_endings(&switch, 6);
    let before = report(&switch, &path, ADMIN);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let switch = Switch::start(&config, &[]);
    assert_eq!(report(&switch, &path, ADMIN), before);
    assert_eq!(
        report(&switch, "/api/v1/reports/today", ADMIN)["totals"]["messages"],
        6
    );
}

fn ui_get(switch: &Switch, path: &str, session: &str) -> http::Answer {
    browse(switch.http, session, "GET", path, "")
}

#[test]
fn the_report_pages_show_the_figures_with_charts_to_their_own_session_only() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&config(dir.path()), &[]);
    send(&switch, DEMO, "+34600000001");
    send(&switch, DEMO, "+34600009991");
    wait_for_endings(&switch, 2);

    let refused = ui_get(&switch, "/ui/reports", "");
    assert_eq!(refused.status, 303, "{}", refused.text);
    assert!(
        refused.headers.contains("location: /ui/login"),
        "{}",
        refused.headers
    );

    let admin = ui_login(switch.http, ("admin", ADMIN_PASSWORD));
    let page = ui_get(&switch, "/ui/reports?group_by=gateway", &admin);
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(html.contains(r#"data-figure="messages">2<"#), "{html}");
    assert!(html.contains(r#"data-figure="credit">2.00<"#), "{html}");
    assert!(html.contains(r#"data-figure="cost">0.60<"#), "{html}");
    assert!(html.contains(r#"data-figure="margin">1.40<"#), "{html}");
    assert_eq!(html.matches("<svg").count(), 3, "{html}");
    assert!(html.contains("<title>sim: 50%</title>"), "{html}");
    assert!(html.contains(r#"href="/ui/reports/daily.csv?"#), "{html}");
    let day = day();
    let csv = ui_get(
        &switch,
        &format!("/ui/reports/daily.csv?from={day}&to={day}&group_by=gateway"),
        &admin,
    );
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert_eq!(
        csv.text.lines().nth(1),
        Some(format!("{day},sim,2,2,1,1,1,0,0,0,2.00,0.00,0.5000,1.00,0.60,1.40,0.30").as_str())
    );

    // The customer's page: its figures, no cost, no gateway chart; the
    // operator's page is not its.
    let demo = ui_login(switch.http, ("demo", "demo1234"));
    let mine = ui_get(&switch, "/ui/me/reports", &demo);
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert!(
        mine.text.contains(r#"data-figure="messages">2<"#),
        "{}",
        mine.text
    );
    assert!(
        !mine.text.contains(r#"data-figure="cost""#),
        "{}",
        mine.text
    );
    assert_eq!(mine.text.matches("<svg").count(), 2, "{}", mine.text);
    assert_ne!(ui_get(&switch, "/ui/reports", &demo).status, 200);
}
