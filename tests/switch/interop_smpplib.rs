//! Interoperability: python smpplib, an SMPP client nobody here wrote
//! (installed by scripts/test.sh), binds to a real `pasarela serve` and sends
//! GSM-7, UCS-2 and 3-part concatenated messages; every part is
//! acknowledged and comes back as a DELIVRD receipt, and a wrong password
//! gets ESME_RINVPASWD. The client's assertions are in
//! scripts/interop/smpplib_esme.py; its JSON summary is checked here too.

use crate::common;
use std::process::Command;

use common::{Switch, write_config};

#[test]
fn smpplib_binds_submits_and_gets_every_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let switch = Switch::start(&config, &[]);
    let output = Command::new("python3")
        .arg("scripts/interop/smpplib_esme.py")
        .arg(switch.smpp.ip().to_string())
        .arg(switch.smpp.port().to_string())
        .args(["demo", "demo1234"])
        .output()
        .expect("python3 runs (scripts/test.sh installs smpplib)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "smpplib client failed:\n{stdout}\n{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["wrong_password_status"], 0x0E);
    assert_eq!(summary["parts_sent"], 5);
    assert_eq!(summary["receipts"].as_object().unwrap().len(), 5);
}
