//! When a failed callback is tried again: the first retry after
//! `retry_first`, each next one after twice as long, never more than
//! `retry_max`, each delay drawn between half and all of that (jitter, so
//! callbacks failed together do not all come back together).

use std::time::Duration;

/// The retry schedule (config `[callbacks]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The nominal delay before the first retry (`callbacks.retry_first_ms`).
    pub first: Duration,
    /// The longest nominal delay (`callbacks.retry_max_ms`); doubling stops here.
    pub max: Duration,
}

impl Backoff {
    /// The delay before the next attempt of a callback that has failed
    /// `failures` times (at least 1); `jitter` in [0, 1] picks the point
    /// between half the nominal delay and all of it.
    pub fn delay(&self, failures: u32, jitter: f64) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        let nominal = self.first.saturating_mul(1u32 << doublings).min(self.max);
        nominal.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_first_up_to_the_max_with_jitter_below() {
        let backoff = Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(600),
        };
        let full: Vec<u64> = (1..=12)
            .map(|failures| backoff.delay(failures, 1.0).as_secs())
            .collect();
        assert_eq!(full, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(backoff.delay(1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff.delay(u32::MAX, 0.0), Duration::from_secs(300));
    }
}
