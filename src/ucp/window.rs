//! The outstanding operations of one side of a UCP session, by TRN: each
//! operation sent takes the next free TRN (00–99, wrapping), its result
//! gives it back, and one not answered in time is taken out. At most
//! `size` (1 to 100) are outstanding. Sans-I/O: the caller passes the
//! time. The numbers are a [`Numbering`]: UCP's TRN by default, CIMD2's
//! odd packet numbers (`cimd2::PacketNumber`) on a CIMD2 link.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::time::{Duration, Instant};

use super::envelope::Trn;

/// The numbers a window hands out: the `index`th of [`Numbering::COUNT`].
pub trait Numbering: Copy + Ord {
    /// How many numbers there are.
    const COUNT: u8;
    /// The number at `index` (below `COUNT`).
    fn nth(index: u8) -> Option<Self>;
}

/// TRN is two digits: 00–99.
impl Numbering for Trn {
    const COUNT: u8 = 100;
    fn nth(index: u8) -> Option<Trn> {
        Trn::new(index)
    }
}

/// Operations sent and not yet answered, each with what it carried.
#[derive(Debug)]
pub struct Window<T, N = Trn> {
    size: usize,
    /// The index of the number the next operation tries first.
    next: u8,
    outstanding: BTreeMap<N, (Instant, T)>,
}

impl<T, N: Numbering> Window<T, N> {
    /// A window of `size` operations, clamped to 1–`N::COUNT`.
    pub fn new(size: usize) -> Window<T, N> {
        Window {
            size: size.clamp(1, usize::from(N::COUNT)),
            next: 0,
            outstanding: BTreeMap::new(),
        }
    }

    /// Whether another operation may be sent.
    pub fn has_room(&self) -> bool {
        self.outstanding.len() < self.size
    }

    /// How many are outstanding.
    pub fn len(&self) -> usize {
        self.outstanding.len()
    }

    /// Whether none is outstanding.
    pub fn is_empty(&self) -> bool {
        self.outstanding.is_empty()
    }

    /// Takes a TRN for an operation sent `now` carrying `item`; `None`
    /// (and `item` back) when the window is full.
    pub fn open(&mut self, item: T, now: Instant) -> Result<N, T> {
        if !self.has_room() {
            return Err(item);
        }
        let count = u16::from(N::COUNT);
        for step in 0..count {
            let index = u8::try_from((u16::from(self.next) + step) % count).unwrap_or_default();
            let Some(number) = N::nth(index) else {
                continue;
            };
            if let Entry::Vacant(slot) = self.outstanding.entry(number) {
                slot.insert((now, item));
                self.next = u8::try_from((u16::from(index) + 1) % count).unwrap_or_default();
                return Ok(number);
            }
        }
        Err(item)
    }

    /// The result for `trn` came: what its operation carried, `None` when
    /// no operation with that TRN is outstanding.
    pub fn close(&mut self, number: N) -> Option<T> {
        self.outstanding.remove(&number).map(|(_, item)| item)
    }

    /// Takes out the operations sent `timeout` or longer before `now`.
    pub fn expired(&mut self, now: Instant, timeout: Duration) -> Vec<T> {
        let late: Vec<N> = self
            .outstanding
            .iter()
            .filter(|(_, (sent, _))| now.saturating_duration_since(*sent) >= timeout)
            .map(|(number, _)| *number)
            .collect();
        late.into_iter()
            .filter_map(|number| self.close(number))
            .collect()
    }

    /// When the oldest outstanding operation times out, if any is.
    pub fn next_deadline(&self, timeout: Duration) -> Option<Instant> {
        self.outstanding
            .values()
            .map(|(sent, _)| *sent + timeout)
            .min()
    }

    /// Takes out every outstanding operation, oldest first.
    pub fn drain(&mut self) -> Vec<T> {
        let mut all: Vec<(Instant, T)> = std::mem::take(&mut self.outstanding)
            .into_values()
            .collect();
        all.sort_by_key(|(sent, _)| *sent);
        all.into_iter().map(|(_, item)| item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trns_go_round_and_skip_those_outstanding() {
        let now = Instant::now();
        let mut window: Window<u8> = Window::new(100);
        let first: Vec<u8> = (0..100)
            .map(|i| window.open(i, now).unwrap().value())
            .collect();
        assert_eq!(first, (0..100).collect::<Vec<u8>>());
        assert!(!window.has_room());
        assert_eq!(window.open(100, now), Err(100));
        assert_eq!(window.close(Trn::new(42).unwrap()), Some(42));
        assert_eq!(window.close(Trn::new(42).unwrap()), None);
        assert_eq!(window.open(7, now).unwrap().value(), 42);
    }

    #[test]
    fn the_size_is_clamped_and_bounds_what_is_outstanding() {
        let now = Instant::now();
        let mut window: Window<char> = Window::new(2);
        assert_eq!(window.open('a', now).unwrap().value(), 0);
        assert_eq!(window.open('b', now).unwrap().value(), 1);
        assert_eq!(window.open('c', now), Err('c'));
        assert_eq!(window.close(Trn::new(0).unwrap()), Some('a'));
        assert_eq!(window.open('c', now).unwrap().value(), 2);
        assert_eq!(Window::<()>::new(0).size, 1);
        assert_eq!(Window::<()>::new(500).size, 100);
    }

    #[test]
    fn late_operations_are_taken_out_and_the_rest_drained_oldest_first() {
        let start = Instant::now();
        let timeout = Duration::from_secs(30);
        let mut window: Window<&str> = Window::new(10);
        window.open("old", start).unwrap();
        window.open("new", start + Duration::from_secs(20)).unwrap();
        window
            .open("newer", start + Duration::from_secs(25))
            .unwrap();
        assert_eq!(window.next_deadline(timeout), Some(start + timeout));
        assert_eq!(window.expired(start + timeout, timeout), vec!["old"]);
        assert_eq!(window.len(), 2);
        assert_eq!(window.drain(), vec!["new", "newer"]);
        assert!(window.is_empty());
    }
}
