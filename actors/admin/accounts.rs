//! Accounts that change while the switch runs: created, changed (terms,
//! password, networks, callbacks, allowed senders) and given or taken credit. Each change
//! is checked, stored in `admin_objects`, and only once that is durable
//! applied: a new account actor and directory entry, or new terms sent to
//! the account's actor. At start, [`merge_accounts`] lays the stored
//! accounts over the file's (same system_id: the stored one wins).

use std::sync::Arc;

use ipnet::IpNet;
use slog::{Logger, error, info, warn};

use super::changes::{Admin, hash};
use super::error::{AdminError, invalid};
use super::starters::AccountSpec;
use crate::actors::protocol::account::{AdjustCredit, Configure, Terms};
use crate::actors::protocol::callbacks::SetSecret;
use crate::actors::protocol::directory::AccountEntry;
use crate::campaigns::quiet_hours::zone;
use crate::checks::sender::{AllowedSenders, Sender};
use crate::config::fields;
use crate::lists::dnd::Traffic;
use crate::model::{AccountId, Money};
use crate::overlay;
use crate::store::{Batch, LedgerEntry, LedgerKind, StoredAccount};

/// The file's accounts with the stored ones laid over them (same
/// system_id: the stored one wins; others are added).
pub fn merge_accounts(
    file: Vec<AccountSpec>,
    stored: Vec<StoredAccount>,
    logger: &Logger,
) -> Vec<AccountSpec> {
    let mut merged = file;
    for account in stored {
        // An entry left out could widen a list to "any" (an empty list):
        // an account with an unreadable one is suspended instead, until
        // the operator sets the list again.
        let mut unreadable = false;
        let allowed_ips = account
            .allowed_ips
            .iter()
            .filter_map(|network| match fields::network(network) {
                Ok(network) => Some(network),
                Err(why) => {
                    error!(logger, "stored account has an unreadable network; account suspended";
                        "account" => &account.system_id, "error" => why);
                    unreadable = true;
                    None
                }
            })
            .collect();
        let allowed_senders = account
            .allowed_senders
            .iter()
            .filter_map(|sender| match Sender::parse(sender) {
                Ok(sender) => Some(sender),
                Err(why) => {
                    error!(logger, "stored account has an unreadable sender; account suspended";
                        "account" => &account.system_id, "error" => %why);
                    unreadable = true;
                    None
                }
            })
            .collect();
        let time_zone = match account.time_zone.as_deref().map(zone) {
            None => chrono_tz::UTC,
            Some(Ok(time_zone)) => time_zone,
            Some(Err(why)) => {
                warn!(logger, "stored account has an unknown time zone; UTC instead";
                    "account" => &account.system_id, "error" => %why);
                chrono_tz::UTC
            }
        };
        let spec = AccountSpec {
            allowed_ips,
            terms: Terms {
                tps: account.tps,
                max_binds: account.max_binds,
                suspended: account.suspended || unreadable,
                callback_url: account.callback_url,
                callback_secret: account.callback_secret,
                allowed_senders: AllowedSenders::new(allowed_senders),
                traffic: account.traffic,
                opt_outs: account.opt_outs.unwrap_or_default(),
                time_zone,
                email: account.email,
                low_balance: account.low_balance,
                language: account.language.unwrap_or_default(),
            },
            password: account.password,
            system_id: account.system_id,
        };
        let key = spec.system_id.clone();
        overlay::apply(
            &mut merged,
            |existing| existing.system_id.clone(),
            &key,
            |_| Some(spec),
        );
    }
    merged
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
    /// An empty list allows any sender.
    pub allowed_senders: Option<AllowedSenders>,
    /// Promotional accounts are refused for DND numbers.
    pub traffic: Option<Traffic>,
    /// Its campaigns' time zone.
    pub time_zone: Option<chrono_tz::Tz>,
    /// `Some(None)` removes it: no notifications by mail.
    pub email: Option<Option<String>>,
    /// `Some(None)` removes it: `mail.low_balance` again.
    pub low_balance: Option<Option<Money>>,
    /// What its mails are written in.
    pub language: Option<crate::model::Lang>,
}

impl Admin {
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
            allowed_senders: change
                .allowed_senders
                .unwrap_or_else(|| entry.terms.allowed_senders.clone()),
            traffic: change.traffic.unwrap_or(entry.terms.traffic),
            opt_outs: entry.terms.opt_outs.clone(),
            time_zone: change.time_zone.unwrap_or(entry.terms.time_zone),
            email: change.email.unwrap_or_else(|| entry.terms.email.clone()),
            low_balance: change.low_balance.unwrap_or(entry.terms.low_balance),
            language: change.language.unwrap_or(entry.terms.language),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::PasswordHash;

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
                allowed_senders: AllowedSenders::default(),
                traffic: Traffic::default(),
                opt_outs: Default::default(),
                time_zone: chrono_tz::UTC,
                email: None,
                low_balance: None,
                language: Default::default(),
            },
        }
    }

    #[test]
    fn a_stored_account_with_an_unreadable_network_or_sender_is_suspended_not_widened() {
        let logger = Logger::root(slog::Discard, slog::o!());
        let mut bad_network = spec("a", 1).stored();
        bad_network.allowed_ips = vec!["10.0.0.0/8".into(), "not a network".into()];
        let mut bad_sender = spec("b", 1).stored();
        bad_sender.allowed_senders = vec!["far-too-long-a-sender-id".into()];
        let fine = spec("c", 1).stored();
        let merged = merge_accounts(Vec::new(), vec![bad_network, bad_sender, fine], &logger);
        let suspended: Vec<(&str, bool)> = merged
            .iter()
            .map(|account| (account.system_id.as_str(), account.terms.suspended))
            .collect();
        assert_eq!(suspended, [("a", true), ("b", true), ("c", false)]);
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
