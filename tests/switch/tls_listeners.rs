//! TLS everywhere a peer meets the switch, with certificates each test
//! makes (rcgen): SMPP over TLS on `smpp.tls_listen` (a rustls client
//! binds, submits and gets its receipt, beside the plain listener; python
//! smpplib, a client nobody here wrote, does the same through its own TLS
//! socket, scripts/interop/smpplib_esme.py), HTTPS
//! on `web.tls_listen` (curl checks the certificate against the test CA),
//! an smpp gateway with `tls = true` and `tls_ca` delivering through
//! `pasarela sim-smsc --tls-cert/--tls-key`, and a certificate that
//! cannot be used stopping `serve` with a message naming its file.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use pasarela::smpp::pdu::Pdu;
use pasarela::smpp::{CommandId, CommandStatus};

use crate::common::{BINARY, START_TIMEOUT, Switch, write_config};
use crate::esme::Esme;
use crate::raw::Raw;
use crate::sim::Sim;
use crate::tls::TestPki;

/// A destination the simulators deliver (src/simulation.rs).
const DELIVERED: &str = "34600100001";

/// The shipped configuration with TLS listeners for SMPP and HTTPS on
/// port 0 beside the plain ones, presenting `cert` and `key`; `extra`
/// appended.
fn tls_config(dir: &Path, cert: &Path, key: &Path, extra: &str) -> std::path::PathBuf {
    let config = write_config(dir, extra);
    let files = format!("tls_cert = {cert:?}\ntls_key = {key:?}\n");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replacen(
            "[smpp]\n",
            &format!("[smpp]\ntls_listen = \"127.0.0.1:0\"\n{files}"),
            1,
        )
        .replacen(
            "[web]\n",
            &format!("[web]\ntls_listen = \"127.0.0.1:0\"\n{files}"),
            1,
        );
    std::fs::write(&config, text).unwrap();
    config
}

fn receipt_text(command: &pasarela::smpp::Command) -> Option<String> {
    match command.pdu() {
        Some(Pdu::DeliverSm(body)) => {
            Some(String::from_utf8_lossy(body.short_message().as_ref()).into_owned())
        }
        _ => None,
    }
}

#[test]
fn an_esme_binds_submits_and_gets_its_receipt_over_tls_beside_the_plain_listener() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let config = tls_config(dir.path(), &pki.cert, &pki.key, "");
    let switch = Switch::start(&config, &[]);
    let address = switch.listener("SMPP over TLS");

    let mut esme = Raw::with(pki.connect(address));
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    let seq = esme.submit(DELIVERED, 1);
    let answer = esme.expect();
    assert_eq!(
        (answer.id(), answer.sequence_number(), answer.status()),
        (CommandId::SubmitSmResp, seq, CommandStatus::EsmeRok)
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let receipt = loop {
        assert!(Instant::now() < deadline, "no receipt over TLS");
        if let Some(text) = esme
            .recv(Duration::from_millis(200))
            .as_ref()
            .and_then(receipt_text)
        {
            break text;
        }
    };
    assert!(receipt.contains("stat:DELIVRD"), "{receipt}");

    let mut plain = Raw::connect(switch.smpp);
    assert_eq!(
        plain.bind(CommandId::BindTransmitter, "demo", "demo1234"),
        CommandStatus::EsmeRok,
        "the plain listener stays"
    );
}

#[test]
fn healthz_answers_over_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let config = tls_config(dir.path(), &pki.cert, &pki.key, "");
    let switch = Switch::start(&config, &[]);
    let https = switch.listener("HTTPS");
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10", "--cacert"])
        .arg(&pki.ca)
        .arg(format!("https://localhost:{}/healthz", https.port()))
        .output()
        .expect("curl runs");
    let body = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    // A client that does not trust the test CA is refused in the handshake.
    let untrusted = Command::new("curl")
        .args(["--silent", "--max-time", "10"])
        .arg(format!("https://localhost:{}/healthz", https.port()))
        .env("CURL_CA_BUNDLE", "/dev/null")
        .output()
        .expect("curl runs");
    assert!(!untrusted.status.success());
}

#[test]
fn an_smpp_gateway_with_tls_delivers_through_a_tls_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let (cert, key) = (pki.cert.to_str().unwrap(), pki.key.to_str().unwrap());
    let sim = Sim::start(&["--dlr-delay-ms", "20", "--tls-cert", cert, "--tls-key", key]);
    let gateway = crate::common::smpp_gateway(
        "operator-a",
        sim.addr,
        &format!("tls = true\ntls_ca = {:?}", pki.ca),
    );
    let extra = format!(
        "{gateway}\n[[routes]]\nprefix = \"34\"\ngateways = [\"operator-a\"]\nprice = \"1.00\"\n"
    );
    let switch = Switch::start(&write_config(dir.path(), &extra), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let id = esme.submit(crate::raw::hello(DELIVERED, 1));
    let receipt = esme.receipt(&id, Duration::from_secs(30));
    assert_eq!(receipt.stat, "DELIVRD", "sim log: {:?}", sim.log_lines());
    assert!(
        sim.log_lines().iter().any(|line| line.contains("TLS")),
        "the simulator spoke TLS: {:?}",
        sim.log_lines()
    );
}

/// `serve` with `config`: it must exit non-zero (bounded); its stderr.
fn refused_start(config: &Path) -> String {
    let mut child = Command::new(BINARY)
        .args(["serve", "--config"])
        .arg(config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + START_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("serve did not stop on an unusable certificate");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    stderr
}

#[test]
fn a_key_that_is_not_the_certificates_or_a_missing_file_stops_serve_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let stderr = refused_start(&tls_config(dir.path(), &pki.cert, &pki.other_key, ""));
    let key = pki.other_key.display().to_string();
    assert!(
        stderr.contains(&format!(
            "smpp.tls_key {key} does not go with the certificate"
        )),
        "{stderr}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "stopped before the data directory was touched"
    );

    let missing = dir.path().join("missing.pem");
    let stderr = refused_start(&tls_config(dir.path(), &missing, &pki.key, ""));
    assert!(
        stderr.contains(&format!("smpp.tls_cert {}", missing.display())),
        "{stderr}"
    );
}

#[test]
fn python_smpplib_binds_submits_and_gets_every_receipt_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::new(dir.path());
    let config = tls_config(dir.path(), &pki.cert, &pki.key, "");
    let switch = Switch::start(&config, &[]);
    let address = switch.listener("SMPP over TLS");
    let output = Command::new("python3")
        .arg("scripts/interop/smpplib_esme.py")
        .arg(address.ip().to_string())
        .arg(address.port().to_string())
        .args(["demo", "demo1234"])
        .arg(&pki.ca)
        .output()
        .expect("python3 runs (scripts/test.sh installs smpplib)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "smpplib client over TLS failed:\n{stdout}\n{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["tls"], true);
    assert_eq!(summary["receipts"].as_object().unwrap().len(), 5);
}
