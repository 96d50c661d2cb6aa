//! The OpenAPI document served at `/api/v1/openapi.json` against the routes
//! that exist, both ways: every operation it documents is served (a request
//! reaches a handler, not the "no such endpoint" fallback), every route
//! registered in actors/web/ (a handler's `#[get("PATH")]`-style attribute,
//! or a `.route("PATH", web::METHOD()` call) is documented with its method,
//! and the document says who may call each one as the handlers decide it.
//! The document is also checked to be OpenAPI 3.1 in its structure.

use std::collections::BTreeSet;

use crate::common::{Switch, write_config};
use crate::http;
use serde_json::{Value, json};

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

/// The string literal `text` starts with, and what follows it.
fn literal(text: &str) -> Option<(&str, &str)> {
    text.trim_start().strip_prefix('"')?.split_once('"')
}

/// (method, path) of every route registered in actors/web/: handler
/// attributes `#[get("PATH")]` (and post, put, patch, delete) and
/// `.route("PATH", web::METHOD()` calls, comments left out.
fn registered() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir("actors/web").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        // Code only: a comment may show an attribute without making a route.
        let source: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| format!("{line}\n"))
            .collect();
        for method in METHODS {
            for attribute in source.split(&format!("#[{method}(")).skip(1) {
                let (route, _) = literal(attribute).unwrap_or_else(|| {
                    panic!("{}: #[{method}(...)] without a path", path.display())
                });
                routes.insert((method.to_string(), route.to_string()));
            }
        }
        for call in source.split(".route(").skip(1) {
            let Some((route, rest)) = literal(call) else {
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

/// Every `$ref` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(target)) = object.get("$ref") {
                found.push(target.clone());
            }
            object.values().for_each(|value| references(value, found));
        }
        Value::Array(items) => items.iter().for_each(|value| references(value, found)),
        _ => {}
    }
}

/// The structure OpenAPI 3.1 asks for: its version, an info with a title
/// and a version, operations each with responses keyed by status, path
/// parameters declared, security requirements naming declared schemes,
/// and every reference resolving inside the document.
fn check_structure(document: &Value) {
    assert_eq!(document["openapi"], "3.1.0");
    let info = &document["info"];
    assert!(
        info["title"]
            .as_str()
            .is_some_and(|title| !title.is_empty())
    );
    assert!(
        info["version"]
            .as_str()
            .is_some_and(|version| !version.is_empty())
    );
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    for (path, item) in document["paths"].as_object().expect("paths") {
        assert!(path.starts_with('/'), "{path}");
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let responses = operation["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} has no responses"));
            assert!(!responses.is_empty(), "{method} {path} has no responses");
            for status in responses.keys() {
                let code = status.parse::<u16>();
                assert!(
                    code.is_ok_and(|code| (100..600).contains(&code)),
                    "{method} {path}: response {status}"
                );
            }
            for (index, _) in path.match_indices('{') {
                let rest = &path[index + 1..];
                let name = &rest[..rest.find('}').expect("a closing brace")];
                let declared = operation["parameters"].as_array().is_some_and(|params| {
                    params
                        .iter()
                        .any(|param| param["in"] == "path" && param["name"] == *name)
                });
                assert!(declared, "{method} {path}: path parameter {name}");
            }
            for requirement in operation["security"].as_array().into_iter().flatten() {
                for scheme in requirement.as_object().expect("a requirement").keys() {
                    assert!(schemes.contains_key(scheme), "{method} {path}: {scheme}");
                }
            }
        }
    }
    let mut found = Vec::new();
    references(document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{target} is not inside the document"));
        assert!(
            document.pointer(pointer).is_some(),
            "{target} resolves to nothing"
        );
    }
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
    check_structure(&document);

    let documented = documented(&document);
    let registered = registered();
    assert!(
        registered.len() >= 40,
        "the route scan found {registered:?}"
    );
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(
        unregistered.is_empty(),
        "documented routes no handler registers: {unregistered:?}"
    );

    // A body a send would take, so that the endpoints reading their body
    // before the caller get as far as the caller.
    let body = json!({"to": "+34600123456", "from": "Shop", "text": "hello"});
    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", "1")
            .replace("{index}", "0")
            .replace("{name}", "sim")
            .replace("{number}", "12345")
            .replace("{keyword}", "info")
            .replace("{ours}", "12345")
            .replace("{theirs}", "34600111222");
        let answer = http::json(
            switch.http,
            &method.to_uppercase(),
            &concrete,
            None,
            Some(&body),
        );
        let fallback = answer.status == 404 && answer.text.contains("no such endpoint");
        assert!(
            !fallback && answer.status != 405,
            "{method} {path} is documented but not served: {} {}",
            answer.status,
            answer.text
        );
        let secured = document["paths"][path][method]["security"]
            .as_array()
            .is_some_and(|requirements| !requirements.is_empty());
        if secured {
            assert_eq!(
                answer.status, 401,
                "{method} {path} documents credentials but answered {}",
                answer.text
            );
            assert!(answer.headers.contains("www-authenticate: basic"));
        } else {
            assert_ne!(
                answer.status, 401,
                "{method} {path} asks for credentials it does not document"
            );
        }
    }
}
