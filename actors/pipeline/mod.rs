//! The life of a message: the SMPP and UCP listeners and their sessions, the
//! account actors (checks at accept, credit, mailbox), the route actors,
//! the schedule of held messages, the campaigns' results the accounts keep, cancel and replace, the receipts
//! tracker, the report summaries, the MO router and the replies it sends for accounts, the
//! callbacks sender (with where its
//! callbacks may connect), retention and the one-time indexing by number
//! of messages stored before that index.

pub mod account;
pub mod admission;
pub mod amend;
pub mod awaiting;
pub mod callback_targets;
pub mod callbacks;
pub mod campaign;
pub mod campaign_book;
pub mod cimd2_session;
pub mod customer_session;
pub mod esme;
pub mod listener;
pub mod login;
pub mod mailbox;
pub mod mo_apps;
pub mod mo_parts;
pub mod mo_router;
pub mod number_indexer;
pub mod probes;
pub mod quality;
pub mod receipts;
pub mod replies;
pub mod retention;
pub mod route;
pub mod schedule;
pub mod summaries;
pub mod ucp_session;
