//! The admin's live view of bound ESME sessions over real SMPP and HTTP on
//! 127.0.0.1: two ESMEs bound differently are listed with their account,
//! bind kind, peer and counters after submits and receipts; the list
//! filters by account; a DELETE makes a session unbind and close and leave
//! the list (after the response timeout when the ESME ignores the unbind);
//! a client that drops its socket leaves it too; only the operator may look.

use crate::{common, http, raw};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use http::json as http;
use pasarela::smpp::pdu;
use pasarela::smpp::{CommandId, CommandStatus};
use raw::Raw;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(10);

const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));

/// A second account, bound as a transmitter beside demo's transceiver.
const OTHER_ACCOUNT: &str = r#"
[[accounts]]
system_id = "other"
password = "other123"
credit = "10.00"
"#;

/// A switch with the `other` account and `smpp_keys` added to `[smpp]`.
fn start(smpp_keys: &str) -> (tempfile::TempDir, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), OTHER_ACCOUNT);
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replacen("[smpp]\n", &format!("[smpp]\n{smpp_keys}\n"), 1);
    std::fs::write(&config, text).unwrap();
    let switch = Switch::start(&config, &[]);
    (dir, switch)
}

fn bound(switch: &Switch, kind: CommandId, system_id: &str, password: &str) -> Raw {
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(esme.bind(kind, system_id, password), CommandStatus::EsmeRok);
    esme
}

/// `GET /api/v1/sessions` (with `query`) as the admin.
fn sessions(address: SocketAddr, query: &str) -> Vec<Value> {
    let answer = http(
        address,
        "GET",
        &format!("/api/v1/sessions{query}"),
        ADMIN,
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body.as_array().expect("a list").clone()
}

/// Polls the list until `done` holds for it (bounded).
fn wait_for_list(address: SocketAddr, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let listed = sessions(address, "");
        if done(&listed) {
            return listed;
        }
        assert!(Instant::now() < deadline, "{what}; the list: {listed:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn by_account<'a>(listed: &'a [Value], system_id: &str) -> &'a Value {
    listed
        .iter()
        .find(|session| session["system_id"] == system_id)
        .unwrap_or_else(|| panic!("{system_id} is listed: {listed:?}"))
}

/// Submits to `destination` and returns the submit_sm_resp's status.
fn submit(esme: &mut Raw, destination: &str, registered_delivery: u8) -> CommandStatus {
    let seq = esme.submit(destination, registered_delivery);
    let resp = esme.expect();
    assert_eq!(resp.id(), CommandId::SubmitSmResp);
    assert_eq!(resp.sequence_number(), seq);
    resp.status()
}

#[test]
fn the_admin_sees_each_bound_session_with_its_counters_and_filters_by_account() {
    let (_dir, switch) = start("");
    let mut demo = bound(&switch, CommandId::BindTransceiver, "demo", "demo1234");
    let mut other = bound(&switch, CommandId::BindTransmitter, "other", "other123");
    // Connected but not bound: not listed.
    let _unbound = Raw::connect(switch.smpp);

    assert_ne!(submit(&mut demo, "", 1), CommandStatus::EsmeRok);
    assert_eq!(submit(&mut other, "34600000002", 0), CommandStatus::EsmeRok);
    for _ in 0..3 {
        demo.submit("34600000001", 1);
    }
    // Three submit_sm_resp, and the simulator's three receipts, which demo
    // acknowledges, in whatever order they come.
    let mut answers = Vec::new();
    for _ in 0..6 {
        let pdu = demo.expect();
        answers.push((pdu.id(), pdu.status()));
    }
    answers.sort_by_key(|(id, _)| u32::from(*id));
    let ok = CommandStatus::EsmeRok;
    assert_eq!(
        answers,
        [(CommandId::DeliverSm, ok); 3]
            .into_iter()
            .chain([(CommandId::SubmitSmResp, ok); 3])
            .collect::<Vec<_>>()
    );

    let listed = wait_for_list(switch.http, "demo's receipts acknowledged", |listed| {
        listed.len() == 2
            && listed
                .iter()
                .any(|session| session["deliver_sm_acknowledged"] == 3)
    });
    let demo_view = by_account(&listed, "demo");
    assert_eq!(demo_view["bind"], "transceiver");
    assert_eq!(demo_view["submits_accepted"], 3);
    assert_eq!(demo_view["submits_refused"], 1);
    assert_eq!(demo_view["deliver_sm_sent"], 3);
    assert_eq!(demo_view["inbound_outstanding"], 0);
    assert_eq!(demo_view["outbound_outstanding"], 0);
    assert_eq!(demo_view["interface_version"], "5.0");
    let peer: SocketAddr = demo_view["peer"].as_str().unwrap().parse().unwrap();
    assert!(peer.ip().is_loopback());
    assert!(
        chrono::DateTime::parse_from_rfc3339(demo_view["bound_since"].as_str().unwrap()).is_ok()
    );

    let other_view = by_account(&listed, "other");
    assert_eq!(other_view["bind"], "transmitter");
    assert_eq!(other_view["submits_accepted"], 1);
    assert_eq!(other_view["submits_refused"], 0);
    assert_eq!(other_view["deliver_sm_sent"], 0);
    assert_ne!(other_view["id"], demo_view["id"]);

    let filtered = sessions(switch.http, "?account=other");
    assert_eq!(filtered.len(), 1, "{filtered:?}");
    assert_eq!(filtered[0]["id"], other_view["id"]);
    assert!(sessions(switch.http, "?account=nobody").is_empty());

    let one = http(
        switch.http,
        "GET",
        &format!("/api/v1/sessions/{}", demo_view["id"]),
        ADMIN,
        None,
    );
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["system_id"], "demo");
    for missing in ["/api/v1/sessions/999999", "/api/v1/sessions/not-a-number"] {
        let answer = http(switch.http, "GET", missing, ADMIN, None);
        assert_eq!(answer.status, 404, "{missing}: {}", answer.text);
        assert!(answer.headers.contains("application/problem+json"));
    }

    let demo_path = format!("/api/v1/sessions/{}", demo_view["id"]);
    for refused in [Some(("demo", "demo1234")), Some(("admin", "wrong")), None] {
        for (method, path) in [
            ("GET", "/api/v1/sessions"),
            ("GET", demo_path.as_str()),
            ("DELETE", demo_path.as_str()),
        ] {
            let answer = http(switch.http, method, path, refused, None);
            assert_eq!(answer.status, 401, "{method} {path} as {refused:?}");
        }
    }
    assert_eq!(sessions(switch.http, "").len(), 2);
}

#[test]
fn a_session_leaves_the_list_when_the_operator_kicks_it_or_its_client_drops_it() {
    let (_dir, switch) = start("");
    let mut kicked = bound(&switch, CommandId::BindTransceiver, "demo", "demo1234");
    let mut dropped = bound(&switch, CommandId::BindReceiver, "other", "other123");
    // A receiver may not submit: the refusal is counted all the same.
    assert_eq!(
        submit(&mut dropped, "34600000003", 0),
        CommandStatus::EsmeRinvbndsts
    );
    let listed = wait_for_list(switch.http, "both bound", |listed| listed.len() == 2);
    let receiver = by_account(&listed, "other");
    assert_eq!(receiver["bind"], "receiver");
    assert_eq!(receiver["submits_refused"], 1);
    assert_eq!(receiver["submits_accepted"], 0);
    let kicked_path = format!("/api/v1/sessions/{}", by_account(&listed, "demo")["id"]);

    let answer = http(switch.http, "DELETE", &kicked_path, ADMIN, None);
    assert_eq!(answer.status, 202, "{}", answer.text);
    let unbind = kicked.expect();
    assert_eq!(unbind.id(), CommandId::Unbind);
    kicked.send(&pdu::header_only(
        CommandId::UnbindResp,
        CommandStatus::EsmeRok,
        unbind.sequence_number(),
    ));
    assert!(kicked.is_closed_within(TIMEOUT), "the socket is closed");
    let listed = wait_for_list(switch.http, "the kicked session unlisted", |listed| {
        listed.iter().all(|session| session["system_id"] != "demo")
    });
    assert_eq!(listed.len(), 1);
    let again = http(switch.http, "DELETE", &kicked_path, ADMIN, None);
    assert_eq!(again.status, 404, "{}", again.text);

    drop(dropped);
    wait_for_list(
        switch.http,
        "the dropped session unlisted",
        <[Value]>::is_empty,
    );
}

#[test]
fn a_kicked_session_that_ignores_the_unbind_is_closed_after_the_response_timeout() {
    let (_dir, switch) = start("response_timeout_s = 1");
    let mut silent = bound(&switch, CommandId::BindTransmitter, "demo", "demo1234");
    let listed = wait_for_list(switch.http, "bound", |listed| listed.len() == 1);
    let path = format!("/api/v1/sessions/{}", listed[0]["id"]);

    let answer = http(switch.http, "DELETE", &path, ADMIN, None);
    assert_eq!(answer.status, 202, "{}", answer.text);
    assert_eq!(silent.expect().id(), CommandId::Unbind);
    // No unbind_resp: the session gives up after a second or two.
    assert!(silent.is_closed_within(TIMEOUT), "the socket is closed");
    wait_for_list(
        switch.http,
        "the silent session unlisted",
        <[Value]>::is_empty,
    );
    let gone = http(switch.http, "GET", &path, ADMIN, None);
    assert_eq!(gone.status, 404, "{}", gone.text);
}
