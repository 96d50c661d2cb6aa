//! `pasarela serve` as a process: it opens the store, creates the credit of
//! new accounts once, stops cleanly on SIGTERM and ctrl-c after a final
//! flush, keeps to small pages and gives freed pages back at once unless
//! told otherwise, and refuses a bad configuration without touching the
//! data directory.

use crate::common;
use std::process::Command;

use common::{BINARY, Switch, write_config};
use pasarela::model::{AccountId, Money};
use pasarela::store::{LedgerKind, Store, StoreConfig};

#[test]
fn serve_creates_accounts_once_and_stops_cleanly_on_sigterm_and_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");

    let status = Switch::start(&config, &[]).signal_and_wait(libc::SIGTERM);
    assert!(status.success(), "{status:?}");
    let status = Switch::start(&config, &[]).signal_and_wait(libc::SIGINT);
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

/// The value of `field` in `switch`'s `/proc` status, trimmed.
fn status_field(switch: &Switch, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{}/status", switch.child.id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("the kernel reports {field}"))
        .trim()
        .to_string()
}

/// Whether the kernel lets `switch` have transparent huge pages
/// (`THP_enabled`, Linux 5.0 and later).
fn huge_pages_allowed(switch: &Switch) -> bool {
    status_field(switch, "THP_enabled") == "1"
}

#[test]
fn serve_turns_huge_pages_off_unless_the_operator_chose_with_mimalloc_allow_thp() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut command = Switch::command(&config, &[]);
    command.env_remove("MIMALLOC_ALLOW_THP");
    let mut switch = Switch::spawn(command);
    assert!(!huge_pages_allowed(&switch));
    assert!(switch.signal_and_wait(libc::SIGTERM).success());

    let mut chosen = Switch::start(&config, &[("MIMALLOC_ALLOW_THP", "1")]);
    assert!(huge_pages_allowed(&chosen));
    assert!(chosen.signal_and_wait(libc::SIGTERM).success());
}

/// `switch`'s resident memory in MB (`VmRSS`).
fn resident_mb(switch: &Switch) -> u64 {
    let kb: u64 = status_field(switch, "VmRSS")
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("VmRSS in kB");
    kb / 1024
}

/// What a first start of serve holds idle, by `MIMALLOC_PURGE_DELAY`
/// (none: serve's own choice).
fn idle_after_first_start(purge_delay: Option<&str>) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut command = Switch::command(&config, &[]);
    command.env_remove("MIMALLOC_PURGE_DELAY");
    if let Some(delay) = purge_delay {
        command.env("MIMALLOC_PURGE_DELAY", delay);
    }
    // Started: its listeners are logged after `loaded`.
    let mut switch = Switch::spawn(command);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let resident = resident_mb(&switch);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    resident
}

#[test]
fn serve_gives_freed_pages_back_at_once_unless_the_operator_chose_a_purge_delay() {
    // The start frees tens of MB (password hashes, the store's opening);
    // kept for mimalloc's default second, most are still resident.
    let chosen = idle_after_first_start(Some("1000"));
    let own = idle_after_first_start(None);
    assert!(
        own + 10 < chosen,
        "idle after start: {own} MB by serve's choice, {chosen} MB with mimalloc's default purge delay"
    );
}

#[test]
fn a_bad_config_stops_serve_before_the_data_directory_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
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
