//! Report summaries (SPEC §6.4): counts of messages, credit, cost and
//! final states per time bucket, account, destination operator, gateway
//! and route, kept up to date as messages change state so that a report
//! never scans the message archive. Pure data; no I/O, no clock (times
//! are passed in). The summary board (`actors/pipeline/summaries.rs`)
//! counts into a [`Book`] and persists it; the report endpoints and pages
//! read [`summarise`] and [`Book::hours`].
//!
//! - `tally`: what is counted in one bucket, and the figures a report
//!   reads from it (credit, margin, delivery ratio, unit price and cost).
//! - `book`: the buckets by UTC hour and UTC day, what to persist and
//!   prune.
//! - `table`: rows per day or month, grouped by operator, account,
//!   gateway or route.

mod book;
mod table;
mod tally;

pub use book::{Book, BucketId, HOURS_KEPT, Key, KeyIds, KeyNames, NONE, Span};
pub use table::{GroupBy, Period, Row, summarise};
pub use tally::{Ending, Tally};
