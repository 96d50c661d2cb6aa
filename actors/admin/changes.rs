//! The runtime side of the admin API: what every change needs (the store,
//! the tables in force, the starters) and the lock that makes changes one
//! at a time. The changes themselves, one file per kind of object:
//! `accounts`, `routes`, `gateways`, `mo_routes`.

use std::collections::HashMap;
use std::sync::Arc;

use actix::Recipient;
use arc_swap::ArcSwap;
use slog::Logger;

use super::error::AdminError;
use super::live_gateways::GatewayStarter;
use super::starters::{AccountStarter, RouteStarter};
use crate::actors::protocol::account::{AccountsInForce, Finished};
use crate::actors::protocol::callbacks::SetSecret;
use crate::actors::protocol::campaign::LiveCampaigns;
use crate::actors::protocol::content_rules::LiveContentRules;
use crate::actors::protocol::directory::Directory;
use crate::actors::protocol::mo::SetRoutes;
use crate::actors::protocol::mo_apps::LiveMoApps;
use crate::actors::protocol::pending::HeldMessages;
use crate::actors::protocol::route::LiveRoutes;
use crate::auth::PasswordHash;
use crate::config::MoRouteConfig;
use crate::model::AccountId;
use crate::store::Store;

/// The MO routes in force, as the admin API lists them.
pub type LiveMoRoutes = ArcSwap<Vec<MoRouteConfig>>;

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
    /// The autoreplies, polls and services in force.
    pub mo_apps: Arc<LiveMoApps>,
    /// The content rules in force, compiled; the accounts read the same.
    pub content_rules: Arc<LiveContentRules>,
    /// The messages content rules hold.
    pub held: HeldMessages,
    /// The campaigns' actors; a campaign made through the API starts here.
    pub campaigns: Arc<LiveCampaigns>,
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
}

/// argon2 is slow on purpose: off the event loop.
pub async fn hash(password: String) -> Result<PasswordHash, AdminError> {
    actix_rt::task::spawn_blocking(move || PasswordHash::new(&password))
        .await
        .map_err(|error| AdminError::Blocking(error.to_string()))?
        .map_err(AdminError::from)
}
