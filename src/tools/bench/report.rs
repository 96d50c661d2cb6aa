//! What the bench counts and prints: receipts matched to the ids of
//! acknowledged submits (across sessions, since with `--bind transmitter`
//! receipts come on other connections), each session's own counts, and the
//! final report as text and as one JSON line.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::smpp::Stat;

/// Ids of acknowledged messages awaiting receipts, and what arrived.
#[derive(Debug, Default)]
pub(super) struct Tracker {
    /// Acknowledged, receipt requested, none yet.
    awaiting: HashSet<String>,
    /// Receipts whose id was not (yet) acknowledged: the receipt can beat
    /// the submit_sm_resp when they travel on different connections.
    early: HashMap<String, Stat>,
    /// Matched receipts by `stat:` word.
    by_stat: BTreeMap<String, u64>,
    matched: u64,
    last_receipt: Option<Instant>,
}

impl Tracker {
    /// `message_id` was acknowledged and a receipt was asked for.
    pub(super) fn acknowledged(&mut self, message_id: String, now: Instant) {
        match self.early.remove(&message_id) {
            Some(stat) => self.count(&stat, now),
            None => {
                self.awaiting.insert(message_id);
            }
        }
    }

    /// A receipt for `message_id` arrived.
    pub(super) fn receipt(&mut self, message_id: String, stat: Stat, now: Instant) {
        if self.awaiting.remove(&message_id) {
            self.count(&stat, now);
        } else {
            self.early.insert(message_id, stat);
        }
    }

    fn count(&mut self, stat: &Stat, now: Instant) {
        *self.by_stat.entry(stat.word().to_owned()).or_default() += 1;
        self.matched += 1;
        self.last_receipt = Some(now);
    }

    /// Acknowledged messages still without a receipt.
    pub(super) fn missing(&self) -> usize {
        self.awaiting.len()
    }
}

/// What one session counted.
#[derive(Debug, Default)]
pub(super) struct SessionTotals {
    pub(super) submitted_ok: u64,
    /// Refused as full or throttled and sent again (`--resubmit-refused`).
    pub(super) resubmitted: u64,
    pub(super) errors: BTreeMap<String, u64>,
    /// submit_sm → submit_sm_resp, microseconds.
    pub(super) latencies_us: Vec<u32>,
    pub(super) first_submit: Option<Instant>,
    pub(super) last_response: Option<Instant>,
    pub(super) mo_received: u64,
    pub(super) unreadable_receipts: u64,
}

impl SessionTotals {
    pub(super) fn error(&mut self, name: &str) {
        *self.errors.entry(name.to_owned()).or_default() += 1;
    }

    fn merge(&mut self, other: SessionTotals) {
        self.submitted_ok += other.submitted_ok;
        self.resubmitted += other.resubmitted;
        for (name, count) in other.errors {
            *self.errors.entry(name).or_default() += count;
        }
        self.latencies_us.extend(other.latencies_us);
        self.first_submit = earliest(self.first_submit, other.first_submit);
        self.last_response = self.last_response.max(other.last_response);
        self.mo_received += other.mo_received;
        self.unreadable_receipts += other.unreadable_receipts;
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// submit_sm_resp latency, microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(super) struct Latency {
    pub(super) p50: u32,
    pub(super) p99: u32,
    pub(super) max: u32,
}

impl Latency {
    fn of(mut samples: Vec<u32>) -> Latency {
        samples.sort_unstable();
        Latency {
            p50: percentile(&samples, 50),
            p99: percentile(&samples, 99),
            max: samples.last().copied().unwrap_or(0),
        }
    }
}

/// Nearest-rank percentile of sorted samples; 0 for none.
fn percentile(sorted: &[u32], p: usize) -> u32 {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or(0)
}

/// The run's result; serialised as the final JSON line.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub(super) messages: u64,
    /// submit_sm PDUs: messages × parts.
    pub(super) parts: u64,
    pub(super) sessions: u16,
    pub(super) window: u16,
    /// submit_sm answered with ESME_ROK.
    pub(super) submitted_ok: u64,
    /// submit_sm refused, by status name (and TIMEOUT, CONNECTION_LOST).
    pub(super) submit_errors: BTreeMap<String, u64>,
    /// submit_sm refused as full or throttled and sent again
    /// (`--resubmit-refused`).
    pub(super) resubmitted: u64,
    /// Acknowledged submits per second, first submit to last answer.
    pub(super) submit_per_sec: f64,
    /// Matched receipts per second, first submit to last receipt; `null`
    /// when no receipt was asked for or none came.
    pub(super) e2e_per_sec: Option<f64>,
    pub(super) latency_us: Latency,
    /// Matched receipts by `stat:`.
    pub(super) receipts: BTreeMap<String, u64>,
    /// Acknowledged messages whose receipt did not come in time.
    pub(super) receipts_missing: u64,
    /// Receipts for ids this run did not acknowledge (left from an earlier
    /// run, or sent twice).
    pub(super) receipts_unmatched: u64,
    pub(super) receipts_unreadable: u64,
    pub(super) mo_received: u64,
    pub(super) elapsed_s: f64,
}

/// What the run was asked to do.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub(super) messages: u64,
    pub(super) parts: u64,
    pub(super) sessions: u16,
    pub(super) window: u16,
}

impl Report {
    pub(super) fn new(
        shape: Shape,
        sessions: Vec<SessionTotals>,
        tracker: Tracker,
        elapsed: Duration,
    ) -> Report {
        let mut totals = SessionTotals::default();
        for session in sessions {
            totals.merge(session);
        }
        let per_sec = |count: u64, from: Option<Instant>, to: Option<Instant>| {
            let seconds = to?.checked_duration_since(from?)?.as_secs_f64();
            (seconds > 0.0).then(|| round(count as f64 / seconds))
        };
        Report {
            messages: shape.messages,
            parts: shape.parts,
            sessions: shape.sessions,
            window: shape.window,
            submitted_ok: totals.submitted_ok,
            submit_errors: totals.errors,
            resubmitted: totals.resubmitted,
            submit_per_sec: per_sec(
                totals.submitted_ok,
                totals.first_submit,
                totals.last_response,
            )
            .unwrap_or(0.0),
            e2e_per_sec: per_sec(tracker.matched, totals.first_submit, tracker.last_receipt),
            latency_us: Latency::of(totals.latencies_us),
            receipts: tracker.by_stat,
            receipts_missing: tracker.awaiting.len() as u64,
            receipts_unmatched: tracker.early.len() as u64,
            receipts_unreadable: totals.unreadable_receipts,
            mo_received: totals.mo_received,
            elapsed_s: round(elapsed.as_secs_f64()),
        }
    }

    /// The report for people, several lines.
    pub(super) fn text(&self) -> String {
        let counts = |map: &BTreeMap<String, u64>| {
            if map.is_empty() {
                return "none".to_owned();
            }
            map.iter()
                .map(|(name, count)| format!("{name} {count}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let e2e = self
            .e2e_per_sec
            .map_or("-".to_owned(), |rate| format!("{rate:.0} msg/s"));
        format!(
            "messages      {} ({} submit_sm) over {} sessions, window {}\n\
             submitted ok  {} at {:.0} msg/s\n\
             submit errors {}, resubmitted {}\n\
             latency       p50 {} µs, p99 {} µs, max {} µs\n\
             receipts      {} ({}), missing {}, unmatched {}\n\
             end to end    {e2e}\n\
             elapsed       {:.2} s",
            self.messages,
            self.parts,
            self.sessions,
            self.window,
            self.submitted_ok,
            self.submit_per_sec,
            counts(&self.submit_errors),
            self.resubmitted,
            self.latency_us.p50,
            self.latency_us.p99,
            self.latency_us.max,
            self.receipts.values().sum::<u64>(),
            counts(&self.receipts),
            self.receipts_missing,
            self.receipts_unmatched,
            self.elapsed_s,
        )
    }
}

/// Two decimals are plenty for rates and seconds.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&samples, 50), 50);
        assert_eq!(percentile(&samples, 99), 99);
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[], 50), 0);
        let latency = Latency::of(vec![5, 1, 9, 3]);
        assert_eq!(
            latency,
            Latency {
                p50: 3,
                p99: 9,
                max: 9
            }
        );
    }

    #[test]
    fn receipts_match_in_either_order() {
        let now = Instant::now();
        let mut tracker = Tracker::default();
        tracker.acknowledged("a".into(), now);
        tracker.receipt("b".into(), Stat::Undeliverable, now);
        assert_eq!(tracker.missing(), 1);
        tracker.acknowledged("b".into(), now);
        tracker.receipt("a".into(), Stat::Delivered, now);
        tracker.receipt("stale".into(), Stat::Delivered, now);
        tracker.acknowledged("c".into(), now);
        assert_eq!(tracker.missing(), 1);
        let report = Report::new(
            Shape {
                messages: 3,
                parts: 3,
                sessions: 1,
                window: 1,
            },
            Vec::new(),
            tracker,
            Duration::from_secs(1),
        );
        assert_eq!(report.receipts["DELIVRD"], 1);
        assert_eq!(report.receipts["UNDELIV"], 1);
        assert_eq!(report.receipts_missing, 1);
        assert_eq!(report.receipts_unmatched, 1);
        assert_eq!(report.e2e_per_sec, None, "no submit, no rate");
    }
}
