//! Shipped credentials never face a network: `serve` refuses to start when
//! a listener is beyond loopback while the admin password is a shipped
//! default or short, or an account keeps the demo password, naming each
//! key and line; `check-config` says the same; the admin API never gives
//! an account a shipped password. The refused start binds nothing.

use crate::{common, http};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::{ADMIN_PASSWORD, BINARY, Switch, write_config};
use serde_json::json;

/// The tests' configuration with the SMPP listener on every interface.
fn exposed(dir: &Path, admin_password: &str, demo_password: &str) -> std::path::PathBuf {
    let path = write_config(dir, "");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("listen = \"127.0.0.1:0\"", "listen = \"0.0.0.0:0\"", 1)
        .replace(
            &format!("admin_password = {ADMIN_PASSWORD:?}"),
            &format!("admin_password = {admin_password:?}"),
        )
        .replace(
            "password = \"demo1234\"",
            &format!("password = {demo_password:?}"),
        );
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `pasarela <args> <config>` to its end (bounded).
fn run(args: &[&str], config: &Path) -> Output {
    let mut child = Command::new(BINARY)
        .args(args)
        .arg(config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "{args:?} did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_exposed_listener_with_shipped_credentials_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = exposed(dir.path(), ADMIN_PASSWORD, "demo1234");
    let serve = run(&["serve", "--config"], &config);
    assert!(!serve.status.success());
    let said = String::from_utf8_lossy(&serve.stderr);
    assert!(said.contains("web.admin_password"), "{said}");
    assert!(said.contains("accounts[0].password"), "{said}");
    assert!(
        said.contains("smpp.listen = \"0.0.0.0:0\" is not a loopback address"),
        "{said}"
    );
    assert!(!said.contains("listening"), "nothing was opened: {said}");
    let check = run(&["check-config"], &config);
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stderr).contains("web.admin_password"));

    let short = exposed(dir.path(), "elevenchars", "k8Jq2mZx");
    let check = run(&["check-config"], &short);
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success());
    assert!(said.contains("has 11 characters"), "{said}");

    let fit = exposed(dir.path(), "a-long-enough-one", "k8Jq2mZx");
    let check = run(&["check-config"], &fit);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_admin_api_never_gives_an_account_a_shipped_password() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let admin = Some(("admin", ADMIN_PASSWORD));
    let created = http::json(
        switch.http,
        "POST",
        "/api/v1/accounts",
        admin,
        Some(&json!({"system_id": "acme", "password": "Demo1234"})),
    );
    assert_eq!(created.status, 400, "{}", created.text);
    assert_eq!(created.body["field"], "password");
    let changed = http::json(
        switch.http,
        "PATCH",
        "/api/v1/accounts/demo",
        admin,
        Some(&json!({"password": "secret"})),
    );
    assert_eq!(changed.status, 400, "{}", changed.text);
    let chosen = http::json(
        switch.http,
        "PATCH",
        "/api/v1/accounts/demo",
        admin,
        Some(&json!({"password": "k8Jq2mZx"})),
    );
    assert_eq!(chosen.status, 200, "{}", chosen.text);
}
