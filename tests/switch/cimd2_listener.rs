//! The `[cimd2] listen` listener end to end over 127.0.0.1: a small CIMD2
//! client written from the core's codec logs in to a `pasarela serve`
//! child (a submit before the login and a wrong password are refused),
//! submits a GSM text asking for a status report, a UCS-2 text and a
//! 3-part GSM text with its headers; the switch's `cimd2` gateway takes
//! them to `pasarela sim-smsc --protocol cimd2`, whose 9999 number sends
//! each text back: they reach the client as deliver messages (20) whole
//! and right, which shows what arrived upstream. The delivered receipt
//! comes back as a status report (23) under the 021 and 060 of the
//! submit's response. A packet with a wrong checksum is NACKed (99) and
//! the session goes on; alive is answered; the admin API lists the
//! session as `cimd2` and disconnects it. Every wait is bounded.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::BytesMut;

use crate::common::Switch;
use crate::listeners::{
    DELIVERED, ECHO, closes_within, config, disconnect, listed_session, read_more, upstream,
};
use crate::raw::SOURCE;
use pasarela::cimd2::{
    Codec, Content, ErrorCode, Message, OperationCode, Originator, Packet, PacketNumber, Response,
    StatusCode, Submit, UserData,
};

/// The longest any step waits.
const WAIT: Duration = Duration::from_secs(30);

/// A CIMD2 client over one TCP connection, numbering its requests odd.
struct Client {
    stream: TcpStream,
    inbox: Vec<u8>,
    codec: Codec,
    next: u8,
}

impl Client {
    fn connect(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        Client {
            stream,
            inbox: Vec::new(),
            codec: Codec::new(),
            next: 1,
        }
    }

    fn number(&mut self) -> PacketNumber {
        let number = PacketNumber(self.next);
        self.next = self.next.wrapping_add(2);
        number
    }

    fn write(&mut self, message: &Message, number: PacketNumber) {
        let mut bytes = BytesMut::new();
        self.codec
            .encode(&message.packet(number).unwrap(), &mut bytes)
            .unwrap();
        self.stream.write_all(&bytes).unwrap();
    }

    /// Sends `request` under a new number; the number.
    fn request(&mut self, request: &Message) -> PacketNumber {
        let number = self.number();
        self.write(request, number);
        number
    }

    /// The next packet, within `limit`.
    fn next(&mut self, limit: Duration) -> Option<Packet> {
        let deadline = Instant::now() + limit;
        loop {
            match self.codec.decode(&self.inbox) {
                Ok(Some(decoded)) => {
                    self.inbox.drain(..decoded.len);
                    return Some(decoded.packet);
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

    /// The answer (a response or a NACK) under `number`, answering any
    /// request of the switch meanwhile into `seen`.
    fn answer(&mut self, number: PacketNumber, seen: &mut Vec<Message>) -> Packet {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(packet) if !packet.operation.is_request() && packet.number == number => {
                    return packet;
                }
                Some(packet) if packet.operation.is_request() => {
                    assert_eq!(packet.number.0 % 2, 0, "the server numbers even");
                    seen.push(self.accept(&packet));
                }
                Some(other) => panic!("unexpected {other:?}"),
                None => panic!("no answer for {number}"),
            }
        }
    }

    /// Answers a request of the switch without error; what it was.
    fn accept(&mut self, packet: &Packet) -> Message {
        let message = Message::read(packet).unwrap();
        self.write(
            &Message::Response {
                request: packet.operation,
                response: Response::default(),
            },
            packet.number,
        );
        message
    }

    fn login(&mut self, user: &str, password: &str) -> Response {
        let number = self.request(&Message::Login {
            user: user.to_owned(),
            password: password.to_owned(),
        });
        response_of(&self.answer(number, &mut Vec::new()))
    }
}

fn response_of(packet: &Packet) -> Response {
    match Message::read(packet).unwrap() {
        Message::Response { response, .. } => response,
        other => panic!("not a response: {other:?}"),
    }
}

fn submit(to: &str, user_data: UserData, report: bool) -> Message {
    Message::Submit(Box::new(Submit {
        destination: to.to_owned(),
        originator: Some(Originator::Number(SOURCE.to_owned())),
        content: Content {
            user_data: Some(user_data),
            ..Content::default()
        },
        status_report_request: report.then_some(14),
        ..Submit::default()
    }))
}

/// The text of a deliver message (20).
fn text_of(message: &Message) -> String {
    let Message::Deliver(deliver) = message else {
        panic!("not a delivery: {message:?}");
    };
    assert_eq!(deliver.content.udh, None, "an MO goes whole");
    match (&deliver.content.user_data, deliver.content.data_coding) {
        (Some(UserData::Text(text)), _) => text.clone(),
        (Some(UserData::Binary(octets)), Some(8)) => {
            let units: Vec<u16> = octets
                .chunks(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16(&units).unwrap()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cimd2_customer_logs_in_submits_and_gets_status_reports_and_mo() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream("cimd2", "20");
    let switch = Switch::start(&config(dir.path(), "cimd2", upstream.addr), &[]);
    let mut client = Client::connect(switch.listener("CIMD2"));

    // Before the login, a submit is unexpected; a wrong password is an
    // invalid login; the right one logs in.
    let early = client.request(&submit(DELIVERED, UserData::Text("early".into()), false));
    let early = response_of(&client.answer(early, &mut Vec::new()));
    assert_eq!(early.error, Some(ErrorCode::UNEXPECTED_OPERATION));
    let wrong = client.login("demo", "wrong");
    assert_eq!(wrong.error, Some(ErrorCode::INVALID_LOGIN));
    let logged_in = client.login("demo", "demo1234");
    assert_eq!(logged_in.error, None, "{logged_in:?}");

    // A packet whose checksum is wrong: NACK (99) under its number, and
    // the session goes on.
    let broken_number = client.number();
    let mut bytes = BytesMut::new();
    Codec::new()
        .encode(&Message::Alive.packet(broken_number).unwrap(), &mut bytes)
        .unwrap();
    let at = bytes.len() - 2;
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    client.stream.write_all(&bytes).unwrap();
    let mut seen = Vec::new();
    let broken = client.answer(broken_number, &mut seen);
    assert_eq!(broken.operation, OperationCode::NACK);
    let alive = client.request(&Message::Alive);
    assert_eq!(client.answer(alive, &mut seen).operation.value(), 90);

    // GSM with a status report asked for.
    let gsm = client.request(&submit(
        DELIVERED,
        UserData::Text("hello @ CIMD2".into()),
        true,
    ));
    let accepted = response_of(&client.answer(gsm, &mut seen));
    assert_eq!(accepted.error, None, "{accepted:?}");
    assert_eq!(accepted.destination.as_deref(), Some(DELIVERED));
    let scts = accepted
        .scts
        .expect("the response names the message by 060");

    // UCS-2, binary with DCS 8.
    let unicode = "¿Qué tal? ✓";
    let mut fields = submit(
        ECHO,
        UserData::Binary(pasarela::sms::ucs2::encode(unicode)),
        false,
    );
    if let Message::Submit(submit) = &mut fields {
        submit.content.data_coding = Some(8);
    }
    let ucs2 = client.request(&fields);
    assert_eq!(response_of(&client.answer(ucs2, &mut seen)).error, None);

    // Three parts of one GSM text, each with its header in 032.
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
    let mut stamps = Vec::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let mut part = submit(ECHO, UserData::Text(chunk.clone()), false);
        let seq = u8::try_from(index + 1).unwrap();
        if let Message::Submit(submit) = &mut part {
            submit.content.udh = Some(vec![0x05, 0x00, 0x03, 0x42, 0x03, seq]);
        }
        let number = client.request(&part);
        let response = response_of(&client.answer(number, &mut seen));
        stamps.push(response.scts.expect("060"));
    }
    stamps.dedup();
    assert_eq!(stamps.len(), 3, "each part has its own timestamp");

    // The status report of the first and the two texts back as MO.
    let deadline = Instant::now() + WAIT;
    let mut reports = Vec::new();
    let mut mo = Vec::new();
    loop {
        for message in seen.drain(..) {
            match message {
                Message::StatusReport(report) => reports.push(*report),
                deliver @ Message::Deliver(_) => mo.push(text_of(&deliver)),
                other => panic!("unexpected {other:?}"),
            }
        }
        if !reports.is_empty() && mo.len() >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{reports:?} {mo:?}\n{}",
            switch.logged()
        );
        if let Some(packet) = client.next(Duration::from_millis(200)) {
            assert!(packet.operation.is_request(), "{packet:?}");
            assert_eq!(packet.number.0 % 2, 0, "the server numbers even");
            seen.push(client.accept(&packet));
        }
    }
    assert_eq!(reports.len(), 1, "only the submit with 056");
    assert_eq!(reports[0].destination, DELIVERED);
    assert_eq!(reports[0].scts, scts);
    assert_eq!(reports[0].status, StatusCode::Delivered);
    assert!(reports[0].discharge_time.is_some());
    mo.sort();
    let mut expected = vec![unicode.to_owned(), long];
    expected.sort();
    assert_eq!(mo, expected);

    // The admin API lists the session as a CIMD2 login; the operator
    // disconnects it and the connection closes.
    let id = listed_session(&switch, "cimd2");
    disconnect(&switch, id);
    assert!(
        closes_within(&mut client.stream, WAIT),
        "the session never closed"
    );
}

#[test]
fn a_cimd2_customer_logs_out() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream("cimd2", "20");
    let switch = Switch::start(&config(dir.path(), "cimd2", upstream.addr), &[]);
    let mut client = Client::connect(switch.listener("CIMD2"));
    assert_eq!(client.login("demo", "demo1234").error, None);
    let logout = client.request(&Message::Logout);
    assert_eq!(client.answer(logout, &mut Vec::new()).operation.value(), 52);
    assert!(
        closes_within(&mut client.stream, WAIT),
        "the session never closed"
    );
}
