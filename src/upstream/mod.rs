//! The decisions an upstream SMPP gateway makes, without I/O: how the
//! SMSC's message ids are normalised so that a receipt finds its message
//! ([`ids`]), what each submit_sm_resp status means for the message
//! ([`response`]), and how long to wait before reconnecting or after being
//! throttled ([`backoff`]). The actor in `actors/upstream.rs` and its
//! connection task call these; everything here is unit-tested alone.

pub mod backoff;
pub mod ids;
pub mod response;

pub use backoff::Backoff;
pub use ids::{IdBase, IdFormat};
pub use response::{Outcome, classify};
