//! What a UCP/EMI negative result (NACK) to a submit (51) means for the
//! message, by its error code, in one table (docs/gateways.md repeats it):
//!
//! | EC | outcome |
//! | --- | --- |
//! | 01 checksum error, 04 operation not allowed (not logged in yet, or throttled), 37 delivery in progress, 50 low network status, 55 system error | [`Outcome::Temporary`]: the gateway pauses and sends it again, up to `max_attempts` |
//! | anything else (02 syntax error, 05 call barring, 06 AdC invalid, 24 message too long, 28 invalid character set, unknown and proprietary codes, …) | [`Outcome::Permanent`]: REJECTED, refunded, REJECTD receipt |
//!
//! As with SMPP statuses ([`super::response`]), a code we cannot read is
//! permanent: not worth a retry loop.

use super::response::Outcome;
use crate::ucp::ErrorCode;

/// The codes a resend may get past: the line, the SMSC's load or its
/// state, not the message.
const TEMPORARY: &[u8] = &[1, 4, 37, 50, 55];

/// The outcome of a NACK with `code` (the table above); a NACK is never
/// [`Outcome::Accepted`].
pub fn classify_nack(code: ErrorCode) -> Outcome {
    if TEMPORARY.contains(&code.value()) {
        Outcome::Temporary
    } else {
        Outcome::Permanent
    }
}

/// Whether a refused login (60) means the login or password is wrong
/// (retried slowly, as a refused SMPP bind is).
pub fn bad_login(code: ErrorCode) -> bool {
    code == ErrorCode::AUTHENTICATION_FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(value: u8) -> ErrorCode {
        ErrorCode::new(value).unwrap()
    }

    #[test]
    fn the_table() {
        for temporary in [1, 4, 37, 50, 55] {
            assert_eq!(
                classify_nack(code(temporary)),
                Outcome::Temporary,
                "{temporary}"
            );
        }
        for permanent in [0, 2, 3, 5, 6, 7, 24, 28, 54, 90, 99] {
            assert_eq!(
                classify_nack(code(permanent)),
                Outcome::Permanent,
                "{permanent}"
            );
        }
    }

    #[test]
    fn only_an_authentication_failure_is_a_bad_login() {
        assert!(bad_login(ErrorCode::AUTHENTICATION_FAILURE));
        assert!(!bad_login(ErrorCode::SYNTAX_ERROR));
        assert!(!bad_login(code(55)));
    }
}
