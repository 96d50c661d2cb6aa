//! Gateways through the admin API, over real HTTP and real SMPP on
//! 127.0.0.1: `pasarela serve` with `pasarela sim-smsc` children as
//! upstream SMSCs. An smpp gateway added at runtime carries a route added
//! at runtime; a new port moves its traffic to another SMSC with every
//! message answered exactly once; stopped, it unbinds, makes no reconnect
//! attempts and its route uses its next gateway, or, with none, its
//! messages wait until it is started; all of it survives SIGKILL and
//! SIGTERM. Definitions are refused as the configuration file refuses
//! them, naming the key, and only the operator may make changes. Every
//! wait is bounded.

use crate::{common, esme, gateway_view, http, modem_emulator, sim};
use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use esme::Esme;
use gateway_view::{bound, wait_for};
use http::json as http;
use modem_emulator::Emulator;
use pasarela::smpp::{CommandStatus, pdu::Pdu};
use serde_json::{Value, json};
use sim::Sim;

const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));
const WAIT: Duration = Duration::from_secs(20);

/// An smpp gateway's body for `pasarela sim-smsc` at `port`.
fn smpp(name: &str, port: u16) -> Value {
    json!({
        "name": name,
        "kind": "smpp",
        "host": "127.0.0.1",
        "port": port,
        "system_id": "pasarela",
        "password": "secret",
    })
}

fn call(switch: &Switch, method: &str, path: &str, body: Option<&Value>) -> http::Answer {
    http(switch.http, method, path, ADMIN, body)
}

/// A request that must be answered `status`; returns the body.
fn body_of(switch: &Switch, method: &str, path: &str, body: Option<&Value>, status: u16) -> Value {
    let answer = call(switch, method, path, body);
    assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
    answer.body
}

/// Waits until `sim`'s log has `count` lines with `text`.
fn wait_for_log(sim: &Sim, text: &str, count: usize) {
    let deadline = Instant::now() + WAIT;
    while sim.log_count(text) < count {
        assert!(
            Instant::now() < deadline,
            "sim-smsc logged {text:?} {} times, not {count}",
            sim.log_count(text)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Submits one message to `destination`, receipt requested; its id.
fn send(esme: &mut Esme, destination: &str) -> String {
    let seq = esme.raw.submit(destination, 1);
    let response = esme.response(seq);
    assert_eq!(response.status(), CommandStatus::EsmeRok);
    match response.pdu() {
        Some(Pdu::SubmitSmResp(body)) => body.message_id().as_str().to_owned(),
        other => panic!("not a submit_sm_resp: {other:?}"),
    }
}

/// Submits `count` messages to `34600…`, receipts requested; their ids.
fn submit(esme: &mut Esme, first: usize, count: usize) -> Vec<String> {
    (first..first + count)
        .map(|n| send(esme, &format!("3460000{n:04}")))
        .collect()
}

/// The submits sim-smsc counted over the connections it closed.
fn submits_seen(sim: &Sim) -> u64 {
    sim.log_lines()
        .iter()
        .filter_map(|line| line.split("; submits ").nth(1))
        .filter_map(|rest| rest.split(',').next()?.parse::<u64>().ok())
        .sum()
}

/// Every one of `ids` has exactly one DELIVRD receipt, and no other
/// receipt came.
fn delivered_once(esme: &mut Esme, ids: &[String]) {
    for id in ids {
        assert_eq!(esme.receipt(id, WAIT).stat, "DELIVRD", "{id}");
    }
    // A duplicate would come about as soon as the first.
    esme.listen(Duration::from_millis(500));
    let expected: HashSet<&String> = ids.iter().collect();
    let got: Vec<&String> = esme.receipts.iter().map(|receipt| &receipt.id).collect();
    assert_eq!(got.len(), ids.len(), "one receipt each: {got:?}");
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), expected);
}

fn add_route(switch: &Switch, gateways: &[&str]) {
    let route = json!({"prefix": "34", "gateways": gateways, "price": "1.00"});
    body_of(switch, "POST", "/api/v1/routes", Some(&route), 201);
}

#[test]
fn an_added_gateway_carries_traffic_moves_to_a_new_port_and_survives_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let first = Sim::start(&["--dlr-delay-ms", "20"]);
    let second = Sim::start(&["--dlr-delay-ms", "20"]);
    let config = write_config(dir.path(), "");
    let mut switch = Switch::start(&config, &[]);

    let added = body_of(
        &switch,
        "POST",
        "/api/v1/gateways",
        Some(&smpp("op-b", first.addr.port())),
        201,
    );
    assert_eq!(added["kind"], "smpp");
    assert_eq!(added["stopped"], false);
    add_route(&switch, &["op-b"]);
    wait_for(switch.http, "op-b", bound);
    let mut esme = Esme::bind(switch.smpp);
    let mut ids = submit(&mut esme, 0, 10);
    delivered_once(&mut esme, &ids);

    // A new port: the binds drain and bind to the second SMSC; what is
    // submitted meanwhile waits and goes there.
    let moved = smpp("op-b", second.addr.port());
    body_of(&switch, "PUT", "/api/v1/gateways/op-b", Some(&moved), 200);
    ids.extend(submit(&mut esme, 10, 10));
    wait_for_log(&second, "bound as", 1);
    drop(first);
    ids.extend(submit(&mut esme, 20, 10));
    delivered_once(&mut esme, &ids);
    drop(esme);

    // Killed: the added and changed gateway and its route come back.
    switch.kill();
    let mut switch = Switch::start(&config, &[]);
    wait_for(switch.http, "op-b", bound);
    let mut esme = Esme::bind(switch.smpp);
    let after_kill = submit(&mut esme, 30, 5);
    delivered_once(&mut esme, &after_kill);

    // Stopped: it unbinds, and the route, with no other gateway, keeps
    // the messages.
    let binds_before = second.log_count("bound as");
    let stopped = body_of(&switch, "POST", "/api/v1/gateways/op-b/stop", None, 200);
    assert_eq!(stopped["stopped"], true);
    let stopped = wait_for(switch.http, "op-b", |gateway| {
        gateway["binds"][0]["state"] == "stopped"
    });
    assert_eq!(stopped["up"], false);
    let waiting = submit(&mut esme, 40, 5);
    esme.listen(Duration::from_millis(1500));
    assert_eq!(
        esme.receipts.len(),
        after_kill.len(),
        "nothing goes while stopped"
    );
    drop(esme);

    // SIGTERM: it starts stopped, binds nowhere, until started.
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let switch = Switch::start(&config, &[]);
    let view = body_of(&switch, "GET", "/api/v1/gateways/op-b", None, 200);
    assert_eq!(view["stopped"], true, "{view}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(second.log_count("bound as"), binds_before, "no reconnects");
    let mut esme = Esme::bind(switch.smpp);
    body_of(&switch, "POST", "/api/v1/gateways/op-b/start", None, 200);
    wait_for(switch.http, "op-b", bound);
    delivered_once(&mut esme, &waiting);
}

/// A sim-smsc, and the shipped switch with gateway "op-b" to it added
/// through the API.
fn switch_with_op_b(dir: &std::path::Path) -> (Sim, Switch) {
    let upstream = Sim::start(&["--dlr-delay-ms", "20"]);
    let switch = Switch::start(&write_config(dir, ""), &[]);
    body_of(
        &switch,
        "POST",
        "/api/v1/gateways",
        Some(&smpp("op-b", upstream.addr.port())),
        201,
    );
    (upstream, switch)
}

#[test]
fn a_stopped_gateway_hands_its_route_to_the_next_and_makes_no_reconnect_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let (upstream, switch) = switch_with_op_b(dir.path());
    // op-b first, the file's simulator next.
    add_route(&switch, &["op-b", "sim"]);
    wait_for(switch.http, "op-b", bound);
    wait_for_log(&upstream, "bound as", 1);

    body_of(&switch, "POST", "/api/v1/gateways/op-b/stop", None, 200);
    // The unbind closes its connection, which logs its totals.
    wait_for_log(&upstream, "unbound; submits", 1);
    let mut esme = Esme::bind(switch.smpp);
    let ids = submit(&mut esme, 0, 10);
    delivered_once(&mut esme, &ids);
    // Its SMSC saw none of them, and no new bind.
    assert_eq!(upstream.log_count("bound as"), 1);
    assert_eq!(upstream.log_count("unbound; submits 0,"), 1);

    let listed = body_of(&switch, "GET", "/api/v1/gateways", None, 200);
    let states: Vec<(&str, &str, bool, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|gateway| {
            (
                gateway["name"].as_str().unwrap(),
                gateway["kind"].as_str().unwrap(),
                gateway["up"].as_bool().unwrap(),
                gateway["stopped"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("sim", "simulator", true, false),
            ("op-b", "smpp", false, true)
        ]
    );

    body_of(&switch, "POST", "/api/v1/gateways/op-b/start", None, 200);
    wait_for(switch.http, "op-b", bound);
    wait_for_log(&upstream, "bound as", 2);
}

/// The problem's status and field.
fn refused(switch: &Switch, method: &str, path: &str, body: &Value) -> (u16, String) {
    let answer = call(switch, method, path, Some(body));
    (
        answer.status,
        answer.body["field"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn definitions_are_refused_as_the_file_refuses_them_and_only_for_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let add = |body: &Value| refused(&switch, "POST", "/api/v1/gateways", body);
    let with = |key: &str, value: Value| {
        let mut body = smpp("op-b", 2776);
        body[key] = value;
        body
    };

    assert_eq!(add(&with("port", json!(0))), (400, "port".into()));
    assert_eq!(add(&with("port", json!("x"))), (400, "port".into()));
    assert_eq!(add(&with("port", json!(70000))), (400, "port".into()));
    assert_eq!(add(&with("colour", json!("red"))), (400, "colour".into()));
    assert_eq!(
        add(&with("dlr_delay_ms", json!(5))),
        (400, "dlr_delay_ms".into())
    );
    assert_eq!(add(&with("bind", json!("both"))), (400, "bind".into()));
    let mut no_host = smpp("op-b", 2776);
    no_host.as_object_mut().unwrap().remove("host");
    assert_eq!(add(&no_host), (400, "host".into()));
    assert_eq!(add(&with("name", json!("a b"))), (400, "name".into()));
    assert_eq!(add(&json!([1])), (400, "body".into()));
    assert_eq!(add(&smpp("sim", 2776)), (409, "name".into()));

    let kind_change = refused(&switch, "PUT", "/api/v1/gateways/sim", &smpp("sim", 2776));
    assert_eq!(kind_change, (409, "kind".into()));
    let other_name = refused(&switch, "PUT", "/api/v1/gateways/sim", &smpp("x", 2776));
    assert_eq!(other_name, (400, "name".into()));
    let missing = call(
        &switch,
        "PUT",
        "/api/v1/gateways/nope",
        Some(&smpp("nope", 1)),
    );
    assert_eq!(missing.status, 404, "{}", missing.body);
    let missing = call(&switch, "POST", "/api/v1/gateways/nope/stop", None);
    assert_eq!(missing.status, 404, "{}", missing.body);
    // Nothing refused was added.
    let listed = body_of(&switch, "GET", "/api/v1/gateways", None, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    // A simulator's delay changes in place; the name may be left out.
    let delayed = body_of(
        &switch,
        "PUT",
        "/api/v1/gateways/sim",
        Some(&json!({"kind": "simulator", "dlr_delay_ms": 5})),
        200,
    );
    assert_eq!(delayed["dlr_delay_ms"], 5, "{delayed}");
    assert_eq!(delayed["up"], true);

    for credentials in [None, Some(("demo", "demo1234")), Some(("admin", "wrong"))] {
        for (method, path, body) in [
            ("POST", "/api/v1/gateways", Some(smpp("op-c", 2776))),
            ("PUT", "/api/v1/gateways/sim", Some(smpp("sim", 2776))),
            ("POST", "/api/v1/gateways/sim/stop", None),
            ("POST", "/api/v1/gateways/sim/start", None),
            ("GET", "/api/v1/gateways", None),
        ] {
            let answer = http(switch.http, method, path, credentials, body.as_ref());
            assert_eq!(answer.status, 401, "{method} {path} as {credentials:?}");
        }
    }
    let view = body_of(&switch, "GET", "/api/v1/gateways/sim", None, 200);
    assert_eq!(view["stopped"], false);
}

#[test]
fn a_stop_waits_for_the_answers_in_flight_and_sends_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (upstream, switch) = switch_with_op_b(dir.path());
    add_route(&switch, &["op-b"]);
    wait_for(switch.http, "op-b", bound);
    let mut esme = Esme::bind(switch.smpp);
    // …9998: sim-smsc answers after 5 s, so these are in flight at the stop.
    let ids: Vec<String> = (0..3)
        .map(|n| send(&mut esme, &format!("346000{n}9998")))
        .collect();
    wait_for(switch.http, "op-b", |gateway| gateway["window_in_use"] == 3);
    let stopped_at = Instant::now();
    body_of(&switch, "POST", "/api/v1/gateways/op-b/stop", None, 200);
    // The bind unbinds only once the answers came.
    wait_for_log(&upstream, "unbound; submits", 1);
    assert!(
        stopped_at.elapsed() >= Duration::from_secs(3),
        "unbound early"
    );
    assert_eq!(submits_seen(&upstream), 3);

    body_of(&switch, "POST", "/api/v1/gateways/op-b/start", None, 200);
    wait_for(switch.http, "op-b", bound);
    delivered_once(&mut esme, &ids);
    body_of(&switch, "POST", "/api/v1/gateways/op-b/stop", None, 200);
    wait_for_log(&upstream, "unbound; submits", 2);
    assert_eq!(submits_seen(&upstream), 3, "none sent twice");
}

#[test]
fn a_modem_added_at_runtime_shows_its_state_closes_its_port_when_stopped_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let definition = |poll: u64| {
        json!({
            "name": "gsm1",
            "kind": "modem",
            "device": modem.device,
            "command_timeout_ms": 1000,
            "poll_interval_ms": poll,
        })
    };
    let added = body_of(
        &switch,
        "POST",
        "/api/v1/gateways",
        Some(&definition(300)),
        201,
    );
    assert_eq!(added["kind"], "modem");
    let ready = wait_for(switch.http, "gsm1", |gateway| {
        gateway["connected"] == true && gateway["radio"].is_object()
    });
    assert_eq!(ready["up"], true);
    assert_eq!(ready["device"], modem.device.as_str());
    let inits = || {
        let state = modem.state();
        state.commands.iter().filter(|line| *line == "ATE0").count()
    };
    assert_eq!(inits(), 1);

    body_of(&switch, "POST", "/api/v1/gateways/gsm1/stop", None, 200);
    let stopped = wait_for(switch.http, "gsm1", |gateway| gateway["connected"] == false);
    assert_eq!(
        (stopped["up"].clone(), stopped["stopped"].clone()),
        (json!(false), json!(true))
    );
    // Port closed: no more polls.
    let commands = modem.state().commands.len();
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(
        modem.state().commands.len(),
        commands,
        "polled while stopped"
    );

    body_of(&switch, "POST", "/api/v1/gateways/gsm1/start", None, 200);
    wait_for(switch.http, "gsm1", |gateway| gateway["up"] == true);
    assert_eq!(inits(), 2);
    // New settings reopen the port; the same settings do not.
    body_of(
        &switch,
        "PUT",
        "/api/v1/gateways/gsm1",
        Some(&definition(300)),
        200,
    );
    body_of(
        &switch,
        "PUT",
        "/api/v1/gateways/gsm1",
        Some(&definition(400)),
        200,
    );
    wait_for(switch.http, "gsm1", |_| inits() == 3);
    wait_for(switch.http, "gsm1", |gateway| gateway["up"] == true);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(inits(), 3);
}
