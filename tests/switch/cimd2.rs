//! The `cimd2` gateway kind end to end over 127.0.0.1: an ESME submits over
//! SMPP (and HTTP for a long UCS-2 and a long GSM message) to a `pasarela
//! serve` child whose `cimd2` gateway logs in to `pasarela sim-smsc
//! --protocol cimd2`; receipts (from 23 status reports) come back to the
//! ESME with the state the destination's suffix asks for, a 9999
//! destination's reply (a 20) reaches the account as MO with the text
//! that went (GSM with CIMD2's escapes, UCS-2 in two parts, GSM in
//! three), a temporary error code is retried up to `max_attempts`, a wrong
//! password shows the gateway down with the reason in the admin API, and
//! the simulator killed and started again on its port loses nothing. The
//! simulator's CIMD2 side is also driven alone, by a raw client. Every
//! wait is bounded; the scenarios the `ucp` kind also passes are written
//! once, in `one_link`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::common::{Switch, write_config_without_account_tps};
use crate::gateway_view;
use crate::http;
use crate::one_link::{self, RECEIPTS_WAIT, closing_line, mo_text};
use crate::raw::SOURCE;
use crate::sim::Sim;
use crate::upstream::{Seen, balance, esme};
use pasarela::cimd2::{
    Codec, ErrorCode, Message, OperationCode, PacketNumber, StatusCode, Submit, UserData,
};
use pasarela::model::Money;
use pasarela::smpp::Stat;

const DELIVERED: &str = "34600100001";
const UNDELIVERABLE: &str = "34600109991";
const EXPIRED: &str = "34600109993";
const REFUSED: &str = "34600109990";
/// sim-smsc answers a message to it with an MO from it, same text.
const ECHO: &str = "34600109999";

const GATEWAY: &str = "nokia-a";
const USERNAME: &str = "pasarela";
const PASSWORD: &str = "secret";

/// `pasarela sim-smsc --protocol cimd2` checking our login, status
/// reports after 20 ms, on `listen`.
fn sim_on(listen: &str) -> Sim {
    Sim::start_on(
        listen,
        &[
            "--protocol",
            "cimd2",
            "--dlr-delay-ms",
            "20",
            "--system-id",
            USERNAME,
            "--password",
            PASSWORD,
        ],
    )
}

/// A switch whose `34` route goes to a `cimd2` gateway at `upstream`
/// logging in with `password` (and `gateway_extra` lines), and whose MO
/// to [`SOURCE`] goes to `demo`.
fn switch_config(dir: &Path, upstream: SocketAddr, password: &str, gateway_extra: &str) -> PathBuf {
    let extra = format!(
        r#"
[[gateways]]
name = "{GATEWAY}"
kind = "cimd2"
host = "127.0.0.1"
port = {port}
username = "{USERNAME}"
password = "{password}"
window = 16
keepalive_s = 1
{gateway_extra}

[[routes]]
prefix = "34"
gateways = ["{GATEWAY}"]
price = "1.00"

[[mo_routes]]
number = "{SOURCE}"
account = "demo"
"#,
        port = upstream.port()
    );
    write_config_without_account_tps(dir, &extra)
}

/// Sends `text` to `to` through the HTTP API; returns its parts.
fn send_over_http(switch: &Switch, to: &str, text: &str) -> u64 {
    let sent = http::json(
        switch.http,
        "POST",
        "/api/v1/messages",
        Some(("demo", "demo1234")),
        Some(&json!({"to": to, "from": SOURCE, "text": text})),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    sent.body["parts"].as_u64().unwrap_or_default()
}

#[test]
fn receipts_and_mo_come_back_over_cimd2() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let mut switch = Switch::start(&switch_config(dir.path(), upstream.addr, PASSWORD, ""), &[]);
    let mut esme = esme(&switch);
    let delivered = esme.submit(DELIVERED, 1);
    let undeliverable = esme.submit(UNDELIVERABLE, 1);
    let expired = esme.submit(EXPIRED, 1);
    let refused = esme.submit(REFUSED, 1);
    let echoed = esme.submit(ECHO, 1);
    // GSM text with characters CIMD2 writes as escapes, a long Unicode
    // text in UCS-2 parts and a long GSM text in three parts, each to the
    // number that sends it back: it returns whole only if every part went
    // and came back with its header and coding.
    let escaped = "Grüße {ok} 5€ @home_now";
    assert_eq!(send_over_http(&switch, ECHO, escaped), 1);
    let unicode = "¿Qué tal? ✓ ".repeat(10);
    assert_eq!(send_over_http(&switch, ECHO, &unicode), 2);
    let three = "Tres partes en GSM: ñandu, café y pingüino. ".repeat(9);
    assert_eq!(send_over_http(&switch, ECHO, &three), 3);

    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == 5 && seen.all_receipted() && seen.mo.len() >= 4
    });
    assert_eq!(seen.stats(delivered), [Stat::Delivered.word()]);
    assert_eq!(seen.stats(undeliverable), [Stat::Undeliverable.word()]);
    assert_eq!(seen.stats(expired), [Stat::Expired.word()]);
    // Error code 9 is permanent: REJECTED, refunded.
    assert_eq!(seen.stats(refused), [Stat::Rejected.word()]);
    assert_eq!(seen.stats(echoed), [Stat::Delivered.word()]);
    let mut texts: Vec<String> = seen.mo.iter().filter_map(mo_text).collect();
    texts.sort();
    let mut expected = vec!["hello".to_owned(), escaped.to_owned(), unicode, three];
    expected.sort();
    assert_eq!(texts, expected);

    // Quiet for a while: alives (40) keep the link, each answered.
    std::thread::sleep(Duration::from_millis(2_500));
    let view = gateway_view::view(switch.http, GATEWAY);
    assert_eq!(view["kind"], "cimd2");
    assert_eq!(view["up"], true);
    assert_eq!(view["reconnects"], 0);
    assert_eq!(view["binds"][0]["state"], "bound");

    switch.signal_and_wait(libc::SIGTERM);
    let closed = closing_line(&upstream);
    assert!(closed.contains("after 11 submits"), "{closed}");
    assert!(!closed.contains(" 0 alives"), "{closed}");
    // 1000 of credit; four SMPP messages and six parts charged, the
    // refused one refunded.
    assert_eq!(balance(dir.path()), Money::from_units(990).unwrap());
}

#[test]
fn a_temporary_error_is_retried_up_to_max_attempts_and_the_tps_holds() {
    // sim-smsc answers 9995 with error code 10, temporary congestion.
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let config = switch_config(
        dir.path(),
        upstream.addr,
        PASSWORD,
        "tps = 20\nmax_attempts = 2",
    );
    one_link::a_temporary_refusal_is_retried_and_the_tps_holds(&config, &upstream);
}

#[test]
fn a_wrong_password_is_refused_and_shown_in_the_gateway_view() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let config = switch_config(dir.path(), upstream.addr, "wrong", "");
    one_link::a_wrong_password_is_shown_and_messages_wait(
        &config,
        &upstream,
        GATEWAY,
        &["login refused", "error code 100"],
    );
}

#[test]
fn the_smsc_restarted_on_its_port_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let config = switch_config(dir.path(), upstream.addr, PASSWORD, "");
    one_link::the_smsc_restarted_on_its_port_loses_nothing(
        &config,
        upstream,
        GATEWAY,
        sim_on,
        "connected (CIMD2)",
    );
}

/// A blocking CIMD2 client for driving the simulator alone.
struct Cimd2Client {
    stream: std::net::TcpStream,
    inbox: Vec<u8>,
}

impl Cimd2Client {
    fn connect(addr: SocketAddr) -> Cimd2Client {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Cimd2Client {
            stream,
            inbox: Vec::new(),
        }
    }

    fn send(&mut self, message: &Message, number: u8) {
        let frame = message
            .packet(PacketNumber(number))
            .unwrap()
            .encode(true)
            .unwrap();
        self.stream.write_all(&frame).unwrap();
    }

    /// The next packet, read as a typed operation, and its number.
    fn next(&mut self) -> (Message, PacketNumber) {
        loop {
            if let Some(decoded) = Codec::new().decode(&self.inbox).unwrap() {
                self.inbox.drain(..decoded.len);
                let message = Message::read(&decoded.packet).unwrap();
                return (message, decoded.packet.number);
            }
            let mut buffer = [0_u8; 4096];
            let n = self.stream.read(&mut buffer).unwrap();
            assert!(n > 0, "the simulator closed the connection");
            self.inbox.extend_from_slice(&buffer[..n]);
        }
    }
}

fn login(user: &str, password: &str) -> Message {
    Message::Login {
        user: user.into(),
        password: password.into(),
    }
}

#[test]
fn the_simulator_speaks_cimd2() {
    let upstream = sim_on("127.0.0.1:0");
    let mut client = Cimd2Client::connect(upstream.addr);
    client.send(&login(USERNAME, "wrong"), 1);
    let (refused, number) = client.next();
    assert_eq!(number, PacketNumber(1));
    let Message::Response { request, response } = refused else {
        panic!("a 51: {refused:?}");
    };
    assert_eq!(request, OperationCode::LOGIN);
    assert_eq!(response.error, Some(ErrorCode::INVALID_LOGIN));

    client.send(&login(USERNAME, PASSWORD), 3);
    let (accepted, _) = client.next();
    assert!(
        matches!(&accepted, Message::Response { response, .. } if response.error.is_none()),
        "{accepted:?}"
    );
    client.send(
        &Message::Submit(Box::new(Submit {
            destination: DELIVERED.into(),
            status_report_request: Some(8),
            content: pasarela::cimd2::Content {
                user_data: Some(UserData::Text("Grüße".into())),
                ..Default::default()
            },
            ..Submit::default()
        })),
        5,
    );
    let (answer, number) = client.next();
    assert_eq!(number, PacketNumber(5));
    let Message::Response { response, .. } = answer else {
        panic!("a 53: {answer:?}");
    };
    assert_eq!(response.destination.as_deref(), Some(DELIVERED));
    let scts = response.scts.expect("an SCTS names the message");
    client.send(&Message::Alive, 7);
    let mut alive_answered = false;
    let mut report = None;
    while !(alive_answered && report.is_some()) {
        match client.next() {
            (Message::Response { request, .. }, PacketNumber(7)) => {
                assert_eq!(request, OperationCode::ALIVE);
                alive_answered = true;
            }
            (Message::StatusReport(status), number) => {
                assert_eq!(number.0 % 2, 0, "the server numbers even");
                let answer = Message::Response {
                    request: OperationCode::STATUS_REPORT,
                    response: Default::default(),
                };
                client.send(&answer, number.0);
                report = Some(status);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let report = report.unwrap();
    assert_eq!(
        (report.destination.as_str(), report.scts),
        (DELIVERED, scts)
    );
    assert_eq!(report.status, StatusCode::Delivered);
}
