//! The `[ucp] listen` listener end to end over 127.0.0.1: a small UCP
//! client written from the core's codec logs in to a `pasarela serve`
//! child (a wrong password is refused, a submit before the login too),
//! submits a GSM text asking for a notification, a UCS-2 text and a
//! 3-part GSM text with its headers; the switch's `ucp` gateway takes them
//! to `pasarela sim-smsc --protocol ucp`, whose 9999 number sends each
//! text back: they reach the client as deliveries (52) whole and right,
//! which shows what arrived upstream. The delivered receipt comes back as
//! a notification (53) under the `AdC:SCTS` of the submit's ACK. A frame
//! with a wrong checksum is NACKed 01 and the session goes on; the admin
//! API lists the session, and disconnected right behind a burst of
//! submits it answers each before it closes (the store keeps exactly
//! those ACKed). Every wait is bounded.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::BytesMut;

use crate::common::Switch;
use crate::listeners::{
    DELIVERED, ECHO, closes_within, config, disconnect, listed_session, read_more, upstream,
};
use crate::raw::SOURCE;
use pasarela::model::AccountId;
use pasarela::store::{Store, StoreConfig};
use pasarela::ucp::{
    Codec, Content, DeliveryStatus, ErrorCode, Message, MessageReference, Notification,
    Notifications, Operation, Ot, ReceivedMessage, Response, SessionManagement, ShortMessageFields,
    Trn, xser,
};

/// The longest any step waits.
const WAIT: Duration = Duration::from_secs(30);

/// A UCP client over one TCP connection.
pub struct Client {
    stream: TcpStream,
    inbox: Vec<u8>,
    codec: Codec,
    next_trn: u8,
}

impl Client {
    pub fn connect(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        Client {
            stream,
            inbox: Vec::new(),
            codec: Codec::new(),
            next_trn: 0,
        }
    }

    pub fn trn(&mut self) -> Trn {
        let trn = Trn::new(self.next_trn).unwrap();
        self.next_trn = (self.next_trn + 1) % 100;
        trn
    }

    pub fn write(&mut self, message: &Message) {
        let mut bytes = BytesMut::new();
        self.codec.encode(message, &mut bytes).unwrap();
        self.stream.write_all(&bytes).unwrap();
    }

    /// Sends `operation` under a new TRN; the TRN.
    pub fn operation(&mut self, operation: Operation) -> Trn {
        let trn = self.trn();
        self.write(&Message::Operation { trn, operation });
        trn
    }

    /// The next message, within `limit`.
    pub fn next(&mut self, limit: Duration) -> Option<Message> {
        let deadline = Instant::now() + limit;
        loop {
            match self.codec.decode(&self.inbox) {
                Ok(Some(decoded)) => {
                    self.inbox.drain(..decoded.len);
                    return Some(decoded.message);
                }
                Ok(None) => {}
                Err(error) => panic!("the switch sent what does not decode: {error}"),
            }
            if Instant::now() >= deadline {
                return None;
            }
            if !read_more(&mut self.stream, &mut self.inbox) {
                return None;
            }
        }
    }

    /// The result for `trn`, answering (ACK) any operation meanwhile into
    /// `seen`.
    pub fn result(&mut self, trn: Trn, seen: &mut Vec<Operation>) -> Response {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(Message::Result {
                    trn: got, response, ..
                }) if got == trn => return response,
                Some(Message::Operation { trn, operation }) => {
                    self.ack(trn, operation.ot());
                    seen.push(operation);
                }
                Some(other) => panic!("unexpected {other:?}"),
                None => panic!("no result for TRN {trn}"),
            }
        }
    }

    pub fn ack(&mut self, trn: Trn, ot: Ot) {
        self.write(&Message::Result {
            trn,
            ot,
            response: Response::Ack(pasarela::ucp::Ack::default()),
        });
    }

    pub fn login(&mut self, system_id: &str, password: &str) -> Response {
        let trn = self.operation(Operation::Session(SessionManagement {
            oadc: system_id.to_owned(),
            oton: Some(6),
            onpi: Some(5),
            styp: Some(1),
            pwd: password.as_bytes().to_vec(),
            vers: "0100".to_owned(),
            ..SessionManagement::default()
        }));
        self.result(trn, &mut Vec::new())
    }
}

fn submit(to: &str, content: Content, receipt: bool) -> ShortMessageFields {
    ShortMessageFields {
        adc: to.to_owned(),
        oadc: SOURCE.to_owned(),
        nrq: receipt.then_some(true),
        nt: receipt.then_some(Notifications {
            delivered: true,
            not_delivered: true,
            buffered: false,
        }),
        content: Some(content),
        ..ShortMessageFields::default()
    }
}

fn nack_code(response: &Response) -> Option<u8> {
    match response {
        Response::Nack(nack) => Some(nack.error.value()),
        Response::Ack(_) => None,
    }
}

fn ack_sm(response: Response) -> String {
    match response {
        Response::Ack(ack) => ack.sm,
        Response::Nack(nack) => panic!("NACK {}: {}", nack.error, nack.sm),
    }
}

/// The text of a delivery (52).
fn text_of(fields: &ShortMessageFields) -> String {
    let read = ReceivedMessage::read(fields);
    assert!(read.user_data.udh.is_empty(), "an MO goes whole");
    pasarela::sms::incoming::decode(read.dcs, 0, &read.user_data.payload, None)
        .unwrap()
        .text
        .unwrap()
}

#[test]
fn a_receipt_waits_in_the_mailbox_until_a_ucp_customer_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream("ucp", "1500");
    let switch = Switch::start(&config(dir.path(), "ucp", upstream.addr), &[]);
    let address = switch.listener("UCP");
    let mut first = Client::connect(address);
    assert!(matches!(first.login("demo", "demo1234"), Response::Ack(_)));
    let trn = first.operation(Operation::Submit(Box::new(submit(
        DELIVERED,
        Content::text("kept for later").unwrap(),
        true,
    ))));
    let reference = MessageReference::parse(&ack_sm(first.result(trn, &mut Vec::new()))).unwrap();
    drop(first);

    // The receipt comes while no session is logged in: the next one gets it.
    std::thread::sleep(Duration::from_millis(2_500));
    let mut second = Client::connect(address);
    assert!(matches!(second.login("demo", "demo1234"), Response::Ack(_)));
    match second.next(WAIT) {
        Some(Message::Operation {
            trn,
            operation: Operation::Notification(fields),
        }) => {
            second.ack(trn, Ot::NOTIFICATION);
            let notification = Notification::read(&fields).unwrap();
            assert_eq!(notification.reference, reference);
            assert_eq!(notification.status, DeliveryStatus::Delivered);
        }
        other => panic!("{other:?}\n{}", switch.logged()),
    }
}

#[test]
fn a_ucp_customer_logs_in_submits_and_gets_receipts_and_mo() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream("ucp", "20");
    let switch = Switch::start(&config(dir.path(), "ucp", upstream.addr), &[]);
    let mut client = Client::connect(switch.listener("UCP"));

    // Before the login, a submit is not allowed; a wrong password is
    // refused as an authentication failure, the right one logs in.
    let early = client.operation(Operation::Submit(Box::new(submit(
        DELIVERED,
        Content::text("early").unwrap(),
        false,
    ))));
    let early = client.result(early, &mut Vec::new());
    assert_eq!(
        nack_code(&early),
        Some(ErrorCode::OPERATION_NOT_ALLOWED.value())
    );
    let wrong = client.login("demo", "wrong");
    assert_eq!(
        nack_code(&wrong),
        Some(ErrorCode::AUTHENTICATION_FAILURE.value())
    );
    assert!(matches!(client.login("demo", "demo1234"), Response::Ack(_)));

    // A frame whose checksum is wrong: NACK 01 under its TRN, and the
    // session goes on.
    let mut bytes = BytesMut::new();
    let broken_trn = client.trn();
    Codec::new()
        .encode(
            &Message::Operation {
                trn: broken_trn,
                operation: Operation::Alert(pasarela::ucp::Alert {
                    adc: "demo".into(),
                    pid: Some(539),
                }),
            },
            &mut bytes,
        )
        .unwrap();
    let at = bytes.len() - 3;
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    client.stream.write_all(&bytes).unwrap();
    let mut seen = Vec::new();
    let broken = client.result(broken_trn, &mut seen);
    assert_eq!(nack_code(&broken), Some(ErrorCode::CHECKSUM_ERROR.value()));

    // GSM with a notification asked for.
    let gsm = client.operation(Operation::Submit(Box::new(submit(
        DELIVERED,
        Content::text("hello @ UCP").unwrap(),
        true,
    ))));
    let reference = MessageReference::parse(&ack_sm(client.result(gsm, &mut seen)))
        .expect("the ACK names the message AdC:SCTS");
    assert_eq!(reference.recipient, DELIVERED);

    // UCS-2, as MT 4 with XSer DCS 08.
    let unicode = "¿Qué tal? ✓";
    let mut fields = submit(
        ECHO,
        Content::transparent(pasarela::sms::ucs2::encode(unicode)),
        false,
    );
    fields.xser.push(xser::DCS, vec![0x08]);
    let ucs2 = client.operation(Operation::Submit(Box::new(fields)));
    ack_sm(client.result(ucs2, &mut seen));

    // Three parts of one GSM text, each with its header in XSer 01.
    let long: String = (0..400)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let chunks: Vec<String> = long
        .chars()
        .collect::<Vec<_>>()
        .chunks(153)
        .map(|chunk| chunk.iter().collect())
        .collect();
    assert_eq!(chunks.len(), 3);
    let mut references = Vec::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let mut fields = submit(ECHO, Content::text(chunk).unwrap(), false);
        let seq = u8::try_from(index + 1).unwrap();
        fields
            .xser
            .push(xser::UDH, vec![0x05, 0x00, 0x03, 0x42, 0x03, seq]);
        let trn = client.operation(Operation::Submit(Box::new(fields)));
        references.push(ack_sm(client.result(trn, &mut seen)));
    }
    references.dedup();
    assert_eq!(references.len(), 3, "each part has its own reference");

    // A TRN reused while its submit is outstanding: the second is NACKed
    // 04, the first answered as usual (both frames go in one write, read
    // before the account can have answered the first).
    let reused = client.trn();
    let mut both = BytesMut::new();
    for text in ["first", "second"] {
        let submit = Message::Operation {
            trn: reused,
            operation: Operation::Submit(Box::new(submit(
                DELIVERED,
                Content::text(text).unwrap(),
                false,
            ))),
        };
        Codec::new().encode(&submit, &mut both).unwrap();
    }
    client.stream.write_all(&both).unwrap();
    let mut answers = vec![
        client.result(reused, &mut seen),
        client.result(reused, &mut seen),
    ];
    answers.sort_by_key(nack_code);
    assert!(matches!(answers[0], Response::Ack(_)), "{answers:?}");
    assert_eq!(
        nack_code(&answers[1]),
        Some(ErrorCode::OPERATION_NOT_ALLOWED.value())
    );

    // The notification of the first and the two texts back as MO.
    let deadline = Instant::now() + WAIT;
    let mut notifications = Vec::new();
    let mut mo = Vec::new();
    loop {
        for operation in seen.drain(..) {
            match operation {
                Operation::Notification(fields) => notifications.push(*fields),
                Operation::Delivery(fields) => mo.push(text_of(&fields)),
                other => panic!("unexpected {other:?}"),
            }
        }
        if !notifications.is_empty() && mo.len() >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{notifications:?} {mo:?}\n{}",
            switch.logged()
        );
        if let Some(Message::Operation { trn, operation }) = client.next(Duration::from_millis(200))
        {
            client.ack(trn, operation.ot());
            seen.push(operation);
        }
    }
    assert_eq!(notifications.len(), 1, "only the submit with NRq");
    let notification = Notification::read(&notifications[0]).unwrap();
    assert_eq!(notification.reference, reference);
    assert_eq!(notification.status, DeliveryStatus::Delivered);
    assert_eq!(notifications[0].adc, SOURCE);
    assert!(
        notification
            .text
            .as_deref()
            .is_some_and(|text| text.contains("stat:DELIVRD")),
        "{notification:?}"
    );
    mo.sort();
    let mut expected = vec![unicode.to_owned(), long];
    expected.sort();
    assert_eq!(mo, expected);

    // The admin API lists the session as a UCP login; the operator
    // disconnects it and the connection closes.
    let id = listed_session(&switch, "ucp");
    disconnect(&switch, id);
    assert!(
        closes_within(&mut client.stream, WAIT),
        "the session never closed"
    );
}

#[test]
fn a_disconnect_answers_every_submit_taken_before_the_connection_closes() {
    const BURST: u32 = 40;
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream("ucp", "20");
    let mut switch = Switch::start(&config(dir.path(), "ucp", upstream.addr), &[]);
    let mut client = Client::connect(switch.listener("UCP"));
    assert!(matches!(client.login("demo", "demo1234"), Response::Ack(_)));
    let id = listed_session(&switch, "ucp");

    // The submits in one write and the disconnect right behind them: the
    // session is told to end while the account still stores some.
    let mut bytes = BytesMut::new();
    for n in 0..BURST {
        let submit = submit(
            &format!("3460070{n:04}"),
            Content::text("burst").unwrap(),
            false,
        );
        let trn = client.trn();
        let message = Message::Operation {
            trn,
            operation: Operation::Submit(Box::new(submit)),
        };
        client.codec.encode(&message, &mut bytes).unwrap();
    }
    client.stream.write_all(&bytes).unwrap();
    disconnect(&switch, id);

    let mut answers = BTreeMap::new();
    while let Some(message) = client.next(WAIT) {
        match message {
            Message::Result { trn, response, .. } => {
                assert!(answers.insert(trn, response).is_none(), "{trn} twice");
            }
            Message::Operation { trn, operation } => client.ack(trn, operation.ot()),
        }
    }
    assert!(closes_within(&mut client.stream, WAIT), "never closed");
    assert_eq!(answers.len(), BURST as usize, "each submit answered");
    let accepted = answers
        .values()
        .filter(|response| matches!(response, Response::Ack(_)))
        .count();
    for response in answers.values() {
        if let Some(code) = nack_code(response) {
            assert_eq!(
                code,
                ErrorCode::OPERATION_NOT_ALLOWED.value(),
                "{response:?}"
            );
        }
    }

    // What was acknowledged is what the store keeps, no more.
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let demo = AccountId::new("demo").unwrap();
    let stored = store.account_messages(&demo, None, 10_000).unwrap();
    assert_eq!(stored.len(), accepted);
}
