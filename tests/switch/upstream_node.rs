//! Upstream SMPP gateways against an SMSC nobody here wrote: node-smpp's
//! `smpp.createServer` (scripts/interop/node-smsc, installed by
//! scripts/test.sh). An ESME submits to a `pasarela serve` child whose
//! `smpp` gateways bind to node-smsc children; receipts travel back to the
//! ESME. Outcomes, ids written in another base in the receipt than in
//! submit_sm_resp, the SMSC SIGKILLed mid-load and restarted, failover to a
//! second SMSC and back, a wrong password. The SMSC's journal says what it
//! accepted, so duplicates are counted where they happen. Every wait is
//! bounded.

use crate::{common, esme, gateway_view, node_smsc};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use esme::Esme;
use node_smsc::NodeSmsc;
use pasarela::model::MessageState;
use pasarela::smpp::CommandStatus;
use pasarela::smpp::pdu;
use pasarela::store::{Store, StoreConfig};

/// The longest a test waits for the receipts of a few messages.
const RECEIPTS_WAIT: Duration = Duration::from_secs(30);
/// Outstanding submit_sm per gateway.
const WINDOW: usize = 32;

/// One `smpp` gateway of the switch, bound to a node SMSC.
struct Gateway<'a> {
    name: &'a str,
    smsc: &'a NodeSmsc,
    id_format: &'a str,
}

/// The shipped config (demo account, its TPS lifted) with `gateways`, and
/// one route per `(prefix, gateway names)`.
fn config(dir: &Path, gateways: &[Gateway], routes: &[(&str, &[&str])]) -> PathBuf {
    let mut extra = String::new();
    for gateway in gateways {
        extra.push_str(&format!(
            "[[gateways]]\nname = \"{}\"\nkind = \"smpp\"\nhost = \"127.0.0.1\"\nport = {}\n\
             system_id = \"pasarela\"\npassword = \"secret\"\nbind = \"transceiver\"\n\
             window = {WINDOW}\nid_format = \"{}\"\n\n",
            gateway.name,
            gateway.smsc.addr.port(),
            gateway.id_format
        ));
    }
    for (prefix, names) in routes {
        extra.push_str(&format!(
            "[[routes]]\nprefix = \"{prefix}\"\ngateways = {names:?}\nprice = \"1.00\"\n\n"
        ));
    }
    let path = write_config(dir, &extra);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("tps = 100", "tps = 0")).unwrap();
    path
}

/// Submits "hello" with a receipt asked for; returns our message id.
fn submit(esme: &mut Esme, destination: &str) -> String {
    let seq = esme.raw.submit(destination, 1);
    let resp = esme.response(seq);
    assert_eq!(
        resp.status(),
        CommandStatus::EsmeRok,
        "submit to {destination}"
    );
    pdu::response_message_id(&resp).unwrap().to_owned()
}

/// Reads until every id in `ids` has a receipt; fails after `within`.
fn await_receipts(esme: &mut Esme, ids: &[String], within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let missing: Vec<&String> = ids.iter().filter(|id| !esme.has_receipt(id)).collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} receipts missing after {within:?}, among them {:?}",
            missing.len(),
            ids.len(),
            &missing[..missing.len().min(5)]
        );
        esme.listen(Duration::from_millis(100));
    }
}

/// The stat of every receipt the ESME got for `id`.
fn stats(esme: &Esme, id: &str) -> Vec<String> {
    esme.receipts
        .iter()
        .filter(|receipt| receipt.id == id)
        .map(|receipt| receipt.stat.clone())
        .collect()
}

/// Waits (at most `within`) until the SMSC has every receipt it sent
/// acknowledged, as the ESME may read a receipt before the switch's
/// deliver_sm_resp reaches the SMSC.
fn await_nothing_owed(smsc: &NodeSmsc, within: Duration) {
    let deadline = Instant::now() + within;
    while !smsc.journal().owed().is_empty() {
        assert!(
            Instant::now() < deadline,
            "receipts still owed by the SMSC: {:?}",
            smsc.journal().owed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn receipts_come_back_through_node_smpp_with_their_states() {
    let dir = tempfile::tempdir().unwrap();
    let smsc = NodeSmsc::start(dir.path(), "smsc", &[]);
    let gateway = Gateway {
        name: "node",
        smsc: &smsc,
        id_format: "decimal",
    };
    let switch = Switch::start(&config(dir.path(), &[gateway], &[("34", &["node"])]), &[]);
    let mut esme = Esme::bind(switch.smpp);
    // By the destination's last four digits (smsc.js); 9990 is refused
    // with ESME_RSUBMITFAIL, which the switch turns into a REJECTD receipt.
    let cases = [
        ("34600100001", "DELIVRD"),
        ("34600109991", "UNDELIV"),
        ("34600109993", "EXPIRED"),
        ("34600109994", "REJECTD"),
        ("34600109990", "REJECTD"),
    ];
    let ids: Vec<String> = cases
        .iter()
        .map(|(destination, _)| submit(&mut esme, destination))
        .collect();
    await_receipts(&mut esme, &ids, RECEIPTS_WAIT);
    for ((destination, stat), id) in cases.iter().zip(&ids) {
        assert_eq!(stats(&esme, id), [*stat], "to {destination}");
    }
    let journal = smsc.journal();
    for (destination, _) in &cases[..4] {
        assert_eq!(journal.count(destination), 1, "{destination} sent once");
    }
    assert_eq!(
        journal.count(cases[4].0),
        0,
        "the refused one was not taken"
    );
    await_nothing_owed(&smsc, RECEIPTS_WAIT);
}

#[test]
fn ids_in_another_base_in_the_receipt_map_to_their_messages() {
    let dir = tempfile::tempdir().unwrap();
    // Kannel's msg-id-type cases: (submit_sm_resp, receipt, first id, id_format).
    let cases = [
        ("hex-upper", "decimal", "3000000000", "hex-responses"),
        ("decimal-padded", "hex-lower", "255", "hex-receipts"),
        ("hex-padded", "hex-lower", "4095", "hex"),
    ];
    let smscs: Vec<NodeSmsc> = cases
        .iter()
        .enumerate()
        .map(|(n, (responses, receipts, first, _))| {
            let args = [
                "--response-ids",
                responses,
                "--receipt-ids",
                receipts,
                "--first-id",
                first,
            ];
            NodeSmsc::start(dir.path(), &format!("smsc{n}"), &args)
        })
        .collect();
    // The control: the first SMSC's habit, and a gateway not told of it.
    let control = NodeSmsc::start(dir.path(), "control", &["--response-ids", "hex-upper"]);
    let names = ["hexresp", "hexrcpt", "hexboth", "asis"];
    let mut gateways: Vec<Gateway> = cases
        .iter()
        .zip(&smscs)
        .zip(names)
        .map(|(((_, _, _, id_format), smsc), name)| Gateway {
            name,
            smsc,
            id_format,
        })
        .collect();
    gateways.push(Gateway {
        name: names[3],
        smsc: &control,
        id_format: "as-is",
    });
    let prefixes = ["3461", "3462", "3463", "3464"];
    let routes: Vec<(&str, &[&str])> = prefixes
        .iter()
        .zip(&names)
        .map(|(prefix, name)| (*prefix, std::slice::from_ref(name)))
        .collect();
    let switch = Switch::start(&config(dir.path(), &gateways, &routes), &[]);
    let mut esme = Esme::bind(switch.smpp);

    let mut mapped = Vec::new();
    for prefix in &prefixes[..3] {
        for n in 0..5 {
            mapped.push(submit(&mut esme, &format!("{prefix}0010000{n}")));
        }
    }
    let unmapped: Vec<String> = (0..2)
        .map(|n| submit(&mut esme, &format!("{}0010000{n}", prefixes[3])))
        .collect();
    await_receipts(&mut esme, &mapped, RECEIPTS_WAIT);
    for id in &mapped {
        assert_eq!(stats(&esme, id), ["DELIVRD"], "message {id}");
    }
    for smsc in &smscs {
        assert_eq!(smsc.journal().accepted.len(), 5);
        await_nothing_owed(smsc, RECEIPTS_WAIT);
    }
    // The control took its two and had their receipts acknowledged, but
    // with ids taken as they are, hex in the response and decimal in the
    // receipt name no message: what every receipt above would do without
    // the right id_format.
    assert_eq!(control.journal().accepted.len(), 2);
    await_nothing_owed(&control, RECEIPTS_WAIT);
    esme.listen(Duration::from_secs(1));
    for id in &unmapped {
        assert!(stats(&esme, id).is_empty(), "{id} mapped without id_format");
    }
}

#[test]
fn a_node_smsc_killed_mid_load_and_restarted_owes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Answers 20 ms late, so submits are in flight at the kill; receipts
    // 200 ms after, so receipts are owed at the kill.
    let mut smsc = NodeSmsc::start(
        dir.path(),
        "smsc",
        &["--response-delay-ms", "20", "--dlr-delay-ms", "200"],
    );
    let gateway = Gateway {
        name: "node",
        smsc: &smsc,
        id_format: "decimal",
    };
    let path = config(dir.path(), &[gateway], &[("34", &["node"])]);
    let mut switch = Switch::start(&path, &[]);
    let mut esme = Esme::bind(switch.smpp);
    let total = 300;
    let kill_at = total / 2;
    // The last few before the kill are answered only after 5 s (9998):
    // surely taken by the SMSC and unanswered at the kill.
    let slow = kill_at - 4..=kill_at;
    let mut destinations = Vec::new();
    let mut ids = Vec::new();
    let mut owed_at_kill = 0;
    for n in 0..total {
        let destination = if slow.contains(&n) {
            format!("3460{n:03}09998")
        } else {
            format!("3460070{n:04}")
        };
        ids.push(submit(&mut esme, &destination));
        destinations.push(destination);
        if n == kill_at {
            // Killed once it holds the slow ones, long before it answers.
            let held = |journal: &node_smsc::Journal| {
                slow.clone().all(|k| journal.count(&destinations[k]) == 1)
            };
            let deadline = Instant::now() + Duration::from_secs(3);
            while !held(&smsc.journal()) {
                assert!(
                    Instant::now() < deadline,
                    "the slow ones never reached the SMSC"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            smsc.kill();
            owed_at_kill = smsc.journal().owed().len();
        }
    }
    // Accepted and queued while the SMSC is away; then it comes back on
    // its port with what it had accepted, as a real SMSC does.
    esme.listen(Duration::from_secs(1));
    smsc.start_again();
    await_receipts(&mut esme, &ids, Duration::from_secs(60));
    await_nothing_owed(&smsc, RECEIPTS_WAIT);
    // Receipts for a first copy (its answer lost at the kill) name an id
    // the switch never learnt: given time, none reaches the ESME.
    esme.listen(Duration::from_secs(1));

    assert!(owed_at_kill > 0, "the kill left no receipt owed");
    for id in &ids {
        assert_eq!(stats(&esme, id), ["DELIVRD"], "message {id}: exactly one");
    }
    let journal = smsc.journal();
    let mut twice = 0;
    for (n, destination) in destinations.iter().enumerate() {
        let copies: Vec<u64> = journal
            .accepted
            .iter()
            .filter(|accepted| &accepted.destination == destination)
            .map(|accepted| accepted.run)
            .collect();
        match copies[..] {
            [_] => assert!(
                !slow.contains(&n),
                "{destination}: in flight, not sent again"
            ),
            // Taken before the kill, its answer never read: sent again.
            [1, 2] => twice += 1,
            _ => panic!("{destination} taken by runs {copies:?}"),
        }
    }
    assert!(
        twice >= slow.clone().count(),
        "the slow ones were in flight"
    );
    assert!(twice <= WINDOW, "more duplicates ({twice}) than the window");
    assert!(journal.accepted.iter().any(|accepted| accepted.run == 2));
    eprintln!("receipts owed at the kill: {owed_at_kill}; taken twice: {twice}");

    // And in the store, every message ended.
    switch.signal_and_wait(libc::SIGTERM);
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    for id in &ids {
        let message = store.message(id.parse().unwrap()).unwrap().unwrap();
        assert_eq!(message.state(), MessageState::Delivered, "message {id}");
    }
}

#[test]
fn failover_to_the_second_node_smsc_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = NodeSmsc::start(dir.path(), "first", &[]);
    let second = NodeSmsc::start(dir.path(), "second", &[]);
    let gateways = [
        Gateway {
            name: "first",
            smsc: &first,
            id_format: "decimal",
        },
        Gateway {
            name: "second",
            smsc: &second,
            id_format: "decimal",
        },
    ];
    let path = config(dir.path(), &gateways, &[("34", &["first", "second"])]);
    let switch = Switch::start(&path, &[]);
    // Until the first is bound the route rightly uses the second.
    for name in ["first", "second"] {
        gateway_view::wait_for(switch.http, name, gateway_view::bound);
    }
    let mut esme = Esme::bind(switch.smpp);
    let send_five = |esme: &mut Esme, batch: usize| -> Vec<String> {
        let destinations: Vec<String> = (0..5).map(|n| format!("346008{batch}000{n}")).collect();
        let ids: Vec<String> = destinations.iter().map(|to| submit(esme, to)).collect();
        await_receipts(esme, &ids, RECEIPTS_WAIT);
        destinations
    };
    let sent_to = |smsc: &NodeSmsc, destinations: &[String]| {
        let journal = smsc.journal();
        destinations.iter().all(|to| journal.count(to) == 1)
    };

    let before = send_five(&mut esme, 1);
    assert!(sent_to(&first, &before), "the first gateway takes traffic");
    first.kill();
    gateway_view::wait_for(switch.http, "first", |first| first["up"] == false);
    let during = send_five(&mut esme, 2);
    assert!(sent_to(&second, &during), "the second takes over");

    first.start_again();
    first.wait_for("bound", 1, Duration::from_secs(40));
    gateway_view::wait_for(switch.http, "first", gateway_view::bound);
    let after = send_five(&mut esme, 3);
    assert!(sent_to(&first, &after), "back to the first");
    let second_took = second.journal().accepted.len();
    assert_eq!(second_took, 5, "the second only while the first was down");
}

#[test]
fn a_wrong_password_is_refused_by_node_smpp_and_retried_slowly() {
    let dir = tempfile::tempdir().unwrap();
    let smsc = NodeSmsc::start(dir.path(), "smsc", &["--password", "other"]);
    let gateway = Gateway {
        name: "node",
        smsc: &smsc,
        id_format: "decimal",
    };
    let switch = Switch::start(&config(dir.path(), &[gateway], &[("34", &["node"])]), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let id = submit(&mut esme, "34600100001");
    smsc.wait_for("bind refused pasarela 14", 1, RECEIPTS_WAIT);
    esme.listen(Duration::from_secs(5));
    assert!(stats(&esme, &id).is_empty(), "queued, not sent or failed");
    assert!(smsc.journal().accepted.is_empty());
    let refusals = smsc.events("bind refused");
    assert!(
        (1..=2).contains(&refusals),
        "ESME_RINVPASWD retried after a minute, not a storm: {refusals}"
    );
}
