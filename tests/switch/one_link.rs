//! What the tests of the one-connection gateway kinds (`ucp`, `cimd2`)
//! share: the scenarios both kinds must pass against `pasarela sim-smsc`
//! in their protocol (a temporary refusal retried up to `max_attempts`
//! with the TPS held, a wrong password shown in the gateway view, the SMSC
//! restarted on its port losing nothing), and reading what came back (the
//! simulator's closing line, an MO's text). Each kind's module gives the
//! config and the simulator; the assertions are written once, here.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::Switch;
use crate::gateway_view;
use crate::sim::Sim;
use crate::upstream::{Seen, esme};
use pasarela::smpp::Stat;
use pasarela::smpp::pdu::{Pdu, message_content};

/// The longest any scenario waits for its receipts.
pub(crate) const RECEIPTS_WAIT: Duration = Duration::from_secs(30);

/// The closing line sim-smsc logs for a connection the switch closed,
/// once the switch has stopped.
pub(crate) fn closing_line(upstream: &Sim) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines = upstream.log_lines();
        if let Some(line) = lines
            .iter()
            .find(|line| line.contains("closed (by the peer"))
        {
            return line.clone();
        }
        assert!(Instant::now() < deadline, "the link never closed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The text of an MO the ESME got.
pub(crate) fn mo_text(pdu: &Pdu) -> Option<String> {
    let Pdu::DeliverSm(deliver) = pdu else {
        return None;
    };
    let content = message_content(pdu)?;
    let read = pasarela::sms::incoming::decode(
        u8::from(deliver.data_coding),
        u8::from(deliver.esm_class),
        content,
        None,
    )
    .ok()?;
    read.text
}

/// A switch whose gateway (`tps = 20`, `max_attempts = 2`) logs in to
/// `upstream`: a message to a 9995 number, refused for now, is sent again
/// and REJECTED at the second refusal; 40 others go at 20/s.
pub(crate) fn a_temporary_refusal_is_retried_and_the_tps_holds(config: &Path, upstream: &Sim) {
    let mut switch = Switch::start(config, &[]);
    let mut esme = esme(&switch);
    let throttled = esme.submit("34600109995", 1);
    let started = Instant::now();
    let paced: Vec<u32> = (0..40)
        .map(|n| esme.submit(&format!("3460070{n:04}"), 1))
        .collect();
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == 41 && seen.all_receipted()
    });
    let elapsed = started.elapsed();
    assert_eq!(seen.stats(throttled), [Stat::Rejected.word()]);
    for seq in &paced {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()]);
    }
    // 41 submits and a retry at 20/s, a burst of 2: about 2 s.
    assert!(
        elapsed >= Duration::from_millis(1_700) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
    switch.signal_and_wait(libc::SIGTERM);
    let closed = closing_line(upstream);
    assert!(closed.contains("after 42 submits"), "{closed}");
}

/// A switch whose gateway `gateway` logs in to `upstream` with a wrong
/// password: shown `bad-credentials` with an error holding every one of
/// `error_holds`, a message waiting, the login retried slowly.
pub(crate) fn a_wrong_password_is_shown_and_messages_wait(
    config: &Path,
    upstream: &Sim,
    gateway: &str,
    error_holds: &[&str],
) {
    let switch = Switch::start(config, &[]);
    let mut esme = esme(&switch);
    let waiting = esme.submit("34600100001", 1);
    let deadline = Instant::now() + RECEIPTS_WAIT;
    let view = loop {
        let view = gateway_view::view(switch.http, gateway);
        if view["binds"][0]["state"] == "bad-credentials" {
            break view;
        }
        assert!(Instant::now() < deadline, "never refused: {view}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(view["up"], false);
    let error = view["last_error"].as_str().unwrap_or_default();
    for part in error_holds {
        assert!(error.contains(part), "{part:?} not in {error}");
    }
    let mut seen = Seen::default();
    seen.read(&mut esme, Duration::from_secs(2), |_| false);
    assert!(seen.ids.contains_key(&waiting), "accepted while down");
    assert!(seen.stats(waiting).is_empty(), "queued, not sent or failed");
    assert_eq!(
        upstream.log_count("refused"),
        1,
        "retried slowly, not a storm"
    );
}

/// A switch whose gateway `gateway` logs in to `upstream`; the simulator
/// is killed and, once messages have waited, started again on its port
/// by `restart`: what waited goes, one receipt each, after few attempts
/// (`connected`: the simulator's line for a new connection).
pub(crate) fn the_smsc_restarted_on_its_port_loses_nothing(
    config: &Path,
    upstream: Sim,
    gateway: &str,
    restart: impl FnOnce(&str) -> Sim,
    connected: &str,
) {
    let addr = upstream.addr;
    let switch = Switch::start(config, &[]);
    let mut esme = esme(&switch);
    let first: Vec<u32> = (0..20)
        .map(|n| esme.submit(&format!("3460040{n:04}"), 1))
        .collect();
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        first.iter().all(|seq| !seen.stats(*seq).is_empty())
    });
    for seq in &first {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()]);
    }

    drop(upstream);
    // Accepted and stored while the SMSC is away; they wait.
    let waiting: Vec<u32> = (0..20)
        .map(|n| esme.submit(&format!("3460050{n:04}"), 1))
        .collect();
    seen.read(&mut esme, Duration::from_secs(2), |_| false);
    assert!(waiting.iter().all(|seq| seen.ids.contains_key(seq)));
    assert!(waiting.iter().all(|seq| seen.stats(*seq).is_empty()));
    let down = gateway_view::view(switch.http, gateway);
    assert_eq!(down["up"], false, "{down}");

    let upstream = restart(&addr.to_string());
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        waiting.iter().all(|seq| !seen.stats(*seq).is_empty())
    });
    for seq in &waiting {
        assert_eq!(
            seen.stats(*seq),
            [Stat::Delivered.word()],
            "one receipt each"
        );
    }
    assert!(upstream.log_count(connected) <= 2, "back-off, not a storm");
    let view = gateway_view::view(switch.http, gateway);
    assert_eq!(view["up"], true);
    assert!(view["reconnects"].as_u64().unwrap() >= 1, "{view}");
}
