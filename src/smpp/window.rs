//! The window of outstanding requests of one direction of one session:
//! bounded, keyed by sequence number, each entry with a deadline. Pure
//! bookkeeping; the caller passes `Instant`s in and turns expiries into
//! timeouts, retries or failovers.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::pdu::CommandId;

/// A request waiting for its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending<T> {
    /// The request's command id, to check the response type against.
    pub command_id: CommandId,
    /// When it was sent.
    pub sent_at: Instant,
    /// When it times out.
    pub deadline: Instant,
    /// Whatever the caller needs back when the response (or timeout) comes:
    /// a message id, a reply channel.
    pub payload: T,
}

/// Why a request could not be added; the payload is handed back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsertError<T> {
    /// Already `capacity` requests outstanding.
    #[error("window full ({capacity} outstanding)")]
    Full {
        /// The window's size.
        capacity: usize,
        /// The request's payload, handed back.
        payload: T,
    },
    /// A request with this sequence number is still outstanding.
    #[error("sequence number {sequence_number} is already outstanding")]
    Duplicate {
        /// The sequence number in use.
        sequence_number: u32,
        /// The request's payload, handed back.
        payload: T,
    },
}

/// Why a response matched nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unmatched {
    /// A response to a sequence number not outstanding: never sent, expired,
    /// or answered so long ago it has left the window's memory; carries the
    /// sequence number.
    #[error("response to sequence number {0}, which is not outstanding")]
    Unknown(u32),
    /// A second response to a request already answered; carries the
    /// sequence number.
    #[error("second response to sequence number {0}")]
    Duplicate(u32),
    /// The response is not the request's own `_resp` nor generic_nack; the
    /// request stays outstanding.
    #[error("{got:?} answers sequence number {sequence_number}, which was a {expected:?}")]
    WrongType {
        /// The sequence number both carry.
        sequence_number: u32,
        /// The request's command id.
        expected: CommandId,
        /// The response's command id.
        got: CommandId,
    },
}

/// Outstanding requests, at most `capacity` of them.
#[derive(Debug, Clone)]
pub struct Window<T> {
    capacity: usize,
    pending: HashMap<u32, Pending<T>>,
    /// (deadline, sequence number), for expiry in deadline order.
    deadlines: BTreeSet<(Instant, u32)>,
    /// Recently answered sequence numbers, to tell a duplicate response from
    /// one we never asked for. Bounded by `capacity`.
    answered: VecDeque<u32>,
}

impl<T> Window<T> {
    /// A window of `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Window<T> {
        let capacity = capacity.max(1);
        Window {
            capacity,
            pending: HashMap::with_capacity(capacity),
            deadlines: BTreeSet::new(),
            answered: VecDeque::with_capacity(capacity),
        }
    }

    /// The most requests that may be outstanding at once (at least 1).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many requests are outstanding now.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no request is outstanding.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether [`Window::insert`] would refuse a new request as
    /// [`InsertError::Full`].
    pub fn is_full(&self) -> bool {
        self.pending.len() >= self.capacity
    }

    /// Record a sent request that must be answered within `timeout` of `now`.
    pub fn insert(
        &mut self,
        sequence_number: u32,
        command_id: CommandId,
        payload: T,
        now: Instant,
        timeout: Duration,
    ) -> Result<(), InsertError<T>> {
        if self.pending.contains_key(&sequence_number) {
            return Err(InsertError::Duplicate {
                sequence_number,
                payload,
            });
        }
        if self.is_full() {
            return Err(InsertError::Full {
                capacity: self.capacity,
                payload,
            });
        }
        let deadline = now.checked_add(timeout).unwrap_or(now);
        self.deadlines.insert((deadline, sequence_number));
        self.answered.retain(|&n| n != sequence_number);
        self.pending.insert(
            sequence_number,
            Pending {
                command_id,
                sent_at: now,
                deadline,
                payload,
            },
        );
        Ok(())
    }

    /// Match a response. `generic_nack` answers any request; any other
    /// response must be the request's own `_resp`. On a type mismatch the
    /// entry stays outstanding.
    pub fn complete(
        &mut self,
        sequence_number: u32,
        response: CommandId,
    ) -> Result<Pending<T>, Unmatched> {
        let Some(entry) = self.pending.get(&sequence_number) else {
            return Err(if self.answered.contains(&sequence_number) {
                Unmatched::Duplicate(sequence_number)
            } else {
                Unmatched::Unknown(sequence_number)
            });
        };
        let expected = entry.command_id.matching_response();
        if response != CommandId::GenericNack && response != expected {
            return Err(Unmatched::WrongType {
                sequence_number,
                expected: entry.command_id,
                got: response,
            });
        }
        self.remove(sequence_number)
            .ok_or(Unmatched::Unknown(sequence_number))
    }

    fn remove(&mut self, sequence_number: u32) -> Option<Pending<T>> {
        let entry = self.pending.remove(&sequence_number)?;
        self.deadlines.remove(&(entry.deadline, sequence_number));
        if self.answered.len() >= self.capacity {
            self.answered.pop_front();
        }
        self.answered.push_back(sequence_number);
        Some(entry)
    }

    /// Remove and return every request whose deadline is at or before `now`,
    /// earliest first.
    pub fn expire(&mut self, now: Instant) -> Vec<(u32, Pending<T>)> {
        let mut expired = Vec::new();
        while let Some(&(deadline, sequence_number)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some(entry) = self.pending.remove(&sequence_number) {
                expired.push((sequence_number, entry));
            }
        }
        expired
    }

    /// The earliest deadline, for arming the next timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|&(deadline, _)| deadline)
    }

    /// Take every outstanding request, e.g. when the connection drops.
    pub fn drain(&mut self) -> Vec<(u32, Pending<T>)> {
        self.deadlines.clear();
        let mut all: Vec<_> = self.pending.drain().collect();
        all.sort_by_key(|(_, entry)| (entry.deadline, entry.sent_at));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn insert_until_full_then_full_hands_the_payload_back() {
        let now = Instant::now();
        let mut window = Window::new(2);
        assert!(
            window
                .insert(1, CommandId::SubmitSm, "a", now, SECOND)
                .is_ok()
        );
        assert!(
            window
                .insert(2, CommandId::SubmitSm, "b", now, SECOND)
                .is_ok()
        );
        assert!(window.is_full());
        assert_eq!(
            window.insert(3, CommandId::SubmitSm, "c", now, SECOND),
            Err(InsertError::Full {
                capacity: 2,
                payload: "c"
            })
        );
        assert_eq!(
            window.insert(2, CommandId::SubmitSm, "d", now, SECOND),
            Err(InsertError::Duplicate {
                sequence_number: 2,
                payload: "d"
            })
        );
    }

    #[test]
    fn responses_match_by_sequence_number_and_type() {
        let now = Instant::now();
        let mut window = Window::new(4);
        window
            .insert(7, CommandId::SubmitSm, 70, now, SECOND)
            .expect("room");
        window
            .insert(8, CommandId::EnquireLink, 80, now, SECOND)
            .expect("room");
        assert_eq!(
            window.complete(7, CommandId::DeliverSmResp),
            Err(Unmatched::WrongType {
                sequence_number: 7,
                expected: CommandId::SubmitSm,
                got: CommandId::DeliverSmResp
            })
        );
        let entry = window
            .complete(7, CommandId::SubmitSmResp)
            .expect("outstanding");
        assert_eq!(entry.payload, 70);
        assert_eq!(
            window.complete(7, CommandId::SubmitSmResp),
            Err(Unmatched::Duplicate(7))
        );
        assert_eq!(
            window.complete(9, CommandId::SubmitSmResp),
            Err(Unmatched::Unknown(9))
        );
        let nacked = window
            .complete(8, CommandId::GenericNack)
            .expect("nack matches");
        assert_eq!(nacked.payload, 80);
        assert!(window.is_empty());
    }

    #[test]
    fn expiry_takes_only_what_is_due_in_deadline_order() {
        let start = Instant::now();
        let mut window = Window::new(8);
        window
            .insert(1, CommandId::SubmitSm, 'x', start, 3 * SECOND)
            .expect("room");
        window
            .insert(2, CommandId::SubmitSm, 'y', start, SECOND)
            .expect("room");
        window
            .insert(3, CommandId::SubmitSm, 'z', start, 10 * SECOND)
            .expect("room");
        assert_eq!(window.next_deadline(), Some(start + SECOND));
        assert!(window.expire(start).is_empty());
        let due: Vec<u32> = window
            .expire(start + 3 * SECOND)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(due, vec![2, 1]);
        assert_eq!(window.len(), 1);
        assert_eq!(window.next_deadline(), Some(start + 10 * SECOND));
        // An expired request answered late is unknown, not a panic.
        assert_eq!(
            window.complete(2, CommandId::SubmitSmResp),
            Err(Unmatched::Unknown(2))
        );
        let rest = window.drain();
        assert_eq!(rest.len(), 1);
        assert!(window.is_empty());
        assert_eq!(window.next_deadline(), None);
    }

    #[test]
    fn a_reused_sequence_number_after_completion_is_fresh() {
        let now = Instant::now();
        let mut window = Window::new(1);
        window
            .insert(5, CommandId::SubmitSm, (), now, SECOND)
            .expect("room");
        window
            .complete(5, CommandId::SubmitSmResp)
            .expect("outstanding");
        window
            .insert(5, CommandId::SubmitSm, (), now, SECOND)
            .expect("room again");
        assert!(window.complete(5, CommandId::SubmitSmResp).is_ok());
    }
}
