//! `[limits]`: how many message parts one request may create, how many
//! receipts and MO, and for how long, may wait for an account whose
//! receiver is not bound, and how many messages may wait in a route's
//! queue before customers' new ones are refused.

use super::checker::Checker;
use crate::config::LimitsSettings;
use crate::config::raw::RawLimits;

/// A list of 1000 numbers (the HTTP API's most) with a two-part text.
const DEFAULT_MAX_PARTS_PER_REQUEST: u32 = 2_000;
const MAX_MAX_PARTS_PER_REQUEST: u32 = 1_000_000;
/// A day of receipts at about one per second, tens of MiB on disk.
const DEFAULT_MAILBOX_MAX_ITEMS: u64 = 100_000;
const MAX_MAILBOX_MAX_ITEMS: u64 = 100_000_000;
/// A receiver down over a long weekend still gets its receipts.
const DEFAULT_MAILBOX_MAX_AGE_DAYS: f64 = 7.0;
const MIN_MAILBOX_MAX_AGE_DAYS: f64 = 0.00001;
const MAX_MAILBOX_MAX_AGE_DAYS: f64 = 3_650.0;
/// Several seconds of a fast link's traffic, about 50 MB of messages.
const DEFAULT_ROUTE_QUEUE_MAX: u64 = 50_000;
const MAX_ROUTE_QUEUE_MAX: u64 = 100_000_000;

impl Checker<'_> {
    /// `[limits]`.
    pub fn limits(&mut self, raw: RawLimits) -> LimitsSettings {
        LimitsSettings {
            max_parts_per_request: self.bounded(
                raw.max_parts_per_request.as_ref(),
                "limits.max_parts_per_request",
                DEFAULT_MAX_PARTS_PER_REQUEST,
                1,
                MAX_MAX_PARTS_PER_REQUEST,
            ),
            mailbox_max_items: self.bounded(
                raw.mailbox_max_items.as_ref(),
                "limits.mailbox_max_items",
                DEFAULT_MAILBOX_MAX_ITEMS,
                1,
                MAX_MAILBOX_MAX_ITEMS,
            ),
            mailbox_max_age: self.days(
                raw.mailbox_max_age_days.as_ref(),
                "limits.mailbox_max_age_days",
                DEFAULT_MAILBOX_MAX_AGE_DAYS,
                (MIN_MAILBOX_MAX_AGE_DAYS, MAX_MAILBOX_MAX_AGE_DAYS),
            ),
            route_queue_max: self.bounded(
                raw.route_queue_max.as_ref(),
                "limits.route_queue_max",
                DEFAULT_ROUTE_QUEUE_MAX,
                1,
                MAX_ROUTE_QUEUE_MAX,
            ),
        }
    }
}
