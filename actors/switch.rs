//! The root of the switch: opens the store, brings the configured accounts'
//! credit into it, starts the actor tree in dependency order (receipts,
//! schedule, gateways (simulated or SMPP upstreams), routes, accounts, then the listener), hands it what the store
//! has unfinished, runs until SIGTERM or ctrl-c, and closes the store after
//! a final flush so nothing acknowledged is left in memory.

use std::collections::HashMap;
use std::sync::Arc;

use actix::{Addr, Supervisor};
use chrono::Utc;
use slog::{Logger, error, info, warn};

use super::account::{Account, AccountWiring};
use super::amend::Owners;
use super::directory::{AccountEntry, Directory};
use super::faults;
use super::gateway::{Deliver, Subscribe};
use super::receipts::{Receipts, Track, Wire};
use super::route::{Dispatch, Route};
use super::schedule::{Connect, Schedule};
use super::simulator::{Resume, Simulator};
use super::upstream::Upstream;
use super::upstream_connection::Settings;
use super::web::{AdminCredentials, WebState};
use crate::auth::{AuthError, PasswordHash};
use crate::config::{BindMode, Config, GatewayKind, SmppGatewayConfig, WebConfig};
use crate::model::{AccountId, GatewayName, IdError, MessageState};
use crate::routing::RouteTable;
use crate::store::{Batch, LedgerEntry, LedgerKind, Store, StoreConfig, StoreError};
use crate::tools::client::{BindKind, Credentials};
use actix_web::dev::ServerHandle;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("account {system_id:?}: {source}")]
    Account {
        system_id: String,
        #[source]
        source: IdError,
    },
    #[error("gateway {name:?}: {source}")]
    Gateway {
        name: String,
        #[source]
        source: IdError,
    },
    #[error("cannot hash the password of {system_id:?}: {source}")]
    Password {
        system_id: String,
        #[source]
        source: AuthError,
    },
    #[error("cannot listen for SMPP on {address}: {source}")]
    Listen {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the runtime or listen for signals: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Where a route sends a gateway its messages and its subscription.
type GatewayAddress = (actix::Recipient<Deliver>, actix::Recipient<Subscribe>);

/// What the connection task of an `smpp` gateway needs from its config.
fn upstream_settings(name: GatewayName, smpp: &SmppGatewayConfig) -> Settings {
    Settings {
        name,
        address: format!("{}:{}", smpp.host, smpp.port),
        bind: match smpp.bind {
            BindMode::Transmitter => BindKind::Transmitter,
            BindMode::Receiver => BindKind::Receiver,
            BindMode::Transceiver => BindKind::Transceiver,
        },
        credentials: Credentials {
            system_id: smpp.system_id.clone(),
            password: smpp.password.clone(),
        },
        window: usize::try_from(smpp.window).unwrap_or(usize::MAX),
        tps: smpp.tps,
        id_format: smpp.id_format,
    }
}

/// Runs the switch until it is told to stop.
pub fn serve(config: Config, logger: &Logger) -> Result<(), ServeError> {
    let store_config = StoreConfig::from_settings(&config.data_dir, &config.store);
    info!(logger, "opening store"; "path" => %store_config.path.display(), "durability" => %store_config.durability);
    let store = Store::open(store_config)?;
    let created = create_new_accounts(&store, &config, logger)?;
    let passwords = hash_passwords(&config)?;
    let store = Arc::new(store);
    faults::arm_from_env();
    let system = actix_rt::System::new();
    let signal = system.block_on(async {
        // Listen for signals before saying we are loaded, so a supervisor
        // that signals us as soon as it reads "loaded" is heard.
        let stop = StopSignals::install()?;
        let (recovered, web) = start(&config, &store, passwords, logger).await?;
        info!(logger, "loaded";
            "accounts" => config.accounts.len(),
            "accounts_created" => created,
            "routes" => config.routes.len(),
            "gateways" => config.gateways.len(),
            "recovered_to_route" => recovered.to_route,
            "recovered_awaiting_receipt" => recovered.awaiting_receipt);
        let signal = stop.first().await;
        web.stop(true).await;
        Ok::<_, ServeError>(signal)
    })?;
    info!(logger, "stopping"; "signal" => signal);
    drop(system);
    match Arc::try_unwrap(store) {
        Ok(store) => store.close()?,
        Err(store) => {
            // Something still holds the store; every acknowledged batch is
            // durable already, so wait for the queue to drain and go.
            store.commit(Batch::new()).wait()?;
        }
    }
    info!(logger, "stopped: store flushed and closed");
    Ok(())
}

/// What the start found unfinished in the store.
struct Recovered {
    to_route: usize,
    awaiting_receipt: usize,
}

/// Starts the actor tree, hands it what the store has unfinished, and opens
/// the SMPP and HTTP listeners.
async fn start(
    config: &Config,
    store: &Arc<Store>,
    mut passwords: HashMap<String, PasswordHash>,
    logger: &Logger,
) -> Result<(Recovered, ServerHandle), ServeError> {
    let routes = Arc::new(RouteTable::new(&config.routes));
    let receipts = {
        let (store, routes, logger) = (
            store.clone(),
            routes.clone(),
            logger.new(slog::o!("actor" => "receipts")),
        );
        Supervisor::start(move |_| Receipts::new(store, routes, logger))
    };
    let schedule = {
        let (store, logger) = (store.clone(), logger.new(slog::o!("actor" => "schedule")));
        Supervisor::start(move |_| Schedule::new(store, logger))
    };

    let mut simulators: HashMap<GatewayName, Addr<Simulator>> = HashMap::new();
    let mut gateways: HashMap<GatewayName, GatewayAddress> = HashMap::new();
    for gateway in &config.gateways {
        let name =
            GatewayName::new(gateway.name.clone()).map_err(|source| ServeError::Gateway {
                name: gateway.name.clone(),
                source,
            })?;
        match &gateway.kind {
            GatewayKind::Simulator(simulator) => {
                let (reports, delay) = (receipts.clone().recipient(), simulator.dlr_delay);
                let gateway_logger = logger.new(slog::o!("gateway" => name.to_string()));
                let actor_name = name.clone();
                let address = Supervisor::start(move |_| {
                    Simulator::new(actor_name, delay, reports, gateway_logger)
                });
                gateways.insert(
                    name.clone(),
                    (address.clone().recipient(), address.clone().recipient()),
                );
                simulators.insert(name, address);
            }
            GatewayKind::Smpp(smpp) => {
                let settings = upstream_settings(name.clone(), smpp);
                let (reports, gateway_logger) = (
                    receipts.clone().recipient(),
                    logger.new(slog::o!("gateway" => name.to_string())),
                );
                let address =
                    Supervisor::start(move |_| Upstream::new(settings, reports, gateway_logger));
                gateways.insert(name, (address.clone().recipient(), address.recipient()));
            }
            GatewayKind::Modem(modem) => {
                let gateway_logger = logger.new(slog::o!("gateway" => name.to_string()));
                let (reports, store) = (receipts.clone().recipient(), store.clone());
                let address = super::modem::Modem::start(
                    name.clone(),
                    modem.clone(),
                    store,
                    reports,
                    gateway_logger,
                );
                gateways.insert(name, (address.clone().recipient(), address.recipient()));
            }
        }
    }

    let route_actors: Arc<Vec<Addr<Route>>> = Arc::new(
        routes
            .routes()
            .iter()
            .map(|route| {
                let gateways: Vec<(
                    GatewayName,
                    actix::Recipient<Deliver>,
                    actix::Recipient<Subscribe>,
                )> = route
                    .gateways
                    .iter()
                    .filter_map(|name| {
                        let name = GatewayName::new(name.clone()).ok()?;
                        let (deliver, subscribe) = gateways.get(&name)?.clone();
                        Some((name, deliver, subscribe))
                    })
                    .collect();
                let (prefix, weights, schedule, store, route_logger) = (
                    route.prefix.clone(),
                    route.weights.clone(),
                    schedule.clone(),
                    store.clone(),
                    logger.new(slog::o!("route" => route.prefix.clone())),
                );
                Supervisor::start(move |_| {
                    Route::new(prefix, gateways, weights, schedule, store, route_logger)
                })
            })
            .collect(),
    );

    let mut accounts = HashMap::new();
    let mut entries = HashMap::new();
    for account in &config.accounts {
        let Some(password) = passwords.remove(&account.system_id) else {
            continue;
        };
        let id =
            AccountId::new(account.system_id.clone()).map_err(|source| ServeError::Account {
                system_id: account.system_id.clone(),
                source,
            })?;
        let wiring = AccountWiring {
            store: store.clone(),
            routes: routes.clone(),
            route_actors: route_actors.clone(),
            logger: logger.new(slog::o!("account" => id.to_string())),
        };
        let (actor_config, actor_id) = (account.clone(), id.clone());
        let address = Supervisor::start(move |_| Account::new(&actor_config, actor_id, wiring));
        accounts.insert(id.clone(), address.clone());
        entries.insert(
            account.system_id.clone(),
            AccountEntry {
                id,
                address,
                password,
                allowed_ips: account.allowed_ips.clone(),
            },
        );
    }
    schedule.do_send(Connect {
        accounts: accounts.clone(),
    });
    receipts.do_send(Wire {
        accounts,
        route_actors: route_actors.clone(),
    });

    let recovered = recover(
        store,
        &routes,
        &route_actors,
        &receipts,
        &simulators,
        logger,
    );

    let listener = tokio::net::TcpListener::bind(config.smpp.listen)
        .await
        .map_err(|source| ServeError::Listen {
            address: config.smpp.listen,
            source,
        })?;
    let owners = Owners {
        store: store.clone(),
        routes: routes.clone(),
        route_actors: route_actors.clone(),
        schedule,
        logger: logger.new(slog::o!("actor" => "amend")),
    };
    let directory = Arc::new(Directory::new(store.clone(), owners, entries));
    actix_rt::spawn(super::listener::run(
        listener,
        directory.clone(),
        config.smpp,
        logger.new(slog::o!("listener" => "smpp")),
    ));
    let web_state = WebState::new(
        directory,
        routes,
        admin_credentials(&config.web)?,
        crate::numbering::Operators::new(&config.numbering),
        logger.new(slog::o!("listener" => "http")),
    );
    let web =
        super::web::start(config.web.listen, web_state).map_err(|source| ServeError::Listen {
            address: config.web.listen,
            source,
        })?;
    Ok((recovered, web))
}

/// Unfinished messages from before the restart: those not yet with an SMSC
/// are routed again (their route holds back those scheduled for later and
/// expires those past their validity); SUBMITTED ones wait for their
/// receipt (and a simulated SMSC is reminded to send it).
fn recover(
    store: &Store,
    routes: &RouteTable,
    route_actors: &[Addr<Route>],
    receipts: &Addr<Receipts>,
    simulators: &HashMap<GatewayName, Addr<Simulator>>,
    logger: &Logger,
) -> Recovered {
    let mut recovered = Recovered {
        to_route: 0,
        awaiting_receipt: 0,
    };
    for message in store.unfinished_messages() {
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                error!(logger, "unreadable unfinished message skipped"; "error" => %error);
                continue;
            }
        };
        if message.state() == MessageState::Submitted {
            if let Some(simulator) = message
                .gateway
                .as_ref()
                .and_then(|name| simulators.get(name))
            {
                simulator.do_send(Resume {
                    message: message.clone(),
                });
            }
            receipts.do_send(Track { message });
            recovered.awaiting_receipt += 1;
            continue;
        }
        let route = routes
            .lookup(message.account.as_str(), message.destination.text())
            .and_then(|route| route_actors.get(route.index));
        match route {
            Some(route) => {
                route.do_send(Dispatch { message });
                recovered.to_route += 1;
            }
            None => warn!(logger, "unfinished message has no route any more; left as it is";
                "message" => %message.id),
        }
    }
    recovered
}

/// The operator's credentials for the admin endpoints, when a password is
/// configured.
fn admin_credentials(web: &WebConfig) -> Result<Option<AdminCredentials>, ServeError> {
    let Some(password) = &web.admin_password else {
        return Ok(None);
    };
    let password = PasswordHash::new(password).map_err(|source| ServeError::Password {
        system_id: web.admin_user.clone(),
        source,
    })?;
    Ok(Some(AdminCredentials {
        user: web.admin_user.clone(),
        password,
    }))
}

/// The argon2 hash of every account's password, by system_id. Hashing is
/// slow on purpose; it happens once, before anything listens.
fn hash_passwords(config: &Config) -> Result<HashMap<String, PasswordHash>, ServeError> {
    config
        .accounts
        .iter()
        .map(|account| {
            PasswordHash::new(&account.password)
                .map(|hash| (account.system_id.clone(), hash))
                .map_err(|source| ServeError::Password {
                    system_id: account.system_id.clone(),
                    source,
                })
        })
        .collect()
}

/// Gives every configured account that the store does not know yet its
/// starting credit, recorded as a top-up in its ledger. Accounts the store
/// already has keep their balance: the file's `credit` is where an account
/// starts, not where it is.
fn create_new_accounts(
    store: &Store,
    config: &Config,
    logger: &Logger,
) -> Result<usize, ServeError> {
    let mut batch = Batch::new();
    let mut created = 0;
    let now = Utc::now();
    for account in &config.accounts {
        let id =
            AccountId::new(account.system_id.clone()).map_err(|source| ServeError::Account {
                system_id: account.system_id.clone(),
                source,
            })?;
        if store.account_balance(&id)?.is_some() {
            continue;
        }
        info!(logger, "creating account"; "account" => %id, "credit" => %account.credit);
        batch
            .set_balance(&id, account.credit)
            .append_ledger(&LedgerEntry {
                account: id,
                kind: LedgerKind::TopUp,
                delta: account.credit,
                balance: account.credit,
                message: None,
                at: now,
            });
        created += 1;
    }
    if !batch.is_empty() {
        store.commit(batch).wait()?;
    }
    Ok(created)
}

/// SIGTERM and SIGINT, listened for from the moment of `install`.
struct StopSignals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Resolves with the name of the first stop signal received.
    async fn first(mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}
