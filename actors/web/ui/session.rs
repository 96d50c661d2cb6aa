//! The web UI's sessions: who logged in, behind a random cookie, and the
//! CSRF token every form of that session carries.
//!
//! - The cookie (`pasarela_session`) is 256 random bits from the OS,
//!   `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's
//!   page sends it), `Path=/ui`, and `Secure` when the page came over
//!   HTTPS. The store keeps only its SHA-256, so nothing here could be
//!   replayed as a cookie.
//! - A session ends at logout, after [`IDLE`] without a request, after
//!   [`MAX_AGE`] in all, and when the switch restarts (sessions are kept
//!   in memory: logging in again is the cost).
//! - At most [`MAX_SESSIONS`] live at once: a flood of logins evicts the
//!   longest idle, it does not grow the process.
//! - Every state-changing form posts the session's CSRF token (random,
//!   compared in constant time): a page on another site cannot read it,
//!   so it cannot make a logged-in browser change anything, even where
//!   `SameSite` is not honoured.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::model::AccountId;

/// The session cookie's name.
pub const COOKIE: &str = "pasarela_session";
/// A session unused this long has ended.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// A session this old has ended, however busy.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 60 * 60);
/// Sessions kept at once.
pub const MAX_SESSIONS: usize = 10_000;

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// `web.admin_user`.
    Operator,
    /// A customer account, by its system_id.
    Customer(AccountId),
}

/// A live session as a request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub who: Who,
    /// What its forms must post as `csrf`.
    pub csrf: String,
}

struct Entry {
    session: Session,
    created: Instant,
    last_seen: Instant,
}

/// The live sessions, by the SHA-256 of their cookie.
#[derive(Default)]
pub struct UiSessions {
    sessions: Mutex<HashMap<[u8; 32], Entry>>,
}

impl UiSessions {
    // Nothing panics while holding it; a poisoned map is still valid.
    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a session for `who`; its cookie's value.
    pub fn open(&self, who: Who) -> Result<String, getrandom::Error> {
        let cookie = random_token()?;
        let csrf = random_token()?;
        let now = Instant::now();
        let mut sessions = self.lock();
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, entry| alive(entry, now));
        }
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, entry)| entry.last_seen)
                .map(|(key, _)| *key)
        {
            sessions.remove(&oldest);
        }
        sessions.insert(
            digest(&cookie),
            Entry {
                session: Session {
                    who,
                    csrf: csrf.clone(),
                },
                created: now,
                last_seen: now,
            },
        );
        Ok(cookie)
    }

    /// The session of `cookie`, if it is alive; it is used now.
    pub fn find(&self, cookie: &str) -> Option<Session> {
        let now = Instant::now();
        let key = digest(cookie);
        let mut sessions = self.lock();
        let entry = sessions.get_mut(&key)?;
        if !alive(entry, now) {
            sessions.remove(&key);
            return None;
        }
        entry.last_seen = now;
        Some(entry.session.clone())
    }

    /// Ends the session of `cookie` (logout).
    pub fn close(&self, cookie: &str) {
        self.lock().remove(&digest(cookie));
    }

    /// Ends every session of `who` (a changed password, a suspension);
    /// returns how many.
    pub fn close_all_of(&self, who: &Who) -> usize {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|_, entry| entry.session.who != *who);
        before - sessions.len()
    }
}

/// Whether `given` is the session's CSRF token.
pub fn csrf_matches(session: &Session, given: &str) -> bool {
    tokens_match(&session.csrf, given)
}

/// Whether two tokens are the same, compared in time that does not
/// depend on where they differ.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    let (expected, given) = (expected.as_bytes(), given.as_bytes());
    expected.len() == given.len()
        && expected
            .iter()
            .zip(given)
            .fold(0u8, |differs, (a, b)| differs | (a ^ b))
            == 0
}

fn alive(entry: &Entry, now: Instant) -> bool {
    now.duration_since(entry.last_seen) < IDLE && now.duration_since(entry.created) < MAX_AGE
}

fn digest(cookie: &str) -> [u8; 32] {
    Sha256::digest(cookie.as_bytes()).into()
}

/// 256 random bits, base64url without padding: a cookie's or a form's
/// token.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(name: &str) -> Who {
        Who::Customer(AccountId::new(name).unwrap())
    }

    #[test]
    fn a_session_is_found_by_its_cookie_until_closed() {
        let sessions = UiSessions::default();
        let cookie = sessions.open(Who::Operator).unwrap();
        let found = sessions.find(&cookie).unwrap();
        assert_eq!(found.who, Who::Operator);
        let csrf = found.csrf.clone();
        assert!(csrf_matches(&found, &csrf));
        assert!(!csrf_matches(&found, "forged"));
        assert!(sessions.find("another cookie").is_none());
        sessions.close(&cookie);
        assert!(sessions.find(&cookie).is_none());
    }

    #[test]
    fn cookies_and_tokens_are_random_and_distinct() {
        let sessions = UiSessions::default();
        let a = sessions.open(Who::Operator).unwrap();
        let b = sessions.open(Who::Operator).unwrap();
        assert_ne!(a, b);
        assert_ne!(
            sessions.find(&a).unwrap().csrf,
            sessions.find(&b).unwrap().csrf
        );
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn every_session_of_an_account_can_be_ended() {
        let sessions = UiSessions::default();
        let one = sessions.open(customer("acme")).unwrap();
        let two = sessions.open(customer("acme")).unwrap();
        let other = sessions.open(customer("other")).unwrap();
        assert_eq!(sessions.close_all_of(&customer("acme")), 2);
        assert!(sessions.find(&one).is_none());
        assert!(sessions.find(&two).is_none());
        assert!(sessions.find(&other).is_some());
    }

    #[test]
    fn a_flood_of_logins_keeps_the_store_bounded() {
        let sessions = UiSessions::default();
        let first = sessions.open(Who::Operator).unwrap();
        for _ in 0..MAX_SESSIONS {
            sessions.open(customer("flood")).unwrap();
        }
        assert_eq!(sessions.lock().len(), MAX_SESSIONS);
        assert!(sessions.find(&first).is_none(), "the longest idle went");
    }
}
