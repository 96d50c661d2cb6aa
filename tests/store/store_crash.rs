//! kill -9 recovery: a child process commits message + credit reservation +
//! ledger batches from several writers (plain threads and async tasks) and
//! prints an ACK line for each only once its commit is durable. The parent
//! kills it with SIGKILL at a random moment, reopens the store, and checks:
//!
//! - every acknowledged message is stored (nothing acked is lost);
//! - each account's balance is its starting credit minus the prices of
//!   exactly the messages stored, and each stored message has exactly one
//!   ledger reservation (a batch survived whole or not at all).
//!
//! The child is this test binary run again with an exact filter on the
//! ignored test `crash_child`, so `cargo test` needs nothing else built.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use chrono::Utc;
use pasarela::model::{AccountId, Address, Message, MessageId, Money, Npi, Ton};
use pasarela::store::{Batch, LedgerEntry, LedgerKind, Store, StoreConfig};

const CHILD_ENV: &str = "PASARELA_CRASH_CHILD_STORE";
const THREAD_WRITERS: usize = 3;
const TASK_WRITERS: usize = 3;
const ROUNDS: usize = 24;
/// How long a round that kills after the first ack waits for it.
const FIRST_ACK_WAIT: Duration = Duration::from_secs(10);
/// A child left alone stops by itself after this, so a parent that died
/// leaves no process behind for long.
const CHILD_LIFETIME: Duration = Duration::from_secs(20);

fn start_credit() -> Money {
    Money::from_units(1_000_000_000).unwrap()
}

fn accounts() -> Vec<AccountId> {
    let threads = (0..THREAD_WRITERS).map(|i| format!("thread{i}"));
    let tasks = (0..TASK_WRITERS).map(|i| format!("task{i}"));
    threads
        .chain(tasks)
        .map(|name| AccountId::new(name).unwrap())
        .collect()
}

fn config(path: &Path) -> StoreConfig {
    StoreConfig::new(path)
}

/// One acknowledged write, as the child reported it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ack {
    account: AccountId,
    id: MessageId,
    price: Money,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut words = line.strip_prefix("ACK ")?.split(' ');
    let ack = Ack {
        account: AccountId::new(words.next()?).ok()?,
        id: words.next()?.parse().ok()?,
        price: Money::from_micros(words.next()?.parse().ok()?),
    };
    words.next().is_none().then_some(ack)
}

#[test]
#[ignore = "the child process of kill_9_loses_no_acknowledged_write, which starts it"]
fn crash_child() {
    let path = PathBuf::from(
        std::env::var_os(CHILD_ENV).expect("run by kill_9_loses_no_acknowledged_write"),
    );
    let store = Arc::new(Store::open(config(&path)).unwrap());
    let deadline = Instant::now() + CHILD_LIFETIME;
    let accounts = accounts();
    let (thread_accounts, task_accounts) = accounts.split_at(THREAD_WRITERS);
    let mut writers: Vec<_> = thread_accounts
        .iter()
        .cloned()
        .map(|account| {
            let store = store.clone();
            thread::spawn(move || {
                let mut balance = store.account_balance(&account).unwrap().unwrap();
                while Instant::now() < deadline {
                    let (batch, ack) = reservation(&store, &account, &mut balance);
                    store.commit(batch).wait().unwrap();
                    report(&ack);
                }
            })
        })
        .collect();
    let store_for_tasks = store.clone();
    let task_accounts = task_accounts.to_vec();
    writers.push(thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        for account in task_accounts {
            let store = store_for_tasks.clone();
            local.spawn_local(async move {
                let mut balance = store.account_balance(&account).unwrap().unwrap();
                while Instant::now() < deadline {
                    let (batch, ack) = reservation(&store, &account, &mut balance);
                    store.commit(batch).await.unwrap();
                    report(&ack);
                }
            });
        }
        runtime.block_on(local);
    }));
    for writer in writers {
        writer.join().unwrap();
    }
}

/// What the account actor does on submit_sm: a new message, its price
/// reserved from the balance, and the ledger entry, as one batch.
fn reservation(store: &Store, account: &AccountId, balance: &mut Money) -> (Batch, Ack) {
    let id = store.next_message_id().unwrap();
    let now = Utc::now();
    let mut message = Message::new(
        id,
        account.clone(),
        Address::alphanumeric("Crash").unwrap(),
        Address::new(Ton::International, Npi::Isdn, "447700900123").unwrap(),
        format!("message {id}").into_bytes(),
        now,
    );
    // 1, 2 or 3 units, so a lost or doubled charge cannot cancel out.
    let units = i64::try_from(id.value() % 3).unwrap() + 1;
    message.price = Money::from_units(units).unwrap();
    *balance = balance.checked_sub(message.price).unwrap();
    let mut batch = Batch::new();
    batch
        .put_message(&message)
        .set_balance(account, *balance)
        .append_ledger(&LedgerEntry {
            account: account.clone(),
            kind: LedgerKind::Reserve,
            delta: Money::ZERO.checked_sub(message.price).unwrap(),
            balance: *balance,
            message: Some(id),
            at: now,
            reason: None,
        });
    let ack = Ack {
        account: account.clone(),
        id,
        price: message.price,
    };
    (batch, ack)
}

/// One write of a whole line (well under PIPE_BUF), so a kill never leaves
/// half an ACK in the pipe.
fn report(ack: &Ack) {
    let line = format!("ACK {} {} {}\n", ack.account, ack.id, ack.price.micros());
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(line.as_bytes()).unwrap();
    stdout.flush().unwrap();
}

fn spawn_child(path: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "store_crash::crash_child",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

/// The parent's checks after a crash; returns the number of messages stored.
fn check_store(path: &Path, acked: &[Ack]) -> usize {
    let store = Store::open(config(path)).unwrap();
    for ack in acked {
        let message = store.message(ack.id).unwrap();
        let message = message.unwrap_or_else(|| panic!("acknowledged {ack:?} was lost"));
        assert_eq!(
            (&message.account, message.price),
            (&ack.account, ack.price),
            "{ack:?}"
        );
    }
    let mut charged: BTreeMap<AccountId, (Money, BTreeSet<MessageId>)> = BTreeMap::new();
    let mut stored = 0;
    for message in store.unfinished_messages() {
        let message = message.unwrap();
        let (total, ids) = charged.entry(message.account.clone()).or_default();
        *total = total.checked_add(message.price).unwrap();
        ids.insert(message.id);
        stored += 1;
    }
    for account in accounts() {
        let (total, ids) = charged.remove(&account).unwrap_or_default();
        let balance = store.account_balance(&account).unwrap().unwrap();
        assert_eq!(
            balance,
            start_credit().checked_sub(total).unwrap(),
            "{account}: balance is not the starting credit minus the charges of the stored messages"
        );
        let ledger = store.ledger(&account).unwrap();
        let reserved: Vec<MessageId> = ledger
            .iter()
            .filter(|entry| entry.kind == LedgerKind::Reserve)
            .filter_map(|entry| entry.message)
            .collect();
        assert_eq!(reserved.len(), ids.len(), "{account}: ledger reservations");
        assert_eq!(
            reserved.into_iter().collect::<BTreeSet<_>>(),
            ids,
            "{account}: ledger reservations"
        );
        assert_eq!(ledger.last().map(|entry| entry.balance), Some(balance));
    }
    assert!(
        charged.is_empty(),
        "messages of unknown accounts: {charged:?}"
    );
    store.close().unwrap();
    stored
}

#[test]
fn kill_9_loses_no_acknowledged_write() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let store = Store::open(config(&path)).unwrap();
    let mut batch = Batch::new();
    for account in accounts() {
        batch
            .set_balance(&account, start_credit())
            .append_ledger(&LedgerEntry {
                account: account.clone(),
                kind: LedgerKind::TopUp,
                delta: start_credit(),
                balance: start_credit(),
                message: None,
                at: Utc::now(),
                reason: None,
            });
    }
    store.commit(batch).wait().unwrap();
    store.close().unwrap();

    let mut acked = Vec::new();
    let mut rounds_with_acks = 0;
    for round in 0..ROUNDS {
        let (mut child, lines) = spawn_child(&path);
        // Kill at a random moment: in odd rounds counted from the start,
        // so some land before the first ack (while the store is being
        // recovered); in even rounds counted from the first ack, so they
        // land in the middle of the writes however slow the machine is.
        let after = Duration::from_millis(fastrand::u64(30..400));
        let mut kill_at = if round % 2 == 1 {
            Instant::now() + after
        } else {
            Instant::now() + FIRST_ACK_WAIT
        };
        let mut round_acks = 0;
        let mut other = Vec::new();
        while let Some(wait) = kill_at.checked_duration_since(Instant::now()) {
            match lines.recv_timeout(wait) {
                Ok(line) => match parse_ack(&line) {
                    Some(ack) => {
                        if round % 2 == 0 && round_acks == 0 {
                            kill_at = Instant::now() + after;
                        }
                        acked.push(ack);
                        round_acks += 1;
                    }
                    None if line.starts_with("ACK") => panic!("malformed ack {line:?}"),
                    None => other.push(line),
                },
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: the child ended before it was killed: {other:#?}"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Acks already in the pipe were written after their commit was
        // durable: they count too.
        for line in lines.iter() {
            if let Some(ack) = parse_ack(&line) {
                acked.push(ack);
                round_acks += 1;
            }
        }
        if round_acks > 0 {
            rounds_with_acks += 1;
        }
        let stored = check_store(&path, &acked);
        assert!(stored >= acked.len());
        eprintln!(
            "round {round}: {round_acks} acks, {} acked in all, {stored} stored, {:?} elapsed",
            acked.len(),
            started.elapsed()
        );
    }
    // The test proves something only if the kills landed among writes.
    assert!(
        rounds_with_acks >= ROUNDS / 2,
        "only {rounds_with_acks} of {ROUNDS} rounds acknowledged anything"
    );
    assert!(
        acked.len() >= 1000,
        "only {} writes acknowledged",
        acked.len()
    );
    let mut ids: Vec<MessageId> = acked.iter().map(|ack| ack.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), acked.len(), "a message id was given out twice");
}
