//! A message part as pasarela keeps it ([`Message`]) turned into a typed
//! submit (03), the way Kannel's CIMD2 driver lays one out:
//!
//! | pasarela | 03 |
//! | --- | --- |
//! | destination | 021 |
//! | source, alphanumeric (or not all digits) | 027 |
//! | source, a number | 023 |
//! | GSM 03.38 text (data_coding 0, or a GSM DCS naming it) | 033, CIMD2 text; 030 only for a GSM DCS |
//! | IA5 or Latin-1 text (data_coding 1, 3) | 033 when GSM 03.38 holds it, else UCS-2 as below |
//! | UCS-2 (data_coding 8) | 034 hex, 030 8 |
//! | 8-bit data (data_coding 2, 4) | 034 hex, 030 4 |
//! | UDH (esm_class UDHI), or SAR numbers | 032 hex, UDHL first |
//! | validity | 051, in UTC |
//! | — | 056 62: a status report for every final state |
//!
//! The header and body are split, and the body's coding chosen, as for
//! UCP ([`ucp::outgoing`](crate::ucp::outgoing)), whose [`SubmitError`]
//! says why a part cannot go.

use crate::model::{Message, Ton};
use crate::sms::{Alphabet, gsm7, ucs2};
use crate::ucp::SubmitError;
use crate::ucp::outgoing::{Body, body_of};
use crate::upstream::user_data::udh_and_body;

use super::message::{Content, Originator, Submit, UserData};

/// TP-DCS of UCS-2 with no message class.
const DCS_UCS2: u8 = 0x08;
/// 056: validity expired (2), delivery failed (4), delivered (8),
/// cancelled (16), deleted (32).
const EVERY_FINAL_REPORT: u8 = 62;

/// The submit of `message`.
pub fn submit(message: &Message) -> Result<Submit, SubmitError> {
    let (udh, body) = udh_and_body(message)?;
    let (user_data, data_coding) = user_data_of(message.data_coding, body)?;
    let source = message.source.text();
    let alphanumeric =
        message.source.ton() == Ton::Alphanumeric || !source.bytes().all(|b| b.is_ascii_digit());
    Ok(Submit {
        destination: message.destination.text().to_owned(),
        originator: Some(if alphanumeric {
            Originator::Alphanumeric(source.to_owned())
        } else {
            Originator::Number(source.to_owned())
        }),
        content: Content {
            data_coding,
            udh,
            user_data: Some(user_data),
        },
        validity_absolute: message.validity.map(|at| at.naive_utc()),
        status_report_request: Some(EVERY_FINAL_REPORT),
        ..Submit::default()
    })
}

/// The user data and the 030 it goes with for a body in `data_coding`:
/// septets as CIMD2 text, octets as binary.
pub(crate) fn user_data_of(
    data_coding: u8,
    body: &[u8],
) -> Result<(UserData, Option<u8>), SubmitError> {
    let (body, dcs) = body_of(data_coding, body)?;
    let user_data = match body {
        Body::Septets(septets) => UserData::Text(gsm7::decode(&septets)),
        Body::Octets(octets) => UserData::Binary(octets),
    };
    Ok((user_data, dcs))
}

/// What a delivery (20) carries as pasarela's MO layout: its data coding
/// scheme and user data (header octets, then the body with septets one
/// per octet). Text that GSM 03.38 does not hold (CIMD2 allows
/// ISO-8859-1 octets) becomes UCS-2.
pub fn user_data_of_delivery(content: &Content) -> (u8, Vec<u8>) {
    let mut dcs = content.data_coding.unwrap_or_default();
    let body = match &content.user_data {
        None => Vec::new(),
        Some(UserData::Binary(octets)) => octets.clone(),
        Some(UserData::Text(text)) => match gsm7::encode(text) {
            Ok(septets) if Alphabet::from_dcs(dcs) == Alphabet::Gsm7 => septets,
            _ => {
                dcs = DCS_UCS2;
                ucs2::encode(text)
            }
        },
    };
    let whole = [content.udh.as_deref().unwrap_or_default(), &body].concat();
    (dcs, whole)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{AccountId, Address, MessageId, Npi};
    use crate::sms::concat::Reference;
    use crate::sms::split_text;

    fn message(source: Address, data_coding: u8, payload: &[u8]) -> Message {
        let mut message = Message::new(
            MessageId::new(1),
            AccountId::new("demo").unwrap(),
            source,
            Address::new(Ton::International, Npi::Isdn, "34600123456").unwrap(),
            payload.to_vec(),
            Utc::now(),
        );
        message.data_coding = data_coding;
        message
    }

    #[test]
    fn gsm_text_from_a_sender_id() {
        let split = split_text("Hola {amigo} €", Reference::Bits8(0)).unwrap();
        let part = &split.parts[0];
        let mut message = message(Address::alphanumeric("Tienda").unwrap(), 0, &part.payload);
        message.esm_class = part.esm_class(0);
        let submit = submit(&message).unwrap();
        assert_eq!(submit.destination, "34600123456");
        assert_eq!(
            submit.originator,
            Some(Originator::Alphanumeric("Tienda".into()))
        );
        assert_eq!(
            submit.content.user_data,
            Some(UserData::Text("Hola {amigo} €".into()))
        );
        assert_eq!(submit.content.data_coding, None);
        assert_eq!(submit.status_report_request, Some(62));
    }

    #[test]
    fn ucs2_and_a_part_header() {
        let text = "日本語のテキスト".repeat(10);
        let split = split_text(&text, Reference::Bits8(7)).unwrap();
        assert!(split.parts.len() > 1);
        let part = &split.parts[1];
        let mut message = message(
            Address::new(Ton::International, Npi::Isdn, "34911000111").unwrap(),
            split.coding.data_coding(),
            &part.short_message(),
        );
        message.esm_class = part.esm_class(0);
        let submit = submit(&message).unwrap();
        assert_eq!(
            submit.originator,
            Some(Originator::Number("34911000111".into()))
        );
        assert_eq!(submit.content.data_coding, Some(8));
        let udh = submit.content.udh.clone().unwrap();
        assert_eq!(&udh[..3], &[5, 0, 3]);
        assert_eq!(udh[5], 2, "the second part");
        let (dcs, whole) = user_data_of_delivery(&submit.content);
        assert_eq!(dcs, 8);
        assert_eq!(whole, part.short_message());
    }

    #[test]
    fn latin1_text_outside_gsm_arrives_as_ucs2() {
        let content = Content {
            data_coding: None,
            udh: None,
            user_data: Some(UserData::Text("ÿes".into())),
        };
        assert_eq!(user_data_of_delivery(&content), (8, ucs2::encode("ÿes")));
        let content = Content {
            user_data: Some(UserData::Text("Hi@".into())),
            ..content
        };
        assert_eq!(
            user_data_of_delivery(&content),
            (0, gsm7::encode("Hi@").unwrap())
        );
    }
}
