//! Sender rules (SPEC §6.1, docs/configuration.md `allowed_senders`): an
//! account's submissions from a sender it may not use are refused on every
//! interface before anything is charged — ESME_RINVSRCADR over SMPP, a 403
//! problem of type `sender-not-allowed` over HTTP, smsbox's answer for a
//! denied number over Kannel's sendsms — and counted in /metrics. The
//! admin API's list takes effect at once and survives a restart. A short
//! code is a sender Kannel's sendsms takes; an alphanumeric sender of 12
//! characters is refused.

use crate::{common, http, raw, scrape};
use std::net::SocketAddr;

use common::{ADMIN_PASSWORD, Switch, write_config};
use http::json as http;
use pasarela::smpp::pdu::{COctetString, Npi, SubmitSm, Ton};
use pasarela::smpp::{CommandId, CommandStatus};
use raw::{Raw, hello};
use serde_json::json;

/// `shop` may send from two senders only; `demo` (the shipped account)
/// from any.
const EXTRA: &str = r#"
[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "10.00"
allowed_senders = ["Shop", "+34911000000"]
"#;

const SHOP: Option<(&str, &str)> = Some(("shop", "shop1234"));
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));

fn start() -> (tempfile::TempDir, std::path::PathBuf, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), EXTRA);
    let switch = Switch::start(&config, &[]);
    (dir, config, switch)
}

fn balance(address: SocketAddr, who: Option<(&str, &str)>) -> String {
    let answer = http(address, "GET", "/api/v1/balance", who, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["balance"].as_str().unwrap().to_string()
}

/// `POST /api/v1/messages` from `from`: the answer.
fn send(address: SocketAddr, who: Option<(&str, &str)>, from: &str) -> http::Answer {
    let body = json!({"to": "+34600000001", "from": from, "text": "hello"});
    http(address, "POST", "/api/v1/messages", who, Some(&body))
}

/// `GET /cgi-bin/sendsms` as `user` from `from`: (status, body).
fn sendsms(address: SocketAddr, user: &str, from: &str) -> (u16, String) {
    let query = format!(
        "/cgi-bin/sendsms?username={user}&password={user}1234&to=34600000001&from={from}&text=hello"
    );
    let answer = http::request_with_headers(address, "GET", &query, &[], b"");
    (answer.status, answer.text)
}

/// A submit_sm of "hello" from `source` with `ton`.
fn from(source: &str, ton: Ton) -> SubmitSm {
    let mut submit = hello("34600000001", 0);
    submit.source_addr_ton = ton;
    submit.source_addr_npi = Npi::Unknown;
    submit.source_addr = COctetString::from_string(source.to_owned()).unwrap();
    submit
}

fn submit(esme: &mut Raw, pdu: SubmitSm) -> CommandStatus {
    esme.request(pdu);
    esme.expect().status()
}

fn bound(switch: &Switch, system_id: &str) -> Raw {
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(
            CommandId::BindTransceiver,
            system_id,
            &format!("{system_id}1234")
        ),
        CommandStatus::EsmeRok
    );
    esme
}

#[test]
fn a_sender_not_allowed_is_refused_everywhere_and_never_charged() {
    let (_dir, _config, switch) = start();
    let mut esme = bound(&switch, "shop");

    assert_eq!(
        submit(&mut esme, from("Other", Ton::Alphanumeric)),
        CommandStatus::EsmeRinvsrcadr
    );
    assert_eq!(
        submit(&mut esme, from("34922000000", Ton::International)),
        CommandStatus::EsmeRinvsrcadr
    );
    let refused = send(switch.http, SHOP, "Other");
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(
        refused.body["type"], "urn:pasarela:problem:sender-not-allowed",
        "{}",
        refused.text
    );
    assert_eq!(refused.body["field"], "from");
    assert_eq!(
        sendsms(switch.http, "shop", "Other"),
        (
            400,
            "Number(s) has/have been denied by white- and/or black-lists.".to_string()
        )
    );
    assert_eq!(
        balance(switch.http, SHOP),
        "10.00",
        "nothing refused is charged"
    );
    let listed = http(switch.http, "GET", "/api/v1/messages", SHOP, None);
    assert_eq!(
        listed.body["messages"],
        json!([]),
        "nothing refused is stored"
    );

    // The allowed ones, numbers in any of their forms.
    assert_eq!(
        submit(&mut esme, from("Shop", Ton::Alphanumeric)),
        CommandStatus::EsmeRok
    );
    assert_eq!(
        submit(&mut esme, from("0034911000000", Ton::Unknown)),
        CommandStatus::EsmeRok
    );
    assert_eq!(send(switch.http, SHOP, "+34911000000").status, 202);
    assert_eq!(sendsms(switch.http, "shop", "Shop").0, 202);
    assert_eq!(balance(switch.http, SHOP), "6.00");

    scrape::wait_for(
        switch.http,
        &[(
            "pasarela_messages_rejected_total{account=\"shop\",reason=\"sender\"}",
            4.0,
        )],
    );
}

#[test]
fn the_admin_api_sets_allowed_senders_at_once_and_they_survive_a_restart() {
    let (_dir, config, mut switch) = start();
    let admin = |switch: &Switch, method, path: &str, body: Option<serde_json::Value>| {
        http(switch.http, method, path, ADMIN, body.as_ref())
    };
    let read = admin(&switch, "GET", "/api/v1/accounts/shop", None);
    assert_eq!(
        read.body["allowed_senders"],
        json!(["Shop", "34911000000"]),
        "{}",
        read.text
    );
    assert_eq!(
        send(switch.http, Some(("demo", "demo1234")), "Other").status,
        202
    );

    let changed = admin(
        &switch,
        "PATCH",
        "/api/v1/accounts/demo",
        Some(json!({"allowed_senders": ["Bank", "12345"]})),
    );
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["allowed_senders"], json!(["Bank", "12345"]));
    let refused = send(switch.http, Some(("demo", "demo1234")), "Other");
    assert_eq!(refused.status, 403, "at once: {}", refused.text);

    let bad = admin(
        &switch,
        "PATCH",
        "/api/v1/accounts/demo",
        Some(json!({"allowed_senders": ["TwelveChars!"]})),
    );
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.body["field"], "allowed_senders[0]");

    let created = admin(
        &switch,
        "POST",
        "/api/v1/accounts",
        Some(
            json!({"system_id": "bank", "password": "bank1234", "credit": "5.00",
            "allowed_senders": ["Bank"]}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["allowed_senders"], json!(["Bank"]));

    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    drop(switch);
    let switch = Switch::start(&config, &[]);
    let demo = Some(("demo", "demo1234"));
    assert_eq!(send(switch.http, demo, "Other").status, 403);
    assert_eq!(send(switch.http, demo, "Bank").status, 202);
    let mut esme = bound(&switch, "demo");
    assert_eq!(
        submit(&mut esme, from("12345", Ton::NetworkSpecific)),
        CommandStatus::EsmeRok
    );
    let bank = Some(("bank", "bank1234"));
    assert_eq!(send(switch.http, bank, "Shop").status, 403);
    assert_eq!(send(switch.http, bank, "Bank").status, 202);
}

#[test]
fn short_codes_are_senders_and_twelve_characters_are_too_many() {
    let (_dir, _config, switch) = start();
    assert_eq!(
        sendsms(switch.http, "demo", "12345"),
        (202, "0: Accepted for delivery".to_string())
    );
    assert_eq!(
        send(switch.http, Some(("demo", "demo1234")), "12345").status,
        202
    );

    let mut esme = bound(&switch, "demo");
    assert_eq!(
        submit(&mut esme, from("TwelveChars1", Ton::Unknown)),
        CommandStatus::EsmeRinvsrcadr
    );
    assert_eq!(
        submit(&mut esme, from("ElevenChars", Ton::Unknown)),
        CommandStatus::EsmeRok
    );
    let (status, _) = sendsms(switch.http, "demo", "TwelveChars1");
    assert_eq!(status, 400);
}
