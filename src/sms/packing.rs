//! Septet packing for the TP-User-Data of SMS PDUs (modem PDU mode), as
//! 3GPP TS 23.038 §6.1.2.1 and TS 23.040 §9.2.3.24 lay it out.
//!
//! Eight septets fill seven octets, least significant bit first. When a
//! User Data Header comes first, fill bits follow it so that the text starts
//! on a septet boundary, and TP-UDL counts the header, the fill bits and the
//! text together in septets. SMPP does not pack (it carries one septet per
//! octet), so only the modem driver needs this. No I/O here.
//!
//! Written here rather than taken from the `gsm7` crate (0.4.1): that crate
//! decodes a trailing `@` out of the seven zero padding bits left by 8n−1
//! septets, because its reader takes no septet count; its CR padding check
//! tests the wrong remainder; its `write_bytes` does not advance the counter
//! the fill bits depend on; and it fails on unknown escapes where 23.038
//! says to fall back to the base table.

/// Why packed user data cannot be unpacked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PackingError {
    /// The octets end before the septets TP-UDL announces (header included).
    #[error("user data needs {needed} octets for {septets} septets but has {available}")]
    TooShort {
        /// Septets to read after the header.
        septets: usize,
        /// Octets those septets need, header included.
        needed: usize,
        /// Octets there are.
        available: usize,
    },
    /// TP-UDHI is set but there is no UDHL octet.
    #[error("UDHI is set but the user data is empty")]
    MissingHeader,
    /// UDHL + 1 is more than the user data holds.
    #[error("the header declares {declared} octets but the user data has {available}")]
    HeaderOverrun {
        /// Header octets announced, UDHL octet included.
        declared: usize,
        /// Octets of user data.
        available: usize,
    },
    /// TP-UDL is smaller than the header (with its fill bits) alone.
    #[error("TP-UDL of {udl} septets is shorter than the {header} septets the header takes")]
    LengthShorterThanHeader {
        /// TP-UDL, in septets.
        udl: usize,
        /// Septets the header and its fill bits take.
        header: usize,
    },
}

/// Packed TP-User-Data and the TP-UDL that goes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedUserData {
    /// TP-UDL: header, fill bits and text, in septets.
    pub udl: usize,
    /// TP-UD: the header octets, then the packed septets.
    pub octets: Vec<u8>,
}

/// How many septets a header of `udh_len` octets (UDHL octet included)
/// takes, fill bits included.
pub const fn header_septets(udh_len: usize) -> usize {
    (udh_len * 8).div_ceil(7)
}

/// How many zero fill bits follow a header of `udh_len` octets (UDHL octet
/// included) so that the text starts on a septet boundary: 0 to 6.
pub const fn fill_bits(udh_len: usize) -> usize {
    header_septets(udh_len) * 7 - udh_len * 8
}

/// Packs septets with no header: 8 septets into 7 octets, unused high bits
/// of the last octet zero. Only the low seven bits of each input octet count.
pub fn pack(septets: &[u8]) -> Vec<u8> {
    let mut octets = vec![0; (septets.len() * 7).div_ceil(8)];
    write_septets(&mut octets, 0, septets);
    octets
}

/// Reads `count` septets packed with no header.
pub fn unpack(octets: &[u8], count: usize) -> Result<Vec<u8>, PackingError> {
    read_septets(octets, 0, count)
}

/// TP-UD for a message with header `udh` (UDHL octet included; empty for
/// none) and text `septets`: the header, the fill bits, the packed text.
pub fn pack_user_data(udh: &[u8], septets: &[u8]) -> PackedUserData {
    let header = header_septets(udh.len());
    let udl = header + septets.len();
    let mut octets = vec![0; (udl * 7).div_ceil(8)];
    octets[..udh.len()].copy_from_slice(udh);
    write_septets(&mut octets, header * 7, septets);
    PackedUserData { udl, octets }
}

/// The inverse of [`pack_user_data`]: TP-UD and TP-UDL (septets) to the
/// header octets followed by the text as unpacked septets, one per octet,
/// which is the layout SMPP uses, ready for
/// [`incoming::decode_user_data`](super::incoming::decode_user_data).
pub fn unpack_user_data(ud: &[u8], udl: usize, udhi: bool) -> Result<Vec<u8>, PackingError> {
    let udh_len = if udhi {
        let udhl = *ud.first().ok_or(PackingError::MissingHeader)?;
        let declared = usize::from(udhl) + 1;
        if declared > ud.len() {
            return Err(PackingError::HeaderOverrun {
                declared,
                available: ud.len(),
            });
        }
        declared
    } else {
        0
    };
    let header = header_septets(udh_len);
    let text = udl
        .checked_sub(header)
        .ok_or(PackingError::LengthShorterThanHeader { udl, header })?;
    let septets = read_septets(ud, header * 7, text)?;
    let mut out = Vec::with_capacity(udh_len + septets.len());
    out.extend_from_slice(&ud[..udh_len]);
    out.extend_from_slice(&septets);
    Ok(out)
}

/// Writes each septet at `start_bit + 7 * i`; `octets` is long enough.
fn write_septets(octets: &mut [u8], start_bit: usize, septets: &[u8]) {
    for (i, &septet) in septets.iter().enumerate() {
        let bit = start_bit + 7 * i;
        let (index, shift) = (bit / 8, bit % 8);
        let value = u16::from(septet & 0x7F) << shift;
        let [low, high] = value.to_le_bytes();
        octets[index] |= low;
        if let Some(next) = octets.get_mut(index + 1) {
            *next |= high;
        }
    }
}

fn read_septets(octets: &[u8], start_bit: usize, count: usize) -> Result<Vec<u8>, PackingError> {
    let needed = (start_bit + 7 * count).div_ceil(8);
    if needed > octets.len() {
        return Err(PackingError::TooShort {
            septets: count,
            needed,
            available: octets.len(),
        });
    }
    Ok((0..count)
        .map(|i| {
            let bit = start_bit + 7 * i;
            let (index, shift) = (bit / 8, bit % 8);
            let low = octets[index];
            let high = octets.get(index + 1).copied().unwrap_or(0);
            let value = u16::from_le_bytes([low, high]) >> shift;
            (value & 0x7F) as u8
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_bits_for_the_usual_headers() {
        // 8-bit concatenation header: 6 octets = 48 bits → 7 septets, 1 fill bit.
        assert_eq!((header_septets(6), fill_bits(6)), (7, 1));
        // 16-bit concatenation header: 7 octets = 56 bits, already aligned.
        assert_eq!((header_septets(7), fill_bits(7)), (8, 0));
        assert_eq!((header_septets(0), fill_bits(0)), (0, 0));
        assert_eq!(fill_bits(11), 3);
    }

    #[test]
    fn eight_minus_one_septets_leave_zero_padding_that_is_not_read() {
        let packed = pack(&[0x41; 7]);
        assert_eq!(packed.len(), 7);
        assert_eq!(packed[6] & 0xFE, 0);
        assert_eq!(unpack(&packed, 7), Ok(vec![0x41; 7]));
    }

    #[test]
    fn short_input_is_an_error() {
        assert_eq!(
            unpack(&[0xE8], 2),
            Err(PackingError::TooShort {
                septets: 2,
                needed: 2,
                available: 1
            })
        );
        assert_eq!(
            unpack_user_data(&[], 0, true),
            Err(PackingError::MissingHeader)
        );
        assert_eq!(
            unpack_user_data(&[0x05, 0x00, 0x03], 7, true),
            Err(PackingError::HeaderOverrun {
                declared: 6,
                available: 3
            })
        );
        assert_eq!(
            unpack_user_data(&[0x05, 0x00, 0x03, 0x01, 0x02, 0x01], 3, true),
            Err(PackingError::LengthShorterThanHeader { udl: 3, header: 7 })
        );
    }
}
