//! Upstream SMPP gateways end to end over 127.0.0.1: an ESME submits to a
//! `pasarela serve` child (real sled directory), whose `smpp` gateway binds
//! to a `pasarela sim-smsc` child; the receipt travels back to the ESME.
//! Outcomes by destination suffix (src/simulation.rs), hex ids, a dropped
//! connection under load, an SMSC restart, wrong credentials, transmitter +
//! receiver pairs, the retry limit, validity expiry in the gateway's queue,
//! failover of queued messages, failover while a gateway's queue is full,
//! the gateway's TPS measured where the
//! SMSC sees it, and MO messages from the SMSC stored before they are
//! answered. Every wait is bounded.

use crate::{common, gateway_view, raw, sim};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Switch, write_config_without_account_tps};
use pasarela::model::{AccountId, GatewayName, MessageState, Money};
use pasarela::smpp::dlr::read_receipt;
use pasarela::smpp::pdu::{
    self, COctetString, EmptyOrFullCOctetString, Npi, OctetString, Pdu, RegisteredDelivery,
    SubmitSm, Ton,
};
use pasarela::smpp::{CommandId, CommandStatus, Stat};
use pasarela::store::{Store, StoreConfig};
use raw::Raw;
use sim::Sim;

/// Destinations under the `34` prefix go to the upstream gateway.
const DELIVERED: &str = "34600100001";
const UNDELIVERABLE: &str = "34600109991";
const REFUSED: &str = "34600109990";
const THROTTLED: &str = "34600109995";

/// The longest any test waits for its receipts.
const RECEIPTS_WAIT: Duration = Duration::from_secs(30);

/// A switch whose `34` route goes to an `smpp` gateway at `upstream`,
/// with `gateway_extra` lines added to that gateway, and no account TPS.
fn switch_config(dir: &Path, upstream: SocketAddr, gateway_extra: &str) -> PathBuf {
    let extra = format!(
        r#"
{gateway}

[[routes]]
prefix = "34"
gateways = ["operator-a"]
price = "1.00"
"#,
        gateway = smpp_gateway("operator-a", upstream, gateway_extra)
    );
    write_config_without_account_tps(dir, &extra)
}

/// The `[[gateways]]` entry of an `smpp` gateway at `upstream`, window 16,
/// with `extra` lines added.
fn smpp_gateway(name: &str, upstream: SocketAddr, extra: &str) -> String {
    common::smpp_gateway(name, upstream, &format!("window = 16\n{extra}"))
}

fn sim(args: &[&str]) -> Sim {
    let mut all = vec!["--dlr-delay-ms", "20"];
    all.extend_from_slice(args);
    Sim::start(&all)
}

pub(crate) fn esme(switch: &Switch) -> Raw {
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    esme
}

/// What the ESME has seen: our ids by submit sequence, receipts by id,
/// and the MO messages delivered to it.
#[derive(Default)]
pub(crate) struct Seen {
    pub(crate) ids: HashMap<u32, String>,
    pub(crate) refused: HashMap<u32, CommandStatus>,
    pub(crate) receipts: HashMap<String, Vec<String>>,
    pub(crate) mo: Vec<Pdu>,
}

impl Seen {
    /// Reads until `done` says so or `within` passes.
    pub(crate) fn read(&mut self, esme: &mut Raw, within: Duration, done: impl Fn(&Seen) -> bool) {
        let deadline = Instant::now() + within;
        while !done(self) && Instant::now() < deadline {
            let Some(command) = esme.recv(Duration::from_millis(50)) else {
                continue;
            };
            let seq = command.sequence_number();
            match command.id() {
                CommandId::SubmitSmResp if command.status() == CommandStatus::EsmeRok => {
                    let id = pdu::response_message_id(&command).unwrap().to_owned();
                    self.ids.insert(seq, id);
                }
                CommandId::SubmitSmResp => {
                    self.refused.insert(seq, command.status());
                }
                CommandId::DeliverSm => {
                    let pdu: Pdu = command.into_parts().pdu.unwrap();
                    let Some(receipt) = read_receipt(&pdu).unwrap() else {
                        self.mo.push(pdu);
                        continue;
                    };
                    let stat = receipt
                        .text
                        .and_then(|text| text.stat)
                        .map_or_else(|| "?".to_owned(), |stat| stat.word().to_owned());
                    self.receipts
                        .entry(receipt.message_id)
                        .or_default()
                        .push(stat);
                }
                _ => {}
            }
        }
    }

    /// The stats received for the message submitted with `seq`.
    pub(crate) fn stats(&self, seq: u32) -> Vec<String> {
        self.ids
            .get(&seq)
            .and_then(|id| self.receipts.get(id))
            .cloned()
            .unwrap_or_default()
    }

    /// Whether every accepted message has at least one receipt.
    pub(crate) fn all_receipted(&self) -> bool {
        self.ids.values().all(|id| self.receipts.contains_key(id))
    }
}

pub(crate) fn balance(dir: &Path) -> Money {
    let store = Store::open(StoreConfig::new(dir.join("data/store"))).unwrap();
    store
        .account_balance(&AccountId::new("demo").unwrap())
        .unwrap()
        .unwrap()
}

#[test]
fn receipts_come_back_with_the_upstream_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let mut switch = Switch::start(
        &switch_config(dir.path(), upstream.addr, "bind = \"transceiver\""),
        &[],
    );
    let mut esme = esme(&switch);
    let delivered = esme.submit(DELIVERED, 1);
    let undeliverable = esme.submit(UNDELIVERABLE, 1);
    let refused = esme.submit(REFUSED, 1);
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == 3 && seen.all_receipted()
    });
    assert_eq!(seen.stats(delivered), [Stat::Delivered.word()]);
    assert_eq!(seen.stats(undeliverable), [Stat::Undeliverable.word()]);
    // ESME_RSUBMITFAIL upstream is permanent: REJECTED, refunded.
    assert_eq!(seen.stats(refused), [Stat::Rejected.word()]);
    switch.signal_and_wait(libc::SIGTERM);
    // 1000 of credit, two messages charged, the refused one refunded.
    assert_eq!(balance(dir.path()), Money::from_units(998).unwrap());
}

#[test]
fn throttled_messages_stay_with_the_gateway_and_others_still_go() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let switch = Switch::start(&switch_config(dir.path(), upstream.addr, ""), &[]);
    let mut esme = esme(&switch);
    let throttled = esme.submit(THROTTLED, 1);
    let others: Vec<u32> = (0..20)
        .map(|n| esme.submit(&format!("3460020{n:04}"), 1))
        .collect();
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        others.iter().all(|seq| !seen.stats(*seq).is_empty())
    });
    for seq in &others {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()]);
    }
    // Still being retried three seconds on: not failed, not lost.
    seen.read(&mut esme, Duration::from_secs(3), |_| false);
    assert!(seen.ids.contains_key(&throttled));
    assert!(
        seen.stats(throttled).is_empty(),
        "{:?}",
        seen.stats(throttled)
    );
}

#[test]
fn hex_ids_map_to_their_messages() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&["--id-format", "hex"]);
    let switch = Switch::start(
        &switch_config(dir.path(), upstream.addr, "id_format = \"hex\""),
        &[],
    );
    let mut esme = esme(&switch);
    let sent: Vec<u32> = (0..10)
        .map(|n| esme.submit(&format!("3460030{n:04}"), 1))
        .collect();
    let undeliverable = esme.submit(UNDELIVERABLE, 1);
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == 11 && seen.all_receipted()
    });
    for seq in &sent {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()]);
    }
    assert_eq!(seen.stats(undeliverable), [Stat::Undeliverable.word()]);
}

/// A TCP relay between the switch and the SMSC whose connections a test
/// can cut, as a network or a carrier's firewall does; it notes when each
/// submit_sm passes, which is when the SMSC sees it.
struct Relay {
    addr: SocketAddr,
    open: Arc<Mutex<Vec<TcpStream>>>,
    accepted: Arc<Mutex<usize>>,
    submits: Arc<Mutex<Vec<Instant>>>,
}

impl Relay {
    fn start(to: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(Mutex::new(Vec::new()));
        let streams = Arc::clone(&open);
        let accepted = Arc::new(Mutex::new(0));
        let count = Arc::clone(&accepted);
        let submits = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&submits);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                *count.lock().unwrap() += 1;
                let Ok(server) = TcpStream::connect(to) else {
                    continue;
                };
                let mut kept = streams.lock().unwrap();
                kept.push(client.try_clone().unwrap());
                kept.push(server.try_clone().unwrap());
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    Arc::clone(&seen),
                );
                pipe(server, client, Arc::clone(&seen));
            }
        });
        Relay {
            addr,
            open,
            accepted,
            submits,
        }
    }

    /// Cuts every connection open now.
    fn cut(&self) {
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// When each submit_sm passed so far.
    fn submits(&self) -> Vec<Instant> {
        self.submits.lock().unwrap().clone()
    }
}

/// Copies `from` to `to`, noting in `submits` when a submit_sm passes.
fn pipe(mut from: TcpStream, mut to: TcpStream, submits: Arc<Mutex<Vec<Instant>>>) {
    const SUBMIT_SM: u32 = 0x0000_0004;
    std::thread::spawn(move || {
        let mut buffer = [0_u8; 16 * 1024];
        let mut unread = Vec::new();
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 || to.write_all(&buffer[..n]).is_err() {
                break;
            }
            let now = Instant::now();
            unread.extend_from_slice(&buffer[..n]);
            while unread.len() >= 8 {
                let length = u32::from_be_bytes(unread[0..4].try_into().unwrap()) as usize;
                let id = u32::from_be_bytes(unread[4..8].try_into().unwrap());
                if length < 16 {
                    unread.clear();
                } else if unread.len() >= length {
                    if id == SUBMIT_SM {
                        submits.lock().unwrap().push(now);
                    }
                    unread.drain(..length);
                } else {
                    break;
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

#[test]
fn a_connection_cut_under_load_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let relay = Relay::start(upstream.addr);
    let switch = Switch::start(&switch_config(dir.path(), relay.addr, ""), &[]);
    let mut esme = esme(&switch);
    let mut seen = Seen::default();
    let total = 600;
    for n in 0..total {
        esme.submit(&format!("3460040{n:04}"), 1);
        if n % 200 == 100 {
            // Mid-load, once the gateway is back from the last cut: some
            // submits in flight, some receipts owed.
            let connected = n / 200 + 1;
            let back_by = Instant::now() + Duration::from_secs(10);
            while *relay.accepted.lock().unwrap() < connected && Instant::now() < back_by {
                seen.read(&mut esme, Duration::from_millis(50), |_| false);
            }
            seen.read(&mut esme, Duration::from_millis(30), |_| false);
            relay.cut();
        }
        if n % 10 == 0 {
            seen.read(&mut esme, Duration::from_millis(5), |_| false);
        }
    }
    seen.read(&mut esme, Duration::from_secs(60), |seen| {
        seen.ids.len() + seen.refused.len() == total && seen.all_receipted()
    });
    assert!(seen.refused.is_empty(), "{:?}", seen.refused);
    assert_eq!(seen.ids.len(), total);
    let missing: Vec<&String> = seen
        .ids
        .values()
        .filter(|id| !seen.receipts.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "no receipt for {missing:?}");
    let twice = seen
        .receipts
        .values()
        .filter(|stats| stats.len() > 1)
        .count();
    assert!(seen.receipts.values().all(|stats| stats.len() <= 2));
    assert!(
        seen.receipts
            .values()
            .all(|stats| stats.iter().all(|stat| stat == Stat::Delivered.word()))
    );
    // The gateway came back after each of the three cuts.
    assert!(*relay.accepted.lock().unwrap() >= 4);
    eprintln!("receipts delivered twice: {twice}");
}

#[test]
fn messages_wait_while_the_smsc_is_down_and_go_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let addr = upstream.addr;
    let switch = Switch::start(&switch_config(dir.path(), addr, ""), &[]);
    let mut esme = esme(&switch);
    let first = esme.submit(DELIVERED, 1);
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        !seen.stats(first).is_empty()
    });
    assert_eq!(seen.stats(first), [Stat::Delivered.word()]);

    drop(upstream);
    // Accepted and stored while the SMSC is away; they wait.
    let waiting: Vec<u32> = (0..20)
        .map(|n| esme.submit(&format!("3460050{n:04}"), 1))
        .collect();
    seen.read(&mut esme, Duration::from_secs(2), |_| false);
    assert!(waiting.iter().all(|seq| seen.ids.contains_key(seq)));
    assert!(waiting.iter().all(|seq| seen.stats(*seq).is_empty()));

    let upstream = Sim::start_on(&addr.to_string(), &["--dlr-delay-ms", "20"]);
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        waiting.iter().all(|seq| !seen.stats(*seq).is_empty())
    });
    for seq in &waiting {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()]);
    }
    // Back-off, not a reconnect storm: a handful of binds at most.
    assert!(upstream.log_count("bound as") <= 2);
}

#[test]
fn a_wrong_password_is_retried_slowly_and_messages_wait() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&["--password", "right"]);
    let switch = Switch::start(&switch_config(dir.path(), upstream.addr, ""), &[]);
    let mut esme = esme(&switch);
    let waiting = esme.submit(DELIVERED, 1);
    let mut seen = Seen::default();
    seen.read(&mut esme, Duration::from_secs(6), |_| false);
    assert!(
        seen.ids.contains_key(&waiting),
        "accepted while the gateway is down"
    );
    assert!(seen.stats(waiting).is_empty(), "queued, not sent or failed");
    let refusals = upstream.log_count("refused");
    assert!(
        (1..=2).contains(&refusals),
        "one bind attempt, retried after a minute, not a storm: {refusals}"
    );
}

#[test]
fn an_smsc_killed_under_load_leaves_nothing_stuck_with_us() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let addr = upstream.addr;
    let mut switch = Switch::start(&switch_config(dir.path(), addr, ""), &[]);
    let mut esme = esme(&switch);
    let mut seen = Seen::default();
    let total = 400;
    let mut upstream = Some(upstream);
    for n in 0..total {
        // A few answered only after 5 s: surely in flight at the kill.
        let destination = if (140..146).contains(&n) {
            format!("3460{n:03}9998")
        } else {
            format!("3460060{n:04}")
        };
        esme.submit(&destination, 1);
        if n % 10 == 0 {
            seen.read(&mut esme, Duration::from_millis(5), |_| false);
        }
        if n == 150 {
            drop(upstream.take()); // SIGKILL, mid-load
        }
    }
    seen.read(&mut esme, Duration::from_millis(1500), |_| false);
    let _upstream = Sim::start_on(&addr.to_string(), &["--dlr-delay-ms", "20"]);
    // Until every message is answered and no receipt came for longer than
    // the slow ones take to be answered (5 s).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let before: usize = seen.receipts.values().map(Vec::len).sum();
        seen.read(&mut esme, Duration::from_secs(7), |seen| {
            seen.ids.len() == total && seen.all_receipted()
        });
        let after: usize = seen.receipts.values().map(Vec::len).sum();
        let settled = seen.ids.len() == total && (before == after || seen.all_receipted());
        if settled || Instant::now() > deadline {
            break;
        }
    }
    assert_eq!(seen.ids.len(), total, "refused: {:?}", seen.refused);
    assert!(seen.receipts.values().all(|stats| stats.len() <= 2));
    switch.signal_and_wait(libc::SIGTERM);

    // A message without a receipt is one the killed SMSC had taken and
    // forgot (SUBMITTED, with its id); none may be left with us.
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let mut forgotten_upstream = 0;
    for id in seen.ids.values() {
        if seen.receipts.contains_key(id) {
            continue;
        }
        let message = store.message(id.parse().unwrap()).unwrap().unwrap();
        assert_eq!(message.state(), MessageState::Submitted, "{id}");
        assert!(message.upstream_id.is_some(), "{id}");
        forgotten_upstream += 1;
    }
    eprintln!("taken by the killed SMSC without a receipt: {forgotten_upstream}");
}

#[test]
fn pairs_of_binds_share_one_queue_and_receipts_come_on_the_receivers() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let switch = Switch::start(
        &switch_config(dir.path(), upstream.addr, "bind = \"pair\"\nsessions = 2"),
        &[],
    );
    let mut esme = esme(&switch);
    let sent: Vec<u32> = (0..40)
        .map(|n| esme.submit(&format!("3460080{n:04}"), 1))
        .collect();
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == sent.len() && seen.all_receipted()
    });
    for seq in &sent {
        assert_eq!(seen.stats(*seq), [Stat::Delivered.word()]);
    }
    // Two sessions, each a transmitter and a receiver; the SMSC sends
    // receipts only to receivers, so every receipt came on one.
    assert_eq!(upstream.log_count("bound as"), 4);
    assert_eq!(upstream.log_count("(BoundTx)"), 2);
    assert_eq!(upstream.log_count("(BoundRx)"), 2);
}

#[test]
fn a_message_refused_max_attempts_times_is_rejected_and_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let mut switch = Switch::start(
        &switch_config(dir.path(), upstream.addr, "max_attempts = 3"),
        &[],
    );
    let mut esme = esme(&switch);
    let throttled = esme.submit(THROTTLED, 1);
    let delivered = esme.submit(DELIVERED, 1);
    let mut seen = Seen::default();
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == 2 && seen.all_receipted()
    });
    assert_eq!(seen.stats(delivered), [Stat::Delivered.word()]);
    assert_eq!(seen.stats(throttled), [Stat::Rejected.word()]);
    switch.signal_and_wait(libc::SIGTERM);
    assert_eq!(balance(dir.path()), Money::from_units(999).unwrap());
}

#[test]
fn a_message_past_its_validity_in_the_gateway_queue_expires() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let mut switch = Switch::start(&switch_config(dir.path(), upstream.addr, ""), &[]);
    let mut esme = esme(&switch);
    // Throttled on every attempt: it waits in the gateway's queue until
    // its validity of 2 s has passed.
    let body = SubmitSm::builder()
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(COctetString::from_string("34911000000".to_owned()).unwrap())
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(COctetString::from_string(THROTTLED.to_owned()).unwrap())
        .validity_period(
            EmptyOrFullCOctetString::from_string("000000000002000R".to_owned()).unwrap(),
        )
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_static_slice(b"hello").unwrap())
        .build();
    let expiring = esme.request(body);
    let mut seen = Seen::default();
    seen.read(&mut esme, Duration::from_secs(15), |seen| {
        !seen.stats(expiring).is_empty()
    });
    assert_eq!(seen.stats(expiring), [Stat::Expired.word()]);
    switch.signal_and_wait(libc::SIGTERM);
    assert_eq!(balance(dir.path()), Money::from_units(1000).unwrap());
}

#[test]
fn queued_messages_move_to_the_next_gateway_when_theirs_stays_down() {
    let dir = tempfile::tempdir().unwrap();
    let first = sim(&[]);
    let second = sim(&[]);
    // The first gateway sends 5 a second: most of the burst waits in its
    // queue when its SMSC dies.
    let extra = format!(
        r#"
{a}
{b}
[[routes]]
prefix = "34"
gateways = ["operator-a", "operator-b"]
price = "1.00"
"#,
        a = smpp_gateway("operator-a", first.addr, "tps = 5\nfailover_after_s = 2"),
        b = smpp_gateway("operator-b", second.addr, ""),
    );
    let mut switch = Switch::start(&write_config_without_account_tps(dir.path(), &extra), &[]);
    let mut esme = esme(&switch);
    let sent: Vec<u32> = (0..30)
        .map(|n| esme.submit(&format!("3460090{n:04}"), 1))
        .collect();
    let mut seen = Seen::default();
    seen.read(&mut esme, Duration::from_millis(1100), |_| false);
    drop(first); // SIGKILL
    seen.read(&mut esme, RECEIPTS_WAIT, |seen| {
        seen.ids.len() == sent.len() && seen.all_receipted()
    });
    seen.read(&mut esme, Duration::from_secs(1), |_| false);
    assert_eq!(seen.ids.len(), sent.len(), "refused: {:?}", seen.refused);
    assert!(seen.receipts.values().all(|stats| stats.len() == 1));
    switch.signal_and_wait(libc::SIGTERM);

    // Sent once each: by the first gateway before its SMSC died, or by the
    // second after the queue moved. The killed SMSC may have taken one and
    // died before its receipt (SUBMITTED at operator-a).
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let mut by_gateway: HashMap<String, usize> = HashMap::new();
    let mut forgotten = 0;
    for id in seen.ids.values() {
        let message = store.message(id.parse().unwrap()).unwrap().unwrap();
        let gateway = message.gateway.as_ref().unwrap().to_string();
        if message.state() == MessageState::Submitted {
            assert_eq!(gateway, "operator-a", "{id}");
            forgotten += 1;
        } else {
            assert_eq!(message.state(), MessageState::Delivered, "{id}");
        }
        *by_gateway.entry(gateway).or_default() += 1;
    }
    assert!(forgotten <= 1, "{forgotten}");
    let moved = by_gateway.get("operator-b").copied().unwrap_or(0);
    assert!(moved >= 20, "{by_gateway:?}");
}

#[test]
fn mo_messages_from_the_smsc_are_stored_then_answered() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&["--mo-every-ms", "50"]);
    let mut switch = Switch::start(
        &switch_config(dir.path(), upstream.addr, "bind = \"transceiver\""),
        &[],
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    // The stop unbound the gateway once the MO being stored were answered;
    // the simulator logged its totals when it answered the unbind.
    let deadline = Instant::now() + Duration::from_secs(5);
    while upstream.log_count("unbound; submits") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        upstream.log_count("unbound; submits"),
        1,
        "{:?}",
        upstream.log_lines()
    );
    let (answered, _) = upstream.deliveries_answered();

    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let gateway = GatewayName::new("operator-a".to_owned()).unwrap();
    let stored = store.inbound(&gateway).unwrap();
    assert!(stored.len() >= 10, "only {} MO stored", stored.len());
    // Each MO answered ESME_ROK is in the store, once, and the stop left
    // none stored but unanswered (the SMSC would send it again).
    assert_eq!(stored.len(), answered);
    for (n, message) in stored.iter().enumerate() {
        assert_eq!(message.gateway, gateway);
        assert_eq!(message.source, "34699000000");
        assert_eq!(
            message.text.as_deref(),
            Some(format!("MO {} from sim-smsc", n + 1).as_str())
        );
        assert_eq!((message.parts, message.complete), (1, true));
    }
}

#[test]
fn a_full_gateway_queue_sends_the_route_to_its_next_gateway() {
    const LIMIT: u64 = 10;
    const BURST: usize = 60;
    let dir = tempfile::tempdir().unwrap();
    let first = sim(&[]);
    let second = sim(&[]);
    let extra = format!(
        r#"
{a}
{b}
[[routes]]
prefix = "34"
gateways = ["operator-a", "operator-b"]
price = "1.00"
"#,
        a = smpp_gateway(
            "operator-a",
            first.addr,
            &format!("tps = 5\nqueue_limit = {LIMIT}")
        ),
        b = smpp_gateway("operator-b", second.addr, ""),
    );
    let mut switch = Switch::start(&write_config_without_account_tps(dir.path(), &extra), &[]);
    let deadline = Instant::now() + RECEIPTS_WAIT;
    while gateway_view::view(switch.http, "operator-a")["up"] != true {
        assert!(Instant::now() < deadline, "operator-a never bound");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut esme = esme(&switch);
    for n in 0..BURST {
        esme.submit(&format!("3460080{n:04}"), 1);
    }
    let mut seen = Seen::default();
    let mut deepest = 0;
    while !(seen.ids.len() == BURST && seen.all_receipted()) && Instant::now() < deadline {
        seen.read(&mut esme, Duration::from_millis(100), |_| false);
        let depth = gateway_view::view(switch.http, "operator-a")["queue_depth"]
            .as_u64()
            .unwrap();
        deepest = deepest.max(depth);
    }
    seen.read(&mut esme, Duration::from_secs(1), |_| false);
    assert_eq!(seen.ids.len(), BURST, "refused: {:?}", seen.refused);
    assert!(
        seen.receipts.values().all(|stats| stats.len() == 1),
        "{:?}",
        seen.receipts
    );
    assert!(seen.all_receipted());
    assert!(deepest <= LIMIT, "operator-a queued {deepest}");
    switch.signal_and_wait(libc::SIGTERM);

    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let mut by_gateway: HashMap<String, usize> = HashMap::new();
    for id in seen.ids.values() {
        let message = store.message(id.parse().unwrap()).unwrap().unwrap();
        assert_eq!(message.state(), MessageState::Delivered, "{id}");
        let gateway = message.gateway.as_ref().unwrap().to_string();
        *by_gateway.entry(gateway).or_default() += 1;
    }
    let on = |name: &str| by_gateway.get(name).copied().unwrap_or(0);
    assert!(on("operator-a") >= 10, "{by_gateway:?}");
    assert!(on("operator-b") >= 25, "{by_gateway:?}");
}

/// Submits `total` messages and returns how many submit_sm the SMSC saw
/// in 10 s, from 2 s after the first (when the backlog is surely there
/// however slowly this machine accepts).
fn submits_in_ten_seconds(gateway_extra: &str, total: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let upstream = sim(&[]);
    let relay = Relay::start(upstream.addr);
    let switch = Switch::start(&switch_config(dir.path(), relay.addr, gateway_extra), &[]);
    let mut esme = esme(&switch);
    let mut seen = Seen::default();
    for n in 0..total {
        esme.submit(&format!("346010{n:05}"), 0);
        // Within the switch's window for one ESME.
        seen.read(&mut esme, Duration::from_secs(5), |seen| {
            n + 1 - seen.ids.len() - seen.refused.len() < 32
        });
    }
    let (skip, span) = (Duration::from_secs(2), Duration::from_secs(10));
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        seen.read(&mut esme, Duration::from_millis(200), |_| false);
        let submits = relay.submits();
        if let Some(&first) = submits.first()
            && first.elapsed() > skip + span + Duration::from_millis(500)
        {
            assert_eq!(seen.ids.len(), total, "refused: {:?}", seen.refused);
            assert!(submits.len() < total, "the queue ran dry: not a rate test");
            let (from, to) = (first + skip, first + skip + span);
            let counted = submits.iter().filter(|at| (from..to).contains(*at)).count();
            eprintln!("{counted} submits in 10 s ({gateway_extra:?})");
            return counted;
        }
        assert!(Instant::now() < deadline, "no submits reached the SMSC");
    }
}

#[test]
fn the_gateway_tps_holds_with_one_bind() {
    let submits = submits_in_ten_seconds("tps = 50", 800);
    assert!((475..=525).contains(&submits), "{submits} in 10 s at 50/s");
}

#[test]
fn the_gateway_tps_is_one_budget_for_four_binds() {
    let submits = submits_in_ten_seconds("tps = 50\nsessions = 4", 800);
    assert!((475..=525).contains(&submits), "{submits} in 10 s at 50/s");
}
