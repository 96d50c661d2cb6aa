//! Alerts on a gateway's quality: raised when its figures over the last
//! window cross a threshold (`quality.alert_min_delivery_ratio`,
//! `quality.alert_max_latency_p95_s`) or its probes found a grey route's
//! sign (any fake receipt, any sender rewritten), cleared when
//! they are back; each raise and clear once, not at every look. Unknown
//! quality (too few receipts) raises nothing and clears nothing. No I/O.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::counts::Figures;

/// The thresholds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thresholds {
    /// A delivery ratio under this raises an alert.
    pub min_delivery_ratio: Option<f64>,
    /// A receipt latency p95 over this raises an alert.
    pub max_latency_p95: Option<Duration>,
}

/// What a gateway's probes found over the window: signs of a grey route
/// whatever its figures say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProbeFindings {
    /// DELIVRD receipts for probes that never arrived.
    pub fake_receipts: u64,
    /// Probes that arrived from another sender than they were sent with.
    pub senders_rewritten: u64,
}

/// An alert in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// `fake_receipts`, `sender_rewritten`, `delivery_ratio` or `latency`:
    /// the metric's label.
    pub kind: &'static str,
    /// In words, with the figures.
    pub reason: String,
    /// When it was raised.
    pub since: DateTime<Utc>,
}

/// What one look changed for a gateway.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertChange {
    /// A threshold is crossed (or another one than before).
    Raised(Alert),
    /// The figures are back within the thresholds.
    Cleared(Alert),
}

/// The reason given for `count` fake receipts.
pub(super) fn fake_receipts(count: u64) -> String {
    match count {
        1 => "1 fake receipt".to_string(),
        _ => format!("{count} fake receipts"),
    }
}

/// What `figures` (with the probes' `findings`) crosses, if anything;
/// a fake receipt first, then a rewritten sender, as the surest signs.
pub fn crossed(
    thresholds: &Thresholds,
    figures: &Figures,
    findings: ProbeFindings,
) -> Option<(&'static str, String)> {
    if findings.fake_receipts > 0 {
        let count = findings.fake_receipts;
        return Some(("fake_receipts", fake_receipts(count)));
    }
    if findings.senders_rewritten > 0 {
        let count = findings.senders_rewritten;
        return Some((
            "sender_rewritten",
            match count {
                1 => "1 probe arrived from another sender".to_string(),
                _ => format!("{count} probes arrived from another sender"),
            },
        ));
    }
    if let (Some(floor), Some(ratio)) = (thresholds.min_delivery_ratio, figures.delivery_ratio)
        && ratio < floor
    {
        return Some((
            "delivery_ratio",
            format!("delivery ratio {ratio:.2} under {floor:.2}"),
        ));
    }
    if let (Some(ceiling), Some(p95)) = (thresholds.max_latency_p95, figures.latency_p95_s)
        && p95 > ceiling.as_secs_f64()
    {
        return Some((
            "latency",
            format!(
                "receipt latency p95 {p95:.1} s over {:.1} s",
                ceiling.as_secs_f64()
            ),
        ));
    }
    None
}

/// The alerts in force, by gateway.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    active: BTreeMap<String, Alert>,
}

impl Alerts {
    /// A look at `gateway` at `now`: `crossing` is what [`crossed`] said,
    /// `None` for unknown quality (nothing changes then) or `Some(None)`
    /// for figures within the thresholds.
    pub fn look(
        &mut self,
        gateway: &str,
        crossing: Option<Option<(&'static str, String)>>,
        now: DateTime<Utc>,
    ) -> Option<AlertChange> {
        match (crossing?, self.active.get(gateway)) {
            (Some((kind, reason)), active) if active.is_none_or(|alert| alert.kind != kind) => {
                let alert = Alert {
                    kind,
                    reason,
                    since: now,
                };
                self.active.insert(gateway.to_owned(), alert.clone());
                Some(AlertChange::Raised(alert))
            }
            (None, Some(_)) => self.active.remove(gateway).map(AlertChange::Cleared),
            _ => None,
        }
    }

    /// The alerts in force, by gateway.
    pub fn active(&self) -> &BTreeMap<String, Alert> {
        &self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Money;

    fn figures(ratio: f64, p95: f64) -> Figures {
        Figures {
            delivery_ratio: Some(ratio),
            latency_p50_s: Some(1.0),
            latency_p95_s: Some(p95),
            settled: 50,
            top_errors: Vec::new(),
            margin: Money::ZERO,
        }
    }

    #[test]
    fn an_alert_is_raised_and_cleared_once() {
        let thresholds = Thresholds {
            min_delivery_ratio: Some(0.8),
            max_latency_p95: Some(Duration::from_secs(60)),
        };
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut alerts = Alerts::default();
        let look = |alerts: &mut Alerts, f: Figures, fake| {
            let findings = ProbeFindings {
                fake_receipts: fake,
                senders_rewritten: 0,
            };
            alerts.look("a", Some(crossed(&thresholds, &f, findings)), now)
        };
        assert_eq!(look(&mut alerts, figures(0.9, 2.0), 0), None);
        let Some(AlertChange::Raised(alert)) = look(&mut alerts, figures(0.5, 2.0), 0) else {
            panic!("not raised");
        };
        assert_eq!(alert.kind, "delivery_ratio");
        assert!(alert.reason.contains("0.50"));
        // Still under: nothing new. Unknown: nothing either.
        assert_eq!(look(&mut alerts, figures(0.4, 2.0), 0), None);
        assert_eq!(alerts.look("a", None, now), None);
        // Another reason raises again.
        let raised = look(&mut alerts, figures(0.9, 2.0), 2);
        assert!(matches!(
            raised,
            Some(AlertChange::Raised(Alert {
                kind: "fake_receipts",
                ..
            }))
        ));
        assert_eq!(alerts.active().len(), 1);
        assert!(matches!(
            look(&mut alerts, figures(0.9, 2.0), 0),
            Some(AlertChange::Cleared(_))
        ));
        assert!(alerts.active().is_empty());
        let slow = crossed(&thresholds, &figures(0.9, 120.0), ProbeFindings::default()).unwrap();
        assert_eq!(slow.0, "latency");
        let rewritten = ProbeFindings {
            fake_receipts: 0,
            senders_rewritten: 1,
        };
        let grey = crossed(&thresholds, &figures(0.5, 120.0), rewritten).unwrap();
        assert_eq!(
            grey,
            (
                "sender_rewritten",
                "1 probe arrived from another sender".to_string()
            )
        );
        let one_fake = ProbeFindings {
            fake_receipts: 1,
            senders_rewritten: 0,
        };
        let fake = crossed(&thresholds, &figures(0.9, 2.0), one_fake).unwrap();
        assert_eq!(fake, ("fake_receipts", "1 fake receipt".to_string()));
        assert_eq!(fake_receipts(3), "3 fake receipts");
    }
}
