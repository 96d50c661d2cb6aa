//! Receipts as PDUs: build the deliver_sm that carries a receipt to an ESME
//! (SPEC §3: esm_class 0x04, receipted_message_id and message_state TLVs,
//! receipt text, addresses swapped relative to the submit), and read the
//! receipt out of a deliver_sm or data_sm from an upstream SMSC (TLVs
//! preferred, the text as fallback).

use super::pdu::{
    COctetString, DataCoding, DeliverSm, EsmClass, MessageDeliveryRequestTlvValue, MessageState,
    NetworkErrorCode, Npi, OctetString, Pdu, SubmitSm, Tlv, TlvValue, Ton,
};
use super::receipt::{Receipt, Stat};

/// esm_class message type bits (SMPP 3.4 §5.2.12, bits 5..2).
const MESSAGE_TYPE_MASK: u8 = 0b0011_1100;
const MC_DELIVERY_RECEIPT: u8 = 0b0000_0100;
const INTERMEDIATE_NOTIFICATION: u8 = 0b0010_0000;

/// One end of a message: TON, NPI and the address digits or letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Type of number (`*_addr_ton`, SMPP 3.4 §5.2.5).
    pub ton: Ton,
    /// Numbering plan (`*_addr_npi`, SMPP 3.4 §5.2.6).
    pub npi: Npi,
    /// The address text as on the wire, without its NUL: at most 20
    /// characters.
    pub addr: String,
}

impl Address {
    /// The originator of a submit_sm.
    pub fn source_of(submit: &SubmitSm) -> Address {
        Address {
            ton: submit.source_addr_ton,
            npi: submit.source_addr_npi,
            addr: submit.source_addr.as_str().to_owned(),
        }
    }

    /// The recipient of a submit_sm.
    pub fn destination_of(submit: &SubmitSm) -> Address {
        Address {
            ton: submit.dest_addr_ton,
            npi: submit.dest_addr_npi,
            addr: submit.destination_addr.as_str().to_owned(),
        }
    }
}

/// Why a receipt PDU could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// An address is not ASCII or longer than the 20 characters
    /// `source_addr`/`destination_addr` hold; carries the address.
    #[error("address {0:?} does not fit the 20-character address field")]
    Address(String),
    /// The receipt's id does not fit receipted_message_id (ASCII, at most
    /// 64 characters); carries the id.
    #[error("message id {0:?} is not ASCII of at most 64 characters")]
    MessageId(String),
    /// The formatted receipt text is longer than short_message holds;
    /// carries its length in octets.
    #[error("receipt text is {0} octets, more than short_message holds")]
    Text(usize),
}

/// The deliver_sm that reports `receipt` to the ESME that submitted the
/// message from `submit_source` to `submit_destination`. The receipt's
/// `stat` gives message_state (UNKNOWN when absent or unrecognised).
pub fn receipt_deliver_sm(
    submit_source: &Address,
    submit_destination: &Address,
    receipt: &Receipt,
) -> Result<DeliverSm, BuildError> {
    let address = |a: &Address| {
        COctetString::<1, 21>::from_string(a.addr.clone())
            .map_err(|_| BuildError::Address(a.addr.clone()))
    };
    let message_id = COctetString::<1, 65>::from_string(receipt.id.clone())
        .map_err(|_| BuildError::MessageId(receipt.id.clone()))?;
    let text = receipt.format();
    let text_len = text.len();
    let short_message =
        OctetString::<0, 255>::from_string(text).map_err(|_| BuildError::Text(text_len))?;
    let state = receipt
        .stat
        .as_ref()
        .and_then(Stat::message_state)
        .unwrap_or(MessageState::Unknown);
    Ok(DeliverSm::builder()
        .source_addr_ton(submit_destination.ton)
        .source_addr_npi(submit_destination.npi)
        .source_addr(address(submit_destination)?)
        .dest_addr_ton(submit_source.ton)
        .dest_addr_npi(submit_source.npi)
        .destination_addr(address(submit_source)?)
        .esm_class(EsmClass::from(MC_DELIVERY_RECEIPT))
        .data_coding(DataCoding::from(0))
        .short_message(short_message)
        .tlvs(vec![
            MessageDeliveryRequestTlvValue::ReceiptedMessageId(message_id),
            MessageDeliveryRequestTlvValue::MessageState(state),
        ])
        .build())
}

/// What an incoming receipt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingReceipt {
    /// The upstream message id: receipted_message_id if present, else the
    /// text's `id:`. Raw, not normalised.
    pub message_id: String,
    /// From the message_state TLV, else from the text's `stat:`.
    pub state: Option<MessageState>,
    /// The network_error_code TLV, if sent.
    pub network_error: Option<NetworkErrorCode>,
    /// The parsed text, if the short message (or message_payload) was one.
    pub text: Option<Receipt>,
    /// esm_class said "intermediate notification" rather than final receipt.
    pub intermediate: bool,
}

/// Why a deliver_sm/data_sm that claims to be a receipt could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// No receipted_message_id TLV, and no text with an `id:` field either,
    /// so the receipt cannot be matched to a message.
    #[error("receipt has neither a receipted_message_id TLV nor a text with an id")]
    NoMessageId,
}

/// Read a receipt from a deliver_sm or data_sm. `Ok(None)` when the PDU is
/// not a receipt (an MO message, or another PDU): esm_class does not say
/// receipt or intermediate notification and there is no
/// receipted_message_id TLV.
pub fn read_receipt(pdu: &Pdu) -> Result<Option<IncomingReceipt>, ReadError> {
    let (esm_class, tlvs, short_message): (EsmClass, &[Tlv], &[u8]) = match pdu {
        Pdu::DeliverSm(body) => (body.esm_class, body.tlvs(), body.short_message()),
        Pdu::DataSm(body) => (body.esm_class, body.tlvs(), &[]),
        _ => return Ok(None),
    };
    let message_type = u8::from(esm_class) & MESSAGE_TYPE_MASK;
    let mut receipted_id = None;
    let mut state = None;
    let mut network_error = None;
    let mut payload: Option<&[u8]> = None;
    for tlv in tlvs {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(id)) => receipted_id = Some(id.as_str().to_owned()),
            Some(TlvValue::MessageState(value)) => state = Some(*value),
            Some(TlvValue::NetworkErrorCode(value)) => network_error = Some(value.clone()),
            Some(TlvValue::MessagePayload(value)) => payload = Some(value.value.as_ref()),
            _ => {}
        }
    }
    let claims_receipt = message_type == MC_DELIVERY_RECEIPT
        || message_type == INTERMEDIATE_NOTIFICATION
        || receipted_id.is_some();
    if !claims_receipt {
        return Ok(None);
    }
    let raw = if short_message.is_empty() {
        payload.unwrap_or_default()
    } else {
        short_message
    };
    let text = Receipt::parse(&String::from_utf8_lossy(raw)).ok();
    let message_id = receipted_id
        .or_else(|| text.as_ref().map(|t| t.id.clone()))
        .filter(|id| !id.is_empty())
        .ok_or(ReadError::NoMessageId)?;
    let state = state.or_else(|| {
        text.as_ref()
            .and_then(|t| t.stat.as_ref())
            .and_then(Stat::message_state)
    });
    Ok(Some(IncomingReceipt {
        message_id,
        state,
        network_error,
        text,
        intermediate: message_type == INTERMEDIATE_NOTIFICATION,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::{
        AnyOctetString, DataSm, MessagePayload, MessageSubmissionRequestTlvValue,
    };

    fn addr(digits: &str) -> Address {
        Address {
            ton: Ton::International,
            npi: Npi::Isdn,
            addr: digits.to_owned(),
        }
    }

    fn receipt(id: &str, stat: Stat) -> Receipt {
        Receipt {
            id: id.to_owned(),
            stat: Some(stat),
            text: Some("hello".into()),
            ..Receipt::default()
        }
    }

    #[test]
    fn built_receipt_swaps_addresses_and_carries_tlvs() {
        let dlr = receipt_deliver_sm(
            &addr("34600111222"),
            &addr("34600333444"),
            &receipt("m-1", Stat::Delivered),
        )
        .expect("fits");
        assert_eq!(dlr.source_addr.as_str(), "34600333444");
        assert_eq!(dlr.destination_addr.as_str(), "34600111222");
        assert_eq!(u8::from(dlr.esm_class), 0x04);
        let read = read_receipt(&Pdu::DeliverSm(dlr))
            .expect("readable")
            .expect("a receipt");
        assert_eq!(read.message_id, "m-1");
        assert_eq!(read.state, Some(MessageState::Delivered));
        assert!(!read.intermediate);
        assert_eq!(read.text.map(|t| t.stat), Some(Some(Stat::Delivered)));
    }

    #[test]
    fn build_rejects_what_does_not_fit() {
        let long = "1".repeat(21);
        assert_eq!(
            receipt_deliver_sm(&addr(&long), &addr("1"), &receipt("x", Stat::Delivered)),
            Err(BuildError::Address(long))
        );
        let id = "i".repeat(65);
        assert_eq!(
            receipt_deliver_sm(&addr("1"), &addr("2"), &receipt(&id, Stat::Delivered)),
            Err(BuildError::MessageId(id))
        );
    }

    #[test]
    fn text_only_receipt_is_read_from_the_text() {
        let text = b"id:77 sub:001 dlvrd:000 submit date:2403051430 done date:2403051431 stat:UNDELIV err:012 text:x";
        let dlr = DeliverSm::builder()
            .esm_class(EsmClass::from(0x04))
            .short_message(OctetString::from_static_slice(text).expect("fits"))
            .build();
        let read = read_receipt(&Pdu::DeliverSm(dlr))
            .expect("readable")
            .expect("a receipt");
        assert_eq!(read.message_id, "77");
        assert_eq!(read.state, Some(MessageState::Undeliverable));
    }

    #[test]
    fn mo_is_not_a_receipt_and_a_receipt_without_id_is_an_error() {
        let mo = DeliverSm::builder()
            .esm_class(EsmClass::from(0))
            .short_message(OctetString::from_static_slice(b"id:1 stat:DELIVRD").expect("fits"))
            .build();
        assert_eq!(read_receipt(&Pdu::DeliverSm(mo)), Ok(None));
        let broken = DeliverSm::builder()
            .esm_class(EsmClass::from(0x04))
            .short_message(OctetString::from_static_slice(b"garbage").expect("fits"))
            .build();
        assert_eq!(
            read_receipt(&Pdu::DeliverSm(broken)),
            Err(ReadError::NoMessageId)
        );
        assert_eq!(read_receipt(&Pdu::EnquireLink), Ok(None));
    }

    #[test]
    fn data_sm_receipt_uses_tlvs() {
        let data_sm = DataSm::builder()
            .esm_class(EsmClass::from(0x04))
            .tlvs(vec![MessageSubmissionRequestTlvValue::MessagePayload(
                MessagePayload::new(AnyOctetString::from_static_slice(b"id:ab stat:EXPIRED")),
            )])
            .build();
        let read = read_receipt(&Pdu::DataSm(data_sm))
            .expect("readable")
            .expect("a receipt");
        assert_eq!(read.message_id, "ab");
        assert_eq!(read.state, Some(MessageState::Expired));
    }
}
