//! Accounts and routes that change while the switch runs (the admin API;
//! gateways are in `admin_gateways.rs`).
//!
//! Every change is checked with the configuration file's own rules
//! (`config::fields`), written to the store's `admin_objects` tree, and
//! only once that is durable applied: a new account actor and directory
//! entry, new terms sent to an account's actor, or a new route table
//! swapped in (routes whose gateways and weights did not change keep their
//! actor; the others are retired and pass their queue on). Changes are
//! made one at a time.
//!
//! At start, [`merge_accounts`] and [`merge_routes`] lay the stored objects
//! over the file's: a stored account wins over the file's account with the
//! same system_id, a stored route (or its deletion) over the file's route
//! with the same prefix and accounts.

pub mod gateways;
pub mod live_gateways;
pub mod mo_routes;

use std::collections::HashMap;
use std::sync::Arc;

use actix::{MailboxError, Recipient};
use ipnet::IpNet;
use slog::{Logger, error, info};

use crate::actors::admin::live_gateways::{GatewayStarter, LiveGateways};
use crate::actors::admin::mo_routes::LiveMoRoutes;
use crate::actors::pipeline::account::{Account, AccountWiring};
use crate::actors::pipeline::route::{Route, RouteWiring};
use crate::actors::protocol::account::{
    AccountsInForce, AdjustCredit, Configure, CreditRefused, Finished, Terms,
};
use crate::actors::protocol::callbacks::{Enqueued, SetSecret};
use crate::actors::protocol::directory::{AccountEntry, Directory};
use crate::actors::protocol::gateway::{Deliver, Subscribe};
use crate::actors::protocol::mo::SetRoutes;
use crate::actors::protocol::pending::{Hold, Retire};
use crate::actors::protocol::route::{LiveRoutes, RouteHandle, Routing};
use crate::api::FieldError;
use crate::auth::{AuthError, PasswordHash};
use crate::config::{AccountSelector, RouteConfig, fields};
use crate::model::{AccountId, GatewayName, Money};
use crate::routing::RouteTable;
use crate::store::{
    Batch, LedgerEntry, LedgerKind, RouteKey, Store, StoreError, StoredAccount, StoredRoute,
};

/// Why an admin change was not made.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("no account {0:?}")]
    NoAccount(String),
    #[error("no route at index {0}")]
    NoRoute(usize),
    #[error("no gateway {0:?}")]
    NoGateway(String),
    #[error("no MO route for number {number:?}{}", keyword.as_ref().map(|k| format!(" and keyword {k:?}")).unwrap_or_default())]
    NoMoRoute {
        number: String,
        keyword: Option<String>,
    },
    #[error("{}", .0.detail)]
    Conflict(FieldError),
    #[error(transparent)]
    Credit(#[from] CreditRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] AuthError),
    #[error("an actor did not answer: {0}")]
    Actor(#[from] MailboxError),
    #[error("a blocking task failed: {0}")]
    Blocking(String),
}

pub(super) fn invalid(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        detail: detail.into(),
    }
}

/// One account as the switch runs it.
pub struct AccountSpec {
    pub system_id: String,
    pub password: PasswordHash,
    pub allowed_ips: Vec<IpNet>,
    pub terms: Terms,
}

impl AccountSpec {
    fn stored(&self) -> StoredAccount {
        StoredAccount {
            system_id: self.system_id.clone(),
            password: self.password.clone(),
            tps: self.terms.tps,
            max_binds: self.terms.max_binds,
            allowed_ips: self.allowed_ips.iter().map(ToString::to_string).collect(),
            suspended: self.terms.suspended,
            callback_url: self.terms.callback_url.clone(),
            callback_secret: self.terms.callback_secret.clone(),
        }
    }
}

/// The file's accounts with the stored ones laid over them (same
/// system_id: the stored one wins; others are added).
pub fn merge_accounts(
    file: Vec<AccountSpec>,
    stored: Vec<StoredAccount>,
    logger: &Logger,
) -> Vec<AccountSpec> {
    let mut merged = file;
    for account in stored {
        let allowed_ips = account
            .allowed_ips
            .iter()
            .filter_map(|network| match fields::network(network) {
                Ok(network) => Some(network),
                Err(why) => {
                    error!(logger, "stored account has an unreadable network; left out";
                        "account" => &account.system_id, "error" => why);
                    None
                }
            })
            .collect();
        let spec = AccountSpec {
            allowed_ips,
            terms: Terms {
                tps: account.tps,
                max_binds: account.max_binds,
                suspended: account.suspended,
                callback_url: account.callback_url,
                callback_secret: account.callback_secret,
            },
            password: account.password,
            system_id: account.system_id,
        };
        match merged
            .iter_mut()
            .find(|existing| existing.system_id == spec.system_id)
        {
            Some(existing) => *existing = spec,
            None => merged.push(spec),
        }
    }
    merged
}

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
    let mut merged: Vec<Option<RouteConfig>> = file.iter().cloned().map(Some).collect();
    for route in stored {
        let place = merged.iter().position(|existing| {
            existing
                .as_ref()
                .is_some_and(|r| route_key(r) == *route.key())
        });
        let replacement = match route {
            StoredRoute::Present {
                key,
                gateways,
                weights,
                price,
            } => Some(RouteConfig {
                accounts: selector(&key.accounts),
                prefix: key.prefix,
                gateways,
                weights,
                price,
            }),
            StoredRoute::Deleted { .. } => None,
        };
        match place {
            Some(place) => merged[place] = replacement,
            None => merged.extend(replacement.map(Some)),
        }
    }
    merged.into_iter().flatten().collect()
}

/// Starts route actors for a table.
pub struct RouteStarter {
    /// The gateways in force, which routes may name.
    pub gateways: Arc<LiveGateways>,
    pub schedule: Recipient<Hold>,
    pub store: Arc<Store>,
    /// The table in force, where a retired route passes its messages on.
    pub routes: Arc<LiveRoutes>,
    pub logger: Logger,
}

impl RouteStarter {
    /// The table for `configs` with an actor per route: a route of
    /// `previous` with the same prefix, gateways and weights keeps its
    /// actor (and its queue). Also returns the actors of `previous` no
    /// route kept.
    pub fn build(
        &self,
        configs: &[RouteConfig],
        previous: Option<&Routing>,
    ) -> (Routing, Vec<RouteHandle>) {
        let table = RouteTable::new(configs);
        let mut reusable: Vec<Option<(&crate::routing::Route, &RouteHandle)>> = previous
            .map(|routing| {
                routing
                    .table
                    .routes()
                    .iter()
                    .zip(&routing.actors)
                    .map(Some)
                    .collect()
            })
            .unwrap_or_default();
        let actors = table
            .routes()
            .iter()
            .map(|route| {
                let kept = reusable.iter_mut().find_map(|slot| {
                    slot.take_if(|(old, _)| {
                        old.prefix == route.prefix
                            && old.gateways == route.gateways
                            && old.weights == route.weights
                    })
                });
                match kept {
                    Some((_, actor)) => actor.clone(),
                    None => self.start(route),
                }
            })
            .collect();
        let retired = reusable
            .into_iter()
            .flatten()
            .map(|(_, actor)| actor.clone())
            .collect();
        (Routing { table, actors }, retired)
    }

    fn start(&self, route: &crate::routing::Route) -> RouteHandle {
        let gateways: Vec<(GatewayName, Recipient<Deliver>, Recipient<Subscribe>)> = route
            .gateways
            .iter()
            .filter_map(|name| {
                let gateway = self.gateways.get(name)?;
                Some((
                    gateway.name.clone(),
                    gateway.actor.deliver.clone(),
                    gateway.actor.subscribe.clone(),
                ))
            })
            .collect();
        let wiring = RouteWiring {
            schedule: self.schedule.clone(),
            store: self.store.clone(),
            routes: self.routes.clone(),
            logger: self.logger.new(slog::o!("route" => route.prefix.clone())),
        };
        Route::new(
            route.prefix.clone(),
            gateways,
            route.weights.clone(),
            wiring,
        )
        .supervise()
    }
}

/// Starts account actors.
pub struct AccountStarter {
    pub store: Arc<Store>,
    pub routes: Arc<LiveRoutes>,
    pub callbacks: Recipient<Enqueued>,
    pub logger: Logger,
}

impl AccountStarter {
    /// The actor and directory entry of `spec`, whose balance the store
    /// already holds.
    pub fn start(&self, spec: AccountSpec, id: AccountId) -> AccountEntry {
        let wiring = AccountWiring {
            store: self.store.clone(),
            routes: self.routes.clone(),
            callbacks: self.callbacks.clone(),
            logger: self.logger.new(slog::o!("account" => id.to_string())),
        };
        let actor = Account::new(spec.terms.clone(), id.clone(), wiring).supervise();
        AccountEntry {
            id,
            actor,
            password: spec.password,
            allowed_ips: spec.allowed_ips,
            terms: spec.terms,
        }
    }
}

/// A new account, checked.
pub struct NewAccount {
    pub system_id: String,
    pub password: String,
    pub credit: Money,
    pub allowed_ips: Vec<IpNet>,
    pub terms: Terms,
}

/// What to change of an account, checked; `None` keeps it.
#[derive(Default)]
pub struct AccountChange {
    pub password: Option<String>,
    pub allowed_ips: Option<Vec<IpNet>>,
    pub tps: Option<u32>,
    pub max_binds: Option<u32>,
    pub suspended: Option<bool>,
    /// `Some(None)` removes it.
    pub callback_url: Option<Option<String>>,
    /// `Some(None)` removes it: callbacks go unsigned.
    pub callback_secret: Option<Option<String>>,
}

/// A route as the admin API receives it, before the checks that need the
/// rest of the table.
pub struct RouteInput {
    pub prefix: String,
    pub accounts: Vec<String>,
    pub gateways: Vec<String>,
    pub weights: Option<Vec<u64>>,
    pub price: Money,
}

/// The runtime side of the admin API.
pub struct Admin {
    pub store: Arc<Store>,
    pub directory: Arc<Directory>,
    pub routes: Arc<LiveRoutes>,
    pub route_starter: RouteStarter,
    pub account_starter: AccountStarter,
    /// Starts the gateways the admin API adds.
    pub gateway_starter: GatewayStarter,
    /// The actors that finish messages (the receipts tracker and the
    /// schedule), told every account.
    pub finishers: Vec<Recipient<AccountsInForce>>,
    /// Told every change of an account's callback secret.
    pub callback_secrets: Recipient<SetSecret>,
    /// Given the new table at every change of the MO routes.
    pub mo_router: Recipient<SetRoutes>,
    /// The MO routes in force.
    pub mo_routes: LiveMoRoutes,
    pub logger: Logger,
    /// One change at a time: two never build on the same old state.
    pub changes: tokio::sync::Mutex<()>,
}

impl Admin {
    /// Tells the actors that hand messages to accounts about every account.
    pub fn rewire(&self) {
        let finished: HashMap<AccountId, Recipient<Finished>> = self
            .directory
            .accounts()
            .values()
            .map(|entry| (entry.id.clone(), entry.actor.finished.clone()))
            .collect();
        for finisher in &self.finishers {
            finisher.do_send(AccountsInForce {
                finished: finished.clone(),
            });
        }
    }

    /// Creates an account: stored with its starting credit (unless the
    /// store already has a balance for this system_id, which it keeps),
    /// then its actor started and its directory entry added.
    pub async fn create_account(&self, new: NewAccount) -> Result<Arc<AccountEntry>, AdminError> {
        let _turn = self.changes.lock().await;
        if self.directory.account(&new.system_id).is_some() {
            return Err(AdminError::Conflict(invalid(
                "system_id",
                format!("account {:?} exists already", new.system_id),
            )));
        }
        let id = AccountId::new(new.system_id.clone())
            .map_err(|error| AdminError::Invalid(invalid("system_id", error.to_string())))?;
        let spec = AccountSpec {
            system_id: new.system_id,
            password: hash(new.password).await?,
            allowed_ips: new.allowed_ips,
            terms: new.terms,
        };
        let mut batch = Batch::new();
        batch.put_stored_account(&spec.stored());
        if self.store.account_balance(&id)?.is_none() {
            batch
                .set_balance(&id, new.credit)
                .append_ledger(&LedgerEntry {
                    account: id.clone(),
                    kind: LedgerKind::TopUp,
                    delta: new.credit,
                    balance: new.credit,
                    message: None,
                    at: chrono::Utc::now(),
                    reason: Some("starting credit".into()),
                });
        }
        self.store.commit(batch).await?;
        info!(self.logger, "account created"; "account" => %id);
        if let Some(secret) = &spec.terms.callback_secret {
            self.callback_secrets.do_send(SetSecret {
                account: id.clone(),
                secret: Some(secret.clone()),
            });
        }
        self.directory
            .put(self.account_starter.start(spec, id.clone()));
        self.rewire();
        self.directory
            .account(id.as_str())
            .ok_or_else(|| AdminError::NoAccount(id.to_string()))
    }

    /// Changes an account: stored first, then its actor's terms and its
    /// directory entry.
    pub async fn change_account(
        &self,
        system_id: &str,
        change: AccountChange,
    ) -> Result<Arc<AccountEntry>, AdminError> {
        let _turn = self.changes.lock().await;
        let entry = self
            .directory
            .account(system_id)
            .ok_or_else(|| AdminError::NoAccount(system_id.to_string()))?;
        let password = match change.password {
            Some(password) => hash(password).await?,
            None => entry.password.clone(),
        };
        let terms = Terms {
            tps: change.tps.unwrap_or(entry.terms.tps),
            max_binds: change.max_binds.unwrap_or(entry.terms.max_binds),
            suspended: change.suspended.unwrap_or(entry.terms.suspended),
            callback_url: change
                .callback_url
                .unwrap_or_else(|| entry.terms.callback_url.clone()),
            callback_secret: change
                .callback_secret
                .unwrap_or_else(|| entry.terms.callback_secret.clone()),
        };
        let spec = AccountSpec {
            system_id: system_id.to_string(),
            password,
            allowed_ips: change
                .allowed_ips
                .unwrap_or_else(|| entry.allowed_ips.clone()),
            terms: terms.clone(),
        };
        let mut batch = Batch::new();
        batch.put_stored_account(&spec.stored());
        self.store.commit(batch).await?;
        if terms.callback_secret != entry.terms.callback_secret {
            self.callback_secrets.do_send(SetSecret {
                account: entry.id.clone(),
                secret: terms.callback_secret.clone(),
            });
        }
        entry
            .actor
            .configure
            .send(Configure {
                terms: terms.clone(),
            })
            .await?;
        info!(self.logger, "account changed"; "account" => system_id,
            "tps" => terms.tps, "max_binds" => terms.max_binds, "suspended" => terms.suspended);
        self.directory.put(AccountEntry {
            id: entry.id.clone(),
            actor: entry.actor.clone(),
            password: spec.password,
            allowed_ips: spec.allowed_ips,
            terms,
        });
        self.directory
            .account(system_id)
            .ok_or_else(|| AdminError::NoAccount(system_id.to_string()))
    }

    /// Tops up (positive) or deducts (negative) credit through the
    /// account's actor, recorded in its ledger with `reason`.
    pub async fn adjust_credit(
        &self,
        system_id: &str,
        amount: Money,
        reason: String,
    ) -> Result<LedgerEntry, AdminError> {
        let entry = self
            .directory
            .account(system_id)
            .ok_or_else(|| AdminError::NoAccount(system_id.to_string()))?;
        let adjusted = entry
            .actor
            .adjust_credit
            .send(AdjustCredit { amount, reason })
            .await??;
        info!(self.logger, "credit adjusted"; "account" => system_id,
            "amount" => %amount, "balance" => %adjusted.balance);
        Ok(adjusted)
    }

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
        let route = self.check_route(input, &configs, Some(index))?;
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
        let route = RouteConfig {
            prefix: input.prefix,
            accounts,
            gateways,
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

fn present(route: &RouteConfig) -> StoredRoute {
    StoredRoute::Present {
        key: route_key(route),
        gateways: route.gateways.clone(),
        weights: route.weights.clone(),
        price: route.price,
    }
}

/// argon2 is slow on purpose: off the event loop.
async fn hash(password: String) -> Result<PasswordHash, AdminError> {
    actix_rt::task::spawn_blocking(move || PasswordHash::new(&password))
        .await
        .map_err(|error| AdminError::Blocking(error.to_string()))?
        .map_err(AdminError::from)
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

    fn spec(system_id: &str, tps: u32) -> AccountSpec {
        AccountSpec {
            system_id: system_id.into(),
            password: PasswordHash::from_stored("$argon2id$stored".into()),
            allowed_ips: Vec::new(),
            terms: Terms {
                tps,
                max_binds: 1,
                suspended: false,
                callback_url: None,
                callback_secret: None,
            },
        }
    }

    #[test]
    fn stored_accounts_win_over_the_files_with_the_same_system_id() {
        let logger = Logger::root(slog::Discard, slog::o!());
        let mut changed = spec("demo", 7).stored();
        changed.suspended = true;
        changed.allowed_ips = vec!["10.0.0.0/8".into()];
        let merged = merge_accounts(
            vec![spec("demo", 100), spec("other", 5)],
            vec![changed, spec("new", 1).stored()],
            &logger,
        );
        let summary: Vec<(&str, u32, bool, usize)> = merged
            .iter()
            .map(|account| {
                (
                    account.system_id.as_str(),
                    account.terms.tps,
                    account.terms.suspended,
                    account.allowed_ips.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("demo", 7, true, 1),
                ("other", 5, false, 0),
                ("new", 1, false, 0)
            ]
        );
    }
}
