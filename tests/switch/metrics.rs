//! `GET /metrics` over real HTTP while messages go through `pasarela
//! serve`: accepted and rejected counts (throttled, credit, invalid) per
//! account, parts submitted and receipts per gateway and state, the
//! accept and submit→receipt histograms, a route's queue depth while its
//! gateway is down, and an upstream SMPP gateway's window gauge.

use crate::{common, http, raw, scrape as metrics, sim};
use std::net::SocketAddr;

use common::{Switch, write_config};
use http::json as http;
use metrics::{value, wait_for};
use pasarela::smpp::{CommandId, CommandStatus};
use raw::Raw;
use serde_json::json;
use sim::Sim;

/// `poor` can pay for one part; `slow` may send one message a second;
/// `99…` goes to a gateway nothing listens for; `77…` to an SMPP
/// simulator.
fn extra(upstream: SocketAddr) -> String {
    format!(
        r#"
[[accounts]]
system_id = "poor"
password = "poor1234"
credit = "1.00"

[[accounts]]
system_id = "slow"
password = "slow1234"
credit = "100.00"
tps = 1

[[gateways]]
name = "nowhere"
kind = "smpp"
host = "127.0.0.1"
port = 9
system_id = "pasarela"
password = "secret"

[[gateways]]
name = "upstream"
kind = "smpp"
host = "127.0.0.1"
port = {port}
system_id = "pasarela"
password = "secret"
window = 8

[[routes]]
prefix = "99"
gateways = ["nowhere"]
price = "1.00"

[[routes]]
prefix = "77"
gateways = ["upstream"]
price = "1.00"
"#,
        port = upstream.port()
    )
}

fn send(address: SocketAddr, who: (&str, &str), to: &str) -> u16 {
    let body = json!({"to": to, "from": "Shop", "text": "hello"});
    http(address, "POST", "/api/v1/messages", Some(who), Some(&body)).status
}

#[test]
fn counters_gauges_and_histograms_follow_the_traffic() {
    let upstream = Sim::start(&["--dlr-delay-ms", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &extra(upstream.addr));
    let switch = Switch::start(&config, &[]);

    // demo: two parts over SMPP, one over HTTP, all to the simulator.
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    for destination in ["34600000001", "34600000002"] {
        esme.submit(destination, 0);
        assert_eq!(esme.expect().status(), CommandStatus::EsmeRok);
    }
    assert_eq!(send(switch.http, ("demo", "demo1234"), "+34600000003"), 202);
    // An invalid destination never reaches the account's checks, over
    // HTTP or SMPP.
    assert_eq!(send(switch.http, ("demo", "demo1234"), "not a number"), 400);
    esme.submit("", 0);
    assert_eq!(esme.expect().status(), CommandStatus::EsmeRinvdstadr);

    // poor: one accepted, then out of credit.
    assert_eq!(send(switch.http, ("poor", "poor1234"), "+34600000004"), 202);
    assert_ne!(send(switch.http, ("poor", "poor1234"), "+34600000005"), 202);

    // slow: one a second, so three at once cannot all pass.
    let statuses: Vec<u16> = (0..3)
        .map(|_| send(switch.http, ("slow", "slow1234"), "+34600000006"))
        .collect();
    let throttled = statuses.iter().filter(|&&status| status != 202).count();
    assert!(throttled >= 1, "{statuses:?}");

    // Two wait in the route of a gateway that never comes up; one goes
    // through the SMPP simulator.
    for destination in ["99600000001", "99600000002", "77600000001"] {
        esme.submit(destination, 0);
        assert_eq!(esme.expect().status(), CommandStatus::EsmeRok);
    }

    let slow_accepted = (3 - throttled) as f64;
    let text = wait_for(
        switch.http,
        &[
            ("pasarela_messages_accepted_total{account=\"demo\"}", 6.0),
            ("pasarela_messages_accepted_total{account=\"poor\"}", 1.0),
            (
                "pasarela_messages_accepted_total{account=\"slow\"}",
                slow_accepted,
            ),
            (
                "pasarela_messages_rejected_total{account=\"demo\",reason=\"invalid\"}",
                2.0,
            ),
            (
                "pasarela_messages_rejected_total{account=\"poor\",reason=\"credit\"}",
                1.0,
            ),
            (
                "pasarela_messages_rejected_total{account=\"slow\",reason=\"throttled\"}",
                throttled as f64,
            ),
            ("pasarela_accept_seconds_count{account=\"demo\"}", 6.0),
            (
                "pasarela_messages_submitted_total{gateway=\"sim\"}",
                2.0 + 2.0 + slow_accepted,
            ),
            (
                "pasarela_messages_submitted_total{gateway=\"upstream\"}",
                1.0,
            ),
            (
                "pasarela_receipts_total{account=\"demo\",gateway=\"sim\",state=\"delivered\"}",
                3.0,
            ),
            (
                "pasarela_receipts_total{account=\"demo\",gateway=\"upstream\",state=\"delivered\"}",
                1.0,
            ),
            (
                "pasarela_submit_to_receipt_seconds_count{gateway=\"upstream\"}",
                1.0,
            ),
            ("pasarela_route_queue_depth{route=\"99\"}", 2.0),
            ("pasarela_route_queue_depth{route=\"default\"}", 0.0),
            ("pasarela_gateway_window_in_use{gateway=\"upstream\"}", 0.0),
        ],
    );
    // Every accept was observed in one bucket or another.
    assert_eq!(
        value(
            &text,
            "pasarela_accept_seconds_bucket{le=\"+Inf\",account=\"demo\"}"
        ),
        Some(6.0),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
}
