//! Kannel as a UCP/EMI customer, a peer nobody here wrote: Debian's
//! bearerbox with an `smsc = emi` group logging in to pasarela's
//! `[ucp] listen` as the demo account, and an smsbox taking
//! `/cgi-bin/sendsms`. Texts sent through Kannel (GSM, UCS-2 with
//! `coding=2`, a 3-part long text Kannel cuts itself) go to the switch's
//! `ucp` gateway and `pasarela sim-smsc --protocol ucp`, whose 9999 number
//! sends each back: it comes to Kannel as an MO (52) and smsbox hands it to
//! this test's HTTP server, so the text that reached the upstream
//! simulator is seen whole. A message to a number the simulator delivers
//! comes back as a notification (53) that fires Kannel's dlr-url with the
//! delivered status. A wrong password is refused: bearerbox logs the
//! rejected login and no message passes. Kannel itself is
//! `tests/common/kannel.rs`'s.

use std::net::SocketAddr;
use std::path::Path;

use crate::common::{Switch, write_config_without_account_tps};
use crate::kannel;
use crate::raw::SOURCE;
use crate::sim::Sim;

const LOGIN: &str = "pasarela";
const PASSWORD: &str = "secret";

fn upstream() -> Sim {
    Sim::start(&[
        "--protocol",
        "ucp",
        "--dlr-delay-ms",
        "20",
        "--system-id",
        LOGIN,
        "--password",
        PASSWORD,
    ])
}

/// The switch with `[ucp] listen`, its `34` route to a `ucp` gateway at
/// `upstream`, and the MO to [`SOURCE`] for `demo`.
fn switch(dir: &Path, upstream: SocketAddr) -> Switch {
    let extra = format!(
        r#"
[ucp]
listen = "127.0.0.1:0"

[[gateways]]
name = "emi-a"
kind = "ucp"
host = "127.0.0.1"
port = {port}
login = "{LOGIN}"
password = "{PASSWORD}"
window = 16

[[routes]]
prefix = "34"
gateways = ["emi-a"]
price = "1.00"

[[mo_routes]]
number = "{SOURCE}"
account = "demo"
"#,
        port = upstream.port()
    );
    Switch::start(&write_config_without_account_tps(dir, &extra), &[])
}

/// The smsc group logging in to `ucp` as `demo` with `password`.
fn emi(ucp: SocketAddr, password: &str) -> String {
    format!(
        "smsc = emi
smsc-id = pasarela
host = 127.0.0.1
port = {port}
smsc-username = demo
smsc-password = {password}
keepalive = 5
window = 10
reconnect-delay = 1",
        port = ucp.port()
    )
}

#[test]
fn kannel_sends_through_the_ucp_listener_and_gets_receipts_and_mo() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream();
    let switch = switch(dir.path(), upstream.addr);
    let smsc = emi(switch.listener("UCP"), "demo1234");
    let kannel = kannel::sends_and_gets_receipts_and_mo(dir.path(), &switch, &smsc);
    assert!(
        kannel.log("bearerbox.log").contains("EMI2"),
        "{}",
        kannel.logs()
    );
}

#[test]
fn kannel_with_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream();
    let switch = switch(dir.path(), upstream.addr);
    let smsc = emi(switch.listener("UCP"), "wrong123");
    kannel::is_refused(dir.path(), &switch, &smsc, "Server rejected our login");
}
