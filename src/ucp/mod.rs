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
//! - [`message`]: a [`Message`], an [`Operation`] or a result, decoded and
//!   encoded; [`operation`] (01, 31, 60), [`short_message`] (the 5x list of
//!   51, 52, 53) and [`response`] (ACK, NACK) hold the fields of each.
//! - [`codec`]: the [`Codec`] a link uses: frames to messages and back,
//!   and the negative result a broken operation is answered with.
//! - [`content`] (MT, NB and the message), [`address`] (the packed
//!   alphanumeric originator), [`xser`] (extra services: UDH, DCS),
//!   [`time`] (`DDMMYYHHmm(ss)`), [`reference`](mod@reference)
//!   (`AdC:SCTS`), [`field`] (field names), [`error_code`] (EC),
//!   [`error`].
//! - [`outgoing`] and [`incoming`]: a pasarela message part into a submit,
//!   and a delivery or notification back into an MO or a receipt.
//! - [`customer`]: the listener's side: a customer's submit into a
//!   submission, refusals as error codes, receipts and MO back out.
//! - [`window`]: the TRNs of a session's outstanding operations.
//!
//! Text is [`sms`](crate::sms)'s: GSM 03.38, septet packing, UCS-2, UDH.
//!
//! # Using it on a link
//!
//! ```
//! use bytes::BytesMut;
//! use pasarela::ucp::{Ack, Codec, Message, Operation, Ot, Response};
//!
//! // An SMSC's alert (the specification's example), then half a frame.
//! let mut inbox = b"\x0202/00035/O/31/0234765439845/0139/A0\x03\x0203/000".to_vec();
//! let codec = Codec::new();
//! let mut outbox = BytesMut::new();
//! loop {
//!     match codec.decode(&inbox) {
//!         Ok(None) => break, // read more from the socket
//!         Ok(Some(decoded)) => {
//!             inbox.drain(..decoded.len);
//!             if let Message::Operation { trn, operation: Operation::Alert(_) } = decoded.message {
//!                 let ack = Message::Result {
//!                     trn,
//!                     ot: Ot::ALERT,
//!                     response: Response::Ack(Ack::default()),
//!                 };
//!                 codec.encode(&ack, &mut outbox).expect("fits");
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
//! assert_eq!(&outbox[..], b"\x0202/00019/R/31/A//6D\x03");
//! assert_eq!(inbox, b"\x0203/000", "the partial frame waits for more bytes");
//! ```

pub mod address;
pub mod codec;
pub mod content;
pub mod customer;
pub mod envelope;
pub mod error;
pub mod error_code;
pub mod field;
pub mod frame;
pub mod incoming;
pub mod message;
pub mod operation;
pub mod outgoing;
#[cfg(test)]
mod properties;
pub mod reference;
pub mod response;
pub mod short_message;
pub mod time;
#[cfg(test)]
mod vectors;
pub mod window;
mod wire;
pub mod xser;

pub use codec::{Codec, DEFAULT_MAX_FRAME_LEN, DecodeError, Decoded};
pub use content::Content;
pub use envelope::{Header, Kind, Ot, Trn};
pub use error::{EncodeError, MessageError, Problem};
pub use error_code::ErrorCode;
pub use field::Field;
pub use frame::FrameError;
pub use incoming::{Notification, ReceivedMessage};
pub use message::{Message, Operation};
pub use operation::{Alert, CallInput, SessionManagement};
pub use outgoing::{SubmitError, submit};
pub use reference::MessageReference;
pub use response::{Ack, Nack, Response};
pub use short_message::{DeliveryStatus, Notifications, Otoa, ShortMessageFields};
pub use window::Window;
pub use xser::ExtraServices;
