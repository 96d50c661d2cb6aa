//! Restart without loss (SPEC §3 and §5, issue item 9): `pasarela serve` is
//! killed with SIGKILL under load, again and again, and restarted on the
//! same data directory; then it runs until every receipt is out, stops on
//! SIGTERM, and its store is opened and audited.
//!
//! Each killed round binds a transceiver over TCP, keeps [`WINDOW`]
//! submit_sm in flight to a mix of destinations (every outcome of the
//! simulator's table that the built-in gateway honours, refusals that are
//! refunded, and a number no route of the account covers), and kills the
//! switch a seeded-random moment into the load, with receipts still
//! pending upstream ([`DLR_DELAY_MS`]). What the client saw is all it
//! knows: ids acknowledged with status 0, and receipts.
//!
//! The end state must show that nothing acknowledged was lost and nothing
//! was charged twice:
//!
//! - client side: every acknowledged id is new (ids never repeat across
//!   restarts), and every acknowledged message that asks for a receipt and
//!   whose outcome has one got it, with the right state (more than once is
//!   allowed: at least once);
//! - store side: every acknowledged message is there, to the destination
//!   sent, in the final state its destination selects (no-receipt rows stay
//!   SUBMITTED, nothing is left ACCEPTED or ROUTED); each message has at
//!   most one reservation and at most one refund, refunds only for
//!   messages that ended REJECTED; the ledger's chain adds up, and the
//!   balance equals the starting credit minus the price of every charged
//!   message not refunded. Messages stored but never acknowledged (the
//!   response was lost in the kill) must obey the same rules.

use crate::{common, raw};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Switch, write_config};
use pasarela::model::{AccountId, Message, MessageId, MessageState, Money};
use pasarela::simulation::{Behaviour, SubmitReply};
use pasarela::smpp::dlr::read_receipt;
use pasarela::smpp::pdu;
use pasarela::smpp::{Command, CommandId, CommandStatus};
use pasarela::store::{LedgerEntry, LedgerKind, Store, StoreConfig};
use raw::Raw;

/// The account under load: its own route and gateway, unlimited TPS.
const ACCOUNT: &str = "load";
const PASSWORD: &str = "load1234";
const START_CREDIT: &str = "100000.00";
const PRICE: &str = "0.25";
/// The only prefix the account has a route for.
const ROUTED_PREFIX: &str = "34";
/// Long enough that receipts are still on their way at every kill.
const DLR_DELAY_MS: u64 = 300;

const KILLED_ROUNDS: usize = 12;
/// submit_sm in flight at once (the switch's session window is 256).
const WINDOW: usize = 200;
/// How far into the load the kill comes, in ms (drawn per round).
const KILL_AFTER_MS: std::ops::RangeInclusive<u64> = 50..=400;
const SEED: u64 = 0x5EED_0009;
/// How long the last round may take to hand out every receipt owed…
const SETTLE_LIMIT: Duration = Duration::from_secs(60);
/// …and how long it may go without a single PDU while some are owed (the
/// slowest row acknowledges after 5 s).
const STALL_LIMIT: Duration = Duration::from_secs(10);

/// Cycled through, one per submit. The suffixes select the simulator's
/// outcome (`src/simulation.rs`).
const DESTINATIONS: [&str; 16] = [
    "34600123456",
    "34600123457",
    "34600123458",
    "34600123459",
    "34600009990", // refused by the SMSC: REJECTD, refunded
    "34600009991", // UNDELIV
    "34600009992", // no receipt ever: stays SUBMITTED
    "34600009993", // EXPIRED
    "34600009994", // REJECTD after the SMSC took it
    "34600009995", // refused (throttled): permanent here, refunded
    "34600009996", // refused (queue full): permanent here, refunded
    "34600009997", // no response: accepted without receipt here
    "34600009998", // acknowledged after 5 s, then DELIVRD
    "34600009999", // DELIVRD (the MO is sim-smsc only)
    "44700123456", // no route for the account: FAILED, uncharged
    "34600123460",
];

#[test]
fn sigkill_under_load_loses_nothing_acknowledged_and_charges_nothing_twice() {
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let config = load_config(dir.path());
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut seen = Seen::default();

    for round in 0..KILLED_ROUNDS {
        let kill_after = Duration::from_millis(rng.u64(KILL_AFTER_MS));
        let report = killed_round(&config, kill_after, &mut seen);
        eprintln!("round {round}: killed after {kill_after:?}: {report}");
    }
    match settle_round(&config, &mut seen) {
        Some(settled) => eprintln!("final round: every receipt out after {settled:?}"),
        None => eprintln!("final round: gave up waiting for receipts"),
    }

    let store = Store::open(StoreConfig::new(dir.path().join("data/store"))).unwrap();
    let audit = audit_store(&store, &seen);
    check_receipts(&store, &seen);
    eprintln!(
        "{} acknowledged, {} stored without acknowledgement, {} submits unanswered at kills, \
         {} receipts ({} duplicates), {} refunds, refused {:?}, {:?} in total",
        seen.acked.len(),
        audit.stored_unacked,
        seen.unanswered,
        seen.receipt_count(),
        seen.duplicate_receipts(),
        audit.refunds,
        seen.refused,
        began.elapsed()
    );
}

/// The shipped configuration with the default route kept to its own
/// account, and the account under load with a route for [`ROUTED_PREFIX`]
/// only, through a simulator with a slower receipt.
fn load_config(dir: &Path) -> std::path::PathBuf {
    let extra = format!(
        r#"
[[gateways]]
name = "slow"
kind = "simulator"
dlr_delay_ms = {DLR_DELAY_MS}

[[routes]]
prefix = "{ROUTED_PREFIX}"
accounts = ["{ACCOUNT}"]
gateways = ["slow"]
price = "{PRICE}"

[[accounts]]
system_id = "{ACCOUNT}"
password = "{PASSWORD}"
credit = "{START_CREDIT}"
tps = 0
allowed_ips = ["127.0.0.0/8"]
"#
    );
    let path = write_config(dir, &extra);
    let text = std::fs::read_to_string(&path).unwrap();
    let default_route = "accounts = [\"*\"]";
    assert_eq!(text.matches(default_route).count(), 1, "{text}");
    std::fs::write(&path, text.replace(default_route, "accounts = [\"demo\"]")).unwrap();
    path
}

/// What a destination's message must come to.
struct Expected {
    state: MessageState,
    charged: bool,
    refunded: bool,
    receipt: bool,
}

fn expected(destination: &str) -> Expected {
    if !destination.starts_with(ROUTED_PREFIX) {
        return Expected {
            state: MessageState::Failed,
            charged: false,
            refunded: false,
            receipt: true,
        };
    }
    let behaviour = Behaviour::for_destination(destination);
    let state = match behaviour.reply {
        SubmitReply::Refuse(_) => MessageState::Rejected,
        SubmitReply::NoResponse => MessageState::Submitted,
        SubmitReply::Accept | SubmitReply::AcceptAfter(_) => {
            behaviour.outcome.unwrap_or(MessageState::Submitted)
        }
    };
    Expected {
        state,
        charged: true,
        refunded: state == MessageState::Rejected,
        receipt: state.is_final(),
    }
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

/// Everything the client saw, over all rounds.
#[derive(Default)]
struct Seen {
    /// Acknowledged (submit_sm_resp status 0) ids and their destinations.
    acked: HashMap<MessageId, &'static str>,
    /// Receipts by receipted_message_id: how many, and each message_state.
    receipts: HashMap<MessageId, Vec<Option<pdu::MessageState>>>,
    /// submit_sm answered with an error, by status.
    refused: BTreeMap<String, usize>,
    /// submit_sm sent whose response never came (in flight at a kill).
    unanswered: usize,
}

impl Seen {
    fn receipt_count(&self) -> usize {
        self.receipts.values().map(Vec::len).sum()
    }

    fn duplicate_receipts(&self) -> usize {
        self.receipt_count() - self.receipts.len()
    }

    /// Acknowledged messages that are owed a receipt and have none yet.
    fn missing_receipts(&self) -> Vec<MessageId> {
        let mut missing: Vec<MessageId> = self
            .acked
            .iter()
            .filter(|(id, destination)| {
                expected(destination).receipt && !self.receipts.contains_key(id)
            })
            .map(|(id, _)| *id)
            .collect();
        missing.sort();
        missing
    }
}

/// A bound transceiver and the submits it has in flight.
struct Load {
    client: Raw,
    /// Sequence number → destination, until the response comes.
    pending: HashMap<u32, &'static str>,
    next_destination: usize,
}

impl Load {
    fn bind(address: SocketAddr) -> Load {
        let mut client = Raw::connect(address);
        assert_eq!(
            client.bind(CommandId::BindTransceiver, ACCOUNT, PASSWORD),
            CommandStatus::EsmeRok
        );
        Load {
            client,
            pending: HashMap::new(),
            next_destination: 0,
        }
    }

    /// Submits until [`WINDOW`] are in flight.
    fn fill(&mut self) {
        while self.pending.len() < WINDOW {
            let destination = DESTINATIONS[self.next_destination % DESTINATIONS.len()];
            self.next_destination += 1;
            let sequence = self.client.submit(destination, 1);
            self.pending.insert(sequence, destination);
        }
    }

    /// Reads and records one PDU if one comes within `within`; `false` when
    /// none did.
    fn poll(&mut self, seen: &mut Seen, within: Duration) -> bool {
        let Some(command) = self.client.recv(within) else {
            return false;
        };
        match command.id() {
            CommandId::SubmitSmResp => self.answered(seen, &command),
            CommandId::DeliverSm => record_receipt(seen, &command),
            _ => {}
        }
        true
    }

    fn answered(&mut self, seen: &mut Seen, command: &Command) {
        let destination = self
            .pending
            .remove(&command.sequence_number())
            .unwrap_or_else(|| panic!("a response to no submit: {command:?}"));
        if command.status() != CommandStatus::EsmeRok {
            *seen
                .refused
                .entry(format!("{:?}", command.status()))
                .or_default() += 1;
            return;
        }
        let id = message_id(pdu::response_message_id(command).unwrap_or_default());
        if let Some(earlier) = seen.acked.insert(id, destination) {
            panic!("message id {id} acknowledged twice (to {earlier}, then to {destination})");
        }
    }
}

fn message_id(text: &str) -> MessageId {
    text.parse()
        .unwrap_or_else(|_| panic!("the switch's ids are decimal: {text:?}"))
}

fn record_receipt(seen: &mut Seen, command: &Command) {
    let receipt = read_receipt(command.pdu().expect("a deliver_sm body"))
        .expect("a readable receipt")
        .expect("every deliver_sm here is a receipt");
    seen.receipts
        .entry(message_id(&receipt.message_id))
        .or_default()
        .push(receipt.state);
}

/// One round that ends in SIGKILL: start, bind, load, kill `kill_after`
/// into the load, then read what the switch sent before it died.
fn killed_round(config: &Path, kill_after: Duration, seen: &mut Seen) -> String {
    let (acked_before, receipts_before) = (seen.acked.len(), seen.receipt_count());
    let mut switch = Switch::start(config, &[]);
    let mut load = Load::bind(switch.smpp);
    let kill_at = Instant::now() + kill_after;
    loop {
        load.fill();
        if Instant::now() >= kill_at {
            break;
        }
        load.poll(seen, Duration::from_millis(1));
    }
    let in_flight = load.pending.len();
    load.client.allow_disconnect();
    switch.signal_and_wait(libc::SIGKILL);
    assert!(in_flight > 0, "the kill came with nothing in flight");
    // What was written before the kill is still in our socket.
    while load.poll(seen, Duration::from_millis(200)) {}
    seen.unanswered += load.pending.len();
    format!(
        "{in_flight} in flight at the kill, {} unanswered; {} acknowledged, {} receipts",
        load.pending.len(),
        seen.acked.len() - acked_before,
        seen.receipt_count() - receipts_before
    )
}

/// The last round: no new load; wait until every receipt owed has come
/// (or none has for [`STALL_LIMIT`], or [`SETTLE_LIMIT`] has passed: the
/// store audit and [`check_receipts`] then say what is missing), then stop
/// with SIGTERM. Returns how long the receipts took, `None` if they never
/// all came.
fn settle_round(config: &Path, seen: &mut Seen) -> Option<Duration> {
    let began = Instant::now();
    let mut switch = Switch::start(config, &[]);
    let mut load = Load::bind(switch.smpp);
    let mut last_news = Instant::now();
    let settled = loop {
        if seen.missing_receipts().is_empty() {
            break Some(began.elapsed());
        }
        if began.elapsed() > SETTLE_LIMIT || last_news.elapsed() > STALL_LIMIT {
            break None;
        }
        if load.poll(seen, Duration::from_millis(50)) {
            last_news = Instant::now();
        }
    };
    // Late duplicates and the last deliver_sm_resps, then a clean unbind.
    while load.poll(seen, Duration::from_millis(200)) {}
    let unbind = load.client.request_header(CommandId::Unbind);
    let resp = load.client.expect();
    assert_eq!(
        (resp.id(), resp.sequence_number()),
        (CommandId::UnbindResp, unbind)
    );
    let status = switch.signal_and_wait(libc::SIGTERM);
    assert!(status.success(), "serve after SIGTERM: {status:?}");
    settled
}

/// What the store audit found, for the receipt check and the report.
struct Audit {
    /// Messages stored and charged whose acknowledgement never arrived.
    stored_unacked: usize,
    refunds: usize,
}

/// Every check on the store; panics with what is wrong.
fn audit_store(store: &Store, seen: &Seen) -> Audit {
    let account = AccountId::new(ACCOUNT).unwrap();
    let price = money(PRICE);
    let read = |id: MessageId| -> Message {
        store
            .message(id)
            .unwrap()
            .unwrap_or_else(|| panic!("message {id} is not in the store"))
    };

    let mut lost: Vec<MessageId> = seen
        .acked
        .keys()
        .filter(|&&id| store.message(id).unwrap().is_none())
        .copied()
        .collect();
    lost.sort();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged messages are not in the store (first: {:?})",
        lost.len(),
        seen.acked.len(),
        &lost[..lost.len().min(10)]
    );
    for (&id, destination) in &seen.acked {
        let message = read(id);
        let expected = expected(destination);
        assert_eq!(
            message.destination.text(),
            *destination,
            "message {id}: {message:?}"
        );
        assert_eq!(
            message.state(),
            expected.state,
            "acknowledged message {id} to {destination}: {:?}",
            message.history()
        );
        let charge = if expected.charged { price } else { Money::ZERO };
        assert_eq!(message.price, charge, "message {id} to {destination}");
    }

    let ledger = store.ledger(&account).unwrap();
    let (reserves, refunds) = ledger_by_message(&ledger);
    check_ledger_chain(&ledger, store.account_balance(&account).unwrap());

    let mut stored_unacked = 0;
    let mut expected_balance = money(START_CREDIT);
    for (&id, &count) in &reserves {
        assert_eq!(
            count, 1,
            "message {id} is charged {count} times: {ledger:?}"
        );
        let message = read(id);
        let destination = message.destination.text().to_owned();
        let expected = expected(&destination);
        assert!(expected.charged, "message {id} to {destination} is charged");
        assert_eq!(
            message.state(),
            expected.state,
            "charged message {id} to {destination}: {:?}",
            message.history()
        );
        let refunded = refunds.get(&id).copied().unwrap_or(0);
        assert_eq!(
            refunded,
            usize::from(expected.refunded),
            "refunds of message {id} to {destination} (final state {})",
            message.state()
        );
        if refunded == 0 {
            expected_balance = expected_balance.checked_sub(message.price).unwrap();
        }
        if !seen.acked.contains_key(&id) {
            stored_unacked += 1;
        }
    }
    for (&id, destination) in &seen.acked {
        if expected(destination).charged {
            assert!(reserves.contains_key(&id), "message {id} was never charged");
        }
    }
    for id in refunds.keys() {
        assert!(
            reserves.contains_key(id),
            "message {id} is refunded but was never charged"
        );
    }
    assert_eq!(
        store.account_balance(&account).unwrap(),
        Some(expected_balance),
        "the balance is the starting credit minus the price of every charged message not \
         refunded ({} charged, {} refunded)",
        reserves.len(),
        refunds.len()
    );

    for message in store.unfinished_messages() {
        let message = message.unwrap();
        let expected = expected(message.destination.text());
        assert!(
            message.state() == MessageState::Submitted && expected.state == MessageState::Submitted,
            "message {} to {} is left unfinished: {:?}",
            message.id,
            message.destination.text(),
            message.history()
        );
    }
    Audit {
        stored_unacked,
        refunds: refunds.len(),
    }
}

/// How many Reserve and Refund entries each message has.
fn ledger_by_message(
    ledger: &[LedgerEntry],
) -> (HashMap<MessageId, usize>, HashMap<MessageId, usize>) {
    let (mut reserves, mut refunds) = (HashMap::new(), HashMap::new());
    for entry in ledger {
        let counts = match entry.kind {
            LedgerKind::Reserve => &mut reserves,
            LedgerKind::Refund => &mut refunds,
            LedgerKind::TopUp | LedgerKind::Deduct => continue,
        };
        let id = entry
            .message
            .unwrap_or_else(|| panic!("a ledger entry for no message: {entry:?}"));
        *counts.entry(id).or_insert(0) += 1;
    }
    (reserves, refunds)
}

/// The starting credit once, then each entry's balance is the one before
/// plus its delta, ending at the stored balance.
fn check_ledger_chain(ledger: &[LedgerEntry], stored: Option<Money>) {
    let top_ups: Vec<&LedgerEntry> = ledger
        .iter()
        .filter(|entry| entry.kind == LedgerKind::TopUp)
        .collect();
    assert_eq!(top_ups.len(), 1, "the starting credit once: {top_ups:?}");
    assert_eq!(top_ups[0].delta, money(START_CREDIT));
    let mut balance = Money::ZERO;
    for entry in ledger {
        balance = balance.checked_add(entry.delta).unwrap();
        assert_eq!(
            entry.balance, balance,
            "the ledger chain breaks at {entry:?}"
        );
    }
    assert_eq!(stored, Some(balance), "the stored balance ends the ledger");
}

/// Every receipt is for a stored message (acknowledged or not) and says
/// its final state; every acknowledged message owed a receipt got one.
fn check_receipts(store: &Store, seen: &Seen) {
    for (&id, states) in &seen.receipts {
        let message = store
            .message(id)
            .unwrap()
            .unwrap_or_else(|| panic!("a receipt for message {id}, which the store does not have"));
        let destination = message.destination.text();
        let expected = expected(destination);
        assert!(
            expected.receipt,
            "message {id} to {destination} got a receipt it should not have"
        );
        let state = pasarela::smpp::message_state::to_smpp(expected.state);
        assert!(
            states.iter().all(|got| *got == Some(state)),
            "receipts for message {id} to {destination}: {states:?}, expected {state:?}"
        );
    }
    let missing = seen.missing_receipts();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged messages owed a receipt got none in the last round \
         (first: {:?}; {} receipts seen, {} duplicates)",
        missing.len(),
        seen.acked.len(),
        &missing[..missing.len().min(10)],
        seen.receipt_count(),
        seen.duplicate_receipts()
    );
}
