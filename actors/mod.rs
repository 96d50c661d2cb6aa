//! The living part of pasarela: actix actors that own sockets, serial
//! ports and the store, and call into the passive core for every decision.
//!
//! # Folders by role
//!
//! - `protocol/`: every message that passes between actors, the handles
//!   (a `Recipient` per message) they are sent through, the tables of
//!   handles in force (routes, accounts, sessions) and the views actors
//!   report. No actor imports another actor's file to talk to it.
//! - `pipeline/`: the life of a message: the SMPP listener and its ESME
//!   sessions, accounts, routes, the schedule, cancel/replace (`amend`),
//!   receipts, the MO router and callbacks.
//! - `gateways/`: the contract every gateway follows, the core they share,
//!   and the kinds: `simulator`, `smpp/`, `modem/`.
//! - `admin/`: runtime changes (accounts, routes, gateways, MO routes),
//!   each stored and then applied, and the stored changes laid over the
//!   file's objects at start.
//! - `web/`: actix-web: the JSON API, Kannel's sendsms, the admin API.
//! - `switch.rs` (the root), `supervision.rs` (how a panicking actor comes
//!   back), `faults.rs` (the test-only hooks that prove it).
//!
//! # The tree
//!
//! ```text
//! switch                  root: opens the store, starts the rest in order, recovers, stops cleanly
//! ├── callbacks           supervised: sends the callback outbox over HTTP, retries, dead letters
//! ├── mo_router           supervised: MO messages in the inbox to their account by number and keyword
//! ├── receipts            supervised: sent messages by upstream id until their receipt
//! ├── schedule            supervised: held messages (scheduled for later, or expiring) until due
//! ├── mailer              supervised, with `[mail]`: the mail log's queued notices to the SMTP server, retries
//! ├── simulator (per gateway of kind simulator)   supervised: the built-in SMSC
//! ├── upstream (per gateway of kind smpp)   supervised: `sessions` SMPP client binds to an
//! │                       SMSC sharing one queue and TPS, each reconnecting with back-off
//! ├── modem (per gateway of kind modem)   supervised; its thread owns the serial port
//! ├── route (per route)   supervised: first gateway that is up, else queue
//! ├── account (per account)   supervised: TPS, credit, binds, receipt mailbox
//! ├── admin               not an actor: runtime changes, persisted then applied
//! ├── listener            SMPP accept loop
//! │   └── esme (per connection)   not restarted: the client reconnects; listed in sessions once bound
//! └── web                 actix-web on web.listen: the JSON API, sending through the account actors
//! ```
//!
//! # The life of a message
//!
//! ```text
//! esme ─Submit─▶ account ── message + reservation, one batch ──▶ store
//!      ◀Submitted (after the group commit)─┘ └─Dispatch─▶ route ─Deliver─▶ gateway
//! gateway ─Sent / SendFailed / Receipt─▶ receipts ─Finished─▶ account
//! account ── final state + refund + mailbox item, one batch ──▶ store
//! account ─DeliverOut─▶ esme ─deliver_sm─▶ ESME ─resp─▶ esme ─DeliverDone─▶ account
//!
//! route ─Hold (scheduled later, or past validity)─▶ schedule ─Dispatch (due)─▶ route
//!                                                   schedule ─Finished (EXPIRED)─▶ account
//! esme ─cancel_sm / replace_sm─▶ amend ─Withdraw / Amend─▶ schedule, route, schedule
//!      ◀─resp (after the write)── amend ─Finished (DELETED)─▶ account
//! ```
//!
//! `scripts/module-cycles.py` checks that no module of `actors/` or `src/`
//! imports another that imports it back (scripts/test.sh runs it).

pub mod admin;
pub mod faults;
pub mod gateways;
pub mod mail;
pub mod pipeline;
pub mod protocol;
pub mod supervision;
pub mod switch;
pub mod web;

pub use switch::serve;
