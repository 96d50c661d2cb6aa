//! The `ucp` gateway kind end to end over 127.0.0.1: an ESME submits over
//! SMPP (and HTTP for a long UCS-2 message) to a `pasarela serve` child
//! whose `ucp` gateway logs in to `pasarela sim-smsc --protocol ucp`;
//! receipts (from 53 notifications) come back to the ESME with the state
//! the destination's suffix asks for, a 9999 destination's reply (a 52)
//! reaches the account as MO, a temporary NACK is retried up to
//! `max_attempts`, the TPS holds, unanswered alerts drop a dead link, a
//! wrong password shows the gateway down
//! with the reason in the admin API, the simulator killed and started
//! again on its port loses nothing, and the admin API stops the gateway,
//! moves it to another port and starts it. The simulator's UCP side is
//! also driven alone, by a raw client. Every wait is bounded; the
//! scenarios the `cimd2` kind also passes are written once, in `one_link`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Switch, write_config_without_account_tps};
use crate::gateway_view;
use crate::http;
use crate::one_link::{self, RECEIPTS_WAIT, closing_line, mo_text};
use crate::raw::SOURCE;
use crate::sim::Sim;
use crate::upstream::{Seen, balance, esme};
use pasarela::model::Money;
use pasarela::smpp::Stat;
use pasarela::ucp::{
    Ack, Alert, Codec, Content, ErrorCode, Message, MessageReference, Notification, Operation,
    ReceivedMessage, Response, SessionManagement, ShortMessageFields, Trn,
};

const DELIVERED: &str = "34600100001";
const UNDELIVERABLE: &str = "34600109991";
const REFUSED: &str = "34600109990";
/// sim-smsc answers a message to it with an MO from it, same text.
const ECHO: &str = "34600109999";

const GATEWAY: &str = "emi-a";
const LOGIN: &str = "pasarela";
const PASSWORD: &str = "secret";

/// `pasarela sim-smsc --protocol ucp` checking our login, receipts after
/// 20 ms, on `listen`.
fn sim_on(listen: &str) -> Sim {
    Sim::start_on(
        listen,
        &[
            "--protocol",
            "ucp",
            "--dlr-delay-ms",
            "20",
            "--system-id",
            LOGIN,
            "--password",
            PASSWORD,
        ],
    )
}

/// A switch whose `34` route goes to a `ucp` gateway at `upstream` logging
/// in with `password`, and whose MO to [`SOURCE`] goes to `demo`.
fn switch_config(dir: &Path, upstream: SocketAddr, password: &str) -> PathBuf {
    switch_config_with(dir, upstream, password, "")
}

/// [`switch_config`] with `gateway_extra` lines added to the gateway.
fn switch_config_with(
    dir: &Path,
    upstream: SocketAddr,
    password: &str,
    gateway_extra: &str,
) -> PathBuf {
    let extra = format!(
        r#"
[[gateways]]
name = "{GATEWAY}"
kind = "ucp"
host = "127.0.0.1"
port = {port}
login = "{LOGIN}"
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

#[test]
fn receipts_and_mo_come_back_over_ucp() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let mut switch = Switch::start(&switch_config(dir.path(), upstream.addr, PASSWORD), &[]);
    let mut esme = esme(&switch);
    let delivered = esme.submit(DELIVERED, 1);
    let undeliverable = esme.submit(UNDELIVERABLE, 1);
    let refused = esme.submit(REFUSED, 1);
    let echoed = esme.submit(ECHO, 1);
    // A long Unicode text in UCS-2 parts with their headers, to the number
    // that sends it back: it returns whole only if every part went and
    // came back with its header and coding.
    let long_text = "¿Qué tal? ✓ ".repeat(10);
    let long = http::json(
        switch.http,
        "POST",
        "/api/v1/messages",
        Some(("demo", "demo1234")),
        Some(&json!({"to": ECHO, "from": SOURCE, "text": long_text})),
    );
    assert_eq!(long.status, 202, "{}", long.body);
    assert_eq!(long.body["parts"], 2);

    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == 4 && seen.all_receipted() && seen.mo.len() >= 2
    });
    assert_eq!(seen.stats(delivered), [Stat::Delivered.word()]);
    assert_eq!(seen.stats(undeliverable), [Stat::Undeliverable.word()]);
    // NACK 54 is permanent: REJECTED, refunded.
    assert_eq!(seen.stats(refused), [Stat::Rejected.word()]);
    assert_eq!(seen.stats(echoed), [Stat::Delivered.word()]);
    let mut texts: Vec<String> = seen.mo.iter().filter_map(mo_text).collect();
    texts.sort();
    let mut expected = vec!["hello".to_owned(), long_text];
    expected.sort();
    assert_eq!(texts, expected);

    // Quiet for a while: alerts (31) keep the link, each answered.
    std::thread::sleep(Duration::from_millis(2_500));
    let view = gateway_view::view(switch.http, GATEWAY);
    assert_eq!(view["kind"], "ucp");
    assert_eq!(view["up"], true);
    assert_eq!(view["reconnects"], 0);
    assert_eq!(view["binds"][0]["kind"], "link");
    assert_eq!(view["binds"][0]["state"], "bound");

    switch.signal_and_wait(libc::SIGTERM);
    let closed = closing_line(&upstream);
    assert!(closed.contains("after 6 submits"), "{closed}");
    assert!(!closed.contains(" 0 alerts"), "{closed}");
    // 1000 of credit; four SMPP messages and two parts charged, the
    // refused one refunded.
    assert_eq!(balance(dir.path()), Money::from_units(995).unwrap());
}

#[test]
fn a_temporary_nack_is_retried_up_to_max_attempts_and_the_tps_holds() {
    // sim-smsc answers 9995 with NACK 04: temporary.
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let config = switch_config_with(
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
    let config = switch_config(dir.path(), upstream.addr, "wrong");
    one_link::a_wrong_password_is_shown_and_messages_wait(
        &config,
        &upstream,
        GATEWAY,
        &["login refused", "07"],
    );
}

#[test]
fn the_smsc_restarted_on_its_port_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let config = switch_config(dir.path(), upstream.addr, PASSWORD);
    one_link::the_smsc_restarted_on_its_port_loses_nothing(
        &config,
        upstream,
        GATEWAY,
        sim_on,
        "connected (UCP)",
    );
}

#[test]
fn stopped_started_and_moved_through_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim_on("127.0.0.1:0");
    let switch = Switch::start(&switch_config(dir.path(), upstream.addr, PASSWORD), &[]);
    let admin = Some(("admin", crate::common::ADMIN_PASSWORD));
    let wait_for = |state: &str| {
        let deadline = Instant::now() + RECEIPTS_WAIT;
        loop {
            let view = gateway_view::view(switch.http, GATEWAY);
            if view["binds"][0]["state"] == state {
                return view;
            }
            assert!(Instant::now() < deadline, "never {state}: {view}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for("bound");
    let stop = http::json(
        switch.http,
        "POST",
        &format!("/api/v1/gateways/{GATEWAY}/stop"),
        admin,
        None,
    );
    assert_eq!(stop.status, 200, "{}", stop.body);
    let stopped = wait_for("stopped");
    assert_eq!(
        (stopped["up"].clone(), stopped["stopped"].clone()),
        (json!(false), json!(true))
    );
    let mut esme = esme(&switch);
    let waiting: Vec<u32> = (0..5)
        .map(|n| esme.submit(&format!("3460060{n:04}"), 1))
        .collect();
    let mut seen = Seen::default();
    seen.read(&mut esme, Duration::from_millis(1_500), |_| false);
    assert!(
        waiting.iter().all(|seq| seen.stats(*seq).is_empty()),
        "nothing goes while stopped"
    );

    // Started with a new definition: a second simulator on another port.
    let second = sim_on("127.0.0.1:0");
    let definition = json!({
        "kind": "ucp", "host": "127.0.0.1", "port": second.addr.port(),
        "login": LOGIN, "password": PASSWORD, "window": 8,
    });
    let changed = http::json(
        switch.http,
        "PUT",
        &format!("/api/v1/gateways/{GATEWAY}"),
        admin,
        Some(&definition),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    let start = http::json(
        switch.http,
        "POST",
        &format!("/api/v1/gateways/{GATEWAY}/start"),
        admin,
        None,
    );
    assert_eq!(start.status, 200, "{}", start.body);
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        waiting.iter().all(|seq| !seen.stats(*seq).is_empty())
    });
    for seq in &waiting {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()]);
    }
    assert_eq!(second.log_count("connected (UCP)"), 1);
    assert!(
        upstream.log_count("after 0 submits") >= 1,
        "the first never had them"
    );
}

/// A raw UCP client of the simulator: writes operations, reads messages.
struct UcpClient {
    stream: std::net::TcpStream,
    inbox: Vec<u8>,
    codec: Codec,
}

impl UcpClient {
    fn connect(addr: SocketAddr) -> UcpClient {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        UcpClient {
            stream,
            inbox: Vec::new(),
            codec: Codec::new(),
        }
    }

    fn send(&mut self, trn: u8, operation: Operation) {
        let mut frame = bytes::BytesMut::new();
        let message = Message::Operation {
            trn: Trn::new(trn).unwrap(),
            operation,
        };
        self.codec.encode(&message, &mut frame).unwrap();
        self.stream.write_all(&frame).unwrap();
    }

    /// The next message within `RECEIPTS_WAIT`.
    fn next(&mut self) -> Message {
        let deadline = Instant::now() + RECEIPTS_WAIT;
        loop {
            if let Some(decoded) = self.codec.decode(&self.inbox).unwrap() {
                self.inbox.drain(..decoded.len);
                return decoded.message;
            }
            assert!(Instant::now() < deadline, "nothing from the simulator");
            let mut chunk = [0_u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("the simulator closed the connection"),
                Ok(n) => self.inbox.extend_from_slice(&chunk[..n]),
                Err(_) => {}
            }
        }
    }

    /// The result to our operation `trn`.
    fn result(&mut self, trn: u8) -> Response {
        match self.next() {
            Message::Result {
                trn: answered,
                response,
                ..
            } if answered.value() == trn => response,
            other => panic!("expected the result of {trn}: {other:?}"),
        }
    }
}

fn login(password: &str) -> Operation {
    Operation::Session(SessionManagement {
        oadc: LOGIN.into(),
        styp: Some(1),
        pwd: password.as_bytes().to_vec(),
        vers: "0100".into(),
        ..SessionManagement::default()
    })
}

fn submit_to(destination: &str, text: &str) -> Operation {
    Operation::Submit(Box::new(ShortMessageFields {
        adc: destination.into(),
        oadc: SOURCE.into(),
        content: Some(Content::Alphanumeric(
            pasarela::sms::gsm7::encode(text).unwrap(),
        )),
        ..ShortMessageFields::default()
    }))
}

#[test]
fn the_simulator_speaks_ucp() {
    let upstream = sim_on("127.0.0.1:0");
    let mut client = UcpClient::connect(upstream.addr);
    client.send(0, login("wrong"));
    let Response::Nack(refused) = client.result(0) else {
        panic!("a wrong password is refused");
    };
    assert_eq!(refused.error, ErrorCode::AUTHENTICATION_FAILURE);
    client.send(1, login(PASSWORD));
    assert!(matches!(client.result(1), Response::Ack(_)));
    client.send(2, Operation::Alert(Alert::default()));
    assert!(matches!(client.result(2), Response::Ack(_)));
    client.send(3, submit_to(REFUSED, "no"));
    assert!(matches!(client.result(3), Response::Nack(_)));

    client.send(4, submit_to(ECHO, "hi back"));
    let Response::Ack(accepted) = client.result(4) else {
        panic!("a submit to {ECHO} is taken");
    };
    let reference = MessageReference::parse(&accepted.sm).expect("AdC:SCTS");
    assert_eq!(reference.recipient, ECHO);
    let (mut notified, mut replied) = (None, None);
    while notified.is_none() || replied.is_none() {
        let Message::Operation { trn, operation } = client.next() else {
            continue;
        };
        let ot = operation.ot();
        match operation {
            Operation::Notification(fields) => {
                notified = Some(Notification::read(&fields).unwrap())
            }
            Operation::Delivery(fields) => replied = Some(ReceivedMessage::read(&fields)),
            other => panic!("{other:?}"),
        }
        let ack = Message::Result {
            trn,
            ot,
            response: Response::Ack(Ack::default()),
        };
        let mut frame = bytes::BytesMut::new();
        client.codec.encode(&ack, &mut frame).unwrap();
        client.stream.write_all(&frame).unwrap();
    }
    let notified = notified.unwrap();
    assert_eq!(
        notified.reference, reference,
        "the 53 names the message as the ACK did"
    );
    assert_eq!(
        notified.state(),
        Some(pasarela::model::MessageState::Delivered)
    );
    let replied = replied.unwrap();
    assert_eq!(
        (replied.originator.as_str(), replied.recipient.as_str()),
        (ECHO, SOURCE)
    );
    assert_eq!(
        replied.short_message().unwrap().text.as_deref(),
        Some("hi back")
    );
}

#[test]
fn an_smsc_that_stops_answering_alerts_is_a_dead_link() {
    // An SMSC that takes the login and then never answers: the alerts the
    // quiet link sends (keepalive_s = 1) go unanswered, and after 30 s
    // the gateway drops the connection and logs in again.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let logins = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&logins);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let counted = std::sync::Arc::clone(&counted);
            std::thread::spawn(move || {
                let mut client = UcpClient {
                    stream,
                    inbox: Vec::new(),
                    codec: Codec::new(),
                };
                client
                    .stream
                    .set_read_timeout(Some(Duration::from_millis(50)))
                    .unwrap();
                let mut chunk = [0_u8; 4096];
                loop {
                    while let Ok(Some(decoded)) = client.codec.decode(&client.inbox) {
                        client.inbox.drain(..decoded.len);
                        if let Message::Operation {
                            trn,
                            operation: Operation::Session(_),
                        } = decoded.message
                        {
                            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            let ack = Message::Result {
                                trn,
                                ot: pasarela::ucp::Ot::SESSION,
                                response: Response::Ack(Ack::default()),
                            };
                            let mut frame = bytes::BytesMut::new();
                            client.codec.encode(&ack, &mut frame).unwrap();
                            if client.stream.write_all(&frame).is_err() {
                                return;
                            }
                        }
                    }
                    match client.stream.read(&mut chunk) {
                        Ok(0) => return,
                        Ok(n) => client.inbox.extend_from_slice(&chunk[..n]),
                        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => return,
                    }
                }
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&switch_config(dir.path(), addr, PASSWORD), &[]);
    let deadline = Instant::now() + Duration::from_secs(50);
    while logins.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "the dead link was never dropped");
        std::thread::sleep(Duration::from_millis(200));
    }
    let view = gateway_view::view(switch.http, GATEWAY);
    let error = view["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("no answer to an alert"), "{view}");
    assert!(view["reconnects"].as_u64().unwrap() >= 1, "{view}");
}
