//! `pasarela serve` as a process: it opens the store, creates the credit of
//! new accounts once, stops cleanly on SIGTERM and ctrl-c after a final
//! flush, and refuses a bad configuration without touching the data
//! directory.

#![cfg(feature = "runtime")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pasarela::model::{AccountId, Money};
use pasarela::store::{LedgerKind, Store, StoreConfig};

const BINARY: &str = env!("CARGO_BIN_EXE_pasarela");
const TIMEOUT: Duration = Duration::from_secs(20);

fn write_config(dir: &Path) -> std::path::PathBuf {
    let shipped = std::fs::read_to_string("config/pasarela.toml").unwrap();
    let data_dir = dir.join("data");
    let text = shipped.replace(
        "data_dir = \"data\"",
        &format!("data_dir = {:?}", data_dir.display().to_string()),
    );
    assert_ne!(text, shipped, "the shipped config sets data_dir");
    let path = dir.join("pasarela.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts `serve` and returns once it has logged that it is loaded.
fn start(config: &Path) -> Child {
    let mut child = Command::new(BINARY)
        .args(["serve", "--config"])
        .arg(config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("INFO loaded") {
                let _ = ready_tx.send(());
            }
        }
    });
    ready_rx
        .recv_timeout(TIMEOUT)
        .expect("serve logs that it has loaded");
    child
}

fn signal_and_wait(mut child: Child, signal: libc::c_int) -> std::process::ExitStatus {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) with a pid this test spawned and still owns.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop after signal {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serve_creates_accounts_once_and_stops_cleanly_on_sigterm_and_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());

    let status = signal_and_wait(start(&config), libc::SIGTERM);
    assert!(status.success(), "{status:?}");
    let status = signal_and_wait(start(&config), libc::SIGINT);
    assert!(status.success(), "{status:?}");

    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let demo = AccountId::new("demo").unwrap();
    assert_eq!(
        store.account_balance(&demo).unwrap(),
        Some("1000.00".parse::<Money>().unwrap())
    );
    let ledger = store.ledger(&demo).unwrap();
    assert_eq!(
        ledger.len(),
        1,
        "starting credit is given once, not at every start: {ledger:?}"
    );
    assert_eq!(ledger[0].kind, LedgerKind::TopUp);
}

#[test]
fn a_bad_config_stops_serve_before_the_data_directory_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("gateways = [\"sim\"]", "gateways = [\"nowhere\"]");
    std::fs::write(&config, &text).unwrap();
    let output = Command::new(BINARY)
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = text[..text.find("\"nowhere\"").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(
        stderr.contains(&format!(
            "pasarela.toml:{line}: routes[0].gateways[0]: no gateway named \"nowhere\""
        )),
        "{stderr}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "the data directory was created"
    );
}

#[test]
fn check_config_accepts_the_shipped_file_and_refuses_a_broken_one() {
    let output = Command::new(BINARY)
        .args(["check-config", "config/pasarela.toml"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "config/pasarela.toml: ok (1 accounts, 1 routes, 1 gateways)"
    );
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[smpp]\nlisten = 2775\n").unwrap();
    let output = Command::new(BINARY)
        .arg("check-config")
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.toml:2: smpp.listen: invalid type"),
        "{stderr}"
    );
}
