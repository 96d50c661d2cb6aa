//! The operator's view of one upstream gateway in end-to-end tests:
//! `GET /api/v1/gateways/{name}` with the admin's credentials, a bounded
//! wait until it shows what a test needs, and the usual condition, every
//! bind bound. Uses `http.rs`, which the including test mounts as `http`.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::json;

/// The admin of `common::write_config`'s configuration.
const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));
/// How long [`wait_for`] waits.
const WAIT: Duration = Duration::from_secs(20);

/// The gateway's view, which must be there.
pub fn view(address: SocketAddr, name: &str) -> Value {
    let answer = json(
        address,
        "GET",
        &format!("/api/v1/gateways/{name}"),
        ADMIN,
        None,
    );
    assert_eq!(answer.status, 200, "{name}: {}", answer.body);
    answer.body
}

/// Polls the view until `done` says so (bounded); returns what it saw last.
pub fn wait_for(address: SocketAddr, name: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let seen = view(address, name);
        if done(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "{name} still {seen}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Up, with every bind bound.
pub fn bound(gateway: &Value) -> bool {
    gateway["up"] == true
        && gateway["binds"]
            .as_array()
            .is_some_and(|binds| binds.iter().all(|bind| bind["state"] == "bound"))
}
