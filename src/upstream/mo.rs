//! An MO message from an upstream SMSC (a deliver_sm or data_sm that is
//! not a receipt, a UCP delivery, 52, or a CIMD2 deliver message, 20) as the store keeps it: an [`InboundMessage`] with the
//! destination_addr it was sent to, its text decoded where the
//! data_coding has an alphabet. No I/O here.
//!
//! Parts are not joined here: a part of a concatenated message is stored
//! on its own (`parts` 1, `complete` false) with its place (`part`), and
//! MO routing joins them (`actors::mo_parts`). SMPP 3.4 gives an MO no id the
//! SMSC keeps across resends, and no time stamp, so two identical texts
//! from one handset cannot be told from a resend: the key (`fingerprint`)
//! is unique per delivery received (the time received and a number from
//! the store's sequence), and a delivery resent after a lost answer is a
//! second record (at-least-once). `sent_at` is the time received: a
//! deliver_sm carries no service centre time stamp.

use chrono::{DateTime, Utc};

use crate::cimd2::{self, Deliver, Originator};
use crate::model::GatewayName;
use crate::smpp::pdu::{self, Pdu};
use crate::sms::incoming::{self, ShortMessage};
use crate::sms::udh::ESM_CLASS_UDHI;
use crate::store::{InboundMessage, MoPart};
use crate::ucp::ReceivedMessage;

/// The record for `pdu` received by `gateway` at `received_at`, keyed by
/// `sequence` (unique: from the store's sequence); `None` when `pdu` is
/// neither a deliver_sm nor a data_sm.
pub fn inbound(
    gateway: &GatewayName,
    pdu: &Pdu,
    sequence: u64,
    received_at: DateTime<Utc>,
) -> Option<InboundMessage> {
    let (source, destination, esm_class, data_coding) = match pdu {
        Pdu::DeliverSm(body) => (
            body.source_addr.as_str(),
            body.destination_addr.as_str(),
            u8::from(body.esm_class),
            u8::from(body.data_coding),
        ),
        Pdu::DataSm(body) => (
            body.source_addr.as_str(),
            body.destination_addr.as_str(),
            u8::from(body.esm_class),
            u8::from(body.data_coding),
        ),
        _ => return None,
    };
    let content = pdu::message_content(pdu)?;
    // A header that does not parse is kept as part of the body: the
    // message is stored as received rather than refused.
    let message = incoming::decode(data_coding, esm_class, content, None)
        .or_else(|_| incoming::decode(data_coding, esm_class & !ESM_CLASS_UDHI, content, None))
        .ok()?;
    Some(record(
        gateway,
        source,
        destination,
        data_coding,
        message,
        sequence,
        received_at,
    ))
}

/// The record for a UCP delivery (52) received by `gateway` at
/// `received_at`, keyed by `sequence` as [`inbound`]'s. A header (XSer 01)
/// that does not parse is kept as part of the body.
pub fn inbound_ucp(
    gateway: &GatewayName,
    received: &ReceivedMessage,
    sequence: u64,
    received_at: DateTime<Utc>,
) -> Option<InboundMessage> {
    let message = received
        .short_message()
        .or_else(|_| {
            let whole = [
                received.user_data.udh.as_slice(),
                &received.user_data.payload,
            ]
            .concat();
            incoming::decode_user_data(
                crate::sms::Alphabet::from_dcs(received.dcs),
                false,
                &whole,
                None,
            )
        })
        .ok()?;
    Some(record(
        gateway,
        &received.originator,
        &received.recipient,
        received.dcs,
        message,
        sequence,
        received_at,
    ))
}

/// The record for a CIMD2 deliver message (20) received by `gateway` at
/// `received_at`, keyed by `sequence` as [`inbound`]'s. A header (032)
/// that does not parse is kept as part of the body.
pub fn inbound_cimd2(
    gateway: &GatewayName,
    deliver: &Deliver,
    sequence: u64,
    received_at: DateTime<Utc>,
) -> Option<InboundMessage> {
    let (dcs, whole) = cimd2::outgoing::user_data_of_delivery(&deliver.content);
    let alphabet = crate::sms::Alphabet::from_dcs(dcs);
    let message = incoming::decode_user_data(alphabet, deliver.content.udh.is_some(), &whole, None)
        .or_else(|_| incoming::decode_user_data(alphabet, false, &whole, None))
        .ok()?;
    let source = match &deliver.originator {
        Some(Originator::Number(source) | Originator::Alphanumeric(source)) => source.as_str(),
        None => "",
    };
    Some(record(
        gateway,
        source,
        &deliver.destination,
        dcs,
        message,
        sequence,
        received_at,
    ))
}

/// The stored form of a decoded MO from `source` to `destination`.
fn record(
    gateway: &GatewayName,
    source: &str,
    destination: &str,
    data_coding: u8,
    message: ShortMessage,
    sequence: u64,
    received_at: DateTime<Utc>,
) -> InboundMessage {
    InboundMessage {
        gateway: gateway.clone(),
        fingerprint: format!(
            "{}.{source}.{sequence:020}",
            received_at.format("%Y%m%d%H%M%S")
        ),
        source: source.to_owned(),
        dcs: data_coding,
        complete: message.concat.is_none(),
        body: message.body,
        text: message.text,
        parts: 1,
        sent_at: received_at,
        received_at,
        destination: Some(destination.to_owned()),
        part: message.concat.map(|concat| MoPart {
            reference: concat.reference().value(),
            total: concat.total(),
            seq: concat.seq(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::{COctetString, DataCoding, DeliverSm, EsmClass, OctetString};

    fn deliver_sm(esm_class: u8, data_coding: u8, short_message: &[u8]) -> Pdu {
        DeliverSm::builder()
            .source_addr(COctetString::from_string("34699000000".to_owned()).unwrap())
            .destination_addr(COctetString::from_string("12345".to_owned()).unwrap())
            .esm_class(EsmClass::from(esm_class))
            .data_coding(DataCoding::from(data_coding))
            .short_message(OctetString::from_vec(short_message.to_vec()).unwrap())
            .build()
            .into()
    }

    fn gateway() -> GatewayName {
        GatewayName::new("up".to_owned()).unwrap()
    }

    #[test]
    fn a_text_mo_is_decoded_and_keyed_by_time_source_and_sequence() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T01:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        let pdu = deliver_sm(0, 0, b"MO 1 from sim-smsc");
        let message = inbound(&gateway(), &pdu, 7, at).unwrap();
        assert_eq!(message.source, "34699000000");
        assert_eq!(message.destination.as_deref(), Some("12345"));
        assert_eq!(message.text.as_deref(), Some("MO 1 from sim-smsc"));
        assert_eq!(
            message.fingerprint,
            "20261201010203.34699000000.00000000000000000007"
        );
        assert!(message.complete);
        assert_eq!(message.parts, 1);
    }

    #[test]
    fn a_part_is_stored_alone_and_a_bad_header_is_kept_as_body() {
        let now = Utc::now();
        let udh = [5, 0, 3, 9, 2, 1];
        let part = [&udh[..], b"half"].concat();
        let message = inbound(&gateway(), &deliver_sm(0x40, 0, &part), 1, now).unwrap();
        assert_eq!(message.body, b"half");
        assert!(!message.complete);
        assert_eq!(
            message.part,
            Some(MoPart {
                reference: 9,
                total: 2,
                seq: 1
            })
        );
        let broken = [9, 0, 3];
        let message = inbound(&gateway(), &deliver_sm(0x40, 4, &broken), 2, now).unwrap();
        assert_eq!(message.body, broken);
        assert_eq!(message.text, None);
        assert_eq!(message.part, None);
    }

    #[test]
    fn a_ucp_delivery_is_stored_like_a_deliver_sm() {
        use crate::modem::pdu::UserData;
        let now = Utc::now();
        let part = ReceivedMessage {
            originator: "34699000000".into(),
            recipient: "12345".into(),
            scts: None,
            dcs: 0x08,
            user_data: UserData {
                udh: vec![5, 0, 3, 9, 2, 2],
                payload: crate::sms::ucs2::encode("¿sí?"),
            },
        };
        let message = inbound_ucp(&gateway(), &part, 3, now).unwrap();
        assert_eq!(message.source, "34699000000");
        assert_eq!(message.destination.as_deref(), Some("12345"));
        assert_eq!(message.dcs, 0x08);
        assert_eq!(message.body, crate::sms::ucs2::encode("¿sí?"));
        assert_eq!(
            message.part,
            Some(MoPart {
                reference: 9,
                total: 2,
                seq: 2
            })
        );
        let broken = ReceivedMessage {
            user_data: UserData {
                udh: vec![9, 0, 3],
                payload: b"x".to_vec(),
            },
            dcs: 0x04,
            ..part
        };
        let message = inbound_ucp(&gateway(), &broken, 4, now).unwrap();
        assert_eq!(message.body, [9, 0, 3, b'x']);
        assert_eq!(message.part, None);
    }

    #[test]
    fn a_cimd2_delivery_is_stored_like_a_deliver_sm() {
        use crate::cimd2::{Content, UserData};
        let now = Utc::now();
        let part = Deliver {
            destination: "12345".into(),
            originator: Some(Originator::Number("34699000000".into())),
            content: Content {
                data_coding: None,
                udh: Some(vec![5, 0, 3, 9, 2, 2]),
                user_data: Some(UserData::Text("¿Qué tal? €".into())),
            },
            ..Deliver::default()
        };
        let message = inbound_cimd2(&gateway(), &part, 3, now).unwrap();
        assert_eq!(message.source, "34699000000");
        assert_eq!(message.destination.as_deref(), Some("12345"));
        assert_eq!(message.dcs, 0);
        assert_eq!(message.text.as_deref(), Some("¿Qué tal? €"));
        assert_eq!(message.part.map(|part| part.seq), Some(2));
        let latin1 = Deliver {
            content: Content {
                user_data: Some(UserData::Text("ÿ".into())),
                ..Content::default()
            },
            ..part
        };
        let message = inbound_cimd2(&gateway(), &latin1, 4, now).unwrap();
        assert_eq!((message.dcs, message.text.as_deref()), (8, Some("ÿ")));
        assert!(message.complete);
    }
}
