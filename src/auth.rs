//! Account authentication: argon2id password hashes, the digest API keys
//! are stored under, and the allowed-network check. Pure functions;
//! password hashing is deliberately slow (tens of milliseconds), so callers
//! on an event loop run it on a blocking thread, and at most
//! [`CONCURRENT_VERIFICATIONS`] run at once, with a bounded waiting line
//! per [`Protocol`].

use std::net::IpAddr;
use std::sync::{Condvar, Mutex, PoisonError};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// A password hash in PHC string form (`$argon2id$v=19$m=...`), which
/// carries its own salt and parameters, so stronger settings can be adopted
/// later without invalidating stored hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordHash(String);

/// Why a password could not be hashed or checked (a wrong password is not
/// an error: [`PasswordHash::verify`] answers false).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// argon2 refused to hash (a parameter or the salt source failed).
    #[error("cannot hash password: {0}")]
    Hash(argon2::password_hash::Error),
    /// The stored PHC string does not parse.
    #[error("stored password hash is malformed: {0}")]
    MalformedHash(argon2::password_hash::Error),
    /// Every verification slot is taken and the protocol's waiting line is
    /// full: refused at once rather than queued without end.
    #[error("too many password checks at once over {0:?}; try again")]
    Busy(Protocol),
}

/// What a login came by: each protocol has its own waiting line for the
/// verification slots, so a flood over one does not refuse the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// An SMPP bind.
    Smpp,
    /// HTTP credentials (Basic, Kannel's sendsms parameters).
    Http,
    /// A UCP/EMI login (operation 60) on the `[ucp]` listener.
    Ucp,
    /// A CIMD2 login (operation 01) on the `[cimd2]` listener.
    Cimd2,
}

impl Protocol {
    /// The lowercase name, as metrics and logs show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Smpp => "smpp",
            Protocol::Http => "http",
            Protocol::Ucp => "ucp",
            Protocol::Cimd2 => "cimd2",
        }
    }
}

impl PasswordHash {
    /// Hashes `password` with argon2id, its default parameters and a fresh salt.
    pub fn new(password: &str) -> Result<PasswordHash, AuthError> {
        let hash = Argon2::default()
            .hash_password(password.as_bytes())
            .map_err(AuthError::Hash)?;
        Ok(PasswordHash(hash.to_string()))
    }

    /// Whether `password` is the one this hash was made from. A malformed
    /// stored hash is an error, never a silent "no". Blocks while
    /// [`CONCURRENT_VERIFICATIONS`] others run; refused at once
    /// ([`AuthError::Busy`]) when [`WAITING_VERIFICATIONS`] of `protocol`
    /// wait already.
    pub fn verify(&self, password: &str, protocol: Protocol) -> Result<bool, AuthError> {
        let _slot = VERIFICATIONS
            .acquire(protocol)
            .ok_or(AuthError::Busy(protocol))?;
        match Argon2::default().verify_password(password.as_bytes(), self.0.as_str()) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(other) => Err(AuthError::MalformedHash(other)),
        }
    }

    /// The PHC string, for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A hash read back from storage; checked when it is verified.
    pub fn from_stored(phc: String) -> PasswordHash {
        PasswordHash(phc)
    }
}

/// How many password verifications may run at once in the process. Each
/// holds argon2's memory cost (19 MiB with the default parameters) while it
/// runs: a burst of binds or HTTP requests, or someone trying passwords,
/// must not multiply that without bound (64 at once took 1.2 GB).
pub const CONCURRENT_VERIFICATIONS: usize = 2;

/// How many password verifications of one [`Protocol`] may wait for a
/// slot; one more is refused at once. With 2 slots and about 50 ms a
/// check, the last in line waits about a quarter of a second.
pub const WAITING_VERIFICATIONS: usize = 8;

static VERIFICATIONS: Slots = Slots {
    state: Mutex::new(SlotState {
        free: CONCURRENT_VERIFICATIONS,
        waiting: [0; PROTOCOLS],
    }),
    freed: Condvar::new(),
    most_waiting: WAITING_VERIFICATIONS,
};

/// How many [`Protocol`]s there are: one waiting line each.
const PROTOCOLS: usize = 4;

/// A counting semaphore for blocking threads, with a bounded waiting line
/// per protocol.
struct Slots {
    state: Mutex<SlotState>,
    freed: Condvar,
    most_waiting: usize,
}

struct SlotState {
    free: usize,
    /// Threads waiting for a slot, per protocol.
    waiting: [usize; PROTOCOLS],
}

struct Slot<'a>(&'a Slots);

impl Slots {
    /// A slot, once one is free; `None` at once if `protocol`'s waiting
    /// line is full.
    fn acquire(&self, protocol: Protocol) -> Option<Slot<'_>> {
        let line = protocol as usize;
        // The count stays valid across a panic elsewhere: take it back.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.free == 0 {
            if state.waiting[line] >= self.most_waiting {
                return None;
            }
            state.waiting[line] += 1;
            while state.free == 0 {
                state = self
                    .freed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.waiting[line] -= 1;
        }
        state.free -= 1;
        Some(Slot(self))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .free += 1;
        self.0.freed.notify_one();
    }
}

/// The SHA-256 an API key is stored and looked up under. A key is 256
/// random bits, which cannot be guessed, so it needs no slow hash: argon2
/// is for passwords people choose.
pub fn api_key_digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Whether a peer may connect given an account's allowed networks; an empty
/// list allows any address. IPv4 peers seen through an IPv6 socket
/// (`::ffff:192.0.2.7`) are matched as the IPv4 address they are.
pub fn address_allowed(allowed: &[IpNet], peer: IpAddr) -> bool {
    let peer = match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        v4 => v4,
    };
    allowed.is_empty() || allowed.iter().any(|network| network.contains(&peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn slots(free: usize, most_waiting: usize) -> Slots {
        Slots {
            state: Mutex::new(SlotState {
                free,
                waiting: [0; PROTOCOLS],
            }),
            freed: Condvar::new(),
            most_waiting,
        }
    }

    #[test]
    fn no_more_than_the_slots_run_at_once() {
        let slots = slots(2, 8);
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    let _slot = slots.acquire(Protocol::Smpp).expect("room to wait");
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(slots.state.lock().unwrap().free, 2);
    }

    #[test]
    fn a_full_waiting_line_refuses_at_once_and_the_other_protocol_still_waits() {
        let slots = slots(1, 1);
        let held = slots.acquire(Protocol::Http).expect("a free slot");
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| slots.acquire(Protocol::Http).is_some());
            while slots.state.lock().unwrap().waiting[Protocol::Http as usize] == 0 {
                std::thread::yield_now();
            }
            // HTTP's line is full: refused without waiting.
            assert!(slots.acquire(Protocol::Http).is_none());
            // SMPP has its own line: it waits for the slot.
            let smpp = scope.spawn(|| slots.acquire(Protocol::Smpp).is_some());
            while slots.state.lock().unwrap().waiting[Protocol::Smpp as usize] == 0 {
                std::thread::yield_now();
            }
            drop(held);
            assert!(waiting.join().unwrap());
            assert!(smpp.join().unwrap());
        });
        assert_eq!(slots.state.lock().unwrap().free, 1);
    }

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let hash = PasswordHash::new("demo1234").unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(hash.verify("demo1234", Protocol::Smpp).unwrap());
        assert!(!hash.verify("demo1235", Protocol::Smpp).unwrap());
        assert!(!hash.verify("", Protocol::Http).unwrap());
        // Same password, fresh salt: a different hash.
        assert_ne!(PasswordHash::new("demo1234").unwrap(), hash);
    }

    #[test]
    fn a_corrupt_stored_hash_is_an_error_not_a_refusal() {
        let stored = PasswordHash::from_stored("$argon2id$garbage".to_string());
        assert!(matches!(
            stored.verify("x", Protocol::Http),
            Err(AuthError::MalformedHash(_))
        ));
    }

    #[test]
    fn allowed_networks() {
        let allowed: Vec<IpNet> = vec![
            "127.0.0.0/8".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ];
        assert!(address_allowed(&allowed, "127.0.0.1".parse().unwrap()));
        assert!(address_allowed(
            &allowed,
            "::ffff:127.0.0.9".parse().unwrap()
        ));
        assert!(address_allowed(&allowed, "2001:db8::7".parse().unwrap()));
        assert!(!address_allowed(&allowed, "10.0.0.1".parse().unwrap()));
        assert!(!address_allowed(&allowed, "::1".parse().unwrap()));
        assert!(address_allowed(&[], "10.0.0.1".parse().unwrap()));
    }
}
