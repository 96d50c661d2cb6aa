//! Where callbacks may go, over real HTTP on 127.0.0.1, against
//! `pasarela serve` with a real store: without `callbacks.allow_private`
//! a callback URL on an internal address is refused when a customer or
//! the operator gives it (HTTP API `callback_url`, Kannel `dlr-url`,
//! admin API account), and one that only turns out internal when it is
//! sent (`localhost`, a literal in the configuration file) is a dead
//! letter with the reason, the customer server never called. A `dlr-url`
//! too long is refused, and one that fills in too long is dropped alone:
//! its message still reaches its final state and the credit adds up.

use crate::{callback_receiver, common, http};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callback_receiver::Receiver;
use common::{Switch, write_config};
use http::json as http;
use pasarela::model::{AccountId, Money};
use pasarela::store::{Store, StoreConfig};
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(20);
const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));
/// No internal network allowed, as a switch is by default.
const STRICT: &str = "[callbacks]\nallow_private = []\nretry_first_ms = 50\nretry_max_ms = 400\n";

fn start(extra: &str) -> (tempfile::TempDir, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), extra);
    let switch = Switch::start(&config, &[]);
    (dir, switch)
}

/// A GET of `/cgi-bin/sendsms` as demo with `query` added: (status, text).
fn sendsms(address: SocketAddr, query: &str) -> (u16, String) {
    let answer = http::request_with_headers(
        address,
        "GET",
        &format!(
            "/cgi-bin/sendsms?username=demo&password=demo1234&from=Shop&to=34600111222&text=hi&{query}"
        ),
        &[],
        b"",
    );
    (answer.status, answer.text)
}

fn balance(address: SocketAddr) -> String {
    let answer = http(address, "GET", "/api/v1/balance", DEMO, None);
    answer.body["balance"].as_str().unwrap().to_string()
}

/// Polls `GET path` as `auth` (bounded) until `done` holds for its body.
fn wait_for(
    address: SocketAddr,
    path: &str,
    auth: Option<(&str, &str)>,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let answer = http(address, "GET", path, auth, None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        if done(&answer.body) {
            return answer.body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out on {path}: {}",
            answer.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A refused field: 400, the field named, the detail saying why.
fn assert_refused(answer: &http::Answer, field: &str, why: &str) {
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.body["field"], field, "{}", answer.body);
    let detail = answer.body["detail"].as_str().unwrap();
    assert!(detail.contains(why), "{detail}");
}

#[test]
fn internal_callback_targets_are_refused_when_given() {
    let (_dir, switch) = start(STRICT);
    let before = balance(switch.http);
    for (url, why) in [
        (
            "http://127.0.0.1:9/dlr",
            "loopback address 127.0.0.1 is not allowed",
        ),
        ("http://localhost:9/dlr", "localhost resolves only to"),
        (
            "http://[::ffff:169.254.169.254]/latest/meta-data",
            "link-local address ::ffff:169.254.169.254",
        ),
        ("https://10.0.0.7/hooks", "private address 10.0.0.7"),
        ("http://[fd00::1]:8080/", "unique-local address fd00::1"),
        ("http://0.0.0.0:8080/", "unspecified address 0.0.0.0"),
    ] {
        let body = json!({"to": "34600111222", "from": "Shop", "text": "hi", "callback_url": url});
        let sent = http(switch.http, "POST", "/api/v1/messages", DEMO, Some(&body));
        assert_refused(&sent, "callback_url", why);
    }

    // Kannel's dlr-url: smsbox's style of answer.
    let (status, text) = sendsms(
        switch.http,
        "dlr-mask=3&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fcgi-bin%2Fsendsms%3Ftext%3D%25d",
    );
    assert_eq!(
        (status, text.as_str()),
        (
            400,
            "DLR-URL field points to an address not allowed, rejected"
        )
    );
    assert_eq!(balance(switch.http), before, "nothing refused is charged");

    // The admin API: a new account and a change of one.
    let account = json!({"system_id": "inside", "password": "inside12",
        "callback_url": "http://192.168.1.10/hook"});
    let created = http(
        switch.http,
        "POST",
        "/api/v1/accounts",
        ADMIN,
        Some(&account),
    );
    assert_refused(&created, "callback_url", "private address 192.168.1.10");
    let change = json!({"callback_url": "http://[::1]:9/hook"});
    let changed = http(
        switch.http,
        "PATCH",
        "/api/v1/accounts/demo",
        ADMIN,
        Some(&change),
    );
    assert_refused(&changed, "callback_url", "loopback address ::1");
    let demo = http(switch.http, "GET", "/api/v1/accounts/demo", ADMIN, None);
    assert_eq!(demo.body["callback_url"], Value::Null, "{}", demo.body);
}

#[test]
fn a_target_found_internal_when_sent_is_a_dead_letter_with_the_reason() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let receiver = Receiver::start(0, 200, received.clone());
    let port = receiver.address.port();
    // The configuration file is the operator's: its URLs are not looked
    // up at start, only when a callback is sent.
    let (_dir, switch) = start(&format!(
        r#"{STRICT}
[[accounts]]
system_id = "byname"
password = "byname12"
credit = "10.00"
callback_url = "http://localhost:{port}/receipts"

[[accounts]]
system_id = "literal"
password = "literal1"
credit = "10.00"
callback_url = "http://127.0.0.1:{port}/receipts"
"#
    ));
    for account in [("byname", "byname12"), ("literal", "literal1")] {
        let body = json!({"to": "34600111222", "from": "Shop", "text": "hi", "receipt": true});
        let sent = http(
            switch.http,
            "POST",
            "/api/v1/messages",
            Some(account),
            Some(&body),
        );
        assert_eq!(sent.status, 202, "{}", sent.body);
    }
    let dead = wait_for(switch.http, "/api/v1/callbacks/dead", ADMIN, |body| {
        body["items"]
            .as_array()
            .is_some_and(|items| items.len() == 2)
    });
    for item in dead["items"].as_array().unwrap() {
        // Refused at its first attempt: no retries into the host.
        assert_eq!(item["attempts"], 1, "{item}");
        let error = item["last_error"].as_str().unwrap();
        assert!(error.contains("loopback address"), "{error}");
        let expected = match item["account"].as_str().unwrap() {
            "byname" => "localhost resolves only to",
            _ => "loopback address 127.0.0.1",
        };
        assert!(error.contains(expected), "{error}");
    }
    assert!(
        received.lock().unwrap().is_empty(),
        "the customer server was called: {:?}",
        received.lock().unwrap()
    );
}

#[test]
fn an_oversized_dlr_url_is_refused_and_one_that_fills_in_too_long_is_dropped_alone() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let receiver = Receiver::start(0, 200, received.clone());
    // The shipped config: callbacks may reach loopback.
    let (dir, mut switch) = start("");
    let before = balance(switch.http);

    let encode = |url: &str| {
        url.bytes()
            .map(|octet| format!("%{octet:02X}"))
            .collect::<String>()
    };
    let too_long = format!("{}?pad={}", receiver.url("/dlr"), "x".repeat(1100));
    let (status, text) = sendsms(
        switch.http,
        &format!("dlr-mask=3&dlr-url={}", encode(&too_long)),
    );
    assert_eq!(
        (status, text.as_str()),
        (400, "DLR-URL field is too long, rejected")
    );
    assert_eq!(balance(switch.http), before);

    // Short enough to keep, but every %R is the whole template again.
    let explodes = format!("{}?r={}", receiver.url("/big"), "%R".repeat(300));
    let (status, text) = sendsms(
        switch.http,
        &format!("dlr-mask=11&dlr-url={}&account=big", encode(&explodes)),
    );
    assert_eq!((status, text.as_str()), (202, "0: Accepted for delivery"));
    let fine = receiver.url("/dlr?type=%d");
    let (status, _) = sendsms(
        switch.http,
        &format!("dlr-mask=3&dlr-url={}&account=fine", encode(&fine)),
    );
    assert_eq!(status, 202);

    // Both messages reach their final state; the callback that could not
    // be stored never took the state with it.
    wait_for(switch.http, "/api/v1/messages", DEMO, |body| {
        let rows = body["messages"].as_array().unwrap();
        rows.len() == 2 && rows.iter().all(|row| row["state"] == "DELIVERED")
    });
    let deadline = Instant::now() + TIMEOUT;
    while !received
        .lock()
        .unwrap()
        .iter()
        .any(|request| request.path == "/dlr?type=1")
    {
        assert!(Instant::now() < deadline, "{:?}", received.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        received
            .lock()
            .unwrap()
            .iter()
            .all(|request| !request.path.starts_with("/big")),
        "the oversized callback was sent"
    );
    assert_eq!(balance(switch.http), balance_after(&before));

    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    assert_eq!(store.outbox().unwrap().len(), 0, "nothing left to send");
    assert_eq!(store.dead_letters(0, 10).unwrap(), []);
    let kept = store
        .account_balance(&AccountId::new("demo").unwrap())
        .unwrap();
    assert_eq!(
        kept.map(|money| money.to_string()),
        Some(balance_after(&before))
    );
}

/// The demo's credit after two messages at the shipped route's 1.00.
fn balance_after(before: &str) -> String {
    let before: Money = before.parse().unwrap();
    let price: Money = "2.00".parse().unwrap();
    before.checked_sub(price).unwrap().to_string()
}
