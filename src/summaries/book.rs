//! The book of tallies: a [`Tally`] per key in buckets of one UTC hour and
//! of one UTC day. Every count goes to the bucket of each width holding
//! the message's acceptance time, so a message is counted in the hour and
//! day it was accepted whenever it ends. Hour buckets answer today's
//! chart and are dropped after [`HOURS_KEPT`] hours ([`Book::prune`]);
//! day buckets answer the daily reports and are kept. Each calendar
//! month's day buckets are also kept summed per key, in memory only (made
//! again from the days at load), so that a monthly report reads one
//! bucket per key and month instead of one per key and day. Those
//! changed since the last [`Book::take_dirty`] are what the caller
//! persists. Keys are held as ids of interned names, so that summing
//! hundreds of thousands of buckets reads no string. No I/O, no clock:
//! times are passed in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Utc};

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

/// The start, in milliseconds since the epoch, of the UTC calendar month
/// holding the instant `ms`.
pub(super) fn month_start(ms: i64) -> i64 {
    DateTime::from_timestamp_millis(ms)
        .and_then(|at| at.date_naive().with_day(1))
        .and_then(|first| first.and_hms_opt(0, 0, 0))
        .map_or(ms, |midnight| midnight.and_utc().timestamp_millis())
}

/// The start of the UTC calendar month after the one holding `ms`.
fn next_month_start(ms: i64) -> i64 {
    DateTime::from_timestamp_millis(month_start(ms))
        .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
        .map_or(i64::MAX, |next| next.timestamp_millis())
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

impl Key {
    /// Its names, borrowed.
    pub fn names(&self) -> KeyNames<'_> {
        KeyNames {
            account: &self.account,
            country: &self.country,
            operator: &self.operator,
            gateway: &self.gateway,
            route: &self.route,
        }
    }
}

/// A [`Key`]'s names, borrowed: what a count is keyed by before the book
/// interns it ([`Book::intern`]), with no string copied.
#[derive(Debug, Clone, Copy)]
pub struct KeyNames<'a> {
    /// As [`Key::account`].
    pub account: &'a str,
    /// As [`Key::country`].
    pub country: &'a str,
    /// As [`Key::operator`].
    pub operator: &'a str,
    /// As [`Key::gateway`].
    pub gateway: &'a str,
    /// As [`Key::route`].
    pub route: &'a str,
}

/// A key as the book holds it: the ids of its names, in [`Key`]'s
/// field order.
pub(super) type Ids = [u32; 5];

/// A key interned in one book, to count with there ([`Book::record`]).
/// Ids are never taken back, so it stays good for the book's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyIds(Ids);
/// Where each field's id is in [`Ids`].
pub(super) const ACCOUNT: usize = 0;
pub(super) const COUNTRY: usize = 1;
pub(super) const OPERATOR: usize = 2;
pub(super) const GATEWAY: usize = 3;
pub(super) const ROUTE: usize = 4;

/// Every name a key field has had, once each.
#[derive(Debug, Clone, Default)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    fn ids(&mut self, key: &KeyNames<'_>) -> Ids {
        [
            self.intern(key.account),
            self.intern(key.country),
            self.intern(key.operator),
            self.intern(key.gateway),
            self.intern(key.route),
        ]
    }

    fn name(&self, id: u32) -> &str {
        usize::try_from(id)
            .ok()
            .and_then(|index| self.names.get(index))
            .map_or("", String::as_str)
    }

    fn key(&self, ids: &Ids) -> Key {
        Key {
            account: self.name(ids[ACCOUNT]).to_owned(),
            country: self.name(ids[COUNTRY]).to_owned(),
            operator: self.name(ids[OPERATOR]).to_owned(),
            gateway: self.name(ids[GATEWAY]).to_owned(),
            route: self.name(ids[ROUTE]).to_owned(),
        }
    }
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
    names: Names,
    buckets: BTreeMap<(Span, i64, Ids), Tally>,
    /// The day buckets summed per month start and key.
    months: BTreeMap<(i64, Ids), Tally>,
    dirty: BTreeSet<(Span, i64, Ids)>,
}

impl Book {
    /// An empty book.
    pub fn new() -> Book {
        Book::default()
    }

    /// `key` as this book holds it.
    pub fn intern(&mut self, key: &KeyNames<'_>) -> KeyIds {
        KeyIds(self.names.ids(key))
    }

    /// Counts something for `key` of a message accepted `at`: `count`
    /// changes the bucket of each width holding `at`.
    pub fn record(&mut self, at: DateTime<Utc>, key: KeyIds, count: impl Fn(&mut Tally)) {
        let KeyIds(ids) = key;
        let hour = (Span::Hour, Span::Hour.start(at), ids);
        count(self.buckets.entry(hour).or_default());
        self.dirty.insert(hour);
        let day_start = Span::Day.start(at);
        let day = self.buckets.entry((Span::Day, day_start, ids)).or_default();
        let before = day.clone();
        count(day);
        let month = self
            .months
            .entry((month_start(day_start), ids))
            .or_default();
        // The day's change, as the day took it (a count that would go
        // below zero stops at zero there), so the month stays their sum.
        month.unmerge(&before);
        month.merge(day);
        self.dirty.insert((Span::Day, day_start, ids));
    }

    /// Adds `tally` to `key`'s buckets holding `at`.
    pub fn add(&mut self, at: DateTime<Utc>, key: KeyIds, tally: &Tally) {
        self.record(at, key, |bucket| bucket.merge(tally));
    }

    fn range(
        &self,
        span: Span,
        from_ms: i64,
        to_ms: i64,
    ) -> impl Iterator<Item = (i64, &Ids, &Tally)> {
        let low = (span, from_ms, [0; 5]);
        let high = (span, to_ms, [0; 5]);
        let range = (from_ms < to_ms).then(|| self.buckets.range(low..high));
        range
            .into_iter()
            .flatten()
            .map(|((_, start, ids), tally)| (*start, ids, tally))
    }

    /// The id of `name` if a key ever had it.
    pub(super) fn id(&self, name: &str) -> Option<u32> {
        self.names.ids.get(name).copied()
    }

    /// The name of `id`.
    pub(super) fn name(&self, id: u32) -> &str {
        self.names.name(id)
    }

    /// `Some(None)` for every account, `Some(Some(id))` for one the book
    /// knows, `None` for one it has never seen (nothing to report).
    fn account_filter(&self, account: Option<&str>) -> Option<Option<u32>> {
        match account {
            None => Some(None),
            Some(account) => self.id(account).map(Some),
        }
    }

    /// The hour buckets starting in `from_ms..to_ms`, of `account` only
    /// when given, summed per hour.
    pub fn hours(&self, from_ms: i64, to_ms: i64, account: Option<&str>) -> BTreeMap<i64, Tally> {
        let mut hours: BTreeMap<i64, Tally> = BTreeMap::new();
        let Some(account) = self.account_filter(account) else {
            return hours;
        };
        for (start, ids, tally) in self.range(Span::Hour, from_ms, to_ms) {
            if account.is_none_or(|account| ids[ACCOUNT] == account) {
                hours.entry(start).or_default().merge(tally);
            }
        }
        hours
    }

    /// The day buckets starting in `from_ms..to_ms` of `account` only
    /// when given, by start and key ids; `None` for an account never
    /// seen.
    pub(super) fn days(
        &self,
        from_ms: i64,
        to_ms: i64,
        account: Option<&str>,
    ) -> Option<impl Iterator<Item = (i64, &Ids, &Tally)>> {
        let account = self.account_filter(account)?;
        Some(
            self.range(Span::Day, from_ms, to_ms)
                .filter(move |(_, ids, _)| account.is_none_or(|account| ids[ACCOUNT] == account)),
        )
    }

    /// The buckets of the UTC days in `from_ms..to_ms` (day starts), of
    /// `account` only when given, by start and key ids, with each calendar
    /// month wholly inside the range read as one bucket per key starting
    /// on its first day: what a monthly report sums. `None` for an
    /// account never seen.
    pub(super) fn days_by_month(
        &self,
        from_ms: i64,
        to_ms: i64,
        account: Option<&str>,
    ) -> Option<impl Iterator<Item = (i64, &Ids, &Tally)>> {
        let account = self.account_filter(account)?;
        let first_whole = match month_start(from_ms) {
            start if start == from_ms => start,
            _ => next_month_start(from_ms),
        };
        let after_whole = month_start(to_ms).max(first_whole);
        let (head_end, tail_start) = if first_whole < after_whole {
            (first_whole, after_whole)
        } else {
            (to_ms, to_ms)
        };
        let months = (first_whole < after_whole)
            .then(|| {
                self.months
                    .range((first_whole, [0; 5])..(after_whole, [0; 5]))
                    .map(|((start, ids), tally)| (*start, ids, tally))
            })
            .into_iter()
            .flatten();
        Some(
            self.range(Span::Day, from_ms, head_end)
                .chain(months)
                .chain(self.range(Span::Day, tail_start, to_ms))
                .filter(move |(_, ids, _)| account.is_none_or(|account| ids[ACCOUNT] == account)),
        )
    }

    /// Drops the hour buckets more than [`HOURS_KEPT`] hours before the
    /// one holding `now`; returns them, for the store to drop too.
    pub fn prune(&mut self, now: DateTime<Utc>) -> Vec<BucketId> {
        let horizon = Span::Hour.start(now) - (HOURS_KEPT - 1) * HOUR_MS;
        let mut kept = self.buckets.split_off(&(Span::Hour, horizon, [0; 5]));
        let old = std::mem::take(&mut self.buckets);
        self.buckets.append(&mut kept);
        old.into_keys()
            .map(|id| {
                self.dirty.remove(&id);
                let (span, start_ms, ids) = id;
                BucketId {
                    span,
                    start_ms,
                    key: self.names.key(&ids),
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
                let (span, start_ms, ids) = id;
                Some((
                    BucketId {
                        span,
                        start_ms,
                        key: self.names.key(&ids),
                    },
                    tally,
                ))
            })
            .collect()
    }

    /// A bucket read back from the store.
    pub fn load(&mut self, id: BucketId, tally: &Tally) {
        let ids = self.names.ids(&id.key.names());
        self.buckets
            .entry((id.span, id.start_ms, ids))
            .or_default()
            .merge(tally);
        if id.span == Span::Day {
            self.months
                .entry((month_start(id.start_ms), ids))
                .or_default()
                .merge(tally);
        }
    }

    /// Every day bucket's tally summed: what the book holds in all.
    pub fn total(&self) -> Tally {
        let mut total = Tally::default();
        for (_, _, tally) in self.range(Span::Day, i64::MIN, i64::MAX) {
            total.merge(tally);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;

    fn key<'a>(account: &'a str, gateway: &'a str) -> KeyNames<'a> {
        KeyNames {
            account,
            country: "ES",
            operator: "movistar",
            gateway,
            route: "34",
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn counts_land_in_their_hour_and_day() {
        let mut book = Book::new();
        let a = book.intern(&key("a", "gw"));
        let b = book.intern(&key("b", "gw"));
        book.record(at("2026-12-06T10:15:00Z"), a, |t| {
            t.accept(true, Money::from_micros(50))
        });
        book.record(at("2026-12-06T10:59:59Z"), a, |t| {
            t.accept(true, Money::from_micros(50))
        });
        book.record(at("2026-12-06T11:00:00Z"), b, |t| {
            t.accept(true, Money::from_micros(50))
        });
        book.record(at("2026-12-07T00:00:00Z"), a, |t| {
            t.accept(true, Money::from_micros(50))
        });
        let day = Span::Day.start(at("2026-12-06T00:00:00Z"));
        let hours = book.hours(day, day + DAY_MS, None);
        assert_eq!(hours.len(), 2);
        assert_eq!(hours[&(day + 10 * HOUR_MS)].messages, 2);
        assert_eq!(hours[&(day + 11 * HOUR_MS)].messages, 1);
        let only_a = book.hours(day, day + DAY_MS, Some("a"));
        assert_eq!(only_a.values().map(|t| t.messages).sum::<u64>(), 2);
        assert!(book.hours(day, day + DAY_MS, Some("nobody")).is_empty());
        let days: Vec<_> = book.days(day, day + 2 * DAY_MS, None).unwrap().collect();
        assert_eq!(days.len(), 3);
        assert_eq!(days[0].2.messages, 2);
        assert_eq!(book.name(days[0].1[ACCOUNT]), "a");
        assert_eq!(book.days(day, day, None).unwrap().count(), 0);
        assert!(book.days(day, day + DAY_MS, Some("nobody")).is_none());
        assert_eq!(book.total().messages, 4);
    }

    #[test]
    fn old_hours_leave_days_stay_and_dirty_ones_are_handed_over_once() {
        let mut book = Book::new();
        let a = book.intern(&key("a", NONE));
        book.record(at("2026-12-01T10:00:00Z"), a, |t| t.take(Money::ZERO));
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
        let (_, ids, tally) = again
            .days(day, day + DAY_MS, Some("a"))
            .unwrap()
            .next()
            .unwrap();
        assert_eq!(tally.taken, 1);
        assert_eq!(again.name(ids[GATEWAY]), NONE);
        // The month is summed again from the days read back, and the
        // hour read back is not counted in it.
        let december = month_start(day);
        let months: Vec<_> = again
            .days_by_month(december, next_month_start(december), None)
            .unwrap()
            .collect();
        assert_eq!(months.len(), 1);
        assert_eq!((months[0].0, months[0].2.taken), (december, 1));
    }
}
