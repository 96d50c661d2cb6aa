//! A message part as pasarela keeps it ([`Message`]: data_coding,
//! esm_class, the payload with its UDH) turned into the fields of a submit
//! (51), the way Kannel's EMI driver lays them out:
//!
//! | pasarela | 51 |
//! | --- | --- |
//! | destination | AdC, as its text |
//! | source, alphanumeric (or not all digits) | OAdC packed, OTOA 5039 |
//! | source, international | OAdC digits, OTOA 1139 |
//! | source, any other number | OAdC digits, no OTOA |
//! | GSM 03.38 text (data_coding 0, or a GSM DCS naming it) | MT 3, the septets as AMsg |
//! | IA5 or Latin-1 text (data_coding 1, 3) | MT 3 when GSM 03.38 holds it, else UCS-2 as below |
//! | UCS-2 (data_coding 8) | MT 4, NB, TMsg; XSer DCS 08 |
//! | 8-bit data (data_coding 2, 4) | MT 4, NB, TMsg; XSer DCS 04 |
//! | a GSM DCS (0x10 and above) | XSer DCS as given |
//! | UDH (esm_class UDHI), or SAR numbers | XSer 01 |
//! | validity | VP, in the service centre's local time |
//! | — | NRq 1, NT 3 (delivered and not delivered) |
//!
//! A receipt is always asked for, as the smpp gateway does: the switch
//! tracks every message, whatever the customer asked. Scheduled delivery
//! is not passed on (the switch holds a message until it is due).

use chrono::FixedOffset;

use crate::model::{Message, Ton};
use crate::sms::udh::UdhError;
use crate::sms::{Alphabet, gsm7, incoming, ucs2};
use crate::upstream::user_data::udh_and_body;

use super::content::Content;
use super::short_message::{Notifications, Otoa, ShortMessageFields};
use super::xser::{self, ExtraServices};

/// TP-DCS of UCS-2 with no message class.
const DCS_UCS2: u8 = 0x08;
/// TP-DCS of 8-bit data with no message class.
const DCS_8BIT: u8 = 0x04;
/// data_coding values from here on are GSM data coding schemes.
const FIRST_GSM_DCS: u8 = 0x10;

/// Why a message part cannot be submitted over UCP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// esm_class says the payload starts with a UDH, and it does not read.
    #[error("the payload's User Data Header: {0}")]
    Udh(#[from] UdhError),
    /// A data_coding SMPP defines that no GSM coding scheme carries (JIS,
    /// Cyrillic, Hebrew, …).
    #[error("data_coding {0:#04x} has no GSM data coding scheme")]
    UnsupportedDataCoding(u8),
}

/// The fields of the 51 that submits `message`, its validity written in
/// the service centre's local time (`smsc_offset` from UTC).
pub fn submit(
    message: &Message,
    smsc_offset: FixedOffset,
) -> Result<ShortMessageFields, SubmitError> {
    let (udh, body) = udh_and_body(message)?;
    let (content, dcs) = content_of(message.data_coding, body)?;
    let mut extra = ExtraServices::default();
    if let Some(udh) = udh {
        extra.push(xser::UDH, udh);
    }
    if let Some(dcs) = dcs {
        extra.push(xser::DCS, vec![dcs]);
    }
    let source = message.source.text();
    let otoa = match message.source.ton() {
        Ton::Alphanumeric => Some(Otoa::Alphanumeric),
        _ if !source.bytes().all(|b| b.is_ascii_digit()) => Some(Otoa::Alphanumeric),
        Ton::International => Some(Otoa::International),
        _ => None,
    };
    Ok(ShortMessageFields {
        adc: message.destination.text().to_owned(),
        oadc: source.to_owned(),
        otoa,
        nrq: Some(true),
        nt: Some(Notifications {
            delivered: true,
            not_delivered: true,
            buffered: false,
        }),
        vp: message
            .validity
            .map(|at| at.with_timezone(&smsc_offset).naive_local()),
        content: Some(content),
        xser: extra,
        ..ShortMessageFields::default()
    })
}

/// A body as a submit carries it: GSM 03.38 septets (one per octet), or
/// octets with the DCS that says what they are.
pub(crate) enum Body {
    Septets(Vec<u8>),
    Octets(Vec<u8>),
}

/// The message and the DCS XSer carries (if any) for a body in
/// `data_coding`.
pub(crate) fn content_of(
    data_coding: u8,
    body: &[u8],
) -> Result<(Content, Option<u8>), SubmitError> {
    let (body, dcs) = body_of(data_coding, body)?;
    let content = match body {
        Body::Septets(septets) => Content::Alphanumeric(septets),
        Body::Octets(octets) => Content::transparent(octets),
    };
    Ok((content, dcs))
}

/// A body in `data_coding` as septets or octets, and the DCS to send
/// with it (if any): GSM text as septets, IA5 or Latin-1 text as septets
/// when GSM 03.38 holds it and else as UCS-2, UCS-2 and 8-bit data as
/// octets (CIMD2 submits lay bodies out alike).
pub(crate) fn body_of(data_coding: u8, body: &[u8]) -> Result<(Body, Option<u8>), SubmitError> {
    let gsm_dcs = (data_coding >= FIRST_GSM_DCS).then_some(data_coding);
    let alphabet = Alphabet::from_data_coding(data_coding);
    Ok(match alphabet {
        Alphabet::Gsm7 => (Body::Septets(body.to_vec()), gsm_dcs),
        Alphabet::Ascii | Alphabet::Latin1 => {
            let text = incoming::decode_text(alphabet, body).unwrap_or_default();
            match gsm7::encode(&text) {
                Ok(septets) => (Body::Septets(septets), None),
                Err(_) => (Body::Octets(ucs2::encode(&text)), Some(DCS_UCS2)),
            }
        }
        Alphabet::Ucs2 => (
            Body::Octets(body.to_vec()),
            Some(gsm_dcs.unwrap_or(DCS_UCS2)),
        ),
        Alphabet::Binary => (
            Body::Octets(body.to_vec()),
            Some(gsm_dcs.unwrap_or(DCS_8BIT)),
        ),
        Alphabet::Unsupported(_) => match gsm_dcs {
            Some(dcs) => (Body::Octets(body.to_vec()), Some(dcs)),
            None => return Err(SubmitError::UnsupportedDataCoding(data_coding)),
        },
    })
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};

    use super::*;
    use crate::model::{AccountId, Address, MessageId, Npi, Part};
    use crate::sms::{Coding, ESM_CLASS_UDHI, Reference, split_text};
    use crate::ucp::incoming::ReceivedMessage;
    use crate::ucp::message::{Message as UcpMessage, Operation};
    use crate::ucp::wire::hex_octets;
    use crate::ucp::{Codec, Trn};

    fn message(source: Address, data_coding: u8, esm_class: u8, payload: &[u8]) -> Message {
        let mut message = Message::new(
            MessageId::new(1),
            AccountId::new("demo").unwrap(),
            source,
            Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
            payload.to_vec(),
            Utc::now(),
        );
        message.data_coding = data_coding;
        message.esm_class = esm_class;
        message
    }

    fn number(ton: Ton, text: &str) -> Address {
        Address::new(ton, Npi::Isdn, text).unwrap()
    }

    /// The fields through a frame and back, as the service centre reads them.
    fn as_received(fields: ShortMessageFields) -> ReceivedMessage {
        let frame = UcpMessage::Operation {
            trn: Trn::new(0).unwrap(),
            operation: Operation::Submit(Box::new(fields)),
        }
        .encode()
        .unwrap();
        match Codec::new().decode(&frame).unwrap().unwrap().message {
            UcpMessage::Operation {
                operation: Operation::Submit(fields),
                ..
            } => ReceivedMessage::read(&fields),
            other => panic!("{other:?}"),
        }
    }

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    #[test]
    fn gsm_text_from_a_sender_id_with_a_receipt_asked_for() {
        let split = split_text("Hola {amigo}", Reference::Bits8(0)).unwrap();
        let part = &split.parts[0];
        let message = message(
            Address::alphanumeric("Tienda").unwrap(),
            0,
            0,
            &part.payload,
        );
        let fields = submit(&message, utc()).unwrap();
        assert_eq!(fields.adc, "34600123456");
        assert_eq!(
            (fields.oadc.as_str(), fields.otoa),
            ("Tienda", Some(Otoa::Alphanumeric))
        );
        assert_eq!(fields.content, Some(Content::text("Hola {amigo}").unwrap()));
        assert_eq!(fields.xser, ExtraServices::default());
        assert_eq!(
            (fields.nrq, fields.nt.map(Notifications::value)),
            (Some(true), Some(3))
        );
        let received = as_received(fields);
        assert_eq!(received.originator, "Tienda");
        assert_eq!(
            received.short_message().unwrap().text.as_deref(),
            Some("Hola {amigo}")
        );
    }

    #[test]
    fn a_ucs2_part_carries_its_udh_and_dcs_in_xser_as_kannel_does() {
        let text = "ñandú ".repeat(15);
        let split = split_text(&text, Reference::Bits8(0x3B)).unwrap();
        assert_eq!(split.coding, Coding::Ucs2);
        let second = &split.parts[1];
        let message = message(
            number(Ton::International, "34911000000"),
            8,
            ESM_CLASS_UDHI,
            &second.short_message(),
        );
        let fields = submit(&message, utc()).unwrap();
        assert_eq!(
            (fields.oadc.as_str(), fields.otoa),
            ("34911000000", Some(Otoa::International))
        );
        let frame = UcpMessage::Operation {
            trn: Trn::new(0).unwrap(),
            operation: Operation::Submit(Box::new(fields.clone())),
        }
        .encode()
        .unwrap();
        let text_of_frame = String::from_utf8_lossy(&frame);
        assert!(
            text_of_frame.contains("/01060500033B0202020108/"),
            "{text_of_frame}"
        );
        let Some(Content::Transparent { bits, data }) = &fields.content else {
            panic!("{:?}", fields.content);
        };
        assert_eq!(
            (usize::from(*bits), data),
            (second.payload.len() * 8, &second.payload)
        );
        let received = as_received(fields).short_message().unwrap();
        assert_eq!(received.concat.map(|c| (c.total(), c.seq())), Some((2, 2)));
        assert_eq!(received.text, Some(ucs2::decode(&second.payload)));
    }

    #[test]
    fn sar_numbers_become_a_udh() {
        let mut message = message(number(Ton::National, "911000000"), 0, 0, b"part");
        message.part = Some(Part::new(0x1234, 3, 2).unwrap());
        let fields = submit(&message, utc()).unwrap();
        assert_eq!(fields.otoa, None);
        assert_eq!(
            fields.xser.udh(),
            Some(&[0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x02][..])
        );
        message.part = Some(Part::new(7, 2, 1).unwrap());
        let fields = submit(&message, utc()).unwrap();
        assert_eq!(
            fields.xser.udh(),
            Some(&[0x05, 0x00, 0x03, 0x07, 0x02, 0x01][..])
        );
    }

    #[test]
    fn latin1_text_goes_as_gsm_when_it_can() {
        let message = message(number(Ton::Unknown, "12345"), 3, 0, b"ni\xF1o");
        let fields = submit(&message, utc()).unwrap();
        assert_eq!(fields.content, Some(Content::text("niño").unwrap()));
        assert_eq!(fields.xser.dcs(), None);
        let message = message_with(3, b"ni\xE1");
        let fields = submit(&message, utc()).unwrap();
        assert_eq!(
            fields.content,
            Some(Content::transparent(ucs2::encode("niá")))
        );
        assert_eq!(fields.xser.dcs(), Some(0x08));
    }

    fn message_with(data_coding: u8, payload: &[u8]) -> Message {
        message(number(Ton::Unknown, "12345"), data_coding, 0, payload)
    }

    #[test]
    fn data_codings_and_their_dcs() {
        let dcs = |data_coding| {
            submit(&message_with(data_coding, b"\x01\x02"), utc()).map(|f| f.xser.dcs())
        };
        assert_eq!(dcs(0x04), Ok(Some(0x04)));
        assert_eq!(dcs(0x02), Ok(Some(0x04)));
        assert_eq!(dcs(0xF5), Ok(Some(0xF5)));
        assert_eq!(dcs(0x18), Ok(Some(0x18)));
        assert_eq!(dcs(0x10), Ok(Some(0x10)));
        assert_eq!(dcs(0x06), Err(SubmitError::UnsupportedDataCoding(0x06)));
        assert!(matches!(
            submit(
                &message(number(Ton::Unknown, "1"), 0, ESM_CLASS_UDHI, b"\x09\x00"),
                utc()
            ),
            Err(SubmitError::Udh(_))
        ));
    }

    #[test]
    fn validity_in_the_service_centres_time() {
        let mut message = message_with(0, b"x");
        message.validity = Some(
            DateTime::parse_from_rfc3339("2026-05-01T22:30:00Z")
                .unwrap()
                .with_timezone(&Utc),
        );
        let madrid_summer = FixedOffset::east_opt(2 * 3600).unwrap();
        let fields = submit(&message, madrid_summer).unwrap();
        assert_eq!(
            fields.vp,
            NaiveDate::from_ymd_opt(2026, 5, 2)
                .unwrap()
                .and_hms_opt(0, 30, 0)
        );
    }

    #[test]
    fn the_xser_hex_is_what_kannel_writes_for_ucs2() {
        // Kannel's EMI driver: XSer "020108" for UCS-2 with no UDH.
        let fields = submit(&message_with(8, &ucs2::encode("ω")), utc()).unwrap();
        assert_eq!(
            fields.xser.encode().unwrap(),
            hex_octets(b"020108").unwrap()
        );
    }
}
