//! Starting the account and route actors, for the file's objects at start
//! and for those the admin API adds (gateways: `live_gateways`).

use std::sync::Arc;

use actix::Recipient;
use ipnet::IpNet;
use slog::Logger;

use super::live_gateways::LiveGateways;
use crate::actors::pipeline::account::{Account, AccountWiring};
use crate::actors::pipeline::mo_apps::MoAppsWiring;
use crate::actors::pipeline::quality::QualityBoard;
use crate::actors::pipeline::route::{Route, RouteWiring};
use crate::actors::pipeline::summaries::SummaryBoard;
use crate::actors::protocol::account::Terms;
use crate::actors::protocol::callbacks::Enqueued;
use crate::actors::protocol::content_rules::LiveContentRules;
use crate::actors::protocol::directory::AccountEntry;
use crate::actors::protocol::dnd::DndRegistry;
use crate::actors::protocol::gateway::{Deliver, Subscribe};
use crate::actors::protocol::mail::Notices;
use crate::actors::protocol::pending::Hold;
use crate::actors::protocol::route::{LiveRoutes, RouteHandle, Routing};
use crate::auth::PasswordHash;
use crate::config::{LimitsSettings, RouteConfig};
use crate::model::{AccountId, GatewayName};
use crate::routing::RouteTable;
use crate::store::{Store, StoredAccount};

/// One account as the switch runs it.
pub struct AccountSpec {
    pub system_id: String,
    pub password: PasswordHash,
    pub allowed_ips: Vec<IpNet>,
    pub terms: Terms,
}

impl AccountSpec {
    /// As the store keeps it.
    pub fn stored(&self) -> StoredAccount {
        StoredAccount {
            system_id: self.system_id.clone(),
            password: self.password.clone(),
            tps: self.terms.tps,
            max_binds: self.terms.max_binds,
            allowed_ips: self.allowed_ips.iter().map(ToString::to_string).collect(),
            suspended: self.terms.suspended,
            callback_url: self.terms.callback_url.clone(),
            callback_secret: self.terms.callback_secret.clone(),
            allowed_senders: self.terms.allowed_senders.entries(),
            traffic: self.terms.traffic,
            opt_outs: Some(self.terms.opt_outs.clone()),
            time_zone: Some(self.terms.time_zone.name().to_owned()),
            email: self.terms.email.clone(),
            low_balance: self.terms.low_balance,
            language: Some(self.terms.language),
        }
    }
}

/// Starts route actors for a table.
pub struct RouteStarter {
    /// The gateways in force, which routes may name.
    pub gateways: Arc<LiveGateways>,
    pub schedule: Recipient<Hold>,
    pub store: Arc<Store>,
    /// The table in force, where a retired route passes its messages on.
    pub routes: Arc<LiveRoutes>,
    /// Route quality, which `least_cost` and `quality` routes choose by.
    pub quality: Arc<QualityBoard>,
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
                            && old.policy == route.policy
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
            policy: route.policy,
            quality: self.quality.clone(),
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
    /// `store.mailbox_page`.
    pub mailbox_page: usize,
    /// `[limits]`.
    pub limits: LimitsSettings,
    /// Autoreplies, polls and services.
    pub mo_apps: MoAppsWiring,
    /// The content rules in force.
    pub content_rules: Arc<LiveContentRules>,
    /// The DND registry every account asks at accept.
    pub dnd: Arc<DndRegistry>,
    /// Low-balance notices; `None` without `[mail]`.
    pub notices: Option<Notices>,
    /// The report summaries every account counts into.
    pub summaries: Arc<SummaryBoard>,
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
            mailbox_page: self.mailbox_page,
            limits: self.limits,
            mo_apps: self.mo_apps.clone(),
            content_rules: self.content_rules.clone(),
            dnd: self.dnd.clone(),
            notices: self.notices.clone(),
            summaries: self.summaries.clone(),
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
