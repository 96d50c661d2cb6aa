//! The do-not-disturb registry end to end (SPEC §6.1,
//! docs/admin-api.md#the-dnd-registry): a million numbers imported as a
//! CSV body generated while it is sent (chunked, so neither side holds it
//! whole), with its broken line named; a promotional account refused for a
//! listed number over SMPP (ESME_RSUBMITFAIL) and HTTP (403 dnd), a
//! transactional one not; one number looked up and taken off; a smaller
//! registry kept over a SIGKILL and cleared; an account's traffic changed
//! through the admin API at once and kept over the restart.

use crate::{common, http, raw};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{ADMIN_PASSWORD, Switch, write_config};
use http::json;
use pasarela::smpp::{CommandId, CommandStatus};
use raw::{Raw, hello};
use serde_json::{Value, json};

const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
const PROMO: Option<(&str, &str)> = Some(("promo", "promo123"));
const TRANS: Option<(&str, &str)> = Some(("trans", "trans123"));

const ACCOUNTS: &str = r#"
[[accounts]]
system_id = "promo"
password = "promo123"
credit = "100.00"
traffic = "promotional"

[[accounts]]
system_id = "trans"
password = "trans123"
credit = "100.00"
"#;

/// The first number of the generated registry.
const FIRST: u64 = 34_700_000_000;

/// `POST path` as the admin with a `text/csv` body made of `lines`, sent
/// in chunks as they are made: the status and the JSON answer.
fn stream_import(
    address: SocketAddr,
    path: &str,
    lines: impl Iterator<Item = String>,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(300)))
        .unwrap();
    let token = base64::engine::general_purpose::STANDARD.encode(format!("admin:{ADMIN_PASSWORD}"));
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: text/csv\r\n\
         Authorization: Basic {token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let mut chunk = String::with_capacity(1 << 16);
    let send = |chunk: &mut String, stream: &mut TcpStream| {
        write!(stream, "{:x}\r\n{chunk}\r\n", chunk.len()).unwrap();
        chunk.clear();
    };
    for line in lines {
        chunk.push_str(&line);
        chunk.push('\n');
        if chunk.len() >= 60_000 {
            send(&mut chunk, &mut stream);
        }
    }
    if !chunk.is_empty() {
        send(&mut chunk, &mut stream);
    }
    stream.write_all(b"0\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.into())),
    )
}

fn bound(switch: &Switch, system_id: &str, password: &str) -> Raw {
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransmitter, system_id, password),
        CommandStatus::EsmeRok
    );
    esme
}

fn submit(esme: &mut Raw, to: &str) -> CommandStatus {
    esme.request(hello(to, 0));
    esme.expect().status()
}

fn send(switch: &Switch, who: Option<(&str, &str)>, to: &str) -> http::Answer {
    json(
        switch.http,
        "POST",
        "/api/v1/messages",
        who,
        Some(&json!({"to": to, "from": "Promo", "text": "offer"})),
    )
}

fn count(switch: &Switch) -> u64 {
    let answer = json(switch.http, "GET", "/api/v1/dnd", ADMIN, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["count"].as_u64().unwrap()
}

#[test]
fn a_million_numbers_import_streamed_and_only_promotional_traffic_is_refused_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), ACCOUNTS);
    let switch = Switch::start(&config, &[]);
    const MILLION: u64 = 1_000_000;
    // The header is line 1, the broken line 500,002; the last repeats the first number.
    let lines = std::iter::once("number,name".to_string())
        .chain((0..MILLION).map(|i| {
            if i == 500_000 {
                "34-70x,broken\n+34700000000,again".to_string()
            } else {
                format!("+{},n{i}", FIRST + i)
            }
        }))
        .chain(std::iter::once(format!("{}", FIRST + 500_000)));
    let started = Instant::now();
    let (status, report) = stream_import(switch.http, "/api/v1/dnd/import", lines);
    let took = started.elapsed();
    assert_eq!(status, 200, "{report}");
    eprintln!(
        "DND import: 1,000,000 lines in {:.1} s, {:.0} numbers/s (debug build)",
        took.as_secs_f64(),
        MILLION as f64 / took.as_secs_f64()
    );
    assert_eq!(report["imported"], MILLION, "{report}");
    assert_eq!(report["already"], 1, "{report}");
    assert_eq!(report["rejected_total"], 1, "{report}");
    assert_eq!(report["rejected"][0]["line"], 500_002, "{report}");
    assert_eq!(count(&switch), MILLION);

    let listed = "34700000005";
    let mut promo = bound(&switch, "promo", "promo123");
    let mut trans = bound(&switch, "trans", "trans123");
    assert_eq!(submit(&mut promo, listed), CommandStatus::EsmeRsubmitfail);
    assert_eq!(submit(&mut promo, "34600000001"), CommandStatus::EsmeRok);
    assert_eq!(submit(&mut trans, listed), CommandStatus::EsmeRok);
    let refused = send(&switch, PROMO, listed);
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.body["type"], "urn:pasarela:problem:dnd");
    assert_eq!(send(&switch, TRANS, listed).status, 202);
    let balance = json(switch.http, "GET", "/api/v1/balance", PROMO, None);
    assert_eq!(
        balance.body["balance"], "99.00",
        "only the one sent is charged"
    );

    let found = json(switch.http, "GET", "/api/v1/dnd/+34700000005", ADMIN, None);
    assert_eq!(found.body["listed"], true, "{}", found.text);
    assert!(found.body["since"].is_string(), "{}", found.text);
    let absent = json(switch.http, "GET", "/api/v1/dnd/34600000001", ADMIN, None);
    assert_eq!(absent.body["listed"], false, "{}", absent.text);
    assert_eq!(absent.body["since"], Value::Null);
    let bad = json(switch.http, "GET", "/api/v1/dnd/12ab", ADMIN, None);
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["field"], "number");
    let off = json(
        switch.http,
        "DELETE",
        "/api/v1/dnd/34700000005",
        ADMIN,
        None,
    );
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(submit(&mut promo, listed), CommandStatus::EsmeRok);
    let again = json(
        switch.http,
        "DELETE",
        "/api/v1/dnd/34700000005",
        ADMIN,
        None,
    );
    assert_eq!(again.status, 404);

    assert_eq!(count(&switch), MILLION - 1);
}

#[test]
fn an_accounts_traffic_changes_through_the_admin_api_at_once_and_imports_are_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), ACCOUNTS);
    let mut switch = Switch::start(&config, &[]);
    let plain = "+34700000001\n34700000002\n\n0034700000001\n";
    let import = |switch: &Switch, who, content_type: &str, extra: &[(&str, &str)]| {
        let mut headers = vec![("Content-Type".to_string(), content_type.to_string())];
        if let Some((user, password)) = who {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            headers.push(("Authorization".to_string(), format!("Basic {token}")));
        }
        headers.extend(
            extra
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string())),
        );
        http::request_with_headers(
            switch.http,
            "POST",
            "/api/v1/dnd/import",
            &headers,
            plain.as_bytes(),
        )
    };
    let imported = import(&switch, ADMIN, "text/plain", &[]);
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!(imported.body["imported"], 2);
    assert_eq!(imported.body["already"], 1);
    assert_eq!(imported.body["rejected"], json!([]));
    // A browser's cross-site form can send text/plain: not with an Origin.
    let cross_site = import(
        &switch,
        ADMIN,
        "text/plain",
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(cross_site.status, 415, "{}", cross_site.text);
    assert_eq!(import(&switch, ADMIN, "application/json", &[]).status, 415);
    assert_eq!(
        import(&switch, TRANS, "text/csv", &[]).status,
        401,
        "operator only"
    );
    assert_eq!(
        json(switch.http, "GET", "/api/v1/dnd", TRANS, None).status,
        401
    );

    let mut trans = bound(&switch, "trans", "trans123");
    assert_eq!(submit(&mut trans, "34700000001"), CommandStatus::EsmeRok);
    let changed = json(
        switch.http,
        "PATCH",
        "/api/v1/accounts/trans",
        ADMIN,
        Some(&json!({"traffic": "promotional"})),
    );
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["traffic"], "promotional");
    assert_eq!(
        submit(&mut trans, "34700000001"),
        CommandStatus::EsmeRsubmitfail,
        "at once"
    );
    let bad = json(
        switch.http,
        "PATCH",
        "/api/v1/accounts/trans",
        ADMIN,
        Some(&json!({"traffic": "marketing"})),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["field"], "traffic");

    switch.kill();
    drop(switch);
    let switch = Switch::start(&config, &[]);
    assert_eq!(count(&switch), 2, "the registry survives SIGKILL");
    let read = json(switch.http, "GET", "/api/v1/accounts/trans", ADMIN, None);
    assert_eq!(read.body["traffic"], "promotional", "{}", read.text);
    assert_eq!(send(&switch, TRANS, "34700000002").status, 403);
    let back = json(
        switch.http,
        "PATCH",
        "/api/v1/accounts/trans",
        ADMIN,
        Some(&json!({"traffic": "transactional"})),
    );
    assert_eq!(back.status, 200);
    assert_eq!(send(&switch, TRANS, "34700000002").status, 202);

    let mut promo = bound(&switch, "promo", "promo123");
    assert_eq!(
        submit(&mut promo, "34700000002"),
        CommandStatus::EsmeRsubmitfail
    );
    let cleared = json(switch.http, "DELETE", "/api/v1/dnd", ADMIN, None);
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.body["count"], 2);
    assert_eq!(count(&switch), 0);
    assert_eq!(submit(&mut promo, "34700000002"), CommandStatus::EsmeRok);
}
