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
//! refused: bearerbox logs the rejected login and no message passes.
//! Kannel itself is `tests/common/kannel.rs`'s.

use crate::common::Switch;
use crate::kannel;
use crate::listeners::{config, upstream};

#[test]
fn kannel_sends_through_the_cimd2_listener_and_gets_receipts_and_mo() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream("cimd2", "20");
    let switch = Switch::start(&config(dir.path(), "cimd2", upstream.addr), &[]);
    let smsc = kannel::smsc("cimd2", switch.listener("CIMD2"), "demo1234");
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
    let upstream = upstream("cimd2", "20");
    let switch = Switch::start(&config(dir.path(), "cimd2", upstream.addr), &[]);
    let smsc = kannel::smsc("cimd2", switch.listener("CIMD2"), "wrong123");
    kannel::is_refused(dir.path(), &switch, &smsc, "login failed");
}
