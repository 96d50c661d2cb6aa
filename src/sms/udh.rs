//! The User Data Header (3GPP TS 23.040 §9.2.3.24): a length octet (UDHL)
//! and information elements, each an identifier, a length and data.
//!
//! Parsing takes the header off the front of a short message and keeps
//! every element, known or not; a header whose lengths run past the data is
//! a typed error, never a panic. No I/O here.

use super::concat::Concat;

/// esm_class bit 6 (SMPP 3.4 §5.2.12): the short message starts with a UDH.
pub const ESM_CLASS_UDHI: u8 = 0x40;

/// The body of a short_message: after its UDH when `esm_class` has UDHI
/// and the header reads, else all of it.
pub fn body_of(esm_class: u8, short_message: &[u8]) -> &[u8] {
    if esm_class & ESM_CLASS_UDHI != 0 {
        Udh::split(short_message).map_or(short_message, |(_, body)| body)
    } else {
        short_message
    }
}

/// One information element, kept as it came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InformationElement {
    /// IEI: what the element is (0x00 and 0x08 concatenation, 0x05 port
    /// addressing, 0x24/0x25 national language shift, ...).
    pub iei: u8,
    /// The element's data, without the IEI and length octets.
    pub data: Vec<u8>,
}

/// A parsed User Data Header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Udh {
    /// The elements in the order they came.
    pub elements: Vec<InformationElement>,
}

/// Why the front of a short message is not a well-formed UDH.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UdhError {
    /// UDHI is set but the short message is empty: no UDHL octet.
    #[error("UDHI is set but the short message is empty")]
    Empty,
    /// UDHL announces more octets than follow it.
    #[error("UDHL says {udhl} octets but only {available} follow it")]
    LengthOverrun {
        /// The UDHL octet: header octets after it.
        udhl: u8,
        /// Octets that do follow it.
        available: usize,
    },
    /// An element's length runs past the end of the header, or the header
    /// ends one octet into an element.
    #[error("information element {iei:#04x} is cut short by the end of the header")]
    ElementOverrun {
        /// The element's identifier.
        iei: u8,
    },
}

impl Udh {
    /// Takes the header off the front of `user_data` (which starts with
    /// UDHL) and returns it with the rest, the message body.
    pub fn split(user_data: &[u8]) -> Result<(Udh, &[u8]), UdhError> {
        let (&udhl, rest) = user_data.split_first().ok_or(UdhError::Empty)?;
        let header = rest
            .get(..usize::from(udhl))
            .ok_or(UdhError::LengthOverrun {
                udhl,
                available: rest.len(),
            })?;
        let mut elements = Vec::new();
        let mut remaining = header;
        while let [iei, len, tail @ ..] = remaining {
            let data = tail
                .get(..usize::from(*len))
                .ok_or(UdhError::ElementOverrun { iei: *iei })?;
            elements.push(InformationElement {
                iei: *iei,
                data: data.to_vec(),
            });
            remaining = &tail[data.len()..];
        }
        if let [iei] = remaining {
            return Err(UdhError::ElementOverrun { iei: *iei });
        }
        Ok((Udh { elements }, &rest[header.len()..]))
    }

    /// The concatenation element, if there is a valid one. When several are
    /// present the last wins, as 23.040 §9.2.3.24 says for repeated elements
    /// that should not repeat.
    pub fn concat(&self) -> Option<Concat> {
        self.elements
            .iter()
            .rev()
            .find_map(|ie| Concat::from_ie(ie.iei, &ie.data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::concat::Reference;

    #[test]
    fn splits_an_8_bit_concatenation_header() {
        let (udh, body) = Udh::split(&[0x05, 0x00, 0x03, 0xCC, 0x02, 0x01, b'h', b'i']).unwrap();
        assert_eq!(body, b"hi");
        assert_eq!(udh.concat(), Concat::new(Reference::Bits8(0xCC), 2, 1));
    }

    #[test]
    fn keeps_unknown_elements_and_finds_concat_after_them() {
        // Port addressing (0x05, 16-bit ports), then a 16-bit concatenation.
        let data = [
            0x0C, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x08, 0x04, 0x01, 0x02, 0x03, 0x01,
        ];
        let (udh, body) = Udh::split(&data).unwrap();
        assert!(body.is_empty());
        assert_eq!(udh.elements.len(), 2);
        assert_eq!(udh.elements[0].iei, 0x05);
        assert_eq!(udh.concat(), Concat::new(Reference::Bits16(0x0102), 3, 1));
        assert_eq!(udh.elements[1].data, [0x01, 0x02, 0x03, 0x01]);
    }

    #[test]
    fn malformed_headers_are_typed_errors() {
        assert_eq!(Udh::split(&[]), Err(UdhError::Empty));
        assert_eq!(
            Udh::split(&[0x05, 0x00, 0x03]),
            Err(UdhError::LengthOverrun {
                udhl: 5,
                available: 2
            })
        );
        assert_eq!(
            Udh::split(&[0x03, 0x00, 0x03, 0x01]),
            Err(UdhError::ElementOverrun { iei: 0x00 })
        );
        assert_eq!(
            Udh::split(&[0x01, 0x00]),
            Err(UdhError::ElementOverrun { iei: 0x00 })
        );
    }

    #[test]
    fn empty_header_is_valid() {
        let (udh, body) = Udh::split(&[0x00, b'x']).unwrap();
        assert_eq!(udh, Udh::default());
        assert_eq!(body, b"x");
    }
}
