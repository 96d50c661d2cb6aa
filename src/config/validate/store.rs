//! `[store]`: what a durable acknowledgement survives, the group commit's
//! timing and size, and the page cache.

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

impl Checker<'_> {
    /// `[store]`.
    pub fn store(&mut self, raw: RawStore) -> StoreSettings {
        let durability = match raw.durability {
            None => Durability::Process,
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
        StoreSettings {
            durability,
            commit_interval: Duration::from_millis(interval_ms),
            commit_max_batch: usize::try_from(max_batch).unwrap_or(usize::MAX),
            cache_bytes: cache_mb * 1024 * 1024,
        }
    }
}
