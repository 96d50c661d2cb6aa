//! The applications that answer MO end to end over TCP (docs/two-way.md):
//! `pasarela serve` with `pasarela sim-smsc` as its upstream, which
//! answers every message to a number ending in 9999 with an MO from that
//! number carrying the same text, so it is an autoresponder on the other
//! side as well as the handsets that send the MO.
//!
//! - a keyword autoreply set through the admin API answers once, and the
//!   simulator echoing that answer back gets no second one within
//!   `autoreplies.min_interval_s` (no loop); an opt-out command gets none;
//!   the rule survives a restart;
//! - a poll counts each phone's last vote, the same across a SIGKILL,
//!   none after it closes; customers see their own polls only;
//! - a Kannel-style `[[sms_services]]` calls a local HTTP application
//!   with the escape codes filled (GET) and the text and X-Kannel headers
//!   (POST), and its answer reaches the simulator as an MT to the sender.

use crate::mo_routing::{Mo, demo, make_mo_from, next_mo, receiver};
use crate::{common, http, raw, scrape};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use raw::Raw;
use serde_json::{Value, json};

use crate::sim::Sim;

const GATEWAY: &str = "operator-a";
const WAIT: Duration = Duration::from_secs(15);
const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
/// Handsets: the simulator answers only numbers ending in 9999.
const PHONE: &str = "346000009999";
const OTHER_PHONE: &str = "346000019999";

/// Accounts "shop" (short code 12345) and "tv" (short code 5555), each
/// with credit for its replies, the route to the simulator, and `more`.
fn start(dir: &Path, upstream: &Sim, more: &str) -> Switch {
    let config = format!(
        r#"
{gateway}
[[routes]]
prefix = "34600"
gateways = ["{GATEWAY}"]
price = "0.01"

[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "10.00"

[[accounts]]
system_id = "tv"
password = "tv123456"
credit = "10.00"

[[mo_routes]]
number = "12345"
account = "shop"

[[mo_routes]]
number = "5555"
account = "tv"
{more}
"#,
        gateway = smpp_gateway(GATEWAY, upstream.addr, "")
    );
    Switch::start(&write_config(dir, &config), &[])
}

/// The texts of the MO `raw` reads for `within`, with their senders.
fn texts_for(raw: &mut Raw, within: Duration) -> BTreeMap<(String, String), usize> {
    let mut texts = BTreeMap::new();
    let deadline = Instant::now() + within;
    while let Some(Mo { source, text, .. }) =
        next_mo(raw, deadline.saturating_duration_since(Instant::now()))
    {
        *texts.entry((source, text)).or_insert(0) += 1;
    }
    texts
}

/// The MO `raw` reads until one has `text` (bounded).
pub(crate) fn wait_for_mo(raw: &mut Raw, source: &str, text: &str) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if let Some(mo) = next_mo(raw, deadline.saturating_duration_since(Instant::now()))
            && mo.source == source
            && mo.text == text
        {
            return;
        }
    }
    panic!("no MO {text:?} from {source}");
}

fn balance(switch: &Switch, system_id: &str, password: &str) -> String {
    let answer = http::json(
        switch.http,
        "GET",
        "/api/v1/balance",
        Some((system_id, password)),
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["balance"].as_str().unwrap().to_owned()
}

#[test]
fn an_autoreply_answers_once_and_never_loops_with_an_autoresponder() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let mut switch = start(dir.path(), &upstream, "[autoreplies]\nmin_interval_s = 4\n");
    let rule = json!({"name": "hello", "account": "shop", "number": "12345",
        "text": "Thanks {{from}}, we got: {{text}}"});
    let created = http::json(
        switch.http,
        "POST",
        "/api/v1/autoreplies",
        ADMIN,
        Some(&rule),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["enabled"], true);
    assert_eq!(created.body["keyword"], Value::Null);
    // Refusals name their field.
    for (body, status, field) in [
        (
            json!({"name": "bad", "account": "shop", "number": "12345", "text": "Hi {{name}}"}),
            400,
            "text",
        ),
        (
            json!({"name": "x", "account": "nobody", "number": "12345", "text": "Hi"}),
            400,
            "account",
        ),
        (
            json!({"name": "y", "account": "shop", "number": "12345", "keyword": "STOP", "text": "Hi"}),
            400,
            "keyword",
        ),
        (
            json!({"name": "z", "account": "shop", "number": "12345", "text": "Hi"}),
            409,
            "keyword",
        ),
        (rule.clone(), 409, "name"),
    ] {
        let answer = http::json(
            switch.http,
            "POST",
            "/api/v1/autoreplies",
            ADMIN,
            Some(&body),
        );
        assert_eq!(
            (answer.status, answer.body["field"].as_str()),
            (status, Some(field)),
            "{}",
            answer.text
        );
    }

    let mut shop = receiver(&switch, "shop", "shop1234");
    let mut esme = demo(&switch);
    make_mo_from(&mut esme, PHONE, "12345", "hi there");
    // An opt-out command is answered by its confirmation, by no
    // application; the simulator echoes the confirmation back, and that
    // echo, an ordinary MO, gets the autoreply.
    make_mo_from(&mut esme, OTHER_PHONE, "12345", "Stop");
    let reply = format!("Thanks {PHONE}, we got: hi there");
    let confirmation = "You are unsubscribed and will get no more messages from us. \
                        Reply START to subscribe again.";
    // The MO, and the simulator's echo of each answer; nothing more while
    // the interval lasts, though every autoreply would be echoed.
    let seen = texts_for(&mut shop, Duration::from_secs(3));
    assert_eq!(
        seen,
        BTreeMap::from([
            ((PHONE.to_owned(), "hi there".to_owned()), 1),
            ((PHONE.to_owned(), reply.clone()), 1),
            ((OTHER_PHONE.to_owned(), "Stop".to_owned()), 1),
            ((OTHER_PHONE.to_owned(), confirmation.to_owned()), 1),
            (
                (
                    OTHER_PHONE.to_owned(),
                    format!("Thanks {OTHER_PHONE}, we got: {confirmation}")
                ),
                1
            ),
        ])
    );
    assert_eq!(
        balance(&switch, "shop", "shop1234"),
        "9.97",
        "two autoreplies and the confirmation charged to shop"
    );
    let metrics = scrape::scrape(switch.http);
    for (reply, count) in [("autoreply", 2.0), ("opt-out confirmation", 1.0)] {
        let series = format!(r#"pasarela_mo_replies_total{{reply="{reply}",outcome="accepted"}}"#);
        assert_eq!(scrape::value(&metrics, &series), Some(count), "{series}");
    }

    // Past the interval the rule answers the sender again, once.
    std::thread::sleep(Duration::from_millis(1500));
    make_mo_from(&mut esme, PHONE, "12345", "again");
    let seen = texts_for(&mut shop, Duration::from_secs(3));
    assert_eq!(
        seen,
        BTreeMap::from([
            ((PHONE.to_owned(), "again".to_owned()), 1),
            (
                (PHONE.to_owned(), format!("Thanks {PHONE}, we got: again")),
                1
            ),
        ])
    );

    // Changed at runtime, kept over a restart.
    let disabled =
        json!({"account": "shop", "number": "12345", "text": "Closed", "enabled": false});
    let put = http::json(
        switch.http,
        "PUT",
        "/api/v1/autoreplies/hello",
        ADMIN,
        Some(&disabled),
    );
    assert_eq!(put.status, 200, "{}", put.text);
    drop((shop, esme));
    switch.signal_and_wait(libc::SIGTERM);
    let switch = start(dir.path(), &upstream, "");
    let read = http::json(switch.http, "GET", "/api/v1/autoreplies/hello", ADMIN, None);
    assert_eq!(
        (read.status, &read.body["enabled"], &read.body["text"]),
        (200, &json!(false), &json!("Closed"))
    );
    let mut shop = receiver(&switch, "shop", "shop1234");
    make_mo_from(&mut demo(&switch), PHONE, "12345", "anyone?");
    let seen = texts_for(&mut shop, Duration::from_secs(2));
    assert_eq!(
        seen,
        BTreeMap::from([((PHONE.to_owned(), "anyone?".to_owned()), 1)]),
        "disabled: no reply"
    );
    let deleted = http::json(
        switch.http,
        "DELETE",
        "/api/v1/autoreplies/hello",
        ADMIN,
        None,
    );
    assert_eq!(deleted.status, 204);
    let gone = http::json(switch.http, "GET", "/api/v1/autoreplies/hello", ADMIN, None);
    assert_eq!(gone.status, 404);
    assert_eq!(
        http::json(switch.http, "GET", "/api/v1/autoreplies", ADMIN, None).body,
        json!([])
    );
}

/// A handset ending in 9999, the simulator's answerers.
fn voter(n: u32) -> String {
    format!("3460000{n}9999")
}

fn poll(switch: &Switch, auth: Option<(&str, &str)>) -> http::Answer {
    http::json(switch.http, "GET", "/api/v1/polls/song", auth, None)
}

fn counts(answer: &http::Answer) -> Vec<(String, u64)> {
    answer.body["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|count| {
            (
                count["code"].as_str().unwrap().to_owned(),
                count["votes"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Waits until the poll has `total` votes (bounded); its counts then.
fn counted(switch: &Switch, total: u64) -> Vec<(String, u64)> {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = poll(switch, ADMIN);
        assert_eq!(answer.status, 200, "{}", answer.text);
        if answer.body["total"] == total {
            return counts(&answer);
        }
        assert!(
            Instant::now() < deadline,
            "total {} never {total}: {}",
            answer.body["total"],
            answer.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn expected(a: u64, b: u64, c: u64) -> Vec<(String, u64)> {
    vec![("A".into(), a), ("B".into(), b), ("C".into(), c)]
}

#[test]
fn a_poll_counts_each_phones_last_vote_across_a_sigkill_and_none_after_closing() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let mut switch = start(dir.path(), &upstream, "");
    let closes_at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let body = json!({"id": "song", "account": "tv", "number": "5555", "keyword": "vote",
        "question": "Best song?", "options": ["A", {"code": "B", "label": "Bee"}, "C"],
        "closes_at": closes_at, "reply_text": "Thanks for voting", "closed_text": "Voting has closed"});
    let created = http::json(switch.http, "POST", "/api/v1/polls", ADMIN, Some(&body));
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["total"], 0);
    assert_eq!(created.body["open"], true);
    let mut twice = body.clone();
    twice["options"] = json!(["A", "a"]);
    twice["id"] = json!("other");
    let refused = http::json(switch.http, "POST", "/api/v1/polls", ADMIN, Some(&twice));
    assert_eq!(
        (refused.status, refused.body["field"].as_str()),
        (400, Some("options[1]")),
        "{}",
        refused.text
    );

    let mut esme = demo(&switch);
    make_mo_from(&mut esme, &voter(1), "5555", "VOTE a");
    make_mo_from(&mut esme, &voter(2), "5555", "vote B please");
    make_mo_from(&mut esme, &voter(3), "5555", "Vote c");
    make_mo_from(&mut esme, &voter(4), "5555", "VOTE D");
    assert_eq!(counted(&switch, 3), expected(1, 1, 1), "D is no option");
    // Phone 1 changes its mind: its last vote counts, once.
    make_mo_from(&mut esme, &voter(1), "5555", "VOTE C");
    let deadline = Instant::now() + WAIT;
    while counts(&poll(&switch, ADMIN)) != expected(0, 1, 2) {
        assert!(Instant::now() < deadline, "{}", poll(&switch, ADMIN).text);
        std::thread::sleep(Duration::from_millis(100));
    }
    // More votes, and SIGKILL while they are on their way.
    for n in 5..=8 {
        make_mo_from(&mut esme, &voter(n), "5555", "VOTE B");
    }
    switch.kill();
    drop(esme);
    let switch = start(dir.path(), &upstream, "");
    assert_eq!(
        counted(&switch, 7),
        expected(0, 5, 2),
        "each vote once after the restart"
    );
    // Every counted vote was answered (the echoes are MO of their own).
    let mut tv = receiver(&switch, "tv", "tv123456");

    // Customers see their own polls only.
    let own = http::json(
        switch.http,
        "GET",
        "/api/v1/polls",
        Some(("tv", "tv123456")),
        None,
    );
    assert_eq!(own.body.as_array().map(Vec::len), Some(1), "{}", own.text);
    assert_eq!(
        counts(&poll(&switch, Some(("tv", "tv123456")))),
        expected(0, 5, 2)
    );
    let theirs = http::json(
        switch.http,
        "GET",
        "/api/v1/polls",
        Some(("shop", "shop1234")),
        None,
    );
    assert_eq!(theirs.body, json!([]));
    assert_eq!(poll(&switch, Some(("shop", "shop1234"))).status, 404);
    let csv = http::json(
        switch.http,
        "GET",
        "/api/v1/polls/song/votes.csv",
        Some(("tv", "tv123456")),
        None,
    );
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "number,option,time");
    assert_eq!(lines.len(), 8, "{}", csv.text);
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with(&format!("{},C,", voter(1)))),
        "{}",
        csv.text
    );

    // Closed: a later vote reaches the account but is not counted.
    let closed = http::json(switch.http, "POST", "/api/v1/polls/song/close", ADMIN, None);
    assert_eq!(
        (closed.status, &closed.body["open"]),
        (200, &json!(false)),
        "{}",
        closed.text
    );
    make_mo_from(&mut demo(&switch), &voter(9), "5555", "VOTE A");
    wait_for_mo(&mut tv, &voter(9), "VOTE A");
    wait_for_mo(&mut tv, &voter(9), "Voting has closed");
    assert_eq!(counts(&poll(&switch, ADMIN)), expected(0, 5, 2));
    let deleted = http::json(switch.http, "DELETE", "/api/v1/polls/song", ADMIN, None);
    assert_eq!(deleted.status, 204);
    assert_eq!(poll(&switch, ADMIN).status, 404);
}

/// One request a service's application received.
#[derive(Debug, Clone)]
struct Request {
    /// `GET /path?query HTTP/1.1`.
    line: String,
    /// Lower-cased names.
    headers: BTreeMap<String, String>,
    body: String,
}

/// A local HTTP application on 127.0.0.1: records each request and
/// answers `answer(path)` as text/plain.
fn application(answer: fn(&str) -> &'static str) -> (SocketAddr, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(WAIT)).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut headers = BTreeMap::new();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
                }
            }
            let length: usize = headers
                .get("content-length")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let text = answer(&path);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            log.lock().unwrap().push(Request {
                line: line.trim().to_owned(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
    });
    (address, received)
}

#[test]
fn a_kannel_style_service_answers_from_a_local_http_application() {
    let (app, received) = application(|path| {
        if path.starts_with("/weather") {
            "Sunny in Paris"
        } else {
            "Noted"
        }
    });
    let services = format!(
        r#"
[[sms_services]]
account = "shop"
keyword = "weather"
aliases = ["tiempo"]
get_url = "http://{app}/weather?city=%s&from=%p&to=%P&kw=%k&rest=%r&all=%a&svc=%n&smsc=%i&o=%o&c=%c"

[[sms_services]]
name = "notes"
account = "shop"
keyword = "note"
post_url = "http://{app}/note?from=%q"
strip_keyword = true
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let upstream = Sim::start(&[]);
    let switch = start(dir.path(), &upstream, &services);
    let mut shop = receiver(&switch, "shop", "shop1234");
    let mut esme = demo(&switch);
    make_mo_from(&mut esme, PHONE, "12345", "Weather Paris 3 days&nights");
    // The answer went to the simulator as an MT to the sender, and came
    // back as its echo.
    wait_for_mo(&mut shop, PHONE, "Sunny in Paris");
    let get = received.lock().unwrap()[0].clone();
    assert_eq!(
        get.line,
        format!(
            "GET /weather?city=Paris&from={PHONE}&to=12345&kw=Weather&rest=3+days%26nights\
             &all=Weather+Paris+3+days%26nights&svc=weather&smsc={GATEWAY}&o=shop&c=0 HTTP/1.1"
        )
    );

    make_mo_from(&mut esme, PHONE, "12345", "NOTE buy milk");
    wait_for_mo(&mut shop, PHONE, "Noted");
    let post = received.lock().unwrap()[1].clone();
    assert_eq!(post.line, format!("POST /note?from={PHONE} HTTP/1.1"));
    assert_eq!(post.body, "buy milk", "strip_keyword");
    for (name, value) in [
        ("x-kannel-from", PHONE),
        ("x-kannel-to", "12345"),
        ("x-kannel-smsc", GATEWAY),
        ("x-kannel-service", "notes"),
        ("x-kannel-coding", "0"),
        ("content-type", "text/plain; charset=\"UTF-8\""),
    ] {
        assert_eq!(
            post.headers.get(name).map(String::as_str),
            Some(value),
            "{name}: {post:?}"
        );
    }
    assert!(post.headers.contains_key("x-kannel-time"), "{post:?}");
    // Two answers, each one MT charged to shop.
    assert_eq!(balance(&switch, "shop", "shop1234"), "9.98");
    assert_eq!(
        received.lock().unwrap().len(),
        2,
        "the echoes claim no service"
    );
}
