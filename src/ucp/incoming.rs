//! The 5x fields read back into the forms the rest of pasarela takes: a
//! message (a delivery, 52, is an MO; a submit, 51, is what a customer
//! sends) as its TP-DCS and unpacked user data, the layout SMPP and the
//! modem driver hand to [`sms::incoming`](crate::sms::incoming); and a
//! delivery notification (53) as a receipt.
//!
//! Which TP-DCS the user data is in:
//!
//! | MT | XSer DCS | otherwise |
//! | --- | --- | --- |
//! | 2, 3 | as given when it names GSM 03.38, else 00 | 00 (GSM 03.38) |
//! | 4 | as given | DCs 0: GSM 03.38, packed, NB/7 characters; DCs 1 or none: 8-bit; MCLs adds the message class (F0/F4 + class) |
//!
//! The UDH comes from XSer type 01.

use chrono::NaiveDateTime;

use crate::model::MessageState;
use crate::modem::pdu::UserData;
use crate::sms::{Alphabet, ShortMessage, UdhError, gsm7, packing};

use super::content::Content;
use super::field::Field;
use super::reference::MessageReference;
use super::short_message::{DeliveryStatus, ShortMessageFields};

/// TP-DCS of GSM 03.38 text with no message class.
const DCS_GSM7: u8 = 0x00;
/// TP-DCS of 8-bit data with no message class.
const DCS_8BIT: u8 = 0x04;
/// TP-DCS group "data coding / message class": GSM 03.38 with a class.
const DCS_GSM7_CLASS: u8 = 0xF0;
/// TP-DCS group "data coding / message class": 8-bit data with a class.
const DCS_8BIT_CLASS: u8 = 0xF4;

/// A 51 or 52 read as a short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// OAdC: who sent it (the sender id as text when alphanumeric).
    pub originator: String,
    /// AdC: the number it was sent to.
    pub recipient: String,
    /// SCTS: when the service centre took it, in its local time.
    pub scts: Option<NaiveDateTime>,
    /// The TP-DCS the user data is in.
    pub dcs: u8,
    /// The UDH and the text or data, unpacked (septets one per octet).
    pub user_data: UserData,
}

impl ReceivedMessage {
    /// Reads the fields of a 51 or 52.
    pub fn read(fields: &ShortMessageFields) -> ReceivedMessage {
        let (dcs, payload) = match &fields.content {
            None => (text_dcs(fields), Vec::new()),
            Some(Content::Numeric(digits)) => (text_dcs(fields), digits.as_bytes().to_vec()),
            Some(Content::Alphanumeric(septets)) => (text_dcs(fields), septets.clone()),
            Some(Content::Transparent { bits, data }) => {
                let dcs = transparent_dcs(fields);
                let payload = if Alphabet::from_dcs(dcs) == Alphabet::Gsm7 {
                    // NB never counts more bits than the data holds, so
                    // the septets are there.
                    packing::unpack(data, usize::from(*bits) / 7).unwrap_or_default()
                } else {
                    data.clone()
                };
                (dcs, payload)
            }
        };
        ReceivedMessage {
            originator: fields.oadc.clone(),
            recipient: fields.adc.clone(),
            scts: fields.scts,
            dcs,
            user_data: UserData {
                udh: fields.xser.udh().unwrap_or_default().to_vec(),
                payload,
            },
        }
    }

    /// The user data taken apart: header, place in a concatenated
    /// message, text.
    pub fn short_message(&self) -> Result<ShortMessage, UdhError> {
        self.user_data.message(self.dcs)
    }
}

/// The TP-DCS of numeric and alphanumeric messages, which are GSM text.
fn text_dcs(fields: &ShortMessageFields) -> u8 {
    fields
        .xser
        .dcs()
        .filter(|&dcs| Alphabet::from_dcs(dcs) == Alphabet::Gsm7)
        .unwrap_or(DCS_GSM7)
}

/// The TP-DCS of transparent data.
fn transparent_dcs(fields: &ShortMessageFields) -> u8 {
    if let Some(dcs) = fields.xser.dcs() {
        return dcs;
    }
    let gsm7 = fields.dcs == Some(0);
    match (gsm7, fields.mcls) {
        (true, None) => DCS_GSM7,
        (true, Some(class)) => DCS_GSM7_CLASS | class,
        (false, None) => DCS_8BIT,
        (false, Some(class)) => DCS_8BIT_CLASS | class,
    }
}

/// A 53 read as a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The message it reports on, as the submit's acknowledgement named it.
    pub reference: MessageReference,
    /// Dst: what became of it.
    pub status: DeliveryStatus,
    /// Rsn: why it is buffered or was not delivered.
    pub reason: Option<u16>,
    /// DSCTS: when, in the service centre's local time.
    pub status_at: Option<NaiveDateTime>,
    /// The notification's text, when it has one.
    pub text: Option<String>,
}

/// Why a 53 cannot be read as a receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// A field that says which message or what became of it is empty.
    #[error("a delivery notification without {0}")]
    Missing(Field),
}

impl Notification {
    /// Reads the fields of a 53.
    pub fn read(fields: &ShortMessageFields) -> Result<Notification, NotificationError> {
        let scts = fields.scts.ok_or(NotificationError::Missing(Field::Scts))?;
        let status = fields.dst.ok_or(NotificationError::Missing(Field::Dst))?;
        let text = match &fields.content {
            Some(Content::Alphanumeric(septets)) => Some(gsm7::decode(septets)),
            Some(Content::Numeric(digits)) => Some(digits.clone()),
            Some(Content::Transparent { .. }) | None => None,
        };
        Ok(Notification {
            reference: MessageReference {
                recipient: fields.oadc.clone(),
                scts,
            },
            status,
            reason: fields.rsn,
            status_at: fields.dscts,
            text,
        })
    }

    /// The state the message is in: DELIVERED or UNDELIVERABLE, final;
    /// `None` while it is only buffered.
    pub const fn state(&self) -> Option<MessageState> {
        match self.status {
            DeliveryStatus::Delivered => Some(MessageState::Delivered),
            DeliveryStatus::NotDelivered => Some(MessageState::Undeliverable),
            DeliveryStatus::Buffered => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::concat::Reference;
    use crate::sms::{packing, ucs2};
    use crate::ucp::Codec;
    use crate::ucp::message::{Message, Operation};
    use crate::ucp::xser::{self, ExtraServices};

    fn fields_of(envelope: &str) -> ShortMessageFields {
        let frame = [b"\x02", envelope.as_bytes(), b"\x03"].concat();
        match Codec::new().decode(&frame).unwrap().unwrap().message {
            Message::Operation {
                operation:
                    Operation::Delivery(fields)
                    | Operation::Notification(fields)
                    | Operation::Submit(fields),
                ..
            } => *fields,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_specifications_delivery_is_an_mo() {
        let fields = fields_of(
            "00/00120/O/52/076523578/07686745/////////////120396111055////3//43616C6C20796F75206261636B206C617465722E///0//////////A3",
        );
        let received = ReceivedMessage::read(&fields);
        assert_eq!(received.originator, "07686745");
        assert_eq!(received.recipient, "076523578");
        assert_eq!(received.scts, fields.scts);
        assert_eq!(received.dcs, 0x00);
        let message = received.short_message().unwrap();
        assert_eq!(message.text.as_deref(), Some("Call you back later."));
        assert_eq!(message.concat, None);
    }

    #[test]
    fn the_specifications_notification_is_a_buffered_receipt() {
        let fields = fields_of(
            "00/00234/O/53/1299998/3155555/////////////090196161057/1/108/090196161105/3//4D65737361676520666F7220333135353535352C2077697468206964656E74696669636174696F6E2039363031303931363130353720686173206265656E206275666665726564/////////////1F",
        );
        let notification = Notification::read(&fields).unwrap();
        assert_eq!(notification.reference.to_string(), "3155555:090196161057");
        assert_eq!(notification.status, DeliveryStatus::Buffered);
        assert_eq!(notification.reason, Some(108));
        assert_eq!(notification.state(), None);
        assert!(notification.text.unwrap().ends_with("has been buffered"));
        // The submit's acknowledgement named the message the same way.
        assert_eq!(
            MessageReference::parse("3155555:090196161057"),
            Some(notification.reference)
        );
    }

    #[test]
    fn notification_states() {
        let mut fields = ShortMessageFields {
            oadc: "34600123456".into(),
            scts: fields_of(
                "00/00120/O/52/076523578/07686745/////////////120396111055////3//43616C6C20796F75206261636B206C617465722E///0//////////A3",
            )
            .scts,
            dst: Some(DeliveryStatus::Delivered),
            ..ShortMessageFields::default()
        };
        let state = |fields: &ShortMessageFields| Notification::read(fields).unwrap().state();
        assert_eq!(state(&fields), Some(MessageState::Delivered));
        fields.dst = Some(DeliveryStatus::NotDelivered);
        assert_eq!(state(&fields), Some(MessageState::Undeliverable));
        fields.dst = None;
        assert_eq!(
            Notification::read(&fields),
            Err(NotificationError::Missing(Field::Dst))
        );
        fields.scts = None;
        assert_eq!(
            Notification::read(&fields),
            Err(NotificationError::Missing(Field::Scts))
        );
    }

    #[test]
    fn a_ucs2_part_with_its_udh_in_xser() {
        let udh = crate::sms::Concat::new(Reference::Bits8(9), 2, 1)
            .unwrap()
            .udh_bytes();
        let mut extra = ExtraServices::default();
        extra.push(xser::UDH, udh);
        extra.push(xser::DCS, vec![0x08]);
        let fields = ShortMessageFields {
            content: Some(Content::transparent(ucs2::encode("привет"))),
            xser: extra,
            ..ShortMessageFields::default()
        };
        let message = ReceivedMessage::read(&fields).short_message().unwrap();
        assert_eq!(message.text.as_deref(), Some("привет"));
        assert_eq!(message.concat.map(|c| (c.total(), c.seq())), Some((2, 1)));
    }

    #[test]
    fn transparent_data_without_xser_dcs() {
        // DCs 0: packed GSM 03.38, NB/7 characters.
        let septets = crate::sms::gsm7::encode("hello").unwrap();
        let packed = packing::pack(&septets);
        let mut fields = ShortMessageFields {
            content: Some(Content::Transparent {
                bits: 35,
                data: packed,
            }),
            dcs: Some(0),
            ..ShortMessageFields::default()
        };
        let received = ReceivedMessage::read(&fields);
        assert_eq!(received.dcs, 0x00);
        assert_eq!(
            received.short_message().unwrap().text.as_deref(),
            Some("hello")
        );
        fields.mcls = Some(1);
        assert_eq!(ReceivedMessage::read(&fields).dcs, 0xF1);
        // DCs 1 or none: 8-bit data, with its class when MCLs says.
        fields.dcs = None;
        assert_eq!(ReceivedMessage::read(&fields).dcs, 0xF5);
        fields.mcls = None;
        let received = ReceivedMessage::read(&fields);
        assert_eq!(received.dcs, 0x04);
        assert_eq!(received.short_message().unwrap().text, None);
    }

    #[test]
    fn text_is_gsm_whatever_xser_says() {
        let mut extra = ExtraServices::default();
        extra.push(xser::DCS, vec![0x08]);
        let fields = ShortMessageFields {
            content: Some(Content::Numeric("1234".into())),
            xser: extra,
            ..ShortMessageFields::default()
        };
        let received = ReceivedMessage::read(&fields);
        assert_eq!(received.dcs, 0x00);
        assert_eq!(
            received.short_message().unwrap().text.as_deref(),
            Some("1234")
        );
    }
}
