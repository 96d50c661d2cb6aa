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

use crate::common::Switch;
use crate::kannel;
use crate::listeners::{config, upstream};

#[test]
fn kannel_sends_through_the_ucp_listener_and_gets_receipts_and_mo() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream("ucp", "20");
    let switch = Switch::start(&config(dir.path(), "ucp", upstream.addr), &[]);
    let smsc = kannel::smsc("emi", switch.listener("UCP"), "demo1234");
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
    let upstream = upstream("ucp", "20");
    let switch = Switch::start(&config(dir.path(), "ucp", upstream.addr), &[]);
    let smsc = kannel::smsc("emi", switch.listener("UCP"), "wrong123");
    kannel::is_refused(dir.path(), &switch, &smsc, "Server rejected our login");
}
