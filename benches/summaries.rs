//! Report summaries with a million messages stored: how long the daily and
//! monthly reports (and today's hours) take to build from the tallies.
//!
//! A million messages spread over the 90 UTC days before the bench's
//! "now", each from one of 20 accounts to one of 10 operators through one
//! of 4 gateways on one of 5 routes (4,000 keys, nearly all of them every
//! day: ~350,000 day buckets, far more than most operators have), are
//! counted as the switch counts them (accepted and charged, taken by a
//! gateway at its cost, finished with a state, some refunded), written to
//! a real store in the batches the summary board writes, and read back as
//! the switch does at start. The reports are then built from that book.
//!
//! Run: `cargo bench --bench summaries` (`scripts/bench.sh reports`);
//! `cargo test --benches` runs each case once, as a smoke test. The goal
//! is under 50 ms a report.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use pasarela::model::{MessageState, Money};
use pasarela::store::{Batch, Store, StoreConfig};
use pasarela::summaries::{Book, Ending, GroupBy, Key, Period, Span, summarise};

const MESSAGES: u64 = 1_000_000;
const DAYS: i64 = 90;
/// Day buckets written per batch.
const BATCH: usize = 2_000;

fn now() -> DateTime<Utc> {
    "2026-12-06T12:00:00Z".parse().unwrap()
}

/// A small deterministic generator (no dependency, same book every run).
struct Numbers(u64);

impl Numbers {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn key(numbers: &mut Numbers) -> Key {
    Key {
        account: format!("account{:02}", numbers.next(20)),
        country: "ES".to_owned(),
        operator: format!("operator{}", numbers.next(10)),
        gateway: format!("gateway{}", numbers.next(4)),
        route: format!("34{}", numbers.next(5)),
    }
}

/// The million messages counted, stored and read back.
fn stored_book(store: &Store) -> Book {
    let mut numbers = Numbers(0x9e37_79b9_7f4a_7c15);
    let mut book = Book::new();
    let price = Money::from_micros(50_000);
    let cost = Money::from_micros(30_000);
    let endings = [
        MessageState::Delivered,
        MessageState::Delivered,
        MessageState::Delivered,
        MessageState::Undeliverable,
        MessageState::Rejected,
    ];
    let start = now() - Duration::days(DAYS);
    let step_ms = DAYS * 86_400_000 / MESSAGES as i64;
    for n in 0..MESSAGES {
        let at = start + Duration::milliseconds(n as i64 * step_ms);
        let key = book.intern(&key(&mut numbers).names());
        let state = endings[numbers.next(endings.len() as u64) as usize];
        let refunded = if state == MessageState::Rejected {
            price
        } else {
            Money::ZERO
        };
        book.record(at, key, |tally| {
            tally.accept(true, price);
            tally.take(cost);
            tally.finish(Ending::of(state), refunded);
        });
    }
    book.prune(now());
    let dirty = book.take_dirty();
    for chunk in dirty.chunks(BATCH) {
        let mut batch = Batch::new();
        for (id, tally) in chunk {
            batch.put_summary_bucket(id, tally);
        }
        store.commit(batch).wait().unwrap();
    }
    let mut loaded = Book::new();
    for bucket in store.summary_buckets().unwrap() {
        let (id, tally) = bucket.unwrap();
        loaded.load(id, &tally);
    }
    loaded
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn reports(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path().join("store"))).unwrap();
    let book = stored_book(&store);
    assert_eq!(book.total().messages, MESSAGES);

    let mut group = c.benchmark_group("reports");
    let month = (day("2026-12-01"), day("2026-12-31"));
    let year = (day("2026-01-01"), day("2026-12-31"));
    let quarter = (day("2026-09-07"), day("2026-12-06"));
    group.bench_function("monthly_36_months_by_operator_all_accounts", |b| {
        b.iter(|| {
            summarise(
                &book,
                Period::Month,
                day("2024-01-01"),
                year.1,
                GroupBy::Operator,
                None,
            )
        })
    });
    group.bench_function("monthly_12_months_by_gateway_all_accounts", |b| {
        b.iter(|| summarise(&book, Period::Month, year.0, year.1, GroupBy::Gateway, None))
    });
    group.bench_function("daily_90_days_by_account_all_accounts", |b| {
        b.iter(|| {
            summarise(
                &book,
                Period::Day,
                quarter.0,
                quarter.1,
                GroupBy::Account,
                None,
            )
        })
    });
    group.bench_function("daily_this_month_by_operator_one_account", |b| {
        b.iter(|| {
            summarise(
                &book,
                Period::Day,
                month.0,
                month.1,
                GroupBy::Operator,
                Some("account07"),
            )
        })
    });
    group.bench_function("today_per_hour_all_accounts", |b| {
        let today = Span::Day.start(now());
        b.iter(|| book.hours(today, today + 86_400_000, None))
    });
    group.finish();
}

criterion_group!(benches, reports);
criterion_main!(benches);
