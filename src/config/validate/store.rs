//! `[store]`: what a durable acknowledgement survives, the group commit's
//! timing and size, the page cache, how long finished messages are kept,
//! how much of the queues kept in the store is held in memory, and how
//! gently older messages are indexed by number.

use std::time::Duration;

use super::checker::Checker;
use crate::config::raw::RawStore;
use crate::config::{Durability, StoreSettings};

const DEFAULT_COMMIT_INTERVAL_MS: u64 = 2;
const MAX_COMMIT_INTERVAL_MS: u64 = 1_000;
const DEFAULT_COMMIT_MAX_BATCH: u64 = 4_096;
const MAX_COMMIT_MAX_BATCH: u64 = 1_000_000;
const DEFAULT_CACHE_MB: u64 = 16;
const MIN_CACHE_MB: u64 = 8;
const MAX_CACHE_MB: u64 = 1 << 20;
/// A quarter of a year: long enough for monthly reports and disputes.
const DEFAULT_RETENTION_DAYS: f64 = 90.0;
/// About a second: below that the purge would race the receipts.
const MIN_RETENTION_DAYS: f64 = 0.00001;
const MAX_RETENTION_DAYS: f64 = 36_500.0;
/// Receipts and MO of one account in memory: a few hundred KiB at most.
const DEFAULT_MAILBOX_PAGE: u64 = 1_000;
const MAX_MAILBOX_PAGE: u64 = 100_000;
/// Callbacks in memory over all customer servers: a few MiB at most, and
/// room for many servers' callbacks while one is down.
const DEFAULT_OUTBOX_PAGE: u64 = 10_000;
const MAX_OUTBOX_PAGE: u64 = 1_000_000;
/// Messages waiting for their receipt held whole: tens of MiB; past it
/// about a tenth of that each, by id.
const DEFAULT_AWAITING_WHOLE: u64 = 50_000;
const MAX_AWAITING_WHOLE: u64 = 100_000_000;
/// As retention's pause: traffic's commits go between two pages.
const DEFAULT_INDEX_PAUSE_MS: u64 = 5;
const MAX_INDEX_PAUSE_MS: u64 = 60_000;

impl Checker<'_> {
    /// `[store]`.
    pub fn store(&mut self, raw: RawStore) -> StoreSettings {
        let durability = match raw.durability {
            // Power-safe unless told otherwise: it costs 6 % on the SMPP
            // relay (docs/benchmarks.md), and a power cut then loses no
            // acknowledged message.
            None => Durability::Power,
            Some(durability) => match durability.get_ref().as_str() {
                "process" => Durability::Process,
                "power" => Durability::Power,
                other => {
                    let message =
                        format!("unknown durability {other:?}, expected \"process\" or \"power\"");
                    self.report(&durability, "store.durability", message);
                    Durability::Process
                }
            },
        };
        let interval_ms = self.bounded(
            raw.commit_interval_ms.as_ref(),
            "store.commit_interval_ms",
            DEFAULT_COMMIT_INTERVAL_MS,
            0,
            MAX_COMMIT_INTERVAL_MS,
        );
        let max_batch = self.bounded(
            raw.commit_max_batch.as_ref(),
            "store.commit_max_batch",
            DEFAULT_COMMIT_MAX_BATCH,
            1,
            MAX_COMMIT_MAX_BATCH,
        );
        let cache_mb = self.bounded(
            raw.cache_mb.as_ref(),
            "store.cache_mb",
            DEFAULT_CACHE_MB,
            MIN_CACHE_MB,
            MAX_CACHE_MB,
        );
        let retention = self.days(
            raw.retention_days.as_ref(),
            "store.retention_days",
            DEFAULT_RETENTION_DAYS,
            (MIN_RETENTION_DAYS, MAX_RETENTION_DAYS),
        );
        let mut page = |value: Option<&toml::Spanned<u64>>, key: &str, default, max| {
            usize::try_from(self.bounded(value, key, default, 1, max)).unwrap_or(usize::MAX)
        };
        let mailbox_page = page(
            raw.mailbox_page.as_ref(),
            "store.mailbox_page",
            DEFAULT_MAILBOX_PAGE,
            MAX_MAILBOX_PAGE,
        );
        let outbox_page = page(
            raw.outbox_page.as_ref(),
            "store.outbox_page",
            DEFAULT_OUTBOX_PAGE,
            MAX_OUTBOX_PAGE,
        );
        let awaiting_whole = page(
            raw.awaiting_whole.as_ref(),
            "store.awaiting_whole",
            DEFAULT_AWAITING_WHOLE,
            MAX_AWAITING_WHOLE,
        );
        let index_pause_ms = self.bounded(
            raw.index_pause_ms.as_ref(),
            "store.index_pause_ms",
            DEFAULT_INDEX_PAUSE_MS,
            0,
            MAX_INDEX_PAUSE_MS,
        );
        StoreSettings {
            durability,
            commit_interval: Duration::from_millis(interval_ms),
            commit_max_batch: usize::try_from(max_batch).unwrap_or(usize::MAX),
            cache_bytes: cache_mb * 1024 * 1024,
            retention,
            mailbox_page,
            outbox_page,
            awaiting_whole,
            index_pause: Duration::from_millis(index_pause_ms),
        }
    }
}
