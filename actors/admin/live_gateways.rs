//! The gateways in force, each with the handle its actor answers on, its
//! settings and whether the admin API stopped it. Routes, the admin API
//! and the live view read them here; the admin API adds and changes them
//! one at a time; a stopping switch shuts their connections down here.
//! [`GatewayStarter`] starts the actor of any kind under a
//! `Supervisor`, for the file's gateways and those the admin API adds
//! alike.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use actix::{Recipient, Supervisor};
use slog::Logger;

use crate::actors::gateways::core::handle;
use crate::actors::gateways::modem::Modem;
use crate::actors::gateways::simulator::Simulator;
use crate::actors::gateways::upstream::{Settings, Upstream};
use crate::actors::gateways::{http, smpp, ucp};
use crate::actors::protocol::gateway::{GatewayHandle, GatewayReport, Shutdown};
use crate::config::{GatewayConfig, GatewayKind};
use crate::model::GatewayName;
use crate::store::Store;

/// A gateway to run.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewaySpec {
    pub config: GatewayConfig,
    /// Its definition as the admin API stored it (the keys of a
    /// `[[gateways]]` table, TOML); `None`: the file's.
    pub definition: Option<String>,
    /// Stopped through the admin API.
    pub stopped: bool,
}

/// A running gateway.
pub struct LiveGateway {
    pub name: GatewayName,
    pub spec: GatewaySpec,
    pub actor: GatewayHandle,
}

impl LiveGateway {
    /// The same actor with the settings or stopped flag it now has.
    pub fn with(&self, spec: GatewaySpec) -> LiveGateway {
        LiveGateway {
            name: self.name.clone(),
            spec,
            actor: self.actor.clone(),
        }
    }
}

/// The gateways in force, in the order they were configured or added.
#[derive(Default)]
pub struct LiveGateways {
    gateways: RwLock<Vec<Arc<LiveGateway>>>,
}

impl LiveGateways {
    pub fn get(&self, name: &str) -> Option<Arc<LiveGateway>> {
        self.read()
            .iter()
            .find(|gateway| gateway.name.as_str() == name)
            .cloned()
    }

    pub fn all(&self) -> Vec<Arc<LiveGateway>> {
        self.read().clone()
    }

    /// Adds `gateway`, or replaces the one with its name in its place.
    pub fn put(&self, gateway: LiveGateway) -> Arc<LiveGateway> {
        let gateway = Arc::new(gateway);
        let mut gateways = self
            .gateways
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        match gateways.iter_mut().find(|old| old.name == gateway.name) {
            Some(old) => *old = gateway.clone(),
            None => gateways.push(gateway.clone()),
        }
        gateway
    }

    /// Asks every upstream gateway to end its connections cleanly
    /// ([`Shutdown`]) and waits until they have, or `limit` has passed:
    /// whether all ended in time.
    pub async fn shut_down(&self, limit: Duration) -> bool {
        let ending: Vec<_> = self
            .all()
            .iter()
            .filter_map(|gateway| gateway.actor.shutdown.as_ref())
            .map(|shutdown| shutdown.send(Shutdown))
            .collect();
        let all_ended = async {
            for ended in ending {
                // A gateway actor already gone has no connection left.
                let _ = ended.await;
            }
        };
        tokio::time::timeout(limit, all_ended).await.is_ok()
    }

    // Nothing panics while holding it; a poisoned list is still valid.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<LiveGateway>>> {
        self.gateways.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts gateway actors.
pub struct GatewayStarter {
    pub receipts: Recipient<GatewayReport>,
    pub store: Arc<Store>,
    pub logger: Logger,
}

impl GatewayStarter {
    /// The actor of `spec`'s kind, started under a `Supervisor` (stopped
    /// when `spec` says so).
    pub fn start(&self, name: GatewayName, spec: GatewaySpec) -> LiveGateway {
        let (reports, store, stopped) = (self.receipts.clone(), self.store.clone(), spec.stopped);
        let logger = self.logger.new(slog::o!("gateway" => name.to_string()));
        let actor_name = name.clone();
        match &spec.config.kind {
            GatewayKind::Simulator(simulator) => {
                let delay = simulator.dlr_delay;
                let address = Supervisor::start(move |_| {
                    Simulator::new(actor_name, delay, reports, stopped, logger)
                });
                let actor = GatewayHandle {
                    resume: Some(address.clone().recipient()),
                    ..handle(&address)
                };
                LiveGateway { name, spec, actor }
            }
            GatewayKind::Smpp(smpp) => {
                let settings = Settings::Smpp(smpp::bind::Settings::new(name.clone(), smpp));
                let actor = start_upstream(settings, store, reports, stopped, logger);
                LiveGateway { name, spec, actor }
            }
            GatewayKind::Ucp(ucp) => {
                let settings = Settings::Ucp(ucp::Settings::new(name.clone(), ucp));
                let actor = start_upstream(settings, store, reports, stopped, logger);
                LiveGateway { name, spec, actor }
            }
            GatewayKind::Http(config) => {
                let settings = Settings::Http(http::Settings::new(name.clone(), config));
                let actor = start_upstream(settings, store, reports, stopped, logger);
                LiveGateway { name, spec, actor }
            }
            GatewayKind::Cimd2(link) => {
                let settings = Settings::Cimd2(ucp::Settings::new(name.clone(), link));
                let actor = start_upstream(settings, store, reports, stopped, logger);
                LiveGateway { name, spec, actor }
            }
            GatewayKind::Modem(modem) => {
                let address =
                    Modem::start(actor_name, modem.clone(), stopped, store, reports, logger);
                let actor = GatewayHandle {
                    shutdown: Some(address.clone().recipient()),
                    ..handle(&address)
                };
                LiveGateway { name, spec, actor }
            }
        }
    }
}

/// The actor of an upstream gateway (kind `smpp`, `ucp`, `cimd2` or `http`), supervised.
fn start_upstream(
    settings: Settings,
    store: Arc<Store>,
    reports: Recipient<GatewayReport>,
    stopped: bool,
    logger: Logger,
) -> GatewayHandle {
    let address =
        Supervisor::start(move |_| Upstream::new(settings, store, reports, stopped, logger));
    GatewayHandle {
        shutdown: Some(address.clone().recipient()),
        ..handle(&address)
    }
}
