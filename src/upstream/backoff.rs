//! Exponential back-off with jitter, sans-I/O: the caller passes the
//! random fraction, so tests are exact. Used for reconnecting to an SMSC
//! (1 s doubling to 30 s, with jitter so that many gateways that lost the
//! same SMSC do not come back in step) and for pausing after
//! ESME_RTHROTTLED (no jitter; the SMSC asked this one bind to slow down).

use std::time::Duration;

/// A delay that doubles on each use up to a cap, and starts over on
/// [`Backoff::reset`].
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    /// Delays given since the last reset.
    attempts: u32,
}

impl Backoff {
    /// Delays start at `first` and double up to `max`.
    pub const fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            attempts: 0,
        }
    }

    /// The next delay without jitter: `first × 2^attempts`, capped.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1_u32.checked_shl(self.attempts.min(31)).unwrap_or(u32::MAX);
        self.attempts = self.attempts.saturating_add(1);
        self.first.saturating_mul(factor).min(self.max)
    }

    /// The next delay with "equal jitter": half of it fixed, the other
    /// half scaled by `random` (in `0.0..1.0`, clamped).
    pub fn next_jittered(&mut self, random: f64) -> Duration {
        let delay = self.next_delay();
        let half = delay / 2;
        half + half.mul_f64(random.clamp(0.0, 1.0))
    }

    /// After a success: the next delay is `first` again.
    pub fn reset(&mut self) {
        self.attempts = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut backoff = Backoff::new(S, 30 * S);
        let delays: Vec<_> = (0..7).map(|_| backoff.next_delay()).collect();
        assert_eq!(delays, [S, 2 * S, 4 * S, 8 * S, 16 * S, 30 * S, 30 * S]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), S);
    }

    #[test]
    fn jitter_stays_between_half_and_the_whole_delay() {
        let mut low = Backoff::new(4 * S, 30 * S);
        let mut high = low.clone();
        assert_eq!(low.next_jittered(0.0), 2 * S);
        assert_eq!(high.next_jittered(1.0), 4 * S);
        assert_eq!(Backoff::new(4 * S, 30 * S).next_jittered(7.0), 4 * S);
    }

    #[test]
    fn many_attempts_do_not_overflow() {
        let mut backoff = Backoff::new(S, 30 * S);
        for _ in 0..1000 {
            assert!(backoff.next_delay() <= 30 * S);
        }
    }
}
