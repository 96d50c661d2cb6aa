//! The login throttle both listeners share ([`Logins`]): the core's
//! [`LoginThrottle`] behind a lock, with the clock read here, argon2 run
//! on the blocking pool, and every refusal and password check counted for
//! `/metrics`. One for the process, so an address or an account hammered
//! over HTTP is backed off over SMPP too, and the other way round. The
//! rules are the core's (`src/login_throttle.rs`).

use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::auth::{AuthError, PasswordHash, Protocol};
use crate::login_throttle::{Guess, LoginThrottle, Policy, Principal, Refusal};
use crate::metrics::{self, LoginRefusal};

/// Why a login was refused at or after its password.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The address or the account is backed off: nothing was checked.
    #[error("too many failed logins; try again in {} s", retry_after_secs(*.0))]
    BackedOff(Duration),
    /// The password is wrong.
    #[error("wrong password")]
    Wrong,
    /// Too many password checks wait already.
    #[error(transparent)]
    Busy(AuthError),
    /// The check itself failed (a corrupt stored hash, a lost blocking
    /// task): a failure of the switch, not of the caller.
    #[error("the password could not be checked: {0}")]
    Unchecked(String),
}

/// Whole seconds to wait for a back-off to end, at least one (what
/// `Retry-After` says).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

/// Failed logins of the whole process.
pub struct Logins {
    throttle: Mutex<LoginThrottle>,
}

impl Default for Logins {
    fn default() -> Logins {
        Logins {
            throttle: Mutex::new(LoginThrottle::new(Policy::SWITCH)),
        }
    }
}

impl Logins {
    // Nothing panics while holding it; a poisoned throttle is still valid.
    fn lock(&self) -> MutexGuard<'_, LoginThrottle> {
        self.throttle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a login refused before its password was looked at: an
    /// unknown user, or an address the account may not use. Counts against
    /// the address only, and never makes `password` known wrong for the
    /// account (it was not checked).
    pub fn refused(
        &self,
        protocol: Protocol,
        peer: IpAddr,
        user: &str,
        password: &str,
        reason: LoginRefusal,
    ) {
        let guess = Guess::new(None, user, None, password);
        self.lock().failed(peer, None, guess, Instant::now());
        metrics::global().login_refused(protocol, reason);
    }

    /// Whether the password of `guess` may be checked now: refused while
    /// the address or the account is backed off, and when these exact
    /// credentials were wrong before.
    pub fn admit(
        &self,
        protocol: Protocol,
        peer: IpAddr,
        principal: &Principal,
        guess: Guess,
    ) -> Result<(), Refused> {
        let admitted = self
            .lock()
            .admit(peer, Some(principal), guess, Instant::now());
        admitted.map_err(|refusal| {
            let (reason, refused) = match refusal {
                Refusal::BackedOff { retry_after } => {
                    (LoginRefusal::BackedOff, Refused::BackedOff(retry_after))
                }
                Refusal::KnownWrong => (LoginRefusal::Password, Refused::Wrong),
            };
            metrics::global().login_refused(protocol, reason);
            refused
        })
    }

    /// Checks `password` against `hash` with argon2 on the blocking pool
    /// (after [`Logins::admit`]); a wrong one is recorded against the
    /// address and the account.
    pub async fn check(
        &self,
        protocol: Protocol,
        peer: IpAddr,
        principal: &Principal,
        guess: Guess,
        hash: &PasswordHash,
        password: String,
    ) -> Result<(), Refused> {
        let hash = hash.clone();
        let verified = actix_rt::task::spawn_blocking(move || hash.verify(&password, protocol))
            .await
            .map_err(|lost| Refused::Unchecked(lost.to_string()))?;
        let (reason, refused) = match verified {
            Ok(true) => {
                metrics::global().password_checked(protocol);
                return Ok(());
            }
            Ok(false) => {
                metrics::global().password_checked(protocol);
                self.lock()
                    .failed(peer, Some(principal), guess, Instant::now());
                (LoginRefusal::Password, Refused::Wrong)
            }
            Err(busy @ AuthError::Busy(_)) => (LoginRefusal::Busy, Refused::Busy(busy)),
            Err(other) => return Err(Refused::Unchecked(other.to_string())),
        };
        metrics::global().login_refused(protocol, reason);
        Err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds_and_is_never_zero() {
        let secs = |millis| retry_after_secs(Duration::from_millis(millis));
        assert_eq!(
            [secs(0), secs(1), secs(999), secs(1000), secs(1001)],
            [1, 1, 1, 1, 2]
        );
        assert_eq!(secs(300_000), 300);
    }
}
