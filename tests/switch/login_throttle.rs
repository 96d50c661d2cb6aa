//! Brute force against logins (docs/security.md): an SMPP connection
//! closes after three refused binds; an address that keeps failing is
//! refused without a password check while the owner binds from a clean
//! address; over HTTP it gets 429 with Retry-After, shared with SMPP,
//! while API keys keep working; an address outside an account's
//! `allowed_ips` is refused before any password is checked. "Without a
//! check" is read off `/metrics` (argon2 runs are counted), not timed.

use crate::{common, http, raw, scrape};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use common::{Switch, write_config};
use http::{json as http, with_headers};
use pasarela::smpp::{CommandId, CommandStatus};
use raw::{Raw, WAIT};

const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
/// A second client host on loopback (all of 127.0.0.0/8 is local).
const ELSEWHERE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const HERE: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// An account that may bind from 127.0.0.1 only.
const FENCED: &str = r#"
[[accounts]]
system_id = "fenced"
password = "fence123"
credit = "10.00"
allowed_ips = ["127.0.0.1/32"]
"#;

fn start() -> (tempfile::TempDir, Switch) {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), FENCED), &[]);
    (dir, switch)
}

/// The value of a series now; 0 when it does not exist yet.
fn metric(switch: &Switch, series: &str) -> f64 {
    scrape::value(&scrape::scrape(switch.http), series).unwrap_or(0.0)
}

const SMPP_CHECKS: &str = r#"pasarela_password_checks_total{protocol="smpp"}"#;

/// Binds demo from `from` with new wrong passwords until `checked`
/// SMPP passwords have been checked, waiting out the back-offs in
/// between (refused binds the count does not show): after 6, the address
/// and the account are backed off for 4 s.
fn hammer(switch: &Switch, from: IpAddr, checked: u32) {
    let mut raw = Raw::connect_from(from, switch.smpp);
    let mut on_this_connection = 0;
    for n in 0.. {
        let before = metric(switch, SMPP_CHECKS);
        if before >= f64::from(checked) {
            return;
        }
        if on_this_connection == 3 {
            raw = Raw::connect_from(from, switch.smpp);
            on_this_connection = 0;
        }
        let status = raw.bind(CommandId::BindTransceiver, "demo", &format!("bad{n}"));
        on_this_connection += 1;
        assert_eq!(status, CommandStatus::EsmeRinvpaswd, "bind {n}");
        if metric(switch, SMPP_CHECKS) == before {
            std::thread::sleep(Duration::from_millis(500));
        }
        assert!(n < 40, "never reached {checked} checks");
    }
}

/// Basic requests of demo from here with new wrong passwords until
/// `checked` were refused as wrong (401), waiting out the back-offs
/// (429) in between.
fn hammer_http(switch: &Switch, checked: u32) {
    let mut wrong = 0;
    for n in 0..40 {
        if wrong == checked {
            return;
        }
        let password = format!("bad{n}");
        let auth = Some(("demo", password.as_str()));
        let answer = http(switch.http, "GET", "/api/v1/balance", auth, None);
        match answer.status {
            401 => wrong += 1,
            429 => std::thread::sleep(Duration::from_millis(500)),
            other => panic!("{other}: {}", answer.text),
        }
    }
    panic!("never refused {checked} wrong passwords");
}

#[test]
fn a_connection_closes_after_three_refused_binds() {
    let (_dir, switch) = start();
    let mut raw = Raw::connect(switch.smpp);
    for password in ["wrong1", "wrong2"] {
        assert_eq!(
            raw.bind(CommandId::BindTransceiver, "demo", password),
            CommandStatus::EsmeRinvpaswd
        );
        assert!(!raw.is_closed_within(Duration::from_millis(200)));
    }
    // An unknown system_id counts too; its answer comes before the close.
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "nobody", "wrong3"),
        CommandStatus::EsmeRinvsysid
    );
    assert!(raw.is_closed_within(WAIT), "closed after the third");

    // A new connection binds with the right password.
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
}

#[test]
fn a_hammering_address_is_refused_unchecked_while_the_owner_binds_elsewhere() {
    let (_dir, switch) = start();
    hammer(&switch, ELSEWHERE, 6);

    // Backed off: even the right password is answered as a wrong one,
    // and argon2 does not run.
    let mut raw = Raw::connect_from(ELSEWHERE, switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRinvpaswd
    );
    assert_eq!(metric(&switch, SMPP_CHECKS), 6.0);
    assert!(
        metric(
            &switch,
            r#"pasarela_logins_refused_total{protocol="smpp",reason="backed_off"}"#
        ) >= 1.0
    );

    // The owner, from an address that has not failed, binds.
    let mut owner = Raw::connect_from(HERE, switch.smpp);
    assert_eq!(
        owner.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    assert_eq!(metric(&switch, SMPP_CHECKS), 7.0);
}

#[test]
fn the_same_wrong_password_again_is_refused_unchecked_and_counts_once() {
    let (_dir, switch) = start();
    for _ in 0..3 {
        let mut raw = Raw::connect(switch.smpp);
        for _ in 0..3 {
            assert_eq!(
                raw.bind(CommandId::BindTransmitter, "demo", "stale"),
                CommandStatus::EsmeRinvpaswd
            );
        }
    }
    // Checked once; the other eight were known wrong. Not backed off.
    assert_eq!(metric(&switch, SMPP_CHECKS), 1.0);
    let mut raw = Raw::connect(switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransmitter, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
}

#[test]
fn an_address_outside_allowed_ips_is_refused_before_the_password_is_checked() {
    let (_dir, switch) = start();
    let mut raw = Raw::connect_from(ELSEWHERE, switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "fenced", "fence123"),
        CommandStatus::EsmeRbindfail,
        "the right password, from the wrong address"
    );
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "fenced", "guess123"),
        CommandStatus::EsmeRbindfail,
        "a wrong one is answered alike: nothing to learn"
    );
    assert_eq!(
        metric(
            &switch,
            r#"pasarela_logins_refused_total{protocol="smpp",reason="address"}"#
        ),
        2.0
    );
    assert_eq!(metric(&switch, SMPP_CHECKS), 0.0, "no argon2 run");

    let mut raw = Raw::connect_from(HERE, switch.smpp);
    assert_eq!(
        raw.bind(CommandId::BindTransceiver, "fenced", "fence123"),
        CommandStatus::EsmeRok
    );
    assert_eq!(metric(&switch, SMPP_CHECKS), 1.0);
}

#[test]
fn http_failures_back_off_with_429_and_retry_after_shared_with_smpp_but_not_api_keys() {
    let (_dir, switch) = start();
    let created = http(switch.http, "POST", "/api/v1/keys", DEMO, None);
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.body["key"].as_str().unwrap().to_owned();

    hammer_http(&switch, 6);
    let backed_off = http(switch.http, "GET", "/api/v1/balance", DEMO, None);
    assert_eq!(backed_off.status, 429, "{}", backed_off.text);
    assert!(
        backed_off
            .headers
            .contains("content-type: application/problem+json"),
        "{}",
        backed_off.headers
    );
    let retry_after: u64 = backed_off
        .headers
        .lines()
        .find_map(|line| line.strip_prefix("retry-after: "))
        .expect("a Retry-After header")
        .trim()
        .parse()
        .unwrap();
    assert!((1..=4).contains(&retry_after), "{retry_after}");
    assert!(
        backed_off.body["detail"]
            .as_str()
            .unwrap()
            .contains("too many failed logins"),
        "{}",
        backed_off.body
    );

    // An API key is not a password to guess: it still works from here.
    let by_key = with_headers(
        switch.http,
        "GET",
        "/api/v1/balance",
        &[("X-API-Key", &key)],
        "application/json",
        "",
    );
    assert_eq!(by_key.status, 200, "{}", by_key.text);

    // The same address over SMPP is backed off too; another is not.
    let mut here = Raw::connect_from(HERE, switch.smpp);
    assert_eq!(
        here.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRinvpaswd
    );
    let mut elsewhere = Raw::connect_from(ELSEWHERE, switch.smpp);
    assert_eq!(
        elsewhere.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
}

/// A client opening many connections at once with the same credentials
/// (a Kannel-style load, 40 keep-alive connections) is checked once: the
/// others wait for that check instead of queuing a hash each, so none is
/// refused as busy (503) and argon2 runs once.
#[test]
fn many_requests_at_once_with_the_same_credentials_cost_one_password_check() {
    const AT_ONCE: usize = 40;
    let (_dir, switch) = start();
    let http_checks = r#"pasarela_password_checks_total{protocol="http"}"#;
    assert_eq!(metric(&switch, http_checks), 0.0);
    let barrier = std::sync::Barrier::new(AT_ONCE);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let requests: Vec<_> = (0..AT_ONCE)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    http(switch.http, "GET", "/api/v1/balance", DEMO, None).status
                })
            })
            .collect();
        requests.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|&status| status == 200), "{statuses:?}");
    assert_eq!(metric(&switch, http_checks), 1.0);
}
