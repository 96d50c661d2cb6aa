//! Brute-force back-off for logins (SMPP binds and HTTP credentials), the
//! pure half: failed logins counted per source address and per account,
//! an exponentially growing window in which no password is checked, and
//! the exact wrong guesses already seen. Sans-I/O: the caller passes `now`
//! and does the checking; no clock, no lock, no thread here.
//!
//! # The rules
//!
//! - Every refused login counts against its source **address** (IPv6 by
//!   its /64, which one host usually holds whole); a wrong password also
//!   counts against the **account** it named.
//! - After [`Policy::free_failures`] failures a key is **backed off** for
//!   [`Policy::first_window`] from its last failure, doubled by every
//!   further failure up to [`Policy::longest_window`]. A key with no
//!   failure for [`Policy::forget_after`] is forgotten.
//! - A login is refused without checking its password when its address is
//!   backed off, or when its account is backed off **and** its address has
//!   failed recently. An address with no recent failure always gets its
//!   password checked: whoever hammers an account, from however many
//!   addresses, cannot lock out its owner at an address of their own.
//! - The same wrong credentials tried again (same account, same stored
//!   hash, same password: a [`Guess`]) are known to be wrong without
//!   argon2 and count once: a client retrying a stale password learns
//!   nothing new, so it neither burns CPU nor backs off its address.
//! - Memory is bounded: at most [`Policy::capacity`] addresses, accounts
//!   and guesses each; when full, forgotten entries go first, then the one
//!   whose last failure is oldest, so a flood of random addresses or
//!   system_ids cannot grow it.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use crate::auth::PasswordHash;

/// How failures turn into back-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures of one key allowed before its first back-off.
    pub free_failures: u32,
    /// The back-off after the first failure past the free ones; each
    /// further failure doubles it.
    pub first_window: Duration,
    /// The longest back-off.
    pub longest_window: Duration,
    /// A key with no failure for this long starts over.
    pub forget_after: Duration,
    /// Most addresses, accounts and guesses kept, each.
    pub capacity: usize,
}

impl Policy {
    /// What the switch uses: 3 free failures, then 1 s doubling up to 5
    /// minutes, forgotten after 15 quiet minutes, 10 000 keys of each kind.
    pub const SWITCH: Policy = Policy {
        free_failures: 3,
        first_window: Duration::from_secs(1),
        longest_window: Duration::from_secs(300),
        forget_after: Duration::from_secs(900),
        capacity: 10_000,
    };

    /// The back-off after `failures` failures, if any.
    fn window(&self, failures: u32) -> Option<Duration> {
        let past = failures.checked_sub(self.free_failures)?.checked_sub(1)?;
        let doubled = self
            .first_window
            .checked_mul(1_u32.checked_shl(past).unwrap_or(u32::MAX))
            .unwrap_or(self.longest_window);
        Some(doubled.min(self.longest_window))
    }
}

/// Who a login names: an account (by system_id), or the operator of the
/// admin endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A customer account.
    Account(String),
    /// `web.admin_user`.
    Operator,
}

/// One set of credentials tried, as a digest: the principal, the user
/// named, the stored hash (`None` for an unknown user) and the password.
/// A password change gives the same password a new guess, so a guess
/// known to be wrong stays wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guess([u8; 16]);

impl Guess {
    /// The guess of `password` for `user` (`principal` when the user is
    /// known) checked against `stored`.
    pub fn new(
        principal: Option<&Principal>,
        user: &str,
        stored: Option<&PasswordHash>,
        password: &str,
    ) -> Guess {
        let mut digest = Sha256::new();
        let realm = match principal {
            Some(Principal::Account(_)) => "account",
            Some(Principal::Operator) => "operator",
            None => "unknown",
        };
        // Length-prefixed, so no two different tuples run together alike.
        for part in [
            realm,
            user,
            stored.map_or("", PasswordHash::as_str),
            password,
        ] {
            digest.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
            digest.update(part.as_bytes());
        }
        let full: [u8; 32] = digest.finalize().into();
        let mut short = [0; 16];
        short.copy_from_slice(&full[..16]);
        Guess(short)
    }
}

/// Why a login is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Backed off: no password is checked for this long.
    BackedOff {
        /// Until the back-off ends.
        retry_after: Duration,
    },
    /// These exact credentials failed before: wrong, without argon2.
    KnownWrong,
}

/// Failed logins by address and account, and the wrong guesses seen.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: Policy,
    addresses: Bounded<IpAddr, u32>,
    accounts: Bounded<Principal, u32>,
    wrong: Bounded<Guess, ()>,
}

impl LoginThrottle {
    /// An empty throttle following `policy`.
    pub fn new(policy: Policy) -> LoginThrottle {
        LoginThrottle {
            policy,
            addresses: Bounded::new(policy.capacity),
            accounts: Bounded::new(policy.capacity),
            wrong: Bounded::new(policy.capacity),
        }
    }

    /// Whether the password of `guess`, from `address`, for `principal`
    /// (`None`: an unknown user) may be checked now.
    pub fn admit(
        &mut self,
        address: IpAddr,
        principal: Option<&Principal>,
        guess: Guess,
        now: Instant,
    ) -> Result<(), Refusal> {
        let policy = self.policy;
        let Some((failures, last)) = self
            .addresses
            .get(&group(address), now, policy.forget_after)
        else {
            // No recent failure here: the owner's own address.
            return self.known_wrong(guess, now);
        };
        let by_address = policy
            .window(failures)
            .and_then(|window| remaining(window, last, now));
        let backed_off = by_address.or_else(|| {
            let principal = principal?;
            let (failures, last) = self.accounts.get(principal, now, policy.forget_after)?;
            remaining(policy.window(failures)?, last, now)
        });
        match backed_off {
            Some(retry_after) => Err(Refusal::BackedOff { retry_after }),
            None => self.known_wrong(guess, now),
        }
    }

    /// Records a refused login from `address`: a wrong password for
    /// `principal`, or (`None`) an unknown user or an address the account
    /// may not use. A guess seen before counts once.
    pub fn failed(
        &mut self,
        address: IpAddr,
        principal: Option<&Principal>,
        guess: Guess,
        now: Instant,
    ) {
        let forget_after = self.policy.forget_after;
        if self.wrong.get(&guess, now, forget_after).is_some() {
            return;
        }
        *self.wrong.entry(guess, now, forget_after) = ();
        *self.addresses.entry(group(address), now, forget_after) += 1;
        if let Some(principal) = principal {
            *self.accounts.entry(principal.clone(), now, forget_after) += 1;
        }
    }

    /// How many addresses, accounts and guesses are kept.
    #[cfg(test)]
    fn len(&self) -> (usize, usize, usize) {
        (self.addresses.len(), self.accounts.len(), self.wrong.len())
    }

    fn known_wrong(&mut self, guess: Guess, now: Instant) -> Result<(), Refusal> {
        match self.wrong.get(&guess, now, self.policy.forget_after) {
            Some(_) => Err(Refusal::KnownWrong),
            None => Ok(()),
        }
    }
}

/// What is left of `window` from `last` at `now`, if anything.
fn remaining(window: Duration, last: Instant, now: Instant) -> Option<Duration> {
    let until = last.checked_add(window)?;
    let left = until.checked_duration_since(now)?;
    (!left.is_zero()).then_some(left)
}

/// The key of an address: IPv4 as itself (also when mapped into IPv6),
/// IPv6 by its /64.
fn group(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1_u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
        v4 => v4,
    }
}

/// A map of at most `capacity` entries, each with when it was last
/// written; entries older than the caller's `forget_after` are gone.
#[derive(Debug)]
struct Bounded<K, V> {
    entries: HashMap<K, (V, Instant)>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Copy + Default> Bounded<K, V> {
    fn new(capacity: usize) -> Bounded<K, V> {
        Bounded {
            entries: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// The value of `key` and when it was written, unless forgotten.
    fn get(&mut self, key: &K, now: Instant, forget_after: Duration) -> Option<(V, Instant)> {
        let (value, written) = *self.entries.get(key)?;
        if now.saturating_duration_since(written) >= forget_after {
            self.entries.remove(key);
            return None;
        }
        Some((value, written))
    }

    /// The value of `key` to change, written now (a forgotten or new one
    /// starts from the default), making room first if the map is full.
    fn entry(&mut self, key: K, now: Instant, forget_after: Duration) -> &mut V {
        if self.get(&key, now, forget_after).is_none() {
            self.entries.remove(&key);
            if self.entries.len() >= self.capacity {
                self.make_room(now, forget_after);
            }
        }
        let slot = self
            .entries
            .entry(key)
            .or_insert_with(|| (V::default(), now));
        slot.1 = now;
        &mut slot.0
    }

    /// Drops what is forgotten; if that frees nothing, the oldest entry.
    /// A linear pass, only when full.
    fn make_room(&mut self, now: Instant, forget_after: Duration) {
        self.entries
            .retain(|_, (_, written)| now.saturating_duration_since(*written) < forget_after);
        if self.entries.len() < self.capacity {
            return;
        }
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, (_, written))| *written)
            .map(|(key, _)| key.clone());
        if let Some(oldest) = oldest {
            self.entries.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        free_failures: 3,
        first_window: Duration::from_secs(1),
        longest_window: Duration::from_secs(8),
        forget_after: Duration::from_secs(60),
        capacity: 16,
    };

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn demo() -> Principal {
        Principal::Account("demo".into())
    }

    fn guess(password: &str) -> Guess {
        Guess::new(Some(&demo()), "demo", None, password)
    }

    /// `failures` distinct wrong passwords for demo from `address` at `now`.
    fn hammer(throttle: &mut LoginThrottle, address: &str, failures: u32, now: Instant) {
        for n in 0..failures {
            let tried = guess(&format!("{address}-{n}"));
            throttle.failed(ip(address), Some(&demo()), tried, now);
        }
    }

    #[test]
    fn windows_double_from_the_first_failure_past_the_free_ones_up_to_the_longest() {
        let windows: Vec<_> = (0..=8).map(|failures| POLICY.window(failures)).collect();
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(
            windows,
            [
                None,
                None,
                None,
                None,
                secs(1),
                secs(2),
                secs(4),
                secs(8),
                secs(8)
            ]
        );
        assert_eq!(POLICY.window(u32::MAX), secs(8));
    }

    #[test]
    fn an_address_backs_off_after_its_free_failures_and_the_window_runs_out() {
        let start = Instant::now();
        let mut throttle = LoginThrottle::new(POLICY);
        hammer(&mut throttle, "192.0.2.7", 3, start);
        let next = guess("next");
        assert_eq!(
            throttle.admit(ip("192.0.2.7"), Some(&demo()), next, start),
            Ok(())
        );
        hammer(&mut throttle, "192.0.2.7", 4, start);
        // 4 distinct failures: the 3 above counted once each, plus one.
        let refused = throttle.admit(ip("192.0.2.7"), None, next, start);
        assert_eq!(
            refused,
            Err(Refusal::BackedOff {
                retry_after: Duration::from_secs(1)
            })
        );
        let later = start + Duration::from_millis(1500);
        assert_eq!(throttle.admit(ip("192.0.2.7"), None, next, later), Ok(()));
    }

    #[test]
    fn the_owner_at_a_clean_address_is_admitted_while_another_hammers_the_account() {
        let now = Instant::now();
        let mut throttle = LoginThrottle::new(POLICY);
        hammer(&mut throttle, "198.51.100.9", 7, now);
        let right = guess("right");
        assert_eq!(
            throttle.admit(ip("192.0.2.1"), Some(&demo()), right, now),
            Ok(())
        );
        assert!(matches!(
            throttle.admit(ip("198.51.100.9"), Some(&demo()), right, now),
            Err(Refusal::BackedOff { .. })
        ));
    }

    #[test]
    fn a_backed_off_account_refuses_every_address_that_failed_recently() {
        let now = Instant::now();
        let mut throttle = LoginThrottle::new(POLICY);
        // Many addresses, one failure each: none backed off by itself,
        // but the account is, for each of them.
        for n in 0..6 {
            hammer(&mut throttle, &format!("203.0.113.{n}"), 1, now);
        }
        let refused = throttle.admit(ip("203.0.113.0"), Some(&demo()), guess("more"), now);
        assert_eq!(
            refused,
            Err(Refusal::BackedOff {
                retry_after: Duration::from_secs(4)
            })
        );
        // Another account from the same address: only the address counts.
        let other = Principal::Account("other".into());
        let elsewhere = Guess::new(Some(&other), "other", None, "x");
        assert_eq!(
            throttle.admit(ip("203.0.113.0"), Some(&other), elsewhere, now),
            Ok(())
        );
    }

    #[test]
    fn the_same_wrong_guess_counts_once_and_is_known_wrong() {
        let now = Instant::now();
        let mut throttle = LoginThrottle::new(POLICY);
        let stale = guess("stale");
        for _ in 0..10 {
            throttle.failed(ip("192.0.2.7"), Some(&demo()), stale, now);
        }
        assert_eq!(throttle.len(), (1, 1, 1));
        assert_eq!(
            throttle.admit(ip("192.0.2.7"), Some(&demo()), stale, now),
            Err(Refusal::KnownWrong)
        );
        assert_eq!(
            throttle.admit(ip("192.0.2.7"), Some(&demo()), guess("new"), now),
            Ok(())
        );
    }

    #[test]
    fn a_new_hash_makes_a_new_guess() {
        let old = PasswordHash::from_stored("$argon2id$old".into());
        let new = PasswordHash::from_stored("$argon2id$new".into());
        let demo = demo();
        assert_ne!(
            Guess::new(Some(&demo), "demo", Some(&old), "pw"),
            Guess::new(Some(&demo), "demo", Some(&new), "pw")
        );
        assert_ne!(
            Guess::new(Some(&demo), "demo", None, "pw"),
            Guess::new(None, "demo", None, "pw")
        );
        // Parts do not run together.
        assert_ne!(
            Guess::new(None, "ab", None, "c"),
            Guess::new(None, "a", None, "bc")
        );
    }

    #[test]
    fn quiet_keys_are_forgotten() {
        let start = Instant::now();
        let mut throttle = LoginThrottle::new(POLICY);
        hammer(&mut throttle, "192.0.2.7", 6, start);
        let later = start + POLICY.forget_after;
        assert_eq!(
            throttle.admit(ip("192.0.2.7"), Some(&demo()), guess("x"), later),
            Ok(())
        );
        // One more failure starts from one, not from seven.
        throttle.failed(ip("192.0.2.7"), Some(&demo()), guess("y"), later);
        assert_eq!(
            throttle.admit(ip("192.0.2.7"), None, guess("z"), later),
            Ok(())
        );
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_itself() {
        let now = Instant::now();
        let mut throttle = LoginThrottle::new(POLICY);
        for n in 0..4 {
            let address = ip(&format!("2001:db8:1:2::{n}"));
            throttle.failed(address, None, guess(&format!("v6-{n}")), now);
        }
        assert!(
            throttle
                .admit(ip("2001:db8:1:2:ffff::1"), None, guess("v6"), now)
                .is_err()
        );
        assert_eq!(
            throttle.admit(ip("2001:db8:1:3::1"), None, guess("v6"), now),
            Ok(())
        );
        hammer(&mut throttle, "192.0.2.9", 4, now);
        assert!(
            throttle
                .admit(ip("::ffff:192.0.2.9"), None, guess("v4"), now)
                .is_err()
        );
    }

    #[test]
    fn a_flood_of_addresses_and_guesses_stays_within_the_capacity() {
        let start = Instant::now();
        let mut throttle = LoginThrottle::new(POLICY);
        // The hammering address first, then a flood that would push it out
        // only once it is the oldest.
        hammer(&mut throttle, "192.0.2.7", 4, start);
        for n in 0..1000_u32 {
            let address = IpAddr::from(n.to_be_bytes());
            let at = start + Duration::from_millis(u64::from(n));
            throttle.failed(address, None, guess(&n.to_string()), at);
            let (addresses, accounts, guesses) = throttle.len();
            assert!(addresses <= POLICY.capacity && accounts <= POLICY.capacity);
            assert!(guesses <= POLICY.capacity);
        }
    }
}
