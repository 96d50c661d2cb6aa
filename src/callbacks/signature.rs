//! The signature a customer checks to know a callback came from us:
//! `X-Pasarela-Signature: sha256=<hex>`, the HMAC-SHA256, keyed with the
//! account's `callback_secret`, of `<timestamp>.<payload>`, where the
//! timestamp is the `X-Pasarela-Timestamp` header (Unix seconds) and the
//! payload the request body (a POST) or the full URL (a Kannel GET).
//! Binding the timestamp lets a receiver refuse old requests replayed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header holding the signature.
pub const SIGNATURE_HEADER: &str = "X-Pasarela-Signature";
/// The header holding the signed timestamp (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Pasarela-Timestamp";
/// The header holding the event id, the same on every attempt.
pub const EVENT_HEADER: &str = "X-Pasarela-Event";

/// The value of the signature header for `payload` sent at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, payload: &[u8]) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    let digest = mac.finalize().into_bytes();
    let mut value = String::with_capacity(7 + 2 * digest.len());
    value.push_str("sha256=");
    for byte in digest {
        value.push_str(&format!("{byte:02x}"));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value Python's `hmac.new(b"key", b'1700000000.{"a":1}',
    /// hashlib.sha256).hexdigest()` gives: what a customer's check computes.
    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_payload() {
        assert_eq!(
            sign(b"key", 1_700_000_000, br#"{"a":1}"#),
            "sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
        assert_ne!(
            sign(b"key", 1_700_000_001, br#"{"a":1}"#),
            sign(b"key", 1_700_000_000, br#"{"a":1}"#)
        );
    }
}
