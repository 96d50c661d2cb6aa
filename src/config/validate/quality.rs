//! `[quality]`, `[[gateway_costs]]` and a route's `mode` with its floor
//! and ceiling (`min_delivery_ratio`, `max_latency_p95_s`, `max_cost`).

use std::collections::HashSet;
use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use crate::config::fields;
use crate::config::raw::{RawGatewayCost, RawProbes, RawQuality, RawRoute};
use crate::config::{
    AccountConfig, GatewayConfig, GatewayCost, ProbeSettings, QualitySettings, RouteMode,
    RoutePolicy,
};
use crate::quality::Thresholds;

/// Shortest `window_s`: 60 ms, one per fine bucket.
const MIN_WINDOW_S: f64 = 0.06;

impl Checker<'_> {
    /// `[quality]`, each key its default when left out.
    pub fn quality(&mut self, raw: RawQuality) -> QualitySettings {
        let default = QualitySettings::default();
        let secs =
            |checker: &mut Self, value: Option<Spanned<f64>>, key: &str, min: f64, or: Duration| {
                value
                    .and_then(|value| {
                        checker.check(&value, key, fields::quality_seconds(*value.get_ref(), min))
                    })
                    .unwrap_or(or)
            };
        let window = secs(
            self,
            raw.window_s,
            "quality.window_s",
            MIN_WINDOW_S,
            default.window,
        );
        let receipt_wait = secs(
            self,
            raw.receipt_wait_s,
            "quality.receipt_wait_s",
            0.0,
            default.receipt_wait,
        );
        let hold = secs(self, raw.hold_s, "quality.hold_s", 0.0, default.hold);
        let min_receipts = raw
            .min_receipts
            .and_then(|value| {
                let outcome = if *value.get_ref() >= 1 {
                    Ok(*value.get_ref())
                } else {
                    Err("must be at least 1".to_owned())
                };
                self.check(&value, "quality.min_receipts", outcome)
            })
            .unwrap_or(default.min_receipts);
        let margin = raw
            .margin
            .and_then(|value| self.check(&value, "quality.margin", fields::ratio(*value.get_ref())))
            .unwrap_or(default.margin);
        let retry_share_percent = raw
            .retry_share
            .and_then(|value| {
                let outcome = if *value.get_ref() <= 50 {
                    Ok(*value.get_ref())
                } else {
                    Err("must be a percent from 0 to 50".to_owned())
                };
                self.check(&value, "quality.retry_share", outcome)
            })
            .unwrap_or(default.retry_share_percent);
        let alerts = Thresholds {
            min_delivery_ratio: raw.alert_min_delivery_ratio.and_then(|value| {
                self.check(
                    &value,
                    "quality.alert_min_delivery_ratio",
                    fields::ratio(*value.get_ref()),
                )
            }),
            max_latency_p95: raw.alert_max_latency_p95_s.and_then(|value| {
                self.check(
                    &value,
                    "quality.alert_max_latency_p95_s",
                    fields::quality_seconds(*value.get_ref(), 0.0),
                )
            }),
        };
        QualitySettings {
            alerts,
            window,
            receipt_wait,
            min_receipts,
            hold,
            margin,
            retry_share_percent,
        }
    }

    /// `[[gateway_costs]]`: gateways of the file, digit prefixes, no
    /// (gateway, prefix) twice, costs not negative.
    pub fn gateway_costs(
        &mut self,
        raw: Vec<Spanned<RawGatewayCost>>,
        gateways: &[GatewayConfig],
    ) -> Vec<GatewayCost> {
        let names: HashSet<&str> = gateways.iter().map(|g| g.name.as_str()).collect();
        let mut seen = HashSet::new();
        let mut costs = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let key = format!("gateway_costs[{index}]");
            let gateway = entry.gateway.get_ref().clone();
            if !names.contains(gateway.as_str()) {
                self.report(
                    &entry.gateway,
                    &format!("{key}.gateway"),
                    format!("no gateway is named {gateway:?}"),
                );
            }
            let prefix = entry.prefix.get_ref().clone();
            self.check(
                &entry.prefix,
                &format!("{key}.prefix"),
                fields::route_prefix(&prefix),
            );
            if !seen.insert((gateway.clone(), prefix.clone())) {
                self.report(
                    &entry.prefix,
                    &format!("{key}.prefix"),
                    format!("gateway {gateway:?} has a cost for prefix {prefix:?} already"),
                );
            }
            let cost = self
                .check(
                    &entry.cost,
                    &format!("{key}.cost"),
                    fields::not_negative(*entry.cost.get_ref()),
                )
                .unwrap_or_default();
            costs.push(GatewayCost {
                gateway,
                prefix,
                cost,
            });
        }
        costs
    }

    /// `[probes]`: digit numbers, an account of the file, an alphanumeric
    /// sender, the period and the wait.
    pub fn probes(&mut self, raw: RawProbes, accounts: &[AccountConfig]) -> ProbeSettings {
        let mut numbers = Vec::new();
        for (index, number) in raw.numbers.get_ref().iter().enumerate() {
            let digits = number
                .get_ref()
                .strip_prefix('+')
                .unwrap_or(number.get_ref());
            if (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                numbers.push(digits.to_owned());
            } else {
                self.report(
                    number,
                    &format!("probes.numbers[{index}]"),
                    "must be international digits",
                );
            }
        }
        if numbers.is_empty() {
            self.report(
                &raw.numbers,
                "probes.numbers",
                "must name at least one number",
            );
        }
        let account = raw.account.get_ref().clone();
        if !accounts.iter().any(|a| a.system_id == account) {
            self.report(
                &raw.account,
                "probes.account",
                format!("no account is named {account:?}"),
            );
        }
        let sender = match raw.sender {
            Some(sender) => {
                let text = sender.get_ref().clone();
                if crate::model::Address::alphanumeric(&text).is_err() || text.is_empty() {
                    self.report(
                        &sender,
                        "probes.sender",
                        "must be an alphanumeric sender id",
                    );
                }
                text
            }
            None => "Probe".to_owned(),
        };
        let every = raw
            .every_s
            .and_then(|value| {
                self.check(
                    &value,
                    "probes.every_s",
                    fields::quality_seconds(*value.get_ref(), 0.0),
                )
            })
            .unwrap_or(Duration::from_secs(3600));
        let wait = raw
            .wait_s
            .and_then(|value| {
                self.check(
                    &value,
                    "probes.wait_s",
                    fields::quality_seconds(*value.get_ref(), 0.0),
                )
            })
            .unwrap_or(Duration::from_secs(300));
        ProbeSettings {
            numbers,
            account,
            sender,
            every,
            wait,
        }
    }

    /// A route's `mode` (default: `weighted` with `weights`, `failover`
    /// without) and its floor and ceiling.
    pub fn route_policy(&mut self, entry: &RawRoute, prefix_key: &str) -> RoutePolicy {
        let default_mode = if entry.weights.is_some() {
            RouteMode::Weighted
        } else {
            RouteMode::Failover
        };
        let mode = entry
            .mode
            .as_ref()
            .and_then(|mode| {
                self.check(
                    mode,
                    &format!("{prefix_key}.mode"),
                    fields::route_mode(mode.get_ref(), entry.weights.is_some()),
                )
            })
            .unwrap_or(default_mode);
        let min_delivery_ratio = entry.min_delivery_ratio.as_ref().and_then(|value| {
            self.check(
                value,
                &format!("{prefix_key}.min_delivery_ratio"),
                fields::ratio(*value.get_ref()),
            )
        });
        let max_latency_p95 = entry.max_latency_p95_s.as_ref().and_then(|value| {
            self.check(
                value,
                &format!("{prefix_key}.max_latency_p95_s"),
                fields::quality_seconds(*value.get_ref(), 0.0),
            )
        });
        let max_cost = entry.max_cost.as_ref().and_then(|value| {
            self.check(
                value,
                &format!("{prefix_key}.max_cost"),
                fields::not_negative(*value.get_ref()),
            )
        });
        RoutePolicy {
            mode,
            min_delivery_ratio,
            max_latency_p95,
            max_cost,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, RouteMode};

    use super::super::parse as validate;

    const BASE: &str = r#"
[[gateways]]
name = "a"
kind = "simulator"

[[accounts]]
system_id = "demo"
password = "secret"
"#;

    fn parse(extra: &str) -> Result<Config, Vec<String>> {
        validate(&format!("{BASE}{extra}"))
            .map_err(|issues| issues.into_iter().map(|issue| issue.to_string()).collect())
    }

    #[test]
    fn modes_floors_costs_and_defaults_are_read() {
        let config = parse(
            r#"
[quality]
window_s = 10
min_receipts = 3
alert_min_delivery_ratio = 0.5

[[gateway_costs]]
gateway = "a"
prefix = "34"
cost = "0.02"

[probes]
numbers = ["+34600109999"]
account = "demo"

[[routes]]
prefix = "34"
gateways = ["a"]
price = "0.05"
mode = "least_cost"
min_delivery_ratio = 0.9
max_latency_p95_s = 30
"#,
        )
        .unwrap();
        assert_eq!(config.quality.window.as_secs(), 10);
        assert_eq!(config.quality.min_receipts, 3);
        assert_eq!(config.quality.receipt_wait.as_secs(), 3600);
        assert_eq!(config.quality.alerts.min_delivery_ratio, Some(0.5));
        assert_eq!(config.gateway_costs.len(), 1);
        assert_eq!(config.routes[0].policy.mode, RouteMode::LeastCost);
        assert_eq!(config.routes[0].policy.min_delivery_ratio, Some(0.9));
        let probes = config.probes.unwrap();
        assert_eq!(probes.numbers, ["34600109999"]);
        assert_eq!(
            (probes.sender.as_str(), probes.wait.as_secs()),
            ("Probe", 300)
        );
    }

    #[test]
    fn bad_values_are_named() {
        let issues = parse(
            r#"
[quality]
margin = 2.0

[[gateway_costs]]
gateway = "nope"
prefix = "3x"
cost = "-1"

[[routes]]
prefix = "34"
gateways = ["a"]
price = "0.05"
mode = "cheapest"
min_delivery_ratio = 1.5

[probes]
numbers = ["12ab"]
account = "nobody"
"#,
        )
        .unwrap_err()
        .join("\n");
        for key in [
            "quality.margin",
            "gateway_costs[0].gateway",
            "gateway_costs[0].prefix",
            "gateway_costs[0].cost",
            "routes[0].mode",
            "routes[0].min_delivery_ratio",
            "probes.numbers[0]",
            "probes.account",
        ] {
            assert!(issues.contains(key), "{key} in {issues}");
        }
    }
}
