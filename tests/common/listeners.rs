//! The switch behind a customer listener of a text protocol, UCP/EMI
//! (`[ucp] listen`) or CIMD2 (`[cimd2] listen`), routing `34` to a gateway
//! of the same protocol at `pasarela sim-smsc`, and what the tests of
//! either listener ask of the admin API: the session listed, then
//! disconnected.

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{ADMIN_PASSWORD, Switch, write_config_without_account_tps};
use crate::http;
use crate::raw::SOURCE;
use crate::sim::Sim;

/// sim-smsc delivers a message to it.
pub const DELIVERED: &str = "34600100001";
/// sim-smsc answers a message to it with an MO from it, same text.
pub const ECHO: &str = "34600109999";
/// The switch's login at the simulator.
const LOGIN: &str = "pasarela";
const PASSWORD: &str = "secret";

/// `pasarela sim-smsc --protocol protocol` (`ucp`, `cimd2`) checking the
/// switch's login, its receipts `dlr_delay_ms` after the submit.
pub fn upstream(protocol: &str, dlr_delay_ms: &str) -> Sim {
    Sim::start(&[
        "--protocol",
        protocol,
        "--dlr-delay-ms",
        dlr_delay_ms,
        "--system-id",
        LOGIN,
        "--password",
        PASSWORD,
    ])
}

/// `[protocol] listen`, a `protocol` gateway to `upstream` for the `34`
/// route, and the MO to [`SOURCE`] for `demo`.
pub fn config(dir: &Path, protocol: &str, upstream: SocketAddr) -> PathBuf {
    let login_key = if protocol == "cimd2" {
        "username"
    } else {
        "login"
    };
    let extra = format!(
        r#"
[{protocol}]
listen = "127.0.0.1:0"

[[gateways]]
name = "upstream"
kind = "{protocol}"
host = "127.0.0.1"
port = {port}
{login_key} = "{LOGIN}"
password = "{PASSWORD}"
window = 16

[[routes]]
prefix = "34"
gateways = ["upstream"]
price = "1.00"

[[mo_routes]]
number = "{SOURCE}"
account = "demo"
"#,
        port = upstream.port()
    );
    write_config_without_account_tps(dir, &extra)
}

/// The id of `demo`'s session listed by the admin API as `bind`.
pub fn listed_session(switch: &Switch, bind: &str) -> u64 {
    let sessions = http::json(
        switch.http,
        "GET",
        "/api/v1/sessions",
        Some(("admin", ADMIN_PASSWORD)),
        None,
    );
    assert_eq!(sessions.status, 200, "{}", sessions.body);
    let session = sessions
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["bind"] == bind)
        .unwrap_or_else(|| panic!("no {bind} session in {}", sessions.body));
    assert_eq!(session["system_id"], "demo");
    session["id"].as_u64().unwrap()
}

/// The operator disconnects session `id`.
pub fn disconnect(switch: &Switch, id: u64) {
    let deleted = http::json(
        switch.http,
        "DELETE",
        &format!("/api/v1/sessions/{id}"),
        Some(("admin", ADMIN_PASSWORD)),
        None,
    );
    assert_eq!(deleted.status, 202, "{}", deleted.body);
}

/// Reads what has come on `stream` (within its read timeout) onto
/// `inbox`; `false` once the switch has closed it.
pub fn read_more(stream: &mut TcpStream, inbox: &mut Vec<u8>) -> bool {
    let mut buffer = [0u8; 4096];
    match stream.read(&mut buffer) {
        Ok(0) => false,
        Ok(n) => {
            inbox.extend_from_slice(&buffer[..n]);
            true
        }
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => true,
        Err(error) => panic!("{error}"),
    }
}

/// Whether the switch closes `stream` within `limit` (what it sends
/// meanwhile is dropped).
pub fn closes_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}
