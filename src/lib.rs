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
//! - [`model`]: money, ids, MSISDNs, the message state machine.
//! - [`smpp`]: sans-I/O SMPP 3.4: framing, PDUs, status codes, bind state, window, receipts.
//!
//! The runtime half (`store`, `actors`) is behind the default `runtime`
//! feature, so `cargo check --no-default-features` proves the core does not
//! depend on actix, sled or serialport.

pub mod model;
pub mod smpp;
