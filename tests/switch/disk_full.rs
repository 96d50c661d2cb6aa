//! A disk that fills up under load. `serve` runs with a file size limit
//! (RLIMIT_FSIZE, with SIGXFSZ ignored, so a write past it fails with
//! EFBIG as a write to a full disk fails with ENOSPC). From the first
//! failed journal append or checkpoint the store refuses every write: the
//! test checks that submissions are refused from then on, that `/healthz`
//! says so, that an upstream SMSC's MO are answered ESME_RX_T_APPN (so the
//! SMSC keeps them) instead of ESME_ROK, and that after a restart without
//! the limit every message acknowledged before is there and charged once,
//! none refused is, and every MO answered ESME_ROK is in the inbox.

use crate::{common, http, sim};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{BINARY, Switch, smpp_gateway, write_config_without_account_tps};
use http::json as http;
use pasarela::model::GatewayName;
use pasarela::store::{Store, StoreConfig};
use serde_json::Value;
use sim::Sim;

/// The largest file `serve` may write: sled's file or a journal segment
/// passes it within the first few thousand messages.
const FILE_SIZE_LIMIT: libc::rlim_t = 4 << 20;
/// Far more than the limit lets through.
const MESSAGES: u64 = 40_000;
const CREDIT: u64 = 1_000_000;
const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));

/// `serve` with [`FILE_SIZE_LIMIT`] on every file it writes.
fn start_on_a_small_disk(config: &Path) -> Switch {
    let mut command = Switch::command(config, &[]);
    // SAFETY: runs in the child between fork and exec and calls only
    // async-signal-safe functions (signal, setrlimit).
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: FILE_SIZE_LIMIT,
                rlim_max: FILE_SIZE_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Switch::spawn(command)
}

/// `pasarela bench` against `switch`: its JSON summary.
fn bench(switch: &Switch) -> Value {
    let output = Command::new(BINARY)
        .args(["bench", "--connect", &switch.smpp.to_string()])
        .args([
            "--messages",
            &MESSAGES.to_string(),
            "--sessions",
            "2",
            "--window",
            "64",
        ])
        .args([
            "--registered-delivery",
            "0",
            "--receipt-timeout-ms",
            "0",
            "--json",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|error| {
        panic!(
            "{error}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn a_full_disk_refuses_new_messages_and_loses_none_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    // An SMSC that sends an MO every 20 ms; no route sends it messages.
    let upstream = Sim::start(&["--mo-every-ms", "20"]);
    let config = write_config_without_account_tps(
        dir.path(),
        &smpp_gateway("operator-a", upstream.addr, ""),
    );
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("credit = \"1000.00\"", &format!("credit = \"{CREDIT}.00\"")),
    )
    .unwrap();

    let mut switch = start_on_a_small_disk(&config);
    assert_eq!(http(switch.http, "GET", "/healthz", None, None).status, 200);
    let summary = bench(&switch);
    let accepted = summary["submitted_ok"].as_u64().unwrap();
    let refused = summary["submit_errors"]["ESME_RSYSERR"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        accepted > 0 && accepted < MESSAGES,
        "the limit must be reached part way: {summary}"
    );
    assert_eq!(
        accepted + refused,
        MESSAGES,
        "all refusals are ESME_RSYSERR: {summary}"
    );

    let health = http(switch.http, "GET", "/healthz", None, None);
    assert_eq!(health.status, 503, "{:?}", health.body);
    assert_eq!(health.body["status"], "failing");
    assert!(health.body["store"].is_string(), "{:?}", health.body);
    let body = serde_json::json!({"to": "+34600100001", "from": "Shop", "text": "hello"});
    let refused_over_http = http(switch.http, "POST", "/api/v1/messages", DEMO, Some(&body));
    assert_eq!(
        refused_over_http.status, 503,
        "{:?}",
        refused_over_http.body
    );
    switch.kill();
    // The SMSC logs its totals when the connection ends.
    let deadline = Instant::now() + Duration::from_secs(10);
    while upstream.log_count("deliver_sm ok") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (mo_stored, mo_refused) = upstream.deliveries_answered();
    assert!(
        mo_stored > 0 && mo_refused > 0,
        "MO answered ESME_ROK before the disk filled, refused after: {:?}",
        upstream.log_lines()
    );
    drop(upstream);

    let mut switch = Switch::start(&config, &[]);
    assert_eq!(http(switch.http, "GET", "/healthz", None, None).status, 200);
    let balance = http(switch.http, "GET", "/api/v1/balance", DEMO, None);
    assert_eq!(balance.status, 200, "{:?}", balance.body);
    assert_eq!(
        balance.body["balance"],
        format!("{}.00", CREDIT - accepted),
        "each acknowledged message charged once, none refused charged"
    );
    let csv = http::request(
        switch.http,
        "GET",
        "/api/v1/messages.csv",
        DEMO,
        "text/plain",
        "",
    );
    assert_eq!(csv.status, 200);
    let rows = csv.text.lines().count() - 1;
    assert_eq!(
        rows as u64, accepted,
        "every acknowledged message is kept, no other"
    );

    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let inbox = store
        .inbound(&GatewayName::new("operator-a".to_owned()).unwrap())
        .unwrap();
    assert_eq!(
        inbox.len(),
        mo_stored,
        "every MO answered ESME_ROK is kept, no other"
    );
}
