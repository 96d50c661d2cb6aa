//! SMPP 3.4 (with 5.0 TLVs), sans-I/O: bytes in, typed PDUs and decisions
//! out. No sockets, no clocks, no actors here: `Instant`s and `DateTime`s are
//! passed in, so everything can be tested, fuzzed and benchmarked alone.
//!
//! # Layout
//!
//! - [`pdu`]: the PDU types (rusmpp's, re-exported) and small constructors.
//! - [`header`]: the 16-octet header, readable before the body is.
//! - [`frame`]: framing and the [`Codec`]: `decode(&[u8])` →
//!   `Option<Decoded>` ("need more bytes" is `None`), `encode` into `BytesMut`.
//! - [`error`]: decode failures and the one mapping from failure to
//!   command_status and reply (`generic_nack` or `<request>_resp`).
//! - `fast`: a hand-written decoder for clean submit_sm/deliver_sm and their
//!   responses, producing the same values as rusmpp, twice as fast.
//! - [`lenient`]: the repair pass for malformed PDUs from known peers.
//! - [`status`]: the command_status table (code → name → description).
//! - [`validate`]: field values the codec accepts but SMPP forbids in an
//!   ESME's submit_sm/submit_multi/data_sm, each mapped to its status.
//! - [`session`]: the bind state machine, for server and client roles.
//! - [`sequence`]: sequence number allocation.
//! - [`window`]: outstanding requests, response matching, expiry.
//! - [`time`]: SMPP absolute/relative time ⇄ chrono.
//! - [`receipt`]: receipt text, parse and format; message id normalisation.
//! - [`dlr`]: receipts as deliver_sm/data_sm, build and read.
//! - [`mo`]: an MO message as the deliver_sm to an ESME.
//!
//! # What rusmpp does and what we add
//!
//! rusmpp 0.4 gives the PDU structs, field types with spec limits
//! (`COctetString<1, 21>`), TLVs with unknown tags kept as
//! `TlvValue::Other`, and a strict decoder/encoder. We add the framing
//! (length checks, partial input, header kept on error), the checks rusmpp
//! skips (body fully consumed, TLV value_length equal to the decoded value's
//! size, a body present when the command needs one, 3.4 command ids only),
//! the status mapping, the leniency, and everything above the PDU. rusmpp's
//! `verbose` feature names the field a decode failed in, which the status
//! mapping needs; it costs nothing measurable on the success path. For the
//! PDUs that carry the traffic, a hand-written fast path builds the same
//! rusmpp values about twice as fast, and falls back to rusmpp for anything
//! unusual.
//!
//! # Leniency
//!
//! Decoding is strict first. A PDU that fails is, if the codec's
//! [`Leniency`] allows, repaired and decoded again, and each repair is
//! reported ([`Repair`]) so sloppy peers show up in logs. The default codec
//! is strict: ESMEs that bind to us are told precisely what is wrong.
//! Upstream SMSCs we cannot change get a lenient codec. Always accepted,
//! whatever the setting:
//! - unknown TLV tags: kept, re-encoded unchanged (SMPP says a receiver
//!   ignores optional parameters it does not know); for the same reason a
//!   known TLV in a PDU that does not list it is kept, never refused with
//!   ESME_ROPTPARNOTALLWD;
//! - a response without a body (3.4 omits it on error; some SMSCs omit the
//!   empty message_id of deliver_sm_resp too): `pdu()` is `None`;
//! - an error response whose body does not decode: the body is dropped.
//!
//! Behind a switch (see [`lenient`]): over-long C-octet strings (cut),
//! non-ASCII octets in C-octet strings (`?`), a body that stops early at a
//! field boundary (padded), trailing octets (ignored), sm_length disagreeing
//! with the octets (the octets win), C-string TLVs without their NUL
//! (terminated), a body on a header-only PDU (ignored).
//!
//! # Using it from a session actor
//!
//! ```
//! use bytes::BytesMut;
//! use pasarela::smpp::pdu::{self, BindTransmitterResp, COctetString, CommandStatus};
//! use pasarela::smpp::{Codec, Role, Session};
//!
//! // What arrived on the socket: a bind_transmitter, then half a PDU.
//! let mut inbox: Vec<u8> = vec![
//!     0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
//!     0x00, 0x00, 0x00, 0x01, b'S', b'M', b'P', b'P', b'3', b'T', b'E', b'S',
//!     b'T', 0x00, b's', b'e', b'c', b'r', b'e', b't', b'0', b'8', 0x00, b'S',
//!     b'U', b'B', b'M', b'I', b'T', b'1', 0x00, 0x34, 0x01, 0x01, 0x00,
//!     0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
//! ];
//! let codec = Codec::new();
//! let mut session = Session::new(Role::Server);
//! let mut outbox = BytesMut::new();
//! loop {
//!     match codec.decode(&inbox) {
//!         Ok(None) => break, // read more from the socket
//!         Ok(Some(decoded)) => {
//!             inbox.drain(..decoded.len);
//!             let command = decoded.command;
//!             let seq = command.sequence_number();
//!             if let Err(status) = session.receive(command.id(), command.status()) {
//!                 let reply = pdu::error_response(command.id(), status, seq);
//!                 codec.encode(&reply, &mut outbox).expect("fits");
//!                 continue;
//!             }
//!             // ... authenticate, then answer:
//!             let system_id = COctetString::from_string("pasarela".into()).expect("fits");
//!             let resp = BindTransmitterResp::new(system_id, None);
//!             let reply = pdu::Command::new(CommandStatus::EsmeRok, seq, resp);
//!             session.send(reply.id(), reply.status()).expect("allowed");
//!             codec.encode(&reply, &mut outbox).expect("fits");
//!         }
//!         Err(error) => {
//!             if let Some(reply) = error.reply() {
//!                 codec.encode(&reply, &mut outbox).expect("fits");
//!             }
//!             match error.skip_len() {
//!                 Some(skip) => drop(inbox.drain(..skip)),
//!                 None => break, // close the connection
//!             }
//!         }
//!     }
//! }
//! assert!(session.state().is_bound());
//! assert_eq!(inbox.len(), 6, "the partial PDU waits for more bytes");
//! assert_eq!(&outbox[4..8], &[0x80, 0x00, 0x00, 0x02]); // bind_transmitter_resp
//! ```

pub mod dlr;
pub mod error;
mod fast;
pub mod frame;
pub mod header;
pub mod lenient;
pub mod message_state;
pub mod mo;
pub mod pdu;
pub mod receipt;
pub mod sequence;
pub mod session;
pub mod status;
pub mod time;
pub mod validate;
pub mod window;

pub use error::{BodyError, EncodeError, FrameError, Problem};
pub use frame::{Codec, DEFAULT_MAX_COMMAND_LENGTH, Decoded, decode, encode};
pub use header::{HEADER_LEN, Header};
pub use lenient::{Leniency, Repair};
pub use pdu::{Command, CommandId, CommandStatus, Pdu};
pub use receipt::{Receipt, Stat};
pub use sequence::SequenceNumbers;
pub use session::{BindState, Role, Session};
pub use window::Window;
