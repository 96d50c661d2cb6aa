//! What an ESME session or an HTTP request looks up to authenticate: each
//! account's actor, its argon2 password hash, the networks it may bind
//! from and whether it is suspended; the store, for query_sm; and the
//! owners of pending messages, for cancel_sm and replace_sm.
//!
//! The accounts change while the switch runs (the admin API): the map is
//! replaced whole, and a lookup is one atomic load and one hash probe,
//! never a lock, so it sees a change at once.

use std::collections::HashMap;
use std::sync::Arc;

use actix::Addr;
use arc_swap::ArcSwap;
use ipnet::IpNet;

use crate::actors::pipeline::account::{Account, Terms};
use crate::actors::pipeline::amend::Owners;
use crate::auth::PasswordHash;
use crate::model::AccountId;
use crate::store::Store;

#[derive(Clone)]
pub struct AccountEntry {
    pub id: AccountId,
    pub address: Addr<Account>,
    pub password: PasswordHash,
    pub allowed_ips: Vec<IpNet>,
    /// TPS, binds, suspension: what the actor enforces, as last set.
    pub terms: Terms,
}

/// Accounts by system_id.
pub type Accounts = HashMap<String, Arc<AccountEntry>>;

pub struct Directory {
    pub store: Arc<Store>,
    pub owners: Owners,
    accounts: ArcSwap<Accounts>,
}

impl Directory {
    pub fn new(store: Arc<Store>, owners: Owners, accounts: Accounts) -> Directory {
        Directory {
            store,
            owners,
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
