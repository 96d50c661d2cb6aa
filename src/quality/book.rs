//! The book of counts: [`Counts`] per gateway and destination operator in
//! time buckets of two widths. Fine buckets are a sixtieth of the window
//! (a minute for the default hour) and answer "the last window"; coarse
//! buckets are one window wide and answer "the last 24 windows" (the last
//! 24 h by default). Every count goes to one bucket of each width, so
//! neither question scans anything but at most 60 or 24 buckets per key.
//! Buckets too old for either question are dropped ([`Book::prune`]);
//! those changed since the last [`Book::take_dirty`] are what the caller
//! persists. No I/O, no clock: times are passed in.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::counts::Counts;

/// Fine buckets in one window.
pub const FINE_PER_WINDOW: i64 = 60;
/// Windows the long view covers.
pub const LONG_WINDOWS: i64 = 24;
/// The operator of a destination no `[[numbering]]` range covers.
pub const UNKNOWN_OPERATOR: &str = "unknown";

/// A gateway and a destination operator.
pub type Key = (String, String);

/// Which of the two bucket widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Span {
    /// A sixtieth of the window.
    Fine,
    /// One window.
    Coarse,
}

/// One bucket as the store keeps it: its width, its start in milliseconds
/// since the epoch, its key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BucketId {
    /// Its width.
    pub span: Span,
    /// Its start, in milliseconds since the epoch.
    pub start_ms: i64,
    /// Its gateway and operator.
    pub key: Key,
}

/// Counts in time buckets.
#[derive(Debug, Clone)]
pub struct Book {
    fine_ms: i64,
    window_ms: i64,
    /// (start, key) → counts, per width.
    fine: BTreeMap<(i64, Key), Counts>,
    coarse: BTreeMap<(i64, Key), Counts>,
    dirty: BTreeSet<BucketId>,
}

impl Book {
    /// An empty book whose window is `window` (at least 60 ms).
    pub fn new(window: Duration) -> Book {
        let window_ms = i64::try_from(window.as_millis())
            .unwrap_or(i64::MAX)
            .max(FINE_PER_WINDOW);
        Book {
            fine_ms: window_ms / FINE_PER_WINDOW,
            window_ms,
            fine: BTreeMap::new(),
            coarse: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }

    fn width(&self, span: Span) -> i64 {
        match span {
            Span::Fine => self.fine_ms,
            Span::Coarse => self.window_ms,
        }
    }

    fn start(&self, span: Span, at: DateTime<Utc>) -> i64 {
        let ms = at.timestamp_millis();
        ms - ms.rem_euclid(self.width(span))
    }

    /// Counts something for `key` at `at`: `count` changes the bucket of
    /// each width that holds `at`.
    pub fn record(&mut self, at: DateTime<Utc>, key: &Key, count: impl Fn(&mut Counts)) {
        for span in [Span::Fine, Span::Coarse] {
            let start = self.start(span, at);
            let buckets = match span {
                Span::Fine => &mut self.fine,
                Span::Coarse => &mut self.coarse,
            };
            // Every message is counted here twice or more, nearly always
            // into a bucket that exists: the key is copied once, twice
            // only for a new bucket.
            let bucket = (start, key.clone());
            match buckets.get_mut(&bucket) {
                Some(counts) => count(counts),
                None => count(buckets.entry(bucket.clone()).or_default()),
            }
            self.dirty.insert(BucketId {
                span,
                start_ms: start,
                key: bucket.1,
            });
        }
    }

    /// The oldest bucket start of `span` still in view at `now`.
    fn horizon(&self, span: Span, now: DateTime<Utc>) -> i64 {
        let count = match span {
            Span::Fine => FINE_PER_WINDOW,
            Span::Coarse => LONG_WINDOWS,
        };
        self.start(span, now) - (count - 1) * self.width(span)
    }

    fn sum(
        &self,
        span: Span,
        now: DateTime<Utc>,
        keep: impl Fn(&Key) -> bool,
    ) -> BTreeMap<Key, Counts> {
        let horizon = self.horizon(span, now);
        let buckets = match span {
            Span::Fine => &self.fine,
            Span::Coarse => &self.coarse,
        };
        let mut sums: BTreeMap<Key, Counts> = BTreeMap::new();
        for ((_, key), counts) in buckets.range((horizon, (String::new(), String::new()))..) {
            if keep(key) {
                sums.entry(key.clone()).or_default().merge(counts);
            }
        }
        sums
    }

    /// Each key's counts over the last window (the fine buckets up to the
    /// one holding `now`).
    pub fn last_window(&self, now: DateTime<Utc>) -> BTreeMap<Key, Counts> {
        self.sum(Span::Fine, now, |_| true)
    }

    /// Each key's counts over the last [`LONG_WINDOWS`] windows.
    pub fn last_day(&self, now: DateTime<Utc>) -> BTreeMap<Key, Counts> {
        self.sum(Span::Coarse, now, |_| true)
    }

    /// `gateway`'s counts over the last window: for one `operator`, or
    /// for all of them.
    pub fn gateway_window(
        &self,
        now: DateTime<Utc>,
        gateway: &str,
        operator: Option<&str>,
    ) -> Counts {
        let mut total = Counts::default();
        let sums = self.sum(Span::Fine, now, |(g, o)| {
            g == gateway && operator.is_none_or(|operator| o == operator)
        });
        for counts in sums.values() {
            total.merge(counts);
        }
        total
    }

    /// Drops the buckets out of view at `now`; returns them, for the
    /// store to drop too.
    pub fn prune(&mut self, now: DateTime<Utc>) -> Vec<BucketId> {
        let mut gone = Vec::new();
        for span in [Span::Fine, Span::Coarse] {
            let horizon = self.horizon(span, now);
            let buckets = match span {
                Span::Fine => &mut self.fine,
                Span::Coarse => &mut self.coarse,
            };
            let kept = buckets.split_off(&(horizon, (String::new(), String::new())));
            let old = std::mem::replace(buckets, kept);
            for (start_ms, key) in old.into_keys() {
                let id = BucketId {
                    span,
                    start_ms,
                    key,
                };
                self.dirty.remove(&id);
                gone.push(id);
            }
        }
        gone
    }

    /// The buckets changed since the last call, with their counts.
    pub fn take_dirty(&mut self) -> Vec<(BucketId, Counts)> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .into_iter()
            .filter_map(|id| {
                let buckets = match id.span {
                    Span::Fine => &self.fine,
                    Span::Coarse => &self.coarse,
                };
                let counts = buckets.get(&(id.start_ms, id.key.clone()))?.clone();
                Some((id, counts))
            })
            .collect()
    }

    /// A bucket read back from the store. One whose start does not fall
    /// on this book's width (the window was changed) is added to the
    /// bucket holding its start.
    pub fn load(&mut self, id: BucketId, counts: &Counts) {
        let Some(at) = DateTime::from_timestamp_millis(id.start_ms) else {
            return;
        };
        let start = self.start(id.span, at);
        let buckets = match id.span {
            Span::Fine => &mut self.fine,
            Span::Coarse => &mut self.coarse,
        };
        buckets.entry((start, id.key)).or_default().merge(counts);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::Money;

    fn key(gateway: &str, operator: &str) -> Key {
        (gateway.to_owned(), operator.to_owned())
    }

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn the_last_window_and_the_last_day_see_what_they_cover() {
        let mut book = Book::new(Duration::from_secs(3600));
        let a = key("a", "movistar");
        book.record(at(0), &a, |c| c.accepted += 1);
        book.record(at(HOUR / 2), &a, |c| c.accepted += 1);
        book.record(at(HOUR / 2), &key("b", "unknown"), |c| c.refused += 1);
        let now = at(HOUR + HOUR / 4);
        assert_eq!(book.last_window(now)[&a].accepted, 1);
        assert_eq!(book.last_day(now)[&a].accepted, 2);
        assert_eq!(book.gateway_window(now, "b", None).refused, 1);
        assert_eq!(book.gateway_window(now, "b", Some("movistar")).refused, 0);
        // A day later only the last day's buckets are left.
        let later = at(24 * HOUR + HOUR / 4);
        assert!(book.last_day(later).get(&a).is_none_or(|c| c.accepted == 0));
    }

    #[test]
    fn pruned_buckets_leave_and_dirty_ones_are_handed_over_once() {
        let mut book = Book::new(Duration::from_secs(60));
        let a = key("a", "x");
        book.record(at(0), &a, |c| c.accept(Money::ZERO, Money::ZERO));
        let dirty = book.take_dirty();
        assert_eq!(dirty.len(), 2);
        assert!(book.take_dirty().is_empty());
        // Past a minute the fine bucket is out of view, the coarse one not.
        let gone = book.prune(at(61_000));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].span, Span::Fine);
        let gone = book.prune(at(25 * 60_000));
        assert_eq!(gone.len(), 1);
        // Read back, buckets count again.
        let mut again = Book::new(Duration::from_secs(60));
        for (id, counts) in dirty {
            again.load(id, &counts);
        }
        assert_eq!(again.last_window(at(500))[&a].accepted, 1);
    }

    proptest! {
        #[test]
        fn the_window_sums_exactly_the_counts_inside_it(
            events in proptest::collection::vec((0i64..200_000, 0usize..2), 0..60),
            now in 0i64..200_000,
        ) {
            let mut book = Book::new(Duration::from_secs(60));
            let keys = [key("a", "x"), key("b", "y")];
            for &(ms, which) in &events {
                book.record(at(ms), &keys[which], |c| c.accepted += 1);
            }
            let fine = 1_000;
            let horizon = (now - now.rem_euclid(fine)) - 59 * fine;
            let window = book.last_window(at(now));
            for (which, key) in keys.iter().enumerate() {
                let expected = events.iter().filter(|&&(ms, w)| w == which && ms >= horizon).count() as u64;
                prop_assert_eq!(window.get(key).map_or(0, |c| c.accepted), expected);
            }
            book.prune(at(now));
            let after = book.last_window(at(now));
            prop_assert_eq!(window, after);
        }
    }
}
