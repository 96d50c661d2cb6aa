//! The vocabulary every layer shares: money, and (as they land) message ids,
//! MSISDNs and the message state machine. Plain data, no I/O.

pub mod money;

pub use money::{Money, MoneyParseError};
