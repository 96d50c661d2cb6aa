//! pasarela: an SMS switch.
//!
//! # Layout
//!
//! The crate has two halves. `src/` is the passive core: pure data and pure
//! functions, testable without a runtime and never doing I/O. `actors/` (at
//! the top of the repository, mounted here) is the living part: actix actors
//! that own sockets, serial ports and the store, and call into the core for
//! every decision.
//!
//! - [`api`]: the customer JSON API's bodies, and a send request turned into a submission.
//! - [`auth`]: argon2id password hashes and the allowed-network check.
//! - [`callbacks`]: receipt and MO callbacks over HTTP, the pure half: URLs, signatures, retry schedule, Kannel dlr-url.
//! - `cli` (runtime): the command line, parsed with clap; one function per command.
//! - [`config`]: the TOML file into a validated typed configuration.
//! - `framed` (runtime): the SMPP codec as a tokio-util `Decoder`/`Encoder` for sockets.
//! - [`intake`]: an ESME's submit_sm/data_sm/submit_multi read into model types and parts.
//! - [`kannel`]: Kannel's `/cgi-bin/sendsms` parameters, answers and dlr-url escape codes.
//! - [`logging`]: slog, terminal or JSON lines, with `log` bridged in.
//! - `metrics` (runtime): the Prometheus registry `GET /metrics` serves, and the handles actors count with.
//! - [`model`]: money, ids, MSISDNs, the message state machine.
//! - [`modem`]: GSM modems, the pure half: an AT response reader and 3GPP TS 23.040 PDUs.
//! - [`numbering`]: the country of a number, from its E.164 calling code.
//! - [`pending`]: messages not yet with an SMSC: when they are due, what cancel_sm and replace_sm do to them.
//! - [`report`]: the per-message report row (SPEC §6) and the filters of a message listing.
//! - [`routing`]: the MT route table (longest prefix per account) and the MO route table (number, keyword).
//! - [`simulation`]: what a simulated SMSC does, chosen by the destination's last digits.
//! - [`smpp`]: sans-I/O SMPP 3.4: framing, PDUs, status codes, bind state, window, receipts, MO deliver_sm.
//! - [`sms`]: GSM 03.38 and UCS-2, part counting, splitting (UDH or SAR), decoding and reassembly.
//! - [`throttle`]: per-second rate limits (GCRA), for account and gateway TPS.
//! - `tools` (runtime): `pasarela sim-smsc` and `pasarela bench`, plain tokio, no actix; its SMPP client also carries the upstream gateways.
//! - [`upstream`]: an upstream SMPP gateway's decisions: id normalisation, response table, back-off.
//! - `store` (runtime): sled trees behind typed methods, a group-committed write-ahead journal for durable acks.
//! - `actors` (runtime, in `actors/`): the supervision tree, from the `switch` root down.
//!
//! The runtime half (`store`, `actors`) is behind the default `runtime`
//! feature, so `cargo check --no-default-features` proves the core does not
//! depend on actix, sled or serialport.

pub mod api;
pub mod auth;
pub mod callbacks;
#[cfg(feature = "runtime")]
pub mod cli;
pub mod config;
#[cfg(feature = "runtime")]
pub mod framed;
pub mod intake;
pub mod kannel;
pub mod logging;
#[cfg(feature = "runtime")]
pub mod metrics;
pub mod model;
pub mod modem;
pub mod numbering;
pub mod overlay;
pub mod pending;
pub mod rating;
pub mod report;
pub mod routing;
pub mod simulation;
pub mod smpp;
pub mod sms;
#[cfg(feature = "runtime")]
pub mod store;

#[cfg(feature = "runtime")]
#[path = "../actors/mod.rs"]
pub mod actors;
pub mod throttle;
#[cfg(feature = "runtime")]
pub mod tools;
pub mod upstream;
