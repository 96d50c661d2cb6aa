//! API keys over real HTTP against `pasarela serve`: a customer makes a
//! key (shown once), uses it as a Bearer token or an `X-API-Key` header
//! instead of Basic credentials, lists and revokes it; a revoked or made-up
//! key is refused, another account can neither see nor revoke it, and keys
//! survive a restart.

use crate::{common, http};
use std::net::SocketAddr;

use common::{Switch, write_config};
use http::{Answer, json as http, with_headers};
use serde_json::json;

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
const OTHER: Option<(&str, &str)> = Some(("other", "other123"));

const OTHER_ACCOUNT: &str = r#"
[[accounts]]
system_id = "other"
password = "other123"
credit = "10.00"
"#;

/// A GET with the key in `header` ("Authorization" as Bearer, or "X-API-Key").
fn with_key(address: SocketAddr, path: &str, header: &str, key: &str) -> Answer {
    let value = if header == "Authorization" {
        format!("Bearer {key}")
    } else {
        key.to_string()
    };
    with_headers(
        address,
        "GET",
        path,
        &[(header, &value)],
        "application/json",
        "",
    )
}

#[test]
fn a_key_stands_in_for_the_password_until_it_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), OTHER_ACCOUNT);
    let mut switch = Switch::start(&config, &[]);

    let created = http(
        switch.http,
        "POST",
        "/api/v1/keys",
        DEMO,
        Some(&json!({"label": "billing server"})),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.body["key"].as_str().unwrap().to_string();
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(key.starts_with("pk_") && key.len() == 3 + 43, "{key}");
    assert_eq!(created.body["label"], "billing server");

    // Either header works, for reading and for sending.
    for header in ["Authorization", "X-API-Key"] {
        let balance = with_key(switch.http, "/api/v1/balance", header, &key);
        assert_eq!(balance.status, 200, "{}", balance.text);
        assert_eq!(balance.body["account"], "demo");
    }
    let body = json!({"to": "+34600000001", "from": "Shop", "text": "hi"}).to_string();
    let sent = with_headers(
        switch.http,
        "POST",
        "/api/v1/messages",
        &[("X-API-Key", &key)],
        "application/json",
        &body,
    );
    assert_eq!(sent.status, 202, "{}", sent.text);

    // Listed without the key itself; invisible to another account.
    let listed = http(switch.http, "GET", "/api/v1/keys", DEMO, None);
    assert_eq!(listed.status, 200);
    let keys = listed.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{}", listed.body);
    assert_eq!(keys[0]["id"], id.as_str());
    assert_eq!(keys[0]["label"], "billing server");
    assert!(keys[0].get("key").is_none(), "{}", listed.body);
    assert_eq!(
        http(switch.http, "GET", "/api/v1/keys", OTHER, None).body,
        json!({"keys": []})
    );
    let path = format!("/api/v1/keys/{id}");
    assert_eq!(http(switch.http, "DELETE", &path, OTHER, None).status, 404);

    // A made-up key, and none at all.
    let forged = format!("pk_{}", "A".repeat(43));
    assert_eq!(
        with_key(switch.http, "/api/v1/balance", "Authorization", &forged).status,
        401
    );
    assert_eq!(
        http(switch.http, "GET", "/api/v1/balance", None, None).status,
        401
    );

    // Keys are stored: a restart keeps them.
    switch.kill();
    let switch = Switch::start(&config, &[]);
    assert_eq!(
        with_key(switch.http, "/api/v1/balance", "X-API-Key", &key).status,
        200
    );

    // The key may revoke itself; then it is refused at once.
    let revoked = with_headers(
        switch.http,
        "DELETE",
        &path,
        &[("Authorization", &format!("Bearer {key}"))],
        "application/json",
        "",
    );
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let refused = with_key(switch.http, "/api/v1/balance", "Authorization", &key);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body["detail"], "unknown or revoked API key");
    assert_eq!(http(switch.http, "DELETE", &path, DEMO, None).status, 404);
    assert_eq!(
        http(switch.http, "GET", "/api/v1/keys", DEMO, None).body,
        json!({"keys": []})
    );
}

#[test]
fn a_key_request_is_checked_like_the_other_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let long = json!({"label": "x".repeat(101)});
    let refused = http(switch.http, "POST", "/api/v1/keys", DEMO, Some(&long));
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["field"], "label");
    let unknown = json!({"lable": "typo"});
    assert_eq!(
        http(switch.http, "POST", "/api/v1/keys", DEMO, Some(&unknown)).status,
        400
    );
    // No body: a key without a label.
    let created = http(switch.http, "POST", "/api/v1/keys", DEMO, None);
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["label"], "");
    assert_eq!(
        http(switch.http, "POST", "/api/v1/keys", None, None).status,
        401
    );
}
