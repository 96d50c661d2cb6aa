//! Receipt callbacks over real HTTP on 127.0.0.1: `pasarela serve` with a
//! real store sends receipts of HTTP-submitted messages to a customer
//! server this test runs (a std `TcpListener` thread recording every
//! request). The server is down (nothing listening, then 500s) for a while
//! and comes back: every receipt arrives, signed with the account's secret
//! (checked here with HMAC-SHA256), duplicates only with the same event id.
//! Callbacks pending at a SIGKILL are sent after the restart. A callback
//! failing `max_attempts` times is a dead letter the admin API lists, pages
//! and replays.

#![cfg(feature = "runtime")]

mod common;
#[path = "common/http.rs"]
mod http;

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use hmac::{Hmac, KeyInit, Mac};
use http::json as http;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};
use sha2::Sha256;

const TIMEOUT: Duration = Duration::from_secs(20);
const HOOKS: Option<(&str, &str)> = Some(("hooks", "hooks123"));
const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));
const SECRET: &str = "s3cret";
/// The receiver's "answer" that holds a request unanswered.
const HOLD: u16 = 0;
/// `[callbacks]` keys for a test where nothing may become a dead letter.
const PATIENT: &str = "max_attempts = 1000\ntimeout_ms = 2000";

/// One request the customer server received, and what it answered.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    /// Names lower-cased.
    headers: HashMap<String, String>,
    body: String,
    answered: u16,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A customer callback server on 127.0.0.1: answers every request with
/// the status currently set ([`HOLD`]: none, the connection is held until
/// the client goes), and records it. Stops listening when dropped.
struct Receiver {
    address: SocketAddr,
    answer: Arc<AtomicU16>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// `https` when it speaks TLS.
    scheme: &'static str,
}

impl Receiver {
    /// Listens on `port` (0: any) answering `answer`, recording into
    /// `received` (shared across restarts of the server).
    fn start(port: u16, answer: u16, received: Arc<Mutex<Vec<Received>>>) -> Receiver {
        Receiver::listen(port, answer, received, None)
    }

    /// The same over TLS, with the certificate for 127.0.0.1 that
    /// `tests/vectors/callbacks/ca.pem` signed.
    fn start_tls(answer: u16, received: Arc<Mutex<Vec<Received>>>) -> Receiver {
        let vector = |name: &str| std::fs::read(format!("tests/vectors/callbacks/{name}")).unwrap();
        let certificates = CertificateDer::pem_slice_iter(&vector("server.pem"))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(&vector("server.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
        Receiver::listen(0, answer, received, Some(Arc::new(config)))
    }

    fn listen(
        port: u16,
        answer: u16,
        received: Arc<Mutex<Vec<Received>>>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Receiver {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let answer = Arc::new(AtomicU16::new(answer));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (answer, received, stop) = (answer.clone(), received.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (answer, received) = (answer.clone(), received.clone());
                            stream.set_nonblocking(false).unwrap();
                            stream
                                .set_read_timeout(Some(Duration::from_secs(5)))
                                .unwrap();
                            let tls = tls.clone();
                            std::thread::spawn(move || match tls {
                                None => serve(stream, &answer, &received),
                                Some(tls) => {
                                    let connection = rustls::ServerConnection::new(tls).unwrap();
                                    let stream = rustls::StreamOwned::new(connection, stream);
                                    serve(stream, &answer, &received)
                                }
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Receiver {
            address,
            answer,
            stop,
            thread: Some(thread),
            scheme,
        }
    }

    fn set_answer(&self, status: u16) {
        self.answer.store(status, Ordering::Relaxed);
    }

    fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.address)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request (head and Content-Length body), records it, answers
/// and closes.
fn serve(mut stream: impl Read + Write, answer: &AtomicU16, received: &Mutex<Vec<Received>>) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let path = request_line.next().unwrap_or_default().to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    let mut body = bytes[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let status = answer.load(Ordering::Relaxed);
    received.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
        answered: status,
    });
    if status == HOLD {
        // Until the client closes (or the read times out).
        while matches!(stream.read(&mut chunk), Ok(n) if n > 0) {}
        return;
    }
    let _ = stream.write_all(
        format!("HTTP/1.1 {status} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let _ = stream.flush();
}

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

/// The signature a customer computes: HMAC-SHA256 with the shared secret
/// of `<X-Pasarela-Timestamp>.<body>`, hex, after `sha256=`.
fn expected_signature(request: &Received) -> String {
    signature_with(SECRET, request)
}

fn signature_with(secret: &str, request: &Received) -> String {
    let timestamp = &request.headers["x-pasarela-timestamp"];
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", request.body).as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256={hex}")
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
        account("callback_url = \"http://example.com/dlr\"\ncallback_secret = \"k\"")
    ))
    .unwrap();
    assert_eq!(set.callbacks.retry_first, Duration::from_millis(50));
    assert_eq!(set.callbacks.max_attempts, 3);
    assert_eq!(
        set.accounts[0].callback_url.as_deref(),
        Some("http://example.com/dlr")
    );
    assert_eq!(set.accounts[0].callback_secret.as_deref(), Some("k"));

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
            "callback_url": server.url("/acme"), "callback_secret": "first"}),
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
        signature_with("first", &receipt)
    );

    // Refused changes name their field and change nothing.
    for (field, value) in [
        ("callback_url", json!("ftp://127.0.0.1/x")),
        ("callback_secret", json!("")),
        ("callback_secret", json!(7)),
    ] {
        let refused = patch(&switch, json!({ field: value }));
        assert_eq!(refused.status, 400, "{field}: {}", refused.body);
        assert_eq!(refused.body["field"], field, "{}", refused.body);
    }

    let changed = patch(
        &switch,
        json!({"callback_secret": "second", "callback_url": server.url("/acme2")}),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    let receipt = receipt_of(&switch, acme, &received);
    assert_eq!(receipt.path, "/acme2");
    assert_eq!(
        receipt.headers["x-pasarela-signature"],
        signature_with("second", &receipt)
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
        signature_with("second", &receipt)
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
