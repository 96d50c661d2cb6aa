//! Sequence numbers (SMPP 3.4 §5.1.4): 1..=0x7FFF_FFFF, allocated in order
//! and wrapping back to 1. Zero and the top half are never produced.

/// The largest sequence number SMPP allows.
pub const MAX_SEQUENCE_NUMBER: u32 = 0x7FFF_FFFF;

/// Whether `n` is a sequence number a peer may legally use.
pub const fn is_valid(n: u32) -> bool {
    n >= 1 && n <= MAX_SEQUENCE_NUMBER
}

/// Hands out the sequence numbers of one session's outgoing requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceNumbers {
    next: u32,
}

impl Default for SequenceNumbers {
    fn default() -> Self {
        SequenceNumbers::new()
    }
}

impl SequenceNumbers {
    /// Starts at 1.
    pub const fn new() -> SequenceNumbers {
        SequenceNumbers { next: 1 }
    }

    /// Starts at `first`, or at 1 if `first` is not a valid sequence number.
    /// Useful to make restarts visible in traces, and in tests of wrapping.
    pub const fn starting_at(first: u32) -> SequenceNumbers {
        SequenceNumbers {
            next: if is_valid(first) { first } else { 1 },
        }
    }

    /// The number the next call to [`Self::next_number`] returns.
    pub const fn peek(&self) -> u32 {
        self.next
    }

    /// The next sequence number.
    pub fn next_number(&mut self) -> u32 {
        let current = self.next;
        self.next = if current >= MAX_SEQUENCE_NUMBER {
            1
        } else {
            current + 1
        };
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_one_and_counts_up() {
        let mut seq = SequenceNumbers::new();
        assert_eq!(seq.next_number(), 1);
        assert_eq!(seq.next_number(), 2);
        assert_eq!(seq.peek(), 3);
    }

    #[test]
    fn wraps_from_the_maximum_to_one_never_zero() {
        let mut seq = SequenceNumbers::starting_at(MAX_SEQUENCE_NUMBER - 1);
        assert_eq!(seq.next_number(), 0x7FFF_FFFE);
        assert_eq!(seq.next_number(), 0x7FFF_FFFF);
        assert_eq!(seq.next_number(), 1);
    }

    #[test]
    fn invalid_starts_fall_back_to_one() {
        assert_eq!(SequenceNumbers::starting_at(0).peek(), 1);
        assert_eq!(SequenceNumbers::starting_at(0x8000_0000).peek(), 1);
        assert!(!is_valid(0));
        assert!(is_valid(1));
        assert!(is_valid(MAX_SEQUENCE_NUMBER));
        assert!(!is_valid(u32::MAX));
    }
}
