//! Runtime changes to accounts, routes, gateways and MO routes (the admin
//! API): each is checked with the configuration file's own rules, written
//! to the store's `admin_objects` tree, and applied only once that is
//! durable, one change at a time; and at start, the stored changes are
//! laid over the file's objects (`crate::overlay`).
//!
//! - `changes`: the [`Admin`] every change goes through;
//! - `accounts`, `routes`, `gateways`, `mo_routes`, `content_rules`: the
//!   changes of each kind;
//! - `mo_apps`: autoreply rules and polls;
//! - `held`: messages a content rule holds, released or dropped;
//! - `starters`, `live_gateways`: starting account, route and gateway
//!   actors, and the gateways in force;
//! - `error`: why a change was not made.

pub mod accounts;
pub mod changes;
pub mod content_rules;
pub mod error;
pub mod gateways;
pub mod held;
pub mod live_gateways;
pub mod mo_apps;
pub mod mo_routes;
pub mod routes;
pub mod starters;

pub use changes::Admin;
pub use error::AdminError;
