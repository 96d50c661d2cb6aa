//! CIMD2 (Nokia's Computer Interface to Message Distribution 2), sans-I/O:
//! bytes in, packets out, and back. No sockets, clocks or actors here, as
//! in [`ucp`](crate::ucp); the `cimd2` gateway kind speaks it toward an
//! SMSC, and `pasarela sim-smsc --protocol cimd2` plays the SMSC.
//!
//! # Layout
//!
//! - [`packet`]: the header (`OO:NNN`), the `PPP:value` parameters and
//!   the optional checksum between STX and ETX; the frames themselves are
//!   found by [`ucp::frame`](crate::ucp::frame).
//! - [`codec`]: the [`Codec`] a link uses, and the NACK or error response
//!   a broken request is answered with.
//! - [`message`]: the typed operations (login, submit, deliver, status
//!   report, alive, responses, NACK, general error) read from and written
//!   to packets, each parameter checked against its type and range;
//!   [`outgoing`]: a pasarela message part as a submit, and a delivery's
//!   user data in pasarela's layout; [`customer`]: what the `[cimd2]`
//!   listener reads from and writes to a customer.
//! - [`operation`] and [`parameter`]: the codes, by name.
//! - [`text`]: user data (033) in CIMD2's character set ⇄ text;
//!   [`time`]: `YYMMDDhhmmss`; [`error`].
//!
//! # Using it on a link
//!
//! ```
//! use bytes::BytesMut;
//! use pasarela::cimd2::{Codec, Packet};
//!
//! // An alive request from the server, then half a frame.
//! let mut inbox = b"\x0240:002\t3B\x03\x0220:00".to_vec();
//! let codec = Codec::new();
//! let mut outbox = BytesMut::new();
//! loop {
//!     match codec.decode(&inbox) {
//!         Ok(None) => break, // read more from the socket
//!         Ok(Some(decoded)) => {
//!             inbox.drain(..decoded.len);
//!             let packet = decoded.packet;
//!             if let Some(response) = packet.operation.response() {
//!                 let answer = Packet::new(response, packet.number);
//!                 codec.encode(&answer, &mut outbox).expect("fits");
//!             }
//!         }
//!         Err(error) => {
//!             if let Some(nack) = error.reply() {
//!                 codec.encode(&nack, &mut outbox).expect("fits");
//!             }
//!             inbox.drain(..error.skip_len());
//!         }
//!     }
//! }
//! assert_eq!(&outbox[..], b"\x0290:002\t40\x03");
//! assert_eq!(inbox, b"\x0220:00", "the partial frame waits for more bytes");
//! ```

pub mod codec;
pub mod customer;
pub mod error;
pub mod message;
pub mod operation;
pub mod outgoing;
pub mod packet;
pub mod parameter;
#[cfg(test)]
mod properties;
pub mod text;
pub mod time;
#[cfg(test)]
mod vectors;

pub use codec::{Codec, DEFAULT_MAX_FRAME_LEN, DecodeError, Decoded};
pub use error::{EncodeError, PacketError};
pub use message::{
    Content, Deliver, ErrorCode, Message, MessageError, Originator, Response, StatusCode,
    StatusReport, Submit, UserData, WriteError,
};
pub use operation::OperationCode;
pub use outgoing::submit;
pub use packet::{Header, Packet, PacketNumber, Parameter, ServerNumber};
pub use parameter::ParameterCode;
pub use text::TextError;
