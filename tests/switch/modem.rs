//! The modem gateway end to end: `pasarela serve` as a child process talks
//! AT commands to an emulated modem on a pseudo-terminal
//! (`common/modem_emulator.rs`), and an SMPP client binds to the switch.
//! The PDUs the modem received are decoded with `modem::pdu`; the store is
//! read after the switch stops, to see the incoming messages it kept and,
//! after a stop during a send, that the send was kept.

use crate::{common, esme, modem_emulator, raw};
use std::path::Path;
use std::time::{Duration, Instant};

use common::Switch;
use esme::Esme;
use modem_emulator::{Emulator, deliver};
use pasarela::model::{GatewayName, MessageState};
use pasarela::modem::pdu::{Status, UserData};
use pasarela::smpp::pdu::Pdu;
use pasarela::smpp::pdu::{
    COctetString, EsmClass, Npi, OctetString, RegisteredDelivery, SubmitSm, Ton,
};
use pasarela::smpp::{CommandId, CommandStatus};
use pasarela::sms::{Reference, split_text};
use pasarela::store::{InboundMessage, Store, StoreConfig};
use raw::{SOURCE, WAIT};

/// Long enough for a reconnect after the modem went silent.
const SLOW: Duration = Duration::from_secs(20);
const DESTINATION: &str = "34600000001";

fn config(dir: &Path, device: &str, pin: Option<&str>) -> std::path::PathBuf {
    let pin = pin.map_or(String::new(), |pin| format!("pin = \"{pin}\"\n"));
    let text = format!(
        r#"data_dir = {data:?}

[smpp]
listen = "127.0.0.1:0"

[web]
listen = "127.0.0.1:0"
admin_user = "admin"
admin_password = "change-me"

[[gateways]]
name = "gsm1"
kind = "modem"
device = {device:?}
baud = 115200
command_timeout_ms = 1000
poll_interval_ms = 500
{pin}
[[routes]]
prefix = ""
accounts = ["*"]
gateways = ["gsm1"]
price = "1.00"

[[accounts]]
system_id = "demo"
password = "demo1234"
credit = "1000.00"
"#,
        data = dir.join("data").display().to_string(),
    );
    let path = dir.join("pasarela.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The config of [`config`], the modem answering to +34699000111, an
/// MO route taking what is sent to that number to demo.
fn config_with_number(dir: &Path, device: &str) -> std::path::PathBuf {
    let path = config(dir, device, None);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "poll_interval_ms = 500\n",
        "poll_interval_ms = 500\nnumber = \"+34699000111\"\n",
    ) + "\n[[mo_routes]]\nnumber = \"34699000111\"\naccount = \"demo\"\n";
    std::fs::write(&path, text).unwrap();
    path
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the switch has set the modem up (its last step lists the
/// SIM), so what the test puts on the SIM next is announced, not listed.
fn wait_initialised(modem: &Emulator) {
    wait_until("the modem initialised", SLOW, || {
        modem.state().commands.iter().any(|c| c == "AT+CMGL=4")
    });
}

/// Submits one part (to DESTINATION, receipt requested) and returns its id.
fn submit(esme: &mut Esme, esm_class: u8, short_message: Vec<u8>) -> String {
    esme.submit(
        SubmitSm::builder()
            .source_addr_ton(Ton::International)
            .source_addr_npi(Npi::Isdn)
            .source_addr(COctetString::from_string(SOURCE.to_owned()).unwrap())
            .dest_addr_ton(Ton::International)
            .dest_addr_npi(Npi::Isdn)
            .destination_addr(COctetString::from_string(DESTINATION.to_owned()).unwrap())
            .esm_class(EsmClass::from(esm_class))
            .registered_delivery(RegisteredDelivery::from(1))
            .short_message(OctetString::from_vec(short_message).unwrap())
            .build(),
    )
}

/// GSM 7-bit text as SMPP carries it (data_coding 0): one septet per octet.
fn parts(text: &str) -> Vec<(u8, Vec<u8>)> {
    split_text(text, Reference::Bits8(0x42))
        .unwrap()
        .parts
        .into_iter()
        .map(|part| {
            let esm_class = if part.udh.is_empty() { 0 } else { 0x40 };
            (esm_class, [part.udh.clone(), part.payload.clone()].concat())
        })
        .collect()
}

fn text_of(user_data: &UserData, dcs: u8) -> String {
    user_data.message(dcs).unwrap().text.unwrap()
}

fn inbox(dir: &Path) -> Vec<InboundMessage> {
    let store = Store::open(StoreConfig::new(dir.join("data/store"))).unwrap();
    store
        .inbound(&GatewayName::new("gsm1".to_owned()).unwrap())
        .unwrap()
}

#[test]
fn single_and_multipart_go_out_as_pdus_and_status_reports_become_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(Some("1234"));
    let mut switch = Switch::start(&config(dir.path(), &modem.device, Some("1234")), &[]);
    let mut esme = Esme::bind(switch.smpp);

    let single = submit(&mut esme, 0, parts("hello modem")[0].1.clone());
    wait_until("the single PDU", WAIT, || modem.submitted().len() == 1);
    let long_text = "A long message that does not fit in one part of 160 characters, so \
                     the ESME sends it as two concatenated parts with a UDH each, and the \
                     modem sends two PDUs, each with its own TP-MR.";
    let long_parts = parts(long_text);
    assert_eq!(long_parts.len(), 2);
    let ids: Vec<String> = long_parts
        .into_iter()
        .map(|(esm_class, payload)| submit(&mut esme, esm_class, payload))
        .collect();
    wait_until("all three PDUs", WAIT, || modem.submitted().len() == 3);

    let submitted = modem.submitted();
    let (first_mr, first) = &submitted[0];
    assert_eq!(first.destination.value, DESTINATION);
    assert!(first.status_report_request, "asks for a status report");
    assert_eq!(text_of(&first.user_data, first.dcs), "hello modem");
    let joined: String = submitted[1..]
        .iter()
        .map(|(_, submit)| {
            assert!(submit.user_data.udhi(), "each part has its UDH");
            text_of(&submit.user_data, submit.dcs)
        })
        .collect();
    assert_eq!(joined, long_text);
    let commands = modem.state().commands.clone();
    for expected in [
        "ATE0",
        "AT+CMEE=1",
        "AT+CPIN=\"1234\"",
        "AT+CMGF=0",
        "AT+CNMI=2,1,0,1,0",
    ] {
        assert!(
            commands.iter().any(|c| c == expected),
            "init sent {expected}: {commands:?}"
        );
    }

    // Status reports: delivered, a permanent error, and one for the
    // second part; each becomes the receipt of the right message.
    modem.report(*first_mr, Status::RECEIVED);
    modem.report(submitted[1].0, Status(0x41));
    modem.report(submitted[2].0, Status::VALIDITY_PERIOD_EXPIRED);
    assert_eq!(esme.receipt(&single, SLOW).stat, "DELIVRD");
    assert_eq!(esme.receipt(&ids[0], SLOW).stat, "UNDELIV");
    assert_eq!(esme.receipt(&ids[1], SLOW).stat, "EXPIRED");
    switch.kill();
}

#[test]
fn a_refused_send_is_rejected_and_a_cmti_during_a_send_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let mut switch = Switch::start(&config(dir.path(), &modem.device, None), &[]);
    let mut esme = Esme::bind(switch.smpp);
    {
        let mut state = modem.state();
        state.fail_next_send = Some(69); // requested facility not implemented
        state.during_next_send = Some(deliver(
            "34600000009",
            0,
            UserData {
                udh: vec![],
                payload: b"\x08ola".to_vec(),
            },
            1,
        ));
    }
    let refused = submit(&mut esme, 0, b"refused".to_vec());
    assert_eq!(esme.receipt(&refused, SLOW).stat, "REJECTD");
    wait_until(
        "the message announced mid-send read and deleted",
        SLOW,
        || modem.on_sim() == 0,
    );
    assert!(modem.submitted().is_empty());
    switch.signal_and_wait(libc::SIGTERM);
    let kept = inbox(dir.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].source, "34600000009");
}

#[test]
fn incoming_messages_are_stored_then_deleted_and_long_ones_joined() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let mut switch = Switch::start(&config(dir.path(), &modem.device, None), &[]);
    let _esme = Esme::bind(switch.smpp);

    let text = "Una respuesta larga que llega en dos partes concatenadas desde un telefono \
                movil, y el conmutador la guarda entera y una sola vez en su bandeja de \
                entrada, sin perder nada.";
    let split = split_text(text, Reference::Bits8(7)).unwrap();
    assert_eq!(split.parts.len(), 2);
    // The second part first: parts come in any order.
    for (second, part) in split.parts.iter().rev().enumerate() {
        let user_data = UserData {
            udh: part.udh.clone(),
            payload: part.payload.clone(),
        };
        let dcs = split.coding.data_coding();
        modem.receive(&deliver("34600000002", dcs, user_data, second as u32), true);
    }
    let single = UserData {
        udh: vec![],
        payload: parts("STOP")[0].1.clone(),
    };
    modem.receive(&deliver("34600000003", 0, single, 5), true);
    wait_until("every message read and deleted from the SIM", SLOW, || {
        modem.on_sim() == 0
    });
    switch.signal_and_wait(libc::SIGTERM);

    let mut kept = inbox(dir.path());
    kept.sort_by(|a, b| a.source.cmp(&b.source));
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[0].source, "34600000002");
    assert_eq!(kept[0].parts, 2);
    assert!(kept[0].complete);
    assert_eq!(kept[0].text.as_deref(), Some(text));
    assert_eq!(kept[1].text.as_deref(), Some("STOP"));
}

#[test]
fn an_incoming_message_is_routed_by_the_modems_number_to_its_account() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let mut switch = Switch::start(&config_with_number(dir.path(), &modem.device), &[]);
    let mut demo = raw::Raw::connect(switch.smpp);
    assert_eq!(
        demo.bind(pasarela::smpp::CommandId::BindReceiver, "demo", "demo1234"),
        pasarela::smpp::CommandStatus::EsmeRok
    );

    let text = "A reply long enough to come in two parts, which the modem joins before \
                the switch routes it by the number the SIM answers to, so that the \
                account's receiver reads it whole, in one deliver_sm.";
    let split = split_text(text, Reference::Bits8(9)).unwrap();
    assert_eq!(split.parts.len(), 2);
    for (second, part) in split.parts.iter().enumerate() {
        let user_data = UserData {
            udh: part.udh.clone(),
            payload: part.payload.clone(),
        };
        let dcs = split.coding.data_coding();
        modem.receive(&deliver("34600000002", dcs, user_data, second as u32), true);
    }
    let deadline = Instant::now() + SLOW;
    let body = loop {
        let command = demo
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("the MO as a deliver_sm");
        if let Some(pasarela::smpp::pdu::Pdu::DeliverSm(body)) = command.pdu() {
            break body.clone();
        }
    };
    assert_eq!(body.source_addr.as_str(), "34600000002");
    assert_eq!(body.destination_addr.as_str(), "34699000111");
    assert_eq!(u8::from(body.esm_class), 0);
    // GSM 03.38, one septet per octet (`_` is 0x11 there).
    assert_eq!(u8::from(body.data_coding), 0);
    let read = pasarela::sms::incoming::decode(0, 0, body.short_message().as_ref(), None);
    assert_eq!(read.unwrap().text.as_deref(), Some(text));
    switch.signal_and_wait(libc::SIGTERM);
    assert_eq!(inbox(dir.path()), [], "routed: no longer in the inbox");
}

#[test]
fn messages_waiting_on_the_sim_across_a_crash_are_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    for (second, text) in ["first", "second"].into_iter().enumerate() {
        let user_data = UserData {
            udh: vec![],
            payload: parts(text)[0].1.clone(),
        };
        modem.receive(&deliver("34600000004", 0, user_data, second as u32), false);
    }
    // The switch stores them but cannot delete them, and is killed.
    modem.state().refuse_delete = true;
    let config = config(dir.path(), &modem.device, None);
    let mut switch = Switch::start(&config, &[]);
    wait_until("both read and delete attempted", SLOW, || {
        modem
            .state()
            .commands
            .iter()
            .filter(|c| c.starts_with("AT+CMGD="))
            .count()
            >= 2
    });
    switch.signal_and_wait(libc::SIGKILL);
    assert_eq!(modem.on_sim(), 2);

    // Started again: read again, stored again under the same keys, deleted.
    modem.state().refuse_delete = false;
    let mut switch = Switch::start(&config, &[]);
    wait_until("the SIM emptied after the restart", SLOW, || {
        modem.on_sim() == 0
    });
    switch.signal_and_wait(libc::SIGTERM);
    let kept = inbox(dir.path());
    let texts: Vec<_> = kept.iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(kept.len(), 2, "no loss, no duplicate: {texts:?}");
}

#[test]
fn a_message_announced_in_the_same_read_as_an_answer_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let config = config(dir.path(), &modem.device, None);
    let mut switch = Switch::start(&config, &[]);
    wait_initialised(&modem);
    // Announced right behind the OK of the next poll: the switch reads
    // both in one go, and the +CMTI is its only news of the message
    // until it lists the SIM at its next connection.
    let user_data = UserData {
        udh: vec![],
        payload: parts("behind the OK")[0].1.clone(),
    };
    modem.state().after_next_answer = Some(deliver("34600000006", 0, user_data, 0));
    wait_until("the message read and deleted from the SIM", SLOW, || {
        modem.on_sim() == 0 && modem.state().after_next_answer.is_none()
    });
    switch.signal_and_wait(libc::SIGTERM);
    let kept = inbox(dir.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].text.as_deref(), Some("behind the OK"));
}

#[test]
fn a_part_read_twice_stays_on_the_sim_until_its_message_is_whole_across_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let text = "Tres partes: las dos primeras llegan, el modem las anuncia dos veces, \
                el conmutador muere antes de la tercera, y al volver las encuentra \
                todavia en la SIM y une el mensaje entero sin perder ninguna parte, \
                porque una parte leida dos veces de la misma posicion no es una copia \
                que se pueda borrar: es la unica que hay hasta que el mensaje se guarda.";
    let split = split_text(text, Reference::Bits8(21)).unwrap();
    assert_eq!(split.parts.len(), 3);
    let dcs = split.coding.data_coding();
    let delivers: Vec<_> = split
        .parts
        .iter()
        .enumerate()
        .map(|(second, part)| {
            let user_data = UserData {
                udh: part.udh.clone(),
                payload: part.payload.clone(),
            };
            deliver("34600000005", dcs, user_data, second as u32)
        })
        .collect();
    let config = config(dir.path(), &modem.device, None);
    let mut switch = Switch::start(&config, &[]);
    wait_initialised(&modem);
    // Two parts, each announced twice (as a modem does that announces
    // what the switch also finds listed at start): the same SIM slot is
    // read twice.
    for part in &delivers[..2] {
        let index = modem.receive(part, true);
        modem.announce_again(index);
    }
    wait_until("every announcement read", SLOW, || {
        let state = modem.state();
        let reads = state.commands.iter().filter(|c| c.starts_with("AT+CMGR="));
        reads.count() >= 4
    });
    assert_eq!(
        modem.on_sim(),
        2,
        "a part read again is not a twin to delete"
    );
    switch.signal_and_wait(libc::SIGKILL);

    let mut switch = Switch::start(&config, &[]);
    modem.receive(&delivers[2], true);
    wait_until("the whole message stored and the SIM emptied", SLOW, || {
        modem.on_sim() == 0
    });
    switch.signal_and_wait(libc::SIGTERM);
    let kept = inbox(dir.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].complete, "{kept:?}");
    assert_eq!(kept[0].text.as_deref(), Some(text));
}

#[test]
fn a_modem_that_goes_silent_mid_send_comes_back_and_the_message_goes() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let mut switch = Switch::start(&config(dir.path(), &modem.device, None), &[]);
    let mut esme = Esme::bind(switch.smpp);
    wait_until("the modem ready", SLOW, || {
        modem.state().commands.iter().any(|c| c == "AT+CMGL=4")
    });

    modem.state().silent = true;
    let id = submit(&mut esme, 0, parts("through the gap")[0].1.clone());
    // The send times out (1 s), the gateway goes down, the message waits.
    std::thread::sleep(Duration::from_secs(3));
    assert!(modem.submitted().is_empty());
    modem.state().silent = false;
    wait_until("the message sent after the modem came back", SLOW, || {
        modem.submitted().len() == 1
    });
    let (mr, submit) = modem.submitted().remove(0);
    assert_eq!(text_of(&submit.user_data, submit.dcs), "through the gap");
    modem.report(mr, Status::RECEIVED);
    assert_eq!(esme.receipt(&id, SLOW).stat, "DELIVRD");
    switch.kill();
}

#[test]
fn a_refused_pin_is_entered_once_and_the_modem_stays_down() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(Some("1234"));
    let mut switch = Switch::start(&config(dir.path(), &modem.device, Some("9999")), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let _queued = submit(&mut esme, 0, parts("never sent")[0].1.clone());
    // Back-off 250 ms, 500 ms, 1 s, ...: at least three more attempts.
    wait_until("several reconnects", SLOW, || {
        let state = modem.state();
        state.commands.iter().filter(|c| *c == "AT+CPIN?").count() >= 4
    });
    let state = modem.state();
    let entered = state
        .commands
        .iter()
        .filter(|c| c.starts_with("AT+CPIN="))
        .count();
    assert_eq!(
        entered, 1,
        "a wrong PIN is entered once: {:?}",
        state.commands
    );
    assert!(state.submitted.is_empty());
    drop(state);
    switch.kill();
}

#[test]
fn a_status_report_after_a_restart_still_finds_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let config = config(dir.path(), &modem.device, None);
    let mut switch = Switch::start(&config, &[]);
    let mut esme = Esme::bind(switch.smpp);
    let id = submit(&mut esme, 0, parts("before the crash")[0].1.clone());
    wait_until("the PDU sent", SLOW, || modem.submitted().len() == 1);
    // The SUBMITTED state and upstream id reach the store at the next
    // group commit, milliseconds after +CMGS.
    std::thread::sleep(Duration::from_millis(500));
    switch.signal_and_wait(libc::SIGKILL);

    let mut switch = Switch::start(&config, &[]);
    let mut esme = Esme::bind(switch.smpp);
    wait_until("the modem ready again", SLOW, || {
        let state = modem.state();
        state.commands.iter().filter(|c| *c == "AT+CMGL=4").count() >= 2
    });
    let (mr, _) = modem.submitted()[0];
    modem.report(mr, Status::RECEIVED);
    assert_eq!(esme.receipt(&id, SLOW).stat, "DELIVRD");
    switch.kill();
}

#[test]
fn a_stop_word_through_the_modem_is_confirmed_by_the_modem_and_refuses_the_accounts_next_mt() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let mut switch = Switch::start(&config_with_number(dir.path(), &modem.device), &[]);
    let mut demo = raw::Raw::connect(switch.smpp);
    assert_eq!(
        demo.bind(CommandId::BindTransceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );

    let split = split_text("Baja", Reference::Bits8(3)).unwrap();
    let part = &split.parts[0];
    let user_data = UserData {
        udh: part.udh.clone(),
        payload: part.payload.clone(),
    };
    modem.receive(
        &deliver(DESTINATION, split.coding.data_coding(), user_data, 0),
        true,
    );

    // The confirmation leaves through the modem, from the number, in the
    // word's language.
    wait_until("the confirmation through the modem", SLOW, || {
        modem.submitted().len() == 1
    });
    let (_, confirmation) = modem.submitted().remove(0);
    assert_eq!(confirmation.destination.value, DESTINATION);
    assert!(
        text_of(&confirmation.user_data, confirmation.dcs).starts_with("Dado de baja"),
        "{confirmation:?}"
    );
    // The MO itself still reaches the account.
    let deadline = Instant::now() + SLOW;
    loop {
        let command = demo
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("the MO as a deliver_sm");
        if let Some(Pdu::DeliverSm(body)) = command.pdu() {
            assert_eq!(body.short_message().as_ref(), b"Baja");
            break;
        }
    }
    // The account's next MT to the handset is refused, and nothing more
    // reaches the modem.
    let sequence = demo.request(
        SubmitSm::builder()
            .source_addr(COctetString::from_string("34699000111".to_owned()).unwrap())
            .destination_addr(COctetString::from_string(DESTINATION.to_owned()).unwrap())
            .short_message(OctetString::from_vec(b"an offer".to_vec()).unwrap())
            .build(),
    );
    let deadline = Instant::now() + WAIT;
    let status = loop {
        let command = demo
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a submit_sm_resp");
        if command.id() == CommandId::SubmitSmResp && command.sequence_number() == sequence {
            break command.status();
        }
    };
    assert_eq!(status, CommandStatus::EsmeRsubmitfail);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(modem.submitted().len(), 1);
    switch.signal_and_wait(libc::SIGTERM);
}

#[test]
fn a_stop_during_a_send_waits_for_its_answer_and_keeps_the_message_sent() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let mut switch = Switch::start(&config(dir.path(), &modem.device, None), &[]);
    wait_initialised(&modem);
    // Within the gateway's command_timeout_ms (1 s).
    modem.state().slow_next_send = Some(Duration::from_millis(800));
    let mut esme = Esme::bind(switch.smpp);
    let id = submit(&mut esme, 0, parts("sent as the switch stops")[0].1.clone());
    // The modem has the PDU; its +CMGS comes 0.8 s later. Nothing else
    // holds the stop: the ESME is gone.
    wait_until("the PDU written", SLOW, || modem.submitted().len() == 1);
    drop(esme);
    assert!(switch.signal_and_wait(libc::SIGTERM).success());

    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let message = store.message(id.parse().unwrap()).unwrap().unwrap();
    assert_eq!(message.state(), MessageState::Submitted, "{message:?}");
    assert!(switch.logged().contains("modem port closed"));
}
