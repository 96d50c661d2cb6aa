//! Receipt callbacks over real HTTP on 127.0.0.1: `pasarela serve` with a
//! real store sends receipts of HTTP-submitted messages to a customer
//! server this test runs (a std `TcpListener` thread recording every
//! request). The server is down (nothing listening, then 500s) for a while
//! and comes back: every receipt arrives, signed with the account's secret
//! (checked here with HMAC-SHA256), duplicates only with the same event id.
//! Callbacks pending at a SIGKILL are sent after the restart. A callback
//! failing `max_attempts` times is a dead letter the admin API lists, pages
//! and replays. Callbacks to a server that keeps connections alive reuse
//! them.

use crate::{callback_receiver, common, http};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callback_receiver::{HOLD, Received, Receiver, signature};
use common::{Switch, write_config};
use http::json as http;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(20);
const HOOKS: Option<(&str, &str)> = Some(("hooks", "hooks123"));
const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));
const SECRET: &str = "s3cret-s3cret-s3cret";
/// `[callbacks]` keys for a test where nothing may become a dead letter.
const PATIENT: &str = "max_attempts = 1000\ntimeout_ms = 2000";

/// A port nothing listens on (for now).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The switch's config with account "hooks" sending its receipts to
/// `callback_url`, fast retries, the `tests/vectors/callbacks` CA trusted,
/// and `[callbacks]` keys as given (`max_attempts` and `timeout_ms` at
/// least).
fn config(dir: &std::path::Path, callback_url: &str, callbacks: &str) -> std::path::PathBuf {
    let ca_file = std::path::Path::new("tests/vectors/callbacks/ca.pem")
        .canonicalize()
        .unwrap();
    write_config(
        dir,
        &format!(
            r#"
[callbacks]
ca_file = {ca_file:?}
retry_first_ms = 50
retry_max_ms = 400
{callbacks}

[[accounts]]
system_id = "hooks"
password = "hooks123"
credit = "100.00"
callback_url = "{callback_url}"
callback_secret = "{SECRET}"
"#
        ),
    )
}

/// Sends one message per number as "hooks"; the ids of their parts.
fn send(switch: &Switch, numbers: &[&str], extra: Value) -> Vec<String> {
    let mut body = json!({"to": numbers, "from": "Shop", "text": "hello"});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let sent = http(switch.http, "POST", "/api/v1/messages", HOOKS, Some(&body));
    assert_eq!(sent.status, 202, "{}", sent.body);
    sent.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|message| message["ids"].as_array().unwrap().clone())
        .map(|id| id.as_str().unwrap().to_string())
        .collect()
}

/// Waits (bounded) until `done` holds for what the server received.
fn wait_until(
    received: &Mutex<Vec<Received>>,
    what: &str,
    done: impl Fn(&[Received]) -> bool,
) -> Vec<Received> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let seen = received.lock().unwrap().clone();
        if done(&seen) {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; received {seen:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The requests answered 2xx.
fn delivered(received: &[Received]) -> Vec<&Received> {
    received
        .iter()
        .filter(|request| (200..300).contains(&request.answered))
        .collect()
}

/// The message ids of the receipts answered 2xx.
fn delivered_ids(received: &[Received]) -> HashSet<String> {
    delivered(received)
        .into_iter()
        .map(|request| request.json()["message_id"].as_str().unwrap().to_string())
        .collect()
}

/// The signature a customer computes with the account's secret.
fn expected_signature(request: &Received) -> String {
    signature(SECRET, request)
}

/// Each message's receipts carry one event id, however often they came:
/// a repeat is a retry of the same callback, which a receiver can drop.
fn assert_duplicates_share_their_event_id(received: &[Received]) {
    let mut events: HashMap<String, HashSet<String>> = HashMap::new();
    for request in delivered(received) {
        let body = request.json();
        assert_eq!(
            request.headers["x-pasarela-event"], body["event_id"],
            "{request:#?}"
        );
        events
            .entry(body["message_id"].as_str().unwrap().to_string())
            .or_default()
            .insert(body["event_id"].as_str().unwrap().to_string());
    }
    for (message, ids) in events {
        assert_eq!(ids.len(), 1, "message {message} had events {ids:?}");
    }
}

#[test]
fn receipts_reach_a_server_that_was_down_signed_and_none_lost() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let account_url = format!("http://127.0.0.1:{port}/receipts");
    let switch = Switch::start(&config(dir.path(), &account_url, PATIENT), &[]);

    let mut ids = send(
        &switch,
        &[
            "+34600100001",
            "+34600100002",
            "+34600100003",
            "+34600109991",
        ],
        json!({"client_reference": "batch-1"}),
    );
    let own = send(
        &switch,
        &["+34600100004"],
        json!({"callback_url": format!("http://127.0.0.1:{port}/own")}),
    );
    ids.extend(own.iter().cloned());
    let unasked = send(&switch, &["+34600100005"], json!({"receipt": false}));

    // Down: nothing listens while the receipts come back and are retried.
    std::thread::sleep(Duration::from_millis(1000));
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(port, 500, received.clone());
    wait_until(&received, "attempts answered 500", |seen| seen.len() >= 5);
    server.set_answer(200);

    let expected: HashSet<String> = ids.iter().cloned().collect();
    wait_until(&received, "every receipt delivered", |seen| {
        delivered_ids(seen) == expected
    });
    // A moment more: nothing else may come (the unasked receipt).
    std::thread::sleep(Duration::from_millis(500));
    let seen = received.lock().unwrap().clone();
    assert_eq!(delivered_ids(&seen), expected);
    assert!(!delivered_ids(&seen).contains(&unasked[0]));
    assert_duplicates_share_their_event_id(&seen);
    for request in delivered(&seen) {
        assert_eq!(
            request.headers["x-pasarela-signature"],
            expected_signature(request),
            "{request:#?}"
        );
        assert_eq!(request.method, "POST");
        assert_eq!(request.headers["content-type"], "application/json");
        let body = request.json();
        assert_eq!(body["event"], "receipt");
        assert_eq!(body["account"], "hooks");
        let id = body["message_id"].as_str().unwrap();
        let (path, state) = match body["to"].as_str().unwrap() {
            "34600100004" => ("/own", "DELIVERED"),
            "34600109991" => ("/receipts", "UNDELIVERABLE"),
            _ => ("/receipts", "DELIVERED"),
        };
        assert_eq!(
            (request.path.as_str(), body["state"].as_str()),
            (path, Some(state)),
            "{id}"
        );
        assert!(body["done_at"].is_string(), "{body}");
        if path == "/receipts" {
            assert_eq!(body["client_reference"], "batch-1");
        }
    }
    // A tampered body fails the check a customer makes.
    let mut forged = delivered(&seen)[0].clone();
    forged.body = forged.body.replace("\"hooks\"", "\"other\"");
    assert_ne!(forged.body, delivered(&seen)[0].body);
    assert_ne!(
        forged.headers["x-pasarela-signature"],
        expected_signature(&forged)
    );
}

/// The first attempts are held unanswered when the switch is killed, so
/// no failed attempt has rewritten the outbox: only the items written with
/// the final states can bring the callbacks back.
#[test]
fn callbacks_pending_at_a_sigkill_are_sent_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, HOLD, received.clone());
    let config = config(
        dir.path(),
        &server.url("/receipts"),
        "max_attempts = 1000\ntimeout_ms = 60000",
    );
    let mut switch = Switch::start(&config, &[]);
    let ids = send(
        &switch,
        &["+34600200001", "+34600200002", "+34600200003"],
        json!({}),
    );
    let expected: HashSet<String> = ids.iter().cloned().collect();
    let held = wait_until(&received, "an attempt for every receipt", |seen| {
        let tried: HashSet<String> = seen
            .iter()
            .map(|request| request.json()["message_id"].as_str().unwrap().to_string())
            .collect();
        tried == expected
    });
    assert_eq!(held.len(), 3, "first attempts only, all held: {held:#?}");
    switch.signal_and_wait(libc::SIGKILL);
    server.set_answer(200);
    let before = received.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(received.lock().unwrap().len(), before, "the switch is dead");

    let _switch = Switch::start(&config, &[]);
    let seen = wait_until(&received, "every receipt after the restart", |seen| {
        delivered_ids(seen) == expected
    });
    assert_duplicates_share_their_event_id(&seen);
}

#[test]
fn a_callback_failing_every_attempt_is_a_dead_letter_the_admin_replays() {
    let dir = tempfile::tempdir().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, 500, received.clone());
    let switch = Switch::start(
        &config(
            dir.path(),
            &server.url("/receipts"),
            "max_attempts = 3\ntimeout_ms = 2000",
        ),
        &[],
    );
    let ids = send(&switch, &["+34600300001", "+34600300002"], json!({}));

    let dead = |query: &str| {
        let answer = http(
            switch.http,
            "GET",
            &format!("/api/v1/callbacks/dead{query}"),
            ADMIN,
            None,
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    };
    let deadline = Instant::now() + TIMEOUT;
    while dead("")["items"].as_array().unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no dead letters: {}", dead(""));
        std::thread::sleep(Duration::from_millis(50));
    }
    let all = dead("");
    for item in all["items"].as_array().unwrap() {
        assert_eq!(item["attempts"], 3, "{item}");
        assert_eq!(item["account"], "hooks");
        assert_eq!(item["method"], "POST");
        assert_eq!(item["last_error"], "answered HTTP 500", "{item}");
        assert!(ids.contains(&item["message_id"].as_str().unwrap().to_string()));
    }
    // Exactly max_attempts tries each, then nothing more.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(received.lock().unwrap().len(), 6);

    // Paging.
    let first = dead("?limit=1");
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let after = first["next_after"].as_str().unwrap();
    let second = dead(&format!("?limit=1&after={after}"));
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_ne!(second["items"][0]["id"], first["items"][0]["id"]);
    let past_end = dead(&format!(
        "?after={}",
        second["items"][0]["id"].as_str().unwrap()
    ));
    assert_eq!(past_end, json!({"items": [], "next_after": null}));
    let bad_limit = http(
        switch.http,
        "GET",
        "/api/v1/callbacks/dead?limit=0",
        ADMIN,
        None,
    );
    assert_eq!(bad_limit.status, 400, "{}", bad_limit.body);

    // Admin only.
    let customer = http(switch.http, "GET", "/api/v1/callbacks/dead", HOOKS, None);
    assert_eq!(customer.status, 401, "{}", customer.body);
    let anonymous = http(
        switch.http,
        "POST",
        "/api/v1/callbacks/dead/replay",
        None,
        None,
    );
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let unknown = http(
        switch.http,
        "POST",
        "/api/v1/callbacks/dead/1/replay",
        ADMIN,
        None,
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // Replayed one by id, then the rest, to a server that now answers.
    server.set_answer(200);
    let one = first["items"][0]["id"].as_str().unwrap();
    let replayed = http(
        switch.http,
        "POST",
        &format!("/api/v1/callbacks/dead/{one}/replay"),
        ADMIN,
        None,
    );
    assert_eq!(replayed.body, json!({"replayed": 1}));
    wait_until(&received, "the replayed callback", |seen| {
        delivered(seen).len() == 1
    });
    assert_eq!(dead("")["items"].as_array().unwrap().len(), 1);
    let rest = http(
        switch.http,
        "POST",
        "/api/v1/callbacks/dead/replay",
        ADMIN,
        None,
    );
    assert_eq!(rest.body, json!({"replayed": 1}));
    let expected: HashSet<String> = ids.iter().cloned().collect();
    let seen = wait_until(&received, "both dead letters delivered", |seen| {
        delivered_ids(seen) == expected
    });
    assert_duplicates_share_their_event_id(&seen);
    assert_eq!(dead(""), json!({"items": [], "next_after": null}));
}

#[test]
fn callback_settings_are_read_and_bad_ones_named_at_their_line() {
    use pasarela::config::Config;
    let parse = |source: &str| Config::parse(source, std::path::Path::new("test.toml"));
    let account = |keys: &str| {
        format!("[[accounts]]\nsystem_id = \"hooks\"\npassword = \"hooks123\"\n{keys}\n")
    };

    let defaults = parse(&account("")).unwrap();
    assert_eq!(defaults.callbacks.max_attempts, 10);
    assert_eq!(defaults.callbacks.retry_first, Duration::from_secs(1));
    assert_eq!(defaults.callbacks.retry_max, Duration::from_secs(600));
    assert_eq!(defaults.accounts[0].callback_url, None);

    let set = parse(&format!(
        "[callbacks]\nretry_first_ms = 50\nretry_max_ms = 400\nmax_attempts = 3\n\n{}",
        account(
            "callback_url = \"http://example.com/dlr\"\ncallback_secret = \"0123456789abcdef\""
        )
    ))
    .unwrap();
    assert_eq!(set.callbacks.retry_first, Duration::from_millis(50));
    assert_eq!(set.callbacks.max_attempts, 3);
    assert_eq!(
        set.accounts[0].callback_url.as_deref(),
        Some("http://example.com/dlr")
    );
    assert_eq!(
        set.accounts[0].callback_secret.as_deref(),
        Some("0123456789abcdef")
    );

    let source = format!(
        "[callbacks]\nretry_first_ms = 500\nretry_max_ms = 100\nmax_attempts = 0\n\n{}",
        account("callback_url = \"ftp://example.com/dlr\"\ncallback_secret = \"\"")
    );
    let error = parse(&source).unwrap_err().to_string();
    for expected in [
        "test.toml:3: callbacks.retry_max_ms: must not be less than callbacks.retry_first_ms",
        "test.toml:4: callbacks.max_attempts: 0 is out of range",
        "test.toml:9: accounts[0].callback_url: must start with http:// or https://",
        "test.toml:10: accounts[0].callback_secret: must not be empty",
    ] {
        assert!(error.contains(expected), "{expected:?} not in:\n{error}");
    }
}

/// An `https://` callback URL, to a server whose certificate the
/// configured `callbacks.ca_file` vouches for. (The vectors were made with
/// `openssl req -x509 -newkey ec` for the CA and a server certificate for
/// IP 127.0.0.1 it signed, both valid for a century; the CA key was
/// thrown away.)
#[test]
fn receipts_go_over_https_to_a_server_the_configured_ca_vouches_for() {
    let dir = tempfile::tempdir().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start_tls(200, received.clone());
    let url = server.url("/receipts");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let switch = Switch::start(&config(dir.path(), &url, PATIENT), &[]);
    let ids = send(&switch, &["+34600400001"], json!({}));
    let seen = wait_until(&received, "the receipt over TLS", |seen| {
        delivered_ids(seen) == ids.iter().cloned().collect()
    });
    assert_eq!(
        seen[0].headers["x-pasarela-signature"],
        expected_signature(&seen[0])
    );
}

/// A customer server that takes requests and never answers holds at most
/// 4 of the 5 requests allowed in flight: another customer's receipts
/// still go out at once, long before the held ones time out.
#[test]
fn a_server_that_never_answers_does_not_hold_up_another() {
    let dir = tempfile::tempdir().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let stuck = Receiver::start(0, HOLD, held.clone());
    let answered = Arc::new(Mutex::new(Vec::new()));
    let healthy = Receiver::start(0, 200, answered.clone());
    let config = config(
        dir.path(),
        &stuck.url("/receipts"),
        "max_attempts = 1000\ntimeout_ms = 60000\nconcurrency = 5",
    );
    let switch = Switch::start(&config, &[]);
    let numbers: Vec<String> = (1..=8).map(|n| format!("+3460050000{n}")).collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    send(&switch, &numbers, json!({}));
    wait_until(&held, "the stuck server's share of requests", |seen| {
        seen.len() >= 4
    });

    let ids = send(
        &switch,
        &["+34600500011", "+34600500012", "+34600500013"],
        json!({"callback_url": healthy.url("/own")}),
    );
    let expected: HashSet<String> = ids.into_iter().collect();
    wait_until(&answered, "the healthy server's receipts", |seen| {
        delivered_ids(seen) == expected
    });
    assert_eq!(held.lock().unwrap().len(), 4, "at most 4 per host");
}

/// Callbacks to a server that keeps connections alive reuse them: the
/// answer's body is read to its end, so its connection goes back to the
/// pool instead of being closed, and 24 receipts take at most as many
/// connections as may be in flight to one host (4), not one each.
#[test]
fn callbacks_to_a_keep_alive_server_reuse_their_connections() {
    let dir = tempfile::tempdir().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start_keep_alive(200, received.clone());
    let config = config(dir.path(), &server.url("/receipts"), PATIENT);
    let switch = Switch::start(&config, &[]);
    let numbers: Vec<String> = (10..34).map(|n| format!("+346005000{n}")).collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let expected: HashSet<String> = send(&switch, &numbers, json!({})).into_iter().collect();
    wait_until(&received, "every receipt", |seen| {
        delivered_ids(seen) == expected
    });
    let connections = server.connections();
    assert!(
        (1..=4).contains(&connections),
        "{connections} connections for {} callbacks",
        expected.len()
    );
}

/// A `ca_file` that holds no certificate stops `serve` at start, naming it.
#[test]
fn a_ca_file_without_certificates_stops_serve_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "http://127.0.0.1:9/receipts", PATIENT);
    let text = std::fs::read_to_string(&config).unwrap();
    let not_pem = dir.path().join("not-a-ca.pem");
    std::fs::write(&not_pem, "no certificates here\n").unwrap();
    // The test's own key, after the shipped file's commented example.
    let start = text.rfind("\nca_file = ").unwrap() + 1;
    let end = start + text[start..].find('\n').unwrap();
    let text = format!("{}ca_file = {:?}{}", &text[..start], not_pem, &text[end..]);
    std::fs::write(&config, text).unwrap();

    let mut child = std::process::Command::new(common::BINARY)
        .args(["serve", "--config"])
        .arg(&config)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("serve did not stop on a bad ca_file");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("callbacks.ca_file") && stderr.contains("holds no certificate"),
        "{stderr}"
    );
}

/// A failing server is probed one request at a time, each after the
/// host's pause, not by all of its waiting callbacks on their own clocks:
/// twelve callbacks retried every 200 to 400 ms would make some 40
/// requests a second; probing makes at most one per pause.
#[test]
fn a_failing_server_is_probed_one_request_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, 500, received.clone());
    let config = config(
        dir.path(),
        &server.url("/receipts"),
        "max_attempts = 1000\ntimeout_ms = 2000",
    );
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("retry_first_ms = 50", "retry_first_ms = 400");
    std::fs::write(&config, text).unwrap();
    let switch = Switch::start(&config, &[]);
    let numbers: Vec<String> = (10..22).map(|n| format!("+346006000{n}")).collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let ids = send(&switch, &numbers, json!({}));
    let expected: HashSet<String> = ids.into_iter().collect();
    wait_until(&received, "a first attempt for every receipt", |seen| {
        let tried: HashSet<String> = seen
            .iter()
            .map(|request| request.json()["message_id"].as_str().unwrap().to_string())
            .collect();
        tried == expected
    });
    let before = received.lock().unwrap().len();
    std::thread::sleep(Duration::from_secs(2));
    let during = received.lock().unwrap().len() - before;
    // One probe per pause of 200 to 400 ms: at most 10 in 2 s.
    assert!(during <= 10, "{during} requests in 2 s to a failing server");
    assert!(during >= 3, "the failing server is still probed: {during}");
}

#[test]
fn a_kannel_dlr_url_is_called_for_each_event_its_mask_selects() {
    let dir = tempfile::tempdir().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let receiver = Receiver::start(0, 200, received.clone());
    let switch = Switch::start(&config(dir.path(), &receiver.url("/account"), PATIENT), &[]);

    // dlr-mask 9: delivered (1) and accepted by the SMSC (8); the template
    // as a Kannel client writes it, percent-encoded in the query string.
    let dlr_url = receiver.url("/dlr?type=%d&to=%p&from=%P&id=%I&smsc=%i&reply=%A");
    let encoded: String = dlr_url
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let path = format!(
        "/cgi-bin/sendsms?username=hooks&password=hooks123&to=34600111222&from=Shop&text=hi&dlr-mask=9&dlr-url={encoded}"
    );
    let sent = http::request(switch.http, "GET", &path, None, "text/plain", "");
    assert_eq!(
        (sent.status, sent.text.as_str()),
        (202, "0: Accepted for delivery")
    );

    let seen = wait_until(&received, "the two Kannel reports", |seen| {
        seen.iter()
            .filter(|request| request.path.starts_with("/dlr"))
            .count()
            >= 2
    });
    let reports: Vec<&Received> = seen
        .iter()
        .filter(|request| request.path.starts_with("/dlr"))
        .collect();
    assert!(reports.iter().all(|report| report.method == "GET"));
    let accepted = reports
        .iter()
        .find(|report| report.path.contains("type=8&"))
        .expect("a report of type 8");
    assert!(
        accepted.path.contains("to=34600111222&from=Shop&id=")
            && accepted.path.contains("&smsc=sim&reply=ACK%2F"),
        "{}",
        accepted.path
    );
    let delivered = reports
        .iter()
        .find(|report| report.path.contains("type=1&"))
        .expect("a report of type 1");
    assert!(
        delivered.path.contains("reply=stat%3ADELIVRD+err%3A000"),
        "{}",
        delivered.path
    );
    // The message asked Kannel-style: the account's JSON URL gets nothing.
    std::thread::sleep(Duration::from_millis(300));
    let all = received.lock().unwrap().clone();
    assert!(
        all.iter()
            .all(|request| !request.path.starts_with("/account")),
        "{all:#?}"
    );
    assert_eq!(
        all.iter()
            .filter(|request| request.path.starts_with("/dlr"))
            .count(),
        2,
        "{all:#?}"
    );
}

/// Sends one message as `account` and waits for its receipt callback.
fn receipt_of(switch: &Switch, account: (&str, &str), received: &Mutex<Vec<Received>>) -> Received {
    let body = json!({"to": "+34600100001", "from": "Shop", "text": "hello"});
    let sent = http(
        switch.http,
        "POST",
        "/api/v1/messages",
        Some(account),
        Some(&body),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    let id = sent.body["messages"][0]["ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    let seen = wait_until(received, "the receipt", |seen| {
        delivered_ids(seen).contains(&id)
    });
    delivered(&seen)
        .into_iter()
        .find(|request| request.json()["message_id"] == id.as_str())
        .unwrap()
        .clone()
}

/// Changes account "acme" through the admin API.
fn patch(switch: &Switch, body: Value) -> http::Answer {
    http(
        switch.http,
        "PATCH",
        "/api/v1/accounts/acme",
        ADMIN,
        Some(&body),
    )
}

#[test]
fn an_account_made_through_the_admin_api_gets_signed_callbacks_its_secret_changes_and_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, 200, received.clone());
    let path = config(dir.path(), &server.url("/hooks"), PATIENT);
    let mut switch = Switch::start(&path, &[]);
    let acme = ("acme", "acme1234");

    let created = http(
        switch.http,
        "POST",
        "/api/v1/accounts",
        ADMIN,
        Some(
            &json!({"system_id": "acme", "password": "acme1234", "credit": "10",
            "callback_url": server.url("/acme"), "callback_secret": "first-0123456789"}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["callback_url"], server.url("/acme").as_str());
    assert_eq!(created.body["callback_signed"], true);
    assert!(
        !created.body.to_string().contains("first"),
        "the secret is never shown"
    );
    let receipt = receipt_of(&switch, acme, &received);
    assert_eq!(receipt.path, "/acme");
    assert_eq!(
        receipt.headers["x-pasarela-signature"],
        signature("first-0123456789", &receipt)
    );

    // Refused changes name their field and change nothing.
    for (field, value) in [
        ("callback_url", json!("ftp://127.0.0.1/x")),
        ("callback_secret", json!("")),
        ("callback_secret", json!("15 chars secret")),
        ("callback_secret", json!(7)),
    ] {
        let refused = patch(&switch, json!({ field: value }));
        assert_eq!(refused.status, 400, "{field}: {}", refused.body);
        assert_eq!(refused.body["field"], field, "{}", refused.body);
    }

    let changed = patch(
        &switch,
        json!({"callback_secret": "second-0123456789", "callback_url": server.url("/acme2")}),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    let receipt = receipt_of(&switch, acme, &received);
    assert_eq!(receipt.path, "/acme2");
    assert_eq!(
        receipt.headers["x-pasarela-signature"],
        signature("second-0123456789", &receipt)
    );

    // The file's account keeps its own secret throughout.
    let receipt = receipt_of(&switch, HOOKS.unwrap(), &received);
    assert_eq!(
        receipt.headers["x-pasarela-signature"],
        expected_signature(&receipt)
    );

    switch.kill();
    let switch = Switch::start(&path, &[]);
    let receipt = receipt_of(&switch, acme, &received);
    assert_eq!(receipt.path, "/acme2");
    assert_eq!(
        receipt.headers["x-pasarela-signature"],
        signature("second-0123456789", &receipt)
    );

    let unsigned = patch(&switch, json!({"callback_secret": null}));
    assert_eq!(unsigned.status, 200, "{}", unsigned.body);
    assert_eq!(unsigned.body["callback_signed"], false);
    assert_eq!(unsigned.body["callback_url"], server.url("/acme2").as_str());
    let receipt = receipt_of(&switch, acme, &received);
    assert!(
        !receipt.headers.contains_key("x-pasarela-signature"),
        "{receipt:#?}"
    );
}
