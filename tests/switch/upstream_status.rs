//! The operator's live view of the upstream gateways over real HTTP on
//! 127.0.0.1: `GET /api/v1/gateways` and `GET /api/v1/gateways/{name}`
//! against `pasarela serve`, whose `smpp` gateways bind to `pasarela
//! sim-smsc` children: bind states (bound, bad credentials), the queue
//! filling and draining under a TPS limit with the measured rate, the
//! window, the last error; and the admin credentials it needs. Every wait
//! is bounded.

use crate::{common, gateway_view, http, raw, sim};
use std::net::SocketAddr;

use common::{Switch, smpp_gateway, write_config_without_account_tps};
use gateway_view::wait_for;
use http::json as http;
use pasarela::smpp::{CommandId, CommandStatus};
use raw::Raw;
use serde_json::Value;
use sim::Sim;

const ADMIN: Option<(&str, &str)> = Some(("admin", "change-me"));

/// Two `smpp` gateways: `operator-a`, two transmitter + receiver pairs at
/// 20 parts a second, which the `34` route uses, and `operator-b`, whose
/// SMSC refuses its password. No account TPS.
fn config(dir: &std::path::Path, good: SocketAddr, refusing: SocketAddr) -> std::path::PathBuf {
    let extra = format!(
        "{a}{b}\n[[routes]]\nprefix = \"34\"\ngateways = [\"operator-a\"]\nprice = \"1.00\"\n",
        a = smpp_gateway(
            "operator-a",
            good,
            "bind = \"pair\"\nsessions = 2\ntps = 20"
        ),
        b = smpp_gateway("operator-b", refusing, ""),
    );
    write_config_without_account_tps(dir, &extra)
}

fn states(gateway: &Value) -> Vec<&str> {
    gateway["binds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bind| bind["state"].as_str().unwrap())
        .collect()
}

#[test]
fn the_operator_sees_binds_queue_rate_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = Sim::start(&["--dlr-delay-ms", "20"]);
    let refusing = Sim::start(&["--password", "right"]);
    let switch = Switch::start(&config(dir.path(), good.addr, refusing.addr), &[]);

    let a = wait_for(switch.http, "operator-a", |a| {
        states(a).iter().all(|state| *state == "bound")
    });
    assert_eq!(a["kind"], "smpp");
    assert_eq!(a["up"], true);
    assert_eq!(a["tps_configured"], 20);
    let kinds: Vec<&str> = a["binds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bind| bind["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["transmitter", "receiver", "transmitter", "receiver"]
    );
    let b = wait_for(switch.http, "operator-b", |b| {
        states(b) == ["bad-credentials"]
    });
    assert_eq!(b["up"], false);
    assert_eq!(b["reconnects"], 1);
    let error = b["last_error"].as_str().unwrap();
    assert!(error.contains("bind refused"), "{error}");

    // 60 messages at 20 a second: a queue that drains over 3 s.
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    for n in 0..60 {
        esme.submit(&format!("3460110{n:04}"), 0);
        assert_eq!(esme.expect().status(), CommandStatus::EsmeRok);
    }
    let queued = wait_for(switch.http, "operator-a", |a| {
        a["queue_depth"].as_u64() > Some(10)
    });
    assert!(queued["window_in_use"].as_u64().unwrap() <= 2 * 64);
    let drained = wait_for(switch.http, "operator-a", |a| {
        a["queue_depth"] == 0 && a["window_in_use"] == 0
    });
    // 60 submits in the last 10 s, give or take one at the edge.
    let measured = drained["tps_measured"].as_f64().unwrap();
    assert!((5.8..=6.1).contains(&measured), "{measured}");

    let listed = http(switch.http, "GET", "/api/v1/gateways", ADMIN, None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    let names: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|gateway| gateway["name"].as_str().unwrap())
        .collect();
    // Every gateway of every kind: the shipped file's simulator too.
    assert_eq!(names, ["sim", "operator-a", "operator-b"]);
}

#[test]
fn the_view_needs_the_admin_and_a_gateway_that_exists() {
    let dir = tempfile::tempdir().unwrap();
    let good = Sim::start(&[]);
    let switch = Switch::start(&config(dir.path(), good.addr, good.addr), &[]);
    for path in ["/api/v1/gateways", "/api/v1/gateways/operator-a"] {
        for refused in [Some(("demo", "demo1234")), Some(("admin", "wrong")), None] {
            let answer = http(switch.http, "GET", path, refused, None);
            assert_eq!(answer.status, 401, "{path} {refused:?}: {}", answer.body);
        }
    }
    let missing = http(switch.http, "GET", "/api/v1/gateways/nope", ADMIN, None);
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert!(
        missing.body["detail"].as_str().unwrap().contains("nope"),
        "{}",
        missing.body
    );
}
