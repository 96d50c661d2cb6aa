//! `[[routes]]`: prefixes, the accounts and gateways they name (which must
//! exist), weights and price; no prefix claimed twice for one account.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::checker::Checker;
use crate::config::fields;
use crate::config::raw::RawRoute;
use crate::config::{AccountConfig, AccountSelector, GatewayConfig, RouteConfig};

impl Checker<'_> {
    /// `[[routes]]`, against the gateways and accounts the file has.
    pub fn routes(
        &mut self,
        raw: Vec<Spanned<RawRoute>>,
        gateways: &[GatewayConfig],
        accounts: &[AccountConfig],
    ) -> Vec<RouteConfig> {
        let gateway_names: HashSet<&str> = gateways.iter().map(|g| g.name.as_str()).collect();
        let account_ids: HashSet<&str> = accounts.iter().map(|a| a.system_id.as_str()).collect();
        // (prefix, account or "*") → index of the route that claimed it first.
        let mut claimed: HashMap<(String, String), usize> = HashMap::new();
        let mut routes = Vec::with_capacity(raw.len());
        for (index, entry) in raw.into_iter().enumerate() {
            let entry = entry.into_inner();
            let prefix_key = format!("routes[{index}]");
            let prefix = entry.prefix.get_ref().clone();
            self.check(
                &entry.prefix,
                &format!("{prefix_key}.prefix"),
                fields::route_prefix(&prefix),
            );
            let selector = self.route_accounts(&entry, &prefix_key, &account_ids);
            for account in fields::route_claims(&selector) {
                if let Some(first) = claimed.insert((prefix.clone(), account.clone()), index) {
                    let message =
                        fields::route_claim(&format!("routes[{first}]"), &prefix, &account);
                    self.report(&entry.prefix, &format!("{prefix_key}.prefix"), message);
                }
            }
            self.check(
                &entry.gateways,
                &format!("{prefix_key}.gateways"),
                fields::route_gateways(entry.gateways.get_ref().len()),
            );
            let mut names = Vec::with_capacity(entry.gateways.get_ref().len());
            for (gateway_index, name) in entry.gateways.get_ref().iter().enumerate() {
                let key = format!("{prefix_key}.gateways[{gateway_index}]");
                let exists = gateway_names.contains(name.get_ref().as_str());
                self.check(
                    name,
                    &key,
                    fields::route_gateway(name.get_ref(), &names, exists),
                );
                names.push(name.get_ref().clone());
            }
            self.check(
                &entry.price,
                &format!("{prefix_key}.price"),
                fields::not_negative(*entry.price.get_ref()),
            );
            let weights = self.route_weights(&entry, &prefix_key);
            let policy = self.route_policy(&entry, &prefix_key);
            routes.push(RouteConfig {
                prefix,
                accounts: selector,
                gateways: names,
                weights,
                price: *entry.price.get_ref(),
                policy,
            });
        }
        routes
    }

    /// `weights`, when given: one per gateway, each 1 to [`MAX_WEIGHT`].
    fn route_weights(&mut self, entry: &RawRoute, prefix_key: &str) -> Option<Vec<u32>> {
        let list = entry.weights.as_ref()?;
        let key = format!("{prefix_key}.weights");
        let gateways = entry.gateways.get_ref().len();
        self.check(
            list,
            &key,
            fields::route_weights(list.get_ref().len(), gateways),
        )?;
        let mut weights = Vec::with_capacity(gateways);
        for (index, weight) in list.get_ref().iter().enumerate() {
            let key = format!("{key}[{index}]");
            let value = self.check(weight, &key, fields::route_weight(*weight.get_ref()));
            weights.push(value.unwrap_or(1));
        }
        Some(weights)
    }

    fn route_accounts(
        &mut self,
        entry: &RawRoute,
        prefix_key: &str,
        account_ids: &HashSet<&str>,
    ) -> AccountSelector {
        let Some(list) = &entry.accounts else {
            return AccountSelector::All;
        };
        let key = format!("{prefix_key}.accounts");
        let given: Vec<String> = list
            .get_ref()
            .iter()
            .map(|id| id.get_ref().clone())
            .collect();
        match self.check(list, &key, fields::route_accounts(&given)) {
            Some(true) => return AccountSelector::All,
            Some(false) => {}
            None if given.is_empty() => return AccountSelector::Only(Vec::new()),
            None => return AccountSelector::All,
        }
        let mut ids = Vec::with_capacity(list.get_ref().len());
        for (index, id) in list.get_ref().iter().enumerate() {
            let exists = account_ids.contains(id.get_ref().as_str());
            let key = format!("{key}[{index}]");
            if self
                .check(id, &key, fields::route_account(id.get_ref(), &ids, exists))
                .is_some()
            {
                ids.push(id.get_ref().clone());
            }
        }
        AccountSelector::Only(ids)
    }
}
