//! PDU mode carries octets as uppercase hexadecimal text (3GPP TS 27.005
//! §3.1, `<pdu>`): two characters per octet. No I/O here.

/// Why a PDU line is not hexadecimal octets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// The text, trimmed, has an odd number of octets or characters.
    #[error("hex text has an odd number of characters ({length})")]
    OddLength {
        /// The trimmed text's length in octets.
        length: usize,
    },
    /// A character that is not `0`–`9`, `a`–`f` or `A`–`F`.
    #[error("{ch:?} at character {offset} is not a hexadecimal digit")]
    NotHex {
        /// The character.
        ch: char,
        /// Its position in the trimmed text, from 0.
        offset: usize,
    },
}

/// Octets from hexadecimal text, either case. Surrounding whitespace is
/// ignored; anything else that is not a hex digit is an error.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let text = text.trim();
    if text.len() % 2 != 0 {
        return Err(HexError::OddLength { length: text.len() });
    }
    let digit = |offset: usize, ch: char| {
        ch.to_digit(16)
            .map(|d| d as u8)
            .ok_or(HexError::NotHex { ch, offset })
    };
    let mut octets = Vec::with_capacity(text.len() / 2);
    let mut chars = text.char_indices();
    while let Some((offset, high)) = chars.next() {
        let high = digit(offset, high)?;
        // The length is even and every character before was one octet of
        // ASCII, so a partner exists; a multi-byte character makes the byte
        // count even while the character count is odd, hence the check.
        let (offset, low) = chars
            .next()
            .ok_or(HexError::OddLength { length: text.len() })?;
        let low = digit(offset, low)?;
        octets.push(high << 4 | low);
    }
    Ok(octets)
}

/// Octets as uppercase hexadecimal text, the way modems expect it.
pub fn encode(octets: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut text = String::with_capacity(octets.len() * 2);
    for &octet in octets {
        text.push(char::from(DIGITS[usize::from(octet >> 4)]));
        text.push(char::from(DIGITS[usize::from(octet & 0x0F)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(decode("00aF"), Ok(vec![0x00, 0xAF]));
        assert_eq!(encode(&[0x00, 0xAF]), "00AF");
        assert_eq!(decode(" 0A\r\n"), Ok(vec![0x0A]));
        assert_eq!(decode("0"), Err(HexError::OddLength { length: 1 }));
        assert_eq!(decode("0G"), Err(HexError::NotHex { ch: 'G', offset: 1 }));
        // "é" is two bytes: an even byte count, an odd character count.
        assert!(decode("0é").is_err());
    }
}
