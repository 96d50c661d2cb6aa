//! SMPP over a tokio byte stream: the sans-I/O [`Codec`] behind tokio-util's
//! `Decoder`/`Encoder`, so a session reads `FramedRead<_, SmppFraming>` and
//! writes through `FramedWrite`.
//!
//! A PDU that does not decode is an *item*, not a stream error: the session
//! answers it (`FrameError::reply`) and reads on. Only a failure the stream
//! cannot recover from (a command_length that cannot be framed) ends it,
//! after that last item has been yielded.

use bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::smpp::{Codec, Command, Decoded, EncodeError, FrameError};

/// One decoded PDU, or the reason one could not be decoded.
pub type Frame = Result<Decoded, FrameError>;

/// Why the byte stream itself failed.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("cannot encode: {0}")]
    Encode(#[from] EncodeError),
    #[error("the peer sent a PDU length that cannot be framed; the stream is closed")]
    Unframeable,
}

/// tokio-util codec for SMPP PDUs.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmppFraming {
    codec: Codec,
    /// Set after an unrecoverable frame error was yielded: the bytes after
    /// it are meaningless, so nothing more is decoded.
    broken: bool,
}

impl SmppFraming {
    pub fn new(codec: Codec) -> SmppFraming {
        SmppFraming {
            codec,
            broken: false,
        }
    }
}

impl Decoder for SmppFraming {
    type Item = Frame;
    type Error = StreamError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, StreamError> {
        if self.broken {
            return Err(StreamError::Unframeable);
        }
        match self.codec.decode(src) {
            Ok(None) => {
                // Reserve for the rest of a long PDU in one go.
                src.reserve(4096);
                Ok(None)
            }
            Ok(Some(decoded)) => {
                src.advance(decoded.len);
                Ok(Some(Ok(decoded)))
            }
            Err(error) => {
                match error.skip_len() {
                    Some(skip) => src.advance(skip.min(src.len())),
                    None => {
                        self.broken = true;
                        src.clear();
                    }
                }
                Ok(Some(Err(error)))
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, StreamError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            // A half PDU at EOF is a peer that vanished mid-write: nothing
            // to answer and no one to answer it to.
            None => Ok(None),
        }
    }
}

impl Encoder<&Command> for SmppFraming {
    type Error = StreamError;

    fn encode(&mut self, command: &Command, dst: &mut BytesMut) -> Result<(), StreamError> {
        self.codec.encode(command, dst)?;
        Ok(())
    }
}

impl Encoder<Command> for SmppFraming {
    type Error = StreamError;

    fn encode(&mut self, command: Command, dst: &mut BytesMut) -> Result<(), StreamError> {
        self.encode(&command, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu;
    use crate::smpp::{CommandId, CommandStatus};

    fn enquire_link(seq: u32) -> BytesMut {
        let mut bytes = BytesMut::new();
        let command = pdu::header_only(CommandId::EnquireLink, CommandStatus::EsmeRok, seq);
        SmppFraming::default().encode(&command, &mut bytes).unwrap();
        bytes
    }

    #[test]
    fn a_pdu_split_across_reads_is_decoded_once_whole() {
        let whole = enquire_link(7);
        let mut framing = SmppFraming::default();
        let mut buffer = BytesMut::from(&whole[..10]);
        assert!(framing.decode(&mut buffer).unwrap().is_none());
        buffer.extend_from_slice(&whole[10..]);
        let frame = framing.decode(&mut buffer).unwrap().unwrap().unwrap();
        assert_eq!(frame.command.sequence_number(), 7);
        assert!(buffer.is_empty());
    }

    #[test]
    fn a_bad_body_is_an_item_and_the_next_pdu_still_decodes() {
        // An unknown command id 0x00000077 with a valid length, then a good PDU.
        let mut buffer = BytesMut::from(&[0, 0, 0, 16, 0, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 3][..]);
        buffer.extend_from_slice(&enquire_link(4));
        let mut framing = SmppFraming::default();
        let error = framing.decode(&mut buffer).unwrap().unwrap().unwrap_err();
        assert_eq!(error.command_status(), CommandStatus::EsmeRinvcmdid);
        let next = framing.decode(&mut buffer).unwrap().unwrap().unwrap();
        assert_eq!(next.command.sequence_number(), 4);
    }

    #[test]
    fn an_unframeable_length_is_yielded_then_ends_the_stream() {
        let mut buffer = BytesMut::from(&[0, 0, 0, 3, 1, 2, 3, 4][..]);
        let mut framing = SmppFraming::default();
        let error = framing.decode(&mut buffer).unwrap().unwrap().unwrap_err();
        assert!(!error.can_continue());
        buffer.extend_from_slice(&enquire_link(1));
        assert!(matches!(
            framing.decode(&mut buffer),
            Err(StreamError::Unframeable)
        ));
    }
}
