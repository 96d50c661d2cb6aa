//! Route quality (SPEC §6.5): what each gateway does with the messages it
//! takes, per destination operator, and how `least_cost` and `quality`
//! routes choose from that. Pure data and decisions; the receipts actor
//! counts into a [`Book`], the route actors ask a [`Chooser`], the report
//! endpoint and `/metrics` read the book.
//!
//! - `counts`: what is counted in one bucket, and the figures read from
//!   a sum of buckets (delivery ratio, latency p50/p95, top error codes,
//!   cost, price and margin).
//! - `book`: the buckets in time, the last window and the last 24
//!   windows, what to persist and prune.
//! - `costs`: `[[gateway_costs]]`, by the longest prefix.
//! - `choice`: the routing decision, with its floor, hysteresis and
//!   retries of a gateway taken out.
//! - `alerts`: a gateway's figures crossing a threshold, or its probes
//!   finding a grey route's sign, raised and cleared once.
//! - `probes`: messages to test numbers in flight until they arrive as
//!   MO or their wait is over; fake receipts and rewritten senders.

mod alerts;
mod book;
mod choice;
mod costs;
mod counts;
pub mod probes;

pub use alerts::{Alert, AlertChange, Alerts, Crossing, ProbeFindings, Thresholds, crossed};
pub use book::{Book, BucketId, Key, Span, UNKNOWN_OPERATOR};
pub use choice::{Change, Chooser, Observed};
pub use costs::CostTable;
pub use counts::{Counts, Figures, Histogram, Outcome};
