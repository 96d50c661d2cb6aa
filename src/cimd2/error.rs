//! Why the text between STX and ETX is not a CIMD2 packet
//! ([`PacketError`]), or a packet cannot be written ([`EncodeError`]).
//! Frame failures are [`ucp::frame`](crate::ucp::frame)'s; nothing here
//! panics.

use super::parameter::ParameterCode;

/// Why a frame's content is not a packet this codec reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Not `OO:NNN` and a TAB, or a packet number above 255.
    #[error("the header is not OO:NNN and a TAB with a packet number up to 255")]
    Header,
    /// A parameter that is not `PPP:value`.
    #[error("parameter {index} is not PPP:value")]
    Parameter {
        /// Its position among the parameters, from 0.
        index: usize,
    },
    /// After the last TAB, neither nothing nor two hex digits.
    #[error("after the last TAB comes neither nothing nor a two-digit checksum")]
    Trailer,
    /// The checksum written is not the sum of the octets.
    #[error("checksum {written:02X} written, {computed:02X} computed")]
    ChecksumMismatch {
        /// What the packet says.
        written: u8,
        /// What its octets add up to.
        computed: u8,
    },
}

/// Why a packet cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A value holding TAB, STX or ETX, which would end it or the frame.
    #[error("parameter {parameter}: octet {octet:#04x} cannot be written in a value")]
    Octet {
        /// The parameter.
        parameter: ParameterCode,
        /// The octet.
        octet: u8,
    },
    /// The frame would be longer than the codec allows.
    #[error("the frame would take {len} octets; at most {max} are allowed")]
    TooLong {
        /// Octets it would take, STX and ETX included.
        len: usize,
        /// The most allowed.
        max: usize,
    },
}
