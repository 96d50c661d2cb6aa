//! How a `least_cost` or `quality` route picks among its gateways from
//! what was measured over the last window ([`Observed`]). No I/O, no
//! clock: the caller passes the time and the figures.
//!
//! - A gateway whose known quality is under the route's floor
//!   (`min_delivery_ratio`, `max_latency_p95_s`, any fake receipt) is
//!   taken out at once. It comes back once it has been above the floor by
//!   `margin` (or of unknown quality again) for `hold_s` without a break.
//!   While out it gets one message in `100 / retry_share` (round robin
//!   among those out), so there are receipts to judge it by.
//! - Too few receipts (fewer than `min_receipts` settled in the window) is
//!   unknown quality: acceptable, ranked by cost; in `quality` mode after
//!   every gateway of known quality.
//! - `least_cost` ranks the gateways not taken out (and within
//!   `max_cost`, when given) by cost, a gateway without a cost last;
//!   `quality` ranks those within `max_cost` by delivery ratio.
//! - Hysteresis: traffic leaves the gateway it is on at once only when
//!   that one is taken out (or no longer ranked); otherwise a better one
//!   (cheaper, or a delivery ratio higher by `margin`) must stay the best
//!   for `hold_s` before traffic moves to it.
//! - When every gateway up is out, traffic goes to the first up in
//!   configured order: a message is never held back for quality.

use std::cmp::Ordering;
use std::time::Duration;

use super::alerts::Crossing;
use super::counts::Figures;
use crate::config::{QualitySettings, RouteMode, RoutePolicy};
use crate::model::{Lang, Money};

/// What is known of one gateway of a route over the last window.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// What it charges for the route's destinations.
    pub cost: Option<Money>,
    /// `None`: fewer than `min_receipts` settled: quality unknown.
    pub figures: Option<Figures>,
    /// Fake receipts counted in the window.
    pub fake_receipts: u64,
}

/// An automatic change, with the gateway's index in the route and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Under the floor: only retries go to it.
    TakenOut {
        /// Index in the route.
        gateway: usize,
        /// Why.
        reason: String,
    },
    /// Clear of the floor again: back in service.
    Restored {
        /// Index in the route.
        gateway: usize,
        /// Why.
        reason: String,
    },
    /// Traffic moves to it.
    Preferred {
        /// Index in the route.
        gateway: usize,
        /// The one traffic went to.
        from: Option<usize>,
        /// Why.
        reason: String,
    },
}

impl Change {
    /// `taken_out`, `restored` or `preferred`: the metric's label.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::TakenOut { .. } => "taken_out",
            Change::Restored { .. } => "restored",
            Change::Preferred { .. } => "preferred",
        }
    }

    /// The gateway it is about.
    pub fn gateway(&self) -> usize {
        match self {
            Change::TakenOut { gateway, .. }
            | Change::Restored { gateway, .. }
            | Change::Preferred { gateway, .. } => *gateway,
        }
    }

    /// Why, in words.
    pub fn reason(&self) -> &str {
        match self {
            Change::TakenOut { reason, .. }
            | Change::Restored { reason, .. }
            | Change::Preferred { reason, .. } => reason,
        }
    }
}

/// The choice of one `least_cost` or `quality` route.
#[derive(Debug, Clone)]
pub struct Chooser {
    policy: RoutePolicy,
    hold: Duration,
    margin: f64,
    /// Every this many messages one goes to a gateway taken out; 0: none.
    retry_every: u64,
    preferred: Option<usize>,
    out: Vec<bool>,
    /// Since when each gateway taken out has looked well again.
    recovering: Vec<Option<Duration>>,
    /// A gateway better than the preferred one, and since when.
    challenger: Option<(usize, Duration)>,
    /// The gateways in service, best first.
    ranking: Vec<usize>,
    turn: u64,
}

impl Chooser {
    /// For a route of `gateways` gateways.
    pub fn new(policy: RoutePolicy, settings: &QualitySettings, gateways: usize) -> Chooser {
        Chooser {
            policy,
            hold: settings.hold,
            margin: settings.margin,
            retry_every: 100u32
                .checked_div(settings.retry_share_percent)
                .map_or(0, u64::from),
            preferred: None,
            out: vec![false; gateways],
            recovering: vec![None; gateways],
            challenger: None,
            ranking: Vec::new(),
            turn: 0,
        }
    }

    /// The gateway traffic goes to by preference.
    pub fn preferred(&self) -> Option<usize> {
        self.preferred
    }

    /// Whether gateway `index` is taken out.
    pub fn is_out(&self, index: usize) -> bool {
        self.out.get(index).copied().unwrap_or(false)
    }

    /// Why `observed` is under the floor, if it is.
    fn under_floor(&self, observed: &Observed) -> Option<String> {
        let figures = observed.figures.as_ref()?;
        if observed.fake_receipts > 0 {
            return Some(Crossing::FakeReceipts(observed.fake_receipts).reason(Lang::En));
        }
        if let (Some(floor), Some(ratio)) = (self.policy.min_delivery_ratio, figures.delivery_ratio)
            && ratio < floor
        {
            return Some(format!(
                "delivery ratio {ratio:.2} under the floor {floor:.2} ({} settled)",
                figures.settled
            ));
        }
        if let (Some(ceiling), Some(p95)) = (self.policy.max_latency_p95, figures.latency_p95_s)
            && p95 > ceiling.as_secs_f64()
        {
            return Some(format!(
                "receipt latency p95 {p95:.1} s over {:.1} s",
                ceiling.as_secs_f64()
            ));
        }
        None
    }

    /// Whether `observed` is clear of the floor by the margin.
    fn clear_of_floor(&self, observed: &Observed) -> bool {
        let Some(figures) = &observed.figures else {
            return true;
        };
        let ratio_ok = match (self.policy.min_delivery_ratio, figures.delivery_ratio) {
            (Some(floor), Some(ratio)) => ratio >= (floor + self.margin).min(1.0),
            _ => true,
        };
        let latency_ok = match (self.policy.max_latency_p95, figures.latency_p95_s) {
            (Some(ceiling), Some(p95)) => p95 <= ceiling.as_secs_f64(),
            _ => true,
        };
        observed.fake_receipts == 0 && ratio_ok && latency_ok
    }

    fn within_ceiling(&self, observed: &Observed) -> bool {
        match self.policy.max_cost {
            Some(ceiling) => observed.cost.is_some_and(|cost| cost <= ceiling),
            None => true,
        }
    }

    /// Best first.
    fn rank(&self, a: (usize, &Observed), b: (usize, &Observed)) -> Ordering {
        let cost = |o: &Observed| o.cost.unwrap_or(Money::from_micros(i64::MAX));
        let by_cost = cost(a.1).cmp(&cost(b.1)).then(a.0.cmp(&b.0));
        if self.policy.mode != RouteMode::Quality {
            return by_cost;
        }
        let ratio = |o: &Observed| o.figures.as_ref().and_then(|f| f.delivery_ratio);
        match (ratio(a.1), ratio(b.1)) {
            (Some(x), Some(y)) => y.total_cmp(&x).then(by_cost),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => by_cost,
        }
    }

    /// Why `best` beats `current` by enough to move traffic, if it does.
    fn better(&self, best: &Observed, current: &Observed) -> Option<String> {
        if self.policy.mode == RouteMode::Quality {
            let ratio = |o: &Observed| o.figures.as_ref().and_then(|f| f.delivery_ratio);
            return match (ratio(best), ratio(current)) {
                (Some(b), Some(c)) if b >= c + self.margin => {
                    Some(format!("delivery ratio {b:.2} against {c:.2}"))
                }
                (Some(b), None) => Some(format!("delivery ratio {b:.2} against unknown")),
                _ => None,
            };
        }
        match (best.cost, current.cost) {
            (Some(b), Some(c)) if b < c => Some(format!("cheaper: {b} against {c}")),
            (Some(b), None) => Some(format!("cheaper: {b} against no cost")),
            _ => None,
        }
    }

    /// Looks at the gateways' figures at `now` (any monotonic time) and
    /// returns the changes made, in order.
    pub fn evaluate(&mut self, now: Duration, observed: &[Observed]) -> Vec<Change> {
        let mut changes = Vec::new();
        for (index, seen) in observed.iter().enumerate().take(self.out.len()) {
            if !self.out[index] {
                if let Some(reason) = self.under_floor(seen) {
                    self.out[index] = true;
                    self.recovering[index] = None;
                    changes.push(Change::TakenOut {
                        gateway: index,
                        reason,
                    });
                }
            } else if self.clear_of_floor(seen) {
                let since = *self.recovering[index].get_or_insert(now);
                if now.saturating_sub(since) >= self.hold {
                    self.out[index] = false;
                    self.recovering[index] = None;
                    let reason = match seen.figures.as_ref().and_then(|f| f.delivery_ratio) {
                        Some(ratio) => format!(
                            "delivery ratio {ratio:.2} clear of the floor for {} s",
                            self.hold.as_secs_f64()
                        ),
                        None => "too few receipts to judge since it was taken out".to_owned(),
                    };
                    changes.push(Change::Restored {
                        gateway: index,
                        reason,
                    });
                }
            } else {
                self.recovering[index] = None;
            }
        }
        let mut ranking: Vec<usize> = (0..observed.len().min(self.out.len()))
            .filter(|&index| !self.out[index] && self.within_ceiling(&observed[index]))
            .collect();
        ranking.sort_by(|&a, &b| self.rank((a, &observed[a]), (b, &observed[b])));
        self.ranking = ranking;
        let Some(&best) = self.ranking.first() else {
            self.challenger = None;
            return changes;
        };
        let reason = match self.preferred {
            Some(current) if current == best => {
                self.challenger = None;
                None
            }
            Some(current) if self.ranking.contains(&current) => {
                match self.better(&observed[best], &observed[current]) {
                    Some(why) => match self.challenger {
                        Some((challenger, since)) if challenger == best => {
                            (now.saturating_sub(since) >= self.hold)
                                .then(|| format!("{why}, for {} s", self.hold.as_secs_f64()))
                        }
                        _ => {
                            self.challenger = Some((best, now));
                            None
                        }
                    },
                    None => {
                        self.challenger = None;
                        None
                    }
                }
            }
            Some(current) if self.out[current] => {
                Some("the gateway it replaces was taken out".to_owned())
            }
            Some(_) => Some("the gateway it replaces is over max_cost".to_owned()),
            None => Some(match self.policy.mode {
                RouteMode::Quality => "best delivery ratio within max_cost".to_owned(),
                _ => "cheapest gateway above the floor".to_owned(),
            }),
        };
        if let Some(reason) = reason {
            changes.push(Change::Preferred {
                gateway: best,
                from: self.preferred,
                reason,
            });
            self.preferred = Some(best);
            self.challenger = None;
        }
        changes
    }

    /// The gateway for the next message: now and then one taken out (to
    /// judge it again), else the preferred one, else the next best up,
    /// else the first up. `together`: a part of a concatenated message,
    /// never sent to one taken out. `None` when none is up.
    pub fn pick(&mut self, up: &[bool], together: bool) -> Option<usize> {
        let is_up = |index: usize| up.get(index).copied().unwrap_or(false);
        self.turn += 1;
        if !together && self.retry_every > 0 && self.turn % self.retry_every == 0 {
            let out_up: Vec<usize> = (0..self.out.len())
                .filter(|&index| self.out[index] && is_up(index))
                .collect();
            if !out_up.is_empty() {
                let round = usize::try_from(self.turn / self.retry_every).unwrap_or(0);
                return out_up.get(round % out_up.len()).copied();
            }
        }
        self.preferred
            .filter(|&index| is_up(index))
            .or_else(|| self.ranking.iter().copied().find(|&index| is_up(index)))
            .or_else(|| (0..up.len()).find(|&index| is_up(index)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> QualitySettings {
        QualitySettings {
            hold: Duration::from_secs(10),
            margin: 0.05,
            retry_share_percent: 5,
            ..QualitySettings::default()
        }
    }

    fn policy(mode: RouteMode) -> RoutePolicy {
        RoutePolicy {
            mode,
            min_delivery_ratio: Some(0.9),
            max_latency_p95: Some(Duration::from_secs(60)),
            max_cost: None,
        }
    }

    fn seen(cost: i64, ratio: Option<f64>) -> Observed {
        Observed {
            cost: Some(Money::from_micros(cost)),
            figures: ratio.map(|ratio| Figures {
                delivery_ratio: Some(ratio),
                latency_p50_s: Some(1.0),
                latency_p95_s: Some(2.0),
                settled: 100,
                top_errors: Vec::new(),
                margin: Money::ZERO,
            }),
            fake_receipts: 0,
        }
    }

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn least_cost_takes_the_cheapest_and_leaves_it_when_it_degrades() {
        let mut chooser = Chooser::new(policy(RouteMode::LeastCost), &settings(), 2);
        // Unknown quality is acceptable: the cheaper one first.
        let changes = chooser.evaluate(s(0), &[seen(30, None), seen(10, None)]);
        assert_eq!(changes.len(), 1);
        assert_eq!(chooser.preferred(), Some(1));
        // It degrades: out at once, traffic to the other.
        let changes = chooser.evaluate(s(1), &[seen(30, Some(0.99)), seen(10, Some(0.4))]);
        assert_eq!(
            changes.iter().map(Change::kind).collect::<Vec<_>>(),
            ["taken_out", "preferred"]
        );
        assert!(
            changes[0].reason().contains("0.40"),
            "{}",
            changes[0].reason()
        );
        assert_eq!(chooser.preferred(), Some(0));
        assert!(chooser.is_out(1));
        // One message in twenty still goes to it.
        let picks: Vec<usize> = (0..100)
            .map(|_| chooser.pick(&[true, true], false).unwrap())
            .collect();
        assert_eq!(picks.iter().filter(|&&g| g == 1).count(), 5);
        assert!((0..100).all(|_| chooser.pick(&[true, true], true) == Some(0)));
        // Just over the floor is not enough; clear by the margin for hold_s is.
        assert!(
            chooser
                .evaluate(s(2), &[seen(30, Some(0.99)), seen(10, Some(0.92))])
                .is_empty()
        );
        assert!(
            chooser
                .evaluate(s(3), &[seen(30, Some(0.99)), seen(10, Some(0.97))])
                .is_empty()
        );
        let changes = chooser.evaluate(s(13), &[seen(30, Some(0.99)), seen(10, Some(0.97))]);
        assert_eq!(
            changes.iter().map(Change::kind).collect::<Vec<_>>(),
            ["restored"]
        );
        // Back in service, cheaper: traffic moves after hold_s more.
        assert!(
            chooser
                .evaluate(s(14), &[seen(30, Some(0.99)), seen(10, Some(0.97))])
                .is_empty()
        );
        assert_eq!(chooser.preferred(), Some(0));
        let changes = chooser.evaluate(s(24), &[seen(30, Some(0.99)), seen(10, Some(0.97))]);
        assert_eq!(
            changes.iter().map(Change::kind).collect::<Vec<_>>(),
            ["preferred"]
        );
        assert_eq!(chooser.preferred(), Some(1));
    }

    #[test]
    fn a_challenger_that_flaps_never_takes_the_traffic() {
        let mut chooser = Chooser::new(policy(RouteMode::Quality), &settings(), 2);
        chooser.evaluate(s(0), &[seen(10, Some(0.95)), seen(10, None)]);
        assert_eq!(chooser.preferred(), Some(0));
        for t in 1..50 {
            // Better by the margin every other look only.
            let ratio = if t % 2 == 0 { 0.99 } else { 0.96 };
            let changes = chooser.evaluate(s(t), &[seen(10, Some(0.94)), seen(10, Some(ratio))]);
            assert!(changes.is_empty(), "{t}: {changes:?}");
        }
        assert_eq!(chooser.preferred(), Some(0));
    }

    #[test]
    fn quality_keeps_within_the_cost_ceiling_and_rejects_fake_receipts() {
        let mut ceiling = policy(RouteMode::Quality);
        ceiling.max_cost = Some(Money::from_micros(20));
        let mut chooser = Chooser::new(ceiling, &settings(), 3);
        let mut faker = seen(5, Some(1.0));
        faker.fake_receipts = 1;
        let changes = chooser.evaluate(s(0), &[seen(50, Some(1.0)), seen(20, Some(0.93)), faker]);
        assert_eq!(chooser.preferred(), Some(1));
        assert!(chooser.is_out(2));
        assert!(changes.iter().any(|c| c.reason().contains("fake")));
        // Nothing in service up: the first gateway up.
        assert_eq!(chooser.pick(&[true, false, false], true), Some(0));
        assert_eq!(chooser.pick(&[false, false, false], false), None);
    }

    #[test]
    fn slow_receipts_are_under_the_floor() {
        let mut chooser = Chooser::new(policy(RouteMode::LeastCost), &settings(), 1);
        let mut slow = seen(10, Some(1.0));
        if let Some(figures) = slow.figures.as_mut() {
            figures.latency_p95_s = Some(120.0);
        }
        let changes = chooser.evaluate(s(0), &[slow]);
        assert_eq!(changes[0].kind(), "taken_out");
        assert!(changes[0].reason().contains("p95"));
    }
}
