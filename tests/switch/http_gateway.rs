//! The `http` gateway kind end to end over 127.0.0.1: a `pasarela serve`
//! child sends each message part as a JSON POST to a provider started by
//! the test (a std thread answering as a web SMS API does), which answers
//! with its own id and then reports delivery to `/receipts/{gateway}` as
//! a form, the way providers call a customer's receipt URL. Receipts come
//! back to an SMPP ESME with the state the provider reported; a provider
//! that answers 5xx takes the gateway down until it recovers; a refusal
//! the operator's pattern calls permanent is REJECTED and refunded; a
//! provider that is down sends the route's messages to its next gateway;
//! a receipt with a wrong token, for an unknown gateway or without its
//! fields is refused. Every wait is bounded.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Switch, write_config_without_account_tps};
use crate::gateway_view;
use crate::http;
use crate::raw::SOURCE;
use crate::upstream::{Seen, balance, esme};
use pasarela::model::Money;
use pasarela::smpp::Stat;

const GATEWAY: &str = "web-a";
const TOKEN: &str = "receipt-token-0123456789";
const DELIVERED: &str = "34600100001";
/// The provider reports these FAILED.
const UNDELIVERABLE: &str = "34600109991";
/// The provider refuses these with INVALID_NUMBER, for good.
const INVALID: &str = "34600109990";
const RECEIPTS_WAIT: Duration = Duration::from_secs(30);

/// The provider's answer to every request from now on.
#[derive(Clone, Copy)]
#[repr(u16)]
enum Mode {
    /// 200 with an id, then a receipt.
    Working = 200,
    /// 503, nothing taken.
    Failing = 503,
}

/// One request the provider took.
#[derive(Debug, Clone)]
struct Taken {
    path: String,
    headers: HashMap<String, String>,
    body: Value,
}

/// A web SMS provider on 127.0.0.1: answers each POST by its mode, and for
/// each message it takes sends a receipt to the switch (once told where).
struct Provider {
    address: SocketAddr,
    mode: Arc<AtomicU16>,
    taken: Arc<Mutex<Vec<Taken>>>,
    /// The switch's HTTP port, where receipts go.
    switch: Arc<AtomicU16>,
}

impl Provider {
    fn start() -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU16::new(Mode::Working as u16));
        let taken = Arc::new(Mutex::new(Vec::new()));
        let switch = Arc::new(AtomicU16::new(0));
        let ids = Arc::new(AtomicUsize::new(0));
        {
            let (mode, taken, switch) = (mode.clone(), taken.clone(), switch.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (mode, taken, switch, ids) =
                        (mode.clone(), taken.clone(), switch.clone(), ids.clone());
                    std::thread::spawn(move || serve(stream, &mode, &taken, &switch, &ids));
                }
            });
        }
        Provider {
            address,
            mode,
            taken,
            switch,
        }
    }

    fn set(&self, mode: Mode) {
        self.mode.store(mode as u16, Ordering::Relaxed);
    }

    fn taken(&self) -> Vec<Taken> {
        self.taken.lock().unwrap().clone()
    }
}

/// Answers one request, closing the connection after it.
fn serve(
    mut stream: TcpStream,
    mode: &AtomicU16,
    taken: &Mutex<Vec<Taken>>,
    switch: &AtomicU16,
    ids: &AtomicUsize,
) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let Some((path, headers, body)) = read_request(&mut stream) else {
        return;
    };
    let status = mode.load(Ordering::Relaxed);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    let answer = if status != 200 {
        format!(
            "HTTP/1.1 {status} Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndown"
        )
    } else if to == INVALID {
        let json = r#"{"status":"error","error":"INVALID_NUMBER"}"#;
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        )
    } else {
        let id = format!("P-{}", ids.fetch_add(1, Ordering::Relaxed));
        let json = format!(r#"{{"status":"ok","id":"{id}"}}"#);
        let state = if to == UNDELIVERABLE {
            "FAILED"
        } else {
            "DELIVERED"
        };
        let port = switch.load(Ordering::Relaxed);
        // After the answer, as a real provider reports delivery later.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            send_receipt(port, &id, state);
        });
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        )
    };
    taken.lock().unwrap().push(Taken {
        path,
        headers,
        body,
    });
    let _ = stream.write_all(answer.as_bytes());
}

/// The provider's receipt: a form POST with the token in a header,
/// retried while the switch answers otherwise than 200.
fn send_receipt(port: u16, id: &str, state: &str) {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let headers = [
        (
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("X-Receipt-Token".to_owned(), TOKEN.to_owned()),
    ];
    let body = format!("msgid={id}&state={state}&code=0");
    for _ in 0..20 {
        let answer = http::request_with_headers(
            address,
            "POST",
            &format!("/receipts/{GATEWAY}"),
            &headers,
            body.as_bytes(),
        );
        if answer.status == 200 {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The request line's path, the headers (names lower-cased) and the body.
fn read_request(stream: &mut TcpStream) -> Option<(String, HashMap<String, String>, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk).ok().filter(|&n| n > 0)?;
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    let mut body = bytes[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok().filter(|&n| n > 0)?;
        body.extend_from_slice(&chunk[..n]);
    }
    Some((path, headers, body))
}

/// The `http` gateway named `name` for the provider at `provider`.
fn http_gateway(name: &str, provider: SocketAddr, extra: &str) -> String {
    format!(
        r#"
[[gateways]]
name = "{name}"
kind = "http"
url = "http://{provider}/sms/send?key=k3y"
body = '{{"to":"{{{{to}}}}","from":"{{{{from}}}}","text":"{{{{text}}}}","udh":"{{{{udh}}}}","ref":"{{{{id}}}}"}}'
body_format = "json"
headers = ["Authorization: Bearer pr0vider"]
id_pattern = '"id":"([^"]+)"'
success_pattern = '"status":"ok"'
permanent_pattern = "INVALID_NUMBER"
receipt_token = "{TOKEN}"
receipt_id_field = "msgid"
receipt_status_field = "state"
receipt_error_field = "code"
delivered_values = ["DELIVERED"]
undelivered_values = ["FAILED"]
window = 4
{extra}
"#
    )
}

/// A switch whose `34` route goes to `gateways` in order.
fn switch_config(dir: &Path, gateways: &str, route: &[&str]) -> PathBuf {
    let extra = format!(
        r#"
{gateways}
[[routes]]
prefix = "34"
gateways = {route:?}
price = "1.00"
"#
    );
    write_config_without_account_tps(dir, &extra)
}

fn start(dir: &Path, provider: &Provider, gateways: &str, route: &[&str]) -> Switch {
    let switch = Switch::start(&switch_config(dir, gateways, route), &[]);
    provider.switch.store(switch.http.port(), Ordering::Relaxed);
    switch
}

#[test]
fn parts_go_as_requests_and_the_providers_receipts_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Provider::start();
    let gateway = http_gateway(GATEWAY, provider.address, "");
    let mut switch = start(dir.path(), &provider, &gateway, &[GATEWAY]);
    let mut esme = esme(&switch);
    let delivered = esme.submit(DELIVERED, 1);
    let undeliverable = esme.submit(UNDELIVERABLE, 1);
    let invalid = esme.submit(INVALID, 1);
    // Three UCS-2 parts, each a request with its UDH.
    let long_text = "¿Qué tal? ✓ Привет ".repeat(8);
    let long = http::json(
        switch.http,
        "POST",
        "/api/v1/messages",
        Some(("demo", "demo1234")),
        Some(&json!({"to": "34600100002", "from": SOURCE, "text": long_text})),
    );
    assert_eq!(long.status, 202, "{}", long.body);
    assert_eq!(long.body["parts"], 3);

    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == 3 && seen.all_receipted()
    });
    assert_eq!(seen.stats(delivered), [Stat::Delivered.word()]);
    assert_eq!(seen.stats(undeliverable), [Stat::Undeliverable.word()]);
    assert_eq!(seen.stats(invalid), [Stat::Rejected.word()]);

    let taken = provider.taken();
    assert!(
        taken
            .iter()
            .all(|request| request.path == "/sms/send?key=k3y")
    );
    assert!(
        taken.iter().all(
            |request| request.headers["authorization"] == "Bearer pr0vider"
                && request.headers["content-type"] == "application/json"
        ),
        "{taken:?}"
    );
    let hello = taken.iter().find(|r| r.body["to"] == DELIVERED).unwrap();
    assert_eq!(hello.body["text"], "hello");
    assert_eq!(hello.body["from"], SOURCE);
    assert_eq!(hello.body["udh"], "");
    assert_eq!(hello.body["ref"], seen.ids[&delivered].as_str());
    let mut parts: Vec<&Taken> = taken
        .iter()
        .filter(|r| r.body["to"] == "34600100002")
        .collect();
    assert_eq!(parts.len(), 3, "{taken:?}");
    parts.sort_by_key(|part| part.body["udh"].as_str().unwrap().to_owned());
    let joined: String = parts
        .iter()
        .map(|part| part.body["text"].as_str().unwrap())
        .collect();
    assert_eq!(joined, long_text);
    for (n, part) in parts.iter().enumerate() {
        let udh = part.body["udh"].as_str().unwrap();
        assert!(
            udh.starts_with("050003") && udh.ends_with(&format!("03{:02X}", n + 1)),
            "{udh}"
        );
    }

    // The long message's parts are DELIVERED too, by the provider's receipts.
    let id = long.body["messages"][0]["ids"][2]
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = Instant::now() + RECEIPTS_WAIT;
    loop {
        let read = http::json(
            switch.http,
            "GET",
            &format!("/api/v1/messages/{id}"),
            Some(("demo", "demo1234")),
            None,
        );
        if read.body["state"] == "DELIVERED" {
            break;
        }
        assert!(Instant::now() < deadline, "{}", read.body);
        std::thread::sleep(Duration::from_millis(100));
    }

    // The receipt door: wrong token, unknown gateway, missing fields,
    // interim status.
    let form = |path: &str, token: &str, body: &str| {
        http::request_with_headers(
            switch.http,
            "POST",
            path,
            &[
                (
                    "Content-Type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                ),
                ("X-Receipt-Token".to_owned(), token.to_owned()),
            ],
            body.as_bytes(),
        )
    };
    let path = format!("/receipts/{GATEWAY}");
    assert_eq!(
        form(
            &path,
            "wrong-token-0123456789xx",
            "msgid=P-0&state=DELIVERED"
        )
        .status,
        403
    );
    assert_eq!(form(&path, "", "msgid=P-0&state=DELIVERED").status, 403);
    assert_eq!(
        form("/receipts/nope", TOKEN, "msgid=P-0&state=DELIVERED").status,
        404
    );
    assert_eq!(form(&path, TOKEN, "state=DELIVERED").status, 400);
    let interim = form(&path, TOKEN, "msgid=P-0&state=SENT");
    assert_eq!((interim.status, interim.text.as_str()), (200, "ignored"));
    // In the query string, as a GET, the token as a parameter.
    let get = http::request(
        switch.http,
        "GET",
        &format!("{path}?token={TOKEN}&msgid=P-unknown&state=DELIVERED"),
        None,
        "text/plain",
        "",
    );
    assert_eq!(get.status, 200, "{}", get.text);

    let view = gateway_view::view(switch.http, GATEWAY);
    assert_eq!(view["kind"], "http");
    assert_eq!(view["up"], true);
    assert_eq!(view["binds"][0]["kind"], "http");
    assert_eq!(view["binds"][0]["state"], "bound");
    switch.signal_and_wait(libc::SIGTERM);
    // 1000 of credit: three SMPP messages and three parts charged, the
    // invalid number's refunded.
    assert_eq!(balance(dir.path()), Money::from_units(995).unwrap());
}

#[test]
fn a_failing_provider_takes_the_gateway_down_until_it_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Provider::start();
    provider.set(Mode::Failing);
    let gateway = http_gateway(GATEWAY, provider.address, "max_attempts = 50");
    let mut switch = start(dir.path(), &provider, &gateway, &[GATEWAY]);
    let mut esme = esme(&switch);
    let sent = esme.submit(DELIVERED, 1);
    let view = gateway_view::wait_for(switch.http, GATEWAY, |view| view["up"] == false);
    let error = view["last_error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("503"), "{view}");

    provider.set(Mode::Working);
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.all_receipted() && !seen.ids.is_empty()
    });
    assert_eq!(seen.stats(sent), [Stat::Delivered.word()]);
    gateway_view::wait_for(switch.http, GATEWAY, |view| view["up"] == true);
    let attempts = provider
        .taken()
        .iter()
        .filter(|request| request.body["to"] == DELIVERED)
        .count();
    assert!(attempts >= 2, "{attempts}");
    switch.signal_and_wait(libc::SIGTERM);
}

#[test]
fn a_provider_that_is_down_sends_the_route_to_its_next_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Provider::start();
    // Nothing listens here: every connection is refused.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let gateways = format!(
        "{}{}",
        http_gateway("web-down", closed, "failover_after_s = 1"),
        http_gateway(GATEWAY, provider.address, "")
    );
    let mut switch = start(dir.path(), &provider, &gateways, &["web-down", GATEWAY]);
    let mut esme = esme(&switch);
    let sent: Vec<u32> = (0..5)
        .map(|n| esme.submit(&format!("3460010{n:04}"), 1))
        .collect();
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == sent.len() && seen.all_receipted()
    });
    for seq in &sent {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()], "{seq}");
    }
    let view = gateway_view::view(switch.http, "web-down");
    assert!(
        view["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot connect"),
        "{view}"
    );
    assert_eq!(provider.taken().len(), sent.len());
    switch.signal_and_wait(libc::SIGTERM);
}
