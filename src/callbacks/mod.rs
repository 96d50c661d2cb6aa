//! Receipt callbacks over HTTP, the pure half: which URL a callback goes
//! to and what it carries, its signature, and the retry schedule. No I/O
//! here: `actors/callbacks.rs` sends them from the store's outbox.
//!
//! - [`target`]: callback URLs checked (config, HTTP API) and their host;
//! - [`address`]: the addresses a callback may reach (`callbacks.allow_private`);
//! - [`signature`]: the `X-Pasarela-Signature` HMAC-SHA256;
//! - [`backoff`]: the retry delay after each failed attempt;
//! - [`kannel`]: Kannel `dlr-url` templates and the events `dlr-mask` selects;
//! - `request` (runtime): the request a message's event becomes.

pub mod address;
pub mod backoff;
pub mod kannel;
#[cfg(feature = "runtime")]
pub mod request;
pub mod signature;
pub mod target;
