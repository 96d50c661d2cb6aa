//! Held and pending messages over real SMPP against `pasarela serve` with a
//! real sled directory: scheduled delivery (also across SIGKILL), validity
//! expiry while held and while queued behind a gateway that is down,
//! cancel_sm (by id, by service_type/source/destination, refused once an
//! SMSC has the message) and replace_sm. The store is read after the switch
//! is killed, to see states, refunds and replaced text as they were written.

use crate::{common, esme, raw};
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use esme::{Esme, Receipt};
use pasarela::model::{AccountId, MessageId, MessageState, Money};
use pasarela::smpp::CommandStatus;
use pasarela::smpp::pdu::{
    COctetString, CancelSm, EmptyOrFullCOctetString, Npi, OctetString, Pdu, QuerySm,
    RegisteredDelivery, ReplaceSm, ServiceType, SubmitSm, Ton,
};
use pasarela::store::{LedgerKind, Store, StoreConfig};
use raw::{SOURCE, WAIT};

/// A route whose only gateway (kind `smpp`, not built yet) is never up:
/// messages to 44… wait in its queue.
const DOWN_ROUTE: &str = r#"
[[gateways]]
name = "down"
kind = "smpp"
host = "127.0.0.1"
port = 9
system_id = "pasarela"
password = "secret"

[[routes]]
prefix = "44"
accounts = ["*"]
gateways = ["down"]
price = "1.00"
"#;

const RECEIPT: u8 = 1;

/// A bound transceiver that keeps the receipts it reads while waiting for
/// query_sm's message_state for `id`.
fn state(esme: &mut Esme, id: &str) -> u8 {
    let seq = esme.raw.request(
        QuerySm::builder()
            .message_id(c_string(id))
            .source_addr_ton(Ton::International)
            .source_addr_npi(Npi::Isdn)
            .source_addr(c_string(SOURCE))
            .build(),
    );
    match esme.response(seq).pdu() {
        Some(Pdu::QuerySmResp(body)) => u8::from(body.message_state),
        other => panic!("not a query_sm_resp: {other:?}"),
    }
}

/// One submit_sm, built up in each test.
struct Submit {
    destination: &'static str,
    text: &'static str,
    service_type: &'static str,
    schedule: Option<u32>,
    validity: Option<u32>,
}

impl From<Submit> for Pdu {
    fn from(submit: Submit) -> Pdu {
        submit.pdu().into()
    }
}

impl Submit {
    fn to(destination: &'static str) -> Submit {
        Submit {
            destination,
            text: "hello",
            service_type: "",
            schedule: None,
            validity: None,
        }
    }

    fn pdu(&self) -> SubmitSm {
        SubmitSm::builder()
            .service_type(ServiceType::new(c_string(self.service_type)))
            .source_addr_ton(Ton::International)
            .source_addr_npi(Npi::Isdn)
            .source_addr(c_string(SOURCE))
            .dest_addr_ton(Ton::International)
            .dest_addr_npi(Npi::Isdn)
            .destination_addr(c_string(self.destination))
            .schedule_delivery_time(relative(self.schedule))
            .validity_period(relative(self.validity))
            .registered_delivery(RegisteredDelivery::from(RECEIPT))
            .short_message(OctetString::from_vec(self.text.as_bytes().to_vec()).unwrap())
            .build()
    }
}

fn c_string<const MIN: usize, const MAX: usize>(text: &str) -> COctetString<MIN, MAX> {
    COctetString::from_string(text.to_owned()).unwrap()
}

/// An SMPP relative time of `seconds` (under an hour), or empty.
fn relative(seconds: Option<u32>) -> EmptyOrFullCOctetString<17> {
    match seconds {
        None => EmptyOrFullCOctetString::empty(),
        Some(seconds) => EmptyOrFullCOctetString::from_string(format!(
            "00000000{:02}{:02}000R",
            seconds / 60,
            seconds % 60
        ))
        .unwrap(),
    }
}

fn cancel_by_id(id: &str) -> CancelSm {
    CancelSm::builder()
        .message_id(c_string(id))
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(c_string(SOURCE))
        .build()
}

fn replace(id: &str, text: &[u8]) -> ReplaceSm {
    ReplaceSm::builder()
        .message_id(c_string(id))
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(c_string(SOURCE))
        .registered_delivery(RegisteredDelivery::from(RECEIPT))
        .short_message(OctetString::from_vec(text.to_vec()).unwrap())
        .build()
}

/// query_sm message_state values (SMPP 3.4 §5.2.28).
const ENROUTE: u8 = 1;
const DELETED: u8 = 4;

fn open_store(dir: &Path) -> Store {
    Store::open(StoreConfig::new(dir.join("data/store"))).unwrap()
}

fn demo() -> AccountId {
    AccountId::new("demo").unwrap()
}

fn balance(store: &Store) -> Money {
    store.account_balance(&demo()).unwrap().unwrap()
}

fn credit(units: i64) -> Money {
    Money::from_units(units).unwrap()
}

fn message_state(store: &Store, id: &str) -> MessageState {
    let id: MessageId = id.parse().unwrap();
    store.message(id).unwrap().unwrap().state()
}

#[test]
fn a_scheduled_message_is_held_until_its_time_and_then_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let submitted = Instant::now();
    let id = esme.submit(Submit {
        schedule: Some(3),
        ..Submit::to("34600000001")
    });
    let now = esme.submit(Submit::to("34600000002"));
    esme.listen(Duration::from_secs(2));
    assert!(
        esme.has_receipt(&now),
        "an unscheduled message goes at once"
    );
    assert!(!esme.has_receipt(&id), "delivered before its time");
    assert_eq!(state(&mut esme, &id), ENROUTE);
    let Receipt { stat, at, .. } = esme.receipt(&id, Duration::from_secs(5));
    assert_eq!(stat, "DELIVRD");
    assert!(at.duration_since(submitted) >= Duration::from_millis(2900));
}

#[test]
fn a_held_message_survives_sigkill_and_goes_at_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut switch = Switch::start(&config, &[]);
    let mut esme = Esme::bind(switch.smpp);
    let submitted = Instant::now();
    let id = esme.submit(Submit {
        schedule: Some(6),
        ..Submit::to("34600000001")
    });
    switch.signal_and_wait(libc::SIGKILL);
    drop(esme);

    let switch = Switch::start(&config, &[]);
    let mut esme = Esme::bind(switch.smpp);
    let early = submitted + Duration::from_millis(5500);
    esme.listen(early.saturating_duration_since(Instant::now()));
    assert!(!esme.has_receipt(&id), "delivered before its time");
    let Receipt { stat, .. } = esme.receipt(&id, Duration::from_secs(5));
    assert_eq!(stat, "DELIVRD");
    drop(switch);
    let store = open_store(dir.path());
    assert_eq!(message_state(&store, &id), MessageState::Delivered);
    assert_eq!(balance(&store), credit(999), "charged once");
}

#[test]
fn cancel_sm_deletes_a_held_message_refunds_it_and_sends_its_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let id = esme.submit(Submit {
        schedule: Some(60),
        ..Submit::to("34600000001")
    });
    assert_eq!(esme.request(cancel_by_id(&id)), CommandStatus::EsmeRok);
    let Receipt { stat, .. } = esme.receipt(&id, WAIT);
    assert_eq!(stat, "DELETED");
    assert_eq!(state(&mut esme, &id), DELETED);
    assert_eq!(
        esme.request(cancel_by_id(&id)),
        CommandStatus::EsmeRcancelfail,
        "already final"
    );
    assert_eq!(
        esme.request(cancel_by_id("not-an-id")),
        CommandStatus::EsmeRinvmsgid
    );
    assert_eq!(
        esme.request(cancel_by_id("987654321")),
        CommandStatus::EsmeRcancelfail,
        "no such message"
    );
    let mut wrong_source = cancel_by_id(&id);
    wrong_source.source_addr = c_string("34911999999");
    let other = esme.submit(Submit {
        schedule: Some(60),
        ..Submit::to("34600000002")
    });
    wrong_source.message_id = c_string(&other);
    assert_eq!(
        esme.request(wrong_source),
        CommandStatus::EsmeRcancelfail,
        "the source must match"
    );
    drop(switch);
    let store = open_store(dir.path());
    assert_eq!(message_state(&store, &id), MessageState::Deleted);
    assert_eq!(message_state(&store, &other), MessageState::Accepted);
    assert_eq!(balance(&store), credit(999), "one refunded, one charged");
    let ledger = store.ledger(&demo()).unwrap();
    let refunds: Vec<_> = ledger
        .iter()
        .filter(|entry| entry.kind == LedgerKind::Refund)
        .collect();
    assert_eq!(refunds.len(), 1, "{ledger:?}");
    assert_eq!(refunds[0].message, Some(id.parse().unwrap()));
}

#[test]
fn cancel_sm_of_a_message_an_smsc_has_fails() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let mut esme = Esme::bind(switch.smpp);
    // …9992: the simulator acknowledges and never sends a receipt.
    let id = esme.submit(Submit::to("34600009992"));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        esme.request(cancel_by_id(&id)),
        CommandStatus::EsmeRcancelfail
    );
    assert_eq!(state(&mut esme, &id), ENROUTE);
}

#[test]
fn cancel_sm_without_id_deletes_what_matches_service_type_source_and_destination() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let held = |destination, service_type| Submit {
        schedule: Some(60),
        service_type,
        ..Submit::to(destination)
    };
    let wap_a = [
        esme.submit(held("34600000001", "WAP")),
        esme.submit(held("34600000001", "WAP")),
    ];
    let vma_a = esme.submit(held("34600000001", "VMA"));
    let wap_b = esme.submit(held("34600000002", "WAP"));
    let cancel = CancelSm::builder()
        .service_type(ServiceType::new(c_string("WAP")))
        .source_addr_ton(Ton::International)
        .source_addr_npi(Npi::Isdn)
        .source_addr(c_string(SOURCE))
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(c_string("34600000001"))
        .build();
    assert_eq!(esme.request(cancel.clone()), CommandStatus::EsmeRok);
    for id in &wap_a {
        assert_eq!(esme.receipt(id, WAIT).stat, "DELETED");
    }
    assert_eq!(state(&mut esme, &vma_a), ENROUTE);
    assert_eq!(state(&mut esme, &wap_b), ENROUTE);
    assert_eq!(
        esme.request(cancel),
        CommandStatus::EsmeRcancelfail,
        "nothing left to cancel"
    );
}

#[test]
fn replace_sm_changes_the_text_that_goes_upstream() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let id = esme.submit(Submit {
        schedule: Some(3),
        ..Submit::to("34600000001")
    });
    assert_eq!(
        esme.request(replace(&id, &[b'x'; 161])),
        CommandStatus::EsmeRinvmsglen,
        "more than the one part it had"
    );
    let mut canned = replace(&id, b"canned");
    canned.sm_default_msg_id = 1;
    assert_eq!(esme.request(canned), CommandStatus::EsmeRinvdftmsgid);
    assert_eq!(
        esme.request(replace(&id, b"see you at nine")),
        CommandStatus::EsmeRok
    );
    let Receipt { stat, text, .. } = esme.receipt(&id, Duration::from_secs(6));
    assert_eq!(
        (stat.as_str(), text.as_str()),
        ("DELIVRD", "see you at nine")
    );
    assert_eq!(
        esme.request(replace(&id, b"too late")),
        CommandStatus::EsmeRreplacefail,
        "already delivered"
    );
    drop(switch);
    let store = open_store(dir.path());
    let message = store.message(id.parse().unwrap()).unwrap().unwrap();
    assert_eq!(message.payload, b"see you at nine");
}

#[test]
fn a_held_message_expires_at_its_validity_and_is_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), ""), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let id = esme.submit(Submit {
        schedule: Some(60),
        validity: Some(2),
        ..Submit::to("34600000001")
    });
    let Receipt { stat, .. } = esme.receipt(&id, Duration::from_secs(6));
    assert_eq!(stat, "EXPIRED");
    drop(switch);
    let store = open_store(dir.path());
    assert_eq!(message_state(&store, &id), MessageState::Expired);
    assert_eq!(balance(&store), credit(1000), "refunded");
}

#[test]
fn messages_queued_behind_a_down_gateway_expire_or_are_cancelled_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let switch = Switch::start(&write_config(dir.path(), DOWN_ROUTE), &[]);
    let mut esme = Esme::bind(switch.smpp);
    let expiring = esme.submit(Submit {
        validity: Some(2),
        ..Submit::to("447700900001")
    });
    let cancelled = esme.submit(Submit::to("447700900002"));
    let replaced = esme.submit(Submit::to("447700900003"));
    assert_eq!(
        esme.request(replace(&replaced, b"new words")),
        CommandStatus::EsmeRok
    );
    assert_eq!(
        esme.request(cancel_by_id(&cancelled)),
        CommandStatus::EsmeRok
    );
    assert_eq!(esme.receipt(&cancelled, WAIT).stat, "DELETED");
    let Receipt { stat, .. } = esme.receipt(&expiring, Duration::from_secs(6));
    assert_eq!(stat, "EXPIRED");
    assert_eq!(
        state(&mut esme, &replaced),
        ENROUTE,
        "still waiting for a gateway"
    );
    drop(switch);
    let store = open_store(dir.path());
    assert_eq!(message_state(&store, &expiring), MessageState::Expired);
    assert_eq!(message_state(&store, &cancelled), MessageState::Deleted);
    let waiting = store.message(replaced.parse().unwrap()).unwrap().unwrap();
    assert_eq!(waiting.state(), MessageState::Accepted);
    assert_eq!(waiting.payload, b"new words");
    assert_eq!(balance(&store), credit(999), "two refunded, one charged");
}
