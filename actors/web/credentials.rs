//! What the listener keeps about credentials: the operator's, and the
//! Authorization values whose password argon2 has already accepted (so a
//! client sending the same header again is not made to wait for a slow
//! hash). The checks themselves are `auth.rs`'s.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::auth::PasswordHash;

/// Most entries of a [`VerifiedCache`].
const VERIFIED_CACHE: usize = 10_000;

/// The operator's credentials for the admin endpoints.
pub struct AdminCredentials {
    pub user: String,
    pub password: PasswordHash,
}

/// Authorization header values whose password argon2 has accepted, with
/// the user they name and the hash that accepted them: once the admin API
/// changes a password, the user's entries are forgotten, and its hash
/// differs anyway, so the old header no longer passes. The process holds the configured passwords anyway. Bounded: a
/// full cache starts over.
#[derive(Default)]
pub struct VerifiedCache(Mutex<HashMap<String, (String, PasswordHash)>>);

impl VerifiedCache {
    // Nothing panics while holding it; a poisoned map is still a valid cache.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, PasswordHash)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `key` passed before, for `user`, against this same `hash`.
    pub fn knows(&self, key: &str, user: &str, hash: &PasswordHash) -> bool {
        self.lock()
            .get(key)
            .is_some_and(|(known, accepted)| known == user && accepted == hash)
    }

    /// Forgets every login of `user` (its password changed).
    pub fn forget(&self, user: &str) {
        self.lock().retain(|_, (known, _)| known != user);
    }

    /// Remembers that `key` passed for `user` against `hash`.
    pub fn remember(&self, key: String, user: String, hash: PasswordHash) {
        let mut cache = self.lock();
        if cache.len() >= VERIFIED_CACHE {
            cache.clear();
        }
        cache.insert(key, (user, hash));
    }
}
