//! Kannel as a customer of pasarela's listeners, a peer nobody here
//! wrote: Debian's bearerbox with one `smsc` group (its keys given by the
//! test: `smsc = emi` toward `[ucp] listen`, `smsc = cimd2` toward
//! `[cimd2] listen`) and an smsbox taking `/cgi-bin/sendsms` and passing
//! MO to the test's HTTP server; and the scenarios both listeners pass
//! with it. Both run as the current user on free
//! ports of 127.0.0.1, their logs in a temporary directory, killed when
//! dropped (the logs shown when a test fails); every wait is bounded.
//! Without bearerbox a test fails: scripts/test.sh installs the `kannel`
//! package.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::callback_receiver::{Received, Receiver};
use crate::common::Switch;
use crate::http;
use crate::listeners::{DELIVERED, ECHO};
use crate::raw::SOURCE;

/// The longest any step waits: Kannel reconnects and polls in seconds.
pub const WAIT: Duration = Duration::from_secs(60);

/// A port of 127.0.0.1 free now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// bearerbox and smsbox, killed when dropped (their logs shown when a test
/// fails).
pub struct Kannel {
    children: Vec<Child>,
    dir: PathBuf,
    sendsms: SocketAddr,
}

impl Kannel {
    /// Kannel with the smsc group's keys `smsc` (its kind, host, port,
    /// credentials), its MO going to `mo_url`.
    pub fn start(dir: &Path, smsc: &str, mo_url: &str) -> Kannel {
        let sendsms = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let boxes = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let config = format!(
            r#"group = core
admin-port = {admin}
admin-password = admin
admin-interface = 127.0.0.1
smsbox-port = {smsbox}
smsbox-interface = 127.0.0.1
log-file = "{dir}/bearerbox.log"
log-level = 0
dlr-storage = internal

group = smsc
{smsc}

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{dir}/smsbox.log"
log-level = 0

group = sendsms-user
username = tester
password = foobar
max-messages = 3
concatenation = true

group = sms-service
keyword = default
max-messages = 0
get-url = "{mo_url}?coding=%c&charset=%C&from=%p&text=%a"
"#,
            admin = free_port(),
            smsbox = boxes.port(),
            dir = dir.display(),
            sendsms_port = sendsms.port(),
        );
        let path = dir.join("kannel.conf");
        std::fs::write(&path, config).unwrap();
        let spawn = |binary: &str, name: &str| {
            let log = std::fs::File::create(dir.join(format!("{name}.out"))).unwrap();
            Command::new(binary)
                .args(["-v", "0"])
                .arg(&path)
                .current_dir(dir)
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .stdin(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| {
                    panic!("{binary} must be installed (scripts/test.sh installs kannel): {error}")
                })
        };
        let bearerbox = spawn("/usr/sbin/bearerbox", "bearerbox");
        let mut kannel = Kannel {
            children: vec![bearerbox],
            dir: dir.to_path_buf(),
            sendsms,
        };
        kannel.wait_for_port(boxes, "bearerbox");
        let smsbox = spawn("/usr/sbin/smsbox", "smsbox");
        kannel.children.push(smsbox);
        kannel.wait_for_port(sendsms, "smsbox");
        kannel
    }

    /// Waits (bounded) until `address` takes connections.
    fn wait_for_port(&self, address: SocketAddr, name: &str) {
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(address).is_err() {
            assert!(
                Instant::now() < deadline,
                "{name} never listened\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    pub fn logs(&self) -> String {
        ["bearerbox.log", "smsbox.log", "bearerbox.out", "smsbox.out"]
            .iter()
            .map(|name| format!("--- {name}\n{}", self.log(name)))
            .collect()
    }

    /// `GET /cgi-bin/sendsms` with `params` (name, value) encoded.
    pub fn send(&self, params: &[(&str, &str)]) -> (u16, String) {
        let query: Vec<String> = [("username", "tester"), ("password", "foobar")]
            .iter()
            .chain(params)
            .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, NON_ALPHANUMERIC)))
            .collect();
        let answer = http::request_with_headers(
            self.sendsms,
            "GET",
            &format!("/cgi-bin/sendsms?{}", query.join("&")),
            &[],
            b"",
        );
        (answer.status, answer.text)
    }
}

impl Drop for Kannel {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}

/// The query parameter `name` of a request the test's server received,
/// percent-decoded to octets.
fn param(request: &Received, name: &str) -> Option<Vec<u8>> {
    let query = request.path.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode_str(&value.replace('+', " ")).collect())
    })
}

/// An MO's text as smsbox passed it: UTF-8, or UTF-16BE when it says so.
fn mo_text(request: &Received) -> Option<String> {
    let text = param(request, "text")?;
    let charset = param(request, "charset").unwrap_or_default();
    if charset.eq_ignore_ascii_case(b"UTF-16BE") {
        let units: Vec<u16> = text
            .chunks(2)
            .map(|pair| u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16(&units).ok();
    }
    String::from_utf8(text).ok()
}

/// Waits (bounded) until `done` holds for what the server received.
fn wait_for(
    received: &Arc<Mutex<Vec<Received>>>,
    kannel: &Kannel,
    switch: &Switch,
    done: impl Fn(&[Received]) -> bool,
) -> Vec<Received> {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = received.lock().unwrap().clone();
        if done(&now) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "received {now:#?}\n{}\n--- pasarela\n{}",
            kannel.logs(),
            switch.logged()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The keys of an smsc group of driver `driver` (`emi`, `cimd2`) logging
/// in to `listener` as `demo` with `password`.
pub fn smsc(driver: &str, listener: SocketAddr, password: &str) -> String {
    format!(
        "smsc = {driver}
smsc-id = pasarela
host = 127.0.0.1
port = {port}
smsc-username = demo
smsc-password = {password}
keepalive = 5
window = 10
reconnect-delay = 1",
        port = listener.port()
    )
}

/// Kannel with the smsc group `smsc` logged in to `switch` as `demo`:
/// texts sent through its sendsms (GSM, UCS-2 with `coding=2`, a 3-part
/// text Kannel cuts itself) to [`ECHO`] come back whole as MO, and the
/// receipt of one to [`DELIVERED`] fires its dlr-url as delivered (type
/// 1). Kannel, for what the protocol's test checks further.
pub fn sends_and_gets_receipts_and_mo(dir: &Path, switch: &Switch, smsc: &str) -> Kannel {
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, 200, received.clone());
    let kannel = Kannel::start(dir, smsc, &server.url("/mo"));

    let unicode = "¿Qué tal? ✓ Ελλάδα";
    let long: String = (0..400)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let dlr_url = format!("{}?type=%d", server.url("/dlr"));
    // Kannel queues what it cannot send yet: the link may still be
    // logging in.
    let sends: [&[(&str, &str)]; 4] = [
        &[
            ("from", SOURCE),
            ("to", DELIVERED),
            ("text", "hello from Kannel"),
            ("dlr-mask", "3"),
            ("dlr-url", &dlr_url),
        ],
        &[("from", SOURCE), ("to", ECHO), ("text", "gsm @ echo")],
        &[
            ("from", SOURCE),
            ("to", ECHO),
            ("text", unicode),
            ("coding", "2"),
            ("charset", "UTF-8"),
        ],
        &[("from", SOURCE), ("to", ECHO), ("text", &long)],
    ];
    for params in sends {
        let (status, text) = kannel.send(params);
        assert_eq!(status, 202, "{text}\n{}", kannel.logs());
    }

    let seen = wait_for(&received, &kannel, switch, |seen| {
        let mo = seen.iter().filter(|r| r.path.starts_with("/mo")).count();
        let delivered = seen
            .iter()
            .any(|r| r.path.starts_with("/dlr") && param(r, "type").as_deref() == Some(b"1"));
        mo >= 3 && delivered
    });
    let mut texts: Vec<String> = seen
        .iter()
        .filter(|r| r.path.starts_with("/mo"))
        .filter_map(mo_text)
        .collect();
    texts.sort();
    let mut expected = vec!["gsm @ echo".to_owned(), unicode.to_owned(), long];
    expected.sort();
    assert_eq!(texts, expected);
    for request in seen.iter().filter(|r| r.path.starts_with("/mo")) {
        assert_eq!(param(request, "from").as_deref(), Some(ECHO.as_bytes()));
    }
    kannel
}

/// Kannel with the smsc group `smsc`, whose password is wrong: bearerbox
/// logs `rejected` (its driver's words for a refused login), the switch
/// logs the refusal, and nothing sent passes.
pub fn is_refused(dir: &Path, switch: &Switch, smsc: &str, rejected: &str) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, 200, received.clone());
    let kannel = Kannel::start(dir, smsc, &server.url("/mo"));
    let deadline = Instant::now() + WAIT;
    while !kannel.log("bearerbox.log").contains(rejected) {
        assert!(
            Instant::now() < deadline,
            "{}\n--- pasarela\n{}",
            kannel.logs(),
            switch.logged()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, _) = kannel.send(&[("from", SOURCE), ("to", ECHO), ("text", "not sent")]);
    // smsbox takes it, bearerbox has no link to send it on.
    assert!(status == 202 || status >= 400, "{status}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(received.lock().unwrap().is_empty());
    assert!(
        switch.logged().contains("login refused"),
        "{}",
        switch.logged()
    );
}
