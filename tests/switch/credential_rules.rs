//! Rules on credentials (docs/security.md): only the password manages API
//! keys; a new password disconnects the account's sessions and ends its
//! cached HTTP logins; a callback_secret is at least 16 characters, in the
//! file and in the admin API; a system_id carrying CR/LF is logged on one
//! escaped line.

use crate::{common, http, raw};
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use http::{json as http, with_headers};
use pasarela::smpp::pdu;
use pasarela::smpp::{CommandId, CommandStatus};
use raw::{Raw, WAIT};
use serde_json::json;

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));

fn start(extra: &str) -> (tempfile::TempDir, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), extra), &[]);
    (dir, switch)
}

/// A request authenticated by `key` as a Bearer token.
fn with_key(switch: &Switch, method: &str, path: &str, key: &str) -> http::Answer {
    let bearer = format!("Bearer {key}");
    with_headers(
        switch.http,
        method,
        path,
        &[("Authorization", &bearer)],
        "application/json",
        "",
    )
}

#[test]
fn only_the_password_makes_and_revokes_keys_but_a_key_may_revoke_itself() {
    let (_dir, switch) = start("");
    let made = |auth| http(switch.http, "POST", "/api/v1/keys", auth, None);
    let first = made(DEMO);
    assert_eq!(first.status, 201, "{}", first.text);
    let second = made(DEMO);
    assert_eq!(second.status, 201, "{}", second.text);
    let key = first.body["key"].as_str().unwrap();

    let by_key = with_key(&switch, "POST", "/api/v1/keys", key);
    assert_eq!(by_key.status, 403, "{}", by_key.text);
    assert!(
        by_key.body["detail"].as_str().unwrap().contains("password"),
        "{}",
        by_key.body
    );
    let others = format!("/api/v1/keys/{}", second.body["id"].as_str().unwrap());
    assert_eq!(with_key(&switch, "DELETE", &others, key).status, 403);
    // A key still reads, and lists.
    assert_eq!(with_key(&switch, "GET", "/api/v1/keys", key).status, 200);
    let listed = http(switch.http, "GET", "/api/v1/keys", DEMO, None);
    assert_eq!(listed.body["keys"].as_array().unwrap().len(), 2);

    let own = format!("/api/v1/keys/{}", first.body["id"].as_str().unwrap());
    assert_eq!(with_key(&switch, "DELETE", &own, key).status, 204);
    assert_eq!(http(switch.http, "DELETE", &others, DEMO, None).status, 204);
}

#[test]
fn a_new_password_disconnects_bound_sessions_and_ends_cached_logins() {
    let (_dir, switch) = start("");
    let mut bound = Raw::connect(switch.smpp);
    assert_eq!(
        bound.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    // Twice: the second is answered from the cache of accepted logins.
    for _ in 0..2 {
        assert_eq!(
            http(switch.http, "GET", "/api/v1/balance", DEMO, None).status,
            200
        );
    }

    let changed = http(
        switch.http,
        "PATCH",
        "/api/v1/accounts/demo",
        ADMIN,
        Some(&json!({"password": "newpass1"})),
    );
    assert_eq!(changed.status, 200, "{}", changed.text);

    // The bound session is asked to unbind, then closed.
    let deadline = Instant::now() + WAIT;
    let unbind = loop {
        let command = bound.recv(Duration::from_millis(100));
        if let Some(command) = command.filter(|command| command.id() == CommandId::Unbind) {
            break command;
        }
        assert!(Instant::now() < deadline, "no unbind after the change");
    };
    bound.send(&pdu::header_only(
        CommandId::UnbindResp,
        CommandStatus::EsmeRok,
        unbind.sequence_number(),
    ));
    assert!(bound.is_closed_within(WAIT));

    let old = http(switch.http, "GET", "/api/v1/balance", DEMO, None);
    assert_eq!(old.status, 401, "{}", old.text);
    let new = Some(("demo", "newpass1"));
    assert_eq!(
        http(switch.http, "GET", "/api/v1/balance", new, None).status,
        200
    );
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRinvpaswd
    );
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "demo", "newpass1"),
        CommandStatus::EsmeRok
    );
}

#[test]
fn a_callback_secret_shorter_than_16_characters_is_refused_in_the_file_and_the_api() {
    use pasarela::config::Config;
    let account = |secret: &str| {
        format!(
            "[[accounts]]\nsystem_id = \"hooks\"\npassword = \"hooks123\"\ncallback_secret = \"{secret}\"\n"
        )
    };
    let parse = |source: &str| Config::parse(source, std::path::Path::new("test.toml"));
    let error = parse(&account("fifteen-chars-x")).unwrap_err().to_string();
    assert!(
        error.contains("test.toml:4: accounts[0].callback_secret: must be at least 16 characters"),
        "{error}"
    );
    assert!(parse(&account("sixteen-chars-xx")).is_ok());

    let (_dir, switch) = start("");
    for (method, path, body) in [
        (
            "POST",
            "/api/v1/accounts",
            json!({"system_id": "acme", "password": "acme1234", "callback_secret": "short"}),
        ),
        (
            "PATCH",
            "/api/v1/accounts/demo",
            json!({"callback_secret": "fifteen-chars-x"}),
        ),
    ] {
        let refused = http(switch.http, method, path, ADMIN, Some(&body));
        assert_eq!(refused.status, 400, "{method} {path}: {}", refused.text);
        assert_eq!(refused.body["field"], "callback_secret");
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap()
                .contains("at least 16 characters"),
            "{}",
            refused.body
        );
    }
    let accepted = http(
        switch.http,
        "PATCH",
        "/api/v1/accounts/demo",
        ADMIN,
        Some(&json!({"callback_secret": "sixteen-chars-xx"})),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.text);
}

#[test]
fn a_system_id_with_cr_lf_is_logged_escaped_on_one_line() {
    let (_dir, switch) = start("");
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "x\r\nFORGED line", "pw"),
        CommandStatus::EsmeRinvsysid
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let log = switch.log.lock().unwrap().clone();
        if let Some(line) = log.iter().find(|line| line.contains("unknown system_id")) {
            assert!(line.contains(r"x\r\nFORGED line"), "{line:?}");
            assert!(
                !log.iter().any(|line| line.starts_with("FORGED")),
                "{log:#?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "not logged: {log:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
