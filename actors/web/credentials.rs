//! What the listener keeps about credentials: the operator's, and the
//! Authorization values whose password argon2 has already accepted (so a
//! client sending the same header again is not made to wait for a slow
//! hash), and the one check of each value in flight (so a client opening
//! fifty connections at once costs one hash, not fifty queued or refused
//! ones). The checks themselves are `auth.rs`'s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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
/// differs anyway, so the old header no longer passes. The process holds
/// the configured passwords anyway. Bounded: a full cache starts over.
///
/// Requests with a value not known yet take turns through its [`Turn`]:
/// the first checks it, the others find the value known once it passed
/// (or check it in turn when it did not).
#[derive(Default)]
pub struct VerifiedCache {
    known: Mutex<HashMap<String, (String, PasswordHash)>>,
    /// One gate per value being checked; gone once no request holds it.
    checking: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// A request's turn to check one Authorization value; the next waiting
/// request goes when it is dropped.
pub struct Turn<'a> {
    cache: &'a VerifiedCache,
    key: String,
    gate: Arc<tokio::sync::Mutex<()>>,
    held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.held.take();
        let mut checking = lock(&self.cache.checking);
        // The map's reference and this one: nobody else waits.
        if Arc::strong_count(&self.gate) == 2 {
            checking.remove(&self.key);
        }
    }
}

// Nothing panics while holding them; a poisoned map is still a valid one.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl VerifiedCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (String, PasswordHash)>> {
        lock(&self.known)
    }

    /// Waits for the turn to check `key`: at once unless another request
    /// is checking the same value.
    pub async fn turn(&self, key: &str) -> Turn<'_> {
        let gate = lock(&self.checking)
            .entry(key.to_owned())
            .or_default()
            .clone();
        let held = gate.clone().lock_owned().await;
        Turn {
            cache: self,
            key: key.to_owned(),
            gate,
            held: Some(held),
        }
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
