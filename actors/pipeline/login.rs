//! The login of a customer session, whichever protocol carries it (an
//! SMPP bind, a UCP operation 60): the account by its system_id, its
//! `allowed_ips` before any password (no password of the account is ever
//! checked from elsewhere), the shared login throttle ([`Logins`]: a
//! backed-off address or account is refused without a check), the password
//! with argon2 on the blocking pool, never on the event loop, the password
//! still the current one once argon2 is done (a change meanwhile wins),
//! then the account's bind limit ([`Bind`] to its actor). Each session
//! answers the outcome in its own protocol.

use std::net::IpAddr;
use std::sync::Arc;

use slog::{Logger, info};

use crate::actors::protocol::account::{AccountHandle, Bind};
use crate::actors::protocol::directory::{AccountEntry, Directory};
use crate::actors::protocol::logins::{Logins, Refused};
use crate::auth::Protocol;
use crate::login_throttle::{Guess, Principal};
use crate::metrics::LoginRefusal;
use crate::model::AccountId;
use crate::smpp::CommandStatus;

/// Who logs in, from where, over what.
pub struct Credentials {
    pub protocol: Protocol,
    pub peer: IpAddr,
    pub system_id: String,
    pub password: String,
}

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// No account has this system_id.
    #[error("unknown system_id")]
    UnknownUser,
    /// The account may not log in from this address.
    #[error("address not allowed")]
    Address,
    /// The throttle or the password refused it, or it could not be checked.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// The account refused the session (its bind limit, suspended), with
    /// the SMPP status it gives.
    #[error("the account refused the session: {0:?}")]
    Account(CommandStatus),
}

/// Checks `credentials` and, when they pass, binds the session to the
/// account with `bind`; the account and where its messages go.
pub async fn login(
    directory: Arc<Directory>,
    logins: Arc<Logins>,
    credentials: Credentials,
    bind: Bind,
    logger: &Logger,
) -> Result<(AccountId, AccountHandle), LoginError> {
    let Credentials {
        protocol,
        peer,
        system_id,
        password,
    } = credentials;
    let Some(entry) = directory.account(&system_id) else {
        info!(logger, "login refused: unknown system_id"; "system_id" => &system_id);
        logins.refused(
            protocol,
            peer,
            &system_id,
            &password,
            LoginRefusal::UnknownUser,
        );
        return Err(LoginError::UnknownUser);
    };
    let AccountEntry {
        id: account_id,
        actor,
        password: hash,
        allowed_ips,
        ..
    } = AccountEntry::clone(&entry);
    if !crate::auth::address_allowed(&allowed_ips, peer) {
        info!(logger, "login refused: address not allowed"; "account" => %account_id);
        logins.refused(protocol, peer, &system_id, &password, LoginRefusal::Address);
        return Err(LoginError::Address);
    }
    let principal = Principal::Account(system_id.clone());
    let guess = Guess::new(Some(&principal), &system_id, Some(&hash), &password);
    let checked = match logins.admit(protocol, peer, &principal, guess) {
        Ok(()) => {
            logins
                .check(protocol, peer, &principal, guess, &hash, password)
                .await
        }
        Err(refused) => Err(refused),
    };
    // A password changed while argon2 ran: the old one no longer logs in.
    let still_current = directory
        .account(&system_id)
        .is_some_and(|entry| entry.password == hash);
    let checked = checked.and_then(|()| still_current.then_some(()).ok_or(Refused::Wrong));
    if let Err(refused) = checked {
        info!(logger, "login refused"; "account" => %account_id, "why" => %refused);
        return Err(LoginError::Refused(refused));
    }
    match actor.bind.send(bind).await {
        Ok(Ok(())) => Ok((account_id, actor)),
        Ok(Err(status)) => {
            info!(logger, "login refused by the account"; "account" => %account_id, "status" => ?status);
            Err(LoginError::Account(status))
        }
        Err(_) => Err(LoginError::Account(CommandStatus::EsmeRsyserr)),
    }
}
