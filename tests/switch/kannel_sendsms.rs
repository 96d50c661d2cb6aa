//! Kannel's `/cgi-bin/sendsms` over real HTTP on 127.0.0.1, against
//! `pasarela serve` with a real store, sent the way Kannel clients send it
//! (GET with a query string, a POSTed form, a POSTed body with
//! `X-Kannel-*` headers). The expected answers are Kannel's own texts and
//! codes (gw/smsbox.c: "0: Accepted for delivery" with 202, "Authorization
//! failed for sendsms" with 403, the "..., rejected" lines with 400); the
//! parameters are the user's guide's ("Kannel HTTP sendsms interface").
//! What was accepted is checked in the balance, in the store (each part,
//! its coding and its dlr-url) and in the receipt on the account's SMPP
//! receiver.

use crate::{common, http, raw};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use pasarela::model::{Callback, Message, MessageId};
use pasarela::smpp::CommandId;
use pasarela::smpp::pdu::Pdu;
use pasarela::store::{Store, StoreConfig};
use raw::Raw;

const TIMEOUT: Duration = Duration::from_secs(10);

/// A second account with little credit, and a second gateway that only
/// the "44" route shares with "sim".
const EXTRA: &str = r#"
[[gateways]]
name = "sim2"
kind = "simulator"

[[routes]]
prefix = "44"
gateways = ["sim", "sim2"]
price = "1.00"

[[accounts]]
system_id = "other"
password = "other123"
credit = "1.00"
"#;

const DEMO: &str = "username=demo&password=demo1234";

fn start() -> (tempfile::TempDir, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), EXTRA);
    let switch = Switch::start(&config, &[]);
    (dir, switch)
}

/// A GET of `/cgi-bin/sendsms?{query}`: (status, body).
fn get(address: SocketAddr, query: &str) -> (u16, String) {
    let answer = http::request_with_headers(
        address,
        "GET",
        &format!("/cgi-bin/sendsms?{query}"),
        &[],
        b"",
    );
    assert!(
        answer.headers.contains("content-type: text/html"),
        "{}",
        answer.headers
    );
    (answer.status, answer.text)
}

/// A POST of `body` as `content_type` with extra `headers`.
fn post(
    address: SocketAddr,
    content_type: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut all = vec![("Content-Type".to_string(), content_type.to_string())];
    all.extend(
        headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );
    let answer = http::request_with_headers(address, "POST", "/cgi-bin/sendsms", &all, body);
    (answer.status, answer.text)
}

fn accepted() -> (u16, String) {
    (202, "0: Accepted for delivery".to_string())
}

fn balance(address: SocketAddr) -> String {
    let answer = http::json(
        address,
        "GET",
        "/api/v1/balance",
        Some(("demo", "demo1234")),
        None,
    );
    answer.body["balance"].as_str().unwrap().to_string()
}

/// Every message the store holds, after the switch has stopped (ids are
/// allocated from 1).
fn stored_messages(switch: &mut Switch, dir: &tempfile::TempDir) -> Vec<Message> {
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    (1..=200)
        .filter_map(|id| store.message(MessageId::new(id)).unwrap())
        .collect()
}

#[test]
fn a_kannel_client_sends_by_get_and_post_and_every_part_is_stored_and_charged() {
    let (dir, mut switch) = start();

    // GET, two numbers separated by `+` (a space) and `%20`, 200
    // characters: two GSM parts to each.
    let long = "a".repeat(200);
    assert_eq!(
        get(
            switch.http,
            &format!("{DEMO}&from=Shop&to=34600111001+34600111002%2034600111001&text={long}")
        ),
        accepted()
    );
    assert_eq!(balance(switch.http), "996.00");

    // POSTed form, UCS-2 from UTF-8 text, with a dlr-url.
    assert_eq!(
        post(
            switch.http,
            "application/x-www-form-urlencoded",
            &[],
            format!(
                "{DEMO}&from=Shop&to=34600111003&coding=2&charset=UTF-8&text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82\
                 &dlr-mask=3&dlr-url=http%3A%2F%2F127.0.0.1%2Fdlr%3Ftype%3D%25d%26to%3D%25p"
            )
            .as_bytes(),
        ),
        accepted()
    );

    // POSTed body with X-Kannel headers, text in ISO-8859-1.
    assert_eq!(
        post(
            switch.http,
            "text/plain; charset=ISO-8859-1",
            &[
                ("X-Kannel-Username", "demo"),
                ("X-Kannel-Password", "demo1234"),
                ("X-Kannel-From", "Shop"),
                ("X-Kannel-To", "34600111004"),
            ],
            b"caf\xe9",
        ),
        accepted()
    );

    // Binary with a UDH (a WAP push port header), coding 8-bit by default.
    assert_eq!(
        get(
            switch.http,
            &format!("{DEMO}&from=Shop&to=34600111005&udh=%06%05%04%0B%84%23%F0&text=%01%02%FF")
        ),
        accepted()
    );
    assert_eq!(balance(switch.http), "993.00");

    let messages = stored_messages(&mut switch, &dir);
    let to = |number: &str| -> Vec<&Message> {
        messages
            .iter()
            .filter(|message| message.destination.text() == number)
            .collect()
    };
    assert_eq!(
        to("34600111001").len(),
        2,
        "one number given twice goes once"
    );
    assert_eq!(to("34600111002").len(), 2);
    assert!(to("34600111001").iter().all(|part| part.part.is_some()));

    let ucs2 = to("34600111003");
    assert_eq!(ucs2[0].data_coding, 0x08);
    assert_eq!(
        ucs2[0].payload,
        "Привет"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect::<Vec<u8>>()
    );
    assert_eq!(ucs2[0].registered_delivery, 1);
    assert_eq!(
        ucs2[0].callback,
        Some(Callback::Kannel {
            url: "http://127.0.0.1/dlr?type=%d&to=%p".into(),
            mask: 3
        })
    );

    // "é" is 0x05 in GSM 03.38.
    assert_eq!(to("34600111004")[0].payload, [b'c', b'a', b'f', 0x05]);

    let binary = to("34600111005");
    assert_eq!(binary[0].data_coding, 0x04);
    assert_eq!(binary[0].esm_class & 0x40, 0x40);
    assert_eq!(
        binary[0].payload,
        [0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x01, 0x02, 0xFF]
    );
}

#[test]
fn refusals_are_smsboxs_texts_and_codes() {
    let (_dir, switch) = start();
    let message = "from=Shop&to=34600111222&text=hello";
    let cases: [(String, u16, &str); 12] = [
        (
            format!("username=demo&password=wrong&{message}"),
            403,
            "Authorization failed for sendsms",
        ),
        (
            format!("username=nobody&password=demo1234&{message}"),
            403,
            "Authorization failed for sendsms",
        ),
        (message.to_string(), 403, "Authorization failed for sendsms"),
        (
            format!("{DEMO}&from=Shop&text=hello"),
            400,
            "Missing receiver number, rejected",
        ),
        (
            format!("{DEMO}&from=Shop&to=&text=hello"),
            400,
            "Empty receiver number not allowed, rejected",
        ),
        (
            format!("{DEMO}&to=34600111222&text=hello"),
            400,
            "Sender missing and no global set, rejected",
        ),
        (
            format!("{DEMO}&from=Shop&to=abc&text=hello"),
            400,
            "Number(s) has/have been denied by white- and/or black-lists.",
        ),
        (
            format!("{DEMO}&{message}&dlr-mask=99"),
            400,
            "DLR-Mask field misformed, rejected",
        ),
        (
            format!("{DEMO}&{message}&coding=2&text=%00"),
            400,
            "Charset or body misformed, rejected",
        ),
        // `smsc` naming no gateway, or one its route does not use alone.
        (
            format!("{DEMO}&{message}&smsc=nowhere"),
            403,
            "Not routable. Do not try again.",
        ),
        (
            format!("{DEMO}&from=Shop&to=447700900123&text=x&smsc=sim"),
            403,
            "Not routable. Do not try again.",
        ),
        // "other" has 1.00: two parts are more than it has.
        (
            format!(
                "user=other&pass=other123&from=Shop&to=34600111222&text={}",
                "b".repeat(200)
            ),
            403,
            "Not routable. Do not try again.",
        ),
    ];
    for (query, status, text) in cases {
        assert_eq!(
            get(switch.http, &query),
            (status, text.to_string()),
            "{query}"
        );
    }
    assert_eq!(
        balance(switch.http),
        "1000.00",
        "nothing refused was charged"
    );

    // `user`/`pass` are Kannel's aliases; `smsc` is honoured where it is the
    // route's one gateway.
    assert_eq!(
        get(
            switch.http,
            "user=demo&pass=demo1234&from=Shop&to=34600111222&text=x&smsc=sim"
        ),
        accepted()
    );
    assert_eq!(
        post(switch.http, "application/json", &[], b"{}"),
        (400, "Invalid content-type".to_string())
    );
    assert_eq!(
        post(
            switch.http,
            "text/plain",
            &[
                ("X-Kannel-Username", "demo"),
                ("X-Kannel-Password", "demo1234")
            ],
            b"hi"
        ),
        (400, "Missing receiver(s) number(s), rejected".to_string())
    );
}

#[test]
fn a_sendsms_message_gets_its_receipt_on_the_accounts_smpp_receiver() {
    let (_dir, switch) = start();
    let mut receiver = Raw::connect(switch.smpp);
    assert_eq!(
        receiver.bind(CommandId::BindReceiver, "demo", "demo1234"),
        pasarela::smpp::CommandStatus::EsmeRok
    );
    assert_eq!(
        get(
            switch.http,
            &format!(
                "{DEMO}&from=Shop&to=34600111222&text=receipt+please&dlr-mask=1\
                 &dlr-url=http%3A%2F%2F127.0.0.1%2Fdlr%3Fs%3D%25d"
            )
        ),
        accepted()
    );
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let command = receiver
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a receipt before the timeout");
        if let Some(Pdu::DeliverSm(deliver)) = command.pdu() {
            let text = String::from_utf8_lossy(deliver.short_message().as_ref()).into_owned();
            assert!(text.contains("stat:DELIVRD"), "{text}");
            assert!(text.contains("text:receipt please"), "{text}");
            break;
        }
    }
}
