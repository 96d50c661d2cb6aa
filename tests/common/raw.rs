//! A small blocking SMPP client for tests: a std `TcpStream`, the crate's
//! sans-I/O `Codec`, and bounded waits. It answers deliver_sm and
//! enquire_link itself so a test reads only what it asserts on.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use pasarela::smpp::pdu::{
    self, BindReceiver, BindTransceiver, BindTransmitter, COctetString, DeliverSmResp, Npi,
    OctetString, Pdu, RegisteredDelivery, SubmitSm, Ton,
};
use pasarela::smpp::{Codec, Command, CommandId, CommandStatus};

/// A wait long enough for anything the simulator does at once.
pub const WAIT: Duration = Duration::from_secs(5);

/// The number our submits come from.
pub const SOURCE: &str = "34911000000";

/// Over a std `TcpStream`, or any blocking stream over one whose read
/// timeout is short (a rustls `StreamOwned`, see [`Raw::with`]).
pub struct Raw<S = TcpStream> {
    stream: S,
    codec: Codec,
    inbox: Vec<u8>,
    next_seq: u32,
    closed: bool,
    /// Whether a failed write is ignored instead of failing the test (see
    /// [`Raw::allow_disconnect`]).
    disconnect_allowed: bool,
}

impl Raw {
    pub fn connect(addr: SocketAddr) -> Raw {
        Raw::over(TcpStream::connect_timeout(&addr, WAIT).expect("connect"))
    }

    /// Connects from `local` (another loopback address, such as
    /// 127.0.0.2, to be a second client host). std cannot bind before
    /// connecting; tokio's socket can, and hands the stream over.
    pub fn connect_from(local: IpAddr, addr: SocketAddr) -> Raw {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let stream = runtime.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket
                .bind(SocketAddr::new(local, 0))
                .expect("bind the local address");
            let stream = tokio::time::timeout(WAIT, socket.connect(addr))
                .await
                .expect("connect within the wait")
                .expect("connect");
            stream.into_std().unwrap()
        });
        stream.set_nonblocking(false).unwrap();
        Raw::over(stream)
    }

    /// A client on a connection the test made itself (from another
    /// source address, with its own buffer sizes).
    pub fn over(stream: TcpStream) -> Raw {
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        Raw::with(stream)
    }

    /// The next connection to `listener` within [`WAIT`] (a switch's
    /// gateway binding to a test's SMSC), or `None`.
    pub fn accept(listener: &TcpListener) -> Option<Raw> {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + WAIT;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    return Some(Raw::over(stream));
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(error) => panic!("accept: {error}"),
            }
        }
    }
}

impl<S: Read + Write> Raw<S> {
    /// A client on `stream`, whose reads must time out after a few
    /// milliseconds (so waits stay bounded).
    pub fn with(stream: S) -> Raw<S> {
        Raw {
            stream,
            codec: Codec::new(),
            inbox: Vec::new(),
            next_seq: 1,
            closed: false,
            disconnect_allowed: false,
        }
    }

    /// From now on the peer may vanish (a test is about to kill it): a
    /// failed write, such as the deliver_sm_resp to a receipt read after
    /// the peer died, is ignored instead of panicking, and reading goes on
    /// until the end of what the peer sent before dying.
    pub fn allow_disconnect(&mut self) {
        self.disconnect_allowed = true;
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        match self.stream.write_all(bytes) {
            Ok(()) => {}
            Err(_) if self.disconnect_allowed => {}
            Err(error) => panic!("write: {error}"),
        }
    }

    pub fn send(&mut self, command: &Command) {
        let mut bytes = BytesMut::new();
        self.codec.encode(command, &mut bytes).expect("encodable");
        self.send_bytes(&bytes);
    }

    /// Send a request with the next sequence number; returns that number.
    pub fn request(&mut self, pdu: impl Into<Pdu>) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send(&Command::new(CommandStatus::EsmeRok, seq, pdu));
        seq
    }

    /// A header-only request (enquire_link, unbind).
    pub fn request_header(&mut self, id: CommandId) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send(&pdu::header_only(id, CommandStatus::EsmeRok, seq));
        seq
    }

    /// The next PDU within `within`, or `None`. deliver_sm and enquire_link
    /// are answered before they are returned.
    pub fn recv(&mut self, within: Duration) -> Option<Command> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(decoded) = self.codec.decode(&self.inbox).expect("a well-formed PDU") {
                self.inbox.drain(..decoded.len);
                let command = decoded.command;
                let seq = command.sequence_number();
                match command.id() {
                    CommandId::DeliverSm => {
                        let resp = DeliverSmResp::new(COctetString::default(), Vec::new());
                        self.send(&Command::new(CommandStatus::EsmeRok, seq, resp));
                    }
                    CommandId::EnquireLink => self.send(&pdu::header_only(
                        CommandId::EnquireLinkResp,
                        CommandStatus::EsmeRok,
                        seq,
                    )),
                    _ => {}
                }
                return Some(command);
            }
            if self.closed || Instant::now() >= deadline {
                return None;
            }
            let mut chunk = [0_u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => self.closed = true,
                Ok(n) => self.inbox.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => self.closed = true,
            }
        }
    }

    /// The next PDU; fails the test if none comes within [`WAIT`].
    pub fn expect(&mut self) -> Command {
        self.recv(WAIT).expect("a PDU within the wait")
    }

    /// Whether the peer closed the connection (reading until it does, at
    /// most `within`).
    pub fn is_closed_within(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while !self.closed && Instant::now() < deadline {
            self.recv(Duration::from_millis(20));
        }
        self.closed
    }

    /// Bind as `kind` and return the bind_resp's status.
    pub fn bind(&mut self, kind: CommandId, system_id: &str, password: &str) -> CommandStatus {
        let system_id = COctetString::from_string(system_id.to_owned()).unwrap();
        let password = COctetString::from_string(password.to_owned()).unwrap();
        let body: Pdu = match kind {
            CommandId::BindTransmitter => BindTransmitter::builder()
                .system_id(system_id)
                .password(password)
                .build()
                .into(),
            CommandId::BindReceiver => BindReceiver::builder()
                .system_id(system_id)
                .password(password)
                .build()
                .into(),
            _ => BindTransceiver::builder()
                .system_id(system_id)
                .password(password)
                .build()
                .into(),
        };
        let seq = self.request(body);
        let resp = self.expect();
        assert_eq!(resp.id(), kind.matching_response());
        assert_eq!(resp.sequence_number(), seq);
        resp.status()
    }

    /// Submit "hello" to `destination`; returns the sequence number.
    pub fn submit(&mut self, destination: &str, registered_delivery: u8) -> u32 {
        self.request(hello(destination, registered_delivery))
    }
}

/// A submit_sm of "hello" from [`SOURCE`] to `destination`, both
/// international, with `registered_delivery` (1: a receipt).
pub fn hello(destination: &str, registered_delivery: u8) -> SubmitSm {
    SubmitSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_string(SOURCE.to_owned()).unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string(destination.to_owned()).unwrap())
        .registered_delivery(RegisteredDelivery::from(registered_delivery))
        .short_message(OctetString::from_static_slice(b"hello").unwrap())
        .build()
}
