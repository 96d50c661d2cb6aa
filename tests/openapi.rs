//! The OpenAPI document served at `/api/v1/openapi.json` against the routes
//! that exist, both ways: every operation it documents is served (a request
//! reaches a handler, not the "no such endpoint" fallback), and every route
//! registered in actors/web/ (written `.route("PATH", web::METHOD()`) is
//! documented with its method.

#![cfg(feature = "runtime")]

mod common;
#[path = "common/http.rs"]
mod http;

use std::collections::BTreeSet;

use common::{Switch, write_config};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (method, path) of every operation in the document.
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(move |method| (method.to_string(), path.clone()))
        })
        .collect()
}

/// (method, path) of every `.route("PATH", web::METHOD()` in actors/web/.
fn registered() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir("actors/web").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for call in source.split(".route(").skip(1) {
            let call = call.trim_start();
            let Some(rest) = call.strip_prefix('"') else {
                continue;
            };
            let Some((route, rest)) = rest.split_once('"') else {
                continue;
            };
            let method = rest
                .trim_start_matches([',', ' ', '\n'])
                .strip_prefix("web::")
                .and_then(|rest| rest.split_once("()"))
                .map(|(method, _)| method.to_string())
                .unwrap_or_else(|| {
                    panic!("{}: route {route} without web::METHOD()", path.display())
                });
            routes.insert((method, route.to_string()));
        }
    }
    routes
}

#[test]
fn the_document_lists_exactly_the_routes_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let switch = Switch::start(&config, &[]);

    let answer = http::json(switch.http, "GET", "/api/v1/openapi.json", None, None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.headers.contains("content-type: application/json"));
    let document = answer.body;
    assert_eq!(document["openapi"], "3.1.0");

    let documented = documented(&document);
    let registered = registered();
    assert!(registered.len() >= 6, "the route scan found {registered:?}");
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );

    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", "1")
            .replace("{index}", "0")
            .replace("{name}", "sim");
        let answer = http::json(switch.http, &method.to_uppercase(), &concrete, None, None);
        let fallback = answer.status == 404 && answer.text.contains("no such endpoint");
        assert!(
            !fallback && answer.status != 405,
            "{method} {path} is documented but not served: {} {}",
            answer.status,
            answer.text
        );
    }
}
