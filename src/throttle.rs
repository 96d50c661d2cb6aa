//! Rate limits in messages (parts) per second, as the generic cell rate
//! algorithm: one "theoretical arrival time" per limiter, integer time
//! arithmetic, no background refill. Sans-I/O: the caller passes `now`.
//!
//! Used for an account's TPS (over it: ESME_RTHROTTLED) and a gateway's TPS
//! (shared by all its binds).

use std::time::{Duration, Instant};

/// A per-second rate limit; `0` means unlimited.
#[derive(Debug, Clone)]
pub struct Throttle {
    /// Time one unit costs; `None` when unlimited.
    interval: Option<Duration>,
    /// How far ahead of real time the schedule may run: the burst allowance.
    tolerance: Duration,
    /// When the schedule would next be free if everything ran at the rate.
    theoretical_arrival: Option<Instant>,
}

impl Throttle {
    /// `per_second` units per second, allowing bursts of up to `burst` units
    /// at once (at least 1).
    pub fn new(per_second: u32, burst: u32) -> Throttle {
        let interval =
            (per_second > 0).then(|| Duration::from_nanos(1_000_000_000 / u64::from(per_second)));
        let tolerance = interval.map_or(Duration::ZERO, |interval| {
            interval * burst.max(1).saturating_sub(1)
        });
        Throttle {
            interval,
            tolerance,
            theoretical_arrival: None,
        }
    }

    /// One second's worth of burst: the usual meaning of "N per second".
    pub fn per_second(per_second: u32) -> Throttle {
        Throttle::new(per_second, per_second)
    }

    /// Takes `units` if the rate allows the first of them now; otherwise
    /// takes nothing and says how long to wait. Units beyond the burst are
    /// taken on credit, and the requests after them wait it out: a 3-part
    /// message passes a 1-per-second limit, the next one waits 3 seconds.
    pub fn try_take(&mut self, units: u32, now: Instant) -> Result<(), Duration> {
        let Some(interval) = self.interval else {
            return Ok(());
        };
        let arrival = self.theoretical_arrival.map_or(now, |tat| tat.max(now));
        let earliest = arrival.checked_sub(self.tolerance).unwrap_or(now);
        if earliest > now {
            return Err(earliest - now);
        }
        self.theoretical_arrival = Some(arrival + interval * units);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units allowed when asking one at a time, every `step`, for `span`.
    fn allowed_over(
        throttle: &mut Throttle,
        start: Instant,
        step: Duration,
        span: Duration,
    ) -> u32 {
        let mut now = start;
        let mut allowed = 0;
        while now < start + span {
            if throttle.try_take(1, now).is_ok() {
                allowed += 1;
            }
            now += step;
        }
        allowed
    }

    #[test]
    fn zero_is_unlimited() {
        let mut throttle = Throttle::per_second(0);
        let now = Instant::now();
        for _ in 0..100_000 {
            assert!(throttle.try_take(5, now).is_ok());
        }
    }

    #[test]
    fn a_burst_is_allowed_then_the_rate_holds() {
        let start = Instant::now();
        let mut throttle = Throttle::new(100, 10);
        for _ in 0..10 {
            assert!(throttle.try_take(1, start).is_ok());
        }
        let wait = throttle.try_take(1, start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(10));
        assert!(throttle.try_take(1, start + wait).is_ok());
    }

    #[test]
    fn the_long_run_rate_is_the_configured_rate() {
        let start = Instant::now();
        let mut throttle = Throttle::new(500, 1);
        // Asked every 100 µs for 10 s: 100,000 attempts, 5,000 allowed.
        let allowed = allowed_over(
            &mut throttle,
            start,
            Duration::from_micros(100),
            Duration::from_secs(10),
        );
        assert_eq!(allowed, 5_000);
    }

    #[test]
    fn several_units_cost_several_intervals() {
        let start = Instant::now();
        let mut throttle = Throttle::new(10, 3);
        assert!(throttle.try_take(3, start).is_ok());
        assert_eq!(throttle.try_take(1, start), Err(Duration::from_millis(100)));
        // A request bigger than the burst passes when the schedule is clear,
        // and the ones after it wait for what it took on credit.
        let mut strict = Throttle::new(10, 1);
        assert!(strict.try_take(4, start).is_ok());
        assert_eq!(strict.try_take(1, start), Err(Duration::from_millis(400)));
        assert!(
            strict
                .try_take(1, start + Duration::from_millis(400))
                .is_ok()
        );
    }

    #[test]
    fn a_refused_request_takes_nothing() {
        let start = Instant::now();
        let mut throttle = Throttle::new(1, 1);
        assert!(throttle.try_take(1, start).is_ok());
        for _ in 0..1000 {
            assert!(throttle.try_take(1, start).is_err());
        }
        assert!(throttle.try_take(1, start + Duration::from_secs(1)).is_ok());
    }
}
