//! The root of the switch: opens the store, brings the configured accounts'
//! credit into it, runs until SIGTERM or ctrl-c, and closes the store after a
//! final flush so nothing acknowledged is left in memory.

use chrono::Utc;
use slog::{Logger, info, warn};

use crate::config::Config;
use crate::model::{AccountId, IdError};
use crate::store::{Batch, LedgerEntry, LedgerKind, Store, StoreConfig, StoreError};

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
    #[error("cannot start the runtime or listen for signals: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Runs the switch until it is told to stop.
pub fn serve(config: Config, logger: &Logger) -> Result<(), ServeError> {
    let store_config = StoreConfig::from_settings(&config.data_dir, &config.store);
    info!(logger, "opening store"; "path" => %store_config.path.display(), "durability" => %store_config.durability);
    let store = Store::open(store_config)?;
    let created = create_new_accounts(&store, &config, logger)?;
    let unfinished = store.unfinished_messages().count();
    let signal = actix_rt::System::new().block_on(async {
        // Listen for signals before saying we are loaded, so a supervisor
        // that signals us as soon as it reads "loaded" is heard.
        let stop = StopSignals::install()?;
        info!(logger, "loaded";
            "accounts" => config.accounts.len(),
            "accounts_created" => created,
            "routes" => config.routes.len(),
            "gateways" => config.gateways.len(),
            "unfinished_messages" => unfinished);
        warn!(
            logger,
            "the SMPP and HTTP listeners are not built yet; nothing is accepting traffic"
        );
        Ok::<_, std::io::Error>(stop.first().await)
    })?;
    info!(logger, "stopping"; "signal" => signal);
    store.close()?;
    info!(logger, "stopped: store flushed and closed");
    Ok(())
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
