//! The codec one link uses: frames found in the byte stream (by
//! [`ucp::frame`](crate::ucp::frame), CIMD2 framing being UCP's) and
//! decoded into packets, packets encoded into frames, under one ceiling on
//! the length of a frame and with or without checksums. Sans-I/O, as
//! [`ucp::Codec`](crate::ucp::Codec): the caller calls [`Codec::decode`] on
//! what has arrived and drops the octets it is told to.
//!
//! Every failure can be stepped over ([`DecodeError::skip_len`]). A broken
//! request whose header could be read is answered ([`DecodeError::reply`]),
//! repeating its packet number: with a NACK (99) when its checksum is
//! wrong, otherwise with its response carrying error code 2, syntax error.
//! A broken response is only dropped.

use bytes::BytesMut;

use crate::ucp::frame::{self, FrameError};

use super::error::{EncodeError, PacketError};
use super::operation::OperationCode;
use super::packet::{Header, Packet};
use super::parameter::ParameterCode;

/// Default ceiling on a frame, STX and ETX included: a submit with every
/// parameter Kannel knows at its longest (480 characters of user data, 280
/// hex digits each of header and binary data; about 1,600 octets) fits
/// twice over.
pub const DEFAULT_MAX_FRAME_LEN: usize = 4 * 1024;
/// The shortest frame: STX, `OO:NNN`, a TAB, ETX.
const MIN_FRAME_LEN: usize = 9;
/// Error code (900) 2: syntax error.
const SYNTAX_ERROR: &str = "2";

/// One packet decoded from the front of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The packet.
    pub packet: Packet,
    /// Octets its frame took: drop them.
    pub len: usize,
}

/// What was wrong at the front of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No frame there: garbage, a cut frame or one too long.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A whole frame whose packet does not read.
    #[error("{error}")]
    Packet {
        /// The header, when it could be read: who to answer.
        header: Option<Header>,
        /// Octets the frame took.
        len: usize,
        /// What was wrong.
        error: PacketError,
    },
}

impl DecodeError {
    /// Octets to drop before decoding again.
    pub const fn skip_len(&self) -> usize {
        match self {
            DecodeError::Frame(error) => error.skip_len(),
            DecodeError::Packet { len, .. } => *len,
        }
    }

    /// The answer to send back: `Some` for a request whose header could
    /// be read; a NACK for a wrong checksum, else its response with error
    /// code 2.
    pub fn reply(&self) -> Option<Packet> {
        let DecodeError::Packet {
            header: Some(header),
            error,
            ..
        } = self
        else {
            return None;
        };
        let response = header.operation.response()?;
        Some(match error {
            PacketError::ChecksumMismatch { .. } => Packet::new(OperationCode::NACK, header.number),
            _ => Packet::new(response, header.number).with(ParameterCode::ERROR_CODE, SYNTAX_ERROR),
        })
    }
}

/// Decoding and encoding settings for one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec {
    max_frame_len: usize,
    checksums: bool,
}

impl Default for Codec {
    fn default() -> Self {
        Codec::new()
    }
}

impl Codec {
    /// Frames of at most [`DEFAULT_MAX_FRAME_LEN`] octets, written with
    /// checksums.
    pub const fn new() -> Codec {
        Codec {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            checksums: true,
        }
    }

    /// Frames of at most `max` octets, STX and ETX included (at least the
    /// shortest frame, 9).
    pub const fn with_max_frame_len(self, max: usize) -> Codec {
        let max = if max < MIN_FRAME_LEN {
            MIN_FRAME_LEN
        } else {
            max
        };
        Codec {
            max_frame_len: max,
            ..self
        }
    }

    /// Whether frames are written with a checksum (they are read either
    /// way, a checksum present always checked).
    pub const fn with_checksums(self, checksums: bool) -> Codec {
        Codec { checksums, ..self }
    }

    /// The longest frame read or written, STX and ETX included.
    pub const fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// The packet at the front of `src`: `Ok(None)` until its frame has
    /// arrived whole.
    pub fn decode(&self, src: &[u8]) -> Result<Option<Decoded>, DecodeError> {
        let Some(frame) = frame::next_frame(src, self.max_frame_len)? else {
            return Ok(None);
        };
        match Packet::decode(frame.envelope) {
            Ok(packet) => Ok(Some(Decoded {
                packet,
                len: frame.len,
            })),
            Err(error) => Err(DecodeError::Packet {
                header: Header::parse(frame.envelope).ok(),
                len: frame.len,
                error,
            }),
        }
    }

    /// Appends the frame of `packet` to `dst`; returns the octets written.
    pub fn encode(&self, packet: &Packet, dst: &mut BytesMut) -> Result<usize, EncodeError> {
        let frame = packet.encode(self.checksums)?;
        if frame.len() > self.max_frame_len {
            return Err(EncodeError::TooLong {
                len: frame.len(),
                max: self.max_frame_len,
            });
        }
        dst.extend_from_slice(&frame);
        Ok(frame.len())
    }
}
