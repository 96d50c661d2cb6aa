//! The SMS text layer: pure functions over plain types, no I/O.
//!
//! The character sets ([`gsm7`], [`ucs2`]) and the modem's septet
//! [`packing`].

pub mod gsm7;
pub mod packing;
pub mod ucs2;
