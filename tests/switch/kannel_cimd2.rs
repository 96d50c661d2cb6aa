//! Kannel as a CIMD2 customer, a peer nobody here wrote: Debian's
//! bearerbox with an `smsc = cimd2` group logging in to pasarela's
//! `[cimd2] listen` as the demo account, and an smsbox taking
//! `/cgi-bin/sendsms`. Texts sent through Kannel (GSM, UCS-2 with
//! `coding=2`, a 3-part long text Kannel cuts itself) go to the switch's
//! `cimd2` gateway and `pasarela sim-smsc --protocol cimd2`, whose 9999
//! number sends each back: it comes to Kannel as a deliver message (20)
//! and smsbox hands it to this test's HTTP server, so the text that
//! reached the upstream simulator is seen whole. A message to a number the
//! simulator delivers comes back as a status report (23) that fires
//! Kannel's dlr-url with the delivered status. A wrong password is
//! refused: bearerbox logs the rejected login and no message passes. Kannel itself is
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
        "cimd2",
        "--dlr-delay-ms",
        "20",
        "--system-id",
        LOGIN,
        "--password",
        PASSWORD,
    ])
}

/// The switch with `[cimd2] listen`, its `34` route to a `cimd2` gateway at
/// `upstream`, and the MO to [`SOURCE`] for `demo`.
fn switch(dir: &Path, upstream: SocketAddr) -> Switch {
    let extra = format!(
        r#"
[cimd2]
listen = "127.0.0.1:0"

[[gateways]]
name = "cimd-a"
kind = "cimd2"
host = "127.0.0.1"
port = {port}
username = "{LOGIN}"
password = "{PASSWORD}"
window = 16

[[routes]]
prefix = "34"
gateways = ["cimd-a"]
price = "1.00"

[[mo_routes]]
number = "{SOURCE}"
account = "demo"
"#,
        port = upstream.port()
    );
    Switch::start(&write_config_without_account_tps(dir, &extra), &[])
}

/// The smsc group logging in to `cimd2` as `demo` with `password`.
fn cimd2(cimd2: SocketAddr, password: &str) -> String {
    format!(
        "smsc = cimd2
smsc-id = pasarela
host = 127.0.0.1
port = {port}
smsc-username = demo
smsc-password = {password}
keepalive = 5
reconnect-delay = 1",
        port = cimd2.port()
    )
}

#[test]
fn kannel_sends_through_the_cimd2_listener_and_gets_receipts_and_mo() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream();
    let switch = switch(dir.path(), upstream.addr);
    let smsc = cimd2(switch.listener("CIMD2"), "demo1234");
    let kannel = kannel::sends_and_gets_receipts_and_mo(dir.path(), &switch, &smsc);
    assert!(
        kannel
            .log("bearerbox.log")
            .contains("CIMD2[pasarela] logged in"),
        "{}",
        kannel.logs()
    );
}

#[test]
fn kannel_with_a_wrong_password_is_refused_over_cimd2() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream();
    let switch = switch(dir.path(), upstream.addr);
    let smsc = cimd2(switch.listener("CIMD2"), "wrong123");
    kannel::is_refused(dir.path(), &switch, &smsc, "login failed");
}
