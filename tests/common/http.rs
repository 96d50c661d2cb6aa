//! A small blocking HTTP/1.1 client for tests: one request per connection,
//! HTTP Basic or other headers when asked, bounded reads, chunked bodies
//! joined. JSON bodies are parsed; any other body is kept as a string.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Answer {
    pub status: u16,
    /// The status line and headers, lower-cased.
    pub headers: String,
    /// The status line and headers as they came (a cookie's value keeps
    /// its case).
    pub head: String,
    /// The body parsed as JSON, or as a JSON string when it is not JSON.
    pub body: Value,
    /// The body as it came.
    pub text: String,
}

/// One request with a JSON body (or none).
pub fn json(
    address: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<&Value>,
) -> Answer {
    let body = body.map(Value::to_string).unwrap_or_default();
    request(address, method, path, auth, "application/json", &body)
}

/// One request with a body of `content_type`.
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    content_type: &str,
    body: &str,
) -> Answer {
    let mut headers = vec![("Content-Type".to_string(), content_type.to_string())];
    if let Some((user, password)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.push(("Authorization".to_string(), format!("Basic {token}")));
    }
    request_with_headers(address, method, path, &headers, body.as_bytes())
}

/// One request with these headers (Host, Connection and Content-Length
/// are added) and a body of any octets.
pub fn request_with_headers(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut request = request.into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, text) = response
        .split_once("\r\n\r\n")
        .expect("a complete HTTP answer");
    let headers = head.to_ascii_lowercase();
    let text = if headers.contains("transfer-encoding: chunked") {
        dechunk(text)
    } else {
        text.to_string()
    };
    let text = text.as_str();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(text).unwrap_or(Value::String(text.to_string()))
    };
    Answer {
        status,
        headers,
        head: head.to_string(),
        body,
        text: text.to_string(),
    }
}

/// One request with these extra headers (an API key, `Accept`) and a body
/// of `content_type`.
pub fn with_headers(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &str,
) -> Answer {
    let mut all = vec![("Content-Type".to_string(), content_type.to_string())];
    all.extend(
        headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );
    request_with_headers(address, method, path, &all, body.as_bytes())
}

/// The body of a `Transfer-Encoding: chunked` answer (a streamed one).
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("a chunk size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("a hexadecimal chunk size");
        if size == 0 {
            return body;
        }
        body.push_str(&after[..size]);
        rest = after[size..]
            .strip_prefix("\r\n")
            .expect("CRLF after a chunk");
    }
}
