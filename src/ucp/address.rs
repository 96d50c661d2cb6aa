//! An alphanumeric originator (OAdC with OTOA 5039): the sender id in GSM
//! 03.38 characters, packed seven bits each as on the air interface, after
//! one octet that counts the useful semi-octets (nibbles); the whole written
//! in hex. "ALPHA@NUM" is `10` (16 nibbles: 9 × 7 = 63 bits, rounded up)
//! followed by `412614190438AB4D`.
//!
//! Writers disagree on that count: Kannel writes the nibbles the septets
//! fill, rounded up; others write twice the octets. Reading takes as many
//! whole septets as the count covers and the octets hold, which gives the
//! same text for both. At most 11 characters, as on the air interface.

use crate::sms::{gsm7, packing};

/// The most septets an alphanumeric originator holds.
pub const MAX_SEPTETS: usize = 11;

/// Why a sender id cannot be packed, or packed octets are not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlphanumericError {
    /// A character outside GSM 03.38 and its extension table.
    #[error(transparent)]
    Unencodable(#[from] gsm7::Gsm7Error),
    /// More septets than an originator holds.
    #[error("{septets} GSM septets; an alphanumeric originator holds at most 11")]
    TooLong {
        /// Septets the text takes (extension characters count two).
        septets: usize,
    },
    /// No length octet.
    #[error("no semi-octet count")]
    Empty,
}

/// `text` packed, after its semi-octet count: the octets to write in hex.
pub fn pack(text: &str) -> Result<Vec<u8>, AlphanumericError> {
    let septets = gsm7::encode(text)?;
    if septets.len() > MAX_SEPTETS {
        return Err(AlphanumericError::TooLong {
            septets: septets.len(),
        });
    }
    // At most 11 septets: 77 bits, 20 nibbles.
    let nibbles = (septets.len() * 7).div_ceil(4) as u8;
    let mut octets = vec![nibbles];
    octets.extend(packing::pack(&septets));
    Ok(octets)
}

/// The text of packed octets (hex-decoded OAdC).
pub fn unpack(octets: &[u8]) -> Result<String, AlphanumericError> {
    let (&nibbles, packed) = octets.split_first().ok_or(AlphanumericError::Empty)?;
    let declared = usize::from(nibbles) * 4 / 7;
    let count = declared.min(packed.len() * 8 / 7);
    if count > MAX_SEPTETS {
        return Err(AlphanumericError::TooLong { septets: count });
    }
    // `count` septets fit in `packed` by construction, so this cannot fail.
    let septets = packing::unpack(packed, count).unwrap_or_default();
    Ok(gsm7::decode(&septets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_ucp_example() {
        // Net::UCP's documented submit: OAdC 10412614190438AB4D.
        let octets = [0x10, 0x41, 0x26, 0x14, 0x19, 0x04, 0x38, 0xAB, 0x4D];
        assert_eq!(unpack(&octets).unwrap(), "ALPHA@NUM");
        assert_eq!(pack("ALPHA@NUM").unwrap(), octets);
    }

    #[test]
    fn a_count_of_octets_reads_the_same() {
        // "test": 28 bits. Kannel counts 7 nibbles; a Go client counts 08.
        assert_eq!(pack("test").unwrap(), [0x07, 0xF4, 0xF2, 0x9C, 0x0E]);
        assert_eq!(unpack(&[0x08, 0xF4, 0xF2, 0x9C, 0x0E]).unwrap(), "test");
        assert_eq!(unpack(&[0x07, 0xF4, 0xF2, 0x9C, 0x0E]).unwrap(), "test");
    }

    #[test]
    fn a_count_beyond_the_octets_reads_what_is_there() {
        assert_eq!(unpack(&[0x14, 0xF4, 0xF2, 0x9C, 0x0E]).unwrap(), "test");
        assert_eq!(unpack(&[0x00]).unwrap(), "");
        assert_eq!(unpack(&[]), Err(AlphanumericError::Empty));
    }

    #[test]
    fn eleven_septets_at_most() {
        assert!(pack("ABCDEFGHIJK").is_ok());
        assert_eq!(
            pack("ABCDEFGHIJ€"),
            Err(AlphanumericError::TooLong { septets: 12 })
        );
        assert!(matches!(
            pack("Tienda ñá"),
            Err(AlphanumericError::Unencodable(_))
        ));
        let long = [[0xFF].as_slice(), &[0x41; 20]].concat();
        assert!(matches!(
            unpack(&long),
            Err(AlphanumericError::TooLong { .. })
        ));
    }
}
