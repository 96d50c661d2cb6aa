//! An MO as long as concatenation allows is stored and delivered whole:
//! an emulated modem (`common/modem_emulator.rs`) receives a 40-part
//! message, `pasarela serve` joins, stores and routes it by the modem's
//! number to the demo account, whose SMPP receiver gets it in one
//! deliver_sm (message_payload) and whose callback gets its text; every
//! part leaves the SIM. Its joined record is far above the 4 KiB a sled
//! value may have, so the store keeps it in chunks (`store::chunks`).

use crate::callback_receiver::Receiver;
use crate::{common, modem_emulator, raw};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Switch;
use modem_emulator::{Emulator, deliver};
use pasarela::modem::pdu::UserData;
use pasarela::smpp::pdu::{Pdu, message_content};
use pasarela::smpp::{CommandId, CommandStatus};
use pasarela::sms::{Reference, split_text};

const SLOW: Duration = Duration::from_secs(30);
const PARTS: usize = 40;

fn config(dir: &Path, device: &str, callback_url: &str) -> std::path::PathBuf {
    let text = format!(
        r#"data_dir = {data:?}

[smpp]
listen = "127.0.0.1:0"

[web]
listen = "127.0.0.1:0"
admin_user = "admin"
admin_password = "change-me"

[callbacks]
allow_private = ["127.0.0.0/8"]

[[gateways]]
name = "gsm1"
kind = "modem"
device = {device:?}
command_timeout_ms = 1000
poll_interval_ms = 500
number = "+34699000111"

[[routes]]
prefix = ""
gateways = ["gsm1"]
price = "1.00"

[[accounts]]
system_id = "demo"
password = "demo1234"
credit = "1000.00"
callback_url = "{callback_url}"

[[mo_routes]]
number = "34699000111"
account = "demo"
"#,
        data = dir.join("data").display().to_string(),
    );
    let path = dir.join("pasarela.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_forty_part_mo_from_a_modem_is_stored_and_delivered_whole_and_leaves_the_sim() {
    let dir = tempfile::tempdir().unwrap();
    let modem = Emulator::start(None);
    let received = Arc::new(Mutex::new(Vec::new()));
    let hooks = Receiver::start(0, 200, received.clone());
    let path = config(dir.path(), &modem.device, &hooks.url("/mo"));
    let mut switch = Switch::start(&path, &[]);
    let mut demo = raw::Raw::connect(switch.smpp);
    assert_eq!(
        demo.bind(CommandId::BindReceiver, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );

    let text: String = (1..)
        .map(|n| format!("Linea {n} de una respuesta muy larga. "))
        .flat_map(|line| line.chars().collect::<Vec<_>>())
        .take(153 * PARTS - 10)
        .collect();
    let split = split_text(&text, Reference::Bits8(11)).unwrap();
    assert_eq!(split.parts.len(), PARTS);
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
        if let Some(pdu @ Pdu::DeliverSm(_)) = command.pdu() {
            break message_content(pdu).unwrap().to_vec();
        }
    };
    let read = pasarela::sms::incoming::decode(0, 0, &body, None).unwrap();
    assert!(
        read.text.as_deref() == Some(text.as_str()),
        "the joined MO arrives whole ({} octets of {} characters)",
        body.len(),
        text.len()
    );
    let deadline = Instant::now() + SLOW;
    while modem.on_sim() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} parts left on the SIM",
            modem.on_sim()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let deadline = Instant::now() + SLOW;
    let callback = loop {
        let found = received
            .lock()
            .unwrap()
            .first()
            .map(|request| request.json());
        if let Some(found) = found {
            break found;
        }
        assert!(Instant::now() < deadline, "no MO callback");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        callback["text"].as_str() == Some(text.as_str()),
        "the callback carries the whole text"
    );

    switch.signal_and_wait(libc::SIGTERM);
}
