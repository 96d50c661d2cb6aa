//! User data (parameter 033) in CIMD2's character set ⇄ text. CIMD2
//! writes the GSM 03.38 default alphabet in 7-bit ASCII: a septet whose
//! character is ASCII stands for itself, the others are `_` and two
//! characters (`_a"` for ä, `_--` for the underscore itself, `_XX` for the
//! escape to the extension table, so `_XXe` is €). Reading also accepts
//! the four single characters the specification maps (`@`, `$`, `]` for
//! Å, `}` for å) and, as it allows, any other octet as ISO-8859-1. The
//! table is Kannel's (`cimd_combinations` in `smsc_cimd2.c`); GSM 03.38
//! itself is [`sms::gsm7`](crate::sms::gsm7)'s.

use crate::sms::gsm7::{self, Gsm7Char, Gsm7Error};

/// Opens a two-character escape.
const ESCAPE: u8 = b'_';
/// GSM 03.38's escape to the extension table.
const GSM_ESCAPE: u8 = 0x1B;

/// Each escape and the default-alphabet septet it stands for.
const ESCAPES: [([u8; 2], u8); 43] = [
    (*b"Oa", 0x00), // @
    (*b"L-", 0x01), // £
    (*b"Y-", 0x03), // ¥
    (*b"e`", 0x04), // è
    (*b"e'", 0x05), // é
    (*b"u`", 0x06), // ù
    (*b"i`", 0x07), // ì
    (*b"o`", 0x08), // ò
    (*b"C,", 0x09), // Ç
    (*b"O/", 0x0B), // Ø
    (*b"o/", 0x0C), // ø
    (*b"A*", 0x0E), // Å
    (*b"a*", 0x0F), // å
    (*b"gd", 0x10), // Δ
    (*b"--", 0x11), // _
    (*b"gf", 0x12), // Φ
    (*b"gg", 0x13), // Γ
    (*b"gl", 0x14), // Λ
    (*b"go", 0x15), // Ω
    (*b"gp", 0x16), // Π
    (*b"gi", 0x17), // Ψ
    (*b"gs", 0x18), // Σ
    (*b"gt", 0x19), // Θ
    (*b"gx", 0x1A), // Ξ
    (*b"XX", GSM_ESCAPE),
    (*b"AE", 0x1C),  // Æ
    (*b"ae", 0x1D),  // æ
    (*b"ss", 0x1E),  // ß
    (*b"E'", 0x1F),  // É
    (*b"qq", 0x22),  // "
    (*b"ox", 0x24),  // ¤
    (*b"!!", 0x40),  // ¡
    (*b"A\"", 0x5B), // Ä
    (*b"O\"", 0x5C), // Ö
    (*b"N~", 0x5D),  // Ñ
    (*b"U\"", 0x5E), // Ü
    (*b"so", 0x5F),  // §
    (*b"??", 0x60),  // ¿
    (*b"a\"", 0x7B), // ä
    (*b"o\"", 0x7C), // ö
    (*b"n~", 0x7D),  // ñ
    (*b"u\"", 0x7E), // ü
    (*b"a`", 0x7F),  // à
];

/// Why user data does not read as CIMD2 text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// `_` followed by two characters that are no escape.
    #[error("_{} at octet {offset} is not a CIMD2 escape", String::from_utf8_lossy(.pair))]
    UnknownEscape {
        /// The two characters after `_`.
        pair: [u8; 2],
        /// Where the `_` is.
        offset: usize,
    },
    /// `_` with fewer than two characters after it, or `_XX` (the
    /// extension escape) with no septet after it.
    #[error("an escape cut short at octet {offset}")]
    CutEscape {
        /// Where the escape starts.
        offset: usize,
    },
}

/// `text` as CIMD2 user data; every character must be in GSM 03.38's
/// default alphabet or its extension table.
pub fn encode(text: &str) -> Result<Vec<u8>, Gsm7Error> {
    let mut out = Vec::with_capacity(text.len());
    for (offset, ch) in text.char_indices() {
        match gsm7::lookup(ch) {
            Some(Gsm7Char::Base(septet)) => push_septet(&mut out, septet),
            Some(Gsm7Char::Extension(septet)) => {
                push_septet(&mut out, GSM_ESCAPE);
                push_septet(&mut out, septet);
            }
            None => return Err(Gsm7Error::Unencodable { ch, offset }),
        }
    }
    Ok(out)
}

/// One default-alphabet septet: its escape, `$`, or the ASCII character
/// that has the same code.
fn push_septet(out: &mut Vec<u8>, septet: u8) {
    match ESCAPES.iter().find(|(_, s)| *s == septet) {
        Some((pair, _)) => {
            out.push(ESCAPE);
            out.extend_from_slice(pair);
        }
        None if septet == 0x02 => out.push(b'$'),
        None => out.push(septet),
    }
}

/// CIMD2 user data as text.
pub fn decode(data: &[u8]) -> Result<String, TextError> {
    let mut text = String::with_capacity(data.len());
    let mut at = 0;
    while at < data.len() {
        let (unit, len) = read_unit(data, at)?;
        at += len;
        match unit {
            Unit::Septet(GSM_ESCAPE) => {
                let Some((Unit::Septet(code), len)) =
                    (at < data.len()).then(|| read_unit(data, at)).transpose()?
                else {
                    return Err(TextError::CutEscape { offset: at - len });
                };
                at += len;
                text.push_str(&gsm7::decode(&[GSM_ESCAPE, code]));
            }
            Unit::Septet(septet) => text.push_str(&gsm7::decode(&[septet])),
            Unit::Latin1(ch) => text.push(ch),
        }
    }
    Ok(text)
}

/// What one escape or one octet of user data stands for.
enum Unit {
    /// A default-alphabet septet.
    Septet(u8),
    /// A character with no septet of its own: ISO-8859-1.
    Latin1(char),
}

/// The unit at `at` (within `data`) and the octets it takes.
fn read_unit(data: &[u8], at: usize) -> Result<(Unit, usize), TextError> {
    let unit = match data.get(at).copied().unwrap_or_default() {
        ESCAPE => {
            let pair: [u8; 2] = data
                .get(at + 1..at + 3)
                .and_then(|pair| pair.try_into().ok())
                .ok_or(TextError::CutEscape { offset: at })?;
            let (_, septet) = ESCAPES
                .iter()
                .find(|(known, _)| *known == pair)
                .ok_or(TextError::UnknownEscape { pair, offset: at })?;
            return Ok((Unit::Septet(*septet), 3));
        }
        b'@' => Unit::Septet(0x00),
        b'$' => Unit::Septet(0x02),
        b']' => Unit::Septet(0x0E),
        b'}' => Unit::Septet(0x0F),
        octet => match gsm7::lookup(char::from(octet)) {
            Some(Gsm7Char::Base(septet)) if septet == octet => Unit::Septet(septet),
            _ => Unit::Latin1(char::from(octet)),
        },
    };
    Ok((unit, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_escape_reads_as_its_character_and_back() {
        for (pair, septet) in ESCAPES {
            if septet == GSM_ESCAPE {
                continue;
            }
            let written = [ESCAPE, pair[0], pair[1]];
            let text = decode(&written).unwrap();
            assert_eq!(text, gsm7::decode(&[septet]), "{written:?}");
            assert_eq!(encode(&text).unwrap(), written, "{text}");
        }
    }

    #[test]
    fn ascii_letters_stand_for_themselves() {
        let text = "Hello, World 123 #%&()*+-./:;<=>?\r\n";
        assert_eq!(encode(text).unwrap(), text.as_bytes());
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
    }

    #[test]
    fn the_specials_both_ways() {
        assert_eq!(
            encode("Grüße 5$ @home _x").unwrap(),
            b"Gr_u\"_sse 5$ _Oahome _--x"
        );
        assert_eq!(
            encode("€[]{}~^|\\").unwrap(),
            b"_XXe_XX<_XX>_XX(_XX)_XX=_XX_gl_XX_!!_XX/"
        );
        assert_eq!(
            decode(b"_XXe_XX<_XX>_XX(_XX)_XX=_XX_gl_XX_!!_XX/").unwrap(),
            "€[]{}~^|\\"
        );
        // The single-character forms, and ISO-8859-1 octets.
        assert_eq!(decode(b"@$]}").unwrap(), "@$Åå");
        assert_eq!(decode(b"caf\xe9 [\\^ `").unwrap(), "café [\\^ `");
        assert_eq!(decode(b"_qq").unwrap(), "\"");
    }

    #[test]
    fn broken_escapes_are_named() {
        assert_eq!(
            decode(b"ab_zz"),
            Err(TextError::UnknownEscape {
                pair: *b"zz",
                offset: 2
            })
        );
        assert_eq!(decode(b"ab_a"), Err(TextError::CutEscape { offset: 2 }));
        assert_eq!(decode(b"_XX"), Err(TextError::CutEscape { offset: 0 }));
        assert!(encode("日本").is_err());
    }
}
