//! sendsms's `charset`: the text's octets read in the character set the
//! client names, as smsbox's `charset_processing` does with iconv before
//! it recodes to UTF-8 (7-bit) or UTF-16BE (UCS-2). UTF-16 and UCS-2 names
//! are iconv's (big-endian unless `LE` is said); every other name is
//! looked up among the WHATWG labels (ISO-8859-x, windows-125x, KOI8-R,
//! Shift_JIS, ...). No I/O here.

use encoding_rs::Encoding;

/// `octets` as text in `charset`; `None` when the name is unknown or the
/// octets are not valid in it (Kannel: "Charset or body misformed").
pub fn decode(charset: &str, octets: &[u8]) -> Option<String> {
    let name = charset.trim().to_ascii_lowercase();
    match name.as_str() {
        "utf-16be" | "utf16be" | "utf-16" | "utf16" | "ucs-2" | "ucs2" | "ucs-2be" | "ucs2be" => {
            utf16(octets, u16::from_be_bytes)
        }
        "utf-16le" | "utf16le" | "ucs-2le" | "ucs2le" => utf16(octets, u16::from_le_bytes),
        _ => Encoding::for_label(name.as_bytes())?
            .decode_without_bom_handling_and_without_replacement(octets)
            .map(|text| text.into_owned()),
    }
}

/// UTF-16BE as SMS UCS-2 carries it; `None` for an odd length or an
/// unpaired surrogate.
pub fn utf16_be(octets: &[u8]) -> Option<String> {
    utf16(octets, u16::from_be_bytes)
}

fn utf16(octets: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if octets.len() % 2 != 0 {
        return None;
    }
    let units = octets.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_utf8_and_utf16_names_decode() {
        assert_eq!(decode("ISO-8859-1", b"caf\xe9").as_deref(), Some("café"));
        assert_eq!(decode("utf-8", "café".as_bytes()).as_deref(), Some("café"));
        assert_eq!(decode("UTF-16BE", b"\x00h\x00i").as_deref(), Some("hi"));
        assert_eq!(decode("UCS-2", b"\x04\x1f").as_deref(), Some("П"));
        assert_eq!(decode("UTF-16LE", b"h\x00").as_deref(), Some("h"));
    }

    #[test]
    fn unknown_names_and_invalid_octets_are_refused() {
        assert_eq!(decode("klingon", b"x"), None);
        assert_eq!(decode("UTF-8", b"\xff"), None);
        assert_eq!(decode("UTF-16BE", b"\x00"), None);
        assert_eq!(utf16_be(b"\xd8\x00"), None, "an unpaired surrogate");
    }
}
