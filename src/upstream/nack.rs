//! What a UCP/EMI negative result (NACK) to a submit (51) means for the
//! message, by its error code, in one table (docs/gateways.md repeats it):
//!
//! | EC | outcome |
//! | --- | --- |
//! | 01 checksum error, 04 operation not allowed (not logged in yet, or throttled), 37 delivery in progress, 50 low network status, 55 system error | [`Outcome::Temporary`]: the gateway pauses and sends it again, up to `max_attempts` |
//! | anything else (02 syntax error, 05 call barring, 06 AdC invalid, 24 message too long, 28 invalid character set, unknown and proprietary codes, …) | [`Outcome::Permanent`]: REJECTED, refunded, REJECTD receipt |
//!
//! A CIMD2 submit response (53) with an error code (900), or a general
//! error response (98), the same way:
//!
//! | 900 | outcome |
//! | --- | --- |
//! | 4 connection to the message centre lost, 5 no response from it, 6 general system error, 10 temporary congestion | [`Outcome::Temporary`] |
//! | anything else (2 syntax error, 300 incorrect destination address, 302 syntax error in user data, …) | [`Outcome::Permanent`] |
//!
//! A refused CIMD2 login (51 with 900) is bad credentials for 100 invalid
//! login, 101 incorrect access type, 103 login refused by the message
//! centre and 108 alias account; the others (102 too many users, 104
//! invalid window size, …) are a failed connection, retried sooner.
//!
//! As with SMPP statuses ([`super::response`]), a code we cannot read is
//! permanent: not worth a retry loop.

use super::response::Outcome;
use crate::cimd2;
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

/// The CIMD2 error codes a resend may get past.
const CIMD2_TEMPORARY: &[u16] = &[4, 5, 6, 10];
/// The CIMD2 login errors that say the credentials are wrong.
const CIMD2_BAD_LOGIN: &[u16] = &[100, 101, 103, 108];

/// The outcome of a CIMD2 submit refused with `code` (the table above).
pub fn classify_cimd2(code: cimd2::ErrorCode) -> Outcome {
    if CIMD2_TEMPORARY.contains(&code.0) {
        Outcome::Temporary
    } else {
        Outcome::Permanent
    }
}

/// Whether a CIMD2 login refused with `code` means the credentials are
/// wrong.
pub fn cimd2_bad_login(code: cimd2::ErrorCode) -> bool {
    CIMD2_BAD_LOGIN.contains(&code.0)
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

    #[test]
    fn the_cimd2_table() {
        use crate::cimd2::ErrorCode;
        for temporary in [4, 5, 6, 10] {
            assert_eq!(classify_cimd2(ErrorCode(temporary)), Outcome::Temporary);
        }
        for permanent in [0, 1, 2, 3, 100, 300, 302, 999] {
            assert_eq!(classify_cimd2(ErrorCode(permanent)), Outcome::Permanent);
        }
        assert!(cimd2_bad_login(ErrorCode::INVALID_LOGIN));
        assert!(!cimd2_bad_login(ErrorCode(102)));
    }
}
