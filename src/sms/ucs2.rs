//! "UCS-2" as phones and SMSCs actually use it: UTF-16 big-endian (SMPP
//! data_coding 8, TP-DCS UCS2). Characters outside the Basic Multilingual
//! Plane, emoji among them, are surrogate pairs and cost two code units.
//!
//! Encoding never fails. Decoding never fails either: an unpaired surrogate
//! or a dangling odd octet becomes U+FFFD. No I/O here.

/// `text` as UTF-16BE octets.
pub fn encode(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// How many UTF-16 code units `text` costs: 2 for each character outside
/// the BMP, 1 for every other.
pub fn code_units(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// UTF-16BE octets to text; unpaired surrogates and an odd last octet
/// become U+FFFD.
pub fn decode(octets: &[u8]) -> String {
    let pairs = octets.chunks_exact(2);
    let odd = !pairs.remainder().is_empty();
    let units = pairs.map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
    let mut text: String = char::decode_utf16(units)
        .map(|unit| unit.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if odd {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text
}

/// Whether `unit` is the first half of a surrogate pair.
pub(crate) const fn is_high_surrogate(unit: u16) -> bool {
    matches!(unit, 0xD800..=0xDBFF)
}

/// Whether `unit` is the second half of a surrogate pair.
pub(crate) const fn is_low_surrogate(unit: u16) -> bool {
    matches!(unit, 0xDC00..=0xDFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_is_a_surrogate_pair() {
        assert_eq!(encode("😀"), [0xD8, 0x3D, 0xDE, 0x00]);
        assert_eq!(code_units("a😀"), 3);
        assert_eq!(decode(&[0x00, 0x61, 0xD8, 0x3D, 0xDE, 0x00]), "a😀");
    }

    #[test]
    fn broken_input_degrades_to_replacement() {
        // A lone high surrogate, then 'a'.
        assert_eq!(decode(&[0xD8, 0x3D, 0x00, 0x61]), "\u{FFFD}a");
        // A lone low surrogate.
        assert_eq!(decode(&[0xDE, 0x00]), "\u{FFFD}");
        // An odd octet at the end.
        assert_eq!(decode(&[0x00, 0x61, 0x00]), "a\u{FFFD}");
    }
}
