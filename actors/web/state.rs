//! What every handler of the HTTP listener shares ([`WebState`]): the
//! store, the account directory, the routes in force, the admin changes,
//! the live sessions, the logger, the credentials, the callback
//! address policy and the lock of contact changes.

use std::sync::Arc;

use actix::Recipient;
use slog::Logger;

use super::credentials::{AdminCredentials, VerifiedCache};
use crate::actors::admin::Admin;
use crate::actors::protocol::callbacks::Replay;
use crate::actors::protocol::directory::Directory;
use crate::actors::protocol::dnd::DndRegistry;
use crate::actors::protocol::logins::Logins;
use crate::actors::protocol::mail::Resend;
use crate::actors::protocol::route::LiveRoutes;
use crate::actors::protocol::session::Sessions;
use crate::callbacks::address::AddressPolicy;
use crate::model::{AccountId, Money};
use crate::numbering::Operators;
use crate::store::{Store, StoreError};

/// What the handlers share.
pub struct WebState {
    pub store: Arc<Store>,
    pub directory: Arc<Directory>,
    pub routes: Arc<LiveRoutes>,
    /// Where the admin endpoints make their changes.
    pub changes: Arc<Admin>,
    /// The bound ESME sessions.
    pub sessions: Arc<Sessions>,
    /// Failed logins, shared with the SMPP listener.
    pub logins: Arc<Logins>,
    /// Replays dead letters (the admin's callbacks endpoints).
    pub replay: Recipient<Replay>,
    /// Where the listener logs, failures of requests included.
    pub logger: Logger,
    pub admin: AdminCredentials,
    /// `[[numbering]]`: the operator column of the message report.
    pub operators: Arc<Operators>,
    /// Credentials argon2 has accepted (`auth.rs`).
    pub verified: VerifiedCache,
    /// `callbacks.allow_private`: the callback URLs a customer may give.
    pub callback_policy: Arc<AddressPolicy>,
    /// The DND registry in force (`dnd.rs`).
    pub dnd: Arc<DndRegistry>,
    /// Held by whoever changes contacts (`contacts.rs`, `contact_import.rs`)
    /// from reading the contacts as stored to their batch being durable,
    /// so two changes of one contact never interleave.
    pub contact_writer: tokio::sync::Mutex<()>,
    /// The web UI's logged-in sessions.
    pub ui_sessions: super::ui::session::UiSessions,
    /// Queues a logged mail again (`mail.rs`); `None` without `[mail]`.
    pub resend_mail: Option<Recipient<Resend>>,
}

impl WebState {
    pub fn new(
        changes: Arc<Admin>,
        sessions: Arc<Sessions>,
        logins: Arc<Logins>,
        replay: Recipient<Replay>,
        admin: AdminCredentials,
        operators: Operators,
        logger: Logger,
    ) -> WebState {
        WebState {
            store: changes.store.clone(),
            directory: changes.directory.clone(),
            routes: changes.routes.clone(),
            dnd: changes.account_starter.dnd.clone(),
            sessions,
            logins,
            replay,
            changes,
            logger,
            admin,
            operators: Arc::new(operators),
            verified: VerifiedCache::default(),
            callback_policy: Arc::default(),
            contact_writer: tokio::sync::Mutex::default(),
            ui_sessions: Default::default(),
            resend_mail: None,
        }
    }

    /// The same state with the mail log's resend going to `mailer`.
    pub fn with_mailer(self, mailer: Option<Recipient<Resend>>) -> WebState {
        WebState {
            resend_mail: mailer,
            ..self
        }
    }

    /// The same state with callback URLs checked against `policy`
    /// instead of refusing every internal address.
    pub fn with_callback_policy(self, policy: AddressPolicy) -> WebState {
        WebState {
            callback_policy: Arc::new(policy),
            ..self
        }
    }

    /// The account's credit as the store has it (zero before its first
    /// top-up).
    pub fn balance(&self, account: &AccountId) -> Result<Money, StoreError> {
        Ok(self.store.account_balance(account)?.unwrap_or(Money::ZERO))
    }
}
