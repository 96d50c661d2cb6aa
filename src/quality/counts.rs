//! What is counted for one gateway and one destination operator over one
//! stretch of time ([`Counts`]), how two stretches add up, and the figures
//! a report and a routing decision read from a sum ([`Figures`]): delivery
//! ratio, receipt latency p50/p95 from a fixed-bucket histogram, the most
//! frequent error codes, cost, price and margin. No I/O, no clock.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::{MessageState, Money};

/// Upper bounds, in milliseconds, of the receipt latency buckets; one more
/// bucket takes everything above the last.
pub const LATENCY_BOUNDS_MS: [u64; 14] = [
    100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
    1_800_000, 3_600_000,
];

/// How many error codes a report lists, most frequent first.
pub const TOP_ERRORS: usize = 5;

/// Receipt latencies, counted in [`LATENCY_BOUNDS_MS`] buckets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// One count per bound, then the overflow bucket; shorter when the
    /// upper buckets are all zero.
    buckets: Vec<u64>,
}

impl Histogram {
    /// Counts one latency.
    pub fn observe(&mut self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        let index = LATENCY_BOUNDS_MS
            .iter()
            .position(|&bound| ms <= bound)
            .unwrap_or(LATENCY_BOUNDS_MS.len());
        if self.buckets.len() <= index {
            self.buckets.resize(index + 1, 0);
        }
        self.buckets[index] += 1;
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &Histogram) {
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
    }

    /// Latencies counted.
    pub fn total(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// The upper bound of the bucket holding the `q` quantile (0 to 1), in
    /// seconds: an over-estimate by at most one bucket. The overflow
    /// bucket answers the last bound. `None` without latencies.
    pub fn quantile_s(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        // The rank of the quantile, at least the first latency.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in self.buckets.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let bound = LATENCY_BOUNDS_MS
                    .get(index)
                    .or(LATENCY_BOUNDS_MS.last())
                    .copied()
                    .unwrap_or(0);
                return Some(bound as f64 / 1000.0);
            }
        }
        None
    }
}

/// How a final receipt ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// DELIVRD.
    Delivered,
    /// UNDELIV.
    Undelivered,
    /// EXPIRED.
    Expired,
    /// Any other final state (REJECTD, DELETED, UNKNOWN, ...).
    Other,
}

impl Outcome {
    /// The outcome of a final `state`.
    pub fn of(state: MessageState) -> Outcome {
        match state {
            MessageState::Delivered => Outcome::Delivered,
            MessageState::Undeliverable => Outcome::Undelivered,
            MessageState::Expired => Outcome::Expired,
            _ => Outcome::Other,
        }
    }
}

/// Everything counted for one gateway and operator in one time bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Submits the SMSC took.
    pub accepted: u64,
    /// Submits it refused (for good or for now).
    pub refused: u64,
    /// DELIVRD receipts.
    pub delivered: u64,
    /// UNDELIV receipts.
    pub undelivered: u64,
    /// EXPIRED receipts.
    pub expired: u64,
    /// Other final receipts (REJECTD, DELETED, UNKNOWN, ...).
    pub other: u64,
    /// Messages whose receipt had not come `receipt_wait_s` after submit.
    pub missing: u64,
    /// Final receipts that came after that: counted here, not by their
    /// state, as their message was counted missing.
    pub late: u64,
    /// DELIVRD receipts for probes that never arrived.
    pub fake_receipts: u64,
    /// Probes sent to test numbers (settled: arrived or waited out).
    pub probes: u64,
    /// Of those, the ones that arrived as MO.
    pub probes_arrived: u64,
    /// Of those, the ones whose text arrived changed.
    pub probes_altered: u64,
    /// Probe submit to its arrival as MO: the real delivery time.
    pub probe_latency: Histogram,
    /// Submit to final receipt.
    pub latency: Histogram,
    /// Error code → receipts that carried it.
    pub errors: BTreeMap<u16, u64>,
    /// What the gateway charges for the accepted submits (`gateway_costs`).
    pub cost: Money,
    /// What the accounts were charged for them (the route's price).
    pub price: Money,
    /// Probes that arrived from another sender than they were sent with.
    /// Last, as it came last (store value version 11).
    pub probes_sender_rewritten: u64,
}

impl Counts {
    /// A submit the SMSC took, at `cost` to us and `price` to the account.
    pub fn accept(&mut self, cost: Money, price: Money) {
        self.accepted += 1;
        self.cost = self.cost.checked_add(cost).unwrap_or(self.cost);
        self.price = self.price.checked_add(price).unwrap_or(self.price);
    }

    /// A final receipt, `latency` after the submit.
    pub fn receipt(&mut self, outcome: Outcome, error_code: Option<u16>, latency: Duration) {
        match outcome {
            Outcome::Delivered => self.delivered += 1,
            Outcome::Undelivered => self.undelivered += 1,
            Outcome::Expired => self.expired += 1,
            Outcome::Other => self.other += 1,
        }
        if let Some(code) = error_code {
            *self.errors.entry(code).or_default() += 1;
        }
        self.latency.observe(latency);
    }

    /// A final receipt that came `latency` after the submit, past the
    /// wait: its message was counted missing.
    pub fn late_receipt(&mut self, latency: Duration) {
        self.late += 1;
        self.latency.observe(latency);
    }

    /// Adds `other` to these.
    pub fn merge(&mut self, other: &Counts) {
        self.accepted += other.accepted;
        self.refused += other.refused;
        self.delivered += other.delivered;
        self.undelivered += other.undelivered;
        self.expired += other.expired;
        self.other += other.other;
        self.missing += other.missing;
        self.late += other.late;
        self.fake_receipts += other.fake_receipts;
        self.probes += other.probes;
        self.probes_arrived += other.probes_arrived;
        self.probes_altered += other.probes_altered;
        self.probes_sender_rewritten += other.probes_sender_rewritten;
        self.probe_latency.merge(&other.probe_latency);
        self.latency.merge(&other.latency);
        for (code, count) in &other.errors {
            *self.errors.entry(*code).or_default() += count;
        }
        self.cost = self.cost.checked_add(other.cost).unwrap_or(self.cost);
        self.price = self.price.checked_add(other.price).unwrap_or(self.price);
    }

    /// Final receipts in time, whatever they said.
    pub fn receipts(&self) -> u64 {
        self.delivered + self.undelivered + self.expired + self.other
    }

    /// What a report and a routing decision read from these counts.
    pub fn figures(&self) -> Figures {
        let settled = self.receipts() + self.missing;
        let mut errors: Vec<(u16, u64)> = self.errors.iter().map(|(&c, &n)| (c, n)).collect();
        errors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        errors.truncate(TOP_ERRORS);
        Figures {
            delivery_ratio: (settled > 0).then(|| self.delivered as f64 / settled as f64),
            latency_p50_s: self.latency.quantile_s(0.5),
            latency_p95_s: self.latency.quantile_s(0.95),
            settled,
            top_errors: errors,
            margin: self.price.checked_sub(self.cost).unwrap_or(Money::ZERO),
        }
    }
}

/// Figures derived from [`Counts`].
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// DELIVRD over every message settled (a final receipt or missing);
    /// `None` when none is.
    pub delivery_ratio: Option<f64>,
    /// Median submit-to-receipt latency, seconds (a bucket's bound).
    pub latency_p50_s: Option<f64>,
    /// 95th percentile of the same.
    pub latency_p95_s: Option<f64>,
    /// Final receipts plus missing ones: the sample the ratio stands on.
    pub settled: u64,
    /// The most frequent error codes with their counts, most first.
    pub top_errors: Vec<(u16, u64)>,
    /// Price minus cost.
    pub margin: Money,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn quantiles_answer_the_bucket_bound() {
        let mut histogram = Histogram::default();
        assert_eq!(histogram.quantile_s(0.5), None);
        for _ in 0..90 {
            histogram.observe(ms(800));
        }
        for _ in 0..10 {
            histogram.observe(ms(45_000));
        }
        assert_eq!(histogram.quantile_s(0.5), Some(1.0));
        assert_eq!(histogram.quantile_s(0.95), Some(60.0));
        histogram.observe(Duration::from_secs(100_000));
        assert_eq!(histogram.quantile_s(1.0), Some(3600.0));
    }

    #[test]
    fn figures_count_missing_receipts_against_the_ratio() {
        let mut counts = Counts::default();
        for _ in 0..6 {
            counts.accept(Money::from_micros(20_000), Money::from_micros(50_000));
        }
        counts.receipt(Outcome::Delivered, None, ms(500));
        counts.receipt(Outcome::Delivered, None, ms(500));
        counts.receipt(Outcome::Undelivered, Some(11), ms(500));
        counts.receipt(Outcome::of(MessageState::Expired), Some(11), ms(500));
        counts.receipt(Outcome::Other, Some(3), ms(500));
        counts.missing += 1;
        counts.late_receipt(Duration::from_secs(7200));
        let figures = counts.figures();
        assert_eq!(figures.settled, 6);
        assert_eq!(figures.delivery_ratio, Some(2.0 / 6.0));
        assert_eq!(figures.top_errors, [(11, 2), (3, 1)]);
        assert_eq!(figures.latency_p95_s, Some(3600.0));
        assert_eq!(figures.margin, Money::from_micros(180_000));
        assert_eq!(Counts::default().figures().delivery_ratio, None);
    }

    proptest! {
        #[test]
        fn merging_is_adding(
            a in proptest::collection::vec((0u8..4, 0u64..5_000_000, proptest::option::of(0u16..4)), 0..40),
            b in proptest::collection::vec((0u8..4, 0u64..5_000_000, proptest::option::of(0u16..4)), 0..40),
        ) {
            let fill = |items: &[(u8, u64, Option<u16>)], counts: &mut Counts| {
                for &(kind, latency, code) in items {
                    let outcome = [Outcome::Delivered, Outcome::Undelivered, Outcome::Expired, Outcome::Other][usize::from(kind)];
                    counts.accept(Money::from_micros(1), Money::from_micros(3));
                    counts.receipt(outcome, code, ms(latency));
                }
            };
            let (mut left, mut right, mut both) = (Counts::default(), Counts::default(), Counts::default());
            fill(&a, &mut left);
            fill(&b, &mut right);
            fill(&a, &mut both);
            fill(&b, &mut both);
            left.merge(&right);
            prop_assert_eq!(left.figures(), both.figures());
            prop_assert_eq!(left.accepted, both.accepted);
            prop_assert_eq!(left.latency.total(), (a.len() + b.len()) as u64);
            // p50 never above p95.
            if let (Some(p50), Some(p95)) = (both.latency.quantile_s(0.5), both.latency.quantile_s(0.95)) {
                prop_assert!(p50 <= p95);
            }
        }
    }
}
