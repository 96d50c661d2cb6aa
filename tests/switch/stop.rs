//! Ending sessions with requests in flight, over real SMPP on 127.0.0.1
//! against `pasarela serve`. Whether the ESME unbinds or the switch stops
//! on SIGTERM, every submit the session took is answered before the
//! session ends, and what was answered ESME_ROK is exactly what the store
//! keeps (none stored and left unanswered, to be sent again and charged
//! twice). At SIGTERM an upstream bind with a submit in flight to
//! `pasarela sim-smsc` waits for its answer, keeps it (the message is
//! SUBMITTED, not sent again after the start) and unbinds, and the SMPP
//! port takes no new connection while the stop goes on. Every wait is
//! bounded.

use crate::{common, esme, gateway_view, raw, sim};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use common::{Switch, smpp_gateway, write_config};
use pasarela::model::{AccountId, MessageId, MessageState};
use pasarela::smpp::pdu::{self, Pdu};
use pasarela::smpp::{Codec, Command, CommandId, CommandStatus};
use pasarela::store::{Store, StoreConfig};
use raw::{Raw, hello};
use sim::Sim;

/// Submits in one burst: more than one group commit takes.
const BURST: u32 = 60;
const WAIT: Duration = Duration::from_secs(20);

/// [`BURST`] submits (sequence numbers 2 and on; the bind took 1), then
/// `then` if any, in one write, so the session reads them together.
fn burst(esme: &mut Raw, then: Option<CommandId>) {
    let codec = Codec::new();
    let mut bytes = BytesMut::new();
    for n in 0..BURST {
        let submit = hello(&format!("3460070{n:04}"), 0);
        let command = Command::new(CommandStatus::EsmeRok, 2 + n, Pdu::from(submit));
        codec.encode(&command, &mut bytes).unwrap();
    }
    if let Some(id) = then {
        let command = pdu::header_only(id, CommandStatus::EsmeRok, 2 + BURST);
        codec.encode(&command, &mut bytes).unwrap();
    }
    esme.send_bytes(&bytes);
}

/// What came until the session's end (`until` arrived, answered if it is
/// a request): each submit's answer by sequence number, in order.
fn answers_until(esme: &mut Raw, until: CommandId) -> Vec<(u32, CommandStatus)> {
    let deadline = Instant::now() + WAIT;
    let mut answers = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let command = esme
            .recv(left)
            .unwrap_or_else(|| panic!("no {until:?} after {} answers", answers.len()));
        match command.id() {
            CommandId::SubmitSmResp => answers.push((command.sequence_number(), command.status())),
            id if id == until => {
                if id == CommandId::Unbind {
                    esme.send(&pdu::header_only(
                        CommandId::UnbindResp,
                        CommandStatus::EsmeRok,
                        command.sequence_number(),
                    ));
                }
                return answers;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Each submit answered once; how many ESME_ROK. The others may only be
/// refused because the session was ending.
fn accepted(mut answers: Vec<(u32, CommandStatus)>) -> usize {
    answers.sort_unstable();
    let sequences: Vec<u32> = answers.iter().map(|(sequence, _)| *sequence).collect();
    assert_eq!(
        sequences,
        (2..2 + BURST).collect::<Vec<_>>(),
        "each answered once"
    );
    for (sequence, status) in &answers {
        assert!(
            matches!(
                status,
                CommandStatus::EsmeRok | CommandStatus::EsmeRinvbndsts
            ),
            "{sequence}: {status:?}"
        );
    }
    answers
        .iter()
        .filter(|(_, status)| *status == CommandStatus::EsmeRok)
        .count()
}

/// A switch with the shipped configuration, and `demo` bound to it.
fn demo_bound(dir: &std::path::Path) -> (Switch, Raw) {
    let switch = Switch::start(&write_config(dir, ""), &[]);
    let mut esme = Raw::connect(switch.smpp);
    assert_eq!(
        esme.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    (switch, esme)
}

fn stored_for_demo(dir: &std::path::Path) -> usize {
    let store = Store::open(StoreConfig::new(dir.join("data/store"))).unwrap();
    let demo = AccountId::new("demo").unwrap();
    store.account_messages(&demo, None, 10_000).unwrap().len()
}

#[test]
fn an_esme_unbinding_with_submits_in_flight_has_each_answered_first() {
    let dir = tempfile::tempdir().unwrap();
    let (mut switch, mut esme) = demo_bound(dir.path());
    burst(&mut esme, Some(CommandId::Unbind));
    let answers = answers_until(&mut esme, CommandId::UnbindResp);
    // Sent before the unbind, all were taken.
    assert_eq!(accepted(answers), BURST as usize);
    assert!(esme.is_closed_within(Duration::from_secs(5)));
    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    assert_eq!(stored_for_demo(dir.path()), BURST as usize);
}

#[test]
fn a_stop_unbinds_each_esme_once_its_submits_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (mut switch, mut esme) = demo_bound(dir.path());
    burst(&mut esme, None);
    switch.signal(libc::SIGTERM);
    let answers = answers_until(&mut esme, CommandId::Unbind);
    let accepted = accepted(answers);
    assert!(esme.is_closed_within(Duration::from_secs(5)));
    assert!(switch.wait().success());
    assert_eq!(stored_for_demo(dir.path()), accepted);
}

#[test]
fn a_stop_waits_for_the_smscs_answer_in_flight_keeps_it_and_unbinds() {
    let upstream = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "{}\n[[routes]]\nprefix = \"34\"\ngateways = [\"op\"]\nprice = \"1.00\"\n",
        smpp_gateway("op", upstream.addr, "")
    );
    let mut switch = Switch::start(&write_config(dir.path(), &extra), &[]);
    gateway_view::wait_for(switch.http, "op", gateway_view::bound);
    let mut esme = esme::Esme::bind(switch.smpp);
    // sim-smsc answers a submit to …9998 after 5 s.
    let id = esme.submit(hello("34600019998", 1));
    gateway_view::wait_for(switch.http, "op", |op| op["window_in_use"] == 1);

    assert!(switch.signal_and_wait(libc::SIGTERM).success());
    assert_eq!(
        upstream.log_count("unbound; submits 1,"),
        1,
        "{:?}",
        upstream.log_lines()
    );
    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let message = store
        .message(id.parse::<MessageId>().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(message.state(), MessageState::Submitted, "{message:?}");
}

#[test]
fn a_stop_refuses_new_connections_while_sessions_end() {
    let dir = tempfile::tempdir().unwrap();
    let (mut switch, mut esme) = demo_bound(dir.path());
    switch.signal(libc::SIGTERM);
    // Unanswered, the switch's unbind holds the stop for 2 s: meanwhile
    // the SMPP port takes no new connection.
    let unbind = esme.recv(WAIT).expect("the switch's unbind");
    assert_eq!(unbind.id(), CommandId::Unbind);
    let refused = std::net::TcpStream::connect(switch.smpp).map(|_| ());
    assert_eq!(
        refused.map_err(|error| error.kind()),
        Err(std::io::ErrorKind::ConnectionRefused)
    );
    assert!(switch.wait().success());
}
