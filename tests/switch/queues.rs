//! Bounded queues end to end: an account's mailbox held a page at a time
//! and kept across a restart, its size and age limits dropping the oldest
//! (counted in /metrics), the callback outbox paged across a restart,
//! retention purging old finished messages, messages past
//! `store.awaiting_whole` waiting for their receipts by id, and a request over
//! `limits.max_parts_per_request` refused uncharged over HTTP and SMPP.

use crate::callback_receiver::Receiver;
use crate::common::{Switch, write_config};
use crate::esme::Esme;
use crate::http::json as http;
use crate::raw::{Raw, SOURCE};
use crate::scrape;
use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pasarela::smpp::pdu::{
    COctetString, DestAddress, Npi, OctetString, RegisteredDelivery, SmeAddress, SubmitMulti, Ton,
};
use pasarela::smpp::{CommandId, CommandStatus};
use serde_json::{Value, json};

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const TIMEOUT: Duration = Duration::from_secs(20);

/// The shipped config on fast receipts, with `store` lines set in its
/// `[store]` table (replacing the shipped value of the same key) and
/// `extra` (other tables) at the end.
fn config(dir: &Path, store: &str, extra: &str) -> PathBuf {
    let path = write_config(dir, extra);
    let text = std::fs::read_to_string(&path).unwrap();
    let keys: Vec<&str> = store
        .lines()
        .filter_map(|line| line.split('=').next())
        .map(str::trim)
        .collect();
    let text: String = text
        .lines()
        .filter(|line| {
            let key = line.split('=').next().unwrap_or("").trim();
            !keys.contains(&key)
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let text = text
        .replacen("[store]\n", &format!("[store]\n{store}\n"), 1)
        .replace("dlr_delay_ms = 200", "dlr_delay_ms = 20");
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits (bounded) until message `id` of `auth` is in `state`.
fn wait_for_state(address: SocketAddr, auth: Option<(&str, &str)>, id: &str, state: &str) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let answer = http(
            address,
            "GET",
            &format!("/api/v1/messages/{id}"),
            auth,
            None,
        );
        if answer.status == 200 && answer.body["state"] == state {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "message {id} never reached {state}: {}",
            answer.text
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Submits `count` messages asking for receipts from a transmitter (no
/// receiver bound), one at a time, each waited for until DELIVERED, so the
/// receipts are queued in the order sent; their ids.
fn receipts_queued(switch: &Switch, count: usize) -> Vec<String> {
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransmitter, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    (0..count)
        .map(|index| {
            let seq = esme.submit(&format!("3460030{index:04}"), 1);
            let resp = esme.expect();
            assert_eq!(
                (resp.sequence_number(), resp.status()),
                (seq, CommandStatus::EsmeRok)
            );
            let id = match resp.pdu() {
                Some(pasarela::smpp::pdu::Pdu::SubmitSmResp(body)) => {
                    body.message_id().as_str().to_owned()
                }
                other => panic!("not a submit_sm_resp: {other:?}"),
            };
            wait_for_state(switch.http, DEMO, &id, "DELIVERED");
            id
        })
        .collect()
}

/// Binds a receiver and reads receipts until `count` came, then a moment
/// more to see that no other follows; their ids in the order received.
fn receipts_delivered(switch: &Switch, count: usize) -> Vec<String> {
    let mut esme = Esme::bind(switch.smpp);
    let deadline = Instant::now() + TIMEOUT;
    while esme.receipts.len() < count {
        assert!(
            Instant::now() < deadline,
            "{} of {count} receipts came: {:?}",
            esme.receipts.len(),
            esme.receipts
        );
        esme.listen(Duration::from_millis(100));
    }
    esme.listen(Duration::from_millis(700));
    esme.receipts
        .iter()
        .map(|receipt| receipt.id.clone())
        .collect()
}

fn series(name: &str) -> String {
    format!("{name}{{account=\"demo\"}}")
}

fn metric(address: SocketAddr, series: &str) -> f64 {
    scrape::value(&scrape::scrape(address), series).unwrap_or_else(|| panic!("no {series}"))
}

#[test]
fn a_mailbox_larger_than_a_page_is_kept_across_a_restart_and_delivered_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "mailbox_page = 5", "");
    let mut switch = Switch::start(&config, &[]);
    let ids = receipts_queued(&switch, 12);
    let items = series("pasarela_mailbox_items");
    scrape::wait_for(switch.http, &[(&items, 12.0)]);
    assert!(metric(switch.http, &series("pasarela_mailbox_loaded")) <= 5.0);

    switch.signal_and_wait(libc::SIGTERM);
    let switch = Switch::start(&config, &[]);
    // At start only the first page is read.
    scrape::wait_for(
        switch.http,
        &[(&items, 12.0), (&series("pasarela_mailbox_loaded"), 5.0)],
    );
    assert_eq!(receipts_delivered(&switch, 12), ids);
    scrape::wait_for(switch.http, &[(&items, 0.0)]);
}

#[test]
fn a_full_mailbox_drops_its_oldest_receipts_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "", "[limits]\nmailbox_max_items = 4\n");
    let switch = Switch::start(&config, &[]);
    let ids = receipts_queued(&switch, 7);
    scrape::wait_for(
        switch.http,
        &[
            (
                "pasarela_mailbox_dropped_total{account=\"demo\",reason=\"full\"}",
                3.0,
            ),
            (&series("pasarela_mailbox_items"), 4.0),
        ],
    );
    assert_eq!(receipts_delivered(&switch, 4), ids[3..]);
}

#[test]
fn receipts_waiting_longer_than_the_age_limit_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // 0.00003 days: 2.6 seconds.
    let config = config(dir.path(), "", "[limits]\nmailbox_max_age_days = 0.00003\n");
    let switch = Switch::start(&config, &[]);
    receipts_queued(&switch, 3);
    scrape::wait_for(
        switch.http,
        &[(
            "pasarela_mailbox_dropped_total{account=\"demo\",reason=\"expired\"}",
            3.0,
        )],
    );
    let fresh = receipts_queued(&switch, 1);
    assert_eq!(receipts_delivered(&switch, 1), fresh);
}

/// Sends `text` from "Shop" to `numbers` over the JSON API (taken: 202);
/// each message's first part id, in order.
fn send_from_shop(
    address: SocketAddr,
    auth: Option<(&str, &str)>,
    numbers: &[String],
    text: &str,
) -> Vec<String> {
    let sent = http(
        address,
        "POST",
        "/api/v1/messages",
        auth,
        Some(&json!({"to": numbers, "from": "Shop", "text": text})),
    );
    assert_eq!(sent.status, 202, "{}", sent.text);
    sent.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["ids"][0].as_str().unwrap().to_owned())
        .collect()
}

/// A port nothing listens on (for now).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn callbacks_beyond_a_page_wait_in_the_store_across_a_restart_and_all_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = config(
        dir.path(),
        "outbox_page = 3",
        &format!(
            r#"
[callbacks]
retry_first_ms = 50
retry_max_ms = 200
max_attempts = 1000
timeout_ms = 2000

[[accounts]]
system_id = "hooks"
password = "hooks123"
credit = "100.00"
callback_url = "http://127.0.0.1:{port}/receipts"
"#
        ),
    );
    let hooks = Some(("hooks", "hooks123"));
    let mut switch = Switch::start(&config, &[]);
    let numbers: Vec<String> = (0..8).map(|n| format!("+3460040{n:04}")).collect();
    let ids: HashSet<String> = send_from_shop(switch.http, hooks, &numbers, "hello")
        .into_iter()
        .collect();
    for id in &ids {
        wait_for_state(switch.http, hooks, id, "DELIVERED");
    }
    let loaded = "pasarela_callback_outbox_loaded";
    scrape::wait_for(switch.http, &[(loaded, 3.0)]);

    switch.kill();
    let switch = Switch::start(&config, &[]);
    scrape::wait_for(switch.http, &[(loaded, 3.0)]);
    let received = Arc::new(Mutex::new(Vec::new()));
    let _server = Receiver::start(port, 200, received.clone());
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let delivered: HashSet<String> = received
            .lock()
            .unwrap()
            .iter()
            .filter(|request| request.answered == 200)
            .map(|request| request.json()["message_id"].as_str().unwrap().to_owned())
            .collect();
        if delivered == ids {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "delivered {delivered:?}, expected {ids:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    scrape::wait_for(switch.http, &[(loaded, 0.0)]);
}

fn send(address: SocketAddr, to: Value, text: &str) -> crate::http::Answer {
    http(
        address,
        "POST",
        "/api/v1/messages",
        DEMO,
        Some(&json!({"to": to, "from": "Shop", "text": text})),
    )
}

fn first_id(answer: &crate::http::Answer) -> String {
    assert_eq!(answer.status, 202, "{}", answer.text);
    answer.body["messages"][0]["ids"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn retention_purges_old_finished_messages_and_keeps_recent_ones() {
    let dir = tempfile::tempdir().unwrap();
    // 0.0001 days: 8.64 seconds.
    let config = config(dir.path(), "retention_days = 0.0001", "");
    let switch = Switch::start(&config, &[]);
    let old = first_id(&send(switch.http, json!("+34600500001"), "old"));
    wait_for_state(switch.http, DEMO, &old, "DELIVERED");
    std::thread::sleep(Duration::from_secs(5));
    let recent = first_id(&send(switch.http, json!("+34600500002"), "recent"));
    wait_for_state(switch.http, DEMO, &recent, "DELIVERED");

    let deadline = Instant::now() + TIMEOUT;
    while http(
        switch.http,
        "GET",
        &format!("/api/v1/messages/{old}"),
        DEMO,
        None,
    )
    .status
        != 404
    {
        assert!(Instant::now() < deadline, "message {old} never purged");
        std::thread::sleep(Duration::from_millis(50));
    }
    let kept = http(
        switch.http,
        "GET",
        &format!("/api/v1/messages/{recent}"),
        DEMO,
        None,
    );
    assert_eq!(kept.status, 200, "{}", kept.text);
    let listed: Vec<String> =
        http(switch.http, "GET", "/api/v1/messages", DEMO, None).body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|message| message["id"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(listed, [recent]);
    assert!(metric(switch.http, "pasarela_retention_purged_total") >= 1.0);
}

fn balance(address: SocketAddr) -> f64 {
    let answer = http(address, "GET", "/api/v1/balance", DEMO, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["balance"].as_str().unwrap().parse().unwrap()
}

fn submit_multi(destinations: usize) -> SubmitMulti {
    let mut multi = SubmitMulti::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_string(SOURCE.to_owned()).unwrap())
        .registered_delivery(RegisteredDelivery::from(0))
        .short_message(OctetString::from_static_slice(b"hello").unwrap())
        .build();
    for index in 0..destinations {
        multi.push_dest_address(DestAddress::SmeAddress(SmeAddress::new(
            Ton::International,
            Npi::Isdn,
            COctetString::from_string(format!("3460060{index:04}")).unwrap(),
        )));
    }
    multi
}

#[test]
fn a_request_over_the_parts_limit_is_refused_whole_and_uncharged() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "", "[limits]\nmax_parts_per_request = 4\n");
    let switch = Switch::start(&config, &[]);
    let numbers = |count: usize| -> Value {
        (0..count)
            .map(|n| Value::from(format!("+3460070{n:04}")))
            .collect()
    };
    let before = balance(switch.http);

    let refused = send(switch.http, numbers(5), "hello");
    assert_eq!(refused.status, 413, "{}", refused.text);
    assert!(refused.headers.contains("application/problem+json"));
    assert_eq!(refused.body["type"], "urn:pasarela:problem:too-many-parts");
    assert_eq!(refused.body["field"], "to");
    // Two parts to each of three numbers: six.
    let long = send(switch.http, numbers(3), &"long text ".repeat(20));
    assert_eq!(long.status, 413, "{}", long.text);

    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransmitter, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    let seq = esme.request(submit_multi(5));
    let resp = esme.expect();
    assert_eq!(
        (resp.sequence_number(), resp.status()),
        (seq, CommandStatus::EsmeRinvnumdests)
    );
    assert_eq!(balance(switch.http), before);

    // At the limit, both are taken and charged.
    assert_eq!(send(switch.http, numbers(4), "hello").status, 202);
    let seq = esme.request(submit_multi(2));
    let resp = esme.expect();
    assert_eq!(
        (resp.sequence_number(), resp.status()),
        (seq, CommandStatus::EsmeRok)
    );
    // Six parts at the shipped route's 1.00.
    assert_eq!(balance(switch.http), before - 6.0);
    assert_eq!(
        metric(
            switch.http,
            "pasarela_messages_rejected_total{account=\"demo\",reason=\"invalid\"}"
        ),
        3.0
    );
}

#[test]
fn past_awaiting_whole_messages_wait_by_id_and_every_receipt_still_comes() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), "awaiting_whole = 2", "");
    // Receipts slow enough to look at the messages waiting for them.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("dlr_delay_ms = 20", "dlr_delay_ms = 3000");
    std::fs::write(&path, text).unwrap();
    let switch = Switch::start(&path, &[]);
    let before = balance(switch.http);
    let numbers: Vec<String> = (0..10).map(|n| format!("+3460050{n:04}")).collect();
    let ids = send_from_shop(switch.http, DEMO, &numbers, "by id");
    assert_eq!(ids.len(), 10);
    // All ten wait; eight of them by id once their records are readable.
    scrape::wait_for(
        switch.http,
        &[
            ("pasarela_receipts_awaited", 10.0),
            ("pasarela_receipts_awaited_whole", 2.0),
        ],
    );
    // Each read back from the store when its receipt comes.
    for id in &ids {
        wait_for_state(switch.http, DEMO, id, "DELIVERED");
    }
    scrape::wait_for(
        switch.http,
        &[
            ("pasarela_receipts_awaited", 0.0),
            ("pasarela_receipts_awaited_whole", 0.0),
        ],
    );
    // Charged once each at the shipped route's 1.00, nothing refunded.
    assert_eq!(balance(switch.http), before - 10.0);
}
