//! The operator tools shipped in the binary (SPEC §1): `pasarela sim-smsc`,
//! an upstream SMSC simulator, and `pasarela bench`, an ESME load generator.
//! Each runs on a single-threaded tokio runtime of its own, so that on a
//! small machine the tool, its peer and the switch under test each get a
//! core; neither uses actix or the store (the client also runs inside the
//! switch's runtime, as a plain tokio task).
//!
//! - [`sim_smsc`]: accepts binds, answers submits by the outcome table of
//!   [`crate::simulation`], sends receipts and MO messages.
//! - [`bench`](mod@bench): binds S sessions, pipelines N messages through
//!   windows of W, matches receipts, reports throughput, latency and
//!   outcomes.
//! - [`client`]: the ESME side of a connection (bind, windowed submit,
//!   answering deliver_sm and enquire_link), used by `bench` and by the
//!   switch's upstream SMPP gateways (`actors/gateways/smpp/bind.rs`).
//! - `endpoint`: one end of a session, shared by both tools: the link, the
//!   bind state, sequence numbers and the window of requests.
//! - `link`: one connection's bytes, read and written in batches.
//!
//! Tools log plain lines to stderr and keep stdout for what a script reads.

pub mod bench;
pub mod client;
mod endpoint;
mod link;
pub mod sim_smsc;

use std::fmt;
use std::time::Instant;

/// The runtime a tool runs on: one thread, timers and sockets.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// One log line on stderr, with the local time and the tool's name.
fn log(tool: &str, line: fmt::Arguments<'_>) {
    eprintln!(
        "{} {tool}: {line}",
        chrono::Local::now().format("%H:%M:%S%.3f")
    );
}

/// Sleep until `at`, or forever when there is no `at`: an optional timer
/// for `select!`.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
