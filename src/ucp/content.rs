//! The message an operation carries. MT says how to read it: 2 numeric
//! (NMsg, digits), 3 alphanumeric (AMsg, hex), 4 transparent data (TMsg,
//! hex, with NB its length in bits). In the 5x operations NB sits between
//! MT and the message; operation 01 has no NB and takes 2 and 3 only.
//!
//! AMsg: the specification calls its characters IRA. Kannel's EMI driver,
//! Wireshark's UCP dissector and Protocol::EMIUCP all write and read them
//! as GSM 03.38 default-alphabet codes, one octet per septet with escapes
//! for the extension table, and so does this codec: an alphanumeric message
//! is kept as those octets, the layout pasarela keeps data_coding 0 text
//! in. NB beside MT 2 or 3 means nothing and is not read.

use crate::sms::gsm7::{self, Gsm7Error};

use super::error::{EncodeError, MessageError, Problem};
use super::field::Field;
use super::wire::{self, FieldReader, FieldWriter, Width};

/// Digits NB has room for.
const NB_DIGITS: usize = 4;

/// A message and how it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// MT 2: digits.
    Numeric(String),
    /// MT 3: GSM 03.38 default-alphabet codes, one per octet (septets
    /// unpacked, escapes included).
    Alphanumeric(Vec<u8>),
    /// MT 4: octets, of which the first `bits` bits count.
    Transparent {
        /// NB: bits of `data` that count (8 per octet for 8-bit data and
        /// UCS-2; 7 per character for packed GSM text).
        bits: u16,
        /// The octets.
        data: Vec<u8>,
    },
}

impl Content {
    /// `text` in GSM 03.38, as an alphanumeric message.
    pub fn text(text: &str) -> Result<Content, Gsm7Error> {
        gsm7::encode(text).map(Content::Alphanumeric)
    }

    /// `data` as transparent data, every bit counted.
    pub fn transparent(data: Vec<u8>) -> Content {
        let bits = u16::try_from(data.len() * 8).unwrap_or(u16::MAX);
        Content::Transparent { bits, data }
    }

    /// The MT field for this message.
    const fn message_type(&self) -> &'static [u8] {
        match self {
            Content::Numeric(_) => b"2",
            Content::Alphanumeric(_) => b"3",
            Content::Transparent { .. } => b"4",
        }
    }
}

/// Reads MT, NB (when `with_nb`) and the message; `None` when MT and the
/// message are both empty.
pub(super) fn read(
    reader: &mut FieldReader<'_>,
    with_nb: bool,
) -> Result<Option<Content>, MessageError> {
    let mt = reader.raw();
    let nb = if with_nb { reader.raw() } else { b"" };
    let message = reader.raw();
    let error = |field, problem| MessageError::Field { field, problem };
    match mt {
        b"" if message.is_empty() => Ok(None),
        b"" => Err(error(Field::Mt, Problem::MissingMessageType)),
        b"2" if message.iter().all(u8::is_ascii_digit) => {
            Ok(Some(Content::Numeric(wire::latin1(message))))
        }
        b"2" => Err(error(Field::Msg, Problem::NotDigits)),
        b"3" => wire::hex_octets(message)
            .map(|octets| Some(Content::Alphanumeric(octets)))
            .map_err(|e| error(Field::Msg, e.into())),
        b"4" if with_nb => {
            let data = wire::hex_octets(message).map_err(|e| error(Field::Msg, e.into()))?;
            let available = data.len() * 8;
            let bits = match wire::parse_number(Field::Nb, nb, NB_DIGITS)? {
                Some(bits) if usize::from(bits) > available => {
                    return Err(error(
                        Field::Nb,
                        Problem::BitsBeyondData {
                            bits: u32::from(bits),
                            available,
                        },
                    ));
                }
                Some(bits) => bits,
                None => u16::try_from(available).unwrap_or(u16::MAX),
            };
            Ok(Some(Content::Transparent { bits, data }))
        }
        other => Err(error(
            Field::Mt,
            Problem::UnsupportedMessageType(wire::latin1(other)),
        )),
    }
}

/// Writes MT, NB (when `with_nb`) and the message.
pub(super) fn write(
    writer: &mut FieldWriter,
    content: Option<&Content>,
    with_nb: bool,
) -> Result<(), EncodeError> {
    let error = |field, problem| EncodeError::Field { field, problem };
    let Some(content) = content else {
        writer.raw(b"");
        if with_nb {
            writer.raw(b"");
        }
        writer.raw(b"");
        return Ok(());
    };
    if let Content::Transparent { bits, data } = content {
        if !with_nb {
            return Err(error(Field::Mt, Problem::NotInThisOperation));
        }
        if usize::from(*bits) > data.len() * 8 {
            return Err(error(
                Field::Nb,
                Problem::BitsBeyondData {
                    bits: u32::from(*bits),
                    available: data.len() * 8,
                },
            ));
        }
    }
    writer.raw(content.message_type());
    if with_nb {
        let bits = match content {
            Content::Transparent { bits, .. } => Some(*bits),
            _ => None,
        };
        writer.number(Field::Nb, bits, Width::AtMost(NB_DIGITS))?;
    }
    match content {
        Content::Numeric(digits) if digits.chars().all(|c| c.is_ascii_digit()) => {
            writer.raw(digits.as_bytes());
        }
        Content::Numeric(_) => return Err(error(Field::Msg, Problem::NotDigits)),
        Content::Alphanumeric(octets) | Content::Transparent { data: octets, .. } => {
            writer.hex(octets);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ucp::envelope::Ot;

    fn read_5x(fields: &[u8]) -> Result<Option<Content>, MessageError> {
        read(&mut FieldReader::new(Ot::SUBMIT, fields, 3)?, true)
    }

    fn write_5x(content: Option<&Content>) -> Vec<u8> {
        let mut writer = FieldWriter::default();
        write(&mut writer, content, true).unwrap();
        writer.finish()
    }

    #[test]
    fn each_message_type_both_ways() {
        let cases: [(&[u8], Option<Content>); 5] = [
            (b"///", None),
            (
                b"2//716436383334/",
                Some(Content::Numeric("716436383334".into())),
            ),
            (
                b"3//4D657373616765203531/",
                Some(Content::text("Message 51").unwrap()),
            ),
            (
                b"4/32/F5AA34DE/",
                Some(Content::Transparent {
                    bits: 32,
                    data: vec![0xF5, 0xAA, 0x34, 0xDE],
                }),
            ),
            (
                b"4/12/F5AA/",
                Some(Content::Transparent {
                    bits: 12,
                    data: vec![0xF5, 0xAA],
                }),
            ),
        ];
        for (fields, content) in cases {
            assert_eq!(read_5x(fields).unwrap(), content);
            assert_eq!(write_5x(content.as_ref()), fields);
        }
    }

    #[test]
    fn gsm_codes_not_ascii() {
        // '@' is 00 and '€' is 1B 65 in GSM 03.38.
        let content = Content::text("@€").unwrap();
        assert_eq!(write_5x(Some(&content)), b"3//001B65/");
    }

    #[test]
    fn what_readers_forgive_and_refuse() {
        // NB beside MT 3 (a Go client sends one) is not read.
        assert_eq!(
            read_5x(b"3/88/68/").unwrap(),
            Some(Content::Alphanumeric(vec![0x68]))
        );
        // No NB: every bit counts.
        assert_eq!(
            read_5x(b"4//F5AA/").unwrap(),
            Some(Content::transparent(vec![0xF5, 0xAA]))
        );
        let problem = |fields: &[u8]| match read_5x(fields) {
            Err(MessageError::Field { field, problem }) => (field, problem),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            problem(b"4/17/F5AA/"),
            (
                Field::Nb,
                Problem::BitsBeyondData {
                    bits: 17,
                    available: 16
                }
            )
        );
        assert_eq!(problem(b"//41/"), (Field::Mt, Problem::MissingMessageType));
        assert_eq!(
            problem(b"5//41/"),
            (Field::Mt, Problem::UnsupportedMessageType("5".into()))
        );
        assert_eq!(problem(b"2//12A/"), (Field::Msg, Problem::NotDigits));
        assert!(matches!(problem(b"3//4/"), (Field::Msg, Problem::Hex(_))));
    }

    #[test]
    fn call_input_has_no_nb_and_no_transparent_data() {
        let mut reader = FieldReader::new(Ot::CALL_INPUT, b"4/F5/", 2).unwrap();
        assert!(read(&mut reader, false).is_err());
        let mut writer = FieldWriter::default();
        assert_eq!(
            write(&mut writer, Some(&Content::transparent(vec![1])), false),
            Err(EncodeError::Field {
                field: Field::Mt,
                problem: Problem::NotInThisOperation
            })
        );
        let mut writer = FieldWriter::default();
        write(&mut writer, Some(&Content::Numeric("12".into())), false).unwrap();
        assert_eq!(writer.finish(), b"2/12/");
    }
}
