//! The codec one link uses: frames found in the byte stream and decoded
//! into messages, messages encoded into frames, under one ceiling on the
//! length of a frame. Sans-I/O, as [`smpp::Codec`](crate::smpp::Codec):
//! the caller calls [`Codec::decode`] on what has arrived and drops the
//! octets it is told to.
//!
//! Every failure can be stepped over, because the next STX starts the next
//! frame: [`DecodeError::skip_len`] says how far. A message whose header
//! could be read is answered, if it was an operation, with the negative
//! result [`DecodeError::reply`] builds (EC 01 for a checksum, 03 for an
//! operation type not supported, 02 otherwise); a broken result is only
//! dropped.

use bytes::BytesMut;

use super::envelope::{Header, Kind, MAX_FRAME_LEN};
use super::error::{EncodeError, MessageError};
use super::frame::{self, FrameError};
use super::message::Message;
use super::response::{Nack, Response};

/// Default ceiling on a frame, STX and ETX included: eight times what a
/// 160-character submit with every field filled takes.
pub const DEFAULT_MAX_FRAME_LEN: usize = 8 * 1024;
/// The shortest frame: STX, a header, a checksum, ETX.
const MIN_FRAME_LEN: usize = 18;

/// One message decoded from the front of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The message.
    pub message: Message,
    /// Octets its frame took: drop them.
    pub len: usize,
}

/// What was wrong at the front of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No frame there: garbage, a cut frame or one too long.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A whole frame whose message does not read.
    #[error("{error}")]
    Message {
        /// The header, when it could be read: who to answer.
        header: Option<Header>,
        /// Octets the frame took.
        len: usize,
        /// What was wrong.
        error: MessageError,
    },
}

impl DecodeError {
    /// Octets to drop before decoding again.
    pub const fn skip_len(&self) -> usize {
        match self {
            DecodeError::Frame(error) => error.skip_len(),
            DecodeError::Message { len, .. } => *len,
        }
    }

    /// The negative result to send back: `Some` for an operation whose
    /// header could be read.
    pub fn reply(&self) -> Option<Message> {
        let DecodeError::Message {
            header: Some(header),
            error,
            ..
        } = self
        else {
            return None;
        };
        (header.kind == Kind::Operation).then(|| Message::Result {
            trn: header.trn,
            ot: header.ot,
            response: Response::Nack(Nack {
                error: error.error_code(),
                sm: String::new(),
            }),
        })
    }
}

/// Decoding and encoding settings for one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec {
    max_frame_len: usize,
}

impl Default for Codec {
    fn default() -> Self {
        Codec::new()
    }
}

impl Codec {
    /// Frames of at most [`DEFAULT_MAX_FRAME_LEN`] octets.
    pub const fn new() -> Codec {
        Codec {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }

    /// Frames of at most `max` octets, STX and ETX included; kept between
    /// the shortest frame (18) and the longest LEN can describe (100,001).
    pub const fn with_max_frame_len(self, max: usize) -> Codec {
        let max = if max < MIN_FRAME_LEN {
            MIN_FRAME_LEN
        } else if max > MAX_FRAME_LEN {
            MAX_FRAME_LEN
        } else {
            max
        };
        Codec { max_frame_len: max }
    }

    /// The longest frame read or written, STX and ETX included.
    pub const fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// The message at the front of `src`: `Ok(None)` until its frame has
    /// arrived whole.
    pub fn decode(&self, src: &[u8]) -> Result<Option<Decoded>, DecodeError> {
        let Some(frame) = frame::next_frame(src, self.max_frame_len)? else {
            return Ok(None);
        };
        match Message::decode(frame.envelope) {
            Ok(message) => Ok(Some(Decoded {
                message,
                len: frame.len,
            })),
            Err(error) => Err(DecodeError::Message {
                header: Header::parse(frame.envelope).ok(),
                len: frame.len,
                error,
            }),
        }
    }

    /// Appends the frame of `message` to `dst`; returns the octets written.
    pub fn encode(&self, message: &Message, dst: &mut BytesMut) -> Result<usize, EncodeError> {
        let frame = message.encode()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ucp::error_code::ErrorCode;

    const ALERT: &[u8] = b"\x0202/00035/O/31/0234765439845/0139/A0\x03";

    fn nack_of(error: &DecodeError) -> Option<(u8, u8, ErrorCode)> {
        match error.reply()? {
            Message::Result {
                trn,
                ot,
                response: Response::Nack(nack),
            } => Some((trn.value(), ot.value(), nack.error)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_stream_with_garbage_and_a_cut_frame_yields_every_whole_frame() {
        let stream = [
            b"garbage".as_slice(),
            ALERT,
            b"\x0201/000",
            ALERT,
            b"\r\n",
            ALERT,
        ]
        .concat();
        let codec = Codec::new();
        let (mut rest, mut messages, mut skipped) = (stream.as_slice(), 0, Vec::new());
        while let Some(result) = codec.decode(rest).transpose() {
            match result {
                Ok(decoded) => {
                    messages += 1;
                    rest = &rest[decoded.len..];
                }
                Err(error) => {
                    skipped.push(error.clone());
                    rest = &rest[error.skip_len()..];
                }
            }
        }
        assert_eq!(messages, 3);
        assert_eq!(
            skipped,
            [
                DecodeError::Frame(FrameError::Garbage { len: 7 }),
                DecodeError::Frame(FrameError::Interrupted { len: 7 }),
                DecodeError::Frame(FrameError::Garbage { len: 2 }),
            ]
        );
        assert!(rest.is_empty());
    }

    #[test]
    fn a_broken_operation_is_answered_with_the_right_code() {
        let codec = Codec::new();
        let checksum = codec
            .decode(b"\x0202/00035/O/31/0234765439845/0139/A1\x03")
            .unwrap_err();
        assert_eq!(checksum.skip_len(), 37);
        assert_eq!(nack_of(&checksum), Some((2, 31, ErrorCode::CHECKSUM_ERROR)));
        let unsupported = codec.decode(b"\x0201/00022/O/54/a/b/c/7C\x03").unwrap_err();
        assert_eq!(
            nack_of(&unsupported),
            Some((1, 54, ErrorCode::OPERATION_NOT_SUPPORTED))
        );
        // One field short for an alert: a syntax error.
        let syntax = codec.decode(b"\x0203/00021/O/31/0539/C5\x03").unwrap_err();
        assert_eq!(nack_of(&syntax), Some((3, 31, ErrorCode::SYNTAX_ERROR)));
        // A header that does not read: nobody to answer.
        let headless = codec.decode(b"\x02xx/00035/O/31/0234765439845/0139/A0\x03");
        assert_eq!(headless.map_err(|e| nack_of(&e)), Err(None));
        // A broken result is dropped, never answered.
        let result = codec
            .decode(b"\x0204/00023/R/31/A/0003/2E\x03")
            .unwrap_err();
        assert_eq!(nack_of(&result), None);
        assert_eq!(result.skip_len(), 25);
    }

    #[test]
    fn the_ceiling_holds_both_ways() {
        let codec = Codec::new().with_max_frame_len(30);
        assert_eq!(
            codec.decode(ALERT),
            Err(DecodeError::Frame(FrameError::TooLong { max: 30 }))
        );
        let message = Codec::new().decode(ALERT).unwrap().unwrap().message;
        assert_eq!(
            codec.encode(&message, &mut BytesMut::new()),
            Err(EncodeError::TooLong { len: 37, max: 30 })
        );
        assert_eq!(Codec::new().with_max_frame_len(0).max_frame_len(), 18);
        assert_eq!(
            Codec::new().with_max_frame_len(usize::MAX).max_frame_len(),
            100_001
        );
    }
}
