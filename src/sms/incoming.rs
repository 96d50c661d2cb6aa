//! Reading a received short message (deliver_sm, data_sm, or a modem's
//! SMS-DELIVER once unpacked): split off the UDH when UDHI says there is
//! one, find out which part of which long message it is (UDH
//! concatenation element, or the SAR TLVs the caller read), and turn the
//! body into text when the alphabet has one.
//!
//! A malformed UDH is a typed error; nothing here panics on any input, and
//! text decoding degrades to U+FFFD instead of failing. No I/O here.

use super::concat::{Concat, Sar};
use super::data_coding::Alphabet;
use super::udh::{ESM_CLASS_UDHI, Udh, UdhError};
use super::{gsm7, ucs2};

/// A received short message, taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortMessage {
    /// The alphabet data_coding (or TP-DCS) names for the body.
    pub alphabet: Alphabet,
    /// The header, when UDHI was set.
    pub udh: Option<Udh>,
    /// Its place in a concatenated message: from the UDH concatenation
    /// element if there is a valid one, else from the SAR TLVs if they are
    /// in range, else `None` (a message on its own).
    pub concat: Option<Concat>,
    /// The octets after the header, as received. Kept so that parts can be
    /// joined before decoding, which heals an escape or a surrogate pair a
    /// careless sender split across parts.
    pub body: Vec<u8>,
    /// The body as text; `None` for binary data and unsupported alphabets.
    pub text: Option<String>,
}

/// Takes apart an SMPP short_message (or message_payload) given the PDU's
/// data_coding and esm_class, and the SAR TLVs if the PDU had them.
pub fn decode(
    data_coding: u8,
    esm_class: u8,
    short_message: &[u8],
    sar: Option<Sar>,
) -> Result<ShortMessage, UdhError> {
    decode_user_data(
        Alphabet::from_data_coding(data_coding),
        esm_class & ESM_CLASS_UDHI != 0,
        short_message,
        sar,
    )
}

/// Takes apart user data in the SMPP layout (header octets, then the body
/// with septets one per octet) in a known alphabet. The modem driver gets
/// this layout from [`packing::unpack_user_data`](super::packing::unpack_user_data)
/// and the alphabet from [`Alphabet::from_dcs`].
pub fn decode_user_data(
    alphabet: Alphabet,
    udhi: bool,
    user_data: &[u8],
    sar: Option<Sar>,
) -> Result<ShortMessage, UdhError> {
    let (udh, body) = if udhi {
        let (udh, body) = Udh::split(user_data)?;
        (Some(udh), body)
    } else {
        (None, user_data)
    };
    let concat = udh
        .as_ref()
        .and_then(Udh::concat)
        .or_else(|| sar.and_then(Concat::from_sar));
    Ok(ShortMessage {
        alphabet,
        udh,
        concat,
        text: decode_text(alphabet, body),
        body: body.to_vec(),
    })
}

/// A body as text in `alphabet`; `None` when the alphabet is not text this
/// layer reads. Never fails: what cannot be read becomes U+FFFD.
pub fn decode_text(alphabet: Alphabet, body: &[u8]) -> Option<String> {
    match alphabet {
        Alphabet::Gsm7 => Some(gsm7::decode(body)),
        Alphabet::Ascii => Some(
            body.iter()
                .map(|&b| {
                    if b.is_ascii() {
                        char::from(b)
                    } else {
                        char::REPLACEMENT_CHARACTER
                    }
                })
                .collect(),
        ),
        Alphabet::Latin1 => Some(body.iter().map(|&b| char::from(b)).collect()),
        Alphabet::Ucs2 => Some(ucs2::decode(body)),
        Alphabet::Binary | Alphabet::Unsupported(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_and_ascii() {
        assert_eq!(
            decode_text(Alphabet::Latin1, b"ni\xF1o").as_deref(),
            Some("niño")
        );
        assert_eq!(
            decode_text(Alphabet::Ascii, b"ni\xF1o").as_deref(),
            Some("ni\u{FFFD}o")
        );
    }

    #[test]
    fn binary_keeps_octets_and_has_no_text() {
        let message = decode(0x04, 0x00, &[0xDE, 0xAD], None).unwrap();
        assert_eq!(message.alphabet, Alphabet::Binary);
        assert_eq!(message.body, [0xDE, 0xAD]);
        assert_eq!(message.text, None);
    }

    #[test]
    fn udh_concat_wins_over_sar() {
        let sar = Sar {
            msg_ref_num: 9,
            total_segments: 3,
            segment_seqnum: 3,
        };
        let message = decode(
            0x00,
            0x40,
            &[0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x41],
            Some(sar),
        )
        .unwrap();
        assert_eq!(
            message.concat.map(|c| (c.reference().value(), c.seq())),
            Some((1, 1))
        );
        let message = decode(0x00, 0x00, &[0x41], Some(sar)).unwrap();
        assert_eq!(
            message.concat.map(|c| (c.reference().value(), c.seq())),
            Some((9, 3))
        );
    }

    #[test]
    fn out_of_range_sar_is_a_single_message() {
        let sar = Sar {
            msg_ref_num: 9,
            total_segments: 2,
            segment_seqnum: 0,
        };
        assert_eq!(decode(0x00, 0x00, b"A", Some(sar)).unwrap().concat, None);
    }

    #[test]
    fn malformed_udh_is_an_error() {
        assert_eq!(
            decode(0x00, 0x40, &[0x09, 0x00], None),
            Err(UdhError::LengthOverrun {
                udhl: 9,
                available: 1
            })
        );
        // Without UDHI the same octets are just text.
        assert!(decode(0x00, 0x00, &[0x09, 0x00], None).is_ok());
    }
}
