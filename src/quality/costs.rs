//! What each gateway charges per destination prefix (`[[gateway_costs]]`):
//! the longest prefix of a gateway's entries that the number starts with
//! gives its cost. No I/O.

use std::collections::HashMap;

use crate::config::GatewayCost;
use crate::model::Money;

/// The costs in force.
#[derive(Debug, Clone, Default)]
pub struct CostTable {
    /// Gateway → prefix → cost.
    by_gateway: HashMap<String, HashMap<String, Money>>,
}

impl CostTable {
    /// The table of `entries`; a (gateway, prefix) given twice keeps the
    /// last cost (the configuration refuses that anyway).
    pub fn new(entries: &[GatewayCost]) -> CostTable {
        let mut by_gateway: HashMap<String, HashMap<String, Money>> = HashMap::new();
        for entry in entries {
            by_gateway
                .entry(entry.gateway.clone())
                .or_default()
                .insert(entry.prefix.clone(), entry.cost);
        }
        CostTable { by_gateway }
    }

    /// What `gateway` charges for a message to `number` (digits, a leading
    /// `+` allowed); `None` when no entry of it covers the number.
    pub fn cost(&self, gateway: &str, number: &str) -> Option<Money> {
        let prefixes = self.by_gateway.get(gateway)?;
        let digits = number.strip_prefix('+').unwrap_or(number);
        (0..=digits.len())
            .rev()
            .filter_map(|len| digits.get(..len))
            .find_map(|prefix| prefixes.get(prefix))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(gateway: &str, prefix: &str, micros: i64) -> GatewayCost {
        GatewayCost {
            gateway: gateway.to_owned(),
            prefix: prefix.to_owned(),
            cost: Money::from_micros(micros),
        }
    }

    #[test]
    fn the_longest_prefix_of_the_gateway_wins() {
        let table = CostTable::new(&[
            entry("a", "", 90),
            entry("a", "34", 20),
            entry("a", "346", 15),
            entry("b", "34", 10),
        ]);
        assert_eq!(
            table.cost("a", "+34600123456"),
            Some(Money::from_micros(15))
        );
        assert_eq!(table.cost("a", "34700123456"), Some(Money::from_micros(20)));
        assert_eq!(table.cost("a", "44700123456"), Some(Money::from_micros(90)));
        assert_eq!(table.cost("b", "44700123456"), None);
        assert_eq!(table.cost("c", "34"), None);
    }
}
