//! What an ESME session looks up at bind time: each account's actor, its
//! argon2 password hash and the networks it may bind from; the store, for
//! query_sm; and the owners of pending messages, for cancel_sm and
//! replace_sm. Built once at start; read-only after.

use std::collections::HashMap;
use std::sync::Arc;

use actix::Addr;
use ipnet::IpNet;

use super::account::Account;
use super::amend::Owners;
use crate::auth::PasswordHash;
use crate::model::AccountId;
use crate::store::Store;

#[derive(Clone)]
pub struct AccountEntry {
    pub id: AccountId,
    pub address: Addr<Account>,
    pub password: PasswordHash,
    pub allowed_ips: Vec<IpNet>,
}

pub struct Directory {
    pub store: Arc<Store>,
    pub owners: Owners,
    accounts: HashMap<String, AccountEntry>,
}

impl Directory {
    pub fn new(
        store: Arc<Store>,
        owners: Owners,
        accounts: HashMap<String, AccountEntry>,
    ) -> Directory {
        Directory {
            store,
            owners,
            accounts,
        }
    }

    pub fn account(&self, system_id: &str) -> Option<&AccountEntry> {
        self.accounts.get(system_id)
    }

    pub fn accounts(&self) -> impl Iterator<Item = &AccountEntry> {
        self.accounts.values()
    }
}
