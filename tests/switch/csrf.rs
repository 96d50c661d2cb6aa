//! Cross-site request forgery: a browser that holds the operator's HTTP
//! Basic login can be made to send a form (url-encoded, multipart or plain
//! text) or a bodiless POST to the switch from any site. None of them
//! changes anything: a POST, PUT or PATCH under `/api/` must say
//! `Content-Type: application/json` and is answered 415 otherwise, before
//! any credential is looked at. Kannel's sendsms still takes forms.

use crate::{common, http};
use std::path::Path;

use base64::Engine as _;
use common::{Switch, write_config};
use http::{Answer, request_with_headers};
use serde_json::json;

const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));

/// A request as a browser sends it for a cross-site form: the operator's
/// cached Basic credentials and `content_type` (none when `None`).
fn forged(
    switch: &Switch,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> Answer {
    let token = base64::engine::general_purpose::STANDARD.encode("admin:change-me");
    let mut headers = vec![("Authorization".to_string(), format!("Basic {token}"))];
    if let Some(content_type) = content_type {
        headers.push(("Content-Type".to_string(), content_type.to_string()));
    }
    request_with_headers(switch.http, method, path, &headers, body.as_bytes())
}

fn start(dir: &Path) -> Switch {
    Switch::start(&write_config(dir, ""), &[])
}

#[test]
fn forms_and_bodiless_posts_from_a_browser_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(dir.path());
    let account = json!({"system_id": "forged", "password": "pw123456", "credit": "5"}).to_string();
    for content_type in [
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("text/plain"),
        None,
    ] {
        let answer = forged(&switch, "POST", "/api/v1/accounts", content_type, &account);
        assert_eq!(answer.status, 415, "{content_type:?}: {}", answer.text);
        assert_eq!(answer.body["status_code"], 415);
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .contains("application/json"),
            "{}",
            answer.text
        );
    }
    let patched = forged(
        &switch,
        "PATCH",
        "/api/v1/accounts/demo",
        Some("text/plain"),
        r#"{"suspended":true}"#,
    );
    assert_eq!(patched.status, 415);
    let stopped = forged(&switch, "POST", "/api/v1/gateways/sim/stop", None, "");
    assert_eq!(stopped.status, 415);

    // Nothing was created, suspended or stopped.
    let accounts = http::json(switch.http, "GET", "/api/v1/accounts", ADMIN, None);
    let names: Vec<&str> = accounts
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["system_id"].as_str())
        .collect();
    assert_eq!(names, ["demo"], "{}", accounts.text);
    let demo = http::json(switch.http, "GET", "/api/v1/accounts/demo", ADMIN, None);
    assert_eq!(demo.body["suspended"], false, "{}", demo.text);
    let sim = http::json(switch.http, "GET", "/api/v1/gateways/sim", ADMIN, None);
    assert_eq!(sim.body["up"], true, "{}", sim.text);

    // The same requests as JSON are taken (charset and case allowed).
    let created = forged(
        &switch,
        "POST",
        "/api/v1/accounts",
        Some("Application/JSON; charset=utf-8"),
        &account,
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let stopped = forged(
        &switch,
        "POST",
        "/api/v1/gateways/sim/stop",
        Some("application/json"),
        "",
    );
    assert_eq!(stopped.status, 200, "{}", stopped.text);
}

#[test]
fn kannel_sendsms_still_takes_a_form() {
    let dir = tempfile::tempdir().unwrap();
    let switch = start(dir.path());
    let answer = http::request(
        switch.http,
        "POST",
        "/cgi-bin/sendsms",
        None,
        "application/x-www-form-urlencoded",
        "username=demo&password=demo1234&from=Shop&to=34600111222&text=hi",
    );
    assert_eq!(answer.status, 202, "{}", answer.text);
}
