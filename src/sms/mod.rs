//! The SMS text layer: pure functions over plain types, no I/O.
//!
//! Outgoing, a text is given a coding ([`coding`]), counted in parts, and
//! cut into short messages with a concatenation header or SAR values
//! ([`split`]). Underneath sit the character sets ([`gsm7`], [`ucs2`]), the
//! modem's septet [`packing`] and the User Data Header ([`udh`],
//! [`concat`](mod@concat)).

pub mod coding;
pub mod concat;
pub mod gsm7;
pub mod packing;
pub mod split;
pub mod ucs2;
pub mod udh;

pub use coding::{Coding, PartCount, choose_coding, count_parts, count_payload};
pub use concat::{Concat, Reference, ReferenceWidth, Sar};
pub use split::{Part, Split, SplitError, split_payload, split_text, split_text_as};
pub use udh::{ESM_CLASS_UDHI, Udh, UdhError};
