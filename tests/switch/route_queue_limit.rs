//! `limits.route_queue_max`: while a route's gateway is down, customers'
//! messages wait in the route's queue up to the limit; the next ones are
//! refused (ESME_RMSGQFUL over SMPP, 503 with Retry-After over HTTP),
//! uncharged and counted, while other routes go on. Once the SMSC is up
//! the queue drains, every queued message gets its receipt, and the
//! route takes messages again.

use std::net::TcpListener;
use std::time::Duration;

use pasarela::smpp::CommandStatus;
use serde_json::json;

use crate::common::{Switch, smpp_gateway, write_config};
use crate::esme::Esme;
use crate::http::json as http;
use crate::raw::hello;
use crate::scrape;
use crate::sim::Sim;

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const LIMIT: usize = 3;

fn balance(switch: &Switch) -> String {
    let answer = http(switch.http, "GET", "/api/v1/balance", DEMO, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["balance"].as_str().unwrap().to_owned()
}

#[test]
fn a_full_route_queue_refuses_customers_until_it_drains() {
    let dir = tempfile::tempdir().unwrap();
    // A port with nothing on it yet: the gateway stays down.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let upstream = format!("127.0.0.1:{port}");
    let extra = format!(
        "{}\n[[routes]]\nprefix = \"44\"\naccounts = [\"*\"]\ngateways = [\"smsc\"]\nprice = \"1.00\"\n\n[limits]\nroute_queue_max = {LIMIT}\n",
        smpp_gateway("smsc", upstream.parse().unwrap(), ""),
    );
    let config = write_config(dir.path(), &extra);
    let switch = Switch::start(&config, &[]);
    let mut esme = Esme::bind(switch.smpp);
    let before = balance(&switch);

    let queued: Vec<String> = (0..LIMIT)
        .map(|n| esme.submit(hello(&format!("4477009001{n:02}"), 1)))
        .collect();
    assert_eq!(
        esme.request(hello("447700900199", 1)),
        CommandStatus::EsmeRmsgqful,
        "the route's queue holds {LIMIT}"
    );
    let refused = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        DEMO,
        Some(&json!({"to": ["+447700900198"], "from": "Shop", "text": "hi"})),
    );
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(
        refused.headers.contains("retry-after: 1"),
        "{}",
        refused.headers
    );
    assert!(refused.text.contains("route_queue_max"), "{}", refused.text);
    // Another route (the default, to the built-in simulator) goes on.
    let elsewhere = esme.submit(hello("34600000001", 1));
    esme.receipt(&elsewhere, Duration::from_secs(10));
    // Only what was taken is charged.
    let charged = format!("{:.2}", before.parse::<f64>().unwrap() - (LIMIT + 1) as f64);
    assert_eq!(balance(&switch), charged);
    let metrics = scrape::scrape(switch.http);
    assert_eq!(
        scrape::value(
            &metrics,
            "pasarela_messages_rejected_total{account=\"demo\",reason=\"queue_full\"}"
        ),
        Some(2.0),
        "{metrics}"
    );

    // The SMSC comes up: the queue drains and each message gets its receipt.
    let _sim = Sim::start_on(&upstream, &["--dlr-delay-ms", "10"]);
    for id in &queued {
        let receipt = esme.receipt(id, Duration::from_secs(45));
        assert_eq!(receipt.stat, "DELIVRD", "{receipt:?}");
    }
    let again = esme.submit(hello("447700900197", 1));
    assert_eq!(
        esme.receipt(&again, Duration::from_secs(10)).stat,
        "DELIVRD"
    );
}
