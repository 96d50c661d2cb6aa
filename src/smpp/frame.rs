//! Framing: bytes in, one [`Command`] out (or "need more bytes"), and a
//! [`Command`] back to bytes. Sans-I/O: the caller owns the socket and the
//! read buffer, calls [`Codec::decode`] on what has arrived and drops the
//! consumed octets; the tokio/actix adapter is a thin wrapper elsewhere.
//!
//! Decoding runs in this order:
//! 1. command_length (four octets): below 16 or above the maximum is fatal,
//!    [`FrameError::Length`]; the stream cannot be resynchronised.
//! 2. The whole PDU must be buffered, else `Ok(None)`.
//! 3. The header is parsed on its own; from here every error is a
//!    [`FrameError::Body`] that carries it, and the PDU can be skipped.
//! 4. submit_sm, deliver_sm and their responses go through the hand-written
//!    fast path in `fast.rs` when they are clean; everything else, and
//!    anything the fast path declines, goes to rusmpp, which decodes strictly. We then check what rusmpp does not:
//!    that the fields used up exactly command_length octets, that a request
//!    which needs a body has one, and that every TLV's value_length matches
//!    its decoded value (rusmpp reads fixed-size TLV values by type, not by
//!    value_length, so a lying value_length would otherwise shift the rest).
//! 5. If that fails and the codec's [`Leniency`] allows, the raw body goes
//!    through the repair pass in [`super::lenient`] and is decoded again;
//!    every repair is reported in [`Decoded::repairs`].

use bytes::{BufMut, BytesMut};
use rusmpp::decode::DecodeWithLength;
use rusmpp::encode::Length;
use rusmpp::encode::owned::Encode;

use super::error::{BodyError, EncodeError, FrameError, Problem};
use super::fast;
use super::header::{HEADER_LEN, Header};
use super::lenient::{self, Leniency, Repair};
use super::pdu::{self, Command, CommandId, CommandStatus, Pdu};

/// Default ceiling on command_length: room for a 64 KiB message_payload.
pub const DEFAULT_MAX_COMMAND_LENGTH: u32 = 65_536 + 1_024;

/// One decoded PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The command, header and body.
    pub command: Command,
    /// Octets consumed from the input (the PDU's command_length).
    pub len: usize,
    /// What the lenient pass changed to make the PDU decodable; empty for a
    /// well-formed PDU. Worth a log line per peer: it is how sloppy peers are
    /// found.
    pub repairs: Vec<Repair>,
}

/// Decoding and encoding settings for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codec {
    max_command_length: u32,
    leniency: Leniency,
}

impl Default for Codec {
    fn default() -> Self {
        Codec::new()
    }
}

impl Codec {
    /// Strict decoding, [`DEFAULT_MAX_COMMAND_LENGTH`].
    pub const fn new() -> Codec {
        Codec {
            max_command_length: DEFAULT_MAX_COMMAND_LENGTH,
            leniency: Leniency::STRICT,
        }
    }

    /// Reject (and close on) PDUs longer than `max` octets. Values below the
    /// 16-octet header are raised to 16.
    pub const fn with_max_command_length(mut self, max: u32) -> Codec {
        self.max_command_length = if max < HEADER_LEN as u32 {
            HEADER_LEN as u32
        } else {
            max
        };
        self
    }

    /// Accept the malformations `leniency` allows, repairing them.
    pub const fn with_leniency(mut self, leniency: Leniency) -> Codec {
        self.leniency = leniency;
        self
    }

    /// The largest command_length accepted or written, in octets (at least 16).
    pub const fn max_command_length(&self) -> u32 {
        self.max_command_length
    }

    /// Which malformations the decoder repairs instead of refusing.
    pub const fn leniency(&self) -> Leniency {
        self.leniency
    }

    /// Decode the PDU at the start of `src`.
    ///
    /// `Ok(None)`: not all of it has arrived; call again with more bytes.
    /// `Ok(Some(d))`: drop `d.len` octets from the input. `Err(e)`: if
    /// [`FrameError::skip_len`] is `Some(n)`, drop `n` octets, send
    /// [`FrameError::reply`] and go on; otherwise send the reply and close.
    pub fn decode(&self, src: &[u8]) -> Result<Option<Decoded>, FrameError> {
        let Some(command_length) = Header::peek_length(src) else {
            return Ok(None);
        };
        if command_length < HEADER_LEN as u32 || command_length > self.max_command_length {
            return Err(FrameError::Length {
                command_length,
                max: self.max_command_length,
                header: Header::parse(src),
            });
        }
        // command_length <= max, a u32, so it fits any usize we run on.
        let len = command_length as usize;
        let Some(frame) = src.get(..len) else {
            return Ok(None);
        };
        let (Some(header), Some(body)) = (Header::parse(frame), frame.get(HEADER_LEN..)) else {
            return Ok(None);
        };
        match self.decode_body(&header, body) {
            Ok((command, repairs)) => Ok(Some(Decoded {
                command,
                len,
                repairs,
            })),
            Err(error) => Err(FrameError::Body { header, error }),
        }
    }

    fn decode_body(
        &self,
        header: &Header,
        body: &[u8],
    ) -> Result<(Command, Vec<Repair>), BodyError> {
        let id = header.command_id;
        if !pdu::is_smpp34(id) {
            return Err(BodyError::UnknownCommandId(header.command_id_raw()));
        }
        if pdu::is_header_only(id) && !body.is_empty() {
            if !self.leniency.trailing_bytes {
                return Err(BodyError::UnexpectedBody { len: body.len() });
            }
            let command = decode_strict(header, &[])?;
            let repairs = vec![Repair::IgnoredTrailingBytes { count: body.len() }];
            return Ok((command, repairs));
        }
        if let Some(command) = fast::decode(header, body) {
            return Ok((command, Vec::new()));
        }
        let error = match decode_strict(header, body) {
            Ok(command) => return Ok((command, Vec::new())),
            Err(error) => refine(id, body, error),
        };
        if id.is_response() && header.command_status != CommandStatus::EsmeRok {
            // SMPP 3.4 says an error response carries no body; a broken one
            // tells us nothing the status does not.
            let command = pdu::header_only(id, header.command_status, header.sequence_number);
            return Ok((command, vec![Repair::DroppedErrorBody { len: body.len() }]));
        }
        if let Some((repaired, repairs)) = lenient::repair(id, body, self.leniency) {
            if let Ok(command) = decode_strict(header, &repaired) {
                return Ok((command, repairs));
            }
        }
        Err(error)
    }

    /// Append `command` to `dst`, command_length computed. Returns the octets
    /// written.
    pub fn encode(&self, command: &Command, dst: &mut BytesMut) -> Result<usize, EncodeError> {
        let len = 4 + command.length();
        let command_length = u32::try_from(len)
            .ok()
            .filter(|&l| l <= self.max_command_length)
            .ok_or(EncodeError::TooLong {
                len,
                max: self.max_command_length,
            })?;
        dst.reserve(len);
        dst.put_u32(command_length);
        command.encode(dst);
        Ok(len)
    }
}

/// Decode with the default (strict) [`Codec`].
pub fn decode(src: &[u8]) -> Result<Option<Decoded>, FrameError> {
    Codec::new().decode(src)
}

/// Encode with the default [`Codec`].
pub fn encode(command: &Command, dst: &mut BytesMut) -> Result<usize, EncodeError> {
    Codec::new().encode(command, dst)
}

/// rusmpp reads fixed-size and C-string TLV values by type, not by
/// value_length, so a lying value_length surfaces somewhere else: as a bad
/// value, or as a broken stream further on. Re-check the TLV area as plain
/// tag/length/value triples to tell the two apart: if the triples do not
/// tile the area, the stream is broken (ESME_RINVOPTPARSTREAM); if they do,
/// some value_length does not fit its tag (ESME_RINVPARLEN).
fn refine(id: CommandId, body: &[u8], error: BodyError) -> BodyError {
    if !matches!(
        error,
        BodyError::TlvValue { .. } | BodyError::TlvLength { .. } | BodyError::TlvStream { .. }
    ) {
        return error;
    }
    match lenient::tlv_area(id, body) {
        Some(area) if !lenient::is_tlv_stream(area) => BodyError::TlvStream {
            problem: Problem::Truncated,
        },
        Some(_) if matches!(error, BodyError::TlvStream { .. }) => BodyError::TlvValue {
            problem: Problem::WrongLength,
        },
        _ => error,
    }
}

/// rusmpp's decode of header fields + `body`, plus the checks it leaves out.
pub(super) fn decode_strict(header: &Header, body: &[u8]) -> Result<Command, BodyError> {
    let mut buf = BytesMut::with_capacity(12 + body.len());
    buf.put_u32(u32::from(header.command_id));
    buf.put_u32(u32::from(header.command_status));
    buf.put_u32(header.sequence_number);
    buf.put_slice(body);
    let expected = buf.len();
    let (command, used) =
        Command::decode(&mut buf, expected).map_err(|e| BodyError::from_rusmpp(&e))?;
    if used < expected {
        return Err(BodyError::TrailingBytes {
            count: expected - used,
        });
    }
    match command.pdu() {
        None if header.command_id.is_response() => {}
        None => return Err(BodyError::MissingBody),
        Some(pdu) => check_tlv_lengths(pdu)?,
    }
    Ok(command)
}

fn check_tlv_lengths(pdu: &Pdu) -> Result<(), BodyError> {
    for tlv in pdu::tlvs(pdu) {
        let actual = tlv.value().map_or(0, Length::length);
        let declared = usize::from(tlv.value_length());
        if actual != declared {
            return Err(BodyError::TlvLength {
                tag: u16::from(tlv.tag()),
                declared,
                actual,
            });
        }
    }
    Ok(())
}
