//! The CIMD2 packet: the text between STX and ETX,
//!
//! ```text
//! OO:NNN<TAB>PPP:value<TAB>PPP:value<TAB>…<TAB>CC
//! ```
//!
//! `OO` is the [operation code](OperationCode), `NNN` the packet number
//! (odd, 001–255, from the client; a response repeats its request's);
//! each parameter is a [code](ParameterCode), `:` and a value, ended by a
//! TAB. `CC`, optional, is the sum of the octets from STX through the last
//! TAB, modulo 256, as two hex digits (written in upper case, read in
//! either). Values are kept as written; [`Packet::text`],
//! [`Packet::binary`] and [`Packet::time`] read the three encodings.

use std::fmt;

use chrono::NaiveDateTime;

use crate::modem::hex::{self, HexError};
use crate::sms::gsm7::Gsm7Error;
use crate::ucp::frame::{ETX, STX, checksum, hex_octet};
use crate::ucp::time::TimeError;
use crate::ucp::window::Numbering;

use super::error::{EncodeError, PacketError};
use super::operation::OperationCode;
use super::parameter::ParameterCode;
use super::text::{self, TextError};
use super::time;

/// Ends the header and every parameter.
pub const TAB: u8 = 0x09;
/// Characters of `OO:NNN` and its TAB.
const HEADER_LEN: usize = 7;

/// A packet number, 000 to 255.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PacketNumber(pub u8);

impl fmt::Display for PacketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

/// A client's requests are numbered odd, 001 to 255 (128 numbers), so a
/// link's window of outstanding requests is [`ucp::Window`](crate::ucp::Window)
/// over these.
impl Numbering for PacketNumber {
    const COUNT: u8 = 128;
    fn nth(index: u8) -> Option<PacketNumber> {
        (index < Self::COUNT).then(|| PacketNumber(index * 2 + 1))
    }
}

/// A server's requests are numbered even, 000 to 254 (128 numbers): the
/// window of the `[cimd2]` listener's status reports and deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerNumber(pub PacketNumber);

impl fmt::Display for ServerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Numbering for ServerNumber {
    const COUNT: u8 = 128;
    fn nth(index: u8) -> Option<ServerNumber> {
        (index < Self::COUNT).then(|| ServerNumber(PacketNumber(index * 2)))
    }
}

/// Who a packet is from and what it asks: enough to answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The operation code.
    pub operation: OperationCode,
    /// The packet number.
    pub number: PacketNumber,
}

impl Header {
    /// The header at the start of an envelope.
    pub fn parse(envelope: &[u8]) -> Result<Header, PacketError> {
        let Some([o1, o2, b':', n1, n2, n3, TAB]) = envelope
            .get(..HEADER_LEN)
            .and_then(|header| <[u8; HEADER_LEN]>::try_from(header).ok())
        else {
            return Err(PacketError::Header);
        };
        let operation = decimal(&[o1, o2])
            .and_then(|value| u8::try_from(value).ok())
            .and_then(OperationCode::new);
        let number = decimal(&[n1, n2, n3]).and_then(|value| u8::try_from(value).ok());
        match (operation, number) {
            (Some(operation), Some(number)) => Ok(Header {
                operation,
                number: PacketNumber(number),
            }),
            _ => Err(PacketError::Header),
        }
    }
}

/// One parameter, its value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// The parameter code.
    pub code: ParameterCode,
    /// The octets between `:` and the TAB.
    pub value: Vec<u8>,
}

/// A CIMD2 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The operation code.
    pub operation: OperationCode,
    /// The packet number.
    pub number: PacketNumber,
    /// The parameters, in the order written.
    pub parameters: Vec<Parameter>,
}

impl Packet {
    /// A packet without parameters.
    pub const fn new(operation: OperationCode, number: PacketNumber) -> Packet {
        Packet {
            operation,
            number,
            parameters: Vec::new(),
        }
    }

    /// This packet with one more parameter, its value as written.
    pub fn with(mut self, code: ParameterCode, value: impl Into<Vec<u8>>) -> Packet {
        self.parameters.push(Parameter {
            code,
            value: value.into(),
        });
        self
    }

    /// This packet with `text` in CIMD2's character set
    /// ([`text::encode`]).
    pub fn with_text(self, code: ParameterCode, text: &str) -> Result<Packet, Gsm7Error> {
        Ok(self.with(code, text::encode(text)?))
    }

    /// This packet with `octets` as hex (user data binary, header).
    pub fn with_binary(self, code: ParameterCode, octets: &[u8]) -> Packet {
        self.with(code, hex::encode(octets))
    }

    /// This packet with a time as `YYMMDDhhmmss`.
    pub fn with_time(self, code: ParameterCode, at: NaiveDateTime) -> Result<Packet, TimeError> {
        Ok(self.with(code, time::format(at)?))
    }

    /// The first value of `code`, as written.
    pub fn get(&self, code: ParameterCode) -> Option<&[u8]> {
        self.parameters
            .iter()
            .find(|parameter| parameter.code == code)
            .map(|parameter| parameter.value.as_slice())
    }

    /// The first value of `code` read as CIMD2 text.
    pub fn text(&self, code: ParameterCode) -> Option<Result<String, TextError>> {
        self.get(code).map(text::decode)
    }

    /// The first value of `code` read as hex octets.
    pub fn binary(&self, code: ParameterCode) -> Option<Result<Vec<u8>, HexError>> {
        let latin1 = |value: &[u8]| value.iter().copied().map(char::from).collect::<String>();
        self.get(code).map(|value| hex::decode(&latin1(value)))
    }

    /// The first value of `code` read as a time.
    pub fn time(&self, code: ParameterCode) -> Option<Result<NaiveDateTime, TimeError>> {
        self.get(code).map(time::parse)
    }

    /// The packet an envelope (the octets between STX and ETX) holds; the
    /// checksum, when there is one, is checked.
    pub fn decode(envelope: &[u8]) -> Result<Packet, PacketError> {
        let header = Header::parse(envelope)?;
        // The header ends in a TAB, so there is a last one.
        let last_tab = envelope
            .iter()
            .rposition(|&octet| octet == TAB)
            .ok_or(PacketError::Header)?;
        let (summed, trailer) = envelope.split_at(last_tab + 1);
        if !trailer.is_empty() {
            let written = hex_octet(trailer).ok_or(PacketError::Trailer)?;
            // The sum starts at the STX before the envelope.
            let computed = checksum(summed).wrapping_add(STX);
            if written != computed {
                return Err(PacketError::ChecksumMismatch { written, computed });
            }
        }
        let parameters = summed
            .get(HEADER_LEN..)
            .unwrap_or_default()
            .split_inclusive(|&octet| octet == TAB)
            .enumerate()
            .map(|(index, chunk)| parse_parameter(chunk).ok_or(PacketError::Parameter { index }))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Packet {
            operation: header.operation,
            number: header.number,
            parameters,
        })
    }

    /// The whole frame, STX and ETX included, with a checksum when
    /// `with_checksum`.
    pub fn encode(&self, with_checksum: bool) -> Result<Vec<u8>, EncodeError> {
        let mut frame = format!("\x02{}:{}\t", self.operation, self.number).into_bytes();
        for parameter in &self.parameters {
            if let Some(&octet) = parameter
                .value
                .iter()
                .find(|&&octet| matches!(octet, TAB | STX | ETX))
            {
                return Err(EncodeError::Octet {
                    parameter: parameter.code,
                    octet,
                });
            }
            frame.extend_from_slice(format!("{}:", parameter.code).as_bytes());
            frame.extend_from_slice(&parameter.value);
            frame.push(TAB);
        }
        if with_checksum {
            let sum = checksum(&frame);
            frame.extend_from_slice(format!("{sum:02X}").as_bytes());
        }
        frame.push(ETX);
        Ok(frame)
    }
}

/// `PPP:value` and its TAB, or `None`.
fn parse_parameter(chunk: &[u8]) -> Option<Parameter> {
    let (code, rest) = chunk.strip_suffix(&[TAB])?.split_at_checked(3)?;
    let value = rest.strip_prefix(b":")?;
    let code = decimal(code)
        .and_then(|value| u16::try_from(value).ok())
        .and_then(ParameterCode::new)?;
    Some(Parameter {
        code,
        value: value.to_vec(),
    })
}

/// The number `digits` spells, when it is all ASCII digits.
fn decimal(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| {
        digit
            .is_ascii_digit()
            .then(|| value * 10 + u32::from(digit - b'0'))
    })
}
