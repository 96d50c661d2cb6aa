//! The MT route table: the longest destination prefix among the routes that
//! apply to the sending account wins; `""` is the default route.
//!
//! When an account-specific route and an every-account (`"*"`) route have
//! the same prefix, the account-specific one wins: an operator writes it to
//! override the general rule. Lookup costs at most one hash probe per digit
//! of the destination (≤ 16), whatever the number of routes.

use std::collections::HashMap;

use crate::config::{AccountSelector, RouteConfig, RoutePolicy};
use crate::model::Money;

/// A route as the switch uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Position in the table (the file's routes with the admin API's
    /// changes laid over them): what the admin API's PUT and DELETE name.
    pub index: usize,
    /// Digits the normalised destination starts with; `""` is the default route.
    pub prefix: String,
    /// The accounts it applies to; an account-specific route beats an
    /// every-account one of the same prefix.
    pub accounts: AccountSelector,
    /// Tried in order: failover; or shared by `weights`.
    pub gateways: Vec<String>,
    /// One per gateway: messages are shared among those up in proportion.
    pub weights: Option<Vec<u32>>,
    /// Credit charged per message part.
    pub price: Money,
    /// `mode`, floor and ceiling.
    pub policy: RoutePolicy,
}

impl Route {
    /// The route as a configuration entry (what the admin API changes).
    pub fn config(&self) -> RouteConfig {
        RouteConfig {
            prefix: self.prefix.clone(),
            accounts: self.accounts.clone(),
            gateways: self.gateways.clone(),
            weights: self.weights.clone(),
            price: self.price,
            policy: self.policy,
        }
    }
}

/// The routes in force, built from the configuration file and the admin
/// API's changes; the switch replaces it whole when they change.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
    /// Prefix → indexes into `routes` with that prefix, specific routes first.
    by_prefix: HashMap<String, Vec<usize>>,
}

impl RouteTable {
    /// The table of `configs`, in their order; each route's
    /// [`index`](Route::index) is its position there.
    pub fn new(configs: &[RouteConfig]) -> RouteTable {
        let routes: Vec<Route> = configs
            .iter()
            .enumerate()
            .map(|(index, config)| Route {
                index,
                prefix: config.prefix.clone(),
                accounts: config.accounts.clone(),
                gateways: config.gateways.clone(),
                weights: config.weights.clone(),
                policy: config.policy,
                price: config.price,
            })
            .collect();
        let mut by_prefix: HashMap<String, Vec<usize>> = HashMap::new();
        for (position, route) in routes.iter().enumerate() {
            by_prefix
                .entry(route.prefix.clone())
                .or_default()
                .push(position);
        }
        for positions in by_prefix.values_mut() {
            positions
                .sort_by_key(|&position| matches!(routes[position].accounts, AccountSelector::All));
        }
        RouteTable { routes, by_prefix }
    }

    /// The route for a message from `account` to the normalised destination
    /// `digits`, or `None` when no route (not even a default) applies.
    pub fn lookup(&self, account: &str, digits: &str) -> Option<&Route> {
        (0..=digits.len()).rev().find_map(|length| {
            let prefix = digits.get(..length)?;
            self.by_prefix
                .get(prefix)?
                .iter()
                .map(|&position| &self.routes[position])
                .find(|route| route.accounts.includes(account))
        })
    }

    /// Every route, in table order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Every route as a configuration entry, in table order.
    pub fn configs(&self) -> Vec<RouteConfig> {
        self.routes.iter().map(Route::config).collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn route(prefix: &str, accounts: &[&str], gateway: &str) -> RouteConfig {
        RouteConfig {
            prefix: prefix.to_string(),
            accounts: if accounts == ["*"] {
                AccountSelector::All
            } else {
                AccountSelector::Only(accounts.iter().map(|a| a.to_string()).collect())
            },
            gateways: vec![gateway.to_string()],
            weights: None,
            policy: RoutePolicy::default(),
            price: Money::ZERO,
        }
    }

    fn gateway_for(table: &RouteTable, account: &str, digits: &str) -> Option<String> {
        table
            .lookup(account, digits)
            .map(|route| route.gateways[0].clone())
    }

    #[test]
    fn longest_prefix_wins_and_the_default_catches_the_rest() {
        let table = RouteTable::new(&[
            route("", &["*"], "default"),
            route("34", &["*"], "spain"),
            route("346", &["*"], "spain-mobile"),
            route("1", &["acme"], "acme-us"),
        ]);
        assert_eq!(
            gateway_for(&table, "x", "34600111222").as_deref(),
            Some("spain-mobile")
        );
        assert_eq!(
            gateway_for(&table, "x", "34910111222").as_deref(),
            Some("spain")
        );
        assert_eq!(
            gateway_for(&table, "x", "4930111222").as_deref(),
            Some("default")
        );
        assert_eq!(
            gateway_for(&table, "x", "12025550100").as_deref(),
            Some("default")
        );
        assert_eq!(
            gateway_for(&table, "acme", "12025550100").as_deref(),
            Some("acme-us")
        );
        assert_eq!(gateway_for(&table, "x", "").as_deref(), Some("default"));
    }

    #[test]
    fn an_account_specific_route_beats_a_general_one_with_the_same_prefix() {
        let table = RouteTable::new(&[
            route("34", &["*"], "general"),
            route("34", &["acme"], "special"),
        ]);
        assert_eq!(
            gateway_for(&table, "acme", "34600").as_deref(),
            Some("special")
        );
        assert_eq!(
            gateway_for(&table, "other", "34600").as_deref(),
            Some("general")
        );
    }

    #[test]
    fn without_a_default_route_an_unmatched_number_has_no_route() {
        let table = RouteTable::new(&[route("34", &["acme"], "spain")]);
        assert_eq!(gateway_for(&table, "acme", "4930111"), None);
        assert_eq!(gateway_for(&table, "other", "34600"), None);
    }

    /// The obvious implementation: scan every route.
    fn naive(routes: &[RouteConfig], account: &str, digits: &str) -> Option<usize> {
        routes
            .iter()
            .enumerate()
            .filter(|(_, route)| {
                digits.starts_with(&route.prefix) && route.accounts.includes(account)
            })
            .max_by_key(|(index, route)| {
                (
                    route.prefix.len(),
                    !matches!(route.accounts, AccountSelector::All),
                    std::cmp::Reverse(*index),
                )
            })
            .map(|(index, _)| index)
    }

    proptest! {
        #[test]
        fn lookup_agrees_with_a_full_scan(
            specs in proptest::collection::vec(("[0-9]{0,4}", prop_oneof![Just("*"), Just("a"), Just("b")]), 0..24),
            account in prop_oneof![Just("a"), Just("b"), Just("c")],
            digits in "[0-9]{0,8}",
        ) {
            // Keep the first route per (prefix, selector), as config validation does.
            let mut seen = std::collections::HashSet::new();
            let routes: Vec<RouteConfig> = specs
                .iter()
                .filter(|(prefix, who)| seen.insert((prefix.clone(), *who)))
                .enumerate()
                .map(|(index, (prefix, who))| route(prefix, &[who], &index.to_string()))
                .collect();
            let table = RouteTable::new(&routes);
            let found = table.lookup(account, &digits).map(|route| route.index);
            prop_assert_eq!(found, naive(&routes, account, &digits));
        }
    }
}
