//! The root of the switch: opens the store, brings the configured accounts'
//! credit into it, starts the actor tree in dependency order (callbacks,
//! MO router, receipts, schedule, retention, the number indexer when older
//! messages are not yet indexed by number, gateways (simulated, SMPP upstreams or
//! modems), routes, accounts, then the listeners), hands it what the store
//! has unfinished, runs until SIGTERM or ctrl-c, closes its listeners,
//! lets the customers' sessions and the upstream connections drain and
//! unbind, and closes the store after a final flush so nothing
//! acknowledged is left in memory.
//! Accounts, routes and gateways are the file's with the admin API's
//! stored changes laid over them (`admin`, `live_gateways`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr, Supervisor};
use chrono::Utc;
use slog::{Logger, error, info, warn};

use crate::actors::admin::Admin;
use crate::actors::admin::accounts::merge_accounts;
use crate::actors::admin::content_rules::{compile, merge_content_rules};
use crate::actors::admin::gateways::merge_gateways;
use crate::actors::admin::live_gateways::{GatewayStarter, LiveGateways};
use crate::actors::admin::mo_routes::merge_mo_routes;
use crate::actors::admin::routes::merge_routes;
use crate::actors::admin::starters::{AccountSpec, AccountStarter, RouteStarter};
use crate::actors::faults;
use crate::actors::mail::Mailer;
use crate::actors::pipeline::admission::Admission;
use crate::actors::pipeline::amend::Owners;
use crate::actors::pipeline::callbacks::{Callbacks, tls_config};
use crate::actors::pipeline::campaign::{Campaign, CampaignWiring};
use crate::actors::pipeline::cimd2_session::Cimd2;
use crate::actors::pipeline::customer_session::Wire;
use crate::actors::pipeline::esme::SessionWiring;
use crate::actors::pipeline::listener::Security;
use crate::actors::pipeline::mo_apps::MoAppsWiring;
use crate::actors::pipeline::mo_router::MoRouter;
use crate::actors::pipeline::number_indexer::NumberIndexer;
use crate::actors::pipeline::probes::Prober;
use crate::actors::pipeline::quality::QualityBoard;
use crate::actors::pipeline::receipts::Receipts;
use crate::actors::pipeline::retention::Retention;
use crate::actors::pipeline::schedule::Schedule;
use crate::actors::pipeline::summaries::SummaryBoard;
use crate::actors::pipeline::ucp_session::Ucp;
use crate::actors::protocol::account::Terms;
use crate::actors::protocol::campaign::LiveCampaigns;
use crate::actors::protocol::directory::{Accounts, Directory};
use crate::actors::protocol::dnd::DndRegistry;
use crate::actors::protocol::gateway::Resume;
use crate::actors::protocol::logins::Logins;
use crate::actors::protocol::mail::Notices;
use crate::actors::protocol::mo::Start;
use crate::actors::protocol::mo_apps::LiveMoApps;
use crate::actors::protocol::pending::HeldMessages;
use crate::actors::protocol::receipts::{Settled, Track};
use crate::actors::protocol::route::{LiveRoutes, Routing};
use crate::actors::protocol::session::Sessions;
use crate::actors::web::{AdminCredentials, WebState};
use crate::auth::{AuthError, PasswordHash};
use crate::callbacks::address::AddressPolicy;
use crate::config::{Config, GatewayKind, TlsListenerConfig, WebConfig};
use crate::mo_apps::MoApps;
use crate::model::{AccountId, GatewayName, IdError, MessageState};
use crate::routing::{MoRouteTable, RouteTable};
use crate::store::{Batch, LedgerEntry, LedgerKind, Store, StoreConfig, StoreError};
use crate::tls::PemFile;
use actix_web::dev::ServerHandle;
use arc_swap::ArcSwap;

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
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the generated admin password to {file}: {source}")]
    AdminPasswordFile {
        file: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("the content rules cannot be used: {0}")]
    ContentRules(#[from] crate::checks::content::RuleError),
    #[error("cannot start the runtime or listen for signals: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Runs the switch until it is told to stop.
pub fn serve(config: Config, logger: &Logger) -> Result<(), ServeError> {
    // Before anything is opened: a certificate that cannot be read or a
    // key that is not its own stops the start.
    let tls = TlsServers::load(&config)?;
    let store_config = StoreConfig::from_settings(&config.data_dir, &config.store);
    info!(logger, "opening store"; "path" => %store_config.path.display(), "durability" => %store_config.durability);
    let store = Store::open(store_config)?;
    let created = create_new_accounts(&store, &config, logger)?;
    let passwords = hash_passwords(&config)?;
    let store = Arc::new(store);
    faults::arm_from_env();
    let system = actix_rt::System::new();
    system.block_on(async {
        // Listen for signals before saying we are loaded, so a supervisor
        // that signals us as soon as it reads "loaded" is heard.
        let stop = StopSignals::install()?;
        let started = start(&config, tls, &store, passwords, logger).await?;
        let (in_force, recovered) = (&started.in_force, &started.recovered);
        info!(logger, "loaded";
            "accounts" => in_force.accounts,
            "accounts_created" => created,
            "routes" => in_force.routes,
            "gateways" => in_force.gateways,
            "recovered_to_route" => recovered.to_route,
            "recovered_awaiting_receipt" => recovered.awaiting_receipt);
        let signal = stop.first().await;
        info!(logger, "stopping"; "signal" => signal);
        started.stop(&store, logger).await;
        Ok::<_, ServeError>(())
    })?;
    drop(system);
    info!(logger, "stop: actors ended; flushing the store");
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

/// How long a stop waits for the customers' sessions to have their
/// submits answered and unbind before it closes them.
const SESSIONS_CLOSE_LIMIT: Duration = Duration::from_secs(5);

/// How long a stop waits for the upstream connections to drain and
/// unbind before it closes them.
const GATEWAYS_SHUTDOWN_LIMIT: Duration = Duration::from_secs(10);

/// How long a stop waits for the receipts actor to handle the reports
/// handed to it before.
const RECEIPTS_SETTLE_LIMIT: Duration = Duration::from_secs(5);

impl Started {
    /// Ends what runs, in an order that loses and repeats nothing: the
    /// listeners (no new customer connections), HTTP (requests in progress
    /// finish), the customers' sessions (every submit answered, then
    /// unbind), the upstream connections (drained, then unbind), the
    /// receipts actor's last reports, and the counts since the last flush.
    async fn stop(&self, store: &Store, logger: &Logger) {
        for listener in &self.listeners {
            // Ending the accept loop closes the listening socket.
            listener.abort();
        }
        self.web.stop(true).await;
        info!(logger, "stop: HTTP requests in progress finished");
        if self.sessions.close_all(SESSIONS_CLOSE_LIMIT).await {
            info!(logger, "stop: customer sessions closed");
        } else {
            warn!(logger, "customer sessions still open at the limit; closed";
                "limit_s" => SESSIONS_CLOSE_LIMIT.as_secs());
        }
        if self.gateways.shut_down(GATEWAYS_SHUTDOWN_LIMIT).await {
            info!(logger, "stop: upstream connections ended");
        } else {
            warn!(logger, "upstream connections still draining at the limit; closed";
                "limit_s" => GATEWAYS_SHUTDOWN_LIMIT.as_secs());
        }
        // Their last reports (a submit's answer: Sent) reach the store.
        let settled = tokio::time::timeout(RECEIPTS_SETTLE_LIMIT, self.receipts.send(Settled));
        if !matches!(settled.await, Ok(Ok(()))) {
            warn!(
                logger,
                "the gateways' last reports not all handled; they go again after the start"
            );
        }
        // The report and route-quality counts since the last flush (up to
        // a second's) are stored before the store closes.
        self.summaries.flush(store);
        self.quality.flush(store, logger);
    }
}

/// How many accounts, routes and gateways are in force: the file's with
/// the admin API's stored changes.
struct InForce {
    accounts: usize,
    routes: usize,
    gateways: usize,
}

/// What the start found unfinished in the store.
struct Recovered {
    to_route: usize,
    awaiting_receipt: usize,
}

/// The switch once started: what it found, its HTTP server, and the boards
/// of counts it flushes once more at a clean stop.
struct Started {
    in_force: InForce,
    recovered: Recovered,
    web: ServerHandle,
    /// The customer listeners' accept loops.
    listeners: Vec<tokio::task::JoinHandle<()>>,
    sessions: Arc<Sessions>,
    gateways: Arc<LiveGateways>,
    receipts: Addr<Receipts>,
    summaries: Arc<SummaryBoard>,
    quality: Arc<QualityBoard>,
}

/// Starts the actor tree, hands it what the store has unfinished, and opens
/// the SMPP and HTTP listeners. The accounts and routes are the file's with
/// the admin API's stored changes laid over them (see `admin`).
async fn start(
    config: &Config,
    tls: TlsServers,
    store: &Arc<Store>,
    mut passwords: HashMap<String, PasswordHash>,
    logger: &Logger,
) -> Result<Started, ServeError> {
    let file_accounts = config
        .accounts
        .iter()
        .filter_map(|account| {
            Some(AccountSpec {
                system_id: account.system_id.clone(),
                password: passwords.remove(&account.system_id)?,
                allowed_ips: account.allowed_ips.clone(),
                terms: Terms {
                    tps: account.tps,
                    max_binds: account.max_binds,
                    suspended: false,
                    callback_url: account.callback_url.clone(),
                    callback_secret: account.callback_secret.clone(),
                    allowed_senders: account.allowed_senders.clone(),
                    traffic: account.traffic,
                    opt_outs: account.opt_outs.clone(),
                    time_zone: account.time_zone,
                    email: account.email.clone(),
                    low_balance: account.low_balance,
                    language: account.language,
                },
            })
        })
        .collect();
    let account_specs = merge_accounts(file_accounts, store.stored_accounts()?, logger);
    // Filled below, once the gateways its route actors use exist.
    let routes = Arc::new(LiveRoutes::new(Routing {
        table: RouteTable::default(),
        actors: Vec::new(),
    }));
    let callbacks = {
        let (store, settings, logger) = (
            store.clone(),
            config.callbacks.clone(),
            logger.new(slog::o!("actor" => "callbacks")),
        );
        let tls = tls_config(settings.ca_file.as_deref())?;
        let secrets = callback_secrets(&account_specs)?;
        let page = config.store.outbox_page;
        Supervisor::start(move |_| Callbacks::new(store, page, settings, tls, secrets, logger))
    };
    let mo_routes = merge_mo_routes(&config.mo_routes, store.stored_mo_routes()?);
    let content_rules = Arc::new(ArcSwap::from_pointee(compile(merge_content_rules(
        &config.content_rules,
        store.stored_content_rules()?,
    ))?));
    let summaries = SummaryBoard::load(
        SummaryBoard::new(&config.numbering, &config.gateway_costs, routes.clone()),
        store,
        logger,
    );
    let mailer = config.mail.clone().map(|settings| {
        let (store, reads, logger) = (
            store.clone(),
            (config.store.retention, summaries.clone()),
            logger.new(slog::o!("actor" => "mailer")),
        );
        Supervisor::start(move |_| Mailer::new(store, settings, reads, logger))
    });
    let notices = config
        .mail
        .as_ref()
        .zip(mailer.as_ref())
        .map(|(settings, mailer)| Notices {
            notify: mailer.clone().recipient(),
            admin_to: settings.admin_to.clone(),
            low_balance: settings.low_balance,
            language: settings.language,
        });
    let quality = QualityBoard::load(
        QualityBoard::new(
            config.quality,
            &config.numbering,
            &config.gateway_costs,
            config.probes.as_ref().map(|probes| probes.wait),
        )
        .with_notices(notices.clone()),
        store,
        logger,
    );
    let mo_router = {
        let (store, table, quality, logger) = (
            store.clone(),
            MoRouteTable::new(&mo_routes),
            quality.clone(),
            logger.new(slog::o!("actor" => "mo_router")),
        );
        Supervisor::start(move |_| MoRouter::new(store, table, quality, logger))
    };
    let receipts = {
        let (store, routes, callbacks, mo, boards, logger) = (
            store.clone(),
            routes.clone(),
            callbacks.clone().recipient(),
            mo_router.clone().recipient(),
            (quality.clone(), summaries.clone()),
            logger.new(slog::o!("actor" => "receipts")),
        );
        let waiting = (config.receipt_timeout, config.store.awaiting_whole);
        Supervisor::start(move |_| {
            Receipts::new(store, routes, callbacks, mo, waiting, boards, logger)
        })
    };
    let schedule = {
        let (store, logger) = (store.clone(), logger.new(slog::o!("actor" => "schedule")));
        Supervisor::start(move |_| Schedule::new(store, logger))
    };
    {
        let (store, retention, logger) = (
            store.clone(),
            config.store.retention,
            logger.new(slog::o!("actor" => "retention")),
        );
        Supervisor::start(move |_| Retention::new(store, retention, logger));
    }
    if !store.number_index_complete() {
        let (store, pause, logger) = (
            store.clone(),
            config.store.index_pause,
            logger.new(slog::o!("actor" => "number_indexer")),
        );
        NumberIndexer::new(store, pause, logger).start();
    }

    let gateway_starter = GatewayStarter {
        receipts: receipts.clone().recipient(),
        store: store.clone(),
        logger: logger.clone(),
    };
    let gateways = Arc::new(LiveGateways::default());
    for spec in merge_gateways(&config.gateways, store.stored_gateways()?, logger) {
        let name =
            GatewayName::new(spec.config.name.clone()).map_err(|source| ServeError::Gateway {
                name: spec.config.name.clone(),
                source,
            })?;
        gateways.put(gateway_starter.start(name, spec));
    }

    let route_starter = RouteStarter {
        gateways: gateways.clone(),
        schedule: schedule.clone().recipient(),
        store: store.clone(),
        routes: routes.clone(),
        quality: quality.clone(),
        logger: logger.clone(),
    };
    let route_configs = merge_routes(&config.routes, store.stored_routes()?);
    let (routing, _) = route_starter.build(&route_configs, None);
    routes.replace(routing);
    if let Some(probes) = config.probes.clone() {
        let (gateways, quality, store, logger) = (
            gateways.clone(),
            route_starter.quality.clone(),
            store.clone(),
            logger.new(slog::o!("actor" => "prober")),
        );
        Supervisor::start(move |_| Prober::new(probes, gateways, quality, store, logger));
    }

    let mo_apps = Arc::new(LiveMoApps::new(MoApps {
        autoreplies: store.stored_autoreplies()?,
        polls: store.stored_polls()?,
        services: config.sms_services.clone(),
    }));
    let account_starter = AccountStarter {
        store: store.clone(),
        routes: routes.clone(),
        callbacks: callbacks.clone().recipient(),
        mailbox_page: config.store.mailbox_page,
        limits: config.limits,
        mo_apps: MoAppsWiring {
            live: mo_apps.clone(),
            min_interval: config.autoreplies.min_interval,
            service_timeout: config.callbacks.timeout,
        },
        content_rules: content_rules.clone(),
        dnd: Arc::new(load_dnd(store, logger)?),
        notices: notices.clone(),
        summaries: summaries.clone(),
        logger: logger.clone(),
    };
    let mut entries = Accounts::new();
    for spec in account_specs {
        let id = AccountId::new(spec.system_id.clone()).map_err(|source| ServeError::Account {
            system_id: spec.system_id.clone(),
            source,
        })?;
        if store.account_balance(&id)?.is_none() {
            warn!(logger, "stored account has no balance in the store; it starts at zero"; "account" => %id);
        }
        entries.insert(
            spec.system_id.clone(),
            Arc::new(account_starter.start(spec, id)),
        );
    }
    let accounts = entries.len();

    let recovered = recover(store, &routes.current(), &receipts, &gateways, logger);

    let mut smpp_listeners = Vec::new();
    if let Some(address) = config.smpp.listen {
        smpp_listeners.push((listen(address).await?, Security::Plain));
    }
    if let (Some(settings), Some(server)) = (&config.smpp.tls, tls.smpp) {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        smpp_listeners.push((listen(settings.listen).await?, Security::Tls(acceptor)));
    }
    let owners = Owners {
        store: store.clone(),
        routes: routes.clone(),
        schedule_withdraw: schedule.clone().recipient(),
        schedule_amend: schedule.clone().recipient(),
        logger: logger.new(slog::o!("actor" => "amend")),
    };
    let directory = Arc::new(Directory::new(entries));
    let campaigns = start_campaigns(store, &directory, notices, logger)?;
    mo_router.do_send(Start {
        directory: directory.clone(),
    });
    let held = HeldMessages {
        list: schedule.clone().recipient(),
        review: schedule.clone().recipient(),
    };
    let admin = Arc::new(Admin {
        store: store.clone(),
        directory: directory.clone(),
        routes: routes.clone(),
        route_starter,
        account_starter,
        gateway_starter,
        finishers: vec![receipts.clone().recipient(), schedule.recipient()],
        callback_secrets: callbacks.clone().recipient(),
        mo_router: mo_router.recipient(),
        mo_routes: ArcSwap::from_pointee(mo_routes),
        mo_apps,
        content_rules,
        held,
        campaigns,
        logger: logger.new(slog::o!("actor" => "admin")),
        changes: tokio::sync::Mutex::new(()),
    });
    admin.rewire();
    let sessions = Arc::new(Sessions::default());
    let logins = Arc::new(Logins::default());
    let session_wiring = SessionWiring {
        directory: directory.clone(),
        logins: logins.clone(),
        sessions: sessions.clone(),
        store: store.clone(),
        owners,
        settings: config.smpp.clone(),
        admission: Admission::new(
            config.smpp.max_connections,
            config.smpp.max_connections_per_ip,
        ),
    };
    let session_wiring = Arc::new(session_wiring);
    let mut listeners = Vec::new();
    for (listener, security) in smpp_listeners {
        listeners.push(actix_rt::spawn(crate::actors::pipeline::listener::run(
            listener,
            security,
            session_wiring.clone(),
            logger.new(slog::o!("listener" => "smpp")),
        )));
    }
    if let Some(address) = config.ucp.listen {
        let logger = logger.new(slog::o!("listener" => "ucp"));
        listeners.push(customer_listener::<Ucp>(address, &session_wiring, logger).await?);
    }
    if let Some(address) = config.cimd2.listen {
        let logger = logger.new(slog::o!("listener" => "cimd2"));
        listeners.push(customer_listener::<Cimd2>(address, &session_wiring, logger).await?);
    }
    let web_state = WebState::new(
        admin,
        sessions.clone(),
        logins,
        callbacks.recipient(),
        admin_credentials(&config.web, &config.data_dir, store, logger)?,
        crate::numbering::Operators::new(&config.numbering),
        logger.new(slog::o!("listener" => "http")),
    )
    .with_callback_policy(AddressPolicy::new(config.callbacks.allow_private.clone()))
    .with_mailer(mailer.map(Addr::recipient));
    let https = config
        .web
        .tls
        .as_ref()
        .zip(tls.web)
        .map(|(settings, server)| (settings.listen, server));
    let web = crate::actors::web::start(config.web.listen, https, web_state)
        .map_err(|(address, source)| ServeError::Listen { address, source })?;
    let in_force = InForce {
        accounts,
        routes: route_configs.len(),
        gateways: gateways.all().len(),
    };
    Ok(Started {
        in_force,
        recovered,
        web,
        listeners,
        sessions,
        gateways,
        receipts,
        summaries,
        quality,
    })
}

/// The table of campaign actors, with one started for every campaign
/// that is not finished or cancelled, going on where it stopped.
fn start_campaigns(
    store: &Arc<Store>,
    directory: &Arc<Directory>,
    notices: Option<Notices>,
    logger: &Logger,
) -> Result<Arc<LiveCampaigns>, ServeError> {
    let campaigns = Arc::new_cyclic(|live| {
        let wiring = CampaignWiring {
            store: store.clone(),
            directory: directory.clone(),
            live: live.clone(),
            notices,
            logger: logger.new(slog::o!("actor" => "campaign")),
        };
        LiveCampaigns::new(Box::new(move |definition, state| {
            Campaign::new(definition, state, wiring.clone())
                .supervise()
                .recipient()
        }))
    });
    for definition in store.campaigns()? {
        match store.campaign_state(definition.id)? {
            Some(state) if !state.state.is_final() => campaigns.start(definition, state),
            _ => {}
        }
    }
    Ok(campaigns)
}

/// The server settings of the TLS listeners, read from their PEM files.
struct TlsServers {
    smpp: Option<rustls::ServerConfig>,
    web: Option<rustls::ServerConfig>,
}

impl TlsServers {
    /// Reads the certificates and keys of `smpp.tls_*` and `web.tls_*`,
    /// and checks that every smpp gateway's `tls_ca` can be read too.
    fn load(config: &Config) -> Result<TlsServers, crate::tls::TlsError> {
        let server = |section: &str, settings: &TlsListenerConfig| {
            crate::tls::server_config(
                &PemFile::new(format!("{section}.tls_cert"), &settings.cert),
                &PemFile::new(format!("{section}.tls_key"), &settings.key),
            )
        };
        for gateway in &config.gateways {
            if let GatewayKind::Smpp(smpp) = &gateway.kind {
                if let Some(authorities) = smpp.tls.as_ref().and_then(|tls| tls.ca_file.as_ref()) {
                    let setting = format!("gateway {:?} tls_ca", gateway.name);
                    crate::tls::client_config(Some(&PemFile::new(setting, authorities)))?;
                }
            }
        }
        Ok(TlsServers {
            smpp: config
                .smpp
                .tls
                .as_ref()
                .map(|tls| server("smpp", tls))
                .transpose()?,
            web: config
                .web
                .tls
                .as_ref()
                .map(|tls| server("web", tls))
                .transpose()?,
        })
    }
}

/// A TCP listener on `address`.
/// A UCP or CIMD2 listener on `address`, its accept loop running.
async fn customer_listener<W: Wire>(
    address: std::net::SocketAddr,
    wiring: &Arc<SessionWiring>,
    logger: Logger,
) -> Result<tokio::task::JoinHandle<()>, ServeError> {
    let listener = listen(address).await?;
    Ok(actix_rt::spawn(
        crate::actors::pipeline::listener::run_customers::<W>(listener, wiring.clone(), logger),
    ))
}

async fn listen(address: std::net::SocketAddr) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Listen { address, source })
}

/// Unfinished messages from before the restart: those not yet with an SMSC
/// are routed again (their route holds back those scheduled for later and
/// expires those past their validity); SUBMITTED ones wait for their
/// receipt (and a simulated SMSC is reminded to send it).
fn recover(
    store: &Store,
    routing: &Routing,
    receipts: &Addr<Receipts>,
    gateways: &LiveGateways,
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
            if let Some(resume) = message
                .gateway
                .as_ref()
                .and_then(|name| gateways.get(name.as_str()))
                .and_then(|gateway| gateway.actor.resume.clone())
            {
                resume.do_send(Resume {
                    message: message.clone(),
                });
            }
            receipts.do_send(Track { message });
            recovered.awaiting_receipt += 1;
            continue;
        }
        match routing.dispatch(message) {
            Ok(()) => recovered.to_route += 1,
            Err(id) => {
                warn!(logger, "unfinished message has no route any more; left as it is";
                "message" => %id)
            }
        }
    }
    recovered
}

/// Each account's `callback_secret`, by account id, as the file and the
/// admin API's stored changes leave it.
fn callback_secrets(specs: &[AccountSpec]) -> Result<HashMap<AccountId, String>, ServeError> {
    let mut secrets = HashMap::new();
    for spec in specs {
        if let Some(secret) = &spec.terms.callback_secret {
            let id =
                AccountId::new(spec.system_id.clone()).map_err(|source| ServeError::Account {
                    system_id: spec.system_id.clone(),
                    source,
                })?;
            secrets.insert(id, secret.clone());
        }
    }
    Ok(secrets)
}

/// The operator's credentials for the admin endpoints: the configured
/// password, or else the one generated at first start (its hash kept in the
/// store; the password itself written once to [`ADMIN_PASSWORD_FILE`] in
/// the data directory, readable by the service user only, and never
/// logged).
fn admin_credentials(
    web: &WebConfig,
    data_dir: &Path,
    store: &Store,
    logger: &Logger,
) -> Result<AdminCredentials, ServeError> {
    let hash_error = |source| ServeError::Password {
        system_id: web.admin_user.clone(),
        source,
    };
    let password = match &web.admin_password {
        Some(password) => PasswordHash::new(password).map_err(hash_error)?,
        None => match store.admin_password()? {
            Some(hash) => hash,
            None => {
                let password = generate_password()?;
                let hash = PasswordHash::new(&password).map_err(hash_error)?;
                let file = data_dir.join(ADMIN_PASSWORD_FILE);
                write_private(&file, &format!("{password}\n")).map_err(|source| {
                    ServeError::AdminPasswordFile {
                        file: file.clone(),
                        source,
                    }
                })?;
                let mut batch = Batch::new();
                batch.put_admin_password(&hash);
                store.commit(batch).wait()?;
                warn!(logger, "generated the admin password; read it from the file, then delete the file";
                    "user" => &web.admin_user, "file" => %file.display());
                hash
            }
        },
    };
    Ok(AdminCredentials {
        user: web.admin_user.clone(),
        password,
    })
}

/// Where in the data directory a generated admin password is written.
pub const ADMIN_PASSWORD_FILE: &str = "admin-password";

/// Writes `text` to `file`, created or truncated, readable and writable by
/// this process's user only (mode 0600, also when the file existed with a
/// wider one), and synced to disk before the hash is stored.
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let mut handle = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(file)?;
    handle.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    handle.write_all(text.as_bytes())?;
    handle.sync_all()
}

/// Letters and digits of a generated admin password.
const GENERATED_PASSWORD_LEN: usize = 20;

/// A password from the OS's cryptographic generator: letters and digits,
/// each byte used only when it maps without bias.
fn generate_password() -> Result<String, ServeError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let limit = 256 - 256 % ALPHABET.len();
    let mut password = String::with_capacity(GENERATED_PASSWORD_LEN);
    let mut bytes = [0u8; 64];
    while password.len() < GENERATED_PASSWORD_LEN {
        getrandom::fill(&mut bytes).map_err(|error| ServeError::Random(error.to_string()))?;
        password.extend(
            bytes
                .iter()
                .filter(|&&byte| usize::from(byte) < limit)
                .map(|&byte| char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]))
                .take(GENERATED_PASSWORD_LEN - password.len()),
        );
    }
    Ok(password)
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
                reason: None,
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

/// The DND registry the store holds, logged with its size and how long
/// reading it took (about a second per million numbers in a release build).
fn load_dnd(store: &Store, logger: &Logger) -> Result<DndRegistry, ServeError> {
    let started = std::time::Instant::now();
    let registry = DndRegistry::load(store)?;
    info!(logger, "DND registry loaded"; "numbers" => registry.len(),
        "ms" => started.elapsed().as_millis());
    Ok(registry)
}
