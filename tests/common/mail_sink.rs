//! The mail tests' fixtures (tests/switch/mail.rs, mail_spanish.rs): a
//! real SMTP server on loopback (aiosmtpd, `scripts/mail/smtp_sink.py`)
//! whose mails are read as sent and as decoded, the configuration that
//! mails through it, a message that spends credit, the admin API's mail
//! log, and a day's report summaries moved to yesterday for the daily
//! summary.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, Switch, smpp_gateway, write_config};
use crate::http::json;
use crate::sim::Sim;

/// A mail as its reader sees it: the envelope's recipients, the subject
/// and the plain text body, decoded.
#[derive(Debug, Deserialize)]
pub struct Decoded {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

pub const ADMIN: Option<(&str, &str)> = Some(("admin", ADMIN_PASSWORD));
pub const SHOP: Option<(&str, &str)> = Some(("shop", "shop1234"));

/// A loopback port nothing listens on (taken and let go).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The aiosmtpd server, killed when dropped.
pub struct SmtpSink {
    child: Child,
    dir: PathBuf,
}

impl SmtpSink {
    pub fn start(port: u16, dir: &Path) -> SmtpSink {
        std::fs::create_dir_all(dir).unwrap();
        let mut child = Command::new("python3")
            .arg("scripts/mail/smtp_sink.py")
            .arg(port.to_string())
            .arg(dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test.sh installs it)");
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP server did not start");
        SmtpSink {
            child,
            dir: dir.to_path_buf(),
        }
    }

    /// The sink's files named `*.{extension}`, in the order written.
    fn files(&self, extension: &str) -> Vec<PathBuf> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == extension))
            .collect();
        names.sort();
        names
    }

    /// The mails received so far, in order: (envelope recipients, text).
    pub fn mails(&self) -> Vec<(String, String)> {
        self.files("eml")
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                let (first, rest) = text.split_once("\r\n").unwrap();
                let to = first.trim_start_matches("X-Envelope-To: ").to_owned();
                (to, rest.to_owned())
            })
            .collect()
    }

    /// Waits until `count` mails have arrived (at most 20 s).
    pub fn wait_for(&self, count: usize) -> Vec<(String, String)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mails = self.mails();
            if mails.len() >= count || Instant::now() > deadline {
                return mails;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    /// The mails received so far, in order, as their reader sees them
    /// (the sink decodes each: subject and plain text body).
    pub fn decoded(&self) -> Vec<Decoded> {
        self.files("json")
            .into_iter()
            .map(|path| serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
            .collect()
    }

    /// Waits until `count` mails have arrived (at most 20 s), decoded.
    pub fn wait_decoded(&self, count: usize) -> Vec<Decoded> {
        self.wait_for(count);
        self.decoded()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The configuration: mail through `port` without TLS (loopback), a
/// threshold of 5.00 and an account with 7.00 of credit and an address.
pub fn config(dir: &Path, port: u16) -> PathBuf {
    write_config(
        dir,
        &format!(
            r#"
[mail]
host = "127.0.0.1"
port = {port}
security = "none"
from = "pasarela@example.com"
admin_to = "ops@example.com"
low_balance = "5.00"

[[accounts]]
system_id = "shop"
password = "shop1234"
credit = "7.00"
email = "billing@shop.example"
"#
        ),
    )
}

/// Adds `keys` (TOML lines) to the `[mail]` section [`config`] wrote.
pub fn add_mail_keys(config: &Path, keys: &str) {
    let text = std::fs::read_to_string(config).unwrap().replace(
        "low_balance = \"5.00\"",
        &format!("low_balance = \"5.00\"\n{keys}"),
    );
    std::fs::write(config, text).unwrap();
}

/// One message from the shop over HTTP (1.00 of credit).
pub fn send(switch: &Switch) {
    send_as(switch, SHOP);
}

/// One message from the account `who` over HTTP.
fn send_as(switch: &Switch, who: Option<(&str, &str)>) {
    let sent = json(
        switch.http,
        "POST",
        "/api/v1/messages",
        who,
        Some(&json!({"to": "+34600111222", "from": "Shop", "text": "hello"})),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
}

/// The mail log's first page, newest first.
pub fn mail_log(address: SocketAddr) -> Vec<Value> {
    let log = json(address, "GET", "/api/v1/mail", ADMIN, None);
    assert_eq!(log.status, 200, "{}", log.body);
    log.body["items"].as_array().unwrap().clone()
}

/// Waits until the mail log holds `count` mails that `done` accepts.
pub fn wait_log(address: SocketAddr, count: usize, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let items = mail_log(address);
        if items.iter().filter(|mail| done(mail)).count() >= count || Instant::now() > deadline {
            return items;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn recipients(mails: &[(String, String)]) -> Vec<&str> {
    let mut to: Vec<&str> = mails.iter().map(|(to, _)| to.as_str()).collect();
    to.sort_unstable();
    to
}

/// Moves every day bucket of the report summaries in the store under
/// `dir` to the UTC day before today: what a run counted today reads as
/// yesterday's, the day the daily summary reports.
fn count_as_yesterday(dir: &Path) -> String {
    use pasarela::store::{Batch, Store, StoreConfig};
    use pasarela::summaries::{BucketId, Span};
    let store = Store::open(StoreConfig::new(dir.join("data/store"))).unwrap();
    let now = chrono::Utc::now();
    let yesterday = now.date_naive().pred_opt().unwrap();
    let start_ms = Span::Day.start(now) - 86_400_000;
    let mut batch = Batch::new();
    for bucket in store.summary_buckets().unwrap() {
        let (id, tally) = bucket.unwrap();
        if id.span == Span::Day {
            batch.remove_summary_bucket(&id);
            batch.put_summary_bucket(
                &BucketId {
                    start_ms,
                    ..id.clone()
                },
                &tally,
            );
        }
    }
    store.commit(batch).wait().unwrap();
    yesterday.format("%Y-%m-%d").to_string()
}

/// A run of the switch on `config` (in `dir`) whose two messages from the
/// shop (1.00 each, from 7.00: down to the threshold, not below) are then
/// moved to yesterday in the store; the switch stopped, that day.
pub fn two_messages_yesterday(dir: &Path, config: &Path) -> String {
    let mut switch = Switch::start(config, &[]);
    for _ in 0..2 {
        send(&switch);
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let report = json(
            switch.http,
            "GET",
            &format!("/api/v1/reports/daily?from={today}&to={today}&group_by=account"),
            ADMIN,
            None,
        );
        let totals = &report.body["totals"];
        if totals["parts"] == 2
            && totals["delivered"].as_u64().unwrap() + totals["failed"].as_u64().unwrap() == 2
        {
            break;
        }
        assert!(Instant::now() < deadline, "{}", report.body);
        std::thread::sleep(Duration::from_millis(100));
    }
    // The board is flushed to the store about once a second.
    std::thread::sleep(Duration::from_secs(3));
    switch.signal_and_wait(libc::SIGTERM);
    count_as_yesterday(dir)
}

/// A switch in `dir` mailing through `port` (with `mail`, more lines of
/// `[mail]`), whose route sends every message to `grey`, an upstream that
/// takes each and never sends its receipt, sent messages until its
/// route-quality alert is mailed (at most 30 s): the switch, the SMTP
/// server and the upstream.
pub fn quality_alert(dir: &Path, port: u16, mail: &str) -> (Switch, SmtpSink, Sim) {
    let sink = SmtpSink::start(port, &dir.join("mails"));
    // An upstream that takes every message and never sends its receipt.
    let grey = Sim::start(&["--dlr-delay-ms", "600000"]);
    let extra = format!(
        r#"
[mail]
host = "127.0.0.1"
port = {port}
security = "none"
from = "pasarela@example.com"
admin_to = "ops@example.com"
{mail}
{gateway}
[quality]
window_s = 3
receipt_wait_s = 0.3
min_receipts = 4
alert_min_delivery_ratio = 0.5

[[routes]]
prefix = "34"
gateways = ["grey"]
price = "0.05"
"#,
        gateway = smpp_gateway("grey", grey.addr, ""),
    );
    let switch = Switch::start(&write_config(dir, &extra), &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.mails().is_empty() && Instant::now() < deadline {
        send_as(&switch, Some(("demo", "demo1234")));
        std::thread::sleep(Duration::from_millis(200));
    }
    (switch, sink, grey)
}
