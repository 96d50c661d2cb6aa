//! Supervision that really supervises: with the test-only fault hooks armed,
//! the account actor panics on one submit and the simulator gateway on one
//! delivery while traffic flows. Both come back: the submit that hit the
//! panic is refused (ESME_RSYSERR, never acknowledged), every other message
//! is acknowledged and gets its DELIVRD receipt (the one the gateway dropped
//! is routed again), and the credit charged is exactly one price per
//! acknowledged message.

use crate::common;
use std::process::Command;

use common::{Switch, write_config};
use pasarela::model::{AccountId, Money};
use pasarela::store::{Store, StoreConfig};

const MESSAGES: usize = 40;

#[test]
fn panicking_account_and_gateway_come_back_without_losing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut switch = Switch::start(
        &config,
        &[
            ("PASARELA_FAULT_ACCOUNT_PANIC_AT", "10"),
            ("PASARELA_FAULT_GATEWAY_PANIC_AT", "20"),
        ],
    );
    let output = Command::new("python3")
        .arg("scripts/interop/smpplib_load.py")
        .arg(switch.smpp.ip().to_string())
        .arg(switch.smpp.port().to_string())
        .args(["demo", "demo1234", &MESSAGES.to_string()])
        .output()
        .expect("python3 runs (scripts/test.sh installs smpplib)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let acknowledged = summary["acknowledged"].as_array().unwrap();
    assert_eq!(
        summary["refused"]["8"], 1,
        "the submit that hit the panic is refused with ESME_RSYSERR: {summary}"
    );
    assert_eq!(acknowledged.len(), MESSAGES - 1, "{summary}");
    let receipts = summary["receipts"].as_object().unwrap();
    for id in acknowledged {
        assert_eq!(
            receipts.get(id.as_str().unwrap()).and_then(|s| s.as_str()),
            Some("DELIVRD"),
            "message {id}: {summary}"
        );
    }

    switch.kill();
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let balance = store
        .account_balance(&AccountId::new("demo").unwrap())
        .unwrap()
        .unwrap();
    let charged = Money::from_units(1)
        .unwrap()
        .checked_mul(u32::try_from(acknowledged.len()).unwrap())
        .unwrap();
    assert_eq!(
        Some(balance),
        "1000.00".parse::<Money>().unwrap().checked_sub(charged)
    );
}
