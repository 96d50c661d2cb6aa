//! Durable records per second: group commit against a flush per record, in
//! both durability modes, under two load shapes.
//!
//! A record is what the account actor commits for one submit_sm: the
//! message, the account's new balance and a ledger reservation, one batch.
//! Writers are async tasks on one current-thread runtime (as actors on an
//! actix arbiter).
//!
//! - `sessions`: 256 writers, each its own account with one commit in
//!   flight, awaiting it before the next (the worst case: nothing is shared
//!   between records, so each costs three sled keys).
//! - `accounts`: 4 account actors, each keeping 64 commits in flight and
//!   collecting them in order (how an account actor serves busy sessions:
//!   the balance and ledger keys of one account are written once per flush).
//!
//! "group" lets the committer carry everything waiting in one journal
//! record; "per_record" sets `max_batch` to 1, so the same writers get one
//! journal write (and in "power" one fdatasync) per record.
//!
//! Run: `cargo bench --bench store`; criterion's "thrpt" is records/s.
//! `cargo test --benches` runs each case once, as a smoke test.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use pasarela::model::{AccountId, Address, Message, Money, Npi, Ton};
use pasarela::store::{Batch, Durability, Durable, LedgerEntry, LedgerKind, Store, StoreConfig};

/// How the load is offered: `writers` tasks, each its own account, each
/// keeping up to `in_flight` commits outstanding.
#[derive(Clone, Copy)]
struct Shape {
    name: &'static str,
    writers: u64,
    in_flight: usize,
}

const SHAPES: [Shape; 2] = [
    Shape {
        name: "sessions",
        writers: 256,
        in_flight: 1,
    },
    Shape {
        name: "accounts",
        writers: 4,
        in_flight: 64,
    },
];

fn open(dir: &tempfile::TempDir, durability: Durability, max_batch: usize) -> Store {
    let mut config = StoreConfig::new(dir.path().join("store"));
    config.durability = durability;
    config.max_batch = max_batch;
    Store::open(config).unwrap()
}

/// The batch for one submitted message part.
fn record(store: &Store, account: &AccountId, balance: &mut Money) -> Batch {
    let id = store.next_message_id().unwrap();
    let now = Utc::now();
    let mut message = Message::new(
        id,
        account.clone(),
        Address::alphanumeric("Bench").unwrap(),
        Address::new(Ton::International, Npi::Isdn, "447700900123").unwrap(),
        b"Your verification code is 123456. It expires in 10 minutes.".to_vec(),
        now,
    );
    message.price = Money::from_micros(350_000);
    message.registered_delivery = 1;
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
    batch
}

/// Commits `records` records in the given shape; the time until the last
/// one is durable.
fn run(
    runtime: &tokio::runtime::Runtime,
    store: &Arc<Store>,
    shape: Shape,
    records: u64,
) -> Duration {
    let started = Instant::now();
    let local = tokio::task::LocalSet::new();
    for writer in 0..shape.writers {
        let share = records / shape.writers + u64::from(writer < records % shape.writers);
        let account = AccountId::new(format!("bench{writer}")).unwrap();
        let store = store.clone();
        local.spawn_local(async move {
            let mut balance = Money::from_units(1_000_000_000).unwrap();
            let mut in_flight: VecDeque<Durable> = VecDeque::with_capacity(shape.in_flight);
            for _ in 0..share {
                if in_flight.len() == shape.in_flight {
                    if let Some(oldest) = in_flight.pop_front() {
                        oldest.await.unwrap();
                    }
                }
                in_flight.push_back(store.commit(record(&store, &account, &mut balance)));
            }
            for durable in in_flight {
                durable.await.unwrap();
            }
        });
    }
    runtime.block_on(local);
    started.elapsed()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("durable_records");
    group
        .throughput(Throughput::Elements(1))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for shape in SHAPES {
        for durability in [Durability::Process, Durability::Power] {
            for (mode, max_batch) in [("group", 4096), ("per_record", 1)] {
                let dir = tempfile::tempdir().unwrap();
                let store = Arc::new(open(&dir, durability, max_batch));
                let id = BenchmarkId::new(format!("{}/{mode}", shape.name), durability);
                group.bench_function(id, |b| {
                    b.iter_custom(|records| run(&runtime, &store, shape, records))
                });
                if let Some(store) = Arc::into_inner(store) {
                    store.close().unwrap();
                }
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
