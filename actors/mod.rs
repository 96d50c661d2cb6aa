//! The living part of pasarela: actix actors that own sockets, serial ports
//! and the store, and call into the passive core for every decision.
//!
//! # The tree
//!
//! ```text
//! switch            root: owns config and store, starts children, graceful stop
//! ```
//!
//! Today the switch opens the store, creates the credit of configured
//! accounts the first time it sees them, and waits for SIGTERM or ctrl-c to
//! close the store after a final flush. It opens no SMPP or HTTP port yet:
//! the session, account, route and gateway actors are the next issue.

pub mod switch;

pub use switch::{ServeError, serve};
