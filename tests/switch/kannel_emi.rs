//! Kannel as a UCP/EMI customer, a peer nobody here wrote: Debian's
//! bearerbox with an `smsc = emi` group logging in to pasarela's
//! `[ucp] listen` as the demo account, and an smsbox taking
//! `/cgi-bin/sendsms`. Texts sent through Kannel (GSM, UCS-2 with
//! `coding=2`, a 3-part long text Kannel cuts itself) go to the switch's
//! `ucp` gateway and `pasarela sim-smsc --protocol ucp`, whose 9999 number
//! sends each back: it comes to Kannel as an MO (52) and smsbox hands it to
//! this test's HTTP server, so the text that reached the upstream
//! simulator is seen whole. A message to a number the simulator delivers
//! comes back as a notification (53) that fires Kannel's dlr-url with the
//! delivered status. A wrong password is refused: bearerbox logs the
//! rejected login and no message passes. bearerbox and smsbox run as the
//! current user on free ports of 127.0.0.1, their logs in a temporary
//! directory, killed at the end; every wait is bounded. Without bearerbox
//! the test fails: scripts/test.sh installs the `kannel` package.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::callback_receiver::{Received, Receiver};
use crate::common::{Switch, write_config_without_account_tps};
use crate::http;
use crate::raw::SOURCE;
use crate::sim::Sim;

const DELIVERED: &str = "34600100001";
/// sim-smsc answers a message to it with an MO from it, same text.
const ECHO: &str = "34600109999";
const LOGIN: &str = "pasarela";
const PASSWORD: &str = "secret";
/// The longest any step waits: Kannel reconnects and polls in seconds.
const WAIT: Duration = Duration::from_secs(60);

/// A port of 127.0.0.1 free now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn upstream() -> Sim {
    Sim::start(&[
        "--protocol",
        "ucp",
        "--dlr-delay-ms",
        "20",
        "--system-id",
        LOGIN,
        "--password",
        PASSWORD,
    ])
}

/// The switch with `[ucp] listen`, its `34` route to a `ucp` gateway at
/// `upstream`, and the MO to [`SOURCE`] for `demo`.
fn switch(dir: &Path, upstream: SocketAddr) -> Switch {
    let extra = format!(
        r#"
[ucp]
listen = "127.0.0.1:0"

[[gateways]]
name = "emi-a"
kind = "ucp"
host = "127.0.0.1"
port = {port}
login = "{LOGIN}"
password = "{PASSWORD}"
window = 16

[[routes]]
prefix = "34"
gateways = ["emi-a"]
price = "1.00"

[[mo_routes]]
number = "{SOURCE}"
account = "demo"
"#,
        port = upstream.port()
    );
    Switch::start(&write_config_without_account_tps(dir, &extra), &[])
}

/// bearerbox and smsbox, killed when dropped (their logs shown when a test
/// fails).
struct Kannel {
    children: Vec<Child>,
    dir: PathBuf,
    sendsms: SocketAddr,
}

impl Kannel {
    /// Kannel logging in to `ucp` with `password`, its MO going to
    /// `mo_url`.
    fn start(dir: &Path, ucp: SocketAddr, password: &str, mo_url: &str) -> Kannel {
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
smsc = emi
smsc-id = pasarela
host = 127.0.0.1
port = {ucp_port}
smsc-username = demo
smsc-password = {password}
keepalive = 5
window = 10
reconnect-delay = 1

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
            ucp_port = ucp.port(),
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

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    fn logs(&self) -> String {
        ["bearerbox.log", "smsbox.log", "bearerbox.out", "smsbox.out"]
            .iter()
            .map(|name| format!("--- {name}\n{}", self.log(name)))
            .collect()
    }

    /// `GET /cgi-bin/sendsms` with `params` (name, value) encoded.
    fn send(&self, params: &[(&str, &str)]) -> (u16, String) {
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

#[test]
fn kannel_sends_through_the_ucp_listener_and_gets_receipts_and_mo() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream();
    let switch = switch(dir.path(), upstream.addr);
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, 200, received.clone());
    let kannel = Kannel::start(
        dir.path(),
        switch.listener("UCP"),
        "demo1234",
        &server.url("/mo"),
    );

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

    let seen = wait_for(&received, &kannel, &switch, |seen| {
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
    assert!(
        kannel.log("bearerbox.log").contains("EMI2"),
        "{}",
        kannel.logs()
    );
}

#[test]
fn kannel_with_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream();
    let switch = switch(dir.path(), upstream.addr);
    let received = Arc::new(Mutex::new(Vec::new()));
    let server = Receiver::start(0, 200, received.clone());
    let kannel = Kannel::start(
        dir.path(),
        switch.listener("UCP"),
        "wrong123",
        &server.url("/mo"),
    );
    let deadline = Instant::now() + WAIT;
    while !kannel
        .log("bearerbox.log")
        .contains("Server rejected our login")
    {
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
