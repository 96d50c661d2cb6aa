//! The number sequence behind message ids, mailbox keys and ledger keys:
//! increasing and never given out twice, also across kill -9.
//!
//! Numbers come from a reserved block whose end is stored (tree `meta`,
//! key `sequence`). When half of the block is used, the next block is
//! reserved by a write through the journal. Journal records are replayed
//! in order, so a record using a number is durable only if every record
//! before it is; the reservation goes in long before any number past the
//! old end is used: half a block (524,288 numbers) later, while one group
//! commit holds at most a few thousand. At open, numbering continues at
//! the stored end: what was used of the last block is skipped.

use std::sync::{Mutex, PoisonError};

/// Numbers per reserved block.
pub(super) const BLOCK: u64 = 1 << 20;

pub(super) struct Sequence {
    state: Mutex<State>,
}

struct State {
    next: u64,
    /// Numbers below this are reserved on disk.
    reserved_until: u64,
}

impl Sequence {
    /// Continues from `start`, which is reserved up to `reserved_until`.
    pub(super) fn new(start: u64, reserved_until: u64) -> Sequence {
        Sequence {
            state: Mutex::new(State {
                next: start,
                reserved_until,
            }),
        }
    }

    /// The next number, and the new end of the reservation when one must be
    /// stored now. `persist` runs under the sequence's lock, so the
    /// reservation is handed to the committer before any number of the new
    /// block is given out.
    pub(super) fn take<E>(&self, persist: impl FnOnce(u64) -> Result<(), E>) -> Result<u64, E> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let number = state.next;
        if number + BLOCK / 2 >= state.reserved_until {
            let until = state.reserved_until.max(number) + BLOCK;
            persist(until)?;
            state.reserved_until = until;
        }
        state.next = number + 1;
        Ok(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    #[test]
    fn a_new_block_is_reserved_when_half_the_current_one_is_used() {
        let sequence = Sequence::new(10, 10 + BLOCK);
        let mut reservations = Vec::new();
        let mut last = None;
        for _ in 0..BLOCK {
            let number = sequence
                .take(|until| {
                    reservations.push(until);
                    Ok::<(), Infallible>(())
                })
                .unwrap();
            assert!(last.is_none_or(|last| number == last + 1));
            last = Some(number);
        }
        assert_eq!(reservations, [10 + 2 * BLOCK]);
    }

    #[test]
    fn a_failed_reservation_gives_out_no_number() {
        let sequence = Sequence::new(0, 0);
        assert_eq!(sequence.take(|_| Err("disk full")), Err("disk full"));
        let mut reserved = None;
        let first = sequence.take(|until| {
            reserved = Some(until);
            Ok::<(), &str>(())
        });
        assert_eq!((first, reserved), (Ok(0), Some(BLOCK)));
        assert_eq!(sequence.take(|_| Err("not asked")), Ok(1));
    }
}
