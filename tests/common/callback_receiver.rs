//! A customer's callback server for end-to-end tests: a std
//! `TcpListener` thread on 127.0.0.1 (plain or TLS) that records every
//! request and answers with the status the test sets; and the signature a
//! customer computes to check one. Used by tests/callbacks.rs (receipts)
//! and tests/mo_routing.rs (MO).

#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use sha2::Sha256;

/// The receiver's "answer" that holds a request unanswered.
pub const HOLD: u16 = 0;

/// One request the customer server received, and what it answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: String,
    pub answered: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A customer callback server on 127.0.0.1: answers every request with
/// the status currently set ([`HOLD`]: none, the connection is held until
/// the client goes), and records it; one request per connection, or as
/// many as the client sends when kept alive. Stops listening when dropped.
pub struct Receiver {
    pub address: SocketAddr,
    answer: Arc<AtomicU16>,
    /// Connections accepted.
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// `https` when it speaks TLS.
    scheme: &'static str,
}

impl Receiver {
    /// Listens on `port` (0: any) answering `answer`, recording into
    /// `received` (shared across restarts of the server).
    pub fn start(port: u16, answer: u16, received: Arc<Mutex<Vec<Received>>>) -> Receiver {
        Receiver::listen(port, answer, received, None, false)
    }

    /// Like [`Receiver::start`] on any port, but keeping each connection
    /// open for the client's next request, as most web servers do.
    pub fn start_keep_alive(answer: u16, received: Arc<Mutex<Vec<Received>>>) -> Receiver {
        Receiver::listen(0, answer, received, None, true)
    }

    /// The same over TLS, with the certificate for 127.0.0.1 that
    /// `tests/vectors/callbacks/ca.pem` signed.
    pub fn start_tls(answer: u16, received: Arc<Mutex<Vec<Received>>>) -> Receiver {
        let vector = |name: &str| std::fs::read(format!("tests/vectors/callbacks/{name}")).unwrap();
        let certificates = CertificateDer::pem_slice_iter(&vector("server.pem"))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(&vector("server.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
        Receiver::listen(0, answer, received, Some(Arc::new(config)), false)
    }

    fn listen(
        port: u16,
        answer: u16,
        received: Arc<Mutex<Vec<Received>>>,
        tls: Option<Arc<rustls::ServerConfig>>,
        keep_alive: bool,
    ) -> Receiver {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let answer = Arc::new(AtomicU16::new(answer));
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (answer, received, stop) = (answer.clone(), received.clone(), stop.clone());
            let connections = connections.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::Relaxed);
                            let (answer, received) = (answer.clone(), received.clone());
                            stream.set_nonblocking(false).unwrap();
                            stream
                                .set_read_timeout(Some(Duration::from_secs(5)))
                                .unwrap();
                            let tls = tls.clone();
                            std::thread::spawn(move || match tls {
                                None => serve(stream, &answer, &received, keep_alive),
                                Some(tls) => {
                                    let connection = rustls::ServerConnection::new(tls).unwrap();
                                    let stream = rustls::StreamOwned::new(connection, stream);
                                    serve(stream, &answer, &received, false)
                                }
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Receiver {
            address,
            answer,
            connections,
            stop,
            thread: Some(thread),
            scheme,
        }
    }

    pub fn set_answer(&self, status: u16) {
        self.answer.store(status, Ordering::Relaxed);
    }

    /// How many connections clients opened to it.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.address)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves the requests on one connection: one, or while `keep_alive`
/// every one the client sends until it closes.
fn serve(
    mut stream: impl Read + Write,
    answer: &AtomicU16,
    received: &Mutex<Vec<Received>>,
    keep_alive: bool,
) {
    while serve_one(&mut stream, answer, received, keep_alive) && keep_alive {}
}

/// Reads one request (head and Content-Length body), records it and
/// answers; whether the connection may carry another.
fn serve_one(
    stream: &mut (impl Read + Write),
    answer: &AtomicU16,
    received: &Mutex<Vec<Received>>,
    keep_alive: bool,
) -> bool {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let path = request_line.next().unwrap_or_default().to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    let mut body = bytes[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let status = answer.load(Ordering::Relaxed);
    received.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
        answered: status,
    });
    if status == HOLD {
        // Until the client closes (or the read times out).
        while matches!(stream.read(&mut chunk), Ok(n) if n > 0) {}
        return false;
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let answered = stream
        .write_all(
            format!("HTTP/1.1 {status} Status\r\nContent-Length: 2\r\nConnection: {connection}\r\n\r\nok")
                .as_bytes(),
        )
        .and_then(|()| stream.flush());
    answered.is_ok()
}

/// What `X-Pasarela-Signature` must be for `request` signed with
/// `secret`: HMAC-SHA256 of `<X-Pasarela-Timestamp>.<body>`, hex, after
/// `sha256=`.
pub fn signature(secret: &str, request: &Received) -> String {
    let timestamp = &request.headers["x-pasarela-timestamp"];
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", request.body).as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256={hex}")
}
