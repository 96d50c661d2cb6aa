//! The accounts in force, by system_id: what an ESME session or an HTTP
//! request looks up to authenticate (the argon2 password hash, the
//! networks it may bind from, whether it is suspended) and where to send
//! its messages (the account actor's [`AccountHandle`]).
//!
//! The accounts change while the switch runs (the admin API): the map is
//! replaced whole, and a lookup is one atomic load and one hash probe,
//! never a lock, so it sees a change at once.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use ipnet::IpNet;

use super::account::{AccountHandle, Terms};
use crate::auth::PasswordHash;
use crate::model::AccountId;

#[derive(Clone)]
pub struct AccountEntry {
    pub id: AccountId,
    pub actor: AccountHandle,
    pub password: PasswordHash,
    pub allowed_ips: Vec<IpNet>,
    /// TPS, binds, suspension: what the actor enforces, as last set.
    pub terms: Terms,
}

/// Accounts by system_id.
pub type Accounts = HashMap<String, Arc<AccountEntry>>;

pub struct Directory {
    accounts: ArcSwap<Accounts>,
}

impl Directory {
    pub fn new(accounts: Accounts) -> Directory {
        Directory {
            accounts: ArcSwap::from_pointee(accounts),
        }
    }

    pub fn account(&self, system_id: &str) -> Option<Arc<AccountEntry>> {
        self.accounts.load().get(system_id).cloned()
    }

    /// Every account as of now.
    pub fn accounts(&self) -> Arc<Accounts> {
        self.accounts.load_full()
    }

    /// Adds or replaces one account for every later lookup. Changes are
    /// made one at a time by the admin API, so copying the map is cheap
    /// enough and keeps lookups lock-free.
    pub fn put(&self, entry: AccountEntry) {
        let entry = Arc::new(entry);
        self.accounts.rcu(|accounts| {
            let mut accounts = Accounts::clone(accounts);
            accounts.insert(entry.id.to_string(), entry.clone());
            accounts
        });
    }
}
