//! Receipts from an upstream SMSC are answered only once they are durable,
//! and a receipt that never comes is given up: `pasarela serve` binds to an
//! SMSC played by this test over a raw socket on 127.0.0.1, so the test
//! sees each deliver_sm_resp the moment it is sent and can SIGKILL the
//! switch right then; after a restart the message must show its final
//! state and the customer must get its receipt. With `receipt_timeout_h`
//! small, a message whose receipt never comes becomes UNKNOWN, with a
//! receipt over SMPP and over the account's callback.

use crate::callback_receiver::Receiver;
use crate::{common, esme, http, raw};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Switch, smpp_gateway, write_config};
use esme::Esme;
use pasarela::model::{GatewayName, MessageState, UpstreamId};
use pasarela::smpp::dlr::{Address, receipt_deliver_sm};
use pasarela::smpp::pdu::{
    BindTransceiverResp, COctetString, InterfaceVersion, Pdu, SubmitSm, SubmitSmResp,
};
use pasarela::smpp::{Command, CommandId, CommandStatus, Receipt, Stat};
use pasarela::store::{Store, StoreConfig};
use raw::Raw;
use serde_json::Value;

const DESTINATION: &str = "34600000001";
const DEMO: Option<(&str, &str)> = Some(("demo", "demo1234"));
/// Long enough for a restart, a reconnect and a receipt delivered.
const SLOW: Duration = Duration::from_secs(20);

/// The shipped config with its default route through gateway "up", the
/// SMSC at `smsc`, and `extra` added.
fn config(dir: &Path, smsc: SocketAddr, extra: &str) -> PathBuf {
    let path = write_config(dir, &format!("{}{extra}", smpp_gateway("up", smsc, "")));
    let text = std::fs::read_to_string(&path).unwrap();
    let routed = text.replace("gateways = [\"sim\"]", "gateways = [\"up\"]");
    assert_ne!(routed, text, "the shipped config routes through \"sim\"");
    std::fs::write(&path, routed).unwrap();
    path
}

/// The switch's bind to the SMSC, accepted and answered.
fn accept_bind(listener: &TcpListener) -> Raw {
    let mut smsc = Raw::accept(listener).expect("the switch binds to the SMSC");
    let bind = smsc.expect();
    assert_eq!(bind.id(), CommandId::BindTransceiver);
    let name = COctetString::from_string("smsc".to_owned()).unwrap();
    let resp = BindTransceiverResp::new(name, Some(InterfaceVersion::Smpp3_4));
    smsc.send(&Command::new(
        CommandStatus::EsmeRok,
        bind.sequence_number(),
        resp,
    ));
    smsc
}

/// The next submit_sm, answered with `upstream_id`.
fn take_submit(smsc: &mut Raw, upstream_id: &str) -> SubmitSm {
    let deadline = Instant::now() + SLOW;
    loop {
        let command = smsc
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a submit_sm");
        if let Some(Pdu::SubmitSm(submit)) = command.pdu() {
            let id = COctetString::from_string(upstream_id.to_owned()).unwrap();
            smsc.send(&Command::new(
                CommandStatus::EsmeRok,
                command.sequence_number(),
                SubmitSmResp::new(id, Vec::new()),
            ));
            return (*submit).clone();
        }
    }
}

/// Sends the receipt of `submit` (known upstream as `upstream_id`) and
/// returns the deliver_sm_resp's status the moment it arrives.
fn send_receipt(
    smsc: &mut Raw,
    submit: &SubmitSm,
    upstream_id: &str,
    state: MessageState,
) -> CommandStatus {
    send_receipts(smsc, submit, upstream_id, state, 1)[0]
}

/// Sends `copies` of the receipt of `submit` back to back, each before
/// the previous one is answered, as an SMSC that repeats a receipt does;
/// returns the deliver_sm_resp statuses in the order sent.
fn send_receipts(
    smsc: &mut Raw,
    submit: &SubmitSm,
    upstream_id: &str,
    state: MessageState,
    copies: usize,
) -> Vec<CommandStatus> {
    let receipt = Receipt {
        id: upstream_id.to_owned(),
        submitted: Some(1),
        delivered: Some(u32::from(state == MessageState::Delivered)),
        submit_date: None,
        done_date: None,
        stat: Some(Stat::of(state)),
        err: Some("000".to_owned()),
        text: None,
        extra: Vec::new(),
    };
    let deliver = receipt_deliver_sm(
        &Address::source_of(submit),
        &Address::destination_of(submit),
        &receipt,
    )
    .unwrap();
    let sequences: Vec<u32> = (0..copies).map(|_| smsc.request(deliver.clone())).collect();
    let mut statuses = vec![None; copies];
    let deadline = Instant::now() + SLOW;
    while statuses.iter().any(Option::is_none) {
        let command = smsc
            .recv(deadline.saturating_duration_since(Instant::now()))
            .expect("a deliver_sm_resp");
        if command.id() == CommandId::DeliverSmResp
            && let Some(at) = sequences
                .iter()
                .position(|&sequence| sequence == command.sequence_number())
        {
            statuses[at] = Some(command.status());
        }
    }
    statuses.into_iter().flatten().collect()
}

/// One message to DESTINATION from the demo account, receipt requested.
fn submit(esme: &mut Esme) -> String {
    esme.submit(crate::raw::hello(DESTINATION, 1))
}

/// The message as `GET /api/v1/messages/{id}` shows it.
fn message(switch: &Switch, id: &str) -> Value {
    let answer = http::json(
        switch.http,
        "GET",
        &format!("/api/v1/messages/{id}"),
        DEMO,
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// Polls the message until it is in `state` (bounded).
fn wait_for_state(switch: &Switch, id: &str, state: &str) -> Value {
    let deadline = Instant::now() + SLOW;
    loop {
        let body = message(switch, id);
        if body["state"] == state {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{id} never reached {state}: {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the message's SUBMITTED state is durable (the receipt must
/// find it after a restart, as an SMSC's would).
fn wait_submitted(switch: &Switch, id: &str) {
    wait_for_state(switch, id, "SUBMITTED");
}

#[test]
fn a_receipt_answered_to_the_smsc_survives_a_kill_right_after_the_answer() {
    const ROUNDS: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let path = config(dir.path(), listener.local_addr().unwrap(), "");
    let mut switch = Switch::start(&path, &[]);
    let mut smsc = accept_bind(&listener);
    for round in 0..ROUNDS {
        let mut esme = Esme::bind(switch.smpp);
        let id = submit(&mut esme);
        let upstream_id = format!("up-{round}");
        let submitted = take_submit(&mut smsc, &upstream_id);
        wait_submitted(&switch, &id);
        let status = send_receipt(&mut smsc, &submitted, &upstream_id, MessageState::Delivered);
        // The SMSC now forgets the receipt: it was answered.
        switch.signal_and_wait(libc::SIGKILL);
        assert_eq!(status, CommandStatus::EsmeRok, "round {round}");

        switch = Switch::start(&path, &[]);
        smsc = accept_bind(&listener);
        let body = message(&switch, &id);
        assert_eq!(
            body["state"], "DELIVERED",
            "round {round}: the receipt was answered, then lost: {body}"
        );
        let mut esme = Esme::bind(switch.smpp);
        assert_eq!(esme.receipt(&id, SLOW).stat, "DELIVRD", "round {round}");
    }
    switch.kill();
}

#[test]
fn a_message_without_a_receipt_in_time_becomes_unknown_with_a_receipt_and_a_callback() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let hooks = Receiver::start(0, 200, received.clone());
    let path = config(dir.path(), listener.local_addr().unwrap(), "");
    // A top-level key, so before the first table; 0.001 h is 3.6 s.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("data_dir =", "receipt_timeout_h = 0.001\ndata_dir =", 1)
        .replace(
            "allowed_ips = [\"127.0.0.0/8\"]",
            &format!(
                "allowed_ips = [\"127.0.0.0/8\"]\ncallback_url = \"{}\"",
                hooks.url("/receipts")
            ),
        );
    std::fs::write(&path, text).unwrap();
    let mut switch = Switch::start(&path, &[]);
    let mut smsc = accept_bind(&listener);
    let mut esme = Esme::bind(switch.smpp);
    let id = submit(&mut esme);
    let submitted = take_submit(&mut smsc, "never-1");
    let started = Instant::now();
    wait_submitted(&switch, &id);

    let receipt = esme.receipt(&id, SLOW);
    assert_eq!(receipt.stat, "UNKNOWN");
    assert!(
        started.elapsed() >= Duration::from_millis(3_000),
        "given up after {:?}, before the timeout",
        started.elapsed()
    );
    wait_for_state(&switch, &id, "UNKNOWN");
    let deadline = Instant::now() + SLOW;
    let callback = loop {
        let found = received
            .lock()
            .unwrap()
            .iter()
            .map(|request| request.json())
            .find(|json| json["message_id"] == id.as_str());
        if let Some(found) = found {
            break found;
        }
        assert!(Instant::now() < deadline, "no callback for {id}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(callback["event"], "receipt");
    assert_eq!(callback["state"], "UNKNOWN");

    // The real receipt, late: acknowledged, and the message stays UNKNOWN.
    let status = send_receipt(&mut smsc, &submitted, "never-1", MessageState::Delivered);
    assert_eq!(status, CommandStatus::EsmeRok);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(message(&switch, &id)["state"], "UNKNOWN");
    esme.listen(Duration::from_millis(500));
    switch.kill();
}

/// A switch bound to the SMSC this test plays, with one message of the
/// demo account charged, submitted upstream and answered with an id.
struct Submitted {
    dir: tempfile::TempDir,
    switch: Switch,
    smsc: Raw,
    esme: Esme,
    /// The balance before the message was charged.
    before: String,
    id: String,
    submit: SubmitSm,
}

/// A [`Submitted`] message that the SMSC knows as `upstream_id`.
fn submitted(upstream_id: &str) -> Submitted {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let path = config(dir.path(), listener.local_addr().unwrap(), "");
    let switch = Switch::start(&path, &[]);
    let mut smsc = accept_bind(&listener);
    let mut esme = Esme::bind(switch.smpp);
    let before = balance(&switch);
    let id = submit(&mut esme);
    let submit = take_submit(&mut smsc, upstream_id);
    wait_submitted(&switch, &id);
    assert_ne!(balance(&switch), before, "the message is charged");
    Submitted {
        dir,
        switch,
        smsc,
        esme,
        before,
        id,
        submit,
    }
}

impl Submitted {
    /// The REJECTED message's customer got one receipt and one refund.
    fn assert_rejected_once(&mut self) {
        self.esme.listen(Duration::from_secs(2));
        assert_eq!(message(&self.switch, &self.id)["state"], "REJECTED");
        let receipts = self
            .esme
            .receipts
            .iter()
            .filter(|receipt| receipt.id == self.id);
        assert_eq!(receipts.count(), 1, "{:?}", self.esme.receipts);
        assert_eq!(balance(&self.switch), self.before, "refunded once");
    }
}

#[test]
fn a_receipt_repeated_before_its_answer_is_applied_once() {
    let mut sent = submitted("twice-1");
    let statuses = send_receipts(
        &mut sent.smsc,
        &sent.submit,
        "twice-1",
        MessageState::Rejected,
        2,
    );
    assert_eq!(statuses, [CommandStatus::EsmeRok, CommandStatus::EsmeRok]);
    wait_for_state(&sent.switch, &sent.id, "REJECTED");
    sent.assert_rejected_once();
    sent.switch.kill();
}

#[test]
fn a_final_receipt_forgets_its_upstream_id_and_a_repeat_after_it_changes_nothing() {
    let mut sent = submitted("after-1");
    // Answered once the final state is durable, so the repeat comes after.
    let status = send_receipt(
        &mut sent.smsc,
        &sent.submit,
        "after-1",
        MessageState::Rejected,
    );
    assert_eq!(status, CommandStatus::EsmeRok);
    let status = send_receipt(
        &mut sent.smsc,
        &sent.submit,
        "after-1",
        MessageState::Delivered,
    );
    assert_eq!(status, CommandStatus::EsmeRok, "a repeat is acknowledged");
    sent.assert_rejected_once();

    assert!(sent.switch.signal_and_wait(libc::SIGTERM).success());
    let store = Store::open(StoreConfig::new(sent.dir.path().join("data/store"))).unwrap();
    let gateway = GatewayName::new("up".to_owned()).unwrap();
    let upstream = UpstreamId::new("after-1").unwrap();
    assert_eq!(
        store.message_for_upstream(&gateway, &upstream).unwrap(),
        None,
        "the upstream-id index keeps only messages waiting for a receipt"
    );
    let stored = store.message(sent.id.parse().unwrap()).unwrap().unwrap();
    assert_eq!(stored.state(), MessageState::Rejected);
    assert_eq!(stored.upstream_id, Some(upstream));
}

/// The demo account's balance, as `GET /api/v1/balance` says.
fn balance(switch: &Switch) -> String {
    let answer = http::json(switch.http, "GET", "/api/v1/balance", DEMO, None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["balance"].as_str().unwrap().to_owned()
}
