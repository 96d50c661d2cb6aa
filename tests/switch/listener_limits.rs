//! What an unauthenticated or misbehaving client can take from the SMPP
//! listener, and no more: connections per address and in all
//! (`smpp.max_connections_per_ip`, `smpp.max_connections`), time without a
//! bind (`smpp.bind_timeout_s`, enquire_link or not), memory for answers it
//! never reads (the bounded write queue), and window room through a
//! sequence number reused while outstanding. 127.0.0.2 is the second peer.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use pasarela::smpp::pdu;
use pasarela::smpp::{Codec, Command, CommandId, CommandStatus};
use socket2::{Domain, Socket, Type};

use crate::common::{Switch, write_config};
use crate::raw::{Raw, WAIT};
use crate::scrape;

const FIRST_PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const SECOND_PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// The shipped configuration with `settings` added to its `[smpp]` table.
fn start_with(dir: &Path, settings: &str) -> Switch {
    let config = write_config(dir, "");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "[smpp]\n",
        &format!("[smpp]\n{settings}\n"),
        1,
    );
    std::fs::write(&config, text).unwrap();
    Switch::start(&config, &[])
}

/// A TCP connection to `server` from `source`, optionally with a small
/// receive buffer (a client that reads slowly shows it sooner).
fn connect_from(source: IpAddr, server: SocketAddr, receive_buffer: Option<usize>) -> TcpStream {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    if let Some(size) = receive_buffer {
        socket.set_recv_buffer_size(size).unwrap();
    }
    socket.bind(&SocketAddr::new(source, 0).into()).unwrap();
    socket.connect_timeout(&server.into(), WAIT).unwrap();
    socket.into()
}

fn bound(source: IpAddr, server: SocketAddr) -> Raw {
    let mut raw = Raw::over(connect_from(source, server, None));
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    raw
}

fn closed_series(reason: &str) -> String {
    format!("pasarela_smpp_connections_closed_total{{reason=\"{reason}\"}}")
}

#[test]
fn connections_over_the_per_address_and_total_caps_are_closed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start_with(
        dir.path(),
        "max_connections = 3\nmax_connections_per_ip = 2\nbind_timeout_s = 120",
    );
    let mut first = Raw::over(connect_from(FIRST_PEER, switch.smpp, None));
    let _second = Raw::over(connect_from(FIRST_PEER, switch.smpp, None));
    let mut third_from_first = Raw::over(connect_from(FIRST_PEER, switch.smpp, None));
    assert!(
        third_from_first.is_closed_within(WAIT),
        "a third connection from one address is closed"
    );
    assert!(
        !first.is_closed_within(Duration::from_millis(300)),
        "the admitted ones stay open"
    );

    let mut from_second = bound(SECOND_PEER, switch.smpp);
    from_second.submit("34600000001", 0);
    assert_eq!(from_second.expect().status(), CommandStatus::EsmeRok);
    let mut over_total = Raw::over(connect_from(SECOND_PEER, switch.smpp, None));
    assert!(
        over_total.is_closed_within(WAIT),
        "a fourth connection in all is closed, whatever its address"
    );

    drop(first);
    // The place comes back once the switch has seen the close.
    let deadline = Instant::now() + WAIT;
    loop {
        let mut again = Raw::over(connect_from(FIRST_PEER, switch.smpp, None));
        if !again.is_closed_within(Duration::from_millis(300)) {
            assert_eq!(
                again.bind(CommandId::BindTransceiver, "demo", "demo1234"),
                CommandStatus::EsmeRok
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a closed connection's place never came back"
        );
    }
    let text = scrape::scrape(switch.http);
    assert_eq!(
        scrape::value(&text, &closed_series("max_connections_per_ip")),
        Some(1.0),
        "{text}"
    );
    assert!(
        scrape::value(&text, &closed_series("max_connections")) >= Some(1.0),
        "{text}"
    );
}

#[test]
fn a_connection_that_never_binds_is_closed_after_bind_timeout_despite_enquire_links() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start_with(dir.path(), "bind_timeout_s = 2");
    let started = Instant::now();
    let mut idle = Raw::over(connect_from(FIRST_PEER, switch.smpp, None));
    let mut bound = bound(FIRST_PEER, switch.smpp);
    let mut answered = 0;
    let closed_after = loop {
        idle.allow_disconnect();
        idle.request_header(CommandId::EnquireLink);
        match idle.recv(Duration::from_secs(1)) {
            Some(answer) if answer.id() == CommandId::EnquireLinkResp => answered += 1,
            Some(other) => panic!("unexpected {other:?}"),
            None => {}
        }
        if idle.is_closed_within(Duration::from_millis(10)) {
            break started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(15), "never closed");
    };
    assert!(answered >= 1, "enquire_link is answered before a bind");
    assert!(
        closed_after >= Duration::from_millis(1900),
        "closed only at the bind timeout, not before: {closed_after:?}"
    );
    // A bound session outlives the bind timeout.
    bound.request_header(CommandId::EnquireLink);
    assert_eq!(bound.expect().id(), CommandId::EnquireLinkResp);
    scrape::wait_for(switch.http, &[(&closed_series("bind_timeout"), 1.0)]);
}

#[test]
fn a_client_that_never_reads_is_closed_when_its_write_queue_is_full_and_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start_with(dir.path(), "");
    let mut other = bound(SECOND_PEER, switch.smpp);

    let stream = connect_from(FIRST_PEER, switch.smpp, Some(4096));
    let mut flood = stream.try_clone().unwrap();
    let mut stalled = Raw::over(stream);
    assert_eq!(
        stalled.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    stalled.submit("34600000001", 0);
    assert_eq!(stalled.expect().status(), CommandStatus::EsmeRok);

    // enquire_link after enquire_link, never reading an answer.
    let mut batch = BytesMut::new();
    for seq in 0..1024 {
        let request = pdu::header_only(CommandId::EnquireLink, CommandStatus::EsmeRok, 100 + seq);
        Codec::new().encode(&request, &mut batch).unwrap();
    }
    flood
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut sent = 0_usize;
    while flood.write_all(&batch).is_ok() {
        sent += 1024;
        assert!(
            Instant::now() < deadline,
            "still open after {sent} unread enquire_link"
        );
    }
    assert!(
        sent >= 16 * 1024,
        "closed only once a full queue of answers was waiting: {sent}"
    );
    scrape::wait_for(switch.http, &[(&closed_series("write_queue_full"), 1.0)]);

    other.submit("34600000002", 0);
    assert_eq!(other.expect().status(), CommandStatus::EsmeRok);
}

#[test]
fn a_sequence_number_still_outstanding_is_refused_with_submitfail() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start_with(dir.path(), "");
    let mut raw = bound(FIRST_PEER, switch.smpp);
    // Both in one write: the second arrives while the first is outstanding.
    let mut bytes = BytesMut::new();
    for _ in 0..2 {
        let command = Command::new(
            CommandStatus::EsmeRok,
            7,
            crate::raw::hello("34600000001", 0),
        );
        Codec::new().encode(&command, &mut bytes).unwrap();
    }
    raw.send_bytes(&bytes);
    let mut statuses = [raw.expect(), raw.expect()].map(|answer| {
        assert_eq!(answer.id(), CommandId::SubmitSmResp);
        assert_eq!(answer.sequence_number(), 7);
        answer.status()
    });
    statuses.sort_by_key(|status| u32::from(*status));
    assert_eq!(
        statuses,
        [CommandStatus::EsmeRok, CommandStatus::EsmeRsubmitfail]
    );
    // Once answered, the number may be used again.
    raw.send(&Command::new(
        CommandStatus::EsmeRok,
        7,
        crate::raw::hello("34600000001", 0),
    ));
    assert_eq!(raw.expect().status(), CommandStatus::EsmeRok);
}
