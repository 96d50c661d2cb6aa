//! The envelope of every UCP message: the text between STX and ETX,
//!
//! ```text
//! TRN/LEN/O|R/OT/<field>/<field>/…/<field>/CHECKSUM
//! ```
//!
//! TRN is the transaction reference (2 digits, 00–99) that pairs a result
//! with its operation; LEN (5 digits) counts every character from TRN
//! through the checksum; `O` marks an operation, `R` its result; OT (2
//! digits) is the operation type. The checksum is the sum of the octets
//! from TRN through the `/` before it, modulo 256, as two hex digits
//! (written in upper case, read in either). The fields themselves are read
//! by the operations; this file checks and writes the frame around them.

use std::fmt;

use super::frame::{checksum, hex_octet};

/// Characters of `TRN/LEN/O/OT/`.
pub const HEADER_LEN: usize = 14;
/// Characters of the checksum.
const CHECKSUM_LEN: usize = 2;
/// The longest envelope LEN's five digits can describe.
const MAX_LEN: usize = 99_999;
/// The longest frame: the longest envelope, STX and ETX.
pub const MAX_FRAME_LEN: usize = MAX_LEN + 2;

/// A transaction reference number, 00 to 99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Trn(u8);

impl Trn {
    /// The number, or `None` above 99.
    pub const fn new(value: u8) -> Option<Trn> {
        if value <= 99 { Some(Trn(value)) } else { None }
    }

    /// The number.
    pub const fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Trn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// An operation type (OT), 00 to 99, known to this codec or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ot(u8);

impl Ot {
    /// 01: call input.
    pub const CALL_INPUT: Ot = Ot(1);
    /// 31: alert, the keep-alive.
    pub const ALERT: Ot = Ot(31);
    /// 51: submit short message.
    pub const SUBMIT: Ot = Ot(51);
    /// 52: delivery short message.
    pub const DELIVERY: Ot = Ot(52);
    /// 53: delivery notification.
    pub const NOTIFICATION: Ot = Ot(53);
    /// 60: session management (login).
    pub const SESSION: Ot = Ot(60);

    /// The type, or `None` above 99.
    pub const fn new(value: u8) -> Option<Ot> {
        if value <= 99 { Some(Ot(value)) } else { None }
    }

    /// The number.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// Whether this is one of the 5x operations, whose positive result
    /// carries a modified validity period (MVP) before its system message.
    pub const fn is_5x(self) -> bool {
        self.0 >= 50 && self.0 <= 59
    }
}

impl fmt::Display for Ot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// Whether a message is an operation or the result of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `O`: a request the other side must answer.
    Operation,
    /// `R`: the answer, with the operation's TRN and OT.
    Result,
}

impl Kind {
    const fn letter(self) -> u8 {
        match self {
            Kind::Operation => b'O',
            Kind::Result => b'R',
        }
    }
}

/// The header of a message: enough to answer it even when its fields are
/// unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// The transaction reference the answer must carry.
    pub trn: Trn,
    /// Operation or result.
    pub kind: Kind,
    /// The operation type.
    pub ot: Ot,
}

/// Why the text between STX and ETX is not a well-formed envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Shorter than a header and a checksum.
    #[error("{len} characters; a header and a checksum alone take 16")]
    TooShort {
        /// Characters between STX and ETX.
        len: usize,
    },
    /// TRN is not two digits.
    #[error("TRN is not two digits")]
    BadTrn,
    /// LEN is not five digits.
    #[error("LEN is not five digits")]
    BadLen,
    /// Neither `O` nor `R` where the kind of message belongs.
    #[error("{found:?} where O or R belongs")]
    BadKind {
        /// The octet found.
        found: u8,
    },
    /// OT is not two digits.
    #[error("OT is not two digits")]
    BadOt,
    /// No `/` where the layout needs one.
    #[error("no '/' at character {at}")]
    MissingSeparator {
        /// Its offset from TRN's first digit.
        at: usize,
    },
    /// LEN disagrees with the characters that arrived.
    #[error("LEN says {declared} characters, {actual} arrived")]
    LengthMismatch {
        /// LEN as written.
        declared: usize,
        /// Characters between STX and ETX.
        actual: usize,
    },
    /// The checksum is not two hex digits.
    #[error("the checksum is not two hex digits")]
    BadChecksum,
    /// The checksum does not match the octets.
    #[error("checksum {declared:02X}, the octets sum to {computed:02X}")]
    ChecksumMismatch {
        /// The checksum as written.
        declared: u8,
        /// What the octets sum to.
        computed: u8,
    },
}

impl Header {
    /// The header at the start of `envelope` (the text between STX and
    /// ETX); only its first 14 characters are read.
    pub fn parse(envelope: &[u8]) -> Result<Header, EnvelopeError> {
        let head = envelope.get(..HEADER_LEN).ok_or(EnvelopeError::TooShort {
            len: envelope.len(),
        })?;
        for at in [2, 8, 10, 13] {
            if head[at] != b'/' {
                return Err(EnvelopeError::MissingSeparator { at });
            }
        }
        let trn = digits(&head[0..2]).ok_or(EnvelopeError::BadTrn)?;
        digits(&head[3..8]).ok_or(EnvelopeError::BadLen)?;
        let kind = match head[9] {
            b'O' => Kind::Operation,
            b'R' => Kind::Result,
            found => return Err(EnvelopeError::BadKind { found }),
        };
        let ot = digits(&head[11..13]).ok_or(EnvelopeError::BadOt)?;
        // Two digits are at most 99.
        Ok(Header {
            trn: Trn(trn as u8),
            kind,
            ot: Ot(ot as u8),
        })
    }
}

/// Checks `envelope` (the text between STX and ETX) and returns its header
/// and its fields: everything between the header and the checksum, each
/// field followed by its `/` (empty when there are none).
pub fn open(envelope: &[u8]) -> Result<(Header, &[u8]), EnvelopeError> {
    let len = envelope.len();
    if len < HEADER_LEN + CHECKSUM_LEN {
        return Err(EnvelopeError::TooShort { len });
    }
    let header = Header::parse(envelope)?;
    let declared = digits(&envelope[3..8]).ok_or(EnvelopeError::BadLen)?;
    if declared != len {
        return Err(EnvelopeError::LengthMismatch {
            declared,
            actual: len,
        });
    }
    let (summed, written) = envelope.split_at(len - CHECKSUM_LEN);
    if summed.last() != Some(&b'/') {
        return Err(EnvelopeError::MissingSeparator {
            at: summed.len() - 1,
        });
    }
    let declared = hex_octet(written).ok_or(EnvelopeError::BadChecksum)?;
    let computed = checksum(summed);
    if declared != computed {
        return Err(EnvelopeError::ChecksumMismatch { declared, computed });
    }
    Ok((header, &summed[HEADER_LEN..]))
}

/// The whole frame, STX to ETX, for `header` and `fields` (each followed by
/// its `/`). The caller keeps the frame within [`MAX_FRAME_LEN`].
pub fn seal(header: Header, fields: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(frame_len(fields.len()));
    let len = frame_len(fields.len()) - 2;
    frame.push(super::frame::STX);
    frame.extend_from_slice(
        format!(
            "{:02}/{len:05}/{}/{:02}/",
            header.trn.0,
            char::from(header.kind.letter()),
            header.ot.0
        )
        .as_bytes(),
    );
    frame.extend_from_slice(fields);
    let sum = checksum(&frame[1..]);
    frame.extend_from_slice(format!("{sum:02X}").as_bytes());
    frame.push(super::frame::ETX);
    frame
}

/// Octets of the frame [`seal`] writes for fields of `fields_len` octets,
/// STX and ETX included.
pub const fn frame_len(fields_len: usize) -> usize {
    HEADER_LEN + fields_len + CHECKSUM_LEN + 2
}

/// The decimal number `text` spells, when it is all digits (at most five).
fn digits(text: &[u8]) -> Option<usize> {
    if text.is_empty() || text.len() > 5 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        text.iter()
            .fold(0, |value, &digit| value * 10 + usize::from(digit - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_the_specifications_alert() {
        let envelope = b"02/00035/O/31/0234765439845/0139/A0";
        let (header, fields) = open(envelope).unwrap();
        assert_eq!(
            header,
            Header {
                trn: Trn(2),
                kind: Kind::Operation,
                ot: Ot::ALERT
            }
        );
        assert_eq!(fields, b"0234765439845/0139/");
    }

    #[test]
    fn seals_byte_for_byte() {
        let header = Header {
            trn: Trn(2),
            kind: Kind::Operation,
            ot: Ot::ALERT,
        };
        assert_eq!(
            seal(header, b"0234765439845/0139/"),
            b"\x0202/00035/O/31/0234765439845/0139/A0\x03"
        );
        // No fields at all: sixteen characters.
        let frame = seal(header, b"");
        assert_eq!(open(&frame[1..frame.len() - 1]).unwrap().1, b"");
    }

    #[test]
    fn the_checksum_may_be_lower_case() {
        assert!(open(b"04/00023/R/31/A/0003/2d").is_ok());
    }

    #[test]
    fn every_defect_is_named() {
        let cases: [(&[u8], EnvelopeError); 9] = [
            (b"04/00023/R/31/", EnvelopeError::TooShort { len: 14 }),
            (b"4a/00023/R/31/A/0003/2D", EnvelopeError::BadTrn),
            (b"04/0002x/R/31/A/0003/2D", EnvelopeError::BadLen),
            (
                b"04/00023/X/31/A/0003/2D",
                EnvelopeError::BadKind { found: b'X' },
            ),
            (b"04/00023/R/3 /A/0003/2D", EnvelopeError::BadOt),
            (
                b"04-00023/R/31/A/0003/2D",
                EnvelopeError::MissingSeparator { at: 2 },
            ),
            (
                b"04/00024/R/31/A/0003/2D",
                EnvelopeError::LengthMismatch {
                    declared: 24,
                    actual: 23,
                },
            ),
            (b"04/00023/R/31/A/0003/2G", EnvelopeError::BadChecksum),
            (
                b"04/00023/R/31/A/0003/2E",
                EnvelopeError::ChecksumMismatch {
                    declared: 0x2E,
                    computed: 0x2D,
                },
            ),
        ];
        for (envelope, error) in cases {
            assert_eq!(
                open(envelope),
                Err(error),
                "{}",
                String::from_utf8_lossy(envelope)
            );
        }
        assert_eq!(
            open(b"04/00023/R/31/A/000322D"),
            Err(EnvelopeError::MissingSeparator { at: 20 })
        );
    }
}
