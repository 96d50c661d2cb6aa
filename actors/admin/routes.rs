//! The MT route table while the switch runs: a route added, replaced or
//! deleted. Each change is checked with the configuration file's rules
//! (`config::fields`) against the table in force, stored in
//! `admin_objects`, and only once that is durable applied: a new table is
//! swapped in, routes whose gateways and weights did not change keep their
//! actor, and the others are retired and pass their queue on. At start,
//! [`merge_routes`] lays the stored routes (or their deletions) over the
//! file's with the same prefix and accounts.

use slog::info;

use super::changes::Admin;
use super::error::{AdminError, invalid};
use crate::actors::protocol::pending::Retire;
use crate::config::{AccountSelector, RouteConfig, RoutePolicy, fields};
use crate::model::Money;
use crate::overlay;
use crate::store::{Batch, RouteKey, StoredRoute};

/// What names a route across the file and the store.
fn route_key(route: &RouteConfig) -> RouteKey {
    let mut accounts = fields::route_claims(&route.accounts);
    accounts.sort();
    RouteKey {
        prefix: route.prefix.clone(),
        accounts,
    }
}

fn selector(accounts: &[String]) -> AccountSelector {
    if accounts.iter().any(|id| id == "*") {
        AccountSelector::All
    } else {
        AccountSelector::Only(accounts.to_vec())
    }
}

/// The file's routes with the stored ones laid over them: a stored route
/// replaces the file's route with the same key in place, a stored deletion
/// removes it, other stored routes follow in key order.
pub fn merge_routes(file: &[RouteConfig], stored: Vec<StoredRoute>) -> Vec<RouteConfig> {
    let mut merged = file.to_vec();
    for route in stored {
        let key = route.key().clone();
        let replacement = match route {
            StoredRoute::Present {
                key,
                gateways,
                weights,
                price,
                policy,
            } => Some((
                RouteConfig {
                    accounts: selector(&key.accounts),
                    prefix: key.prefix,
                    policy: policy.unwrap_or(RoutePolicy::plain(weights.is_some())),
                    gateways,
                    weights,
                    price,
                },
                policy.is_none(),
            )),
            StoredRoute::Deleted { .. } => None,
        };
        overlay::apply(&mut merged, route_key, &key, |old| {
            replacement.map(|(route, stored_without_policy)| {
                if stored_without_policy {
                    keep_measured_mode(old, route)
                } else {
                    route
                }
            })
        });
    }
    merged
}

/// A route as the admin API receives it, before the checks that need the
/// rest of the table.
pub struct RouteInput {
    pub prefix: String,
    pub accounts: Vec<String>,
    pub gateways: Vec<String>,
    pub weights: Option<Vec<u64>>,
    pub price: Money,
    /// `mode`; `None`: failover (weighted with weights), or what a
    /// replaced route had when the body names no part of the policy.
    pub mode: Option<String>,
    pub min_delivery_ratio: Option<f64>,
    pub max_latency_p95_s: Option<f64>,
    pub max_cost: Option<Money>,
}

impl RouteInput {
    /// Whether the body names any part of the route's policy.
    fn sets_policy(&self) -> bool {
        self.mode.is_some()
            || self.min_delivery_ratio.is_some()
            || self.max_latency_p95_s.is_some()
            || self.max_cost.is_some()
    }
}

impl Admin {
    /// Adds a route; returns its index in the new table.
    pub async fn add_route(&self, input: RouteInput) -> Result<usize, AdminError> {
        let _turn = self.changes.lock().await;
        let mut configs = self.routes.current().table.configs();
        let route = self.check_route(input, &configs, None)?;
        let stored = vec![present(&route)];
        configs.push(route);
        self.apply_routes(&configs, stored).await?;
        Ok(configs.len() - 1)
    }

    /// Replaces the route at `index`.
    pub async fn replace_route(&self, index: usize, input: RouteInput) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let mut configs = self.routes.current().table.configs();
        let old = configs
            .get(index)
            .cloned()
            .ok_or(AdminError::NoRoute(index))?;
        let sets_policy = input.sets_policy();
        let mut route = self.check_route(input, &configs, Some(index))?;
        if !sets_policy {
            // A body written before routes had a mode over the API.
            route = keep_measured_mode(Some(&old), route);
        }
        let mut stored = Vec::new();
        if route_key(&old) != route_key(&route) {
            stored.push(StoredRoute::Deleted {
                key: route_key(&old),
            });
        }
        stored.push(present(&route));
        configs[index] = route;
        self.apply_routes(&configs, stored).await
    }

    /// Deletes the route at `index`.
    pub async fn delete_route(&self, index: usize) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let mut configs = self.routes.current().table.configs();
        if index >= configs.len() {
            return Err(AdminError::NoRoute(index));
        }
        let old = configs.remove(index);
        let stored = vec![StoredRoute::Deleted {
            key: route_key(&old),
        }];
        self.apply_routes(&configs, stored).await
    }

    /// Stores `stored`, then puts the table of `configs` in force and
    /// retires the route actors it no longer uses.
    async fn apply_routes(
        &self,
        configs: &[RouteConfig],
        stored: Vec<StoredRoute>,
    ) -> Result<(), AdminError> {
        let mut batch = Batch::new();
        for route in &stored {
            batch.put_stored_route(route);
        }
        self.store.commit(batch).await?;
        let previous = self.routes.current();
        let (routing, retired) = self.route_starter.build(configs, Some(&previous));
        self.routes.replace(routing);
        info!(self.logger, "route table replaced"; "routes" => configs.len(), "retired" => retired.len());
        for actor in retired {
            actor.retire.do_send(Retire);
        }
        Ok(())
    }

    /// The checks the file's routes get, against the table in force
    /// (without the route at `replacing`).
    fn check_route(
        &self,
        input: RouteInput,
        table: &[RouteConfig],
        replacing: Option<usize>,
    ) -> Result<RouteConfig, AdminError> {
        let field = |name: &str, outcome: Result<(), String>| {
            outcome.map_err(|detail| AdminError::Invalid(invalid(name, detail)))
        };
        field("prefix", fields::route_prefix(&input.prefix))?;
        let every = fields::route_accounts(&input.accounts)
            .map_err(|detail| AdminError::Invalid(invalid("accounts", detail)))?;
        let accounts = if every {
            AccountSelector::All
        } else {
            let known = self.directory.accounts();
            let mut ids = Vec::with_capacity(input.accounts.len());
            for (index, id) in input.accounts.iter().enumerate() {
                let exists = known.contains_key(id);
                field(
                    &format!("accounts[{index}]"),
                    fields::route_account(id, &ids, exists),
                )?;
                ids.push(id.clone());
            }
            AccountSelector::Only(ids)
        };
        field("gateways", fields::route_gateways(input.gateways.len()))?;
        let mut gateways = Vec::with_capacity(input.gateways.len());
        for (index, name) in input.gateways.iter().enumerate() {
            let exists = self.route_starter.gateways.get(name).is_some();
            field(
                &format!("gateways[{index}]"),
                fields::route_gateway(name, &gateways, exists),
            )?;
            gateways.push(name.clone());
        }
        let weights = match &input.weights {
            None => None,
            Some(given) => {
                field(
                    "weights",
                    fields::route_weights(given.len(), gateways.len()),
                )?;
                let mut weights = Vec::with_capacity(given.len());
                for (index, weight) in given.iter().enumerate() {
                    weights.push(fields::route_weight(*weight).map_err(|detail| {
                        AdminError::Invalid(invalid(format!("weights[{index}]"), detail))
                    })?);
                }
                Some(weights)
            }
        };
        let price = fields::not_negative(input.price)
            .map_err(|detail| AdminError::Invalid(invalid("price", detail)))?;
        let policy = route_policy(&input, weights.is_some())?;
        let route = RouteConfig {
            prefix: input.prefix,
            accounts,
            gateways,
            policy,
            weights,
            price,
        };
        for (index, other) in table.iter().enumerate() {
            if Some(index) == replacing || other.prefix != route.prefix {
                continue;
            }
            let claims = fields::route_claims(&other.accounts);
            if let Some(account) = fields::route_claims(&route.accounts)
                .into_iter()
                .find(|account| claims.contains(account))
            {
                let detail =
                    fields::route_claim(&format!("route {index}"), &route.prefix, &account);
                return Err(AdminError::Conflict(invalid("prefix", detail)));
            }
        }
        Ok(route)
    }
}

/// The policy `input` sets, with the file's checks: its `mode` (by
/// default failover, or weighted with weights), floor and ceiling.
fn route_policy(input: &RouteInput, weighted: bool) -> Result<RoutePolicy, AdminError> {
    let field = |name: &str, detail: String| AdminError::Invalid(invalid(name, detail));
    let mode = match &input.mode {
        Some(mode) => fields::route_mode(mode, weighted).map_err(|detail| field("mode", detail))?,
        None => RoutePolicy::plain(weighted).mode,
    };
    let min_delivery_ratio = input
        .min_delivery_ratio
        .map(fields::ratio)
        .transpose()
        .map_err(|detail| field("min_delivery_ratio", detail))?;
    let max_latency_p95 = input
        .max_latency_p95_s
        .map(|seconds| fields::quality_seconds(seconds, 0.0))
        .transpose()
        .map_err(|detail| field("max_latency_p95_s", detail))?;
    let max_cost = input
        .max_cost
        .map(fields::not_negative)
        .transpose()
        .map_err(|detail| field("max_cost", detail))?;
    Ok(RoutePolicy {
        mode,
        min_delivery_ratio,
        max_latency_p95,
        max_cost,
    })
}

/// A `least_cost` or `quality` route replaced by a body that sets no
/// policy (or laid over the file's from a record stored before routes
/// had one) keeps its mode, floor and ceiling.
fn keep_measured_mode(old: Option<&RouteConfig>, mut route: RouteConfig) -> RouteConfig {
    if let Some(old) = old.filter(|old| old.policy.mode.measured()) {
        route.policy = old.policy;
    }
    route
}

fn present(route: &RouteConfig) -> StoredRoute {
    StoredRoute::Present {
        key: route_key(route),
        gateways: route.gateways.clone(),
        weights: route.weights.clone(),
        price: route.price,
        policy: Some(route.policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(prefix: &str, accounts: &[&str], gateway: &str) -> RouteConfig {
        RouteConfig {
            prefix: prefix.into(),
            accounts: selector(&accounts.iter().map(|a| a.to_string()).collect::<Vec<_>>()),
            gateways: vec![gateway.into()],
            weights: None,
            price: Money::ZERO,
            policy: RoutePolicy::default(),
        }
    }

    #[test]
    fn stored_routes_replace_delete_or_follow_the_files() {
        let file = [
            route("", &["*"], "sim"),
            route("33", &["*"], "down"),
            route("34", &["b", "a"], "spain"),
        ];
        let stored = vec![
            present(&route("34", &["a", "b"], "spain-2")),
            StoredRoute::Deleted {
                key: route_key(&file[1]),
            },
            present(&route("44", &["*"], "uk")),
        ];
        let merged = merge_routes(&file, stored);
        let summary: Vec<(&str, &str)> = merged
            .iter()
            .map(|route| (route.prefix.as_str(), route.gateways[0].as_str()))
            .collect();
        assert_eq!(summary, [("", "sim"), ("34", "spain-2"), ("44", "uk")]);
        assert_eq!(merge_routes(&file, Vec::new()), file);
    }

    #[test]
    fn a_stored_policy_wins_and_a_route_stored_without_one_keeps_the_files() {
        let least_cost = RoutePolicy {
            mode: crate::config::RouteMode::LeastCost,
            min_delivery_ratio: Some(0.8),
            ..RoutePolicy::default()
        };
        let file = [RouteConfig {
            policy: least_cost,
            ..route("34", &["*"], "spain")
        }];
        let stored_before_policies = StoredRoute::Present {
            key: route_key(&file[0]),
            gateways: vec!["spain-2".into()],
            weights: None,
            price: Money::ZERO,
            policy: None,
        };
        let kept = merge_routes(&file, vec![stored_before_policies]);
        assert_eq!(kept[0].policy, least_cost);
        assert_eq!(kept[0].gateways, ["spain-2"]);
        let failover = merge_routes(&file, vec![present(&route("34", &["*"], "spain-2"))]);
        assert_eq!(failover[0].policy, RoutePolicy::default());
    }
}
