//! The book of tallies: a [`Tally`] per key in buckets of one UTC hour and
//! of one UTC day. Every count goes to the bucket of each width holding
//! the message's acceptance time, so a message is counted in the hour and
//! day it was accepted whenever it ends. Hour buckets answer today's
//! chart and are dropped after [`HOURS_KEPT`] hours ([`Book::prune`]);
//! day buckets answer the daily and monthly reports and are kept. Those
//! changed since the last [`Book::take_dirty`] are what the caller
//! persists. No I/O, no clock: times are passed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::tally::Tally;

/// Hour buckets kept, counted back from the newest hour asked about.
pub const HOURS_KEPT: i64 = 72;
/// A key field with no value: no gateway took the message (yet), no
/// route covered it, no country is known for its number.
pub const NONE: &str = "-";

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Which of the two bucket widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Span {
    /// One UTC hour.
    Hour,
    /// One UTC day.
    Day,
}

impl Span {
    fn width_ms(self) -> i64 {
        match self {
            Span::Hour => HOUR_MS,
            Span::Day => DAY_MS,
        }
    }

    /// The start, in milliseconds since the epoch, of the bucket of this
    /// width holding `at`.
    pub fn start(self, at: DateTime<Utc>) -> i64 {
        let ms = at.timestamp_millis();
        ms - ms.rem_euclid(self.width_ms())
    }
}

/// What a tally is counted by.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The account's system_id.
    pub account: String,
    /// The destination's country (ISO 3166-1 alpha-2), or [`NONE`].
    pub country: String,
    /// The destination's operator from `[[numbering]]`, or `unknown`.
    pub operator: String,
    /// The gateway that took it, or [`NONE`].
    pub gateway: String,
    /// The prefix of its route (`""` the default route), or [`NONE`].
    pub route: String,
}

/// One bucket as the store keeps it: its width, its start in milliseconds
/// since the epoch, its key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BucketId {
    /// Its width.
    pub span: Span,
    /// Its start, in milliseconds since the epoch.
    pub start_ms: i64,
    /// What it counts.
    pub key: Key,
}

/// Tallies in time buckets, ordered by width, start and key.
#[derive(Debug, Clone, Default)]
pub struct Book {
    buckets: BTreeMap<(Span, i64, Key), Tally>,
    dirty: BTreeSet<(Span, i64, Key)>,
}

impl Book {
    /// An empty book.
    pub fn new() -> Book {
        Book::default()
    }

    /// Counts something for `key` of a message accepted `at`: `count`
    /// changes the bucket of each width holding `at`.
    pub fn record(&mut self, at: DateTime<Utc>, key: &Key, count: impl Fn(&mut Tally)) {
        for span in [Span::Hour, Span::Day] {
            let id = (span, span.start(at), key.clone());
            count(self.buckets.entry(id.clone()).or_default());
            self.dirty.insert(id);
        }
    }

    /// Adds `tally` to `key`'s buckets holding `at`.
    pub fn add(&mut self, at: DateTime<Utc>, key: &Key, tally: &Tally) {
        self.record(at, key, |bucket| bucket.merge(tally));
    }

    fn range(
        &self,
        span: Span,
        from_ms: i64,
        to_ms: i64,
    ) -> impl Iterator<Item = (i64, &Key, &Tally)> {
        let low = (span, from_ms, Key::default());
        let high = (span, to_ms, Key::default());
        let range = (from_ms < to_ms).then(|| self.buckets.range(low..high));
        range
            .into_iter()
            .flatten()
            .map(|((_, start, key), tally)| (*start, key, tally))
    }

    /// The hour buckets starting in `from_ms..to_ms` of the keys `keep`
    /// takes, summed per hour.
    pub fn hours(
        &self,
        from_ms: i64,
        to_ms: i64,
        keep: impl Fn(&Key) -> bool,
    ) -> BTreeMap<i64, Tally> {
        let mut hours: BTreeMap<i64, Tally> = BTreeMap::new();
        for (start, key, tally) in self.range(Span::Hour, from_ms, to_ms) {
            if keep(key) {
                hours.entry(start).or_default().merge(tally);
            }
        }
        hours
    }

    /// Every day bucket starting in `from_ms..to_ms`, by start and key.
    pub fn days(&self, from_ms: i64, to_ms: i64) -> impl Iterator<Item = (i64, &Key, &Tally)> {
        self.range(Span::Day, from_ms, to_ms)
    }

    /// Drops the hour buckets more than [`HOURS_KEPT`] hours before the
    /// one holding `now`; returns them, for the store to drop too.
    pub fn prune(&mut self, now: DateTime<Utc>) -> Vec<BucketId> {
        let horizon = Span::Hour.start(now) - (HOURS_KEPT - 1) * HOUR_MS;
        let mut kept = self
            .buckets
            .split_off(&(Span::Hour, horizon, Key::default()));
        let old = std::mem::take(&mut self.buckets);
        self.buckets.append(&mut kept);
        old.into_keys()
            .map(|id| {
                self.dirty.remove(&id);
                let (span, start_ms, key) = id;
                BucketId {
                    span,
                    start_ms,
                    key,
                }
            })
            .collect()
    }

    /// The buckets changed since the last call, with their tallies.
    pub fn take_dirty(&mut self) -> Vec<(BucketId, Tally)> {
        std::mem::take(&mut self.dirty)
            .into_iter()
            .filter_map(|id| {
                let tally = self.buckets.get(&id)?.clone();
                let (span, start_ms, key) = id;
                Some((
                    BucketId {
                        span,
                        start_ms,
                        key,
                    },
                    tally,
                ))
            })
            .collect()
    }

    /// A bucket read back from the store.
    pub fn load(&mut self, id: BucketId, tally: &Tally) {
        self.buckets
            .entry((id.span, id.start_ms, id.key))
            .or_default()
            .merge(tally);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;

    fn key(account: &str, gateway: &str) -> Key {
        Key {
            account: account.to_owned(),
            country: "ES".to_owned(),
            operator: "movistar".to_owned(),
            gateway: gateway.to_owned(),
            route: "34".to_owned(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn counts_land_in_their_hour_and_day() {
        let mut book = Book::new();
        let a = key("a", "gw");
        book.record(at("2026-12-06T10:15:00Z"), &a, |t| {
            t.accept(true, Money::from_micros(50))
        });
        book.record(at("2026-12-06T10:59:59Z"), &a, |t| {
            t.accept(true, Money::from_micros(50))
        });
        book.record(at("2026-12-06T11:00:00Z"), &key("b", "gw"), |t| {
            t.accept(true, Money::from_micros(50))
        });
        book.record(at("2026-12-07T00:00:00Z"), &a, |t| {
            t.accept(true, Money::from_micros(50))
        });
        let day = Span::Day.start(at("2026-12-06T00:00:00Z"));
        let hours = book.hours(day, day + DAY_MS, |_| true);
        assert_eq!(hours.len(), 2);
        assert_eq!(hours[&(day + 10 * HOUR_MS)].messages, 2);
        assert_eq!(hours[&(day + 11 * HOUR_MS)].messages, 1);
        let only_a = book.hours(day, day + DAY_MS, |k| k.account == "a");
        assert_eq!(only_a.values().map(|t| t.messages).sum::<u64>(), 2);
        let days: Vec<_> = book.days(day, day + 2 * DAY_MS).collect();
        assert_eq!(days.len(), 3);
        assert_eq!(days[0].2.messages, 2);
        assert_eq!(book.days(day, day).count(), 0);
    }

    #[test]
    fn old_hours_leave_days_stay_and_dirty_ones_are_handed_over_once() {
        let mut book = Book::new();
        let a = key("a", NONE);
        book.record(at("2026-12-01T10:00:00Z"), &a, |t| t.take(Money::ZERO));
        let dirty = book.take_dirty();
        assert_eq!(dirty.len(), 2);
        assert!(book.take_dirty().is_empty());
        let gone = book.prune(at("2026-12-06T10:00:00Z"));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].span, Span::Hour);
        assert!(book.prune(at("2026-12-06T10:00:00Z")).is_empty());
        let mut again = Book::new();
        for (id, tally) in dirty {
            again.load(id, &tally);
        }
        let day = Span::Day.start(at("2026-12-01T00:00:00Z"));
        assert_eq!(again.days(day, day + DAY_MS).next().unwrap().2.taken, 1);
    }
}
