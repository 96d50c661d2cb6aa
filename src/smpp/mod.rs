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
//! - [`lenient`]: the repair pass for malformed PDUs from known peers.
//! - [`status`]: the command_status table (code → name → description).
//! - [`session`]: the bind state machine, for server and client roles.
//! - [`sequence`]: sequence number allocation.
//! - [`window`]: outstanding requests, response matching, expiry.
//! - [`time`]: SMPP absolute/relative time ⇄ chrono.
//! - [`receipt`]: receipt text, parse and format; message id normalisation.
//! - [`dlr`]: receipts as deliver_sm/data_sm, build and read.
//!
//! # What rusmpp does and what we add
//!
//! rusmpp 0.4 gives the PDU structs, field types with spec limits
//! (`COctetString<1, 21>`), TLVs with unknown tags kept as
//! `TlvValue::Other`, and a strict decoder/encoder. We add the framing
//! (length checks, partial input, header kept on error), the checks rusmpp
//! skips (body fully consumed, TLV value_length equal to the decoded value's
//! size, a body present when the command needs one, 3.4 command ids only),
//! the status mapping, the leniency, and everything above the PDU.
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

pub mod dlr;
pub mod error;
pub mod frame;
pub mod header;
pub mod lenient;
pub mod pdu;
pub mod receipt;
pub mod sequence;
pub mod session;
pub mod status;
pub mod time;
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
