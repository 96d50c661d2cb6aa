//! Addresses in a TPDU (3GPP TS 23.040 §9.1.2.5) and the service centre
//! address in front of it (TS 24.011 §8.2.5.1, as 27.005 §3.1 puts it in a
//! PDU-mode PDU). No I/O here.
//!
//! Both are a type-of-address octet (bit 7 set, TON in bits 6–4, NPI in
//! bits 3–0) and a value in semi-octets, low nibble first, padded with
//! 0xF. They differ in the length octet: a TP address counts the useful
//! semi-octets, the SCA counts the octets that follow it (type included),
//! and 0 means "no SCA: use the one stored on the SIM". An alphanumeric
//! TP address (TON 5) is GSM 7-bit text packed into the value, and its
//! length counts the semi-octets the packed septets fill.

use crate::model::{Address, AddressError, Npi, Ton};
use crate::sms::{gsm7, packing};

use super::error::{DecodeError, EncodeError};
use super::octets::Reader;

/// The most digits an address holds: 10 octets of semi-octets.
pub const MAX_DIGITS: usize = 20;
/// The most GSM characters an alphanumeric originator holds (§9.1.2.5:
/// 10 octets, 80 bits, 11 septets).
pub const MAX_ALPHANUMERIC: usize = 11;

/// An address as a TPDU carries it. TON and NPI are the model's types
/// (23.040 numbers them as SMPP does; values SMPP has no name for, such as
/// NPI 5 "service centre specific", stay [`Npi::Other`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PduAddress {
    /// Type of number, bits 6–4 of the type-of-address octet.
    pub ton: Ton,
    /// Numbering plan, bits 3–0 of the type-of-address octet.
    pub npi: Npi,
    /// Semi-octet digits (`0`–`9`, `*`, `#`, `a`, `b`, `c`), or the text of
    /// an alphanumeric address.
    pub value: String,
}

impl PduAddress {
    /// An address from its parts, unchecked: encoding is what refuses a bad one.
    pub fn new(ton: Ton, npi: Npi, value: impl Into<String>) -> PduAddress {
        PduAddress {
            ton,
            npi,
            value: value.into(),
        }
    }

    /// TON international, NPI ISDN: type-of-address 0x91.
    pub fn international(digits: impl Into<String>) -> PduAddress {
        PduAddress::new(Ton::International, Npi::Isdn, digits)
    }

    /// The type-of-address octet: 1, TON (3 bits), NPI (4 bits).
    pub fn type_octet(&self, field: &'static str) -> Result<u8, EncodeError> {
        let (ton, npi) = (u8::from(self.ton), u8::from(self.npi));
        if ton > 0b111 || npi > 0b1111 {
            return Err(EncodeError::TypeOfAddress { field, ton, npi });
        }
        Ok(0x80 | ton << 4 | npi)
    }

    /// The model's checked address (international numbers become an
    /// MSISDN's digits; the model refuses what it does not accept, such as
    /// an international number of 3 digits).
    pub fn to_address(&self) -> Result<Address, AddressError> {
        Address::new(self.ton, self.npi, &self.value)
    }
}

impl From<&Address> for PduAddress {
    fn from(address: &Address) -> PduAddress {
        PduAddress::new(address.ton(), address.npi(), address.text())
    }
}

/// Reads the SCA; `None` when its length is 0. A length of 1 (a type
/// octet and no digits) is an empty address, as some modems write it.
pub(crate) fn decode_sca(reader: &mut Reader) -> Result<Option<PduAddress>, DecodeError> {
    const FIELD: &str = "SCA";
    let length = usize::from(reader.octet(FIELD)?);
    if length == 0 {
        return Ok(None);
    }
    if length > 1 + MAX_DIGITS / 2 {
        return Err(DecodeError::AddressTooLong {
            field: FIELD,
            length,
            max: 1 + MAX_DIGITS / 2,
        });
    }
    let type_octet = reader.octet(FIELD)?;
    let octets = reader.take(length - 1, FIELD)?;
    let (ton, npi) = split_type(type_octet);
    // The SCA has no digit count: a final 0xF nibble is the filler.
    let mut nibbles = semi_octets(octets);
    if nibbles.last() == Some(&0xF) {
        nibbles.pop();
    }
    let value = digits(FIELD, &nibbles)?;
    Ok(Some(PduAddress::new(ton, npi, value)))
}

/// Writes the SCA: `00` for none.
pub(crate) fn encode_sca(sca: Option<&PduAddress>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    const FIELD: &str = "SCA";
    let Some(sca) = sca else {
        out.push(0);
        return Ok(());
    };
    let type_octet = sca.type_octet(FIELD)?;
    if sca.ton == Ton::Alphanumeric {
        return Err(EncodeError::Alphanumeric {
            field: FIELD,
            reason: "a service centre address is a number".into(),
        });
    }
    let packed = pack_digits(FIELD, &sca.value)?;
    out.push(1 + packed.len() as u8);
    out.push(type_octet);
    out.extend(packed);
    Ok(())
}

/// Reads a TP address (TP-OA, TP-DA, TP-RA).
pub(crate) fn decode_tp(
    reader: &mut Reader,
    field: &'static str,
) -> Result<PduAddress, DecodeError> {
    let length = usize::from(reader.octet(field)?);
    if length > MAX_DIGITS {
        return Err(DecodeError::AddressTooLong {
            field,
            length,
            max: MAX_DIGITS,
        });
    }
    let (ton, npi) = split_type(reader.octet(field)?);
    let octets = reader.take(length.div_ceil(2), field)?;
    let value = if ton == Ton::Alphanumeric {
        let septets = packing::unpack(octets, length * 4 / 7)?;
        gsm7::decode(&septets)
    } else {
        let nibbles = semi_octets(octets);
        let mut nibbles = &nibbles[..length];
        // Some senders count the 0xF filler in the length; it is never a
        // digit, so at the very end it is taken as the filler it is.
        if let [rest @ .., 0xF] = nibbles {
            nibbles = rest;
        }
        digits(field, nibbles)?
    };
    Ok(PduAddress::new(ton, npi, value))
}

/// Writes a TP address; alphanumeric ones are packed GSM 7-bit text.
pub(crate) fn encode_tp(
    address: &PduAddress,
    field: &'static str,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let type_octet = address.type_octet(field)?;
    if address.ton == Ton::Alphanumeric {
        let septets = gsm7::encode(&address.value).map_err(|error| EncodeError::Alphanumeric {
            field,
            reason: error.to_string(),
        })?;
        if septets.len() > MAX_ALPHANUMERIC {
            return Err(EncodeError::Alphanumeric {
                field,
                reason: format!("{} septets; at most {MAX_ALPHANUMERIC} fit", septets.len()),
            });
        }
        out.push((septets.len() * 7).div_ceil(4) as u8);
        out.push(type_octet);
        out.extend(packing::pack(&septets));
    } else {
        let packed = pack_digits(field, &address.value)?;
        out.push(address.value.len() as u8);
        out.push(type_octet);
        out.extend(packed);
    }
    Ok(())
}

fn split_type(octet: u8) -> (Ton, Npi) {
    (Ton::from((octet >> 4) & 0b111), Npi::from(octet & 0b1111))
}

fn semi_octets(octets: &[u8]) -> Vec<u8> {
    octets.iter().flat_map(|&o| [o & 0x0F, o >> 4]).collect()
}

/// Semi-octets to characters (§9.1.2.3); 0xF (the filler) is not a digit.
fn digits(field: &'static str, nibbles: &[u8]) -> Result<String, DecodeError> {
    nibbles
        .iter()
        .map(|&nibble| match nibble {
            0..=9 => Ok(char::from(b'0' + nibble)),
            0xA => Ok('*'),
            0xB => Ok('#'),
            0xC => Ok('a'),
            0xD => Ok('b'),
            0xE => Ok('c'),
            _ => Err(DecodeError::BadSemiOctet { field, nibble }),
        })
        .collect()
}

/// Characters to semi-octets, low nibble first, odd counts padded with 0xF.
fn pack_digits(field: &'static str, value: &str) -> Result<Vec<u8>, EncodeError> {
    let nibbles = value
        .chars()
        .map(|ch| match ch {
            '0'..='9' => Ok(ch as u8 - b'0'),
            '*' => Ok(0xA),
            '#' => Ok(0xB),
            'a' | 'A' => Ok(0xC),
            'b' | 'B' => Ok(0xD),
            'c' | 'C' => Ok(0xE),
            _ => Err(EncodeError::AddressCharacter { field, ch }),
        })
        .collect::<Result<Vec<u8>, _>>()?;
    if nibbles.len() > MAX_DIGITS {
        return Err(EncodeError::AddressTooLong {
            field,
            length: nibbles.len(),
            max: MAX_DIGITS,
        });
    }
    Ok(nibbles
        .chunks(2)
        .map(|pair| match pair {
            [low, high] => high << 4 | low,
            [low] => 0xF0 | low,
            _ => 0xFF,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_tp(octets: &[u8]) -> Result<PduAddress, DecodeError> {
        decode_tp(&mut Reader::new(octets), "TP-OA")
    }

    #[test]
    fn odd_digit_count_pads_with_f() {
        let mut out = Vec::new();
        encode_tp(&PduAddress::international("46708251358"), "TP-DA", &mut out).unwrap();
        assert_eq!(out, [0x0B, 0x91, 0x64, 0x07, 0x28, 0x15, 0x53, 0xF8]);
        assert_eq!(read_tp(&out), Ok(PduAddress::international("46708251358")));
    }

    #[test]
    fn filler_inside_the_digits_is_an_error() {
        // Four digits declared, the second is the 0xF filler.
        assert_eq!(
            read_tp(&[0x04, 0x81, 0xF1, 0x32]),
            Err(DecodeError::BadSemiOctet {
                field: "TP-OA",
                nibble: 0xF
            })
        );
        // Three digits and the filler, declared as 3 or (leniently) as 4.
        for length in [3, 4] {
            assert_eq!(
                read_tp(&[length, 0x81, 0x21, 0xF3]).map(|a| a.value),
                Ok("123".into())
            );
        }
    }

    #[test]
    fn too_long_and_truncated() {
        assert!(matches!(
            read_tp(&[0x15, 0x91]),
            Err(DecodeError::AddressTooLong { length: 21, .. })
        ));
        assert!(matches!(
            read_tp(&[0x0B, 0x91, 0x64]),
            Err(DecodeError::Truncated { .. })
        ));
        assert!(matches!(
            pack_digits("TP-DA", "+4670"),
            Err(EncodeError::AddressCharacter { ch: '+', .. })
        ));
    }

    #[test]
    fn type_octet_bounds() {
        let address = PduAddress::new(Ton::Other(9), Npi::Isdn, "1");
        assert!(matches!(
            address.type_octet("TP-DA"),
            Err(EncodeError::TypeOfAddress { ton: 9, .. })
        ));
        assert_eq!(
            PduAddress::new(Ton::Alphanumeric, Npi::Unknown, "").type_octet("x"),
            Ok(0xD0)
        );
    }
}
