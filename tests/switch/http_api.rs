//! The customer JSON API over real HTTP on 127.0.0.1, against `pasarela
//! serve` with a real store: sending (short, long, to several numbers),
//! reading a message and its history as the simulator delivers it, the
//! balance, and every refusal as a problem naming what is wrong. A message
//! sent over HTTP gets its receipt on the account's SMPP receiver. The
//! admin lists accounts; customers may not.

use crate::{common, http, raw};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use http::json as http;
use pasarela::smpp::CommandId;
use pasarela::smpp::pdu::Pdu;
use raw::Raw;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A second account, so one can try to read the other's messages.
const OTHER_ACCOUNT: &str = r#"
[[accounts]]
system_id = "other"
password = "other123"
credit = "10.00"
"#;

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));

fn start() -> (tempfile::TempDir, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), OTHER_ACCOUNT);
    let switch = Switch::start(&config, &[]);
    (dir, switch)
}

/// Polls the message until it is in `state` (bounded).
fn wait_for_state(http_address: SocketAddr, id: &str, state: &str) -> Value {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let answer = http(
            http_address,
            "GET",
            &format!("/api/v1/messages/{id}"),
            DEMO,
            None,
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        if answer.body["state"] == state {
            return answer.body;
        }
        assert!(
            Instant::now() < deadline,
            "message {id} never reached {state}: {}",
            answer.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_message_sent_over_http_is_charged_delivered_and_readable_with_its_history() {
    let (_dir, switch) = start();
    assert_eq!(
        http(switch.http, "GET", "/healthz", None, None).body,
        json!({"status": "ok"})
    );

    let sent = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        DEMO,
        Some(
            &json!({"to": ["+34600111222", "34600111333"], "from": "Shop", "text": "hello", "client_reference": "order-17"}),
        ),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    assert_eq!(sent.body["parts"], 1);
    assert_eq!(sent.body["cost"], "2.00");
    let messages = sent.body["messages"].as_array().unwrap();
    assert_eq!(messages[1]["to"], "34600111333");
    let id = messages[0]["ids"][0].as_str().unwrap().to_string();

    let delivered = wait_for_state(switch.http, &id, "DELIVERED");
    assert_eq!(delivered["to"], "34600111222");
    assert_eq!(delivered["client_reference"], "order-17");
    let history: Vec<&str> = delivered["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["state"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["ACCEPTED", "ROUTED", "SUBMITTED", "DELIVERED"]);

    let balance = http(switch.http, "GET", "/api/v1/balance", DEMO, None);
    assert_eq!(
        balance.body,
        json!({"account": "demo", "balance": "998.00"})
    );

    // A long Unicode text: UCS-2 parts, each charged.
    let long = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        DEMO,
        Some(
            &json!({"to": "+34600111444", "from": "+34911234567", "text": "¿Qué tal? ✓ ".repeat(10)}),
        ),
    );
    assert_eq!(long.status, 202, "{}", long.body);
    assert_eq!(long.body["parts"], 2);
    assert_eq!(long.body["cost"], "2.00");
    let part = wait_for_state(
        switch.http,
        long.body["messages"][0]["ids"][1].as_str().unwrap(),
        "DELIVERED",
    );
    assert_eq!(part["part"], json!({"seq": 2, "total": 2}));

    // Another account sees none of it.
    let other = http(
        switch.http,
        "GET",
        &format!("/api/v1/messages/{id}"),
        Some(("other", "other123")),
        None,
    );
    assert_eq!(other.status, 404, "{}", other.body);
}

#[test]
fn refusals_are_problems_that_say_what_is_wrong() {
    let (_dir, switch) = start();
    let body = json!({"to": "+34600111222", "from": "Shop", "text": "hello"});

    let anonymous = http(switch.http, "POST", "/api/v1/messages", None, Some(&body));
    assert_eq!(anonymous.status, 401);
    assert!(
        anonymous.headers.contains("www-authenticate: basic"),
        "{}",
        anonymous.headers
    );
    assert!(
        anonymous
            .headers
            .contains("content-type: application/problem+json"),
        "{}",
        anonymous.headers
    );

    let wrong = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        Some(("demo", "nope")),
        Some(&body),
    );
    assert_eq!(wrong.status, 401, "{}", wrong.body);

    let bad_number = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        DEMO,
        Some(&json!({"to": ["+34600111222", "12"], "from": "Shop", "text": "hello"})),
    );
    assert_eq!(bad_number.status, 400);
    assert_eq!(bad_number.body["field"], "to[1]", "{}", bad_number.body);

    let unknown_field = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        DEMO,
        Some(&json!({"to": "+34600111222", "from": "Shop", "text": "x", "colour": "red"})),
    );
    assert_eq!(unknown_field.status, 400);
    assert!(
        unknown_field.body["detail"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{}",
        unknown_field.body
    );

    // "other" has 10.00 of credit at 1.00 a part: eleven parts are refused.
    let broke = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        Some(("other", "other123")),
        Some(&json!({"to": "+34600111222", "from": "Shop", "text": "x".repeat(153 * 11)})),
    );
    assert_eq!(broke.status, 402, "{}", broke.body);
    let balance = http(
        switch.http,
        "GET",
        "/api/v1/balance",
        Some(("other", "other123")),
        None,
    );
    assert_eq!(balance.body["balance"], "10.00");

    assert_eq!(
        http(
            switch.http,
            "GET",
            "/api/v1/messages/not-a-number",
            DEMO,
            None
        )
        .status,
        404
    );
    assert_eq!(http(switch.http, "GET", "/nowhere", None, None).status, 404);
}

#[test]
fn an_http_message_gets_its_receipt_on_the_accounts_smpp_receiver() {
    let (_dir, switch) = start();
    let mut receiver = Raw::connect(switch.smpp);
    assert_eq!(
        receiver.bind(CommandId::BindReceiver, "demo", "demo1234"),
        pasarela::smpp::CommandStatus::EsmeRok
    );
    let sent = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        DEMO,
        Some(&json!({"to": "+34600111222", "from": "Shop", "text": "receipt please"})),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    let id = sent.body["messages"][0]["ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let command = receiver
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a receipt before the timeout");
        if let Some(Pdu::DeliverSm(deliver)) = command.pdu() {
            let text = String::from_utf8_lossy(deliver.short_message().as_ref()).into_owned();
            assert!(text.starts_with(&format!("id:{id} ")), "{text}");
            assert!(text.contains("stat:DELIVRD"), "{text}");
            break;
        }
    }
}

#[test]
fn the_admin_lists_accounts_and_customers_cannot() {
    let (_dir, switch) = start();
    let admin = Some(("admin", "change-me"));

    let listed = http(switch.http, "GET", "/api/v1/accounts", admin, None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    let ids: Vec<&str> = listed
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|account| account["system_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["demo", "other"]);
    assert_eq!(listed.body[1]["balance"], "10.00");

    for refused in [DEMO, Some(("admin", "wrong")), None] {
        let answer = http(switch.http, "GET", "/api/v1/accounts", refused, None);
        assert_eq!(answer.status, 401, "{refused:?}: {}", answer.body);
    }
}
