//! The SMS text layer: pure functions over plain types, no I/O.
//!
//! Outgoing, a text is given a coding ([`coding`]), counted in parts, and
//! cut into short messages with a concatenation header or SAR values
//! ([`split`]). Incoming, a short message is taken apart ([`incoming`]) and
//! its parts put back together ([`reassembly`]). Underneath sit the
//! character sets ([`gsm7`], [`ucs2`]), the modem's septet [`packing`], the
//! User Data Header ([`udh`], [`concat`](mod@concat)) and what SMPP data_coding and
//! TP-DCS values mean ([`data_coding`]).
//!
//! Who calls what: the SMPP session uses [`split::split_text`] /
//! [`split::split_payload`] for submits and [`incoming::decode`] plus a
//! [`reassembly::Reassembler`] for deliver_sm; the HTTP API shows
//! [`coding::count_parts`] before sending; the modem driver adds
//! [`packing::pack_user_data`] / [`packing::unpack_user_data`] and
//! [`data_coding::Alphabet::from_dcs`].

pub mod coding;
pub mod concat;
pub mod data_coding;
pub mod gsm7;
pub mod incoming;
pub mod packing;
pub mod reassembly;
pub mod split;
pub mod ucs2;
pub mod udh;

pub use coding::{Coding, PartCount, choose_coding, count_parts, count_payload};
pub use concat::{Concat, Reference, ReferenceWidth, Sar};
pub use data_coding::Alphabet;
pub use incoming::ShortMessage;
pub use reassembly::{Reassembled, Reassembler};
pub use split::{Part, Split, SplitError, split_payload, split_text, split_text_as};
pub use udh::{ESM_CLASS_UDHI, Udh, UdhError};
