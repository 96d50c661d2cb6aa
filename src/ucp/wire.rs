//! The fields of a message on the wire: reading them one by one from the
//! text between the header and the checksum, and writing them back, each
//! in its format. An empty field is "not given" in every format.
//!
//! | format | read | written |
//! | --- | --- | --- |
//! | text | any octet but `/`, STX and ETX, as ISO-8859-1 | the same characters, refused above U+00FF |
//! | flag | `0` or `1` | the same |
//! | digit | one digit up to a maximum | the same |
//! | number | up to N digits | zero-padded to N, or as few digits as it takes (NB) |
//! | time | `DDMMYYHHmm` or `DDMMYYHHmmss` ([`time`](super::time)) | the same |
//! | hex | hexadecimal octets, either case | upper case |

use chrono::NaiveDateTime;

use crate::modem::hex::{self, HexError};

use super::envelope::Ot;
use super::error::{EncodeError, MessageError, Problem};
use super::field::Field;
use super::frame::{ETX, STX};
use super::time::{self, Precision};

const SEPARATOR: u8 = b'/';

/// The fields of one message, read in order.
pub(super) struct FieldReader<'a> {
    rest: &'a [u8],
}

impl<'a> FieldReader<'a> {
    /// `fields` (each followed by its `/`), which must be exactly
    /// `expected` fields of operation `ot`.
    pub(super) fn new(ot: Ot, fields: &'a [u8], expected: usize) -> Result<Self, MessageError> {
        let actual = count(fields);
        if actual != expected {
            return Err(MessageError::FieldCount {
                ot,
                expected,
                actual,
            });
        }
        Ok(FieldReader { rest: fields })
    }

    /// The next field as it is.
    pub(super) fn raw(&mut self) -> &'a [u8] {
        let end = self
            .rest
            .iter()
            .position(|&b| b == SEPARATOR)
            .unwrap_or(self.rest.len());
        let (field, rest) = self.rest.split_at(end);
        self.rest = rest.get(1..).unwrap_or_default();
        field
    }

    /// The next field as text.
    pub(super) fn text(&mut self, field: Field) -> Result<String, MessageError> {
        parse_text(field, self.raw())
    }

    /// The next field as a flag.
    pub(super) fn flag(&mut self, field: Field) -> Result<Option<bool>, MessageError> {
        match self.raw() {
            b"" => Ok(None),
            b"0" => Ok(Some(false)),
            b"1" => Ok(Some(true)),
            other => Err(unknown_value(field, other)),
        }
    }

    /// The next field as one digit from 0 to `max`.
    pub(super) fn digit(&mut self, field: Field, max: u8) -> Result<Option<u8>, MessageError> {
        match self.raw() {
            b"" => Ok(None),
            &[d] if d.is_ascii_digit() && d - b'0' <= max => Ok(Some(d - b'0')),
            other => Err(unknown_value(field, other)),
        }
    }

    /// The next field as a number of at most `max_digits` (1 to 4) digits.
    pub(super) fn number(
        &mut self,
        field: Field,
        max_digits: usize,
    ) -> Result<Option<u16>, MessageError> {
        parse_number(field, self.raw(), max_digits)
    }

    /// The next field as a time.
    pub(super) fn time(
        &mut self,
        field: Field,
        precision: Precision,
    ) -> Result<Option<NaiveDateTime>, MessageError> {
        match self.raw() {
            b"" => Ok(None),
            raw => time::parse(raw, precision)
                .map(Some)
                .map_err(|e| error(field, e.into())),
        }
    }

    /// The next field as hexadecimal octets.
    pub(super) fn hex(&mut self, field: Field) -> Result<Vec<u8>, MessageError> {
        hex_octets(self.raw()).map_err(|e| error(field, e.into()))
    }
}

/// `raw` as text, each octet one ISO-8859-1 character.
pub(super) fn parse_text(field: Field, raw: &[u8]) -> Result<String, MessageError> {
    if let Some(&octet) = raw.iter().find(|&&b| b == STX || b == ETX) {
        return Err(error(field, Problem::Character(char::from(octet))));
    }
    Ok(latin1(raw))
}

/// `raw` as a number of at most `max_digits` (1 to 4) digits; empty is
/// `None`.
pub(super) fn parse_number(
    field: Field,
    raw: &[u8],
    max_digits: usize,
) -> Result<Option<u16>, MessageError> {
    if raw.is_empty() {
        return Ok(None);
    }
    if !raw.iter().all(u8::is_ascii_digit) {
        return Err(error(field, Problem::NotDigits));
    }
    if raw.len() > max_digits {
        return Err(error(field, Problem::TooManyDigits { max: max_digits }));
    }
    Ok(Some(raw.iter().fold(0u16, |value, &d| {
        value.saturating_mul(10).saturating_add(u16::from(d - b'0'))
    })))
}

/// How many fields `fields` holds: one per `/`.
pub(super) fn count(fields: &[u8]) -> usize {
    fields.iter().filter(|&&b| b == SEPARATOR).count()
}

/// The first field of `fields`.
pub(super) fn first(fields: &[u8]) -> &[u8] {
    fields.split(|&b| b == SEPARATOR).next().unwrap_or_default()
}

/// Octets from hex text, which may hold any octet.
pub(super) fn hex_octets(text: &[u8]) -> Result<Vec<u8>, HexError> {
    match std::str::from_utf8(text) {
        Ok(text) => hex::decode(text),
        Err(e) => Err(HexError::NotHex {
            ch: char::from(text.get(e.valid_up_to()).copied().unwrap_or_default()),
            offset: e.valid_up_to(),
        }),
    }
}

/// How a number is written.
#[derive(Debug, Clone, Copy)]
pub(super) enum Width {
    /// Zero-padded to exactly this many digits.
    Padded(usize),
    /// As few digits as it takes, at most this many.
    AtMost(usize),
}

/// The fields of one message, written in order.
#[derive(Default)]
pub(super) struct FieldWriter {
    out: Vec<u8>,
}

impl FieldWriter {
    /// A field already known to be safe (digits, hex, a letter).
    pub(super) fn raw(&mut self, value: &[u8]) {
        self.out.extend_from_slice(value);
        self.out.push(SEPARATOR);
    }

    /// A text field, each character one octet.
    pub(super) fn text(&mut self, field: Field, value: &str) -> Result<(), EncodeError> {
        let mut octets = Vec::with_capacity(value.len());
        for ch in value.chars() {
            match u8::try_from(ch) {
                Ok(octet) if ![SEPARATOR, STX, ETX].contains(&octet) => octets.push(octet),
                _ => return Err(encode_error(field, Problem::Character(ch))),
            }
        }
        self.raw(&octets);
        Ok(())
    }

    /// A flag field.
    pub(super) fn flag(&mut self, value: Option<bool>) {
        match value {
            None => self.raw(b""),
            Some(false) => self.raw(b"0"),
            Some(true) => self.raw(b"1"),
        }
    }

    /// A one-digit field from 0 to `max`.
    pub(super) fn digit(
        &mut self,
        field: Field,
        value: Option<u8>,
        max: u8,
    ) -> Result<(), EncodeError> {
        match value {
            None => self.raw(b""),
            Some(d) if d <= max => self.raw(&[b'0' + d]),
            Some(d) => {
                return Err(encode_error(
                    field,
                    Problem::OutOfRange {
                        value: u32::from(d),
                        max: u32::from(max),
                    },
                ));
            }
        }
        Ok(())
    }

    /// A number field.
    pub(super) fn number(
        &mut self,
        field: Field,
        value: Option<u16>,
        width: Width,
    ) -> Result<(), EncodeError> {
        let Some(value) = value else {
            self.raw(b"");
            return Ok(());
        };
        let text = match width {
            Width::Padded(digits) => format!("{value:0digits$}"),
            Width::AtMost(_) => value.to_string(),
        };
        let (Width::Padded(max) | Width::AtMost(max)) = width;
        if text.len() > max {
            return Err(encode_error(field, Problem::TooManyDigits { max }));
        }
        self.raw(text.as_bytes());
        Ok(())
    }

    /// A time field.
    pub(super) fn time(
        &mut self,
        field: Field,
        value: Option<NaiveDateTime>,
        precision: Precision,
    ) -> Result<(), EncodeError> {
        let text = match value {
            Some(at) => time::format(at, precision).map_err(|e| encode_error(field, e.into()))?,
            None => String::new(),
        };
        self.raw(text.as_bytes());
        Ok(())
    }

    /// A hex field.
    pub(super) fn hex(&mut self, octets: &[u8]) {
        self.raw(hex::encode(octets).as_bytes());
    }

    /// The fields written, each followed by its `/`.
    pub(super) fn finish(self) -> Vec<u8> {
        self.out
    }
}

fn error(field: Field, problem: Problem) -> MessageError {
    MessageError::Field { field, problem }
}

fn encode_error(field: Field, problem: Problem) -> EncodeError {
    EncodeError::Field { field, problem }
}

/// `raw` is not a value `field` defines.
pub(super) fn unknown_value(field: Field, raw: &[u8]) -> MessageError {
    error(field, Problem::UnknownValue(latin1(raw)))
}

/// Octets as ISO-8859-1 text: each octet the character of that number.
pub(super) fn latin1(raw: &[u8]) -> String {
    raw.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_format() {
        let fields = b"a b/1/7/0539/3012961212/4D65/";
        let mut reader = FieldReader::new(Ot::SUBMIT, fields, 6).unwrap();
        assert_eq!(reader.text(Field::AdC).unwrap(), "a b");
        assert_eq!(reader.flag(Field::NRq).unwrap(), Some(true));
        assert_eq!(reader.digit(Field::Nt, 7).unwrap(), Some(7));
        assert_eq!(reader.number(Field::Npid, 4).unwrap(), Some(539));
        assert!(
            reader
                .time(Field::Vp, Precision::Minutes)
                .unwrap()
                .is_some()
        );
        assert_eq!(reader.hex(Field::Msg).unwrap(), b"Me");
        // Past the last field: empty, never a panic.
        assert_eq!(reader.raw(), b"");
    }

    #[test]
    fn field_count_is_checked_first() {
        assert!(matches!(
            FieldReader::new(Ot::ALERT, b"0234765439845/", 2),
            Err(MessageError::FieldCount {
                expected: 2,
                actual: 1,
                ..
            })
        ));
    }

    #[test]
    fn malformed_values_name_their_field() {
        let mut reader = FieldReader::new(Ot::SUBMIT, b"2/8/12a/12345/zz/x\x02/", 6).unwrap();
        let field = |r: Result<_, MessageError>| match r {
            Err(MessageError::Field { field, problem }) => (field, problem),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(reader.flag(Field::NRq).map(|_| ())),
            (Field::NRq, Problem::UnknownValue("2".into()))
        );
        assert_eq!(
            field(reader.digit(Field::Nt, 7).map(|_| ())),
            (Field::Nt, Problem::UnknownValue("8".into()))
        );
        assert_eq!(
            field(reader.number(Field::Rsn, 3).map(|_| ())),
            (Field::Rsn, Problem::NotDigits)
        );
        assert_eq!(
            field(reader.number(Field::Npid, 4).map(|_| ())),
            (Field::Npid, Problem::TooManyDigits { max: 4 })
        );
        assert!(matches!(
            field(reader.hex(Field::Msg).map(|_| ())),
            (Field::Msg, Problem::Hex(_))
        ));
        assert_eq!(
            field(reader.text(Field::Sm).map(|_| ())),
            (Field::Sm, Problem::Character('\u{2}'))
        );
    }

    #[test]
    fn writes_each_format() {
        let mut writer = FieldWriter::default();
        writer.text(Field::AdC, "0657467").unwrap();
        writer.flag(Some(true));
        writer.digit(Field::Nt, Some(7), 7).unwrap();
        writer
            .number(Field::Lpid, Some(122), Width::Padded(4))
            .unwrap();
        writer
            .number(Field::Nb, Some(32), Width::AtMost(4))
            .unwrap();
        writer.number(Field::Rsn, None, Width::Padded(3)).unwrap();
        writer.hex(&[0xF5, 0xAA]);
        assert_eq!(writer.finish(), b"0657467/1/7/0122/32//F5AA/");
    }

    #[test]
    fn unwritable_values_are_refused() {
        let mut writer = FieldWriter::default();
        assert!(writer.text(Field::Sm, "a/b").is_err());
        assert!(writer.text(Field::Sm, "€").is_err());
        assert!(writer.digit(Field::MCLs, Some(4), 3).is_err());
        assert!(
            writer
                .number(Field::Rsn, Some(1000), Width::Padded(3))
                .is_err()
        );
        // Latin-1 characters are one octet each.
        writer.text(Field::Sm, "niño").unwrap();
        assert_eq!(writer.finish(), b"ni\xF1o/");
    }
}
