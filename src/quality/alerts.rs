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
use crate::model::Lang;

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

/// A threshold crossed, with the figures that crossed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossing {
    /// DELIVRD receipts for probes that never arrived.
    FakeReceipts(u64),
    /// Probes that arrived from another sender than they were sent with.
    SendersRewritten(u64),
    /// The delivery ratio under its floor.
    DeliveryRatio {
        /// Over the window.
        ratio: f64,
        /// `quality.alert_min_delivery_ratio`.
        floor: f64,
    },
    /// The receipt latency p95 over its ceiling.
    Latency {
        /// Over the window, in seconds.
        p95_s: f64,
        /// `quality.alert_max_latency_p95_s`.
        ceiling_s: f64,
    },
}

impl Crossing {
    /// `fake_receipts`, `sender_rewritten`, `delivery_ratio` or `latency`:
    /// the metric's label.
    pub fn kind(&self) -> &'static str {
        match self {
            Crossing::FakeReceipts(_) => "fake_receipts",
            Crossing::SendersRewritten(_) => "sender_rewritten",
            Crossing::DeliveryRatio { .. } => "delivery_ratio",
            Crossing::Latency { .. } => "latency",
        }
    }

    /// In words, with the figures, in `language`.
    pub fn reason(&self, language: Lang) -> String {
        match (*self, language) {
            (Crossing::FakeReceipts(1), Lang::En) => "1 fake receipt".to_string(),
            (Crossing::FakeReceipts(1), Lang::Es) => "1 recibo falso".to_string(),
            (Crossing::FakeReceipts(count), Lang::En) => format!("{count} fake receipts"),
            (Crossing::FakeReceipts(count), Lang::Es) => format!("{count} recibos falsos"),
            (Crossing::SendersRewritten(1), Lang::En) => {
                "1 probe arrived from another sender".to_string()
            }
            (Crossing::SendersRewritten(1), Lang::Es) => {
                "1 sonda llegó con otro remitente".to_string()
            }
            (Crossing::SendersRewritten(count), Lang::En) => {
                format!("{count} probes arrived from another sender")
            }
            (Crossing::SendersRewritten(count), Lang::Es) => {
                format!("{count} sondas llegaron con otro remitente")
            }
            (Crossing::DeliveryRatio { ratio, floor }, Lang::En) => {
                format!("delivery ratio {ratio:.2} under {floor:.2}")
            }
            (Crossing::DeliveryRatio { ratio, floor }, Lang::Es) => {
                format!("tasa de entrega {ratio:.2} por debajo de {floor:.2}")
            }
            (Crossing::Latency { p95_s, ceiling_s }, Lang::En) => {
                format!("receipt latency p95 {p95_s:.1} s over {ceiling_s:.1} s")
            }
            (Crossing::Latency { p95_s, ceiling_s }, Lang::Es) => {
                format!("latencia p95 de los recibos {p95_s:.1} s por encima de {ceiling_s:.1} s")
            }
        }
    }
}

/// An alert in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// What crossed which threshold.
    pub crossing: Crossing,
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

/// What `figures` (with the probes' `findings`) crosses, if anything;
/// a fake receipt first, then a rewritten sender, as the surest signs.
pub fn crossed(
    thresholds: &Thresholds,
    figures: &Figures,
    findings: ProbeFindings,
) -> Option<Crossing> {
    if findings.fake_receipts > 0 {
        return Some(Crossing::FakeReceipts(findings.fake_receipts));
    }
    if findings.senders_rewritten > 0 {
        return Some(Crossing::SendersRewritten(findings.senders_rewritten));
    }
    if let (Some(floor), Some(ratio)) = (thresholds.min_delivery_ratio, figures.delivery_ratio)
        && ratio < floor
    {
        return Some(Crossing::DeliveryRatio { ratio, floor });
    }
    if let (Some(ceiling), Some(p95_s)) = (thresholds.max_latency_p95, figures.latency_p95_s)
        && p95_s > ceiling.as_secs_f64()
    {
        return Some(Crossing::Latency {
            p95_s,
            ceiling_s: ceiling.as_secs_f64(),
        });
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
        crossing: Option<Option<Crossing>>,
        now: DateTime<Utc>,
    ) -> Option<AlertChange> {
        match (crossing?, self.active.get(gateway)) {
            (Some(crossing), active)
                if active.is_none_or(|alert| alert.crossing.kind() != crossing.kind()) =>
            {
                let alert = Alert {
                    crossing,
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
        assert_eq!(alert.crossing.kind(), "delivery_ratio");
        assert_eq!(
            alert.crossing.reason(Lang::En),
            "delivery ratio 0.50 under 0.80"
        );
        assert_eq!(
            alert.crossing.reason(Lang::Es),
            "tasa de entrega 0.50 por debajo de 0.80"
        );
        // Still under: nothing new. Unknown: nothing either.
        assert_eq!(look(&mut alerts, figures(0.4, 2.0), 0), None);
        assert_eq!(alerts.look("a", None, now), None);
        // Another reason raises again.
        let raised = look(&mut alerts, figures(0.9, 2.0), 2);
        assert!(matches!(
            raised,
            Some(AlertChange::Raised(Alert {
                crossing: Crossing::FakeReceipts(2),
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
        assert_eq!(slow.kind(), "latency");
        assert_eq!(
            slow.reason(Lang::Es),
            "latencia p95 de los recibos 120.0 s por encima de 60.0 s"
        );
        let rewritten = ProbeFindings {
            fake_receipts: 0,
            senders_rewritten: 1,
        };
        let grey = crossed(&thresholds, &figures(0.5, 120.0), rewritten).unwrap();
        assert_eq!(grey.kind(), "sender_rewritten");
        assert_eq!(grey.reason(Lang::En), "1 probe arrived from another sender");
        assert_eq!(grey.reason(Lang::Es), "1 sonda llegó con otro remitente");
        assert_eq!(Crossing::FakeReceipts(1).reason(Lang::En), "1 fake receipt");
        assert_eq!(
            Crossing::FakeReceipts(3).reason(Lang::Es),
            "3 recibos falsos"
        );
    }
}
