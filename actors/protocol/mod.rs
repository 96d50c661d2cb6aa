//! What passes between actors: every message one actor sends another, the
//! handles that say where each is sent (a `Recipient` per message, so no
//! actor names another's type), the tables of handles in force (routes,
//! accounts, sessions) and the views actors report. Built from core types
//! only: no file here imports an actor, and no actor imports another
//! actor's file to talk to it.

pub mod account;
pub mod callbacks;
pub mod campaign;
pub mod content_rules;
pub mod directory;
pub mod dnd;
pub mod gateway;
pub mod logins;
pub mod mail;
pub mod mo;
pub mod mo_apps;
pub mod pending;
pub mod receipts;
pub mod route;
pub mod session;
