//! The web UI as a browser without JavaScript uses it, for tests: log in
//! through the form (the session cookie), read a page's CSRF token, and
//! post url-encoded or `multipart/form-data` forms with the cookie.

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::http;

/// The hidden CSRF token of the first form of a page.
pub fn csrf_token(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a CSRF token")
        .to_owned()
}

/// Logs `user` in through the login form: the session cookie. The login
/// form's token is also its cookie's value. Over a raw socket: the test
/// client lower-cases headers, and cookie values keep their case.
pub fn ui_login(address: SocketAddr, (user, password): (&str, &str)) -> String {
    let form = http::request(address, "GET", "/ui/login", None, "text/plain", "");
    let token = csrf_token(&form.text);
    let body = format!("csrf={token}&username={user}&password={password}");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /ui/login HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nCookie: pasarela_login={token}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    answer
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(": ")?;
            let value = value.strip_prefix("pasarela_session=")?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.split(';').next().unwrap_or(value).to_owned())
        })
        .expect("a session cookie")
}

/// A request of a logged-in browser (no session: `""`), with a url-encoded
/// form.
pub fn browse(
    address: SocketAddr,
    session: &str,
    method: &str,
    path: &str,
    form: &str,
) -> http::Answer {
    browse_with(
        address,
        session,
        method,
        path,
        "application/x-www-form-urlencoded",
        form.as_bytes(),
    )
}

/// A request of a logged-in browser with a body of `content_type`.
pub fn browse_with(
    address: SocketAddr,
    session: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> http::Answer {
    let mut headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
    if !session.is_empty() {
        headers.push(("Cookie".to_owned(), format!("pasarela_session={session}")));
    }
    http::request_with_headers(address, method, path, &headers, body)
}

/// `fields` as a url-encoded form body, in order (a name may repeat), as
/// a browser encodes it.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    char::from(byte).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{byte:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The boundary [`multipart`] separates parts with.
const BOUNDARY: &str = "----pasarela-test-7d1f0a";

/// A `multipart/form-data` body as a browser posts it: `fields` in order,
/// then `file` (the file's name and its octets) as the field `file`. The
/// content type, and the body.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, octets)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(octets);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// Posts `fields` and `file` as a `multipart/form-data` form.
pub fn upload(
    address: SocketAddr,
    session: &str,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> http::Answer {
    let (content_type, body) = multipart(fields, file);
    browse_with(address, session, "POST", path, &content_type, &body)
}
