//! Why one UCP message could not be read ([`MessageError`]) or written
//! ([`EncodeError`]), down to the field and what was wrong in it
//! ([`Problem`]), and THE mapping from a reading failure to the error code
//! a negative result answers with ([`MessageError::error_code`]). Frame
//! failures are [`frame`](super::frame)'s own; nothing here panics.

use crate::modem::hex::HexError;

use super::address::AlphanumericError;
use super::envelope::{EnvelopeError, Ot};
use super::error_code::ErrorCode;
use super::field::Field;
use super::time::TimeError;
use super::xser::XserError;

/// Why the text between STX and ETX is not a message this codec reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The header, LEN or checksum is wrong.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// An operation type this codec does not read.
    #[error("operation type {0} is not supported")]
    UnsupportedOperation(Ot),
    /// Not as many fields as the operation has.
    #[error("{actual} fields, operation {ot} has {expected}")]
    FieldCount {
        /// The operation type.
        ot: Ot,
        /// Fields it has.
        expected: usize,
        /// Fields that arrived.
        actual: usize,
    },
    /// A result whose first field is neither `A` nor `N`.
    #[error("a result must start with A or N")]
    NotAckOrNack,
    /// A field that does not read as its type.
    #[error("{field}: {problem}")]
    Field {
        /// The field.
        field: Field,
        /// What was wrong in it.
        problem: Problem,
    },
}

impl MessageError {
    /// The error code a negative result to the operation answers with:
    /// 01 for a checksum that does not match, 03 for an operation type not
    /// supported, 02 (syntax error) for everything else.
    pub const fn error_code(&self) -> ErrorCode {
        match self {
            MessageError::Envelope(EnvelopeError::ChecksumMismatch { .. }) => {
                ErrorCode::CHECKSUM_ERROR
            }
            MessageError::UnsupportedOperation(_) => ErrorCode::OPERATION_NOT_SUPPORTED,
            _ => ErrorCode::SYNTAX_ERROR,
        }
    }
}

/// Why a message cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A field whose value cannot be written.
    #[error("{field}: {problem}")]
    Field {
        /// The field.
        field: Field,
        /// What is wrong with its value.
        problem: Problem,
    },
    /// The frame would be longer than LEN can say or the codec allows.
    #[error("the frame would take {len} octets; at most {max} are allowed")]
    TooLong {
        /// Octets it would take, STX and ETX included.
        len: usize,
        /// The most allowed.
        max: usize,
    },
}

/// What is wrong with the value of one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A value the field must have is empty.
    #[error("empty, and a value is required")]
    Missing,
    /// Digits expected, something else found.
    #[error("not digits")]
    NotDigits,
    /// More digits than the field has room for.
    #[error("more than {max} digits")]
    TooManyDigits {
        /// Digits the field holds.
        max: usize,
    },
    /// A number above what the field allows.
    #[error("{value} is above {max}")]
    OutOfRange {
        /// The number.
        value: u32,
        /// The largest allowed.
        max: u32,
    },
    /// A value the field does not define.
    #[error("{0:?} is not a value of this field")]
    UnknownValue(String),
    /// Not hexadecimal octets.
    #[error(transparent)]
    Hex(#[from] HexError),
    /// Not a time, or a time that cannot be written.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// An alphanumeric originator that does not read or cannot be written.
    #[error(transparent)]
    Alphanumeric(#[from] AlphanumericError),
    /// Extra services that do not read or cannot be written.
    #[error(transparent)]
    Xser(#[from] XserError),
    /// A character a field cannot carry: `/`, STX, ETX, or one above
    /// U+00FF.
    #[error("{0:?} cannot be written in a field")]
    Character(char),
    /// A message type (MT) this codec does not read or this operation does
    /// not take.
    #[error("message type {0:?} is not supported here")]
    UnsupportedMessageType(String),
    /// A message without a message type to say how to read it.
    #[error("a message without a message type")]
    MissingMessageType,
    /// NB counts more bits than the transparent data holds.
    #[error("NB says {bits} bits, the data holds {available}")]
    BitsBeyondData {
        /// NB as written.
        bits: u32,
        /// Bits in the data.
        available: usize,
    },
    /// A value this operation or result does not carry.
    #[error("not part of this operation")]
    NotInThisOperation,
}
