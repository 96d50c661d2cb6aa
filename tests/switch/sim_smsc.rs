//! `pasarela sim-smsc` as a process, spoken to in raw SMPP over 127.0.0.1:
//! binds and credentials, submit_sm answers and receipts, every fault row
//! of the outcome table that a client can observe quickly (the 5-second
//! `9998` row is left out), receipts held for a receiver, MO messages,
//! garbage input, hex ids. Every wait is bounded.

use crate::{raw, sim};
use std::time::Duration;

use pasarela::smpp::dlr::{IncomingReceipt, read_receipt};
use pasarela::smpp::pdu::{self, Pdu};
use pasarela::smpp::{Command, CommandId, CommandStatus, Stat};
use raw::{Raw, SOURCE};
use sim::Sim;

const ORDINARY: &str = "34600123456";

/// Receipts after 20 ms, so tests do not wait on the 200 ms default.
fn start(extra: &[&str]) -> Sim {
    let mut args = vec!["--dlr-delay-ms", "20"];
    args.extend_from_slice(extra);
    Sim::start(&args)
}

fn bound(sim: &Sim, kind: CommandId) -> Raw {
    let mut client = Raw::connect(sim.addr);
    assert_eq!(
        client.bind(kind, "demo", "demo1234"),
        CommandStatus::EsmeRok
    );
    client
}

/// The submit_sm_resp for `seq`, its status and message id.
fn submit_resp(client: &mut Raw, seq: u32) -> (CommandStatus, Option<String>) {
    let resp = client.expect();
    assert_eq!(resp.id(), CommandId::SubmitSmResp, "{resp:?}");
    assert_eq!(resp.sequence_number(), seq);
    let id = pdu::response_message_id(&resp).map(str::to_owned);
    (resp.status(), id)
}

/// Submit and expect it accepted; returns the message id.
fn accepted(client: &mut Raw, destination: &str) -> String {
    let seq = client.submit(destination, 1);
    let (status, id) = submit_resp(client, seq);
    assert_eq!(status, CommandStatus::EsmeRok);
    id.expect("an accepted submit has a message id")
}

fn deliver_sm(command: &Command) -> &pdu::DeliverSm {
    match command.pdu() {
        Some(Pdu::DeliverSm(body)) => body,
        other => panic!("expected a deliver_sm, got {other:?}"),
    }
}

fn receipt(command: &Command) -> IncomingReceipt {
    read_receipt(command.pdu().expect("a body"))
        .expect("readable")
        .expect("a receipt")
}

#[test]
fn an_ordinary_number_is_acknowledged_and_delivered_with_a_receipt() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    let id = accepted(&mut client, ORDINARY);
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "decimal id {id:?}");

    let dlr = client.expect();
    let body = deliver_sm(&dlr);
    assert_eq!(u8::from(body.esm_class), 0x04);
    assert_eq!(body.source_addr.as_str(), ORDINARY, "from the handset");
    assert_eq!(body.destination_addr.as_str(), SOURCE, "to the sender");
    let receipt = receipt(&dlr);
    assert_eq!(receipt.message_id, id, "receipted_message_id");
    let text = receipt.text.expect("receipt text");
    assert_eq!(text.id, id, "the text's id: matches too");
    assert_eq!(text.stat, Some(Stat::Delivered));
    assert_eq!(text.err.as_deref(), Some("000"));
    assert_eq!(text.text.as_deref(), Some("hello"));
    assert_eq!(
        receipt.state,
        Some(pdu::MessageState::Delivered),
        "message_state TLV"
    );
}

#[test]
fn no_receipt_is_sent_unless_asked_for() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    let seq = client.submit(ORDINARY, 0);
    assert_eq!(submit_resp(&mut client, seq).0, CommandStatus::EsmeRok);
    let marker = accepted(&mut client, ORDINARY);
    assert_eq!(receipt(&client.expect()).message_id, marker);
}

#[test]
fn refusal_rows_answer_with_their_status_and_send_no_receipt() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    for (suffix, status) in [
        ("9990", CommandStatus::EsmeRsubmitfail),
        ("9995", CommandStatus::EsmeRthrottled),
        ("9996", CommandStatus::EsmeRmsgqful),
    ] {
        let seq = client.submit(&format!("34600{suffix}"), 1);
        let (got, id) = submit_resp(&mut client, seq);
        assert_eq!(got, status, "{suffix}");
        assert_eq!(id, None, "an error response has no body");
    }
    // Receipts come in submit order, so the first one proves none came for
    // the refused messages.
    let marker = accepted(&mut client, ORDINARY);
    assert_eq!(receipt(&client.expect()).message_id, marker);
}

#[test]
fn failure_rows_send_their_receipts() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    for (suffix, stat, err) in [
        ("9991", Stat::Undeliverable, "001"),
        ("9993", Stat::Expired, "000"),
        ("9994", Stat::Rejected, "002"),
    ] {
        let id = accepted(&mut client, &format!("34600{suffix}"));
        let receipt = receipt(&client.expect());
        assert_eq!(receipt.message_id, id);
        let text = receipt.text.expect("text");
        assert_eq!(text.stat, Some(stat), "{suffix}");
        assert_eq!(text.err.as_deref(), Some(err), "{suffix}");
    }
}

#[test]
fn registered_delivery_2_asks_for_failure_receipts_only() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    for destination in [ORDINARY, "346009991"] {
        let seq = client.submit(destination, 2);
        assert_eq!(submit_resp(&mut client, seq).0, CommandStatus::EsmeRok);
    }
    let first = receipt(&client.expect());
    assert_eq!(first.text.and_then(|t| t.stat), Some(Stat::Undeliverable));
}

#[test]
fn row_9992_is_acknowledged_and_never_receipted() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    let silent = accepted(&mut client, "346009992");
    let marker = accepted(&mut client, ORDINARY);
    assert_eq!(receipt(&client.expect()).message_id, marker);
    if let Some(late) = client.recv(Duration::from_millis(300)) {
        assert_ne!(receipt(&late).message_id, silent);
    }
}

#[test]
fn row_9997_is_never_answered() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    let lost = client.submit("346009997", 1);
    let probe = client.request_header(CommandId::EnquireLink);
    // The simulator answers in order: what comes first shows whether the
    // submit was answered.
    let answer = client.expect();
    assert_eq!(answer.id(), CommandId::EnquireLinkResp);
    assert_eq!(answer.sequence_number(), probe);
    if let Some(late) = client.recv(Duration::from_millis(300)) {
        assert_ne!(late.sequence_number(), lost, "{late:?}");
    }
}

#[test]
fn row_9999_sends_the_receipt_then_an_mo_with_the_text_from_the_destination() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    let destination = "346009999";
    let id = accepted(&mut client, destination);
    assert_eq!(receipt(&client.expect()).message_id, id);
    let mo = client.expect();
    assert_eq!(
        read_receipt(mo.pdu().expect("a body")),
        Ok(None),
        "not a receipt"
    );
    let body = deliver_sm(&mo);
    assert_eq!(u8::from(body.esm_class), 0);
    assert_eq!(body.source_addr.as_str(), destination);
    assert_eq!(body.destination_addr.as_str(), SOURCE);
    assert_eq!(
        body.short_message().as_ref(),
        b"hello",
        "the submitted text, back"
    );
}

#[test]
fn data_sm_is_answered_and_receipted_like_submit_sm() {
    use pasarela::smpp::pdu::{COctetString, DataSm, RegisteredDelivery};
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    let body = DataSm::builder()
        .source_addr(COctetString::from_string(SOURCE.into()).unwrap())
        .destination_addr(COctetString::from_string(ORDINARY.into()).unwrap())
        .registered_delivery(RegisteredDelivery::from(1))
        .build();
    let seq = client.request(body);
    let resp = client.expect();
    assert_eq!(resp.id(), CommandId::DataSmResp);
    assert_eq!(resp.sequence_number(), seq);
    let id = pdu::response_message_id(&resp).expect("an id").to_owned();
    assert_eq!(receipt(&client.expect()).message_id, id);
}

#[test]
fn receipts_wait_for_a_receiver_of_the_same_account() {
    let sim = start(&[]);
    let mut transmitter = bound(&sim, CommandId::BindTransmitter);
    let id = accepted(&mut transmitter, ORDINARY);

    let mut stranger = Raw::connect(sim.addr);
    assert_eq!(
        stranger.bind(CommandId::BindReceiver, "other", "x"),
        CommandStatus::EsmeRok
    );
    assert!(
        stranger.recv(Duration::from_millis(300)).is_none(),
        "another account's receipts are not ours"
    );

    let mut receiver = bound(&sim, CommandId::BindReceiver);
    assert_eq!(receipt(&receiver.expect()).message_id, id);
}

#[test]
fn mo_every_ms_sends_mo_to_receivers() {
    let sim = start(&["--mo-every-ms", "50"]);
    let mut receiver = bound(&sim, CommandId::BindReceiver);
    let mo = receiver.expect();
    assert_eq!(u8::from(deliver_sm(&mo).esm_class), 0);
    assert_eq!(read_receipt(mo.pdu().expect("a body")), Ok(None));
}

#[test]
fn credentials_are_checked_when_configured() {
    let sim = start(&["--system-id", "pasarela", "--password", "secret"]);
    let mut client = Raw::connect(sim.addr);
    assert_eq!(
        client.bind(CommandId::BindTransceiver, "pasarela", "wrong"),
        CommandStatus::EsmeRinvpaswd
    );
    assert_eq!(
        client.bind(CommandId::BindTransceiver, "nobody", "secret"),
        CommandStatus::EsmeRinvsysid
    );
    assert_eq!(
        client.bind(CommandId::BindTransceiver, "pasarela", "secret"),
        CommandStatus::EsmeRok,
        "a refused bind can be retried"
    );
}

#[test]
fn submit_before_bind_is_refused() {
    let sim = start(&[]);
    let mut client = Raw::connect(sim.addr);
    let seq = client.submit(ORDINARY, 1);
    assert_eq!(
        submit_resp(&mut client, seq).0,
        CommandStatus::EsmeRinvbndsts
    );
}

#[test]
fn garbage_gets_generic_nack_and_the_session_goes_on() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    // A sane length, an unknown command id, sequence number 9.
    client.send_bytes(&[0, 0, 0, 16, 0, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 9]);
    let nack = client.expect();
    assert_eq!(nack.id(), CommandId::GenericNack);
    assert_eq!(nack.status(), CommandStatus::EsmeRinvcmdid);
    assert_eq!(nack.sequence_number(), 9);

    let id = accepted(&mut client, ORDINARY);
    assert_eq!(receipt(&client.expect()).message_id, id);

    // A command_length that cannot be framed: nacked, then closed.
    client.send_bytes(&[0, 0, 0, 5, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1]);
    let nack = client.expect();
    assert_eq!(nack.id(), CommandId::GenericNack);
    assert_eq!(nack.status(), CommandStatus::EsmeRinvcmdlen);
    assert!(client.is_closed_within(raw::WAIT));
}

#[test]
fn hex_ids_are_uppercase_and_the_same_in_the_receipts() {
    let sim = start(&["--id-format", "hex"]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    // Sixteen consecutive numbers: at least one ends in A-F.
    let ids: Vec<String> = (0..16).map(|_| accepted(&mut client, ORDINARY)).collect();
    for id in &ids {
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
            "{id:?}"
        );
    }
    assert!(
        ids.iter()
            .any(|id| id.bytes().any(|b| b.is_ascii_alphabetic()))
    );
    for id in &ids {
        let receipt = receipt(&client.expect());
        assert_eq!(&receipt.message_id, id);
        assert_eq!(receipt.text.map(|t| t.id).as_ref(), Some(id));
    }
}

#[test]
fn unbind_is_answered_and_the_connection_closed() {
    let sim = start(&[]);
    let mut client = bound(&sim, CommandId::BindTransceiver);
    let seq = client.request_header(CommandId::Unbind);
    let resp = client.expect();
    assert_eq!(resp.id(), CommandId::UnbindResp);
    assert_eq!(resp.sequence_number(), seq);
    assert!(client.is_closed_within(raw::WAIT));
}
