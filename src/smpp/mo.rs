//! An MO message as the deliver_sm that carries it to an ESME (SPEC §3,
//! two-way): esm_class 0 (default message type), source_addr the handset,
//! destination_addr the number it was sent to, the data_coding it came
//! with, and the body in short_message, or in a message_payload TLV when
//! it is longer than short_message holds. No I/O here.

use super::dlr::BuildError;
use super::pdu::{
    AnyOctetString, COctetString, DataCoding, DeliverSm, EsmClass, MessageDeliveryRequestTlvValue,
    MessagePayload, Npi, OctetString, Ton,
};

/// The most octets short_message carries (SMPP 3.4 §5.2.22, sm_length).
pub const MAX_SHORT_MESSAGE: usize = 254;

/// The shortest all-digit address taken as an international number; a
/// shorter one is a short code.
const MIN_INTERNATIONAL_DIGITS: usize = 7;

/// The deliver_sm for an MO from `source` to `destination`, `body` in
/// `data_coding` (one septet per octet for GSM 03.38, no UDH).
pub fn mo_deliver_sm(
    source: &str,
    destination: &str,
    data_coding: u8,
    body: &[u8],
) -> Result<DeliverSm, BuildError> {
    let address = |addr: &str| {
        COctetString::<1, 21>::from_string(addr.to_owned())
            .map_err(|_| BuildError::Address(addr.to_owned()))
    };
    let (source_ton, source_npi) = numbering(source);
    let (dest_ton, dest_npi) = numbering(destination);
    let builder = DeliverSm::builder()
        .source_addr_ton(source_ton)
        .source_addr_npi(source_npi)
        .source_addr(address(source)?)
        .dest_addr_ton(dest_ton)
        .dest_addr_npi(dest_npi)
        .destination_addr(address(destination)?)
        .esm_class(EsmClass::from(0))
        .data_coding(DataCoding::from(data_coding));
    let builder = if body.len() <= MAX_SHORT_MESSAGE {
        let short_message = OctetString::<0, 255>::from_vec(body.to_vec())
            .map_err(|_| BuildError::Text(body.len()))?;
        builder.short_message(short_message)
    } else {
        builder.tlvs(vec![MessageDeliveryRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_vec(body.to_vec())),
        )])
    };
    Ok(builder.build())
}

/// TON and NPI of an address as received: an international number, a
/// short code, or an alphanumeric name.
fn numbering(addr: &str) -> (Ton, Npi) {
    let digits = addr.strip_prefix('+').unwrap_or(addr);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        (Ton::Alphanumeric, Npi::Unknown)
    } else if digits.len() >= MIN_INTERNATIONAL_DIGITS {
        (Ton::International, Npi::Isdn)
    } else {
        (Ton::Unknown, Npi::Isdn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smpp::pdu::{Pdu, message_content};

    #[test]
    fn a_short_mo_goes_in_short_message_with_its_addresses() {
        let deliver = mo_deliver_sm("34699000000", "12345", 8, &[0, 0x48, 0, 0x69]).unwrap();
        assert_eq!(deliver.source_addr.as_str(), "34699000000");
        assert_eq!(deliver.source_addr_ton, Ton::International);
        assert_eq!(deliver.destination_addr.as_str(), "12345");
        assert_eq!(deliver.dest_addr_ton, Ton::Unknown);
        assert_eq!(u8::from(deliver.esm_class), 0);
        assert_eq!(u8::from(deliver.data_coding), 8);
        assert_eq!(deliver.short_message().as_ref(), [0, 0x48, 0, 0x69]);
        assert!(deliver.tlvs().is_empty());
        let named = mo_deliver_sm("Bank", "447700900123", 0, b"x").unwrap();
        assert_eq!(named.source_addr_ton, Ton::Alphanumeric);
        assert_eq!(named.dest_addr_ton, Ton::International);
    }

    #[test]
    fn a_long_mo_goes_in_message_payload() {
        let body = vec![b'a'; MAX_SHORT_MESSAGE + 1];
        let deliver = mo_deliver_sm("34699000000", "12345", 0, &body).unwrap();
        assert!(deliver.short_message().is_empty());
        assert_eq!(
            message_content(&Pdu::DeliverSm(deliver)),
            Some(body.as_slice())
        );
        let fits = vec![b'a'; MAX_SHORT_MESSAGE];
        let deliver = mo_deliver_sm("34699000000", "12345", 0, &fits).unwrap();
        assert_eq!(deliver.short_message().as_ref(), fits.as_slice());
    }

    #[test]
    fn an_address_too_long_is_an_error() {
        assert_eq!(
            mo_deliver_sm(&"1".repeat(21), "12345", 0, b"x").unwrap_err(),
            BuildError::Address("1".repeat(21))
        );
    }
}
