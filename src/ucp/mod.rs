//! UCP/EMI (the CMG/LogicaCMG "EMI - UCP Interface" 4.x and 5.x), sans-I/O:
//! bytes in, typed messages out, and back. No sockets, no clocks, no actors
//! here, as in [`smpp`](crate::smpp); the link that uses it (a gateway
//! toward an SMSC, a listener for customers) is built elsewhere.
//!
//! # Layout
//!
//! - [`frame`]: STX … ETX found in a byte stream, garbage and cut frames
//!   stepped over, a ceiling on length.
//! - [`envelope`]: TRN, LEN, O/R, OT and the checksum around the fields.
//! - [`address`] (the packed alphanumeric originator), [`xser`] (extra
//!   services: UDH, DCS), [`time`] (`DDMMYYHHmm(ss)`), [`field`] (field
//!   names), [`error_code`] (EC).
//!
//! Text is [`sms`](crate::sms)'s: GSM 03.38, septet packing, UCS-2, UDH.

pub mod address;
pub mod envelope;
pub mod error_code;
pub mod field;
pub mod frame;
pub mod time;
pub mod xser;

pub use envelope::{Header, Kind, Ot, Trn};
pub use error_code::ErrorCode;
pub use field::Field;
pub use frame::FrameError;
pub use xser::ExtraServices;
