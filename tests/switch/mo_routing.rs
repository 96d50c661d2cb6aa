//! MO routing end to end over TCP: `pasarela serve` with a real store,
//! `pasarela sim-smsc` as its upstream SMSC. An MO is made by submitting
//! through the switch, from the number the MO must reach, to a number
//! ending in 9999: the simulator answers each such message with an MO
//! from that destination back to the source, with the same text. The MO
//! then reaches the account the `[[mo_routes]]` name (by number, and by
//! first word on a shared short code) as a deliver_sm on its receiver,
//! waits in its mailbox while none is bound, is POSTed signed to its
//! callback URL, or stays in the inbox, counted, when no route claims it;
//! and after a SIGKILL while the inbox is being routed, each MO still
//! reaches its account exactly once. MO routes set and deleted through the
//! admin API take effect at once (the waiting inbox included) and survive
//! a restart.

use crate::{callback_receiver, common, http, raw, scrape as metrics, sim};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callback_receiver::{Received, Receiver, signature};
use common::{Switch, smpp_gateway, write_config};
use metrics::wait_for;
use pasarela::model::{AccountId, GatewayName};
use pasarela::smpp::pdu::{COctetString, Npi, OctetString, Pdu, SubmitSm, Ton};
use pasarela::smpp::{CommandId, CommandStatus};
use pasarela::store::{Store, StoreConfig};
use raw::Raw;
use sim::Sim;

/// The simulator answers a message to a number ending in 9999 with an MO.
pub(crate) const REPLIER: &str = "346000009999";
const GATEWAY: &str = "operator-a";
const SECRET: &str = "mo-secret-mo-secret";
const WAIT: Duration = Duration::from_secs(15);

/// The accounts and MO routes every test runs with: a long number for
/// "shop", a shared short code whose JOIN goes to "club" and the rest to
/// "agency", and a long number for "hooks", whose MO are POSTed to
/// `callback_url`; `more` adds MO routes.
fn config(dir: &Path, upstream: SocketAddr, callback_url: &str, more: &str) -> PathBuf {
    let config = format!(
        r#"
{gateway}
[[routes]]
prefix = "34600"
gateways = ["{GATEWAY}"]
price = "0.01"

[callbacks]
retry_first_ms = 50
retry_max_ms = 400

[[accounts]]
system_id = "shop"
password = "shop1234"

[[accounts]]
system_id = "club"
password = "club1234"

[[accounts]]
system_id = "agency"
password = "agency12"

[[accounts]]
system_id = "hooks"
password = "hooks123"
callback_url = "{callback_url}"
callback_secret = "{SECRET}"

[[mo_routes]]
number = "+447700900123"
account = "shop"

[[mo_routes]]
number = "12345"
keyword = "join"
account = "club"

[[mo_routes]]
number = "12345"
account = "agency"

[[mo_routes]]
number = "447700900555"
account = "hooks"
{more}
"#,
        gateway = smpp_gateway(GATEWAY, upstream, "")
    );
    write_config(dir, &config)
}

/// The switch on `dir` with that configuration.
fn start(dir: &Path, upstream: &Sim, callback_url: &str, more: &str) -> Switch {
    Switch::start(&config(dir, upstream.addr, callback_url, more), &[])
}

/// A session of the demo account, which makes the MO.
pub(crate) fn demo(switch: &Switch) -> Raw {
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransmitter, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    raw
}

/// A receiver bound as `system_id`.
pub(crate) fn receiver(switch: &Switch, system_id: &str, password: &str) -> Raw {
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindReceiver, system_id, password),
        CommandStatus::EsmeRok
    );
    raw
}

/// Makes the simulator send an MO from [`REPLIER`] to `number` with `text`.
pub(crate) fn make_mo(demo: &mut Raw, number: &str, text: &str) {
    make_mo_from(demo, REPLIER, number, text);
}

/// Makes the simulator send an MO from `phone` (a number ending in 9999)
/// to `number` with `text`: the demo account sends `text` from `number`
/// to `phone`, and the simulator answers with it.
pub(crate) fn make_mo_from(demo: &mut Raw, phone: &str, number: &str, text: &str) {
    assert!(phone.ends_with("9999"), "the simulator answers only these");
    let ton = if number.len() >= 7 {
        Ton::International
    } else {
        Ton::Unknown
    };
    let body = SubmitSm::builder()
        .source_addr_ton(ton)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_string(number.to_owned()).unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string(phone.to_owned()).unwrap())
        .short_message(OctetString::from_vec(text.as_bytes().to_vec()).unwrap())
        .build();
    let seq = demo.request(body);
    let deadline = Instant::now() + WAIT;
    loop {
        let command = demo
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a submit_sm_resp");
        if command.id() == CommandId::SubmitSmResp && command.sequence_number() == seq {
            assert_eq!(command.status(), CommandStatus::EsmeRok);
            return;
        }
    }
}

/// An MO as an ESME reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mo {
    pub(crate) source: String,
    pub(crate) destination: String,
    pub(crate) text: String,
    esm_class: u8,
    data_coding: u8,
}

/// The next deliver_sm on `raw` within `within` (answered OK by `Raw`).
pub(crate) fn next_mo(raw: &mut Raw, within: Duration) -> Option<Mo> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let Some(command) = raw.recv(deadline.saturating_duration_since(Instant::now())) else {
            break;
        };
        if let Some(Pdu::DeliverSm(body)) = command.pdu() {
            return Some(Mo {
                source: body.source_addr.as_str().to_owned(),
                destination: body.destination_addr.as_str().to_owned(),
                text: String::from_utf8_lossy(body.short_message()).into_owned(),
                esm_class: u8::from(body.esm_class),
                data_coding: u8::from(body.data_coding),
            });
        }
    }
    None
}

/// The texts of the MO `raw` reads until `count` have come (bounded),
/// and then for `quiet` more, each with how often it came.
fn collect_texts(raw: &mut Raw, count: usize, quiet: Duration) -> BTreeMap<String, usize> {
    let mut texts = BTreeMap::new();
    let deadline = Instant::now() + WAIT;
    while texts.values().sum::<usize>() < count && Instant::now() < deadline {
        if let Some(mo) = next_mo(raw, Duration::from_millis(200)) {
            *texts.entry(mo.text).or_insert(0) += 1;
        }
    }
    while let Some(mo) = next_mo(raw, quiet) {
        *texts.entry(mo.text).or_insert(0) += 1;
    }
    texts
}

fn series(outcome: &str) -> String {
    format!("pasarela_mo_total{{gateway=\"{GATEWAY}\",outcome=\"{outcome}\"}}")
}

fn open_store(dir: &Path) -> Store {
    Store::open(StoreConfig::new(dir.join("data/store"))).unwrap()
}

#[test]
fn an_mo_to_a_long_number_reaches_its_accounts_receiver() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream, "http://127.0.0.1:9/none", "");
    let mut shop = receiver(&switch, "shop", "shop1234");
    let mut agency = receiver(&switch, "agency", "agency12");
    make_mo(&mut demo(&switch), "447700900123", "hello shop");
    let mo = next_mo(&mut shop, WAIT).expect("the MO at shop's receiver");
    assert_eq!(
        mo,
        Mo {
            source: REPLIER.to_owned(),
            destination: "447700900123".to_owned(),
            text: "hello shop".to_owned(),
            esm_class: 0,
            data_coding: 0,
        }
    );
    assert_eq!(next_mo(&mut agency, Duration::from_secs(1)), None);
    wait_for(switch.http, &[(&series("routed"), 1.0)]);
}

#[test]
fn a_keyword_on_a_shared_short_code_picks_its_account_and_other_words_the_catch_all() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream, "http://127.0.0.1:9/none", "");
    let mut club = receiver(&switch, "club", "club1234");
    let mut agency = receiver(&switch, "agency", "agency12");
    let mut demo = demo(&switch);
    for text in ["JOIN now", "join later", "hello there", "joiner"] {
        make_mo(&mut demo, "12345", text);
    }
    let quiet = Duration::from_millis(500);
    let to_club = collect_texts(&mut club, 2, quiet);
    let to_agency = collect_texts(&mut agency, 2, quiet);
    assert_eq!(
        to_club,
        BTreeMap::from([("JOIN now".to_owned(), 1), ("join later".to_owned(), 1)])
    );
    assert_eq!(
        to_agency,
        BTreeMap::from([("hello there".to_owned(), 1), ("joiner".to_owned(), 1)])
    );
}

#[test]
fn an_mo_for_an_account_without_a_receiver_waits_for_one_to_bind() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream, "http://127.0.0.1:9/none", "");
    // A transmitter takes no deliver_sm: the MO waits for a receiver.
    let mut transmitter = Raw::connect(switch.smpp);
    assert_eq!(
        transmitter.bind(CommandId::BindTransmitter, "shop", "shop1234"),
        CommandStatus::EsmeRok
    );
    make_mo(&mut demo(&switch), "447700900123", "kept for later");
    wait_for(switch.http, &[(&series("routed"), 1.0)]);
    assert_eq!(next_mo(&mut transmitter, Duration::from_millis(500)), None);
    let mut shop = receiver(&switch, "shop", "shop1234");
    let mo = next_mo(&mut shop, WAIT).expect("the kept MO on bind");
    assert_eq!(mo.text, "kept for later");
    assert_eq!(mo.destination, "447700900123");
}

#[test]
fn an_accounts_callback_receives_the_mo_signed() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let received = Arc::new(Mutex::new(Vec::<Received>::new()));
    let server = Receiver::start(0, 200, received.clone());
    let switch = start(dir.path(), &upstream, &server.url("/mo"), "");
    make_mo(&mut demo(&switch), "447700900555", "call me back");
    let deadline = Instant::now() + WAIT;
    let request = loop {
        if let Some(request) = received.lock().unwrap().first().cloned() {
            break request;
        }
        assert!(Instant::now() < deadline, "no MO callback within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/mo")
    );
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(
        request.headers["x-pasarela-signature"],
        signature(SECRET, &request)
    );
    let body = request.json();
    assert_eq!(request.headers["x-pasarela-event"], body["event_id"]);
    for (field, expected) in [
        ("event", "mo"),
        ("account", "hooks"),
        ("from", REPLIER),
        ("to", "447700900555"),
        ("text", "call me back"),
        ("gateway", GATEWAY),
    ] {
        assert_eq!(body[field], expected, "{field} in {body}");
    }
    assert_eq!(body["coding"], 0);
    assert_eq!(body["parts"], 1);
    assert_eq!(body["complete"], true);
    assert!(!body["id"].as_str().unwrap().is_empty(), "{body}");
    assert!(
        body["received_at"].as_str().unwrap().ends_with('Z'),
        "{body}"
    );
}

#[test]
fn an_unrouted_mo_stays_in_the_inbox_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let mut switch = start(dir.path(), &upstream, "http://127.0.0.1:9/none", "");
    let mut demo = demo(&switch);
    // No route for the number; on the shared code, the catch-all takes it.
    make_mo(&mut demo, "447700900999", "anyone there");
    make_mo(&mut demo, "12345", "someone");
    wait_for(
        switch.http,
        &[(&series("unrouted"), 1.0), (&series("routed"), 1.0)],
    );
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let store = open_store(dir.path());
    let inbox = store
        .inbound(&GatewayName::new(GATEWAY.to_owned()).unwrap())
        .unwrap();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0].destination.as_deref(), Some("447700900999"));
    assert_eq!(inbox[0].source, REPLIER);
    assert_eq!(inbox[0].text.as_deref(), Some("anyone there"));
}

#[test]
fn after_a_sigkill_while_the_inbox_is_routed_each_mo_arrives_exactly_once() {
    const COUNT: usize = 30;
    let number = "447700900777";
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let nowhere = "http://127.0.0.1:9/none";
    // First without a route: the MO pile up in the inbox.
    let mut switch = start(dir.path(), &upstream, nowhere, "");
    let mut demo_session = demo(&switch);
    for n in 1..=COUNT {
        make_mo(&mut demo_session, number, &format!("mo {n}"));
    }
    wait_for(switch.http, &[(&series("unrouted"), COUNT as f64)]);
    drop(demo_session);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());

    // With a route for the number, the inbox is routed at start; killed
    // right away, in the middle of that or just after.
    let route = format!("\n[[mo_routes]]\nnumber = \"{number}\"\naccount = \"shop\"\n");
    let mut switch = start(dir.path(), &upstream, nowhere, &route);
    switch.signal_and_wait(libc::SIGKILL);

    let mut switch = start(dir.path(), &upstream, nowhere, &route);
    let mut shop = receiver(&switch, "shop", "shop1234");
    let texts = collect_texts(&mut shop, COUNT, Duration::from_millis(1500));
    let expected: BTreeMap<String, usize> = (1..=COUNT).map(|n| (format!("mo {n}"), 1)).collect();
    assert_eq!(texts, expected, "each MO once");
    drop(shop);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let store = open_store(dir.path());
    let gateway = GatewayName::new(GATEWAY.to_owned()).unwrap();
    assert_eq!(store.inbound(&gateway).unwrap(), []);
    assert_eq!(
        store.mailbox(&AccountId::new("shop").unwrap()).unwrap(),
        [],
        "every MO acknowledged and gone"
    );
}

const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));

/// An admin request on the MO routes; its status and body.
fn mo_routes(
    switch: &Switch,
    method: &str,
    path: &str,
    account: Option<&str>,
) -> (u16, serde_json::Value) {
    let body = account.map(|account| serde_json::json!({ "account": account }));
    let answer = http::json(
        switch.http,
        method,
        &format!("/api/v1/mo-routes{path}"),
        ADMIN,
        body.as_ref(),
    );
    (answer.status, answer.body)
}

/// The MO routes in force as (number, keyword, account).
fn routes_in_force(switch: &Switch) -> Vec<(String, Option<String>, String)> {
    let (status, body) = mo_routes(switch, "GET", "", None);
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|route| {
            (
                route["number"].as_str().unwrap().to_owned(),
                route["keyword"].as_str().map(str::to_owned),
                route["account"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn mo_routes_set_through_the_admin_api_route_the_waiting_inbox_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let nowhere = "http://127.0.0.1:9/none";
    let mut switch = start(dir.path(), &upstream, nowhere, "");
    let mut agency = receiver(&switch, "agency", "agency12");
    let mut club = receiver(&switch, "club", "club1234");
    let mut sender = demo(&switch);
    make_mo(&mut sender, "447700900777", "waiting");
    wait_for(switch.http, &[(&series("unrouted"), 1.0)]);

    // A new route takes the MO that waited for it, and the next ones.
    let (status, body) = mo_routes(&switch, "PUT", "/+447700900777", Some("agency"));
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        next_mo(&mut agency, WAIT).map(|mo| mo.text).as_deref(),
        Some("waiting")
    );
    // Replacing the file's JOIN route takes JOIN from club.
    let (status, body) = mo_routes(&switch, "PUT", "/12345/Join", Some("agency"));
    assert_eq!(status, 200, "{body}");
    make_mo(&mut sender, "12345", "JOIN us");
    assert_eq!(
        next_mo(&mut agency, WAIT).map(|mo| mo.text).as_deref(),
        Some("JOIN us")
    );
    assert_eq!(next_mo(&mut club, Duration::from_millis(500)), None);
    let (status, body) = mo_routes(&switch, "DELETE", "/447700900555", None);
    assert_eq!(status, 200, "{body}");

    // Refusals name what is wrong and change nothing.
    for (method, path, account, status, field) in [
        ("PUT", "/12ab", Some("agency"), 400, Some("number")),
        (
            "PUT",
            "/12345/two%20words",
            Some("agency"),
            400,
            Some("keyword"),
        ),
        ("PUT", "/12345", Some("nobody"), 400, Some("account")),
        ("PUT", "/12345", None, 400, Some("body")),
        ("DELETE", "/999", None, 404, None),
        ("DELETE", "/12345/NOPE", None, 404, None),
    ] {
        let (seen, body) = mo_routes(&switch, method, path, account);
        assert_eq!(seen, status, "{method} {path}: {body}");
        assert_eq!(body["field"].as_str(), field, "{method} {path}: {body}");
    }
    let unauthorised = http::json(switch.http, "GET", "/api/v1/mo-routes", None, None);
    assert_eq!(unauthorised.status, 401);

    let expected = vec![
        ("12345".to_owned(), None, "agency".to_owned()),
        (
            "12345".to_owned(),
            Some("Join".to_owned()),
            "agency".to_owned(),
        ),
        ("447700900123".to_owned(), None, "shop".to_owned()),
        ("447700900777".to_owned(), None, "agency".to_owned()),
    ];
    assert_eq!(routes_in_force(&switch), expected);
    switch.kill();
    let switch = start(dir.path(), &upstream, nowhere, "");
    assert_eq!(routes_in_force(&switch), expected);
    let mut agency = receiver(&switch, "agency", "agency12");
    make_mo(&mut demo(&switch), "447700900777", "after the restart");
    assert_eq!(
        next_mo(&mut agency, WAIT).map(|mo| mo.text).as_deref(),
        Some("after the restart")
    );
}

#[test]
fn a_concatenated_mo_reaches_its_account_as_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream, "http://127.0.0.1:9/none", "");
    let mut shop = receiver(&switch, "shop", "shop1234");
    // Sent as two parts with a header; the SMSC sends each back as it is.
    let text = "Hello shop, this is a long reply: ".repeat(6);
    let sent = http::json(
        switch.http,
        "POST",
        "/api/v1/messages",
        Some(("demo", "demo1234")),
        Some(&serde_json::json!({"to": REPLIER, "from": "+447700900123", "text": text})),
    );
    assert_eq!(sent.status, 202, "{}", sent.text);
    assert_eq!(sent.body["parts"], 2, "{}", sent.text);
    let mo = next_mo(&mut shop, WAIT).expect("the joined MO at shop's receiver");
    assert_eq!(mo.text, text);
    assert_eq!((mo.esm_class, mo.destination.as_str()), (0, "447700900123"));
    assert_eq!(
        next_mo(&mut shop, Duration::from_secs(1)),
        None,
        "one message, not its parts"
    );
    wait_for(switch.http, &[(&series("routed"), 1.0)]);
}
