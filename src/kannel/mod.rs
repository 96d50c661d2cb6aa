//! Kannel compatibility, the pure half: `/cgi-bin/sendsms` read the way
//! Kannel's smsbox reads it, answered with its texts and codes, and the
//! dlr-url escape codes of its delivery reports. `actors/web/kannel.rs`
//! serves it. No I/O here.
//!
//! - [`params`]: query string, form body or `X-Kannel-*` headers into
//!   named octet values.
//! - [`sendsms`]: the parameters checked and turned into a
//!   [`Submission`](crate::intake::Submission).
//! - [`answer`]: every answer smsbox gives, with its HTTP status.
//! - [`charset`]: the `charset` parameter.
//! - [`escape`]: Kannel's escape codes, what every use shares.
//! - [`dlr_url`]: a dlr-url template filled in for one report.

pub mod answer;
pub mod charset;
pub mod dlr_url;
pub mod escape;
pub mod params;
pub mod sendsms;

pub use answer::{ACCEPTED, ACCEPTED_STATUS, Refusal};
pub use params::Params;
pub use sendsms::{Origin, Request, read};
